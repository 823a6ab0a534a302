"""Wire behaviour (SPEC §6, RFC 1035/6891): compression, EDNS(0), truncation, TCP framing and
pipelining, opcodes and rcodes. Runs against the server under test (`server` fixture: dnsedge, or
Knot with DNSEDGE_TARGET=knot); see KNOT_BEHAVIOUR.md for the reference behaviour."""

import io
import socket
import struct
import time

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from conftest import header, make_query, parse, read_framed

UDP_MAX = 1232  # dnsedge's (and Knot's default) largest UDP answer


def uncompressed_size(m: dns.message.Message) -> int:
    n = 12
    for q in m.question:
        n += len(q.name.to_wire()) + 4
    for sec in (m.answer, m.authority, m.additional):
        for rrset in sec:
            f = io.BytesIO()
            rrset.to_wire(f, compress=None)
            n += len(f.getvalue())
    if m.edns >= 0:
        n += 11 + sum(4 + len(o.to_wire()) for o in m.options)
    return n


def test_name_compression(server):
    raw = server.raw_udp(make_query("example.com", "MX").to_wire())
    m = parse(raw)
    assert len(m.answer) == 3 and len(m.additional) == 2
    assert len(raw) < uncompressed_size(m) - 40, "answer names are not compressed"
    # a pointer to the question name (offset 12) appears in the answer
    assert b"\xc0\x0c" in raw


def test_question_case_preserved(server):
    for qname in ("MiXeDcAsE.example.COM", "EXAMPLE.COM", "Foo.Wild.Example.Com"):
        q = make_query(qname, "A")
        r = server.udp(q)
        assert r.rcode() == dns.rcode.NOERROR
        assert r.question[0].name.to_text() == qname + ".", "question case not preserved"
        # the owner of the record matching the question carries the question's case
        assert r.answer[0].name.to_text() == qname + "."
    r = server.ask("WWW.Example.COM", "A")
    assert r.question[0].name.to_text() == "WWW.Example.COM."


def test_id_and_rd_copied_ra_never_set(server):
    for rd in (False, True):
        q = make_query("example.com", "A", rd=rd, qid=4242)
        r = server.udp(q)
        assert r.id == 4242
        assert bool(r.flags & dns.flags.RD) == rd
        assert not r.flags & dns.flags.RA
        assert not r.flags & dns.flags.AD
        assert r.flags & dns.flags.QR and r.flags & dns.flags.AA


# ---- EDNS(0) -------------------------------------------------------------------------------


def test_no_opt_without_opt(server):
    r = server.ask("example.com", "A", edns=None)
    assert r.edns == -1


def test_opt_answered_with_our_payload(server):
    for payload in (512, 1232, 4096, 65535):
        r = server.ask("example.com", "A", payload=payload)
        assert r.edns == 0
        assert r.payload == UDP_MAX


def test_do_bit_echoed(server):
    r = server.ask("example.com", "A", do=True)
    assert r.ednsflags & dns.flags.DO
    r = server.ask("example.com", "A", do=False)
    assert not r.ednsflags & dns.flags.DO
    r = server.ask("nothing.example.com", "A", do=True)
    assert r.rcode() == dns.rcode.NXDOMAIN and r.ednsflags & dns.flags.DO


def test_badvers(server):
    for do in (False, True):
        q = make_query("example.com", "A", edns=1, do=do)
        r = server.udp(q)
        assert r.rcode() == dns.rcode.BADVERS
        assert r.edns == 0, "BADVERS answer must carry an OPT of version 0"
        assert bool(r.ednsflags & dns.flags.DO) == do
        assert not r.answer and not r.authority
        assert not r.flags & dns.flags.AA
    # BADVERS wins over REFUSED
    r = server.udp(make_query("www.outside.test", "A", edns=1))
    assert r.rcode() == dns.rcode.BADVERS


def test_unknown_edns_options_ignored(server):
    opts = [dns.edns.GenericOption(65001, b"abc"), dns.edns.GenericOption(12, b"\0" * 16)]
    r = server.udp(make_query("example.com", "A", options=opts))
    assert r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1
    assert r.edns == 0 and not r.options


# ---- UDP sizes and truncation --------------------------------------------------------------


@pytest.mark.parametrize("edns,payload,limit", [
    (None, 0, 512), (0, 100, 512), (0, 511, 512), (0, 512, 512), (0, 1232, 1232),
    (0, 4096, 1232)])
