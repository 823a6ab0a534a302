"""Serial discipline (issue 7): the SOA serial moves (RFC 1982) on every publish that changes a
zone's served view — also when the change comes from another zone (a flattened CNAME into it) —
and never goes back, across restarts too.
"""

from __future__ import annotations

import time

from xfrhelp import Server


def soa_serial(srv, zone):
    return srv.query(zone, "SOA").answer[0][0].serial


def addrs(srv, name):
    r = srv.query(name, "A")
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_dependent_zone_gets_a_new_serial_and_restarts_keep_it(tmp_path):
    (tmp_path / "d").mkdir()
    srv = Server(tmp_path / "d").start()
    try:
        za = srv.create_zone("a.test")
        zb = srv.create_zone("b.test")
        r = srv.post(f"/zones/{zb}/dns_records", {"type": "A", "name": "host", "content": "192.0.2.1"})
        assert r.status == 200, r
        host_id = r.result["id"]
        assert srv.patch(f"/zones/{za}/settings/cname_flattening", {"value": "flatten_all"}).status == 200
        r = srv.post(f"/zones/{za}/dns_records", {"type": "CNAME", "name": "www", "content": "host.b.test"})
        assert r.status == 200, r
        assert addrs(srv, "www.a.test.") == ["192.0.2.1"]
        a1, b1 = soa_serial(srv, "a.test."), soa_serial(srv, "b.test.")

        # A change in b.test changes what a.test serves: both serials move.
        assert srv.patch(f"/zones/{zb}/dns_records/{host_id}", {"content": "192.0.2.2"}).status == 200
        assert wait_for(lambda: addrs(srv, "www.a.test.") == ["192.0.2.2"])
        a2, b2 = soa_serial(srv, "a.test."), soa_serial(srv, "b.test.")
        assert b2 == b1 + 1
        assert a2 == a1 + 1, "a.test's view changed (its flattened www) but its serial did not"
        # A change in b.test that a.test does not see leaves a.test's serial alone.
        assert srv.post(f"/zones/{zb}/dns_records", {"type": "TXT", "name": "t", "content": "x"}).status == 200
        assert soa_serial(srv, "b.test.") == b2 + 1
        assert soa_serial(srv, "a.test.") == a2

        # Restart: same views, same serials (nothing goes back, nothing moves needlessly).
        srv.restart()
        assert soa_serial(srv, "a.test.") == a2
        assert soa_serial(srv, "b.test.") == b2 + 1
        assert addrs(srv, "www.a.test.") == ["192.0.2.2"]
        assert "event=serial-bumped zone=a.test" in srv.log_path.read_text(errors="replace")
    finally:
        srv.stop()
