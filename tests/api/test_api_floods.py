"""The API under connection floods and slow readers: at --api-max-connections the oldest idle or
incomplete connection is closed to admit a new one; --api-request-timeout bounds the whole time
to receive a request, not the gaps between bytes; responses clients do not read are capped in
total (--api-max-pending-response-bytes), so they neither grow memory nor stop anyone else.

The flood and the legitimate client share 127.0.0.1 here.
"""

from __future__ import annotations

import pathlib
import select
import socket
import time

import pytest

from apihelp import TOKEN, Server

LIMIT = 40


def closed_by_peer(s: socket.socket, timeout: float) -> bool:
    """True when the server closed `s` (whatever it sent before)."""
    try:
        while select.select([s], [], [], timeout)[0]:
            if s.recv(1 << 20) == b"":
                return True
    except OSError:
        return True
    return False


def vm_rss_kib(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def start(tmp_path, *flags) -> Server:
    return Server(tmp_path, extra=list(flags)).start()


def test_a_slow_connection_flood_does_not_lock_out_a_new_client(tmp_path):
    s = start(tmp_path, "--api-max-connections", str(LIMIT), "--api-request-timeout", "60")
    flood = []
    try:
        for i in range(LIMIT + 20):
            c = socket.create_connection(("127.0.0.1", s.api_port), timeout=5)
            if i % 2:
                c.sendall(b"GET /client/v4/zones HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never completes
            flood.append(c)
        r = s.get("/zones", timeout=10)
        assert r.status == 200, r
        assert closed_by_peer(flood[0], 5), "the oldest slow connection was closed to make room"
    finally:
        for c in flood:
            c.close()
        s.stop()
    assert "to admit new ones" in s.log_text()


def test_a_trickled_request_is_cut_at_the_whole_request_timeout(tmp_path):
    s = start(tmp_path, "--api-request-timeout", "2")
    try:
        head = f"GET /client/v4/zones HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode()
        with socket.create_connection(("127.0.0.1", s.api_port), timeout=10) as c:
            sent, closed = 0, False
            for b in head:  # one byte per 0.5 s: far longer than 2 s
                try:
                    c.sendall(bytes([b]))
                except OSError:
                    closed = True
                    break
                sent += 1
                if select.select([c], [], [], 0.5)[0]:
                    closed = True
                    break
            assert closed and sent < len(head), "a request trickled byte by byte kept its connection"
            assert closed_by_peer(c, 5)
    finally:
        s.stop()


def _multipart(text: str, boundary="dnsedgeFloodBoundary") -> tuple[bytes, str]:
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"z.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n{text}\r\n--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _unread_listing(port: int, path: str) -> socket.socket:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # and never read: the response stalls
    c.connect(("127.0.0.1", port))
    c.sendall(f"GET /client/v4{path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
    return c


def _big_zone(s: Server, records: int) -> str:
    """Imports a zone of `records` TXT records; returns the path listing all of them."""
    zid = s.create_zone("big.example")
    pad = "x" * 80
    text = "$ORIGIN big.example.\n$TTL 300\n" + "".join(f"r{i} TXT \"{pad}{i}\"\n" for i in range(records))
    body, ctype = _multipart(text)
    r = s.post(f"/zones/{zid}/dns_records/import", raw=body, content_type=ctype, timeout=120)
    assert r.status == 200, r
    return f"/zones/{zid}/dns_records?per_page=50000"


def test_a_client_that_does_not_read_is_closed_at_the_write_timeout(tmp_path):
    s = start(tmp_path, "--api-write-timeout", "1")
    try:
        listing = _big_zone(s, 10000)  # about 4.7 MB: more than the socket buffers hold
        c = _unread_listing(s.api_port, listing)
        try:
            time.sleep(3)  # not reading, three times the write timeout
            # Closed: what the server had already handed to its socket arrives, then EOF. Not
            # closed: the whole response would arrive and the kept-alive connection stay open.
            assert closed_by_peer(c, 5), "a client that never reads kept its connection"
        finally:
            c.close()
        assert s.get("/zones").status == 200
    finally:
        s.stop()


def test_unread_big_listings_neither_grow_memory_nor_stop_other_calls(tmp_path):
    s = start(tmp_path, "--api-max-pending-response-bytes", str(4 << 20))
    readers = []
    try:
        listing = _big_zone(s, 8000)
        big = s.get(listing, timeout=60)
        assert big.status == 200 and len(big.body) > 3 << 20, len(big.body)
        before = vm_rss_kib(s.proc.pid)
        for _ in range(12):
            readers.append(_unread_listing(s.api_port, listing))
        # Another client's call is answered (after the listings queued before it were built:
        # requests run in order on the controller's writer thread).
        r = s.get("/zones", timeout=120)
        assert r.status == 200, r
        # 12 unread listings of 3.6 MiB each: over 43 MiB if all were held (twice that with a
        # copy each). The cap keeps one; the connections of the others are closed and
        # their memory freed (polled: the closes finish on the I/O thread just after the answer).
        grown_mib = 0.0
        for _ in range(50):
            grown_mib = (vm_rss_kib(s.proc.pid) - before) / 1024
            if grown_mib < 48:
                break
            time.sleep(0.1)
        assert grown_mib < 48, f"RSS grew by {grown_mib:.0f} MiB with 12 unread listings"
        assert closed_by_peer(readers[0], 10), "the oldest unread response's connection was closed"
    finally:
        for c in readers:
            c.close()
        s.stop()
    assert "waiting for their readers" in s.log_text()
