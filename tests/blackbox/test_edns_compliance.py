"""EDNS and header edge cases of ISC's EDNS compliance list (ednscomp), answered as Knot DNS
answers them: the same packet goes to the server under test and to Knot, and the two replies
must be the same (byte for byte when they hold no records, else the same rcode, flags, sections
and OPT). Each table case also states what Knot answers (KNOT_BEHAVIOUR.md, "Messages without a
question"), so a change on either side is caught.

- An unknown opcode with no question: NOTIMP (a question-less QUERY, NOTIFY or UPDATE: FORMERR).
- A message with an OPT and no question: answered (FORMERR, or NOTIMP for an unknown opcode),
  with an OPT (RFC 6891 §6.1.1: every reply to a query with an OPT carries one): payload 1232,
  version 0, DO echoed; BADVERS when the query's version is not 0.
- A NOTIMP reply to a query with an OPT carries an OPT.
- A message whose records fail to parse gets FORMERR without an OPT, or no reply when nothing
  after the header can be read.

The hostile-input test sends random opcodes, flags and OPT placements to both servers and
requires the same reply (or the same silence) from each, then checks the server still answers.
"""

import random
import socket
import struct

import dns.flags
import dns.rcode
import pytest

from conftest import LOOKUP_ZONES, canon, header, parse, raw_tcp, raw_udp, start_reference, start_target

QID = 0x2a2a
QUESTION = b"\x03www\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
A_RECORD = b"\x00" + struct.pack("!HHIH", 1, 1, 0, 4) + b"\xc0\x00\x02\x01"


def hdr(opcode=0, flags=0, qd=0, an=0, ns=0, ar=0, qid=QID):
    return struct.pack("!HHHHHH", qid, (opcode << 11) | flags, qd, an, ns, ar)


def opt(payload=1232, version=0, do=False, ext=0, rdata=b"", owner=b"\x00"):
    return owner + struct.pack("!HHBBHH", 41, payload, ext, version, 0x8000 if do else 0, len(rdata)) + rdata


RD, CD, AD, TC, AA, Z = 0x0100, 0x0010, 0x0020, 0x0200, 0x0400, 0x0040

