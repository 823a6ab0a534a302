#!/usr/bin/python3
"""Response rate limiting (RRL) and DNS cookies: what they cost, and what they stop.

Part 1, cost (dnsperf, the normal query mix of bench.py, one dnsedge worker pinned to a CPU):
  off      dnsedge --rrl-rate 0, the mix as bench.py sends it (no EDNS)
  on       dnsedge with its defaults (RRL 200/s per /24, slip 2; cookies always on), and dnsperf
           sends a valid server cookie it learned first (-E 10:<cookie>): every query has its
           cookie checked (SipHash-2-4) and gets a fresh one, and the client is exempt from RRL,
           as a resolver with cookies is. dnsperf sends everything from 127.0.0.1: without the
           cookie the mix's NXDOMAIN share (one bucket per zone) would be limited, which is RRL
           doing its job, not its cost.
  acct     dnsedge --rrl-rate 1000000, no cookie: every response goes through the bucket table
           (hash, compare-and-swap) and none is limited: the cost of the accounting itself.
  off-edns dnsedge --rrl-rate 0 with dnsperf -e: EDNS without the cookie, to show which part of
           the on/off difference is the OPT record alone.
  Rounds rotate the order; the median QPS of each is compared with off in the same run.

Part 2, a spoofed-source flood of one large answer (a TXT RRset of ~1.1 KB; a name of its own
in each round, so every round starts from an empty bucket), the same query repeated from one address as fast as this script sends it, against dnsedge (defaults) and NSD
with its default RRL (rrl-ratelimit 200, rrl-slip 2) in the same run: amplification = bytes the
flooding socket received / bytes it sent. Meanwhile a legitimate client at the same address
(the victim's own resolver) asks the same name with a valid server cookie; its share of full
answers is reported (NSD does not exempt cookie clients from RRL).

    /usr/bin/python3 bench/rrl_bench.py --dnsedge build/dnsedge            # ~4 min
    /usr/bin/python3 bench/rrl_bench.py --zones 10k,1m
"""
import argparse
import json
import os
import socket
import statistics
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402  (dnsperf runner, process handling, servers)
import gen_zone  # noqa: E402

COOKIE = 10
CLIENT_COOKIE = bytes.fromhex("2464c4abcf10c957")
BIG = " ".join('"' + ("%02d" % i) * 60 + '"' for i in range(9))
AMP_ZONE = """$ORIGIN amp.test.
$TTL 300
@    IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@    IN NS  ns1
ns1  IN A   192.0.2.53
""" + "".join("big%d IN TXT %s\n" % (i, BIG) for i in range(16))


def log(msg):
    B.log(msg)


def query_wire(qname, qtype, qid, cookie=None):
    q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1)
    for lab in qname.rstrip(".").split("."):
        q += bytes([len(lab)]) + lab.encode()
    q += b"\x00" + struct.pack("!HH", qtype, 1)
    opts = b"" if cookie is None else struct.pack("!HH", COOKIE, len(cookie)) + cookie
    return q + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, len(opts)) + opts


def cookie_of(reply):
    """The COOKIE option of a reply's OPT (the last RR), or None."""
    import dns.message
    m = dns.message.from_wire(reply)
    for o in m.options if m.edns >= 0 else []:
        if int(o.otype) == COOKIE:
            return o.to_wire()
    return None


def learn_cookie(port, qname, qtype):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    try:
        s.connect(("127.0.0.1", port))
        for _ in range(5):
            s.send(query_wire(qname, qtype, 7, CLIENT_COOKIE))
            try:
                c = cookie_of(s.recv(65535))
                if c:
                    return c
            except socket.timeout:
                pass
    finally:
        s.close()
    return None


