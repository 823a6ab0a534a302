"""The mail doctor reports mail-relevant traffic (docs/doctor.md "Traffic"): GET mail_doctor's
`traffic` says how many MX, SPF/DMARC/DKIM TXT and dc-record queries this server answered for the
zone in the last hour, from DNS analytics, and says plainly when there were none at all; in local
mode `dnsedge doctor --data DIR` shows the same from what serve stored (text and --json).

Run with Debian's interpreter:  /usr/bin/python3 -m pytest tests/doctor
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "api"))

from apihelp import DNSEDGE_BIN, Server  # noqa: E402

ZONE = "mailtraffic.test"


def traffic(s, zid) -> dict:
    r = s.get(f"/zones/{zid}/mail_doctor?offline=true")
    assert r.status == 200 and r.json["success"], r
    return r.result["traffic"]


def test_doctor_reports_mail_queries(tmp_path):
    s = Server(tmp_path).start()
    try:
        zid = s.create_zone(ZONE)
        s.add(zid, type="MX", name=ZONE, content="mail." + ZONE, priority=10)
        s.add(zid, type="A", name="mail." + ZONE, content="192.0.2.25")
        s.add(zid, type="TXT", name="_dmarc." + ZONE, content='"v=DMARC1; p=none"')

        t = traffic(s, zid)
        assert t["window_minutes"] == 60 and t["mx_queries"] == 0
        assert t["summary"].startswith("No mail-related queries at all in the last hour")

        for _ in range(3):
            s.query(ZONE + ".", "MX")
        for _ in range(2):
            s.query("_dmarc." + ZONE + ".", "TXT")
        s.query("www." + ZONE + ".", "A")  # not mail-related
        for _ in range(100):  # the workers hand their counts over within a second
            t = traffic(s, zid)
            if t["mx_queries"] == 3 and t["mail_txt_queries"] == 2:
                break
            time.sleep(0.1)
        assert t["mx_queries"] == 3 and t["mail_txt_queries"] == 2, t
        assert t["names"]["mx"] == {ZONE: 3}
        assert t["dc_record_answers"] == 0 and t["flattened_failures"] == 0
        assert t["summary"].startswith("3 MX queries, 2 SPF/DMARC/DKIM TXT queries")
    finally:
        s.stop()


def cli_doctor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([DNSEDGE_BIN, "doctor", *args], capture_output=True, text=True, timeout=60)


def test_cli_local_mode_shows_the_traffic_serve_stored(tmp_path):
    s = Server(tmp_path).start()
    quiet = "quiet-" + ZONE
    try:
        zid = s.create_zone(ZONE)
        s.add(zid, type="MX", name=ZONE, content="mail." + ZONE, priority=10)
        s.add(zid, type="A", name="mail." + ZONE, content="192.0.2.25")
        s.add(zid, type="TXT", name="_dmarc." + ZONE, content='"v=DMARC1; p=none"')
        s.create_zone(quiet)
        for _ in range(3):
            s.query(ZONE + ".", "MX")
        for _ in range(2):
            s.query("_dmarc." + ZONE + ".", "TXT")
        s.query("www." + ZONE + ".", "A")  # not mail-related
        for _ in range(100):  # counted by the aggregator before the stop stores them
            t = traffic(s, zid)
            if t["mx_queries"] == 3 and t["mail_txt_queries"] == 2:
                break
            time.sleep(0.1)
    finally:
        s.stop()  # a clean stop stores every minute, the current one too

    p = cli_doctor(ZONE, "--data", str(s.data), "--offline", "--json")
    assert p.returncode in (0, 1), p.stderr
    t = json.loads(p.stdout)["traffic"]
    assert t["window_minutes"] == 60
    assert t["mx_queries"] == 3 and t["mail_txt_queries"] == 2, t
    assert t["names"]["mx"] == {ZONE: 3}
    assert t["dc_record_answers"] == 0 and t["flattened_failures"] == 0
    assert t["summary"].startswith("3 MX queries, 2 SPF/DMARC/DKIM TXT queries")

    p = cli_doctor(ZONE, "--data", str(s.data), "--offline", "--no-color")
    assert p.returncode in (0, 1), p.stderr
    assert "Traffic in the last 60 minutes" in p.stdout
    assert "3 MX queries, 2 SPF/DMARC/DKIM TXT queries" in p.stdout
    assert f"  MX queries by name:\n    {ZONE}: 3\n" in p.stdout

    # A zone nobody asked about says so plainly.
    p = cli_doctor(quiet, "--data", str(s.data), "--offline", "--json")
    assert p.returncode in (0, 1), p.stderr
    t = json.loads(p.stdout)["traffic"]
    assert t["mx_queries"] == 0
    assert t["summary"].startswith("No mail-related queries at all in the last hour")
