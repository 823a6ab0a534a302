"""Black-box test harness for dnsedge: process wrappers for dnsedge and Knot DNS, query helpers.

Run with Debian's interpreter (it has dnspython):  /usr/bin/python3 -m pytest tests/blackbox

Environment:
  DNSEDGE_BIN     path of the dnsedge binary (default /work/main/build/dnsedge). When it does not
                  exist, tests that need it are skipped with that reason.
  DNSEDGE_TARGET  "dnsedge" (default) or "knot". With "knot", the server under test is Knot DNS
                  itself; this validates the harness and the expectations against the reference.
                  Tests of dnsedge-only behaviour (CLI, signals, zone check, ANY, ...) are
                  marked `dnsedge_only` and skip in that mode.
  KNOTD           path of knotd (default: found on PATH or /usr/sbin/knotd).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import signal
import socket
import struct
import subprocess
import time
from typing import Iterable

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

from harness.dnsedge import DNSEDGE_BIN, Process, attach_logs, free_port, need_dnsedge, serve_argv  # noqa: F401

HERE = pathlib.Path(__file__).resolve().parent
ZONES = HERE / "zones"
TARGET = os.environ.get("DNSEDGE_TARGET", "dnsedge").strip().lower()
KNOTD = os.environ.get("KNOTD") or shutil.which("knotd") or "/usr/sbin/knotd"
KZONECHECK = shutil.which("kzonecheck") or "/usr/bin/kzonecheck"

def pytest_configure(config):
    config.addinivalue_line("markers", "dnsedge_only: tests dnsedge-specific behaviour; skipped "
                            "when DNSEDGE_TARGET=knot")


def pytest_collection_modifyitems(config, items):
    if TARGET == "knot":
        skip = pytest.mark.skip(reason="DNSEDGE_TARGET=knot: dnsedge-only behaviour")
        for item in items:
            if "dnsedge_only" in item.keywords:
                item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
    attach_logs(rep)


# --------------------------------------------------------------------------------------------
# queries


def make_query(qname, qtype="A", *, rdclass="IN", edns: int | None = 0, payload: int = 1232,
               do: bool = False, rd: bool = False, cd: bool = False, ad: bool = False,
               options=None, qid: int | None = None) -> dns.message.Message:
    """A query. edns=None: no OPT record; otherwise OPT with this version and payload."""
    if isinstance(qtype, str):
        qtype = dns.rdatatype.from_text(qtype)
    if isinstance(rdclass, str):
        rdclass = dns.rdataclass.from_text(rdclass)
    q = dns.message.make_query(qname, qtype, rdclass, use_edns=False)
    q.flags = 0
    if rd:
        q.flags |= dns.flags.RD
    if cd:
        q.flags |= dns.flags.CD
    if ad:
        q.flags |= dns.flags.AD
    if edns is not None:
        q.use_edns(edns, dns.flags.DO if do else 0, payload, options=options or [])
    if qid is not None:
        q.id = qid
    return q


class Target:
    """Something answering DNS on (host, port)."""

    host = "127.0.0.1"
    port = 0

    def udp(self, q: dns.message.Message, timeout: float = 2.0) -> dns.message.Message:
        return dns.query.udp(q, self.host, port=self.port, timeout=timeout,
                             ignore_unexpected=True, one_rr_per_rrset=True)

    def tcp(self, q: dns.message.Message, timeout: float = 3.0) -> dns.message.Message:
        return dns.query.tcp(q, self.host, port=self.port, timeout=timeout,
                             one_rr_per_rrset=True)

    def ask(self, qname, qtype="A", *, tcp=False, **kw) -> dns.message.Message:
        q = make_query(qname, qtype, **kw)
        return self.tcp(q) if tcp else self.udp(q)

    def raw_udp(self, data: bytes, timeout: float = 1.0) -> bytes | None:
        return raw_udp(self.host, self.port, data, timeout)

    def raw_tcp(self, data: bytes, timeout: float = 2.0) -> bytes | None:
        return raw_tcp(self.host, self.port, data, timeout)

    def alive(self, qname, timeout: float = 2.0) -> bool:
        try:
            r = self.udp(make_query(qname, "SOA"), timeout=timeout)
            return r.rcode() == dns.rcode.NOERROR
        except (dns.exception.DNSException, OSError):
            return False


def _family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def raw_udp(host: str, port: int, data: bytes, timeout: float = 1.0) -> bytes | None:
    """Send raw bytes over UDP; the reply bytes, or None when nothing came within timeout."""
    s = socket.socket(_family(host), socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(data, (host, port))
        try:
            return s.recv(65535)
        except socket.timeout:
            return None
    finally:
        s.close()


def recv_exact(s: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_framed(s: socket.socket) -> bytes | None:
    """One length-prefixed DNS message from a TCP socket; None on EOF."""
    hdr = recv_exact(s, 2)
    if hdr is None:
        return None
    (n,) = struct.unpack("!H", hdr)
    return recv_exact(s, n)


def raw_tcp(host: str, port: int, data: bytes, timeout: float = 2.0, frame: bool = True) -> bytes | None:
    """Send bytes (framed with a length unless frame=False) over TCP; one reply, or None on
    EOF/timeout/reset."""
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(struct.pack("!H", len(data)) + data if frame else data)
        try:
            return read_framed(s)
        except (socket.timeout, ConnectionResetError):
            return None
    finally:
        s.close()


# --------------------------------------------------------------------------------------------
# answer canonicalisation (for comparisons)

FLAG_NAMES = ["QR", "AA", "TC", "RD", "RA", "AD", "CD"]


def flag_list(flags: int) -> list[str]:
    return [f for f in FLAG_NAMES if flags & getattr(dns.flags, f)]


_NAME_RDATA = {dns.rdatatype.NS, dns.rdatatype.CNAME, dns.rdatatype.MX, dns.rdatatype.SRV,
               dns.rdatatype.SOA, dns.rdatatype.PTR, dns.rdatatype.DNAME}


def rr_lines(section, fold_case: bool = False) -> list[str]:
    """One text line per RR ("owner TTL class type rdata"), sorted."""
    out = []
    for rrset in section:
        owner = rrset.name.to_text()
        for rd in rrset:
            data = rd.to_text()
            if fold_case:
                owner = owner.lower()
                if rrset.rdtype in _NAME_RDATA:
                    data = data.lower()
            out.append(f"{owner} {rrset.ttl} {dns.rdataclass.to_text(rrset.rdclass)} "
                       f"{dns.rdatatype.to_text(rrset.rdtype)} {data}")
    return sorted(out)


def header(raw: bytes) -> dict:
    """The 12-octet header of a raw DNS message, decoded without dnspython (which cannot parse
    unknown opcodes)."""
    ident, fl, qd, an, ns, ar = struct.unpack("!HHHHHH", raw[:12])
    return {"id": ident, "qr": bool(fl & 0x8000), "opcode": (fl >> 11) & 0xF,
            "aa": bool(fl & 0x0400), "tc": bool(fl & 0x0200), "rd": bool(fl & 0x0100),
            "ra": bool(fl & 0x0080), "ad": bool(fl & 0x0020), "cd": bool(fl & 0x0010),
            "rcode": fl & 0xF, "qd": qd, "an": an, "ns": ns, "ar": ar}


def parse(raw: bytes | None) -> dns.message.Message | None:
    if raw is None:
        return None
    return dns.message.from_wire(raw, one_rr_per_rrset=True)


def canon(m: dns.message.Message | None, fold_case: bool = False) -> dict:
    """Everything a comparison looks at, in a printable form. fold_case: record lines in lower
    case (the question keeps its case). Letter case of names other than the question is an
    artefact of name compression (Knot compresses case-insensitively against the question name,
    so e.g. `mail.Example.Com.` may come back for a query of `Example.Com MX`); DNS names are
    case-insensitive (RFC 4343), so the differential comparisons fold it."""
    if m is None:
        return {"response": None}
    d = {
        "rcode": dns.rcode.to_text(m.rcode()),
        "opcode": dns.opcode.to_text(m.opcode()),
        "flags": " ".join(flag_list(m.flags)),
        "question": [f"{q.name.to_text()} {dns.rdataclass.to_text(q.rdclass)} "
                     f"{dns.rdatatype.to_text(q.rdtype)}" for q in m.question],
        "answer": rr_lines(m.answer, fold_case),
        "authority": rr_lines(m.authority, fold_case),
        "additional": rr_lines(m.additional, fold_case),
    }
    if m.edns >= 0:
        d["opt"] = {
            "version": m.edns,
            "payload": m.payload,
            "do": bool(m.ednsflags & dns.flags.DO),
            "options": sorted(f"{int(o.otype)}:{o.to_wire().hex()}" for o in m.options),
        }
    else:
        d["opt"] = None
    return d


def show(c: dict) -> str:
    lines = []
    for k, v in c.items():
        if isinstance(v, list):
            lines.append(f"{k}:")
            lines.extend("    " + x for x in v)
        else:
            lines.append(f"{k}: {v}")
    return "\n".join(lines)


def side_by_side(title: str, a: dict, b: dict, na="dnsedge", nb="knot", width=70) -> str:
    la = show(a).splitlines()
    lb = show(b).splitlines()
    n = max(len(la), len(lb))
    la += [""] * (n - len(la))
    lb += [""] * (n - len(lb))
    out = [title, f"  {na:<{width}} | {nb}"]
    for x, y in zip(la, lb):
        mark = " " if x == y else "*"
        out.append(f"{mark} {x[:width]:<{width}} | {y[:width]}")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# processes


class _Process(Process, Target):
    """A DNS server process of the harness (tests/harness/dnsedge.py), ready once it answers."""

    def __init__(self, workdir: pathlib.Path):
        Process.__init__(self, workdir)

    def _spawn(self, argv: list[str]):
        self.spawn(argv, cwd=self.workdir)

    def wait_ready(self, probe_name: str, timeout: float = 20.0):
        self.wait_until(lambda: self.alive(probe_name, timeout=0.3),
                        f"answering a SOA query for {probe_name}", timeout)


class Dnsedge(_Process):
    name = "dnsedge"

    def __init__(self, workdir, zone_files: Iterable, *, threads: int = 2,
                 listen: list[str] | None = None, extra: list[str] | None = None,
                 rrl_off: bool = True):
        super().__init__(workdir)
        # Response rate limiting is off (--rrl-rate 0) unless asked for: these tests send
        # bursts of queries from 127.0.0.1 (the barrage, the differential test), which the
        # default rate (200/s per /24 and response kind) would limit. test_rrl_cookies.py
        # runs with the defaults.
        self.rrl_off = rrl_off
        self.zone_files = [str(z) for z in zone_files]
        self.threads = threads
        self.data = self.workdir / "data"
        self.data.mkdir(exist_ok=True)
        if listen is None:
            self.port = free_port()
            listen = [f"127.0.0.1:{self.port}"]
        self.listen = listen
        self.extra = extra or []

    def argv_for(self) -> list[str]:
        return serve_argv(data=self.data, dns_listen=self.listen, api_listen="127.0.0.1:0",
                          zone_files=self.zone_files,
                          extra=["--threads", str(self.threads), "--no-edge-proxy"]
                          + (["--rrl-rate", "0"] if self.rrl_off else []) + self.extra)

    def start(self, probe_name: str, timeout: float = 20.0) -> "Dnsedge":
        need_dnsedge()
        self._spawn(self.argv_for())
        self.wait_ready(probe_name, timeout)
        return self


KNOT_CONF = """\
server:
    rundir: "{run}"
    listen: {listen}
    udp-workers: 2
    tcp-workers: 2
    background-workers: 1
