"""NOTIFY's source address: `--notify-source` / `notify_source` in [xfr] is the default, a peer's
own `notify_source` (TOML peer table or the secondary_dns peers API) overrides it, like Knot's
`via` and BIND's `notify-source`. Receivers are UDP sockets on 127.0.0.1 that read the datagram's
source address (127.0.0.0/8 is all local on Linux) and answer it, so dnsedge sees the ack. A bad
address (not an address, or not one of this host's) stops the start or is a 400 at the API.
"""

from __future__ import annotations

import socket
import subprocess
import threading

import dns.message
import dns.opcode
import dns.rcode

from xfrhelp import DNSEDGE_BIN, Server, free_port, wait_for


class Receiver:
    """A UDP socket standing in for a secondary: a thread answers every NOTIFY and records
    (source address, zone) of each."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.got: list[tuple[str, str]] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                data, src = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            m = dns.message.from_wire(data)
            if m.opcode() == dns.opcode.NOTIFY:
                self.sock.sendto(dns.message.make_response(m).to_wire(), src)
                self.got.append((src[0], m.question[0].name.to_text()))

    def sources(self, timeout=10.0) -> set[tuple[str, str]]:
        """The (source address, zone) pairs NOTIFY came with, once one arrived."""
        assert wait_for(lambda: self.got, timeout), "no NOTIFY arrived"
        return set(self.got)

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def outgoing_to(srv, zid, peers: list[dict]) -> list[dict]:
    acct = srv.get("/accounts").result[0]["id"]
    made = []
    for p in peers:
        r = srv.post(f"/accounts/{acct}/secondary_dns/peers", p)
        assert r.status == 200, r
        made.append(r.result)
    r = srv.post(f"/zones/{zid}/secondary_dns/outgoing", {"name": "example.com", "peers": [p["id"] for p in made]})
    assert r.status == 200, r
    return made


def test_notify_source_flag_and_the_peers_override(tmp_path):
    plain, own = Receiver(), Receiver()
    srv = Server(tmp_path, extra=["--notify-source", "127.0.0.2"]).start()
    try:
        zid = srv.create_zone("example.com")
        made = outgoing_to(srv, zid, [{"name": "plain", "ip": "127.0.0.1", "port": plain.port},
                                      {"name": "own", "ip": "127.0.0.1", "port": own.port, "notify_source": "127.0.0.3"}])
        assert made[0]["notify_source"] is None and made[1]["notify_source"] == "127.0.0.3", made
        acct = srv.get("/accounts").result[0]["id"]
        assert srv.get(f"/accounts/{acct}/secondary_dns/peers/{made[1]['id']}").result["notify_source"] == "127.0.0.3"
        srv.add(zid, name="www", type="A", content="192.0.2.1")  # a new serial: NOTIFY both
        assert plain.sources() == {("127.0.0.2", "example.com.")}
        assert own.sources() == {("127.0.0.3", "example.com.")}
        # The answers reach dnsedge on those sources' sockets.
        acked = lambda peer: f"peer={peer}" in "".join(  # noqa: E731
            l for l in srv.log_text().splitlines(True) if "event=notify-acked zone=example.com." in l)
        assert wait_for(lambda: acked("plain") and acked("own")), srv.log_text()

        # Bad addresses are a 400 naming the field; nothing is stored.
        base = f"/accounts/{acct}/secondary_dns/peers"
        for src, why in [("not-an-address", "not an IPv4 or IPv6 address"), ("192.0.2.99", "cannot send from"),
                         ("::1", "IPv6 but the peer's ip"), ("127.0.0.0/8", "not an IPv4 or IPv6 address")]:
            r = srv.post(base, {"name": "bad", "ip": "127.0.0.1", "port": 53, "notify_source": src})
            assert r.status == 400 and "notify_source" in r.text and why in r.text, (src, r)
        r = srv.put(f"{base}/{made[1]['id']}", {"name": "own", "ip": "127.0.0.1", "port": own.port, "notify_source": 7})
        assert r.status == 400, r
        assert len(srv.get(base).result) == 2
    finally:
        srv.stop()
        plain.close()
        own.close()


def test_notify_source_from_the_config_file(tmp_path):
    plain, own = Receiver(), Receiver()
    conf = tmp_path / "dnsedge.toml"
    conf.write_text(f"""[xfr]
notify_source = "127.0.0.4"
[[xfr.outgoing]]
zone = "example.com"
peers = [{{ name = "plain", ip = "127.0.0.1", port = {plain.port} }},
         {{ name = "own", ip = "127.0.0.1", port = {own.port}, notify_source = "127.0.0.5" }}]
""")
    srv = Server(tmp_path, extra=["--config", str(conf)]).start()
    try:
        zid = srv.create_zone("example.com")
        srv.add(zid, name="www", type="A", content="192.0.2.1")
        assert plain.sources() == {("127.0.0.4", "example.com.")}
        assert own.sources() == {("127.0.0.5", "example.com.")}
    finally:
        srv.stop()
        plain.close()
        own.close()


def test_a_bad_notify_source_stops_the_start(tmp_path):
    def serve(*extra):
        argv = [DNSEDGE_BIN, "serve", "--data", str(tmp_path / "data"), "--dns-listen", f"127.0.0.1:{free_port()}",
                "--api-listen", "127.0.0.1:0", "--no-edge-proxy", *extra]
        return subprocess.run(argv, capture_output=True, text=True, timeout=30)

    for extra, want in [(["--notify-source", "nope"], "'nope' is not an IPv4 or IPv6 address"),
                        (["--notify-source", "192.0.2.99"], "cannot send from '192.0.2.99'"),
                        (["--notify-source", "127.0.0.2", "--notify-source", "127.0.0.3"], "two notify sources")]:
        r = serve(*extra)
        assert r.returncode == 2 and "--notify-source" in r.stderr and want in r.stderr, (extra, r.returncode, r.stderr)
    for toml, want in [('notify_source = "192.0.2.99"', "cannot send from"),
                       ("notify_source = 53", "must be an address"),
                       ('[[xfr.outgoing]]\nzone = "example.com"\npeers = [{ ip = "127.0.0.1", notify_source = "::1" }]',
                        "IPv6 but the peer's ip")]:
        conf = tmp_path / "bad.toml"
        conf.write_text("[xfr]\n" + toml + "\n")
        r = serve("--config", str(conf))
        assert r.returncode == 2 and "bad.toml" in r.stderr and want in r.stderr, (toml, r.returncode, r.stderr)
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())
