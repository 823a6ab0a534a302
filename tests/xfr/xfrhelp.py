"""Helpers of the zone-transfer black-box suite (tests/xfr): dnsedge as a primary (started through
tests/api/apihelp.py's Server, driven through the REST API) with real Knot DNS and NSD
secondaries, each started by the test on free loopback ports and stopped by its PID.

No conftest.py (see tests/api/apihelp.py for why): test modules import from this module.
"""

from __future__ import annotations

import base64
import os
import pathlib
import shutil
import signal
import sys
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsigkeyring
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "api"))
from apihelp import DNSEDGE_BIN, EDGE4, EDGE6, Server, free_port  # noqa: E402,F401
from harness.dnsedge import Process  # noqa: E402

KNOTD = os.environ.get("KNOTD") or shutil.which("knotd") or "/usr/sbin/knotd"
NSD = os.environ.get("NSD") or shutil.which("nsd") or "/usr/sbin/nsd"


def secret(seed: str) -> str:
    return base64.b64encode((seed * 32)[:32].encode()).decode()


class Peer(Process):
    """A secondary server process (Knot or NSD) with its own directory and log (the harness's
    Process, tests/harness/dnsedge.py)."""

    name = "peer"

    def __init__(self, workdir: pathlib.Path):
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(workdir)
        self.port = free_port()

    def stop(self):
        super().stop(strict=False)
        self.proc = None

    def query(self, name, rdtype="A", timeout=2.0) -> dns.message.Message:
        q = dns.message.make_query(name, rdtype)
        q.flags &= ~dns.flags.RD
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=timeout)

    def serial(self, zone) -> int | None:
        try:
            r = self.query(zone, "SOA", timeout=0.5)
        except Exception:
            return None
        if r.rcode() != dns.rcode.NOERROR or not r.answer:
            return None
        return r.answer[0][0].serial

    def wait_serial(self, zone, serial, timeout=30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_text()[-4000:]}")
            s = self.serial(zone)
            if s == serial:
                return
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not reach serial {serial} of {zone} (has {self.serial(zone)}):\n"
                             f"{self.log_text()[-4000:]}")


def _knot_dirs(workdir):
    """Skips the test without knotd; makes the run, db and zones directories Knot is given."""
    if not os.path.exists(KNOTD):
        pytest.skip(f"knotd not found at {KNOTD}")
    for d in ("run", "db", "zones"):
        (workdir / d).mkdir(exist_ok=True)


def _knot_conf_head(workdir, port: int, key_name: str, key_secret: str) -> str:
    """The server/database/log/key part of a knotd config on 127.0.0.1@port with one TSIG key."""
    return f"""server:
    rundir: "{workdir / 'run'}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{workdir / 'db'}"
log:
  - target: stderr
    any: info
key:
  - id: {key_name}
    algorithm: hmac-sha256
    secret: {key_secret}
"""


class KnotSecondary(Peer):
    name = "knotd"
    # True: the test may also AXFR the zone from it without a key (to compare its copy).
    dumpable = False

    def start(self, zone: str, primary_port: int, key_name: str, key_secret: str):
        _knot_dirs(self.workdir)
        dump_acl = "  - id: dump\n    address: 127.0.0.1\n    action: transfer\n" if self.dumpable else ""
        acls = "[notify_from_primary, dump]" if self.dumpable else "notify_from_primary"
        conf = _knot_conf_head(self.workdir, self.port, key_name, key_secret) + f"""remote:
  - id: primary
    address: 127.0.0.1@{primary_port}
    key: {key_name}
acl:
  - id: notify_from_primary
    address: 127.0.0.1
    key: {key_name}
    action: notify
{dump_acl}template:
  - id: default
    storage: "{self.workdir / 'zones'}"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
    semantic-checks: off
zone:
  - domain: {zone}
    master: primary
    acl: {acls}
"""
        cpath = self.workdir / "knot.conf"
        cpath.write_text(conf)
        self.spawn([KNOTD, "-c", str(cpath)])
        return self


class NsdSecondary(Peer):
    name = "nsd"

    def start(self, zone: str, primary_port: int, key_name: str, key_secret: str):
        if not os.path.exists(NSD):
            pytest.skip(f"nsd not found at {NSD}")
        w = self.workdir
        (w / "xfr").mkdir(exist_ok=True)
        conf = f"""server:
    ip-address: 127.0.0.1@{self.port}
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "{w}"
    database: ""
    pidfile: "{w}/nsd.pid"
    xfrdfile: "{w}/xfrd.state"
    zonelistfile: "{w}/zone.list"
    xfrdir: "{w}/xfr"
    verbosity: 2
    hide-version: yes
remote-control:
    control-enable: no
key:
    name: "{key_name}"
    algorithm: hmac-sha256
    secret: "{key_secret}"
zone:
    name: "{zone}"
    zonefile: "{zone.rstrip('.')}.zone"
    request-xfr: 127.0.0.1@{primary_port} {key_name}
    allow-notify: 127.0.0.1 {key_name}
"""
        cpath = w / "nsd.conf"
        cpath.write_text(conf)
        self.spawn([NSD, "-d", "-c", str(cpath)])
        return self


def answer_lines(msg: dns.message.Message) -> list[str]:
    """The answer section as sorted "owner ttl TYPE rdata" lines."""
    out = []
    for rrset in msg.answer:
        for rd in rrset:
            out.append(f"{rrset.name} {rrset.ttl} {dns.rdatatype.to_text(rrset.rdtype)} {rd.to_text()}")
    return sorted(out)


class KnotPrimary(Peer):
    """Knot DNS serving `zone` from a zone file, allowing transfers with `key`, NOTIFYing dnsedge."""

    name = "knot-primary"

    def start(self, zone: str, zone_text: str, key_name: str, key_secret: str, notify_port: int):
        _knot_dirs(self.workdir)
        self.zone_file = self.workdir / "zones" / f"{zone}zone"
        self.zone_file.write_text(zone_text)
        conf = _knot_conf_head(self.workdir, self.port, key_name, key_secret) + f"""remote:
  - id: dnsedge
    address: 127.0.0.1@{notify_port}
    key: {key_name}
acl:
  - id: xfr_with_key
    address: 127.0.0.1
    key: {key_name}
    action: transfer
template:
  - id: default
    storage: "{self.workdir / 'zones'}"
    semantic-checks: off
    zonefile-load: difference
    journal-content: changes
    zonefile-sync: -1
zone:
  - domain: {zone}
    file: "{self.zone_file}"
    acl: xfr_with_key
    notify: dnsedge
"""
        cpath = self.workdir / "knot.conf"
        cpath.write_text(conf)
        self.spawn([KNOTD, "-c", str(cpath)])
        deadline = time.time() + 20
        while time.time() < deadline and self.serial(zone) is None:
            time.sleep(0.05)
        return self

    def update(self, zone_text: str):
        """New zone file contents, then reload (SIGHUP): Knot computes the IXFR delta and NOTIFYs."""
        self.zone_file.write_text(zone_text)
        self.proc.send_signal(signal.SIGHUP)


def addrs(srv, name):
    """(rcode, sorted A addresses) of `name` from `srv`."""
    r = srv.query(name, "A")
    return r.rcode(), sorted(rd.to_text() for rrset in r.answer for rd in rrset)


def wait_for(pred, timeout=20.0):
    """True once pred() is, polling every 50 ms; False after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False