database:
    storage: "{db}"
log:
  - target: stderr
    any: info
acl:
  - id: local_xfr
    address: [127.0.0.0/8, ::1]
    action: transfer
template:
  - id: default
    acl: local_xfr
    storage: "{zones}"
    semantic-checks: off
    zonefile-load: whole
    journal-content: none
    zonefile-sync: -1
zone:
{zone_list}
"""


class Knot(_Process):
    name = "knotd"

    def __init__(self, workdir, zones: dict[str, str] | Iterable, *, listen_port: int | None = None):
        """zones: {origin: file} (or an iterable of files whose origin is guessed from $ORIGIN or
        the file name)."""
        super().__init__(workdir)
        if not isinstance(zones, dict):
            zones = {zone_origin(f): str(f) for f in zones}
        self.zones = {k if k.endswith(".") else k + ".": str(pathlib.Path(v).resolve())
                      for k, v in zones.items()}
        self.port = listen_port or free_port()

    def start(self, probe_name: str | None = None, timeout: float = 20.0) -> "Knot":
        if not os.path.exists(KNOTD):
            pytest.skip(f"knotd not found at {KNOTD}")
        for d in ("run", "db", "zones"):
            (self.workdir / d).mkdir(exist_ok=True)
        zl = "".join(f'  - domain: "{o}"\n    file: "{f}"\n' for o, f in self.zones.items())
        conf = KNOT_CONF.format(run=self.workdir / "run", db=self.workdir / "db",
                                zones=self.workdir / "zones", zone_list=zl,
                                listen=f"{self.host}@{self.port}")
        cpath = self.workdir / "knot.conf"
        cpath.write_text(conf)
        self._spawn([KNOTD, "-c", str(cpath)])
        self.wait_ready(probe_name or next(iter(self.zones)), timeout)
        return self


def axfr_lines(target: Target, origin: str) -> list[str]:
    """All records of a zone by AXFR (Knot allows it from loopback), as sorted lower-case RR
    lines; the SOA that closes the transfer is left out."""
    import dns.query
    lines = []
    for msg in dns.query.xfr(target.host, origin, port=target.port, timeout=5, lifetime=20,
                             relativize=False):
        lines += rr_lines(msg.answer, fold_case=True)
    soa = [l for l in lines if " SOA " in l]
    if len(soa) >= 2:
        lines.remove(soa[-1])
    return sorted(lines)


def zone_origin(path) -> str:
    """$ORIGIN of a zone file, else its SOA owner if absolute, else the file name less .zone."""
    path = pathlib.Path(path)
    for line in path.read_text().splitlines():
        s = line.split(";")[0].strip()
        if s.upper().startswith("$ORIGIN"):
            return s.split()[1]
        parts = s.split()
        if "SOA" in [p.upper() for p in parts] and parts and parts[0].endswith("."):
            return parts[0]
    n = path.name
    return (n[:-5] if n.endswith(".zone") else n) + "."


def start_target(workdir: pathlib.Path, zones: dict[str, str], probe: str | None = None):
    """The server under test: dnsedge, or Knot when DNSEDGE_TARGET=knot."""
    probe = probe or next(iter(zones))
    if TARGET == "knot":
        return Knot(workdir, zones).start(probe)
    return Dnsedge(workdir, zones.values()).start(probe)


def start_reference(workdir: pathlib.Path, zones: dict[str, str], probe: str | None = None):
    return Knot(workdir, zones).start(probe or next(iter(zones)))


# --------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


@pytest.fixture
def procs():
    """Collects processes started in a test; stops (and checks) them at teardown."""
    started: list[_Process] = []
    yield started
    errors = []
    for p in started:
        if p.proc is None or p.returncode is not None:
            continue
        try:
            rc = p.stop()
            if rc != 0 and isinstance(p, Dnsedge):
                errors.append(f"{p.name} exited with status {rc} on SIGTERM:\n{p.log_tail()}")
        except AssertionError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors))


LOOKUP_ZONES = {
    "example.com.": str(ZONES / "example.com.zone"),
    "sub2.example.com.": str(ZONES / "sub2.example.com.zone"),
    "example.net.": str(ZONES / "example.net.zone"),
}


def _module_server(tmp_path_factory, starter, name):
    d = tmp_path_factory.mktemp(name)
    srv = starter(d, LOOKUP_ZONES, "example.com.")
    yield srv
    rc = srv.stop()
    if isinstance(srv, Dnsedge):
        assert rc == 0, f"dnsedge exited with status {rc} on SIGTERM:\n{srv.log_tail()}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The server under test (dnsedge; Knot when DNSEDGE_TARGET=knot) serving the hand-written
    zones in zones/: example.com, sub2.example.com (a child zone of ours), example.net."""
    yield from _module_server(tmp_path_factory, start_target, "target")


@pytest.fixture(scope="module")
def knot(tmp_path_factory):
    """Knot DNS serving the same zones as `server`."""
    yield from _module_server(tmp_path_factory, start_reference, "knot")
