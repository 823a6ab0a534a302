"""The edge is no tunnel: prohibited origins (refused when written, checked again when the edge
connects), no loops (CDN-Loop, origins on the edge itself), error pages that never reveal an
origin, Spectrum's port cap and bind errors, and forwarding headers a client cannot forge.

Two servers:
  production  edge 203.0.113.1 (documentation address; --no-edge-proxy, so nothing binds or
              sends there): loopback and the other prohibited origins are refused by the API.
  lab         edge 127.0.0.21 with the API on 127.0.0.1 at the SAME port as the edge's HTTP
              port — what `make run` did, and what let a proxied name reach the API. Other
              loopback origins (127.0.0.31, ...) are allowed in a lab, the server's own addresses
              never. External names resolve through a Knot DNS started here on loopback.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import socket
import subprocess
import threading
import urllib.error
import urllib.request

import pytest

from harness.knot import Knot
from conftest import (DNSEDGE_BIN, EDGE, ORIGIN, HttpOrigin, Process, free_port, need, read_response, serve_argv,
                      wait_for_log, wait_port)

TOKEN = "safety-test-token-0123456789"
RELAY = "127.0.0.35"
DOWN = "127.0.0.34"
CLIENT = "127.0.0.99"
POOL = "127.0.0.120/29"
STATIC_APP_IP = "127.0.0.130"

LAB_ZONE = """$ORIGIN example.com.
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
www A {origin} ; cf_tags=cf-proxied:true
down A {down} ; cf_tags=cf-proxied:true
ghost CNAME nowhere ; cf_tags=cf-proxied:true
ext CNAME lb.example.net. ; cf_tags=cf-proxied:true
loopy CNAME bounce ; cf_tags=cf-proxied:true
bounce A {edge}
relay A {relay} ; cf_tags=cf-proxied:true
"""

EXTERNAL = """$ORIGIN example.net.
$TTL 300
@ SOA ns h 1 60 60 600 60
@ NS ns
ns A 127.0.0.1
lb A 127.0.0.1
"""

class Server(Process):
    """dnsedge serve with exactly the given flags (plus --data and a DNS listener)."""

    name = "dnsedge"

    def __init__(self, workdir: pathlib.Path, args: list[str], wait_api: bool = True):
        if not os.path.exists(DNSEDGE_BIN):
            pytest.skip(f"dnsedge binary not found at {DNSEDGE_BIN}")
        super().__init__(workdir)
        self.dns_port = free_port("127.0.0.1")
        self.spawn(serve_argv(data=workdir / "data", dns_listen=[f"127.0.0.1:{self.dns_port}"],
                              extra=["--api-token", TOKEN] + args), cwd=workdir)
        try:
            self.wait_log(r"listening on 127\.0\.0\.1")
            self.api = self.wait_log(r"api: listening on http://(\S+)/client/v4").group(1) if wait_api else None
        except Exception:
            self.stop()
            raise

    def wait_log(self, pattern: str, timeout: float = 15.0) -> re.Match:
        return wait_for_log(self.proc, self.log_text, pattern, timeout, lambda: self.log_text()[-4000:])

    def call(self, method: str, path: str, body=None, raw: bytes | None = None, ctype="application/json"):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(f"http://{self.api}/client/v4{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": ctype})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def zone(self, name: str) -> str:
        st, out = self.call("POST", "/zones", {"name": name})
        assert st == 200, out
        return out["result"]["id"]

    def record(self, zid: str, name: str, rtype: str, content: str, proxied: bool):
        return self.call("POST", f"/zones/{zid}/dns_records",
                         {"name": name, "type": rtype, "content": content, "proxied": proxied})

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def stop(self):
        super().stop(strict=False)


def refused_9003(status: int, out: dict) -> bool:
    return status == 400 and out["errors"][0]["code"] == 9003 and \
        out["errors"][0]["message"].startswith("DNS points to prohibited IP")


def edge_get(port: int, host: str, path: str = "/", headers: dict | None = None, source: str | None = None,
             timeout: float = 5.0) -> tuple[int, dict, bytes]:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect((EDGE, port))
    try:
        head = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        for k, v in (headers or {}).items():
            head += f"{k}: {v}\r\n"
        s.sendall((head + "\r\n").encode())
        return read_response(s.makefile("rb"))
    finally:
        s.close()


# --------------------------------------------------------------------------------------------
# production: write-time refusals


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    d = Server(tmp_path_factory.mktemp("production"),
               ["--edge-ipv4", "203.0.113.1", "--edge-ipv6", "2001:db8:e::1", "--no-edge-proxy",
                "--api-listen", "127.0.0.1:0", "--spectrum-pool", "198.51.100.64/28",
                "--edge-origin-allow", "127.0.0.5/32", "--edge-origin-deny", "10.9.0.0/16"])
    d.zone_id = d.zone("example.org")
    yield d
    d.stop()


# Regression: a proxied A lo → 127.0.0.1 was accepted (and the edge then served the API for it).
@pytest.mark.parametrize("rtype,content", [
    ("A", "127.0.0.1"), ("A", "127.0.0.53"), ("A", "0.0.0.0"), ("A", "169.254.169.254"), ("A", "224.0.0.251"),
    ("A", "255.255.255.255"), ("A", "198.51.100.70"), ("A", "10.9.1.1"), ("AAAA", "::1"), ("AAAA", "fe80::1"),
    ("AAAA", "::ffff:127.0.0.1"), ("AAAA", "ff02::1")])
def test_proxied_prohibited_origin_is_400_9003(production, rtype, content):
    d = production
    st, out = d.record(d.zone_id, "lo", rtype, content, True)
    assert refused_9003(st, out), out
    st, out = d.call("GET", f"/zones/{d.zone_id}/dns_records?name=lo.example.org")
    assert st == 200 and out["result"] == []


def test_private_and_allowed_origins_are_accepted(production):
    d = production
    for name, content in (("rfc1918", "10.0.0.80"), ("rfc1918b", "192.168.1.80"), ("allowed", "127.0.0.5")):
        st, out = d.record(d.zone_id, name, "A", content, True)
        assert st == 200, out
    st, out = d.record(d.zone_id, "dnsonly", "A", "127.0.0.1", False)  # DNS-only: any address
    assert st == 200, out


def test_batch_and_import_refuse_prohibited_origins(production):
    d = production
    st, out = d.call("POST", f"/zones/{d.zone_id}/dns_records/batch",
                     {"posts": [{"name": "b1", "type": "A", "content": "192.0.2.1", "proxied": True},
                                {"name": "b2", "type": "A", "content": "127.0.0.1", "proxied": True}]})
    assert st == 400 and out["errors"][0]["code"] == 9003, out
    assert "DNS points to prohibited IP" in out["errors"][0]["message"]
    boundary = "safetyBoundary0123"
    text = "$ORIGIN example.org.\nok 300 IN A 192.0.2.2\nbad 300 IN A 127.0.0.1 ; cf_tags=cf-proxied:true\n"
    raw = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"z.txt\"\r\n"
           f"Content-Type: text/plain\r\n\r\n{text}\r\n--{boundary}--\r\n").encode()
    st, out = d.call("POST", f"/zones/{d.zone_id}/dns_records/import", raw=raw,
                     ctype=f"multipart/form-data; boundary={boundary}")
    assert st == 400 and out["errors"][0]["code"] == 9003, out
    for name in ("b1", "b2", "ok", "bad"):
        st, out = d.call("GET", f"/zones/{d.zone_id}/dns_records?name={name}.example.org")
        assert out["result"] == [], name
    # A DNS-only record turned proxied is the same write.
    st, out = d.call("GET", f"/zones/{d.zone_id}/dns_records?name=dnsonly.example.org")
    if out["result"]:
        st, out = d.call("PATCH", f"/zones/{d.zone_id}/dns_records/{out['result'][0]['id']}", {"proxied": True})
        assert refused_9003(st, out), out


def test_spectrum_app_origins_are_checked(production):
    d = production
    base = {"protocol": "tcp/2525", "dns": {"type": "ADDRESS", "name": "smtp.example.org"}}
    for origin in ("tcp://127.0.0.1:25", "tcp://169.254.169.254:25", "tcp://203.0.113.1:80",
                   "tcp://198.51.100.66:25", "tcp://[::1]:25"):
        st, out = d.call("POST", f"/zones/{d.zone_id}/spectrum/apps", {**base, "origin_direct": [origin]})
        assert refused_9003(st, out), (origin, out)
    st, out = d.call("GET", f"/zones/{d.zone_id}/spectrum/apps")
    assert out["result"] == []


def test_zone_file_with_a_prohibited_origin_fails_with_file_and_line(tmp_path):
    if not os.path.exists(DNSEDGE_BIN):
        pytest.skip("dnsedge binary not found")
    z = tmp_path / "example.com.zone"
    z.write_text("$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 h 1 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.53\n"
                 "lo A 127.0.0.2 ; cf_tags=cf-proxied:true\n")
    p = subprocess.run([DNSEDGE_BIN, "zone", "check", str(z), "--edge-ipv4", "203.0.113.1"],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert f"{z}:6: DNS points to prohibited IP: 127.0.0.2 is a loopback address" in p.stderr, p.stderr
    # A lab (loopback edge) may use other loopback origins, but not an edge address.
    z.write_text(z.read_text().replace("127.0.0.2 ;", "127.0.0.31 ;"))
    p = subprocess.run([DNSEDGE_BIN, "zone", "check", str(z), "--edge-ipv4", "127.0.0.21"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    z.write_text(z.read_text().replace("127.0.0.31 ;", "127.0.0.21 ;"))
    p = subprocess.run([DNSEDGE_BIN, "zone", "check", str(z), "--edge-ipv4", "127.0.0.21"],
                       capture_output=True, text=True)
    assert p.returncode == 1 and ":6:" in p.stderr


def test_origin_flags_are_checked(tmp_path):
    if not os.path.exists(DNSEDGE_BIN):
        pytest.skip("dnsedge binary not found")
    for flag, value in (("--edge-origin-allow", "127.0.0.1/33"), ("--edge-origin-deny", "nonsense"),
                        ("--spectrum-max-ports", "0")):
        p = subprocess.run([DNSEDGE_BIN, "serve", "--data", str(tmp_path / "d"), "--no-edge-proxy",
                            "--dns-listen", f"127.0.0.1:{free_port()}", "--api-listen", "127.0.0.1:0", flag, value],
                           capture_output=True, text=True, timeout=20)
        assert p.returncode == 2 and flag in p.stderr, (flag, p.stderr)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[edge]\norigin_deny = ["10.0.0.0/8"]\norigin_allow = ["127.0.0.7"]\nspectrum_max_ports = 8\n')
    z = tmp_path / "example.com.zone"
    z.write_text("$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 h 1 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.53\n"
                 "priv A 10.1.2.3 ; cf_tags=cf-proxied:true\n")
    p = subprocess.run([DNSEDGE_BIN, "serve", "--config", str(cfg), "--zone-file", str(z), "--edge-ipv4", "203.0.113.1",
                        "--no-edge-proxy", "--data", str(tmp_path / "d"), "--dns-listen", f"127.0.0.1:{free_port()}",
                        "--api-listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=20)
    out = p.stdout + p.stderr  # the server logs to stdout
    assert p.returncode == 2, out
    assert f"{z}:6: DNS points to prohibited IP: 10.1.2.3 is in an --edge-origin-deny block" in out, out


# --------------------------------------------------------------------------------------------
# lab: the API shares the edge's port number; connect-time checks, loops, pages, headers


class _Relay(threading.Thread):
    """An origin that passes each request on to the edge, as an origin behind a misconfigured
    chain would (the request comes back to the edge): it counts what it relays."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((RELAY, port))
        self.sock.listen(16)
        self.port = port
        self.relayed = 0
        self.start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    def one(self, c):
        with c:
            c.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = c.recv(65536)
                if not chunk:
                    return
                head += chunk
            self.relayed += 1
            with socket.create_connection((EDGE, self.port), timeout=5) as up:
                up.sendall(head)
                while True:
                    chunk = up.recv(65536)
                    if not chunk:
                        break
                    c.sendall(chunk)

    def stop(self):
        self.sock.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    port = free_port(EDGE, "127.0.0.1", ORIGIN, DOWN, RELAY, STATIC_APP_IP)
    https = free_port(EDGE, ORIGIN)
    work = tmp_path_factory.mktemp("lab")
    (work / "knot").mkdir()
    knot_zone = work / "knot" / "example.net.zone"
    knot_zone.write_text(EXTERNAL)
    knot = Knot([("example.net.", knot_zone)], work / "knot")
    origin = HttpOrigin(ORIGIN, port)
    relay = _Relay(port)
    zone = work / "example.com.zone"
    zone.write_text(LAB_ZONE.format(origin=ORIGIN, down=DOWN, edge=EDGE, relay=RELAY))
    d = None
    try:
        d = Server(work, ["--zone-file", str(zone), "--edge-ipv4", EDGE, "--edge-http-ports", str(port),
                          "--edge-https-ports", str(https), "--api-listen", f"127.0.0.1:{port}",
                          "--upstream", f"127.0.0.1:{knot.port}", "--spectrum-pool", POOL,
                          "--spectrum-max-ports", "16", "--edge-connect-timeout", "1"])
        wait_port(EDGE, port)
        d.port = port
        d.relay = relay
        d.zone_id = d.zone("lab.test")
        yield d
    finally:
        if d:
            d.stop()
        relay.stop()
        origin.stop()
        knot.stop()


