"""HTTP through the edge (SPEC §4): Host routing to the proxied record's origin on the same port,
forwarding headers, bodies both ways, keep-alive, WebSocket, failover and error pages."""

import hashlib
import json
import re
import socket
import subprocess

import pytest

from conftest import EDGE, ORIGIN, http_exchange, need, read_response, ws_read, ws_send


def curl(port, host, path="/", *args, timeout=10):
    """curl to a name through the edge (--resolve pins the name to the edge address, as DNS does)."""
    need("curl")
    url = f"http://{host}:{port}{path}"
    out = subprocess.run(["curl", "-sS", "--max-time", str(timeout), "--resolve", f"{host}:{port}:{EDGE}",
                          "-w", "\n%{http_code}", *args, url], capture_output=True, text=True)
    body, _, code = out.stdout.rpartition("\n")
    return int(code or 0), body, out.stderr


def test_get_reaches_the_origin_with_forwarding_headers(edge, origin):
    port = edge.http_port
    code, body, _ = curl(port, "www.example.com", "/hello?x=1")
    assert code == 200
    info = json.loads(body)
    assert info["origin"] == ORIGIN
    assert info["path"] == "/hello?x=1"
    h = info["headers"]
    assert h["host"] == f"www.example.com:{port}"
    assert h["x-forwarded-for"] == "127.0.0.1"
    assert h["cf-connecting-ip"] == "127.0.0.1"
    assert h["x-forwarded-proto"] == "http"


def test_client_supplied_forwarding_headers_are_not_trusted(edge, origin):
    code, body, _ = curl(edge.http_port, "www.example.com", "/", "-H", "X-Forwarded-For: 198.51.100.9",
                         "-H", "CF-Connecting-IP: 6.6.6.6", "-H", "X-Forwarded-Proto: https")
    assert code == 200
    h = json.loads(body)["headers"]
    assert h["x-forwarded-for"] == "198.51.100.9, 127.0.0.1"  # appended, like Cloudflare
    assert h["cf-connecting-ip"] == "127.0.0.1"
    assert h["x-forwarded-proto"] == "http"


def test_host_is_case_insensitive_and_apex_works(edge, origin):
    code, body, _ = curl(edge.http_port, "EXAMPLE.com", "/")
    assert code == 200 and json.loads(body)["origin"] == ORIGIN


def test_post_with_a_body(edge, origin, tmp_path):
    data = bytes(range(256)) * 4096  # 1 MiB
    f = tmp_path / "body.bin"
    f.write_bytes(data)
    code, body, _ = curl(edge.http_port, "www.example.com", "/upload", "--data-binary", f"@{f}")
    assert code == 200
    info = json.loads(body)
    assert info["method"] == "POST"
    assert info["body_len"] == len(data)
    assert info["body_sha256"] == hashlib.sha256(data).hexdigest()


def test_post_with_a_chunked_body(edge, origin, tmp_path):
    data = b"chunk me " * 10000
    f = tmp_path / "body.txt"
    f.write_bytes(data)
    code, body, _ = curl(edge.http_port, "www.example.com", "/upload", "-H", "Transfer-Encoding: chunked",
                         "--data-binary", f"@{f}")
    assert code == 200
    info = json.loads(body)
    assert info["body_len"] == len(data)
    assert info["body_sha256"] == hashlib.sha256(data).hexdigest()


