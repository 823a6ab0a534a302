"""The dnsedge process: listeners, signals (SIGHUP reload, SIGTERM/SIGINT stop), flags and the
TOML config file, bad invocations (exit 2).

`--config FILE` (TOML) takes the same settings as the flags:
    data       = "/path/to/data"                       # --data
    dns_listen = ["127.0.0.1:5353", "[::1]:5353"]      # --dns-listen (repeatable)
    zone_files = ["/path/example.com.zone"]            # --zone-file (repeatable)
    threads    = 2                                     # --threads
"""

import signal
import socket
import subprocess
import threading
import time

import dns.exception
import dns.rcode
import pytest

from conftest import DNSEDGE_BIN, ZONES, Dnsedge, free_port, make_query, need_dnsedge

pytestmark = pytest.mark.dnsedge_only

ZONE_V1 = """$ORIGIN reload.test.
$TTL 300
@       IN SOA  ns1 hostmaster {serial} 7200 3600 1209600 300
@       IN NS   ns1
ns1     IN A    192.0.2.53
www     IN A    {addr}
{extra}
"""


def write_zone(path, serial, addr, extra=""):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(ZONE_V1.format(serial=serial, addr=addr, extra=extra))
    tmp.replace(path)


def www_addr(srv):
    r = srv.ask("www.reload.test", "A")
    assert r.rcode() == dns.rcode.NOERROR, r
    return r.answer[0][0].address


def wait_for(pred, timeout=10.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


@pytest.fixture
def reload_zone(tmp_path):
    z = tmp_path / "reload.test.zone"
    write_zone(z, 1, "192.0.2.1")
    return z


def test_logs_where_it_listens(tmp_path, procs):
    srv = Dnsedge(tmp_path, [ZONES / "example.com.zone"])
    procs.append(srv)
    srv.start("example.com.")
    assert wait_for(lambda: f"127.0.0.1:{srv.port}" in srv.log_text() or
                    str(srv.port) in srv.log_text(), 3), srv.log_tail()
    # UDP and TCP on the same address
    assert srv.ask("example.com", "SOA").rcode() == dns.rcode.NOERROR
    assert srv.ask("example.com", "SOA", tcp=True).rcode() == dns.rcode.NOERROR


def test_several_zones_and_origin_from_file_name(tmp_path, procs):
    z = tmp_path / "example.org.zone"  # no $ORIGIN, relative owners: origin from the file name
    z.write_text("$TTL 60\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n"
                 "ns1 IN A 192.0.2.53\nwww IN A 192.0.2.99\n")
    srv = Dnsedge(tmp_path, [ZONES / "example.com.zone", ZONES / "example.net.zone",
                             ZONES / "sub2.example.com.zone", z])
    procs.append(srv)
    srv.start("example.com.")
    assert srv.ask("www.example.org", "A").answer[0][0].address == "192.0.2.99"
    assert srv.ask("www.example.net", "A").answer[0][0].address == "198.51.100.80"
    assert srv.ask("www.sub2.example.com", "A").answer[0][0].address == "192.0.2.201"
    assert srv.ask("example.org", "SOA").rcode() == dns.rcode.NOERROR
    assert srv.ask("example.edu", "SOA").rcode() == dns.rcode.REFUSED


def test_sighup_reload_picks_up_changes(tmp_path, procs, reload_zone):
    srv = Dnsedge(tmp_path, [reload_zone])
    procs.append(srv)
    srv.start("reload.test.")
    assert www_addr(srv) == "192.0.2.1"
    write_zone(reload_zone, 2, "192.0.2.2", "new IN TXT \"added\"")
    srv.send_signal(signal.SIGHUP)
    assert wait_for(lambda: www_addr(srv) == "192.0.2.2"), srv.log_tail()
    r = srv.ask("new.reload.test", "TXT")
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    assert srv.ask("reload.test", "SOA").answer[0][0].serial == 2


def test_sighup_with_broken_file_keeps_old_zone(tmp_path, procs, reload_zone):
    srv = Dnsedge(tmp_path, [reload_zone])
    procs.append(srv)
    srv.start("reload.test.")
    # line 7 of the new file is bad
    write_zone(reload_zone, 2, "192.0.2.2", "broken IN A 192.0.2.999")
    srv.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "reload.test.zone:7:" in srv.log_text()), (
        "reload failure not logged as file:line:\n" + srv.log_tail())
    assert www_addr(srv) == "192.0.2.1"
    assert srv.ask("reload.test", "SOA").answer[0][0].serial == 1
    assert srv.proc.poll() is None
    # fixed: the next SIGHUP loads it
    write_zone(reload_zone, 3, "192.0.2.3")
    srv.send_signal(signal.SIGHUP)
    assert wait_for(lambda: www_addr(srv) == "192.0.2.3"), srv.log_tail()