def test_lab_allows_other_loopback_origins(lab):
    st, out = lab.record(lab.zone_id, "web", "A", ORIGIN, True)
    assert st == 200, out
    status, _, body = edge_get(lab.port, "web.lab.test")
    assert status == 200 and json.loads(body)["origin"] == ORIGIN


# Regression: with the API on 127.0.0.1:P and the edge's HTTP port P, `Host: lo.<zone>` (a
# proxied A to 127.0.0.1) returned the control-plane API through the edge.
def test_the_api_is_never_an_origin(lab):
    st, out = lab.record(lab.zone_id, "lo", "A", "127.0.0.1", True)
    assert refused_9003(st, out), out
    assert "127.0.0.1 is an address dnsedge listens on" in out["errors"][0]["message"]
    # The same address reached through a CNAME, written first while its target does not exist,
    # then the target added DNS-only: the write is fine, the edge refuses to connect (1000).
    st, out = lab.record(lab.zone_id, "sneaky", "CNAME", "later.lab.test", True)
    assert st == 200, out
    st, out = lab.record(lab.zone_id, "later", "A", "127.0.0.1", False)
    assert st == 200, out
    status, headers, body = edge_get(lab.port, "sneaky.lab.test", "/client/v4/zones",
                                     {"Authorization": f"Bearer {TOKEN}"})
    assert status == 403 and b"error code: 1000" in body and b"DNS points to prohibited IP" in body, body
    assert b"success" not in body and b"127.0.0.1" not in body and b"later" not in body
    assert headers["x-edge-error"] == "1000"
    # ... and a proxied CNAME whose (existing) target reaches it is refused when written.
    st, out = lab.record(lab.zone_id, "direct", "CNAME", "later.lab.test", True)
    assert refused_9003(st, out), out


