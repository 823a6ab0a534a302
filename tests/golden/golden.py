"""Golden cases (tests/golden/**.case): parsing, query building, canonical form, comparison.

Shared by regen.py (expectations from Knot DNS) and test_golden_wire.py (dnsedge over the wire).
The grammar is in FORMAT.md; golden_inproc_test.cc implements the same rules in C++.
"""

from __future__ import annotations

import base64
import calendar
import dataclasses
import os
import pathlib
import socket
import struct
import sys

import dns.dnssec
import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

GOLDEN_DIR = pathlib.Path(__file__).resolve().parent
QUERY_ID = 0x2A2A
SECTIONS = ("answer", "authority", "additional")
FLAG_ORDER = ("qr", "aa", "tc", "rd", "ra", "ad", "cd")
_FLAG_BITS = {
    "qr": dns.flags.QR, "aa": dns.flags.AA, "tc": dns.flags.TC, "rd": dns.flags.RD,
    "ra": dns.flags.RA, "ad": dns.flags.AD, "cd": dns.flags.CD,
}
EXPECT_MARK = "== expect"
KNOT_DIFFERS = "# knot-differs"
# Zone-set options (`option KEY VALUE`): the `dnsedge serve` flag each one becomes.
OPTION_FLAGS = {"edge-ipv4": "--edge-ipv4", "edge-ipv6": "--edge-ipv6",
                "flatten-all": "--flatten-all"}
# The Compact Answers OK flag (RFC 9824 §3): the EDNS header flag after DO.
EDNS_CO = 0x4000
# What an expected RRSIG of a zone the case signs has in place of its (random) signature.
SIGNATURE_MARK = "<signature>"
_ZERO_SIGNATURE_B64 = "A" * 86 + "=="  # 64 zero octets: the mark in the comparison


class CaseError(Exception):
    pass


@dataclasses.dataclass
class Edns:
    """EDNS(0) of a query or a response: None in place of this means no OPT record."""
    size: int = 1232
    do: bool = False
    co: bool = False  # Compact Answers OK (RFC 9824 §3)
    version: int = 0
    # Options, as text tokens. In a query: "opt=CODE:HEX" (sent as is). In a response: "ede=N"
    # for an Extended DNS Error (RFC 8914, info code N), "opt=CODE" for any other option.
    options: tuple[str, ...] = ()

    def text(self) -> str:
        out = [str(self.size)]
        if self.version:
            out.append(f"version={self.version}")
        out.append(f"do={int(self.do)}")
        if self.co:
            out.append("co=1")
        out.extend(sorted(self.options))
        return " ".join(out)

    def query_options(self) -> list:
        out = []
        for o in self.options:
            code, _, data = o[4:].partition(":")
            out.append(dns.edns.GenericOption(int(code), bytes.fromhex(data)))
        return out


@dataclasses.dataclass
class Expect:
    rcode: str = "NOERROR"
    flags: tuple[str, ...] = ("qr", "aa")
    edns: Edns | None = None
    question: bool = True          # "question none": the response carries no question
    order_strict: bool = False     # from the case header: answer RRsets compared in order
    sections: dict = dataclasses.field(default_factory=lambda: {s: [] for s in SECTIONS})

    def render(self) -> str:
        lines = [EXPECT_MARK, f"rcode  {self.rcode}", "flags  " + " ".join(self.flags)]
        lines.append("edns   " + (self.edns.text() if self.edns else "none"))
        if not self.question:
            lines.append("question none")
        for s in SECTIONS:
            lines.append(f"{s}:")
            rrs = self.sections[s]
            if not (self.order_strict and s == "answer"):
                rrs = sorted(rrs, key=lambda l: l.encode())
            lines.extend(rrs)
        return "\n".join(lines) + "\n"


