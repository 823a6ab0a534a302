"""Auth, envelope, routing, zones, accounts, settings."""

import time

from apihelp import EDGE4, TOKEN, Server, server, zone  # noqa: F401 (fixtures)


def test_auth_failures_and_verify(server):
    r = server.get("/user/tokens/verify", token=None)
    assert r.status == 403 and r.content_type.startswith("application/json")
    assert r.error_codes() == [9106]
    assert r.json["success"] is False and r.json["result"] is None
    r = server.get("/zones", token="wrong")
    assert r.status == 403 and r.error_codes() == [10000]
    assert r.json["errors"][0]["message"] == "Authentication error"
    r = server.get("/zones", headers={"Authorization": "Basic " + TOKEN}, token=None)
    assert r.status == 403 and r.error_codes() == [10000]
    r = server.get("/user/tokens/verify")
    assert r.status == 200 and r.json["success"] is True
    assert r.result["status"] == "active"
    assert r.json["messages"][0]["code"] == 10000
    assert TOKEN not in server.log_text()


def test_api_ready_when_dns_answers(tmp_path):
    s = Server(tmp_path)
    s.start()  # returns at the first DNS answer
    try:
        r = s.get("/user/tokens/verify")  # no retry: the API must already listen
        assert r.status == 200
        assert f"127.0.0.1:{s.api_port}" in s.log_text()
    finally:
        s.stop()


def test_unknown_routes_and_methods(server):
    r = server.get("/nothing/here")
    assert r.status == 404 and 7003 in r.error_codes() and 7000 in r.error_codes()
    r = server.get("/zones/not-an-id")
    assert r.status == 404 and 7003 in r.error_codes()
    r = server.get("/zones/0123456789abcdef0123456789abcdef/dns_records")
    assert r.status == 404 and 7003 in r.error_codes()
    r = server.delete("/zones")
    assert r.status == 405 and r.content_type.startswith("application/json")


def test_accounts_default_exists(server):
    r = server.get("/accounts")
    assert r.status == 200
    assert len(r.result) == 1 and len(r.result[0]["id"]) == 32
    assert r.json["result_info"]["total_count"] == 1


def test_zone_lifecycle(server):
    acct = server.get("/accounts").result[0]["id"]
    r = server.post("/zones", {"name": "Example.COM.", "account": {"id": acct}, "type": "full"})
    assert r.status == 200, r
    z = r.result
    assert z["name"] == "example.com" and z["status"] == "active" and len(z["id"]) == 32
    assert z["account"]["id"] == acct
    assert z["name_servers"]
    r = server.get("/zones?name=example.com")
    assert r.status == 200 and [x["id"] for x in r.result] == [z["id"]]
    r = server.get("/zones?name=nothing.example")
    assert r.status == 200 and r.result == []
    r = server.post("/zones", {"name": "example.com"})
    assert r.status == 400 and r.error_codes() == [1061]
    r = server.post("/zones", {"name": "not a domain"})
    assert r.status == 400
    r = server.post("/zones", {"name": 42})
    assert r.status == 400 and r.error_codes() == [9207]
    assert server.get(f"/zones/{z['id']}").result["name"] == "example.com"
    # SOA and NS are generated and served.
    soa = server.answer("example.com.", "SOA")
    assert len(soa) == 1 and "hostmaster.example.com." in soa[0]
    assert soa[0].split()[3:] == ["10000", "2400", "604800", "1800"]
    assert server.query("example.com.", "SOA").answer[0].ttl == 3600
    ns = server.query("example.com.", "NS").answer[0]
    assert ns.ttl == 86400 and len(ns) >= 1
    r = server.delete(f"/zones/{z['id']}")
    assert r.status == 200 and r.result == {"id": z["id"]}
    assert server.rcode("example.com.", "SOA") == "REFUSED"
    assert server.get(f"/zones/{z['id']}").status == 404


