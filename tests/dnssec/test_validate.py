"""Signed answers checked by real validators (docs/dnssec.md, "Answers"): dnsedge serves a store
zone with DNSSEC turned on through the API; Unbound, started by the test as a validating resolver
whose only trust anchor is the zone's DS from the API and which asks dnsedge directly for the
zone, must set AD on the apex (edge addresses), a proxied CNAME, an MX rewritten to a dc-record
and the dc-record itself, a flattened external target (on Knot DNS, dnsedge's upstream), a
wildcard expansion, TXT, and the compact NXDOMAIN and NODATA answers; still after a proxy toggle
and an MX repoint. BIND's delv, given the same DS, agrees. A flood of random names with DO=1
leaves answers for existing names coming.

Everything runs on loopback; every process is started here and stopped by its PID. Unbound and
delv resolve on their own, so the tests run in a network namespace of their own (`unshare -n`):
the outer test re-runs this file inside one (tests/harness/unbound.py, run_in_netns).
"""

from __future__ import annotations

import os
import pathlib
import random
import shutil
import socket
import subprocess
import sys
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "api"))

from apihelp import EDGE4, Server  # noqa: E402
from harness.knot import Knot  # noqa: E402
from harness.unbound import Unbound, inside_netns, outside_netns, run_in_netns  # noqa: E402

EXTERNAL = """$ORIGIN example.net.
$TTL 60
@ SOA ns h 1 60 60 600 60
@ NS ns
ns A 127.0.0.1
lb 120 A 198.51.100.7
"""


