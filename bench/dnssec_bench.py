#!/usr/bin/python3
"""Online signing measured side by side in one run: dnsedge (zone signed online, `[[dnssec]]`)
against Knot DNS with `mod-onlinesign` on the same zone (gen_zone.py's example.com), with
bench.py's servers, pinning and dnsperf runs (one server worker pinned to --server-cpu, dnsperf
on --client-cpu). See bench/README.md, "DNSSEC".

Query files, made from the zone's query file:
  existing   the query mix without its NXDOMAIN share (names that exist, types they have)
  nx         random names under example.com (each a fresh compact-denial signature)

Runs, in rotating order each round (the run labels of the output):
  mix runs      existing names, saturating: dnsedge signed DO=0 and DO=1, dnsedge with the
                zone unsigned DO=0, Knot onlinesign DO=1, Knot unsigned DO=0
  nx runs       random names DO=1, saturating (dnsedge's TC=1 answers counted from its
                /metrics) and at a fixed rate below dnsedge's fresh-signature budget, for the
                server CPU per signed answer (signatures per second per core); existing names
                at the same rate, so the difference is what the fresh signature costs
  flood runs    existing names DO=1 saturating, alone and beside a second dnsperf stream at
                --flood-rate: random names DO=1 (the flood) or existing names DO=1 (control)

    /usr/bin/python3 bench/dnssec_bench.py --dnsedge build/dnsedge            # 10k zone (~6 min)
    /usr/bin/python3 bench/dnssec_bench.py --zones 1m --rounds 1             # 1M names
    /usr/bin/python3 bench/dnssec_bench.py --quick                           # smoke test (~1.5 min)
"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
import gen_zone  # noqa: E402

log = bench.log


def existing_queries(meta, out):
    """The zone's query file without its NXDOMAIN lines (gen_zone writes those as nx<hex>)."""
    n = 0
    with open(meta["query_file"]) as src, open(out, "w") as dst:
        for ln in src:
            if not ln.startswith("nx"):
                dst.write(ln)
                n += 1
    return n


def nx_queries(out, count, seed):
    """`count` distinct random names under example.com (never an owner name: owner labels are
    word-hex, and these are r<hex>), type A or AAAA."""
    rng = random.Random(seed)
    with open(out, "w") as f:
        for i in range(count):
            f.write("r%012x%x.example.com %s\n" % (rng.getrandbits(48), i, ("A", "AAAA")[i & 1]))
    return count


def onlinesign_config(rundir, port, zone_file):
    """bench.knot_config with Knot's online signer (mod-onlinesign, default policy: ECDSA P-256,
    keys made in the KASP database at the first start) on the zone."""
    argv = bench.knot_config(rundir, port, zone_file)
    with open(argv[-1]) as f:
        text = f.read()
    line = '    file: "%s"\n' % zone_file
    if line not in text:
        raise RuntimeError("unexpected Knot configuration: no zone file line")
    with open(argv[-1], "w") as f:
        f.write(text.replace(line, line + "    module: mod-onlinesign\n"))
    return argv


def metric(port, name, labels):
    """One sample of dnsedge's /metrics (a counter), or None."""
    try:
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=2).read().decode()
    except OSError:
        return None
    m = re.search(r"^%s\{%s\} (\d+)" % (re.escape(name), re.escape(labels)), text, re.M)
    return int(m.group(1)) if m else None