def test_zone_list_paging(server):
    for i in range(5):
        server.create_zone(f"z{i}.example")
    r = server.get("/zones?per_page=2&page=2")
    assert r.status == 200
    assert [z["name"] for z in r.result] == ["z2.example", "z3.example"]
    info = r.json["result_info"]
    assert info == {"page": 2, "per_page": 2, "count": 2, "total_count": 5, "total_pages": 3}


def test_cname_flattening_setting(zone):
    s, zid = zone
    r = s.get(f"/zones/{zid}/settings/cname_flattening")
    assert r.status == 200
    assert r.result["id"] == "cname_flattening" and r.result["value"] == "flatten_at_root"
    assert r.result["editable"] is True
    s.add(zid, name="target", type="A", content="192.0.2.7")
    s.add(zid, name="www", type="CNAME", content="target.example.com")
    assert 5 in [rr.rdtype for rr in s.query("www.example.com.", "A").answer]  # the CNAME, RFC 1034
    before = s.serial("example.com")
    r = s.patch(f"/zones/{zid}/settings/cname_flattening", {"value": "flatten_all"})
    assert r.status == 200 and r.result["value"] == "flatten_all" and r.result["modified_on"]
    assert s.serial("example.com") == before + 1
    m = s.query("www.example.com.", "A")
    assert [rr.rdtype for rr in m.answer] == [1]  # flattened: no CNAME
    assert s.answer("www.example.com.", "A") == ["192.0.2.7"]
    r = s.patch(f"/zones/{zid}/settings/cname_flattening", {"value": "sideways"})
    assert r.status == 400
    r = s.get(f"/zones/{zid}/dns_settings")
    assert r.status == 200 and r.result["flatten_all_cnames"] is True


def test_dns_settings_soa_and_ns_ttl(zone):
    s, zid = zone
    r = s.get(f"/zones/{zid}/dns_settings")
    assert r.status == 200
    assert r.result["soa"]["refresh"] == 10000 and r.result["ns_ttl"] == 86400
    assert r.result["soa"]["rname"] == "hostmaster.example.com"
    r = s.patch(f"/zones/{zid}/dns_settings", {"ns_ttl": 3600, "soa": {"min_ttl": 300, "ttl": 1800}})
    assert r.status == 200, r
    assert r.result["ns_ttl"] == 3600 and r.result["soa"]["min_ttl"] == 300
    assert s.query("example.com.", "NS").answer[0].ttl == 3600
    assert s.query("example.com.", "SOA").answer[0].ttl == 1800
    assert s.answer("example.com.", "SOA")[0].endswith(" 300")
    r = s.patch(f"/zones/{zid}/dns_settings", {"soa": {"refresh": 5}})
    assert r.status == 400
    r = s.patch(f"/zones/{zid}/dns_settings", {"ns_ttl": "x"})
    assert r.status == 400


def test_restart_keeps_data(zone):
    s, zid = zone
    rec = s.add(zid, name="www", type="A", content="192.0.2.10", ttl=120)["result"]
    s.patch(f"/zones/{zid}/settings/cname_flattening", {"value": "flatten_all"})
    serial = s.serial("example.com")
    s.restart()
    assert s.get(f"/zones/{zid}").result["name"] == "example.com"
    assert s.get(f"/zones/{zid}/dns_records/{rec['id']}").result == rec
    assert s.answer("www.example.com.") == ["192.0.2.10"]
    assert s.serial("example.com") == serial
    assert s.get(f"/zones/{zid}/settings/cname_flattening").result["value"] == "flatten_all"
    assert s.get("/user/tokens/verify").status == 200


def test_keep_alive_and_concurrency(zone):
    import concurrent.futures
    s, zid = zone

    def add(i):
        return s.post(f"/zones/{zid}/dns_records", {"name": f"h{i}", "type": "A", "content": "192.0.2.1"}).status

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        statuses = list(ex.map(add, range(40)))
    assert statuses == [200] * 40
    assert len(s.records(zid)) == 40
    t0 = time.time()
    for i in range(40):
        assert s.answer(f"h{i}.example.com.") == ["192.0.2.1"]
    assert time.time() - t0 < 10
    assert EDGE4  # (edge set is configured for the proxied tests)