@dataclasses.dataclass
class Case:
    path: pathlib.Path
    name: str                       # "auth/wildcard-nodata"
    description: str
    zones: list[tuple[str, pathlib.Path]]
    qname: str
    qtype: str
    qclass: str = "IN"
    edns: Edns | None = None
    qflags: tuple[str, ...] = ()
    transports: tuple[str, ...] = ("udp", "tcp")
    order_strict: bool = False
    knot_differs: str | None = None
    # Zone-set options, in file order: ("edge-ipv4", "203.0.113.1,203.0.113.2"), ...
    options: tuple[tuple[str, str], ...] = ()
    # `sign APEX KSK ZSK`: zones signed online with the keys of these PEM files.
    sign: tuple[tuple[str, pathlib.Path, pathlib.Path], ...] = ()
    clock: int | None = None        # `clock`: unix seconds the signatures are made at
    header: str = ""                # the text before "== expect", verbatim
    expect: Expect | None = None

    def zone_key(self) -> tuple:
        """What one server serves: the zone set and the zone-set options."""
        return (tuple(sorted((a.lower(), str(p)) for a, p in self.zones)),
                tuple(sorted(self.options)),
                tuple(sorted((a.lower(), str(k), str(z)) for a, k, z in self.sign)))

    def serve_args(self) -> list[str]:
        """The options as `dnsedge serve` flags."""
        out = []
        for key, value in self.options:
            out += [OPTION_FLAGS[key], value]
        return out

    def query(self) -> dns.message.Message:
        q = dns.message.Message(id=QUERY_ID)
        q.flags = 0
        for f in self.qflags:
            q.flags |= _FLAG_BITS[f]
        q.find_rrset(q.question, dns.name.from_text(self.qname),
                     dns.rdataclass.from_text(self.qclass), dns.rdatatype.from_text(self.qtype),
                     create=True, force_unique=True)
        if self.edns is not None:
            flags = (dns.flags.DO if self.edns.do else 0) | (EDNS_CO if self.edns.co else 0)
            q.use_edns(self.edns.version, flags, self.edns.size,
                       options=self.edns.query_options())
        return q

    def query_wire(self) -> bytes:
        return self.query().to_wire()


def _strip_comment(line: str) -> str:
    i = line.find("#")
    return line if i < 0 else line[:i]


def _parse_edns(tokens: list[str], where: str) -> Edns | None:
    if tokens == ["none"]:
        return None
    if not tokens or not tokens[0].isdigit():
        raise CaseError(f"{where}: edns wants 'none' or '<size> [do=0|1] [version=N]'")
    e = Edns(size=int(tokens[0]))
    for t in tokens[1:]:
        k, _, v = t.partition("=")
        if k == "do" and v in ("0", "1"):
            e.do = v == "1"
        elif k == "co" and v in ("0", "1"):
            e.co = v == "1"
        elif k == "version" and v.isdigit():
            e.version = int(v)
        elif k in ("opt", "ede") and v.replace(":", "").isalnum():
            e.options += (t,)
        else:
            raise CaseError(f"{where}: bad edns token {t!r}")
    return e


def _parse_option(key: str, value: str, where: str) -> tuple[str, str]:
    if key in ("edge-ipv4", "edge-ipv6"):
        family = socket.AF_INET if key == "edge-ipv4" else socket.AF_INET6
        for a in value.split(","):
            try:
                socket.inet_pton(family, a)
            except OSError:
                raise CaseError(f"{where}: option {key}: {a!r} is not an address of that "
                                "family") from None
        return key, value
    if key == "flatten-all":
        if not value.endswith("."):
            raise CaseError(f"{where}: option flatten-all wants an absolute zone name")
        return key, value
    raise CaseError(f"{where}: unknown option {key!r} ({', '.join(OPTION_FLAGS)})")


