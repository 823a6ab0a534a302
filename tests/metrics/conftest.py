"""The metrics suite: dnsedge started with --metrics-listen on loopback (docs/observability.md).

Run with Debian's interpreter:  DNSEDGE_BIN=build/dnsedge /usr/bin/python3 -m pytest tests/metrics
"""

from __future__ import annotations

import re

import pytest

from harness.dnsedge import attach_logs
from harness.metrics_dnsedge import EXAMPLE_ZONE, MetricsDnsedge

ZONE = EXAMPLE_ZONE
TOKEN = "metrics-test-token-0123456789"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    attach_logs(outcome.get_result())


class Dnsedge(MetricsDnsedge):
    token = TOKEN


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def parse(text: str) -> dict[str, float]:
    """Series ("name{labels}" as written) → value."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


@pytest.fixture
def server(tmp_path):
    srv = Dnsedge(tmp_path).start()
    yield srv
    srv.stop()
