"""Shared by every black-box suite: puts tests/ on sys.path so each suite imports the one harness
that starts dnsedge (`from harness.dnsedge import ...`, tests/harness/dnsedge.py)."""

import pathlib
import sys

_TESTS = str(pathlib.Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


def pytest_sessionstart(session):
    """A suite run without the dnsedge binary or the peer servers it is compared with fails at
    once, naming what is missing, instead of reporting every test as skipped (a green run that
    tested nothing). `make test` installs the peers (make deps) and builds the binary."""
    import os
    import shutil

    import pytest

    from harness.dnsedge import DNSEDGE_BIN

    missing = []
    if not os.path.exists(DNSEDGE_BIN):
        missing.append(f"the dnsedge binary ({DNSEDGE_BIN}; set DNSEDGE_BIN or run `make build`)")
    for tool, fallback in (("knotd", "/usr/sbin/knotd"), ("nsd", "/usr/sbin/nsd")):
        if not (shutil.which(tool) or os.path.exists(fallback)):
            missing.append(f"{tool} (apt-get install {'knot' if tool == 'knotd' else 'nsd'}, or `make deps`)")
    if missing:
        pytest.exit("cannot run the black-box suites without " + ", ".join(missing), returncode=4)
