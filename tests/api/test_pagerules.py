"""Page rules through the REST API, as octoDNS's Cloudflare provider (octodns-cloudflare) drives
them: it lists `GET /zones/{id}/pagerules?status=active` on every sync (pagerules=True is its
default), writes URLFWD records as forwarding_url rules with POST, replaces them with PUT and
removes them with DELETE, and reads them back by splitting the pattern with urlsplit. The bodies
below are the provider's own (`_contents_for_URLFWD`), and the read-back is its `populate` logic.

Then the bad input: each refusal is a 400 with its code and a message that says why, and nothing
is stored.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from apihelp import Server, server, zone  # noqa: F401 (fixtures)


def urlfwd_contents(fqdn: str, path: str, target: str, code: int) -> dict:
    """octodns-cloudflare's `_contents_for_URLFWD` for one value of a URLFWD record at `fqdn`."""
    return {"targets": [{"target": "url", "constraint": {"operator": "matches", "value": fqdn + path}}],
            "actions": [{"id": "forwarding_url", "value": {"url": target, "status_code": code}}],
            "status": "active"}


def octodns_urlfwd_values(rules: list[dict], zone_name: str) -> dict[str, list[dict]]:
    """octodns-cloudflare's `populate` for page rules: name -> URLFWD values."""
    out: dict[str, list[dict]] = {}
    for r in rules:
        if r["actions"][0]["id"] != "forwarding_url":
            continue
        uri = r["targets"][0]["constraint"]["value"]
        uri = "//" + uri if not uri.startswith("http") else uri
        parsed = urlsplit(uri)
        name = parsed.netloc[: -len(zone_name) - 1] if parsed.netloc != zone_name else ""
        value = dict(r["actions"][0]["value"])
        out.setdefault(name, []).append({"path": parsed.path, "target": value["url"], "code": value["status_code"]})
    return out


def proxied(s, zid, name, content="192.0.2.1"):
    s.add(zid, type="A", name=name, content=content, proxied=True, ttl=1)


def rules_of(s, zid, **params):
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    r = s.get(f"/zones/{zid}/pagerules" + (f"?{qs}" if qs else ""))
    assert r.status == 200 and r.json["success"], r
    return r.result


def test_octodns_sync_lists_creates_updates_and_deletes(zone):
    s, zid = zone
    proxied(s, zid, "example.com")
    proxied(s, zid, "www.example.com")
    serial = s.serial("example.com")

    # Every sync starts with this list: an empty result, not a 404.
    assert rules_of(s, zid, status="active") == []

    # Create: the provider's POST body, answered with Cloudflare's rule object.
    body = urlfwd_contents("example.com", "/*", "https://www.example.com/$1", 301)
    r = s.post(f"/zones/{zid}/pagerules", body)
    assert r.status == 200 and r.json["success"] and r.json["errors"] == [], r
    rule = r.result
    assert len(rule["id"]) == 32
    assert rule["targets"] == body["targets"]
    assert rule["actions"] == body["actions"]
    assert rule["status"] == "active" and rule["priority"] == 1
    assert rule["created_on"] and rule["modified_on"]
    r2 = s.post(f"/zones/{zid}/pagerules", urlfwd_contents("www.example.com", "/old", "https://www.example.com/new", 302))
    assert r2.status == 200, r2
    second = r2.result

    # Read back as octoDNS does: the URLFWD values round-trip.
    listed = rules_of(s, zid, status="active")
    assert {x["id"] for x in listed} == {rule["id"], second["id"]}
    assert octodns_urlfwd_values(listed, "example.com") == {
        "": [{"path": "/*", "target": "https://www.example.com/$1", "code": 301}],
        "www": [{"path": "/old", "target": "https://www.example.com/new", "code": 302}]}
    assert s.get(f"/zones/{zid}/pagerules/{rule['id']}").result == rule

    # Update: PUT with the new contents, keyed by the id from the list.
    new_body = urlfwd_contents("example.com", "/*", "https://www.example.com/landing/$1", 302)
    r = s.put(f"/zones/{zid}/pagerules/{rule['id']}", new_body)
    assert r.status == 200, r
    assert r.result["id"] == rule["id"] and r.result["created_on"] == rule["created_on"]
    assert r.result["actions"][0]["value"] == {"url": "https://www.example.com/landing/$1", "status_code": 302}
    assert octodns_urlfwd_values(rules_of(s, zid, status="active"), "example.com")[""] == [
        {"path": "/*", "target": "https://www.example.com/landing/$1", "code": 302}]

    # Disabled rules are not in octoDNS's list (status=active) but are in the full list.
    r = s.patch(f"/zones/{zid}/pagerules/{second['id']}", {"status": "disabled"})
    assert r.status == 200 and r.result["status"] == "disabled", r
    assert [x["id"] for x in rules_of(s, zid, status="active")] == [rule["id"]]
    assert [x["id"] for x in rules_of(s, zid, status="disabled")] == [second["id"]]
    assert len(rules_of(s, zid)) == 2

    # Delete: {id}, then gone (404, 1003).
    r = s.delete(f"/zones/{zid}/pagerules/{second['id']}")
    assert r.status == 200 and r.result == {"id": second["id"]}, r
    r = s.get(f"/zones/{zid}/pagerules/{second['id']}")
    assert r.status == 404 and r.error_codes() == [1003], r
    assert s.delete(f"/zones/{zid}/pagerules/{second['id']}").status == 404

    # Page rules change no DNS answer: the serial stays.
    assert s.serial("example.com") == serial

    # They survive a restart.
    s.restart()
    assert [x["id"] for x in rules_of(s, zid, status="active")] == [rule["id"]]


