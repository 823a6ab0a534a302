"""Serial discipline (issue 7): the SOA serial moves (RFC 1982) on every publish that changes a
zone's served view — also when the change comes from another zone (a flattened CNAME into it) —
and never goes back, across restarts too.
"""

from __future__ import annotations


from xfrhelp import Server, wait_for


def soa_serial(srv, zone):
    return srv.query(zone, "SOA").answer[0][0].serial


def addrs(srv, name):
    r = srv.query(name, "A")
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)


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
        assert wait_for(lambda: addrs(srv, "www.a.test.") == ["192.0.2.2"], timeout=10.0)
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


def test_file_zone_changed_without_a_new_serial_is_served_with_the_next_one(tmp_path):
    """File zones: served serial = max(file serial, last served serial + 1) on a changed view,
    the last served serial on an unchanged one, persisted across restarts (docs/xfr.md)."""
    import signal as _signal

    zf = tmp_path / "f.test.zone"

    def write(serial, www):
        zf.write_text(f"$ORIGIN f.test.\n$TTL 300\n@ SOA ns1 h {serial} 3600 600 1209600 300\n@ NS ns1\n"
                      f"ns1 A 192.0.2.53\nwww A {www}\n")

    write(100, "192.0.2.1")
    (tmp_path / "d").mkdir()
    srv = Server(tmp_path / "d", zone_files=[zf]).start()
    try:
        assert soa_serial(srv, "f.test.") == 100
        # The operator changes the file but forgets the serial: served as 101.
        write(100, "192.0.2.2")
        srv.proc.send_signal(_signal.SIGHUP)
        assert wait_for(lambda: addrs(srv, "www.f.test.") == ["192.0.2.2"], timeout=10.0)
        assert soa_serial(srv, "f.test.") == 101
        # Restart with the same file: still 101, never back to 100.
        srv.restart()
        assert soa_serial(srv, "f.test.") == 101
        # A newer file serial wins when it is ahead.
        write(200, "192.0.2.3")
        srv.proc.send_signal(_signal.SIGHUP)
        assert wait_for(lambda: addrs(srv, "www.f.test.") == ["192.0.2.3"], timeout=10.0)
        assert soa_serial(srv, "f.test.") == 200
    finally:
        srv.stop()
