"""Knot DNS as the reference the black-box suites compare dnsedge with: one knotd serving a set
of zone files on 127.0.0.1 at a free port, waited on until every zone answers its SOA, and
stopped by its PID.

    with Knot([("example.com.", path)], workdir) as knot:
        dns.query.udp(q, "127.0.0.1", port=knot.port)

Environment:
  KNOTD   path of knotd (default: the one on PATH, else /usr/sbin/knotd).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest

from harness.dnsedge import StoppedByPid, free_port

KNOTD = os.environ.get("KNOTD") or shutil.which("knotd") or "/usr/sbin/knotd"

CONF = """\
server:
    rundir: "{dir}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    udp-max-payload: 1232
log:
  - target: stderr
    any: warning
database:
    storage: "{dir}"
template:
  - id: default
    storage: "{dir}"
    semantic-checks: off
    zonefile-load: whole
    journal-content: none
    zonefile-sync: -1
zone:
{zones}"""


class Knot(StoppedByPid):
    """One knotd serving `zones` ([(apex, zone file)]) from `workdir` on 127.0.0.1:<port>.

    `broken` names zones Knot is configured for but cannot load (their file does not exist): it
    answers SERVFAIL for them, as a primary with a broken zone does. They are not waited on."""

    def __init__(self, zones: list[tuple[str, pathlib.Path]], workdir: pathlib.Path, timeout: float = 10,
                 broken: tuple[str, ...] | list[str] = ()):
        if not os.path.exists(KNOTD):
            pytest.fail(f"knotd not found at {KNOTD}: install knot")
        self.dir = pathlib.Path(workdir)
        self.port = free_port()
        zs = "".join(f"  - domain: {apex}\n    file: \"{path}\"\n" for apex, path in zones)
        zs += "".join(f"  - domain: {apex}\n    file: \"{self.dir / 'missing' / (apex + 'zone')}\"\n" for apex in broken)
        conf = self.dir / "knot.conf"
        conf.write_text(CONF.format(dir=self.dir, port=self.port, zones=zs))
        self.log_path = self.dir / "knotd.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([KNOTD, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_loaded([apex for apex, _ in zones], timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_loaded(self, pending: list[str], timeout: float):
        deadline = time.monotonic() + timeout
        while pending:
            if self.proc.poll() is not None:
                raise RuntimeError(f"knotd exited {self.proc.returncode}:\n{self.log_path.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"knotd did not serve {pending} in {timeout} s:\n{self.log_path.read_text()}")
            try:
                r = dns.query.udp(dns.message.make_query(pending[0], "SOA"), "127.0.0.1", port=self.port, timeout=0.5)
                if r.rcode() == dns.rcode.NOERROR and r.answer:
                    pending.pop(0)
                    continue
            except (dns.exception.Timeout, ConnectionError, OSError):
                pass
            time.sleep(0.05)
