"""Records through the API, checked over DNS: create, change, delete, proxying, dc-records,
paging, filters, batch atomicity, import/export."""

import re

import dns.rdatatype

from apihelp import EDGE4, EDGE6, server, zone  # noqa: F401 (fixtures)


def test_create_query_change_query_delete(zone):
    s, zid = zone
    serial0 = s.serial("example.com")
    r = s.add(zid, name="www", type="A", content="192.0.2.10", ttl=120)
    rec = r["result"]
    assert rec["name"] == "www.example.com" and rec["type"] == "A" and rec["content"] == "192.0.2.10"
    assert rec["ttl"] == 120 and rec["proxied"] is False and rec["proxiable"] is True
    assert set(rec) >= {"id", "name", "type", "content", "proxiable", "proxied", "ttl", "settings", "meta",
                        "comment", "tags", "created_on", "modified_on"}
    assert rec["settings"] == {"ipv4_only": False, "ipv6_only": False}
    assert re.fullmatch(r"[0-9a-f]{32}", rec["id"])
    m = s.query("www.example.com.", "A")
    assert [x.to_text() for x in m.answer[0]] == ["192.0.2.10"] and m.answer[0].ttl == 120
    assert s.serial("example.com") == serial0 + 1

    r = s.patch(f"/zones/{zid}/dns_records/{rec['id']}", {"content": "192.0.2.11"})
    assert r.status == 200 and r.result["content"] == "192.0.2.11" and r.result["ttl"] == 120
    assert s.answer("www.example.com.") == ["192.0.2.11"]

    r = s.put(f"/zones/{zid}/dns_records/{rec['id']}", {"name": "www", "type": "A", "content": "192.0.2.12"})
    assert r.status == 200 and r.result["ttl"] == 1  # PUT resets omitted fields
    assert s.query("www.example.com.", "A").answer[0].ttl == 300  # automatic = 300

    r = s.patch(f"/zones/{zid}/dns_records/{rec['id']}", {"proxied": True})
    assert r.status == 200 and r.result["proxied"] is True
    assert s.answer("www.example.com.") == sorted(EDGE4)
    assert s.answer("www.example.com.", "AAAA") == sorted(EDGE6)

    r = s.get(f"/zones/{zid}/dns_records/{rec['id']}")
    assert r.status == 200 and r.result["content"] == "192.0.2.12"

    r = s.delete(f"/zones/{zid}/dns_records/{rec['id']}")
    assert r.status == 200 and r.result == {"id": rec["id"]}
    assert s.rcode("www.example.com.") == "NXDOMAIN"
    assert s.get(f"/zones/{zid}/dns_records/{rec['id']}").status == 404
    r = s.delete(f"/zones/{zid}/dns_records/{rec['id']}")
    assert r.status == 404 and r.error_codes() == [81044]


def test_record_types_round_trip(zone):
    s, zid = zone
    s.add(zid, name="mail", type="A", content="192.0.2.25")
    s.add(zid, name="v6", type="AAAA", content="2001:DB8:0:0::1")
    s.add(zid, name="@", type="MX", content="mail.example.com", priority=10)
    s.add(zid, name="@", type="TXT", content="v=spf1 mx -all")
    srv = s.add(zid, name="_sip._tcp", type="SRV",
                data={"priority": 10, "weight": 5, "port": 5060, "target": "sip.example.com"})["result"]
    assert srv["content"] == "5 5060 sip.example.com" and srv["priority"] == 10
    assert srv["data"] == {"priority": 10, "weight": 5, "port": 5060, "target": "sip.example.com"}
    caa = s.add(zid, name="@", type="CAA", data={"flags": 0, "tag": "issue", "value": "letsencrypt.org"})["result"]
    assert caa["content"] == '0 issue "letsencrypt.org"'
    assert s.answer("v6.example.com.", "AAAA") == ["2001:db8::1"]
    assert s.answer("example.com.", "MX") == ["10 mail.example.com."]
    assert s.answer("example.com.", "TXT") == ['"v=spf1 mx -all"']
    assert s.answer("_sip._tcp.example.com.", "SRV") == ["10 5 5060 sip.example.com."]
    assert s.answer("example.com.", "CAA") == ['0 issue "letsencrypt.org"']
    txt = s.records(zid, type="TXT")[0]
    assert txt["content"] == "v=spf1 mx -all"  # as written (the DNS answer above is quoted)


