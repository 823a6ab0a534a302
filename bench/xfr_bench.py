#!/usr/bin/python3
"""Zone-transfer benchmark (issue 7): dnsedge as the primary of a Knot DNS secondary, both started
here on loopback ports.

  1. an API zone of --names A records (1M in the issue; the size is a flag) is imported through
     dns_records/import, and the zone's outgoing peer is the Knot secondary;
  2. Knot is started and pulls the zone: the AXFR time (start → Knot answers the serial) and the
     peak RSS (VmHWM) of both processes are reported;
  3. one record is changed through the API: the time from the API write until Knot answers the new
     data, and the IXFR size (dnsedge logs the bytes it sent) are reported;
  4. dnsperf measures dnsedge's query rate alone and while AXFRs of the zone run back to back
     (--xfr-clients parallel transfers), reported as a ratio.

No timing asserts: this prints figures. Usage:
  /usr/bin/python3 bench/xfr_bench.py --dnsedge build/dnsedge --names 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

import dns.message
import dns.query
import dns.rcode

TOKEN = "bench-token-0123456789"
ZONE = "xfrbench.test."


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def api(port, method, path, body=None, raw=None, ctype="application/json", timeout=3600):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(f"http://127.0.0.1:{port}/client/v4{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": ctype})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def vm_hwm_mib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def serial(port, timeout=0.5):
    try:
        r = dns.query.udp(dns.message.make_query(ZONE, "SOA"), "127.0.0.1", port=port, timeout=timeout)
        return r.answer[0][0].serial if r.rcode() == dns.rcode.NOERROR and r.answer else None
    except Exception:
        return None


def a_of(port, name):
    try:
        r = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=0.5)
        return [rd.to_text() for rrset in r.answer for rd in rrset]
    except Exception:
        return []


def dnsperf(port, qfile, seconds):
    out = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(qfile), "-l", str(seconds),
                          "-c", "4", "-Q", "200000", "-q", "200"], capture_output=True, text=True).stdout
    m = re.search(r"Queries per second:\s+([\d.]+)", out)
    return float(m.group(1)) if m else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dnsedge", default="build/dnsedge")
    ap.add_argument("--knotd", default=shutil.which("knotd") or "/usr/sbin/knotd")
    ap.add_argument("--names", type=int, default=100000)
    ap.add_argument("--seconds", type=int, default=10, help="dnsperf duration of each phase")
    ap.add_argument("--xfr-clients", type=int, default=1)
    ap.add_argument("--source", choices=("file", "api"), default="file",
                    help="file: a --zone-file zone, changed by rewriting the file + SIGHUP (fast to set up for 1M "
                         "names); api: an API zone filled by dns_records/import, changed by a PATCH")
    args = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="xfr-bench-"))
    procs = []
    try:
        dns_port, api_port, knot_port = free_port(), free_port(), free_port()
        log = open(work / "dnsedge.log", "wb")
        zone_file = work / "xfrbench.test.zone"

        def write_zone(ser, h1):
            with open(zone_file, "w") as f:
                f.write(f"$ORIGIN {ZONE}\n$TTL 300\n@ SOA ns1 hostmaster {ser} 3600 600 1209600 300\n@ NS ns1\n"
                        f"ns1 A 192.0.2.53\nh1 A {h1}\n")
                for i in range(args.names):
                    if i != 1:
                        f.write(f"h{i} A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n")
        extra = []
        if args.source == "file":
            t0 = time.time()
            write_zone(1, "10.0.0.1")
            (work / "dnsedge.toml").write_text(f"""[[xfr.outgoing]]