def parse_case(path: pathlib.Path) -> Case:
    text = path.read_text()
    rel = path.relative_to(GOLDEN_DIR).with_suffix("")
    head, mark, tail = text.partition("\n" + EXPECT_MARK + "\n")
    if not mark:
        if text.startswith(EXPECT_MARK + "\n"):
            head, tail = "", text[len(EXPECT_MARK) + 1:]
        else:
            head, tail = text, None
    lines = head.split("\n")
    if not lines or not lines[0].startswith("# ") or len(lines[0]) < 10:
        raise CaseError(f"{path}:1: a case starts with a '# <why, citing the RFC>' line")
    case = Case(path=path, name=str(rel), description=lines[0][2:].strip(), zones=[],
                qname="", qtype="", header=head.rstrip("\n") + "\n")
    for n, raw in enumerate(lines, 1):
        where = f"{path}:{n}"
        if raw.startswith(KNOT_DIFFERS):
            case.knot_differs = raw[len(KNOT_DIFFERS):].lstrip(": ").strip() or "yes"
            continue
        tok = _strip_comment(raw).split()
        if not tok:
            continue
        key, args = tok[0], tok[1:]
        if key == "zone" and len(args) == 2:
            case.zones.append((args[0], (GOLDEN_DIR / args[1]).resolve()))
        elif key == "query" and len(args) in (2, 3):
            case.qname, case.qtype = args[0], args[1].upper()
            if len(args) == 3:
                case.qclass = args[2].upper()
        elif key == "edns":
            case.edns = _parse_edns(args, where)
        elif key == "qflags":
            bad = [f for f in args if f not in _FLAG_BITS or f == "qr"]
            if bad:
                raise CaseError(f"{where}: unknown query flags {bad}")
            case.qflags = tuple(args)
        elif key == "order" and args == ["strict"]:
            case.order_strict = True
        elif key == "transport" and len(args) == 1 and args[0] in ("udp", "tcp", "both"):
            case.transports = ("udp", "tcp") if args[0] == "both" else (args[0],)
        elif key == "option" and len(args) == 2:
            case.options += (_parse_option(args[0], args[1], where),)
        elif key == "sign" and len(args) == 3:
            case.sign += ((args[0], (GOLDEN_DIR / args[1]).resolve(),
                           (GOLDEN_DIR / args[2]).resolve()),)
        elif key == "clock" and len(args) == 1:
            case.clock = parse_clock(args[0], where)
        else:
            raise CaseError(f"{where}: cannot read {raw!r}")
    if not case.zones or not case.qname:
        raise CaseError(f"{path}: a case needs at least one 'zone' and one 'query' line")
    apexes = {dns.name.from_text(a) for a, _ in case.zones}
    for key, value in case.options:
        if key == "flatten-all" and dns.name.from_text(value) not in apexes:
            raise CaseError(f"{path}: option flatten-all {value}: not one of the case's zones")
    for apex, _ksk, _zsk in case.sign:
        if dns.name.from_text(apex) not in apexes:
            raise CaseError(f"{path}: sign {apex}: not one of the case's zones")
    if bool(case.sign) != (case.clock is not None):
        raise CaseError(f"{path}: 'sign' and 'clock' go together")
    if tail is not None:
        case.expect = parse_expect(tail, str(path))
        case.expect.order_strict = case.order_strict
    return case


def parse_clock(text: str, where: str) -> int:
    """'2026-12-01T00:00:00Z' → unix seconds."""
    import time
    try:
        return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        raise CaseError(f"{where}: clock wants YYYY-MM-DDTHH:MM:SSZ, not {text!r}") from None


def parse_expect(text: str, where: str) -> Expect:
    e = Expect(flags=())
    section = None
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip()
        if not line.strip() or line.startswith("#"):
            continue
        if line.rstrip(":") in SECTIONS and line.endswith(":"):
            section = line[:-1]
            continue
        if section is not None:
            e.sections[section].append(line)
            continue
        tok = line.split()
        if tok[0] == "rcode" and len(tok) == 2:
            e.rcode = tok[1].upper()
        elif tok[0] == "flags":
            e.flags = tuple(tok[1:])
        elif tok[0] == "edns":
            e.edns = _parse_edns(tok[1:], f"{where}: expect line {n}")
        elif tok == ["question", "none"]:
            e.question = False
        else:
            raise CaseError(f"{where}: expect line {n}: cannot read {raw!r}")
    return e


