"""The fresh-signature budget of a zone signed online (--dnssec-signing-budget, docs/dnssec.md
"Performance") is work-conserving: a burst of DO=1 queries for random names (each needs a fresh
compact-denial signature) is signed answer by answer while nothing else asks the worker, and the
same burst mixed with queries for existing names (answered from the view's signatures) gets empty
TC=1 answers past the budget, the existing names still answered and signed. A truncated name
asked again over TCP (the TCP thread's own signer, which has no other answers to protect) is
signed. Plain loopback, one UDP worker."""

import random
import socket
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from harness.dnsedge import Process, free_port, need_dnsedge, serve_argv
from harness.signed_zone import ZONE

BUDGET = 50  # fresh signatures per second while other answers compete
BURST = 300  # random names per burst: several times what the budget allows in a second


class Server(Process):
    name = "dnsedge"


@pytest.fixture
def server(tmp_path):
    need_dnsedge()
    zf = tmp_path / "signed.test.zone"
    zf.write_text(ZONE)
    cfg = tmp_path / "dnsedge.toml"
    cfg.write_text('[[dnssec]]\nzone = "signed.test"\n')
    port = free_port("127.0.0.1")
    s = Server(tmp_path)
    s.port = port
    s.spawn(serve_argv(data=tmp_path / "data", dns_listen=[f"127.0.0.1:{port}"],
                       api_listen=f"127.0.0.1:{free_port('127.0.0.1')}", zone_files=[zf],
                       extra=["--config", str(cfg), "--no-edge-proxy", "--threads", "1",
                              "--rrl-rate", "0", "--dnssec-signing-budget", str(BUDGET)]))

    def ready():
        try:
            r = dns.query.udp(dns.message.make_query("signed.test.", "SOA"), "127.0.0.1", port=port, timeout=0.5)
            return r.rcode() == dns.rcode.NOERROR
        except (OSError, dns.exception.Timeout):
            return False

    s.wait_until(ready, "answering DNS")
    yield s
    s.stop()


def ask(sock, port, name, dnssec=True):
    q = dns.message.make_query(name, "A", want_dnssec=dnssec)
    sock.sendto(q.to_wire(), ("127.0.0.1", port))
    while True:
        wire, _ = sock.recvfrom(65535)
        r = dns.message.from_wire(wire, ignore_trailing=True)
        if r.id == q.id:
            return r


def signed_denial(r):
    """A compact-denial answer: NSEC over the name with its RRSIG in the authority section."""
    types = {(rrset.rdtype, getattr(rrset, "covers", 0)) for rrset in r.authority}
    return (dns.rdatatype.NSEC, dns.rdatatype.NONE) in types and \
        (dns.rdatatype.RRSIG, dns.rdatatype.NSEC) in types


def test_random_names_alone_are_all_signed_mixed_they_get_tc_past_the_budget(server):
    rng = random.Random(9824)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    try:
        # The readiness query was an answer that needed no fresh signature: the budget applies
        # for a second after it (auth/online_sign.h, protect_ms).
        time.sleep(1.2)
        alone = [ask(sock, server.port, f"a{rng.getrandbits(48):x}.signed.test.") for _ in range(BURST)]
        assert not any(r.flags & dns.flags.TC for r in alone), "random names alone were truncated"
        assert all(r.rcode() == dns.rcode.NOERROR and signed_denial(r) for r in alone)

        truncated, existing = [], []
        for i in range(BURST):
            if i % 3 == 0:
                existing.append(ask(sock, server.port, "www.signed.test."))
            name = f"m{rng.getrandbits(48):x}.signed.test."
            r = ask(sock, server.port, name)
            if r.flags & dns.flags.TC:
                assert not r.answer and not r.authority and r.rcode() == dns.rcode.NOERROR
                truncated.append(name)
            else:
                assert signed_denial(r)
        # At most two seconds' worth of budget signed (the bucket refills per whole second).
        assert len(truncated) >= BURST - 2 * BUDGET, len(truncated)
        for r in existing:
            assert not r.flags & dns.flags.TC
            assert any(rrset.rdtype == dns.rdatatype.RRSIG for rrset in r.answer)
    finally:
        sock.close()

    # Over TCP the truncated name is signed.
    r = dns.query.tcp(dns.message.make_query(truncated[0], "A", want_dnssec=True), "127.0.0.1",
                      port=server.port, timeout=5)
    assert r.rcode() == dns.rcode.NOERROR and signed_denial(r)
    assert server.running()
