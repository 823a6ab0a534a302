"""Lookup semantics (RFC 1034 §4.3.2, RFC 4592, RFC 2308, SPEC §6) on the hand-written zones in
zones/ (example.com, its child sub2.example.com, example.net).

Two kinds of test:
- test_lookup: explicit expected answers (rcode, AA, every section with TTLs; names compared in
  lower case). The table was checked against Knot DNS, the reference (run this file with
  DNSEDGE_TARGET=knot to re-check); each case says what it is about.
- test_same_as_knot: the same queries and more (mixed case, DO, no EDNS, TCP) sent to the server
  under test and to Knot serving the same files; the answers must be identical.
"""

from dataclasses import dataclass, field

import dns.flags
import pytest

from conftest import canon, make_query, side_by_side


@dataclass
class Case:
    qname: str
    qtype: str
    rcode: str
    aa: bool
    why: str
    answer: list = field(default_factory=list)
    authority: list = field(default_factory=list)
    additional: list = field(default_factory=list)


CASES = [
    Case('example.com', 'SOA', 'NOERROR', aa=True, why='apex SOA',
         answer=[
        'example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         authority=[],
         additional=[]),
    Case('example.com', 'NS', 'NOERROR', aa=True, why='apex NS: additional A/AAAA of in-zone NS targets only',
         answer=[
        'example.com. 3600 IN NS ns.example.net.',
        'example.com. 3600 IN NS ns1.example.com.',
        'example.com. 3600 IN NS ns2.example.com.',
    ],
         authority=[],
         additional=[
        'ns1.example.com. 3600 IN A 192.0.2.53',
        'ns1.example.com. 3600 IN AAAA 2001:db8::53',
        'ns2.example.com. 600 IN A 192.0.2.54',
    ]),
    Case('example.com', 'MX', 'NOERROR', aa=True, why='apex MX: additional for the in-zone target only',
         answer=[
        'example.com. 3600 IN MX 10 mail.example.com.',
        'example.com. 3600 IN MX 20 mail.example.net.',
        'example.com. 3600 IN MX 30 mx.outside.test.',
    ],
         authority=[],
         additional=[
        'mail.example.com. 3600 IN A 192.0.2.25',
        'mail.example.com. 3600 IN AAAA 2001:db8::25',
    ]),
    Case('example.com', 'TXT', 'NOERROR', aa=True, why='apex TXT',
         answer=[
        'example.com. 3600 IN TXT "v=spf1 mx -all"',
    ],
         authority=[],
         additional=[]),
    Case('example.com', 'AAAA', 'NOERROR', aa=True, why='apex AAAA',
         answer=[
        'example.com. 3600 IN AAAA 2001:db8::1',
    ],
         authority=[],
         additional=[]),
    Case('ns2.example.com', 'A', 'NOERROR', aa=True, why='own TTL',
         answer=[
        'ns2.example.com. 600 IN A 192.0.2.54',
    ],
         authority=[],
         additional=[]),
    Case('mail.example.com', 'MX', 'NOERROR', aa=True, why='NODATA: SOA at min(SOA TTL, MINIMUM)',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('nothing.example.com', 'A', 'NXDOMAIN', aa=True, why='NXDOMAIN',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('a.b.nothing.example.com', 'AAAA', 'NXDOMAIN', aa=True, why='NXDOMAIN deeper',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('_tcp.example.com', 'A', 'NOERROR', aa=True, why='empty non-terminal: NODATA',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('c.example.com', 'A', 'NOERROR', aa=True, why='ENT',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('b.c.example.com', 'TXT', 'NOERROR', aa=True, why='ENT',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('deep.a.b.c.example.com', 'A', 'NOERROR', aa=True, why='below ENTs',
         answer=[
        'deep.a.b.c.example.com. 3600 IN A 192.0.2.99',
    ],
         authority=[],
         additional=[]),
    Case('www.example.com', 'A', 'NOERROR', aa=True, why='CNAME to apex',
         answer=[
        'example.com. 3600 IN A 192.0.2.1',
        'www.example.com. 3600 IN CNAME example.com.',
    ],
         authority=[],
         additional=[]),
    Case('www.example.com', 'CNAME', 'NOERROR', aa=True, why='qtype CNAME',
         answer=[
        'www.example.com. 3600 IN CNAME example.com.',
    ],
         authority=[],
         additional=[]),
    Case('c1.example.com', 'A', 'NOERROR', aa=True, why='chain of 3',
         answer=[
        'c1.example.com. 3600 IN CNAME c2.example.com.',
        'c2.example.com. 120 IN CNAME c3.example.com.',
        'c3.example.com. 60 IN A 192.0.2.3',
    ],
         authority=[],
         additional=[]),
    Case('c1.example.com', 'TXT', 'NOERROR', aa=True, why='chain to NODATA',
         answer=[
        'c1.example.com. 3600 IN CNAME c2.example.com.',
        'c2.example.com. 120 IN CNAME c3.example.com.',
    ],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('l8.example.com', 'A', 'NOERROR', aa=True, why='5 CNAMEs then data',
         answer=[
        'l10.example.com. 3600 IN CNAME l11.example.com.',
        'l11.example.com. 3600 IN CNAME l12.example.com.',
        'l12.example.com. 3600 IN CNAME l13.example.com.',
        'l13.example.com. 3600 IN A 192.0.2.13',
        'l8.example.com. 3600 IN CNAME l9.example.com.',
        'l9.example.com. 3600 IN CNAME l10.example.com.',
    ],
         authority=[],
         additional=[]),
    Case('l7.example.com', 'A', 'NOERROR', aa=True, why='chain longer than 5 stops',
         answer=[
        'l10.example.com. 3600 IN CNAME l11.example.com.',
        'l11.example.com. 3600 IN CNAME l12.example.com.',
        'l7.example.com. 3600 IN CNAME l8.example.com.',
        'l8.example.com. 3600 IN CNAME l9.example.com.',
        'l9.example.com. 3600 IN CNAME l10.example.com.',
    ],
         authority=[],
         additional=[]),
    Case('loop1.example.com', 'A', 'NOERROR', aa=True, why='loop',
         answer=[
        'loop1.example.com. 3600 IN CNAME loop2.example.com.',
        'loop2.example.com. 3600 IN CNAME loop1.example.com.',
    ],
         authority=[],
         additional=[]),
    Case('self.example.com', 'A', 'NOERROR', aa=True, why='self loop',
         answer=[
        'self.example.com. 3600 IN CNAME self.example.com.',
    ],
         authority=[],
         additional=[]),
    Case('cext.example.com', 'A', 'NOERROR', aa=True, why='CNAME out of our zones',
         answer=[
        'cext.example.com. 3600 IN CNAME www.outside.test.',
    ],
         authority=[],
         additional=[]),
    Case('cnet.example.com', 'A', 'NOERROR', aa=True, why='CNAME into another zone we serve: not followed',
         answer=[
        'cnet.example.com. 3600 IN CNAME www.example.net.',
    ],
         authority=[],
         additional=[]),
    Case('csub2.example.com', 'A', 'NOERROR', aa=True, why='CNAME into the child zone: referral from this zone',
         answer=[
        'csub2.example.com. 3600 IN CNAME www.sub2.example.com.',
    ],
         authority=[
        'sub2.example.com. 3600 IN NS ns1.sub2.example.com.',
    ],
         additional=[
        'ns1.sub2.example.com. 3600 IN A 192.0.2.200',
    ]),
    Case('cdeleg.example.com', 'A', 'NOERROR', aa=True, why='CNAME into a delegation: referral, AA stays',
         answer=[
        'cdeleg.example.com. 3600 IN CNAME host.sub.example.com.',
    ],
         authority=[
        'sub.example.com. 3600 IN NS ns.outside.test.',
        'sub.example.com. 3600 IN NS ns1.sub.example.com.',
        'sub.example.com. 3600 IN NS ns2.sub.example.com.',
    ],
         additional=[
        'ns1.sub.example.com. 3600 IN A 192.0.2.100',
        'ns1.sub.example.com. 3600 IN AAAA 2001:db8::100',
        'ns2.sub.example.com. 3600 IN A 192.0.2.101',
    ]),
    Case('cnx.example.com', 'A', 'NXDOMAIN', aa=True, why='CNAME to NXDOMAIN',
         answer=[
        'cnx.example.com. 3600 IN CNAME nothere.example.com.',
    ],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('cnodata.example.com', 'TXT', 'NOERROR', aa=True, why='CNAME to NODATA',
         answer=[
        'cnodata.example.com. 3600 IN CNAME mail.example.com.',
    ],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('cwild.example.com', 'A', 'NOERROR', aa=True, why='CNAME to a wildcard match',
         answer=[
        'cwild.example.com. 3600 IN CNAME foo.wild.example.com.',
        'foo.wild.example.com. 3600 IN A 192.0.2.80',
    ],
         authority=[],
         additional=[]),
    Case('cent.example.com', 'A', 'NOERROR', aa=True, why='CNAME to an ENT',
         answer=[
        'cent.example.com. 3600 IN CNAME _tcp.example.com.',
    ],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('foo.wild.example.com', 'A', 'NOERROR', aa=True, why='wildcard',
         answer=[
        'foo.wild.example.com. 3600 IN A 192.0.2.80',
    ],
         authority=[],
         additional=[]),
    Case('a.b.wild.example.com', 'TXT', 'NOERROR', aa=True, why='wildcard, two labels deep',
         answer=[
        'a.b.wild.example.com. 3600 IN TXT "wild"',
    ],
         authority=[],
         additional=[]),
    Case('foo.wild.example.com', 'MX', 'NOERROR', aa=True, why='wildcard NODATA',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('host.wild.example.com', 'TXT', 'NOERROR', aa=True, why='explicit name blocks the wildcard',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('x.host.wild.example.com', 'A', 'NXDOMAIN', aa=True, why='under the explicit name: NXDOMAIN',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('wild.example.com', 'A', 'NOERROR', aa=True, why='parent of the wildcard: ENT',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('foo.wc.example.com', 'A', 'NOERROR', aa=True, why='wildcard CNAME followed',
         answer=[
        'example.com. 3600 IN A 192.0.2.1',
        'foo.wc.example.com. 3600 IN CNAME www.example.com.',
        'www.example.com. 3600 IN CNAME example.com.',
    ],
         authority=[],
         additional=[]),
    Case('foo.wcx.example.com', 'A', 'NOERROR', aa=True, why='wildcard CNAME out of zone',
         answer=[
        'foo.wcx.example.com. 3600 IN CNAME www.outside.test.',
    ],
         authority=[],
         additional=[]),
    Case('foo.x.ent.example.com', 'A', 'NOERROR', aa=True, why='wildcard under ENTs',
         answer=[
        'foo.x.ent.example.com. 3600 IN A 192.0.2.90',
    ],
         authority=[],
         additional=[]),
    Case('x.ent.example.com', 'A', 'NOERROR', aa=True, why='ENT above a wildcard',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('foo.ent.example.com', 'A', 'NXDOMAIN', aa=True, why='no wildcard at ent: NXDOMAIN',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('foo.mxw.example.com', 'MX', 'NOERROR', aa=True, why='wildcard MX: additional',
         answer=[
        'foo.mxw.example.com. 3600 IN MX 10 mail.example.com.',
    ],
         authority=[],
         additional=[
        'mail.example.com. 3600 IN A 192.0.2.25',
        'mail.example.com. 3600 IN AAAA 2001:db8::25',
    ]),
    Case('_sip._tcp.example.com', 'SRV', 'NOERROR', aa=True, why='SRV additional',
         answer=[
        '_sip._tcp.example.com. 3600 IN SRV 10 5 5060 sip.example.com.',
    ],
         authority=[],
         additional=[
        'sip.example.com. 3600 IN A 192.0.2.60',
    ]),
    Case('_xmpp._tcp.example.com', 'SRV', 'NOERROR', aa=True, why='SRV target in another zone: no additional',
         answer=[
        '_xmpp._tcp.example.com. 3600 IN SRV 0 0 5222 mail.example.net.',
    ],
         authority=[],
         additional=[]),
    Case('_ldap._tcp.example.com', 'SRV', 'NOERROR', aa=True, why='SRV target is glue below a cut',
         answer=[
        '_ldap._tcp.example.com. 3600 IN SRV 0 0 389 ns1.sub.example.com.',
    ],
         authority=[],
         additional=[
        'ns1.sub.example.com. 3600 IN A 192.0.2.100',
        'ns1.sub.example.com. 3600 IN AAAA 2001:db8::100',
    ]),
    Case('_out._tcp.example.com', 'SRV', 'NOERROR', aa=True, why='SRV target outside',
         answer=[
        '_out._tcp.example.com. 3600 IN SRV 0 0 1 target.outside.test.',
    ],
         authority=[],
         additional=[]),
    Case('mxdeleg.example.com', 'MX', 'NOERROR', aa=True, why='MX target is glue below a cut',
         answer=[
        'mxdeleg.example.com. 3600 IN MX 10 ns1.sub.example.com.',
    ],
         authority=[],
         additional=[
        'ns1.sub.example.com. 3600 IN A 192.0.2.100',
        'ns1.sub.example.com. 3600 IN AAAA 2001:db8::100',
    ]),
    Case('mxcname.example.com', 'MX', 'NOERROR', aa=True, why='MX target is a CNAME: no additional',
         answer=[
        'mxcname.example.com. 3600 IN MX 10 www.example.com.',
    ],
         authority=[],
         additional=[]),
    Case('mxnone.example.com', 'MX', 'NOERROR', aa=True, why='MX target missing',
         answer=[
        'mxnone.example.com. 3600 IN MX 10 nowhere.example.com.',
    ],
         authority=[],
         additional=[]),
    Case('mxself.example.com', 'MX', 'NOERROR', aa=True, why='MX target is the owner',
         answer=[
        'mxself.example.com. 3600 IN MX 10 mxself.example.com.',
    ],
         authority=[],
         additional=[
        'mxself.example.com. 3600 IN A 192.0.2.70',
    ]),
    Case('host.sub.example.com', 'A', 'NOERROR', aa=False, why='referral with glue',
         answer=[],
         authority=[
        'sub.example.com. 3600 IN NS ns.outside.test.',
        'sub.example.com. 3600 IN NS ns1.sub.example.com.',
        'sub.example.com. 3600 IN NS ns2.sub.example.com.',
    ],
         additional=[
        'ns1.sub.example.com. 3600 IN A 192.0.2.100',
        'ns1.sub.example.com. 3600 IN AAAA 2001:db8::100',
        'ns2.sub.example.com. 3600 IN A 192.0.2.101',
    ]),
    Case('sub.example.com', 'NS', 'NOERROR', aa=False, why='NS at the cut: referral',
         answer=[],
         authority=[
        'sub.example.com. 3600 IN NS ns.outside.test.',
        'sub.example.com. 3600 IN NS ns1.sub.example.com.',
        'sub.example.com. 3600 IN NS ns2.sub.example.com.',
    ],
         additional=[
        'ns1.sub.example.com. 3600 IN A 192.0.2.100',
        'ns1.sub.example.com. 3600 IN AAAA 2001:db8::100',
        'ns2.sub.example.com. 3600 IN A 192.0.2.101',
    ]),
    Case('sub.example.com', 'SOA', 'NOERROR', aa=False, why='SOA at the cut: referral',
         answer=[],
         authority=[
        'sub.example.com. 3600 IN NS ns.outside.test.',
        'sub.example.com. 3600 IN NS ns1.sub.example.com.',
        'sub.example.com. 3600 IN NS ns2.sub.example.com.',
    ],
         additional=[
        'ns1.sub.example.com. 3600 IN A 192.0.2.100',
        'ns1.sub.example.com. 3600 IN AAAA 2001:db8::100',
        'ns2.sub.example.com. 3600 IN A 192.0.2.101',
    ]),
    Case('ns1.sub.example.com', 'A', 'NOERROR', aa=False, why='glue name: referral',
         answer=[],
         authority=[
        'sub.example.com. 3600 IN NS ns.outside.test.',
        'sub.example.com. 3600 IN NS ns1.sub.example.com.',
        'sub.example.com. 3600 IN NS ns2.sub.example.com.',
    ],
         additional=[
        'ns1.sub.example.com. 3600 IN A 192.0.2.100',
        'ns1.sub.example.com. 3600 IN AAAA 2001:db8::100',
        'ns2.sub.example.com. 3600 IN A 192.0.2.101',
    ]),
    Case('sub.example.com', 'DS', 'NOERROR', aa=True, why='DS at the cut: parent answers',
         answer=[
        'sub.example.com. 300 IN DS 12345 13 2 2bb183af5f22588179a53b0a98631fad1a292118e3a63c0e7d0cd9a0b9a5e0f6',
    ],
         authority=[],
         additional=[]),
    Case('oob.example.com', 'DS', 'NOERROR', aa=True, why='no DS at the cut: NODATA from parent',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('a.b.sub.example.com', 'DS', 'NOERROR', aa=False, why='DS below the cut: referral',
         answer=[],
         authority=[
        'sub.example.com. 3600 IN NS ns.outside.test.',
        'sub.example.com. 3600 IN NS ns1.sub.example.com.',
        'sub.example.com. 3600 IN NS ns2.sub.example.com.',
    ],
         additional=[
        'ns1.sub.example.com. 3600 IN A 192.0.2.100',
        'ns1.sub.example.com. 3600 IN AAAA 2001:db8::100',
        'ns2.sub.example.com. 3600 IN A 192.0.2.101',
    ]),
    Case('x.oob.example.com', 'A', 'NOERROR', aa=False, why='out-of-bailiwick NS: no glue',
         answer=[],
         authority=[
        'oob.example.com. 3600 IN NS ns1.outside.test.',
        'oob.example.com. 3600 IN NS ns2.outside.test.',
    ],
         additional=[]),
    Case('netdeleg.example.com', 'A', 'NOERROR', aa=False, why='NS in another zone we serve: no glue',
         answer=[],
         authority=[
        'netdeleg.example.com. 3600 IN NS ns.example.net.',
    ],
         additional=[]),
    Case('sub2.example.com', 'SOA', 'NOERROR', aa=True, why='child zone we serve: longest suffix',
         answer=[
        'sub2.example.com. 3600 IN SOA ns1.sub2.example.com. hostmaster.example.com. 7 3600 600 86400 900',
    ],
         authority=[],
         additional=[]),
    Case('sub2.example.com', 'NS', 'NOERROR', aa=True, why='child apex NS',
         answer=[
        'sub2.example.com. 3600 IN NS ns1.sub2.example.com.',
    ],
         authority=[],
         additional=[
        'ns1.sub2.example.com. 3600 IN A 192.0.2.200',
    ]),
    Case('sub2.example.com', 'DS', 'NOERROR', aa=True, why='DS at a child apex we serve: parent answers',
         answer=[
        'sub2.example.com. 3600 IN DS 54321 13 2 1bb183af5f22588179a53b0a98631fad1a292118e3a63c0e7d0cd9a0b9a5e0f6',
    ],
         authority=[],
         additional=[]),
    Case('www.sub2.example.com', 'A', 'NOERROR', aa=True, why='child zone data',
         answer=[
        'www.sub2.example.com. 3600 IN A 192.0.2.201',
    ],
         authority=[],
         additional=[]),
    Case('nx.sub2.example.com', 'A', 'NXDOMAIN', aa=True, why='child zone NXDOMAIN: child SOA',
         answer=[],
         authority=[
        'sub2.example.com. 900 IN SOA ns1.sub2.example.com. hostmaster.example.com. 7 3600 600 86400 900',
    ],
         additional=[]),
    Case('example.com', 'DS', 'NOERROR', aa=True, why='DS at our apex, parent not ours: NODATA',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('example.net', 'SOA', 'NOERROR', aa=True, why='second zone',
         answer=[
        'example.net. 60 IN SOA ns.example.net. admin.example.net. 1 3600 600 86400 600',
    ],
         authority=[],
         additional=[]),
    Case('nx.example.net', 'A', 'NXDOMAIN', aa=True, why='NXDOMAIN: SOA TTL < MINIMUM',
         answer=[],
         authority=[
        'example.net. 60 IN SOA ns.example.net. admin.example.net. 1 3600 600 86400 600',
    ],
         additional=[]),
    Case('www.example.net', 'TXT', 'NOERROR', aa=True, why='NODATA in example.net',
         answer=[],
         authority=[
        'example.net. 60 IN SOA ns.example.net. admin.example.net. 1 3600 600 86400 600',
    ],
         additional=[]),
    Case('caa.example.com', 'CAA', 'NOERROR', aa=True, why='CAA',
         answer=[
        'caa.example.com. 3600 IN CAA 0 issue "letsencrypt.org"',
    ],
         authority=[],
         additional=[]),
    Case('ptr.example.com', 'PTR', 'NOERROR', aa=True, why='PTR',
         answer=[
        'ptr.example.com. 3600 IN PTR www.example.com.',
    ],
         authority=[],
         additional=[]),
    Case('hinfo.example.com', 'HINFO', 'NOERROR', aa=True, why='HINFO',
         answer=[
        'hinfo.example.com. 3600 IN HINFO "PC" "Linux"',
    ],
         authority=[],
         additional=[]),
    Case('unk.example.com', 'TYPE65400', 'NOERROR', aa=True, why='unknown type',
         answer=[
        'unk.example.com. 3600 IN TYPE65400 \\# 4 0a000001',
    ],
         authority=[],
         additional=[]),
    Case('unk.example.com', 'A', 'NOERROR', aa=True, why='unknown type node: NODATA',
         answer=[],
         authority=[
        'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300',
    ],
         additional=[]),
    Case('MixedCase.example.com', 'A', 'NOERROR', aa=True, why='owner case in the zone',
         answer=[
        'mixedcase.example.com. 3600 IN A 192.0.2.77',
    ],
         authority=[],
         additional=[]),
    Case('mixedcase.example.com', 'A', 'NOERROR', aa=True, why='lower-case query for it',
         answer=[
        'mixedcase.example.com. 3600 IN A 192.0.2.77',
    ],
         authority=[],
         additional=[]),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.qname}/{c.qtype}" for c in CASES])
def test_lookup(server, case):
    r = server.ask(case.qname, case.qtype, payload=4096)
    got = canon(r, fold_case=True)
    want = {"rcode": case.rcode, "aa": case.aa, "answer": case.answer,
            "authority": case.authority, "additional": case.additional}
    have = {"rcode": got["rcode"], "aa": bool(r.flags & dns.flags.AA), "answer": got["answer"],
            "authority": got["authority"], "additional": got["additional"]}
    assert have == want, f"{case.qname} {case.qtype}: {case.why}"
    assert got["question"] == [f"{case.qname}. IN {case.qtype}"]


# Queries compared with Knot: every case above in several variants.
def _variants():
    out = []
    for c in CASES:
        out.append((c.qname, c.qtype, {}))
        out.append((c.qname.upper() if len(out) % 3 else c.qname.title(), c.qtype,
                    {"edns": None}))
        out.append((c.qname, c.qtype, {"do": True, "rd": True, "cd": True}))
        out.append((c.qname, c.qtype, {"tcp": True, "payload": 512}))
    extra = [
        ("foo.WILD.example.com", "TXT", {}), ("*.wild.example.com", "A", {}),
        ("many.example.com", "A", {"edns": None}), ("many.example.com", "A", {}),
        ("cbig.example.com", "A", {"edns": None}), ("chuge.example.com", "TXT", {}),
        ("huge.example.com", "TXT", {"payload": 4096}), ("huge.example.com", "TXT", {"tcp": True}),
        ("bigtxt.example.com", "TXT", {"payload": 512}),
        ("x.bigdeleg.example.com", "A", {"edns": None}), ("bigdeleg.example.com", "NS", {}),
        ("bigdeleg.example.com", "DS", {"edns": None}),
        ("mxmany.example.com", "MX", {"edns": None}), ("mxmany.example.com", "MX", {"payload": 600}),
        ("longtxt.example.com", "TXT", {}), ("split.example.com", "TXT", {}),
        ("example.com", "A", {"edns": 1}), ("example.com", "A", {"edns": 1, "do": True}),
        ("example.com", "A", {"payload": 100}), ("www.outside.test", "A", {}),
        ("example.com", "SOA", {"rdclass": "CH"}), ("example.com", "A", {"rdclass": "ANY"}),
        ("example.com", "AXFR", {}), ("example.com", "OPT", {}), ("example.com", "RRSIG", {}),
        ("foo.wl.example.com", "A", {}),
    ]
    return out + extra


VARIANTS = _variants()


def test_same_as_knot(server, knot):
    mismatches = []
    for qname, qtype, kw in VARIANTS:
        kw = dict(kw)
        tcp = kw.pop("tcp", False)
        q = make_query(qname, qtype, **kw)
        a = server.tcp(q) if tcp else server.udp(q)
        b = knot.tcp(q) if tcp else knot.udp(q)
        ca, cb = canon(a, fold_case=True), canon(b, fold_case=True)
        if ca != cb:
            mismatches.append(side_by_side(f"{qname} {qtype} {kw} tcp={tcp}", ca, cb))
    assert not mismatches, (f"{len(mismatches)} of {len(VARIANTS)} answers differ from Knot:\n\n"
                            + "\n\n".join(mismatches[:20]))
