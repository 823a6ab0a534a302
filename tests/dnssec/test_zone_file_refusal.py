"""A zone file listed in [[dnssec]] (signed online) that carries its own RRSIG, NSEC, NSEC3,
NSEC3PARAM or apex DNSKEY records is refused at load with a message naming the file, the line,
the zone and the type (docs/dnssec.md "Records dnsedge makes"); the same file without [[dnssec]]
loads (served as signed offline)."""

import subprocess

import pytest

from harness.dnsedge import DNSEDGE_BIN, free_port
from harness.signed_zone import ZONE

EXTRA = {
    "RRSIG": "www IN RRSIG A 13 3 300 20300101000000 20200101000000 2371 signed.test. " + "A" * 86 + "==\n",
    "NSEC": "www IN NSEC signed.test. A RRSIG NSEC\n",
    "NSEC3PARAM": "@ IN NSEC3PARAM 1 0 0 -\n",
    "DNSKEY": "@ IN DNSKEY 256 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n",
}


def serve(tmp_path, zone_text, signed: bool, timeout=20):
    zf = tmp_path / "signed.test.zone"
    zf.write_text(zone_text)
    cfg = tmp_path / "dnsedge.toml"
    cfg.write_text('[[dnssec]]\nzone = "signed.test"\n' if signed else "")
    argv = [
        DNSEDGE_BIN, "serve", "--data", str(tmp_path / "data"), "--config", str(cfg), "--zone-file", str(zf),
        "--dns-listen", f"127.0.0.1:{free_port()}", "--api-listen", f"127.0.0.1:{free_port()}", "--no-edge-proxy"]
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:  # it started serving: not refused
        return e


@pytest.mark.parametrize("rtype", sorted(EXTRA))
def test_signed_online_zone_file_with_dnssec_records_is_refused(tmp_path, rtype):
    p = serve(tmp_path, ZONE + EXTRA[rtype], signed=True)
    assert isinstance(p, subprocess.CompletedProcess), f"serve started with a {rtype} in a [[dnssec]] zone file"
    assert p.returncode != 0
    out = p.stdout + p.stderr
    assert "is signed online" in out and f"must not carry {rtype} records" in out, out
    assert "signed.test.zone:" in out


def test_the_same_file_without_dnssec_config_loads(tmp_path):
    p = serve(tmp_path, ZONE + EXTRA["RRSIG"], signed=False, timeout=5)
    assert isinstance(p, subprocess.TimeoutExpired), p  # still serving (as signed offline) when stopped