def test_external_cname_target_on_a_prohibited_address_is_1000(lab):
    # ext.example.com is a proxied CNAME to lb.example.net, which Knot answers with 127.0.0.1.
    status, headers, body = edge_get(lab.port, "ext.example.com", "/client/v4/zones")
    assert status == 403 and b"error code: 1000" in body, body
    assert b"127.0.0.1" not in body and b"lb.example.net" not in body
    ray = headers["cf-ray"]
    line = lab.wait_log(rf"ray {ray} 403 error 1000 host 'ext.example.com' .*127\.0\.0\.1.*lb\.example\.net")
    assert line


# Regression: a proxied CNAME to a DNS-only name on the edge address looped ~3000 times.
def test_a_cname_back_to_the_edge_ends_at_once(lab):
    before = lab.fds()
    status, _, body = edge_get(lab.port, "loopy.example.com")
    assert status == 403 and b"error code: 1000" in body
    assert b"127.0.0.21" not in body
    assert lab.fds() <= before + 2


def test_a_request_that_comes_back_is_508(lab):
    relay_before = lab.relay.relayed
    status, headers, body = edge_get(lab.port, "relay.example.com", "/x")
    assert status == 508 and b"Loop Detected" in body and headers["x-edge-error"] == "508", body
    assert lab.relay.relayed == relay_before + 1  # once through the relay, then refused


