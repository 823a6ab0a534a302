"""Differential test: dnsedge and Knot DNS serve the same generated zone file and must give
identical answers (SPEC §6): rcode, flags (QR AA TC RD RA AD CD), every section as a sorted list
of RRs in text form with TTLs, and the OPT record (present or not, payload, version, DO).

Names are compared case-insensitively except in the question (which must keep the query's case):
the letter case of other names is an artefact of name compression (see conftest.canon).
ANY is left out (dnsedge answers RFC 8482 HINFO on purpose; test_wire tests it).

With DNSEDGE_TARGET=knot the "server under test" is a second Knot: that validates the harness.
"""

import random

import pytest

from conftest import canon, make_query, side_by_side, start_reference, start_target

ORIGIN = "diff.example."
SEED = 6891
N_UDP = 3000
N_TCP = 300


# ---- the zone ------------------------------------------------------------------------------


def generate_zone() -> tuple[str, dict]:
    """A deterministic zone of a few hundred names. Returns (text, facts) where facts lists
    the names by kind, for the query generator."""
    rng = random.Random(SEED)
    L = []
    add = L.append
    f = {"hosts": [], "cnames": [], "mx": [], "txt": [], "srv": [], "ents": [], "nodata": []}
    add(f"$ORIGIN {ORIGIN}")
    add("$TTL 3600")
    # SOA TTL 900 < MINIMUM 3600: negative answers carry TTL 900
    add("@ 900 IN SOA ns1 hostmaster 2024060101 7200 3600 1209600 3600")
    add("@ IN NS ns1")
    add("@ IN NS ns2")
    add("@ IN NS ns.outside.test.")
    add("@ IN MX 10 mail")
    add("@ IN MX 20 mail2")
    add("@ IN MX 30 mx.outside.test.")
    add('@ IN TXT "v=spf1 mx -all"')
    add('@ IN TXT "google-site-verification=abcdef"')
    add("@ IN A 192.0.2.1")
    add("@ IN AAAA 2001:db8::1")
    add("ns1 IN A 192.0.2.53")
    add("ns1 IN AAAA 2001:db8::53")
    add("ns2 300 IN A 192.0.2.54")
    add("mail IN A 192.0.2.25")
    add("mail IN AAAA 2001:db8::25")
    add("mail2 IN A 192.0.2.26")
    ttls = ["", "60 ", "300 ", "3600 ", "86400 "]
    for i in range(220):
        n = f"h{i:03d}"
        ttl = ttls[i % 5]
        kind = i % 4
        if kind in (0, 2):
            add(f"{n} {ttl}IN A 10.{i // 250}.{i % 250}.1")
        if kind == 3:
            for k in range(1 + i % 3):
                add(f"{n} {ttl}IN A 10.{i // 250}.{i % 250}.{k + 10}")
        if kind in (1, 2):
            add(f"{n} {ttl}IN AAAA 2001:db8:{i:x}::1")
        f["hosts"].append((n, ["A", "AAAA", "AAAA A", "A"][kind].split()))
    # CNAMEs
    for i in range(50):
        n = f"c{i:02d}"
        r = i % 6
        if r == 0:
            tgt = f"h{rng.randrange(220):03d}"
        elif r == 1:
            tgt = f"h{(4 * rng.randrange(55) + 1):03d}"  # AAAA-only host: NODATA for A
        elif r == 2:
            tgt = f"missing{i}"  # NXDOMAIN target
        elif r == 3:
            tgt = f"www{i}.outside.test."  # out of zone
        elif r == 4:
            tgt = f"x{i}.wild"  # wildcard match
        else:
            tgt = f"host{i}.sub"  # below the delegation
        add(f"{n} IN CNAME {tgt}")
        f["cnames"].append(n)
    add("chain1 IN CNAME chain2")
    add("chain2 120 IN CNAME chain3")
    add("chain3 IN CNAME h002")
    add("loopa IN CNAME loopb")
    add("loopb IN CNAME loopa")
    for k in range(1, 7):  # chain of 6 CNAMEs (longer than Knot's 5)
        add(f"long{k} IN CNAME long{k + 1}")
    add("long7 IN A 192.0.2.7")
    add("www IN CNAME @")
    f["cnames"] += ["chain1", "chain2", "chain3", "loopa", "loopb", "long1", "long2", "www"]
    # MX
    for i in range(25):
        n = f"mx{i:02d}"
        for k in range(1 + i % 3):
            tgt = f"h{rng.randrange(220):03d}" if (i + k) % 4 else f"mx{k}.outside.test."
            add(f"{n} IN MX {10 * (k + 1)} {tgt}")
        f["mx"].append(n)
    # TXT
    for i in range(30):
        n = f"t{i:02d}"
        add(f'{n} IN TXT "text record {i}" "second string {rng.randrange(10 ** 6)}"')
        f["txt"].append(n)
    add('longtxt IN TXT "' + "x" * 300 + '"')  # > 255 octets: split
    for i in range(5):  # 5 x 150 octets: TC at 512 octets, fits in 1232
        add(f'bigtxt IN TXT "{i} ' + "b" * 148 + '"')
    for i in range(10):  # 10 x 200 octets: TC even at 1232
        add(f'hugetxt IN TXT "{i} ' + "h" * 198 + '"')
    f["txt"] += ["longtxt", "bigtxt", "hugetxt"]
    for i in range(40):  # 40 A: TC at 512 octets
        add(f"many IN A 10.200.0.{i + 1}")
    add("cmany IN CNAME many")  # the CNAME stays, the big RRset does not fit
    for i in range(14):  # additional data that does not all fit in 512 octets
        add(f"mxmany IN MX {i} mail-exchanger-{i:02d}")
        add(f"mail-exchanger-{i:02d} IN A 192.0.2.{150 + i}")
        add(f"mail-exchanger-{i:02d} IN AAAA 2001:db8::{150 + i:x}")
    # SRV under empty non-terminals _tcp.srv, _udp.srv, srv
    for i, svc in enumerate(["sip", "xmpp", "ldap", "http", "imap", "smtp"]):
        for proto in ("_tcp", "_udp"):
            n = f"_{svc}.{proto}.srv"
            for k in range(1 + i % 2):
                tgt = f"h{rng.randrange(220):03d}" if (i + k) % 3 else "target.outside.test."
                add(f"{n} IN SRV {k} {10 + k} {5000 + i} {tgt}")
            f["srv"].append(n)
    f["ents"] += ["srv", "_tcp.srv", "_udp.srv", "deep", "ent.deep", "a.b.c", "b.c", "c"]
    add("deep2.a.b.c IN A 192.0.2.99")
    # wildcards
    add("*.wild IN A 192.0.2.80")
    add('*.wild IN TXT "wildcard"')
    add("exact.wild IN A 192.0.2.81")
    add("*.ent.deep IN AAAA 2001:db8::80")  # wildcard under ENTs
    add("*.wmx IN MX 10 mail")
    # delegations
    add("sub IN NS ns1.sub")
    add("sub IN NS ns2.sub")
    add("sub 600 IN DS 12345 13 2 2BB183AF5F22588179A53B0A98631FAD1A292118E3A63C0E7D0CD9A0B9A5E0F6")
    add("ns1.sub IN A 192.0.2.100")
    add("ns1.sub IN AAAA 2001:db8::100")
    add("ns2.sub IN A 192.0.2.101")
    add("ext IN NS ns1.outside.test.")  # out-of-bailiwick only: no glue
    add("ext IN NS ns2.outside.test.")
    add("nods IN NS ns.nods")
    add("ns.nods IN A 192.0.2.102")
    # other types
    add('caa IN CAA 0 issue "letsencrypt.org"')
    add("ptr IN PTR h001")
    add('hinfo IN HINFO "PC" "Linux"')
    text = "\n".join(L) + "\n"
    return text, f


