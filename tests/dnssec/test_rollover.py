"""Automatic ZSK rollover against a real validating Unbound (docs/dnssec.md "Key rollover").

dnsedge runs with second-scale rollover settings (ZSK lifetime 12 s, DNSKEY TTL 2 s, propagation
delay 2 s); Unbound validates with the zone's DS from the API as its trust anchor and a stub zone
to dnsedge. For about 30 s, covering two ZSK changes, every answer Unbound gives (cached names and
names it has not seen, NXDOMAIN, a record added during the rollover) must carry AD, while dnsedge
itself shows each phase: the successor's DNSKEY published before it signs, the signer changing,
the old key kept in the DNSKEY set after it stopped signing. GET /dnssec shows the same KSK DS
throughout.

Unbound resolves on its own, so the whole scenario runs in a network namespace of its own
(`unshare -n`, loopback only): the outer test re-runs this file inside one and reports its result.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import time

import dns.dnssec
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "api"))

from apihelp import Server  # noqa: E402
from harness.dnsedge import Process, free_port  # noqa: E402

IN_NETNS = os.environ.get("DNSEDGE_ROLLOVER_NETNS") == "1"
LIFETIME, DNSKEY_TTL, PROPAGATION = 12, 2, 2
ZONE = "rollover.test"


class Unbound(Process):
    """A validating Unbound: trust anchor = the zone's DS, a stub zone to dnsedge."""

    name = "unbound"

    def __init__(self, workdir: pathlib.Path, ds: str, dns_port: int):
        super().__init__(workdir, log_path=workdir / "unbound.log")
        self.port = free_port()
        self.conf = workdir / "unbound.conf"
        self.conf.write_text(f"""server:
  interface: 127.0.0.1
  port: {self.port}
  do-ip6: no
  do-not-query-localhost: no
  username: ""
  chroot: ""
  directory: "{workdir}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  val-log-level: 2
  module-config: "validator iterator"
  access-control: 127.0.0.0/8 allow
  trust-anchor: "{ds}"
  harden-dnssec-stripped: yes
  minimal-responses: no
  local-zone: "test." nodefault
stub-zone:
  name: "{ZONE}"
  stub-addr: 127.0.0.1@{dns_port}
""")

    def start(self):
        self.spawn(["unbound", "-d", "-c", str(self.conf)])
        return self.wait_until(self.alive, "answering", 20)

    def alive(self) -> bool:
        try:
            self.ask("ready." + ZONE + ".", "A", timeout=0.3)
            return True
        except Exception:
            return False

    def ask(self, name: str, rdtype: str, timeout: float = 3.0) -> dns.message.Message:
        q = dns.message.make_query(name, dns.rdatatype.from_text(rdtype), want_dnssec=True)
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=timeout)


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


@pytest.mark.skipif(IN_NETNS, reason="the outer test")
def test_rollover_in_a_network_namespace():
    if shutil.which("unbound") is None:
        pytest.fail("unbound is not installed (make deps)")
    env = dict(os.environ, DNSEDGE_ROLLOVER_NETNS="1")
    cmd = (f"ip link set lo up && exec {sys.executable} -m pytest -q -p no:cacheprovider "
           f"{pathlib.Path(__file__)} -k test_rollover_keeps_validating")
    p = subprocess.run(["unshare", "-n", "sh", "-c", cmd], env=env, capture_output=True, text=True, timeout=300,
                       cwd=str(HERE.parent))
    print(p.stdout[-20000:], p.stderr[-4000:])
    assert p.returncode == 0, f"the rollover scenario failed:\n{p.stdout[-20000:]}\n{p.stderr[-4000:]}"
    assert "1 passed" in p.stdout


@pytest.mark.skipif(not IN_NETNS, reason="runs inside the network namespace of the outer test")
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
        # The zone is signed once the writer has recompiled it.
        deadline = time.time() + 10
        while not zsk_tags(s) and time.time() < deadline:
            time.sleep(0.2)
        first = zsk_tags(s)
        assert len(first) == 1, f"no signed DNSKEY set served: {first}\n{s.log_text()}"

        ub = Unbound(tmp_path, ds.replace(" 3600 IN DS ", " DS "), s.dns_port)
        ub.start()

        signers, sets = [], []
        start = time.time()
        i = 0
        added = False
        while time.time() - start < 4.5 * LIFETIME:  # the timer sees a zone turned on within 30 s
            i += 1
            for name, rdtype, rcode in ((f"www.{ZONE}.", "A", dns.rcode.NOERROR),
                                        (f"{ZONE}.", "MX", dns.rcode.NOERROR),
                                        (f"n{i}.{ZONE}.", "A", dns.rcode.NXDOMAIN),  # never seen before
                                        (f"{ZONE}.", "DNSKEY", dns.rcode.NOERROR)):
                m = ub.ask(name, rdtype)
                assert m.rcode() == rcode, f"{name} {rdtype}: {dns.rcode.to_text(m.rcode())} at " \
                                           f"{time.time() - start:.1f}s\n{ub.log_tail()}\n{s.log_text()}"
                assert m.flags & dns.flags.AD, f"{name} {rdtype} not validated at {time.time() - start:.1f}s"
            if not added and time.time() - start > LIFETIME:  # a write during the rollover
                s.add(zid, name="late", type="TXT", content="written during the rollover")
                added = True
            if added:
                m = ub.ask(f"late.{ZONE}.", "TXT")
                assert m.rcode() == dns.rcode.NOERROR and m.flags & dns.flags.AD
            tags = zsk_tags(s)
            signer = signer_tag(s, f"www.{ZONE}.", "A")
            assert signer in tags, f"the signer {signer} is not in the DNSKEY set {tags}"
            if not sets or sets[-1] != tags:
                sets.append(tags)
            if not signers or signers[-1][0] != signer:
                signers.append((signer, time.time() - start))
            assert s.get(f"/zones/{zid}/dnssec").result["ds"] == ds
            time.sleep(0.5)

        # The signer changed at least once, each new signer was published before it signed, and
        # the old one stayed in the DNSKEY set afterwards (its signatures may still be cached).
        assert len(signers) >= 2, f"no rollover in {4.5 * LIFETIME}s: signers {signers}, sets {sets}"
        old, new = signers[0][0], signers[1][0]
        before_swap = [t for t in sets if new in t and old in t]
        assert before_swap, f"the successor {new} was never published beside {old}: {sets}"
        assert sets.index(before_swap[0]) > 0, "the successor was published before the first key signed alone"
        assert old in zsk_tags(s), "the retired ZSK left the DNSKEY set before its signatures left the caches"
        log = s.log_text()
        for phase in ("phase=published", "phase=active", "phase=retired"):
            assert f"event=dnssec_zsk_phase zone={ZONE}" in log and phase in log, log
        assert "PRIVATE KEY" not in log
    finally:
        if ub is not None:
            ub.stop(strict=False)
        s.stop()
