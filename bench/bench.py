#!/usr/bin/python3
"""dnsedge benchmark: dnsedge vs Knot DNS vs NSD, side by side in one run (Python 3 stdlib only).

For each zone (10k and/or 1M names) it generates the zone and query file (gen_zone.py),
starts every server on its own free loopback port, times the zone load, reads RSS/PSS,
checks that all servers answer alike (against Knot), and then measures with dnsperf in
rotating order ("w1-pin": one server worker pinned to CPU 1, dnsperf -T 2 pinned to CPU 0):
saturating runs for QPS / avg latency / server CPU per query, and fixed-rate runs with
per-query latencies (dnsperf -v) for p99.  See bench/README.md.

--mix proxied measures dnsedge against itself: the static zone and the same zone with 30% of
the queried names proxied/flattened/dc (Knot and NSD cannot serve proxy semantics), and prints
the proxied/static QPS ratio.  --reload-during adds runs with SIGHUP every second (a zone
reload after one change) against the same runs without, for dnsedge.

    /usr/bin/python3 bench/bench.py --dnsedge build/dnsedge            # full run (~10-12 min)
    /usr/bin/python3 bench/bench.py --quick --servers knot,nsd          # smoke test (~1 min)
    /usr/bin/python3 bench/bench.py --mix proxied --zones 10k           # dnsedge static vs proxied
    /usr/bin/python3 bench/bench.py --reload-during --servers dnsedge   # 100k zone, SIGHUP every 1 s
"""
import argparse
import atexit
import json
import math
import os
import platform
import random
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import tempfile
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work")
sys.path.insert(0, HERE)
import gen_zone  # noqa: E402

ZONES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
ALL_SERVERS = ("dnsedge", "knot", "nsd")
# Metrics cost (docs/observability.md): dnsedge with --metrics-listen, scraped every second
# (dnsedge-metrics), and another dnsedge binary as the baseline (dnsedge-base, --dnsedge-base).
METRICS_SERVERS = ("dnsedge-metrics", "dnsedge-base")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33, "DS": 43}
QTYPE_NAMES = {v: k for k, v in QTYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- DNS wire

def dns_query(qname, qtype, qid):
    """A minimal query (RD=0, no EDNS), like the ones dnsperf sends."""
    out = [struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)]
    for lab in qname.rstrip(".").split("."):
        if lab:
            b = lab.encode("ascii")
            out.append(bytes([len(b)]) + b)
    out.append(b"\x00" + struct.pack("!HH", QTYPES[qtype], 1))
    return b"".join(out)


def dns_header(pkt):
    """-> dict(id, qr, aa, tc, rcode, an, ns, ar) from a response's 12-byte header."""
    if len(pkt) < 12:
        return None
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", pkt[:12])
    return {"id": qid, "qr": flags >> 15 & 1, "aa": flags >> 10 & 1, "tc": flags >> 9 & 1,
            "rcode": RCODES.get(flags & 0xF, str(flags & 0xF)), "an": an, "ns": ns, "ar": ar}


def ask(sock, qname, qtype, timeout=0.5, tries=4, packet=False):
    """-> the response header (dict), or (header, packet) with packet=True; None: no answer."""
    for _ in range(tries):
        qid = random.getrandbits(16)
        sock.settimeout(timeout)
        try:
            sock.send(dns_query(qname, qtype, qid))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                pkt = sock.recv(65535)
                h = dns_header(pkt)
                if h and h["id"] == qid and h["qr"]:
                    return (h, pkt) if packet else h
        except (socket.timeout, ConnectionRefusedError):
            continue
    return None


def read_name(pkt, pos):
    """(lowercase text name with trailing dot, position after it) -- follows compression."""
    labels, end, hops = [], None, 0
    while True:
        n = pkt[pos]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = pos + 2
            pos = (n & 0x3F) << 8 | pkt[pos + 1]
            hops += 1
            if hops > 64:
                raise ValueError("compression loop")
            continue
        pos += 1
        if n == 0:
            break
        labels.append(pkt[pos:pos + n].decode("ascii", "replace").lower())
        pos += n
    return ".".join(labels) + ".", (end if end is not None else pos)


def answer_rrs(pkt):
    """The answer section as [owner, type, rdata text, ttl] (A, AAAA, CNAME, MX decoded)."""
    qd, an = struct.unpack("!HH", pkt[4:8])
    pos = 12
    for _ in range(qd):
        _, pos = read_name(pkt, pos)
        pos += 4
    out = []
    for _ in range(an):
        owner, pos = read_name(pkt, pos)
        t, _cls, ttl, rdlen = struct.unpack("!HHIH", pkt[pos:pos + 10])
        pos += 10
        rd = pkt[pos:pos + rdlen]
        if t == 1 and rdlen == 4:
            txt = socket.inet_ntop(socket.AF_INET, rd)
        elif t == 28 and rdlen == 16:
            txt = socket.inet_ntop(socket.AF_INET6, rd)
        elif t == 5:
            txt = read_name(pkt, pos)[0]
        elif t == 15:
            txt = "%d %s" % (struct.unpack("!H", rd[:2])[0], read_name(pkt, pos + 2)[0])
        else:
            txt = rd.hex()
        out.append([owner, QTYPE_NAMES.get(t, str(t)), txt, ttl])
        pos += rdlen
    return out


# --------------------------------------------------------------------------- /proc helpers

def _stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()       # fields[0] is field 3 (state)


def proc_tree(root):
    """root and all its descendants (pids)."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(_stat_fields(int(d))[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d))
    out, pending = [], [root]
    while pending:
        p = pending.pop()
        if os.path.exists("/proc/%d" % p):
            out.append(p)
            pending.extend(children.get(p, []))
    return out


def tree_cpu_seconds(root):
    """utime+stime (+ cutime+cstime of reaped children) over the process tree."""
    t = 0
    for p in proc_tree(root):
        try:
            f = _stat_fields(p)
            t += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
        except (OSError, ValueError, IndexError):
            pass
    return t / CLK_TCK


def tree_memory_mib(root):
    rss = pss = 0
    n = 0
    for p in proc_tree(root):
        try:
            with open("/proc/%d/status" % p) as f:
                for ln in f:
                    if ln.startswith("VmRSS:"):
                        rss += int(ln.split()[1])
            with open("/proc/%d/smaps_rollup" % p) as f:
                for ln in f:
                    if ln.startswith("Pss:"):
                        pss += int(ln.split()[1])
            n += 1
        except (OSError, ValueError):
            pass
    return {"rss_mib": round(rss / 1024, 1), "pss_mib": round(pss / 1024, 1), "processes": n}


def cpu_times(cpus):
    """{cpu: (busy, irq+softirq, steal)} in seconds from /proc/stat."""
    out = {}
    with open("/proc/stat") as f:
        for ln in f:
            if ln.startswith("cpu") and ln[3].isdigit():
                p = ln.split()
                c = int(p[0][3:])
                if c in cpus:
                    v = [int(x) for x in p[1:9]]
                    out[c] = ((v[0] + v[1] + v[2]) / CLK_TCK, (v[5] + v[6]) / CLK_TCK, v[7] / CLK_TCK)
    return out


def pin_tree(root, cpu):
    """Set the affinity of every thread of the process tree to {cpu} (taskset -a -p -c)."""
    n = bad = 0
    for p in proc_tree(root):
        try:
            tids = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for t in tids:
            try:
                os.sched_setaffinity(int(t), {cpu})
                if os.sched_getaffinity(int(t)) != {cpu}:
                    bad += 1
                n += 1
            except OSError:
                pass
    if bad:
        log("  warning: %d threads of pid %d did not keep affinity {%d}" % (bad, root, cpu))
    return n


# --------------------------------------------------------------------------- servers

STARTED = {}     # pid -> Popen, everything this script started and has not ended yet


def _reap_all():
    for pid in list(STARTED):
        stop_process(pid)


atexit.register(_reap_all)


def stop_process(pid, grace=15.0):
    """End one process we started (and its descendants) by PID: SIGTERM, then SIGKILL."""
    proc = STARTED.pop(pid, None)
    if proc is None:
        return
    try:
        tree = proc_tree(pid) if proc.poll() is None else []
        starts = {}
        for p in tree:
            try:
                starts[p] = _stat_fields(p)[19]
            except (OSError, IndexError):
                pass
        if proc.poll() is None:
            os.kill(pid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                proc.wait(5)
        # descendants that outlived the parent (same start time = same process)
        deadline = time.monotonic() + 5
        for p, st in starts.items():
            if p == pid:
                continue
            while time.monotonic() < deadline:
                try:
                    if _stat_fields(p)[19] != st:
                        break
                except OSError:
                    break
                time.sleep(0.05)
            else:
                try:
                    if _stat_fields(p)[19] == st:
                        os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
    except ProcessLookupError:
        pass


SCRAPED = []  # metrics ports a background thread scrapes every second (as Prometheus would)


def scrape_loop():
    import urllib.request
    while True:
        for p in list(SCRAPED):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/metrics" % p, timeout=1).read()
            except OSError:
                pass
        time.sleep(1)


def free_port(used):
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(15000, 30000)     # below the ephemeral range dnsperf uses
        if port in used:
            continue
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            u.bind(("127.0.0.1", port))
            t.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            u.close()
            t.close()
        used.add(port)
        return port
    raise RuntimeError("no free port found")


def knot_config(rundir, port, zone_file):
    os.makedirs(os.path.join(rundir, "run"), exist_ok=True)
    os.makedirs(os.path.join(rundir, "storage"), exist_ok=True)
    conf = os.path.join(rundir, "knot.conf")
    with open(conf, "w") as f:
        f.write("""# written by bench/bench.py -- one UDP worker, nothing written to system dirs