# ---- the queries ---------------------------------------------------------------------------

QTYPES = ["A", "AAAA", "MX", "TXT", "NS", "SOA", "SRV", "CNAME", "CAA", "PTR", "DS", "HINFO"]


def mixcase(rng, name):
    return "".join(ch.upper() if rng.random() < 0.5 else ch for ch in name)


def generate_queries(facts, n, seed):
    rng = random.Random(seed)
    out = []
    hosts = facts["hosts"]
    for _ in range(n):
        r = rng.random()
        if r < 0.30:
            name, types = rng.choice(hosts)
            qtype = rng.choice(types)
        elif r < 0.40:
            name, qtype = rng.choice(facts["cnames"]), rng.choice(["A", "A", "AAAA", "TXT", "CNAME"])
        elif r < 0.53:
            name = rng.choice([f"nx{rng.randrange(10 ** 6)}", f"a.b.nx{rng.randrange(999)}",
                               f"h{rng.randrange(220):03d}.nope", "x.exact.wild",
                               f"foo.c{rng.randrange(50):02d}", "nothing.srv"])
            qtype = rng.choice(["A", "AAAA", "MX", "TXT"])
        elif r < 0.63:
            name, types = rng.choice(hosts)
            qtype = rng.choice([t for t in QTYPES if t not in types])
        elif r < 0.68:
            name, qtype = rng.choice(facts["ents"]), rng.choice(["A", "TXT", "SRV"])
        elif r < 0.76:
            name = rng.choice([f"w{rng.randrange(1000)}.wild", f"a.b{rng.randrange(99)}.wild",
                               "exact.wild", f"q{rng.randrange(99)}.ent.deep",
                               f"m{rng.randrange(99)}.wmx"])
            qtype = rng.choice(["A", "TXT", "AAAA", "MX"])
        elif r < 0.81:
            name = rng.choice(["sub", "ns1.sub", f"host{rng.randrange(99)}.sub", "ext",
                               "www.ext", "nods", "x.y.nods", "ns.nods"])
            qtype = rng.choice(["A", "AAAA", "NS", "SOA", "MX"])
        elif r < 0.84:
            name, qtype = rng.choice(["sub", "ext", "nods", "@", "h001", "x.sub"]), "DS"
        elif r < 0.90:
            name = rng.choice(facts["mx"] + ["@"])
            qtype = "MX"
        elif r < 0.94:
            name, qtype = rng.choice(facts["srv"]), "SRV"
        elif r < 0.955:
            name = rng.choice(facts["txt"] + ["@"])
            qtype = "TXT"
        elif r < 0.975:
            name, qtype = rng.choice([("bigtxt", "TXT"), ("hugetxt", "TXT"), ("many", "A"),
                                      ("cmany", "A"), ("mxmany", "MX"), ("longtxt", "TXT")])
        else:
            name, qtype = rng.choice([("@", "NS"), ("@", "SOA"), ("caa", "CAA"), ("ptr", "PTR"),
                                      ("hinfo", "HINFO"), ("long1", "A"), ("loopa", "A"),
                                      ("chain1", "A"), ("chain1", "AAAA"), ("www", "A")])
        qname = ORIGIN if name == "@" else f"{name}.{ORIGIN}"
        if rng.random() < 0.2:
            qname = mixcase(rng, qname)
        e = rng.random()
        kw = {}
        if e < 0.25:
            kw["edns"] = None
        else:
            kw["payload"] = rng.choice([512, 1232, 4096])
            kw["do"] = rng.random() < 0.25
        kw["rd"] = rng.random() < 0.5
        kw["cd"] = rng.random() < 0.05
        out.append((qname, qtype, kw))
    return out


