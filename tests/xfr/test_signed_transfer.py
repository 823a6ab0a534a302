"""Transfers of an online-signed zone: Knot DNS and NSD as TSIG secondaries of a signed API zone.

dnsedge signs the served view online and its own answers deny existence compactly (no chain);
the zone its secondaries transfer carries a standard NSEC chain, signed, maintained with each
change (docs/dnssec.md "Transfers of signed zones"). Checked here, for both secondaries:

- after every transfer the secondary holds exactly what dnsedge sends at that serial (RRSIG
  bytes included: the same serial never stands for other signed data), and `kzonecheck -d on`
  and `ldns-verify-zone` (with the zone's DNSKEY) accept the zone as the secondary holds it
  (dumped with AXFR from the secondary);
- Unbound (tests/harness/unbound.py), validating with the DS the API gives as its only trust
  anchor and sending the zone's queries to the secondary (one Unbound per secondary), answers with AD for
  the apex (edge addresses), a proxied name, the MX and the dc-record it was rewritten to, an
  NXDOMAIN and NODATA (at a name and at an empty non-terminal), proved by the chain;
- API writes (a record added, a proxy toggle and back, an MX repoint, a record deleted) reach
  the secondaries as IXFR deltas, which they apply, and everything above still holds;
- a dnsedge restart signs the zone anew under a new serial: without any write the secondaries
  take it (a full transfer, the journal has no delta into it) and verify; the next writes follow;
- a ZSK rollover (dnsedge restarted with second-scale --dnssec-* timings) reaches them and they
  still validate.

And hostile transfer requests for a signed zone: AXFR and IXFR without the TSIG key, or with a
key of the wrong secret, are refused and change nothing; an IXFR from a serial the journal does
not hold, or whose path crosses a barrier, gets the whole zone (byte for byte the AXFR), one from
a serial ahead of the zone the SOA only, never a delta.

Unbound resolves on its own, so every test runs in a network namespace of its own
(`unshare -n`, loopback only): the outer test re-runs this file inside one.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.zone
import pytest

from harness.unbound import Unbound, inside_netns, outside_netns, run_in_netns
from xfrhelp import EDGE4, KnotSecondary, NsdSecondary, secret, wait_for

ZONE = "signed.test."
# ZSK rollover timings of the last step: the key is older than the lifetime by then, so the
# successor is published at the timer's first pass and signs Ipub = 2 + 2 s later.
ROLL = ["--dnssec-zsk-lifetime", "15s", "--dnssec-dnskey-ttl", "2s", "--dnssec-propagation-delay", "2s"]


class DumpableKnot(KnotSecondary):
    """Knot as a secondary that also lets the test AXFR the zone from it (no key)."""

    dumpable = True


class DumpableNsd(NsdSecondary):
    """NSD as a secondary that also lets the test AXFR the zone from it (no key)."""

    def spawn(self, argv, **kw):
        conf = self.workdir / "nsd.conf"
        conf.write_text(conf.read_text() + "    provide-xfr: 127.0.0.1 NOKEY\n")
        return super().spawn(argv, **kw)


def newer(a: int, b: int) -> bool:
    """a is after b (RFC 1982)."""
    return a != b and (a - b) % 2**32 < 2**31


def xfr_rrs(port: int, rdtype="AXFR", serial=0, key: tuple[str, str] | None = None) -> list[str]:
    """Every RR of a zone transfer from 127.0.0.1@port, in order, as text lines."""
    kw = {}
    if key is not None:
        kw = {"keyring": dns.tsigkeyring.from_text({key[0]: key[1]}), "keyname": key[0],
              "keyalgorithm": "hmac-sha256"}
    out = []
    for msg in dns.query.xfr("127.0.0.1", ZONE, rdtype=rdtype, serial=serial, port=port, lifetime=20, **kw):
        for rrset in msg.answer:
            for rd in rrset:
                out.append(f"{rrset.name} {rrset.ttl} {dns.rdatatype.to_text(rrset.rdtype)} {rd.to_text()}")
    return out


def zone_lines(rrs: list[str]) -> list[str]:
    """A transfer's RRs as a sorted set (the closing SOA dropped)."""
    return sorted(set(rrs))