def nsd_rrl_config(rundir, port, zone_file):
    os.makedirs(rundir, exist_ok=True)
    conf = os.path.join(rundir, "nsd.conf")
    with open(conf, "w") as f:
        f.write("""# written by bench/rrl_bench.py -- NSD's default RRL, written out
server:
    ip-address: 127.0.0.1@{port}
    port: {port}
    do-ip6: no
    server-count: 1
    database: ""
    zonelistfile: "{d}/zone.list"
    xfrdfile: "{d}/xfrd.state"
    xfrdir: "{d}"
    pidfile: "{d}/nsd.pid"
    cookie-secret-file: "{d}/cookiesecrets.txt"
    username: ""
    chroot: ""
    verbosity: 0
    rrl-ratelimit: 200
    rrl-slip: 2
remote-control:
    control-enable: no
zone:
    name: amp.test
    zonefile: "{zone}"
""".format(d=rundir, port=port, zone=zone_file))
    return ["nsd", "-d", "-c", conf]


# --------------------------------------------------------------------------- part 1

def part_cost(args, zkey):
    meta = gen_zone.load_or_generate(B.ZONES[zkey], os.path.join(B.WORK, "z%s-s1-static" % zkey), seed=1,
                                     mix="static")
    rdir = os.path.join(args.run_dir, zkey)
    used = set()
    variants = [("off", ["--rrl-rate", "0"]), ("on", []), ("acct", ["--rrl-rate", "1000000"]),
                ("off-edns", ["--rrl-rate", "0"])]
    servers = []
    for name, flags in variants:
        port = B.free_port(used)
        sdir = os.path.join(rdir, name)
        os.makedirs(sdir, exist_ok=True)
        # each variant says what it wants (bench.py's default is --rrl-rate 0)
        argv = B.dnsedge_cmd(args.dnsedge, flags or ["--rrl-rate", "200"], sdir, port, meta["zone_file"])
        srv = B.Server(name, argv, sdir, port, [os.path.join(sdir, "data")])
        servers.append(srv)
    res = {"zone": zkey, "variants": {}}
    try:
        for s in servers:
            t = s.start(args.server_cpu, meta["last_a_name"], args.load_timeout)
            log("  %-8s ready in %.2f s" % (s.name, t))
            s.extra = []
            if s.name == "on":
                c = learn_cookie(s.port, meta["last_a_name"], 1)
                if not c or len(c) != 24:
                    raise RuntimeError("no server cookie from dnsedge")
                s.extra = ["-E", "%d:%s" % (COOKIE, c.hex())]
            elif s.name == "off-edns":
                s.extra = ["-e"]
            s.result["runs"] = []
            B.pin_tree(s.pid, args.server_cpu)
            r = B.run_dnsperf(args, s.port, meta["query_file"], args.warmup, s.pid,
                              os.path.join(s.rundir, "warmup.txt"), extra=s.extra)
            log("  %-8s warm-up %.0f QPS, rcodes %s, lost %d" % (s.name, r.get("qps", 0), r.get("rcodes"), r.get("lost", 0)))
        for rnd in range(args.rounds):
            k = rnd % len(servers)
            for s in servers[k:] + servers[:k]:
                B.pin_tree(s.pid, args.server_cpu)
                r = B.run_dnsperf(args, s.port, meta["query_file"], args.duration, s.pid,
                                  os.path.join(s.rundir, "dnsperf-r%d.txt" % rnd), extra=s.extra)
                s.result["runs"].append(r)
                log("  round %d/%d %-8s %9.0f QPS  lost %d  rcodes %s  other procs %4.1f%%"
                    % (rnd + 1, args.rounds, s.name, r.get("qps", 0), r.get("lost", 0), r.get("rcodes"),
                       r["other_cpu_pct"]))
    finally:
        for s in servers:
            s.stop()
    for s in servers:
        runs = s.result.get("runs", [])
        res["variants"][s.name] = {
            "qps": [r.get("qps", 0) for r in runs],
            "median_qps": statistics.median([r.get("qps", 0) for r in runs]) if runs else None,
            "lost": sum(r.get("lost", 0) for r in runs),
            "other_cpu_pct": [r["other_cpu_pct"] for r in runs],
            # server CPU time per answered query: less sensitive than QPS to other processes
            "us_per_q": [r["cpu_us_per_q"] for r in runs],
            "median_us_per_q": statistics.median([r["cpu_us_per_q"] or 0 for r in runs]) if runs else None,
            "rcodes": runs[-1].get("rcodes") if runs else None,
        }
    return res