# ---- the test ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    d = tmp_path_factory.mktemp("diffzone")
    text, facts = generate_zone()
    zfile = d / "diff.example.zone"
    zfile.write_text(text)
    zones = {ORIGIN: str(zfile)}
    knot = start_reference(tmp_path_factory.mktemp("diffknot"), zones)
    try:
        target = start_target(tmp_path_factory.mktemp("difftarget"), zones)
    except BaseException:
        knot.stop()
        raise
    yield target, knot, facts
    rc = target.stop()
    knot.stop()
    assert rc == 0 or target.name == "knotd", f"{target.name} exited {rc}:\n{target.log_tail()}"


def compare(target, knot, queries, tcp):
    mismatches = []
    for i, (qname, qtype, kw) in enumerate(queries):
        q = make_query(qname, qtype, qid=(i * 7919) % 65536, **kw)
        try:
            a = target.tcp(q) if tcp else target.udp(q)
            ca = canon(a, fold_case=True)
        except Exception as e:  # noqa: BLE001 - report, don't stop
            ca = {"error": repr(e)}
        b = knot.tcp(q) if tcp else knot.udp(q)
        cb = canon(b, fold_case=True)
        if ca != cb:
            mismatches.append((f"#{i} {qname} {qtype} {kw} {'TCP' if tcp else 'UDP'}", ca, cb))
    return mismatches


