#!/usr/bin/python3
"""Zone and query-file generator for the dnsedge benchmark (Python 3 stdlib only).

Deterministic for a given (--names, --seed, --mix): the same arguments always give
byte-identical files.

Zone `example.com.` with N owner names:
  45% A, 15% AAAA, 10% A+AAAA, 10% CNAME (target: an in-zone A name),
   5% MX x2 (in-zone exchanges), 5% TXT, 5% SRV at `_sip._tcp.<label>` (which makes
  `<label>` and `_tcp.<label>` empty non-terminals), 5% A+TXT.
Plus an apex SOA, NS x2, A and MX, a wildcard `*.wild` (A and TXT) and a delegation `sub`
with in-bailiwick glue (A and AAAA).  Documentation address ranges only
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).

Query mix (shuffled): 70% existing A/AAAA names asked for a type they have, 10% CNAME
owners asked for A, 10% NXDOMAIN, 5% MX, 5% TXT.

Mix "proxied" (dnsedge only; Knot and NSD cannot serve proxy semantics): the very same names
and records as "static" (the static zone is also written, to static/example.com.zone), then
tagged the way a Cloudflare export tags them:
  30% of the address names (A, AAAA, A+AAAA, A+TXT) `; cf_tags=cf-proxied:true`;
  25% of the CNAMEs proxied, 25% flattened per record (`; cf_tags=cf-flatten-cname`);
  the apex A is replaced by an apex CNAME to a proxied A name (always flattened; an apex
  CNAME must have no A beside it);
  MX/SRV whose target is proxied are answered with dc-xxxxxxxx names (dc-records).
No proxied record points at an edge address (203.0.113.1-2, 2001:db8:e::1-2).  The query
file keeps the static shares per kind, but 30% of all queries ask a name whose answer the
proxy rules change: 22% proxied address names, 5% proxied/flattened CNAMEs (or CNAMEs to a
proxied name), 3% MX with a proxied target.  meta.json lists checks (expected answers with
the edge addresses) for the harness.

Usage: gen_zone.py --names 10000 --out bench/work/z10k [--seed 1] [--queries N] [--mix proxied]
"""
import argparse
import ipaddress
import json
import os
import random
import sys
import time

GEN_VERSION = 3          # bump when the output format/content changes (invalidates caches)
PROXIED_VERSION = 1      # the same for the "proxied" mix only
ORIGIN = "example.com."
ZONE_FILE = "example.com.zone"
STATIC_SUBDIR = "static"     # proxied mix: the untagged zone, static/example.com.zone
QUERY_FILE = "queries.txt"
META_FILE = "meta.json"

# Category shares of the N owner names (must sum to 100).
MIXES = {
    "static": [("A", 45), ("AAAA", 15), ("A_AAAA", 10), ("CNAME", 10),
               ("MX", 5), ("TXT", 5), ("SRV", 5), ("A_TXT", 5)],
}
# The proxied mix has the static mix's names and records (same random stream), tagged.
MIXES["proxied"] = MIXES["static"]

# Query shares (percent).
QUERY_MIX = [("ADDR", 70), ("CNAME", 10), ("NX", 10), ("MX", 5), ("TXT", 5)]
# Proxied mix: the same shares per kind, 30 points of them at names the proxy rules change
# (P_ADDR proxied address names, P_CNAME proxied/flattened CNAMEs or CNAMEs to a proxied name,
# P_MX MX owners with a proxied exchange, answered with a dc-record).
QUERY_MIX_PROXIED = [("ADDR", 48), ("P_ADDR", 22), ("CNAME", 5), ("P_CNAME", 5), ("NX", 10),
                     ("MX", 2), ("P_MX", 3), ("TXT", 5)]
SPECIAL_KINDS = ("P_ADDR", "P_CNAME", "P_MX")

# Proxied mix tagging (shares of the names of each category).
PROXIED_ADDR_SHARE = 0.30      # address names tagged cf-proxied:true
PROXIED_CNAME_SHARE = 0.25     # CNAMEs tagged cf-proxied:true
FLATTEN_CNAME_SHARE = 0.25     # CNAMEs tagged cf-flatten-cname
PROXIED_TTL = 300
# Edge addresses the proxied mix is served with (documentation ranges, SPEC examples).
EDGE_V4 = ("203.0.113.1", "203.0.113.2")
EDGE_V6 = ("2001:db8:e::1", "2001:db8:e::2")
TAG_PROXIED = " ; cf_tags=cf-proxied:true"
TAG_FLATTEN = " ; cf_tags=cf-flatten-cname"

