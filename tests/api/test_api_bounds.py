"""Bounded work per request: $GENERATE records capped per import or zone file, a record quota
per zone on every write path, out-of-range JSON numbers as 400s, and $INCLUDE refused as a
directive only (TXT data that says "$INCLUDE" re-imports)."""

import subprocess

from apihelp import DNSEDGE_BIN, Server, server, zone  # noqa: F401 (fixtures)


def _import(s, zid, text):
    return s.post(f"/zones/{zid}/dns_records/import", raw=text.encode(), content_type="text/plain")


def test_generate_is_capped_per_import_before_it_generates(tmp_path):
    s = Server(tmp_path, extra=["--max-generate-records", "100"]).start()
    try:
        zid = s.create_zone("example.com")
        serial = s.serial("example.com")
        # Three directives of 40: the third passes the cap of 100 and names its line.
        text = "".join(f"$GENERATE 1-40 {p}$ A 192.0.2.1\n" for p in "abc")
        r = _import(s, zid, text)
        assert r.status == 400 and r.error_codes() == [1012], r
        msg = r.json["errors"][0]["message"]
        assert msg.startswith("import:3: $GENERATE:") and "limit of 100 generated records" in msg, msg
        assert s.records(zid) == [] and s.serial("example.com") == serial
        # At the cap it imports.
        r = _import(s, zid, "$GENERATE 1-60 a$ A 192.0.2.1\n$GENERATE 1-40 b$ A 192.0.2.1\n")
        assert r.status == 200 and r.result["recs_added"] == 100, r
    finally:
        s.stop()


def test_default_generate_cap_stops_the_196605_record_import(zone):
    s, zid = zone
    # 105 bytes that used to make 196,605 records (and half a GiB) on the writer thread.
    text = "".join(f"$GENERATE 0-65534 {p}$ A 192.0.2.1\n" for p in "xyz")
    r = _import(s, zid, text)
    assert r.status == 400 and r.error_codes() == [1012], r
    assert "import:2: $GENERATE" in r.json["errors"][0]["message"]
    assert "65536" in r.json["errors"][0]["message"]
    assert s.records(zid) == []


