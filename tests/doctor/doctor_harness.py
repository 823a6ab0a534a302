"""Harness for the mail-doctor golden scenarios: the scenario format, a Knot DNS wrapper (as in
tests/blackbox/conftest.py, trimmed to what these tests need), and `dnsedge doctor` runs.

Scenario files (tests/doctor/scenarios/*.case):

    # What the scenario shows and why (the RFC or the SPEC section).
    domain example.com
    args --selector s1                both modes (repeatable)
    local-args --flatten-all example.com
    live-args ...
    knot-broken sub.example.com       Knot also carries this zone without data: it answers SERVFAIL
    exit 1                            exit status in local mode (live: computed, see below)
    expect error mx.target_cname      both modes; proxy.* ids are local-only by definition
    expect local error dkim.missing   local mode only (dnsedge serves something Knot does not)
    expect live info dkim.no_selector live mode only
    zone example.com                  zone text follows up to the next `zone` line; $ORIGIN,
    ...                               $TTL 300, SOA and NS (ns1.<zone>. 127.0.0.1) are prepended

`{knot}` in args is replaced by the Knot server's port.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import time
from dataclasses import dataclass, field

import pytest

from harness.dnsedge import DNSEDGE_BIN, free_port, need_dnsedge  # noqa: F401

HERE = pathlib.Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
KNOTD = os.environ.get("KNOTD") or shutil.which("knotd") or "/usr/sbin/knotd"

EDGE = ["--edge-ipv4", "203.0.113.1,203.0.113.2", "--edge-ipv6", "2001:db8:e::1,2001:db8:e::2"]

ZONE_HEAD = """$ORIGIN {zone}.
$TTL 300
@ SOA ns1.{zone}. hostmaster.{zone}. 1 3600 600 86400 300
@ NS ns1.{zone}.
ns1 A 127.0.0.1
"""


@dataclass
class Scenario:
    name: str
    about: str = ""
    domain: str = "example.com"
    args: list[str] = field(default_factory=list)
    local_args: list[str] = field(default_factory=list)
    live_args: list[str] = field(default_factory=list)
    knot_broken: list[str] = field(default_factory=list)
    exit: int = 0
    expect_both: set[tuple[str, str]] = field(default_factory=set)
    expect_local: set[tuple[str, str]] = field(default_factory=set)
    expect_live: set[tuple[str, str]] = field(default_factory=set)
    zones: dict[str, str] = field(default_factory=dict)

    def local_expected(self) -> set[tuple[str, str]]:
        return self.expect_both | self.expect_local

    def live_expected(self) -> set[tuple[str, str]]:
        both = {(s, i) for s, i in self.expect_both if not i.startswith("proxy.")}
        return both | self.expect_live

    def live_exit(self) -> int:
        if self.exit == 2:
            return 2
        return 1 if any(s == "error" for s, _ in self.live_expected()) else 0

    def differs(self) -> bool:
        """True when dnsedge serves other data than the zone file holds (proxied records,
        flattening), or the failure is another one (a dead delegation times out locally, Knot
        answers SERVFAIL), so live findings through Knot can name other records."""
        if self.knot_broken:
            return True
        text = "".join(self.zones.values())
        return ("cf-proxied" in text or "cf-flatten" in text or "--flatten-all" in self.local_args
                or any(" CNAME " in l and l.split()[0] == "@" for t in self.zones.values()
                       for l in t.splitlines() if l.split()))


def load(path: pathlib.Path) -> Scenario:
    sc = Scenario(name=path.stem)
    zone = None
    for raw in path.read_text().splitlines():
        if zone is not None and not raw.startswith("zone "):
            sc.zones[zone] += raw + "\n"
            continue
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            sc.about += line[1:].strip() + " "
            continue
        key, _, rest = line.partition(" ")
        rest = rest.strip()
        if key == "domain":
            sc.domain = rest
        elif key == "args":
            sc.args += rest.split()
        elif key == "local-args":
            sc.local_args += rest.split()
        elif key == "live-args":
            sc.live_args += rest.split()
        elif key == "knot-broken":
            sc.knot_broken.append(rest)
        elif key == "exit":
            sc.exit = int(rest)
        elif key == "expect":
            parts = rest.split()
            target = sc.expect_both
            if parts[0] in ("local", "live"):
                target = sc.expect_local if parts[0] == "local" else sc.expect_live
                parts = parts[1:]
            assert len(parts) == 2 and parts[0] in ("error", "warning", "info"), f"{path}: bad line {raw!r}"
            target.add((parts[0], parts[1]))
        elif key == "zone":
            zone = rest.rstrip(".")
            sc.zones[zone] = ZONE_HEAD.format(zone=zone)
        else:
            raise AssertionError(f"{path}: unknown line {raw!r}")
    assert sc.zones, f"{path}: no zone"
    return sc


def all_scenarios() -> list[pathlib.Path]:
    return sorted(SCENARIOS.glob("*.case"))


KNOT_CONF = """\
server:
    rundir: "{run}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{db}"
