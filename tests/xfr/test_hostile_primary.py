"""Hostile or broken transfer streams from a primary (issue 7, "Bad input"): a fake primary
(written here with dnspython, on a loopback port) first serves a good zone, then answers each
refresh with one kind of bad stream. Every one must be rejected with a logged reason while the
previous zone keeps serving: wrong zone, a record outside the zone, broken framing, a serial that
goes backwards, a truncated connection, a stream without its closing SOA, a REFUSED answer.
"""

from __future__ import annotations

import socket
import struct
import threading

import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from xfrhelp import Server, free_port, wait_for

ZONE = "hostile.test."


def soa(serial):
    return dns.rrset.from_text(ZONE, 300, "IN", "SOA", f"ns1.{ZONE} h.{ZONE} {serial} 3600 600 1209600 300")


def body(serial, www="192.0.2.80"):
    return [soa(serial), dns.rrset.from_text(ZONE, 300, "IN", "NS", f"ns1.{ZONE}"),
            dns.rrset.from_text("ns1." + ZONE, 300, "IN", "A", "192.0.2.53"),
            dns.rrset.from_text("www." + ZONE, 300, "IN", "A", www)]


class FakePrimary:
    def __init__(self):
        self.port = free_port()
        self.mode = "good"
        self.serial = 10
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(8)
        self.stop = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def close(self):
        self.stop = True
        self.sock.close()

    def loop(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                self.serve(c)
            except Exception:
                pass
            finally:
                c.close()

    @staticmethod
    def send(c, wire):
        c.sendall(struct.pack("!H", len(wire)) + wire)

    def serve(self, c):
        c.settimeout(5)
        while True:
            hdr = c.recv(2, socket.MSG_WAITALL)
            if len(hdr) < 2:
                return
            q = dns.message.from_wire(c.recv(struct.unpack("!H", hdr)[0], socket.MSG_WAITALL))
            qtype = q.question[0].rdtype
            r = dns.message.make_response(q)
            r.flags |= dns.flags.AA
            mode = self.mode
            if qtype == dns.rdatatype.SOA:
                r.answer.append(soa(9 if mode == "backwards" else self.serial))
                self.send(c, r.to_wire())
                continue
            if mode == "refused":
                r.set_rcode(dns.rcode.REFUSED)
                self.send(c, r.to_wire())
                return
            if mode == "framing":
                c.sendall(struct.pack("!H", 5) + b"\x00" * 5)
                return
            rrs = body(self.serial, "192.0.2.81")
            if mode == "good":
                rrs = body(self.serial)
            if mode == "outside":
                rrs.append(dns.rrset.from_text("evil.example.org.", 300, "IN", "A", "192.0.2.66"))
            if mode == "wrongzone":
                r.question = [dns.rrset.RRset(dns.name.from_text("other.test."), dns.rdataclass.IN, qtype)]
            if mode == "truncated":
                r.answer = rrs
                wire = r.to_wire()
                c.sendall(struct.pack("!H", len(wire)) + wire[: len(wire) // 2])
                return
            r.answer = rrs if mode == "noclose" else rrs + [soa(self.serial)]
            self.send(c, r.to_wire())
            if mode == "noclose":
                return  # the connection ends without the closing SOA


def notify(port):
    n = dns.message.make_query(ZONE, "SOA")
    n.set_opcode(dns.opcode.NOTIFY)
    n.flags |= dns.flags.AA
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(n.to_wire(), ("127.0.0.1", port))
    r = dns.message.from_wire(s.recv(4096))
    s.close()
    return r


def www(srv):
    r = srv.query("www." + ZONE)
    return r.rcode(), [rd.to_text() for rrset in r.answer for rd in rrset]


import dns.flags  # noqa: E402
import dns.opcode  # noqa: E402
import dns.rdataclass  # noqa: E402

CASES = [
    ("wrongzone", "wrong zone"),
    ("outside", "outside the zone"),
    ("framing", "broken framing"),
    ("backwards", "went backwards"),
    ("truncated", "truncated"),
    ("noclose", "truncated"),
    ("refused", "REFUSED"),
]


def test_bad_streams_are_rejected_and_the_zone_keeps_serving(tmp_path):
    fake = FakePrimary()
    (tmp_path / "d").mkdir()
    srv = Server(tmp_path / "d").start()
    try:
        acct = srv.get("/accounts").result[0]["id"]
        peer = srv.post(f"/accounts/{acct}/secondary_dns/peers",
                        {"name": "fake", "ip": "127.0.0.1", "port": fake.port}).result["id"]
        zid = srv.post("/zones", {"name": ZONE, "type": "secondary"}).result["id"]
        assert srv.post(f"/zones/{zid}/secondary_dns/incoming", {"peers": [peer], "auto_refresh_seconds": 3600}).status == 200
        assert wait_for(lambda: www(srv) == (dns.rcode.NOERROR, ["192.0.2.80"]), timeout=15.0), srv.log_text()

        for mode, reason in CASES:
            fake.mode = mode
            fake.serial += 1
            before = srv.log_path.read_text(errors="replace").count("event=xfr-in-rejected")
            assert notify(srv.dns_port).rcode() == dns.rcode.NOERROR
            assert wait_for(lambda: srv.log_path.read_text(errors="replace").count("event=xfr-in-rejected") > before, timeout=15.0), \
                (mode, srv.log_text())
            line = [l for l in srv.log_path.read_text(errors="replace").splitlines() if "event=xfr-in-rejected" in l][-1]
            assert reason in line, (mode, line)
            assert www(srv) == (dns.rcode.NOERROR, ["192.0.2.80"]), mode
            assert srv.query(ZONE, "SOA").answer[0][0].serial == 10, mode

        # NOTIFY from an address that is not a primary of the zone (127.0.0.2): REFUSED; for a
        # zone that is not secondary here: NOTAUTH. Both logged.
        n = dns.message.make_query(ZONE, "SOA")
        n.set_opcode(dns.opcode.NOTIFY)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.2", 0))
        s.settimeout(3)
        s.sendto(n.to_wire(), ("127.0.0.1", srv.dns_port))
        assert dns.message.from_wire(s.recv(4096)).rcode() == dns.rcode.REFUSED
        s.close()
        assert "event=notify-refused zone=hostile.test. peer=127.0.0.2 rcode=REFUSED" in srv.log_text()
        n = dns.message.make_query("other.test.", "SOA")
        n.set_opcode(dns.opcode.NOTIFY)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(n.to_wire(), ("127.0.0.1", srv.dns_port))
        assert dns.message.from_wire(s.recv(4096)).rcode() == dns.rcode.NOTAUTH
        s.close()

        # A good stream afterwards is taken.
        fake.mode = "good"
        fake.serial += 1
        notify(srv.dns_port)
        assert wait_for(lambda: srv.query(ZONE, "SOA").answer[0][0].serial == fake.serial, timeout=15.0), srv.log_text()
    finally:
        srv.stop()
        fake.close()