def load_cases(root: pathlib.Path = GOLDEN_DIR) -> list[Case]:
    return [parse_case(p) for p in sorted(root.rglob("*.case"))]


# --- canonical form of a response -------------------------------------------------------------

def rr_line(name: dns.name.Name, ttl: int, rd: dns.rdata.Rdata) -> str:
    rdtext = rd.to_text(origin=None, relativize=False, chunksize=0)
    return "\t".join([name.to_text().lower(), str(ttl), dns.rdataclass.to_text(rd.rdclass),
                      dns.rdatatype.to_text(rd.rdtype), rdtext])


def response_to_expect(msg: dns.message.Message, signatures: Signatures | None = None) -> Expect:
    """The response in canonical form; with `signatures`, the RRSIGs of the zones the case
    signs are verified and written with the mark (see Signatures)."""
    e = Expect()
    e.rcode = dns.rcode.to_text(msg.rcode())
    e.flags = tuple(f for f in FLAG_ORDER if msg.flags & _FLAG_BITS[f])
    if msg.edns >= 0:
        e.edns = Edns(size=msg.payload, do=bool(msg.ednsflags & dns.flags.DO),
                      co=bool(msg.ednsflags & EDNS_CO), version=msg.edns,
                      options=tuple(sorted(_option_token(o) for o in msg.options)))
    e.question = bool(msg.question)
    for s, rrsets in (("answer", msg.answer), ("authority", msg.authority),
                      ("additional", msg.additional)):
        for rrset in rrsets:
            for rd in rrset:
                if signatures is not None and signatures.covers(rd):
                    e.sections[s].append(signatures.line(rrsets, rrset, rd))
                else:
                    e.sections[s].append(rr_line(rrset.name, rrset.ttl, rd))
    return e


# --- signatures of zones signed online (`sign` lines) -----------------------------------------

