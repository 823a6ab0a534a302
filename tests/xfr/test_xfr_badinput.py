"""Transfer ACLs, TSIG errors and transport rules of dnsedge as a primary (issue 7), with the
transfer configuration in the TOML file ([xfr], [[xfr.tsig]], [[xfr.outgoing]]):

- AXFR from an address or key the zone does not allow → REFUSED, logged with the reason;
- a wrong TSIG secret → NOTAUTH with TSIG error BADSIG, an unknown key → NOTAUTH/BADKEY, logged;
- AXFR over UDP → NOTIMP; a transfer of a zone we do not serve → NOTAUTH;
- IXFR over UDP → the SOA alone when the client is current or the delta does not fit;
- a signed ordinary query over UDP and TCP gets a signed answer (dnspython verifies the MAC);
- bad secondary_dns API input → 400 with a specific message, nothing stored.
"""

from __future__ import annotations

import re
import socket
import struct
import time

import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring
import dns.xfr
import dns.zone
import pytest

from xfrhelp import Server, secret, wait_for

ZONE = "bad.test."
KEY = "k1."


@pytest.fixture
def srv(tmp_path):
    zf = tmp_path / "bad.test.zone"
    zf.write_text(f"""$ORIGIN {ZONE}
$TTL 300
@ SOA ns1 hostmaster 41 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.80
mail A 192.0.2.25
@ MX 10 mail
""")
    cfg = tmp_path / "dnsedge.toml"
    cfg.write_text(f"""[xfr]
journal_max = 5
[[xfr.tsig]]
name = "{KEY}"
algo = "hmac-sha256."
secret = "{secret('good')}"
[[xfr.outgoing]]
zone = "{ZONE}"
allow = [{{ prefix = "127.0.0.0/8", tsig = "{KEY}" }}]
""")
    (tmp_path / "d").mkdir()
    s = Server(tmp_path / "d", zone_files=[zf], extra=["--config", str(cfg)]).start()
    yield s
    s.stop()


def ring(sec):
    return dns.tsigkeyring.from_text({KEY: sec})


