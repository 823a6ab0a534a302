"""Edge proxy tests against the real binary: real clients (curl, openssl s_client, swaks, raw
sockets) and real origins (stdlib HTTP/WebSocket/TLS servers and aiosmtpd) on loopback.

Run with Debian's interpreter:  /usr/bin/python3 -m pytest tests/edge

Addresses (all loopback, chosen here; nothing leaves the machine):
  127.0.0.21        the edge address (--edge-ipv4)
  127.0.0.31, .32   origins
  127.0.0.64/28     the Spectrum pool
  127.0.0.99        a client address (swaks --local-interface) the origin must see via PROXY

Environment:
  DNSEDGE_BIN   the dnsedge binary (default /work/main/build/dnsedge); tests skip without it.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import socketserver
import ssl
import struct
import subprocess
import threading
import time

import pytest

from harness.dnsedge import DNSEDGE_BIN, LIVE, Process, attach_logs, free_port, serve_argv  # noqa: F401
from harness.dnsedge import bindable as _bindable  # noqa: F401

EDGE = "127.0.0.21"
ORIGIN = "127.0.0.31"
ORIGIN2 = "127.0.0.32"
POOL = "127.0.0.64/28"
CLIENT = "127.0.0.99"

ZONE = """$ORIGIN example.com.
$TTL 3600
@ SOA ns1 hostmaster {serial} 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
@ A {origin} ; cf_tags=cf-proxied:true
@ MX 10 @
www A {www} ; cf_tags=cf-proxied:true
multi A 127.0.0.33 ; cf_tags=cf-proxied:true
multi A {origin} ; cf_tags=cf-proxied:true
alias CNAME target ; cf_tags=cf-proxied:true
target A {origin}
*.wild A {origin} ; cf_tags=cf-proxied:true
txt.wild TXT "exists: stops the wildcard"
down A 127.0.0.34 ; cf_tags=cf-proxied:true
dnsonly A {origin}
"""

def need(binary: str):
    if shutil.which(binary) is None:
        pytest.skip(f"{binary} is not installed (make deps)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    attach_logs(rep, lambda p: f"log of dnsedge ({p.log_path})")


def wait_port(host: str, port: int, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.3).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port}")


def refused(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return False
    except ConnectionRefusedError:
        return True


# --------------------------------------------------------------------------------------------
# dnsedge


def wait_for_log(proc, log_text, pattern: str, timeout: float, tail) -> re.Match:
    """Waits for a line of dnsedge's log (`log_text()`) to match `pattern`; fails with `tail()`
    when the process exits first or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(pattern, log_text())
        if m:
            return m
        if proc.poll() is not None:
            raise RuntimeError(f"dnsedge exited ({proc.returncode}):\n{tail()}")
        time.sleep(0.05)
    raise RuntimeError(f"no log line matching {pattern!r}:\n{tail()}")


class Dnsedge(Process):
    """dnsedge with the edge on EDGE (HTTP and HTTPS ports given) serving one zone file."""

    name = "dnsedge"

    def __init__(self, workdir: pathlib.Path, zone_text: str, *, http_port: int, https_port: int,
                 extra: list[str] | None = None):
        super().__init__(workdir)
        self.zone = workdir / "example.com.zone"
        self.zone.write_text(zone_text)
        self.dns_port = free_port("127.0.0.1")
        self.http_port = http_port
        self.https_port = https_port
        argv = serve_argv(data=workdir / "data", dns_listen=[f"127.0.0.1:{self.dns_port}"], zone_files=[self.zone],
                          extra=["--edge-ipv4", EDGE, "--edge-http-ports", str(http_port),
                                 "--edge-https-ports", str(https_port)] + (extra or []))
        if _has_flag("--api-listen"):
            argv += ["--api-listen", "127.0.0.1:0"]
        self.spawn(argv, cwd=workdir)
        try:
            wait_port(EDGE, http_port)
            self.wait_log("listening on 127.0.0.1")
        except Exception:
            self.stop()
            raise

    def log_tail(self, n: int = 60) -> str:
        return super().log_tail(n)

    def wait_log(self, pattern: str, timeout: float = 10.0) -> re.Match:
        return wait_for_log(self.proc, self.log_text, pattern, timeout, self.log_tail)

    def reload(self, zone_text: str):
        """Rewrites the zone file and reloads it (SIGHUP); returns after the new view is live."""
        count = self.log_text().count("reload done")
        self.zone.write_text(zone_text)
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while self.log_text().count("reload done") == count:
            if time.monotonic() > deadline:
                raise RuntimeError("reload did not finish:\n" + self.log_tail())
            time.sleep(0.05)


_FLAGS: dict[str, bool] = {}


def _has_flag(flag: str) -> bool:
    if flag not in _FLAGS:
        out = subprocess.run([DNSEDGE_BIN, "serve", "--help"], capture_output=True, text=True)
        _FLAGS[flag] = flag in out.stdout
    return _FLAGS[flag]


def zone_text(origin=ORIGIN, www=None, serial=1) -> str:
    return ZONE.format(origin=origin, www=www or origin, serial=serial)


# --------------------------------------------------------------------------------------------
# origins


