"""Bad input: malformed, truncated, oversized and compression-looping packets get FORMERR or are
dropped — never a crash or a hang; after the barrage the server still answers.

Knot's exact choices (KNOT_BEHAVIOUR.md): an unparseable question (qdcount >= 2, truncated, a
compression pointer in the qname, bad label type, name > 255) is dropped; a parseable question
followed by garbage gets FORMERR with the question echoed."""

import random
import socket
import struct
import time

import dns.rcode

from conftest import header, make_query, parse, raw_udp

RNG_SEED = 20240101


def _q(qid, qname="example.com", qtype="A", edns=None):
    return make_query(qname, qtype, edns=edns, qid=qid).to_wire()


def _hdr(qid, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


QNAME = b"\x07example\x03com\x00"
QTAIL = b"\x00\x01\x00\x01"


def crafted() -> list[tuple[str, bytes, bool]]:
    """(what, packet, question_parseable). IDs are distinct per packet (0x5000 + index)."""
    out = []

    def add(what, pkt, parseable=False):
        out.append((what, pkt, parseable))

    i = 0x5000
    nxt = lambda: i + len(out)  # noqa: E731
    # compression loops and bad pointers in the question
    add("qname pointer to itself", _hdr(nxt()) + b"\xc0\x0c" + QTAIL)
    add("qname forward pointer", _hdr(nxt()) + b"\xc0\x20" + QTAIL + b"\0" * 20)
    add("qname pointer past end", _hdr(nxt()) + b"\xc3\xff" + QTAIL)
    add("qname pointer into header", _hdr(nxt()) + b"\xc0\x02" + QTAIL)
    add("qname two-step loop", _hdr(nxt()) + b"\x01a\xc0\x0e\x01b\xc0\x0c" + QTAIL)
    add("label type 0x40", _hdr(nxt()) + b"\x47example\x03com\x00" + QTAIL)
    add("label type 0x80", _hdr(nxt()) + b"\x87example\x03com\x00" + QTAIL)
    add("qname > 255 octets", _hdr(nxt()) + (b"\x3f" + b"a" * 63) * 4 + QNAME + QTAIL)
    add("label runs past end", _hdr(nxt()) + b"\x3fabc")
    # truncated questions
    for cut in range(1, len(QNAME) + 4):
        add(f"question cut at {cut}", _hdr(nxt()) + (QNAME + QTAIL)[:cut])
    # counts
    add("qdcount 0, header only", _hdr(nxt(), qd=0), True)
    add("qdcount 0 with bytes", _hdr(nxt(), qd=0) + QNAME + QTAIL)
    add("qdcount 2", _hdr(nxt(), qd=2) + (QNAME + QTAIL) * 2)
    add("qdcount 2, one question", _hdr(nxt(), qd=2) + QNAME + QTAIL)
    add("qdcount 65535", _hdr(nxt(), qd=65535) + QNAME + QTAIL)
    add("ancount 65535", _hdr(nxt(), an=65535) + QNAME + QTAIL, True)
    add("arcount 65535", _hdr(nxt(), ar=65535) + QNAME + QTAIL, True)
    add("all counts 65535", _hdr(nxt(), qd=65535, an=65535, ns=65535, ar=65535) + QNAME + QTAIL)
    # EDNS
    opt = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
    add("OPT twice", _hdr(nxt(), ar=2) + QNAME + QTAIL + opt + opt, True)
    add("OPT rdlen past end", _hdr(nxt(), ar=1) + QNAME + QTAIL + opt[:-2] + b"\x00\x09", True)
    add("OPT option len past end", _hdr(nxt(), ar=1) + QNAME + QTAIL + opt[:-2]
        + b"\x00\x06\xfd\xe9\x00\x10ab", True)
    add("OPT truncated", _hdr(nxt(), ar=1) + QNAME + QTAIL + opt[:5], True)
    add("additional RR owner pointer loop", _hdr(nxt(), ar=1) + QNAME + QTAIL
        + b"\xc0\x1d" + b"\x00\x01\x00\x01\x00\x00\x00\x10\x00\x04\x01\x02\x03\x04", True)
    add("additional RR owner self pointer", _hdr(nxt(), ar=1) + QNAME + QTAIL
        + b"\xc0\x1d\x00\x01\x00\x01\x00\x00\x00\x10\x00\x04\x01\x02\x03\x04", True)
    add("answer RR rdlen past end", _hdr(nxt(), an=1) + QNAME + QTAIL
        + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x10\xff\xff\x01", True)
    add("trailing garbage", _hdr(nxt()) + QNAME + QTAIL + b"\xde\xad\xbe\xef", True)
    # sizes
    add("11 octets", _hdr(nxt())[:11])
    add("1 octet", b"\x00")
    add("oversized 4000 octets of garbage after the question", _hdr(nxt()) + QNAME + QTAIL
        + b"\xff" * 3970, True)
    add("oversized 65000 octets of zeros", _hdr(nxt()) + b"\0" * 64988)
    return out


def send_barrage(host, port, packets, wait=1.5):
    """Send every packet from one UDP socket, then collect replies for `wait` seconds."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    replies = []
    try:
        for p in packets:
            try:
                s.sendto(p, (host, port))
            except OSError:
                pass  # too big for the kernel: skip
        s.settimeout(0.2)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                replies.append(s.recv(65535))
            except socket.timeout:
                continue
    finally:
        s.close()
    return replies


def still_answers(server):
    r = server.ask("example.com", "SOA")
    assert r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1
    r = server.ask("www.example.com", "A", tcp=True)
    assert r.rcode() == dns.rcode.NOERROR and len(r.answer) == 2
    proc = getattr(server, "proc", None)
    if proc is not None:
        assert proc.poll() is None, "server process died"


def test_crafted_packets(server):
    cases = crafted()
    by_id = {struct.unpack("!H", pkt[:2])[0]: what for what, pkt, _ in cases if len(pkt) >= 12}
    replies = send_barrage(server.host, server.port, [pkt for _, pkt, _ in cases], wait=1.5)
    bad = []
    for raw in replies:
        if len(raw) < 12:
            bad.append(f"reply of {len(raw)} octets: {raw.hex()}")
            continue
        h = header(raw)
        what = by_id.get(h["id"], f"unknown id {h['id']}")
        if not h["qr"] or h["rcode"] != dns.rcode.FORMERR:
            bad.append(f"{what}: reply is not a FORMERR: {h}")
        elif h["an"] or h["ns"]:
            bad.append(f"{what}: FORMERR with records: {h}")
    assert not bad, "\n".join(bad)
    still_answers(server)


def test_formerr_when_question_parses(server):
    """The malformed packets whose question is fine get FORMERR (as from Knot), not silence."""
    missing = []
    for what, pkt, parseable in crafted():
        if not parseable or len(pkt) > 1232:
            continue
        raw = raw_udp(server.host, server.port, pkt, timeout=1.0)
        if raw is None or header(raw)["rcode"] != dns.rcode.FORMERR:
            missing.append(f"{what}: {None if raw is None else header(raw)}")
    assert not missing, "expected FORMERR for:\n" + "\n".join(missing)


def test_oversized_valid_query(server):
    """A well-formed 4000-octet query (a big unknown EDNS option): answered or FORMERR or
    dropped, over UDP and TCP; never a crash."""
    import dns.edns
    q = make_query("example.com", "A", options=[dns.edns.GenericOption(65001, b"x" * 3950)])
    w = q.to_wire(max_size=65535)
    assert len(w) > 3990
    tcp = _tcp_send(server.host, server.port, struct.pack("!H", len(w)) + w)
    for raw in (raw_udp(server.host, server.port, w, timeout=1.0), tcp[2:] if tcp else None):
        if raw is None:
            continue
        h = header(raw)
        assert h["qr"] and h["id"] == q.id
        assert h["rcode"] in (dns.rcode.NOERROR, dns.rcode.FORMERR)
    still_answers(server)


def test_barrage_udp(server):
    rng = random.Random(RNG_SEED)
    packets = [p for _, p, _ in crafted()]
    base = _q(1, "www.example.com", "A", edns=0)
    for _ in range(1500):
        kind = rng.random()
        if kind < 0.4:  # random bytes
            packets.append(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 600))))
        elif kind < 0.8:  # a valid query with random octets flipped
            b = bytearray(base)
            for _ in range(rng.randint(1, 6)):
                b[rng.randrange(len(b))] = rng.getrandbits(8)
            packets.append(bytes(b))
        else:  # a valid query cut short, or with a random tail
            b = base[:rng.randrange(len(base))] if rng.random() < 0.5 else \
                base + bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 50)))
            packets.append(b)
    replies = send_barrage(server.host, server.port, packets)
    for raw in replies:
        assert len(raw) >= 12, f"reply shorter than a header: {raw.hex()}"
        assert header(raw)["qr"], f"reply without QR: {raw[:12].hex()}"
    still_answers(server)


def _tcp_send(host, port, data, read=True, timeout=2.0):
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(data)
        if not read:
            return None
        try:
            return s.recv(65535)
        except (socket.timeout, ConnectionResetError):
            return None
    finally:
        s.close()


def test_barrage_tcp(server):
    h, p = server.host, server.port
    for what, pkt, _ in crafted():
        if len(pkt) > 65535:
            continue
        raw = _tcp_send(h, p, struct.pack("!H", len(pkt)) + pkt, timeout=0.5)
        if raw:
            assert len(raw) >= 14, f"{what}: short TCP reply"
            hd = header(raw[2:])
            assert hd["qr"] and hd["rcode"] == dns.rcode.FORMERR, f"{what}: {hd}"
    # framing abuse: zero length, length longer than the data then close, length only,
    # 1 octet, a lie followed by another message
    _tcp_send(h, p, b"\x00\x00", read=False)
    _tcp_send(h, p, b"\xff\xff" + b"x" * 100, read=False)
    _tcp_send(h, p, b"\x00\x40", read=False)
    _tcp_send(h, p, b"\x00", read=False)
    _tcp_send(h, p, b"\x00\x05abcde" + struct.pack("!H", 29) + _q(9), timeout=1.0)
    rng = random.Random(RNG_SEED + 1)
    for _ in range(30):
        _tcp_send(h, p, bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))),
                  read=False)
    # many connections opened and abandoned at once
    socks = []
    try:
        for _ in range(50):
            socks.append(socket.create_connection((h, p), timeout=2))
        for s in socks[::2]:
            s.sendall(b"\x00\x30\x12\x34")
    finally:
        for s in socks:
            s.close()
    still_answers(server)


def test_tcp_closes_after_unanswerable_message(server):
    """A framed message that gets no answer (unparseable question) makes the server close the
    connection at once, as Knot does, instead of leaving the client waiting for its timeout."""
    import selectors
    sel = selectors.DefaultSelector()
    conns = {}
    try:
        for what, pkt, parseable in crafted():
            if parseable or len(pkt) < 12:
                continue
            s = socket.create_connection((server.host, server.port), timeout=3)
            s.sendall(struct.pack("!H", len(pkt)) + pkt)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, what)
            conns[what] = s
        pending = set(conns)
        deadline = time.monotonic() + 3
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=0.1):
                what = key.data
                try:
                    data = key.fileobj.recv(65535)
                except (ConnectionResetError, BlockingIOError):
                    data = b""
                if data:
                    hd = header(data[2:])
                    assert hd["qr"] and hd["rcode"] == dns.rcode.FORMERR, f"{what}: {hd}"
                sel.unregister(key.fileobj)
                pending.discard(what)
    finally:
        for s in conns.values():
            s.close()
        sel.close()
    assert not pending, "connection still open 3 s after:\n" + "\n".join(sorted(pending))
    still_answers(server)


def test_valid_query_after_each_garbage(server):
    """Interleaved: garbage then a good query on the same socket; the good one is answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        for n, (what, pkt, _) in enumerate(crafted()[:20]):
            s.sendto(pkt, (server.host, server.port))
            good = _q(0x7000 + n, "example.com", "SOA")
            s.sendto(good, (server.host, server.port))
            deadline = time.monotonic() + 2
            while True:
                assert time.monotonic() < deadline, f"no answer after '{what}'"
                raw = s.recv(65535)
                if header(raw)["id"] == 0x7000 + n:
                    assert parse(raw).rcode() == dns.rcode.NOERROR
                    break
    finally:
        s.close()
