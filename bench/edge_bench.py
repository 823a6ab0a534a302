#!/usr/bin/python3
"""Edge proxy benchmark: dnsedge's edge vs nginx and HAProxy, side by side in one run (stdlib only).

Three measurements, each against its peer in the same run, printed as ratios (bench/README.md
"Edge proxy"):

  http   wrk through the edge (Host routing of a proxied name) vs wrk through nginx as a reverse
         proxy, both to the same origin (an nginx serving a small static file): requests/s and
         p99 latency. Both proxies get one worker (edge: its one thread; nginx:
         worker_processes 1) and keep-alive to the origin.
  tcp    bulk throughput through a Spectrum app (--spectrum-app) vs HAProxy `mode tcp`
         (nbthread 1) to the same sink: a source process streams for a fixed time, the sink
         counts bytes; MB/s.
  idle   10k idle keep-alive HTTP connections (one request each, then idle) to the edge and to
         nginx: RSS before and after → bytes per connection.

Everything is loopback: origin 127.0.0.31, edge 127.0.0.21 (Spectrum app 127.0.0.70), nginx
proxy 127.0.0.22, HAProxy 127.0.0.23, ports chosen free at run time. Needs wrk, nginx and
haproxy (Debian packages; `--install` apt-installs them).

    /usr/bin/python3 bench/edge_bench.py --dnsedge build/dnsedge              # all (~2 min)
    /usr/bin/python3 bench/edge_bench.py --dnsedge build/dnsedge --only http --duration 20
    /usr/bin/python3 bench/edge_bench.py --dnsedge build/dnsedge --only idle --idle 10000
"""
import argparse
import json
import os
import re
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ORIGIN = "127.0.0.31"
EDGE = "127.0.0.21"
NGINX = "127.0.0.22"
HAPROXY = "127.0.0.23"
APP = "127.0.0.70"
HOST = "bench.example.com"
CHILDREN = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port(*hosts):
    for _ in range(500):
        s = socket.socket()
        s.bind((hosts[0], 0))
        port = s.getsockname()[1]
        s.close()
        ok = True
        for h in hosts:
            t = socket.socket()
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                t.bind((h, port))
            except OSError:
                ok = False
            finally:
                t.close()
        if ok:
            return port
    raise RuntimeError("no free port")


def wait_port(host, port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.3).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port}")


def start(argv, logfile, **kw):
    out = open(logfile, "ab")
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, **kw)
    CHILDREN.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if p in CHILDREN:
        CHILDREN.remove(p)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def tree_rss(pid):
    """RSS of a process and its children (nginx: master + worker)."""
    total = rss_bytes(pid)
    try:
        for child in open(f"/proc/{pid}/task/{pid}/children").read().split():
            total += rss_bytes(int(child))
    except OSError:
        pass
    return total


# ------------------------------------------------------------------------------------------
# servers