# (name, packet, what Knot answers: "drop" or (rcode, extended rcode, OPT present, DO echoed))
CASES = [
    ("unknown opcode 3, bare header", hdr(3), ("NOTIMP", 0, False, False)),
    ("unknown opcode 1, bare header", hdr(1), ("NOTIMP", 0, False, False)),
    ("unknown opcode 15, bare header", hdr(15), ("NOTIMP", 0, False, False)),
    ("QUERY, bare header", hdr(0), ("FORMERR", 0, False, False)),
    ("NOTIFY, bare header", hdr(4), ("FORMERR", 0, False, False)),
    ("UPDATE, bare header", hdr(5), ("FORMERR", 0, False, False)),
    ("QUERY, OPT only", hdr(0, ar=1) + opt(), ("FORMERR", 0, True, False)),
    ("QUERY, OPT only, DO", hdr(0, ar=1) + opt(payload=4096, do=True), ("FORMERR", 0, True, True)),
    ("QUERY, OPT only, payload 100", hdr(0, ar=1) + opt(payload=100), ("FORMERR", 0, True, False)),
    ("QUERY, OPT only, ext rcode set", hdr(0, ar=1) + opt(ext=5), ("FORMERR", 0, True, False)),
    ("QUERY, OPT only, version 1", hdr(0, ar=1) + opt(version=1), ("NOERROR", 16, True, False)),
    ("QUERY, OPT only, RD CD AD Z", hdr(0, RD | CD | AD | Z, ar=1) + opt(), ("FORMERR", 0, True, False)),
    ("QUERY, OPT only, AA TC", hdr(0, AA | TC, ar=1) + opt(), ("FORMERR", 0, True, False)),
    ("QUERY, OPT with a non-root owner", hdr(0, ar=1) + opt(owner=b"\x01a\x00"), ("FORMERR", 0, True, False)),
    ("QUERY, A then OPT, DO", hdr(0, ar=2) + A_RECORD + opt(do=True), ("FORMERR", 0, True, True)),
    ("QUERY, OPT then A, DO", hdr(0, ar=2) + opt(do=True) + A_RECORD, ("FORMERR", 0, True, True)),
    ("QUERY, A in authority, OPT", hdr(0, ns=1, ar=1) + A_RECORD + opt(), ("FORMERR", 0, True, False)),
    ("QUERY, A only", hdr(0, ar=1) + A_RECORD, ("FORMERR", 0, False, False)),
    ("unknown opcode 3, OPT only", hdr(3, ar=1) + opt(), ("NOTIMP", 0, True, False)),
    ("unknown opcode 3, OPT only, RD CD", hdr(3, RD | CD, ar=1) + opt(), ("NOTIMP", 0, True, False)),
    ("unknown opcode 3, OPT only, version 1, DO", hdr(3, ar=1) + opt(version=1, do=True),
     ("NOERROR", 16, True, True)),
    ("unknown opcode 3, A only", hdr(3, ar=1) + A_RECORD, ("NOTIMP", 0, False, False)),
    ("NOTIFY, OPT only", hdr(4, ar=1) + opt(), ("FORMERR", 0, True, False)),
    ("UPDATE, OPT only", hdr(5, ar=1) + opt(), ("FORMERR", 0, True, False)),
    ("unknown opcode 3, question, OPT, DO", hdr(3, qd=1, ar=1) + QUESTION + opt(payload=600, do=True),
     ("NOTIMP", 0, True, True)),
    ("unknown opcode 2, question, OPT payload 100", hdr(2, qd=1, ar=1) + QUESTION + opt(payload=100),
     ("NOTIMP", 0, True, False)),
    ("unknown opcode 3, question, no OPT", hdr(3, qd=1) + QUESTION, ("NOTIMP", 0, False, False)),
    ("unknown opcode 3, question, OPT version 1", hdr(3, qd=1, ar=1) + QUESTION + opt(version=1),
     ("NOERROR", 16, True, False)),
    # Records that fail to parse: FORMERR without an OPT, or no reply.
    ("QUERY, OPT twice", hdr(0, ar=2) + opt() + opt(), ("FORMERR", 0, False, False)),
    ("QUERY, OPT then trailing byte", hdr(0, ar=1) + opt() + b"\x00", ("FORMERR", 0, False, False)),
    ("QUERY, OPT with a truncated option", hdr(0, ar=1) + opt(rdata=b"\x00\x0a\x00\x09"),
     ("FORMERR", 0, False, False)),
    ("QUERY, OPT in the answer section", hdr(0, an=1) + opt(), ("FORMERR", 0, False, False)),
    ("QUERY, OPT then garbage record", hdr(0, ar=2) + opt() + b"\x00\x00", ("FORMERR", 0, False, False)),
    ("unknown opcode 3, OPT then trailing byte", hdr(3, ar=1) + opt() + b"\x00", ("FORMERR", 0, False, False)),
    ("unknown opcode 3, OPT twice", hdr(3, ar=2) + opt() + opt(), ("FORMERR", 0, False, False)),
    ("unknown opcode 3, question, OPT twice", hdr(3, qd=1, ar=2) + QUESTION + opt() + opt(),
     ("FORMERR", 0, False, False)),
    ("unknown opcode 3, question, OPT in the answer section", hdr(3, qd=1, an=1) + QUESTION + opt(),
     ("FORMERR", 0, False, False)),
    ("unknown opcode 3, question, trailing byte", hdr(3, qd=1) + QUESTION + b"\x00", ("FORMERR", 0, False, False)),
    ("QUERY, question, OPT version 1, DO, trailing byte",
     hdr(0, qd=1, ar=1) + QUESTION + opt(version=1, do=True) + b"\x00", ("FORMERR", 0, False, False)),
    ("unknown opcode 3, bare header and a trailing byte", hdr(3) + b"\x00", "drop"),
    ("QUERY, a record that cannot be read", hdr(0, ar=1) + b"\x00\x00", "drop"),
    ("QUERY, OPT owner pointing at itself", hdr(0, ar=1) + b"\xc0\x0c" + opt()[1:], "drop"),
]


def summary(raw: bytes | None):
    """What a reply says, in the table's terms."""
    if raw is None:
        return "drop"
    h = header(raw)
    opt_present, do, ext = False, False, 0
    if h["ar"] and h["an"] == 0 and h["ns"] == 0 and len(raw) >= 23 and raw[-11:-10] == b"\x00" \
            and raw[-10:-8] == b"\x00\x29":
        opt_present = True
        ext = (raw[-6] << 4) | h["rcode"]  # owner, type, class, then the TTL: ext-rcode, version, flags
        do = bool(raw[-4] & 0x80)
    rcode = dns.rcode.to_text(h["rcode"])
    return (rcode, ext if ext >= 16 else 0, opt_present, do)


def same_reply(a: bytes | None, b: bytes | None) -> bool:
    """Byte for byte for replies without records; else the same canonical form."""
    if a is None or b is None:
        return a is b
    ha, hb = header(a), header(b)
    if ha["an"] or ha["ns"] or hb["an"] or hb["ns"]:
        return ha == hb and canon(parse(a), fold_case=True) == canon(parse(b), fold_case=True)
    return a == b


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    knot = start_reference(tmp_path_factory.mktemp("ednsknot"), LOOKUP_ZONES, "example.com.")
    try:
        target = start_target(tmp_path_factory.mktemp("ednstarget"), LOOKUP_ZONES, "example.com.")
    except BaseException:
        knot.stop()
        raise
    yield target, knot
    rc = target.stop()
    knot.stop()
    assert rc == 0 or target.name == "knotd", f"{target.name} exited {rc}:\n{target.log_tail()}"


