"""The `dnsedge zone|record` CLI against a real server: every command, table and --json output,
API errors (exit 1, errors[] on stderr), usage errors (exit 2), an unreachable API, and the token
never printed. Changes are checked over DNS."""

import json
import os
import subprocess

from apihelp import DNSEDGE_BIN, EDGE4, TOKEN, free_port, server  # noqa: F401 (fixtures)


def cli(s, *argv, token=TOKEN, api=None, stdin=None, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DNSEDGE_")}
    env["DNSEDGE_API"] = api or f"http://127.0.0.1:{s.api_port}/client/v4"
    if token is not None:
        env["DNSEDGE_API_TOKEN"] = token
    env.update(env_extra or {})
    return subprocess.run([DNSEDGE_BIN, *argv], env=env, input=stdin, capture_output=True, text=True, timeout=60)


def ok(p):
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    return p


def table(text):
    """Rows of a table as lists of cells, split at the header's column starts."""
    lines = text.rstrip("\n").split("\n")
    head = lines[0]
    starts = [i for i, c in enumerate(head) if c != " " and (i == 0 or head[i - 1] == " ")]
    rows = []
    for line in lines:
        cells = []
        for k, st in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else len(line)
            if k > 0:
                assert st == 0 or line[st - 1:st] in ("", " "), f"column {k} not aligned in {line!r}"
            cells.append(line[st:end].strip())
        rows.append(cells)
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def test_zone_and_record_commands_change_dns(server):
    s = server
    head, rows = table(ok(cli(s, "zone", "add", "Example.COM")).stdout)
    assert head == ["ID", "NAME", "STATUS", "SOURCE"]
    assert rows[0]["NAME"] == "example.com" and rows[0]["STATUS"] == "active" and rows[0]["SOURCE"] == "api"
    zid = rows[0]["ID"]
    assert len(zid) == 32

    p = ok(cli(s, "record", "add", "example.com", "www", "A", "192.0.2.10", "--proxied"))
    head, rows = table(p.stdout)
    assert head == ["ID", "NAME", "TYPE", "CONTENT", "PRIO", "TTL", "PROXIED"]
    assert rows[0]["NAME"] == "www.example.com" and rows[0]["PROXIED"] == "yes" and rows[0]["TTL"] == "auto"
    assert s.answer("www.example.com.") == sorted(EDGE4)

    # An MX at a proxied name: the API's messages[] (dc-record, code 1100) is printed on stderr.
    p = ok(cli(s, "record", "add", zid, "@", "MX", "www.example.com", "--priority", "10", "--ttl", "3600"))
    assert "note 1100" in p.stderr and "dc-" in p.stderr, p.stderr
    assert s.answer("example.com.", "MX")[0].startswith("10 dc-")

    p = ok(cli(s, "record", "add", "example.com", "_sip._tcp", "SRV", "--json",
               "--data", '{"priority": 5, "weight": 1, "port": 5060, "target": "sip.example.com"}'))
    srv = json.loads(p.stdout)
    assert srv["name"] == "_sip._tcp.example.com" and srv["data"]["port"] == 5060 and srv["priority"] == 5
    assert s.answer("_sip._tcp.example.com.", "SRV") == ["5 1 5060 sip.example.com."]
    ok(cli(s, "record", "add", "example.com", "@", "TXT", "v=spf1 -all", "--comment", "spf"))

    # list: table, --json, filters, paging
    head, rows = table(ok(cli(s, "record", "list", "example.com")).stdout)
    assert sorted(r["TYPE"] for r in rows) == ["A", "MX", "SRV", "TXT"]
    mx = next(r for r in rows if r["TYPE"] == "MX")
    assert mx["PRIO"] == "10" and mx["TTL"] == "3600" and mx["PROXIED"] == "-"
    txt = json.loads(ok(cli(s, "record", "list", "example.com", "--type", "txt", "--json")).stdout)
    assert [r["content"] for r in txt] == ['v=spf1 -all'] and txt[0]["comment"] == "spf"
    named = json.loads(ok(cli(s, "record", "list", "example.com", "--name", "www", "--json")).stdout)
    assert [r["name"] for r in named] == ["www.example.com"]
    named = json.loads(ok(cli(s, "record", "list", zid, "--name", "_sip._tcp", "--json")).stdout)
    assert [r["type"] for r in named] == ["SRV"]
    p = ok(cli(s, "record", "list", "example.com", "--per-page", "1"))
    assert len(table(p.stdout)[1]) == 1 and "page 1 of 4" in p.stderr and "--all" in p.stderr
    p = ok(cli(s, "record", "list", "example.com", "--per-page", "1", "--page", "3", "--json"))
    assert len(json.loads(p.stdout)) == 1 and "page 3 of 4" in p.stderr
    p = ok(cli(s, "record", "list", "example.com", "--per-page", "1", "--all", "--json"))
    assert len(json.loads(p.stdout)) == 4 and p.stderr == ""

    # set by name+type (PATCH): unproxy and give a TTL; DNS answers the origin
    p = ok(cli(s, "record", "set", "example.com", "www", "--type", "A", "--proxied", "false", "--ttl", "120"))
    assert table(p.stdout)[1][0]["PROXIED"] == "no" and table(p.stdout)[1][0]["TTL"] == "120"
    m = s.query("www.example.com.", "A")
    assert [x.to_text() for x in m.answer[0]] == ["192.0.2.10"] and m.answer[0].ttl == 120
    assert s.answer("example.com.", "MX") == ["10 www.example.com."]  # the dc-record went away
    # set by id: content only; the other fields stay
    p = ok(cli(s, "record", "set", "example.com", srv["id"], "--content", "2 5061 sip2.example.com", "--json"))
    assert json.loads(p.stdout)["content"] == "2 5061 sip2.example.com"
    assert s.answer("_sip._tcp.example.com.", "SRV") == ["5 2 5061 sip2.example.com."]

    # a name with several records needs --type
    p = cli(s, "record", "rm", "example.com", "@")
    assert p.returncode == 1 and "matches 2 records" in p.stderr and "--type" in p.stderr
    assert len(s.records(zid)) == 4  # nothing deleted
    p = ok(cli(s, "record", "rm", "example.com", "@", "--type", "TXT"))
    assert p.stdout.startswith("deleted record ")
    assert s.rcode("example.com.", "TXT") == "NOERROR" and s.answer("example.com.", "TXT") == []
    p = ok(cli(s, "record", "rm", zid, srv["id"], "--json"))
    assert json.loads(p.stdout) == {"id": srv["id"]}
    p = cli(s, "record", "rm", "example.com", "nothing")
    assert p.returncode == 1 and "no record nothing.example.com in zone example.com" in p.stderr

    # zone list (table and --json), then zone rm by name: DNS stops answering for it
    ok(cli(s, "zone", "add", "example.org", "--type", "full"))
    head, rows = table(ok(cli(s, "zone", "list")).stdout)
    assert sorted(r["NAME"] for r in rows) == ["example.com", "example.org"]
    zones = json.loads(ok(cli(s, "zone", "list", "--json")).stdout)
    assert {z["name"]: z["id"] for z in zones}["example.com"] == zid
    p = ok(cli(s, "zone", "rm", "example.org"))
    assert p.stdout.startswith("deleted zone example.org (")
    assert s.rcode("example.org.", "SOA") == "REFUSED"
    assert [z["name"] for z in json.loads(ok(cli(s, "zone", "list", "--json")).stdout)] == ["example.com"]


def test_import_export_round_trip(server, tmp_path):
    s = server
    ok(cli(s, "zone", "add", "example.com"))
    zone_file = tmp_path / "in.zone"
    zone_file.write_text("$ORIGIN example.com.\n"
                         "@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                         "@ 3600 IN NS ns1.elsewhere.test.\n"
                         "www 300 IN A 192.0.2.1\n"
                         "web 300 IN CNAME www\n"
                         "@ 300 IN MX 10 mail\n"
                         "mail 300 IN A 192.0.2.2 ; cf_tags=cf-proxied:false\n"
                         "@ 300 IN TXT \"v=spf1 mx -all\"\n")
    p = ok(cli(s, "zone", "import", "example.com", str(zone_file), "--proxied", "true"))
    assert p.stdout.strip() == "imported 5 new record(s) of 5 parsed into example.com"
    assert s.answer("www.example.com.") == sorted(EDGE4)   # --proxied true
    assert s.answer("mail.example.com.") == ["192.0.2.2"]  # the line's own tag wins
    exported = ok(cli(s, "zone", "export", "example.com")).stdout
    www = [ln for ln in exported.splitlines() if ln.startswith("www.example.com.")]
    assert len(www) == 1 and "192.0.2.1" in www[0] and "cf-proxied:true" in www[0], exported
    # the served SOA and apex NS come first, under a comment; the import skips them
    assert exported.startswith("; generated by dnsedge\nexample.com.\t3600\tIN\tSOA\t"), exported

    # the export, through stdin, into a second zone of the same name after removing the first
    before = sorted((r["name"], r["type"], r["content"], r["proxied"]) for r in s.records(s.get("/zones").result[0]["id"]))
    ok(cli(s, "zone", "rm", "example.com"))
    ok(cli(s, "zone", "add", "example.com"))
    p = ok(cli(s, "zone", "import", "example.com", "-", "--json", stdin=exported))
    assert json.loads(p.stdout) == {"recs_added": 5, "total_records_parsed": 5}
    zid = s.get("/zones").result[0]["id"]
    after = sorted((r["name"], r["type"], r["content"], r["proxied"]) for r in s.records(zid))
    assert after == before

    # a zone file that does not parse: exit 1 with the API's code and line, nothing imported
    bad = tmp_path / "bad.zone"
    bad.write_text("www 300 IN A 192.0.2.300\n")
    p = cli(s, "zone", "import", "example.com", str(bad))
    assert p.returncode == 1 and "error 1012" in p.stderr and "import:1" in p.stderr, p.stderr
    assert len(s.records(zid)) == 5
    p = cli(s, "zone", "import", "example.com", str(tmp_path / "missing.zone"))
    assert p.returncode == 2 and "cannot read" in p.stderr


def test_errors_exit_codes_and_token_never_printed(server):
    s = server
    ok(cli(s, "zone", "add", "example.com"))
    ok(cli(s, "record", "add", "example.com", "mail", "A", "192.0.2.5"))

    # API refusals: exit 1 with code and message
    p = cli(s, "record", "add", "example.com", "mail", "A", "192.0.2.5")
    assert p.returncode == 1 and p.stderr.strip() == "dnsedge: error 81058: An identical record already exists."
    p = cli(s, "record", "add", "example.com", "bad", "A", "not-an-ip")
    assert p.returncode == 1 and "error 9005" in p.stderr
    p = cli(s, "zone", "add", "example.com")
    assert p.returncode == 1 and "error 1061" in p.stderr
    p = cli(s, "record", "list", "nosuch.example")
    assert p.returncode == 1 and "no zone named nosuch.example" in p.stderr

    # a wrong token: 10000, a hint, and the token is not echoed
    secret = "wrong-secret-token-xyz"
    p = cli(s, "zone", "list", token=secret)
    assert p.returncode == 1 and "error 10000" in p.stderr and "DNSEDGE_API_TOKEN" in p.stderr
    assert secret not in p.stdout + p.stderr
    p = cli(s, "zone", "list", "--token", secret, token=None)
    assert p.returncode == 1 and secret not in p.stdout + p.stderr
    p = cli(s, "zone", "list", token=None)
    assert p.returncode == 1 and "error 9106" in p.stderr
    # --token and --api on the command line win over the environment
    p = ok(cli(s, "zone", "list", "--json", "--token", TOKEN, "--api", f"http://127.0.0.1:{s.api_port}/client/v4",
               token="other", api="http://127.0.0.1:1/client/v4"))
    assert [z["name"] for z in json.loads(p.stdout)] == ["example.com"]

    # usage errors: exit 2, nothing sent
    for argv in (["record", "add", "example.com", "x", "A", "192.0.2.1", "--ttl", "soon"],
                 ["record", "add", "example.com", "x", "A"],
                 ["record", "add", "example.com", "x", "SRV", "--data", "[1]"],
                 ["record", "set", "example.com", "mail"],
                 ["record", "set", "example.com", "mail", "--proxied", "maybe"],
                 ["record", "list", "example.com", "--per-page", "0"],
                 ["zone", "add", "example.net", "--type", "primary"],
                 ["zone", "import", "example.com", "-", "--proxied", "yes"],
                 ["record", "frobnicate"],
                 ["zone", "list", "--api", "ftp://127.0.0.1/"],
                 ["zone", "list", "--api", "https://127.0.0.1/client/v4"]):
        p = cli(s, *argv, stdin="")
        assert p.returncode == 2, (argv, p.returncode, p.stderr)
        assert p.stderr.startswith("dnsedge: "), (argv, p.stderr)
    assert [r["name"] for r in s.records(s.get("/zones").result[0]["id"])] == ["mail.example.com"]

    # nothing listening: a clear message, exit 1
    port = free_port()
    p = cli(s, "zone", "list", api=f"http://127.0.0.1:{port}/client/v4")
    assert p.returncode == 1 and f"cannot reach the API at http://127.0.0.1:{port}/client/v4" in p.stderr, p.stderr
    assert TOKEN not in p.stdout + p.stderr
