"""Pre-signed zones are served signed, as Knot DNS serves them: the differential zone of
test_differential.py, signed at test time with Knot's `kzonesign` (ECDSA P-256) once with NSEC
and once with NSEC3 (opt-out, salt, no iterations), is served by dnsedge and by Knot, and queries
with DO=1 must get the same answers: RRSIGs (with the wildcard labels field), NSEC/NSEC3 proofs of
NXDOMAIN, NODATA, wildcard answers and wildcard NODATA (closest encloser, next closer, wildcard),
referrals with DS or the proof of no DS (opt-out), DNSKEY at the apex, ANY, and truncation of
large signed answers at the same EDNS sizes. DO=0 answers of a signed zone stay what they were.

A pre-signed zone with a proxied record is refused at load, naming the record.
"""

import pathlib
import random
import shutil
import subprocess

import pytest

from conftest import Dnsedge, canon, make_query, side_by_side, start_reference, start_target
from test_differential import ORIGIN, generate_queries, generate_zone

KZONESIGN = shutil.which("kzonesign") or "/usr/bin/kzonesign"

SIGN_CONF = """\
server:
    rundir: "{d}"
database:
    storage: "{d}/db"
keystore:
  - id: ks
    backend: pem
    config: "{d}/keys"
policy:
  - id: p
    algorithm: ecdsap256sha256
    nsec3: {nsec3}
    nsec3-opt-out: on
    nsec3-iterations: 0
    nsec3-salt-length: 8
    keystore: ks
template:
  - id: default
    storage: "{d}"
zone:
  - domain: {origin}
    file: "{zone}"
    dnssec-signing: on
    dnssec-policy: p
"""


