"""Spectrum apps through the REST API (issue 6 §4–5): `/zones/{id}/spectrum/apps` CRUD with
Cloudflare's app object, bad input (400 with a code and a clear message, nothing changes),
the app's name answering its edge address over dnsedge's own DNS, the edge carrying a tcp/25
app with PROXY protocol v1 to a real mail server (swaks → edge → aiosmtpd, which sees the
client's real address), deletion closing the listener, and persistence across a restart (same
address).

Everything is loopback; the apps take addresses from a 127.0.0.x pool.
"""

from __future__ import annotations

import json
import os
import re
import socket
import urllib.error
import urllib.request

import dns.message
import dns.query
import dns.rdatatype
import pytest

from conftest import (CLIENT, EDGE, ORIGIN2, Dnsedge, free_port, need, refused, wait_port, zone_text)

TOKEN = "spectrum-test-token-0123456789"
ZONE_NAME = "apps.test"
POOL_API = "127.0.0.112/29"  # 8 addresses, apart from the pools of the other edge tests


def start(workdir, ports, pool=POOL_API, extra=()):
    if not os.path.exists(os.environ.get("DNSEDGE_BIN", "/work/main/build/dnsedge")):
        pytest.skip("dnsedge binary not found")
    d = Dnsedge(workdir, zone_text(), http_port=ports[0], https_port=ports[1],
                extra=["--spectrum-pool", pool, "--api-token", TOKEN, *extra])
    d.api = d.wait_log(r"api: listening on http://(\S+)/client/v4").group(1)
    return d


