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
import pathlib
import subprocess
from dataclasses import dataclass, field


from harness.dnsedge import DNSEDGE_BIN, free_port, need_dnsedge  # noqa: F401
from harness.knot import Knot

HERE = pathlib.Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"

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


def start_knot(workdir: pathlib.Path, zones: dict[str, pathlib.Path], broken: list[str]) -> Knot:
    """knotd (tests/harness/knot.py) serving the scenario's zone files, and SERVFAIL for the
    zones in `broken`; stopped by PID with .stop()."""
    return Knot([(f"{o}.", f) for o, f in zones.items()], workdir, timeout=20, broken=[f"{o}." for o in broken])


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
