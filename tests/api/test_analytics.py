"""DNS analytics in Cloudflare's shape (docs/observability.md "DNS analytics", docs/api.md):
GET /zones/{id}/dns_analytics/report and /report/bytime count exactly the queries sent, by name,
type, rcode and answer kind; the counts survive a restart (flushed to the store); bad parameters
get 400 with code 1008; a huge limit or time range is capped; the official npm SDK reads the
report; a flood of random names leaves the memory bounded and the counts exact."""

from __future__ import annotations

import json
import os
import pathlib
import random
import socket
import subprocess
import time

import dns.message
import dns.rdatatype
import pytest

from apihelp import DNSEDGE_BIN, TOKEN, Server, server  # noqa: F401 (fixtures)
from test_sdk_interop import sdk_dir

HERE = pathlib.Path(__file__).resolve().parent
ZONE = "analytics.test"


def report(s, zid, path="report", **params):
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    return s.get(f"/zones/{zid}/dns_analytics/{path}?{qs}")


def total(s, zid, **params) -> int:
    r = report(s, zid, **params)
    assert r.status == 200, r
    return r.result["totals"].get("queryCount", 0)


def wait_total(s, zid, want: int, **params) -> int:
    """The report's total once it reaches `want` (workers hand their counts over within a second)."""
    got = -1
    for _ in range(100):
        got = total(s, zid, **params)
        if got >= want:
            return got
        time.sleep(0.1)
    return got


def setup_zone(s):
    zid = s.create_zone(ZONE)
    s.add(zid, type="A", name="www." + ZONE, content="192.0.2.1", proxied=False)
    s.add(zid, type="A", name="edge." + ZONE, content="192.0.2.2", proxied=True)
    s.add(zid, type="MX", name=ZONE, content="mail." + ZONE, priority=10)
    s.add(zid, type="A", name="mail." + ZONE, content="192.0.2.25")
    return zid


SENT = {("www", "A", "NOERROR"): 20, ("www", "AAAA", "NOERROR"): 5, ("nope", "A", "NXDOMAIN"): 7,
        ("", "MX", "NOERROR"): 3, ("edge", "A", "NOERROR"): 4}


def send_known(s):
    for (label, rdtype, _), n in SENT.items():
        name = f"{label}.{ZONE}." if label else f"{ZONE}."
        for i in range(n):
            s.query(name, rdtype, tcp=(rdtype == "AAAA"))  # TCP is counted too


def test_report_counts_equal_queries_sent(server):
    s = server
    zid = setup_zone(s)
    send_known(s)
    want = sum(SENT.values())
    assert wait_total(s, zid, want) == want
    r = report(s, zid, dimensions="queryName,queryType,responseCode",
               metrics="queryCount,uncachedCount,responseTimeAvg", sort="-queryCount")
    assert r.status == 200, r
    res = r.result
    got = {tuple(d["dimensions"]): d["metrics"] for d in res["data"]}
    for (label, rdtype, rcode), n in SENT.items():
        name = f"{label}.{ZONE}" if label else ZONE
        m = got[(name, rdtype, rcode)]
        assert m[0] == n and m[1] == n and m[2] >= 0
    assert res["rows"] == len(SENT) and len(res["data"]) == len(SENT)
    assert [d["metrics"][0] for d in res["data"]] == sorted((d["metrics"][0] for d in res["data"]), reverse=True)
    assert res["totals"] == {"queryCount": want, "uncachedCount": want, "responseTimeAvg": res["totals"]["responseTimeAvg"]}
    assert res["query"]["dimensions"] == ["queryName", "queryType", "responseCode"]
    assert res["query"]["metrics"] == ["queryCount", "uncachedCount", "responseTimeAvg"]
    assert "data_lag" in res and "min" in res and "max" in res

    # Filters: and before or.
    assert total(s, zid, filters="queryType==A;responseCode==NOERROR,queryType==MX") == 20 + 4 + 3
    assert total(s, zid, filters="responseCode!=NOERROR") == 7
    # The answer kind: the proxied name answered the edge addresses.
    r = report(s, zid, dimensions="answerKind,coloName")
    kinds = {d["dimensions"][0]: d["metrics"][0] for d in r.result["data"]}
    assert sum(kinds.values()) == want and set(kinds) <= {"static", "proxied"}
    # The answer engine tells the edge-address answers of the proxied name apart (AnswerInfo::kind).
    assert kinds.get("proxied", 4) == 4
    assert {d["dimensions"][1] for d in r.result["data"]} == {socket.gethostname()}
    # Another zone sees none of them.
    other = s.create_zone("quiet.test")
    assert total(s, other) == 0


