"""Hostile and broken clients at the edge's HTTP port: malformed heads get 400, oversized heads
431, slow heads 408, and none of it costs more than a bounded amount of memory."""

import os
import socket
import time

from conftest import EDGE, http_exchange


def status_of(raw: bytes) -> int:
    assert raw.startswith(b"HTTP/1.1 "), raw[:200]
    return int(raw.split(b" ", 2)[1])


def test_malformed_requests_are_400(edge, origin):
    for raw in (b"GARBAGE\r\n\r\n",
                b"GET / HTTP/1.1\r\n\r\n",                                    # no Host
                b"GET / HTTP/1.1\r\nHost: www.example.com\r\nBad Header: x\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: www.example.com\r\n folded: x\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: bad_host!\r\n\r\n",
                b"POST / HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 3\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",              # smuggling attempt
                b"POST / HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                b"CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n",
                b"\x16\x03\x01\x00\xa0\x01\x00\x00\x9c\x03\x03\r\n\r\n"):  # TLS on the HTTP port
        out = http_exchange(edge.http_port, raw)
        assert status_of(out) == 400, raw
        assert b"Connection: close" in out


def test_bad_chunked_body_is_400(edge, origin):
    out = http_exchange(edge.http_port, b"POST / HTTP/1.1\r\nHost: www.example.com\r\n"
                                        b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n")
    assert status_of(out) == 400


def test_unsupported_versions_are_505(edge):
    assert status_of(http_exchange(edge.http_port, b"GET / HTTP/2.0\r\nHost: www.example.com\r\n\r\n")) == 505
    assert status_of(http_exchange(edge.http_port, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")) == 505


def test_head_over_32k_is_431(edge):
    big = b"GET / HTTP/1.1\r\nHost: www.example.com\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n"
    assert status_of(http_exchange(edge.http_port, big)) == 431
    many = b"GET / HTTP/1.1\r\nHost: www.example.com\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(200)) + b"\r\n"
    assert status_of(http_exchange(edge.http_port, many)) == 431


def test_head_just_under_32k_is_served(edge, origin):
    pad = 32 * 1024 - 200
    raw = b"GET / HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\nX-Pad: " + b"a" * pad + b"\r\n\r\n"
    assert status_of(http_exchange(edge.http_port, raw)) == 200


def test_slowloris_gets_408(edge):
    # The header timeout is 1 s in this suite: bytes keep trickling in, the head never completes.
    s = socket.create_connection((EDGE, edge.http_port), timeout=5)
    t0 = time.monotonic()
    s.sendall(b"GET / HTTP/1.1\r\n")
    out = b""
    try:
        for i in range(30):
            s.sendall(b"X-%d: y\r\n" % i)
            time.sleep(0.1)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        while chunk := s.recv(4096):
            out += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    elapsed = time.monotonic() - t0
    s.close()
    assert out.startswith(b"HTTP/1.1 408 "), out[:100]
    assert elapsed < 4


def test_idle_connection_without_bytes_is_closed_quietly(edge):
    s = socket.create_connection((EDGE, edge.http_port), timeout=5)
    t0 = time.monotonic()
    assert s.recv(100) == b""  # closed by the edge, no 408 for a client that never spoke
    assert time.monotonic() - t0 < 4
    s.close()


def test_half_closed_client_still_gets_its_response(edge, origin):
    s = socket.create_connection((EDGE, edge.http_port), timeout=5)
    s.sendall(b"GET /half HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
    s.shutdown(socket.SHUT_WR)
    out = b""
    while chunk := s.recv(65536):
        out += chunk
    s.close()
    assert status_of(out) == 200
    assert b'"/half"' in out


def test_client_vanishing_mid_body_does_not_hurt_the_edge(edge, origin):
    s = socket.create_connection((EDGE, edge.http_port), timeout=5)
    s.sendall(b"POST / HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)
    s.close()
    out = http_exchange(edge.http_port, b"GET /after HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n")
    assert status_of(out) == 200


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_memory_per_connection_is_bounded(edge, origin):
    before = rss_kib(edge.proc.pid)
    socks = []
    try:
        for _ in range(200):
            s = socket.create_connection((EDGE, edge.http_port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: www.example.com\r\nX-Fill: " + b"f" * 30000)  # an almost full head
            socks.append(s)
        time.sleep(0.3)
        grown = rss_kib(edge.proc.pid) - before
    finally:
        for s in socks:
            s.close()
    # Two 32 KiB buffers per HTTP connection, plus bookkeeping: well under 100 KiB each.
    assert grown < 200 * 100, f"RSS grew by {grown} KiB for 200 connections"
