"""What the HTTP tests of tests/web share: a real `dnsedge serve` with the REST API and the
dashboard on a free loopback port, started once per test module and stopped by its PID."""

from __future__ import annotations

import socket

import pytest

from harness.dnsedge import Process, free_port, need_dnsedge, serve_argv

TOKEN = "web-test-token-0123456789"


class Server(Process):
    name = "dnsedge"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    need_dnsedge()
    work = tmp_path_factory.mktemp("web")
    port = free_port()
    s = Server(work)
    s.spawn(serve_argv(data=work / "data", dns_listen=[f"127.0.0.1:{free_port()}"], api_listen=f"127.0.0.1:{port}",
                       extra=["--api-token", TOKEN, "--edge-ipv4", "127.0.0.11", "--no-edge-proxy"]))

    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    s.wait_until(up, "listening on the API port")
    s.port = port
    yield s
    s.stop()
