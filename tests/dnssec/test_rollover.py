"""Automatic ZSK rollover against a real validating Unbound (docs/dnssec.md "Key rollover").

dnsedge runs with second-scale rollover settings (ZSK lifetime 10 s, DNSKEY TTL 2 s, propagation
delay 2 s); Unbound (tests/harness/unbound.py) validates with the zone's DS from the API as its
trust anchor, sending the zone's queries to dnsedge. dnsedge is restarted once the zone is
signed, so the rollover timer's first pass (at start) sees the zone at once. Until the ZSK has changed and the
caches have had time to expire what the old key signed, every answer Unbound gives (cached names
and names it has not seen, NXDOMAIN, a record added while both ZSKs are published) must carry
AD, while dnsedge itself shows each phase: the successor's DNSKEY published before it signs, the
signer changing, the old key kept in the DNSKEY set after it stopped signing. GET /dnssec shows
the same KSK DS throughout. Waits poll with a deadline; nothing asserts on durations.

Unbound resolves on its own, so the scenario runs in a network namespace of its own
(`unshare -n`, loopback only): the outer test re-runs this file inside one.
"""

from __future__ import annotations

import pathlib
import sys
import time

import dns.dnssec
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "api"))

from apihelp import Server  # noqa: E402
from harness.unbound import Unbound, inside_netns, outside_netns, run_in_netns  # noqa: E402

LIFETIME, DNSKEY_TTL, PROPAGATION = 10, 2, 2
ZONE = "rollover.test"
# After the signer changed: long enough for every cached DNSKEY set and signature of the old
# key to expire in Unbound (it caches at most max_ttl = 1 s, the DNSKEY TTL is 2 s).
AFTER_SWAP = DNSKEY_TTL + PROPAGATION + 2
DEADLINE = 120  # seconds for the whole scenario (a loaded machine): a rollover takes ~LIFETIME


def direct(s: Server, name: str, rdtype: str) -> dns.message.Message:
    q = dns.message.make_query(name, dns.rdatatype.from_text(rdtype), want_dnssec=True, payload=4096)
    q.flags &= ~dns.flags.RD
    return dns.query.tcp(q, "127.0.0.1", port=s.dns_port, timeout=3)


def zsk_tags(s: Server) -> set[int]:
    m = direct(s, ZONE + ".", "DNSKEY")
    tags = set()
    for rrset in m.answer:
        if rrset.rdtype == dns.rdatatype.DNSKEY:
            tags |= {dns.dnssec.key_id(k) for k in rrset if k.flags == 256}
    return tags


def signer_tag(s: Server, name: str, rdtype: str) -> int | None:
    m = direct(s, name, rdtype)
    for rrset in m.answer:
        if rrset.rdtype == dns.rdatatype.RRSIG:
            return rrset[0].key_tag
    return None


def validated(ub: Unbound, name: str, rdtype: str, at: float, nx: bool = False) -> dns.message.Message:
    m = ub.query(name, rdtype)
    # A compact NXDOMAIN (RFC 9824) reaches the client as NOERROR or, mapped back, NXDOMAIN.
    ok = (m.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN) and not m.answer) if nx else \
        (m.rcode() == dns.rcode.NOERROR and bool(m.answer))
    assert ok, f"{name} {rdtype}: {dns.rcode.to_text(m.rcode())} at {at:.1f}s\n{m}\n{ub.log_text()[-3000:]}"
    assert m.flags & dns.flags.AD, f"{name} {rdtype} not validated at {at:.1f}s\n{m}\n{ub.log_text()[-3000:]}"
    return m


@outside_netns
def test_rollover_in_a_network_namespace():
    run_in_netns(__file__, passed=1)


@inside_netns
def test_rollover_keeps_validating(tmp_path):
    s = Server(tmp_path, extra=["--dnssec-zsk-lifetime", f"{LIFETIME}s", "--dnssec-dnskey-ttl", f"{DNSKEY_TTL}s",
                                "--dnssec-propagation-delay", str(PROPAGATION)])
    s.start()
    ub = None
    try:
        zid = s.create_zone(ZONE)
        s.add(zid, name="www", type="A", content="192.0.2.80", ttl=60)
        s.add(zid, name="@", type="MX", content="mail." + ZONE, priority=10, ttl=60)
        s.add(zid, name="mail", type="A", content="192.0.2.25", ttl=60)
        on = s.patch(f"/zones/{zid}/dnssec", {"status": "active"})
        assert on.status == 200, on
        ds = on.result["ds"]
        s.restart()  # the rollover timer's first pass runs at start
        first = zsk_tags(s)
        assert len(first) == 1, f"no signed DNSKEY set served: {first}\n{s.log_text()}"

        ub = Unbound(tmp_path / "unbound", anchors=[ds], servers={ZONE + ".": s.dns_port})

        signers, sets = [], []
        start = time.monotonic()
        i = 0
        added = False
        swapped_at = None
        while swapped_at is None or time.monotonic() - swapped_at < AFTER_SWAP:
            at = time.monotonic() - start
            assert at < DEADLINE, f"no rollover within {DEADLINE}s: signers {signers}, sets {sets}\n{s.log_text()}"
            i += 1
            validated(ub, f"www.{ZONE}.", "A", at)
            validated(ub, f"{ZONE}.", "MX", at)
            validated(ub, f"n{i}.{ZONE}.", "A", at, nx=True)  # never seen before
            validated(ub, f"{ZONE}.", "DNSKEY", at)
            tags = zsk_tags(s)
            if not added and len(tags) > 1:  # a write while both ZSKs are published
                s.add(zid, name="late", type="TXT", content="written during the rollover")
                added = True
            if added:
                validated(ub, f"late.{ZONE}.", "TXT", at)
            signer = signer_tag(s, f"www.{ZONE}.", "A")
            assert signer in tags, f"the signer {signer} is not in the DNSKEY set {tags}"
            if not sets or sets[-1] != tags:
                sets.append(tags)
            if not signers or signers[-1][0] != signer:
                signers.append((signer, at))
                if len(signers) == 2:
                    swapped_at = time.monotonic()
            assert s.get(f"/zones/{zid}/dnssec").result["ds"] == ds
            time.sleep(0.3)

        # The signer changed, the new signer was published before it signed, and the old one
        # stayed in the DNSKEY set afterwards (its signatures may still be cached).
        old, new = signers[0][0], signers[1][0]
        before_swap = [t for t in sets if new in t and old in t]
        assert before_swap, f"the successor {new} was never published beside {old}: {sets}"
        assert sets.index(before_swap[0]) > 0, "the successor was published before the first key signed alone"
        assert old in zsk_tags(s), "the retired ZSK left the DNSKEY set before its signatures left the caches"
        assert added
        log = s.log_text()
        for phase in ("phase=published", "phase=active", "phase=retired"):
            assert f"event=dnssec_zsk_phase zone={ZONE}" in log and phase in log, log
        assert "PRIVATE KEY" not in log
    finally:
        if ub is not None:
            ub.stop()
        s.stop()
