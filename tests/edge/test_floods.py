"""The edge under connection floods: at --edge-max-connections the oldest idle or incomplete
connection is closed to admit a new one (the new client's own address first), so slow
connections from one source never lock everyone out; the header timeout bounds the whole time to
receive a request head, from accept, not the gaps between bytes.

The flood and the legitimate client share 127.0.0.1 here, as they would behind one NAT.
"""

from __future__ import annotations

import json
import os
import select
import socket
import time

import pytest

from conftest import DNSEDGE_BIN, EDGE, ORIGIN, Dnsedge, zone_text

LIMIT = 40
REQUEST = b"GET /legit HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n"


def status_of(raw: bytes) -> int:
    try:
        return int(raw.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def exchange(port: int, raw: bytes, timeout: float = 5.0) -> bytes:
    with socket.create_connection((EDGE, port), timeout=timeout) as s:
        s.sendall(raw)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return out


def closed_by_peer(s: socket.socket, timeout: float) -> bool:
    r, _, _ = select.select([s], [], [], timeout)
    if not r:
        return False
    try:
        while chunk := s.recv(65536):
            if not select.select([s], [], [], timeout)[0]:
                return False
        return True
    except OSError:
        return True


@pytest.fixture
def flood_edge(tmp_path, ports, origin):
    if not os.path.exists(DNSEDGE_BIN):
        pytest.skip(f"dnsedge binary not found at {DNSEDGE_BIN}")
    d = Dnsedge(tmp_path, zone_text(), http_port=ports[0], https_port=ports[1],
                extra=["--edge-max-connections", str(LIMIT), "--edge-header-timeout", "30"])
    yield d
    d.stop()


def test_slow_connections_from_one_source_do_not_lock_out_a_new_client(flood_edge, origin):
    port = flood_edge.http_port
    flood = []
    try:
        for i in range(LIMIT + 20):
            s = socket.create_connection((EDGE, port), timeout=5)
            if i % 2:
                s.sendall(b"GET / HTTP/1.1\r\nHost: www.exa")  # a head that never completes
            flood.append(s)
        out = exchange(port, REQUEST)
        assert status_of(out) == 200, out[:200]
        assert json.loads(out.split(b"\r\n\r\n", 1)[1])["origin"] == ORIGIN
        assert closed_by_peer(flood[0], 5), "the oldest slow connection was closed to make room"
    finally:
        for s in flood:
            s.close()
    flood_edge.wait_log("to admit new ones")


def test_an_idle_keep_alive_connection_is_shed_for_a_new_client(flood_edge, origin):
    port = flood_edge.http_port
    with socket.create_connection((EDGE, port), timeout=5) as keep:
        keep.sendall(b"GET /1 HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
        f = keep.makefile("rb")
        assert f.readline().startswith(b"HTTP/1.1 200")
        # The kept-alive connection is now the oldest idle one: the flood sheds it first, and
        # the edge stays usable for new clients.
        flood = [socket.create_connection((EDGE, port), timeout=5) for _ in range(LIMIT + 5)]
        try:
            assert status_of(exchange(port, REQUEST)) == 200
            assert closed_by_peer(keep, 5)
        finally:
            for s in flood:
                s.close()


def test_the_header_timeout_counts_from_accept_not_from_the_first_byte(tmp_path, ports, origin):
    if not os.path.exists(DNSEDGE_BIN):
        pytest.skip(f"dnsedge binary not found at {DNSEDGE_BIN}")
    d = Dnsedge(tmp_path, zone_text(), http_port=ports[0], https_port=ports[1],
                extra=["--edge-header-timeout", "3"])
    try:
        with socket.create_connection((EDGE, d.http_port), timeout=10) as s:
            time.sleep(2)  # silent for two thirds of the timeout
            # The rest of the head trickles in over two more seconds: the whole head took longer
            # than the timeout, although no gap between bytes did.
            out = b""
            try:
                for part in (b"GET /late HTTP/1.1\r\n", b"Host: www.example.com\r\n", b"Connection: close\r\n",
                             b"X-A: 1\r\n", b"\r\n"):
                    s.sendall(part)
                    time.sleep(0.5)
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                while chunk := s.recv(65536):
                    out += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        assert status_of(out) == 408, out[:200]
    finally:
        d.stop()


def test_a_slowloris_is_cut_at_the_whole_head_timeout(tmp_path, ports, origin):
    if not os.path.exists(DNSEDGE_BIN):
        pytest.skip(f"dnsedge binary not found at {DNSEDGE_BIN}")
    d = Dnsedge(tmp_path, zone_text(), http_port=ports[0], https_port=ports[1],
                extra=["--edge-header-timeout", "2"])
    try:
        head = b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"  # one byte per 0.5 s: 20 s
        with socket.create_connection((EDGE, d.http_port), timeout=10) as s:
            sent = 0
            closed = False
            for b in head:
                try:
                    s.sendall(bytes([b]))
                except OSError:
                    closed = True
                    break
                sent += 1
                if select.select([s], [], [], 0.5)[0]:
                    closed = True
                    break
            assert closed and sent < len(head)
            out = b""
            try:
                while chunk := s.recv(65536):
                    out += chunk
            except (ConnectionResetError, socket.timeout):
                pass
            assert status_of(out) == 408, out[:200]
    finally:
        d.stop()