def nginx_conf(work, name, body):
    d = os.path.join(work, name)
    os.makedirs(os.path.join(d, "logs"), exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off;
master_process on;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
worker_rlimit_nofile 65536;
events {{ worker_connections 30000; use epoll; }}
http {{
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
{body}
}}
""")
    return d, conf


def start_origin(work, port):
    root = os.path.join(work, "www")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "small.txt"), "w") as f:
        f.write("x" * 100 + "\n")
    d, conf = nginx_conf(work, "origin", f"""  server {{
    listen {ORIGIN}:{port} reuseport backlog=65535;
    root {root};
  }}""")
    p = start(["nginx", "-c", conf, "-p", d], os.path.join(d, "stdout.log"))
    wait_port(ORIGIN, port)
    return p


def start_nginx_proxy(work, port):
    d, conf = nginx_conf(work, "proxy", f"""  upstream origin {{ server {ORIGIN}:{port}; keepalive 256; }}
  server {{
    listen {NGINX}:{port} backlog=65535;
    location / {{
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering on;
    }}
  }}""")
    p = start(["nginx", "-c", conf, "-p", d], os.path.join(d, "stdout.log"))
    wait_port(NGINX, port)
    return p


def start_haproxy(work, port, sink_port):
    d = os.path.join(work, "haproxy")
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "haproxy.cfg")
    with open(conf, "w") as f:
        f.write(f"""global
  nbthread 1
  maxconn 2000
defaults
  mode tcp
  timeout connect 5s
  timeout client 300s
  timeout server 300s
listen bulk
  bind {HAPROXY}:{port}
  server sink {ORIGIN}:{sink_port}
""")
    p = start(["haproxy", "-db", "-f", conf], os.path.join(d, "stdout.log"))
    wait_port(HAPROXY, port)
    return p


def start_dnsedge(binary, work, http_port, app_port=None, sink_port=None):
    d = os.path.join(work, "dnsedge")
    os.makedirs(d, exist_ok=True)
    zone = os.path.join(d, "example.com.zone")
    with open(zone, "w") as f:
        f.write(f"""$ORIGIN example.com.
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
bench A {ORIGIN} ; cf_tags=cf-proxied:true
""")
    cfg = os.path.join(d, "dnsedge.toml")
    with open(cfg, "w") as f:
        f.write("[edge]\nmax_connections = 30000\nkeepalive_timeout = 300\nheader_timeout = 60\n")
    argv = [binary, "serve", "--data", os.path.join(d, "data"), "--config", cfg,
            "--dns-listen", f"127.0.0.1:{free_port('127.0.0.1')}", "--zone-file", zone,
            "--edge-ipv4", EDGE, "--edge-http-ports", str(http_port), "--edge-https-ports", "none",
            "--api-listen", f"127.0.0.1:{free_port('127.0.0.1')}"]
    if app_port:
        argv += ["--spectrum-app", f"tcp/{app_port}={ORIGIN}:{sink_port},name=bulk.example.com,edge_ip={APP}"]
    p = start(argv, os.path.join(d, "dnsedge.log"))
    wait_port(EDGE, http_port)
    if app_port:
        wait_port(APP, app_port)
    return p


# ------------------------------------------------------------------------------------------
# http: wrk


def wrk(host, port, duration, conns, threads):
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency",
                          "-H", f"Host: {HOST}", f"http://{host}:{port}/small.txt"],
                         capture_output=True, text=True, timeout=duration + 60)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))

    def ms(v, unit):
        return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    return {"rps": rps, "p99_ms": ms(*p99.groups()) if p99 else None,
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(1) if errors else "",
            "raw": text}


def bench_http(args, work):
    port = free_port(ORIGIN, EDGE, NGINX)
    origin = start_origin(work, port)
    edge = start_dnsedge(args.dnsedge, work, port)
    proxy = start_nginx_proxy(work, port)
    # Both must serve the file before anything is timed.
    for h in (EDGE, NGINX):
        r = subprocess.run(["wrk", "-t1", "-c1", "-d1s", "-H", f"Host: {HOST}", f"http://{h}:{port}/small.txt"],
                           capture_output=True, text=True)
        if "Non-2xx" in r.stdout or "Requests/sec" not in r.stdout:
            raise RuntimeError(f"{h} does not serve the origin's file:\n{r.stdout}{r.stderr}")
    results = {"edge": [], "nginx": []}
    for rnd in range(args.rounds):
        for name, host in (("edge", EDGE), ("nginx", NGINX)) if rnd % 2 == 0 else (("nginx", NGINX), ("edge", EDGE)):
            r = wrk(host, port, args.duration, args.conns, args.wrk_threads)
            log(f"http round {rnd + 1} {name}: {r['rps']:.0f} req/s, p99 {r['p99_ms']} ms"
                + (f", non-2xx {r['non2xx']}" if r["non2xx"] else "") + (f", {r['socket_errors']}" if r["socket_errors"] else ""))
            r.pop("raw")
            results[name].append(r)
    for p in (proxy, edge, origin):
        stop(p)
    best = {k: max(v, key=lambda r: r["rps"]) for k, v in results.items()}
    return {"runs": results, "rps_ratio": best["edge"]["rps"] / best["nginx"]["rps"],
            "p99_ratio_nginx_over_edge": (best["nginx"]["p99_ms"] / best["edge"]["p99_ms"])
            if best["edge"]["p99_ms"] and best["nginx"]["p99_ms"] else None,
            "edge": best["edge"], "nginx": best["nginx"]}


# ------------------------------------------------------------------------------------------
# tcp: bulk through a Spectrum app vs HAProxy


SINK = r"""
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(64)
print("ready", flush=True)
def drain(c):
    buf = bytearray(1 << 20); total = 0
    while True:
        n = c.recv_into(buf)
        if not n: break
        total += n
    c.sendall(str(total).encode()); c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=drain, args=(c,), daemon=True).start()
