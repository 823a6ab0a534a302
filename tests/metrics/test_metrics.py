"""GET /metrics counts every answered query exactly, in the Prometheus text format that promtool
and a real Prometheus accept; /healthz and /readyz; the listener's limits under hostile input."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import pytest

from conftest import TOKEN, ZONE, Dnsedge, parse
from harness.dnsedge import DNSEDGE_BIN, Process, free_port, need_dnsedge, serve_argv


def q(name, rdtype):
    return dns.message.make_query(name, rdtype, use_edns=0)


def series(name, **labels):
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def delta(before, after, key):
    return after.get(key, 0.0) - before.get(key, 0.0)


def send_known_set(port):
    """3 A NOERROR, 2 A NXDOMAIN, 1 unknown type (TYPE65280, NOERROR) over UDP; 1 A over TCP."""
    for _ in range(3):
        r = dns.query.udp(q("example.com.", "A"), "127.0.0.1", port=port, timeout=5)
        assert r.rcode() == dns.rcode.NOERROR
    for _ in range(2):
        r = dns.query.udp(q("nothing.example.com.", "A"), "127.0.0.1", port=port, timeout=5)
        assert r.rcode() == dns.rcode.NXDOMAIN
    r = dns.query.udp(q("example.com.", "TYPE65280"), "127.0.0.1", port=port, timeout=5)
    assert r.rcode() == dns.rcode.NOERROR
    r = dns.query.tcp(q("example.com.", "A"), "127.0.0.1", port=port, timeout=5)
    assert r.rcode() == dns.rcode.NOERROR


EXPECTED = {
    series("dnsedge_dns_queries_total", transport="udp", qtype="A", rcode="NOERROR"): 3,
    series("dnsedge_dns_queries_total", transport="udp", qtype="A", rcode="NXDOMAIN"): 2,
    series("dnsedge_dns_queries_total", transport="udp", qtype="other", rcode="NOERROR"): 1,
    series("dnsedge_dns_queries_total", transport="tcp", qtype="A", rcode="NOERROR"): 1,
    series("dnsedge_dns_response_size_bytes_count", transport="udp"): 6,
    series("dnsedge_dns_response_size_bytes_count", transport="tcp"): 1,
    series("dnsedge_dns_tc_total", transport="udp"): 0,
    series("dnsedge_dns_dropped_total", transport="udp", reason="unanswerable"): 0,
}


def test_known_queries_give_exact_counter_deltas(server):
    before = parse(server.scrape())
    send_known_set(server.dns_port)
    after = parse(server.scrape())
    for key, want in EXPECTED.items():
        assert delta(before, after, key) == want, key
    # Nothing else moved in the query counters.
    moved = {k for k in after if k.startswith("dnsedge_dns_queries_total") and delta(before, after, k)}
    assert moved == {k for k, v in EXPECTED.items() if k.startswith("dnsedge_dns_queries_total")}
    size = series("dnsedge_dns_response_size_bytes_sum", transport="udp")
    assert delta(before, after, size) > 6 * 12
    assert after["dnsedge_zones"] == 1
    assert after["dnsedge_ready"] == 1
    assert after["dnsedge_process_resident_memory_bytes"] > 0
    assert after["dnsedge_process_open_fds"] > 0
    assert any(k.startswith("dnsedge_build_info{version=") for k in after)


def test_transfers_are_counted_apart_from_queries(server):
    """An AXFR goes to the transfer module (dnsedge_dns_xfr_requests_total); a NOTIFY to a server
    without secondary zones is the answer engine's NOTIMP (dnsedge_dns_queries_total)."""
    before = parse(server.scrape())
    axfr = dns.message.make_query("example.com.", "AXFR")
    r = dns.query.tcp(axfr, "127.0.0.1", port=server.dns_port, timeout=5)
    assert r.rcode() == dns.rcode.REFUSED  # no outgoing transfers configured
    notify = dns.message.make_query("example.com.", "SOA")
    notify.set_opcode(dns.opcode.NOTIFY)
    notify.flags |= dns.flags.AA
    r = dns.query.udp(notify, "127.0.0.1", port=server.dns_port, timeout=5)
    assert r.rcode() == dns.rcode.NOTIMP
    key_t = series("dnsedge_dns_xfr_requests_total", transport="tcp", kind="transfer")
    key_q = series("dnsedge_dns_queries_total", transport="udp", qtype="SOA", rcode="NOTIMP")
    deadline = time.monotonic() + 5
    after = parse(server.scrape())
    while delta(before, after, key_t) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
        after = parse(server.scrape())
    assert delta(before, after, key_t) == 1
    assert delta(before, after, key_q) == 1
    moved = [k for k in after if k.startswith("dnsedge_dns_queries_total") and delta(before, after, k)]
    assert moved == [key_q], "the transfer request is not in the query counters"
    notify_key = series("dnsedge_dns_xfr_requests_total", transport="udp", kind="notify")
    assert delta(before, after, notify_key) == 0


