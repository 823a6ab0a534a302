"""The metrics suite: dnsedge started with --metrics-listen on loopback (docs/observability.md).

Run with Debian's interpreter:  DNSEDGE_BIN=build/dnsedge /usr/bin/python3 -m pytest tests/metrics
"""

from __future__ import annotations

import http.client
import pathlib
import re

import pytest

from harness.dnsedge import Process, attach_logs, free_port, need_dnsedge, serve_argv

ZONE = pathlib.Path(__file__).resolve().parents[1] / "blackbox" / "zones" / "example.com.zone"
TOKEN = "metrics-test-token-0123456789"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    attach_logs(outcome.get_result())


class Dnsedge(Process):
    name = "dnsedge"

    def __init__(self, workdir, zone=ZONE):
        """`zone`: the zone file served (None: none)."""
        super().__init__(workdir)
        self.zone = zone

    def start(self, extra=(), proxy=False):
        """`proxy`: run the edge proxy too (its flags in `extra`)."""
        need_dnsedge()
        self.dns_port = free_port()
        self.metrics_port = free_port()
        self.api_port = free_port()
        argv = serve_argv(data=self.workdir / "data", dns_listen=[f"127.0.0.1:{self.dns_port}"],
                          api_listen=f"127.0.0.1:{self.api_port}", zone_files=[self.zone] if self.zone else [],
                          extra=([] if proxy else ["--no-edge-proxy"]) + ["--api-token", TOKEN,
                                 "--metrics-listen", f"127.0.0.1:{self.metrics_port}", *extra])
        self.spawn(argv)
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


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def parse(text: str) -> dict[str, float]:
    """Series ("name{labels}" as written) → value."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


@pytest.fixture
def server(tmp_path):
    srv = Dnsedge(tmp_path).start()
    yield srv
    srv.stop()