# Regression: 521 pages printed the origin IP:port and 1016 the CNAME target.
def test_error_pages_show_a_ray_id_not_the_origin(lab):
    for host, code, secret in (("down.example.com", b"521", f"{DOWN}"), ("ghost.example.com", b"1016", "nowhere")):
        status, headers, body = edge_get(lab.port, host)
        assert b"error code: " + code in body, body
        assert secret.encode() not in body and secret not in json.dumps(headers), (body, headers)
        ray = headers["cf-ray"]
        assert re.fullmatch(r"[0-9a-f]{16}", ray)
        assert f"Ray ID: {ray}".encode() in body
        lab.wait_log(rf"ray {ray} \d+ error {code.decode()} host '{host}' client 127\.0\.0\.1:\d+: .*{re.escape(secret)}")


# Regression: True-Client-IP and X-Real-IP from the client reached the origin, and fields the
# client's Connection header named were forwarded.
def test_forwarded_headers_cannot_be_forged(lab):
    status, _, body = edge_get(lab.port, "www.example.com", "/h", {
        "X-Real-IP": "6.6.6.6", "True-Client-IP": "6.6.6.6", "CF-Connecting-IP": "6.6.6.6",
        "Forwarded": "for=198.51.100.9", "CDN-Loop": "othercdn", "Connection": "close, X-Hop",
        "X-Hop": "hop-by-hop", "X-Kept": "kept"}, source=CLIENT)
    assert status == 200
    h = json.loads(body)["headers"]
    assert "x-real-ip" not in h and "x-hop" not in h
    assert h["true-client-ip"] == CLIENT and h["cf-connecting-ip"] == CLIENT
    assert h["forwarded"] == f"for=198.51.100.9, for={CLIENT};proto=http"
    assert h["cdn-loop"] == "othercdn, dnsedge"
    assert h["x-kept"] == "kept"
    assert "6.6.6.6" not in body.decode()


