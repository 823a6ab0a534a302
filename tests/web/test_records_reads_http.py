"""The reads the records page makes, over real HTTP against a real `dnsedge serve`: the record
list (sorted once per zone state and shared by the requests until the zone changes) follows
every kind of write at once, and the served view of one name (`dns_records/served?name=`, read
through the view's index) is exactly that name's part of the whole served view. Hostile query
values get a clear 400 and change nothing.

Run with Debian's interpreter:  /usr/bin/python3 -m pytest tests/web
"""

from __future__ import annotations

import http.client
import json
import urllib.parse

import pytest

from webhelp import TOKEN, api  # noqa: F401 (fixture)

ZONE = "reads.test"


def call(api, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", api.port, timeout=20)
    try:
        data = None if body is None else json.dumps(body)
        c.request(method, "/client/v4" + path, body=data,
                  headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read())
    finally:
        c.close()


def ok(api, method, path, body=None):
    status, env = call(api, method, path, body)
    assert status == 200 and env["success"], (method, path, status, env)
    return env


@pytest.fixture(scope="module")
def zone(api):
    zid = ok(api, "POST", "/zones", {"name": ZONE})["result"]["id"]
    posts = [{"type": "A", "name": f"h{i:03d}", "content": f"192.0.2.{i % 250 + 1}", "ttl": 300, "proxied": i % 3 == 0}
             for i in range(120)]
    posts += [{"type": "MX", "name": "@", "content": f"h000.{ZONE}", "priority": 10},
              {"type": "SRV", "name": "_submission._tcp", "data": {"priority": 0, "weight": 5, "port": 587,
                                                                   "target": f"h003.{ZONE}"}},
              {"type": "TXT", "name": "@", "content": "\"v=spf1 -all\""},
              {"type": "CNAME", "name": "alias", "content": f"h006.{ZONE}", "proxied": True}]
    ok(api, "POST", f"/zones/{zid}/dns_records/batch", {"posts": posts})
    return zid


def listing(api, zid, query=""):
    return ok(api, "GET", f"/zones/{zid}/dns_records?per_page=1000&{query}")["result"]


def test_the_served_view_of_one_name_is_that_names_part_of_the_whole(api, zone):
    whole = ok(api, "GET", f"/zones/{zone}/dns_records/served")["result"]
    names = sorted({r["name"] for r in whole["records"]})
    assert f"h000.{ZONE}" in names and any(n.startswith("dc-") for n in names)
    assert whole["dc_records"], whole
    for name in names:
        one = ok(api, "GET", f"/zones/{zone}/dns_records/served?name={urllib.parse.quote(name)}")["result"]
        assert one["records"] == [r for r in whole["records"] if r["name"] == name], name
        assert one["explain"] == {k: v for k, v in whole["explain"].items() if k == name}, name
        assert one["dc_records"] == [d for d in whole["dc_records"] if d == name], name
        assert {k: one[k] for k in ("zone", "id", "serial", "file_backed")} == \
               {k: whole[k] for k in ("zone", "id", "serial", "file_backed")}
    # The apex as "@", a name in any case; a name the zone does not hold: nothing.
    apex = ok(api, "GET", f"/zones/{zone}/dns_records/served?name=@")["result"]
    assert apex["records"] == [r for r in whole["records"] if r["name"] == ZONE]
    upper = ok(api, "GET", f"/zones/{zone}/dns_records/served?name=H001.{ZONE.upper()}")["result"]
    assert upper["records"] == [r for r in whole["records"] if r["name"] == f"h001.{ZONE}"]
    for absent in (f"nothing.{ZONE}", "elsewhere.example", f"a.b.c.h001.{ZONE}"):
        r = ok(api, "GET", f"/zones/{zone}/dns_records/served?name={absent}")["result"]
        assert r["records"] == [] and r["explain"] == {} and r["dc_records"] == [], absent


def test_the_list_follows_every_write_at_once(api, zone):
    before = listing(api, zone)
    assert [(r["name"], r["type"]) for r in before] == sorted((r["name"], r["type"]) for r in before)
    assert listing(api, zone) == before  # the same answer twice
    rid = next(r["id"] for r in before if r["name"] == f"h010.{ZONE}")
    # A dry run changes nothing; a comment-only change, a patch, a new record and a delete each
    # show in the next listing.
    ok(api, "PATCH", f"/zones/{zone}/dns_records/{rid}?dry_run=true", {"comment": "dry"})
    assert listing(api, zone) == before
    ok(api, "PATCH", f"/zones/{zone}/dns_records/{rid}", {"comment": "seen"})
    assert next(r for r in listing(api, zone) if r["id"] == rid)["comment"] == "seen"
    ok(api, "PATCH", f"/zones/{zone}/dns_records/{rid}", {"content": "198.51.100.10"})
    assert next(r for r in listing(api, zone) if r["id"] == rid)["content"] == "198.51.100.10"
    new = ok(api, "POST", f"/zones/{zone}/dns_records", {"type": "A", "name": "aaa", "content": "192.0.2.9"})["result"]
    after = listing(api, zone)
    assert [r["id"] for r in after if r["name"] == f"aaa.{ZONE}"] == [new["id"]]
    assert [(r["name"], r["type"]) for r in after] == sorted((r["name"], r["type"]) for r in after)
    ok(api, "DELETE", f"/zones/{zone}/dns_records/{new['id']}")
    assert all(r["id"] != new["id"] for r in listing(api, zone))
    # The page of one record by id agrees with the list.
    one = ok(api, "GET", f"/zones/{zone}/dns_records/{rid}")["result"]
    assert one == next(r for r in listing(api, zone) if r["id"] == rid)
    assert call(api, "GET", f"/zones/{zone}/dns_records/{new['id']}")[0] == 404


def test_pages_orders_and_filters_of_the_shared_list(api, zone):
    whole = listing(api, zone)
    pages = []
    for page in range(1, 100):
        env = ok(api, "GET", f"/zones/{zone}/dns_records?per_page=7&page={page}")
        assert env["result_info"]["total_count"] == len(whole)
        if not env["result"]:
            break
        pages += env["result"]
    assert pages == whole
    asc = listing(api, zone, "order=content")
    assert [r["content"] for r in asc] == sorted(r["content"] for r in whole)
    assert listing(api, zone, "order=content&direction=desc") == list(reversed(asc))
    assert {r["name"] for r in listing(api, zone, "search=h01")} == {r["name"] for r in whole if "h01" in r["name"]}
    assert all(r["proxied"] for r in listing(api, zone, "proxied=true"))
    assert listing(api, zone) == whole  # filters and orders leave the shared list as it was


@pytest.mark.parametrize("query,code", [
    ("name=" + "a" * 64 + "." + ZONE, 400),       # a label over 63 octets
    ("name=" + ("a" * 60 + ".") * 5 + ZONE, 400),  # a name over 255 octets
    ("name=a..b", 400),                            # an empty label
])
def test_hostile_served_names_are_a_clear_400(api, zone, query, code):
    before = ok(api, "GET", f"/zones/{zone}/dns_records/served")["result"]["serial"]
    status, env = call(api, "GET", f"/zones/{zone}/dns_records/served?{query}")
    assert status == code and not env["success"], env
    assert env["errors"][0]["message"].startswith("name: "), env
    assert ok(api, "GET", f"/zones/{zone}/dns_records/served")["result"]["serial"] == before


@pytest.mark.parametrize("query,message", [
    ("page=x", "page must be a positive integer"),
    ("per_page=-1", "per_page must be a positive integer"),
    ("page=" + "9" * 13, "page must be a positive integer"),
    ("order=id", "order must be one of type, name, content, ttl, proxied"),
    ("direction=sideways", "direction must be asc or desc"),
    ("match=some", "match must be all or any"),
])
def test_hostile_list_queries_are_a_clear_400(api, zone, query, message):
    status, env = call(api, "GET", f"/zones/{zone}/dns_records?{query}")
    assert status == 400 and env["errors"][0]["message"] == message, env


def test_a_page_past_the_end_and_a_huge_per_page_are_answered(api, zone):
    total = len(listing(api, zone))
    env = ok(api, "GET", f"/zones/{zone}/dns_records?page=999999999999&per_page=50")
    assert env["result"] == [] and env["result_info"]["total_count"] == total
    env = ok(api, "GET", f"/zones/{zone}/dns_records?per_page=999999999")
    assert len(env["result"]) == total and env["result_info"]["per_page"] == 50000
