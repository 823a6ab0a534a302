"""Transfers of an online-signed zone: Knot DNS and NSD as TSIG secondaries of a signed API zone.

dnsedge signs the served view online and its own answers deny existence compactly (no chain);
the zone its secondaries transfer carries a standard NSEC chain, signed, maintained with each
change (docs/dnssec.md "Transfers of signed zones"). Checked here:

- after the first transfer, `kzonecheck -d on` and `ldns-verify-zone` (with the zone's DNSKEY)
  accept the zone as each secondary holds it (dumped with AXFR from the secondary);
- Unbound, validating with the DS the API gives as its trust anchor and forwarding the zone to a
  secondary, answers with AD (an existing name, and a non-existent one proved by the chain);
- after API writes the secondaries follow by IXFR (the second write after a start: the first is
  a full transfer, see below) and the zone still verifies;
- after a dnsedge restart (which signs everything again) the next change reaches the secondaries
  as a full transfer, never as a delta that would not apply, and they verify again.

Unbound is configured to reach loopback only: the zone forwarded to the secondary, every other
name refused locally, queries sent from 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.zone
import pytest

from xfrhelp import (KNOTD, KnotSecondary, NsdSecondary, Peer, Server, _knot_conf_head, _knot_dirs, free_port,
                     secret, wait_for)

ZONE = "signed.test."
UNBOUND = shutil.which("unbound") or "/usr/sbin/unbound"


class DumpableKnot(KnotSecondary):
    """Knot as a secondary that also lets the test AXFR the zone from it (no key)."""

    def start(self, zone, primary_port, key_name, key_secret):
        _knot_dirs(self.workdir)
        conf = _knot_conf_head(self.workdir, self.port, key_name, key_secret) + f"""remote:
  - id: primary
    address: 127.0.0.1@{primary_port}
    key: {key_name}
acl:
  - id: notify_from_primary
    address: 127.0.0.1
    key: {key_name}
    action: notify
  - id: dump
    address: 127.0.0.1
    action: transfer
template:
  - id: default
    storage: "{self.workdir / 'zones'}"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
    semantic-checks: off
zone:
  - domain: {zone}
    master: primary
    acl: [notify_from_primary, dump]
"""
        cpath = self.workdir / "knot.conf"
        cpath.write_text(conf)
        self.spawn([KNOTD, "-c", str(cpath)])
        return self


class DumpableNsd(NsdSecondary):
    """NSD as a secondary that also lets the test AXFR the zone from it (no key)."""

    def spawn(self, argv, **kw):
        conf = self.workdir / "nsd.conf"
        conf.write_text(conf.read_text() + "    provide-xfr: 127.0.0.1 NOKEY\n")
        return super().spawn(argv, **kw)


class Unbound(Peer):
    """Unbound validating `zone` with `anchor` (a DS RR), asking only the secondary at `port`."""

    name = "unbound"

    def start(self, zone: str, anchor: str, port: int):
        if not os.path.exists(UNBOUND):
            pytest.skip("unbound not installed")
        w = self.workdir
        conf = f"""server:
    interface: 127.0.0.1
    port: {self.port}
    outgoing-interface: 127.0.0.1
    do-not-query-localhost: no
    do-ip6: no
    username: ""
    chroot: ""
    directory: "{w}"
    pidfile: "{w}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    val-log-level: 2
    num-threads: 1
    so-reuseport: no
    qname-minimisation: no
    prefetch: no
    cache-max-ttl: 1
    cache-max-negative-ttl: 1
    module-config: "validator iterator"
    trust-anchor: "{anchor}"
    local-zone: "." refuse
    local-zone: "{zone}" transparent
forward-zone:
    name: "{zone}"
    forward-addr: 127.0.0.1@{port}
