"""The dashboard's static files over real HTTP (tests/web): hostile paths, methods and sizes
against a real `dnsedge serve`; the REST API under /client/v4 unchanged beside them.

Run with Debian's interpreter:  /usr/bin/python3 -m pytest tests/web
"""

from __future__ import annotations

import gzip
import http.client

import pytest

from webhelp import TOKEN, api  # noqa: F401 (fixture)


def request(api, method, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", api.port, timeout=10)
    try:
        c.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        c.endheaders()
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def index(api) -> bytes:
    status, _, body = request(api, "GET", "/")
    assert status == 200
    return body


def test_root_is_the_page_with_strict_headers(api):
    status, h, body = request(api, "GET", "/")
    assert status == 200
    assert h["content-type"] == "text/html; charset=utf-8"
    assert b'<div id="app">' in body and b"<script>" not in body
    csp = h["content-security-policy"]
    for part in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"):
        assert part in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    assert h["cache-control"] == "no-cache"
    assert "set-cookie" not in h


def test_assets_named_by_index_are_served_hashed_and_immutable(api):
    body = index(api).decode()
    names = [p.split('"')[0] for p in body.split('"/assets/')[1:]]
    assert any(n.endswith(".js") for n in names) and any(n.endswith(".css") for n in names)
    for n in names:
        status, h, plain = request(api, "GET", "/assets/" + n)
        assert status == 200
        assert h["cache-control"] == "public, max-age=31536000, immutable"
        status, h, zipped = request(api, "GET", "/assets/" + n, {"Accept-Encoding": "gzip"})
        assert h["content-encoding"] == "gzip"
        assert gzip.decompress(zipped) == plain
    status, h, _ = request(api, "GET", "/favicon.svg")
    assert status == 200 and h["content-type"] == "image/svg+xml"


def test_client_routes_get_the_page_without_a_token(api):
    for path in ("/zones", "/zones/0123abcd/dns", "/signin?next=%2Fzones", "/zones/a/records/b"):
        status, _, body = request(api, "GET", path)
        assert status == 200, path
        assert body == index(api), path


@pytest.mark.parametrize("path", [
    "/../etc/passwd", "/assets/../index.html", "/%2e%2e/etc/passwd", "/%2E%2E%2Fetc%2Fpasswd", "/assets/%2e%2e%2findex.html",
    "/zones%2f..%2f..%2fetc", "/..", "/./index.html", "//etc/passwd", "/assets/nope.js", "/assets/", "/index.html/",
    "/zones/a.b", "/.git/config", "/zones/%00", "/etc/passwd%00.html", "/favicon.ico", "/client/v4x",
    "/%252e%252e/etc/passwd", "/zones\\..\\x",
])
def test_hostile_paths_get_404_and_nothing_else(api, path):
    status, h, body = request(api, "GET", path)
    assert status == 404, path
    assert body == b"404 not found\n"
    assert h["content-type"] == "text/plain; charset=utf-8"
    assert "content-security-policy" in h


def test_long_paths(api):
    status, _, body = request(api, "GET", "/" + "a" * 2000)
    assert status == 414 and body == b"414 path too long\n"
    # Over the server's header limit (16 KiB): refused before any lookup, as every request.
    status, _, _ = request(api, "GET", "/" + "a/" * 20000)
    assert status == 400


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"])
def test_methods_other_than_get_and_head_are_405(api, method):
    status, h, _ = request(api, method, "/index.html")
    assert status == 405
    assert h["allow"] == "GET, HEAD"


def test_head_has_the_length_and_no_body(api):
    status, h, body = request(api, "HEAD", "/")
    assert status == 200 and body == b""
    assert int(h["content-length"]) == len(index(api))
    # The connection stays usable after a HEAD (no body bytes left behind).
    c = http.client.HTTPConnection("127.0.0.1", api.port, timeout=10)
    try:
        c.request("HEAD", "/zones")
        r = c.getresponse()
        r.read()
        c.request("GET", "/")
        assert c.getresponse().read() == index(api)
    finally:
        c.close()


def test_the_api_is_unchanged_beside_the_files(api):
    status, h, body = request(api, "GET", "/client/v4/zones")
    assert status == 403 and h["content-type"] == "application/json"
    assert b"9106" in body
    status, _, body = request(api, "GET", "/client/v4/zones", {"Authorization": "Bearer " + TOKEN})
    assert status == 200 and b'"success":true' in body
    status, _, body = request(api, "GET", "/client/v4/../../", {"Authorization": "Bearer " + TOKEN})
    assert status == 404 and b'"success":false' in body
