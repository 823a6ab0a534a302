"""Proxy semantics, CNAME flattening and dc-records against the real binary (SPEC §1–§3).

External CNAME targets live on a real nameserver: Knot DNS started by the test on loopback,
given to dnsedge as --upstream (libunbound forwards to it; nothing leaves loopback).
"""

import re
import subprocess
import time

import dns.edns
import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from conftest import DNSEDGE_BIN, Dnsedge, Knot, make_query, need_dnsedge

pytestmark = pytest.mark.dnsedge_only

EDGE4 = ["127.0.0.11", "127.0.0.12"]
EDGE6 = ["::1"]

EXTERNAL = """$ORIGIN example.net.
$TTL 60
@ SOA ns h {serial} 60 60 600 60
@ NS ns
ns A 127.0.0.1
lb 120 A {lb_a}
lb 120 AAAA 2001:db8::7
chain CNAME lb
txtonly TXT "v=verification only"
"""

ZONE = """$ORIGIN example.com.
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
@ CNAME chain.example.net.
@ MX 10 mx-web
@ TXT "v=spf1 -all"
mx-web A 192.0.2.1 ; cf_tags=cf-proxied:true
www A 192.0.2.80 ; cf_tags=cf-proxied:true
www A 192.0.2.81
alias CNAME www
shop CNAME shops.example.net. ; cf_tags=cf-proxied:true
mail A 192.0.2.25
_imap._tcp SRV 0 5 993 alias
verify CNAME txtonly.example.net. ; cf_tags=cf-flatten-cname
plain CNAME lb.example.net.
down CNAME nowhere.example.org. ; cf_tags=cf-flatten-cname
"""


def rrs(msg, section="answer"):
    out = []
    for rrset in getattr(msg, section):
        for rd in rrset:
            out.append((rrset.name.to_text().lower(), rrset.ttl, dns.rdatatype.to_text(rrset.rdtype),
                        rd.to_text().lower()))
    return sorted(out)


def ede_codes(msg):
    return [o.code for o in msg.options if isinstance(o, dns.edns.EDEOption)]


@pytest.fixture
def world(tmp_path, procs):
    need_dnsedge()
    (tmp_path / "k").mkdir()
    ext = tmp_path / "example.net.zone"
    ext.write_text(EXTERNAL.format(serial=1, lb_a="198.51.100.7"))
    knot = Knot(tmp_path / "k", {"example.net.": str(ext)})
    procs.append(knot)
    knot.start("example.net.")
    zone = tmp_path / "example.com.zone"
    zone.write_text(ZONE)
    (tmp_path / "d").mkdir()
    srv = Dnsedge(tmp_path / "d", [zone], extra=[
        "--edge-ipv4", ",".join(EDGE4), "--edge-ipv6", ",".join(EDGE6),
        "--upstream", f"127.0.0.1:{knot.port}"])
    procs.append(srv)
    srv.start("example.com.")
    return {"srv": srv, "knot": knot, "ext": ext, "zone": zone, "tmp": tmp_path}


def test_proxied_name_answers_edge_never_origin(world):
    srv = world["srv"]
    a = srv.ask("www.example.com.", "A")
    assert rrs(a) == [("www.example.com.", 300, "A", ip) for ip in EDGE4]
    aaaa = srv.ask("www.example.com.", "AAAA")
    assert rrs(aaaa) == [("www.example.com.", 300, "AAAA", "::1")]
    # Neither origin address (one record was DNS-only: the whole name is proxied).
    assert "192.0.2.80" not in str(a) and "192.0.2.81" not in str(a)


def test_dns_only_cname_chain_ends_at_edge(world):
    r = world["srv"].ask("alias.example.com.", "A")
    assert rrs(r) == sorted([("alias.example.com.", 3600, "CNAME", "www.example.com.")] +
                            [("www.example.com.", 300, "A", ip) for ip in EDGE4])


def test_proxied_cname_is_never_shown(world):
    srv = world["srv"]
    r = srv.ask("shop.example.com.", "A")
    assert rrs(r) == [("shop.example.com.", 300, "A", ip) for ip in EDGE4]
    for qtype in ("CNAME", "TXT"):
        m = srv.ask("shop.example.com.", qtype)
        assert m.rcode() == dns.rcode.NOERROR and not m.answer, m


def test_seed_mx_to_proxied_name_uses_dc_record(world):
    srv = world["srv"]
    mx = srv.ask("example.com.", "MX")
    assert len(mx.answer) == 1
    target = mx.answer[0][0].exchange.to_text().lower()
    assert re.fullmatch(r"dc-[0-9a-f]{8}\.example\.com\.", target), target
    # The additional section carries the dc-record's origin address.
    assert ("%s" % target, 300, "A", "192.0.2.1") in rrs(mx, "additional")
    dc = srv.ask(target, "A")
    assert rrs(dc) == [(target, 300, "A", "192.0.2.1")]
    # The proxied name itself still answers the edge.
    assert rrs(srv.ask("mx-web.example.com.", "A")) == [("mx-web.example.com.", 300, "A", ip) for ip in EDGE4]
    # Stable across restarts.
    srv.stop()
    srv.start("example.com.")
    assert srv.ask("example.com.", "MX").answer[0][0].exchange.to_text().lower() == target


def test_srv_through_cname_to_proxied_name_uses_dc_record(world):
    srv = world["srv"]
    r = srv.ask("_imap._tcp.example.com.", "SRV")
    target = r.answer[0][0].target.to_text().lower()
    assert target.startswith("dc-"), r
    assert rrs(srv.ask(target, "A")) == sorted([(target, 300, "A", "192.0.2.80"), (target, 300, "A", "192.0.2.81")])