def framed_exchange(port, wire: bytes, timeout=3.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        hdr = s.recv(2, socket.MSG_WAITALL)
        (n,) = struct.unpack("!H", hdr)
        return s.recv(n, socket.MSG_WAITALL)


def tsig_error(wire: bytes, keyname: str) -> tuple[int, int]:
    """(rcode, TSIG error) of a reply carrying a TSIG error (dnspython raises one exception per
    TSIG error code when it reads such a reply)."""
    rcode = wire[3] & 0xF
    try:
        dns.message.from_wire(wire, keyring=dns.tsigkeyring.from_text({keyname: secret("any")}))
    except dns.tsig.PeerBadSignature:
        return rcode, dns.rcode.BADSIG
    except dns.tsig.PeerBadKey:
        return rcode, dns.rcode.BADKEY
    except dns.tsig.PeerBadTime:
        return rcode, dns.rcode.BADTIME
    return rcode, 0


def test_allowed_key_transfers_the_served_zone(srv):
    q = dns.message.make_query(ZONE, "AXFR")
    q.use_tsig(ring(secret("good")), keyname=KEY, algorithm=dns.tsig.HMAC_SHA256)
    msgs = list(dns.query.xfr("127.0.0.1", ZONE, port=srv.dns_port, keyring=ring(secret("good")),
                              keyname=KEY, keyalgorithm=dns.tsig.HMAC_SHA256, relativize=False, timeout=5))
    names = {str(rrset.name) + " " + dns.rdatatype.to_text(rrset.rdtype) for m in msgs for rrset in m.answer}
    assert {f"www.{ZONE} A", f"mail.{ZONE} A", f"{ZONE} MX", f"{ZONE} SOA"} <= names


def test_unsigned_transfer_is_refused_and_logged(srv):
    q = dns.message.make_query(ZONE, "AXFR")
    r = dns.message.from_wire(framed_exchange(srv.dns_port, q.to_wire()))
    assert r.rcode() == dns.rcode.REFUSED
    assert not r.answer
    assert "event=xfr-refused type=AXFR zone=bad.test." in srv.log_text()


def test_wrong_secret_is_badsig_and_unknown_key_is_badkey(srv):
    q = dns.message.make_query(ZONE, "AXFR")
    q.use_tsig(ring(secret("evil")), keyname=KEY, algorithm=dns.tsig.HMAC_SHA256)
    rcode, err = tsig_error(framed_exchange(srv.dns_port, q.to_wire()), KEY)
    assert (rcode, err) == (dns.rcode.NOTAUTH, dns.rcode.BADSIG)
    q = dns.message.make_query(ZONE, "AXFR")
    q.use_tsig(dns.tsigkeyring.from_text({"nokey.": secret("good")}), keyname="nokey.",
               algorithm=dns.tsig.HMAC_SHA256)
    rcode, err = tsig_error(framed_exchange(srv.dns_port, q.to_wire()), "nokey.")
    assert (rcode, err) == (dns.rcode.NOTAUTH, dns.rcode.BADKEY)
    # Over UDP too (a signed SOA query, as a secondary's refresh).
    q = dns.message.make_query(ZONE, "SOA")
    q.use_tsig(ring(secret("evil")), keyname=KEY, algorithm=dns.tsig.HMAC_SHA256)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(q.to_wire(), ("127.0.0.1", srv.dns_port))
    rcode, err = tsig_error(s.recv(4096), KEY)
    s.close()
    assert (rcode, err) == (dns.rcode.NOTAUTH, dns.rcode.BADSIG)
    log = srv.log_text()
    assert "event=tsig-rejected peer=127.0.0.1 key=k1. error=BADSIG" in log
    assert "event=tsig-rejected peer=127.0.0.1 key=nokey. error=BADKEY" in log


def test_signed_queries_get_signed_answers(srv):
    for tcp in (False, True):
        q = dns.message.make_query(f"www.{ZONE}", "A")
        q.use_tsig(ring(secret("good")), keyname=KEY, algorithm=dns.tsig.HMAC_SHA256)
        send = dns.query.tcp if tcp else dns.query.udp
        r = send(q, "127.0.0.1", port=srv.dns_port, timeout=3)  # dnspython verifies the reply's MAC
        assert r.had_tsig
        assert r.rcode() == dns.rcode.NOERROR
        assert [rd.to_text() for rd in r.answer[0]] == ["192.0.2.80"]


def test_transport_and_zone_rules(srv):
    # AXFR over UDP: NOTIMP (RFC 5936 §4.2 leaves it undefined; as before).
    r = dns.query.udp(dns.message.make_query(ZONE, "AXFR"), "127.0.0.1", port=srv.dns_port, timeout=3)
    assert r.rcode() == dns.rcode.NOTIMP
    # A zone we do not serve: NOTAUTH.
    q = dns.message.make_query("elsewhere.test.", "AXFR")
    r = dns.message.from_wire(framed_exchange(srv.dns_port, q.to_wire()))
    assert r.rcode() == dns.rcode.NOTAUTH
    # IXFR over UDP from a current client: the SOA alone, signed.
    q = dns.message.make_query(ZONE, "IXFR")
    q.authority.append(dns.rrset.from_text(ZONE, 0, "IN", "SOA", f"ns1.{ZONE} hostmaster.{ZONE} 41 1 1 1 1"))
    q.use_tsig(ring(secret("good")), keyname=KEY, algorithm=dns.tsig.HMAC_SHA256)
    r = dns.query.udp(q, "127.0.0.1", port=srv.dns_port, timeout=3)
    assert r.rcode() == dns.rcode.NOERROR
    assert len(r.answer) == 1 and r.answer[0].rdtype == dns.rdatatype.SOA and r.answer[0][0].serial == 41
    # IXFR without the client's SOA: FORMERR.
    q = dns.message.make_query(ZONE, "IXFR")
    q.use_tsig(ring(secret("good")), keyname=KEY, algorithm=dns.tsig.HMAC_SHA256)
    r = dns.query.tcp(q, "127.0.0.1", port=srv.dns_port, timeout=3)
    assert r.rcode() == dns.rcode.FORMERR
    # The server still answers.
    assert srv.query(f"www.{ZONE}").rcode() == dns.rcode.NOERROR


def test_bad_secondary_dns_input_changes_nothing(srv):
    acct = srv.get("/accounts").result[0]["id"]
    base = f"/accounts/{acct}/secondary_dns"
    cases = [
        ("tsigs", {"name": "k2.", "algo": "hmac-md5.", "secret": secret("x")}, "algorithm"),
        ("tsigs", {"name": "k2.", "algo": "hmac-sha256.", "secret": "***"}, "base64"),
        ("tsigs", {"name": "k2.", "algo": "hmac-sha256."}, "secret"),
        ("peers", {"name": "p", "ip": "not-an-ip", "port": 53}, "ip"),
        ("peers", {"name": "p", "ip": "127.0.0.1", "port": 70000}, "port"),
        ("peers", {"name": "p", "ip": "127.0.0.1", "tsig_id": "0" * 32}, "tsig_id"),
    ]
    for kind, body, word in cases:
        r = srv.post(f"{base}/{kind}", body)
        assert r.status == 400, (body, r)
        assert word in r.json["errors"][0]["message"], (body, r)
    assert srv.get(f"{base}/tsigs").result == []
    assert srv.get(f"{base}/peers").result == []
    assert srv.post(f"{base}/tsigs", raw=b"{not json", content_type="application/json").status == 400
    assert srv.get(f"/accounts/{'f' * 32}/secondary_dns/tsigs").status == 404
    zid = srv.get("/zones").result[0]["id"]
    r = srv.post(f"/zones/{zid}/secondary_dns/outgoing", {"name": ZONE, "peers": ["0" * 32]})
    assert r.status == 400 and "peer" in r.json["errors"][0]["message"], r
    assert srv.get(f"/zones/{zid}/secondary_dns/outgoing").status == 404


def test_a_flood_of_rejections_logs_at_a_bounded_rate(tmp_path):
    """500 NOTIFYs from an address that is not the zone's primary and 500 queries with a bad
    TSIG: each is answered (REFUSED, NOTAUTH), but the log gets at most 10 such lines a second
    and then one line that says how many were suppressed."""
    cfg = tmp_path / "dnsedge.toml"
    cfg.write_text(f"""[xfr]
[[xfr.tsig]]
name = "{KEY}"
algo = "hmac-sha256."
secret = "{secret('good')}"
[[xfr.incoming]]
zone = "flood.test"
primaries = [{{ name = "far", ip = "127.0.0.9", port = 9 }}]
auto_refresh_seconds = 3600
""")
    (tmp_path / "d").mkdir()
    srv = Server(tmp_path / "d", extra=["--config", str(cfg)]).start()
    try:
        n = dns.message.make_query("flood.test.", "SOA")
        n.set_opcode(dns.opcode.NOTIFY)
        bad = dns.message.make_query("flood.test.", "SOA")
        bad.use_tsig(ring(secret("evil")), keyname=KEY, algorithm=dns.tsig.HMAC_SHA256)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        s.settimeout(3)
        answered = 0
        t0 = time.monotonic()
        for batch in range(20):
            for i in range(25):
                s.sendto(n.to_wire(), ("127.0.0.1", srv.dns_port))
                s.sendto(bad.to_wire(), ("127.0.0.1", srv.dns_port))
            for i in range(50):
                try:
                    s.recv(4096)
                    answered += 1
                except socket.timeout:
                    break
        seconds = time.monotonic() - t0
        assert answered >= 900, "every rejection is still answered"
        # One more, a second later: it is logged, after the summary of what was held back.
        time.sleep(1.1)
        s.sendto(n.to_wire(), ("127.0.0.1", srv.dns_port))
        assert dns.message.from_wire(s.recv(4096)).rcode() == dns.rcode.REFUSED
        s.close()
        assert wait_for(lambda: "event=log-suppressed" in srv.log_text(), timeout=5.0), srv.log_text()[-3000:]
        log = srv.log_text()
        lines = [l for l in log.splitlines() if "event=notify-refused" in l or "event=tsig-rejected" in l]
        bound = 10 * (int(seconds) + 2) + 1
        assert 10 <= len(lines) <= bound, f"{len(lines)} lines in {seconds:.1f} s"
        suppressed = sum(int(m) for m in re.findall(r"event=log-suppressed count=(\d+)", log))
        assert suppressed + len(lines) >= 1000, (suppressed, len(lines))
    finally:
        srv.stop()


def test_an_object_in_use_has_its_own_code_not_the_too_large_one(srv):
    """Deleting a TSIG key a peer uses, or a peer a zone uses, is 400 with code 1015 ("in use");
    1005 stays the code of a body over the limit (413)."""
    acct = srv.get("/accounts").result[0]["id"]
    base = f"/accounts/{acct}/secondary_dns"
    key = srv.post(f"{base}/tsigs", {"name": "k3.", "algo": "hmac-sha256.", "secret": secret("k3")})
    assert key.status == 200, key
    peer = srv.post(f"{base}/peers", {"name": "p3", "ip": "127.0.0.1", "tsig_id": key.result["id"]})
    assert peer.status == 200, peer
    r = srv.delete(f"{base}/tsigs/{key.result['id']}")
    assert r.status == 400 and r.json["errors"][0]["code"] == 1015, r
    assert "used by peer" in r.json["errors"][0]["message"], r
    zid = srv.get("/zones").result[0]["id"]
    out = srv.post(f"/zones/{zid}/secondary_dns/outgoing", {"name": ZONE, "peers": [peer.result["id"]]})
    assert out.status == 200, out
    r = srv.delete(f"{base}/peers/{peer.result['id']}")
    assert r.status == 400 and r.json["errors"][0]["code"] == 1015, r
    assert srv.get(f"{base}/peers/{peer.result['id']}").status == 200
    big = b'{"name": "k4.", "algo": "hmac-sha256.", "secret": "' + b"A" * (1 << 20) + b'"}'
    r = srv.post(f"{base}/tsigs", raw=big, content_type="application/json")
    assert r.status == 413 and r.json["errors"][0]["code"] == 1005, r
