"""Page rules at the edge: forwarding_url rules written through the API (as octoDNS writes its
URLFWD records) are answered by the edge on its HTTP port with the 301/302 itself — curl sees the
Location built from what the wildcards matched, and the origin never sees the request. Requests
no rule matches, and rules disabled or deleted, go to the origin as before; the HTTPS port keeps
passing TLS through; a redirect never names the origin; a hostile request target can neither
inject a header nor blow up the answer.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import EDGE, ORIGIN, Dnsedge, TlsOrigin, need, read_response, zone_text

TOKEN = "pagerules-test-token-0123456789"
ZONE = "redirect.test"


def call(d, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://{d.api}/client/v4{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def rule_body(pattern, url, code=301, priority=None, status="active"):
    b = {"targets": [{"target": "url", "constraint": {"operator": "matches", "value": pattern}}],
         "actions": [{"id": "forwarding_url", "value": {"url": url, "status_code": code}}], "status": status}
    if priority is not None:
        b["priority"] = priority
    return b


@pytest.fixture(scope="module")
def redirect_edge(tmp_path_factory, ports, origin):
    if not os.path.exists(os.environ.get("DNSEDGE_BIN", "/work/main/build/dnsedge")):
        pytest.skip("dnsedge binary not found")
    d = Dnsedge(tmp_path_factory.mktemp("pagerules"), zone_text(), http_port=ports[0], https_port=ports[1],
                extra=["--api-token", TOKEN])
    d.api = d.wait_log(r"api: listening on http://(\S+)/client/v4").group(1)
    st, body = call(d, "POST", "/zones", {"name": ZONE})
    assert st == 200, body
    d.zone_id = body["result"]["id"]
    for name in (ZONE, f"www.{ZONE}", f"go.{ZONE}"):
        st, body = call(d, "POST", f"/zones/{d.zone_id}/dns_records",
                        {"type": "A", "name": name, "content": ORIGIN, "proxied": True})
        assert st == 200, body
    d.rules = {}
    for key, body in (
            ("apex", rule_body(f"{ZONE}/*", f"https://www.{ZONE}/$1", 301)),
            ("special", rule_body(f"{ZONE}/special", f"http://www.{ZONE}/landing", 302, priority=5)),
            ("go", rule_body(f"http://*.{ZONE}/go/*", "https://example.net/$1/$2", 302)),
            ("long", rule_body(f"www.{ZONE}/long/*", "https://example.net/" + "$1" * 10, 301, priority=9))):
        st, res = call(d, "POST", f"/zones/{d.zone_id}/pagerules", body)
        assert st == 200, res
        d.rules[key] = res["result"]["id"]
    yield d
    d.stop()


def curl_head(port, host, path="/", *args):
    """curl through the edge: (status, headers, body) of the first response, redirects not followed."""
    need("curl")
    out = subprocess.run(["curl", "-sS", "--max-time", "10", "--resolve", f"{host}:{port}:{EDGE}", "-D", "-",
                          "-o", "-", *args, f"http://{host}:{port}{path}"], capture_output=True)
    assert out.returncode == 0, out.stderr
    head, _, body = out.stdout.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), headers, body


def test_matching_requests_are_redirected_by_the_edge(redirect_edge, origin):
    d, port = redirect_edge, redirect_edge.http_port
    before = origin.accepted
    status, h, body = curl_head(port, ZONE, "/docs/page?x=1")
    assert status == 301
    assert h["location"] == f"https://www.{ZONE}/docs/page?x=1"
    assert h["content-length"] == str(len(body)) and b"301 Moved Permanently" in body
    assert h["cf-ray"]
    # The higher priority wins: /special is the 302.
    status, h, _ = curl_head(port, ZONE, "/special")
    assert status == 302 and h["location"] == f"http://www.{ZONE}/landing"
    # $1 from the host, $2 from the path.
    status, h, _ = curl_head(port, f"go.{ZONE}", "/go/a/b")
    assert status == 302 and h["location"] == "https://example.net/go/a/b"
    # HEAD: the same answer without a body.
    s = socket.create_connection((EDGE, port), timeout=5)
    s.sendall(f"HEAD /x HTTP/1.1\r\nHost: {ZONE}\r\nConnection: close\r\n\r\n".encode())
    raw = b""
    while chunk := s.recv(4096):
        raw += chunk
    s.close()
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 301 ") and f"\r\nLocation: https://www.{ZONE}/x\r\n".encode() in head + b"\r\n"
    assert b"\r\nContent-Length: " in head and rest == b""
    # A redirect never names the origin, and the origin never saw any of these.
    raw = subprocess.run(["curl", "-sS", "-D", "-", "--resolve", f"{ZONE}:{port}:{EDGE}", f"http://{ZONE}:{port}/"],
                         capture_output=True).stdout
    assert ORIGIN.encode() not in raw
    assert origin.accepted == before


def test_requests_no_rule_matches_reach_the_origin(redirect_edge, origin):
    port = redirect_edge.http_port
    status, _, body = curl_head(port, f"www.{ZONE}", "/other?y=2")
    assert status == 200
    info = json.loads(body)
    assert info["origin"] == ORIGIN and info["path"] == "/other?y=2"
    # A host of the zone file (example.com) has no rules at all.
    status, _, body = curl_head(port, "www.example.com", "/")
    assert status == 200 and json.loads(body)["origin"] == ORIGIN


def test_keep_alive_after_a_redirect_and_close_after_a_body(redirect_edge, origin):
    port = redirect_edge.http_port
    s = socket.create_connection((EDGE, port), timeout=5)
    f = s.makefile("rb")
    s.sendall(f"GET /a HTTP/1.1\r\nHost: {ZONE}\r\n\r\n".encode())
    status, h, _ = read_response(f)
    assert status == 301 and h["connection"] == "keep-alive" and h["location"] == f"https://www.{ZONE}/a"
    # The same connection carries the next request, to the origin this time.
    s.sendall(f"GET /next HTTP/1.1\r\nHost: www.{ZONE}\r\n\r\n".encode())
    status, _, body = read_response(f)
    assert status == 200 and json.loads(body)["path"] == "/next"
    s.close()
    # A request with a body is answered and the connection closed (its body is not read).
    s = socket.create_connection((EDGE, port), timeout=5)
    f = s.makefile("rb")
    s.sendall(f"POST /form HTTP/1.1\r\nHost: {ZONE}\r\nContent-Length: 5\r\n\r\nhello".encode())
    status, h, _ = read_response(f)
    assert status == 301 and h["connection"] == "close"
    assert f.read() == b""
    s.close()


def test_disabled_and_deleted_rules_stop_redirecting(redirect_edge, origin):
    d, port = redirect_edge, redirect_edge.http_port
    st, body = call(d, "POST", f"/zones/{d.zone_id}/pagerules", rule_body(f"www.{ZONE}/temp", "https://example.net/t"))
    assert st == 200, body
    rid = body["result"]["id"]
    assert curl_head(port, f"www.{ZONE}", "/temp")[0] == 301  # in effect as soon as the API answered
    st, _ = call(d, "PATCH", f"/zones/{d.zone_id}/pagerules/{rid}", {"status": "disabled"})
    assert st == 200
    status, _, body = curl_head(port, f"www.{ZONE}", "/temp")
    assert status == 200 and json.loads(body)["path"] == "/temp"
    st, _ = call(d, "PATCH", f"/zones/{d.zone_id}/pagerules/{rid}", {"status": "active"})
    assert curl_head(port, f"www.{ZONE}", "/temp")[0] == 301
    st, _ = call(d, "DELETE", f"/zones/{d.zone_id}/pagerules/{rid}")
    assert st == 200
    assert curl_head(port, f"www.{ZONE}", "/temp")[0] == 200


def test_hostile_targets_cannot_inject_or_inflate(redirect_edge, origin):
    port = redirect_edge.http_port
    before = origin.accepted
    # Percent-encoded line breaks stay encoded: no header is added.
    s = socket.create_connection((EDGE, port), timeout=5)
    f = s.makefile("rb")
    s.sendall(f"GET /a%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\nHost: {ZONE}\r\nConnection: close\r\n\r\n".encode())
    status, h, _ = read_response(f)
    s.close()
    assert status == 301 and "set-cookie" not in h
    assert h["location"] == f"https://www.{ZONE}/a%0d%0aSet-Cookie:%20x=1"
    # A raw line break never gets that far: the request is malformed.
    s = socket.create_connection((EDGE, port), timeout=5)
    s.sendall(f"GET /a\rX: y HTTP/1.1\r\nHost: {ZONE}\r\n\r\n".encode())
    assert s.recv(100).startswith(b"HTTP/1.1 400")
    s.close()
    # A Location over 16 KiB (a 2 KiB target referred to ten times) is 414, not sent.
    status, h, body = curl_head(port, f"www.{ZONE}", "/long/" + "a" * 2000)
    assert status == 414 and "location" not in h
    assert origin.accepted == before


def test_the_https_port_still_passes_tls_through(redirect_edge, tmp_path_factory, ports):
    need("openssl")
    tls = TlsOrigin(tmp_path_factory.mktemp("tls-pagerules"), ORIGIN, ports[1], ZONE)
    try:
        out = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", str(tls.cert),
                              "--resolve", f"{ZONE}:{ports[1]}:{EDGE}", f"https://{ZONE}:{ports[1]}/anything"],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout == f"tls origin {ZONE}\n"  # the origin's answer, not a redirect
        assert ZONE in tls.sni_seen
    finally:
        tls.stop()
