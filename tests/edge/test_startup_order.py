"""Start-up order of `dnsedge serve`: the edge (and every other publish listener) runs before the
API accepts its first request, so a write acknowledged right after the API opened went through
the edge like any other: an app's listener is open when the API answers, and an app whose port
cannot be bound is refused instead of stored without a listener.

Loopback only; ports are chosen free at run time and each dnsedge is stopped by its PID.
"""

from __future__ import annotations

import json
import random
import re
import socket
import time
import urllib.error
import urllib.request

import pytest

from conftest import EDGE, ORIGIN2, Process, free_port, serve_argv, wait_for_log
from harness.dnsedge import bindable, need_dnsedge

TOKEN = "startup-order-token-0123456789"
APP_IP = "127.0.0.140"  # static edge_ips of the apps here (no pool): apart from the other edge tests
ROUNDS = 8


class Server(Process):
    name = "dnsedge"

    def __init__(self, workdir, api_port: int, http_port: int, tag: str):
        super().__init__(workdir, log_path=workdir / f"dnsedge-{tag}.log")
        self.api_port = api_port
        argv = serve_argv(data=workdir / "data", dns_listen=[f"127.0.0.1:{free_port()}"],
                          api_listen=f"127.0.0.1:{api_port}",
                          extra=["--api-token", TOKEN, "--edge-ipv4", EDGE, "--edge-http-ports", str(http_port),
                                 "--edge-https-ports", "none"])
        self.spawn(argv, cwd=workdir)

    def wait_log(self, pattern: str, timeout: float = 20.0) -> re.Match:
        return wait_for_log(self.proc, self.log_text, pattern, timeout, self.log_tail)

    def wait_api_accepts(self, timeout: float = 20.0):
        """Returns as soon as a TCP connection to the API succeeds (no sleep between tries). A
        connection whose source port is the API's own is TCP's self-connect, not the API."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.api_port), timeout=1) as c:
                    if c.getsockname() != c.getpeername():
                        return
            except OSError:
                pass
            assert self.running(), self.log_tail()
            assert time.monotonic() < deadline, "the API never accepted:\n" + self.log_tail()

    def call(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.api_port}/client/v4{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


def port_outside_ephemeral_range() -> int:
    """A free TCP port on 127.0.0.1 below the kernel's ephemeral range: connecting to it in a
    tight loop can then never connect to itself (TCP self-connect) nor hold it when dnsedge binds."""
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    for _ in range(200):
        port = random.randrange(10000, max(low, 10001))
        if bindable("127.0.0.1", port):
            return port
    raise RuntimeError("no free port below the ephemeral range")


def app_body(port: int, name: str) -> dict:
    return {"protocol": f"tcp/{port}", "dns": {"type": "ADDRESS", "name": name},
            "origin_direct": [f"tcp://{ORIGIN2}:{port}"], "proxy_protocol": "off",
            "edge_ips": {"type": "static", "ips": [APP_IP]}}


@pytest.fixture
def binary():
    need_dnsedge()


def test_the_edge_listens_before_the_api_does(tmp_path, binary):
    http_port = free_port(EDGE)
    d = Server(tmp_path, 0, http_port, "order")
    try:
        d.wait_log(r"api: listening on http://\S+/client/v4")
        log = d.log_text()
        edge_at = log.find("edge: HTTP (Host routing) on 1 socket(s)")
        api_at = log.find("api: listening on")
        assert 0 <= edge_at < api_at, log
        # So the edge answers by the time the API is announced.
        socket.create_connection((EDGE, http_port), timeout=2).close()
    finally:
        d.stop()


def test_an_app_written_the_moment_the_api_opens_went_through_the_edge(tmp_path, binary):
    """Repeated: each round starts dnsedge and writes as soon as the API accepts a connection."""
    http_port = free_port(EDGE)
    first = Server(tmp_path, free_port(), http_port, "setup")
    try:
        first.wait_log(r"api: listening on")
        st, body = first.call("POST", "/zones", {"name": "startup.test"})
        assert st == 200, body
        zone_id = body["result"]["id"]
    finally:
        first.stop()
    for n in range(ROUNDS):
        busy_port = free_port(APP_IP, ORIGIN2)
        holder = socket.socket()
        holder.bind((APP_IP, busy_port))
        holder.listen(1)
        d = Server(tmp_path, port_outside_ephemeral_range(), http_port, f"round{n}")
        try:
            d.wait_api_accepts()
            # The edge checks the app's listeners before it is stored: a port in use is refused.
            st, body = d.call("POST", f"/zones/{zone_id}/spectrum/apps", app_body(busy_port, f"busy{n}.startup.test"))
            assert st == 400 and body["errors"][0]["code"] == 11005, (n, body, d.log_tail())
            assert "in use" in body["errors"][0]["message"], body
            # An app that can listen does, by the time its write is acknowledged.
            port = free_port(APP_IP, ORIGIN2)
            st, body = d.call("POST", f"/zones/{zone_id}/spectrum/apps", app_body(port, f"app{n}.startup.test"))
            assert st == 200, (n, body)
            socket.create_connection((APP_IP, port), timeout=2).close()
            st, body = d.call("DELETE", f"/zones/{zone_id}/spectrum/apps/{body['result']['id']}")
            assert st == 200, body
        finally:
            holder.close()
            d.stop()