# --------------------------------------------------------------------------- part 2

def drain(s, wait):
    out = []
    s.settimeout(wait)
    while True:
        try:
            out.append(s.recv(65535))
        except (socket.timeout, BlockingIOError):
            return out


def is_full(reply):
    flags, an = struct.unpack("!H", reply[2:4])[0], struct.unpack("!H", reply[6:8])[0]
    return not flags & 0x0200 and an > 0


def flood(port, n, batch, legit_cookie, name):
    """n identical queries for `name` TXT from one socket; after each batch, one query of the
    legitimate client (another socket, same address) for the same name with `legit_cookie`."""
    f = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    f.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    f.connect(("127.0.0.1", port))
    g = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    g.connect(("127.0.0.1", port))
    sent_bytes, replies, legit_sent, legit = 0, [], 0, []
    t0 = time.monotonic()
    try:
        for start in range(0, n, batch):
            for i in range(start, min(n, start + batch)):
                q = query_wire(name, 16, i & 0xFFFF)
                f.send(q)
                sent_bytes += len(q)
            g.send(query_wire(name, 16, start & 0xFFFF, legit_cookie))
            legit_sent += 1
            replies += drain(f, 0.0005)
            legit += drain(g, 0.0005)
        elapsed = time.monotonic() - t0
        replies += drain(f, 0.3)
        legit += drain(g, 0.1)
    finally:
        f.close()
        g.close()
    full = [r for r in replies if is_full(r)]
    tc = [r for r in replies if struct.unpack("!H", r[2:4])[0] & 0x0200]
    return {"queries": n, "seconds": round(elapsed, 3), "bytes_in": sent_bytes,
            "bytes_out": sum(len(r) for r in replies), "full": len(full), "tc": len(tc),
            "dropped": n - len(replies), "answer_size": len(full[0]) if full else None,
            "amplification": round(sum(len(r) for r in replies) / sent_bytes, 2),
            "unlimited_amplification": round((len(full[0]) if full else 0) / (sent_bytes / n), 1),
            "legit_sent": legit_sent, "legit_full": sum(1 for r in legit if is_full(r)),
            "legit_ratio": round(sum(1 for r in legit if is_full(r)) / legit_sent, 3)}


