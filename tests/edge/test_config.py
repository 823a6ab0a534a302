"""How the edge is switched on, off and configured (flags, TOML), and how bad settings fail."""

import os
import subprocess
import time

import pytest

from conftest import DNSEDGE_BIN, EDGE, free_port, refused, zone_text


@pytest.fixture(autouse=True)
def _binary():
    if not os.path.exists(DNSEDGE_BIN):
        pytest.skip(f"dnsedge binary not found at {DNSEDGE_BIN}")


def run_serve(tmp_path, *args):
    zone = tmp_path / "example.com.zone"
    zone.write_text(zone_text())
    return subprocess.run([DNSEDGE_BIN, "serve", "--data", str(tmp_path / "data"), "--dns-listen",
                           f"127.0.0.1:{free_port()}", "--zone-file", str(zone), "--edge-ipv4", EDGE, *args],
                          capture_output=True, text=True, timeout=20)


def test_no_edge_proxy_turns_the_edge_off(tmp_path):
    http = free_port(EDGE)
    zone = tmp_path / "example.com.zone"
    zone.write_text(zone_text())
    log = tmp_path / "dnsedge.log"
    with open(log, "wb") as f:
        p = subprocess.Popen([DNSEDGE_BIN, "serve", "--data", str(tmp_path / "data"), "--dns-listen",
                              f"127.0.0.1:{free_port()}", "--zone-file", str(zone), "--edge-ipv4", EDGE,
                              "--edge-http-ports", str(http), "--no-edge-proxy"],
                             stdout=f, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while "listening on 127.0.0.1" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "edge proxy disabled (--no-edge-proxy)" in log.read_text()
        assert refused(EDGE, http)
    finally:
        p.terminate()
        p.wait(10)


@pytest.mark.parametrize("args, message", [
    (["--edge-http-ports", "80,99999"], "--edge-http-ports: '99999' is not a port"),
    (["--edge-https-ports", "x"], "--edge-https-ports: 'x' is not a port"),
    (["--edge-header-timeout", "0"], "--edge-header-timeout"),
    (["--spectrum-pool", "127.0.0.64/99"], "--spectrum-pool 127.0.0.64/99"),
    (["--spectrum-app", "udp/53=127.0.0.1:53"], "only tcp apps are supported"),
    (["--spectrum-app", "tcp/25=127.0.0.31:25,proxy=v9"], "proxy: expected off, v1 or v2"),
    (["--spectrum-app", "tcp/25=127.0.0.31:25"], "no --spectrum-pool"),
    (["--spectrum-app", "tcp/25=127.0.0.31:25,edge_ip=127.0.0.21", "--edge-http-ports", "25"],
     "is an HTTP/HTTPS port of the edge"),
])
def test_bad_edge_settings_fail_at_startup(tmp_path, args, message):
    out = run_serve(tmp_path, *args)
    assert out.returncode != 0
    assert message in out.stdout + out.stderr


def test_toml_edge_settings_are_checked(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[edge]\nhttp_ports = [8080]\ncolour = 'blue'\n")
    out = run_serve(tmp_path, "--config", str(cfg))
    assert out.returncode != 0 and "[edge] colour: unknown setting" in out.stderr
    cfg.write_text("[[spectrum_app]]\nprotocol = 'tcp/25'\norigin_direct = ['tcp://127.0.0.31:25']\nproxy = 'v1'\n")
    out = run_serve(tmp_path, "--config", str(cfg))
    assert out.returncode != 0 and "unknown key 'proxy'" in out.stderr
