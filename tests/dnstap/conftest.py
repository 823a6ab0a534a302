"""The dnstap suite: dnsedge started with --dnstap-socket, Debian's fstrm_capture receiving the
Frame Streams and dnstap-ldns decoding them (docs/observability.md, "dnstap").

Run with Debian's interpreter:  DNSEDGE_BIN=build/dnsedge /usr/bin/python3 -m pytest tests/dnstap
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest
import yaml

from harness.dnsedge import Process, attach_logs
from harness.metrics_dnsedge import EXAMPLE_ZONE, MetricsDnsedge

ZONE = EXAMPLE_ZONE
TOKEN = "dnstap-test-token-0123456789"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    attach_logs(outcome.get_result())


def need_tools():
    for tool in ("fstrm_capture", "dnstap-ldns"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing (make deps installs fstrm-bin and dnstap-ldns)")


class Capture(Process):
    """fstrm_capture reading dnstap Frame Streams from a unix socket into a file."""

    name = "fstrm_capture"

    def start(self, sock: pathlib.Path, out: pathlib.Path):
        need_tools()
        self.sock, self.out = sock, out
        self.spawn(["fstrm_capture", "-t", "protobuf:dnstap.Dnstap", "-u", str(sock), "-w", str(out)])
        self.wait_until(lambda: sock.exists(), "listening on its socket")
        return self


class Dnsedge(MetricsDnsedge):
    token = TOKEN

    def metrics(self) -> dict[str, float]:
        status, body = self.get("/metrics")
        assert status == 200, status
        out = {}
        for line in body.splitlines():
            m = re.match(r'^(dnsedge_dnstap_[a-z_]+(?:\{[^}]*\})?) (\S+)$', line)
            if m:
                out[m.group(1)] = float(m.group(2))
        return out


def decode(path: pathlib.Path) -> list[dict]:
    """Every dnstap message of a capture file, as dnstap-ldns -y prints it (YAML documents)."""
    need_tools()
    out = subprocess.run(["dnstap-ldns", "-y", "-r", str(path)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


@pytest.fixture
def sockdir():
    # A short path: sockaddr_un holds 107 bytes, pytest's tmp_path can be longer.
    d = pathlib.Path(tempfile.mkdtemp(prefix="dt", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)
