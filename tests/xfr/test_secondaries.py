"""Knot DNS and NSD as TSIG-authenticated secondaries of dnsedge (issue 7).

dnsedge serves an API zone with proxied names, a DNS-only CNAME to a proxied name and an MX; the
transfer configuration (TSIG keys, peers, the zone's outgoing peers) is made through the
secondary_dns API. After the initial transfer and after each API change (add, proxy, unproxy,
MX repoint to a proxied name, flatten_all) the secondaries are NOTIFYed; once they serve the new
serial, a sample of queries must get identical answers (rcode, answer section, TTLs) from
dnsedge, Knot and NSD — the edge addresses and the dc-records included. The secondaries must
have pulled IXFR (not AXFR) for those small changes: dnsedge logs every transfer it serves with
the TSIG key that signed it, and Knot logs its incoming IXFRs.
"""

from __future__ import annotations

import re

from xfrhelp import EDGE4, KnotSecondary, NsdSecondary, answer_lines, secret

ZONE = "xfr.test."


def serial_of(srv) -> int:
    return srv.query(ZONE, "SOA").answer[0][0].serial


def sample(srv) -> list[tuple[str, str]]:
    names = [(ZONE, "SOA"), (ZONE, "NS"), (ZONE, "MX"), (ZONE, "TXT"), (ZONE, "A"),
             ("www." + ZONE, "A"), ("www." + ZONE, "AAAA"), ("mail." + ZONE, "A"),
             ("api." + ZONE, "A"), ("api." + ZONE, "AAAA"), ("blog." + ZONE, "A"),
             ("blog." + ZONE, "CNAME"), ("nothing." + ZONE, "A")]
    # The MX target as served (a dc-record when the mail host is proxied), and its addresses.
    for rrset in srv.query(ZONE, "MX").answer:
        for rd in rrset:
            names.append((rd.exchange.to_text(), "A"))
    return names


def compare(srv, secondaries) -> tuple[list[str], list[str]]:
    diffs, seen = [], []
    for name, rdtype in sample(srv):
        want = srv.query(name, rdtype)
        w = (want.rcode(), answer_lines(want))
        seen += w[1]
        for p in secondaries:
            got = p.query(name, rdtype)
            g = (got.rcode(), answer_lines(got))
            if g != w:
                diffs.append(f"{p.name}: {name} {rdtype}:\n  dnsedge: {w}\n  {p.name}: {g}")
    return diffs, seen


