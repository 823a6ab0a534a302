"""The seed's mail story (SPEC §3–§4), with real mail software: swaks as the sending MTA and
aiosmtpd as the receiving one.

1. example.com is proxied and its MX points at itself. Mail to the proxied name's address (the
   edge) on port 25 is refused: nothing listens there.
2. The MX answer is a dc-record whose address is the origin: mail to it is delivered.
3. With a Spectrum app for tcp/25 and proxy_protocol v1, mail to the app's address goes through
   the edge, and the origin learns the client's real address from the PROXY header.

Port 25 is used when the tests may bind it (root); otherwise one high port stands for it
throughout, which changes nothing in the story.
"""

import os
import re
import socket
import subprocess
import time

import dns.message
import dns.query
import dns.rdatatype
import pytest

from conftest import (CLIENT, EDGE, ORIGIN, ORIGIN2, POOL, Dnsedge, _bindable, free_port, need, refused,
                      zone_text)

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller", reason="python3-aiosmtpd is not installed")


def smtp_port() -> int:
    if os.geteuid() == 0 and all(_bindable(h, 25) for h in (ORIGIN, ORIGIN2, EDGE, "127.0.0.64")):
        return 25
    return free_port(ORIGIN, ORIGIN2, EDGE)


class Mailbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_PROXY(self, server, session, envelope, proxy_data):
        return True

    async def handle_DATA(self, server, session, envelope):
        pd = session.proxy_data
        self.messages.append({"peer": session.peer[0], "rcpt": list(envelope.rcpt_tos),
                              "proxy_src": str(pd.src_addr) if pd else None,
                              "proxy_dst": str(pd.dst_addr) if pd else None,
                              "proxy_version": pd.version if pd else None,
                              "data": envelope.content})
        return "250 OK queued"


@pytest.fixture(scope="module")
def port25():
    return smtp_port()


@pytest.fixture(scope="module")
def mx_origin(port25):
    """The mail server at the origin address (what the dc-record answers)."""
    box = Mailbox()
    c = aiosmtpd_controller.Controller(box, hostname=ORIGIN, port=port25)
    c.start()
    yield box
    c.stop()


@pytest.fixture(scope="module")
def proxy_origin(port25):
    """A mail server behind the Spectrum app, requiring a PROXY protocol header."""
    box = Mailbox()
    c = aiosmtpd_controller.Controller(box, hostname=ORIGIN2, port=port25, proxy_protocol_timeout=5)
    c.start()
    yield box
    c.stop()


@pytest.fixture(scope="module")
def dnsedge(tmp_path_factory, ports):
    if not os.path.exists(os.environ.get("DNSEDGE_BIN", "/work/main/build/dnsedge")):
        pytest.skip("dnsedge binary not found")
    d = Dnsedge(tmp_path_factory.mktemp("mail"), zone_text(), http_port=ports[0], https_port=ports[1],
                extra=["--spectrum-pool", POOL])
    yield d
    d.stop()


def ask(d, name, qtype):
    q = dns.message.make_query(name, qtype)
    r = dns.query.udp(q, "127.0.0.1", port=d.dns_port, timeout=3)
    return [rd for rrset in r.answer for rd in rrset if rrset.rdtype == dns.rdatatype.from_text(qtype)]


def swaks(server: str, port: int, *, to="postmaster@example.com", local=None):
    need("swaks")
    argv = ["swaks", "--server", server, "--port", str(port), "--to", to, "--from", "sender@example.org",
            "--helo", "client.example.org", "--timeout", "10", "--header", "Subject: through the edge"]
    if local:
        argv += ["--local-interface", local]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def test_smtp_to_the_proxied_name_is_refused(dnsedge, port25, mx_origin):
    addrs = [rd.address for rd in ask(dnsedge, "example.com.", "A")]
    assert addrs == [EDGE]  # the proxied name answers the edge, never the origin
    out = swaks(EDGE, port25)
    assert out.returncode != 0
    assert "refused" in (out.stdout + out.stderr).lower()
    assert refused(EDGE, port25)
    assert mx_origin.messages == []


