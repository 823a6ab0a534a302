"""DNS over TCP under connection floods: at the connection limit the oldest idle or incomplete
connection is closed to admit a new one (RFC 7766 §6.2.3), so idle connections never lock out a
new client; the query timeout bounds the whole query, not the gaps between its bytes.

Small limits (--tcp-max-connections, --tcp-query-timeout) keep these short.
"""

from __future__ import annotations

import select
import socket
import struct
import time

import dns.message
import dns.rcode
import pytest

from conftest import ZONES, Dnsedge, make_query, read_framed

pytestmark = pytest.mark.dnsedge_only

LIMIT = 40


def tcp_ask(port: int, qname: str, timeout: float = 3.0) -> dns.message.Message | None:
    """One query on a fresh TCP connection; None when the server closed or did not answer."""
    wire = make_query(qname, "A").to_wire()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(struct.pack("!H", len(wire)) + wire)
            raw = read_framed(s)
    except OSError:
        return None
    return dns.message.from_wire(raw) if raw else None


def closed_by_peer(s: socket.socket, timeout: float) -> bool:
    r, _, _ = select.select([s], [], [], timeout)
    if not r:
        return False
    try:
        return s.recv(4096) == b""
    except OSError:
        return True


@pytest.fixture
def server(tmp_path, procs):
    # The limits from the config file's top-level keys (the flags are used below).
    config = tmp_path / "dnsedge.toml"
    config.write_text(f"tcp_max_connections = {LIMIT}\ntcp_query_timeout = 30\n")
    srv = Dnsedge(tmp_path, [ZONES / "example.com.zone"], extra=["--config", str(config)])
    procs.append(srv)
    return srv.start("example.com.")


def test_idle_and_incomplete_connections_do_not_lock_out_a_new_client(server):
    flood = []
    try:
        wire = make_query("www.example.com", "A").to_wire()
        partial = (struct.pack("!H", len(wire)) + wire)[:7]
        for i in range(LIMIT + 20):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            if i % 2:
                s.sendall(partial)  # a query that never completes
            flood.append(s)
        # A legitimate client from the same address is answered at once.
        r = tcp_ask(server.port, "www.example.com")
        assert r is not None, "a new TCP client was locked out by idle connections"
        assert r.rcode() == dns.rcode.NOERROR
        # The oldest flood connections were closed to make room.
        assert closed_by_peer(flood[0], 5)
    finally:
        for s in flood:
            s.close()
    assert "closed" in server.log_text() and "to admit new ones" in server.log_text()


def test_a_trickled_query_is_cut_at_the_whole_query_timeout(tmp_path, procs):
    srv = Dnsedge(tmp_path, [ZONES / "example.com.zone"], extra=["--tcp-query-timeout", "2"])
    procs.append(srv)
    srv.start("example.com.")
    wire = make_query("www.example.com", "A").to_wire()
    framed = struct.pack("!H", len(wire)) + wire
    assert len(framed) > 12  # one byte per 0.5 s: far longer than the 2 s timeout
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
        closed = False
        sent = 0
        for b in framed:
            try:
                s.sendall(bytes([b]))
            except OSError:
                closed = True
                break
            sent += 1
            if closed_by_peer(s, 0.5):
                closed = True
                break
        assert closed, "a query trickled byte by byte kept its connection open"
        assert sent < len(framed)


def test_bad_limits_are_refused(tmp_path):
    import subprocess
    from conftest import DNSEDGE_BIN, need_dnsedge
    need_dnsedge()
    base = [DNSEDGE_BIN, "serve", "--data", str(tmp_path / "d")]
    for flag, value in [("--tcp-max-connections", "0"), ("--tcp-query-timeout", "-1"),
                        ("--api-max-connections", "0"), ("--api-request-timeout", "0"),
                        ("--api-write-timeout", "nan"), ("--api-max-pending-response-bytes", "10"),
                        ("--edge-max-connections", "0")]:
        p = subprocess.run(base + [flag, value], capture_output=True, text=True, timeout=20)
        assert p.returncode == 2, (flag, p.stderr)
        assert flag in p.stderr, (flag, p.stderr)
    for key, value in [("tcp_max_connections", "-5"), ("api_write_timeout", '"soon"'),
                       ("api_max_pending_response_bytes", "1.5")]:
        config = tmp_path / "bad.toml"
        config.write_text(f"{key} = {value}\n")
        p = subprocess.run(base + ["--config", str(config)], capture_output=True, text=True, timeout=20)
        assert p.returncode == 2, (key, p.stderr)
        assert key in p.stderr, (key, p.stderr)