zone = "{ZONE}"
peers = [{{ name = "knot", ip = "127.0.0.1", port = {knot_port} }}]
""")
            extra = ["--zone-file", str(zone_file), "--config", str(work / "dnsedge.toml")]
        edge = subprocess.Popen([args.dnsedge, "serve", "--data", str(work / "data"), "--dns-listen", f"127.0.0.1:{dns_port}",
                                 "--api-listen", f"127.0.0.1:{api_port}", "--api-token", TOKEN, "--no-edge-proxy",
                                 "--threads", "1",
                                 # Rate limiting off: the measured queries all come from 127.0.0.1.
                                 "--rrl-rate", "0"] + extra, stdout=log, stderr=subprocess.STDOUT)
        procs.append(edge)
        for _ in range(200):
            if serial(dns_port, 0.1) is None and edge.poll() is None:
                try:
                    api(api_port, "GET", "/zones")
                    break
                except Exception:
                    time.sleep(0.05)
        if args.source == "api":
            zid = api(api_port, "POST", "/zones", {"name": ZONE})["result"]["id"]
            t0 = time.time()
            lines = "".join(f"h{i}.{ZONE} 300 IN A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n" for i in range(args.names))
            api(api_port, "POST", f"/zones/{zid}/dns_records/import", raw=lines.encode(), ctype="text/plain")
            print(f"zone: {args.names} names imported through the API in {time.time() - t0:.1f} s")
            acct = api(api_port, "GET", "/accounts")["result"][0]["id"]
            peer = api(api_port, "POST", f"/accounts/{acct}/secondary_dns/peers",
                       {"name": "knot", "ip": "127.0.0.1", "port": knot_port})["result"]["id"]
            api(api_port, "POST", f"/zones/{zid}/secondary_dns/outgoing", {"peers": [peer]})
        else:
            while serial(dns_port) != 1:
                time.sleep(0.05)
            print(f"zone: {args.names} names from a zone file, written and loaded in {time.time() - t0:.1f} s")
        primary_serial = serial(dns_port)

        for d in ("run", "db", "zones"):
            (work / "knot" / d).mkdir(parents=True, exist_ok=True)
        (work / "knot" / "knot.conf").write_text(f"""server:
    rundir: "{work / 'knot/run'}"
    listen: 127.0.0.1@{knot_port}
database:
    storage: "{work / 'knot/db'}"
log:
  - target: stderr
    any: info
remote:
  - id: primary
    address: 127.0.0.1@{dns_port}
acl:
  - id: notify
    address: 127.0.0.1
    action: notify
template:
  - id: default
    storage: "{work / 'knot/zones'}"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
    semantic-checks: off
zone:
  - domain: {ZONE}
    master: primary
    acl: notify
""")
        klog = open(work / "knot.log", "wb")
        t0 = time.time()
        knot = subprocess.Popen([args.knotd, "-c", str(work / "knot/knot.conf")], stdout=klog, stderr=subprocess.STDOUT)
        procs.append(knot)
        while serial(knot_port) != primary_serial:
            if time.time() - t0 > 1800:
                raise SystemExit("knot did not get the zone")
            time.sleep(0.05)
        axfr_s = time.time() - t0
        print(f"AXFR of {args.names} names: {axfr_s:.2f} s until Knot serves the serial "
              f"(peak RSS: dnsedge {vm_hwm_mib(edge.pid):.0f} MiB, knotd {vm_hwm_mib(knot.pid):.0f} MiB)")

        if args.source == "api":
            rid = api(api_port, "GET", f"/zones/{zid}/dns_records?name=h1.{ZONE.rstrip('.')}")["result"][0]["id"]
            t0 = time.time()
            api(api_port, "PATCH", f"/zones/{zid}/dns_records/{rid}", {"content": "192.0.2.99"})
            t_api = time.time() - t0
            what = "API write"
        else:
            write_zone(2, "192.0.2.99")
            t0 = time.time()
            edge.send_signal(signal.SIGHUP)
            t_api = 0.0
            what = "SIGHUP (file rewritten before)"
        while a_of(knot_port, "h1." + ZONE) != ["192.0.2.99"]:
            if time.time() - t0 > 600:
                raise SystemExit("knot did not get the change")
            time.sleep(0.005)
        change_s = time.time() - t0
        time.sleep(0.5)
        text = (work / "dnsedge.log").read_text(errors="replace")
        sizes = re.findall(r"IXFR zone=\S+ serial=\d+ peer=\S+ done: (\d+) message\(s\), (\d+) bytes", text)
        ixfr = sizes[-1][1] if sizes else "?"
        print(f"one record changed: IXFR {ixfr} bytes; {what} {t_api * 1000:.0f} ms, {what} → Knot answers "
              f"the new data {change_s * 1000:.0f} ms")

        qfile = work / "queries.txt"
        qfile.write_text("".join(f"h{i * 7919 % args.names}.{ZONE} A\n" for i in range(20000)))
        base = dnsperf(dns_port, qfile, args.seconds)
        stop = threading.Event()
        count = [0]

        def axfr_loop():
            while not stop.is_set():
                subprocess.run(["kdig", "-p", str(dns_port), "@127.0.0.1", "AXFR", ZONE, "+noall"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                count[0] += 1
        # The peer is 127.0.0.1 without a key, so the AXFR clients here are allowed.
        threads = [threading.Thread(target=axfr_loop, daemon=True) for _ in range(args.xfr_clients)]
        for t in threads:
            t.start()
        during = dnsperf(dns_port, qfile, args.seconds)
        stop.set()
        for t in threads:
            t.join()
        print(f"queries: {base:.0f} qps alone, {during:.0f} qps during back-to-back AXFRs "
              f"({count[0]} AXFRs in {args.seconds} s): ratio {during / base if base else 0:.2f}")
        print(f"work dir: {work}")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    main()