def test_smtp_to_the_mx_answer_delivers(dnsedge, port25, mx_origin):
    mx = ask(dnsedge, "example.com.", "MX")
    assert len(mx) == 1
    target = mx[0].exchange.to_text()
    assert re.fullmatch(r"dc-[0-9a-f]{8}\.example\.com\.", target)
    addrs = [rd.address for rd in ask(dnsedge, target, "A")]
    assert addrs == [ORIGIN]  # the dc-record exposes the origin, on purpose
    out = swaks(addrs[0], port25)
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(mx_origin.messages) == 1
    assert mx_origin.messages[0]["rcpt"] == ["postmaster@example.com"]


@pytest.fixture(scope="module")
def spectrum_edge(tmp_path_factory, ports, port25):
    """dnsedge with a tcp/25 Spectrum app (proxy_protocol v1) to the PROXY-speaking origin."""
    d = Dnsedge(tmp_path_factory.mktemp("spectrum"), zone_text(), http_port=ports[0], https_port=ports[1],
                extra=["--spectrum-pool", POOL,
                       "--spectrum-app", f"tcp/{port25}={ORIGIN2}:{port25},proxy=v1,name=smtp.example.com"])
    m = d.wait_log(r"spectrum: tcp/\d+ smtp\.example\.com -> \S+ \(proxy_protocol v1\) on (\S+)")
    d.app_address = m.group(1)
    yield d
    d.stop()


def test_spectrum_app_delivers_with_the_clients_real_address(spectrum_edge, port25, proxy_origin):
    app = spectrum_edge.app_address
    assert app.startswith("127.0.0.") and 64 <= int(app.rsplit(".", 1)[1]) < 80  # from the pool
    assert refused(EDGE, port25)  # the edge address itself still refuses port 25
    out = swaks(app, port25, local=CLIENT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(proxy_origin.messages) == 1
    m = proxy_origin.messages[0]
    assert m["proxy_src"] == CLIENT  # the real client, from the PROXY v1 header
    assert m["proxy_dst"] == app
    assert m["peer"] != CLIENT       # the TCP peer is the edge
    assert b"Subject: through the edge" in m["data"]


def test_spectrum_app_from_the_config_file_with_proxy_v2(tmp_path, ports, port25, proxy_origin):
    app_ip = "127.0.0.70"
    app_port = free_port(app_ip)
    cfg = tmp_path / "dnsedge.toml"
    cfg.write_text(f"""
[edge]
spectrum_pool = ["{POOL}"]

[[spectrum_app]]
protocol = "tcp/{app_port}"
dns = {{ type = "ADDRESS", name = "smtp2.example.com" }}
origin_direct = ["tcp://127.0.0.35:{port25}", "tcp://{ORIGIN2}:{port25}"]
proxy_protocol = "v2"
ip_firewall = true
edge_ips = ["{app_ip}"]
""")
    d = Dnsedge(tmp_path, zone_text(), http_port=ports[0], https_port=ports[1], extra=["--config", str(cfg)])
    try:
        d.wait_log(r"spectrum: tcp/\d+ smtp2\.example\.com")
        before = len(proxy_origin.messages)
        for _ in range(2):  # round-robin: one of the two starts at the dead origin and fails over
            out = swaks(app_ip, app_port, local=CLIENT)
            assert out.returncode == 0, out.stdout + out.stderr
        new = proxy_origin.messages[before:]
        assert [m["proxy_src"] for m in new] == [CLIENT, CLIENT]
        assert {m["proxy_version"] for m in new} == {2}
    finally:
        d.stop()


def test_spectrum_app_origin_down_closes_the_connection(tmp_path, ports):
    app_ip = "127.0.0.71"
    app_port = free_port(app_ip)
    d = Dnsedge(tmp_path, zone_text(), http_port=ports[0], https_port=ports[1],
                extra=["--spectrum-app", f"tcp/{app_port}=127.0.0.36:{app_port},edge_ip={app_ip}"])
    try:
        d.wait_log("spectrum: ")
        s = socket.create_connection((app_ip, app_port), timeout=5)
        t0 = time.monotonic()
        assert s.recv(100) == b""
        assert time.monotonic() - t0 < 5
        s.close()
    finally:
        d.stop()
