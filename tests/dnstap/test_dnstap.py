"""dnstap query logging: a known query set decoded by Debian's own reader (fstrm_capture +
dnstap-ldns), sampling and message selection, a reader that stops reading or is absent (answers
never wait; drops are counted in /metrics), the final drain on SIGTERM, and bad settings."""

from __future__ import annotations

import signal
import socket
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import pytest

from conftest import ZONE, Capture, Dnsedge, decode
from harness.dnsedge import need_dnsedge, serve_argv

SENT = 'dnsedge_dnstap_sent_total'
FULL = 'dnsedge_dnstap_dropped_total{reason="queue_full"}'
NO_READER = 'dnsedge_dnstap_dropped_total{reason="no_reader"}'
CONNECTED = 'dnsedge_dnstap_connected'


def q(name, rdtype):
    return dns.message.make_query(name, rdtype, use_edns=0)


def udp(port, name, rdtype, rcode=dns.rcode.NOERROR):
    r = dns.query.udp(q(name, rdtype), "127.0.0.1", port=port, timeout=5)
    assert r.rcode() == rcode
    return r


def question(text: str) -> tuple[str, str]:
    """(qname, qtype) of the question section in dnstap-ldns's rendering of a message."""
    lines = text.splitlines()
    i = lines.index(";; QUESTION SECTION:")
    fields = lines[i + 1].lstrip(";").split()
    return fields[0], fields[-1]


def status(text: str) -> str:
    for line in text.splitlines():
        if "rcode:" in line:
            return line.split("rcode:")[1].split(",")[0].strip()
    raise AssertionError(f"no status in {text!r}")


def wait_connected(srv: Dnsedge):
    srv.wait_until(lambda: srv.metrics().get(CONNECTED) == 1, "connected to the dnstap reader")


def test_known_queries_are_decoded_by_dnstap_ldns(tmp_path, sockdir):
    cap = Capture(tmp_path).start(sockdir / "tap.sock", tmp_path / "tap.fstrm")
    srv = Dnsedge(tmp_path).start(["--dnstap-socket", str(cap.sock)])
    wait_connected(srv)
    udp(srv.dns_port, "example.com.", "A")
    udp(srv.dns_port, "mail.example.com.", "AAAA")
    udp(srv.dns_port, "nothing.example.com.", "A", dns.rcode.NXDOMAIN)
    udp(srv.dns_port, "example.org.", "A", dns.rcode.REFUSED)
    r = dns.query.tcp(q("example.com.", "MX"), "127.0.0.1", port=srv.dns_port, timeout=5)
    assert r.rcode() == dns.rcode.NOERROR
    # SIGTERM drains the queues to the reader before the process exits.
    assert srv.stop() == 0
    assert cap.stop() == 0

    msgs = [d["message"] for d in decode(cap.out)]
    identities = {d["identity"] for d in decode(cap.out)}
    versions = {d["version"] for d in decode(cap.out)}
    assert identities == {socket.gethostname()}
    assert len(versions) == 1 and versions.pop().startswith("dnsedge ")
    want = [("example.com.", "A", "NOERROR", "UDP", "example.com."),
            ("mail.example.com.", "AAAA", "NOERROR", "UDP", "example.com."),
            ("nothing.example.com.", "A", "NXDOMAIN", "UDP", "example.com."),
            ("example.org.", "A", "REFUSED", "UDP", None),
            ("example.com.", "MX", "NOERROR", "TCP", "example.com.")]
    assert len(msgs) == 2 * len(want)
    # Each worker's queue keeps its order; the I/O thread interleaves the queues (UDP, TCP).
    for kind, mtype in (("query", "AUTH_QUERY"), ("response", "AUTH_RESPONSE")):
        got = []
        for m in msgs:
            if m["type"] != mtype:
                continue
            text = m[f"{kind}_message"]
            assert m["socket_family"] == "INET"
            assert m["query_address"] == "127.0.0.1"
            assert m["response_address"] == "127.0.0.1"
            assert m["response_port"] == srv.dns_port
            assert m["query_port"] > 0
            assert "query_time" in m
            assert ("response_time" in m) == (kind == "response")
            assert (f"{'response' if kind == 'query' else 'query'}_message" in m) is False
            got.append((*question(text), status(text), m["socket_protocol"], m.get("query_zone")))
        expect = [(n, t, "NOERROR" if kind == "query" else rc, p, z) for n, t, rc, p, z in want]
        assert sorted(got, key=str) == sorted(expect, key=str)


def test_sampling_and_query_messages_only(tmp_path, sockdir):
    cap = Capture(tmp_path).start(sockdir / "tap.sock", tmp_path / "tap.fstrm")
    srv = Dnsedge(tmp_path).start(["--dnstap-socket", str(cap.sock), "--dnstap-sample", "3",
                                   "--dnstap-messages", "query"])
    wait_connected(srv)
    names = [f"n{i}.example.com." for i in range(9)]
    for n in names:
        udp(srv.dns_port, n, "A", dns.rcode.NXDOMAIN)
    assert srv.stop() == 0
    assert cap.stop() == 0
    msgs = [d["message"] for d in decode(cap.out)]
    assert [m["type"] for m in msgs] == ["AUTH_QUERY"] * 3
    # One query in three, starting with the first.
    assert [question(m["query_message"])[0] for m in msgs] == [names[0], names[3], names[6]]