def test_keep_alive_two_requests_one_connection(edge, origin):
    need("curl")
    port = edge.http_port
    url = f"http://www.example.com:{port}/a"
    out = subprocess.run(["curl", "-sv", "--resolve", f"www.example.com:{port}:{EDGE}", url, url.replace("/a", "/b")],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert "Re-using existing connection" in out.stderr or "Reusing existing connection" in out.stderr
    docs = [json.loads(x) for x in out.stdout.replace("}{", "}\n{").splitlines()]
    assert [d["path"] for d in docs] == ["/a", "/b"]
    assert docs[0]["connection"] == docs[1]["connection"]  # the origin connection was reused too


def test_pipelined_requests_are_answered_in_order(edge, origin):
    s = socket.create_connection((EDGE, edge.http_port), timeout=5)
    req = b"GET /%d HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
    s.sendall(req % 1 + req % 2 + b"HEAD /3 HTTP/1.1\r\nHost: www.example.com\r\n\r\n" + req % 4)
    f = s.makefile("rb")
    paths = []
    for expect_body in (True, True, False, True):
        status, headers, body = read_response(f) if expect_body else _read_head_only(f)
        assert status == 200
        if expect_body:
            paths.append(json.loads(body)["path"])
    assert paths == ["/1", "/2", "/4"]
    s.close()


def _read_head_only(f):
    status = int(f.readline().split()[1])
    headers = {}
    while (line := f.readline()) not in (b"\r\n", b""):
        k, v = line.decode().split(":", 1)
        headers[k.lower()] = v.strip()
    return status, headers, b""


def test_chunked_and_until_close_responses(edge, origin):
    code, body, _ = curl(edge.http_port, "www.example.com", "/chunked")
    assert (code, body) == (200, "hello chunked world")
    code, body, _ = curl(edge.http_port, "www.example.com", "/close")
    assert (code, body) == (200, "until-close body")


def test_large_download_streams(edge, origin):
    need("curl")
    port = edge.http_port
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                          "--resolve", f"www.example.com:{port}:{EDGE}",
                          f"http://www.example.com:{port}/big=20000000"], capture_output=True, text=True, timeout=30)
    assert out.stdout == "200 20000000"


def test_websocket_upgrade_and_echo(edge, origin):
    s = socket.create_connection((EDGE, edge.http_port), timeout=5)
    s.sendall(b"GET /ws HTTP/1.1\r\nHost: www.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101")
    assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head  # RFC 6455 §1.3 example key → accept
    for msg in (b"hi", b"x" * 70000):
        ws_send(s, 1, msg)
        assert ws_read(s) == (1, b"echo: " + msg)
    ws_send(s, 8, b"\x03\xe8")
    assert ws_read(s)[0] == 8
    s.close()


def test_proxied_cname_and_wildcards(edge, origin):
    code, body, _ = curl(edge.http_port, "alias.example.com")
    assert code == 200 and json.loads(body)["origin"] == ORIGIN
    code, body, _ = curl(edge.http_port, "a.b.wild.example.com")
    assert code == 200 and json.loads(body)["origin"] == ORIGIN
    code, body, _ = curl(edge.http_port, "txt.wild.example.com")  # an existing name stops the wildcard
    assert code == 409


def test_host_not_proxied_here_gets_an_error_page(edge, origin):
    for host in ("nothing.example.org", "dnsonly.example.com", "target.example.com"):
        code, body, _ = curl(edge.http_port, host)
        assert code == 409, host
        assert "error code: 1001" in body
        assert "Host not proxied by this edge" in body
    raw = http_exchange(edge.http_port, b"GET / HTTP/1.1\r\nHost: 127.0.0.21\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 409 ") and b"error code: 1003" in raw
    raw = http_exchange(edge.http_port, b"GET / HTTP/1.0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 409 ") and b"error code: 1003" in raw


def test_origin_down_is_502(edge, origin):
    code, body, _ = curl(edge.http_port, "down.example.com")
    assert code == 502
    assert "error code: 521" in body
    # The page never names the origin (proxying hides it); the log has it under the page's id.
    assert "127.0.0.34" not in body
    ray = re.search(r"Ray ID: ([0-9a-f]{16})", body).group(1)
    edge.wait_log(rf"ray {ray} 502 error 521 host 'down.example.com:\d+' .*127\.0\.0\.34")


def test_failover_to_the_next_origin(edge, origin):
    # multi.example.com: 127.0.0.33 (nothing listens) and the origin; every request gets through.
    for _ in range(4):
        code, body, _ = curl(edge.http_port, "multi.example.com")
        assert code == 200 and json.loads(body)["origin"] == ORIGIN


def test_slow_origin_is_504(edge, origin):
    code, body, _ = curl(edge.http_port, "www.example.com", "/slow=3")  # origin timeout is 1.5 s here
    assert code == 504
    assert "error code: 524" in body


def test_origin_reset_is_502(edge, origin):
    code, body, _ = curl(edge.http_port, "www.example.com", "/reset")
    assert code == 502
    assert "error code: 520" in body


def test_nothing_listens_on_other_ports(edge):
    for port in (25, 22, 8081):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((EDGE, port), timeout=2).close()
