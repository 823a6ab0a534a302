"""DNSSEC records the API refuses (docs/dnssec.md "Records dnsedge makes"): RRSIG, NSEC, NSEC3 and
NSEC3PARAM never, signed zone or not; DNSKEY, CDS, CDNSKEY and a DS at the apex while the zone's
DNSSEC is on (pending or active). Every way in is tried (POST, PUT, PATCH, batch, import), each
refusal is a 400 with a Cloudflare-style code and a message naming the type, and nothing changes
(records, serial, answers)."""

import pytest

from apihelp import server, zone  # noqa: F401 (fixtures)
from test_api_records import _multipart

RRSIG = "A 13 3 300 20300101000000 20200101000000 2371 example.com. " + "A" * 86 + "=="
NSEC = "b.example.com. A RRSIG NSEC"
NSEC3 = "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG"
NSEC3PARAM = "1 0 0 -"
DNSKEY = "256 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="
DS = "2371 13 2 1F987CC6583E92DF0890718C42A5FE65D3D90DDE65B2A0FE0B42FA9E4B5C0F8E"

NEVER = [("RRSIG", RRSIG), ("NSEC", NSEC), ("NSEC3", NSEC3), ("NSEC3PARAM", NSEC3PARAM)]
SIGNED_ONLY = [("DNSKEY", "@", DNSKEY), ("CDS", "@", DS), ("CDNSKEY", "@", DNSKEY), ("DS", "@", DS)]


def _unchanged(s, zid, serial, count):
    assert s.serial("example.com") == serial
    assert len(s.records(zid)) == count


def _refused(r, code, needle):
    assert r.status == 400, r
    assert r.error_codes() == [code], r
    assert needle in r.json["errors"][0]["message"], r.json["errors"][0]["message"]


@pytest.mark.parametrize("rtype,content", NEVER)
@pytest.mark.parametrize("signed", [False, True])
def test_signer_records_are_never_writable(zone, rtype, content, signed):
    s, zid = zone
    if signed:
        assert s.patch(f"/zones/{zid}/dnssec", {"status": "active"}).status == 200
    txt = s.add(zid, name="t", type="TXT", content="hello")["result"]
    serial, count = s.serial("example.com"), len(s.records(zid))
    needle = f"{rtype} records cannot be written"
    for rt in (rtype, rtype.lower()):
        _refused(s.post(f"/zones/{zid}/dns_records", {"name": "b", "type": rt, "content": content}), 9020, needle)
    _refused(s.put(f"/zones/{zid}/dns_records/{txt['id']}", {"name": "t", "type": rtype, "content": content}),
             9020, needle)
    _refused(s.patch(f"/zones/{zid}/dns_records/{txt['id']}", {"type": rtype, "content": content}), 9020, needle)
    r = s.post(f"/zones/{zid}/dns_records/batch",
               {"posts": [{"name": "ok", "type": "A", "content": "192.0.2.1"},
                          {"name": "b", "type": rtype, "content": content}]})
    _refused(r, 9020, needle)
    assert "posts[1]" in r.json["errors"][0]["message"]
    body, ctype = _multipart({"file": ("z.txt", f"$ORIGIN example.com.\nok 300 IN A 192.0.2.1\n"
                                                f"b 300 IN {rtype} {content}\n")})
    r = s.post(f"/zones/{zid}/dns_records/import", raw=body, content_type=ctype)
    _refused(r, 9020, needle)
    assert "import:3:" in r.json["errors"][0]["message"]
    _unchanged(s, zid, serial, count)
    assert s.rcode("ok.example.com.") == "NXDOMAIN"
    assert s.answer("t.example.com.", "TXT") == ['"hello"']


@pytest.mark.parametrize("rtype,name,content", SIGNED_ONLY)
def test_key_records_refused_while_dnssec_is_on(zone, rtype, name, content):
    s, zid = zone
    assert s.patch(f"/zones/{zid}/dnssec", {"status": "active"}).status == 200
    txt = s.add(zid, name="t", type="TXT", content="hello")["result"]
    serial, count = s.serial("example.com"), len(s.records(zid))
    code, needle = (1004, "cannot be added at the apex") if rtype == "DS" else (1004, f"{rtype} records cannot be written")
    _refused(s.post(f"/zones/{zid}/dns_records", {"name": name, "type": rtype, "content": content}), code, needle)
    _refused(s.post(f"/zones/{zid}/dns_records", {"name": "example.com.", "type": rtype, "content": content}), code,
             needle)
    _refused(s.put(f"/zones/{zid}/dns_records/{txt['id']}", {"name": name, "type": rtype, "content": content}),
             code, needle)
    body, ctype = _multipart({"file": ("z.txt", f"$ORIGIN example.com.\n@ 300 IN {rtype} {content}\n")})
    r = s.post(f"/zones/{zid}/dns_records/import", raw=body, content_type=ctype)
    _refused(r, code, needle)
    assert "import:2:" in r.json["errors"][0]["message"]
    _unchanged(s, zid, serial, count)
    # Off again: DNSKEY and an apex DS are ordinary records once more (CDS/CDNSKEY stay refused).
    assert s.patch(f"/zones/{zid}/dnssec", {"status": "disabled"}).status == 200
    r = s.post(f"/zones/{zid}/dns_records", {"name": name, "type": rtype, "content": content})
    if rtype in ("DNSKEY", "DS"):
        assert r.status == 200, r
    else:
        _refused(r, 9020, f"{rtype} records cannot be written")


def test_child_ds_stays_writable_in_a_signed_zone(zone):
    s, zid = zone
    assert s.patch(f"/zones/{zid}/dnssec", {"status": "active"}).status == 200
    s.add(zid, name="child", type="NS", content="ns1.example.net")
    r = s.post(f"/zones/{zid}/dns_records", {"name": "child", "type": "DS", "content": DS})
    assert r.status == 200, r


def test_hostile_dnssec_writes(zone):
    s, zid = zone
    assert s.patch(f"/zones/{zid}/dnssec", {"status": "active"}).status == 200
    serial, count = s.serial("example.com"), len(s.records(zid))
    # A flood of refused writes, a huge RRSIG, odd spellings of the type: all refused, nothing made.
    for i in range(200):
        r = s.post(f"/zones/{zid}/dns_records", {"name": f"n{i}", "type": "RRSIG", "content": RRSIG})
        assert r.status == 400
    r = s.post(f"/zones/{zid}/dns_records", {"name": "big", "type": "RRSIG", "content": RRSIG + "A" * 100_000})
    assert r.status in (400, 413)
    for rt in ("NSEC3param", " RRSIG", "DNSKEY\x00", "TYPE46", "TYPE48"):
        r = s.post(f"/zones/{zid}/dns_records", {"name": "x", "type": rt, "content": RRSIG})
        assert r.status == 400, (rt, r)
    # An import full of signer records is refused at its first one.
    text = "$ORIGIN example.com.\n" + "".join(f"n{i} 300 IN NSEC n{i + 1}.example.com. A RRSIG NSEC\n"
                                               for i in range(5000))
    body, ctype = _multipart({"file": ("z.txt", text)})
    r = s.post(f"/zones/{zid}/dns_records/import", raw=body, content_type=ctype)
    _refused(r, 9020, "NSEC records cannot be written")
    _unchanged(s, zid, serial, count)
