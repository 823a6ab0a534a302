"""Interop with the official `cloudflare` npm SDK (7.3.0): tests/api/sdk/interop.mjs drives a real
dnsedge through the SDK (zones, records create/edit/update/get/list with auto-pagination/delete/
batch/export, a duplicate that must fail once with no retry, the cname_flattening setting and
dns_settings), then DNS is checked here with dnspython against what the SDK was told.

The SDK is installed with npm from the npm registry the first time, into
<dir of DNSEDGE_BIN>/sdk-node (or $DNSEDGE_SDK_DIR), and reused afterwards. Needs node and npm
(Debian packages nodejs, npm; in the Makefile's DEPS)."""

import json
import os
import pathlib
import shutil
import subprocess

import dns.rdatatype
import pytest

from apihelp import DNSEDGE_BIN, EDGE4, EDGE6, TOKEN, server  # noqa: F401 (fixtures)

SDK_VERSION = "7.3.0"
HERE = pathlib.Path(__file__).resolve().parent
ZONE = "sdk-interop.test"


def sdk_dir() -> pathlib.Path:
    """node_modules/cloudflare@SDK_VERSION, installed once and cached."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed (apt-get install nodejs npm)")
    d = pathlib.Path(os.environ.get("DNSEDGE_SDK_DIR") or pathlib.Path(DNSEDGE_BIN).resolve().parent / "sdk-node")
    pkg = d / "node_modules" / "cloudflare" / "package.json"
    if pkg.exists() and json.loads(pkg.read_text()).get("version") == SDK_VERSION:
        return d
    d.mkdir(parents=True, exist_ok=True)
    (d / "package.json").write_text(json.dumps({"name": "dnsedge-sdk-interop", "private": True}) + "\n")
    p = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--no-save", f"cloudflare@{SDK_VERSION}"],
                       cwd=d, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and pkg.exists(), f"npm install cloudflare@{SDK_VERSION} failed:\n{p.stdout}\n{p.stderr}"
    return d


def test_cloudflare_sdk_drives_dnsedge(server):
    s = server
    sdk = sdk_dir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    env.update(SDK_DIR=str(sdk), DNSEDGE_API=f"http://127.0.0.1:{s.api_port}/client/v4", DNSEDGE_TOKEN=TOKEN,
               ZONE=ZONE)
    p = subprocess.run(["node", str(HERE / "sdk" / "interop.mjs")], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, f"interop.mjs failed:\n{p.stderr}\n{p.stdout}"
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["duplicate_requests"] == 1 and out["list_pages"] == 8

    # What the SDK was told is what DNS serves.
    z = ZONE + "."
    assert s.answer("www." + z) == sorted(EDGE4)  # proxied A
    assert s.answer("www." + z, "AAAA") == sorted(EDGE6)
    assert s.answer("mail." + z) == ["192.0.2.21"]  # after records.update
    m = s.query("mail." + z, "A")
    assert m.answer[0].ttl == 300  # PUT reset the TTL to automatic
    assert s.answer(z, "MX") == [f"10 mail.{z}"]
    assert s.answer(z, "TXT") == ['"v=spf1 mx -all"']  # after records.edit
    assert s.answer("_sip._tcp." + z, "SRV") == [f"10 5 5060 mail.{z}"]
    assert s.answer("api." + z, "AAAA") == ["2001:db8::7"]  # from records.batch
    assert s.rcode("old." + z) == "NXDOMAIN"  # records.delete

    # cname_flattening = flatten_all (zones.settings.edit): blog CNAME www (proxied) answers the edge
    # addresses under its own name, and no CNAME.
    m = s.query("blog." + z, "A")
    assert not [r for r in m.answer if r.rdtype == dns.rdatatype.CNAME]
    assert s.answer("blog." + z) == sorted(EDGE4)
    # dns.settings.zone.edit ns_ttl 3600
    assert s.query(z, "NS").answer[0].ttl == 3600

    # The export the SDK got re-imports to the same records (into a fresh zone of the same name).
    before = sorted((r["name"], r["type"], r["content"], r["proxied"]) for r in s.records(out["zone_id"]))
    assert s.delete(f"/zones/{out['zone_id']}").status == 200
    zid = s.create_zone(ZONE)
    r = s.post(f"/zones/{zid}/dns_records/import", raw=out["export"].encode(), content_type="text/plain")
    assert r.status == 200, r
    assert sorted((r["name"], r["type"], r["content"], r["proxied"]) for r in s.records(zid)) == before


def test_cloudflare_sdk_manages_scoped_tokens(server):
    """user.tokens.permissionGroups.list / create / list / get / verify / update / delete through the
    SDK (tests/api/sdk/tokens.mjs), and a scoped token's refusals as the SDK sees them."""
    s = server
    sdk = sdk_dir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    env.update(SDK_DIR=str(sdk), DNSEDGE_API=f"http://127.0.0.1:{s.api_port}/client/v4", DNSEDGE_TOKEN=TOKEN)
    p = subprocess.run(["node", str(HERE / "sdk" / "tokens.mjs")], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"tokens.mjs failed:\n{p.stderr}\n{p.stdout}"
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["groups"] >= 16 and out["tokens_listed"] == 2
    assert [t["name"] for t in s.get("/user/tokens").result] == ["api-token"]
