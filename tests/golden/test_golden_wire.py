"""Golden cases over the wire: every tests/golden/**.case against the real `dnsedge serve`.

    /usr/bin/python3 -m pytest tests/golden            (from the repository root)

One dnsedge per distinct zone set and zone-set options (`option` lines: --edge-ipv4,
--edge-ipv6, --flatten-all) serves all the cases that use it; the cases are grouped so only one
server runs at a time. Each case runs once per transport it names (UDP, TCP); the
response is compared with the case's expect block by the rules of FORMAT.md (golden.py).

Environment:
  DNSEDGE_BIN     the binary (default /work/main/build/dnsedge); missing → the tests skip.
  DNSEDGE_TARGET  "dnsedge" (default) or "knot": with "knot" the server under test is Knot DNS,
                  which checks this runner and the expectations (cases marked knot-differs, and
                  cases with zone-set options, skip: Knot has no proxy semantics).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import socket
import sqlite3
import sys
import tempfile
import time
import uuid

import dns.dnssec
import dns.message
import dns.name
import dns.rdataclass
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import golden  # noqa: E402
from harness.dnsedge import DNSEDGE_BIN, Process, serve_argv  # noqa: E402

TARGET = os.environ.get("DNSEDGE_TARGET", "dnsedge").strip().lower()

CASES = sorted(golden.load_cases(), key=lambda c: (c.zone_key(), c.name))
PARAMS = [pytest.param(c, t, id=f"{c.name}[{t}]") for c in CASES for t in c.transports]


class Dnsedge(Process):
    """`dnsedge serve` on a free loopback port for a set of zone files, stopped by its PID.

    No resolver is reachable: external CNAME targets (flattening) are resolved through an
    upstream that is a UDP socket of ours which never answers (and no TCP listener), so they
    fail the same way wherever the tests run, network or not (golden_inproc_test.cc models the
    same). Zone sets with such targets take the resolver's timeout (5 s) to start.

    Zones the cases sign (`sign APEX KSK ZSK`) are `[[dnssec]]` zones of a config file, whose
    keys `serve` takes from its store: a first `serve` (without the config) makes the store, the
    case's keys are written into it (status active, both keys active) and the served view that
    start recorded is forgotten (so the serial stays the file's, as at a first start), and
    `serve` starts again with the config, so it signs with those keys and makes none.
    """

    name = "dnsedge"

    def __init__(self, zones: list[tuple[str, pathlib.Path]], extra_args: list[str] = (),
                 sign: tuple = ()):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="golden-dnsedge-"))
        super().__init__(self.dir)
        self.port = golden.free_port()
        self.blackhole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.blackhole.bind(("127.0.0.1", 0))
        argv = serve_argv(data=self.dir / "data", dns_listen=[f"127.0.0.1:{self.port}"], api_listen="127.0.0.1:0",
                          zone_files=[path for _apex, path in zones],
                          extra=["--threads", "1", "--no-edge-proxy",
                                 "--upstream", f"127.0.0.1:{self.blackhole.getsockname()[1]}",
                                 # Rate limiting off: the cases run back to back from 127.0.0.1, and
                                 # those that share a response kind (NXDOMAIN of one zone, REFUSED)
                                 # share a bucket.
                                 "--rrl-rate", "0", *extra_args])
        log_mode = "w"
        if sign:
            self._start(argv, zones, log_mode)
            super().stop(strict=False)
            self._store_keys(sign)
            config = self.dir / "dnssec.toml"
            config.write_text("".join(f'[[dnssec]]\nzone = "{apex.rstrip(".").lower()}"\n'
                                      for apex, _ksk, _zsk in sign))
            argv += ["--config", str(config)]
            log_mode = "a"
        self._start(argv, zones, log_mode)

    def _start(self, argv, zones, log_mode):
        self.spawn(argv, log_mode=log_mode)
        if not self._ready(zones):
            text = self.log_tail()
            self.stop()
            raise RuntimeError(f"dnsedge did not serve {[a for a, _ in zones]}:\n"
                               f"{' '.join(argv)}\n{text}")

    def _store_keys(self, sign):
        """The cases' keys as the store keeps a zone's DNSSEC (src/store/store_dnssec.cc)."""
        now = int(time.time())
        db = sqlite3.connect(self.dir / "data" / "dnsedge.db")
        try:
            for apex, ksk, zsk in sign:
                zone = apex.rstrip(".").lower()
                # As if this start were the first: the zone's serial stays the file's.
                db.execute("DELETE FROM served_views WHERE zone = ?", (zone,))
                db.execute("INSERT INTO dnssec_zones (zone, status, modified_on) VALUES (?, 'active', ?)",
                           (zone, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))))
                for role, path, flags in (("ksk", ksk, 257), ("zsk", zsk, 256)):
                    rd = golden.dnskey_of(path, flags)
                    db.execute("INSERT INTO dnssec_keys (zone, id, role, key_tag, dnskey, private_pem, phase,"
                               " created, published, active) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
                               (zone, uuid.uuid4().hex, role, dns.dnssec.key_id(rd),
                                rd.to_wire(), path.read_text(), now, now, now))
            db.commit()
        finally:
            db.close()

    def _ready(self, zones, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        pending = [apex for apex, _ in zones]
        while pending and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                q = dns.message.make_query(pending[0], "SOA")
                r = dns.message.from_wire(golden.exchange(q.to_wire(), self.port, "udp", 0.3))
                if r.rcode() == 0 and r.answer:
                    pending.pop(0)
                    continue
            except OSError:
                pass
            time.sleep(0.05)
        return not pending and golden.wait_for_server(self.port, timeout=5)

    def log_tail(self, n: int = 4000) -> str:
        return self.log_text()[-n:]

    def stop(self):
        super().stop(strict=False)
        self.blackhole.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class _Servers:
    """The server for the current zone set; replaced (old one stopped) when the set changes."""

    def __init__(self):
        self.key = None
        self.server = None
        self.error = None

    def get(self, case: golden.Case):
        if case.zone_key() != self.key:
            self.close()
            self.key = case.zone_key()
            try:
                if TARGET == "knot":
                    import regen
                    self.server = regen.Knot(case.zones)
                else:
                    self.server = Dnsedge(case.zones, case.serve_args(), case.sign)
            except RuntimeError as exc:
                self.error = str(exc)
        if self.server is None:
            pytest.fail(self.error or "no server")
        return self.server

    def close(self):
        if self.server is not None:
            self.server.stop()
        self.server, self.error = None, None


@pytest.fixture(scope="module")
def servers():
    if TARGET != "knot" and not os.path.exists(DNSEDGE_BIN):
        pytest.skip(f"dnsedge binary not found at {DNSEDGE_BIN} (set DNSEDGE_BIN or run make build)")
    s = _Servers()
    yield s
    s.close()


@pytest.mark.parametrize("case,transport", PARAMS)
def test_golden(servers, case: golden.Case, transport: str):
    if TARGET == "knot" and case.knot_differs:
        pytest.skip(f"knot-differs: {case.knot_differs}")
    if TARGET == "knot" and case.options:
        pytest.skip("zone-set options: proxy semantics, which Knot does not have")
    if TARGET == "knot" and case.sign:
        pytest.skip("signed online: dnsedge's compact answers, not Knot's (FORMAT.md)")
    assert case.expect is not None, f"{case.path}: no '== expect' block (run regen.py --write)"
    server = servers.get(case)
    wire = golden.exchange(case.query_wire(), server.port, transport)
    if transport == "udp":
        limit = 512 if case.edns is None else min(max(case.edns.size, 512), 1232)
        assert len(wire) <= limit, f"UDP response of {len(wire)} octets exceeds {limit}"
    now = time.time()
    msg = dns.message.from_wire(wire)
    assert msg.id == golden.QUERY_ID
    signatures = None
    if case.sign:
        def ask(name: dns.name.Name, rdtype: int):
            q = dns.message.make_query(name, rdtype, want_dnssec=True, payload=1232)
            q.flags = 0
            r = dns.message.from_wire(golden.exchange(q.to_wire(), server.port, "tcp"))
            return r.get_rrset(r.answer, name, dns.rdataclass.IN, rdtype)
        signatures = golden.Signatures(case, ask, now=now)
    got = golden.response_to_expect(msg, signatures)
    diffs = golden.check_question(case, msg) + golden.compare(case.expect, got, case.name)
    if signatures is not None:
        diffs = signatures.errors + diffs
    if diffs:
        got.order_strict = case.order_strict
        pytest.fail(f"{case.path} ({transport}): {case.qname} {case.qtype}\n"
                    + "\n".join(diffs) + "\n--- got, in full:\n" + got.render(), pytrace=False)