def test_a_dropped_query_is_counted(server):
    before = parse(server.scrape())
    # A response (QR set) is dropped by the answer engine.
    m = q("example.com.", "A")
    m.flags |= 0x8000
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(m.to_wire(), ("127.0.0.1", server.dns_port))
    s.close()
    key = series("dnsedge_dns_dropped_total", transport="udp", reason="unanswerable")
    deadline = time.monotonic() + 5
    while delta(before, parse(server.scrape()), key) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert delta(before, parse(server.scrape()), key) == 1


def test_api_requests_are_counted_by_route_pattern(server):
    before = parse(server.scrape())
    zones = urllib.request.Request(f"http://127.0.0.1:{server.api_port}/client/v4/zones",
                                   headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(zones, timeout=5) as r:
        assert r.status == 200
    missing = urllib.request.Request(
        f"http://127.0.0.1:{server.api_port}/client/v4/zones/{'0' * 32}/dns_records/{'1' * 32}",
        headers={"Authorization": f"Bearer {TOKEN}"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(missing, timeout=5)
    text = server.scrape()
    after = parse(text)
    assert delta(before, after, series("dnsedge_api_requests_total", method="GET", route="/zones", code="200")) == 1
    hits = [k for k in after if k.startswith("dnsedge_api_requests_total")
            and 'route="/zones/{zone_id}/dns_records/{record_id}"' in k and delta(before, after, k) == 1]
    assert len(hits) == 1, hits
    assert "0" * 32 not in text, "the raw path is never a label"
    assert series("dnsedge_api_request_duration_seconds_count", method="GET", route="/zones") in after


def test_promtool_accepts_the_exposition(server):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (Debian package prometheus; make deps)")
    send_known_set(server.dns_port)
    urllib.request.urlopen(urllib.request.Request(
        f"http://127.0.0.1:{server.api_port}/client/v4/zones",
        headers={"Authorization": f"Bearer {TOKEN}"}), timeout=5).read()
    text = server.scrape()
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "" and r.stderr.strip() == "", r.stdout + r.stderr


def test_health_ready_and_other_paths(server):
    assert server.get("/healthz") == (200, "ok\n")
    assert server.get("/readyz") == (200, "ready\n")
    assert server.get("/readyz", method="HEAD")[0] == 200
    assert server.get("/metrics?x=1")[0] == 200
    assert server.get("/")[0] == 404
    assert server.get("/client/v4/zones")[0] == 404
    assert server.get("/metrics/../etc/passwd")[0] == 404
    assert server.get("/metrics", method="POST")[0] == 405
    assert server.get("/metrics", method="DELETE")[0] == 405
    assert server.get("/healthz", method="PUT")[0] == 405


def test_metrics_never_expose_zone_contents_or_tokens(server):
    send_known_set(server.dns_port)
    text = server.scrape()
    assert TOKEN not in text
    for data in ("192.0.2.1", "example.com", "hostmaster", "v=spf1"):
        assert data not in text


def raw(port, data, timeout=5):
    """Sends `data` on a fresh connection; returns what comes back until the server closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return got
            got += chunk
    except (ConnectionResetError, BrokenPipeError):
        return b""
    finally:
        s.close()


def test_hostile_requests_get_a_specific_error_and_change_nothing(server):
    port = server.metrics_port
    huge = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 100_000 + b"\r\n\r\n"
    assert raw(port, huge).startswith(b"HTTP/1.1 431")
    body = b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    assert raw(port, body).startswith(b"HTTP/1.1 413")
    assert raw(port, b"NOT-HTTP\r\n\r\n").startswith(b"HTTP/1.1 400")
    long_path = b"GET /" + b"m" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert raw(port, long_path).startswith(b"HTTP/1.1 431")
    assert server.get("/healthz") == (200, "ok\n")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_a_slow_connection_flood_is_bounded(server):
    """Slowloris: many connections that send part of a head and wait. The server holds at most
    its limit (32) of them; the rest are closed at once; after they go, scrapes work again."""
    base = open_fds(server.proc.pid)
    held = []
    try:
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", server.metrics_port), timeout=5)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            held.append(s)
        time.sleep(0.5)
        assert open_fds(server.proc.pid) <= base + 32 + 4
        assert server.running()
    finally:
        for s in held:
            s.close()
    deadline = time.monotonic() + 5
    while server.get("/healthz")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.get("/healthz") == (200, "ok\n")


def test_a_taken_metrics_port_fails_the_start(tmp_path):
    """A metrics port that is already taken fails the start with a clear error."""
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    srv = Dnsedge(tmp_path)
    srv.dns_port = free_port()
    try:
        srv.spawn(serve_argv(data=tmp_path / "data", dns_listen=[f"127.0.0.1:{srv.dns_port}"],
                             api_listen="127.0.0.1:0", zone_files=[ZONE],
                             extra=["--no-edge-proxy", "--metrics-listen", f"127.0.0.1:{port}"]))
        assert srv.proc.wait(20) != 0
        assert "metrics: cannot listen on" in srv.log_text()
    finally:
        srv.kill()
        blocker.close()


def test_bad_metrics_listen_is_a_usage_error(tmp_path):
    need_dnsedge()
    r = subprocess.run([DNSEDGE_BIN, "serve", "--data", str(tmp_path / "d"), "--metrics-listen", "nowhere"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0
    assert "--metrics-listen nowhere" in r.stderr + r.stdout


class Prometheus(Process):
    name = "prometheus"


def test_a_real_prometheus_scrapes_the_counters(server, tmp_path):
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("prometheus not installed (Debian package prometheus; make deps)")
    send_known_set(server.dns_port)
    want = parse(server.scrape())[series("dnsedge_dns_queries_total", transport="udp", qtype="A", rcode="NXDOMAIN")]
    assert want == 2
    web = free_port()
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                   "scrape_configs:\n  - job_name: dnsedge\n    static_configs:\n"
                   f"      - targets: ['127.0.0.1:{server.metrics_port}']\n")
    prom = Prometheus(tmp_path)
    prom.spawn([binary, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{web}", "--log.level=warn"])
    try:
        query = 'dnsedge_dns_queries_total{transport="udp",qtype="A",rcode="NXDOMAIN",job="dnsedge"}'
        url = f"http://127.0.0.1:{web}/api/v1/query?" + urllib.parse.urlencode({"query": query})
        got = []

        def scraped():
            nonlocal got
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    got = json.load(r)["data"]["result"]
            except OSError:
                return False
            return bool(got)

        prom.wait_until(scraped, "scraped dnsedge (query API has the counter)", timeout=60)
        assert float(got[0]["value"][1]) == want
    finally:
        prom.stop()


def test_metrics_listen_from_the_config_file(tmp_path):
    need_dnsedge()
    srv = Dnsedge(tmp_path)
    srv.dns_port, srv.metrics_port = free_port(), free_port()
    cfg = tmp_path / "dnsedge.toml"
    cfg.write_text(f'metrics_listen = "127.0.0.1:{srv.metrics_port}"\n')
    try:
        srv.spawn(serve_argv(data=tmp_path / "data", dns_listen=[f"127.0.0.1:{srv.dns_port}"],
                             api_listen="127.0.0.1:0", zone_files=[ZONE],
                             extra=["--no-edge-proxy", "--config", str(cfg)]))
        srv.wait_until(lambda: srv.get("/readyz")[0] == 200, "ready (GET /readyz 200)")
        assert srv.get("/healthz") == (200, "ok\n")
    finally:
        srv.stop()
    cfg.write_text("metrics_listen = 9153\n")
    r = subprocess.run([DNSEDGE_BIN, "serve", "--data", str(tmp_path / "d"), "--config", str(cfg)],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert "'metrics_listen' must be a string" in r.stderr + r.stdout