def test_udp_size_limits(server, edns, payload, limit):
    for qname, qtype in (("many.example.com", "A"), ("bigtxt.example.com", "TXT"),
                         ("huge.example.com", "TXT"), ("mxmany.example.com", "MX"),
                         ("x.bigdeleg.example.com", "A")):
        q = make_query(qname, qtype, edns=edns, payload=payload or 1232)
        raw = server.raw_udp(q.to_wire(), timeout=2)
        assert raw is not None, f"no answer to {qname} {qtype}"
        assert len(raw) <= limit, f"{qname} {qtype}: {len(raw)} octets > {limit}"
        full = server.tcp(make_query(qname, qtype, edns=edns, payload=payload or 1232))
        m = parse(raw)
        if len(full.to_wire()) <= limit:
            assert not m.flags & dns.flags.TC, f"{qname} {qtype} fits but has TC"
            assert len(m.answer) == len(full.answer)


def test_truncation_drops_whole_rrset(server):
    # 40 A records do not fit in 512: TC, empty answer (never a partial RRset), question kept
    r = parse(server.raw_udp(make_query("many.example.com", "A", edns=None).to_wire()))
    assert r.flags & dns.flags.TC and r.flags & dns.flags.AA
    assert r.rcode() == dns.rcode.NOERROR
    assert not r.answer and not r.authority and not r.additional
    assert r.question[0].name.to_text() == "many.example.com."
    # with EDNS the OPT survives truncation
    r = parse(server.raw_udp(make_query("huge.example.com", "TXT", payload=4096).to_wire()))
    assert r.flags & dns.flags.TC and r.edns == 0 and not r.answer
    # the CNAME that fits stays, the big RRset after it goes
    r = parse(server.raw_udp(make_query("cbig.example.com", "A", edns=None).to_wire()))
    assert r.flags & dns.flags.TC
    assert [x.rdtype for x in r.answer] == [dns.rdatatype.CNAME]


def test_truncation_keeps_fitting_glue_and_sets_tc(server):
    r = parse(server.raw_udp(make_query("x.bigdeleg.example.com", "A", edns=None).to_wire()))
    assert r.flags & dns.flags.TC and not r.flags & dns.flags.AA
    assert len(r.authority) == 12
    assert 0 < len(r.additional) < 24


def test_optional_additional_omitted_without_tc(server):
    r = parse(server.raw_udp(make_query("mxmany.example.com", "MX", edns=None).to_wire()))
    assert not r.flags & dns.flags.TC
    assert len(r.answer) == 12
    assert 0 < len(r.additional) < 24
    r = server.ask("mxmany.example.com", "MX", payload=1232)
    assert len(r.additional) == 24


def test_tcp_gets_everything(server):
    r = server.tcp(make_query("huge.example.com", "TXT"))
    assert not r.flags & dns.flags.TC
    assert len(r.answer) == 12
    assert len(r.to_wire()) > UDP_MAX
    r = server.tcp(make_query("many.example.com", "A", edns=None))
    assert len(r.answer) == 40


def test_txt_over_255_split(server):
    r = server.ask("longtxt.example.com", "TXT")
    (rd,) = list(r.answer[0])
    assert [len(s) for s in rd.strings] == [255, 45]
    assert b"".join(rd.strings) == b"L" * 300
    r = server.ask("split.example.com", "TXT")
    assert list(r.answer[0])[0].strings == (b"one", b"two", b"three")


# ---- TCP -----------------------------------------------------------------------------------


def test_tcp_pipelining(server):
    names = ["example.com", "www.example.com", "nothing.example.com", "many.example.com",
             "huge.example.com", "c1.example.com", "foo.wild.example.com", "x.sub.example.com",
             "_sip._tcp.example.com", "example.net"] * 3
    qs = [make_query(n, "TXT" if n.startswith("huge") else "A", qid=1000 + i)
          for i, n in enumerate(names)]
    s = socket.create_connection((server.host, server.port), timeout=5)
    try:
        s.sendall(b"".join(struct.pack("!H", len(w)) + w for w in (q.to_wire() for q in qs)))
        got = {}
        for _ in qs:
            raw = read_framed(s)
            assert raw is not None, f"connection closed after {len(got)} of {len(qs)} answers"
            m = parse(raw)
            got[m.id] = m
    finally:
        s.close()
    assert sorted(got) == sorted(q.id for q in qs)
    for q in qs:
        assert got[q.id].question[0].name == q.question[0].name
    assert len(got[1004].answer) == 12  # huge TXT, no truncation over TCP


