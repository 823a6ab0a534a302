"""The signature check of signed golden cases (golden.Signatures, FORMAT.md "Signed answers"): a
verified RRSIG is shown with the `<signature>` mark and its times mapped to the case's clock; a
signature that does not verify, an unknown key tag or a missing covered RRset is an error and
the RRSIG keeps its signature, so it matches no expected line."""

from __future__ import annotations

import pathlib
import sys
import time

import dns.dnssec
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from cryptography.hazmat.primitives.serialization import load_pem_private_key

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import golden  # noqa: E402

CASE = golden.parse_case(golden.GOLDEN_DIR / "dnssec" / "a-signed.case")
APEX = dns.name.from_text("signed.test.")
WWW = dns.name.from_text("www.signed.test.")


def signed_www(now: int, key_file: str = "signed.test.zsk.pem", flags: int = 256):
    """www's A RRset and its RRSIG made now, as `serve` makes them (an hour back, 14 days)."""
    rrset = dns.rrset.from_text(WWW, 3600, "IN", "A", "192.0.2.80")
    path = golden.GOLDEN_DIR / "keys" / key_file
    private = load_pem_private_key(path.read_bytes(), None)
    sig = dns.dnssec.sign(rrset, private, APEX, golden.dnskey_of(path, flags),
                          inception=now - 3600, expiration=now + 14 * 86400)
    return rrset, dns.rrset.from_rdata(WWW, 3600, sig)


def check(rrset, sigs, now):
    s = golden.Signatures(CASE, ask=lambda name, rdtype: None, now=now)
    return s, s.line([rrset, sigs], sigs, sigs[0])


def test_a_verified_signature_is_shown_with_the_mark_and_the_case_clock():
    now = int(time.time())
    rrset, sigs = signed_www(now - 30)  # made half a minute before the answer
    s, line = check(rrset, sigs, now)
    assert s.errors == []
    assert line == ("www.signed.test.\t3600\tIN\tRRSIG\tA 13 3 3600 20261215000000 20261130230000 "
                    "54740 signed.test. <signature>")
    assert line in CASE.expect.sections["answer"]


def test_a_signature_that_does_not_verify_is_an_error_and_keeps_its_bytes():
    now = int(time.time())
    rrset, sigs = signed_www(now)
    bad = sigs[0].replace(signature=bytes([sigs[0].signature[0] ^ 1]) + sigs[0].signature[1:])
    sigs = dns.rrset.from_rdata(WWW, 3600, bad)
    s, line = check(rrset, sigs, now)
    assert len(s.errors) == 1 and "does not verify" in s.errors[0], s.errors
    assert golden.SIGNATURE_MARK not in line
    assert golden.rr_key(line) != golden.rr_key(CASE.expect.sections["answer"][1])


def test_a_wrong_rrset_or_a_key_tag_the_case_does_not_name_is_an_error():
    now = int(time.time())
    rrset, sigs = signed_www(now, key_file="signed.test.ksk.pem", flags=257)
    other = dns.rrset.from_text(WWW, 3600, "IN", "A", "192.0.2.81")  # not what was signed
    s, _ = check(other, sigs, now)
    assert len(s.errors) == 1 and "does not verify" in s.errors[0], s.errors
    foreign = sigs[0].replace(key_tag=(sigs[0].key_tag + 1) % 65536)
    s, _ = check(rrset, dns.rrset.from_rdata(WWW, 3600, foreign), now)
    assert s.errors and "no key of the case has tag" in s.errors[0], s.errors


def test_a_signature_without_its_rrset_is_an_error():
    now = int(time.time())
    _rrset, sigs = signed_www(now)
    s = golden.Signatures(CASE, ask=lambda name, rdtype: None, now=now)
    s.line([sigs], sigs, sigs[0])
    assert s.errors and "neither in its section nor answered" in s.errors[0], s.errors


def test_times_far_from_the_policy_show_as_they_are():
    now = int(time.time())
    rrset, sigs = signed_www(now - 7200)  # signed two hours before the answer: not within 120 s
    s, line = check(rrset, sigs, now)
    assert s.errors == []
    assert "20261130230000" not in line and line.endswith(golden.SIGNATURE_MARK)