# Regression: an app could point at the API or at an edge listener (one connection took 8,223
# file descriptors and stopped every edge listener).
def test_spectrum_apps_cannot_point_at_the_server(lab):
    base = {"protocol": f"tcp/{lab.port + 1 if lab.port < 65000 else lab.port - 1}",
            "dns": {"type": "ADDRESS", "name": "spin.lab.test"}}
    for origin in (f"tcp://127.0.0.1:{lab.port}", f"tcp://{EDGE}:{lab.port}", "tcp://127.0.0.121:25"):
        st, out = lab.call("POST", f"/zones/{lab.zone_id}/spectrum/apps", {**base, "origin_direct": [origin]})
        assert refused_9003(st, out), (origin, out)
    # origin_dns that leads back to the app's own address: refused when the edge connects.
    st, out = lab.call("POST", f"/zones/{lab.zone_id}/spectrum/apps",
                       {**base, "origin_dns": {"name": "back.lab.test"}, "origin_port": 25})
    assert st == 200, out
    app = out["result"]
    ip = app["edge_ips"]["ips"][0]
    st, out = lab.record(lab.zone_id, "back", "A", ip, False)
    assert st == 200, out
    before = lab.fds()
    port = int(base["protocol"].split("/")[1])
    with socket.create_connection((ip, port), timeout=5) as c:
        c.settimeout(5)
        assert c.recv(1) == b""  # closed, nothing relayed
    lab.wait_log(rf"{re.escape(ip)} is in the Spectrum pool")
    assert lab.fds() <= before + 2
    st, out = lab.call("DELETE", f"/zones/{lab.zone_id}/spectrum/apps/{app['id']}")
    assert st == 200, out


