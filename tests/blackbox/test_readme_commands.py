"""The commands README.md shows work as written, and `make run` listens where it is told.

README: every ```sh block is extracted and run against the binary under test, line by line
(continuation lines joined, `export` lines kept as the environment of the following lines). The
only changes to a line, all made here and nowhere else:
  - `build/dnsedge` is the binary under test (DNSEDGE_BIN);
  - port 5353 (`127.0.0.1:5353`, `-p 5353`) is a free loopback port chosen at run time;
  - the `serve` line also gets `--data`, a free `--api-listen` port and `--api-token` (the token
    the README's CLI block exports) and `--no-edge-proxy` (the edge would listen on the
    documentation addresses' HTTP ports), runs in the background and is ended by PID at the end;
  - the CLI commands reach that server through `DNSEDGE_API` (their command line is unchanged);
  - commands run in a fresh directory (files they write land there), with the repository's
    `demo/` linked into it, so `demo/example.com.zone` resolves as in the repository root.
`make run` and `make test` (the first block) are not run from here: `make test` is this suite, and
`make run` has its own test below (moved listeners, banner, DNS and API answers).

docs/cli.md's ```sh block runs the same way against a server started here (`dnsedge` at the start
of a line is the binary under test, DNSEDGE_API points at the server). The other docs/ pages show
templates (`[--option ...]`, `$ZONE_ID`) and configuration, not commands to paste.
"""

from __future__ import annotations

import os
import pathlib
import re
import shlex
import signal
import subprocess
import time
import urllib.request
import json

import dns.message
import dns.query
import dns.rcode
import pytest

from conftest import DNSEDGE_BIN, free_port, need_dnsedge

REPO = pathlib.Path(__file__).resolve().parents[2]
README = REPO / "README.md"
TOKEN = "demo-token-change-me"


def sh_blocks(text: str) -> list[list[str]]:
    """The ```sh blocks of a Markdown text, each as its logical lines (continuations joined)."""
    blocks = []
    for body in re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S):
        lines, cur = [], ""
        for raw in body.splitlines():
            if raw.rstrip().endswith("\\"):
                cur += raw.rstrip()[:-1] + " "
                continue
            cur += raw
            if cur.strip():
                lines.append(cur.strip())
            cur = ""
        blocks.append(lines)
    return blocks


def dns_alive(port: int) -> bool:
    try:
        dns.query.udp(dns.message.make_query("example.com.", "SOA"), "127.0.0.1", port=port, timeout=0.3)
        return True
    except Exception:
        return False


def test_readme_blocks_are_found():
    blocks = sh_blocks(README.read_text())
    assert len(blocks) >= 3, blocks
    assert blocks[0] == ["make run    # installs dependencies, builds, serves the demo zone example.com on 127.0.0.1:5353",
                         "make test   # installs dependencies, builds, runs every test (unit, golden, black-box, differential)"]
    assert any(l.startswith("build/dnsedge serve ") for l in blocks[1]), blocks[1]


@pytest.mark.dnsedge_only
def test_readme_commands_run_as_shown(tmp_path):
    need_dnsedge()
    blocks = sh_blocks(README.read_text())[1:]
    (tmp_path / "demo").symlink_to(REPO / "demo")
    dns_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DNSEDGE_")}
    env["DNSEDGE_API"] = f"http://127.0.0.1:{api_port}/client/v4"
    server = None
    ran = []
    try:
        for block in blocks:
            for line in block:
                cmd = line.replace("build/dnsedge", shlex.quote(DNSEDGE_BIN))
                cmd = cmd.replace("127.0.0.1:5353", f"127.0.0.1:{dns_port}").replace("-p 5353", f"-p {dns_port}")
                m = re.match(r"export (\w+)=(\S+)", line)
                if m:
                    env[m.group(1)] = m.group(2)
                    continue
                if " serve " in f" {line} ":
                    assert server is None, "one serve line"
                    assert "--edge-ipv4" in line, line  # the demo zone has proxied records
                    cmd = re.sub(r"\s*&\s*(#.*)?$", "", cmd)
                    argv = shlex.split(cmd, comments=True) + [
                        "--data", str(tmp_path / "data"), "--api-listen", f"127.0.0.1:{api_port}",
                        "--api-token", TOKEN, "--no-edge-proxy"]
                    log = open(tmp_path / "serve.log", "wb")
                    server = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
                    deadline = time.time() + 20
                    while not dns_alive(dns_port):
                        assert server.poll() is None, (tmp_path / "serve.log").read_text()
                        assert time.time() < deadline, (tmp_path / "serve.log").read_text()
                        time.sleep(0.05)
                    ran.append(line)
                    continue
                p = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env, capture_output=True,
                                   text=True, timeout=60)
                assert p.returncode == 0, f"README command failed (exit {p.returncode}): {line}\n{p.stdout}\n{p.stderr}"
                if line.startswith("dig "):
                    assert "status: NOERROR" in p.stdout, p.stdout
                ran.append(line)
        assert server is not None and server.poll() is None
    finally:
        if server is not None and server.poll() is None:
            os.kill(server.pid, signal.SIGTERM)
            server.wait(10)
    assert len(ran) >= 10, ran
    # The CLI block's export is a zone file that `zone check` accepted (the last command).
    assert (tmp_path / "demo.test.zone").read_text().startswith("; generated by dnsedge\n")


