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

Usage: gen_zone.py --names 10000 --out bench/work/z10k [--seed 1] [--queries N]
"""
import argparse
import json
import os
import random
import sys
import time

GEN_VERSION = 3          # bump when the output format/content changes (invalidates caches)
ORIGIN = "example.com."
ZONE_FILE = "example.com.zone"
QUERY_FILE = "queries.txt"
META_FILE = "meta.json"

# Category shares of the N owner names (must sum to 100).
MIXES = {
    "static": [("A", 45), ("AAAA", 15), ("A_AAAA", 10), ("CNAME", 10),
               ("MX", 5), ("TXT", 5), ("SRV", 5), ("A_TXT", 5)],
    # Hook for a later issue: 30% of names proxied/flattened by dnsedge.  Not defined
    # yet; bench.py refuses `--mix proxied` until it is.
    "proxied": None,
}

# Query shares (percent).
QUERY_MIX = [("ADDR", 70), ("CNAME", 10), ("NX", 10), ("MX", 5), ("TXT", 5)]

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


def generate(names, out_dir, seed=1, queries=None, mix="static", quiet=False):
    shares = MIXES.get(mix)
    if shares is None:
        raise SystemExit("gen_zone: mix %r is not defined yet (only 'static')" % mix)
    if queries is None:
        queries = max(200_000, names)
    t0 = time.monotonic()
    rng = random.Random("%d/%d/%s" % (seed, names, mix))
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

    lines = [
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
    records = len(lines) - 2
    app = lines.append
    rr = rng.randrange
    ntxt = len(TXT_POOL)
    for i in range(names):
        c = cats[i]
        lab = labels[i]
        if c == "A":
            app("%s\tIN\tA\t%s" % (lab, v4(i)))
            records += 1
        elif c == "AAAA":
            app("%s\tIN\tAAAA\t%s" % (lab, v6(i)))
            records += 1
        elif c == "A_AAAA":
            app("%s\tIN\tA\t%s" % (lab, v4(i)))
            app("%s\tIN\tAAAA\t%s" % (lab, v6(i)))
            records += 2
        elif c == "CNAME":
            app("%s\tIN\tCNAME\t%s" % (lab, labels[a_idx[rr(n_a)]]))
            records += 1
        elif c == "MX":
            app("%s\tIN\tMX\t10 %s" % (lab, labels[a_idx[rr(n_a)]]))
            app("%s\tIN\tMX\t20 %s" % (lab, labels[a_idx[rr(n_a)]]))
            records += 2
        elif c == "TXT":
            app("%s\tIN\tTXT\t%s" % (lab, TXT_POOL[rr(ntxt)]))
            records += 1
        elif c == "SRV":
            app("_sip._tcp.%s\tIN\tSRV\t10 60 5060 %s" % (lab, labels[a_idx[rr(n_a)]]))
            records += 1
        elif c == "A_TXT":
            app("%s\tIN\tA\t%s" % (lab, v4(i)))
            app("%s\tIN\tTXT\t%s" % (lab, TXT_POOL[rr(ntxt)]))
            records += 2
    last_a = labels[-1] + "." + ORIGIN
    # Files are written under a temporary name and renamed, so a concurrent run never
    # reads a half-written file (two generators write identical bytes).
    tmp = ".tmp.%d" % os.getpid()
    with open(os.path.join(out_dir, ZONE_FILE + tmp), "w") as f:
        f.write("\n".join(lines))
        f.write("\n")
    os.replace(os.path.join(out_dir, ZONE_FILE + tmp), os.path.join(out_dir, ZONE_FILE))
    del lines

    # ---- queries ----
    by_cat = {}
    for i, c in enumerate(cats):
        by_cat.setdefault(c, []).append(i)
    addr = by_cat.get("A", []) + by_cat.get("AAAA", []) + by_cat.get("A_AAAA", []) + by_cat.get("A_TXT", [])
    cn = by_cat.get("CNAME", [])
    mx = by_cat.get("MX", [])
    txt = by_cat.get("TXT", []) + by_cat.get("A_TXT", [])
    qcounts = exact_counts(queries, QUERY_MIX)
    kinds = []
    for k, _ in QUERY_MIX:
        kinds.extend([k] * qcounts[k])
    rng.shuffle(kinds)
    dom = "." + ORIGIN[:-1]
    out = []
    qa = out.append
    n_addr, n_cn, n_mx, n_txt = len(addr), len(cn), len(mx), len(txt)
    for k in kinds:
        if k == "ADDR":
            i = addr[rr(n_addr)]
            c = cats[i]
            t = "A" if c in ("A", "A_TXT") else "AAAA" if c == "AAAA" else ("A", "AAAA")[rr(2)]
            qa("%s%s %s" % (labels[i], dom, t))
        elif k == "CNAME":
            qa("%s%s A" % (labels[cn[rr(n_cn)]], dom))
        elif k == "NX":
            # "nx" + hex: never an owner name (owner labels are word-hex), not under *.wild or sub.
            qa("nx%08x-%x%s %s" % (rng.getrandbits(32), rr(1 << 20), dom, ("A", "AAAA")[rr(2)]))
        elif k == "MX":
            qa("%s%s MX" % (labels[mx[rr(n_mx)]], dom))
        else:
            qa("%s%s TXT" % (labels[txt[rr(n_txt)]], dom))
    with open(os.path.join(out_dir, QUERY_FILE + tmp), "w") as f:
        f.write("\n".join(out))
        f.write("\n")
    os.replace(os.path.join(out_dir, QUERY_FILE + tmp), os.path.join(out_dir, QUERY_FILE))

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
        "sample": sample, "gen_seconds": round(time.monotonic() - t0, 2),
    }
    with open(os.path.join(out_dir, META_FILE + tmp), "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(os.path.join(out_dir, META_FILE + tmp), os.path.join(out_dir, META_FILE))
    if not quiet:
        print("generated %s: %d names, %d records, %.1f MB zone, %d queries in %.1f s"
              % (out_dir, names, records, meta["zone_bytes"] / 1e6, queries, meta["gen_seconds"]),
              file=sys.stderr)
    return meta


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
                    and os.path.exists(meta["query_file"])):
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
