"""Bad input: every failure is a 4xx JSON error envelope with the right code, and changes
nothing (same records, same serial, same DNS answers)."""

import http.client
import json
import socket

import pytest

from apihelp import server, zone  # noqa: F401 (fixtures)


def _unchanged(s, zid, serial, count):
    assert s.serial("example.com") == serial
    assert len(s.records(zid)) == count


def test_malformed_json_and_wrong_types(zone):
    s, zid = zone
    s.add(zid, name="www", type="A", content="192.0.2.1")
    serial = s.serial("example.com")
    path = f"/zones/{zid}/dns_records"
    for raw in (b"{", b"not json", b"[1,2]", b"", b'{"name": "x",}'):
        r = s.post(path, raw=raw, content_type="application/json")
        assert r.status == 400 and r.content_type.startswith("application/json"), (raw, r)
        assert r.error_codes() == [6007], (raw, r)
        assert r.json["success"] is False
    for body, field in (({"name": "a", "type": "A", "content": "192.0.2.9", "ttl": "300"}, "ttl"),
                        ({"name": "a", "type": "A", "content": "192.0.2.9", "proxied": "yes"}, "proxied"),
                        ({"name": 5, "type": "A", "content": "192.0.2.9"}, "name"),
                        ({"name": "a", "type": "A", "content": ["192.0.2.9"]}, "content"),
                        ({"name": "a", "type": "A", "content": "192.0.2.9", "tags": "x"}, "tags"),
                        ({"name": "a", "type": "A", "content": "192.0.2.9", "settings": {"ipv4_only": 1}}, "settings"),
                        ({"name": "a", "type": "MX", "content": "m.example.com", "priority": "high"}, "priority")):
        r = s.post(path, body)
        assert r.status == 400 and r.error_codes() == [9207], (body, r)
        assert field in r.json["errors"][0]["message"]
    # Unknown fields are ignored.
    r = s.post(path, {"name": "ok", "type": "A", "content": "192.0.2.9", "colour": "blue", "zone_id": "x"})
    assert r.status == 200
    _unchanged(s, zid, serial + 1, 2)


def test_invalid_content_names_ttl_proxied(zone):
    s, zid = zone
    serial = s.serial("example.com")
    path = f"/zones/{zid}/dns_records"
    cases = [
        ({"name": "a", "type": "A", "content": "1.1"}, 9005),
        ({"name": "a", "type": "A", "content": "2001:db8::1"}, 9005),
        ({"name": "a", "type": "AAAA", "content": "192.0.2.1"}, 9006),
        ({"name": "a", "type": "CNAME", "content": "not a name"}, 9007),
        ({"name": "www.other.com", "type": "A", "content": "192.0.2.1"}, 9000),
        ({"name": "www.other.com.", "type": "A", "content": "192.0.2.1"}, 9000),
        ({"name": "bad..name", "type": "A", "content": "192.0.2.1"}, 9000),
        ({"name": "a" * 64, "type": "A", "content": "192.0.2.1"}, 9000),
        ({"name": "a", "type": "A", "content": "192.0.2.1", "ttl": 10}, 9021),
        ({"name": "a", "type": "A", "content": "192.0.2.1", "ttl": 100000}, 9021),
        ({"name": "@", "type": "MX", "content": "mail.example.com", "priority": 10, "proxied": True}, 9041),
        ({"name": "@", "type": "TXT", "content": "x", "proxied": True}, 9041),
        ({"name": "a", "type": "A", "content": "127.0.0.11", "proxied": True}, 9003),
        ({"name": "s1._domainkey", "type": "CNAME", "content": "s1.dkim.example.net", "proxied": True}, 9003),
        ({"name": "x", "type": "CNAME", "content": "sig1.dkim.amazonses.com", "proxied": True}, 9003),
        ({"name": "a", "type": "NOPE", "content": "x"}, 9020),
        ({"name": "a", "type": "SOA", "content": "x"}, 9020),
    ]
    for body, code in cases:
        r = s.post(path, body)
        assert r.status == 400 and r.error_codes() == [code], (body, r)
    r = s.post(path, {"name": "a", "type": "MX", "content": "mail.example.com"})  # no priority
    assert r.status == 400
    r = s.post(path, {"name": "a", "type": "SRV", "content": "garbage"})
    assert r.status == 400
    _unchanged(s, zid, serial, 0)
    assert s.rcode("a.example.com.") == "NXDOMAIN"


def test_unknown_ids(zone):
    s, zid = zone
    rid = "f" * 32
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        body = {"content": "192.0.2.1"} if method in ("PATCH", "PUT") else None
        if method == "PUT":
            body = {"name": "a", "type": "A", "content": "192.0.2.1"}
        r = s.request(method, f"/zones/{zid}/dns_records/{rid}", body)
        assert r.status == 404 and r.error_codes() == [81044], (method, r)
    r = s.get(f"/zones/{zid}/dns_records/short-id")
    assert r.status == 404 and 7003 in r.error_codes()
    r = s.get(f"/zones/{'e' * 32}/dns_records")
    assert r.status == 404 and 7003 in r.error_codes()
    r = s.post(f"/zones/{'e' * 32}/dns_records", {"name": "a", "type": "A", "content": "192.0.2.1"})
    assert r.status == 404


def test_body_over_one_mib_is_413(zone):
    s, zid = zone
    big = json.dumps({"name": "a", "type": "TXT", "content": "x" * (1 << 20)}).encode()
    r = s.post(f"/zones/{zid}/dns_records", raw=big, content_type="application/json")
    assert r.status == 413 and r.content_type.startswith("application/json")
    assert r.json["success"] is False and r.json["errors"]
    assert s.records(zid) == []
    # The server is still fine.
    assert s.get("/user/tokens/verify").status == 200


def test_garbage_http_does_not_crash(server):
    s = server
    for raw in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                b"\x00\xff\x13\x37" * 100, b"GET /client/v4/zones HTTP/1.1\r\n" + b"X: " + b"a" * 70000 + b"\r\n\r\n"):
        c = socket.create_connection(("127.0.0.1", s.api_port), timeout=5)
        try:
            c.sendall(raw)
            c.shutdown(socket.SHUT_WR)
            c.recv(65536)
        except OSError:
            pass
        finally:
            c.close()
    assert s.get("/user/tokens/verify").status == 200
    assert s.proc.poll() is None


@pytest.mark.parametrize("path", ["/zones/%00/dns_records", "/zones/../../etc/passwd", "/zones?page=-1&per_page=0",
                                  "/zones?name=%ff%fe", "/zones/" + "a" * 5000])
def test_odd_paths(server, path):
    r = server.get(path)
    assert r.status in (200, 400, 404)
    assert r.content_type.startswith("application/json")
    assert server.get("/user/tokens/verify").status == 200


def test_expect_100_continue(zone):
    s, zid = zone
    c = http.client.HTTPConnection("127.0.0.1", s.api_port, timeout=5)
    body = json.dumps({"name": "e", "type": "A", "content": "192.0.2.5"})
    c.request("POST", f"/client/v4/zones/{zid}/dns_records", body=body,
              headers={"Authorization": "Bearer test-token-0123456789", "Expect": "100-continue",
                       "Content-Type": "application/json"})
    resp = c.getresponse()
    assert resp.status == 200
    assert json.loads(resp.read())["success"] is True