def sign(d: pathlib.Path, text: str, nsec3: bool) -> pathlib.Path:
    """The zone signed by kzonesign (keys made on the way), as a zone file."""
    if not pathlib.Path(KZONESIGN).exists():
        pytest.fail("kzonesign not found: install knot-dnssecutils")
    for sub in ("db", "keys", "out"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    src = d / "unsigned.zone"
    src.write_text(text)
    conf = d / "sign.conf"
    conf.write_text(SIGN_CONF.format(d=d, nsec3="on" if nsec3 else "off", origin=ORIGIN, zone=src))
    r = subprocess.run([KZONESIGN, "-c", str(conf), "-o", str(d / "out"), ORIGIN], capture_output=True, text=True,
                       timeout=60)
    out = d / "out" / "unsigned.zone"
    assert out.exists(), f"kzonesign failed ({r.returncode}): {r.stdout}{r.stderr}"
    signed = d / "diff.example.zone"
    signed.write_text(out.read_text())
    return signed


def queries(facts, n, seed):
    """The differential query mix, every query with DO=1 (ANY left out: dnsedge answers DO=0 ANY
    with RFC 8482's HINFO), plus the DNSSEC types."""
    rng = random.Random(seed)
    out = []
    for qname, qtype, kw in generate_queries(facts, n, seed):
        kw = dict(kw, edns=0, do=True, payload=rng.choice([512, 1232, 1232, 4096]))
        out.append((qname, qtype, kw))
    for name, qtype in [("@", "DNSKEY"), ("@", "NSEC3PARAM"), ("@", "ANY"), ("h001", "ANY"), ("c00", "ANY"),
                        ("w1.wild", "ANY"), ("@", "CDS"), ("sub", "DS"), ("nods", "DS"), ("ext", "DS"),
                        ("x.nods", "DS"), ("srv", "DS")]:
        for payload in (512, 1232, 4096):
            out.append((ORIGIN if name == "@" else f"{name}.{ORIGIN}", qtype,
                        {"edns": 0, "do": True, "payload": payload}))
    return out


def compare(target, knot, qs, tcp=False):
    mismatches = []
    for i, (qname, qtype, kw) in enumerate(qs):
        q = make_query(qname, qtype, qid=(i * 7919) % 65536, **kw)
        try:
            ca = canon(target.tcp(q) if tcp else target.udp(q), fold_case=True)
        except Exception as e:  # noqa: BLE001 - report, don't stop
            ca = {"error": repr(e)}
        cb = canon(knot.tcp(q) if tcp else knot.udp(q), fold_case=True)
        if ca != cb:
            mismatches.append((f"#{i} {qname} {qtype} {kw} {'TCP' if tcp else 'UDP'}", ca, cb))
    return mismatches


def report(mismatches, total):
    lines = [f"{len(mismatches)} of {total} answers differ from Knot (first {min(12, len(mismatches))} shown; "
             "left: server under test, right: Knot)"]
    for title, a, b in mismatches[:12]:
        lines.append(side_by_side(title, a, b, na="dnsedge"))
    return "\n\n".join(lines)


@pytest.fixture(scope="module", params=["nsec", "nsec3"])
def signed_pair(request, tmp_path_factory):
    text, facts = generate_zone()
    d = tmp_path_factory.mktemp(f"presigned-{request.param}")
    zfile = sign(d, text, nsec3=request.param == "nsec3")
    zones = {ORIGIN: str(zfile)}
    knot = start_reference(tmp_path_factory.mktemp(f"knot-{request.param}"), zones)
    try:
        target = start_target(tmp_path_factory.mktemp(f"target-{request.param}"), zones)
    except BaseException:
        knot.stop()
        raise
    yield request.param, target, knot, facts, zfile
    rc = target.stop()
    knot.stop()
    assert rc == 0 or target.name == "knotd", f"{target.name} exited {rc}:\n{target.log_tail()}"


def test_signed_zone_is_signed(signed_pair):
    mode, _, _, _, zfile = signed_pair
    text = zfile.read_text()
    assert " RRSIG" in text and " DNSKEY" in text
    assert (" NSEC3 " in text) == (mode == "nsec3")


def test_do1_answers_identical_udp(signed_pair):
    _, target, knot, facts, _ = signed_pair
    qs = queries(facts, 700, 4035)
    mismatches = compare(target, knot, qs)
    assert not mismatches, report(mismatches, len(qs))


def test_do1_answers_identical_tcp(signed_pair):
    _, target, knot, facts, _ = signed_pair
    qs = queries(facts, 150, 5155)
    mismatches = compare(target, knot, qs, tcp=True)
    assert not mismatches, report(mismatches, len(qs))


def test_do0_answers_identical(signed_pair):
    """Without DO a signed zone answers as an unsigned one would: no RRSIG, no NSEC (as Knot)."""
    _, target, knot, facts, _ = signed_pair
    qs = [(n, t, dict(kw, do=False)) for n, t, kw in generate_queries(facts, 200, 2308)]
    mismatches = compare(target, knot, qs)
    assert not mismatches, report(mismatches, len(qs))


def test_proofs_present(signed_pair):
    """The comparison above holds because both sides carry the proofs: check a few by hand."""
    mode, target, _, _, _ = signed_pair
    denial = "NSEC3" if mode == "nsec3" else "NSEC"
    nx = canon(target.ask(f"nx1.{ORIGIN}", "A", do=True))
    assert nx["rcode"] == "NXDOMAIN"
    assert sum(f" {denial} " in l for l in nx["authority"]) >= 2, nx
    assert any(" RRSIG SOA " in l for l in nx["authority"]), nx
    wc = canon(target.ask(f"w7.wild.{ORIGIN}", "A", do=True))
    sig = [l for l in wc["answer"] if " RRSIG A " in l]
    assert sig and sig[0].split()[6] == "3", wc  # labels of *.wild.diff.example: a wildcard answer
    assert any(f" {denial} " in l for l in wc["authority"]), wc
    key = canon(target.ask(ORIGIN, "DNSKEY", do=True))
    assert any(" RRSIG DNSKEY " in l for l in key["answer"]), key
    plain = canon(target.ask(f"nx1.{ORIGIN}", "A", do=False))
    assert not any("RRSIG" in l or "NSEC" in l for l in plain["authority"]), plain


def test_proxied_record_in_presigned_zone_is_refused(tmp_path, procs):
    text, _ = generate_zone()
    zfile = sign(tmp_path / "s", text, nsec3=False)
    lines = zfile.read_text().splitlines()
    lines.append(f"h000.{ORIGIN} 300 IN A 192.0.2.200 ; cf_tags=cf-proxied:true")
    bad = tmp_path / "diff.example.zone"
    bad.write_text("\n".join(lines) + "\n")
    (tmp_path / "run").mkdir(exist_ok=True)
    srv = Dnsedge(tmp_path / "run", [bad], extra=["--edge-ipv4", "203.0.113.1"])
    r = subprocess.run(srv.argv_for(), capture_output=True, text=True, timeout=30, cwd=tmp_path / "run")
    assert r.returncode != 0
    err = r.stdout + r.stderr
    assert "proxied A record h000.diff.example." in err and "pre-signed" in err, err
