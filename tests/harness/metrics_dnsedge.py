"""dnsedge started with --metrics-listen on loopback, ready once GET /readyz answers 200: what the
metrics and dnstap suites start (docs/observability.md)."""

from __future__ import annotations

import http.client
import pathlib

from harness.dnsedge import Process, free_port, need_dnsedge, serve_argv

EXAMPLE_ZONE = pathlib.Path(__file__).resolve().parents[1] / "blackbox" / "zones" / "example.com.zone"


class MetricsDnsedge(Process):
    name = "dnsedge"
    token = "metrics-test-token-0123456789"  # the first API token (--api-token)

    def __init__(self, workdir, zone=EXAMPLE_ZONE):
        """`zone`: the zone file served (None: none)."""
        super().__init__(workdir)
        self.zone = zone

    def start(self, extra=(), proxy=False, wait=True):
        """`proxy`: run the edge proxy too (its flags in `extra`); `wait`: until /readyz says 200."""
        need_dnsedge()
        self.dns_port = free_port()
        self.metrics_port = free_port()
        self.api_port = free_port()
        argv = serve_argv(data=self.workdir / "data", dns_listen=[f"127.0.0.1:{self.dns_port}"],
                          api_listen=f"127.0.0.1:{self.api_port}", zone_files=[self.zone] if self.zone else [],
                          extra=([] if proxy else ["--no-edge-proxy"]) + ["--api-token", self.token,
                                 "--metrics-listen", f"127.0.0.1:{self.metrics_port}", *extra])
        self.spawn(argv)
        if wait:
            self.wait_until(lambda: self.get("/readyz")[0] == 200, "ready (GET /readyz 200)")
        return self

    def get(self, path, method="GET", port=None):
        """(status, body) of one request to the metrics listener; (0, "") when it cannot connect."""
        try:
            c = http.client.HTTPConnection("127.0.0.1", port or self.metrics_port, timeout=5)
            c.request(method, path)
            r = c.getresponse()
            body = r.read().decode()
            c.close()
            return r.status, body
        except OSError:
            return 0, ""

    def scrape(self) -> str:
        status, body = self.get("/metrics")
        assert status == 200, status
        return body
