"""Helpers of the REST API black-box suite (tests/api): starts the real `dnsedge serve` with a store, an API
token and DNS on free loopback ports, then drives it over HTTP (stdlib urllib) and DNS
(dnspython).

Run with Debian's interpreter:  /usr/bin/python3 -m pytest tests/api

There is deliberately no conftest.py here: tests/blackbox's tests do `from conftest import ...`,
and a second conftest module would shadow theirs when both directories run in one session
(`make test`). Test modules import the fixtures below from this module instead.

Environment:
  DNSEDGE_BIN   path of the dnsedge binary (default /work/main/build/dnsedge); tests skip when it
                does not exist.
"""

from __future__ import annotations

import json
import os
import pathlib
import urllib.error
import urllib.request

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from harness.dnsedge import DNSEDGE_BIN, Process, free_port, serve_argv  # noqa: F401

TOKEN = "test-token-0123456789"
EDGE4 = ["127.0.0.11", "127.0.0.12"]
EDGE6 = ["::1"]


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def result(self):
        return self.json["result"]

    def error_codes(self) -> list[int]:
        return [e["code"] for e in self.json["errors"]]

    def __repr__(self):
        return f"<Response {self.status} {self.body[:400]!r}>"


class Server(Process):
    """One `dnsedge serve` process with its data directory."""

    name = "dnsedge"

    def __init__(self, workdir: pathlib.Path, zone_files=(), extra=(), token_args=None, umask: int | None = None):
        self.workdir = workdir
        self.data = workdir / "data"
        self.zone_files = list(zone_files)
        self.extra = list(extra)
        # How the first API token is given (default: --api-token TOKEN); the process's umask.
        self.token_args = ["--api-token", TOKEN] if token_args is None else list(token_args)
        self.umask = umask
        self.dns_port = free_port()
        self.api_port = free_port()
        super().__init__(workdir, log_path=workdir / f"dnsedge-{self.api_port}.log")
        self.prefix: list[str] = []  # argv before the binary (e.g. nsenter into a mount namespace)

    # --- process ---

    def start(self, timeout: float = 20.0):
        if not os.path.exists(DNSEDGE_BIN):
            pytest.skip(f"dnsedge binary not found at {DNSEDGE_BIN}")
        argv = self.prefix + serve_argv(
            data=self.data, dns_listen=[f"127.0.0.1:{self.dns_port}"], api_listen=f"127.0.0.1:{self.api_port}",
            zone_files=self.zone_files,
            extra=[*self.token_args, "--edge-ipv4", ",".join(EDGE4), "--edge-ipv6", ",".join(EDGE6),
                   "--no-edge-proxy", *self.extra])
        kw = {} if self.umask is None else {"umask": self.umask}
        self.spawn(argv, **kw)
        return self.wait_until(self.dns_alive, "answering DNS", timeout)

    def dns_alive(self) -> bool:
        try:
            self.query("ready.invalid.", "SOA", timeout=0.2)
            return True
        except Exception:
            return False

    def stop(self):
        super().stop(strict=False)
        self.proc = None

    def kill9(self):
        self.kill()
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def log_text(self) -> str:
        return super().log_text()[-8000:]

    # --- HTTP ---

    def request(self, method: str, path: str, body=None, *, token: str | None = TOKEN, headers=None,
                raw: bytes | None = None, content_type: str | None = None, timeout: float = 30) -> Response:
        url = f"http://127.0.0.1:{self.api_port}/client/v4{path}"
        data = raw
        hdrs = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if content_type:
            hdrs["Content-Type"] = content_type
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def create_zone(self, name: str) -> str:
        r = self.post("/zones", {"name": name})
        assert r.status == 200, r
        return r.result["id"]

    def add(self, zone_id: str, **record) -> dict:
        r = self.post(f"/zones/{zone_id}/dns_records", record)
        assert r.status == 200 and r.json["success"], r
        return r.json

    def records(self, zone_id: str, **params) -> list[dict]:
        qs = "&".join(f"{k}={v}" for k, v in params.items())
        r = self.get(f"/zones/{zone_id}/dns_records?per_page=50000&{qs}")
        assert r.status == 200, r
        return r.result

    # --- DNS ---

    def query(self, name: str, rdtype: str = "A", *, tcp: bool = False, timeout: float = 2.0) -> dns.message.Message:
        q = dns.message.make_query(name, dns.rdatatype.from_text(rdtype))
        q.flags &= ~dns.flags.RD
        if tcp:
            return dns.query.tcp(q, "127.0.0.1", port=self.dns_port, timeout=timeout)
        return dns.query.udp(q, "127.0.0.1", port=self.dns_port, timeout=timeout)

    def answer(self, name: str, rdtype: str = "A") -> list[str]:
        """The answer section's rdata of `rdtype` as sorted text."""
        m = self.query(name, rdtype)
        out = []
        for rrset in m.answer:
            if rrset.rdtype == dns.rdatatype.from_text(rdtype):
                out += [r.to_text() for r in rrset]
        return sorted(out)

    def rcode(self, name: str, rdtype: str = "A") -> str:
        return dns.rcode.to_text(self.query(name, rdtype).rcode())

    def serial(self, zone: str) -> int:
        return int(self.answer(zone + ".", "SOA")[0].split()[2])


@pytest.fixture
def server(tmp_path):
    """A running server; its log is printed at teardown (pytest shows it when the test fails)."""
    s = Server(tmp_path).start()
    yield s
    s.stop()
    print(f"--- dnsedge log ({s.log_path}) ---\n{s.log_text()}")


@pytest.fixture
def zone(server):
    """(server, zone id) of a fresh API zone example.com."""
    return server, server.create_zone("example.com")
