#!/usr/bin/python3
"""API benchmark: how fast a write through the REST API is served by DNS, how long a 10k-record
import takes, and what a steady stream of writes costs the DNS query rate -- dnsedge side by side
with Knot DNS taking the same writes as RFC 2136 dynamic updates, in the same run.

    /usr/bin/python3 bench/api_bench.py --dnsedge build/dnsedge         # ~3 min
    /usr/bin/python3 bench/api_bench.py --quick                         # ~1 min smoke run
    /usr/bin/python3 bench/api_bench.py --servers dnsedge --json /tmp/api.json

What it measures (bench/README.md, "API benchmark"):
  import     dnsedge: POST /zones/{id}/dns_records/import of a 10,000-record zone file into a new
             API zone, until the API answers (the zone is then compiled, committed and served).
             Knot: cold start with the same file until the first answer (its load, for scale).
  write      --writes sequential writes of a new A record, each followed by UDP queries for that
             name until it answers: median and p99 of send -> visible in DNS (and of send -> ack).
             dnsedge: POST dns_records; Knot: a DNS UPDATE over UDP (dnspython).
  qps        dnsperf (saturating, like bench.py) idle, and while a client writes --rate records/s
             (paced), alternating, --rounds times: the ratio writing/idle for each server.

Each server gets one UDP worker pinned to --server-cpu; dnsperf, and this script (the writer),
run on --client-cpu. Everything is on loopback; external CNAME targets: none (an unused loopback
--upstream is given anyway).
"""
import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402  (dnsperf runner, process handling, DNS wire helpers)

import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.update  # noqa: E402

ZONE = "bench.test"
TOKEN = "api-bench-token"
EDGE4 = "127.0.0.11,127.0.0.12"


def log(msg):
    B.log(msg)


def ip_of(i, base=10):
    return "%d.%d.%d.%d" % (base, (i >> 16) & 255, (i >> 8) & 255, i & 255)


def make_zone(path, records):
    """SOA + NS + `records` records: h<i> A (and every 10th name also a TXT, every 25th an AAAA)."""
    lines = ["$ORIGIN %s." % ZONE, "$TTL 300",
             "@ 3600 IN SOA ns1.%s. hostmaster.%s. 1 7200 3600 1209600 300" % (ZONE, ZONE),
             "@ 3600 IN NS ns1.%s." % ZONE, "ns1 300 IN A 127.0.0.1"]
    n, i, names = 1, 0, []     # ns1's A counts
    while n < records:
        lines.append("h%d 300 IN A %s" % (i, ip_of(i)))
        names.append("h%d.%s" % (i, ZONE))
        n += 1
        if n < records and i % 10 == 0:
            lines.append('h%d 300 IN TXT "v=bench %d"' % (i, i))
            n += 1
        if n < records and i % 25 == 0:
            lines.append("h%d 300 IN AAAA 2001:db8::%x" % (i, i + 1))
            n += 1
        i += 1
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return names


def percentile(vals, q):
    s = sorted(vals)
    return s[min(len(s) - 1, max(0, int(round(q / 100.0 * len(s) + 0.5)) - 1))]


def visible(sock, name):
    """True when `name` A answers NOERROR with data."""
    h = B.ask(sock, name, "A", timeout=0.2, tries=1)
    return bool(h and h["rcode"] == "NOERROR" and h["an"] > 0)


# --------------------------------------------------------------------------- the two servers

class Peer:
    """What both servers share: a run directory, a DNS port, a write counter."""
    name = ""

    def __init__(self, args, rundir, used):
        self.args = args
        self.rundir = os.path.join(rundir, self.name)
        os.makedirs(self.rundir, exist_ok=True)
        self.port = B.free_port(used)
        used.add(self.port)
        self.seq = 0
        self.seq_lock = threading.Lock()
        self.server = None


