#!/usr/bin/python3
"""Online signing of the served view (docs/dnssec.md), measured on one API zone of --records
records (default 100,000: h<i> A, every 10th name a TXT, every 25th an AAAA; one proxied name in
50), all in one run:

  enable     PATCH /zones/{id}/dnssec {"status": "active"} until it answers (the zone is then
             signed, stored and published), until a DO=1 query of a name gets its RRSIG, and
             until every answer of a sample validates (--sample names spread over the zone: A,
             TXT, AAAA, a proxied name, a name that does not exist and a NODATA, each checked
             with dnspython's dns.dnssec.validate against the zone's DNSKEY set)
  write      --writes sequential POSTs of a new A record, each until a DO=1 query of the name
             answers with the record and its RRSIG: median and p99 of send -> signed answer
             visible; the same before DNSSEC is on (unsigned), for the ratio. After the timed
             writes, every written name's signed answer is validated (outside the timing)
  memory     the server's RSS with the zone unsigned and signed (after a restart each, so both
             are a fresh load), per record, and the ratio
  restart    start -> the first answer with the zone loaded, unsigned and signed

The server runs with one UDP worker pinned to --server-cpu, this script on --client-cpu.

    flock /work/bench.lock /usr/bin/python3 bench/dnssec_view_bench.py --dnsedge build/dnsedge [--records 100000]
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import dns.dnssec
import dns.flags
import dns.name
import dns.message
import dns.query
import dns.rdatatype

ZONE = "bench.test"
TOKEN = "dnssec-bench-token"
PROXIED_EVERY = 50
IMPORT_LINES = 20000  # records per import request


def ip_of(i, base=10):
    return "%d.%d.%d.%d" % (base, (i >> 16) & 255, (i >> 8) & 255, i & 255)


def zone_text(records):
    lines = ["$ORIGIN %s." % ZONE, "$TTL 300", "ns1 300 IN A 127.0.0.1"]
    n, i = 1, 0
    while n < records:
        lines.append("h%d 300 IN A %s%s" % (i, ip_of(i), " ; cf_tags=cf-proxied:true" if i % PROXIED_EVERY == 7 else ""))
        n += 1
        if n < records and i % 10 == 0:
            lines.append('h%d 300 IN TXT "v=bench %d"' % (i, i))
            n += 1
        if n < records and i % 25 == 0:
            lines.append("h%d 300 IN AAAA 2001:db8::%x:%x" % (i, (i + 1) >> 16, (i + 1) & 0xffff))
            n += 1
        i += 1
    return "\n".join(lines) + "\n"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    def __init__(self, binary, workdir, cpu=None):
        self.binary = binary
        self.cpu = cpu
        self.data = os.path.join(workdir, "data")
        self.log = os.path.join(workdir, "server.log")
        self.dns_port = free_port()
        self.api_port = free_port()
        self.proc = None

    def start(self):
        argv = [self.binary, "serve", "--data", self.data, "--dns-listen", "127.0.0.1:%d" % self.dns_port,
                "--api-listen", "127.0.0.1:%d" % self.api_port, "--api-token", TOKEN,
                "--edge-ipv4", "127.0.0.11", "--no-edge-proxy", "--threads", "1", "--rrl-rate", "0",
                "--upstream", "127.0.0.1:%d" % free_port()]
        if self.cpu is not None:
            argv = ["taskset", "-c", str(self.cpu)] + argv
        t0 = time.monotonic()
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("dnsedge exited, see " + self.log)
            try:
                self.query(ZONE + ".", "SOA", timeout=0.2)
                return time.monotonic() - t0
            except Exception:
                time.sleep(0.02)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)
        self.proc = None

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def api(self, method, path, body=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request("http://127.0.0.1:%d/client/v4%s" % (self.api_port, path), data=data,
                                     method=method, headers={"Authorization": "Bearer " + TOKEN,
                                                             "Content-Type": ctype})
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return json.loads(r.read())["result"]
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s: HTTP %d %s" % (method, path, e.code, e.read()[:500].decode("utf-8", "replace")))

    def query(self, name, rdtype, do=False, timeout=1.0):
        q = dns.message.make_query(name, dns.rdatatype.from_text(rdtype), want_dnssec=do, payload=4096)
        q.flags &= ~dns.flags.RD
        return dns.query.udp(q, "127.0.0.1", port=self.dns_port, timeout=timeout)


def signed_answer(srv, name):
    m = srv.query(name, "A", do=True, timeout=0.5)
    types = {r.rdtype for r in m.answer}
    return dns.rdatatype.A in types and dns.rdatatype.RRSIG in types


def validate_answer(srv, name, rdtype, keys):
    """None when every RRset of the DO=1 answer to (name, rdtype) (answer and authority sections)
    validates against `keys` (the zone's DNSKEY set) with the RRSIG beside it, else why not."""
    try:
        m = srv.query(name, rdtype, do=True, timeout=1.0)
    except Exception as e:  # a timeout: not yet
        return "%s %s: %s" % (name, rdtype, e)
    sections = [s for s in (m.answer, m.authority) if s]
    if not sections:
        return "%s %s: empty answer" % (name, rdtype)
    zone = dns.name.from_text(ZONE)
    for section in sections:
        sigs = {(r.name, r.covers): r for r in section if r.rdtype == dns.rdatatype.RRSIG}
        for rrset in section:
            if rrset.rdtype == dns.rdatatype.RRSIG:
                continue
            sig = sigs.get((rrset.name, rrset.rdtype))
            if sig is None:
                return "%s %s: %s %s has no RRSIG" % (name, rdtype, rrset.name, dns.rdatatype.to_text(rrset.rdtype))
            try:
                dns.dnssec.validate(rrset, sig, {zone: keys})
            except dns.dnssec.ValidationFailure as e:
                return "%s %s: %s %s: %s" % (name, rdtype, rrset.name, dns.rdatatype.to_text(rrset.rdtype), e)
    return None


def validation_sample(records, n):
    """(name, type) pairs spread over the zone: A names, TXT (every 10th), AAAA (every 25th), a
    proxied name, the apex SOA, a NODATA and a name that does not exist."""
    last = records * 100 // 114 - 2  # about the last h<i> zone_text writes (1.14 records a name)
    out = [(ZONE + ".", "SOA"), (ZONE + ".", "DNSKEY"), ("h7.%s." % ZONE, "A"), ("h1.%s." % ZONE, "MX"),
           ("nonexistent-name.%s." % ZONE, "A")]
    for k in range(n):
        i = k * max(1, last // n)
        out.append(("h%d.%s." % (i, ZONE), "A"))
        if k % 4 == 0:
            out.append(("h%d.%s." % (i - i % 10, ZONE), "TXT"))
            out.append(("h%d.%s." % (i - i % 25, ZONE), "AAAA"))
    return out


def zone_keys(srv):
    m = srv.query(ZONE + ".", "DNSKEY", do=True, timeout=1.0)
    for rrset in m.answer:
        if rrset.rdtype == dns.rdatatype.DNSKEY:
            return rrset
    return None


def plain_answer(srv, name):
    m = srv.query(name, "A", timeout=0.5)
    return any(r.rdtype == dns.rdatatype.A for r in m.answer)


def writes(srv, zid, n, tag, seen):
    out = []
    for i in range(n):
        if out:
            print("  write %s-%d: %.1f ms" % (tag, i - 1, out[-1]), file=sys.stderr, flush=True)
        name = "w%s-%d" % (tag, i)
        t0 = time.monotonic()
        srv.api("POST", "/zones/%s/dns_records" % zid, {"name": name, "type": "A", "content": ip_of(i, 172),
                                                         "ttl": 300})
        while not seen(srv, name + "." + ZONE + "."):
            pass
        out.append((time.monotonic() - t0) * 1000)
    return out


def pct(vals, q):
    s = sorted(vals)
    return s[min(len(s) - 1, max(0, int(round(q / 100.0 * len(s) + 0.5)) - 1))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dnsedge", default="build/dnsedge")
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--writes", type=int, default=200)
    ap.add_argument("--sample", type=int, default=200, help="A names in the validation sample (default 200)")
    ap.add_argument("--server-cpu", type=int, default=1)
    ap.add_argument("--client-cpu", type=int, default=0)
    ap.add_argument("--json")
    args = ap.parse_args()
    os.sched_setaffinity(0, {args.client_cpu})
    work = tempfile.mkdtemp(prefix="dnssec-view-bench-")
    srv = Server(os.path.abspath(args.dnsedge), work, args.server_cpu)
    res = {"records": args.records}
    try:
        srv.start()
        zid = srv.api("POST", "/zones", {"name": ZONE})["id"]
        t0 = time.monotonic()
        # in pieces: the API takes request bodies up to 1 MiB
        lines = zone_text(args.records).splitlines()
        head, body = lines[:2], lines[2:]
        res["recs_added"] = 0
        for i in range(0, len(body), IMPORT_LINES):
            text = "\n".join(head + body[i:i + IMPORT_LINES]) + "\n"
            imp = srv.api("POST", "/zones/%s/dns_records/import" % zid, raw=text.encode(), ctype="text/plain")
            res["recs_added"] += imp["recs_added"]
        res["import_s"] = round(time.monotonic() - t0, 3)
        w = writes(srv, zid, args.writes, "u", plain_answer)
        res["write_unsigned_ms"] = {"median": round(statistics.median(w), 2), "p99": round(pct(w, 99), 2),
                                    "first": round(w[0], 2), "max": round(max(w), 2)}
        srv.stop()
        res["restart_unsigned_s"] = round(srv.start(), 3)
        time.sleep(1)
        res["rss_unsigned_kib"] = srv.rss_kib()

        t0 = time.monotonic()
        on = srv.api("PATCH", "/zones/%s/dnssec" % zid, {"status": "active"})
        res["enable_api_s"] = round(time.monotonic() - t0, 3)
        while not signed_answer(srv, "h%d.%s." % (args.records // 3, ZONE)):
            pass
        res["enable_until_signed_s"] = round(time.monotonic() - t0, 3)
        res["status"] = on["status"]
        sample = validation_sample(args.records, args.sample)
        pending = list(sample)
        while pending:
            keys = zone_keys(srv)
            if keys is not None:
                pending = [q for q in pending if validate_answer(srv, q[0], q[1], keys) is not None]
            if time.monotonic() - t0 > 600:
                raise RuntimeError("answers still do not validate after 600 s: " +
                                   str(validate_answer(srv, pending[0][0], pending[0][1], keys)))
        res["enable_until_all_validate_s"] = round(time.monotonic() - t0, 3)
        res["validated_sample"] = len(sample)
        w = writes(srv, zid, args.writes, "s", signed_answer)
        res["write_signed_ms"] = {"median": round(statistics.median(w), 2), "p99": round(pct(w, 99), 2),
                                    "first": round(w[0], 2), "max": round(max(w), 2)}
        keys = zone_keys(srv)
        bad = [e for e in (validate_answer(srv, "ws-%d.%s." % (i, ZONE), "A", keys) for i in range(args.writes)) if e]
        res["written_names_validate"] = "%d/%d" % (args.writes - len(bad), args.writes)
        if bad:
            res["written_names_first_failure"] = bad[0]
        srv.stop()
        res["restart_signed_s"] = round(srv.start(), 3)
        time.sleep(1)
        assert signed_answer(srv, "h1.%s." % ZONE)
        keys = zone_keys(srv)
        bad = [e for e in (validate_answer(srv, n, t, keys) for n, t in sample) if e]
        res["after_restart_sample_validates"] = "%d/%d" % (len(sample) - len(bad), len(sample))
        res["rss_signed_kib"] = srv.rss_kib()
        res["rss_per_record_unsigned_b"] = round(res["rss_unsigned_kib"] * 1024 / args.records, 1)
        res["rss_per_record_signed_b"] = round(res["rss_signed_kib"] * 1024 / args.records, 1)
        res["rss_signing_adds_per_record_b"] = round((res["rss_signed_kib"] - res["rss_unsigned_kib"]) * 1024 /
                                                     args.records, 1)
        res["ratios"] = {
            "write_p99_signed_over_unsigned": round(res["write_signed_ms"]["p99"] / res["write_unsigned_ms"]["p99"], 2),
            "rss_signed_over_unsigned": round(res["rss_signed_kib"] / res["rss_unsigned_kib"], 2),
            "restart_signed_over_unsigned": round(res["restart_signed_s"] / res["restart_unsigned_s"], 2),
        }
    finally:
        srv.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(res, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
