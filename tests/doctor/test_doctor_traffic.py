"""The mail doctor reports mail-relevant traffic (docs/doctor.md "Traffic"): GET mail_doctor's
`traffic` says how many MX, SPF/DMARC/DKIM TXT and dc-record queries this server answered for the
zone in the last hour, from DNS analytics, and says plainly when there were none at all.

Run with Debian's interpreter:  /usr/bin/python3 -m pytest tests/doctor
"""

from __future__ import annotations

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "api"))

from apihelp import Server  # noqa: E402

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