class Dnsedge(Peer):
    name = "dnsedge"

    def __init__(self, args, rundir, used):
        super().__init__(args, rundir, used)
        self.api_port = B.free_port(used)
        used.add(self.api_port)
        upstream = B.free_port(used)    # nothing listens there; no external names anyway
        used.add(upstream)
        argv = [args.dnsedge, "serve", "--data", os.path.join(self.rundir, "data"),
                "--dns-listen", "127.0.0.1:%d" % self.port, "--api-listen", "127.0.0.1:%d" % self.api_port,
                "--api-token", TOKEN, "--edge-ipv4", EDGE4, "--no-edge-proxy", "--threads", "1",
                "--upstream", "127.0.0.1:%d" % upstream,
                # Rate limiting off: dnsperf's mix from 127.0.0.1 would be limited (bench.py).
                "--rrl-rate", "0"]
        # Started with an empty store: the zone comes through the API (import).
        self.server = B.Server("dnsedge", argv, self.rundir, self.port,
                               state_dirs=[os.path.join(self.rundir, "data")])
        self.local = threading.local()    # one keep-alive connection per writer thread
        self.zone_id = None

    def api(self, method, path, body=None, raw=None, ctype=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {"Authorization": "Bearer " + TOKEN}
        if data is not None:
            hdrs["Content-Type"] = ctype or "application/json"
        for attempt in (0, 1):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=120)
            try:
                conn.request(method, "/client/v4" + path, body=data, headers=hdrs)
                r = conn.getresponse()
                out = json.loads(r.read())
            except (http.client.HTTPException, ConnectionError, OSError):
                conn.close()
                self.local.conn = None
                if attempt:
                    raise
                continue
            if r.status != 200:
                raise RuntimeError("API %s %s: HTTP %d %s" % (method, path, r.status, out.get("errors")))
            return out["result"]

    def start(self, zone_file):
        # ready = answers something authoritative; the zone does not exist yet, so ask for
        # nothing in particular and accept REFUSED as "up".
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.connect(("127.0.0.1", self.port))
        logf = open(os.path.join(self.rundir, "server.log"), "ab")
        for d in self.server.state_dirs:
            os.makedirs(d, exist_ok=True)
        self.server.proc = subprocess.Popen(["taskset", "-c", str(self.args.server_cpu)] + self.server.argv,
                                            stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        B.STARTED[self.server.proc.pid] = self.server.proc
        logf.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.proc.poll() is not None:
                raise RuntimeError("dnsedge exited during start-up, see %s/server.log" % self.rundir)
            if B.ask(sock, ZONE, "SOA", timeout=0.1, tries=1):
                break
        sock.close()
        with open(zone_file, "rb") as f:
            text = f.read()
        self.zone_id = self.api("POST", "/zones", {"name": ZONE})["id"]
        t0 = time.monotonic()
        res = self.api("POST", "/zones/%s/dns_records/import" % self.zone_id, raw=text, ctype="text/plain")
        t = time.monotonic() - t0
        log("  dnsedge: import of %d records (%d parsed) in %.3f s" % (res["recs_added"], res["total_records_parsed"], t))
        B.pin_tree(self.server.pid, self.args.server_cpu)
        return {"import_s": round(t, 4), "recs_added": res["recs_added"], "parsed": res["total_records_parsed"]}

    def write(self, tag):
        with self.seq_lock:
            self.seq += 1
            seq = self.seq
        name = "w%s-%d" % (tag, seq)
        self.api("POST", "/zones/%s/dns_records" % self.zone_id,
                 {"name": name, "type": "A", "content": ip_of(seq, 172), "ttl": 300})
        return name + "." + ZONE

    def stop(self):
        self.server.stop()


class Knot(Peer):
    name = "knot"

    def start(self, zone_file):
        argv = B.knot_config(self.rundir, self.port, zone_file)
        conf = argv[2]
        with open(conf) as f:
            text = f.read()
        # the bench.py config, for our zone, with dynamic updates allowed from loopback
        text = text.replace("zone:\n  - domain: example.com.", "acl:\n  - id: update\n    address: 127.0.0.1\n"
                            "    action: update\nzone:\n  - domain: %s.\n    acl: update" % ZONE)
        with open(conf, "w") as f:
            f.write(text)
        self.server = B.Server("knot", argv, self.rundir, self.port,
                               state_dirs=[os.path.join(self.rundir, "storage")])
        t = self.server.start(self.args.server_cpu, "h1." + ZONE, 120)
        log("  knot: cold start with the zone file, first answer after %.3f s" % t)
        return {"load_s": round(t, 4)}

    def write(self, tag):
        with self.seq_lock:
            self.seq += 1
            seq = self.seq
        name = "w%s-%d" % (tag, seq)
        u = dns.update.UpdateMessage(ZONE + ".")
        u.add(name, 300, "A", ip_of(seq, 172))
        r = dns.query.udp(u, "127.0.0.1", port=self.port, timeout=10)
        if r.rcode() != dns.rcode.NOERROR:
            raise RuntimeError("knot UPDATE: %s" % dns.rcode.to_text(r.rcode()))
        return name + "." + ZONE

    def stop(self):
        if self.server:
            self.server.stop()


# --------------------------------------------------------------------------- measurements

def write_latency(srv, n):
    """n sequential writes; each: send, ack, then poll DNS until the name answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", srv.port))
    ack, vis, polls = [], [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        name = srv.write("l")
        t1 = time.perf_counter()
        while True:
            polls += 1
            if visible(sock, name):
                break
            if time.perf_counter() - t0 > 10:
                raise RuntimeError("%s: %s not visible after 10 s" % (srv.name, name))
        t2 = time.perf_counter()
        ack.append(1000 * (t1 - t0))
        vis.append(1000 * (t2 - t0))
    sock.close()
    r = {"writes": n, "ack_median_ms": statistics.median(ack), "ack_p99_ms": percentile(ack, 99),
         "visible_median_ms": statistics.median(vis), "visible_p99_ms": percentile(vis, 99),
         "visible_max_ms": max(vis), "polls_per_write": polls / n}
    log("  %s: %d writes, write->visible median %.2f ms, p99 %.2f ms (ack median %.2f, p99 %.2f); %.2f polls/write"
        % (srv.name, n, r["visible_median_ms"], r["visible_p99_ms"], r["ack_median_ms"], r["ack_p99_ms"],
           r["polls_per_write"]))
    return r


class Writer:
    """While dnsperf runs: `rate` writes per second, open loop (bench.run_dnsperf's `during`).
    Write k is due at t0 + k/rate; `concurrency` threads (each with its own connection) send
    them, so a slow acknowledgement does not lower the offered rate unless all are busy."""

    def __init__(self, srv, rate, tag, concurrency=8):
        self.srv, self.rate, self.tag, self.concurrency = srv, rate, tag, concurrency
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.next = 0
        self.done = 0
        self.late = 0       # sent more than 1/rate after their due time
        self.error = None

    def loop(self):
        try:
            while not self.stop_flag.is_set():
                with self.lock:
                    k = self.next
                    self.next += 1
                due = self.t0 + k / self.rate
                now = time.monotonic()
                if due > now:
                    if self.stop_flag.wait(due - now):
                        break
                elif now - due > 1.0 / self.rate:
                    with self.lock:
                        self.late += 1
                self.srv.write(self.tag)
                with self.lock:
                    self.done += 1
        except Exception as e:  # reported with the run
            self.error = repr(e)

    def start(self):
        self.t0 = time.monotonic()
        self.threads = [threading.Thread(target=self.loop, daemon=True) for _ in range(self.concurrency)]
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_flag.set()
        elapsed = time.monotonic() - self.t0
        for t in self.threads:
            t.join(30)
        return {"writes": self.done, "rate": round(self.done / max(elapsed, 1e-9), 1), "late": self.late,
                "error": self.error}


def qps_runs(args, servers, qfile, rundir):
    res = {s.name: {"idle": [], "writing": []} for s in servers}
    for rnd in range(args.rounds):
        order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
        for s in order:
            kinds = ("idle", "writing") if rnd % 2 == 0 else ("writing", "idle")
            for kind in kinds:
                during = (lambda s=s, rnd=rnd: Writer(s, args.rate, "q%d" % rnd)) if kind == "writing" else None
                out = os.path.join(rundir, "dnsperf-%s-%s-r%d.txt" % (s.name, kind, rnd))
                r = B.run_dnsperf(args, s.port, qfile, args.duration, s.server.pid, out, during=during)
                res[s.name][kind].append(r)
                extra = ""
                if kind == "writing":
                    d = r["during"]
                    extra = "  writes %d (%.1f/s)%s" % (d["writes"], d["rate"], "  ERROR " + d["error"] if d["error"] else "")
                log("  round %d/%d %-8s %-8s %9.0f QPS  lost %d  server CPU %5.1f%%  others %5.1f%%%s"
                    % (rnd + 1, args.rounds, s.name, kind, r["qps"], r.get("lost", 0), r["server_cpu_pct"],
                       r["other_cpu_pct"], extra))
    out = {}
    for name, kinds in res.items():
        idle = statistics.median(r["qps"] for r in kinds["idle"])
        writing = statistics.median(r["qps"] for r in kinds["writing"])
        out[name] = {"idle_qps": idle, "writing_qps": writing, "ratio": writing / idle if idle else None,
                     "write_rate": statistics.median(r["during"]["rate"] for r in kinds["writing"]),
                     "other_cpu_pct": statistics.median(r["other_cpu_pct"] for r in kinds["idle"] + kinds["writing"]),
                     "runs": kinds}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dnsedge", default=os.path.join(B.REPO, "build", "dnsedge"))
    ap.add_argument("--servers", default="dnsedge,knot", help="dnsedge,knot (default both)")
    ap.add_argument("--records", type=int, default=10000, help="records in the zone (default 10000)")
    ap.add_argument("--writes", type=int, default=1000, help="sequential writes for the latency (default 1000)")
    ap.add_argument("--rate", type=float, default=100, help="writes/s during the QPS runs (default 100)")
    ap.add_argument("--duration", type=float, default=10, help="seconds per dnsperf run (default 10)")
    ap.add_argument("--rounds", type=int, default=2, help="idle+writing pairs per server (default 2)")
    ap.add_argument("--clients", type=int, default=8, help="dnsperf -c (default 8)")
    ap.add_argument("--outstanding", type=int, default=100, help="dnsperf -q (default 100)")
    ap.add_argument("--threads", type=int, default=2, help="dnsperf -T (default 2)")
    ap.add_argument("--server-cpu", type=int, default=1)
    ap.add_argument("--client-cpu", type=int, default=0)
    ap.add_argument("--quiet-wait", type=float, default=10,
                    help="before each dnsperf run, wait up to this long for the two cores to be idle (default 10)")
    ap.add_argument("--quick", action="store_true", help="--writes 200 --duration 4 --rounds 1")
    ap.add_argument("--json", help="write every figure to this file")
    args = ap.parse_args()
    if args.quick:
        args.writes, args.duration, args.rounds = 200, 4, 1
    names = [n.strip() for n in args.servers.split(",") if n.strip()]
    if not names or any(n not in ("dnsedge", "knot") for n in names):
        ap.error("--servers: dnsedge and/or knot")
    if "dnsedge" in names and not os.access(args.dnsedge, os.X_OK):
        ap.error("no dnsedge binary at %s (build it: cmake --build build --target dnsedge)" % args.dnsedge)
    os.sched_setaffinity(0, {args.client_cpu})   # the writer and the pollers share dnsperf's core

    rundir = os.path.join(B.WORK, "api-%s" % time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(rundir, exist_ok=True)
    zone_file = os.path.join(rundir, "bench.test.zone")
    qnames = make_zone(zone_file, args.records)
    qfile = os.path.join(rundir, "queries.txt")
    rng = random.Random(1)
    with open(qfile, "w") as f:
        for _ in range(100000):
            f.write("%s A\n" % rng.choice(qnames))
    log("api_bench: %d-record zone %s, run directory %s" % (args.records, ZONE, rundir))

    used = set()
    servers = [(Dnsedge if n == "dnsedge" else Knot)(args, rundir, used) for n in names]
    results = {"settings": {k: v for k, v in vars(args).items()}, "servers": {}}
    try:
        for s in servers:
            results["servers"][s.name] = {"start": s.start(zone_file)}
            if not visible_check(s, qnames):
                raise RuntimeError("%s does not answer the zone's names" % s.name)
        for s in servers:
            results["servers"][s.name]["write"] = write_latency(s, args.writes)
        qps = qps_runs(args, servers, qfile, rundir)
        for name, q in qps.items():
            results["servers"][name]["qps"] = q
    finally:
        for s in servers:
            s.stop()
    report(args, results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)


def visible_check(s, qnames):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", s.port))
    ok = all(visible(sock, n) for n in random.Random(2).sample(qnames, 20))
    sock.close()
    return ok


def report(args, results):
    sv = results["servers"]
    print()
    print("API benchmark: %d-record zone, %d sequential writes, dnsperf -c %d -q %d -T %d for %g s x %d rounds, "
          "writes at %g/s" % (args.records, args.writes, args.clients, args.outstanding, args.threads,
                              args.duration, args.rounds, args.rate))
    print("%-8s %12s %14s %14s %12s %12s %10s %12s %8s" % ("server", "import/load", "visible med", "visible p99",
                                                             "ack p99", "idle QPS", "writes/s", "writing QPS",
                                                             "ratio"))
    for name, r in sv.items():
        st = r["start"]
        load = ("import %.2fs" % st["import_s"]) if "import_s" in st else ("load %.2fs" % st["load_s"])
        w, q = r.get("write", {}), r.get("qps", {})
        print("%-8s %12s %11.2f ms %11.2f ms %9.2f ms %12.0f %10.1f %12.0f %8.3f" % (
            name, load, w.get("visible_median_ms", 0), w.get("visible_p99_ms", 0), w.get("ack_p99_ms", 0),
            q.get("idle_qps", 0), q.get("write_rate", 0), q.get("writing_qps", 0), q.get("ratio") or 0))
    if "dnsedge" in sv and "knot" in sv:
        d, k = sv["dnsedge"], sv["knot"]
        print("dnsedge/knot: write->visible median %.2fx, p99 %.2fx; QPS idle %.2fx, while writing %.2fx"
              % (d["write"]["visible_median_ms"] / k["write"]["visible_median_ms"],
                 d["write"]["visible_p99_ms"] / k["write"]["visible_p99_ms"],
                 d["qps"]["idle_qps"] / k["qps"]["idle_qps"], d["qps"]["writing_qps"] / k["qps"]["writing_qps"]))
    others = [r["qps"]["other_cpu_pct"] for r in sv.values() if "qps" in r]
    if others and max(others) > 10:
        print("note: other processes used %.0f%% of a core on the benchmark CPUs during the runs (median): "
              "the machine was not quiet; re-run in a quiet window." % max(others))
    print("targets: write->visible p99 < 20 ms on a 10k-record zone; QPS while writing >= 0.9x idle.")


if __name__ == "__main__":
    main()