def test_rate_limited_queries_are_logged_without_a_response(tmp_path, sockdir):
    cap = Capture(tmp_path).start(sockdir / "tap.sock", tmp_path / "tap.fstrm")
    # One response a second per prefix and none slipped: the rest of a burst gets no answer.
    srv = Dnsedge(tmp_path).start(["--dnstap-socket", str(cap.sock), "--rrl-rate", "1", "--rrl-slip", "0"])
    wait_connected(srv)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    wire = q("www.example.com.", "A").to_wire()
    for _ in range(20):
        s.sendto(wire, ("127.0.0.1", srv.dns_port))
    s.settimeout(1)
    answered = 0
    try:
        while True:
            s.recv(4096)
            answered += 1
    except TimeoutError:
        pass
    s.close()
    assert 1 <= answered < 20  # the first of the burst is within the rate
    assert srv.stop() == 0
    assert cap.stop() == 0
    msgs = [d["message"] for d in decode(cap.out)]
    assert sum(m["type"] == "AUTH_QUERY" for m in msgs) == 20
    assert sum(m["type"] == "AUTH_RESPONSE" for m in msgs) == answered


def test_stopped_reader_never_holds_answers_and_drops_are_counted(tmp_path, sockdir):
    cap = Capture(tmp_path).start(sockdir / "tap.sock", tmp_path / "tap.fstrm")
    # Rate limiting off: the flood comes from one address.
    srv = Dnsedge(tmp_path).start(["--dnstap-socket", str(cap.sock), "--rrl-rate", "0"])
    wait_connected(srv)
    cap.send_signal(signal.SIGSTOP)
    try:
        # Far more frames than the socket buffer, the queue and the buffer pool hold together;
        # every query is still answered (dnspython's timeout would fail the test otherwise).
        n = 4000
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(5)
        wire = q("example.com.", "A").to_wire()
        for i in range(n):
            s.sendto(wire, ("127.0.0.1", srv.dns_port))
            r = dns.message.from_wire(s.recv(4096))
            assert r.rcode() == dns.rcode.NOERROR
        s.close()
        m = srv.metrics()
        assert m[FULL] + m[NO_READER] > 0
        assert m[SENT] + m[FULL] + m[NO_READER] <= 2 * n
        # The blocked write times out: the stalled reader is let go, and said so.
        srv.wait_until(lambda: srv.metrics()[CONNECTED] == 0, "disconnected from the stalled reader")
        assert "stopped reading or went away" in srv.log_text()
        assert udp(srv.dns_port, "example.com.", "A")
    finally:
        cap.send_signal(signal.SIGCONT)
    # Once it reads again, it is connected to again and gets what comes next.
    wait_connected(srv)
    udp(srv.dns_port, "after.example.com.", "TXT", dns.rcode.NXDOMAIN)
    assert srv.stop() == 0
    assert cap.stop() == 0
    last = [d["message"] for d in decode(cap.out)][-2:]
    assert sorted(m["type"] for m in last) == ["AUTH_QUERY", "AUTH_RESPONSE"]
    for m in last:
        text = m["query_message" if m["type"] == "AUTH_QUERY" else "response_message"]
        assert question(text) == ("after.example.com.", "TXT")


def test_no_reader_at_startup_warns_once_and_answers(tmp_path, sockdir):
    sock = sockdir / "later.sock"
    srv = Dnsedge(tmp_path).start(["--dnstap-socket", str(sock)])
    for _ in range(5):
        udp(srv.dns_port, "example.com.", "A")
    time.sleep(2.5)  # two reconnection attempts (one per second) pass: still one warning
    m = srv.metrics()
    assert m[NO_READER] == 10
    assert m[SENT] == 0
    assert m[CONNECTED] == 0
    assert srv.log_text().count("dnstap: cannot connect to") == 1
    # A reader that starts later is connected to, and gets what comes next.
    cap = Capture(tmp_path).start(sock, tmp_path / "late.fstrm")
    wait_connected(srv)
    udp(srv.dns_port, "mail.example.com.", "A")
    assert srv.stop() == 0
    assert cap.stop() == 0
    msgs = [d["message"] for d in decode(cap.out)]
    assert [question(m["query_message" if m["type"] == "AUTH_QUERY" else "response_message"])[0]
            for m in msgs] == ["mail.example.com."] * 2


@pytest.mark.parametrize("args, message", [
    (["--dnstap-socket", "{file}"], "exists and is not a unix socket (a regular file)"),
    (["--dnstap-socket", "{dir}"], "exists and is not a unix socket (a directory)"),
    (["--dnstap-socket", "/tmp/" + "x" * 120], "too long"),
    (["--dnstap-socket", "{sock}", "--dnstap-sample", "0"], "--dnstap-sample must be 1..1000000"),
    (["--dnstap-socket", "{sock}", "--dnstap-messages", "all"], "query, response or both"),
])
def test_bad_settings_stop_startup_with_a_clear_error(tmp_path, sockdir, args, message):
    need_dnsedge()
    regular = sockdir / "plain-file"
    regular.write_text("not a socket\n")
    args = [a.format(file=regular, dir=sockdir, sock=sockdir / "s.sock") for a in args]
    argv = serve_argv(data=tmp_path / "data", dns_listen=["127.0.0.1:0"], zone_files=[ZONE],
                      extra=["--no-edge-proxy", "--api-listen", "127.0.0.1:0", *args])
    out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert message in out.stdout + out.stderr
    assert regular.read_text() == "not a socket\n"  # left as it was
