#!/usr/bin/env python3
"""Memory of DNS analytics after a flood of random names (docs/observability.md "DNS analytics").

Starts `dnsedge serve` on loopback with one zone, response rate limiting off and the metrics
listener on, sends N queries for N distinct random names under the zone with dnsperf (one pass,
every name once), then prints the process's RSS before and after (and its peak, VmHWM) and the
aggregate's own accounting from GET /metrics (dnsedge_analytics_bytes, _cells). The server is
stopped by its PID. Run it under the benchmark lock:

    flock /work/bench.lock /usr/bin/python3 bench/analytics_flood.py --names 1000000
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ZONE = "flood.example"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u.bind(("127.0.0.1", port))
        return port


def status(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {key}")


def scrape(port: int) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for m in re.finditer(r"^(dnsedge_analytics_\w+) (\S+)$", text, re.M):
        out[m.group(1)] = float(m.group(2))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dnsedge", default=os.path.join(HERE, "..", "build", "dnsedge"))
    ap.add_argument("--names", type=int, default=1000000)
    ap.add_argument("--rate", type=int, default=100000, help="dnsperf -Q (queries per second)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="analytics-flood-")
    zone_file = os.path.join(work, ZONE + ".zone")
    with open(zone_file, "w") as f:
        f.write(f"$ORIGIN {ZONE}.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.53\n")
    rng = random.Random(1)
    queries = os.path.join(work, "queries.txt")
    with open(queries, "w") as f:
        for _ in range(args.names):
            f.write(f"{rng.getrandbits(64):016x}.{ZONE} A\n")
    dns_port, metrics_port = free_port(), free_port()
    proc = subprocess.Popen([args.dnsedge, "serve", "--data", os.path.join(work, "data"), "--zone-file", zone_file,
                             "--dns-listen", f"127.0.0.1:{dns_port}", "--metrics-listen", f"127.0.0.1:{metrics_port}",
                             "--rrl-rate", "0"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "log"), "w"))
    try:
        for _ in range(200):
            try:
                scrape(metrics_port)
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1)
        before_rss, before = status(proc.pid, "VmRSS"), scrape(metrics_port)
        t0 = time.monotonic()
        perf = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(dns_port), "-d", queries, "-n", "1",
                               "-c", "8", "-q", "200", "-Q", str(args.rate)], capture_output=True, text=True)
        took = time.monotonic() - t0
        m = re.search(r"Queries completed:\s+(\d+)", perf.stdout)
        time.sleep(2)  # the workers hand their counts over within a second
        after_rss, after, peak = status(proc.pid, "VmRSS"), scrape(metrics_port), status(proc.pid, "VmHWM")
        print(f"names sent: {args.names} in {took:.1f} s, answered: {m.group(1) if m else '?'}")
        print(f"RSS before {before_rss / 1024:.1f} MiB, after {after_rss / 1024:.1f} MiB "
              f"(grew {(after_rss - before_rss) / 1024:.1f} MiB), peak {peak / 1024:.1f} MiB")
        print(f"aggregate before: {before}")
        print(f"aggregate after:  {after}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
