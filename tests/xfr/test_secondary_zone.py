"""dnsedge as a secondary of Knot DNS (issue 7): a zone of type "secondary" with the Knot server as
its primary (secondary_dns/incoming, TSIG): initial AXFR, NOTIFY from Knot after a change and the
IXFR that follows, the data kept in the store across a restart, and SERVFAIL once the SOA expire
passes without the primary.
"""

from __future__ import annotations


import dns.rcode

from xfrhelp import KnotPrimary, Server, addrs, secret, wait_for

ZONE = "sec.test."


def zone_text(serial: int, extra: str = "", refresh: int = 3600, retry: int = 600, expire: int = 1209600) -> str:
    return f"""$ORIGIN {ZONE}
$TTL 300
@ SOA ns1 hostmaster {serial} {refresh} {retry} {expire} 300
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.80
@ MX 10 mail
mail A 192.0.2.25
{extra}
"""


def setup_secondary(srv, knot, refresh_seconds):
    acct = srv.get("/accounts").result[0]["id"]
    tsig = srv.post(f"/accounts/{acct}/secondary_dns/tsigs",
                    {"name": "sec-key.", "algo": "hmac-sha256.", "secret": secret("primary")}).result["id"]
    peer = srv.post(f"/accounts/{acct}/secondary_dns/peers",
                    {"name": "knot", "ip": "127.0.0.1", "port": knot.port, "tsig_id": tsig}).result["id"]
    r = srv.post("/zones", {"name": ZONE, "type": "secondary", "account": {"id": acct}})
    assert r.status == 200, r
    return r.result["id"], peer


def test_secondary_of_knot(tmp_path):
    (tmp_path / "d").mkdir()
    srv = Server(tmp_path / "d").start()
    knot = KnotPrimary(tmp_path / "knot")
    try:
        zid, peer = setup_secondary(srv, knot, 3600)
        # Before any transfer the zone answers SERVFAIL; records cannot be written.
        assert srv.query("www." + ZONE).rcode() == dns.rcode.SERVFAIL
        w = srv.post(f"/zones/{zid}/dns_records", {"type": "A", "name": "x", "content": "192.0.2.1"})
        assert w.status == 400 and "secondary" in w.json["errors"][0]["message"], w

        knot.start(ZONE, zone_text(1), "sec-key.", secret("primary"), srv.dns_port)
        r = srv.post(f"/zones/{zid}/secondary_dns/incoming",
                     {"name": ZONE, "peers": [peer], "auto_refresh_seconds": 3600})
        assert r.status == 200, r
        assert r.result["auto_refresh_seconds"] == 3600

        # Initial AXFR.
        assert wait_for(lambda: addrs(srv, "www." + ZONE) == (dns.rcode.NOERROR, ["192.0.2.80"])), srv.log_text()
        assert "event=xfr-in type=AXFR zone=sec.test. serial=1" in srv.log_text()

        # A change on Knot: NOTIFY, then IXFR (auto refresh is an hour: only the NOTIFY can explain it).
        knot.update(zone_text(2, "new A 192.0.2.99"))
        assert wait_for(lambda: addrs(srv, "new." + ZONE) == (dns.rcode.NOERROR, ["192.0.2.99"])), \
            srv.log_text() + knot.log_text()[-2000:]
        log = srv.log_text()
        assert "event=notify-in zone=sec.test." in log
        assert "event=xfr-in type=IXFR zone=sec.test. serial=2" in log
        assert srv.query(ZONE, "SOA").answer[0][0].serial == 2

        # Restart: served from the store at once (the primary is not needed for that).
        knot.stop()
        srv.restart()
        assert addrs(srv, "new." + ZONE) == (dns.rcode.NOERROR, ["192.0.2.99"])
        assert srv.query(ZONE, "MX").answer[0][0].exchange.to_text() == "mail." + ZONE
    finally:
        knot.stop()
        srv.stop()


def test_expired_secondary_answers_servfail(tmp_path):
    (tmp_path / "d").mkdir()
    srv = Server(tmp_path / "d").start()
    knot = KnotPrimary(tmp_path / "knot")
    try:
        zid, peer = setup_secondary(srv, knot, 1)
        knot.start(ZONE, zone_text(5, refresh=1, retry=1, expire=3), "sec-key.", secret("primary"), srv.dns_port)
        assert srv.post(f"/zones/{zid}/secondary_dns/incoming", {"peers": [peer], "auto_refresh_seconds": 1}).status == 200
        assert wait_for(lambda: addrs(srv, "www." + ZONE) == (dns.rcode.NOERROR, ["192.0.2.80"])), srv.log_text()
        knot.stop()
        assert wait_for(lambda: srv.query("www." + ZONE).rcode() == dns.rcode.SERVFAIL, timeout=15), srv.log_text()
        assert "event=zone-expired zone=sec.test." in srv.log_text()
        # Other zones are not affected; the server still answers.
        assert srv.query("www.elsewhere.test.").rcode() == dns.rcode.REFUSED
    finally:
        knot.stop()
        srv.stop()