def test_list_order_direction_and_bad_parameters(zone):
    s, zid = zone
    proxied(s, zid, "www.example.com")
    ids = []
    for prio, path in ((1, "/a"), (5, "/b"), (3, "/c")):
        body = urlfwd_contents("www.example.com", path, "https://example.com/", 301) | {"priority": prio}
        r = s.post(f"/zones/{zid}/pagerules", body)
        assert r.status == 200, r
        ids.append(r.result["id"])
    assert [x["priority"] for x in rules_of(s, zid)] == [5, 3, 1]  # default: priority, desc
    assert [x["priority"] for x in rules_of(s, zid, direction="asc")] == [1, 3, 5]
    assert len(rules_of(s, zid, order="status", match="all")) == 3
    for bad in ("status=paused", "order=name", "direction=up", "match=some"):
        r = s.get(f"/zones/{zid}/pagerules?{bad}")
        assert r.status == 400 and r.error_codes() == [1008], (bad, r)


def test_dry_run_stores_nothing(zone):
    s, zid = zone
    proxied(s, zid, "www.example.com")
    r = s.post(f"/zones/{zid}/pagerules?dry_run=true", urlfwd_contents("www.example.com", "/*", "https://x.example/", 301))
    assert r.status == 200 and r.result["targets"][0]["constraint"]["value"] == "www.example.com/*", r
    assert 1119 in [m["code"] for m in r.json["messages"]]
    assert rules_of(s, zid) == []


def refused(s, zid, body, code, *words, method="POST", path=None):
    before = rules_of(s, zid)
    r = s.request(method, path or f"/zones/{zid}/pagerules", body)
    assert r.status == 400 and r.json["success"] is False, r
    assert r.error_codes() == [code], r
    message = r.json["errors"][0]["message"]
    for w in words:
        assert w in message, (w, message)
    assert rules_of(s, zid) == before  # nothing stored
    return message


