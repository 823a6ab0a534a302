"""Online DNSSEC signing of the served view (docs/dnssec.md): an API zone turned on with
PATCH /zones/{id}/dnssec answers DO=1 queries with RRSIGs that dnspython's dns.dnssec.validate
accepts against the zone's DNSKEY set (whose KSK is the DS the API shows) for what exists only in
the served view: the edge addresses of a proxied apex, a proxied CNAME, an MX rewritten to a
dc-record and the dc-record itself, a flattened external target (on Knot DNS, started here on
loopback as the upstream), TXT. Still valid after a proxy toggle, an MX repoint and a restart;
turning DNSSEC off removes DNSKEY and RRSIGs; a corrupt key row makes the zone answer SERVFAIL
(never unsigned) with an error naming the zone.

The tests stop and start dnsedge on the ports it had: they run in a network namespace of their
own (`unshare -n`, loopback only), where no other process can take a port meanwhile; the outer
test re-runs this file there (tests/harness/unbound.py, run_in_netns).

Run with Debian's interpreter:  /usr/bin/python3 -m pytest tests/dnssec
"""

from __future__ import annotations

import pathlib
import sqlite3
import sys
import time

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "api"))
from apihelp import EDGE4, Server  # noqa: E402
from harness.knot import Knot  # noqa: E402
from harness.unbound import inside_netns, outside_netns, run_in_netns  # noqa: E402

EXTERNAL = """$ORIGIN example.net.
$TTL 60
@ SOA ns h 1 60 60 600 60
@ NS ns
ns A 127.0.0.1
lb 120 A 198.51.100.7
"""


def ask(s: Server, name: str, rdtype: str, *, do: bool = True) -> dns.message.Message:
    q = dns.message.make_query(name, dns.rdatatype.from_text(rdtype), want_dnssec=do, payload=4096)
    q.flags &= ~dns.flags.RD
    return dns.query.tcp(q, "127.0.0.1", port=s.dns_port, timeout=5)


def keys_of(s: Server, zone: str):
    m = ask(s, zone + ".", "DNSKEY")
    keys = [r for r in m.answer if r.rdtype == dns.rdatatype.DNSKEY]
    assert keys, f"no DNSKEY at {zone}: {m}"
    return {dns.name.from_text(zone + "."): keys[0]}


def validated(s: Server, zone: str, name: str, rdtype: str) -> list[str]:
    """The answer's `rdtype` RRset at `name` after dns.dnssec.validate checked its RRSIG against the
    zone's DNSKEY set (raises when it does not validate)."""
    m = ask(s, name, rdtype)
    assert m.rcode() == dns.rcode.NOERROR, m
    want = dns.rdatatype.from_text(rdtype)
    rrset = m.find_rrset(m.answer, dns.name.from_text(name), dns.rdataclass.IN, want)
    sig = m.find_rrset(m.answer, dns.name.from_text(name), dns.rdataclass.IN, dns.rdatatype.RRSIG, want)
    dns.dnssec.validate(rrset, sig, keys_of(s, zone))
    return sorted(r.to_text() for r in rrset)


def record_id(s: Server, zid: str, name: str, rtype: str) -> str:
    return next(r["id"] for r in s.records(zid) if r["name"] == name and r["type"] == rtype)