def test_tcp_split_writes(server):
    """A message arriving in pieces (length prefix split, body split) is still answered."""
    w = make_query("example.com", "A", qid=77).to_wire()
    framed = struct.pack("!H", len(w)) + w
    s = socket.create_connection((server.host, server.port), timeout=5)
    try:
        for part in (framed[:1], framed[1:5], framed[5:]):
            s.sendall(part)
            time.sleep(0.05)
        m = parse(read_framed(s))
        assert m.id == 77 and len(m.answer) == 1
    finally:
        s.close()


def test_tcp_idle_timeout(server):
    """An idle connection is closed by the server (Knot: 10 s); not immediately."""
    s = socket.create_connection((server.host, server.port), timeout=5)
    try:
        w = make_query("example.com", "A").to_wire()
        s.sendall(struct.pack("!H", len(w)) + w)
        assert read_framed(s) is not None
        t0 = time.monotonic()
        s.settimeout(40)
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        waited = time.monotonic() - t0
        assert data == b"", "unexpected data on an idle connection"
        assert 1.0 <= waited <= 35, f"idle connection closed after {waited:.1f}s"
    finally:
        s.close()


# ---- opcodes and rcodes --------------------------------------------------------------------


def _with_opcode(q, opcode):
    w = bytearray(q.to_wire())
    w[2] = (w[2] & 0x87) | (opcode << 3)
    return bytes(w)


@pytest.mark.parametrize("opcode", [1, 2, 3, 6, 7, 15])
def test_unknown_opcode_notimp(server, opcode):
    for edns in (None, 0):
        raw = server.raw_udp(_with_opcode(make_query("example.com", "SOA", edns=edns), opcode))
        assert raw is not None
        h = header(raw)
        assert h["qr"] and h["opcode"] == opcode and h["rcode"] == dns.rcode.NOTIMP
        assert not h["aa"] and h["an"] == 0 and h["ns"] == 0


@pytest.mark.parametrize("opcode", [4, 5])
def test_notify_update_not_served(server, opcode):
    # Knot answers NOTAUTH (ACL refusal); dnsedge may answer NOTIMP or REFUSED.
    raw = server.raw_udp(_with_opcode(make_query("example.com", "SOA"), opcode))
    assert raw is not None
    h = header(raw)
    assert h["qr"] and h["rcode"] in (dns.rcode.NOTIMP, dns.rcode.NOTAUTH, dns.rcode.REFUSED)
    assert h["an"] == 0


def test_query_with_qr_set_is_ignored(server):
    w = bytearray(make_query("example.com", "SOA").to_wire())
    w[2] |= 0x80
    assert server.raw_udp(bytes(w), timeout=0.5) is None


@pytest.mark.parametrize("qname", ["www.outside.test", "com", ".", "example.org", "xexample.com"])
def test_refused_outside_our_zones(server, qname):
    r = server.ask(qname, "A")
    assert r.rcode() == dns.rcode.REFUSED
    assert not r.flags & dns.flags.AA
    assert not r.answer and not r.authority


@pytest.mark.parametrize("cls", ["CH", "HS", "NONE"])
def test_other_classes_refused(server, cls):
    r = server.ask("example.com", "SOA", rdclass=cls)
    assert r.rcode() == dns.rcode.REFUSED and not r.answer


def test_formerr_for_malformed_rest(server):
    q = make_query("example.com", "A", edns=None).to_wire()
    for bad in (q + b"\x01\x02\x03",                           # trailing bytes
                q[:7] + b"\x01" + q[8:],                       # ANCOUNT 1, no record
                q[:11] + b"\x05" + q[12:]):                    # ARCOUNT 5, no records
        raw = server.raw_udp(bad)
        assert raw is not None
        h = header(raw)
        assert h["qr"] and h["rcode"] == dns.rcode.FORMERR and h["an"] == 0


def test_formerr_opt_twice(server):
    w = bytearray(make_query("example.com", "A", edns=0).to_wire())
    opt = bytes(w[-11:])
    w[10:12] = b"\x00\x02"
    raw = server.raw_udp(bytes(w) + opt)
    assert raw is not None and header(raw)["rcode"] == dns.rcode.FORMERR


@pytest.mark.dnsedge_only
def test_any_is_rfc8482(server):
    r = server.ask("example.com", "ANY")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
    assert len(r.answer) == 1
    rrset = r.answer[0]
    assert rrset.rdtype == dns.rdatatype.HINFO and rrset.name.to_text() == "example.com."
    (rd,) = list(rrset)
    assert rd.cpu == b"RFC8482" and rd.os == b""
    r = server.ask("Foo.Wild.example.com", "ANY", tcp=True)
    assert [x.rdtype for x in r.answer] == [dns.rdatatype.HINFO]