def test_seed_mx_to_proxied_apex_uses_dc_record(zone):
    """SPEC §3: example.com MX 10 example.com with example.com A 192.0.2.1 proxied."""
    s, zid = zone
    s.add(zid, name="@", type="A", content="192.0.2.1", proxied=True)
    r = s.add(zid, name="@", type="MX", content="example.com", priority=10)
    msgs = r["messages"]
    assert msgs, r
    text = msgs[0]["message"]
    assert "dc-" in text and "192.0.2.1" in text and "mail.example.com" in text and "delete" in text
    mx = s.answer("example.com.", "MX")
    assert len(mx) == 1
    m = re.fullmatch(r"10 (dc-[0-9a-f]{8}\.example\.com\.)", mx[0])
    assert m, mx
    dc = m.group(1)
    assert s.answer(dc, "A") == ["192.0.2.1"]
    assert s.answer("example.com.", "A") == sorted(EDGE4)
    # The dc-record is not a stored record, and is absent from exports.
    names = [x["name"] for x in s.records(zid)]
    assert not any(n.startswith("dc-") for n in names)
    assert "dc-" not in s.get(f"/zones/{zid}/dns_records/export").text
    # The served view shows it and explains it.
    served = s.get(f"/zones/{zid}/dns_records/served").result
    assert served["dc_records"] == [dc.rstrip(".")]
    assert any("dc-" in line for line in served["explain"]["example.com"])
    assert any(x["name"] == dc.rstrip(".") and x["type"] == "A" and x["content"] == "192.0.2.1"
               for x in served["records"])
    # Fix 2: point the MX at a DNS-only mail name; the dc-record disappears.
    s.add(zid, name="mail", type="A", content="192.0.2.25")
    mx_id = [x for x in s.records(zid) if x["type"] == "MX"][0]["id"]
    r = s.patch(f"/zones/{zid}/dns_records/{mx_id}", {"content": "mail.example.com"})
    assert r.status == 200 and r.json["messages"] == []
    assert s.answer("example.com.", "MX") == ["10 mail.example.com."]
    assert s.rcode(dc, "A") == "NXDOMAIN"


def test_cname_conflicts_and_duplicates_change_nothing(zone):
    s, zid = zone
    s.add(zid, name="www", type="CNAME", content="web.example.net")
    s.add(zid, name="a", type="A", content="192.0.2.1")
    serial = s.serial("example.com")
    r = s.post(f"/zones/{zid}/dns_records", {"name": "www", "type": "A", "content": "192.0.2.1"})
    assert r.status == 400 and r.error_codes() == [81053]
    assert r.json["errors"][0]["message"] == "An A, AAAA, or CNAME record with that host already exists."
    r = s.post(f"/zones/{zid}/dns_records", {"name": "a", "type": "CNAME", "content": "x.example.net"})
    assert r.status == 400 and r.error_codes() == [81053]
    r = s.post(f"/zones/{zid}/dns_records", {"name": "www", "type": "TXT", "content": "x"})
    assert r.status == 400 and r.error_codes() == [81054]
    r = s.post(f"/zones/{zid}/dns_records", {"name": "a", "type": "A", "content": "192.0.2.1"})
    assert r.status == 400 and r.error_codes()[0] in (81057, 81058)
    assert s.serial("example.com") == serial
    assert len(s.records(zid)) == 2