def test_bytime_buckets(server):
    s = server
    zid = setup_zone(s)
    send_known(s)
    want = sum(SENT.values())
    assert wait_total(s, zid, want) == want
    r = report(s, zid, "report/bytime", dimensions="queryType", time_delta="minute", since="-10")
    assert r.status == 200, r
    res = r.result
    assert res["query"]["time_delta"] == "minute"
    n = len(res["time_intervals"])
    assert 10 <= n <= 11
    by = {d["dimensions"][0]: d["metrics"][0] for d in res["data"]}
    assert all(len(series) == n for series in by.values())
    assert sum(by["A"]) == 20 + 7 + 4 and sum(by["AAAA"]) == 5 and sum(by["MX"]) == 3
    # The queries were sent in the last minute or two: only the last intervals hold them.
    assert sum(by["A"][-2:]) == 31
    assert res["totals"]["queryCount"] == want
    r = report(s, zid, "report/bytime", time_delta="all")
    assert r.status == 200 and len(r.result["time_intervals"]) == 1 and r.result["data"][0]["metrics"] == [[want]]


def test_restart_keeps_the_counts(server):
    s = server
    zid = setup_zone(s)
    send_known(s)
    want = sum(SENT.values())
    assert wait_total(s, zid, want) == want
    s.restart()
    assert total(s, zid) == want
    # And new queries add to them.
    s.query(f"www.{ZONE}.", "A")
    assert wait_total(s, zid, want + 1) == want + 1


@pytest.mark.parametrize("params, says", [
    ({"dimensions": "queryName,bogus"}, "bogus"),
    ({"metrics": "queryCount,responseTime99th"}, "responseTime99th"),
    ({"since": "yesterday"}, "ISO 8601"),
    ({"since": "2030-01-01T00:00:00Z"}, "before until"),
    ({"filters": "queryType%3EA"}, "operator"),
    ({"filters": "colour==red"}, "colour"),
    ({"sort": "-queryName"}, "sort"),
    ({"limit": "-5"}, "limit"),
    ({"limit": "x" * 5000}, "limit"),
    ({"limit": "0"}, "limit"),
    ({"dimensions": "queryType,queryType"}, "twice"),
    ({"since": "-" + "9" * 40}, "since"),
    ({"until": "2000-01-01T00:00:00Z", "since": "1999-01-01T00:00:00Z"}, "7 days"),
    ({"filters": "queryType==A," * 400}, "filters"),
    ({"filters": ",".join(["queryType==A"] * 65)}, "64 alternatives"),
])
def test_bad_parameters_are_400(server, params, says):
    s = server
    zid = s.create_zone(ZONE)
    r = report(s, zid, **params)
    assert r.status == 400, r
    assert r.json["success"] is False and r.error_codes() == [1008]
    assert says in r.json["errors"][0]["message"]
    r = report(s, zid, "report/bytime", time_delta="fortnight")
    assert r.status == 400 and r.error_codes() == [1008]