server:
    rundir: "{d}/run"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "{d}/run/knot.sock"
log:
  - target: stderr
    any: notice
database:
    storage: "{d}/storage"
template:
  - id: default
    storage: "{d}/storage"
    journal-content: none
    zonefile-sync: -1
    zonefile-load: whole
    semantic-checks: off
zone:
  - domain: example.com.
    file: "{zone}"
""".format(d=rundir, port=port, zone=zone_file))
    return ["knotd", "-c", conf]


def nsd_config(rundir, port, zone_file):
    os.makedirs(rundir, exist_ok=True)
    conf = os.path.join(rundir, "nsd.conf")
    with open(conf, "w") as f:
        f.write("""# written by bench/bench.py -- one server process, RRL off, minimal responses
server:
    ip-address: 127.0.0.1@{port}
    port: {port}
    do-ip6: no
    server-count: 1
    reuseport: yes
    database: ""
    zonelistfile: "{d}/zone.list"
    xfrdfile: "{d}/xfrd.state"
    xfrdir: "{d}"
    pidfile: "{d}/nsd.pid"
    cookie-secret-file: "{d}/cookiesecrets.txt"
    username: ""
    chroot: ""
    verbosity: 0
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    minimal-responses: yes
remote-control:
    control-enable: no
zone:
    name: example.com
    zonefile: "{zone}"
""".format(d=rundir, port=port, zone=zone_file))
    return ["nsd", "-d", "-c", conf]


def dnsedge_cmd(binary, extra, rundir, port, zone_file):
    data = os.path.join(rundir, "data")      # emptied before every start (Server.state_dirs)
    # Response rate limiting off (--rrl-rate 0), as Knot (no RRL module) and NSD (rrl-ratelimit:
    # 0) run here: dnsperf sends everything from 127.0.0.1, and the NXDOMAIN share of the mix
    # alone is far over 200/s for one zone. bench/rrl_bench.py measures dnsedge with it on; a
    # --rrl-rate in --dnsedge-args replaces this one (the flag may be given once).
    rrl = [] if "--rrl-rate" in extra else ["--rrl-rate", "0"]
    return [binary, "serve", "--zone-file", zone_file, "--dns-listen", "127.0.0.1:%d" % port,
            "--threads", "1", "--no-edge-proxy", "--api-listen", "127.0.0.1:0", "--data", data] + rrl + extra


DNSTAP_VARIANTS = ("dnsedge-dnstap", "knot-dnstap")


def dnstap_socket():
    """A short socket path for a -dnstap server's reader (sockaddr_un holds 107 bytes; the run
    directory can be longer), removed when the benchmark exits."""
    d = tempfile.mkdtemp(prefix="bench-dnstap-", dir="/tmp")
    atexit.register(shutil.rmtree, d, True)
    return os.path.join(d, "tap.sock")


def knot_dnstap_config(rundir, port, zone_file, sock):
    """knot_config plus Knot's own dnstap module (mod-dnstap, Debian's knot-module-dnstap)
    logging every query and response to `sock`."""
    argv = knot_config(rundir, port, zone_file)
    conf = argv[-1]
    with open(conf) as f:
        text = f.read()
    text = text.replace("template:\n  - id: default\n",
                        "mod-dnstap:\n  - id: tap\n    sink: \"unix:%s\"\n    log-queries: on\n"
                        "    log-responses: on\ntemplate:\n  - id: default\n    global-module: mod-dnstap/tap\n" % sock)
    with open(conf, "w") as f:
        f.write(text)
    return argv


def with_dnstap_reader(argv, sock, out):
    """`argv` run by a shell that first starts Debian's fstrm_capture reading `sock` into the
    file `out`: reader and server are both in the started process's tree, so they are pinned to
    the server's CPU together and the reader's CPU time counts in the server's. Both -dnstap
    servers pay for the same reader. SIGTERM stops the server (which drains its dnstap queue),
    then the reader (which closes the file)."""
    script = ('rm -f "$0"; fstrm_capture -t protobuf:dnstap.Dnstap -u "$0" -w "$1" & R=$!; shift; '
              'i=0; while [ ! -S "$0" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; '
              '"$@" & S=$!; trap \'kill -TERM $S\' TERM INT; wait $S; wait $S; kill -TERM $R; wait $R')
    return ["sh", "-c", script, sock, out] + list(argv)


def count_frames(path):
    """Data frames in a Frame Streams file (a 4-byte big-endian length, then the frame; length 0
    escapes a control frame)."""
    n = 0
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    pos = 0
    while pos + 4 <= len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        pos += 4
        if length == 0:
            if pos + 4 > len(data):
                break
            (clen,) = struct.unpack_from(">I", data, pos)
            pos += 4 + clen
            continue
        pos += length
        if pos <= len(data):
            n += 1
    return n


def count_answered(s, r):
    """Queries dnsperf got answers to from server `s`, over every run (kept or re-run)."""
    s.result["answered_total"] = s.result.get("answered_total", 0) + (r.get("completed") or 0)


class Server:
    def __init__(self, name, argv, rundir, port, state_dirs=()):
        self.name, self.argv, self.rundir, self.port = name, argv, rundir, port
        self.state_dirs = state_dirs      # emptied before every start: each start is a cold one
        self.proc = None
        self.error = None
        self.loads = []
        self.result = {"name": name, "port": port, "argv": argv}

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, cpu, qname, timeout):
        """exec -> first authoritative NOERROR answer with a non-empty answer section."""
        for d in self.state_dirs:
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d, exist_ok=True)
        for f in ("xfrd.state", "zone.list"):     # NSD's state files
            try:
                os.unlink(os.path.join(self.rundir, f))
            except OSError:
                pass
        logf = open(os.path.join(self.rundir, "server.log"), "ab")
        logf.write(b"\n=== start %s\n" % " ".join(self.argv).encode())
        logf.flush()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.connect(("127.0.0.1", self.port))
        t0 = time.monotonic()
        self.proc = subprocess.Popen(["taskset", "-c", str(cpu)] + self.argv, stdin=subprocess.DEVNULL,
                                     stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        STARTED[self.proc.pid] = self.proc
        logf.close()
        try:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError("%s exited with status %s during start-up (see %s/server.log)"
                                       % (self.name, self.proc.returncode, self.rundir))
                if time.monotonic() - t0 > timeout:
                    raise RuntimeError("%s did not answer for %s within %.0f s" % (self.name, qname, timeout))
                qid = random.getrandbits(16)
                try:
                    sock.send(dns_query(qname, "A", qid))
                    # wait up to 3 ms for the answer to *this* query (late answers to
                    # earlier probes are skipped)
                    deadline = time.monotonic() + 0.003
                    h = None
                    while True:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        sock.settimeout(left)
                        h = dns_header(sock.recv(65535))
                        if h and h["id"] == qid and h["qr"]:
                            break
                        h = None
                    if h and h["rcode"] == "NOERROR" and h["aa"] and h["an"] > 0:
                        t = time.monotonic() - t0
                        self.loads.append(round(t, 4))
                        return t
                    if h is None:
                        continue          # no answer within 3 ms: ask again at once
                except socket.timeout:
                    continue
                except ConnectionRefusedError:
                    pass
                time.sleep(0.002)
        finally:
            sock.close()

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc.pid)
            self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


# --------------------------------------------------------------------------- dnsperf

def parse_dnsperf(text):
    r = {}
    pats = {"sent": r"Queries sent:\s+(\d+)", "completed": r"Queries completed:\s+(\d+)",
            "lost": r"Queries lost:\s+(\d+)", "runtime": r"Run time \(s\):\s+([\d.]+)",
            "qps": r"Queries per second:\s+([\d.]+)", "avg_lat": r"Average Latency \(s\):\s+([\d.]+)",
            "min_lat": r"Average Latency \(s\):\s+[\d.]+ \(min ([\d.]+)", "max_lat": r", max ([\d.]+)\)",
            "stddev_lat": r"Latency StdDev \(s\):\s+([\d.]+)"}
    for k, p in pats.items():
        m = re.search(p, text)
        if m:
            r[k] = float(m.group(1)) if "." in m.group(1) else int(m.group(1))
    m = re.search(r"Response codes:\s+(.*)", text)
    r["rcodes"] = {k: int(v) for k, v in re.findall(r"([A-Z]+) (\d+) \(", m.group(1))} if m else {}
    return r


def wait_quiet(args):
    """Wait (at most --quiet-wait s) until other processes leave the two benchmark cores
    nearly idle (< 15% of a core over 0.5 s); returns the busy share seen last."""
    cpus = {args.server_cpu, args.client_cpu}
    t_end = time.monotonic() + args.quiet_wait
    said = False
    while True:
        a = cpu_times(cpus)
        time.sleep(0.5)
        b = cpu_times(cpus)
        busy = 100 * sum(b[c][0] - a[c][0] for c in cpus) / 0.5
        if busy < 15 or time.monotonic() >= t_end:
            if said:
                log("    ... %s (others at %.0f%% of a core)" % ("quiet now" if busy < 15 else "giving up waiting", busy))
            return busy
        if not said:
            log("    machine busy (others at %.0f%% of a core): waiting up to %g s" % (busy, args.quiet_wait))
            said = True


def run_dnsperf(args, port, qfile, duration, server_pid, outfile, qps=None, verbose=False, stats=None,
                during=None, extra=()):
    """One dnsperf run.  stats=N: dnsperf -S N (per-interval QPS in r["interval_qps"]).
    during: a callable returning an object with start()/stop() that runs while dnsperf does
    (the SIGHUP sender of --reload-during); stop() returns what it did (r["during"]).
    extra: more dnsperf arguments (e.g. -E for an EDNS option)."""
    argv = ["taskset", "-c", str(args.client_cpu), "dnsperf", "-s", "127.0.0.1", "-p", str(port),
            "-d", qfile, "-l", str(duration), "-c", str(args.clients), "-q", str(args.outstanding),
            "-T", str(args.threads)] + list(extra)
    if qps:
        argv += ["-Q", str(qps)]
    if verbose:
        argv += ["-v"]
    if stats:
        argv += ["-S", str(stats)]
    cpus = {args.server_cpu, args.client_cpu}
    if args.quiet_wait > 0:
        wait_quiet(args)
    st0 = cpu_times(cpus)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0 = tree_cpu_seconds(server_pid)
    w0 = time.monotonic()
    with open(outfile, "w") as out:
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        STARTED[p.pid] = p
        side = during() if during else None
        done = None
        try:
            if side:
                side.start()
            p.wait(duration + 60)
        finally:
            if side:
                done = side.stop()
            STARTED.pop(p.pid, None)
            if p.poll() is None:
                p.kill()
                p.wait()
    wall = time.monotonic() - w0
    cpu1 = tree_cpu_seconds(server_pid)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    st1 = cpu_times(cpus)
    with open(outfile) as f:
        text = f.read()
    r = parse_dnsperf(text)
    if "completed" not in r:
        raise RuntimeError("dnsperf failed (exit %s), see %s" % (p.returncode, outfile))
    if stats:
        r["interval_qps"] = [float(x) for x in re.findall(r"^\s*\d+\.\d+: ([\d.]+)$", text, re.M)]
    if side:
        r["during"] = done
    run = r.get("runtime") or wall
    r["server_cpu_s"] = round(cpu1 - cpu0, 3)
    r["server_cpu_pct"] = round(100 * (cpu1 - cpu0) / run, 1)
    r["dnsperf_cpu_pct"] = round(100 * ((ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)) / run, 1)
    r["cpu_us_per_q"] = round(1e6 * (cpu1 - cpu0) / r["completed"], 3) if r["completed"] else None
    # Everything else that ran on the two benchmark cores (other users' processes) -- if this
    # is large the machine was not quiet and the figures are not worth much.
    busy = sum(st1[c][0] - st0[c][0] for c in cpus)
    perf = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    r["other_cpu_pct"] = round(max(0.0, 100 * (busy - (cpu1 - cpu0) - perf) / wall), 1)
    r["irq_pct"] = {c: round(100 * (st1[c][1] - st0[c][1]) / wall, 1) for c in cpus}
    r["steal_pct"] = round(100 * sum(st1[c][2] - st0[c][2] for c in cpus) / wall, 1)
    if verbose:
        # the per-query lines are parsed here; keep only dnsperf's own summary on disk
        with open(outfile, "w") as f:
            f.write("".join(ln + "\n" for ln in text.splitlines() if not ln.startswith("> ")))
        lats, lost = [], 0
        for m in re.finditer(r"^> (\S+) \S+ \S+(?: ([\d.]+))?$", text, re.M):
            if m.group(1) in ("T", "I") or m.group(2) is None:
                lost += 1
            else:
                lats.append(float(m.group(2)))
        r["latencies"] = lats
        r["lat_lost"] = lost
    return r


def rcode_split_ok(r, expected):
    """NOERROR/NXDOMAIN shares within 1 point of the query file's, and nothing else."""
    total = sum(r["rcodes"].values())
    if not total:
        return False, "no responses"
    shares = {k: v / total for k, v in r["rcodes"].items()}
    other = {k: v for k, v in r["rcodes"].items() if k not in ("NOERROR", "NXDOMAIN")}
    desc = ", ".join("%s %.2f%%" % (k, 100 * v) for k, v in sorted(shares.items()))
    if other:
        return False, desc
    for k in ("NOERROR", "NXDOMAIN"):
        if abs(shares.get(k, 0) - expected[k]) > 0.01:
            return False, desc
    return True, desc