def test_generate_cap_applies_to_zone_files(tmp_path):
    zf = tmp_path / "gen.test.zone"
    zf.write_text("$ORIGIN gen.test.\n$TTL 300\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.53\n"
                  "$GENERATE 1-30 a$ A 192.0.2.1\n$GENERATE 1-30 b$ A 192.0.2.1\n")
    # `zone check` reads the flag like `serve`.
    p = subprocess.run([DNSEDGE_BIN, "zone", "check", str(zf), "--max-generate-records", "50"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert f"{zf}:7: $GENERATE" in p.stderr + p.stdout, p
    s = Server(tmp_path, zone_files=[zf], extra=["--max-generate-records", "60"]).start()
    try:
        assert s.answer("b30.gen.test.") == ["192.0.2.1"]
    finally:
        s.stop()


def test_record_quota_on_every_write_path(tmp_path):
    s = Server(tmp_path, extra=["--max-records-per-zone", "3"]).start()
    try:
        zid = s.create_zone("example.com")
        ids = [s.add(zid, name=n, type="A", content="192.0.2.1")["result"]["id"] for n in "abc"]
        serial = s.serial("example.com")
        path = f"/zones/{zid}/dns_records"

        def refused(r):
            assert r.status == 400 and r.error_codes() == [81045], r
            assert r.json["errors"][0]["message"].endswith("Record quota exceeded."), r  # batch: "posts[0]: ..."

        refused(s.post(path, {"name": "d", "type": "A", "content": "192.0.2.1"}))
        refused(s.post(path + "/batch", {"posts": [{"name": "d", "type": "A", "content": "192.0.2.1"}]}))
        refused(_import(s, zid, "d 300 IN A 192.0.2.1\n"))
        assert s.serial("example.com") == serial and len(s.records(zid)) == 3
        assert s.rcode("d.example.com.") == "NXDOMAIN"
        # PUT and PATCH add nothing; a batch that deletes first makes room.
        r = s.put(f"{path}/{ids[0]}", {"name": "a", "type": "A", "content": "192.0.2.7"})
        assert r.status == 200, r
        r = s.patch(f"{path}/{ids[1]}", {"content": "192.0.2.8"})
        assert r.status == 200, r
        r = s.post(path + "/batch", {"deletes": [{"id": ids[2]}],
                                     "posts": [{"name": "d", "type": "A", "content": "192.0.2.9"}]})
        assert r.status == 200, r
        assert s.answer("d.example.com.") == ["192.0.2.9"]
        refused(s.post(path, {"name": "e", "type": "A", "content": "192.0.2.1"}))
    finally:
        s.stop()


def test_huge_json_numbers_are_400(zone):
    s, zid = zone
    s.add(zid, name="www", type="A", content="192.0.2.1")
    rid = s.records(zid)[0]["id"]
    serial = s.serial("example.com")
    path = f"/zones/{zid}/dns_records"
    base = '{"name": "a", "type": "A", "content": "192.0.2.9", "ttl": %s}'
    for number in ("1e400", "-1e400", "1e300", "-1e300", "9223372036854775808", "1e19", "300.5"):
        raw = (base % number).encode()
        for method, p in (("POST", path), ("PUT", f"{path}/{rid}"), ("PATCH", f"{path}/{rid}")):
            r = s.request(method, p, raw=raw, content_type="application/json")
            assert r.status == 400, (number, method, r)
            assert r.error_codes()[0] in (1004, 9021, 9207), (number, r)
            msg = r.json["errors"][0]["message"]
            assert "parse error" not in msg and "json.exception" not in msg, msg
    # Priority and data numbers, and the batch path.
    mx = b'{"name": "@", "type": "MX", "content": "mail.example.com", "priority": 1e400}'
    r = s.request("POST", path, raw=mx, content_type="application/json")
    assert r.status == 400 and r.error_codes() == [1004], r
    assert "out of range" in r.json["errors"][0]["message"]
    srv = (b'{"name": "_sip._tcp", "type": "SRV", "data": {"priority": 1, "weight": 1, "port": 1e400,'
           b' "target": "sip.example.com"}}')
    r = s.request("POST", path, raw=srv, content_type="application/json")
    assert r.status == 400 and r.error_codes() == [1004], r
    r = s.request("POST", path + "/batch", raw=b'{"posts": [' + (base % "1e400").encode() + b']}',
                  content_type="application/json")
    assert r.status == 400 and r.error_codes() == [1004], r
    # A TTL of 1e300 reaches the TTL check: 9021 with its own message.
    r = s.request("POST", path, raw=(base % "1e300").encode(), content_type="application/json")
    assert r.error_codes() == [9021], r
    assert s.serial("example.com") == serial and len(s.records(zid)) == 1


def test_txt_saying_include_reimports(server):
    s = server
    zid = s.create_zone("example.com")
    for content in ("$INCLUDE /etc/passwd", "see $include x"):
        s.add(zid, name="t", type="TXT", content=content)
    export = s.get(f"/zones/{zid}/dns_records/export").text
    assert "$INCLUDE /etc/passwd" in export
    other = s.create_zone("example.org")
    r = _import(s, other, export.replace("example.com.", "example.org."))
    assert r.status == 200 and r.result["recs_added"] == 2, r
    assert sorted(x["content"] for x in s.records(other)) == sorted(
        x["content"] for x in s.records(zid))
    # A real $INCLUDE directive is still refused, with its line.
    r = _import(s, other, "ok 300 IN A 192.0.2.1\n$INCLUDE /etc/hosts\n")
    assert r.status == 400 and r.error_codes() == [1012], r
    assert r.json["errors"][0]["message"] == "import:2: $INCLUDE is not allowed here"
    assert s.rcode("ok.example.org.") == "NXDOMAIN"


def test_limits_from_the_config_file(tmp_path):
    cfg = tmp_path / "dnsedge.toml"
    cfg.write_text("max_records_per_zone = 2\nmax_generate_records = 10\n")
    s = Server(tmp_path, extra=["--config", str(cfg)]).start()
    try:
        zid = s.create_zone("example.com")
        r = _import(s, zid, "$GENERATE 1-11 a$ A 192.0.2.1\n")
        assert r.status == 400 and r.error_codes() == [1012], r
        r = _import(s, zid, "$GENERATE 1-3 a$ A 192.0.2.1\n")
        assert r.status == 400 and r.error_codes() == [81045], r
        r = _import(s, zid, "$GENERATE 1-2 a$ A 192.0.2.1\n")
        assert r.status == 200 and r.result["recs_added"] == 2, r
    finally:
        s.stop()
    bad = tmp_path / "bad.toml"
    bad.write_text("max_records_per_zone = \"many\"\n")
    p = subprocess.run([DNSEDGE_BIN, "serve", "--config", str(bad)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "'max_records_per_zone' must be an integer" in p.stderr, p