"""


def push(host, port, seconds):
    """Streams 1 MiB writes for `seconds`; returns (bytes the sink counted, elapsed)."""
    buf = b"\0" * (1 << 20)
    s = socket.create_connection((host, port), timeout=30)
    sent, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        s.sendall(buf)
        sent += len(buf)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        chunk = s.recv(64)
        if not chunk:
            break
        got += chunk
    elapsed = time.monotonic() - t0
    s.close()
    counted = int(got or b"0")
    if counted != sent:
        raise RuntimeError(f"{host}:{port}: sent {sent} bytes, the sink counted {counted}")
    return counted, elapsed


def bench_tcp(args, work):
    sink_port = free_port(ORIGIN)
    app_port = free_port(APP, HAPROXY)
    sink = subprocess.Popen([sys.executable, "-c", SINK, ORIGIN, str(sink_port)], stdout=subprocess.PIPE, text=True)
    CHILDREN.append(sink)
    sink.stdout.readline()
    http_port = free_port(EDGE)
    edge = start_dnsedge(args.dnsedge, work, http_port, app_port, sink_port)
    hap = start_haproxy(work, app_port, sink_port)
    direct = push(ORIGIN, sink_port, 1)  # warm-up and a sanity check of the sink
    log(f"tcp direct (no proxy, warm-up): {direct[0] / direct[1] / 1e6:.0f} MB/s")
    results = {"spectrum": [], "haproxy": []}
    for rnd in range(args.rounds):
        order = (("spectrum", APP), ("haproxy", HAPROXY))
        for name, host in order if rnd % 2 == 0 else order[::-1]:
            n, el = push(host, app_port, args.tcp_seconds)
            mbps = n / el / 1e6
            log(f"tcp round {rnd + 1} {name}: {mbps:.0f} MB/s ({n >> 20} MiB in {el:.1f} s)")
            results[name].append(mbps)
    for p in (hap, edge, sink):
        stop(p)
    return {"runs_MBps": results, "ratio": max(results["spectrum"]) / max(results["haproxy"])}


# ------------------------------------------------------------------------------------------
# idle: 10k keep-alive connections


def open_idle(host, port, n):
    """n connections, each with one completed keep-alive request; returns the sockets."""
    socks, sel = [], selectors.DefaultSelector()
    req = f"GET /small.txt HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    batch = 500
    for start_i in range(0, n, batch):
        pending = {}
        for _ in range(min(batch, n - start_i)):
            s = socket.create_connection((host, port), timeout=10)
            s.sendall(req)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            pending[s] = b""
            socks.append(s)
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                s = key.fileobj
                data = s.recv(65536)
                pending[s] += data
                if not data:
                    raise RuntimeError(f"{host}:{port} closed a connection during setup")
                head, _, body = pending[s].partition(b"\r\n\r\n")
                if _ and len(body) >= 101:  # the origin's small.txt
                    if not head.startswith(b"HTTP/1.1 200"):
                        raise RuntimeError(f"{host}:{port}: {head[:80]!r}")
                    sel.unregister(s)
                    del pending[s]
        if pending:
            raise RuntimeError(f"{host}:{port}: {len(pending)} responses missing")
    return socks


def bench_idle(args, work):
    port = free_port(ORIGIN, EDGE, NGINX)
    origin = start_origin(work, port)
    edge = start_dnsedge(args.dnsedge, work, port)
    proxy = start_nginx_proxy(work, port)
    out = {}
    for name, host, p in (("edge", EDGE, edge), ("nginx", NGINX, proxy)):
        # Warm both the same way (a few requests) so the baseline includes steady buffers.
        for s in open_idle(host, port, 10):
            s.close()
        time.sleep(0.5)
        before = tree_rss(p.pid)
        socks = open_idle(host, port, args.idle)
        time.sleep(1.0)
        after = tree_rss(p.pid)
        per = (after - before) / args.idle
        log(f"idle {name}: {args.idle} connections, RSS {before >> 20} MiB → {after >> 20} MiB: {per:.0f} bytes/connection")
        out[name] = {"connections": args.idle, "rss_before": before, "rss_after": after, "bytes_per_conn": per}
        for s in socks:
            s.close()
        time.sleep(1.0)
    for p in (proxy, edge, origin):
        stop(p)
    out["ratio_nginx_over_edge"] = out["nginx"]["bytes_per_conn"] / out["edge"]["bytes_per_conn"] \
        if out["edge"]["bytes_per_conn"] > 0 else None
    return out


# ------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dnsedge", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "dnsedge"))
    ap.add_argument("--only", choices=["http", "tcp", "idle"], action="append")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds per pair (default 2; best is reported)")
    ap.add_argument("--conns", type=int, default=64, help="wrk connections (default 64)")
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--tcp-seconds", type=int, default=5)
    ap.add_argument("--idle", type=int, default=10000, help="idle keep-alive connections (default 10000)")
    ap.add_argument("--install", action="store_true", help="apt-get install wrk nginx haproxy first")
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()
    args.dnsedge = os.path.abspath(args.dnsedge)
    if args.install:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "wrk", "nginx", "haproxy"], check=True)
    missing = [t for t in ("wrk", "nginx", "haproxy") if shutil.which(t) is None]
    if missing:
        sys.exit(f"missing: {' '.join(missing)} (apt-get install {' '.join(missing)}, or --install)")
    if not os.access(args.dnsedge, os.X_OK):
        sys.exit(f"no dnsedge binary at {args.dnsedge}")
    # A proxy holds two descriptors per idle connection (client and origin): raise the limit,
    # the hard one too when we may (root), for this process and the servers it starts.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(65536, args.idle * 2 + 1000)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(want, hard)))
    except (ValueError, OSError):
        want = hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if want < args.idle * 2 + 500 and (not args.only or "idle" in args.only):
        fit = (want - 500) // 2
        log(f"RLIMIT_NOFILE hard limit is {want}: a proxy holds 2 descriptors per idle connection, "
            f"so the idle test uses {fit} connections instead of {args.idle}")
        args.idle = fit
    work = tempfile.mkdtemp(prefix="edge-bench-")
    os.chmod(work, 0o755)  # nginx workers run as nobody and read the origin's file
    results = {"machine": {"load": os.getloadavg(), "cpus": os.cpu_count()}}
    try:
        for what in args.only or ["http", "tcp", "idle"]:
            results[what] = {"http": bench_http, "tcp": bench_tcp, "idle": bench_idle}[what](args, work)
    finally:
        for p in list(CHILDREN):
            stop(p)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    log("summary:")
    if "http" in results:
        h = results["http"]
        log(f"  HTTP through the edge vs nginx: {h['rps_ratio']:.2f}x requests/s; p99 nginx/edge "
            f"{h['p99_ratio_nginx_over_edge']:.2f}x (edge {h['edge']['p99_ms']} ms, nginx {h['nginx']['p99_ms']} ms)")
    if "tcp" in results:
        log(f"  TCP through a Spectrum app vs HAProxy: {results['tcp']['ratio']:.2f}x throughput")
    if "idle" in results:
        i = results["idle"]
        log(f"  idle keep-alive: edge {i['edge']['bytes_per_conn']:.0f} B/conn, nginx {i['nginx']['bytes_per_conn']:.0f} B/conn")
    log(f"  load average at start: {results['machine']['load']}")


if __name__ == "__main__":
    main()