def test_paging_and_filters(zone):
    s, zid = zone
    for i in range(7):
        s.add(zid, name=f"host{i}", type="A", content=f"192.0.2.{i + 1}")
    s.add(zid, name="@", type="TXT", content="hello world")
    s.add(zid, name="mail", type="MX", content="mx.example.net", priority=5)
    s.add(zid, name="web", type="CNAME", content="host1.example.com", proxied=True)

    r = s.get(f"/zones/{zid}/dns_records?per_page=1")
    assert r.status == 200 and len(r.result) == 1
    assert r.json["result_info"] == {"page": 1, "per_page": 1, "count": 1, "total_count": 10, "total_pages": 10}
    r = s.get(f"/zones/{zid}/dns_records?per_page=3&page=4")
    assert len(r.result) == 1 and r.json["result_info"]["count"] == 1
    r = s.get(f"/zones/{zid}/dns_records?per_page=3&page=9")
    assert r.status == 200 and r.result == [] and r.json["result_info"]["total_count"] == 10
    seen = []
    for page in range(1, 5):
        seen += [x["id"] for x in s.get(f"/zones/{zid}/dns_records?per_page=3&page={page}").result]
    assert len(seen) == len(set(seen)) == 10

    assert len(s.records(zid, type="A")) == 7
    assert [x["name"] for x in s.records(zid, name="host3.example.com")] == ["host3.example.com"]
    assert [x["name"] for x in s.records(zid, **{"name.exact": "HOST3.example.com"})] == ["host3.example.com"]
    assert len(s.records(zid, **{"name.startswith": "host"})) == 7
    assert len(s.records(zid, **{"name.contains": "ost"})) == 7
    assert [x["type"] for x in s.records(zid, **{"name.endswith": "web.example.com"})] == ["CNAME"]
    assert [x["content"] for x in s.records(zid, content="192.0.2.4")] == ["192.0.2.4"]
    # TXT content matches with or without the quotes.
    assert len(s.records(zid, type="TXT", content="hello%20world")) == 1
    assert len(s.records(zid, type="TXT", content="%22hello%20world%22")) == 1
    assert len(s.records(zid, **{"content.contains": "hello"})) == 1
    assert [x["name"] for x in s.records(zid, proxied="true")] == ["web.example.com"]
    assert len(s.records(zid, proxied="false")) == 9
    # match=any vs all
    assert len(s.records(zid, type="MX", name="host1.example.com")) == 0
    assert len(s.records(zid, type="MX", name="host1.example.com", match="any")) == 2
    # order / direction
    contents = [x["content"] for x in s.records(zid, type="A", order="content", direction="desc")]
    assert contents == sorted(contents, reverse=True)
    types = [x["type"] for x in s.records(zid, order="type")]
    assert types == sorted(types)
    r = s.get(f"/zones/{zid}/dns_records?per_page=abc")
    assert r.status == 400
    r = s.get(f"/zones/{zid}/dns_records?order=colour")
    assert r.status == 400


def test_batch_is_atomic(zone):
    s, zid = zone
    a = s.add(zid, name="keep", type="A", content="192.0.2.1")["result"]
    b = s.add(zid, name="change", type="A", content="192.0.2.2")["result"]
    serial = s.serial("example.com")
    bad = {
        "deletes": [{"id": a["id"]}],
        "patches": [{"id": b["id"], "content": "192.0.2.22"}],
        "posts": [{"name": "new", "type": "A", "content": "192.0.2.3"},
                  {"name": "broken", "type": "A", "content": "999.1.1.1"}],
    }
    r = s.post(f"/zones/{zid}/dns_records/batch", bad)
    assert r.status == 400 and r.error_codes() == [9005]
    assert "posts[1]" in r.json["errors"][0]["message"]
    # Nothing changed, in the API or over DNS.
    assert s.serial("example.com") == serial
    assert s.answer("keep.example.com.") == ["192.0.2.1"]
    assert s.answer("change.example.com.") == ["192.0.2.2"]
    assert s.rcode("new.example.com.") == "NXDOMAIN"
    assert len(s.records(zid)) == 2

    good = dict(bad)
    good["posts"] = bad["posts"][:1]
    good["puts"] = [{"id": b["id"], "name": "change", "type": "A", "content": "192.0.2.23", "ttl": 600}]
    good["patches"] = []
    r = s.post(f"/zones/{zid}/dns_records/batch", good)
    assert r.status == 200, r
    res = r.result
    assert [x["id"] for x in res["deletes"]] == [a["id"]]
    assert res["puts"][0]["content"] == "192.0.2.23" and res["puts"][0]["ttl"] == 600
    assert res["posts"][0]["name"] == "new.example.com"
    assert s.serial("example.com") == serial + 1
    assert s.rcode("keep.example.com.") == "NXDOMAIN"
    assert s.answer("change.example.com.") == ["192.0.2.23"]
    assert s.answer("new.example.com.") == ["192.0.2.3"]
    r = s.post(f"/zones/{zid}/dns_records/batch", {"deletes": [{"id": "0" * 32}]})
    assert r.status == 404 and r.error_codes() == [81044]
    r = s.post(f"/zones/{zid}/dns_records/batch", {"posts": "nope"})
    assert r.status == 400


def _multipart(fields: dict, boundary="dnsedgeBoundary7MA4YWxk") -> tuple[bytes, str]:
    out = b""
    for name, (filename, value) in fields.items():
        out += f"--{boundary}\r\n".encode()
        if filename:
            out += f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode()
            out += b"Content-Type: text/plain\r\n"
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n'.encode()
        out += b"\r\n" + value.encode() + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


