"""Scoped API tokens (Cloudflare's token model), the per-source throttle of failed authentication,
the audit log, and keeping the first token and the data directory private (docs/api.md "Tokens
and permissions", "Audit log"; README flags --api-token-file, --data)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import time

import pytest

from apihelp import DNSEDGE_BIN, TOKEN, Server, free_port, server  # noqa: F401 (fixture)

# Cloudflare's permission group ids.
ZONE_READ = "c8fed203ed3043cba015a93ad1616f1f"
ZONE_WRITE = "e6d2666161e84845a636613608cee8d5"
DNS_READ = "82e64a83756745bbbb1c9c2701bf816b"
DNS_WRITE = "4755a26eedb94da69e1066d98aa820be"
TOKENS_WRITE = "686d18d5ac6c441c867cbf6771e58a0a"


def zone_res(zid):
    return {f"com.cloudflare.api.account.zone.{zid}": "*"}


def account_zones_res(acct):
    return {f"com.cloudflare.api.account.{acct}": {"com.cloudflare.api.account.zone.*": "*"}}


def make_token(s, groups, resources, **extra) -> str:
    """Creates a token with one allow policy; returns its secret."""
    body = {"name": "t", "policies": [{"effect": "allow", "permission_groups": [{"id": g} for g in groups],
                                       "resources": resources}], **extra}
    r = s.post("/user/tokens", body)
    assert r.status == 200, r
    assert re.fullmatch(r"[A-Za-z0-9_-]{40}", r.result["value"]), r.result
    return r.result["value"]


def account_id(s) -> str:
    r = s.get("/accounts")
    assert r.status == 200, r
    return r.result[0]["id"]


def test_dns_read_token_sees_and_reads_only_its_zone(server):
    s = server
    a, b = s.create_zone("a.example"), s.create_zone("b.example")
    s.add(a, type="A", name="www", content="192.0.2.1")
    tok = make_token(s, [DNS_READ], zone_res(a))

    r = s.get(f"/zones/{a}/dns_records", token=tok)
    assert r.status == 200 and [x["name"] for x in r.result] == ["www.a.example"], r
    assert s.get(f"/zones/{a}/dns_records/export", token=tok).status == 200
    # writes and the other zone: 403, Cloudflare's "Authentication error"
    w = s.post(f"/zones/{a}/dns_records", {"type": "A", "name": "x", "content": "192.0.2.2"}, token=tok)
    assert w.status == 403 and w.error_codes() == [10000], w
    assert s.get(f"/zones/{b}/dns_records", token=tok).status == 403
    assert s.get(f"/zones/{b}", token=tok).status == 403
    assert s.delete(f"/zones/{a}", token=tok).status == 403
    # the zone list holds only the zone it may read
    z = s.get("/zones", token=tok)
    assert z.status == 200 and [x["name"] for x in z.result] == ["a.example"], z
    assert z.json["result_info"]["total_count"] == 1
    assert s.get(f"/zones/{a}", token=tok).status == 200
    # nothing was written
    assert [x["name"] for x in s.records(a)] == ["www.a.example"]
    assert s.get("/user/tokens/verify", token=tok).status == 200


def test_dns_write_token_writes_records_but_not_zones_or_tokens(server):
    s = server
    acct = account_id(s)
    a = s.create_zone("a.example")
    tok = make_token(s, [DNS_WRITE], account_zones_res(acct))
    r = s.post(f"/zones/{a}/dns_records", {"type": "A", "name": "w", "content": "192.0.2.9"}, token=tok)
    assert r.status == 200, r
    assert s.answer("w.a.example.") == ["192.0.2.9"]
    rid = r.result["id"]
    assert s.patch(f"/zones/{a}/dns_records/{rid}", {"content": "192.0.2.10"}, token=tok).status == 200
    assert s.get(f"/zones/{a}/dns_records", token=tok).status == 200  # write includes read
    assert s.delete(f"/zones/{a}", token=tok).status == 403
    assert s.post("/zones", {"name": "new.example"}, token=tok).status == 403
    t = s.post("/user/tokens", {"name": "x", "policies": []}, token=tok)
    assert t.status == 403 and t.error_codes() == [9109], t
    assert s.get("/user/tokens", token=tok).status == 403
    # zone settings need their own group
    assert s.patch(f"/zones/{a}/dns_settings", {"ns_ttl": 3600}, token=tok).status == 403
    assert s.get(f"/zones/{a}", token=tok).status == 200
    assert s.get("/zones", token=tok).result[0]["id"] == a


def test_zone_write_on_the_account_creates_and_deletes_zones(server):
    s = server
    acct = account_id(s)
    tok = make_token(s, [ZONE_WRITE], account_zones_res(acct))
    r = s.post("/zones", {"name": "made.example"}, token=tok)
    assert r.status == 200, r
    assert s.delete(f"/zones/{r.result['id']}", token=tok).status == 200
    # one zone is not the account: no zone creation with it
    z = s.create_zone("z.example")
    one = make_token(s, [ZONE_WRITE, ZONE_READ], zone_res(z))
    assert s.post("/zones", {"name": "other.example"}, token=one).status == 403


def test_deny_policy_takes_a_zone_away(server):
    s = server
    acct = account_id(s)
    a, b = s.create_zone("a.example"), s.create_zone("b.example")
    body = {"name": "most", "policies": [
        {"effect": "allow", "permission_groups": [{"id": DNS_WRITE}], "resources": account_zones_res(acct)},
        {"effect": "deny", "permission_groups": [{"id": DNS_READ}], "resources": zone_res(b)}]}
    r = s.post("/user/tokens", body)
    assert r.status == 200, r
    tok = r.result["value"]
    assert s.get(f"/zones/{a}/dns_records", token=tok).status == 200
    assert s.get(f"/zones/{b}/dns_records", token=tok).status == 403
    assert s.post(f"/zones/{b}/dns_records", {"type": "A", "name": "x", "content": "192.0.2.1"},
                  token=tok).status == 403
    assert [z["name"] for z in s.get("/zones", token=tok).result] == ["a.example"]


def test_expiry_not_before_and_request_ip_are_enforced(server):
    s = server
    z = s.create_zone("a.example")
    past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    cases = {
        "expired": (make_token(s, [DNS_READ], zone_res(z), expires_on=past), 403),
        "not_before": (make_token(s, [DNS_READ], zone_res(z), not_before=future), 403),
        "ip_in_other": (make_token(s, [DNS_READ], zone_res(z), condition={"request_ip": {"in": ["192.0.2.0/24"]}}), 403),
        "ip_not_in": (make_token(s, [DNS_READ], zone_res(z),
                                 condition={"request_ip": {"not_in": ["127.0.0.1/32"]}}), 403),
        "ip_in_loopback": (make_token(s, [DNS_READ], zone_res(z),
                                      condition={"request_ip": {"in": ["10.0.0.0/8", "127.0.0.0/8"]}}), 200),
        "valid_window": (make_token(s, [DNS_READ], zone_res(z), not_before=past, expires_on=future), 200),
    }
    for name, (tok, want) in cases.items():
        r = s.get(f"/zones/{z}/dns_records", token=tok)
        assert r.status == want, (name, r)
        if want == 403:
            assert r.error_codes() == [10000], (name, r)
    listed = {t["id"]: t for t in s.get("/user/tokens?per_page=50").result}
    assert any(t["status"] == "expired" for t in listed.values())
    assert "authentication failed from 127.0.0.1: token expired" in s.log_text()
    assert "address not allowed" in s.log_text()


def test_token_update_disable_roll_and_delete(server):
    s = server
    z = s.create_zone("a.example")
    r = s.post("/user/tokens", {"name": "ci", "policies": [
        {"effect": "allow", "permission_groups": [{"id": DNS_READ}], "resources": zone_res(z)}]})
    tid, tok = r.result["id"], r.result["value"]
    assert "value" not in s.get(f"/user/tokens/{tid}").result
    got = s.get(f"/user/tokens/{tid}").result
    assert got["name"] == "ci" and got["policies"][0]["permission_groups"] == [{"id": DNS_READ, "name": "DNS Read"}]
    # PUT replaces: now DNS Write, disabled
    body = {"name": "ci2", "status": "disabled", "policies": [
        {"effect": "allow", "permission_groups": [{"id": DNS_WRITE}], "resources": zone_res(z)}]}
    u = s.put(f"/user/tokens/{tid}", body)
    assert u.status == 200 and u.result["status"] == "disabled" and u.result["name"] == "ci2", u
    assert s.get(f"/zones/{z}/dns_records", token=tok).status == 403
    body["status"] = "active"
    assert s.put(f"/user/tokens/{tid}", body).status == 200
    assert s.post(f"/zones/{z}/dns_records", {"type": "A", "name": "a", "content": "192.0.2.1"}, token=tok).status == 200
    # roll: the old secret stops working, the new one works
    rolled = s.put(f"/user/tokens/{tid}/value")
    assert rolled.status == 200 and isinstance(rolled.result, str) and len(rolled.result) == 40, rolled
    assert s.get(f"/zones/{z}/dns_records", token=tok).status == 403
    assert s.get(f"/zones/{z}/dns_records", token=rolled.result).status == 200
    assert s.delete(f"/user/tokens/{tid}").result == {"id": tid}
    assert s.get(f"/zones/{z}/dns_records", token=rolled.result).status == 403
    assert s.get(f"/user/tokens/{tid}").status == 404
    # the tokens survive a restart; the first token is still all-powerful
    s.restart()
    assert s.get("/user/tokens/verify").status == 200
    assert [t["name"] for t in s.get("/user/tokens").result] == ["api-token"]


def test_bad_token_bodies_are_refused_with_a_reason(server):
    s = server
    z = s.create_zone("a.example")
    good = {"effect": "allow", "permission_groups": [{"id": DNS_READ}], "resources": zone_res(z)}
    bad = [
        ({"name": "x"}, "policies"),
        ({"name": "x", "policies": []}, "policies"),
        ({"policies": [good]}, "name"),
        ({"name": "x", "policies": [dict(good, effect="maybe")]}, "effect"),
        ({"name": "x", "policies": [dict(good, permission_groups=[{"id": "0" * 32}])]}, "unknown permission group"),
        ({"name": "x", "policies": [dict(good, resources={"com.cloudflare.api.zone.x": "*"})]}, "resources"),
        ({"name": "x", "policies": [dict(good, resources={"com.cloudflare.api.account.zone.*": "read"})]}, "\"*\""),
        ({"name": "x", "policies": [dict(good, resources={"com.cloudflare.api.user.*": "*"})]}, "applies to"),
        ({"name": "x", "policies": [good], "condition": {"request_ip": {"in": ["300.1.1.1/8"]}}}, "CIDR"),
        ({"name": "x", "policies": [good], "expires_on": "tomorrow"}, "expires_on"),
        ({"name": "x", "policies": [good], "expires_on": "9999-12-31T00:00:00Z"}, "expires_on"),
        ({"name": "x", "policies": [good], "not_before": "2030-01-02T00:00:00Z", "expires_on": "2030-01-01T00:00:00Z"},
         "after not_before"),
    ]
    for body, words in bad:
        r = s.post("/user/tokens", body)
        assert r.status == 400 and words in r.json["errors"][0]["message"], (body, r)
    assert [t["name"] for t in s.get("/user/tokens").result] == ["api-token"]


def test_permission_groups_have_stable_ids(server):
    s = server
    r = s.get("/user/tokens/permission_groups")
    assert r.status == 200, r
    by_name = {g["name"]: g for g in r.result}
    assert by_name["DNS Read"]["id"] == DNS_READ and by_name["DNS Write"]["id"] == DNS_WRITE
    assert by_name["Zone Read"]["id"] == ZONE_READ and by_name["Zone Write"]["id"] == ZONE_WRITE
    assert by_name["API Tokens Write"]["scopes"] == ["com.cloudflare.api.user"]
    assert by_name["DNS Read"]["scopes"] == ["com.cloudflare.api.account.zone"]
    f = s.get("/user/tokens/permission_groups?name=DNS%20Write")
    assert [g["id"] for g in f.result] == [DNS_WRITE]


def test_failed_authentication_is_throttled_per_source_and_logged(server):
    s = server
    codes = [s.get("/zones", token=f"wrong-token-{i:04d}").status for i in range(20)]
    assert codes[:10] == [403] * 10 and codes[10:] == [429] * 10, codes
    r = s.get("/zones", token="wrong-again")
    assert r.status == 429 and 1 <= int(r.headers["Retry-After"]) <= 60, r
    assert r.error_codes() == [971]
    # the source is blocked, whatever it presents: a guesser learns nothing from the answers
    assert s.get("/zones").status == 429
    log = s.log_text()
    assert "authentication failed from 127.0.0.1: unknown token (GET /client/v4/zones)" in log
    assert log.count("authentication failed from") <= 10  # bounded: 10 lines a minute
    # a missing header is not a guess and is not counted (but still logged and audited)


def test_audit_log_records_writes_and_failures(server):
    s = server
    acct = account_id(s)
    me = s.get("/user/tokens/verify").result["id"]
    z = s.create_zone("audit.example")
    rec = s.add(z, type="A", name="www", content="192.0.2.1")["result"]
    assert s.delete(f"/zones/{z}/dns_records/{rec['id']}").status == 200
    assert s.post(f"/zones/{z}/dns_records", {"type": "A", "name": "bad", "content": "nope"}).status == 400
    assert s.get("/zones", token="not-a-token").status == 403
    assert s.get("/zones", token=None).status == 403
    r = s.get(f"/accounts/{acct}/audit_logs?per_page=50")
    assert r.status == 200, r
    entries = r.result
    # newest first
    assert [e["action"]["type"] for e in entries[:2]] == ["authenticate", "authenticate"]
    fail = entries[1]
    assert fail["action"]["result"] is False and fail["actor"]["ip"] == "127.0.0.1"
    assert fail["metadata"]["reason"] == "unknown token" and fail["actor"]["type"] == "token"
    bad_write = entries[2]
    assert bad_write["action"] == {"type": "create", "result": False} and bad_write["metadata"]["path"].endswith(
        "/dns_records")
    delete = entries[3]
    assert delete["action"] == {"type": "delete", "result": True}
    assert delete["resource"] == {"id": rec["id"], "type": "dns_records"}
    assert delete["actor"] == {"id": me, "type": "token", "ip": "127.0.0.1"}
    assert delete["owner"] == {"id": acct}
    create_zone = entries[5]
    assert create_zone["action"]["type"] == "create" and create_zone["resource"]["type"] == "zones"
    assert not any(e["metadata"].get("method") == "GET" for e in entries if e["action"]["type"] != "authenticate")
    # paging, direction, since/before
    asc = s.get(f"/accounts/{acct}/audit_logs?direction=asc&per_page=2")
    assert [e["id"] for e in asc.result] == [e["id"] for e in reversed(entries)][:2]
    assert asc.json["result_info"]["total_count"] == len(entries)
    assert s.get(f"/accounts/{acct}/audit_logs?since=2200-01-01").result == []
    assert len(s.get(f"/accounts/{acct}/audit_logs?before=2200-01-01T00:00:00Z&per_page=1000").result) == len(entries)
    assert s.get(f"/accounts/{acct}/audit_logs?before=2000-01-01").result == []
    for bad in ("yesterday", "9999-01-01"):
        assert s.get(f"/accounts/{acct}/audit_logs?since={bad}").status == 400
    # an acknowledged write's entry is durable with it (stored in the same transaction)
    s.add(z, type="TXT", name="t", content="x")
    s.kill9()
    s.start()
    again = s.get(f"/accounts/{acct}/audit_logs?per_page=1").result
    assert again[0]["action"] == {"type": "create", "result": True} and again[0]["metadata"]["path"].endswith(
        "/dns_records")
    # reading the audit log needs Account Settings Read
    tok = make_token(s, [DNS_READ], {"com.cloudflare.api.account.zone.*": "*"})
    assert s.get(f"/accounts/{acct}/audit_logs", token=tok).status == 403


def test_token_is_not_in_the_process_command_line(server):
    s = server
    cmdline = open(f"/proc/{s.proc.pid}/cmdline", "rb").read()
    assert TOKEN.encode() not in cmdline
    assert b"--api-token" in cmdline
    assert "--api-token on the command line is readable by every local user" in s.log_text()
    assert s.get("/user/tokens/verify").status == 200


def test_api_token_file_and_short_token_warning(tmp_path):
    f = tmp_path / "token"
    f.write_text("short-token\n")
    s = Server(tmp_path, token_args=["--api-token-file", str(f)]).start()
    try:
        assert s.get("/user/tokens/verify", token="short-token").status == 200
        assert b"short-token" not in open(f"/proc/{s.proc.pid}/cmdline", "rb").read()
        log = s.log_text()
        assert "fewer than 16 are easy to guess" in log
        assert "on the command line is readable" not in log
    finally:
        s.stop()
    # the config file's api_token_file
    cfg = tmp_path / "dnsedge.toml"
    f.write_text("  from-the-config-file-0123  \n")
    cfg.write_text(f'api_token_file = "{f}"\n')
    s = Server(tmp_path, token_args=["--config", str(cfg)]).start()
    try:
        assert s.get("/user/tokens/verify", token="from-the-config-file-0123").status == 200
        assert "easy to guess" not in s.log_text()
    finally:
        s.stop()
    both = subprocess.run([DNSEDGE_BIN, "serve", "--data", str(tmp_path / "d3"), "--api-token", TOKEN,
                           "--api-token-file", str(f)], capture_output=True, text=True, timeout=20)
    assert both.returncode == 2 and "not both" in both.stderr, both
    (tmp_path / "empty").write_text("\n")
    p = subprocess.run([DNSEDGE_BIN, "serve", "--data", str(tmp_path / "d2"), "--api-token-file", str(tmp_path / "empty"),
                        "--dns-listen", f"127.0.0.1:{free_port()}", "--api-listen", f"127.0.0.1:{free_port()}",
                        "--no-edge-proxy"], capture_output=True, text=True, timeout=20)
    assert p.returncode == 2 and "holds no token" in p.stderr, p


def test_data_directory_and_store_files_are_private_under_umask_000(tmp_path):
    s = Server(tmp_path, umask=0).start()
    try:
        s.create_zone("a.example")  # the WAL exists
        assert stat.S_IMODE(os.stat(s.data).st_mode) == 0o700
        files = [p for p in os.listdir(s.data) if p.startswith("dnsedge.db")]
        assert "dnsedge.db" in files and "dnsedge.db-wal" in files
        for p in files:
            assert stat.S_IMODE(os.stat(s.data / p).st_mode) == 0o600, p
    finally:
        s.stop()


def test_world_writable_data_directory_is_refused(tmp_path):
    d = tmp_path / "open"
    d.mkdir()
    os.chmod(d, 0o777)
    p = subprocess.run([DNSEDGE_BIN, "serve", "--data", str(d), "--api-token", TOKEN,
                        "--dns-listen", f"127.0.0.1:{free_port()}", "--api-listen", f"127.0.0.1:{free_port()}",
                        "--no-edge-proxy"], capture_output=True, text=True, timeout=20)
    assert p.returncode == 2, p
    assert "is world-writable (mode 0777)" in p.stdout + p.stderr, p
    assert not (d / "dnsedge.db").exists()