def serial_of(srv) -> int:
    return srv.query(ZONE, "SOA").answer[0][0].serial


def check_copy(peer, srv, key, tmp_path, dnskey_file, step) -> int:
    """The secondary's copy: the primary's at the same serial, and accepted by both checkers."""
    zf = tmp_path / f"{peer.name}-{step.replace(' ', '-')}.zone"
    held = xfr_rrs(peer.port)
    z = dns.zone.from_text("\n".join(held), origin=ZONE, relativize=False)
    zf.write_text(z.to_text(relativize=False))
    types = {dns.rdatatype.to_text(rds.rdtype) for _, node in z.nodes.items() for rds in node.rdatasets}
    assert {"NSEC", "RRSIG", "DNSKEY", "SOA"} <= types, (peer.name, step, types)
    serial = z.get_rdataset(ZONE, "SOA")[0].serial
    sent = xfr_rrs(srv.dns_port, key=key)
    if int(sent[0].split()[5]) == serial:  # the primary has not moved on meanwhile
        only_held = sorted(set(zone_lines(held)) - set(zone_lines(sent)))
        only_sent = sorted(set(zone_lines(sent)) - set(zone_lines(held)))
        assert not only_held and not only_sent, (f"{peer.name} after {step}: serial {serial} holds other data:\n"
                                                 f"held only: {only_held[:6]}\nsent only: {only_sent[:6]}")
    kz = subprocess.run(["kzonecheck", "-d", "on", "-o", ZONE, str(zf)], capture_output=True, text=True, timeout=60)
    assert kz.returncode == 0, f"kzonecheck, {peer.name} after {step}:\n{kz.stdout}{kz.stderr}\n{zf.read_text()[:3000]}"
    lv = subprocess.run(["ldns-verify-zone", "-k", str(dnskey_file), str(zf)], capture_output=True, text=True,
                        timeout=60)
    assert lv.returncode == 0, f"ldns-verify-zone, {peer.name} after {step}:\n{lv.stdout}{lv.stderr}"
    return serial


def wait_serial_at_least(peer, serial, timeout=60.0):
    def there():
        if peer.proc and peer.proc.poll() is not None:
            raise RuntimeError(f"{peer.name} exited:\n{peer.log_text()[-4000:]}")
        s = peer.serial(ZONE)
        return s is not None and (s == serial or newer(s, serial))
    assert wait_for(there, timeout), (f"{peer.name} did not reach serial {serial} (has {peer.serial(ZONE)}):\n"
                                      f"{peer.log_text()[-4000:]}")


def rdatas(m: dns.message.Message, rdtype: str) -> list[str]:
    t = dns.rdatatype.from_text(rdtype)
    return sorted(rd.to_text() for rrset in m.answer if rrset.rdtype == t for rd in rrset)


def validated(ub: Unbound, via: str, name: str, rdtype: str, rcode=dns.rcode.NOERROR, want=None, step=""):
    """Polls (a secondary may still be loading, Unbound's cache expiring) until Unbound answers
    `name` with `rcode`, AD and the rdata `want` (None: an empty answer, NODATA or NXDOMAIN);
    fails after 20 s."""
    got = {}

    def ok():
        try:
            got["r"] = r = ub.query(name, rdtype, timeout=2)
        except dns.exception.DNSException as e:
            got["r"] = e
            return False
        return r.rcode() == rcode and bool(r.flags & dns.flags.AD) and \
            (rdatas(r, rdtype) == want if want is not None else not r.answer)

    assert wait_for(ok, timeout=20), (f"after {step}: {name} {rdtype} via {via}: want {dns.rcode.to_text(rcode)} "
                                      f"{want} with AD, got:\n{got.get('r')}\n{ub.log_text()[-3000:]}")
    return got["r"]