ZONE_TEXT = """$ORIGIN example.com.
$TTL 3600
@       IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 3600
@       IN NS  ns1.other.net.
@       IN A   192.0.2.1 ; cf_tags=cf-proxied:true
www     IN CNAME example.com.
mail    IN A   192.0.2.25
@       IN MX  10 mail
@       IN TXT "v=spf1 mx -all"
_sip._tcp 600 IN SRV 10 5 5060 sip.example.com.
sub     IN NS  ns.sub.example.net.
"""


def test_import_export_round_trip(server):
    s = server
    zid = s.create_zone("example.com")
    body, ctype = _multipart({"file": ("example.com.txt", ZONE_TEXT), "proxied": (None, "false")})
    r = s.post(f"/zones/{zid}/dns_records/import", raw=body, content_type=ctype)
    assert r.status == 200, r
    assert r.result == {"recs_added": 7, "total_records_parsed": 7}
    recs = {(x["name"], x["type"]): x for x in s.records(zid)}
    assert recs[("example.com", "A")]["proxied"] is True  # the line's cf_tags wins
    assert recs[("www.example.com", "CNAME")]["proxied"] is False
    assert ("example.com", "SOA") not in recs and ("example.com", "NS") not in recs
    assert recs[("sub.example.com", "NS")]["content"] == "ns.sub.example.net"
    assert s.answer("example.com.") == sorted(EDGE4)
    assert s.answer("mail.example.com.") == ["192.0.2.25"]

    r = s.get(f"/zones/{zid}/dns_records/export")
    assert r.status == 200 and r.content_type.startswith("text/plain")
    # A zone file: the served SOA and apex NS under a "generated" comment, then the records.
    assert r.text.startswith("; generated by dnsedge\n"), r.text
    generated = [l for l in r.text.splitlines() if l.startswith("example.com.\t") and ("\tSOA\t" in l or "\tNS\t" in l)]
    assert [l.split("\t")[3] for l in generated] == ["SOA", "NS", "NS"], r.text
    lines = [l for l in r.text.splitlines() if l.strip() and not l.startswith(";") and l not in generated]
    assert len(lines) == 7
    assert any(l.startswith("example.com.\t300\tIN\tA\t192.0.2.1") and "cf-proxied:true" in l for l in lines)
    for l in lines:
        owner, ttl, klass, rtype = l.split()[:4]
        assert owner.endswith(".") and ttl.isdigit() and klass == "IN"
    assert not any("\tSOA\t" in l for l in lines)
    records_only = "".join(l + "\n" for l in lines)

    # Into another zone (plain field, not a file part): the same records.
    s2 = s.create_zone("example.org")
    text2 = r.text.replace("example.com.", "example.org.")
    body, ctype = _multipart({"file": (None, text2)})
    r2 = s.post(f"/zones/{s2}/dns_records/import", raw=body, content_type=ctype)
    assert r2.status == 200 and r2.result["recs_added"] == 7, r2
    out2 = s.get(f"/zones/{s2}/dns_records/export").text
    assert out2.endswith(records_only.replace("example.com.", "example.org.")), out2
    # A second import of the same file adds nothing.
    r3 = s.post(f"/zones/{s2}/dns_records/import", raw=body, content_type=ctype)
    assert r3.status == 200 and r3.result["recs_added"] == 0


def test_import_failure_changes_nothing(zone):
    s, zid = zone
    s.add(zid, name="www", type="A", content="192.0.2.1")
    serial = s.serial("example.com")
    bad = "$ORIGIN example.com.\nok 300 IN A 192.0.2.2\nbroken 300 IN A 300.1.1.1\n"
    body, ctype = _multipart({"file": ("z.txt", bad)})
    r = s.post(f"/zones/{zid}/dns_records/import", raw=body, content_type=ctype)
    assert r.status == 400
    conflict = "$ORIGIN example.com.\nok 300 IN A 192.0.2.2\nwww 300 IN CNAME x.example.net.\n"
    body, ctype = _multipart({"file": ("z.txt", conflict)})
    r = s.post(f"/zones/{zid}/dns_records/import", raw=body, content_type=ctype)
    assert r.status == 400 and r.error_codes() == [81053]
    assert s.serial("example.com") == serial
    assert s.rcode("ok.example.com.") == "NXDOMAIN"
    assert len(s.records(zid)) == 1


