"""Fixtures shared by the transfer tests (tests/xfr)."""

import pytest

from xfrhelp import Server


@pytest.fixture
def setup(tmp_path):
    """(a dnsedge primary, the list of secondaries the test starts): every one stopped after."""
    (tmp_path / "dnsedge").mkdir()
    srv = Server(tmp_path / "dnsedge").start()
    peers = []
    try:
        yield srv, peers
    finally:
        for p in peers:
            p.stop()
        srv.stop()