def test_bad_input_is_refused_with_a_reason_and_stores_nothing(zone):
    s, zid = zone
    proxied(s, zid, "example.com")
    proxied(s, zid, "www.example.com")
    s.add(zid, type="A", name="dnsonly.example.com", content="192.0.2.9", proxied=False)
    ok = urlfwd_contents("example.com", "/*", "https://www.example.com/$1", 301)

    def with_(pattern=None, url=None, code=None, **extra):
        b = urlfwd_contents("example.com", "/*", "https://www.example.com/$1", 301)
        if pattern is not None:
            b["targets"][0]["constraint"]["value"] = pattern
        if url is not None:
            b["actions"][0]["value"]["url"] = url
        if code is not None:
            b["actions"][0]["value"]["status_code"] = code
        b.update(extra)
        return b

    # Other actions: 1004, naming the action.
    for action in ("cache_level", "always_use_https", "disable_security"):
        b = dict(ok, actions=[{"id": action, "value": "on"}])
        refused(s, zid, b, 1004, f"'{action}' is not supported", "forwarding_url")
    refused(s, zid, dict(ok, actions=ok["actions"] + [{"id": "cache_level", "value": "bypass"}]), 1004, "cache_level")
    # https only: the edge never sees it (TLS passthrough).
    msg = refused(s, zid, with_(pattern="https://example.com/*"), 1004, "TLS is passed through", "never terminated")
    assert "https" in msg
    refused(s, zid, with_(pattern="example.com:443/*"), 1004, "HTTPS port", "TLS")
    # Header injection through the forwarding URL.
    refused(s, zid, with_(url="https://www.example.com/\r\nSet-Cookie: x=1"), 1004, "line break")
    refused(s, zid, with_(url="https://www.example.com/a\nb"), 1004, "line break")
    refused(s, zid, with_(url="https://www.example.com/\u00e9"), 1004, "visible ASCII")
    # Oversized and wildcard floods.
    refused(s, zid, with_(pattern="example.com/" + "a" * 100_000), 1004, "over the limit of 1024")
    refused(s, zid, with_(pattern="example.com/" + "*" * 1000), 1004, "1000 wildcards", "limit of 4")
    refused(s, zid, with_(pattern="*" * 5000), 1004, "over the limit")
    refused(s, zid, with_(url="https://www.example.com/" + "a" * 5000), 1004, "over the limit of 2048")
    # A loop back to itself.
    refused(s, zid, with_(url="http://example.com/$1"), 1004, "redirect loop")
    refused(s, zid, with_(pattern="example.com/", url="http://example.com/"), 1004, "redirect loop")
    # Hosts outside the zone, or not proxied.
    refused(s, zid, with_(pattern="example.net/*"), 1004, "not example.com or a name below it")
    refused(s, zid, with_(pattern="evil-example.com/*"), 1004, "not example.com or a name below it")
    refused(s, zid, with_(pattern="dnsonly.example.com/*"), 1004, "no proxied DNS record matches", "dnsonly.example.com")
    refused(s, zid, with_(pattern="nothere.example.com/*"), 1004, "no proxied DNS record matches")
    # Malformed values.
    refused(s, zid, with_(code=307), 1004, "status_code 307")
    refused(s, zid, with_(url="/relative/$1"), 1004, "absolute http:// or https:// URL")
    refused(s, zid, with_(url="https://www.example.com/$2"), 1004, "$2", "1 wildcard")
    refused(s, zid, with_(pattern="ftp://example.com/*"), 1004, "scheme")
    refused(s, zid, with_(priority=0), 1004, "priority")
    refused(s, zid, with_(status="paused"), 1004, "status 'paused'")
    refused(s, zid, {"actions": ok["actions"]}, 1004, "targets is required")
    refused(s, zid, {"targets": ok["targets"]}, 1004, "actions is required")
    # Wrong JSON types: 9207 naming the field.
    refused(s, zid, with_(code="301"), 9207, "status_code must be an integer")
    refused(s, zid, dict(ok, targets="example.com/*"), 9207, "targets must be an array")
    refused(s, zid, dict(ok, priority="high"), 9207, "priority must be an integer")
    refused(s, zid, with_(url=["https://x.example/"]), 9207, "url must be a string")
    # Not JSON at all.
    r = s.request("POST", f"/zones/{zid}/pagerules", raw=b"{not json", content_type="application/json")
    assert r.status == 400 and r.error_codes() == [6007], r
    assert rules_of(s, zid) == []

    # The same checks hold for PUT and PATCH of a stored rule, which stays as it was.
    r = s.post(f"/zones/{zid}/pagerules", ok)
    assert r.status == 200, r
    rid = r.result["id"]
    path = f"/zones/{zid}/pagerules/{rid}"
    refused(s, zid, with_(url="http://example.com/$1"), 1004, "redirect loop", method="PUT", path=path)
    refused(s, zid, {"actions": [{"id": "forwarding_url", "value": {"url": "https://x.example/\r\n", "status_code": 301}}]},
            1004, "line break", method="PATCH", path=path)
    assert s.get(path).result == r.result
    # Unknown ids: 404, 1003.
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        r = s.request(method, f"/zones/{zid}/pagerules/{'0' * 32}", ok if method in ("PUT", "PATCH") else None)
        assert r.status == 404 and r.error_codes() == [1003], (method, r)


def test_a_zone_holds_at_most_125_rules(zone):
    s, zid = zone
    proxied(s, zid, "www.example.com")
    for i in range(125):
        r = s.post(f"/zones/{zid}/pagerules", urlfwd_contents("www.example.com", f"/{i}", "https://example.com/", 301))
        assert r.status == 200, (i, r)
    refused(s, zid, urlfwd_contents("www.example.com", "/over", "https://example.com/", 301), 1004,
            "the most it may hold (125)")
    assert len(rules_of(s, zid)) == 125


def test_file_backed_zones_list_empty_and_refuse_writes(tmp_path):
    zf = tmp_path / "file.test.zone"
    zf.write_text("$ORIGIN file.test.\n$TTL 300\n@ SOA ns1 h 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n"
                  "www A 192.0.2.1 ; cf_tags=cf-proxied:true\n")
    s = Server(tmp_path, zone_files=[zf]).start()
    try:
        zid = next(z["id"] for z in s.get("/zones").result if z["name"] == "file.test")
        assert rules_of(s, zid, status="active") == []
        r = s.post(f"/zones/{zid}/pagerules", urlfwd_contents("www.file.test", "/*", "https://x.example/$1", 301))
        assert r.status == 400 and r.error_codes() == [1010], r
    finally:
        s.stop()
