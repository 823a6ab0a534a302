"""Secondary zones from the config file ([[xfr.incoming]], issue 7 item 5): dnsedge configured only
through --config as a secondary of a Knot DNS primary (TSIG) pulls the zone, answers it, lists it
as a secondary zone, keeps serving it after a restart; bad [[xfr.incoming]] tables and conflicting
zones stop the start with exit 2 and a clear message, changing nothing.
"""

from __future__ import annotations

import subprocess

import dns.rcode

from xfrhelp import DNSEDGE_BIN, KnotPrimary, Server, addrs, free_port, secret, wait_for

ZONE = "cfgsec.test."


def zone_text(serial: int) -> str:
    return f"""$ORIGIN {ZONE}
$TTL 300
@ SOA ns1 hostmaster {serial} 3600 600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.81
"""


def config(knot_port: int, zone: str = "cfgsec.test", extra: str = "") -> str:
    return f"""[xfr]
[[xfr.tsig]]
name = "cfg-key."
algo = "hmac-sha256."
secret = "{secret('cfgprimary')}"
[[xfr.incoming]]
zone = "{zone}"
primaries = [{{ name = "knot", ip = "127.0.0.1", port = {knot_port}, tsig = "cfg-key." }}]
auto_refresh_seconds = 3600
{extra}"""


def run_failing(tmp_path, conf_text: str, extra=()):
    conf = tmp_path / "bad.toml"
    conf.write_text(conf_text)
    argv = [DNSEDGE_BIN, "serve", "--config", str(conf), "--data", str(tmp_path / "data"),
            "--dns-listen", f"127.0.0.1:{free_port()}", "--api-listen", "127.0.0.1:0",
            "--no-edge-proxy", *extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def test_config_secondary_of_knot(tmp_path):
    (tmp_path / "d").mkdir()
    knot = KnotPrimary(tmp_path / "knot")
    conf = tmp_path / "dnsedge.toml"
    conf.write_text(config(knot.port))
    srv = Server(tmp_path / "d", extra=["--config", str(conf)])
    try:
        knot.start(ZONE, zone_text(7), "cfg-key.", secret("cfgprimary"), srv.dns_port)
        srv.start()
        assert wait_for(lambda: addrs(srv, "www." + ZONE) == (dns.rcode.NOERROR, ["192.0.2.81"])), srv.log_text()
        assert "event=xfr-in type=AXFR zone=cfgsec.test. serial=7" in srv.log_text()
        assert srv.query(ZONE, "SOA").answer[0][0].serial == 7
        zones = [z for z in srv.get("/zones").result if z["name"] == "cfgsec.test"]
        assert len(zones) == 1 and zones[0]["type"] == "secondary", zones
        zid = zones[0]["id"]
        # The records come from the primary: the API cannot write them.
        w = srv.post(f"/zones/{zid}/dns_records", {"type": "A", "name": "x", "content": "192.0.2.1"})
        assert w.status == 400, w
        # Its incoming transfers are the config file's: the API refuses to change them.
        acct = srv.get("/accounts").result[0]["id"]
        tsig = srv.post(f"/accounts/{acct}/secondary_dns/tsigs",
                        {"name": "other.", "algo": "hmac-sha256.", "secret": secret("other")}).result["id"]
        peer = srv.post(f"/accounts/{acct}/secondary_dns/peers",
                        {"name": "elsewhere", "ip": "127.0.0.9", "port": 53, "tsig_id": tsig}).result["id"]
        for method in ("post", "put", "patch", "delete"):
            body = None if method == "delete" else {"name": ZONE, "peers": [peer]}
            r = getattr(srv, method)(f"/zones/{zid}/secondary_dns/incoming", body) if body is not None \
                else srv.delete(f"/zones/{zid}/secondary_dns/incoming")
            assert r.status == 400 and "config file" in r.json["errors"][0]["message"], (method, r)

        # Restart without the primary: served from the store, the same zone (not created twice).
        knot.stop()
        srv.restart()
        assert addrs(srv, "www." + ZONE) == (dns.rcode.NOERROR, ["192.0.2.81"])
        again = [z for z in srv.get("/zones").result if z["name"] == "cfgsec.test"]
        assert [z["id"] for z in again] == [zid]
    finally:
        knot.stop()
        srv.stop()


def test_bad_incoming_tables_exit_2(tmp_path):
    cases = [
        ('[[xfr.incoming]]\nzone = "a.test"\n', "'primaries' is required"),
        ('[[xfr.incoming]]\nprimaries = [{ ip = "127.0.0.1" }]\n', "needs 'zone'"),
        ('[[xfr.incoming]]\nzone = "a.test"\nprimaries = [{ ip = "127.0.0.1", tsig = "nokey." }]\n',
         "TSIG key 'nokey.' is not defined"),
        ('[[xfr.incoming]]\nzone = "a.test"\nprimaries = [{ ip = "not-an-ip" }]\n', "is not an address"),
        ('[[xfr.incoming]]\nzone = "a.test"\nprimaries = [{ ip = "127.0.0.1", port = 70000 }]\n', "port must be 1..65535"),
        ('[[xfr.incoming]]\nzone = "a.test"\nprimaries = [{ ip = "127.0.0.1" }]\nauto_refresh_seconds = -5\n',
         "'auto_refresh_seconds' must be"),
        ('[[xfr.incoming]]\nzone = "a.test"\nprimaries = [{ ip = "127.0.0.1" }]\nmaster = "x"\n',
         "unknown setting 'master'"),
        ('[[xfr.incoming]]\nzone = "a.test"\nprimaries = [{ ip = "127.0.0.1" }]\n'
         '[[xfr.incoming]]\nzone = "A.test."\nprimaries = [{ ip = "127.0.0.1" }]\n', "listed twice"),
    ]
    for text, want in cases:
        r = run_failing(tmp_path, text)
        assert r.returncode == 2, (text, r.returncode, r.stderr)
        assert want in r.stderr + r.stdout, (text, r.stderr)
        assert "bad.toml" in r.stderr + r.stdout, r.stderr


def test_incoming_zone_conflicts_exit_2(tmp_path):
    # A --zone-file zone of the same name.
    zf = tmp_path / "cfgsec.zone"
    zf.write_text(zone_text(1))
    r = run_failing(tmp_path, config(free_port()), ["--zone-file", str(zf)])
    assert r.returncode == 2, r.stderr
    assert "cfgsec.test" in r.stderr + r.stdout and "--zone-file" in r.stderr + r.stdout, r.stderr

    # An API zone (type full) of the same name: refused, and that zone is left as it was.
    (tmp_path / "d").mkdir()
    srv = Server(tmp_path / "d").start()
    try:
        z = srv.post("/zones", {"name": "cfgsec.test"})
        assert z.status == 200, z
        srv.stop()
        conf = tmp_path / "c.toml"
        conf.write_text(config(free_port()))
        argv = [DNSEDGE_BIN, "serve", "--config", str(conf), "--data", str(srv.data),
                "--dns-listen", f"127.0.0.1:{free_port()}", "--api-listen", "127.0.0.1:0", "--no-edge-proxy"]
        bad = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert bad.returncode == 2, bad.stderr
        assert "cfgsec.test" in bad.stderr + bad.stdout and "type 'full'" in bad.stderr + bad.stdout, bad.stderr
        srv.start()
        kept = [x for x in srv.get("/zones").result if x["name"] == "cfgsec.test"]
        assert len(kept) == 1 and kept[0]["type"] == "full" and kept[0]["id"] == z.result["id"], kept
    finally:
        srv.stop()