def test_reload_drops_no_query(tmp_path, procs, reload_zone):
    srv = Dnsedge(tmp_path, [reload_zone])
    procs.append(srv)
    srv.start("reload.test.")
    stop = threading.Event()
    failures, answers = [], []

    def hammer(tcp):
        while not stop.is_set():
            try:
                r = srv.tcp(make_query("www.reload.test", "A")) if tcp else \
                    srv.udp(make_query("www.reload.test", "A"), timeout=1.0)
                if r.rcode() != dns.rcode.NOERROR or not r.answer:
                    failures.append(f"bad answer: {r}")
                else:
                    answers.append(r.answer[0][0].address)
            except (dns.exception.DNSException, OSError) as e:
                failures.append(f"{'tcp' if tcp else 'udp'}: {e!r}")

    threads = [threading.Thread(target=hammer, args=(t,)) for t in (False, False, True)]
    for t in threads:
        t.start()
    try:
        for i in range(10):
            write_zone(reload_zone, 10 + i, f"192.0.2.{10 + i}")
            srv.send_signal(signal.SIGHUP)
            time.sleep(0.15)
    finally:
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
    assert not failures, f"{len(failures)} queries failed during reloads: {failures[:5]}"
    assert len(answers) > 50
    assert wait_for(lambda: www_addr(srv) == "192.0.2.19")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signals_exit_0(tmp_path, sig):
    srv = Dnsedge(tmp_path, [ZONES / "example.com.zone"])
    try:
        srv.start("example.com.")
        # an open idle TCP connection must not hold the shutdown up
        s = socket.create_connection((srv.host, srv.port))
        t0 = time.monotonic()
        rc = srv.stop(sig, timeout=10)
        s.close()
        assert rc == 0, srv.log_tail()
        assert time.monotonic() - t0 < 10
    finally:
        srv.kill()


def test_ipv6_listener(tmp_path, procs):
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::1", 0))
        s.close()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    p6 = free_port("::1")
    p4 = free_port()
    srv = Dnsedge(tmp_path, [ZONES / "example.com.zone"],
                  listen=[f"[::1]:{p6}", f"127.0.0.1:{p4}"])
    srv.host, srv.port = "::1", p6
    procs.append(srv)
    srv.start("example.com.")
    assert srv.ask("www.example.com", "A").rcode() == dns.rcode.NOERROR
    assert srv.ask("www.example.com", "A", tcp=True).rcode() == dns.rcode.NOERROR
    srv.host, srv.port = "127.0.0.1", p4
    assert srv.ask("www.example.com", "A").rcode() == dns.rcode.NOERROR


def test_config_file(tmp_path, procs):
    port = free_port()
    data = tmp_path / "cfgdata"
    data.mkdir()
    cfg = tmp_path / "dnsedge.toml"
    cfg.write_text(
        "# the same settings as the flags\n"
        f'data = "{data}"\n'
        f'dns_listen = ["127.0.0.1:{port}"]\n'
        f'zone_files = ["{ZONES / "example.com.zone"}", "{ZONES / "example.net.zone"}"]\n'
        "threads = 2\n"
        'api_listen = "127.0.0.1:0"\n')
    srv = Dnsedge(tmp_path, [], listen=[], threads=2)
    srv.port = port
    srv.argv_for = lambda: [DNSEDGE_BIN, "serve", "--config", str(cfg), "--no-edge-proxy"]
    procs.append(srv)
    srv.start("example.com.")
    assert srv.ask("www.example.net", "A").rcode() == dns.rcode.NOERROR
    assert srv.ask("www.example.com", "A", tcp=True).rcode() == dns.rcode.NOERROR


def run_bad(tmp_path, args, timeout=15):
    need_dnsedge()
    data = tmp_path / "baddata"
    data.mkdir(exist_ok=True)
    argv = [DNSEDGE_BIN, "serve", "--data", str(data), "--no-edge-proxy", "--api-listen", "127.0.0.1:0"] + args
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{argv} did not exit within {timeout}s (it should refuse to start)")
    return p


def _good_zone():
    return ["--zone-file", str(ZONES / "example.com.zone")]


@pytest.mark.parametrize("args,mention", [
    (["--dns-listen", "nonsense"], "nonsense"),
    (["--dns-listen", "127.0.0.1:99999"], "99999"),
    (["--threads", "0"], "threads"),
    (["--threads", "many"], "threads"),
    (["--zone-file", "/nonexistent/dir/missing.zone"], "missing.zone"),
    (["--bogus-flag"], "bogus"),
])
def test_bad_flags_exit_2(tmp_path, args, mention):
    port = free_port()
    base = ["--dns-listen", f"127.0.0.1:{port}"] if "--dns-listen" not in args else []
    zones = _good_zone() if "--zone-file" not in args else []
    p = run_bad(tmp_path, base + zones + args)
    out = p.stdout + p.stderr
    assert p.returncode == 2, f"exit {p.returncode}, want 2:\n{out}"
    assert mention.lower() in out.lower(), f"message does not mention {mention!r}:\n{out}"


@pytest.mark.parametrize("content,mention", [
    ("threads = [unclosed\n", "toml"),
    ('threads = "two"\n', "threads"),
    ("threads = 0\n", "threads"),
    ('dns_listen = ["nonsense"]\n', "nonsense"),
])
def test_bad_config_exit_2(tmp_path, content, mention):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(content)
    p = run_bad(tmp_path, ["--config", str(cfg)] + _good_zone()
                + ["--dns-listen", f"127.0.0.1:{free_port()}"] * ("dns_listen" not in content))
    out = p.stdout + p.stderr
    assert p.returncode == 2, f"exit {p.returncode}, want 2:\n{out}"
    assert mention.lower() in out.lower() or "bad.toml" in out, out


def test_missing_config_file_exit_2(tmp_path):
    p = run_bad(tmp_path, ["--config", str(tmp_path / "nope.toml")] + _good_zone())
    assert p.returncode == 2 and "nope.toml" in p.stdout + p.stderr


def test_broken_zone_at_startup(tmp_path):
    """A zone file that does not load stops the start (no half-served zones), naming file:line."""
    z = tmp_path / "broken.test.zone"
    z.write_text("$ORIGIN broken.test.\n$TTL 60\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\n"
                 "ns1 IN A 300.1.1.1\n")
    p = run_bad(tmp_path, ["--dns-listen", f"127.0.0.1:{free_port()}", "--zone-file", str(z)])
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "broken.test.zone:5:" in out, out