def test_served_view_endpoint(zone):
    s, zid = zone
    s.add(zid, name="www", type="A", content="192.0.2.80", proxied=True)
    r = s.get(f"/zones/{zid}/dns_records/served")
    assert r.status == 200
    res = r.result
    assert res["zone"] == "example.com" and res["serial"] == s.serial("example.com")
    types = {(x["name"], x["type"]) for x in res["records"]}
    assert ("example.com", "SOA") in types and ("example.com", "NS") in types
    www = sorted(x["content"] for x in res["records"] if x["name"] == "www.example.com" and x["type"] == "A")
    assert www == sorted(EDGE4)
    assert any("proxied" in w for w in res["explain"]["www.example.com"])
    one = s.get(f"/zones/{zid}/dns_records/served?name=www.example.com").result
    assert {x["name"] for x in one["records"]} == {"www.example.com"}
    assert dns.rdatatype.from_text("A")


def test_cross_zone_flattening_follows_the_other_zone(server):
    s = server
    a = s.create_zone("a.test")
    b = s.create_zone("b.test")
    t = s.add(a, name="target", type="A", content="192.0.2.5", ttl=600)["result"]
    s.add(b, name="@", type="CNAME", content="target.a.test")  # apex CNAME: always flattened
    s.add(b, name="@", type="MX", content="mx.a.test", priority=10)  # beside the apex CNAME
    m = s.query("b.test.", "A")
    assert [rr.rdtype for rr in m.answer] == [1]
    assert s.answer("b.test.") == ["192.0.2.5"]
    s.patch(f"/zones/{a}/dns_records/{t['id']}", {"content": "192.0.2.6"})
    assert s.answer("b.test.") == ["192.0.2.6"]  # b.test was recompiled with a.test's change


def test_ipv4_only_and_per_record_flattening(zone):
    s, zid = zone
    s.add(zid, name="v4", type="A", content="192.0.2.1", proxied=True, settings={"ipv4_only": True})
    assert s.answer("v4.example.com.") == sorted(EDGE4)
    assert s.answer("v4.example.com.", "AAAA") == []
    s.add(zid, name="target", type="A", content="192.0.2.9")
    rec = s.add(zid, name="alias", type="CNAME", content="target.example.com",
                settings={"flatten_cname": True})["result"]
    assert rec["settings"]["flatten_cname"] is True
    assert [rr.rdtype for rr in s.query("alias.example.com.", "A").answer] == [1]
    out = s.get(f"/zones/{zid}/dns_records/export").text
    assert "cf-flatten-cname" in out


def test_txt_content_is_stored_and_returned_as_written(zone):
    s, zid = zone
    plain = s.add(zid, name="spf", type="TXT", content="v=spf1 mx -all")["result"]
    assert plain["content"] == "v=spf1 mx -all"
    two = s.add(zid, name="two", type="TXT", content='"a" "b"')["result"]
    assert two["content"] == '"a" "b"'
    long = s.add(zid, name="long", type="TXT", content="k" * 300)["result"]
    assert long["content"] == "k" * 300
    assert s.get(f"/zones/{zid}/dns_records/{plain['id']}").result["content"] == "v=spf1 mx -all"
    # DNS answers as before: unquoted content is one string, split at 255 octets.
    assert s.answer("spf.example.com.", "TXT") == ['"v=spf1 mx -all"']
    assert s.answer("two.example.com.", "TXT") == ['"a" "b"']
    assert s.answer("long.example.com.", "TXT") == ['"' + "k" * 255 + '" "' + "k" * 45 + '"']
    # The quoted form of the same text is the same record.
    r = s.post(f"/zones/{zid}/dns_records", {"name": "spf", "type": "TXT", "content": '"v=spf1 mx -all"'})
    assert r.status == 400 and r.error_codes() == [81058], r
    # The content filter matches with and without quotes.
    for c in ("v%3Dspf1%20mx%20-all", "%22v%3Dspf1%20mx%20-all%22"):
        assert [x["id"] for x in s.records(zid, type="TXT", content=c)] == [plain["id"]]
    assert [x["id"] for x in s.records(zid, type="TXT", content="ab")] == [two["id"]]
    # PATCH of other fields keeps the content as written.
    r = s.patch(f"/zones/{zid}/dns_records/{plain['id']}", {"ttl": 600})
    assert r.status == 200 and r.result["content"] == "v=spf1 mx -all", r