@pytest.mark.parametrize("name,packet,knot_says", CASES, ids=[c[0] for c in CASES])
def test_edge_case_udp(pair, name, packet, knot_says):
    target, knot = pair
    ref = raw_udp(knot.host, knot.port, packet, timeout=0.7)
    assert summary(ref) == knot_says, f"Knot answers {name!r} differently now: {ref and ref.hex()}"
    got = raw_udp(target.host, target.port, packet, timeout=0.7)
    assert summary(got) == knot_says
    assert same_reply(got, ref), f"{name}:\n  {target.name}: {got and got.hex()}\n  knot:   {ref.hex()}"


@pytest.mark.parametrize("name,packet,knot_says", [c for c in CASES if c[2] != "drop"],
                         ids=[c[0] for c in CASES if c[2] != "drop"])
def test_edge_case_tcp(pair, name, packet, knot_says):
    """Over TCP the same answers (the drop cases close the connection: test_badinput)."""
    target, knot = pair
    ref = raw_tcp(knot.host, knot.port, packet)
    got = raw_tcp(target.host, target.port, packet)
    assert summary(ref) == knot_says
    assert same_reply(got, ref), f"{name}:\n  {target.name}: {got and got.hex()}\n  knot:   {ref.hex()}"


def random_packet(rng: random.Random, qid: int) -> bytes:
    """Random opcode (NOTIFY and UPDATE only without a question: with one Knot's ACL answers
    them), random header flags, and OPTs in random places, some malformed."""
    with_question = rng.random() < 0.5
    opcode = rng.choice([o for o in range(16) if not (with_question and o in (4, 5))])
    flags = 0
    for f in (RD, CD, AD, TC, AA, Z):
        if rng.random() < 0.3:
            flags |= f
    an, ns, ar = [], [], []
    for _ in range(rng.choice([0, 1, 1, 1, 2])):
        rec = opt(payload=rng.choice([0, 100, 512, 1232, 4096, 65535]), version=rng.choice([0, 0, 0, 1, 255]),
                  do=rng.random() < 0.5, ext=rng.choice([0, 0, 1]))
        rng.choice([ar, ar, ar, ar, an, ns]).append(rec)
    if rng.random() < 0.3:
        rng.choice([ar, ns, an]).insert(rng.randint(0, 1), A_RECORD)
    body = (QUESTION if with_question else b"") + b"".join(an + ns + ar)
    if rng.random() < 0.1:
        body += b"\x00"
    return hdr(opcode, flags, int(with_question), len(an), len(ns), len(ar), qid=qid) + body


def replies_by_id(host, port, packets, wait=1.0) -> dict[int, bytes]:
    """Sends every packet from one UDP socket (ids distinct), then collects the replies."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    out = {}
    try:
        for p in packets:
            s.sendto(p, (host, port))
        s.settimeout(wait)
        while len(out) < len(packets):
            try:
                r = s.recv(65535)
            except socket.timeout:
                break
            out[struct.unpack("!H", r[:2])[0]] = r
    finally:
        s.close()
    return out


def test_random_opcodes_flags_and_opt_placements(pair):
    """Hostile input: every packet gets the reply Knot gives (or is dropped as Knot drops it),
    never a crash; the server answers normally afterwards."""
    target, knot = pair
    rng = random.Random(6891)
    packets = [random_packet(rng, 0x6000 + i) for i in range(400)]
    ref, got = {}, {}
    for k in range(0, len(packets), 40):  # small batches: no reply lost to a full socket buffer
        ref.update(replies_by_id(knot.host, knot.port, packets[k:k + 40], wait=0.3))
        got.update(replies_by_id(target.host, target.port, packets[k:k + 40], wait=0.3))
    diffs = []
    for i, p in enumerate(packets):
        a, b = got.get(0x6000 + i), ref.get(0x6000 + i)
        if not same_reply(a, b):
            diffs.append(f"{p.hex()}\n  {target.name}: {a and a.hex()}\n  knot:   {b and b.hex()}")
    assert not diffs, f"{len(diffs)} of {len(packets)} replies differ from Knot's:\n" + "\n".join(diffs[:10])
    assert len(ref) > len(packets) // 2  # most of them are answered
    r = target.ask("www.example.com", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    assert target.ask("www.example.com", "A", tcp=True).answer
    proc = getattr(target, "proc", None)
    assert proc is None or proc.poll() is None, "server process died"