def percentile(sorted_vals, q):
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, math.ceil(q / 100 * len(sorted_vals)) - 1))
    return sorted_vals[k]


# --------------------------------------------------------------------------- answer check

def check_answers(servers, sample, reference):
    """Ask every server the sample; compare rcode, AA, answer and authority counts with the
    reference server, and the rcode with what the generator expects."""
    answers = {}
    for s in servers:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.connect(("127.0.0.1", s.port))
        got = []
        for name, qtype, _ in sample:
            h = ask(sock, name, qtype)
            got.append(None if h is None else (h["rcode"], h["aa"], h["an"], h["ns"], h["tc"]))
        sock.close()
        answers[s.name] = got
    report = {}
    ref = answers.get(reference) if reference else None
    for s in servers:
        bad = []
        for i, (name, qtype, exp_rcode) in enumerate(sample):
            g = answers[s.name][i]
            if g is None:
                bad.append("%s %s: no answer" % (name, qtype))
            elif g[0] != exp_rcode:
                bad.append("%s %s: rcode %s, expected %s" % (name, qtype, g[0], exp_rcode))
            elif ref is not None and s.name != reference and g != ref[i]:
                fmt = "rcode=%s aa=%d an=%d ns=%d tc=%d"
                bad.append("%s %s: %s vs %s %s" % (name, qtype, fmt % g, reference,
                                                   fmt % ref[i] if ref[i] else "no answer"))
        report[s.name] = bad
    return report


def norm_rr(owner, rtype, rdata):
    if rtype == "AAAA":
        try:
            rdata = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, rdata))
        except OSError:
            pass
    return (owner.lower(), rtype, rdata.lower())


def check_proxy_answers(servers, checks, edge_v4, edge_v6):
    """--mix proxied: ask each dnsedge server the generator's checks and compare the whole
    answer section (owner, type, rdata; TTL where given) with what its zone must answer:
    dnsedge-proxied the edge addresses for proxied names, flattened data, dc-records for MX;
    dnsedge-static the stored data.  -> {server: [differences]}"""
    edges = {"EDGE4": edge_v4, "EDGE6": edge_v6}
    report = {}
    for s in servers:
        role = "proxied" if s.name.endswith("proxied") else "static"
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.connect(("127.0.0.1", s.port))
        bad = []
        for c in checks:
            want = c.get(role)
            got = ask(sock, c["name"], c["type"], packet=True)
            if got is None:
                bad.append("%s %s: no answer" % (c["name"], c["type"]))
                continue
            h, pkt = got
            if want is None:
                exp_rcode = c.get(role + "_rcode", "NXDOMAIN")
                if h["rcode"] != exp_rcode:
                    bad.append("%s %s: rcode %s, expected %s" % (c["name"], c["type"], h["rcode"], exp_rcode))
                continue
            if h["rcode"] != "NOERROR" or not h["aa"]:
                bad.append("%s %s: rcode %s aa=%d, expected NOERROR aa=1" % (c["name"], c["type"], h["rcode"], h["aa"]))
                continue
            exp = []
            for owner, rtype, rdata, ttl in want:
                for x in edges.get(rdata, [rdata]):
                    exp.append((norm_rr(owner, rtype, x), ttl))
            try:
                rrs = answer_rrs(pkt)
            except (ValueError, IndexError, struct.error) as e:
                bad.append("%s %s: unparsable answer (%s)" % (c["name"], c["type"], e))
                continue
            got_set = sorted(norm_rr(o, t, d) for o, t, d, _ in rrs)
            if got_set != sorted(k for k, _ in exp):
                bad.append("%s %s: answer %s, expected %s" % (c["name"], c["type"],
                                                              " | ".join(" ".join(x) for x in got_set) or "(empty)",
                                                              " | ".join(" ".join(k) for k, _ in exp) or "(empty)"))
                continue
            ttls = {norm_rr(o, t, d): ttl for o, t, d, ttl in rrs}
            for k, ttl in exp:
                if ttl is not None and ttls.get(k) != ttl:
                    bad.append("%s %s: TTL %s for %s, expected %s" % (c["name"], c["type"], ttls.get(k), " ".join(k), ttl))
                    break
        sock.close()
        report[s.name] = bad
    return report


def edge_addresses(extra):
    """The --edge-ipv4/--edge-ipv6 lists in the dnsedge arguments (last one wins)."""
    out = {"--edge-ipv4": [], "--edge-ipv6": []}
    for i, tok in enumerate(extra):
        for k in out:
            if tok == k and i + 1 < len(extra):
                out[k] = [x for x in extra[i + 1].split(",") if x]
            elif tok.startswith(k + "="):
                out[k] = [x for x in tok[len(k) + 1:].split(",") if x]
    return out["--edge-ipv4"], out["--edge-ipv6"]


# --------------------------------------------------------------------------- --reload-during

LOG_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) \S+ (.*)$")


def make_zone_variant(zone_file, out_path):
    """A copy of the zone with one change: one DNS-only A record (the first one after the middle
    of the file, never the load-probe name) gets another address, and the SOA serial is raised.
    -> (owner text, old address, new address)."""
    with open(zone_file) as f:
        lines = f.read().split("\n")
    origin = "example.com."
    changed = None
    for j in range(len(lines) // 2, len(lines) - 2):
        p = lines[j].split("\t")
        if len(p) == 4 and p[1] == "IN" and p[2] == "A" and ";" not in p[3] and not p[0].startswith("*"):
            new = "192.0.2.254" if p[3] != "192.0.2.254" else "192.0.2.253"
            changed = (p[0] + "." + origin, p[3], new)
            lines[j] = "\t".join(p[:3] + [new])
            break
    if changed is None:
        raise RuntimeError("no DNS-only A record to change in %s" % zone_file)
    for j, ln in enumerate(lines[:10]):
        p = ln.split("\t")
        if len(p) == 4 and p[2] == "SOA":
            f = p[3].split(" ")
            f[2] = str(int(f[2]) + 1)
            lines[j] = "\t".join(p[:3] + [" ".join(f)])
            break
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines))
    os.replace(tmp, out_path)
    return changed