# Regression: 22 apps × 1,024 ports exhausted the file descriptors; apps that could not bind
# were stored and answered 200.
def test_spectrum_port_cap_and_bind_failures(lab):
    first = free_port("127.0.0.122", "127.0.0.123") + 0
    st, out = lab.call("POST", f"/zones/{lab.zone_id}/spectrum/apps",
                       {"protocol": f"tcp/{first}-{first + 9}", "dns": {"type": "ADDRESS", "name": "ten.lab.test"},
                        "origin_direct": [f"tcp://{ORIGIN}:{first}"]})
    if st == 400 and out["errors"][0]["code"] == 11005:
        pytest.skip("a port of the range is taken on this machine")
    assert st == 200, out
    ten = out["result"]["id"]
    st, out = lab.call("POST", f"/zones/{lab.zone_id}/spectrum/apps",
                       {"protocol": f"tcp/{first}-{first + 9}", "dns": {"type": "ADDRESS", "name": "more.lab.test"},
                        "origin_direct": [f"tcp://{ORIGIN}:{first}"]})
    assert st == 400 and out["errors"][0]["code"] == 11004, out
    assert "--spectrum-max-ports" in out["errors"][0]["message"] and "16" in out["errors"][0]["message"]
    st, out = lab.call("DELETE", f"/zones/{lab.zone_id}/spectrum/apps/{ten}")
    assert st == 200, out

    busy_port = free_port(STATIC_APP_IP)
    holder = socket.socket()
    holder.bind((STATIC_APP_IP, busy_port))
    holder.listen(1)
    try:
        st, out = lab.call("POST", f"/zones/{lab.zone_id}/spectrum/apps",
                           {"protocol": f"tcp/{busy_port}", "dns": {"type": "ADDRESS", "name": "busy.lab.test"},
                            "origin_direct": [f"tcp://{ORIGIN}:{busy_port}"],
                            "edge_ips": {"type": "static", "ips": [STATIC_APP_IP]}})
        assert st == 400 and out["errors"][0]["code"] == 11005, out
        assert f"{STATIC_APP_IP}:{busy_port}" in out["errors"][0]["message"]
        assert "in use" in out["errors"][0]["message"]
    finally:
        holder.close()
    st, out = lab.call("GET", f"/zones/{lab.zone_id}/spectrum/apps")
    assert [a["dns"]["name"] for a in out["result"] if a["dns"]["name"] in ("busy.lab.test", "more.lab.test")] == []


def test_the_edge_never_listens_where_the_api_does(tmp_path):
    need("curl")
    port = free_port("127.0.0.1")
    d = Server(tmp_path, ["--edge-ipv4", "127.0.0.1", "--edge-http-ports", str(port), "--edge-https-ports", "none",
                          "--api-listen", f"127.0.0.1:{port}"])
    try:
        d.wait_log(rf"edge: not listening on 127\.0\.0\.1:{port}: another listener of this server "
                   rf"\(API or metrics\) uses 127\.0\.0\.1:{port}")
        out = subprocess.run(["curl", "-sS", "--max-time", "5", "-H", f"Authorization: Bearer {TOKEN}",
                              f"http://127.0.0.1:{port}/client/v4/zones"], capture_output=True, text=True)
        assert json.loads(out.stdout)["success"] is True
    finally:
        d.stop()