def call(d, method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(f"http://{d.api}/client/v4{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def ask(d, name, qtype):
    q = dns.message.make_query(name, qtype)
    r = dns.query.udp(q, "127.0.0.1", port=d.dns_port, timeout=3)
    return [rd for rrset in r.answer for rd in rrset if rrset.rdtype == dns.rdatatype.from_text(qtype)]


def make_zone(d, name=ZONE_NAME):
    st, body = call(d, "POST", "/zones", {"name": name})
    assert st == 200, body
    return body["result"]["id"]


def app_body(port, name=f"smtp.{ZONE_NAME}", origin=None, **kw):
    b = {"protocol": f"tcp/{port}", "dns": {"type": "ADDRESS", "name": name},
         "origin_direct": [origin or f"tcp://{ORIGIN2}:{port}"], "proxy_protocol": "off"}
    b.update(kw)
    return b


def smtp_port() -> int:
    from test_mail import smtp_port as mail_port
    return mail_port()


@pytest.fixture(scope="module")
def api_edge(tmp_path_factory, ports):
    d = start(tmp_path_factory.mktemp("spectrum-api"), ports)
    d.zone_id = make_zone(d)
    yield d
    d.stop()


def apps_of(d):
    st, body = call(d, "GET", f"/zones/{d.zone_id}/spectrum/apps")
    assert st == 200, body
    return body["result"]


# --------------------------------------------------------------------------------------------
# CRUD and the object's shape


def test_create_get_list_put_delete(api_edge):
    d = api_edge
    port = free_port("127.0.0.112", "127.0.0.113", ORIGIN2)
    st, body = call(d, "POST", f"/zones/{d.zone_id}/spectrum/apps", app_body(port, name="game.apps.test"))
    assert st == 200 and body["success"], body
    app = body["result"]
    assert re.fullmatch(r"[0-9a-f]{32}", app["id"])
    assert app["protocol"] == f"tcp/{port}"
    assert app["dns"] == {"type": "ADDRESS", "name": "game.apps.test"}
    assert app["origin_direct"] == [f"tcp://{ORIGIN2}:{port}"]
    assert app["proxy_protocol"] == "off" and app["ip_firewall"] is False
    assert app["tls"] == "off" and app["traffic_type"] == "direct"
    assert app["edge_ips"]["type"] == "static" and len(app["edge_ips"]["ips"]) == 1
    ip = app["edge_ips"]["ips"][0]
    assert ip.startswith("127.0.0.") and 112 <= int(ip.rsplit(".", 1)[1]) < 120  # from --spectrum-pool
    assert app["created_on"] and app["modified_on"]

    # The listener is open as soon as the API answered (the edge applies each publish first).
    socket.create_connection((ip, port), timeout=2).close()
    # The name answers the address, over DNS.
    assert [rd.address for rd in ask(d, "game.apps.test.", "A")] == [ip]

    st, one = call(d, "GET", f"/zones/{d.zone_id}/spectrum/apps/{app['id']}")
    assert st == 200 and one["result"] == app
    assert [a["id"] for a in apps_of(d)] == [app["id"]]

    # PUT replaces: origin_dns + origin_port, PROXY v2; the address stays.
    put = {"protocol": f"tcp/{port}", "dns": {"type": "CNAME", "name": "game.apps.test"},
           "origin_dns": {"name": "origin.apps.test"}, "origin_port": port, "proxy_protocol": "v2",
           "ip_firewall": True}
    st, body = call(d, "PUT", f"/zones/{d.zone_id}/spectrum/apps/{app['id']}", put)
    assert st == 200, body
    new = body["result"]
    assert new["id"] == app["id"] and new["created_on"] == app["created_on"]
    assert "origin_direct" not in new and new["origin_dns"] == {"name": "origin.apps.test"}
    assert new["origin_port"] == port and new["proxy_protocol"] == "v2" and new["ip_firewall"] is True
    assert new["dns"]["type"] == "CNAME" and new["edge_ips"]["ips"] == [ip]
    # A CNAME-type app name answers the address too (docs/edge.md).
    assert [rd.address for rd in ask(d, "game.apps.test.", "A")] == [ip]

    st, body = call(d, "DELETE", f"/zones/{d.zone_id}/spectrum/apps/{app['id']}")
    assert st == 200 and body["result"] == {"id": app["id"]}
    st, body = call(d, "GET", f"/zones/{d.zone_id}/spectrum/apps/{app['id']}")
    assert st == 404 and body["errors"][0]["code"] == 11003
    assert apps_of(d) == []
    # Deleting the app closes its listener and its DNS name.
    assert refused(ip, port)
    assert ask(d, "game.apps.test.", "A") == []


BAD = [
    ({"protocol": "udp/53"}, 11000, "only TCP"),
    ({"protocol": "tcp/0"}, 11000, "ports must be 1-65535"),
    ({"protocol": "tcp/70000"}, 11000, "ports must be 1-65535"),
    ({"protocol": "tcp/2000-1000"}, 11000, "FIRST <= LAST"),
    ({"protocol": "tcp/1000-3000"}, 11000, "at most 1024 ports"),
    ({"protocol": "http/80"}, 11000, "expected tcp/PORT"),
    ({"dns": None}, 11000, "dns is required"),
    ({"dns": {"type": "MX", "name": "x.apps.test"}}, 11000, "dns.type"),
    ({"dns": {"type": "ADDRESS", "name": "smtp.example.org"}}, 11000, "outside the zone"),
    ({"dns": {"type": "ADDRESS", "name": "bad..name.apps.test"}}, 11000, "not a valid host name"),
    ({"origin_direct": ["192.0.2.1:25"]}, 11000, "is not tcp://IP:PORT"),
    ({"origin_direct": ["tcp://192.0.2.300:25"]}, 11000, "is not tcp://IP:PORT"),
    ({"origin_direct": ["tcp://192.0.2.1:0"]}, 11000, "is not tcp://IP:PORT"),
    ({"origin_direct": []}, 11000, "non-empty array"),
    ({"origin_dns": {"name": "o.apps.test"}, "origin_port": 25}, 11000, "either origin_direct"),
    ({"origin_direct": None, "origin_dns": {"name": "o.apps.test"}}, 11000, "needs origin_port"),
    ({"proxy_protocol": "v3"}, 11000, "proxy_protocol"),
    ({"proxy_protocol": "simple"}, 11000, "UDP"),
    ({"ip_firewall": "yes"}, 11000, "ip_firewall"),
    ({"tls": "full"}, 11000, "tls must be"),
    ({"edge_ips": {"type": "static", "ips": ["not-an-ip"]}}, 11000, "not an IP address"),
    ({"edge_ips": {"type": "static", "ips": ["127.0.0.21"]}}, 11000, "edge address of proxied names"),
]


@pytest.mark.parametrize("change,code,message", BAD, ids=[m for _, _, m in BAD])
def test_bad_input_is_refused_and_changes_nothing(api_edge, change, code, message):
    d = api_edge
    before = apps_of(d)
    body = app_body(2525, name="bad.apps.test")
    for k, v in change.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    st, out = call(d, "POST", f"/zones/{d.zone_id}/spectrum/apps", body)
    assert st == 400, out
    assert out["success"] is False and out["result"] is None
    assert out["errors"][0]["code"] == code
    assert message in out["errors"][0]["message"], out["errors"][0]["message"]
    assert apps_of(d) == before
    assert ask(d, "bad.apps.test.", "A") == []


def test_malformed_json_and_unknown_ids(api_edge):
    d = api_edge
    st, out = call(d, "POST", f"/zones/{d.zone_id}/spectrum/apps", raw=b"{not json")
    assert st == 400 and out["errors"][0]["code"] == 6007
    st, out = call(d, "GET", f"/zones/{d.zone_id}/spectrum/apps/{'0' * 32}")
    assert st == 404 and out["errors"][0]["code"] == 11003
    st, out = call(d, "PUT", f"/zones/{d.zone_id}/spectrum/apps/{'0' * 32}", app_body(2525))
    assert st == 404 and out["errors"][0]["code"] == 11003
    st, out = call(d, "DELETE", f"/zones/{d.zone_id}/spectrum/apps/nonsense")
    assert st == 404
    st, out = call(d, "GET", f"/zones/{'f' * 32}/spectrum/apps")
    assert st == 404 and out["errors"][0]["code"] == 7003
    st, out = call(d, "PATCH", f"/zones/{d.zone_id}/spectrum/apps")
    assert st == 405


def test_overlap_and_name_clashes(api_edge):
    d = api_edge
    port = free_port("127.0.0.112", ORIGIN2)
    st, first = call(d, "POST", f"/zones/{d.zone_id}/spectrum/apps",
                     app_body(f"{port}", name="ssh.apps.test"))
    assert st == 200, first
    first = first["result"]
    try:
        # Same name → same address; an overlapping port there is refused.
        st, out = call(d, "POST", f"/zones/{d.zone_id}/spectrum/apps", app_body(port, name="ssh.apps.test"))
        assert st == 400 and out["errors"][0]["code"] == 11001, out
        assert "overlaps Spectrum app " + first["id"] in out["errors"][0]["message"]
        # A range over it, given the same static address, too.
        ip = first["edge_ips"]["ips"][0]
        body = app_body(port, name="other.apps.test")
        body["protocol"] = f"tcp/{port - 1}-{port + 1}"
        body["edge_ips"] = {"type": "static", "ips": [ip]}
        st, out = call(d, "POST", f"/zones/{d.zone_id}/spectrum/apps", body)
        assert st == 400 and out["errors"][0]["code"] == 11001, out
        # A record at the app's name is refused (the app provisions that name's A/AAAA) ...
        st, out = call(d, "POST", f"/zones/{d.zone_id}/dns_records",
                       {"type": "A", "name": "ssh.apps.test", "content": "192.0.2.7", "ttl": 300})
        assert st == 400 and out["errors"][0]["code"] == 81053, out
        assert "Spectrum app" in out["errors"][0]["message"]
        # ... and an app at a record's name too.
        st, out = call(d, "POST", f"/zones/{d.zone_id}/dns_records",
                       {"type": "A", "name": "web.apps.test", "content": "192.0.2.8", "ttl": 300})
        assert st == 200, out
        st, out = call(d, "POST", f"/zones/{d.zone_id}/spectrum/apps", app_body(port + 1, name="web.apps.test"))
        assert st == 400 and out["errors"][0]["code"] == 81053, out
        assert [rd.address for rd in ask(d, "web.apps.test.", "A")] == ["192.0.2.8"]
        # A different port on the same name shares the address.
        st, out = call(d, "POST", f"/zones/{d.zone_id}/spectrum/apps", app_body(port + 2, name="ssh.apps.test"))
        assert st == 200, out
        assert out["result"]["edge_ips"]["ips"] == [ip]
        call(d, "DELETE", f"/zones/{d.zone_id}/spectrum/apps/{out['result']['id']}")
    finally:
        call(d, "DELETE", f"/zones/{d.zone_id}/spectrum/apps/{first['id']}")


# --------------------------------------------------------------------------------------------
# The mail story through an API-created tcp/25 app


aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller", reason="python3-aiosmtpd is not installed")


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_PROXY(self, server, session, envelope, proxy_data):
        return True

    async def handle_DATA(self, server, session, envelope):
        pd = session.proxy_data
        self.messages.append({"rcpt": list(envelope.rcpt_tos),
                              "proxy_src": str(pd.src_addr) if pd else None,
                              "proxy_dst": str(pd.dst_addr) if pd else None})
        return "250 OK queued"


def test_swaks_to_the_app_name_delivers_with_the_clients_address(api_edge):
    need("swaks")
    d = api_edge
    port25 = smtp_port()
    box = Mailbox()
    mta = aiosmtpd_controller.Controller(box, hostname=ORIGIN2, port=port25, proxy_protocol_timeout=5)
    mta.start()
    try:
        st, out = call(d, "POST", f"/zones/{d.zone_id}/spectrum/apps",
                       {"protocol": f"tcp/{port25}", "dns": {"type": "CNAME", "name": "mx.apps.test"},
                        "origin_direct": [f"tcp://{ORIGIN2}:{port25}"], "proxy_protocol": "v1",
                        "ip_firewall": False, "tls": "off", "traffic_type": "direct"})
        assert st == 200, out
        app = out["result"]
        st, out = call(d, "POST", f"/zones/{d.zone_id}/dns_records",
                       {"type": "MX", "name": ZONE_NAME, "content": "mx.apps.test", "priority": 10, "ttl": 300})
        assert st == 200, out
        # What a sending MTA does: MX of the domain, then the address of the exchange, both from
        # dnsedge's DNS.
        mx = ask(d, ZONE_NAME + ".", "MX")
        assert [r.exchange.to_text() for r in mx] == ["mx.apps.test."]
        addrs = [rd.address for rd in ask(d, "mx.apps.test.", "A")]
        assert addrs == app["edge_ips"]["ips"]
        argv = ["swaks", "--server", addrs[0], "--port", str(port25), "--to", f"postmaster@{ZONE_NAME}",
                "--from", "sender@example.org", "--helo", "client.example.org", "--timeout", "10",
                "--local-interface", CLIENT, "--header", "Subject: through a Spectrum app"]
        import subprocess
        res = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert res.returncode == 0, res.stdout + res.stderr
        assert len(box.messages) == 1
        assert box.messages[0]["rcpt"] == [f"postmaster@{ZONE_NAME}"]
        assert box.messages[0]["proxy_src"] == CLIENT  # the real client, from the PROXY v1 header
        assert box.messages[0]["proxy_dst"] == addrs[0]
        # Deleting the app closes port 25 on its address at once.
        st, _ = call(d, "DELETE", f"/zones/{d.zone_id}/spectrum/apps/{app['id']}")
        assert st == 200
        assert refused(addrs[0], port25)
    finally:
        mta.stop()


# --------------------------------------------------------------------------------------------
# Persistence and the pool


def test_app_and_its_address_survive_a_restart_and_the_pool_runs_out(tmp_path):
    pool = "127.0.0.120/31"  # two addresses
    ports = (free_port(EDGE), free_port(EDGE))  # its own: the module's server still holds `ports`
    d = start(tmp_path, ports, pool=pool)
    zid = make_zone(d)
    port = free_port("127.0.0.120", "127.0.0.121", ORIGIN2)
    try:
        st, a = call(d, "POST", f"/zones/{zid}/spectrum/apps", app_body(port, name="one.apps.test"))
        assert st == 200, a
        st, b = call(d, "POST", f"/zones/{zid}/spectrum/apps", app_body(port, name="two.apps.test"))
        assert st == 200, b
        assert {a["result"]["edge_ips"]["ips"][0], b["result"]["edge_ips"]["ips"][0]} == {"127.0.0.120", "127.0.0.121"}
        st, c = call(d, "POST", f"/zones/{zid}/spectrum/apps", app_body(port, name="three.apps.test"))
        assert st == 400 and c["errors"][0]["code"] == 11002, c
        assert "exhausted" in c["errors"][0]["message"]
        before = call(d, "GET", f"/zones/{zid}/spectrum/apps")[1]["result"]
    finally:
        d.stop()
    (tmp_path / "dnsedge.log").unlink()  # the restarted server logs its own API address
    d = start(tmp_path, ports, pool=pool)
    try:
        after = call(d, "GET", f"/zones/{zid}/spectrum/apps")[1]["result"]
        assert after == before
        ip = a["result"]["edge_ips"]["ips"][0]
        assert [rd.address for rd in ask(d, "one.apps.test.", "A")] == [ip]
        wait_port(ip, port, timeout=5)
    finally:
        d.stop()


# --------------------------------------------------------------------------------------------
# ip_firewall: the zone's IP access rules (block / whitelist by client address)


class Greeter:
    """A TCP origin that greets each connection and counts them."""

    def __init__(self, host, port):
        import threading
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.accepted = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            c.sendall(b"hello\n")
            c.close()

    def stop(self):
        self.sock.close()


def greet(ip, port, source):
    """What the app answers a client at `source`: b"hello\n", or b"" when the edge closed."""
    s = socket.create_connection((ip, port), timeout=3, source_address=(source, 0))
    try:
        out = b""
        while True:
            try:
                chunk = s.recv(64)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def test_ip_firewall_applies_the_zones_access_rules(api_edge):
    d = api_edge
    port = free_port("127.0.0.112", "127.0.0.113", ORIGIN2)
    origin = Greeter(ORIGIN2, port)
    rules = []
    try:
        st, out = call(d, "POST", f"/zones/{d.zone_id}/spectrum/apps",
                       app_body(port, name="fw.apps.test", ip_firewall=True))
        assert st == 200, out
        app = out["result"]
        ip = app["edge_ips"]["ips"][0]
        assert greet(ip, port, CLIENT) == b"hello\n"  # no rules: everyone passes
        base = f"/zones/{d.zone_id}/firewall/access_rules/rules"
        st, out = call(d, "POST", base, {"mode": "block", "configuration": {"target": "ip_range", "value": "127.0.0.96/28"},
                                         "notes": "the test's client range"})
        assert st == 200, out
        rules.append(out["result"]["id"])
        assert out["result"]["configuration"] == {"target": "ip_range", "value": "127.0.0.96/28"}
        assert out["result"]["mode"] == "block" and out["result"]["scope"] == {"type": "zone"}
        seen = origin.accepted
        assert greet(ip, port, CLIENT) == b""          # blocked: closed by the edge at once
        assert origin.accepted == seen                 # and never carried to the origin
        assert greet(ip, port, "127.0.0.1") == b"hello\n"  # outside the range
        # A more specific whitelist entry wins over the range.
        st, out = call(d, "POST", base, {"mode": "whitelist", "configuration": {"target": "ip", "value": CLIENT}})
        assert st == 200, out
        rules.append(out["result"]["id"])
        assert greet(ip, port, CLIENT) == b"hello\n"
        st, out = call(d, "GET", base)
        assert st == 200 and [r["id"] for r in out["result"]] == rules
        # An app without ip_firewall ignores the rules.
        st, out = call(d, "DELETE", f"{base}/{rules.pop()}")
        assert st == 200
        st, out = call(d, "PUT", f"/zones/{d.zone_id}/spectrum/apps/{app['id']}",
                       app_body(port, name="fw.apps.test", ip_firewall=False))
        assert st == 200, out
        assert greet(ip, port, CLIENT) == b"hello\n"
        # Bad rules are refused and change nothing.
        for body, msg in [({"mode": "challenge", "configuration": {"target": "ip", "value": CLIENT}}, "cannot challenge"),
                          ({"mode": "block", "configuration": {"target": "country", "value": "NL"}}, "not supported"),
                          ({"mode": "block", "configuration": {"target": "ip", "value": "::1"}}, "not an IPv4"),
                          ({"mode": "block", "configuration": {"target": "ip_range", "value": "10.0.0.0/99"}}, "range"),
                          ({"mode": "block", "configuration": {"target": "ip_range", "value": "127.0.0.96/28"}},
                           "already exists")]:
            st, out = call(d, "POST", base, body)
            assert st == 400 and out["errors"][0]["code"] == 11010 and msg in out["errors"][0]["message"], out
        st, out = call(d, "GET", base)
        assert [r["id"] for r in out["result"]] == rules
        st, out = call(d, "DELETE", f"{base}/{'0' * 32}")
        assert st == 404 and out["errors"][0]["code"] == 11011
        call(d, "DELETE", f"/zones/{d.zone_id}/spectrum/apps/{app['id']}")
    finally:
        for r in rules:
            call(d, "DELETE", f"/zones/{d.zone_id}/firewall/access_rules/rules/{r}")
        origin.stop()


def test_a_static_app_works_without_edge_addresses_or_pool(tmp_path):
    """The edge runs even when nothing is configured for it: API apps may appear at any time."""
    import subprocess
    import time
    binary = os.environ.get("DNSEDGE_BIN", "/work/main/build/dnsedge")
    if not os.path.exists(binary):
        pytest.skip("dnsedge binary not found")
    log = tmp_path / "dnsedge.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "serve", "--data", str(tmp_path / "data"),
                                 "--dns-listen", f"127.0.0.1:{free_port('127.0.0.1')}",
                                 "--api-listen", "127.0.0.1:0", "--api-token", TOKEN],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not (m := re.search(r"api: listening on http://(\S+)/client/v4", log.read_text())):
            assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
            time.sleep(0.05)

        class D:
            api = m.group(1)
        zid = make_zone(D)
        port = free_port("127.0.0.124", ORIGIN2)
        st, out = call(D, "POST", f"/zones/{zid}/spectrum/apps",
                       app_body(port, name="static.apps.test", edge_ips={"type": "static", "ips": ["127.0.0.124"]}))
        assert st == 200, out
        socket.create_connection(("127.0.0.124", port), timeout=2).close()
        # Without a pool, an app that needs an address is refused with the reason.
        st, out = call(D, "POST", f"/zones/{zid}/spectrum/apps", app_body(port, name="pooled.apps.test"))
        assert st == 400 and out["errors"][0]["code"] == 11002 and "--spectrum-pool" in out["errors"][0]["message"]
    finally:
        proc.send_signal(2)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("dnsedge did not stop on SIGINT:\n" + log.read_text())