@pytest.mark.dnsedge_only
def test_docs_cli_commands_run_as_shown(tmp_path):
    need_dnsedge()
    blocks = sh_blocks((REPO / "docs" / "cli.md").read_text())
    assert len(blocks) == 1 and len(blocks[0]) >= 10, blocks
    dns_port, api_port = free_port(), free_port()
    log = open(tmp_path / "serve.log", "wb")
    server = subprocess.Popen([DNSEDGE_BIN, "serve", "--data", str(tmp_path / "data"),
                               "--dns-listen", f"127.0.0.1:{dns_port}", "--api-listen", f"127.0.0.1:{api_port}",
                               "--api-token", TOKEN, "--edge-ipv4", "203.0.113.1", "--no-edge-proxy"],
                              stdout=log, stderr=subprocess.STDOUT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DNSEDGE_")}
    env["DNSEDGE_API"] = f"http://127.0.0.1:{api_port}/client/v4"
    try:
        deadline = time.time() + 20
        while not dns_alive(dns_port):
            assert server.poll() is None and time.time() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.05)
        for line in blocks[0]:
            m = re.match(r"export (\w+)=(\S+)", line)
            if m:
                env[m.group(1)] = m.group(2)
                continue
            assert line.startswith("dnsedge "), line
            cmd = shlex.quote(DNSEDGE_BIN) + line[len("dnsedge"):]
            p = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
            assert p.returncode == 0, f"docs/cli.md command failed (exit {p.returncode}): {line}\n{p.stdout}\n{p.stderr}"
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGTERM)
            server.wait(10)


@pytest.mark.dnsedge_only
def test_zone_check_of_demo_needs_no_edge_address():
    need_dnsedge()
    p = subprocess.run([DNSEDGE_BIN, "zone", "check", "demo/example.com.zone"], cwd=REPO,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [
        "demo/example.com.zone:19: www.example.com. A proxied: needs --edge-ipv4/--edge-ipv6 to serve",
        "demo/example.com.zone: OK (19 records, origin example.com.)"]
    # --print stays a zone file: the note is a comment, and the text checks again.
    p = subprocess.run([DNSEDGE_BIN, "zone", "check", "demo/example.com.zone", "--print"], cwd=REPO,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("; demo/example.com.zone:19: www.example.com. A proxied"), p.stdout
    assert "192.0.2.80 ; cf_tags=cf-proxied:true" in p.stdout


@pytest.mark.dnsedge_only
def test_make_run_uses_the_given_listeners(tmp_path):
    """`make run DNS_LISTEN=... API_LISTEN=... DATA=...` with the existing build: the banner names
    those addresses (not the recipe's command line), DNS and the API answer there, and API zones
    get the demo zone's name servers."""
    need_dnsedge()
    build = pathlib.Path(DNSEDGE_BIN).resolve().parent
    dns_port, api_port = free_port(), free_port()
    out = tmp_path / "make.out"
    with open(out, "wb") as f:
        proc = subprocess.Popen(["make", "--no-print-directory", "run", f"BUILD={build}",
                                 f"DNS_LISTEN=127.0.0.1:{dns_port}", f"API_LISTEN=127.0.0.1:{api_port}",
                                 f"DATA={tmp_path / 'data'}"],
                                cwd=REPO, stdout=f, stderr=subprocess.STDOUT, start_new_session=True,
                                env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")})
    server_pid = None
    try:
        deadline = time.time() + 60
        while not dns_alive(dns_port):
            assert proc.poll() is None, out.read_text()
            assert time.time() < deadline, out.read_text()
            time.sleep(0.1)
        # The banner: make's output before dnsedge's first log line.
        banner = re.split(r"^\d{4}-\d\d-\d\dT", out.read_text(), maxsplit=1, flags=re.M)[0]
        assert f"dig @127.0.0.1 -p {dns_port} example.com SOA" in banner, banner
        assert "5353" not in banner and "8080" not in banner, banner
        url = f"http://127.0.0.1:{api_port}/client/v4"
        assert f"on {url}, demo token" in banner and f"{url}/zones" in banner, banner
        assert "exec " not in banner and "--api-token" not in banner, banner  # no recipe echo
        # make's recipe shell exec'd dnsedge: make's only child is the server (stopped by its PID).
        children = pathlib.Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 1, children
        server_pid = int(children[0])
        assert pathlib.Path(f"/proc/{server_pid}/exe").resolve() == pathlib.Path(DNSEDGE_BIN).resolve()
        # The demo's resolver is the demo server itself (loopback), never the system's or the root's.
        argv = pathlib.Path(f"/proc/{server_pid}/cmdline").read_bytes().split(b"\0")
        assert argv[argv.index(b"--upstream") + 1] == f"127.0.0.1:{dns_port}".encode(), argv
        assert f"resolve through 127.0.0.1:{dns_port} (this server" in banner, banner
        m = dns.query.udp(dns.message.make_query("www.example.com.", "A"), "127.0.0.1", port=dns_port, timeout=2)
        assert m.rcode() == dns.rcode.NOERROR and [r.to_text() for r in m.answer[0]] == ["203.0.113.1", "203.0.113.2"]
        # The banner's curl: an API zone, whose NS are the demo zone's name servers.
        req = urllib.request.Request(f"{url}/zones", data=b'{"name":"example.org"}', method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            zone = json.loads(r.read())["result"]
        assert zone["name"] == "example.org" and zone["name_servers"] == ["ns1.example.com", "ns2.example.com"], zone
        m = dns.query.udp(dns.message.make_query("example.org.", "NS"), "127.0.0.1", port=dns_port, timeout=2)
        assert sorted(r.to_text() for r in m.answer[0]) == ["ns1.example.com.", "ns2.example.com."]
        # The README's CLI zone is another one: no collision with the banner's curl.
        assert "zone add demo.test" in README.read_text() and "example.org" not in README.read_text()
    finally:
        if server_pid is not None:
            os.kill(server_pid, signal.SIGTERM)
        elif proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # make and whatever it runs (a build, the server)
        proc.wait(15)
    assert proc.returncode == 0, out.read_text()  # dnsedge stopped cleanly, and make with it