log:
  - target: stderr
    any: info
template:
  - id: default
    storage: "{zones}"
    semantic-checks: off
    zonefile-load: whole
    journal-content: none
    zonefile-sync: -1
zone:
{zone_list}
"""


class Knot:
    """knotd on 127.0.0.1 and a free port, serving zone files; stopped by PID."""

    def __init__(self, workdir: pathlib.Path, zones: dict[str, pathlib.Path], broken: list[str]):
        self.workdir = workdir
        self.zones = zones
        self.broken = broken
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log = workdir / "knotd.log"

    def start(self, timeout: float = 20.0) -> "Knot":
        if not os.path.exists(KNOTD):
            pytest.skip(f"knotd not found at {KNOTD}")
        for d in ("run", "db", "zones"):
            (self.workdir / d).mkdir(exist_ok=True)
        zl = "".join(f'  - domain: "{o}."\n    file: "{f}"\n' for o, f in self.zones.items())
        zl += "".join(f'  - domain: "{o}."\n    file: "{self.workdir / "missing" / (o + ".zone")}"\n'
                      for o in self.broken)
        for attempt in range(3):
            self.port = free_port()
            conf = self.workdir / "knot.conf"
            conf.write_text(KNOT_CONF.format(run=self.workdir / "run", db=self.workdir / "db",
                                             zones=self.workdir / "zones", port=self.port, zone_list=zl))
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen([KNOTD, "-c", str(conf)], stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT)
            if self._ready(next(iter(self.zones)), timeout):
                return self
            self.stop()
        raise RuntimeError(f"knotd did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def _ready(self, zone: str, timeout: float) -> bool:
        import dns.message
        import dns.query
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                r = dns.query.udp(dns.message.make_query(zone + ".", "SOA"), "127.0.0.1", port=self.port,
                                  timeout=0.3)
                if r.rcode() == 0 and r.answer:
                    return True
            except Exception:  # noqa: BLE001 - not up yet
                pass
            time.sleep(0.05)
        return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def doctor(args: list[str], timeout: float = 30.0) -> tuple[int, dict, str]:
    """Runs `dnsedge doctor ... --json`; (exit status, report, stderr)."""
    p = subprocess.run([DNSEDGE_BIN, "doctor", *args, "--json"], capture_output=True, text=True, timeout=timeout)
    report = json.loads(p.stdout) if p.stdout.strip() else {}
    return p.returncode, report, p.stderr


def found(report: dict) -> set[tuple[str, str]]:
    return {(f["severity"], f["id"]) for f in report.get("findings", [])}


def show(report: dict) -> str:
    lines = [f"  {f['severity']:<7} {f['id']}: {f['title']}" for f in report.get("findings", [])]
    if not report.get("checked", True):
        lines.append(f"  not checked: {report.get('not_checked')}")
    return "\n".join(lines)
