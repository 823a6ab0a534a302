"""Delegations through the API: a delegated name takes several NS records (NS beside NS is no
conflict), by POST, batch and import, beside a DS; the referral lists all of them. Other data
beside the NS is still refused."""

import dns.flags
import dns.message
import dns.query
import dns.rdatatype

from apihelp import server, zone  # noqa: F401 (fixtures)
from test_api_records import _multipart


def referral(s, name):
    q = dns.message.make_query(name, "A")
    q.flags &= ~dns.flags.RD
    m = dns.query.udp(q, "127.0.0.1", port=s.dns_port, timeout=2)
    assert not m.flags & dns.flags.AA, "a referral is not authoritative"
    auth = {dns.rdatatype.to_text(r.rdtype): sorted(x.to_text() for x in r) for r in m.authority}
    return m, auth


def test_several_ns_at_a_delegated_name_by_post(zone):
    s, zid = zone
    s.add(zid, name="sub", type="NS", content="ns1.sub.example.net")
    r = s.post(f"/zones/{zid}/dns_records", {"name": "sub", "type": "NS", "content": "ns2.sub.example.net"})
    assert r.status == 200, r
    s.add(zid, name="sub", type="NS", content="ns3.sub.example.net")
    s.add(zid, name="sub", type="DS", content="12345 13 2 " + "AB" * 32)
    _, auth = referral(s, "www.sub.example.com.")
    assert auth["NS"] == ["ns1.sub.example.net.", "ns2.sub.example.net.", "ns3.sub.example.net."]
    assert s.answer("sub.example.com.", "DS") == ["12345 13 2 " + "ab" * 32]
    # An identical NS is still a duplicate, and other data beside the NS still refused.
    r = s.post(f"/zones/{zid}/dns_records", {"name": "sub", "type": "NS", "content": "ns2.sub.example.net"})
    assert r.status == 400 and r.error_codes() == [81058], r
    r = s.post(f"/zones/{zid}/dns_records", {"name": "sub", "type": "TXT", "content": "hello"})
    assert r.status == 400 and r.error_codes() == [1004], r
    assert len([x for x in s.records(zid) if x["type"] == "NS"]) == 3


def test_several_ns_by_batch_and_import(zone):
    s, zid = zone
    r = s.post(f"/zones/{zid}/dns_records/batch", {"posts": [
        {"name": "b", "type": "NS", "content": "ns1.b.example.net"},
        {"name": "b", "type": "NS", "content": "ns2.b.example.net"}]})
    assert r.status == 200, r
    _, auth = referral(s, "x.b.example.com.")
    assert auth["NS"] == ["ns1.b.example.net.", "ns2.b.example.net."]

    text = ("i.example.com. 3600 IN NS ns1.i.example.net.\n"
            "i.example.com. 3600 IN NS ns2.i.example.net.\n"
            "i.example.com. 3600 IN NS ns3.i.example.net.\n")
    body, ctype = _multipart({"file": ("i.txt", text)})
    r = s.post(f"/zones/{zid}/dns_records/import", raw=body, content_type=ctype)
    assert r.status == 200, r
    assert r.result["recs_added"] == 3
    _, auth = referral(s, "i.example.com.")
    assert auth["NS"] == ["ns1.i.example.net.", "ns2.i.example.net.", "ns3.i.example.net."]