class _Origin(http.server.BaseHTTPRequestHandler):
    """GET/HEAD/POST echo as JSON; /ws: WebSocket echo; /slow: sleeps; /reset: RST; /chunked:
    a chunked response; /close: HTTP/1.0-style body until close."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _json(self, obj, status=200):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _info(self, body: bytes = b""):
        return {"origin": self.server.server_address[0], "method": self.command, "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "connection": self.server.conn_id(self.connection),
                "body_len": len(body), "body_sha256": hashlib.sha256(body).hexdigest()}

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if self.path == "/ws":
            return self._websocket()
        if self.path.startswith("/slow"):
            time.sleep(float(self.path.split("=")[1]) if "=" in self.path else 5)
        if self.path == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until-close body")
            self.close_connection = True
            return
        if self.path.startswith("/big"):
            n = int(self.path.split("=")[1])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"x" * 65536
            while n > 0:
                self.wfile.write(chunk[:min(n, len(chunk))])
                n -= min(n, len(chunk))
            return
        self._json(self._info())

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._json(self._info(body))

    def _websocket(self):
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.flush()
        sock = self.connection
        while True:
            frame = ws_read(sock)
            if frame is None:
                break
            opcode, payload = frame
            if opcode == 8:
                ws_send(sock, 8, payload, mask=False)
                break
            ws_send(sock, opcode, b"echo: " + payload, mask=False)
        self.close_connection = True


class _OriginServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr):
        self._ids: dict[int, int] = {}
        self.accepted = 0
        super().__init__(addr, _Origin)

    def get_request(self):
        sock, addr = super().get_request()
        self.accepted += 1
        self._ids[id(sock)] = self.accepted
        return sock, addr

    def conn_id(self, sock) -> int:
        return self._ids.get(id(sock), 0)

    def handle_error(self, request, client_address):
        pass  # the edge closing a slow or reset exchange is expected here


class HttpOrigin:
    def __init__(self, host: str, port: int):
        self.server = _OriginServer((host, port))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def accepted(self) -> int:
        return self.server.accepted

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class TlsOrigin:
    """A TLS server with a self-signed certificate (made with `openssl req`) that answers one
    HTTP request per connection with its own name."""

    def __init__(self, workdir: pathlib.Path, host: str, port: int, cn: str):
        self.cert = workdir / f"{cn}.crt"
        key = workdir / f"{cn}.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", f"/CN={cn}", "-keyout", str(key), "-out", str(self.cert)],
                       check=True, capture_output=True)
        self.fingerprint = subprocess.run(
            ["openssl", "x509", "-in", str(self.cert), "-noout", "-fingerprint", "-sha256"],
            check=True, capture_output=True, text=True).stdout.strip().split("=", 1)[1]
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(self.cert, key)
        self.sni_seen: list[str | None] = []
        self.ctx.sni_callback = lambda sslobj, name, ctx: self.sni_seen.append(name)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.cn = cn
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            conn.settimeout(5)
            with self.ctx.wrap_socket(conn, server_side=True) as s:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                body = f"tls origin {self.cn}\n".encode()
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        except (OSError, ssl.SSLError):
            pass

    def stop(self):
        self.sock.close()


# --------------------------------------------------------------------------------------------
# WebSocket frames (RFC 6455 §5.2)


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def ws_send(sock, opcode: int, payload: bytes, mask: bool = True):
    head = bytes([0x80 | opcode])
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if mask:
        key = os.urandom(4)
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    sock.sendall(head + payload)


def ws_read(sock):
    h = _recv_exact(sock, 2)
    if h is None:
        return None
    opcode, n = h[0] & 0x0F, h[1] & 0x7F
    masked = h[1] & 0x80
    if n == 126:
        n = struct.unpack("!H", _recv_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _recv_exact(sock, 8))[0]
    key = _recv_exact(sock, 4) if masked else None
    payload = _recv_exact(sock, n) if n else b""
    if payload is None:
        return None
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return opcode, payload


# --------------------------------------------------------------------------------------------
# raw HTTP over a socket


def http_exchange(port: int, raw: bytes, *, timeout: float = 5.0, read_all: bool = True) -> bytes:
    """Sends raw bytes to the edge's HTTP port; returns everything until close (or timeout)."""
    s = socket.create_connection((EDGE, port), timeout=timeout)
    try:
        s.sendall(raw)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
            if not read_all and b"\r\n\r\n" in out:
                break
        return out
    finally:
        s.close()


def read_response(f) -> tuple[int, dict, bytes]:
    """One HTTP/1.1 response from a file object (socket.makefile('rb'))."""
    status_line = f.readline()
    if not status_line:
        raise EOFError("connection closed")
    status = int(status_line.split()[1])
    headers = {}
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        k, v = line.decode().split(":", 1)
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = f.read(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int(f.readline().split(b";")[0], 16)
            if size == 0:
                f.readline()
                break
            body += f.read(size)
            f.readline()
    else:
        body = f.read()
    return status, headers, body


# --------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def ports():
    """The edge's HTTP and HTTPS ports, free on the edge and on both origins."""
    return free_port(EDGE, ORIGIN, ORIGIN2, "127.0.0.33"), free_port(EDGE, ORIGIN, ORIGIN2)


@pytest.fixture(scope="module")
def origin(ports):
    o = HttpOrigin(ORIGIN, ports[0])
    yield o
    o.stop()


@pytest.fixture(scope="module")
def edge(tmp_path_factory, ports, origin):
    if not os.path.exists(DNSEDGE_BIN):
        pytest.skip(f"dnsedge binary not found at {DNSEDGE_BIN} (set DNSEDGE_BIN or run `make build`)")
    d = Dnsedge(tmp_path_factory.mktemp("edge"), zone_text(), http_port=ports[0], https_port=ports[1],
                extra=["--edge-header-timeout", "1", "--edge-origin-timeout", "1.5",
                       "--edge-connect-timeout", "1"])
    yield d
    d.stop()