def part_flood(args):
    rdir = os.path.join(args.run_dir, "flood")
    os.makedirs(rdir, exist_ok=True)
    zone = os.path.join(rdir, "amp.test.zone")
    with open(zone, "w") as f:
        f.write(AMP_ZONE)
    used = set()
    servers = []
    port = B.free_port(used)
    d = os.path.join(rdir, "dnsedge")
    os.makedirs(d, exist_ok=True)
    argv = B.dnsedge_cmd(args.dnsedge, ["--rrl-rate", "200"], d, port, zone)  # dnsedge's default rate
    servers.append(B.Server("dnsedge", argv, d, port, [os.path.join(d, "data")]))
    port = B.free_port(used)
    d = os.path.join(rdir, "nsd")
    servers.append(B.Server("nsd", nsd_rrl_config(d, port, zone), d, port))
    res = {"servers": {}}
    try:
        for s in servers:
            s.start(args.server_cpu, "ns1.amp.test.", args.load_timeout)
            B.pin_tree(s.pid, args.server_cpu)
            time.sleep(1.5)  # the readiness probes' buckets decay
            s.cookie = learn_cookie(s.port, "ns1.amp.test.", 1) or CLIENT_COOKIE
            s.result["rounds"] = []
        for rnd in range(args.flood_rounds):
            k = rnd % len(servers)
            for s in servers[k:] + servers[:k]:
                time.sleep(1.0)
                # A name of its own per round: a fresh bucket, as in the first round.
                r = flood(s.port, args.flood, 50, s.cookie, "big%d.amp.test." % rnd)
                s.result["rounds"].append(r)
                log("  flood %d/%d %-8s %d queries in %.2f s: %d full, %d TC, %d dropped; amplification %.2fx "
                    "(unlimited %.1fx); legitimate client with cookie: %d/%d full"
                    % (rnd + 1, args.flood_rounds, s.name, r["queries"], r["seconds"], r["full"], r["tc"], r["dropped"],
                       r["amplification"], r["unlimited_amplification"], r["legit_full"], r["legit_sent"]))
    finally:
        for s in servers:
            s.stop()
    for s in servers:
        rounds = s.result["rounds"]
        res["servers"][s.name] = {
            "rounds": rounds,
            "median_amplification": statistics.median(r["amplification"] for r in rounds),
            "median_legit_ratio": statistics.median(r["legit_ratio"] for r in rounds),
        }
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dnsedge", default=os.path.join(B.REPO, "build", "dnsedge"))
    ap.add_argument("--zones", default="10k", help="comma list of 10k,100k,1m (default 10k)")
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--flood", type=int, default=2000, help="queries per flood (default 2000)")
    ap.add_argument("--flood-rounds", type=int, default=3)
    ap.add_argument("--skip-cost", action="store_true")
    ap.add_argument("--skip-flood", action="store_true")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--outstanding", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--server-cpu", type=int, default=1)
    ap.add_argument("--client-cpu", type=int, default=0)
    ap.add_argument("--quiet-wait", type=float, default=5)
    ap.add_argument("--load-timeout", type=float, default=300)
    ap.add_argument("--json", help="write the results to this file")
    args = ap.parse_args()
    args.dnsedge = os.path.abspath(args.dnsedge)
    os.sched_setaffinity(0, {args.client_cpu})
    os.makedirs(B.WORK, exist_ok=True)
    args.run_dir = os.path.join(B.WORK, "rrl-%s-%d" % (time.strftime("%Y%m%dT%H%M%S"), os.getpid()))
    os.makedirs(args.run_dir)
    out = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load": os.getloadavg(), "cost": {}}
    try:
        if not args.skip_cost:
            for z in [z.strip() for z in args.zones.split(",") if z.strip()]:
                log("zone %s: RRL/cookie cost" % z)
                out["cost"][z] = part_cost(args, z)
        if not args.skip_flood:
            log("flood of one large answer")
            out["flood"] = part_flood(args)
    finally:
        B._reap_all()
        out["load_end"] = os.getloadavg()
        if args.json:
            with open(args.json, "w") as f:
                json.dump(out, f, indent=1)
    print("\nload average at start %.1f, at end %.1f (2 CPUs)" % (out["load"][0], out["load_end"][0]))
    for z, r in out["cost"].items():
        v = r["variants"]
        off = v["off"]["median_qps"]
        us_off = v["off"]["median_us_per_q"]
        print("\nzone %s: median of %d rounds (ratios to off, same run)" % (z, args.rounds))
        for name in ("off", "on", "acct", "off-edns"):
            if name in v and v[name]["median_qps"]:
                us = v[name]["median_us_per_q"]
                print("  %-9s %9.0f QPS  %.3fx   server CPU %.2f us/query  %.3fx   lost %d  QPS runs %s"
                      % (name, v[name]["median_qps"], v[name]["median_qps"] / off, us, us / us_off if us_off else 0,
                         v[name]["lost"], [round(q) for q in v[name]["qps"]]))
    if "flood" in out:
        print("\nflood of %d identical queries (bigN.amp.test TXT, a new name each round), median of %d rounds:" % (args.flood, args.flood_rounds))
        for name, r in out["flood"]["servers"].items():
            unlimited = max(x["unlimited_amplification"] for x in r["rounds"])
            print("  %-8s amplification %.2fx (every query answered in full: %.1fx); legitimate client with cookie"
                  " %.0f%% full answers; rounds %s" % (name, r["median_amplification"], unlimited, 100 * r["median_legit_ratio"],
                                                      [x["amplification"] for x in r["rounds"]]))
        a = out["flood"]["servers"]
        if "dnsedge" in a and "nsd" in a:
            print("  dnsedge / NSD amplification: %.2f" % (a["dnsedge"]["median_amplification"] / a["nsd"]["median_amplification"]))


if __name__ == "__main__":
    main()