@outside_netns
def test_in_a_network_namespace():
    for tool in ("kzonecheck", "ldns-verify-zone"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} not installed (make deps)")
    run_in_netns(__file__, passed=2)


def signed_zone(srv, peer_ports: list[tuple[str, int, str]]):
    """signed.test with its records, DNSSEC on, outgoing transfers to each (name, port, key name)
    with a TSIG key (secret(key name)). Returns (zone id, DS text)."""
    acct = srv.get("/accounts").result[0]["id"]
    r = srv.post("/zones", {"name": ZONE, "account": {"id": acct}})
    assert r.status == 200, r
    zid = r.result["id"]
    for body in ({"type": "A", "name": "@", "content": "192.0.2.1", "proxied": True},
                 {"type": "A", "name": "www", "content": "192.0.2.80", "proxied": True},
                 {"type": "A", "name": "mail", "content": "192.0.2.25", "proxied": True},
                 {"type": "A", "name": "mail2", "content": "192.0.2.26", "proxied": True},
                 {"type": "MX", "name": "@", "content": "mail." + ZONE, "priority": 10},
                 {"type": "TXT", "name": "@", "content": "v=spf1 mx -all"},
                 {"type": "A", "name": "deep.below." + ZONE, "content": "192.0.2.27"},
                 {"type": "CNAME", "name": "blog", "content": "www." + ZONE}):
        r = srv.post(f"/zones/{zid}/dns_records", body)
        assert r.status == 200, r
    r = srv.patch(f"/zones/{zid}/dnssec", {"status": "active"})
    assert r.status == 200 and r.result["status"] == "active", r
    ds = r.result["ds"]
    assert " DS " in ds, r.result
    peer_ids = []
    for name, port, key in peer_ports:
        r = srv.post(f"/accounts/{acct}/secondary_dns/tsigs", {"name": key, "algo": "hmac-sha256.",
                                                                "secret": secret(key)})
        assert r.status == 200, r
        r = srv.post(f"/accounts/{acct}/secondary_dns/peers",
                     {"name": name, "ip": "127.0.0.1", "port": port, "tsig_id": r.result["id"]})
        assert r.status == 200, r
        peer_ids.append(r.result["id"])
    r = srv.post(f"/zones/{zid}/secondary_dns/outgoing", {"name": ZONE, "peers": peer_ids})
    assert r.status == 200, r
    return zid, ds


def record_id(srv, zid, name, rtype):
    return next(r["id"] for r in srv.records(zid) if r["name"] == name and r["type"] == rtype)