def read_reloads(log_path, offset):
    """Reloads the server logged after byte `offset`: [(ms from SIGHUP to publish, ok)]."""
    out, t_hup = [], None
    try:
        with open(log_path, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return out
    for ln in text.splitlines():
        m = LOG_TS.match(ln)
        if not m:
            continue
        t = time.mktime(time.strptime(m.group(1)[:19], "%Y-%m-%dT%H:%M:%S")) + int(m.group(1)[20:]) / 1000
        if "SIGHUP: reloading" in m.group(2):
            t_hup = t
        elif m.group(2).startswith("reload done") and t_hup is not None:
            ok = " 0 kept after errors" in m.group(2)
            out.append((round(1000 * (t - t_hup), 1), ok))
            t_hup = None
    return out


def flip_and_hup(pid, ri):
    """Point the server's zone file (a symlink) at the other version of the zone, send SIGHUP."""
    ri["state"]["current"] ^= 1
    tmp = ri["link"] + ".new"
    try:
        os.unlink(tmp)
    except OSError:
        pass
    os.symlink(ri["versions"][ri["state"]["current"]], tmp)
    os.replace(tmp, ri["link"])
    os.kill(pid, signal.SIGHUP)


def idle_reloads(s, n):
    """n reloads with no query load, one at a time: -> [ms from SIGHUP to publish]."""
    logp = os.path.join(s.rundir, "server.log")
    out = []
    for _ in range(n):
        off = os.path.getsize(logp)
        flip_and_hup(s.pid, s.reload_info)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and s.alive():
            got = read_reloads(logp, off)
            if got:
                out.append(got[0][0])
                break
            time.sleep(0.02)
        time.sleep(0.2)
    return out


class Reloader:
    """While dnsperf runs: every `interval` s, flip the zone version and send SIGHUP."""

    def __init__(self, pid, ri, interval):
        self.pid, self.ri, self.interval = pid, ri, interval
        self.stop_evt = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop_evt.wait(self.interval):
            try:
                flip_and_hup(self.pid, self.ri)
            except ProcessLookupError:
                return
            self.sent += 1

    def start(self):
        self.thread.start()

    def stop(self):
        self.stop_evt.set()
        self.thread.join()
        return {"sighups": self.sent}


# --------------------------------------------------------------------------- one zone

def bench_zone(args, zkey, meta):
    names = meta["names"]
    zone_file, qfile = meta["zone_file"], meta["query_file"]
    rdir = os.path.join(args.run_dir, zkey)
    os.makedirs(rdir, exist_ok=True)
    used = set()
    servers = []
    for name in args.server_list:
        port = free_port(used)
        sdir = os.path.join(rdir, name)
        os.makedirs(sdir, exist_ok=True)
        zf = meta["static_zone_file"] if name == "dnsedge-static" else zone_file
        reload_info = None
        if name.startswith("dnsedge") and args.reload_during:
            # The server reads the zone through a symlink that --reload-during flips between
            # the zone and a copy with one change.
            zdir = os.path.join(sdir, "zone")
            os.makedirs(zdir, exist_ok=True)
            variant = os.path.join(sdir, "changed.zone")
            changed = make_zone_variant(zf, variant)
            link = os.path.join(zdir, os.path.basename(zf))
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(zf, link)
            reload_info = {"link": link, "versions": [zf, variant], "state": {"current": 0}, "changed": changed}
            zf = link
        if name == "knot":
            argv = knot_config(sdir, port, zf)
        elif name == "nsd":
            argv = nsd_config(sdir, port, zf)
        elif name == "knot-dnstap":
            sock = dnstap_socket()
            dnstap_out = os.path.join(sdir, "dnstap.fstrm")
            argv = with_dnstap_reader(knot_dnstap_config(sdir, port, zf, sock), sock, dnstap_out)
        elif name == "dnsedge-dnstap":
            sock = dnstap_socket()
            dnstap_out = os.path.join(sdir, "dnstap.fstrm")
            argv = with_dnstap_reader(dnsedge_cmd(args.dnsedge, args.dnsedge_extra + ["--dnstap-socket", sock],
                                                  sdir, port, zf), sock, dnstap_out)
        elif name == "dnsedge-base":
            argv = dnsedge_cmd(args.dnsedge_base, args.dnsedge_extra, sdir, port, zf)
        elif name == "dnsedge-metrics":
            mport = free_port(used)
            argv = dnsedge_cmd(args.dnsedge, args.dnsedge_extra + ["--metrics-listen", "127.0.0.1:%d" % mport],
                               sdir, port, zf)
            SCRAPED.append(mport)
        else:
            argv = dnsedge_cmd(args.dnsedge, args.dnsedge_extra, sdir, port, zf)
            if name == "dnsedge-noanalytics":
                argv += ["--analytics", "off"]
        open(os.path.join(sdir, "server.log"), "w").close()
        state = [os.path.join(sdir, "storage")] if name.startswith("knot") else \
            [os.path.join(sdir, "data")] if name.startswith("dnsedge") else []
        srv = Server(name, argv, sdir, port, state)
        srv.reload_info = reload_info
        servers.append(srv)

    res = {"zone": zkey, "names": names, "records": meta["records"], "zone_bytes": meta["zone_bytes"],
           "queries": meta["queries"], "servers": {}}
    try:
        # ---- start: load time (one server loading at a time), memory 2 s after ready
        for s in servers:
            try:
                for rep in range(args.load_reps):
                    t = s.start(args.server_cpu, meta["last_a_name"], args.load_timeout)
                    log("  %-8s port %d: ready in %.3f s (load %d/%d)" % (s.name, s.port, t, rep + 1, args.load_reps))
                    if rep + 1 < args.load_reps:
                        s.stop()
                s.result["pinned_threads"] = pin_tree(s.pid, args.server_cpu)
                time.sleep(2.0)
                s.result["mem_ready"] = tree_memory_mib(s.pid)
            except Exception as e:     # a server that does not come up is reported, not fatal
                s.error = str(e)
                log("  %-8s FAILED: %s" % (s.name, e))
                s.stop()
            s.result["load_s"] = s.loads
        live = [s for s in servers if s.error is None]

        # ---- do the servers give the same answers (rcode, AA, answer/authority counts)?
        # (--mix proxied: no Knot/NSD; the rcodes are compared with the generator's)
        reference = "knot" if any(s.name == "knot" for s in live) else \
                    "nsd" if any(s.name == "nsd" for s in live) else None
        sample = meta["sample"]
        report = check_answers(live, sample, reference)
        for s in live:
            bad = report[s.name]
            s.result["answer_check"] = {"reference": reference, "sample": len(sample),
                                        "mismatches": len(bad), "first": bad[:20]}
            if bad:
                log("  %-8s %d/%d sample answers differ (reference %s):" % (s.name, len(bad), len(sample), reference))
                for b in bad[:10]:
                    log("      " + b)
                if not args.allow_mismatch:
                    s.error = "answers differ from %s on %d/%d sample queries" % (reference, len(bad), len(sample))
                    s.stop()
            else:
                log("  %-8s %d/%d sample answers match (reference %s)" % (s.name, len(sample), len(sample), reference or "generator rcodes"))
        live = [s for s in servers if s.error is None]

        # ---- --mix proxied: Knot cannot be the reference; check the proxy answers instead
        if args.mix == "proxied" and live:
            preport = check_proxy_answers(live, meta["proxy_checks"], args.edge_v4, args.edge_v6)
            for s in live:
                bad = preport[s.name]
                s.result["proxy_check"] = {"checks": len(meta["proxy_checks"]), "mismatches": len(bad),
                                           "first": bad[:20]}
                if bad:
                    log("  %-8s %d/%d proxy checks differ:" % (s.name, len(bad), len(meta["proxy_checks"])))
                    for b in bad[:10]:
                        log("      " + b)
                    if not args.allow_mismatch:
                        s.error = "proxy answers wrong on %d/%d checks" % (len(bad), len(meta["proxy_checks"]))
                        s.stop()
                else:
                    log("  %-8s %d/%d proxy checks pass (%s)" % (
                        s.name, len(meta["proxy_checks"]), len(meta["proxy_checks"]),
                        "edge addresses, flattening, dc-records" if s.name.endswith("proxied")
                        else "stored data, no edge addresses"))
            live = [s for s in servers if s.error is None]

        # ---- warm-up, and the rcode split each server really gives on the query file
        for s in live:
            if not s.alive():
                s.error = "server died before the warm-up (exit status %s)" % s.proc.returncode
                continue
            pin_tree(s.pid, args.server_cpu)
            r = run_dnsperf(args, s.port, qfile, args.warmup, s.pid, os.path.join(s.rundir, "warmup.txt"))
            count_answered(s, r)
            ok, desc = rcode_split_ok(r, meta["expected_rcode_share"])
            s.result["warmup"] = {k: r.get(k) for k in ("qps", "completed", "lost", "rcodes")}
            log("  %-8s warm-up %.0f QPS, rcodes: %s%s" % (s.name, r.get("qps", 0), desc, "" if ok else "  <-- UNEXPECTED"))
            if not ok and not args.allow_mismatch:
                s.error = "unexpected rcode split in warm-up: " + desc
                s.stop()
        live = [s for s in servers if s.error is None]

        # ---- saturating runs, rotating the order each round
        def measure(s, kind, rnd, **kw):
            """One dnsperf run against s (re-run up to --noisy-retries times if other processes
            took > 10% of a core meanwhile; the least disturbed attempt is kept)."""
            best = None
            for attempt in range(1 + args.noisy_retries):
                if not s.alive():
                    rc = s.proc.returncode if s.proc else None
                    s.error = s.error or ("server died during the runs (%s; see %s/server.log)"
                                          % ("signal %d" % -rc if rc is not None and rc < 0 else "exit status %s" % rc,
                                             s.rundir))
                    log("  %-8s %s" % (s.name, s.error))
                    return best
                pin_tree(s.pid, args.server_cpu)
                out = os.path.join(s.rundir, "dnsperf-%s-r%d-a%d.txt" % (kind, rnd, attempt))
                log_off = os.path.getsize(os.path.join(s.rundir, "server.log"))
                r = run_dnsperf(args, s.port, qfile, args.duration if kind != "lat" else args.lat_duration,
                                s.pid, out, **kw)
                count_answered(s, r)
                if kind == "reload":
                    # wait for the reload the last SIGHUP started, then read what the server logged
                    sent = r["during"]["sighups"]
                    deadline = time.monotonic() + 30
                    while len(read_reloads(os.path.join(s.rundir, "server.log"), log_off)) < sent \
                            and time.monotonic() < deadline and s.alive():
                        time.sleep(0.05)
                    r["reloads"] = read_reloads(os.path.join(s.rundir, "server.log"), log_off)
                r["round"], r["attempt"] = rnd, attempt
                r["rcode_ok"], _ = rcode_split_ok(r, meta["expected_rcode_share"])
                if best is None or r["other_cpu_pct"] < best["other_cpu_pct"]:
                    best = r
                if r["other_cpu_pct"] <= 10:
                    break
                if attempt < args.noisy_retries:
                    log("  %-8s %s run disturbed (others %.0f%% of a core): again" % (s.name, kind, r["other_cpu_pct"]))
            return best

        for s in live:
            s.result["runs"] = []
        for rnd in range(args.rounds):
            k = rnd % len(live) if live else 0
            order = live[k:] + live[:k]
            for s in order:
                r = measure(s, "max", rnd)
                if r is None:
                    continue
                s.result["runs"].append(r)
                log("  round %d/%d %-8s %9.0f QPS  avg %.3f ms  lost %d  server CPU %5.1f%%  %.2f us/q  dnsperf CPU %5.1f%%"
                    "  other procs %4.1f%%"
                    % (rnd + 1, args.rounds, s.name, r.get("qps", 0), 1e3 * r.get("avg_lat", 0), r.get("lost", 0),
                       r["server_cpu_pct"], r["cpu_us_per_q"] or 0, r["dnsperf_cpu_pct"], r["other_cpu_pct"]))

        # ---- fixed-rate latency runs with per-query latencies (dnsperf -v)
        if args.lat_duration > 0:
            lats = {s.name: [] for s in live}
            for s in live:
                s.result["lat_runs"] = []
            for rnd in range(args.lat_rounds):
                k = rnd % len(live) if live else 0
                order = live[k:] + live[:k]
                for s in order:
                    r = measure(s, "lat", rnd, qps=args.lat_qps, verbose=True)
                    if r is None:
                        continue
                    v = r.pop("latencies")
                    v.sort()
                    r["p50"] = percentile(v, 50)
                    r["p99"] = percentile(v, 99)
                    r["samples"] = len(v)
                    lats[s.name].extend(v)
                    lats[s.name].extend([math.inf] * r["lat_lost"])
                    s.result["lat_runs"].append(r)
                    log("  latency %d/%d %-8s %7.0f QPS  avg %.3f ms  p50 %.3f  p99 %.3f ms  (%d samples, %d lost)"
                        "  other procs %4.1f%%"
                        % (rnd + 1, args.lat_rounds, s.name, r.get("qps", 0), 1e3 * r.get("avg_lat", 0),
                           1e3 * (r["p50"] or 0), 1e3 * (r["p99"] or 0), len(v), r["lat_lost"], r["other_cpu_pct"]))
            for s in live:
                v = sorted(lats[s.name])
                fin = [x for x in v if x != math.inf]
                s.result["latency"] = {
                    "qps": args.lat_qps, "samples": len(v), "lost": len(v) - len(fin),
                    "mean": statistics.fmean(fin) if fin else None,
                    "p50": percentile(v, 50), "p90": percentile(v, 90), "p99": percentile(v, 99),
                    "p999": percentile(v, 99.9), "max": fin[-1] if fin else None,
                    "achieved_qps_min": min((r.get("qps", 0) for r in s.result["lat_runs"]), default=None),
                    "other_cpu_pct_max": max((r["other_cpu_pct"] for r in s.result["lat_runs"]), default=None)}

        # ---- --reload-during: dnsedge with SIGHUP every second vs the same run without
        if args.reload_during:
            rl = [s for s in live if s.reload_info and s.alive()]
            for s in rl:
                s.result["reload"] = {"steady": [], "reload": [], "changed": s.reload_info["changed"]}
                pin_tree(s.pid, args.server_cpu)
                if args.quiet_wait > 0:
                    wait_quiet(args)
                idle = idle_reloads(s, 5)
                s.result["reload"]["idle_ms"] = idle
                log("  %-8s reload with no query load (parse+compile+publish): %s ms"
                    % (s.name, ", ".join("%.0f" % x for x in idle)))
            for rnd in range(args.rounds):
                k = rnd % len(rl) if rl else 0
                for s in rl[k:] + rl[:k]:
                    ri = s.reload_info
                    for kind in (("steady", "reload") if rnd % 2 == 0 else ("reload", "steady")):
                        during = None
                        if kind == "reload":
                            def during(s=s, ri=ri):
                                return Reloader(s.pid, ri, args.reload_interval)
                        r = measure(s, kind, rnd, stats=1, during=during)
                        if r is None:
                            continue
                        # the answer for the changed name must be the version the link points at now
                        name, old, new = ri["changed"]
                        want = new if ri["state"]["current"] else old
                        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        sock.connect(("127.0.0.1", s.port))
                        got = ask(sock, name, "A", packet=True)
                        sock.close()
                        have = [d for _, t, d, _ in answer_rrs(got[1])] if got else []
                        r["changed_name_ok"] = have == [want]
                        s.result["reload"][kind].append(r)
                        rl_ms = [x for x, _ in r.get("reloads", [])]
                        log("  %-7s %d/%d %-8s %9.0f QPS  lost %d  max lat %.1f ms  srv CPU %.0f%%  min 1-s QPS %s%s%s"
                            % (kind, rnd + 1, args.rounds, s.name, r.get("qps", 0), r.get("lost", 0),
                               1e3 * r.get("max_lat", 0), r["server_cpu_pct"],
                               fnum(min(r["interval_qps"]) if r.get("interval_qps") else None, "%.0f"),
                               "  %d reloads, %s ms median, %s max" % (len(rl_ms), fnum(statistics.median(rl_ms) if rl_ms else None, "%.0f"),
                                                                        fnum(max(rl_ms) if rl_ms else None, "%.0f"))
                               if kind == "reload" else "",
                               "" if r["changed_name_ok"] else "  <-- %s answers %s, expected %s" % (name, have, want)))

        for s in live:
            if s.alive():
                s.result["mem_after"] = tree_memory_mib(s.pid)
    finally:
        for s in servers:
            s.stop()
    for s in servers:
        if s.name in DNSTAP_VARIANTS:
            # The readers' files, complete once the servers stopped: the messages logged per
            # query answered (2.0 = every query and every response).
            frames = count_frames(os.path.join(s.rundir, "dnstap.fstrm"))
            s.result["dnstap_frames"] = frames
            if frames is not None and s.result.get("answered_total"):
                s.result["dnstap_per_query"] = frames / s.result["answered_total"]

    for s in servers:
        s.result["error"] = s.error
        runs = s.result.get("runs") or []
        if runs:
            s.result["summary"] = {
                "qps": statistics.median(r["qps"] for r in runs),
                "qps_min": min(r["qps"] for r in runs), "qps_max": max(r["qps"] for r in runs),
                "avg_lat": statistics.median(r["avg_lat"] for r in runs),
                "cpu_us_per_q": statistics.median(r["cpu_us_per_q"] for r in runs if r["cpu_us_per_q"]),
                "server_cpu_pct": statistics.median(r["server_cpu_pct"] for r in runs),
                "dnsperf_cpu_pct": statistics.median(r["dnsperf_cpu_pct"] for r in runs),
                "lost": sum(r.get("lost", 0) for r in runs),
                "rcode_ok": all(r["rcode_ok"] for r in runs),
                "other_cpu_pct_max": max(r["other_cpu_pct"] for r in runs),
            }
        if s.loads:
            s.result["load_median_s"] = statistics.median(s.loads)
        rel = s.result.get("reload")
        if rel and rel["steady"] and rel["reload"]:
            ms = [x for r in rel["reload"] for x, _ in r.get("reloads", [])]
            iv = [x for r in rel["reload"] for x in r.get("interval_qps", [])]
            iv0 = [x for r in rel["steady"] for x in r.get("interval_qps", [])]
            rel["summary"] = {
                "qps_steady": statistics.median(r["qps"] for r in rel["steady"]),
                "qps_reload": statistics.median(r["qps"] for r in rel["reload"]),
                "lost_steady": sum(r.get("lost", 0) for r in rel["steady"]),
                "lost_reload": sum(r.get("lost", 0) for r in rel["reload"]),
                "sent_steady": sum(r.get("sent", 0) for r in rel["steady"]),
                "sent_reload": sum(r.get("sent", 0) for r in rel["reload"]),
                "max_lat_steady": max(r.get("max_lat", 0) for r in rel["steady"]),
                "max_lat_reload": max(r.get("max_lat", 0) for r in rel["reload"]),
                "min_interval_qps_steady": min(iv0) if iv0 else None,
                "min_interval_qps_reload": min(iv) if iv else None,
                "sighups": sum(r["during"]["sighups"] for r in rel["reload"]),
                "reloads": len(ms),
                "reloads_failed": sum(1 for r in rel["reload"] for _, ok in r.get("reloads", []) if not ok),
                "reload_ms_median": statistics.median(ms) if ms else None,
                "idle_reload_ms_median": statistics.median(rel["idle_ms"]) if rel.get("idle_ms") else None,
                "reload_ms_max": max(ms) if ms else None,
                "changed_name_ok": all(r.get("changed_name_ok") for r in rel["steady"] + rel["reload"]),
                "rcode_ok": all(r["rcode_ok"] for r in rel["steady"] + rel["reload"]),
                "other_cpu_pct_max": max(r["other_cpu_pct"] for r in rel["steady"] + rel["reload"]),
            }
        res["servers"][s.name] = s.result
    return res


# --------------------------------------------------------------------------- output

def fnum(x, fmt, none="-"):
    return none if x is None else fmt % x


def print_zone(args, zres, meta):
    print()
    print("=== zone %s: %s names, %s records, %.1f MB; %s query lines (%.1f%% NXDOMAIN) ==="
          % (zres["zone"], format(zres["names"], ","), format(zres["records"], ","), zres["zone_bytes"] / 1e6,
             format(zres["queries"], ","), 100 * meta["expected_rcode_share"]["NXDOMAIN"]))
    print("    w1-pin: 1 server worker, every server thread on CPU %d; dnsperf -T %d -c %d -q %d on CPU %d;"
          % (args.server_cpu, args.threads, args.clients, args.outstanding, args.client_cpu))
    if args.mix == "proxied":
        t = meta["tagged"]
        print("    mix proxied: %.0f%% of the queries ask proxied/flattened/dc names (%s proxied names, %s flattened"
              " CNAMEs incl. the apex, %s MX owners with a proxied exchange); dnsedge-static serves the same"
              " names untagged (%s), same query file; edge %s / %s"
              % (100 * meta["special_query_share"], format(t["proxied_names"], ","), format(t["flattened_cnames"], ","),
                 format(t["mx_owners_with_proxied_exchange"], ","), os.path.relpath(meta["static_zone_file"], REPO),
                 ",".join(args.edge_v4), ",".join(args.edge_v6)))
    print("    %d round(s) x %g s saturating (order rotated, medians); latency: %d x %g s at %s QPS fixed rate"
          % (args.rounds, args.duration, args.lat_rounds, args.lat_duration, format(args.lat_qps, ",")))
    hdr = ("server", "QPS median", "min-max", "avg@max ms", "avg@%dk ms" % (args.lat_qps // 1000),
           "p99@%dk ms" % (args.lat_qps // 1000), "CPU us/q", "srv/perf CPU", "load s", "RSS/PSS MiB", "RSS after")
    rows = [hdr]
    notes = []
    for name in args.server_list:
        r = zres["servers"].get(name)
        if r is None:
            continue
        sm, lat = r.get("summary"), r.get("latency") or {}
        mem, mem2 = r.get("mem_ready") or {}, r.get("mem_after") or {}
        if not sm:
            rows.append((name, "-", "-", "-", "-", "-", "-", "-", fnum(r.get("load_median_s"), "%.2f"),
                         "%s / %s" % (fnum(mem.get("rss_mib"), "%.0f"), fnum(mem.get("pss_mib"), "%.0f")) if mem else "-", "-"))
            notes.append("%s: NOT REPORTED: %s" % (name, r.get("error")))
            continue
        flag = ""
        if r.get("answer_check", {}).get("mismatches") or not sm["rcode_ok"]:
            flag = " !"
            notes.append("%s: measured with --allow-mismatch although answers/rcodes differ" % name)
        if sm["other_cpu_pct_max"] > 10:
            notes.append("%s: other processes used up to %.0f%% of a core during its runs -- machine not quiet,"
                         " figures unreliable" % (name, sm["other_cpu_pct_max"]))
        if lat.get("achieved_qps_min") is not None and lat["achieved_qps_min"] < 0.95 * args.lat_qps:
            notes.append("%s: a latency run reached only %.0f of the %d QPS asked (server or machine too slow)"
                         % (name, lat["achieved_qps_min"], args.lat_qps))
        if (lat.get("other_cpu_pct_max") or 0) > 10:
            notes.append("%s: other processes used up to %.0f%% of a core during its latency runs" % (name, lat["other_cpu_pct_max"]))
        if sm["lost"]:
            notes.append("%s: %d queries lost in the saturating runs" % (name, sm["lost"]))
        if r.get("error"):
            notes.append("%s: %s" % (name, r["error"]))
        p99 = lat.get("p99")
        rows.append((name + flag, format(round(sm["qps"]), ","),
                     "%.0fk-%.0fk" % (sm["qps_min"] / 1e3, sm["qps_max"] / 1e3),
                     "%.3f" % (1e3 * sm["avg_lat"]),
                     fnum(lat.get("mean") and 1e3 * lat["mean"], "%.3f"),
                     "lost" if p99 == math.inf else fnum(p99 and 1e3 * p99, "%.3f"),
                     fnum(sm["cpu_us_per_q"], "%.2f"),
                     "%.0f%%/%.0f%%" % (sm["server_cpu_pct"], sm["dnsperf_cpu_pct"]),
                     fnum(r.get("load_median_s"), "%.2f"),
                     "%.0f / %.0f" % (mem.get("rss_mib", 0), mem.get("pss_mib", 0)),
                     fnum(mem2.get("rss_mib"), "%.0f")))
    w = [max(len(str(row[i])) for row in rows) for i in range(len(hdr))]
    for j, row in enumerate(rows):
        print("  " + "  ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i]) for i, c in enumerate(row)))
        if j == 0:
            print("  " + "  ".join("-" * x for x in w))
    for n in notes:
        print("  note: " + n)
    # ratios
    if args.mix == "proxied":
        print_proxied_ratios(zres)
    print_reload(args, zres)
    if args.dnstap:
        print_dnstap_ratios(zres)
    on, off = zres["servers"].get("dnsedge", {}).get("summary"), \
        zres["servers"].get("dnsedge-noanalytics", {}).get("summary")
    if on and off:
        print("dnsedge analytics on/off QPS ratio: %.3fx (target >= 0.97)" % (on["qps"] / off["qps"]))
    met = zres["servers"].get("dnsedge-metrics", {}).get("summary")
    if met and on:
        print("dnsedge metrics on/off QPS ratio: %.3fx (target >= 0.98); CPU us/q ratio %.3fx"
              % (met["qps"] / on["qps"], met["cpu_us_per_q"] / on["cpu_us_per_q"]))
    ed = zres["servers"].get("dnsedge", {})
    for peer in ("knot", "nsd"):
        pr = zres["servers"].get(peer, {})
        a, b = ed.get("summary"), pr.get("summary")
        if not (a and b):
            if "dnsedge" in zres["servers"] and peer in zres["servers"]:
                print("dnsedge/%s QPS ratio: n/a (one of them was not measured)" % peer)
            continue
        print("dnsedge/%s QPS ratio: %.2fx" % (peer, a["qps"] / b["qps"]))
        print("dnsedge/%s CPU us/q ratio: %.2fx (lower is better)" % (peer, a["cpu_us_per_q"] / b["cpu_us_per_q"]))
        la, lb = (ed.get("latency") or {}).get("p99"), (pr.get("latency") or {}).get("p99")
        if la and lb and math.isfinite(la) and math.isfinite(lb):
            print("dnsedge/%s p99 latency ratio: %.2fx (lower is better)" % (peer, la / lb))
        if ed.get("load_median_s") and pr.get("load_median_s"):
            print("dnsedge/%s load time ratio: %.2fx" % (peer, ed["load_median_s"] / pr["load_median_s"]))
        ma, mb = ed.get("mem_ready"), pr.get("mem_ready")
        if ma and mb and mb["pss_mib"]:
            print("dnsedge/%s PSS ratio: %.2fx" % (peer, ma["pss_mib"] / mb["pss_mib"]))


def print_proxied_ratios(zres):
    st, px = zres["servers"].get("dnsedge-static", {}), zres["servers"].get("dnsedge-proxied", {})
    a, b = px.get("summary"), st.get("summary")
    if not (a and b):
        print("dnsedge proxied/static QPS ratio: n/a (one of them was not measured)")
        return
    q = a["qps"] / b["qps"]
    print("dnsedge proxied/static QPS ratio: %.2fx (target >= 0.95: %s)" % (q, "met" if q >= 0.95 else "NOT met"))
    # The two run back to back in every round: the median of the per-round ratios is less
    # sensitive to the VM's slow drifts than the ratio of the medians.
    by_round = {}
    for name, srv in (("p", px), ("s", st)):
        for r in srv.get("runs") or []:
            by_round.setdefault(r["round"], {})[name] = r
    pairs = [(x["p"]["qps"] / x["s"]["qps"], x["p"]["cpu_us_per_q"] / x["s"]["cpu_us_per_q"],
              max(x["p"]["other_cpu_pct"], x["s"]["other_cpu_pct"]) <= 10)
             for x in by_round.values() if "p" in x and "s" in x and x["p"].get("cpu_us_per_q") and x["s"].get("cpu_us_per_q")]
    if len(pairs) > 1:
        quiet = [p for p in pairs if p[2]]
        qs = sorted(p[0] for p in pairs)
        print("dnsedge proxied/static QPS ratio per round: median %.2fx (%s)%s"
              % (statistics.median(qs), " ".join("%.2f" % x for x in qs),
                 "; rounds where both runs were quiet (others <= 10%% of a core): %s" %
                 (("median %.2fx of %d" % (statistics.median(p[0] for p in quiet), len(quiet))) if quiet else "none")
                 if len(quiet) < len(pairs) else ""))
        print("dnsedge proxied/static CPU us/q ratio per round: median %.2fx (lower is better)"
              % statistics.median(p[1] for p in pairs))
    print("dnsedge proxied/static CPU us/q ratio: %.2fx (lower is better)" % (a["cpu_us_per_q"] / b["cpu_us_per_q"]))
    la, lb = (px.get("latency") or {}).get("p99"), (st.get("latency") or {}).get("p99")
    if la and lb and math.isfinite(la) and math.isfinite(lb):
        print("dnsedge proxied/static p99 latency ratio: %.2fx (lower is better)" % (la / lb))
    if px.get("load_median_s") and st.get("load_median_s"):
        print("dnsedge proxied/static load time ratio: %.2fx" % (px["load_median_s"] / st["load_median_s"]))
    ma, mb = px.get("mem_ready"), st.get("mem_ready")
    if ma and mb and mb["pss_mib"]:
        print("dnsedge proxied/static PSS ratio: %.2fx" % (ma["pss_mib"] / mb["pss_mib"]))


def print_dnstap_ratios(zres):
    """dnstap on/off QPS of dnsedge and of Knot (its mod-dnstap), both measured in this run with
    the same reader; also the median of the per-round ratios (each round runs all four)."""
    ratios = {}
    for base in ("dnsedge", "knot"):
        on, off = zres["servers"].get(base + "-dnstap", {}), zres["servers"].get(base, {})
        a, b = on.get("summary"), off.get("summary")
        if not (a and b):
            print("%s dnstap on/off QPS ratio: n/a (one of them was not measured)" % base)
            continue
        by_round = {}
        for key, srv in (("on", on), ("off", off)):
            for r in srv.get("runs") or []:
                by_round.setdefault(r["round"], {})[key] = r
        per_round = sorted(x["on"]["qps"] / x["off"]["qps"] for x in by_round.values()
                           if "on" in x and "off" in x and x["off"].get("qps"))
        ratios[base] = a["qps"] / b["qps"]
        print("%s dnstap on/off QPS ratio: %.3fx (%.0f / %.0f QPS)%s"
              % (base, ratios[base], a["qps"], b["qps"],
                 "; per round: median %.3fx (%s)" % (statistics.median(per_round), " ".join("%.3f" % x for x in per_round))
                 if len(per_round) > 1 else ""))
        if on.get("dnstap_per_query") is not None:
            print("%s dnstap messages captured: %s for %s answered queries (%.2f per query; 2.00 = every query and"
                  " response logged, less = dropped)" % (base, format(on["dnstap_frames"], ","),
                                                        format(on["answered_total"], ","), on["dnstap_per_query"]))
        if a.get("cpu_us_per_q") and b.get("cpu_us_per_q"):
            print("%s dnstap on/off CPU us/q ratio (server and reader): %.3fx (lower is better)"
                  % (base, a["cpu_us_per_q"] / b["cpu_us_per_q"]))
    if len(ratios) == 2:
        print("dnstap cost: dnsedge keeps %.1f%% of its QPS, Knot %.1f%% (target: dnsedge's ratio no worse than"
              " Knot's: %s)" % (100 * ratios["dnsedge"], 100 * ratios["knot"],
                                "met" if ratios["dnsedge"] >= ratios["knot"] else "NOT met"))


def print_reload(args, zres):
    rows = [("server", "QPS steady", "QPS reloading", "ratio", "lost steady/reload", "min 1-s QPS steady/reload",
             "max lat ms steady/reload", "reloads", "reload ms median/max", "idle reload ms", "answer")]
    notes = []
    for name in args.server_list:
        rel = (zres["servers"].get(name) or {}).get("reload") or {}
        sm = rel.get("summary")
        if not sm:
            continue
        rows.append((name, format(round(sm["qps_steady"]), ","), format(round(sm["qps_reload"]), ","),
                     "%.2fx" % (sm["qps_reload"] / sm["qps_steady"]),
                     "%d / %d" % (sm["lost_steady"], sm["lost_reload"]),
                     "%s / %s" % (fnum(sm["min_interval_qps_steady"], "%.0f"), fnum(sm["min_interval_qps_reload"], "%.0f")),
                     "%.1f / %.1f" % (1e3 * sm["max_lat_steady"], 1e3 * sm["max_lat_reload"]),
                     "%d/%d%s" % (sm["reloads"], sm["sighups"], " (%d failed)" % sm["reloads_failed"] if sm["reloads_failed"] else ""),
                     "%s / %s" % (fnum(sm["reload_ms_median"], "%.0f"), fnum(sm["reload_ms_max"], "%.0f")),
                     fnum(sm["idle_reload_ms_median"], "%.0f"),
                     "ok" if sm["changed_name_ok"] else "STALE"))
        if sm["other_cpu_pct_max"] > 10:
            notes.append("%s: other processes used up to %.0f%% of a core during the reload runs -- figures unreliable"
                         % (name, sm["other_cpu_pct_max"]))
        if not sm["rcode_ok"]:
            notes.append("%s: unexpected rcode split in a reload run" % name)
    if len(rows) == 1:
        return
    print()
    print("  reloads during load: %d round(s) x %g s, SIGHUP every %g s (the zone file alternates between the zone and"
          " a copy with one A record changed + SOA serial), vs the same run without; every server thread on CPU %d"
          % (args.rounds, args.duration, args.reload_interval, args.server_cpu))
    w = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for j, row in enumerate(rows):
        print("  " + "  ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i]) for i, c in enumerate(row)))
        if j == 0:
            print("  " + "  ".join("-" * x for x in w))
    for n in notes:
        print("  note: " + n)
    for name in args.server_list:
        sm = (((zres["servers"].get(name) or {}).get("reload")) or {}).get("summary")
        if sm:
            print("%s reloading/steady QPS ratio: %.2fx; lost %d of %s (steady %d of %s); reload (parse+compile+publish)"
                  " under load median %s ms, max %s ms; with no load %s ms"
                  % (name, sm["qps_reload"] / sm["qps_steady"], sm["lost_reload"], format(sm["sent_reload"], ","),
                     sm["lost_steady"], format(sm["sent_steady"], ","), fnum(sm["reload_ms_median"], "%.0f"),
                     fnum(sm["reload_ms_max"], "%.0f"), fnum(sm["idle_reload_ms_median"], "%.0f")))


def print_method(args):
    print()
    print("How: QPS/avg@max = dnsperf's own figures in the saturating runs (median over rounds); avg@max is mostly"
          " queueing (-q %d outstanding / QPS)." % args.outstanding)
    print("     p99 = nearest-rank 99th percentile of every per-query latency that `dnsperf -v` printed in the"
          " fixed-rate runs (dnsperf 2.10 has no histogram), pooled over rounds; lost queries count as infinite.")
    print("     CPU us/q = utime+stime of the server's whole process tree during the run / answered queries"
          " (the kernel's softirq loopback work is not in it).")
    print("     load = exec -> first authoritative NOERROR answer with data for the zone's last A name (UDP poll every"
          " ~2-5 ms), median of %d start(s); RSS/PSS summed over the process tree 2 s after ready." % args.load_reps)


def versions(args):
    v = {"kernel": platform.release(), "python": platform.python_version(), "cpus": os.cpu_count()}
    for name, cmd in (("knot", ["knotd", "-V"]), ("nsd", ["nsd", "-v"]), ("dnsperf", ["dnsperf", "-h"])):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            out = (p.stdout + p.stderr)
            m = re.search(r"[Vv]ersion:? ?(\d[\w.\-]*)", out)
            v[name] = m.group(1) if m else out.strip().splitlines()[0]
        except (OSError, subprocess.TimeoutExpired, IndexError):
            v[name] = None
    if any(s.startswith("dnsedge") for s in args.server_list):
        try:
            p = subprocess.run([args.dnsedge, "--version"], capture_output=True, text=True, timeout=10)
            txt = (p.stdout + p.stderr).strip()
            v["dnsedge"] = txt.splitlines()[0] if p.returncode == 0 and txt else None
            v["dnsedge_mtime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(args.dnsedge)))
        except (OSError, subprocess.TimeoutExpired):
            v["dnsedge"] = None
    return v


# --------------------------------------------------------------------------- main

def prune_run_dirs(keep=5):
    """Remove all but the newest `keep` run directories whose harness is no longer running."""
    runs = sorted(d for d in os.listdir(WORK) if re.fullmatch(r"run-\d{8}T\d{6}-\d+", d))
    for d in runs[:-keep] if keep else runs:
        pid = int(d.rsplit("-", 1)[1])
        if os.path.exists("/proc/%d" % pid):
            continue
        shutil.rmtree(os.path.join(WORK, d), ignore_errors=True)


def jsonable(x):
    """inf/nan (a lost query in a latency percentile) -> null, so the file is strict JSON."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    return x


def main():
    ap = argparse.ArgumentParser(description="dnsedge vs Knot DNS vs NSD benchmark (see bench/README.md)")
    ap.add_argument("--dnsedge", default=os.path.join(REPO, "build", "dnsedge"), help="path to the dnsedge binary")
    ap.add_argument("--dnsedge-base", default=None,
                    help="a dnsedge binary measured as server dnsedge-base (e.g. before a change)")
    ap.add_argument("--dnsedge-args", default="", help="extra arguments appended to `dnsedge serve ...`")
    ap.add_argument("--servers", default=None, help="comma list of dnsedge,knot,nsd (default all three;"
                    " dnsedge is skipped with a warning if its binary is missing)")
    ap.add_argument("--zones", default=None, help="comma list of 10k,100k,1m (default 10k,1m; 100k with --reload-during)")
    ap.add_argument("--mix", default="static", choices=("static", "proxied"),
                    help="zone/query mix; 'proxied': dnsedge only, the static zone (dnsedge-static) against the same"
                         " zone with 30%% of the queried names proxied/flattened/dc (dnsedge-proxied), same query file;"
                         " edge addresses " + ",".join(gen_zone.EDGE_V4) + " / " + ",".join(gen_zone.EDGE_V6) +
                         " are added to --dnsedge-args unless given there")
    ap.add_argument("--reload-during", action="store_true",
                    help="for dnsedge: also run dnsperf while SIGHUP reloads the zone (one change each time) every"
                         " --reload-interval s, against the same run without reloads; report QPS, lost queries,"
                         " reload times")
    ap.add_argument("--reload-interval", type=float, default=1.0, help="seconds between SIGHUPs (default 1)")
    ap.add_argument("--analytics-compare", action="store_true",
                    help="dnsedge with DNS analytics on and off (--analytics off) side by side; prints the QPS ratio")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=None, help="seconds per saturating run (default 15)")
    ap.add_argument("--rounds", type=int, default=None, help="saturating rounds, server order rotated (default 3)")
    ap.add_argument("--warmup", type=float, default=None, help="warm-up seconds per server (default 3)")
    ap.add_argument("--lat-qps", type=int, default=20000, help="fixed rate of the latency runs (default 20000)")
    ap.add_argument("--lat-duration", type=float, default=None, help="seconds per latency run, 0 = skip (default 5)")
    ap.add_argument("--lat-rounds", type=int, default=None, help="latency rounds (default = --rounds)")
    ap.add_argument("--load-reps", type=int, default=None, help="server starts per zone for the load time (default 3)")
    ap.add_argument("--load-timeout", type=float, default=300)
    ap.add_argument("--quiet-wait", type=float, default=10,
                    help="before each run wait up to this long for other processes to leave the cores idle (default 10)")
    ap.add_argument("--noisy-retries", type=int, default=1,
                    help="re-run a run during which other processes took > 10%% of a core, this many times (default 1)")
    ap.add_argument("--clients", type=int, default=8, help="dnsperf -c (default 8)")
    ap.add_argument("--outstanding", type=int, default=100, help="dnsperf -q (default 100)")
    ap.add_argument("--threads", type=int, default=2, help="dnsperf -T (default 2)")
    ap.add_argument("--server-cpu", type=int, default=1)
    ap.add_argument("--client-cpu", type=int, default=0)
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 10k zone, 1 round of 5 s, 1 load, 2 s warm-up, 3 s latency (explicit options win)")
    ap.add_argument("--regen", action="store_true", help="regenerate zones even if bench/work has them")
    ap.add_argument("--allow-mismatch", action="store_true",
                    help="measure servers whose answers differ from Knot's anyway (flagged with '!')")
    ap.add_argument("--json", help="write raw results (every run) to this file")
    ap.add_argument("--dnstap", action="store_true",
                    help="also run dnsedge and Knot with dnstap on (dnsedge-dnstap: --dnstap-socket; knot-dnstap:"
                         " mod-dnstap), each logging every query and response to an fstrm_capture reading into"
                         " /dev/null, and print each one's dnstap on/off QPS ratio")
    args = ap.parse_args()

    defaults = dict(zones="10k,1m", rounds=3, duration=15, load_reps=3, warmup=3, lat_duration=5)
    if args.quick:
        defaults.update(zones="10k", rounds=1, duration=5, load_reps=1, warmup=2, lat_duration=3)
    if args.reload_during:
        defaults.update(zones="100k")
    for k, v in defaults.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.lat_rounds is None:
        args.lat_rounds = args.rounds
    explicit = args.servers is not None
    args.server_list = [s.strip() for s in (args.servers or ",".join(ALL_SERVERS)).split(",") if s.strip()]
    for s in args.server_list:
        if s not in ALL_SERVERS + METRICS_SERVERS:
            ap.error("unknown server %r" % s)
    if "dnsedge-base" in args.server_list and not args.dnsedge_base:
        ap.error("server dnsedge-base needs --dnsedge-base BINARY")
    if "dnsedge-metrics" in args.server_list:
        threading.Thread(target=scrape_loop, daemon=True).start()
    args.dnsedge_extra = shlex.split(args.dnsedge_args)
    if args.analytics_compare:  # analytics on ("dnsedge") against off, in one run
        args.server_list = ["dnsedge", "dnsedge-noanalytics"]
        explicit = True
    if args.mix == "proxied":
        # Knot and NSD cannot serve proxy semantics: dnsedge is measured against itself.
        if explicit and set(args.server_list) != {"dnsedge"}:
            ap.error("--mix proxied measures dnsedge only (static zone vs proxied zone); drop --servers or use"
                     " --servers dnsedge")
        args.server_list = ["dnsedge-static", "dnsedge-proxied"]
        explicit = True           # a missing dnsedge binary is an error
        v4, v6 = edge_addresses(args.dnsedge_extra)
        if not v4:
            args.dnsedge_extra += ["--edge-ipv4", ",".join(gen_zone.EDGE_V4)]
        if not v6:
            args.dnsedge_extra += ["--edge-ipv6", ",".join(gen_zone.EDGE_V6)]
        args.edge_v4, args.edge_v6 = edge_addresses(args.dnsedge_extra)
    zones = [z.strip().lower() for z in args.zones.split(",") if z.strip()]
    for z in zones:
        if z not in ZONES:
            ap.error("unknown zone %r (%s)" % (z, ", ".join(ZONES)))
    cpus = os.sched_getaffinity(0)
    if args.server_cpu == args.client_cpu or not {args.server_cpu, args.client_cpu} <= cpus:
        ap.error("need two distinct usable CPUs for --server-cpu/--client-cpu (have %s)" % sorted(cpus))
    for tool in ("dnsperf", "taskset") + tuple({"knot": "knotd", "nsd": "nsd"}[s] for s in args.server_list
                                               if not s.startswith("dnsedge")):
        if not shutil.which(tool):
            sys.exit("bench: %s not found (apt-get install -y knot nsd dnsperf util-linux)" % tool)
    if any(s.startswith("dnsedge") for s in args.server_list):
        args.dnsedge = os.path.abspath(args.dnsedge)
        if not os.access(args.dnsedge, os.X_OK):
            if explicit:
                sys.exit("bench: dnsedge binary %s not found (build it, or pass --dnsedge PATH)" % args.dnsedge)
            log("bench: dnsedge binary %s not found; benchmarking without it" % args.dnsedge)
            args.server_list.remove("dnsedge")
    if args.dnstap:
        if args.mix != "static" or args.reload_during:
            ap.error("--dnstap measures the static mix without reloads")
        if not shutil.which("fstrm_capture"):
            sys.exit("bench: fstrm_capture not found (apt-get install -y fstrm-bin knot-module-dnstap)")
        args.server_list += [v for v in DNSTAP_VARIANTS if v.split("-")[0] in args.server_list]
    if args.reload_during and not any(s.startswith("dnsedge") for s in args.server_list):
        ap.error("--reload-during measures dnsedge; it is not in the run")
    if not args.server_list:
        sys.exit("bench: no server to benchmark")

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    # The harness itself (load probes, answer checks) stays off the server's core.
    os.sched_setaffinity(0, {args.client_cpu})

    os.makedirs(WORK, exist_ok=True)
    prune_run_dirs()
    # a directory per invocation, so that concurrent runs never share configs or state
    args.run_dir = os.path.join(WORK, "run-%s-%d" % (time.strftime("%Y%m%dT%H%M%S"), os.getpid()))
    os.makedirs(args.run_dir)
    t_start = time.monotonic()
    out = {"args": {k: v for k, v in vars(args).items()}, "versions": versions(args), "zones": {},
           "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    metas = {}
    try:
        for z in zones:
            zdir = os.path.join(WORK, "z%s-s%d-%s" % (z, args.seed, args.mix))
            t0 = time.monotonic()
            meta = gen_zone.load_or_generate(ZONES[z], zdir, seed=args.seed, mix=args.mix, force=args.regen)
            log("zone %s: %s (%s records, %.1f MB) in %.1f s" % (z, "reused " + zdir if meta["reused"] else "generated",
                                                                format(meta["records"], ","), meta["zone_bytes"] / 1e6,
                                                                time.monotonic() - t0))
            metas[z] = meta
            log("zone %s: servers %s" % (z, ", ".join(args.server_list)))
            zres = bench_zone(args, z, meta)
            zres["gen"] = {k: meta[k] for k in ("seed", "mix", "gen_seconds", "reused", "category_counts", "query_counts",
                                                "tagged", "special_query_share") if k in meta}
            out["zones"][z] = zres
            print_zone(args, zres, meta)
            sys.stdout.flush()
    except KeyboardInterrupt:
        log("bench: interrupted, servers stopped")
        _reap_all()
        sys.exit(130)
    finally:
        _reap_all()
        out["elapsed_s"] = round(time.monotonic() - t_start, 1)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(jsonable(out), f, indent=1)
    if out["zones"]:
        print_method(args)
        print("\ntotal %.0f s; configs, logs and raw dnsperf output in %s" % (out["elapsed_s"], args.run_dir))


if __name__ == "__main__":
    main()