def report(mismatches, total):
    lines = [f"{len(mismatches)} of {total} answers differ from Knot "
             f"(first {min(20, len(mismatches))} shown; left: server under test, right: Knot)"]
    for title, a, b in mismatches[:20]:
        lines.append(side_by_side(title, a, b, na="dnsedge"))
    return "\n\n".join(lines)


def test_zone_is_valid_for_knot(servers):
    target, knot, facts = servers
    assert len(facts["hosts"]) >= 200
    r = knot.ask(ORIGIN, "SOA")
    assert r.answer, "Knot did not load the generated zone"


def test_udp_answers_identical(servers):
    target, knot, facts = servers
    queries = generate_queries(facts, N_UDP, SEED)
    mismatches = compare(target, knot, queries, tcp=False)
    assert not mismatches, report(mismatches, len(queries))


def test_tcp_answers_identical(servers):
    target, knot, facts = servers
    queries = generate_queries(facts, N_TCP, SEED + 1)
    mismatches = compare(target, knot, queries, tcp=True)
    assert not mismatches, report(mismatches, len(queries))


def test_query_mix_covers_the_cases(servers):
    """Guards the generator: the mix really has NXDOMAIN, NODATA, referrals, TC, ..."""
    target, knot, facts = servers
    queries = generate_queries(facts, N_UDP, SEED)
    seen = {"NXDOMAIN": 0, "NODATA": 0, "referral": 0, "TC": 0, "CNAME": 0, "wildcard": 0,
            "noedns": 0, "DO": 0, "additional": 0, "mixedcase": 0}
    for i, (qname, qtype, kw) in enumerate(queries[:1500]):
        r = knot.udp(make_query(qname, qtype, **kw))
        c = canon(r)
        flags = c["flags"].split()
        if c["rcode"] == "NXDOMAIN":
            seen["NXDOMAIN"] += 1
        if c["rcode"] == "NOERROR" and not c["answer"] and "AA" in flags:
            seen["NODATA"] += 1
        if "AA" not in flags and c["authority"]:
            seen["referral"] += 1
        if "TC" in flags:
            seen["TC"] += 1
        if any(" CNAME " in l for l in c["answer"]):
            seen["CNAME"] += 1
        if ".wild." in qname.lower() and c["answer"]:
            seen["wildcard"] += 1
        if kw.get("edns", 0) is None:
            seen["noedns"] += 1
        if kw.get("do"):
            seen["DO"] += 1
        if c["additional"]:
            seen["additional"] += 1
        if qname != qname.lower():
            seen["mixedcase"] += 1
    assert seen["NXDOMAIN"] >= 150, seen  # 10 %+
    for k, v in seen.items():
        assert v >= 10, (k, seen)


def test_harness_detects_a_difference(servers, tmp_path_factory):
    """The comparison is not vacuous: Knot serving the zone with one TTL and one address
    changed must be reported as different from the reference."""
    target, knot, facts = servers
    text, _ = generate_zone()
    changed = text.replace("h000 IN A 10.0.0.1", "h000 IN A 10.0.0.99").replace(
        "h001 60 IN AAAA", "h001 61 IN AAAA")
    assert changed != text
    d = tmp_path_factory.mktemp("diffchanged")
    z = d / "diff.example.zone"
    z.write_text(changed)
    other = start_reference(d, {ORIGIN: str(z)})
    try:
        queries = [(f"h000.{ORIGIN}", "A", {}), (f"h001.{ORIGIN}", "AAAA", {"edns": None}),
                   (f"h002.{ORIGIN}", "A", {})]
        mism = compare(other, knot, queries, tcp=False)
        assert [m[0].split()[1] for m in mism] == [f"h000.{ORIGIN}", f"h001.{ORIGIN}"]
        assert "*" in report(mism, 3)
    finally:
        other.stop()
