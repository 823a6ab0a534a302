"""Unbound as a validating resolver for the DNSSEC suites: one `unbound` on 127.0.0.1 at a free
port, in its own temporary directory, with a zone's DS as its only trust anchor, asking
the authoritative server under test directly for that zone. Every other name is asked of a loopback
port nothing listens on, so Unbound never uses its root hints and nothing leaves loopback. It
runs in the foreground (no chroot, no user switch) and is stopped by its PID.

    with Unbound(workdir, anchors=[ds_text], servers={"example.com.": port}) as ub:
        r = ub.query("www.example.com.", "A")   # r.flags & dns.flags.AD when it validated

Unbound resolves on its own, so a test that starts one runs inside a network namespace of its
own (`unshare -n`, loopback only): the file's outer test re-runs the file there with
run_in_netns(), and the tests that start Unbound are marked `inside_netns` (skipped outside).
That also keeps the ports a test picks away from every other process on the machine. Unbound's
own outgoing ports lie above the kernel's ephemeral range that free_port() picks from.

    @inside_netns
    def test_validates(tmp_path): ...

    def test_in_a_network_namespace():
        run_in_netns(__file__, passed=1)

Environment:
  UNBOUND   path of unbound (default: the one on PATH, else /usr/sbin/unbound).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import pytest

from harness.dnsedge import StoppedByPid, free_port

UNBOUND = os.environ.get("UNBOUND") or shutil.which("unbound") or "/usr/sbin/unbound"

# Set in the environment of a file re-run inside its network namespace.
NETNS_ENV = "DNSEDGE_TEST_NETNS"
IN_NETNS = os.environ.get(NETNS_ENV) == "1"
inside_netns = pytest.mark.skipif(not IN_NETNS, reason="runs inside the network namespace of its file's outer test")
outside_netns = pytest.mark.skipif(IN_NETNS, reason="the outer test")


def run_in_netns(test_file, passed: int, timeout: float = 600) -> str:
    """Runs the pytest file `test_file` again in a new network namespace (`unshare -n`, loopback
    up) and checks that it passed with exactly `passed` tests (the `inside_netns` ones).
    Returns its output; on failure the assertion carries it."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare not found (util-linux)")
    path = pathlib.Path(test_file).resolve()
    env = dict(os.environ, **{NETNS_ENV: "1"})
    cmd = f"ip link set lo up && exec {sys.executable} -m pytest -q -p no:cacheprovider {path}"
    p = subprocess.run(["unshare", "-n", "sh", "-c", cmd], env=env, capture_output=True, text=True, timeout=timeout,
                       cwd=str(path.parent.parent))
    out = p.stdout + p.stderr
    summary = out.strip().splitlines()[-1] if out.strip() else ""
    assert p.returncode == 0 and f"{passed} passed" in summary and "failed" not in summary, \
        f"{path.name} in its network namespace:\n{out[-30000:]}"
    return out

CONF = """\
server:
    interface: 127.0.0.1
    port: {port}
    do-ip6: no
    do-daemonize: no
    chroot: ""
    username: ""
    directory: "{dir}"
    pidfile: "{dir}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    val-log-level: 2
    log-servfail: yes
    num-threads: 1
    so-reuseport: no
    interface-automatic: no
    do-not-query-localhost: no
    qname-minimisation: no
    aggressive-nsec: no
    prefetch: no
    prefetch-key: no
    harden-dnssec-stripped: yes
    trust-anchor-signaling: no
    root-key-sentinel: no
    edns-buffer-size: 1232
    cache-max-ttl: {max_ttl}
    cache-max-negative-ttl: {max_ttl}
    infra-host-ttl: 60
    access-control: 127.0.0.0/8 allow
    outgoing-port-avoid: 0-60999
    outgoing-port-permit: 61000-65535
    module-config: "validator iterator"
{anchors}
{servers}
stub-zone:
    name: "."
    stub-addr: 127.0.0.1@{dead_port}
remote-control:
    control-enable: no
"""


class Unbound(StoppedByPid):
    """A validating Unbound in `workdir`. `anchors`: DS (or DNSKEY) records in presentation form;
    `servers`: {zone apex: port on 127.0.0.1 of its authoritative server}. `max_ttl` caps what it
    caches (seconds), so that a test sees changes quickly."""

    def __init__(self, workdir: pathlib.Path, anchors: list[str], servers: dict[str, int], max_ttl: int = 1,
                 timeout: float = 10):
        if not os.path.exists(UNBOUND):
            pytest.fail(f"unbound not found at {UNBOUND}: install unbound (make deps)")
        self.dir = pathlib.Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        anchor_lines = "".join(f'    trust-anchor: "{a}"\n' for a in anchors)
        server_lines = "".join(f'stub-zone:\n    name: "{apex}"\n    stub-addr: 127.0.0.1@{port}\n'
                               for apex, port in servers.items())
        # A zone under a name Unbound answers itself by default (test., invalid., RFC 6761) is
        # asked of its server anyway.
        anchor_lines += "".join(f'    local-zone: "{apex}" transparent\n' for apex in servers)
        conf = self.dir / "unbound.conf"
        conf.write_text(CONF.format(port=self.port, dir=self.dir, anchors=anchor_lines, servers=server_lines,
                                    dead_port=free_port(), max_ttl=max_ttl))
        check = subprocess.run([UNBOUND + "-checkconf", str(conf)], capture_output=True, text=True) \
            if os.path.exists(UNBOUND + "-checkconf") else None
        if check is not None and check.returncode != 0:
            pytest.fail(f"unbound-checkconf rejects the config: {check.stdout}{check.stderr}")
        self.log_path = self.dir / "unbound.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([UNBOUND, "-d", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"unbound exited {self.proc.returncode}:\n{self.log_text()}")
            try:
                q = dns.message.make_query("localhost.", "A")
                dns.query.udp(q, "127.0.0.1", port=self.port, timeout=0.3)
                return
            except (dns.exception.Timeout, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"unbound did not answer in {timeout} s:\n{self.log_text()}")
            time.sleep(0.05)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def query(self, name: str, rdtype: str = "A", timeout: float = 5.0) -> dns.message.Message:
        """Asks with RD and DO (AD in the answer says Unbound validated it)."""
        q = dns.message.make_query(name, rdtype, want_dnssec=True)
        q.flags |= dns.flags.AD
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=timeout)