def test_dc_record_goes_away_when_mx_repointed(world):
    srv, zone = world["srv"], world["zone"]
    zone.write_text(ZONE.replace("@ MX 10 mx-web", "@ MX 10 mail"))
    old = srv.ask("example.com.", "MX").answer[0][0].exchange.to_text().lower()
    srv.send_signal(__import__("signal").SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline:
        mx = srv.ask("example.com.", "MX")
        if mx.answer[0][0].exchange.to_text().lower() == "mail.example.com.":
            break
        time.sleep(0.05)
    assert mx.answer[0][0].exchange.to_text().lower() == "mail.example.com."
    assert srv.ask(old, "A").rcode() == dns.rcode.NXDOMAIN


def test_apex_cname_flattened_from_external_chain(world):
    srv = world["srv"]
    a = srv.ask("example.com.", "A")
    # TTL = min(apex CNAME 3600, the target's chain: chain CNAME 60, lb A 120) = 60.
    assert rrs(a) == [("example.com.", 60, "A", "198.51.100.7")]
    aaaa = srv.ask("example.com.", "AAAA")
    assert rrs(aaaa) == [("example.com.", 60, "AAAA", "2001:db8::7")]
    # Other types at the apex keep answering and never follow the target.
    assert rrs(srv.ask("example.com.", "TXT")) == [("example.com.", 3600, "TXT", '"v=spf1 -all"')]
    cname = srv.ask("example.com.", "CNAME")
    assert not cname.answer


def test_flattened_target_with_only_txt_answers_nodata(world):
    r = world["srv"].ask("verify.example.com.", "A")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    assert r.authority and dns.rdatatype.to_text(r.authority[0].rdtype) == "SOA"


def test_dns_only_cname_to_external_is_not_flattened_at_root(world):
    r = world["srv"].ask("plain.example.com.", "A")
    assert rrs(r) == [("plain.example.com.", 3600, "CNAME", "lb.example.net.")]


def test_unresolvable_target_servfails_addresses_only_with_ede(world):
    srv = world["srv"]
    r = srv.ask("down.example.com.", "A", payload=1232)
    assert r.rcode() == dns.rcode.SERVFAIL
    assert ede_codes(r), r
    txt = srv.ask("down.example.com.", "TXT")
    assert txt.rcode() == dns.rcode.NOERROR


def test_target_change_on_external_server_is_picked_up(world):
    """A changed target is refreshed in the background (TTL 120 → the refresh floor is 30 s,
    so this drives it with SIGHUP, which re-resolves every watched target)."""
    srv, knot, ext = world["srv"], world["knot"], world["ext"]
    ext.write_text(EXTERNAL.format(serial=2, lb_a="198.51.100.8"))
    knot.send_signal(__import__("signal").SIGHUP)
    time.sleep(0.5)
    srv.send_signal(__import__("signal").SIGHUP)
    deadline = time.time() + 10
    got = None
    while time.time() < deadline:
        got = rrs(srv.ask("example.com.", "A"))
        if got and got[0][3] == "198.51.100.8":
            break
        time.sleep(0.1)
    assert got and got[0][3] == "198.51.100.8", got


def run_explain(world, name, qtype):
    p = subprocess.run([DNSEDGE_BIN, "explain", name, qtype, "--zone-file", str(world["zone"]),
                        "--edge-ipv4", ",".join(EDGE4), "--edge-ipv6", ",".join(EDGE6),
                        "--upstream", f"127.0.0.1:{world['knot'].port}"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_explain_says_why(world):
    out = run_explain(world, "example.com", "MX")
    assert "rewritten to dc-" in out and "proxied" in out and "origin" in out, out
    out = run_explain(world, "example.com", "A")
    assert "flattened from chain.example.net." in out, out
    out = run_explain(world, "www.example.com", "A")
    assert "edge" in out and "192.0.2.80" in out, out


@pytest.mark.parametrize("line,msg", [
    ("mx2 MX 10 mail ; cf_tags=cf-proxied:true", "MX records cannot be proxied"),
    ("bad A 127.0.0.11 ; cf_tags=cf-proxied:true", "points at the edge address"),
    ("k._domainkey CNAME k.dkim.example.net. ; cf_tags=cf-proxied:true", "not allowed for a proxied record"),
    ("c CNAME x.example.net.\nc TXT \"beside\"", "CNAME beside other data"),
])
def test_bad_proxy_records_fail_to_load_with_line(tmp_path, line, msg):
    need_dnsedge()
    z = tmp_path / "example.com.zone"
    z.write_text(ZONE + line + "\n")
    p = subprocess.run([DNSEDGE_BIN, "zone", "check", str(z), "--edge-ipv4", ",".join(EDGE4)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert msg in p.stderr and re.search(r"example\.com\.zone:\d+:", p.stderr), p.stderr


def test_no_edge_address_fails_closed(tmp_path):
    """`zone check` accepts proxied records without edge addresses (a note each); `serve` refuses
    to start with them and leaves no data directory it created behind."""
    need_dnsedge()
    z = tmp_path / "example.com.zone"
    z.write_text(ZONE)
    p = subprocess.run([DNSEDGE_BIN, "zone", "check", str(z)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    notes = [l for l in p.stdout.splitlines() if "proxied: needs --edge-ipv4/--edge-ipv6 to serve" in l]
    assert any(re.match(r".*example\.com\.zone:\d+: www\.example\.com\. A proxied", l) for l in notes), p.stdout
    assert p.stdout.splitlines()[-1].startswith(f"{z}: OK ("), p.stdout
    data = tmp_path / "data"
    p = subprocess.run([DNSEDGE_BIN, "serve", "--zone-file", str(z), "--data", str(data),
                        "--dns-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert "needs an edge IPv4 address" in p.stdout + p.stderr, p.stdout + p.stderr
    assert not data.exists()
