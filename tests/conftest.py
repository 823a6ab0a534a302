"""Shared by every black-box suite: puts tests/ on sys.path so each suite imports the one harness
that starts dnsedge (`from harness.dnsedge import ...`, tests/harness/dnsedge.py)."""

import pathlib
import sys

_TESTS = str(pathlib.Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