WORDS = ("www", "mail", "api", "cdn", "shop", "app", "db", "web", "static", "img",
         "vpn", "git", "ci", "dev", "stage", "prod", "edge", "auth", "login", "sso",
         "blog", "news", "docs", "help", "status", "m", "mobile", "media", "video",
         "files", "dl", "ftp", "smtp", "imap", "pop", "mx", "ns", "lb", "node", "srv",
         "host", "cache", "proxy", "gw", "router", "printer", "cam", "iot", "metrics",
         "logs", "grafana", "kibana", "jenkins", "wiki", "crm", "erp", "pay", "cart",
         "search", "assets", "origin", "backend", "frontend", "office")

TXT_POOL = ('"v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 -all"',
            '"google-site-verification=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"',
            '"MS=ms12345678"',
            '"v=DMARC1; p=none; rua=mailto:dmarc@example.com"',
            '"owner=ops" "env=production"',
            '"k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDdocumentationonly"')

V4_NETS = ("192.0.2.", "198.51.100.", "203.0.113.")


def v4(i):
    return V4_NETS[i % 3] + str(1 + (i // 3) % 254)


def v6(i):
    return "2001:db8:%x:%x::%x" % ((i >> 16) & 0xffff, i & 0xffff, 1 + (i % 250))


def exact_counts(total, shares):
    """Split `total` into integer counts proportional to `shares` (largest remainder)."""
    s = sum(w for _, w in shares)
    raw = [(k, total * w / s) for k, w in shares]
    counts = {k: int(x) for k, x in raw}
    rest = total - sum(counts.values())
    for k, x in sorted(raw, key=lambda kx: -(kx[1] - int(kx[1])))[:rest]:
        counts[k] += 1
    return counts


def dns_wire(name):
    """Lowercase wire form of an absolute text name (for dc-record names)."""
    out = bytearray()
    for lab in name.rstrip(".").lower().split("."):
        if lab:
            out.append(len(lab))
            out += lab.encode("ascii")
    out.append(0)
    return bytes(out)


def dc_name(zone, target):
    """dnsedge's dc-record name for an MX/SRV target (view::dc_name): "dc-" + FNV-1a-32 of
    the zone and target wire forms, under the zone."""
    h = 2166136261
    for b in dns_wire(zone) + dns_wire(target):
        h = ((h ^ b) * 16777619) & 0xffffffff
    return "dc-%08x.%s" % (h, zone)


def _write(out_dir, fname, lines, tmp):
    path = os.path.join(out_dir, fname)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + tmp, "w") as f:
        f.write("\n".join(lines))
        f.write("\n")
    os.replace(path + tmp, path)


def generate(names, out_dir, seed=1, queries=None, mix="static", quiet=False):
    shares = MIXES.get(mix)
    if shares is None:
        raise SystemExit("gen_zone: mix %r is not defined" % mix)
    proxied = mix == "proxied"
    if queries is None:
        queries = max(200_000, names)
    t0 = time.monotonic()
    # The proxied mix draws its names and records from the static mix's stream, so both zones
    # have exactly the same names and records; its tags and queries come from a second stream.
    rng = random.Random("%d/%d/%s" % (seed, names, "static" if proxied else mix))
    os.makedirs(out_dir, exist_ok=True)

    counts = exact_counts(names, shares)
    cats = []
    for k, _ in shares:
        cats.extend([k] * counts[k])
    rng.shuffle(cats)
    # The zone's last owner name (the load-time probe target) must be an A name.
    if cats[-1] != "A":
        j = len(cats) - 1 - cats[::-1].index("A")
        cats[j], cats[-1] = cats[-1], cats[j]

    nw = len(WORDS)
    labels = ["%s-%x" % (WORDS[rng.randrange(nw)], i) for i in range(names)]
    a_idx = [i for i, c in enumerate(cats) if c in ("A", "A_AAAA", "A_TXT")]
    n_a = len(a_idx)

    head = [
        "$ORIGIN %s" % ORIGIN,
        "$TTL 3600",
        "@\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 3600",
        "@\tIN\tNS\tns1.example.com.",
        "@\tIN\tNS\tns2.example.com.",
        "@\tIN\tA\t192.0.2.1",
        "@\tIN\tMX\t10 mx1.example.com.",
        "ns1\tIN\tA\t192.0.2.53",
        "ns2\tIN\tA\t198.51.100.53",
        "mx1\tIN\tA\t203.0.113.25",
        "*.wild\tIN\tA\t192.0.2.80",
        "*.wild\tIN\tTXT\t\"wildcard answer\"",
        "sub\tIN\tNS\tns1.sub.example.com.",
        "sub\tIN\tNS\tns2.sub.example.com.",
        "ns1.sub\tIN\tA\t192.0.2.101",
        "ns1.sub\tIN\tAAAA\t2001:db8:ffff::101",
        "ns2.sub\tIN\tA\t198.51.100.102",
        "ns2.sub\tIN\tAAAA\t2001:db8:ffff::102",
    ]
    apex_a_line = 5
    records = len(head) - 2
    # Per name, the random choices that shape its records (same stream order as ever):
    # CNAME/SRV target, the two MX exchanges, the TXT string.
    pick = [None] * names
    rr = rng.randrange
    ntxt = len(TXT_POOL)
    for i in range(names):
        c = cats[i]
        if c in ("A", "AAAA", "TXT"):
            records += 1
            if c == "TXT":
                pick[i] = rr(ntxt)
        elif c in ("A_AAAA", "A_TXT"):
            records += 2
            if c == "A_TXT":
                pick[i] = rr(ntxt)
        elif c in ("CNAME", "SRV"):
            pick[i] = a_idx[rr(n_a)]
            records += 1
        elif c == "MX":
            pick[i] = (a_idx[rr(n_a)], a_idx[rr(n_a)])
            records += 2

    # ---- proxied mix: which names are tagged
    prox = flat = None
    prng = None
    apex_target = None
    if proxied:
        prng = random.Random("%d/%d/proxied" % (seed, names))
        edge4, edge6 = set(EDGE_V4), {ipaddress.ip_address(x) for x in EDGE_V6}
        prox = bytearray(names)         # 1: proxied (address name or CNAME)
        flat = bytearray(names)         # 1: CNAME with cf-flatten-cname
        addr_ok = [i for i, c in enumerate(cats) if c in ("A", "AAAA", "A_AAAA", "A_TXT")
                   and not (c != "AAAA" and v4(i) in edge4)
                   and not (c in ("AAAA", "A_AAAA") and ipaddress.ip_address(v6(i)) in edge6)]
        for i in prng.sample(addr_ok, round(PROXIED_ADDR_SHARE * len(addr_ok))):
            prox[i] = 1
        cn_all = [i for i, c in enumerate(cats) if c == "CNAME"]
        n_p, n_f = round(PROXIED_CNAME_SHARE * len(cn_all)), round(FLATTEN_CNAME_SHARE * len(cn_all))
        chosen = prng.sample(cn_all, n_p + n_f)
        for i in chosen[:n_p]:
            prox[i] = 1
        for i in chosen[n_p:]:
            flat[i] = 1
        # apex CNAME (flattened) to a proxied A name, instead of the apex A
        apex_target = next(i for i in a_idx if prox[i] and cats[i] == "A")

    def zone_lines(tagged):
        out = list(head)
        if tagged:
            out[apex_a_line] = "@\tIN\tCNAME\t%s" % labels[apex_target]
        app = out.append
        for i in range(names):
            c = cats[i]
            lab = labels[i]
            tag = TAG_PROXIED if tagged and prox[i] else ""
            if c == "A":
                app("%s\tIN\tA\t%s%s" % (lab, v4(i), tag))
            elif c == "AAAA":
                app("%s\tIN\tAAAA\t%s%s" % (lab, v6(i), tag))
            elif c == "A_AAAA":
                app("%s\tIN\tA\t%s%s" % (lab, v4(i), tag))
                app("%s\tIN\tAAAA\t%s%s" % (lab, v6(i), tag))
            elif c == "CNAME":
                if tagged and flat[i]:
                    tag = TAG_FLATTEN
                app("%s\tIN\tCNAME\t%s%s" % (lab, labels[pick[i]], tag))
            elif c == "MX":
                app("%s\tIN\tMX\t10 %s" % (lab, labels[pick[i][0]]))
                app("%s\tIN\tMX\t20 %s" % (lab, labels[pick[i][1]]))
            elif c == "TXT":
                app("%s\tIN\tTXT\t%s" % (lab, TXT_POOL[pick[i]]))
            elif c == "SRV":
                app("_sip._tcp.%s\tIN\tSRV\t10 60 5060 %s" % (lab, labels[pick[i]]))
            elif c == "A_TXT":
                app("%s\tIN\tA\t%s%s" % (lab, v4(i), tag))
                app("%s\tIN\tTXT\t%s" % (lab, TXT_POOL[pick[i]]))
        return out

    last_a = labels[-1] + "." + ORIGIN
    # Files are written under a temporary name and renamed, so a concurrent run never
    # reads a half-written file (two generators write identical bytes).
    tmp = ".tmp.%d" % os.getpid()
    _write(out_dir, ZONE_FILE, zone_lines(proxied), tmp)
    if proxied:
        _write(out_dir, os.path.join(STATIC_SUBDIR, ZONE_FILE), zone_lines(False), tmp)

    # ---- queries ----
    by_cat = {}
    for i, c in enumerate(cats):
        by_cat.setdefault(c, []).append(i)
    addr = by_cat.get("A", []) + by_cat.get("AAAA", []) + by_cat.get("A_AAAA", []) + by_cat.get("A_TXT", [])
    cn = by_cat.get("CNAME", [])
    mx = by_cat.get("MX", [])
    txt = by_cat.get("TXT", []) + by_cat.get("A_TXT", [])
    pools = {"ADDR": addr, "CNAME": cn, "MX": mx, "TXT": txt}
    qmix = QUERY_MIX
    qrng = rng
    if proxied:
        qmix = QUERY_MIX_PROXIED
        qrng = prng
        pools = {"ADDR": [i for i in addr if not prox[i]], "P_ADDR": [i for i in addr if prox[i]],
                 "CNAME": [i for i in cn if not (prox[i] or flat[i] or prox[pick[i]])],
                 "P_CNAME": [i for i in cn if prox[i] or flat[i] or prox[pick[i]]],
                 "MX": [i for i in mx if not (prox[pick[i][0]] or prox[pick[i][1]])],
                 "P_MX": [i for i in mx if prox[pick[i][0]] or prox[pick[i][1]]],
                 "TXT": txt}
        for k, v in pools.items():
            if not v:
                raise SystemExit("gen_zone: too few names for the proxied mix (no %s name)" % k)
    qcounts = exact_counts(queries, qmix)
    kinds = []
    for k, _ in qmix:
        kinds.extend([k] * qcounts[k])
    qrng.shuffle(kinds)
    rr = qrng.randrange
    dom = "." + ORIGIN[:-1]
    out = []
    qa = out.append
    sizes = {k: len(v) for k, v in pools.items()}
    for k in kinds:
        if k == "NX":
            # "nx" + hex: never an owner name (owner labels are word-hex), not under *.wild or sub.
            qa("nx%08x-%x%s %s" % (qrng.getrandbits(32), rr(1 << 20), dom, ("A", "AAAA")[rr(2)]))
            continue
        i = pools[k][rr(sizes[k])]
        if k in ("ADDR", "P_ADDR"):
            c = cats[i]
            t = "A" if c in ("A", "A_TXT") else "AAAA" if c == "AAAA" else ("A", "AAAA")[rr(2)]
            qa("%s%s %s" % (labels[i], dom, t))
        elif k in ("CNAME", "P_CNAME"):
            qa("%s%s A" % (labels[i], dom))
        elif k in ("MX", "P_MX"):
            qa("%s%s MX" % (labels[i], dom))
        else:
            qa("%s%s TXT" % (labels[i], dom))
    _write(out_dir, QUERY_FILE, out, tmp)

    # ---- sample for the cross-server answer check (~300 queries) ----
    # (name, type, expected rcode); the first 288 query lines plus hand-picked edge cases.
    sample = []
    for ln, k in zip(out[:288], kinds[:288]):
        n, t = ln.split(" ")
        sample.append((n + ".", t, "NXDOMAIN" if k == "NX" else "NOERROR"))
    srv = by_cat.get("SRV", [])
    extra = [
        (ORIGIN, "SOA"), (ORIGIN, "NS"), (ORIGIN, "MX"), (ORIGIN, "A"), (ORIGIN, "AAAA"),
        ("foo.wild." + ORIGIN, "A"), ("bar.baz.wild." + ORIGIN, "TXT"),
        ("foo.wild." + ORIGIN, "AAAA"), ("wild." + ORIGIN, "A"),
        ("sub." + ORIGIN, "NS"), ("www.sub." + ORIGIN, "A"), ("ns1.sub." + ORIGIN, "A"),
        ("mx1." + ORIGIN, "A"),
    ]
    if srv:
        extra += [("_sip._tcp.%s.%s" % (labels[srv[0]], ORIGIN), "SRV"),
                  ("_tcp.%s.%s" % (labels[srv[0]], ORIGIN), "A"),
                  ("%s.%s" % (labels[srv[0]], ORIGIN), "A")]
    if cn:
        extra.append(("%s.%s" % (labels[cn[0]], ORIGIN), "CNAME"))
    sample += [(n, t, "NOERROR") for n, t in extra]

    meta = {
        "gen_version": GEN_VERSION, "names": names, "seed": seed, "mix": mix,
        "origin": ORIGIN, "records": records, "queries": queries,
        "category_counts": counts, "query_counts": qcounts,
        "expected_rcode_share": {"NOERROR": 1 - qcounts["NX"] / queries,
                                 "NXDOMAIN": qcounts["NX"] / queries},
        "last_a_name": last_a, "zone_file": os.path.abspath(os.path.join(out_dir, ZONE_FILE)),
        "query_file": os.path.abspath(os.path.join(out_dir, QUERY_FILE)),
        "zone_bytes": os.path.getsize(os.path.join(out_dir, ZONE_FILE)),
        "sample": sample,
    }
    if proxied:
        meta.update(proxied_meta(out_dir, cats, labels, pick, prox, flat, apex_target, pools, qcounts, queries))
    meta["gen_seconds"] = round(time.monotonic() - t0, 2)
    with open(os.path.join(out_dir, META_FILE + tmp), "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(os.path.join(out_dir, META_FILE + tmp), os.path.join(out_dir, META_FILE))
    if not quiet:
        print("generated %s: %d names, %d records, %.1f MB zone, %d queries (mix %s) in %.1f s"
              % (out_dir, names, records, meta["zone_bytes"] / 1e6, queries, mix, meta["gen_seconds"]),
              file=sys.stderr)
    return meta


def proxied_meta(out_dir, cats, labels, pick, prox, flat, apex_target, pools, qcounts, queries):
    """What the harness needs for the proxied mix: the static twin zone, counts, and answer
    checks.  A check is {name, type, proxied: [[owner, type, rdata, ttl], ...], static: [...]}:
    the answer section expected from the proxied zone and from the static one (ttl None = any;
    rdata "EDGE4"/"EDGE6" = each configured edge address of that family, in any order)."""
    n = len(cats)
    fq = lambda i: labels[i] + "." + ORIGIN                      # noqa: E731

    def addrs(i):          # (type, rdata) a plain address name answers for A / AAAA
        c = cats[i]
        return ([v4(i)] if c in ("A", "A_AAAA", "A_TXT") else [],
                [v6(i)] if c in ("AAAA", "A_AAAA") else [])

    def addr_answer(owner, i, qtype, zone_proxied, ttl=3600):
        if zone_proxied and prox[i]:
            return [[owner, qtype, "EDGE4" if qtype == "A" else "EDGE6", PROXIED_TTL]]
        a4, a6 = addrs(i)
        return [[owner, qtype, x, ttl] for x in (a4 if qtype == "A" else a6)]

    def cname_answer(i, zone_proxied):
        owner, t = fq(i), pick[i]
        if not zone_proxied:
            return [[owner, "CNAME", fq(t), 3600]] + addr_answer(fq(t), t, "A", False)
        if prox[i]:
            return [[owner, "A", "EDGE4", PROXIED_TTL]]
        if flat[i]:    # the target's A under the CNAME's name, TTL min(CNAME, target)
            return addr_answer(owner, t, "A", True, 3600)
        return [[owner, "CNAME", fq(t), 3600]] + addr_answer(fq(t), t, "A", True)

    def mx_answer(i, zone_proxied):
        rows = []
        for pref, t in zip((10, 20), pick[i]):
            tgt = dc_name(ORIGIN, fq(t)) if zone_proxied and prox[t] else fq(t)
            rows.append([fq(i), "MX", "%d %s" % (pref, tgt), 3600])
        return rows

    checks = []
    per = 25
    for i in pools["P_ADDR"][:per]:
        for qt in ("A", "AAAA"):
            a4, a6 = addrs(i)
            if qt == "A" and a4 or qt == "AAAA" and a6:
                checks.append({"name": fq(i), "type": qt, "proxied": addr_answer(fq(i), i, qt, True),
                               "static": addr_answer(fq(i), i, qt, False)})
    for i in pools["ADDR"][:5]:
        qt = "A" if addrs(i)[0] else "AAAA"
        checks.append({"name": fq(i), "type": qt, "proxied": addr_answer(fq(i), i, qt, True),
                       "static": addr_answer(fq(i), i, qt, False)})
    kinds_seen = {"proxied": 0, "flattened": 0, "chain": 0}
    for i in pools["P_CNAME"]:
        k = "proxied" if prox[i] else "flattened" if flat[i] else "chain"
        if kinds_seen[k] >= per // 2:
            continue
        kinds_seen[k] += 1
        checks.append({"name": fq(i), "type": "A", "proxied": cname_answer(i, True),
                       "static": cname_answer(i, False)})
    dcs = {}
    for i in pools["P_MX"][:per]:
        checks.append({"name": fq(i), "type": "MX", "proxied": mx_answer(i, True), "static": mx_answer(i, False)})
        for t in pick[i]:
            if prox[t]:
                dcs.setdefault(dc_name(ORIGIN, fq(t)), t)
    for d, t in list(dcs.items())[:per]:
        a4, a6 = addrs(t)   # a dc-record answers the origin addresses, TTL 300
        checks.append({"name": d, "type": "A", "proxied": [[d, "A", x, PROXIED_TTL] for x in a4],
                       "static": None, "static_rcode": "NXDOMAIN"})
    checks.append({"name": ORIGIN, "type": "A", "proxied": [[ORIGIN, "A", "EDGE4", PROXIED_TTL]],
                   "static": [[ORIGIN, "A", "192.0.2.1", 3600]]})
    checks.append({"name": ORIGIN, "type": "AAAA", "proxied": [[ORIGIN, "AAAA", "EDGE6", PROXIED_TTL]],
                   "static": []})
    special = sum(qcounts[k] for k in SPECIAL_KINDS)
    return {
        "proxied_version": PROXIED_VERSION,
        "static_zone_file": os.path.abspath(os.path.join(out_dir, STATIC_SUBDIR, ZONE_FILE)),
        "edge_v4": list(EDGE_V4), "edge_v6": list(EDGE_V6),
        "tagged": {"proxied_names": sum(prox), "flattened_cnames": sum(flat) + 1,    # + the apex CNAME
                   "apex_cname_target": fq(apex_target),
                   "mx_owners_with_proxied_exchange": len(pools["P_MX"])},
        "special_query_share": special / queries,
        "proxy_checks": checks,
    }


def load_or_generate(names, out_dir, seed=1, mix="static", queries=None, force=False):
    """Reuse an earlier generation with identical parameters, else generate."""
    mp = os.path.join(out_dir, META_FILE)
    if not force and os.path.exists(mp):
        try:
            with open(mp) as f:
                meta = json.load(f)
            want_q = queries if queries is not None else max(200_000, names)
            if (meta.get("gen_version") == GEN_VERSION and meta.get("names") == names
                    and meta.get("seed") == seed and meta.get("mix") == mix
                    and meta.get("queries") == want_q
                    and os.path.getsize(meta["zone_file"]) == meta["zone_bytes"]
                    and os.path.exists(meta["query_file"])
                    and (mix != "proxied" or (meta.get("proxied_version") == PROXIED_VERSION
                                              and os.path.exists(meta["static_zone_file"])))):
                meta["reused"] = True
                return meta
        except (OSError, ValueError, KeyError):
            pass
    meta = generate(names, out_dir, seed=seed, queries=queries, mix=mix)
    meta["reused"] = False
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--names", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=None)
    ap.add_argument("--mix", default="static", choices=sorted(MIXES))
    a = ap.parse_args()
    generate(a.names, a.out, seed=a.seed, queries=a.queries, mix=a.mix)


if __name__ == "__main__":
    main()
