"""Delegations through the API: a delegated name takes several NS records (NS beside NS is no
conflict), by POST, batch and import, beside a DS; the referral lists all of them. Other data
beside the NS is still refused."""

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from apihelp import server, zone  # noqa: F401 (fixtures)
from test_api_records import _multipart

from harness.knot import Knot


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


# --- the referral of an API delegation beside Knot DNS serving the same records ---------------

def ask(port, name, rdtype, edns):
    """rcode, flags, OPT's DO and every section (sorted RR lines) of one query, for comparison."""
    q = dns.message.make_query(name, rdtype, use_edns=edns is not None,
                               want_dnssec=bool(edns), payload=1232)
    q.flags &= ~dns.flags.RD
    m = dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
    lines = lambda sec: sorted(l.lower() for rr in sec for l in rr.to_text().splitlines())  # noqa: E731
    return {"rcode": dns.rcode.to_text(m.rcode()), "flags": dns.flags.to_text(m.flags),
            "opt": None if m.edns < 0 else bool(m.ednsflags & dns.flags.DO),
            "answer": lines(m.answer), "authority": lines(m.authority), "additional": lines(m.additional)}


def test_referral_of_an_api_delegation_with_ds_is_knots(zone, tmp_path):
    s, zid = zone
    for ns in ("ns1.kids.example.com", "ns2.kids.example.com", "ns.example.net"):
        s.add(zid, name="kids", type="NS", content=ns, ttl=3600)
    s.add(zid, name="kids", type="DS", content="12345 13 2 " + "2b" * 32, ttl=3600)
    s.add(zid, name="kids", type="DS", content="54321 8 2 " + "dd" * 32, ttl=3600)
    s.add(zid, name="ns1.kids.example.com", type="A", content="192.0.2.11", ttl=3600)
    s.add(zid, name="ns1.kids.example.com", type="AAAA", content="2001:db8::11", ttl=3600)
    s.add(zid, name="ns2.kids.example.com", type="A", content="192.0.2.12", ttl=3600)

    # Every NS of the cut, glue for the in-bailiwick ones; no DS: the zone is unsigned, and Knot
    # adds DNSSEC records (RFC 4035 §3.1.4) only to signed zones' referrals, DO=1 or not.
    ns = ["kids.example.com. 3600 in ns ns.example.net.", "kids.example.com. 3600 in ns ns1.kids.example.com.",
          "kids.example.com. 3600 in ns ns2.kids.example.com."]
    glue = ["ns1.kids.example.com. 3600 in a 192.0.2.11", "ns1.kids.example.com. 3600 in aaaa 2001:db8::11",
            "ns2.kids.example.com. 3600 in a 192.0.2.12"]
    for edns in (None, False, True):
        got = ask(s.dns_port, "www.kids.example.com.", "A", edns)
        assert (got["flags"], got["authority"], got["additional"]) == ("QR", ns, glue), (edns, got)
        assert got["opt"] == edns

    # Knot DNS serving the exported records answers the same, query for query.
    zfile = tmp_path / "example.com.zone"
    zfile.write_text(s.get(f"/zones/{zid}/dns_records/export").text)
    with Knot([("example.com.", zfile)], tmp_path) as knot:
        queries = [(n, t, e) for n, t in [("www.kids.example.com.", "A"), ("kids.example.com.", "NS"),
                                           ("kids.example.com.", "A"), ("kids.example.com.", "DS"),
                                           ("ns1.kids.example.com.", "AAAA")]
                   for e in (None, False, True)]
        for q in queries:
            assert ask(s.dns_port, *q) == ask(knot.port, *q), q