class SecondStream:
    """A second dnsperf on the client CPU while run_dnsperf's stream runs (run_dnsperf's
    `during` hook): --flood-rate queries per second from `qfile`, DO=1."""

    def __init__(self, args, port, qfile, outfile):
        self.argv = ["taskset", "-c", str(args.client_cpu), "dnsperf", "-s", "127.0.0.1", "-p", str(port),
                     "-d", qfile, "-l", str(args.duration), "-c", "4", "-q", "200", "-T", "1", "-D",
                     "-Q", str(args.flood_rate)]
        self.outfile = outfile
        self.proc = None

    def start(self):
        self.out = open(self.outfile, "w")
        self.proc = subprocess.Popen(self.argv, stdout=self.out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        bench.STARTED[self.proc.pid] = self.proc

    def stop(self):
        try:
            self.proc.wait(60)
        finally:
            bench.STARTED.pop(self.proc.pid, None)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.out.close()
        with open(self.outfile) as f:
            r = bench.parse_dnsperf(f.read())
        return {k: r.get(k) for k in ("qps", "completed", "lost", "rcodes")}


def make_servers(args, meta, rdir, used):
    servers = {}
    zf = meta["zone_file"]
    for name in args.server_list:
        port = bench.free_port(used)
        sdir = os.path.join(rdir, name)
        os.makedirs(sdir, exist_ok=True)
        open(os.path.join(sdir, "server.log"), "w").close()
        mport = None
        if name == "knot":
            argv = bench.knot_config(sdir, port, zf)
        elif name == "knot-onlinesign":
            argv = onlinesign_config(sdir, port, zf)
        else:
            mport = bench.free_port(used)
            extra = args.dnsedge_extra + ["--metrics-listen", "127.0.0.1:%d" % mport]
            if name == "dnsedge-signed":
                conf = os.path.join(sdir, "dnssec.toml")
                with open(conf, "w") as f:
                    f.write('# written by bench/dnssec_bench.py: the zone file signed online\n'
                            '[[dnssec]]\nzone = "example.com"\n')
                extra += ["--config", conf]
            argv = bench.dnsedge_cmd(args.dnsedge, extra, sdir, port, zf)
        state = [os.path.join(sdir, "storage")] if name.startswith("knot") else [os.path.join(sdir, "data")]
        s = bench.Server(name, argv, sdir, port, state)
        s.metrics_port = mport
        servers[name] = s
    return servers


def run_specs(args, q):
    """(label, server, query file, dnsperf extra, fixed rate, second stream file) of one round."""
    specs = []
    sv = args.server_list if "mix" in args.group_list else []
    if "dnsedge-signed" in sv:
        specs += [("mix-do0", "dnsedge-signed", q["existing"], [], None, None),
                  ("mix-do1", "dnsedge-signed", q["existing"], ["-D"], None, None)]
    if "dnsedge-unsigned" in sv:
        specs.append(("mix-do0", "dnsedge-unsigned", q["existing"], [], None, None))
    if "knot-onlinesign" in sv:
        specs.append(("mix-do1", "knot-onlinesign", q["existing"], ["-D"], None, None))
    if "knot" in sv:
        specs.append(("mix-do0", "knot", q["existing"], [], None, None))
    for name in ("dnsedge-signed", "knot-onlinesign"):
        if name not in args.server_list:
            continue
        if "nx" in args.group_list:
            specs += [("nx-do1", name, q["nx"], ["-D"], None, None),
                      ("nx-do1-fixed", name, q["nx"], ["-D"], args.sign_rate, None),
                      ("mix-do1-fixed", name, q["existing"], ["-D"], args.sign_rate, None)]
        if "flood" in args.group_list:
            specs += [("flood-alone", name, q["existing"], ["-D"], None, None),
                      ("flood-control", name, q["existing"], ["-D"], None, q["existing"]),
                      ("flood-nx", name, q["existing"], ["-D"], None, q["nx"])]
    return specs


def measure(args, s, label, qfile, extra, rate, second, rnd):
    """One run (again up to --noisy-retries times while other processes took > 10% of a core;
    the least disturbed attempt is kept)."""
    best = None
    for attempt in range(1 + args.noisy_retries):
        if not s.alive():
            raise RuntimeError("%s died (see %s/server.log)" % (s.name, s.rundir))
        bench.pin_tree(s.pid, args.server_cpu)
        out = os.path.join(s.rundir, "dnsperf-%s-r%d-a%d.txt" % (label, rnd, attempt))
        during = None
        if second:
            def during(s=s, out=out):
                return SecondStream(args, s.port, second, out + ".second")
        tc0 = metric(s.metrics_port, "dnsedge_dns_tc_total", 'transport="udp"') if s.metrics_port else None
        r = bench.run_dnsperf(args, s.port, qfile, args.duration, s.pid, out, qps=rate, during=during, extra=extra)
        if tc0 is not None:
            tc1 = metric(s.metrics_port, "dnsedge_dns_tc_total", 'transport="udp"')
            r["tc"] = tc1 - tc0 if tc1 is not None else None
        if r.get("during"):
            # the server answered both streams: its CPU per answer counts the second one's too
            both = r["completed"] + (r["during"]["completed"] or 0)
            r["cpu_us_per_q"] = round(1e6 * r["server_cpu_s"] / both, 3) if both else None
        r["round"], r["attempt"], r["label"] = rnd, attempt, label
        if best is None or r["other_cpu_pct"] < best["other_cpu_pct"]:
            best = r
        if r["other_cpu_pct"] <= 10:
            break
        if attempt < args.noisy_retries:
            log("  %s %s disturbed (others %.0f%% of a core): again" % (s.name, label, r["other_cpu_pct"]))
    return best


def bench_zone(args, zkey, meta):
    rdir = os.path.join(args.run_dir, zkey)
    os.makedirs(rdir, exist_ok=True)
    q = {"existing": os.path.join(rdir, "existing.txt"), "nx": os.path.join(rdir, "nx.txt")}
    n_existing = existing_queries(meta, q["existing"])
    nx_queries(q["nx"], args.nx_names, args.seed)
    servers = make_servers(args, meta, rdir, set())
    res = {"zone": zkey, "names": meta["names"], "records": meta["records"], "existing_queries": n_existing,
           "nx_names": args.nx_names, "servers": {}, "runs": []}
    try:
        for s in servers.values():
            t = s.start(args.server_cpu, meta["last_a_name"], args.load_timeout)
            bench.pin_tree(s.pid, args.server_cpu)
            time.sleep(1.0)
            s.result["load_s"] = round(t, 3)
            s.result["mem_ready"] = bench.tree_memory_mib(s.pid)
            log("  %-16s ready in %.2f s, RSS %.0f MiB" % (s.name, t, s.result["mem_ready"]["rss_mib"]))
            r = bench.run_dnsperf(args, s.port, q["existing"], args.warmup, s.pid,
                                  os.path.join(s.rundir, "warmup.txt"), extra=["-D"])
            log("  %-16s warm-up %.0f QPS, rcodes %s" % (s.name, r.get("qps", 0), r["rcodes"]))
        specs = run_specs(args, q)
        for rnd in range(args.rounds):
            k = (rnd * 3) % len(specs)
            for label, name, qfile, extra, rate, second in specs[k:] + specs[:k]:
                r = measure(args, servers[name], label, qfile, extra, rate, second, rnd)
                r["server"] = name
                res["runs"].append(r)
                log("  round %d/%d %-16s %-13s %8.0f QPS  srv CPU %5.1f%%  %6.2f us/q  lost %d%s%s  others %.0f%%"
                    % (rnd + 1, args.rounds, name, label, r.get("qps", 0), r["server_cpu_pct"], r["cpu_us_per_q"] or 0,
                       r.get("lost", 0), "  TC %d" % r["tc"] if r.get("tc") is not None else "",
                       "  2nd stream %.0f QPS" % r["during"]["qps"] if r.get("during") else "", r["other_cpu_pct"]))
        for s in servers.values():
            if s.alive():
                s.result["mem_after"] = bench.tree_memory_mib(s.pid)
    finally:
        for s in servers.values():
            s.stop()
    for s in servers.values():
        res["servers"][s.name] = s.result
    res["summary"] = summarize(res["runs"])
    res["ratios"] = ratios(res["summary"])
    return res


def summarize(runs):
    """Per (server, label): medians over the rounds."""
    out = {}
    for r in runs:
        out.setdefault("%s/%s" % (r["server"], r["label"]), []).append(r)
    summ = {}
    for key, rs in out.items():
        med = lambda f: statistics.median(f(r) for r in rs)  # noqa: E731
        d = {"qps": med(lambda r: r.get("qps", 0)), "cpu_us_per_q": med(lambda r: r["cpu_us_per_q"] or 0),
             "server_cpu_pct": med(lambda r: r["server_cpu_pct"]), "dnsperf_cpu_pct": med(lambda r: r["dnsperf_cpu_pct"]),
             "lost": sum(r.get("lost", 0) for r in rs), "rounds": len(rs),
             "other_cpu_pct_max": max(r["other_cpu_pct"] for r in rs),
             "rcodes": rs[0].get("rcodes")}
        if all(r.get("tc") is not None for r in rs):
            d["tc_share"] = med(lambda r: r["tc"] / r["completed"] if r["completed"] else 0)
            d["signed_qps"] = med(lambda r: r.get("qps", 0) * (1 - r["tc"] / r["completed"]) if r["completed"] else 0)
        if all(r.get("during") for r in rs):
            d["second_stream_qps"] = med(lambda r: r["during"]["qps"] or 0)
        summ[key] = d
    return summ


def ratios(summ):
    def q(key, f="qps"):
        return summ.get(key, {}).get(f)

    def ratio(a, b):
        return round(a / b, 3) if a is not None and b else None
    out = {
        "dnsedge_do1_over_do0": ratio(q("dnsedge-signed/mix-do1"), q("dnsedge-signed/mix-do0")),
        "dnsedge_do1_over_unsigned_do0": ratio(q("dnsedge-signed/mix-do1"), q("dnsedge-unsigned/mix-do0")),
        "dnsedge_do1_over_knot_onlinesign_do1": ratio(q("dnsedge-signed/mix-do1"), q("knot-onlinesign/mix-do1")),
        "knot_onlinesign_do1_over_knot_do0": ratio(q("knot-onlinesign/mix-do1"), q("knot/mix-do0")),
        "nx_answers_dnsedge_over_knot": ratio(q("dnsedge-signed/nx-do1"), q("knot-onlinesign/nx-do1")),
        "nx_signed_dnsedge_over_knot": ratio(q("dnsedge-signed/nx-do1", "signed_qps"), q("knot-onlinesign/nx-do1")),
        "nx_cpu_per_answer_knot_over_dnsedge": ratio(q("knot-onlinesign/nx-do1-fixed", "cpu_us_per_q"),
                                                     q("dnsedge-signed/nx-do1-fixed", "cpu_us_per_q")),
    }
    for name in ("dnsedge-signed", "knot-onlinesign"):
        us = q(name + "/nx-do1-fixed", "cpu_us_per_q")
        out["%s_signed_nx_answers_per_core_s" % name] = round(1e6 / us) if us else None
        # the same rate of existing names: what a fresh signature adds to an answer
        base = q(name + "/mix-do1-fixed", "cpu_us_per_q")
        out["%s_fresh_signature_us" % name] = round(us - base, 2) if us and base else None
        out["%s_flood_over_alone" % name] = ratio(q(name + "/flood-nx"), q(name + "/flood-alone"))
        out["%s_flood_over_control" % name] = ratio(q(name + "/flood-nx"), q(name + "/flood-control"))
    return out


def print_zone(res):
    print("\n== zone %s (%s names, %s records): %s existing-name queries, %s random names"
          % (res["zone"], format(res["names"], ","), format(res["records"], ","),
             format(res["existing_queries"], ","), format(res["nx_names"], ",")))
    for name, s in res["servers"].items():
        print("   %-16s load %.2f s  RSS %.0f MiB" % (name, s.get("load_s", 0), s.get("mem_ready", {}).get("rss_mib", 0)))
    print("   %-34s %9s %9s %7s %7s %8s %9s %7s" % ("server/run", "QPS", "us/q", "srvCPU", "perfCPU", "TC", "signed", "2nd"))
    for key, d in res["summary"].items():
        print("   %-34s %9.0f %9.2f %6.0f%% %6.0f%% %8s %9s %7s" % (
            key, d["qps"], d["cpu_us_per_q"], d["server_cpu_pct"], d["dnsperf_cpu_pct"],
            bench.fnum(d.get("tc_share"), "%.3f"), bench.fnum(d.get("signed_qps"), "%.0f"),
            bench.fnum(d.get("second_stream_qps"), "%.0f")))
    print("   ratios (same run):")
    for k, v in res["ratios"].items():
        print("     %-46s %s" % (k, bench.fnum(v, "%g")))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dnsedge", default=os.path.join(bench.REPO, "build", "dnsedge"))
    ap.add_argument("--dnsedge-args", default="", help="extra arguments appended to `dnsedge serve ...`")
    ap.add_argument("--servers", default="dnsedge-signed,dnsedge-unsigned,knot-onlinesign,knot",
                    help="comma list of dnsedge-signed, dnsedge-unsigned, knot-onlinesign, knot")
    ap.add_argument("--zones", default="10k", help="comma list of 10k,100k,1m (default 10k)")
    ap.add_argument("--groups", default="mix,nx,flood", help="run groups: comma list of mix, nx, flood")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=10, help="seconds per run (default 10)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds, the run order rotated (default 2)")
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--nx-names", type=int, default=600000, help="random names in the nx query file")
    ap.add_argument("--sign-rate", type=int, default=6000,
                    help="fixed rate of the nx-do1-fixed runs, below dnsedge's 8000/s budget (default 6000)")
    ap.add_argument("--flood-rate", type=int, default=20000, help="rate of the second stream (default 20000)")
    ap.add_argument("--load-timeout", type=float, default=600)
    ap.add_argument("--quiet-wait", type=float, default=10)
    ap.add_argument("--noisy-retries", type=int, default=1)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--outstanding", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--server-cpu", type=int, default=1)
    ap.add_argument("--client-cpu", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="1 round of 4 s, 1 s warm-up")
    ap.add_argument("--json", help="write every run's figures to this file")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.duration, args.warmup = 1, 4, 1
    args.server_list = [s for s in args.servers.split(",") if s]
    args.group_list = [g for g in args.groups.split(",") if g]
    if not set(args.group_list) <= {"mix", "nx", "flood"}:
        ap.error("--groups: mix, nx, flood")
    for s in args.server_list:
        if s not in ("dnsedge-signed", "dnsedge-unsigned", "knot-onlinesign", "knot"):
            ap.error("unknown server " + s)
    args.dnsedge = os.path.abspath(args.dnsedge)
    args.dnsedge_extra = args.dnsedge_args.split()
    os.sched_setaffinity(0, {args.client_cpu})
    os.makedirs(bench.WORK, exist_ok=True)
    args.run_dir = os.path.join(bench.WORK, "dnssec-%s-%d" % (time.strftime("%Y%m%dT%H%M%S"), os.getpid()))
    os.makedirs(args.run_dir)
    out = {"args": dict(vars(args)), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "zones": {}}
    try:
        for z in args.zones.split(","):
            zdir = os.path.join(bench.WORK, "z%s-s%d-static" % (z, args.seed))
            meta = gen_zone.load_or_generate(bench.ZONES[z], zdir, seed=args.seed, mix="static")
            log("zone %s: %s names, servers %s" % (z, format(meta["names"], ","), ", ".join(args.server_list)))
            out["zones"][z] = bench_zone(args, z, meta)
            print_zone(out["zones"][z])
            sys.stdout.flush()
    finally:
        bench._reap_all()
        if args.json:
            with open(args.json, "w") as f:
                json.dump(bench.jsonable(out), f, indent=1)
    print("\nconfigs, logs and raw dnsperf output in %s" % args.run_dir)


if __name__ == "__main__":
    main()
