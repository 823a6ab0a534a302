#!/usr/bin/python3
"""Expected sections for the golden cases, from Knot DNS (the reference for zone-file answers).

    regen.py                 check: query Knot for every case, print the cases whose expect
                             block differs from Knot's answer (exit 1 if any)
    regen.py --write         rewrite the expect blocks from Knot's answers, except for cases
                             marked '# knot-differs' (those are kept, and reported when Knot's
                             answer differs, which is the point)
    regen.py --show NAME..   print Knot's canonical answer for the named cases
    regen.py [opts] PATTERN  only cases whose name contains PATTERN

Cases with zone-set options (`option edge-ipv4 ...`: proxied records, flatten-all) are skipped
as if marked knot-differs: Knot has no proxy semantics, so their expectations are hand-written.
Cases that sign a zone online (`sign` lines, dnssec/) are skipped too: their answers are
dnsedge's compact denial (RFC 9824: NOERROR or, with the CO flag, NXDOMAIN and an NSEC at the
qname), which Knot's mod-onlinesign answers otherwise, and their signatures are random; their
expectations are hand-written and both runners verify every signature against the case's keys
(FORMAT.md).
A group of knot-differs cases whose zones Knot refuses to load (a CNAME at the apex beside
SOA/NS, say) is reported and skipped too.

Knot runs from a temporary configuration (one knotd per distinct zone set, on a free loopback
port) with semantic checks off, so zones load exactly as written. Every regenerated expectation
must still be reviewed by hand against the RFCs: `git diff tests/golden` after --write.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import golden  # noqa: E402

import dns.message  # noqa: E402

from harness.knot import CONF as KNOT_CONF, KNOTD  # noqa: E402 (golden put tests/ on the path)


class Knot:
    """One knotd serving a set of zone files on 127.0.0.1:<port>."""

    def __init__(self, zones: list[tuple[str, pathlib.Path]]):
        self.dir = tempfile.mkdtemp(prefix="golden-knot-")
        self.port = golden.free_port()
        zs = "".join(f"  - domain: {apex}\n    file: \"{path}\"\n" for apex, path in zones)
        conf = pathlib.Path(self.dir, "knot.conf")
        conf.write_text(KNOT_CONF.format(dir=self.dir, port=self.port, zones=zs))
        self.log = open(pathlib.Path(self.dir, "knotd.log"), "w+")
        self.proc = subprocess.Popen([KNOTD, "-c", str(conf)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        probe = dns.message.make_query(zones[0][0], "SOA").to_wire()
        if not golden.wait_for_server(self.port, probe=probe) or not self._loaded(zones, probe):
            self.log.seek(0)
            text = self.log.read()
            self.stop()
            raise RuntimeError(f"knotd did not serve {zones}:\n{text}")

    def _loaded(self, zones, _probe) -> bool:
        import time
        deadline = time.monotonic() + 10
        pending = [apex for apex, _ in zones]
        while pending and time.monotonic() < deadline:
            q = dns.message.make_query(pending[0], "SOA")
            r = dns.message.from_wire(golden.exchange(q.to_wire(), self.port, "udp"))
            if r.rcode() == 0 and r.answer:
                pending.pop(0)
            else:
                time.sleep(0.05)
        return not pending

    def ask(self, case: golden.Case, transport: str) -> dns.message.Message:
        wire = golden.exchange(case.query_wire(), self.port, transport)
        return dns.message.from_wire(wire)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def knot_expect(knot: Knot, case: golden.Case) -> tuple[golden.Expect, list[str]]:
    """Knot's answer in canonical form; notes when UDP and TCP answers disagree."""
    notes, results = [], {}
    for t in case.transports:
        msg = knot.ask(case, t)
        notes += [f"{t}: {d}" for d in golden.check_question(case, msg)]
        results[t] = golden.response_to_expect(msg)
    first = results[case.transports[0]]
    if len(results) == 2:
        d = golden.compare(results["udp"], results["tcp"], case.name)
        if d:
            notes.append("udp and tcp answers differ (split the case): " + "; ".join(d))
    first.order_strict = case.order_strict
    return first, notes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--write", action="store_true", help="rewrite expect blocks from Knot")
    ap.add_argument("--show", action="store_true", help="print Knot's answers")
    ap.add_argument("patterns", nargs="*")
    args = ap.parse_args()

    cases = [c for c in golden.load_cases()
             if not args.patterns or any(p in c.name for p in args.patterns)]
    groups: dict[tuple, list[golden.Case]] = {}
    for c in cases:
        if c.sign:
            print(f"{c.name}: skipped (signed online: dnsedge's compact answers, not Knot's)")
            continue
        if c.options:
            print(f"{c.name}: skipped (zone-set options: proxy semantics, Knot has none)")
            continue
        groups.setdefault(c.zone_key(), []).append(c)

    differ = 0
    for _key, group in sorted(groups.items()):
        try:
            knot = Knot(group[0].zones)
        except RuntimeError as exc:
            if all(c.knot_differs for c in group):
                first = str(exc).strip().splitlines()
                for c in group:
                    print(f"{c.name}: skipped (knot-differs; Knot does not load these zones"
                          + (f": {first[-1]}" if first else "") + ")")
                continue
            raise
        try:
            for case in group:
                got, notes = knot_expect(knot, case)
                for n in notes:
                    print(f"{case.name}: NOTE {n}")
                if args.show:
                    print(f"--- {case.name}" + (" (knot-differs)" if case.knot_differs else ""))
                    print(got.render(), end="")
                    continue
                diffs = (golden.compare(case.expect, got, case.name) if case.expect
                         else ["no expect block"])
                if case.knot_differs:
                    if not diffs:
                        print(f"{case.name}: marked knot-differs but equals Knot's answer")
                    continue
                if not diffs:
                    continue
                differ += 1
                if args.write:
                    case.path.write_text(case.header + got.render())
                    print(f"{case.name}: written")
                else:
                    print(f"{case.name}: differs from Knot")
                    for d in diffs:
                        print("    " + d)
        finally:
            knot.stop()
    print(f"{len(cases)} cases, {differ} {'rewritten' if args.write else 'differ from Knot'}",
          file=sys.stderr)
    return 1 if differ and not args.write and not args.show else 0


if __name__ == "__main__":
    sys.exit(main())