def dnskey_of(pem_path: pathlib.Path, flags: int) -> dns.rdata.Rdata:
    """The DNSKEY (algorithm 13) of the ECDSA P-256 private key in a PKCS#8 PEM file."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    key = load_pem_private_key(pem_path.read_bytes(), None)
    n = key.public_key().public_numbers()
    pub = n.x.to_bytes(32, "big") + n.y.to_bytes(32, "big")
    return dns.rdata.from_text("IN", "DNSKEY", f"{flags} 3 13 {base64.b64encode(pub).decode()}")


class Signatures:
    """Checks the RRSIGs of a response whose signer is a zone the case signs.

    ECDSA signatures are random: an expected RRSIG line ends with SIGNATURE_MARK instead.
    Every such RRSIG of the response is verified (dns.dnssec.validate_rrsig) with the case's key
    of its key tag over the RRset it covers: the RRs of that owner and type in the same section,
    or, when the section has none (qtype RRSIG), the answer of `ask(name, rdtype)`. A verified
    RRSIG is written with the mark; one that does not verify keeps its signature (so it
    matches no expected line) and is reported in `errors`.

    Times: with `now` (the wire runner: the server signs with the real clock), an inception or
    expiration within TOLERANCE seconds of `now + (T - clock)`, for a time T of the case's
    expected RRSIGs, is written as T; any other as `clock + (t - now)`, so that the difference
    shows. Without `now` (a server on the case's clock) times are kept.
    """

    TOLERANCE = 120

    def __init__(self, case: Case, ask, now: float | None = None):
        self.case, self.ask, self.now = case, ask, now
        self.errors: list[str] = []
        self.keys: dict[dns.name.Name, dns.rrset.RRset] = {}
        for apex, ksk, zsk in case.sign:
            name = dns.name.from_text(apex)
            self.keys[name] = dns.rrset.from_rdata(name, 3600, dnskey_of(ksk, 257),
                                                   dnskey_of(zsk, 256))
        self.offsets = set()  # expected times relative to the case's clock
        for lines in (case.expect.sections.values() if case.expect else ()):
            for line in lines:
                parts = line.split(None, 4)
                if len(parts) == 5 and parts[3].upper() == "RRSIG":
                    rd = dns.rdata.from_text("IN", "RRSIG", _with_zero_signature(parts[4]),
                                             origin=dns.name.root)
                    self.offsets |= {rd.inception - case.clock, rd.expiration - case.clock}

    def covers(self, rd: dns.rdata.Rdata) -> bool:
        return rd.rdtype == dns.rdatatype.RRSIG and rd.signer in self.keys

    def _time(self, t: int) -> int:
        if self.now is None:
            return t
        rel = t - int(self.now)
        for off in self.offsets:
            if abs(rel - off) <= self.TOLERANCE:
                return self.case.clock + off
        return self.case.clock + rel

    def line(self, section: list, rrset: dns.rrset.RRset, rd) -> str:
        where = f"RRSIG {rr_line(rrset.name, rrset.ttl, rd)}: "
        keys = [k for k in self.keys[rd.signer] if dns.dnssec.key_id(k) == rd.key_tag]
        covered = next((r for r in section if r.name == rrset.name and r.rdtype == rd.type_covered
                        and r.rdclass == rrset.rdclass), None)
        if covered is None:
            covered = self.ask(rrset.name, rd.type_covered)
        if not keys:
            self.errors.append(where + f"no key of the case has tag {rd.key_tag}")
        elif covered is None:
            self.errors.append(where + "the RRset it covers is neither in its section nor answered")
        else:
            try:
                dns.dnssec.validate_rrsig(covered, rd, {rd.signer: self.keys[rd.signer]},
                                          now=self.now)
            except dns.dnssec.ValidationFailure as exc:
                self.errors.append(where + f"does not verify: {exc}")
            else:
                shown = rd.replace(signature=bytes(64), inception=self._time(rd.inception),
                                   expiration=self._time(rd.expiration))
                return rr_line(rrset.name, rrset.ttl, shown).replace(_ZERO_SIGNATURE_B64,
                                                                     SIGNATURE_MARK)
        return rr_line(rrset.name, rrset.ttl, rd)


def _with_zero_signature(text: str) -> str:
    if text.endswith(SIGNATURE_MARK):
        return text[:-len(SIGNATURE_MARK)] + _ZERO_SIGNATURE_B64
    return text


def _option_token(o: dns.edns.Option) -> str:
    wire = o.to_wire()
    if int(o.otype) == 15 and len(wire) >= 2:  # RFC 8914 EDE: INFO-CODE first
        return f"ede={struct.unpack('!H', wire[:2])[0]}"
    return f"opt={int(o.otype)}"


def rr_key(line: str, where: str = "") -> tuple:
    """Semantic identity of one RR line: owner (lowercase), TTL, class, type, rdata wire."""
    parts = _with_zero_signature(line).split(None, 4)
    if len(parts) < 4:
        raise CaseError(f"{where}: not an RR line: {line!r}")
    if len(parts) == 4:
        parts.append("")
    owner, ttl, rclass, rtype, rdtext = parts
    try:
        rd = dns.rdata.from_text(rclass, rtype, rdtext, origin=dns.name.root)
    except Exception as exc:  # dnspython raises many exception types for bad text
        raise CaseError(f"{where}: cannot parse rdata of {line!r}: {exc}") from exc
    wire = rd.to_digestable(dns.name.root)
    return (dns.name.from_text(owner).canonicalize().to_wire(), int(ttl), rd.rdclass, rd.rdtype,
            _lower_names(wire, rd))


def _lower_names(wire: bytes, rd: dns.rdata.Rdata) -> bytes:
    # to_digestable() lowercases the names of the RFC 4034 §6.2 types; SVCB/HTTPS targets are
    # not in that list, so lowercase them here (names compare case-insensitively).
    if rd.rdtype in (dns.rdatatype.SVCB, dns.rdatatype.HTTPS):
        return rd.replace(target=rd.target.canonicalize()).to_digestable(dns.name.root)
    return wire


def _rrset_sequence(lines: list[str], where: str) -> list[tuple]:
    seq: list[tuple] = []
    for line in lines:
        k = rr_key(line, where)
        head = (k[0], k[2], k[3])
        if not seq or seq[-1][0] != head:
            seq.append((head, []))
        seq[-1][1].append(k)
    return [(h, sorted(ks)) for h, ks in seq]


def compare(want: Expect, got: Expect, where: str = "") -> list[str]:
    """Differences between an expectation and a response, as readable lines (empty: equal)."""
    diffs = []
    if want.rcode != got.rcode:
        diffs.append(f"rcode: want {want.rcode}, got {got.rcode}")
    if set(want.flags) != set(got.flags):
        diffs.append(f"flags: want [{' '.join(want.flags)}], got [{' '.join(got.flags)}]")
    we = want.edns.text() if want.edns else "none"
    ge = got.edns.text() if got.edns else "none"
    if we != ge:
        diffs.append(f"edns: want {we}, got {ge}")
    if want.question != got.question:
        diffs.append(f"question: want {'present' if want.question else 'none'}, "
                     f"got {'present' if got.question else 'none'}")
    for s in SECTIONS:
        w, g = want.sections[s], got.sections[s]
        if want.order_strict and s == "answer":
            same = _rrset_sequence(w, where) == _rrset_sequence(g, where)
        else:
            same = sorted(rr_key(x, where) for x in w) == sorted(rr_key(x, where) for x in g)
        if not same:
            diffs.append(f"{s} section differs:")
            diffs.extend("  want " + x for x in (w if want.order_strict and s == "answer"
                                                 else sorted(w)))
            diffs.extend("  got  " + x for x in (g if want.order_strict and s == "answer"
                                                 else sorted(g)))
    return diffs


def check_question(case: Case, msg: dns.message.Message) -> list[str]:
    """The response's question must repeat the query's byte for byte (qname case included)."""
    if not msg.question:
        return []
    q = msg.question[0]
    want = (dns.name.from_text(case.qname).to_wire(), case.qtype, case.qclass)
    got = (q.name.to_wire(), dns.rdatatype.to_text(q.rdtype), dns.rdataclass.to_text(q.rdclass))
    if len(msg.question) != 1 or want != got:
        return [f"question: want {case.qname} {case.qclass} {case.qtype}, got "
                + "; ".join(f"{r.name} {dns.rdataclass.to_text(r.rdclass)} "
                            f"{dns.rdatatype.to_text(r.rdtype)}" for r in msg.question)]
    return []


# --- talking to a server ----------------------------------------------------------------------

# A port free for both UDP and TCP on 127.0.0.1: the black-box harness's (regen.py runs outside
# pytest, so tests/ is put on the path here too).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from harness.dnsedge import free_port  # noqa: E402,F401


def exchange(wire: bytes, port: int, transport: str, timeout: float = 3.0) -> bytes:
    if transport == "udp":
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(wire, ("127.0.0.1", port))
            while True:
                data, _ = s.recvfrom(65535)
                if len(data) >= 2 and data[:2] == wire[:2]:
                    return data
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        n = struct.unpack("!H", _recv_exact(s, 2))[0]
        return _recv_exact(s, n)


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed mid-message")
        buf += chunk
    return buf


def wait_for_server(port: int, timeout: float = 10.0, probe: bytes | None = None) -> bool:
    """True once something answers a DNS query over UDP and accepts TCP on 127.0.0.1:port."""
    import time
    probe = probe or dns.message.make_query(".", "SOA").to_wire()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            exchange(probe, port, "udp", timeout=0.2)
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "no", "false")