"""
        cpath = w / "unbound.conf"
        cpath.write_text(conf)
        self.spawn([UNBOUND, "-d", "-c", str(cpath)])
        return self

    def resolve(self, name, rdtype="A") -> dns.message.Message:
        q = dns.message.make_query(name, rdtype, want_dnssec=True)
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=3.0)


@pytest.fixture
def setup(tmp_path):
    (tmp_path / "dnsedge").mkdir()
    srv = Server(tmp_path / "dnsedge").start()
    peers = []
    try:
        yield srv, peers
    finally:
        for p in peers:
            p.stop()
        srv.stop()


def dump(peer, path) -> dns.zone.Zone:
    """The zone as `peer` holds it, by AXFR, written to `path` as a zone file."""
    z = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", ZONE, port=peer.port, lifetime=10))
    path.write_text(z.to_text(relativize=False))
    return z


def verify(peer, tmp_path, dnskey_file, step):
    zf = tmp_path / f"{peer.name}-{step}.zone"
    z = dump(peer, zf)
    types = {dns.rdatatype.to_text(rds.rdtype) for _, node in z.nodes.items() for rds in node.rdatasets}
    assert {"NSEC", "RRSIG", "DNSKEY", "SOA"} <= types, (peer.name, step, types)
    kz = subprocess.run(["kzonecheck", "-d", "on", "-o", ZONE, str(zf)], capture_output=True, text=True, timeout=60)
    assert kz.returncode == 0, f"kzonecheck, {peer.name} after {step}:\n{kz.stdout}{kz.stderr}\n{zf.read_text()[:3000]}"
    lv = subprocess.run(["ldns-verify-zone", "-k", str(dnskey_file), str(zf)], capture_output=True, text=True,
                        timeout=60)
    assert lv.returncode == 0, f"ldns-verify-zone, {peer.name} after {step}:\n{lv.stdout}{lv.stderr}"
    return z


def serial_of(srv) -> int:
    return srv.query(ZONE, "SOA").answer[0][0].serial


def test_secondaries_of_a_signed_zone_validate(setup, tmp_path):
    for tool in ("kzonecheck", "ldns-verify-zone"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} not installed")
    srv, peers = setup
    acct = srv.get("/accounts").result[0]["id"]
    r = srv.post("/zones", {"name": ZONE, "account": {"id": acct}})
    assert r.status == 200, r
    zid = r.result["id"]
    for body in ({"type": "A", "name": "www", "content": "192.0.2.80", "proxied": True},
                 {"type": "A", "name": "mail", "content": "192.0.2.25"},
                 {"type": "MX", "name": "@", "content": "mail." + ZONE, "priority": 10},
                 {"type": "TXT", "name": "@", "content": "v=spf1 mx -all"},
                 {"type": "A", "name": "deep.below." + ZONE, "content": "192.0.2.26"},
                 {"type": "CNAME", "name": "blog", "content": "www." + ZONE}):
        r = srv.post(f"/zones/{zid}/dns_records", body)
        assert r.status == 200, r
    r = srv.patch(f"/zones/{zid}/dnssec", {"status": "active"})
    assert r.status == 200, r
    if r.result["status"] != "active":
        pytest.skip(f"this build does not sign answers yet (status {r.result['status']!r})")
    ds = r.result["ds"]
    assert " DS " in ds, r.result
    dnskeys = srv.query(ZONE, "DNSKEY").answer
    assert dnskeys, "the signed zone publishes no DNSKEY"
    dnskey_file = tmp_path / "dnskey"
    dnskey_file.write_text("".join(f"{ZONE} 3600 IN DNSKEY {rd.to_text()}\n" for rd in dnskeys[0]))

    keys, peer_ids = {}, []
    for name, seed in (("knot-key.", "knot"), ("nsd-key.", "nsd")):
        r = srv.post(f"/accounts/{acct}/secondary_dns/tsigs", {"name": name, "algo": "hmac-sha256.",
                                                                "secret": secret(seed)})
        assert r.status == 200, r
        keys[name] = r.result["id"]
    knot, nsd = DumpableKnot(tmp_path / "knot"), DumpableNsd(tmp_path / "nsd")
    for p, key in ((knot, "knot-key."), (nsd, "nsd-key.")):
        r = srv.post(f"/accounts/{acct}/secondary_dns/peers",
                     {"name": p.name, "ip": "127.0.0.1", "port": p.port, "tsig_id": keys[key]})
        assert r.status == 200, r
        peer_ids.append(r.result["id"])
    r = srv.post(f"/zones/{zid}/secondary_dns/outgoing", {"name": ZONE, "peers": peer_ids})
    assert r.status == 200, r
    peers += [knot, nsd]
    knot.start(ZONE, srv.dns_port, "knot-key.", secret("knot"))
    nsd.start(ZONE, srv.dns_port, "nsd-key.", secret("nsd"))

    def sync(step):
        serial = serial_of(srv)
        for p in (knot, nsd):
            p.wait_serial(ZONE, serial)
            verify(p, tmp_path, dnskey_file, step)
        return serial

    sync("the first transfer")
    unbound = Unbound(tmp_path / "unbound")
    peers.append(unbound)
    unbound.start(ZONE, ds, knot.port)

    def validates(step):
        for name, rdtype, rcode in (("www." + ZONE, "A", dns.rcode.NOERROR), (ZONE, "MX", dns.rcode.NOERROR),
                                    ("nothing." + ZONE, "A", dns.rcode.NXDOMAIN),
                                    ("mail." + ZONE, "TXT", dns.rcode.NOERROR)):
            got = {}

            def ok():
                try:
                    got["r"] = unbound.resolve(name, rdtype)
                except Exception as e:  # not up yet
                    got["r"] = e
                    return False
                return got["r"].rcode() == rcode and bool(got["r"].flags & dns.flags.AD)

            assert wait_for(ok, timeout=10), (f"after {step}: {name} {rdtype} via {knot.name} not validated:\n"
                                              f"{got.get('r')}\n{unbound.log_text()[-3000:]}")

    validates("the first transfer")

    # Two writes: the first after a start is a full transfer (a barrier in the journal); the
    # second a delta with the NSEC chain's changes, which both secondaries apply.
    for i, name in enumerate(("api", "zzz")):
        r = srv.post(f"/zones/{zid}/dns_records", {"type": "A", "name": name, "content": f"192.0.2.{90 + i}"})
        assert r.status == 200, r
        sync(f"write {name}")
    r = srv.post(f"/zones/{zid}/dns_records", {"type": "TXT", "name": "aaa", "content": "first in the chain"})
    assert r.status == 200, r
    sync("write aaa")
    validates("the writes")
    log = srv.log_path.read_text(errors="replace")
    for key in ("knot-key.", "nsd-key."):
        deltas = re.findall(rf"event=xfr-out type=IXFR .*key={re.escape(key)} .*diffs=", log)
        assert len(deltas) >= 2, f"{key}: {len(deltas)} IXFR deltas\n{log[-4000:]}"
    assert not re.search(r"IXFR.*(failed|malformed)", knot.log_text()), knot.log_text()[-3000:]

    # A restart signs everything again. The secondaries keep what they hold (it still verifies);
    # the next change reaches them as a full transfer, then deltas again.
    before = len(re.findall(r"type=IXFR-AXFR", srv.log_path.read_text(errors="replace")))
    srv.restart()
    r = srv.post(f"/zones/{zid}/dns_records", {"type": "A", "name": "after-restart", "content": "192.0.2.99"})
    assert r.status == 200, r
    sync("the restart")
    after = len(re.findall(r"type=IXFR-AXFR", srv.log_path.read_text(errors="replace")))
    assert after >= before + 2, srv.log_text()[-4000:]  # both secondaries took the zone anew
    r = srv.post(f"/zones/{zid}/dns_records", {"type": "A", "name": "again", "content": "192.0.2.98"})
    assert r.status == 200, r
    sync("a write after the restart")
    validates("the restart")
    assert not re.search(r"IXFR.*(failed|malformed)", knot.log_text()), knot.log_text()[-3000:]