def wait_for(what: str, get, want, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    got = get()
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = get()
    assert got == want, f"{what}: {got!r}, expected {want!r}"


INNER_TESTS = 14  # the inside_netns tests below, parametrized cases counted


@outside_netns
def test_in_a_network_namespace():
    run_in_netns(__file__, passed=INNER_TESTS)


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """(server, zone id, DS text, Unbound): example.com signed, its records written."""
    tmp = tmp_path_factory.mktemp("validate")
    kdir = tmp / "knot"
    kdir.mkdir()
    (kdir / "example.net.zone").write_text(EXTERNAL)
    with Knot([("example.net.", kdir / "example.net.zone")], kdir) as knot:
        s = Server(tmp, extra=["--upstream", f"127.0.0.1:{knot.port}"]).start()
        try:
            zid = s.create_zone("example.com")
            assert s.patch(f"/zones/{zid}/settings/cname_flattening", {"value": "flatten_all"}).status == 200
            s.add(zid, type="A", name="example.com", content="192.0.2.1", proxied=True)
            s.add(zid, type="CNAME", name="www.example.com", content="origin.example.org", proxied=True)
            s.add(zid, type="A", name="mail.example.com", content="192.0.2.25", proxied=True)
            s.add(zid, type="MX", name="example.com", content="mail.example.com", priority=10)
            s.add(zid, type="A", name="mail2.example.com", content="192.0.2.26", proxied=True)
            s.add(zid, type="CNAME", name="flat.example.com", content="lb.example.net", proxied=False)
            s.add(zid, type="A", name="*.wild.example.com", content="192.0.2.99", proxied=False)
            s.add(zid, type="TXT", name="txt.example.com", content="v=hello")
            wait_for("the flattened target", lambda: s.answer("flat.example.com.", "A"), ["198.51.100.7"])
            on = s.patch(f"/zones/{zid}/dnssec", {"status": "active"})
            assert on.status == 200, on
            ds = on.result["ds"]
            # The served view turns signed: the apex DNSKEY set is answered.
            wait_for("the DNSKEY set", lambda: len(s.answer("example.com.", "DNSKEY")) >= 2, True)
            with Unbound(tmp / "unbound", anchors=[ds], servers={"example.com.": s.dns_port}) as ub:
                yield s, zid, ds, ub
        finally:
            s.stop()


def validated(ub: Unbound, name: str, rdtype: str, rcode=dns.rcode.NOERROR) -> dns.message.Message:
    r = ub.query(name, rdtype)
    assert r.rcode() == rcode, f"{name} {rdtype}: {dns.rcode.to_text(r.rcode())}\n{r}\n{ub.log_text()[-3000:]}"
    assert r.flags & dns.flags.AD, f"{name} {rdtype}: not validated (no AD)\n{r}\n{ub.log_text()[-3000:]}"
    return r


def rdatas(r: dns.message.Message, rdtype: str) -> list[str]:
    t = dns.rdatatype.from_text(rdtype)
    return sorted(rd.to_text() for rrset in r.answer if rrset.rdtype == t for rd in rrset)


@inside_netns
def test_apex_proxied_addresses_validate(signed):
    _, _, _, ub = signed
    assert rdatas(validated(ub, "example.com.", "A"), "A") == sorted(EDGE4)
    validated(ub, "example.com.", "DNSKEY")
    validated(ub, "example.com.", "SOA")


@inside_netns
def test_proxied_cname_validates(signed):
    _, _, _, ub = signed
    assert rdatas(validated(ub, "www.example.com.", "A"), "A") == sorted(EDGE4)


@inside_netns
def test_mx_rewritten_to_a_dc_record_and_the_dc_record_validate(signed):
    _, _, _, ub = signed
    mx = validated(ub, "example.com.", "MX")
    targets = [rd.split()[1] for rd in rdatas(mx, "MX")]
    assert len(targets) == 1 and targets[0].startswith("dc-"), targets
    assert rdatas(validated(ub, targets[0], "A"), "A") == ["192.0.2.25"]


@inside_netns
def test_flattened_external_target_validates(signed):
    _, _, _, ub = signed
    assert rdatas(validated(ub, "flat.example.com.", "A"), "A") == ["198.51.100.7"]


@inside_netns
def test_wildcard_expansion_and_txt_validate(signed):
    _, _, _, ub = signed
    assert rdatas(validated(ub, "anything.wild.example.com.", "A"), "A") == ["192.0.2.99"]
    assert rdatas(validated(ub, "txt.example.com.", "TXT"), "TXT") == ['"v=hello"']


@inside_netns
def test_compact_nxdomain_and_nodata_validate(signed):
    _, _, _, ub = signed
    # Unbound maps a compact NXDOMAIN (an NSEC with NXNAME) back to NXDOMAIN, or keeps the
    # NOERROR; either way it is proved.
    nx = ub.query("no-such-name.example.com.", "A")
    assert nx.rcode() in (dns.rcode.NXDOMAIN, dns.rcode.NOERROR), nx
    assert nx.flags & dns.flags.AD, f"{nx}\n{ub.log_text()[-3000:]}"
    assert not nx.answer
    nodata = validated(ub, "txt.example.com.", "AAAA")
    assert not nodata.answer
    nodata_wild = validated(ub, "x.wild.example.com.", "MX")
    assert not nodata_wild.answer


@inside_netns
def test_still_validated_after_proxy_toggle_and_mx_repoint(signed):
    s, zid, _, ub = signed
    apex = [r for r in s.records(zid) if r["name"] == "example.com" and r["type"] == "A"][0]
    r = s.patch(f"/zones/{zid}/dns_records/{apex['id']}", {"proxied": False})
    assert r.status == 200, r
    # Unproxied, the apex answers its origin address, signed at the patch.
    wait_for("the unproxied apex", lambda: rdatas(ub.query("example.com.", "A"), "A"), ["192.0.2.1"])
    validated(ub, "example.com.", "A")
    assert s.patch(f"/zones/{zid}/dns_records/{apex['id']}", {"proxied": True}).status == 200
    wait_for("the proxied apex again", lambda: rdatas(ub.query("example.com.", "A"), "A"), sorted(EDGE4))
    validated(ub, "example.com.", "A")

    mx = [r for r in s.records(zid) if r["type"] == "MX"][0]
    assert s.patch(f"/zones/{zid}/dns_records/{mx['id']}", {"content": "mail2.example.com"}).status == 200

    def mx_addrs():
        targets = [rd.split()[1] for rd in rdatas(ub.query("example.com.", "MX"), "MX")]
        return rdatas(ub.query(targets[0], "A"), "A") if targets else []

    wait_for("the repointed MX", mx_addrs, ["192.0.2.26"])
    targets = [rd.split()[1] for rd in rdatas(validated(ub, "example.com.", "MX"), "MX")]
    validated(ub, targets[0], "A")


def delv(ds: str, port: int, name: str, rdtype: str, tmp: pathlib.Path) -> str:
    exe = shutil.which("delv")
    if exe is None:
        pytest.fail("delv not found: install bind9-dnsutils (make deps)")
    owner, _, _, _, tag, alg, dtype, digest = ds.split()
    anchor = tmp / "anchor.conf"
    anchor.write_text(f'trust-anchors {{ {owner} static-ds {tag} {alg} {dtype} "{digest}"; }};\n')
    out = subprocess.run([exe, "@127.0.0.1", "-p", str(port), "-a", str(anchor), f"+root={owner}", name, rdtype],
                         capture_output=True, text=True, timeout=30)
    return out.stdout + out.stderr


@inside_netns
@pytest.mark.parametrize("name,rdtype,want", [
    ("example.com.", "A", "; fully validated"),
    ("anything.wild.example.com.", "A", "; fully validated"),
    ("flat.example.com.", "A", "; fully validated"),
    ("txt.example.com.", "TXT", "; fully validated"),
    ("no-such-name.example.com.", "A", "; negative response, fully validated"),
    ("txt.example.com.", "AAAA", "; negative response, fully validated"),
])
def test_delv_agrees(signed, tmp_path, name, rdtype, want):
    s, _, ds, _ = signed
    out = delv(ds, s.dns_port, name, rdtype, tmp_path)
    assert want in out, out


@inside_netns
def test_random_nxdomain_flood_leaves_existing_names_answered(signed):
    """A burst of DO=1 queries for random names (each needs a fresh signature) with answers for an
    existing name asked in between: those still come, signed, and the server stays up."""
    s, _, _, _ = signed
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    rng = random.Random(15)
    try:
        for i in range(4000):
            q = dns.message.make_query(f"r{rng.getrandbits(48):x}.example.com.", "A", want_dnssec=True)
            try:
                sock.sendto(q.to_wire(), ("127.0.0.1", s.dns_port))
            except BlockingIOError:
                time.sleep(0.001)
            if i % 500 == 0:
                r = s.query("www.example.com.", "A")
                assert r.rcode() == dns.rcode.NOERROR
    finally:
        sock.close()
    answered = 0
    for _ in range(20):
        q = dns.message.make_query("www.example.com.", "A", want_dnssec=True)
        r = dns.query.udp(q, "127.0.0.1", port=s.dns_port, timeout=2)
        assert r.rcode() == dns.rcode.NOERROR
        answered += any(rrset.rdtype == dns.rdatatype.RRSIG for rrset in r.answer)
    assert answered == 20
    assert s.running()
