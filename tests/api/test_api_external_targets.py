"""An API zone whose apex CNAME points at an external name serves the name's addresses
(flattened), and follows them when they change: the resolver's refresh wakes dnsedge's main
thread (app/serve_events.h, no signal involved), which recompiles the store zones that use
external names and publishes. The external name lives on Knot DNS, started by the test on
loopback and given to dnsedge as --upstream (nothing leaves loopback).

File zones get the same through tests/blackbox/test_proxy.py
(test_target_change_on_external_server_is_picked_up).
"""

import signal
import time

import dns.message
import dns.query

from apihelp import Server
from harness.knot import Knot

EXTERNAL = """$ORIGIN example.net.
$TTL 60
@ SOA ns h {serial} 60 60 600 60
@ NS ns
ns A 127.0.0.1
lb 120 A {a}
"""


def wait_for(what: str, get, want, timeout: float = 15.0):
    """Asks `get()` until it returns `want`; fails with the last answer after `timeout`."""
    deadline = time.monotonic() + timeout
    got = get()
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = get()
    assert got == want, f"{what}: {got!r}, expected {want!r}"


def knot_a(knot: Knot, name: str) -> list[str]:
    r = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=knot.port, timeout=2)
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)


def test_a_changed_external_target_reaches_the_served_answer(tmp_path):
    kdir = tmp_path / "knot"
    kdir.mkdir()
    ext = kdir / "example.net.zone"
    ext.write_text(EXTERNAL.format(serial=1, a="198.51.100.7"))
    with Knot([("example.net.", ext)], kdir) as knot:
        s = Server(tmp_path, extra=["--upstream", f"127.0.0.1:{knot.port}"]).start()
        try:
            zid = s.create_zone("example.com")
            s.add(zid, type="CNAME", name="example.com", content="lb.example.net", proxied=False)
            # The write made the name watched; its first resolution is published when it lands.
            wait_for("the flattened apex", lambda: s.answer("example.com.", "A"), ["198.51.100.7"])
            serial = s.serial("example.com")

            ext.write_text(EXTERNAL.format(serial=2, a="198.51.100.8"))
            knot.proc.send_signal(signal.SIGHUP)
            wait_for("Knot's reloaded answer", lambda: knot_a(knot, "lb.example.net."), ["198.51.100.8"])
            # SIGHUP re-resolves every watched name now (the refresh floor is 30 s); the change it
            # finds is what recompiles the zone.
            s.send_signal(signal.SIGHUP)
            wait_for("the flattened apex after the change", lambda: s.answer("example.com.", "A"), ["198.51.100.8"])
            assert s.serial("example.com") != serial  # a new version of the zone, with its own serial
        finally:
            s.stop()
