"""Golden scenarios for `dnsedge doctor`: one per check (tests/doctor/scenarios/*.case).

Each scenario's zones are checked twice:
  - local mode: the zone files, served exactly as `dnsedge serve` would (edge addresses of the
    SPEC, flattening, dc-records), plus the proxy facts;
  - live mode: the same files served by a real Knot DNS on loopback, asked through
    `--live --server 127.0.0.1:PORT`.
Both must report exactly the expected (severity, id) pairs. Live mode cannot know what is proxied,
so proxy.* findings exist in local mode only; where dnsedge serves other data than the file
(proxied names, flattening), a scenario says so with `expect local|live ...`. For scenarios
without such rewriting, the two modes must also name the same records.

Run with Debian's interpreter:  /usr/bin/python3 -m pytest tests/doctor
"""

from __future__ import annotations

import json
import pathlib

import pytest

import doctor_harness as h

CASES = h.all_scenarios()


def zone_files(sc: h.Scenario, tmp: pathlib.Path) -> dict[str, pathlib.Path]:
    out = {}
    for origin, text in sc.zones.items():
        p = tmp / f"{origin}.zone"
        p.write_text(text)
        out[origin] = p
    return out


def fill(args: list[str], knot: h.Knot) -> list[str]:
    return [a.replace("{knot}", str(knot.port)) for a in args]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_scenario(path: pathlib.Path, tmp_path: pathlib.Path):
    h.need_dnsedge()
    sc = h.load(path)
    files = zone_files(sc, tmp_path)
    knot = h.start_knot(tmp_path, files, sc.knot_broken)
    try:
        local_args = [sc.domain, *h.EDGE, *fill(sc.args + sc.local_args, knot)]
        for f in files.values():
            local_args += ["--zone-file", str(f)]
        if "--upstream" not in local_args:
            local_args.append("--offline")
        code, local, err = h.doctor(local_args)
        assert local, f"local mode printed no report (exit {code}):\n{err}"
        assert local["mode"] == "local"
        assert h.found(local) == sc.local_expected(), (
            f"{sc.name} ({sc.about.strip()}) local mode:\n{h.show(local)}\nexpected: {sorted(sc.local_expected())}")
        assert code == sc.exit, f"local exit {code}, expected {sc.exit}:\n{h.show(local)}\n{err}"

        live_args = [sc.domain, "--live", "--server", f"127.0.0.1:{knot.port}",
                     *fill(sc.args + sc.live_args, knot)]
        code, live, err = h.doctor(live_args)
        assert live, f"live mode printed no report (exit {code}):\n{err}"
        assert live["mode"] == "live"
        assert h.found(live) == sc.live_expected(), (
            f"{sc.name} ({sc.about.strip()}) live mode:\n{h.show(live)}\nexpected: {sorted(sc.live_expected())}")
        assert code == sc.live_exit(), f"live exit {code}, expected {sc.live_exit()}:\n{h.show(live)}\n{err}"
        assert not any(f["id"].startswith("proxy.") for f in live["findings"])

        if not sc.differs():
            # Same data, same answers: the findings name the same records in both modes.
            def by_id(r):
                return sorted((f["id"], f["severity"], f["title"], tuple(f["records"])) for f in r["findings"]
                              if not f["id"].startswith("proxy."))
            assert by_id(local) == by_id(live), json.dumps({"local": local, "live": live}, indent=1)
        for f in local["findings"]:
            assert f["title"] and f["explanation"] and f["fix"], f
    finally:
        knot.stop()


def test_seed_reports_dc_record_origin_and_both_fixes(tmp_path: pathlib.Path):
    """The issue's seed: `example.com MX example.com` with a proxied `example.com A 192.0.2.1`."""
    h.need_dnsedge()
    sc = h.load(h.SCENARIOS / "proxy_mx_target_proxied.case")
    files = zone_files(sc, tmp_path)
    args = [sc.domain, *h.EDGE, "--offline"]
    for f in files.values():
        args += ["--zone-file", str(f)]
    code, r, err = h.doctor(args)
    assert code == 0, err
    mx = next(f for f in r["findings"] if f["id"] == "proxy.mx_target_proxied")
    assert mx["severity"] == "warning"
    assert "example.com. 300 IN MX 10 example.com." in mx["records"]
    assert "example.com. 300 IN A 192.0.2.1 ; proxied" in mx["records"]
    dc = [x for x in mx["records"] if " IN A 192.0.2.1 ; served, synthesized" in x]
    assert len(dc) == 1 and dc[0].startswith("dc-"), mx["records"]
    dc_name = dc[0].split()[0]
    assert f"example.com. 300 IN MX 10 {dc_name} ; served" in mx["records"]
    assert "delete the MX record" in mx["fix"]
    assert "mail.example.com. 300 IN A 192.0.2.1   (DNS-only, not proxied)" in mx["fix"]
    assert "example.com. 300 IN MX 10 mail.example.com." in mx["fix"]
    origin = next(f for f in r["findings"] if f["id"] == "proxy.origin_exposed")
    assert dc_name in origin["title"] and "192.0.2.1" in origin["title"]

    # The text report groups by severity, without colour when not on a terminal.
    p = h.subprocess.run([h.DNSEDGE_BIN, "doctor", *args], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0
    assert "WARNINGS (" in p.stdout and "\033[" not in p.stdout
    assert "[proxy.mx_target_proxied]" in p.stdout


def test_usage_errors_exit_2(tmp_path: pathlib.Path):
    h.need_dnsedge()
    z = tmp_path / "example.com.zone"
    z.write_text(h.ZONE_HEAD.format(zone="example.com"))
    code, _, err = h.doctor(["example.com"])
    assert code == 2 and "--zone-file" in err
    code, _, err = h.doctor(["example.org", "--zone-file", str(z), "--offline"])
    assert code == 2 and "not in the loaded zones" in err
    code, _, err = h.doctor(["example.com", "--zone-file", str(tmp_path / "missing.zone")])
    assert code == 2
    code, _, err = h.doctor(["example.com", "--zone-file", str(z), "--timeout", "0"])
    assert code == 2


def test_live_server_that_never_answers_is_bounded():
    """A server that drops every query: the run ends within the time limit, exit 2."""
    h.need_dnsedge()
    import socket
    import time
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    try:
        t0 = time.monotonic()
        code, r, err = h.doctor(["example.com", "--live", "--server", f"127.0.0.1:{s.getsockname()[1]}",
                                 "--timeout", "2"])
        took = time.monotonic() - t0
    finally:
        s.close()
    assert code == 2, err
    assert r["checked"] is False and r["not_checked"]
    assert took < 6, took