@inside_netns
def test_secondaries_of_a_signed_zone_validate(setup, tmp_path):
    srv, peers = setup
    knot, nsd = DumpableKnot(tmp_path / "knot"), DumpableNsd(tmp_path / "nsd")
    keys = {knot: "knot-key.", nsd: "nsd-key."}
    zid, ds = signed_zone(srv, [(p.name, p.port, keys[p]) for p in (knot, nsd)])
    dnskeys = srv.query(ZONE, "DNSKEY").answer
    assert dnskeys, "the signed zone publishes no DNSKEY"
    dnskey_file = tmp_path / "dnskey"
    dnskey_file.write_text("".join(f"{ZONE} 3600 IN DNSKEY {rd.to_text()}\n" for rd in dnskeys[0]))
    peers += [knot, nsd]
    for p in (knot, nsd):
        p.start(ZONE, srv.dns_port, keys[p], secret(keys[p]))

    def sync(step):
        serial = serial_of(srv)
        for p in (knot, nsd):
            wait_serial_at_least(p, serial)
            check_copy(p, srv, (keys[p], secret(keys[p])), tmp_path, dnskey_file, step)
        return serial

    sync("the first transfer")
    ubs = {}
    for p in (knot, nsd):
        ubs[p] = Unbound(tmp_path / f"unbound-{p.name}", anchors=[ds], servers={ZONE: p.port})
        peers.append(ubs[p])

    def validates(step, ent=False):
        mx = rdatas(srv.query(ZONE, "MX"), "MX")
        assert len(mx) == 1 and mx[0].split()[1].startswith("dc-"), mx
        dc = mx[0].split()[1]
        for p, ub in ubs.items():
            validated(ub, p.name, ZONE, "A", want=sorted(EDGE4), step=step)  # the edge addresses
            validated(ub, p.name, "www." + ZONE, "A", want=sorted(EDGE4), step=step)  # proxied
            validated(ub, p.name, ZONE, "MX", want=mx, step=step)
            validated(ub, p.name, dc, "A", want=srv.answer(dc, "A"), step=step)  # the dc-record
            validated(ub, p.name, "nothing." + ZONE, "A", rcode=dns.rcode.NXDOMAIN, step=step)
            validated(ub, p.name, "www." + ZONE, "TXT", step=step)  # NODATA
            if ent:  # NODATA at an empty non-terminal (until deep.below is deleted)
                validated(ub, p.name, "below." + ZONE, "TXT", step=step)
        return dc

    dc_first = validates("the first transfer", ent=True)

    # Writes, each a delta the secondaries apply: an add at each end of the chain, a proxy
    # toggle and back, an MX repoint, a delete.
    def write(step, method, path, body=None):
        r = srv.request(method, f"/zones/{zid}{path}", body)
        assert r.status == 200, r
        sync(step)

    fulls = len(re.findall(r"type=IXFR-AXFR", srv.log_path.read_text(errors="replace")))
    write("add aaa", "POST", "/dns_records", {"type": "TXT", "name": "aaa", "content": "first in the chain"})
    write("add zzz", "POST", "/dns_records", {"type": "A", "name": "zzz", "content": "192.0.2.91"})
    www = record_id(srv, zid, "www.signed.test", "A")
    write("www unproxied", "PATCH", f"/dns_records/{www}", {"proxied": False})
    validated(ubs[knot], knot.name, "www." + ZONE, "A", want=["192.0.2.80"], step="the proxy toggle")
    validated(ubs[nsd], nsd.name, "www." + ZONE, "A", want=["192.0.2.80"], step="the proxy toggle")
    write("www proxied", "PATCH", f"/dns_records/{www}", {"proxied": True})
    mx = record_id(srv, zid, "signed.test", "MX")
    write("the MX repoint", "PATCH", f"/dns_records/{mx}", {"content": "mail2." + ZONE})
    write("delete deep.below", "DELETE", f"/dns_records/{record_id(srv, zid, 'deep.below.signed.test', 'A')}")
    dc = validates("the writes")
    assert dc != dc_first
    for p, ub in ubs.items():  # the deleted name and its empty non-terminal are gone
        validated(ub, p.name, "deep.below." + ZONE, "A", rcode=dns.rcode.NXDOMAIN, step="the delete")
        validated(ub, p.name, "below." + ZONE, "A", rcode=dns.rcode.NXDOMAIN, step="the delete")
    log = srv.log_path.read_text(errors="replace")
    for key in keys.values():
        deltas = re.findall(rf"event=xfr-out type=IXFR .*key={re.escape(key)} .*diffs=", log)
        assert len(deltas) >= 6, f"{key}: {len(deltas)} IXFR deltas for 6 writes\n{log[-4000:]}"
    assert len(re.findall(r"type=IXFR-AXFR", log)) == fulls, "a write was sent as the whole zone\n" + log[-4000:]
    assert not re.search(r"IXFR.*(failed|malformed)", knot.log_text()), knot.log_text()[-3000:]

    # A restart signs the zone anew under a new serial, which the secondaries take without a
    # write (NOTIFY at start; the journal has no delta into it: a full transfer).
    before = serial_of(srv)
    fulls = len(re.findall(r"type=IXFR-AXFR", srv.log_path.read_text(errors="replace")))
    srv.restart()
    assert serial_of(srv) == before + 1
    sync("the restart")
    assert len(re.findall(r"type=IXFR-AXFR", srv.log_path.read_text(errors="replace"))) >= fulls + 2
    for name, i in (("after-restart", 99), ("again", 98)):
        write(f"add {name}", "POST", "/dns_records", {"type": "A", "name": name, "content": f"192.0.2.{i}"})
    validates("the restart")
    assert not re.search(r"IXFR.*(failed|malformed)", knot.log_text()), knot.log_text()[-3000:]

    # A ZSK rollover with second-scale timings: the successor is published at once, signs 4 s
    # later; the secondaries follow each step and still validate.
    def zsk_signer():
        q = dns.message.make_query("www." + ZONE, "A", want_dnssec=True)
        m = dns.query.tcp(q, "127.0.0.1", port=srv.dns_port, timeout=3)
        return next((rrset[0].key_tag for rrset in m.answer if rrset.rdtype == dns.rdatatype.RRSIG), None)

    signer = zsk_signer()
    srv.extra = [*srv.extra, *ROLL]
    srv.restart()
    assert wait_for(lambda: zsk_signer() not in (None, signer), timeout=60), srv.log_text()[-4000:]
    assert "phase=active" in srv.log_text()
    sync("the ZSK rollover")
    validates("the ZSK rollover")
    assert not re.search(r"IXFR.*(failed|malformed)", knot.log_text()), knot.log_text()[-3000:]


