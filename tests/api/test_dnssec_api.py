"""GET/PATCH/DELETE /zones/{id}/dnssec (docs/api.md, docs/dnssec.md): Cloudflare's shape, the DS
checked with dnspython against the DNSKEY it stands for, bad bodies refused with specific errors
and no change, private keys never in an answer or the log, and the official `cloudflare` SDK's
cf.dns.dnssec.get/edit/delete. Turning it on signs the served zone (DNSKEY at the apex; tests/dnssec checks
the signatures), turning it off or deleting removes the DNSKEY again."""

import base64
import json
import os
import pathlib
import subprocess

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from apihelp import TOKEN, server, zone  # noqa: F401 (fixtures)
from test_sdk_interop import sdk_dir

HERE = pathlib.Path(__file__).resolve().parent
FIELDS = ["status", "algorithm", "digest_algorithm", "digest_type", "digest", "ds", "flags", "key_tag", "key_type",
          "public_key", "modified_on", "dnssec_multi_signer", "dnssec_presigned", "dnssec_use_nsec3"]


def test_dnssec_on_off_delete(zone):
    s, zid = zone
    r = s.get(f"/zones/{zid}/dnssec")
    assert r.status == 200, r
    assert list(r.result) == FIELDS
    assert r.result["status"] == "disabled"
    assert all(r.result[f] is None for f in FIELDS[1:11])
    assert [r.result[f] for f in FIELDS[11:]] == [False, False, False]

    on = s.patch(f"/zones/{zid}/dnssec", {"status": "active"})
    assert on.status == 200, on
    d = on.result
    assert list(d) == FIELDS
    assert d["status"] == "active"
    assert (d["algorithm"], d["digest_algorithm"], d["digest_type"], d["key_type"], d["flags"]) == \
        ("13", "SHA256", "2", "ECDSAP256SHA256", 257)
    assert d["ds"] == f"example.com. 3600 IN DS {d['key_tag']} 13 2 {d['digest']}"
    assert d["modified_on"]
    # The DS is the digest of the DNSKEY the public key makes (dnspython computes it independently).
    key = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, f"257 3 13 {d['public_key']}")
    assert len(base64.b64decode(d["public_key"])) == 64
    assert dns.dnssec.key_id(key) == d["key_tag"]
    ds = dns.dnssec.make_ds(dns.name.from_text("example.com."), key, "SHA256")
    assert ds.to_text().upper() == f"{d['key_tag']} 13 2 {d['digest']}"

    assert s.get(f"/zones/{zid}/dnssec").result == d
    # Served: the apex DNSKEY set holds the KSK the DS stands for.
    # Compared as rdata: dnspython's text form splits the key's base64 into chunks.
    served = [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, a) for a in s.answer("example.com.", "DNSKEY")]
    assert key in served

    off = s.patch(f"/zones/{zid}/dnssec", {"status": "disabled"})
    assert off.status == 200 and off.result["status"] == "disabled" and off.result["ds"] is None
    assert s.answer("example.com.", "DNSKEY") == []
    assert s.patch(f"/zones/{zid}/dnssec", {"status": "active"}).result["ds"] == d["ds"]  # keys kept

    # Survives a restart.
    s.restart()
    assert s.get(f"/zones/{zid}/dnssec").result["ds"] == d["ds"]

    gone = s.delete(f"/zones/{zid}/dnssec")
    assert gone.status == 200 and gone.result == {"id": zid}
    assert s.get(f"/zones/{zid}/dnssec").result["status"] == "disabled"
    assert s.answer("example.com.", "DNSKEY") == []
    assert s.patch(f"/zones/{zid}/dnssec", {"status": "active"}).result["key_tag"] is not None

    # No private key in any answer or in the log.
    assert "PRIVATE KEY" not in s.get(f"/zones/{zid}/dnssec").text
    assert "PRIVATE KEY" not in s.log_text()


@pytest.mark.parametrize("body,code,needle", [
    ({"status": "on"}, 1007, 'Invalid value for DNSSEC status: "on"'),
    ({"status": 1}, 9207, "status must be a string"),
    ({"status": None}, 9207, "status must be a string"),
    ({"status": "active", "extra": 1}, 9207, 'unknown field "extra"'),
    ({"dnssec_presigned": "no"}, 9207, "dnssec_presigned must be a boolean"),
    ({"dnssec_multi_signer": True}, 1007, "dnssec_multi_signer: true is not supported"),
    ({"status": "active", "dnssec_use_nsec3": True}, 1007, "dnssec_use_nsec3: true is not supported"),
    (["status", "active"], 6007, ""),
])
def test_bad_bodies_change_nothing(zone, body, code, needle):
    s, zid = zone
    r = s.patch(f"/zones/{zid}/dnssec", body)
    assert r.status == 400, r
    assert r.error_codes() == [code]
    assert needle in r.json["errors"][0]["message"]
    assert s.get(f"/zones/{zid}/dnssec").result["status"] == "disabled"


def test_hostile_inputs(zone):
    s, zid = zone
    # Not JSON, a huge body, an unknown zone, dry_run: refused, nothing made.
    r = s.request("PATCH", f"/zones/{zid}/dnssec", raw=b"{not json", content_type="application/json")
    assert r.status == 400
    r = s.patch(f"/zones/{zid}/dnssec", {"status": "active", "pad": "x" * 2_000_000})
    assert r.status in (400, 413)
    assert s.get(f"/zones/{'0' * 32}/dnssec").status == 404
    assert s.patch(f"/zones/{zid}/dnssec?dry_run=true", {"status": "active"}).status == 400
    assert s.delete(f"/zones/{zid}/dnssec?dry_run=true").status == 400
    assert s.get(f"/zones/{zid}/dnssec").result["status"] == "disabled"
    # Many writes in a row make one key pair, not one per write.
    for _ in range(20):
        assert s.patch(f"/zones/{zid}/dnssec", {"status": "active"}).status == 200
    tags = {s.get(f"/zones/{zid}/dnssec").result["key_tag"] for _ in range(3)}
    assert len(tags) == 1


def test_cloudflare_sdk_dnssec(server):
    s = server
    zid = s.create_zone("sdk-dnssec.test")
    sdk = sdk_dir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    env.update(SDK_DIR=str(sdk), DNSEDGE_API=f"http://127.0.0.1:{s.api_port}/client/v4", DNSEDGE_TOKEN=TOKEN,
               ZONE_ID=zid, ZONE="sdk-dnssec.test")
    p = subprocess.run(["node", str(HERE / "sdk" / "dnssec.mjs")], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"dnssec.mjs failed:\n{p.stderr}\n{p.stdout}"
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["ds"].startswith(f"sdk-dnssec.test. 3600 IN DS {out['key_tag']} 13 2 ")


def test_cli_prints_the_ds(zone):
    from test_cli import cli
    s, zid = zone
    p = cli(s, "dnssec", "example.com")
    assert p.returncode == 1 and "DNSSEC is disabled for zone example.com" in p.stderr, p
    d = s.patch(f"/zones/{zid}/dnssec", {"status": "active"}).result
    p = cli(s, "dnssec", "Example.COM.")
    assert p.returncode == 0, p
    assert p.stdout == d["ds"] + "\n"
    assert "not signed yet" not in p.stderr  # active: the answers are signed
    p = cli(s, "dnssec", zid, "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["key_tag"] == d["key_tag"]
    p = cli(s, "dnssec", "nosuch.example")
    assert p.returncode == 1 and "no zone named nosuch.example" in p.stderr