def wait_for(what: str, get, want, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    got = get()
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = get()
    assert got == want, f"{what}: {got!r}, expected {want!r}"


@outside_netns
def test_in_a_network_namespace():
    run_in_netns(__file__, passed=4)


@pytest.fixture
def signed(tmp_path):
    """A server with example.com (proxied apex, proxied CNAME, MX to a proxied name, TXT) and
    flat.test (apex CNAME to Knot's lb.example.net), DNSSEC on for both."""
    kdir = tmp_path / "knot"
    kdir.mkdir()
    ext = kdir / "example.net.zone"
    ext.write_text(EXTERNAL)
    with Knot([("example.net.", ext)], kdir) as knot:
        s = Server(tmp_path, extra=["--upstream", f"127.0.0.1:{knot.port}"]).start()
        try:
            zid = s.create_zone("example.com")
            s.add(zid, type="A", name="example.com", content="192.0.2.1", proxied=True)
            s.add(zid, type="CNAME", name="www.example.com", content="origin.example.org", proxied=True)
            s.add(zid, type="A", name="mx.example.com", content="192.0.2.25", proxied=True)
            s.add(zid, type="MX", name="example.com", content="mx.example.com", priority=10)
            s.add(zid, type="A", name="mx2.example.com", content="192.0.2.26", proxied=True)
            s.add(zid, type="TXT", name="example.com", content="v=spf1 -all")
            fid = s.create_zone("flat.test")
            s.add(fid, type="CNAME", name="flat.test", content="lb.example.net", proxied=False)
            wait_for("the flattened apex", lambda: s.answer("flat.test.", "A"), ["198.51.100.7"])
            for z in (zid, fid):
                r = s.patch(f"/zones/{z}/dnssec", {"status": "active"})
                assert r.status == 200 and r.result["status"] == "active", r
            yield s, zid, fid
        finally:
            s.stop()


def check_all(s: Server):
    assert validated(s, "example.com", "example.com.", "A") == sorted(EDGE4)  # the edge addresses
    assert validated(s, "example.com", "www.example.com.", "A") == sorted(EDGE4)  # proxied CNAME
    mx = validated(s, "example.com", "example.com.", "MX")
    dc = mx[0].split()[1]
    assert dc.startswith("dc-"), mx  # rewritten to a dc-record
    assert validated(s, "example.com", dc, "A") != []
    assert validated(s, "example.com", "example.com.", "TXT") == ['"v=spf1 -all"']
    assert validated(s, "example.com", "example.com.", "SOA")
    assert validated(s, "example.com", "example.com.", "NS")
    assert validated(s, "flat.test", "flat.test.", "A") == ["198.51.100.7"]  # flattened external target
    # The DNSKEY set is signed by the KSK the API's DS stands for.
    m = ask(s, "example.com.", "DNSKEY")
    rrset = m.find_rrset(m.answer, dns.name.from_text("example.com."), dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    sig = m.find_rrset(m.answer, dns.name.from_text("example.com."), dns.rdataclass.IN, dns.rdatatype.RRSIG,
                       dns.rdatatype.DNSKEY)
    dns.dnssec.validate(rrset, sig, {dns.name.from_text("example.com."): rrset})
    return dc


@inside_netns
def test_signed_answers_validate(signed):
    s, zid, fid = signed
    d = s.get(f"/zones/{zid}/dnssec").result
    ksk = [k for k in ask(s, "example.com.", "DNSKEY").answer[0] if k.flags == 257][0]
    ds = dns.dnssec.make_ds(dns.name.from_text("example.com."), ksk, "SHA256")
    assert ds.to_text().upper() == f"{d['key_tag']} 13 2 {d['digest']}"
    # CDS and CDNSKEY at the apex (RFC 7344), signed.
    assert validated(s, "example.com", "example.com.", "CDS") == [ds.to_text()]
    assert validated(s, "example.com", "example.com.", "CDNSKEY") == [ksk.to_text()]
    check_all(s)
    # Without DO: no RRSIG; DNSKEY and RRSIG queries answer them.
    assert all(r.rdtype != dns.rdatatype.RRSIG for r in ask(s, "www.example.com.", "A", do=False).answer)
    assert ask(s, "example.com.", "DNSKEY", do=False).answer
    assert ask(s, "example.com.", "RRSIG", do=False).answer


@inside_netns
def test_still_valid_after_writes_and_restart(signed):
    s, zid, fid = signed
    before = check_all(s)
    # A proxy toggle: www answers its origin now, signed.
    rid = record_id(s, zid, "www.example.com", "CNAME")
    r = s.patch(f"/zones/{zid}/dns_records/{rid}", {"proxied": False})
    assert r.status == 200, r
    assert validated(s, "example.com", "www.example.com.", "CNAME") == ["origin.example.org."]
    # An MX repoint: the new dc-record, signed, and the MX that names it.
    rid = record_id(s, zid, "example.com", "MX")
    r = s.patch(f"/zones/{zid}/dns_records/{rid}", {"content": "mx2.example.com"})
    assert r.status == 200, r
    mx = validated(s, "example.com", "example.com.", "MX")
    dc = mx[0].split()[1]
    assert dc != before and dc.startswith("dc-")
    assert validated(s, "example.com", dc, "A") == ["192.0.2.26"]
    assert validated(s, "example.com", "example.com.", "SOA")  # the new serial, signed
    # A restart serves valid signatures at once, made anew: under a new serial, so that no
    # secondary keeps the last run's signatures under the serial of these.
    serial = ask(s, "example.com.", "SOA", do=False).answer[0][0].serial
    s.restart()
    assert ask(s, "example.com.", "SOA", do=False).answer[0][0].serial == serial + 1
    assert "reason=signed-at-start" in s.log_text()
    assert validated(s, "example.com", dc, "A") == ["192.0.2.26"]
    assert validated(s, "example.com", "example.com.", "A") == sorted(EDGE4)
    wait_for("the flattened apex after the restart", lambda: s.answer("flat.test.", "A"), ["198.51.100.7"])
    assert validated(s, "flat.test", "flat.test.", "A") == ["198.51.100.7"]


@inside_netns
def test_disable_removes_dnskey_and_rrsig(signed):
    s, zid, fid = signed
    r = s.patch(f"/zones/{zid}/dnssec", {"status": "disabled"})
    assert r.status == 200 and r.result["status"] == "disabled", r
    for name, t in (("example.com.", "DNSKEY"), ("example.com.", "A"), ("www.example.com.", "A")):
        m = ask(s, name, t)
        assert all(x.rdtype not in (dns.rdatatype.DNSKEY, dns.rdatatype.RRSIG) for x in m.answer), m
    assert ask(s, "example.com.", "CDS").answer == []
    # flat.test is still signed; DELETE removes its keys and signatures too.
    assert validated(s, "flat.test", "flat.test.", "A")
    assert s.delete(f"/zones/{fid}/dnssec").status == 200
    assert ask(s, "flat.test.", "DNSKEY").answer == []


@inside_netns
def test_corrupt_key_row_answers_servfail(signed):
    s, zid, fid = signed
    s.stop()
    db = sqlite3.connect(s.data / "dnsedge.db")
    with db:
        n = db.execute("UPDATE dnssec_keys SET private_pem = ? WHERE zone = 'example.com' AND role = 'zsk'",
                       ("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",)).rowcount
    db.close()
    assert n == 1
    s.start()
    # Never served unsigned: every query SERVFAILs, DO or not; the other zone is unaffected.
    for name, t, do in (("example.com.", "A", True), ("example.com.", "SOA", False), ("www.example.com.", "A", False)):
        assert ask(s, name, t, do=do).rcode() == dns.rcode.SERVFAIL
    assert validated(s, "flat.test", "flat.test.", "A") == ["198.51.100.7"]
    r = s.get(f"/zones/{zid}/dnssec")
    assert r.status == 500 and "example.com" in r.json["errors"][0]["message"], r
    assert "event=dnssec_keys_unusable" in s.log_text() and "zone=example.com" in s.log_text()
    assert "PRIVATE KEY" not in s.log_text()
    # A write to the zone does not serve it unsigned either.
    s.add(zid, type="TXT", name="t.example.com", content="x")
    assert ask(s, "t.example.com.", "TXT", do=False).rcode() == dns.rcode.SERVFAIL