@inside_netns
def test_hostile_transfer_requests_for_a_signed_zone(setup):
    srv, peers = setup
    key = ("sec-key.", secret("sec-key."))
    zid, _ = signed_zone(srv, [("absent", 9, key[0])])  # NOTIFYs to a port nothing listens on
    for i in range(3):
        srv.add(zid, type="A", name=f"w{i}", content=f"192.0.2.{40 + i}")
    serial = serial_of(srv)
    axfr = xfr_rrs(srv.dns_port, key=key)
    assert int(axfr[0].split()[5]) == serial
    assert any(" NSEC " in line for line in axfr) and any(" RRSIG " in line for line in axfr)
    ixfr = xfr_rrs(srv.dns_port, "IXFR", serial - 1, key=key)  # a delta, for contrast
    assert len(ixfr) > 2 and ixfr[1].split()[2] == "SOA", ixfr[:4]

    # Without the key, or with the key name and another secret: refused, nothing sent.
    for kind, s in (("AXFR", 0), ("IXFR", serial - 1), ("IXFR", 1)):
        with pytest.raises(dns.query.TransferError) as e:
            xfr_rrs(srv.dns_port, kind, s)
        assert e.value.rcode == dns.rcode.REFUSED, (kind, e.value)
        with pytest.raises(dns.tsig.PeerBadSignature):  # NOTAUTH, TSIG error BADSIG (RFC 8945)
            xfr_rrs(srv.dns_port, kind, s, key=(key[0], secret("not-the-secret")))
    assert "event=xfr-refused" in srv.log_text()

    # A serial the journal never held (behind the zone, not on any delta's path): the whole
    # zone, the AXFR's RRs exactly.
    for bogus in (serial - 1000, 7):
        got = xfr_rrs(srv.dns_port, "IXFR", bogus, key=key)
        assert got[1].split()[2] != "SOA", (bogus, got[:3])  # not an incremental answer
        assert zone_lines(got) == zone_lines(axfr), bogus
    # Ahead of the zone: the SOA alone.
    got = xfr_rrs(srv.dns_port, "IXFR", serial + 5, key=key)
    assert got == axfr[:1], got[:3]

    # A restart signs anew under serial + 1 with no delta into it, and the first change after it
    # is a barrier: an IXFR from any serial before gets the whole zone.
    srv.restart()
    srv.add(zid, type="A", name="w9", content="192.0.2.49")
    axfr = xfr_rrs(srv.dns_port, key=key)
    assert int(axfr[0].split()[5]) == serial + 2
    for old in (serial - 1, serial, serial + 1):
        got = xfr_rrs(srv.dns_port, "IXFR", old, key=key)
        assert got[1].split()[2] != "SOA" and zone_lines(got) == zone_lines(axfr), (old, got[:3])
    # The refusals changed nothing: the zone is still there, served signed.
    assert serial_of(srv) == serial + 2
