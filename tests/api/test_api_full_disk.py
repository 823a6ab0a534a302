"""A full disk is no outage: on a real full filesystem (a small tmpfs in a private mount
namespace) dnsedge starts and serves the last committed state, refuses writes with 503 / code
1000 "disk is full", logs the episode once, and takes writes again by itself once space is
freed. The disk filling while the server runs is handled the same way.

The tmpfs lives in a mount namespace held by a `sleep` process (unshare); dnsedge runs inside it
(nsenter) and the test reaches the files through /proc/PID/root, so no mount outlives the test.
Needs root (or CAP_SYS_ADMIN); skipped otherwise."""

import errno
import os
import pathlib
import subprocess
import time

import dns.query
import dns.rdatatype
import pytest

from apihelp import Server

ZONE = """$ORIGIN files.test.
$TTL 300
@    IN SOA ns1.files.test. hostmaster.files.test. 7 3600 600 86400 300
@    IN NS  ns1.files.test.
ns1  IN A   192.0.2.53
www  IN A   192.0.2.80
"""


class Tmpfs:
    """A tmpfs of `size_kib` mounted at `path` in a private mount namespace."""

    def __init__(self, path: pathlib.Path, size_kib: int):
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self.holder = subprocess.Popen(
                ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 'mount -t tmpfs -o size="$1"k,mode=0700 tmpfs "$0" && echo ready && exec sleep 600',
                 str(path), str(size_kib)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except FileNotFoundError:
            pytest.skip("unshare is not installed")
        line = self.holder.stdout.readline()
        if line != b"ready\n":
            err = self.holder.stderr.read().decode(errors="replace")
            self.holder.wait()
            pytest.skip(f"cannot mount a tmpfs in a private mount namespace here: {err.strip()}")
        # The mount as the namespace sees it, from this (outer) namespace.
        self.inside = pathlib.Path(f"/proc/{self.holder.pid}/root{path}")
        self.filler = self.inside / "filler"

    def nsenter(self) -> list[str]:
        return ["nsenter", "-t", str(self.holder.pid), "-m", "--"]

    def fill(self):
        """Writes a filler file until the filesystem has no byte left (ENOSPC)."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for chunk in (1 << 20, 65536, 4096, 512, 1):
                data = b"\0" * chunk
                while True:
                    try:
                        if os.write(fd, data) < chunk:
                            break
                    except OSError as e:
                        assert e.errno == errno.ENOSPC, e
                        break
        finally:
            os.close(fd)
        st = os.statvfs(self.inside)
        assert st.f_bavail == 0, st

    def free(self):
        os.remove(self.filler)

    def close(self):
        self.holder.kill()
        self.holder.wait()


@pytest.fixture
def tmpfs(tmp_path):
    t = Tmpfs(tmp_path / "data", 8192)
    yield t
    t.close()


def _server(tmp_path, fs: Tmpfs) -> Server:
    zf = tmp_path / "files.test.zone"
    zf.write_text(ZONE)
    cfg = tmp_path / "dnsedge.toml"  # transfers from loopback, to read the IXFR journal
    cfg.write_text('[[xfr.outgoing]]\nzone = "example.com"\nallow = [{ prefix = "127.0.0.0/8" }]\n')
    s = Server(tmp_path, zone_files=[zf], extra=["--config", str(cfg)])
    s.prefix = fs.nsenter()
    return s


def _disk_full_lines(s: Server) -> int:
    return sum("disk is full" in line for line in s.log_path.read_text(errors="replace").splitlines())


def _ixfr(s: Server, serial: int) -> list:
    """The answer RRs of an IXFR of example.com from `serial`, once the journal has a delta from it
    (the transfer service journals a publish asynchronously: ask until it has, for 10 s at most)."""
    deadline = time.time() + 10
    while True:
        msgs = list(dns.query.xfr("127.0.0.1", "example.com.", rdtype="IXFR", serial=serial, port=s.dns_port,
                                  timeout=5, relativize=False))
        rrs = [rr for m in msgs for rr in m.answer]
        if rrs[1].rdtype == dns.rdatatype.SOA or time.time() > deadline:
            return rrs
        time.sleep(0.1)


def _refused(r):
    assert r.status == 503, r
    assert r.error_codes() == [1000], r
    msg = r.json["errors"][0]["message"]
    assert msg.startswith("disk is full: writes are refused until space is freed"), msg


def test_restart_on_a_full_disk_serves_and_recovers_without_restart(tmp_path, tmpfs):
    s = _server(tmp_path, tmpfs).start()
    try:
        zid = s.create_zone("example.com")
        rid = s.add(zid, name="www", type="A", content="192.0.2.1")["result"]["id"]
        serial = s.serial("example.com")
        s.stop()
        assert (tmpfs.inside / "dnsedge.db").exists()

        tmpfs.fill()
        s.start()  # used to exit 2: "PRAGMA journal_mode = WAL: disk I/O error"
        # The last committed state serves, and so does the file zone.
        assert s.answer("www.example.com.") == ["192.0.2.1"]
        assert s.serial("example.com") == serial
        assert s.answer("www.files.test.") == ["192.0.2.80"]
        assert {z["name"] for z in s.get("/zones").result} == {"example.com", "files.test"}
        assert [r["content"] for r in s.records(zid)] == ["192.0.2.1"]
        # Every write is refused with 503 / 1000 and changes nothing.
        path = f"/zones/{zid}/dns_records"
        for i in range(3):
            _refused(s.post(path, {"name": f"new{i}", "type": "A", "content": "192.0.2.2"}))
        _refused(s.patch(f"{path}/{rid}", {"content": "192.0.2.3"}))
        _refused(s.delete(f"{path}/{rid}"))
        _refused(s.post("/zones", {"name": "example.net"}))
        assert s.answer("www.example.com.") == ["192.0.2.1"]
        assert s.rcode("new0.example.com.") == "NXDOMAIN"
        assert s.serial("example.com") == serial
        assert _disk_full_lines(s) == 1, s.log_text()

        # Space returns: the next write succeeds, without a restart.
        tmpfs.free()
        r = s.post(path, {"name": "back", "type": "A", "content": "192.0.2.4"})
        assert r.status == 200, r
        assert s.answer("back.example.com.") == ["192.0.2.4"]
        assert s.serial("example.com") == serial + 1
        r = s.patch(f"{path}/{rid}", {"content": "192.0.2.5"})
        assert r.status == 200, r
        assert s.answer("www.example.com.") == ["192.0.2.5"]
        assert _disk_full_lines(s) == 1
        assert "writes resumed" in s.log_text()
        # The IXFR journal took the change: a delta from the serial served while the disk was full.
        rrs = _ixfr(s, serial)
        assert rrs[0].rdtype == dns.rdatatype.SOA and rrs[0][0].serial == serial + 2
        assert rrs[1].rdtype == dns.rdatatype.SOA and rrs[1][0].serial == serial, rrs  # a delta, not a full zone
        assert "back.example.com." in {rr.name.to_text() for rr in rrs}
        # And it was stored.
        s.restart()
        assert s.answer("back.example.com.") == ["192.0.2.4"]
        assert s.answer("www.example.com.") == ["192.0.2.5"]
    finally:
        s.stop()
        print(f"--- dnsedge log ---\n{s.log_text()}")


def test_disk_filling_while_running_refuses_writes_and_recovers(tmp_path, tmpfs):
    s = _server(tmp_path, tmpfs).start()
    try:
        zid = s.create_zone("example.com")
        s.add(zid, name="www", type="A", content="192.0.2.1")
        serial = s.serial("example.com")
        path = f"/zones/{zid}/dns_records"
        # A restart: the transfer service starts from this serial, so the next publish is
        # journaled as a delta from it.
        s.restart()

        tmpfs.fill()
        for i in range(4):
            _refused(s.post(path, {"name": f"new{i}", "type": "TXT", "content": "x" * 2000}))
        # Nothing of the refused writes is stored or served; reads and DNS go on.
        assert [r["name"] for r in s.records(zid)] == ["www.example.com"]
        assert s.rcode("new0.example.com.") == "NXDOMAIN"
        assert s.serial("example.com") == serial
        assert s.answer("www.example.com.") == ["192.0.2.1"]
        assert s.answer("www.files.test.") == ["192.0.2.80"]
        assert _disk_full_lines(s) == 1, s.log_text()

        tmpfs.free()
        r = s.post(path, {"name": "after", "type": "A", "content": "192.0.2.6"})
        assert r.status == 200, r
        assert s.answer("after.example.com.") == ["192.0.2.6"]
        assert s.serial("example.com") == serial + 1
        assert "writes resumed" in s.log_text()
        rrs = _ixfr(s, serial)  # journaled (before the disk fills again)
        assert rrs[1].rdtype == dns.rdatatype.SOA and "after.example.com." in {rr.name.to_text() for rr in rrs}
        # A second episode is logged again, once.
        tmpfs.fill()
        for i in range(2):
            _refused(s.post(path, {"name": f"again{i}", "type": "TXT", "content": "y" * 2000}))
        assert _disk_full_lines(s) == 2, s.log_text()
        tmpfs.free()
        assert s.post(path, {"name": "later", "type": "A", "content": "192.0.2.7"}).status == 200
        assert s.answer("later.example.com.") == ["192.0.2.7"]
    finally:
        s.stop()
        print(f"--- dnsedge log ---\n{s.log_text()}")