def test_knot_and_nsd_follow_every_change(setup, tmp_path):
    srv, peers = setup
    acct = srv.get("/accounts").result[0]["id"]
    r = srv.post("/zones", {"name": ZONE, "account": {"id": acct}})
    assert r.status == 200, r
    zid = r.result["id"]
    recs = {}
    for body in ({"type": "A", "name": "mail", "content": "192.0.2.25", "ttl": 300},
                 {"type": "A", "name": "www", "content": "192.0.2.80", "proxied": True},
                 {"type": "MX", "name": "@", "content": "mail." + ZONE, "priority": 10, "ttl": 600},
                 {"type": "TXT", "name": "@", "content": "v=spf1 mx -all"},
                 {"type": "CNAME", "name": "blog", "content": "www." + ZONE}):
        r = srv.post(f"/zones/{zid}/dns_records", body)
        assert r.status == 200, r
        recs[body["name"] + body["type"]] = r.result["id"]

    # Transfer configuration through the API: one key per secondary.
    keys = {}
    for name, seed in (("knot-key.", "knot"), ("nsd-key.", "nsd")):
        r = srv.post(f"/accounts/{acct}/secondary_dns/tsigs",
                     {"name": name, "algo": "hmac-sha256.", "secret": secret(seed)})
        assert r.status == 200, r
        assert r.result["name"] == name and r.result["algo"] == "hmac-sha256."
        keys[name] = r.result["id"]
    knot = KnotSecondary(tmp_path / "knot")
    nsd = NsdSecondary(tmp_path / "nsd")
    peer_ids = []
    for p, key in ((knot, "knot-key."), (nsd, "nsd-key.")):
        r = srv.post(f"/accounts/{acct}/secondary_dns/peers",
                     {"name": p.name, "ip": "127.0.0.1", "port": p.port, "tsig_id": keys[key]})
        assert r.status == 200, r
        peer_ids.append(r.result["id"])
    r = srv.post(f"/zones/{zid}/secondary_dns/outgoing", {"name": ZONE, "peers": peer_ids})
    assert r.status == 200, r
    assert r.result["peers"] == peer_ids
    assert srv.get(f"/zones/{zid}/secondary_dns/outgoing").result["peers"] == peer_ids

    peers += [knot, nsd]
    knot.start(ZONE, srv.dns_port, "knot-key.", secret("knot"))
    nsd.start(ZONE, srv.dns_port, "nsd-key.", secret("nsd"))

    def sync(step):
        serial = serial_of(srv)
        for p in (knot, nsd):
            p.wait_serial(ZONE, serial)
        diffs, seen = compare(srv, (knot, nsd))
        assert not diffs, f"after {step}:\n" + "\n".join(diffs)
        return serial, seen

    serial0, seen = sync("the initial transfer")
    assert any(EDGE4[0] in line for line in seen), seen  # www answers the edge addresses

    def add():
        r = srv.post(f"/zones/{zid}/dns_records", {"type": "A", "name": "api", "content": "192.0.2.81"})
        recs["apiA"] = r.result["id"] if r.status == 200 else None
        return r

    changes = [
        ("add", add),
        ("proxy", lambda: srv.patch(f"/zones/{zid}/dns_records/{recs['apiA']}", {"proxied": True})),
        ("unproxy", lambda: srv.patch(f"/zones/{zid}/dns_records/{recs['wwwA']}", {"proxied": False})),
        ("MX repoint", lambda: srv.patch(f"/zones/{zid}/dns_records/{recs['@MX']}", {"content": "api." + ZONE})),
        ("flatten_all", lambda: srv.patch(f"/zones/{zid}/settings/cname_flattening", {"value": "flatten_all"})),
    ]

    serial = serial0
    for step, change in changes:
        r = change()
        assert r.status == 200, (step, r)
        new_serial, seen = sync(step)
        assert new_serial != serial, f"{step} did not change the serial"
        serial = new_serial
        if step == "MX repoint":
            assert any(re.search(r"dc-[0-9a-f]{8}\.xfr\.test\. \d+ A 192\.0\.2\.81", l) for l in seen), seen
        if step == "flatten_all":
            assert not any(" CNAME " in l for l in seen), seen

    # Small changes went by IXFR: dnsedge logged deltas signed with each secondary's key, and
    # the full transfers were only the initial ones.
    log = srv.log_path.read_text(errors="replace")
    for key in ("knot-key.", "nsd-key."):
        ixfr = re.findall(rf"event=xfr-out type=IXFR .*key={re.escape(key)} .*diffs=", log)
        axfr = re.findall(rf"event=xfr-out type=(?:AXFR|IXFR-AXFR) .*key={re.escape(key)}", log)
        assert len(ixfr) >= 3, f"{key}: {len(ixfr)} IXFR deltas served\n{log[-3000:]}"
        assert len(axfr) <= 1, f"{key}: {len(axfr)} full transfers\n{log[-3000:]}"
    knot_ixfr = re.findall(r"IXFR, incoming, remote 127\.0\.0\.1@\d+, finished", knot.log_text())
    assert len(knot_ixfr) >= 3, knot.log_text()[-3000:]
    # Every publish was NOTIFYed and acknowledged (the secondaries did not wait for refresh).
    assert log.count("event=notify-acked") >= 2 * len(changes), log[-3000:]
