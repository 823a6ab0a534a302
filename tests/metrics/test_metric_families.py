"""The metric families beyond the query counters (docs/observability.md): answers by kind,
latency, busiest zones, zone transfers and NOTIFY, secondary freshness, store writes, the edge;
their label sets stay bounded under hostile traffic."""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.request

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from conftest import TOKEN, ZONE, Dnsedge, parse
from harness.dnsedge import free_port

EDGE = "127.0.0.21"

KINDS_ZONE = """$ORIGIN example.com.
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
@ MX 10 www
www A 127.0.0.34 ; cf_tags=cf-proxied:true
flat CNAME plain ; cf_tags=cf-flatten-cname
plain A 192.0.2.1
"""


def series(name, **labels):
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def delta(before, after, key):
    return after.get(key, 0.0) - before.get(key, 0.0)


def ask(port, name, rdtype="A", tcp=False):
    m = dns.message.make_query(name, rdtype)
    return (dns.query.tcp if tcp else dns.query.udp)(m, "127.0.0.1", port=port, timeout=5)


def api(srv, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{srv.api_port}/client/v4{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def answers(text):
    return {k: v for k, v in parse(text).items() if k.startswith("dnsedge_dns_answers_total")}


@pytest.fixture
def kinds(tmp_path):
    zone = tmp_path / "example.com.zone"
    zone.write_text(KINDS_ZONE)
    http_port = free_port(EDGE)
    srv = Dnsedge(tmp_path, zone=zone)
    srv.start(extra=["--edge-ipv4", EDGE, "--edge-http-ports", str(http_port), "--edge-https-ports", str(free_port(EDGE)),
                     "--metrics-zone-names", "--rrl-rate", "0"], proxy=True)
    srv.http_port = http_port
    yield srv
    srv.stop()


def test_answers_are_counted_by_kind(kinds):
    port = kinds.dns_port
    before = parse(kinds.scrape())
    mx = ask(port, "example.com.", "MX")
    dc = mx.answer[0][0].exchange.to_text()
    assert dc.startswith("dc-"), mx
    assert ask(port, "plain.example.com.").rcode() == dns.rcode.NOERROR
    assert ask(port, "www.example.com.").answer[0][0].address == EDGE
    assert ask(port, "flat.example.com.").answer[0][0].address == "192.0.2.1"
    assert ask(port, dc).answer[0][0].address == "127.0.0.34"
    assert ask(port, "www.example.com.", tcp=True).answer[0][0].address == EDGE
    after = parse(kinds.scrape())
    want = {"static": 2, "proxied": 2, "flattened": 1, "dc_record": 1, "stale": 0, "servfail": 0}
    for kind, n in want.items():
        assert delta(before, after, series("dnsedge_dns_answers_total", kind=kind)) == n, kind
    # Every answer is also in the latency histogram of its transport.
    assert delta(before, after, series("dnsedge_dns_request_duration_seconds_count", transport="udp")) == 5
    assert delta(before, after, series("dnsedge_dns_request_duration_seconds_count", transport="tcp")) == 1
    assert delta(before, after, series("dnsedge_dns_zone_queries_total", zone="example.com.")) == 6


def test_zone_names_only_when_asked(server):
    """Without --metrics-zone-names every zone's queries count as zone="other": no zone name."""
    before = parse(server.scrape())
    for _ in range(3):
        ask(server.dns_port, "example.com.", "SOA")
    text = server.scrape()
    after = parse(text)
    zones = [k for k in after if k.startswith("dnsedge_dns_zone_queries_total")]
    assert zones == [series("dnsedge_dns_zone_queries_total", zone="other")]
    assert delta(before, after, zones[0]) == 3
    assert "example.com" not in text


def test_api_zone_kinds_survive_a_patch(kinds):
    """Store zones are patched name by name: the kind of a name is kept (and changed) by a patch."""
    zid = api(kinds, "POST", "/zones", {"name": "kinds.test"})["result"]["id"]
    api(kinds, "POST", f"/zones/{zid}/dns_records",
        {"type": "A", "name": "web.kinds.test", "content": "198.51.100.35", "proxied": True})
    rec = api(kinds, "POST", f"/zones/{zid}/dns_records",
              {"type": "A", "name": "other.kinds.test", "content": "192.0.2.9"})["result"]
    deadline = time.monotonic() + 10
    while ask(kinds.dns_port, "other.kinds.test.").rcode() != dns.rcode.NOERROR and time.monotonic() < deadline:
        time.sleep(0.05)
    before = parse(kinds.scrape())
    ask(kinds.dns_port, "web.kinds.test.")
    ask(kinds.dns_port, "other.kinds.test.")
    # A patch elsewhere in the zone, then the same names again; then `other` becomes proxied.
    api(kinds, "POST", f"/zones/{zid}/dns_records", {"type": "TXT", "name": "txt.kinds.test", "content": "x"})
    api(kinds, "PATCH", f"/zones/{zid}/dns_records/{rec['id']}", {"proxied": True})
    deadline = time.monotonic() + 10
    while ask(kinds.dns_port, "other.kinds.test.").answer[0][0].address != EDGE and time.monotonic() < deadline:
        time.sleep(0.05)
    mid = parse(kinds.scrape())
    ask(kinds.dns_port, "web.kinds.test.")
    ask(kinds.dns_port, "other.kinds.test.")
    after = parse(kinds.scrape())
    assert delta(mid, after, series("dnsedge_dns_answers_total", kind="proxied")) == 2
    assert delta(before, mid, series("dnsedge_dns_answers_total", kind="proxied")) >= 1
    assert delta(mid, after, series("dnsedge_dns_answers_total", kind="static")) == 0


def test_edge_connections_requests_bytes_and_origin_errors(kinds):
    before = parse(kinds.scrape())
    s = socket.create_connection((EDGE, kinds.http_port), timeout=5)
    req = b"GET / HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n"
    s.sendall(req)
    reply = b""
    while chunk := s.recv(4096):
        reply += chunk
    s.close()
    assert reply.startswith(b"HTTP/1.1 5"), reply[:80]  # nothing listens at the origin 127.0.0.34
    after = parse(kinds.scrape())
    assert delta(before, after, series("dnsedge_edge_connections_total", protocol="http")) == 1
    assert delta(before, after, "dnsedge_edge_requests_total") == 1
    assert delta(before, after, series("dnsedge_edge_bytes_total", direction="from_client")) == len(req)
    errors = sum(delta(before, after, k) for k in after if k.startswith("dnsedge_edge_origin_errors_total"))
    assert errors == 1
    assert delta(before, after, series("dnsedge_edge_origin_errors_total", kind="refused")) == 1


def test_store_writes_are_timed(kinds):
    before = parse(kinds.scrape())
    api(kinds, "POST", "/zones", {"name": "timed.test"})
    after = parse(kinds.scrape())
    assert delta(before, after, "dnsedge_store_write_duration_seconds_count") >= 1
    assert delta(before, after, "dnsedge_store_write_duration_seconds_sum") > 0


def test_label_cardinality_stays_bounded(kinds):
    """10k random names in 200 zones: the exposition's series count does not grow with names or
    zones (busiest zones: at most 20 plus "other"); no queried name appears in it."""
    for i in range(200):
        api(kinds, "POST", "/zones", {"name": f"z{i}.card.test"})
    first = kinds.scrape()
    rnd = random.Random(16)
    names = [f"r{rnd.getrandbits(40):x}.z{rnd.randrange(200)}.card.test." for _ in range(10000)]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    for i in range(0, len(names), 100):  # 100 in flight at a time, every answer read
        for n in names[i:i + 100]:
            s.sendto(dns.message.make_query(n, rnd.choice(["A", "AAAA", "TXT", "TYPE999"])).to_wire(),
                     ("127.0.0.1", kinds.dns_port))
        for _ in names[i:i + 100]:
            s.recv(4096)
    s.close()
    text = kinds.scrape()
    assert len(parse(text)) <= len(parse(first)) + 40, "series grow with names"
    zones = [k for k in parse(text) if k.startswith("dnsedge_dns_zone_queries_total")]
    assert 2 <= len(zones) <= 21, zones
    assert sum(parse(text)[k] for k in zones) >= 10000
    for n in rnd.sample(names, 200):
        assert n.split(".")[0] not in text
    assert TOKEN not in text


# --- zone transfers, NOTIFY, secondary freshness: a primary and a secondary dnsedge ---------


@pytest.fixture
def pair(tmp_path):
    zone = ZONE  # no proxied record: without the edge, a loopback origin is prohibited
    (tmp_path / "p").mkdir()
    (tmp_path / "s").mkdir()
    primary = Dnsedge(tmp_path / "p", zone=zone)
    pcfg = tmp_path / "p.toml"
    pcfg.write_text('[[xfr.outgoing]]\nzone = "example.com"\n'
                    'allow = [{ prefix = "127.0.0.0/8" }]\n')
    primary.start(extra=["--config", str(pcfg)])
    secondary = Dnsedge(tmp_path / "s", zone=None)
    scfg = tmp_path / "s.toml"
    scfg.write_text('[[xfr.incoming]]\nzone = "example.com"\n'
                    f'primaries = [{{ name = "p", ip = "127.0.0.1", port = {primary.dns_port} }}]\n')
    secondary.start(extra=["--config", str(scfg)])
    yield primary, secondary
    secondary.stop()
    primary.stop()


def test_transfers_notify_and_secondary_freshness(pair):
    primary, secondary = pair
    key = series("dnsedge_secondary_seconds_since_refresh", zone="example.com.")
    deadline = time.monotonic() + 15
    while key not in parse(secondary.scrape()) and time.monotonic() < deadline:
        time.sleep(0.1)
    s = parse(secondary.scrape())
    assert 0 <= s[key] < 60
    assert s[series("dnsedge_secondary_expired", zone="example.com.")] == 0
    assert s[series("dnsedge_xfr_transfers_total", direction="in", result="success")] == 1
    p = parse(primary.scrape())
    assert p[series("dnsedge_xfr_transfers_total", direction="out", result="success")] == 1
    # NOTIFY in: one for a zone that is not a secondary zone here (refused).
    before = parse(secondary.scrape())
    n = dns.message.make_query("example.org.", "SOA")
    n.set_opcode(dns.opcode.NOTIFY)
    n.flags |= dns.flags.AA
    r = dns.query.udp(n, "127.0.0.1", port=secondary.dns_port, timeout=5)
    assert r.rcode() == dns.rcode.NOTAUTH
    after = parse(secondary.scrape())
    assert delta(before, after, series("dnsedge_xfr_notify_total", direction="in", result="failure")) == 1
    # AXFR refused by the secondary (no outgoing transfers there).
    before = after
    with pytest.raises(Exception):
        dns.query.xfr("127.0.0.1", "example.com.", port=secondary.dns_port, timeout=5).__next__()
    after = parse(secondary.scrape())
    assert delta(before, after, series("dnsedge_xfr_transfers_total", direction="out", result="failure")) == 1