def test_huge_limit_and_range_are_capped(server):
    s = server
    zid = s.create_zone(ZONE)
    r = report(s, zid, limit="999999999999", since="2000-01-01T00:00:00Z")
    assert r.status == 200, r
    q = r.result["query"]
    assert q["limit"] == 10000
    since = time.mktime(time.strptime(q["since"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert time.time() - since <= 7 * 86400 + 120
    r = report(s, zid, "report/bytime", since="-10080", time_delta="minute")
    assert r.status == 400 and "intervals" in r.json["errors"][0]["message"]
    assert report(s, "0" * 32).status == 404


ANALYTICS_READ = "9c88f9c5bce24ce7af9a958ba9c504db"  # Cloudflare's id
DNS_READ = "82e64a83756745bbbb1c9c2701bf816b"


def scoped_token(s, group: str, zid: str) -> str:
    r = s.post("/user/tokens", {"name": "scoped", "policies": [
        {"effect": "allow", "permission_groups": [{"id": group}],
         "resources": {f"com.cloudflare.api.account.zone.{zid}": "*"}}]})
    assert r.status == 200, r
    return r.result["value"]


def test_analytics_read_reads_reports_and_nothing_else(server):
    """Cloudflare's Analytics Read (zone) reads the DNS analytics reports of its zone; hostile: with
    it a token cannot read or write records, read settings or tokens, or read another zone's report.
    As on Cloudflare, DNS Read alone does not read the reports."""
    s = server
    zid = setup_zone(s)
    other = s.create_zone("other-" + ZONE)
    groups = {g["name"]: g for g in s.get("/user/tokens/permission_groups").result}
    assert groups["Analytics Read"]["id"] == ANALYTICS_READ
    assert groups["Analytics Read"]["scopes"] == ["com.cloudflare.api.account.zone"]
    assert "Analytics Write" not in groups
    for _ in range(3):
        s.query(f"www.{ZONE}.", "A")
    assert wait_total(s, zid, 3) == 3
    tok = scoped_token(s, ANALYTICS_READ, zid)

    r = s.get(f"/zones/{zid}/dns_analytics/report?dimensions=queryName", token=tok)
    assert r.status == 200, r
    assert r.result["totals"]["queryCount"] == 3
    assert s.get(f"/zones/{zid}/dns_analytics/report/bytime?time_delta=minute&since=-10", token=tok).status == 200
    assert s.get(f"/zones/{other}/dns_analytics/report", token=tok).status == 403

    n_records = len(s.records(zid))
    denied = [
        ("GET", f"/zones/{zid}/dns_records", None),
        ("GET", f"/zones/{zid}/dns_records/export", None),
        ("POST", f"/zones/{zid}/dns_records", {"type": "A", "name": "x." + ZONE, "content": "192.0.2.9"}),
        ("PATCH", f"/zones/{zid}", {"paused": True}),
        ("GET", f"/zones/{zid}/dns_settings", None),
        ("GET", f"/zones/{zid}/mail_doctor?offline=true", None),
        ("DELETE", f"/zones/{zid}", None),
        ("GET", "/user/tokens", None),
        ("POST", "/user/tokens", {"name": "escalate", "policies": []}),
    ]
    for method, path, body in denied:
        r = s.request(method, path, body, token=tok)
        assert r.status == 403, (method, path, r)
        assert r.json["success"] is False
    assert len(s.records(zid)) == n_records
    assert s.get(f"/zones/{zid}").status == 200  # the zone is still there, unchanged

    dns_read = scoped_token(s, DNS_READ, zid)
    assert s.get(f"/zones/{zid}/dns_records", token=dns_read).status == 200
    assert s.get(f"/zones/{zid}/dns_analytics/report", token=dns_read).status == 403


def rss_kib(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def flood(port: int, names: list[str]) -> int:
    """Sends one A query per name over UDP in windows of 256; returns the responses received."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    got = sent = 0
    wires = [dns.message.make_query(n, dns.rdatatype.A).to_wire() for n in names]

    def receive(until: int, timeout: float):
        nonlocal got
        sock.settimeout(timeout)
        while got < until:
            try:
                sock.recv(2048)
                got += 1
            except socket.timeout:
                return

    for i in range(0, len(wires), 256):
        for w in wires[i:i + 256]:
            sock.sendto(w, ("127.0.0.1", port))
            sent += 1
        receive(sent, 2.0)
    receive(sent, 1.0)  # late answers of a window that timed out
    sock.close()
    return got


def test_random_name_flood_bounded_memory_exact_counts(tmp_path):
    """Hostile: as many random names as fit in a few seconds. The names kept are bounded (100 per zone
    and minute), the memory growth stays under 64 MiB, and every answered query is counted. Response
    rate limiting is off: from one address it would drop most of these NXDOMAINs."""
    s = Server(tmp_path, extra=["--rrl-rate", "0"]).start()
    try:
        flood_and_check(s)
    finally:
        s.stop()


def flood_and_check(s):
    zid = s.create_zone(ZONE)
    before = rss_kib(s.proc.pid)
    rng = random.Random(16)
    names = [f"{rng.getrandbits(64):x}.{ZONE}." for _ in range(100000)]
    got = flood(s.dns_port, names)
    assert got >= len(names) * 0.99
    assert wait_total(s, zid, got) == got
    assert total(s, zid, filters="responseCode==NXDOMAIN") == got
    r = report(s, zid, dimensions="queryName", limit="100000")
    assert r.status == 200
    assert len(r.result["data"]) <= 2 * 100 + 1  # two minutes at most, plus "(other)"
    assert any(d["dimensions"] == ["(other)"] for d in r.result["data"])
    grown = rss_kib(s.proc.pid) - before
    print(f"flood: {len(names)} names, {got} answered, RSS grew {grown} KiB")
    assert grown < 64 * 1024


def test_cloudflare_sdk_reads_the_report(server):
    s = server
    sdk = sdk_dir()
    zid = setup_zone(s)
    send_known(s)
    want = sum(SENT.values())
    assert wait_total(s, zid, want) == want
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    env.update(SDK_DIR=str(sdk), DNSEDGE_API=f"http://127.0.0.1:{s.api_port}/client/v4", DNSEDGE_TOKEN=TOKEN,
               ZONE_ID=zid)
    p = subprocess.run(["node", str(HERE / "sdk" / "analytics.mjs")], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, f"analytics.mjs failed:\n{p.stderr}\n{p.stdout}"
    out = json.loads(p.stdout.strip().splitlines()[-1])
    rep = out["report"]
    assert rep["totals"]["queryCount"] == want and rep["totals"]["uncachedCount"] == want
    got = {tuple(d["dimensions"]): d["metrics"][0] for d in rep["data"]}
    assert got[(f"www.{ZONE}", "A")] == 20 and got[(f"www.{ZONE}", "AAAA")] == 5
    assert got[(f"nope.{ZONE}", "A")] == 7 and got[(ZONE, "MX")] == 3
    bt = out["bytime"]
    assert sum(sum(d["metrics"][0]) for d in bt["data"]) == want
    assert len(bt["time_intervals"]) == len(bt["data"][0]["metrics"][0])


def test_analytics_off(tmp_path):
    s = Server(tmp_path, extra=["--analytics", "off"]).start()
    try:
        zid = setup_zone(s)
        send_known(s)
        time.sleep(1.0)  # what a recorder would have handed over by now
        assert total(s, zid) == 0
    finally:
        s.stop()
