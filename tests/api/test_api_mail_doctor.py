"""The mail doctor through the API (issue 5): GET /zones/{id}/mail_doctor, the pre-flight
findings in a write's messages[], ?dry_run=true, and `dnsedge doctor --data DIR` over the same
store zone beside the running server.

No name outside the test zones is ever looked up: the doctor runs with offline=true / --offline,
the pre-flight is offline by design, and the server's --upstream is a loopback port.
"""

import json
import subprocess

from apihelp import DNSEDGE_BIN, EDGE4, EDGE6, Server, free_port


def start(tmp_path):
    return Server(tmp_path, extra=["--upstream", f"127.0.0.1:{free_port()}"]).start()


def messages(r, code):
    return [m["message"] for m in r.json["messages"] if m["code"] == code]


def cli_doctor(server, domain, *extra):
    p = subprocess.run([DNSEDGE_BIN, "doctor", domain, "--data", str(server.data), "--offline",
                        "--edge-ipv4", ",".join(EDGE4), "--edge-ipv6", ",".join(EDGE6), "--json", *extra],
                       capture_output=True, text=True, timeout=60)
    assert p.stdout.strip(), f"exit {p.returncode}: {p.stderr}"
    return p.returncode, json.loads(p.stdout), p.stderr


def test_seed_write_messages_and_endpoint_match_cli(tmp_path):
    s = start(tmp_path)
    try:
        z = s.create_zone("example.com")
        s.add(z, name="example.com", type="MX", content="example.com", priority=10)
        r = s.post(f"/zones/{z}/dns_records",
                   {"name": "example.com", "type": "A", "content": "192.0.2.1", "proxied": True})
        assert r.status == 200 and r.json["success"], r
        assert messages(r, 1100), r  # the dc-record message stays
        doc = [m for m in messages(r, 1111) if "proxy.mx_target_proxied" in m]
        assert len(doc) == 1, r.json["messages"]
        # Both fixes: delete the MX (or null MX), or point it at a DNS-only mail host.
        assert "delete the MX record" in doc[0] and "null MX" in doc[0]
        assert "mail.example.com. 300 IN A 192.0.2.1   (DNS-only, not proxied)" in doc[0]

        api = s.get(f"/zones/{z}/mail_doctor?offline=true")
        assert api.status == 200 and api.json["success"], api
        rep = api.result
        assert rep["domain"] == "example.com." and rep["mode"] == "local"
        assert set(rep["summary"]) == {"error", "warning", "info"}
        ids = {(f["severity"], f["id"]) for f in rep["findings"]}
        assert ("warning", "proxy.mx_target_proxied") in ids, ids

        # The CLI, read-only on the store while the server runs, reports the same findings.
        code, cli, err = cli_doctor(s, "example.com")
        assert code in (0, 1), err
        assert cli["mode"] == "local"
        assert cli["findings"] == rep["findings"], json.dumps({"api": rep, "cli": cli}, indent=1)
        assert cli["summary"] == rep["summary"]

        # Repeatable DKIM selectors, as --selector.
        api = s.get(f"/zones/{z}/mail_doctor?offline=true&selector=s1&selector=s2")
        assert api.status == 200, api
        code, cli, err = cli_doctor(s, "example.com", "--selector", "s1", "--selector", "s2")
        assert {f["id"] for f in cli["findings"]} == {f["id"] for f in api.result["findings"]}
        assert s.get(f"/zones/{z}/mail_doctor?selector=bad%20one").status == 400
        assert s.get("/zones/0123456789abcdef0123456789abcdef/mail_doctor").status == 404
        # Not a store zone, no zone files: the CLI says so and exits 2.
        p = subprocess.run([DNSEDGE_BIN, "doctor", "example.org", "--data", str(s.data), "--offline"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "not in the store" in p.stderr, p.stderr
    finally:
        s.stop()


def test_flatten_all_with_dkim_cname_dry_run_then_real(tmp_path):
    s = start(tmp_path)
    try:
        z = s.create_zone("example.com")
        s.add(z, name="s1._domainkey.example.com", type="CNAME", content="s1.keys.example.com")
        s.add(z, name="s1.keys.example.com", type="A", content="192.0.2.7")
        before_records = s.records(z)
        before_serial = s.serial("example.com")
        before_answer = s.answer("s1._domainkey.example.com.", "CNAME")
        assert before_answer == ["s1.keys.example.com."]

        r = s.patch(f"/zones/{z}/settings/cname_flattening?dry_run=true", {"value": "flatten_all"})
        assert r.status == 200 and r.json["success"], r
        assert r.result["value"] == "flatten_all"
        found = [m for m in messages(r, 1110) if "proxy.flatten_all_mail_cname" in m]
        assert found and "s1._domainkey.example.com" in found[0], r.json["messages"]
        assert messages(r, 1119), r
        # Nothing changed: records, settings, DNS, serial.
        assert s.records(z) == before_records
        assert s.get(f"/zones/{z}/settings/cname_flattening").result["value"] == "flatten_at_root"
        assert s.answer("s1._domainkey.example.com.", "CNAME") == before_answer
        assert s.serial("example.com") == before_serial

        # A dry-run record write: result is what would be stored, nothing is.
        r = s.post(f"/zones/{z}/dns_records?dry_run=true", {"name": "www", "type": "A", "content": "192.0.2.8"})
        assert r.status == 200 and r.result["name"] == "www.example.com" and messages(r, 1119), r
        assert s.records(z) == before_records and s.rcode("www.example.com.") == "NXDOMAIN"
        assert s.serial("example.com") == before_serial
        assert s.post(f"/zones/{z}/dns_records?dry_run=yes", {"name": "www", "type": "A",
                                                              "content": "192.0.2.8"}).status == 400
        # Zone-level writes have no dry run: refused, never done for real.
        r = s.delete(f"/zones/{z}?dry_run=true")
        assert r.status == 400 and 1008 in r.error_codes(), r
        assert s.get(f"/zones/{z}").status == 200
        assert s.post("/zones?dry_run=true", {"name": "example.net"}).status == 400
        assert s.get("/zones?name=example.net").result == []

        # The real change succeeds and carries the same finding.
        r = s.patch(f"/zones/{z}/settings/cname_flattening", {"value": "flatten_all"})
        assert r.status == 200 and r.json["success"], r
        assert [m for m in messages(r, 1110) if "proxy.flatten_all_mail_cname" in m], r.json["messages"]
        assert not messages(r, 1119)
        assert s.serial("example.com") == before_serial + 1
        assert s.answer("s1._domainkey.example.com.", "CNAME") == []
        assert s.answer("s1._domainkey.example.com.", "A") == ["192.0.2.7"]
    finally:
        s.stop()


def test_slow_outside_lookups_never_hold_up_writes(tmp_path):
    """GET mail_doctor with outside lookups runs off the writer thread: the server's --upstream is
    a loopback port nobody answers, so the SPF include waits for its lookup timeout, and writes
    made meanwhile are answered at once. The report is still bounded and names the failure."""
    import socket
    import threading
    import time

    # A loopback "resolver" that takes queries and never answers (UDP and TCP on one port).
    # The same port number must be free for both: retry until a UDP port's TCP twin is free too.
    for _ in range(100):
        sink_udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink_udp.bind(("127.0.0.1", 0))
        port = sink_udp.getsockname()[1]
        sink_tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sink_tcp.bind(("127.0.0.1", port))
            break
        except OSError:
            sink_tcp.close()
            sink_udp.close()
    else:
        raise RuntimeError("no loopback port free for both UDP and TCP")
    sink_tcp.listen(16)
    s = Server(tmp_path, extra=["--upstream", f"127.0.0.1:{port}"]).start()
    try:
        z = s.create_zone("example.com")
        s.add(z, name="example.com", type="TXT", content="v=spf1 include:_spf.mailer.example.net -all")
        s.add(z, name="example.com", type="MX", content="mail.example.com", priority=10)
        s.add(z, name="mail.example.com", type="A", content="192.0.2.25")
        out = {}

        def run():
            t0 = time.monotonic()
            out["r"] = s.get(f"/zones/{z}/mail_doctor", timeout=60)
            out["t"] = time.monotonic() - t0

        th = threading.Thread(target=run)
        th.start()
        time.sleep(0.3)  # the doctor is now waiting on the dead upstream
        writes = []
        for i in range(3):
            t0 = time.monotonic()
            r = s.post(f"/zones/{z}/dns_records", {"name": f"w{i}.example.com", "type": "A", "content": "192.0.2.9"})
            writes.append(time.monotonic() - t0)
            assert r.status == 200, r
        th.join(60)
        assert not th.is_alive()
        r = out["r"]
        assert r.status == 200 and r.json["success"], r
        assert out["t"] < 15, out["t"]  # bounded: 10 s for the run
        assert max(writes) < 1.0 and max(writes) < out["t"], (writes, out["t"])
        assert out["t"] > 1.0, (out["t"], [(f["id"], f["title"]) for f in r.result["findings"]])  # waited on the sink
        failed = [f for f in r.result["findings"] if f["id"] == "doctor.lookup_failed"]
        assert any("_spf.mailer.example.net" in f["title"] for f in failed), r.result["findings"]
    finally:
        s.stop()
        sink_udp.close()
        sink_tcp.close()


def test_file_backed_zone_report_matches_zone_file_local_mode(tmp_path):
    """GET mail_doctor works for a --zone-file zone too, and says what `dnsedge doctor --zone-file`
    says about the same file."""
    zf = tmp_path / "example.org.zone"
    zf.write_text("$ORIGIN example.org.\n$TTL 300\n"
                  "@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 127.0.0.1\n"
                  "@ MX 10 @\n@ A 192.0.2.1 ; cf_tags=cf-proxied:true\n"
                  "@ TXT \"v=spf1 +all\"\n")
    s = Server(tmp_path, zone_files=[zf], extra=["--upstream", f"127.0.0.1:{free_port()}"]).start()
    try:
        zones = s.get("/zones?name=example.org").result
        assert len(zones) == 1
        api = s.get(f"/zones/{zones[0]['id']}/mail_doctor?offline=true")
        assert api.status == 200, api
        p = subprocess.run([DNSEDGE_BIN, "doctor", "example.org", "--zone-file", str(zf), "--offline",
                            "--edge-ipv4", ",".join(EDGE4), "--edge-ipv6", ",".join(EDGE6), "--json"],
                           capture_output=True, text=True, timeout=60)
        cli = json.loads(p.stdout)
        assert api.result["findings"] == cli["findings"], json.dumps({"api": api.result, "cli": cli}, indent=1)
        ids = {f["id"] for f in cli["findings"]}
        assert {"proxy.mx_target_proxied", "spf.all_pass"} <= ids, ids
        # A file-backed zone is read-only: a dry run is refused like the write itself.
        r = s.post(f"/zones/{zones[0]['id']}/dns_records?dry_run=true",
                   {"name": "www.example.org", "type": "A", "content": "192.0.2.5"})
        assert r.status == 400 and 1010 in r.error_codes(), r
    finally:
        s.stop()
