// DO=1 answers of a zone signed online (view::CompileOptions::signing): compact denial (RFC
// 9824), wildcard expansions signed at the query name, signatures made at query time that
// verify, the fresh-signature budget, and DO=0 answers left byte for byte as they were.

#include <gtest/gtest.h>
extern "C" {
#include <libknot/libknot.h>
}

#include <memory>
#include <string>
#include <vector>

#include "auth/answer.h"
#include "auth/explain.h"
#include "auth/online_sign.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "dnssec/denial.h"
#include "dnssec/key.h"
#include "dnssec/sign.h"

namespace dnsedge::auth {
namespace {

namespace rrtype = dns::rrtype;

std::string W(const char* t) { return dns::name_from_text(t).value(); }

constexpr const char* kZone = R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.53
mail A 192.0.2.25
www CNAME web
web A 192.0.2.80
web TXT "hello"
a.b.ent A 192.0.2.7
*.wild A 192.0.2.99
*.wc CNAME web
sub NS ns.sub
ns.sub A 192.0.2.3
)";

struct Fixture {
  std::shared_ptr<dnssec::ZoneSigning> signing;
  std::shared_ptr<const view::Catalog> signed_cat, plain_cat;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    const std::string origin = W("example.com.");
    auto zt = dns::parse_zone_text(kZone, origin);
    EXPECT_TRUE(zt);
    x.signing = std::make_shared<dnssec::ZoneSigning>();
    x.signing->apex = origin;
    x.signing->ksks.push_back(dnssec::Key::generate(dnssec::kFlagsKsk).value());
    x.signing->zsk = dnssec::Key::generate(dnssec::kFlagsZsk).value();
    x.signing->dnskeys = {x.signing->ksks[0], *x.signing->zsk};
    view::CompileOptions o;
    o.signing = x.signing;
    x.signed_cat = view::Catalog::build({view::ZoneView::compile(origin, zt->records, o).value()});
    x.plain_cat = view::Catalog::build({view::ZoneView::compile(origin, zt->records).value()});
    return x;
  }();
  return f;
}

std::vector<uint8_t> query(const char* qname, uint16_t qtype, bool do_bit, bool co = false, uint16_t size = 1232) {
  std::vector<uint8_t> p = {0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1};
  const std::string n = W(qname);
  p.insert(p.end(), n.begin(), n.end());
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  const uint8_t flags = static_cast<uint8_t>((do_bit ? 0x80 : 0) | (co ? 0x40 : 0));
  p.insert(p.end(), {0, 0, 41, static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size), 0, 0, flags, 0, 0, 0});
  return p;
}

struct RR {
  std::string owner;  // wire, lowercase
  uint16_t type;
  uint32_t ttl;
  std::string rdata;
};

struct Resp {
  std::vector<uint8_t> wire;
  int rcode = -1;
  bool tc = false;
  std::vector<RR> sec[3];
  uint16_t opt_flags = 0;
  int ede = -1;
};

Resp ask(const view::Catalog& cat, const std::vector<uint8_t>& q, OnlineSigner* signer, Transport t = Transport::kUdp) {
  Resp r;
  r.wire.resize(kMaxResponse);
  const size_t n = answer(cat, q, r.wire, t, nullptr, nullptr, signer);
  r.wire.resize(n);
  knot_pkt_t* pkt = knot_pkt_new(r.wire.data(), r.wire.size(), nullptr);
  EXPECT_EQ(knot_pkt_parse(pkt, 0), KNOT_EOK);
  r.rcode = knot_pkt_ext_rcode(pkt);
  r.tc = knot_wire_get_tc(r.wire.data());
  for (int s = 0; s < 3; ++s) {
    const knot_pktsection_t* ps = knot_pkt_section(pkt, static_cast<knot_section_t>(KNOT_ANSWER + s));
    for (uint16_t i = 0; i < ps->count; ++i) {
      const knot_rrset_t* rr = knot_pkt_rr(ps, i);
      if (rr->type == KNOT_RRTYPE_OPT) {
        r.opt_flags = static_cast<uint16_t>(rr->ttl & 0xffff);
        const knot_rdata_t* rd = rr->rrs.rdata;
        if (rd->len >= 6 && rd->data[0] == 0 && rd->data[1] == 15) r.ede = rd->data[4] << 8 | rd->data[5];
        continue;
      }
      std::string owner(reinterpret_cast<const char*>(rr->owner), knot_dname_size(rr->owner));
      for (char& ch : owner) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      const knot_rdata_t* rd = rr->rrs.rdata;
      r.sec[s].push_back(RR{owner, rr->type, rr->ttl, std::string(reinterpret_cast<const char*>(rd->data), rd->len)});
    }
  }
  knot_pkt_free(pkt);
  return r;
}

const RR* find(const std::vector<RR>& s, uint16_t type, uint16_t covered = 0) {
  for (const RR& rr : s) {
    if (rr.type != type) continue;
    if (covered != 0 && (rr.rdata.size() < 2 ||
                         (static_cast<uint8_t>(rr.rdata[0]) << 8 | static_cast<uint8_t>(rr.rdata[1])) != covered)) {
      continue;
    }
    return &rr;
  }
  return nullptr;
}

// Checks the RRSIG over `type` at `owner` in section `s` against the RRs of that type there.
void expect_verifies(const std::vector<RR>& s, uint16_t type, const std::string& owner, unsigned labels) {
  std::vector<std::string_view> rds;
  uint32_t ttl = 0;
  for (const RR& rr : s) {
    if (rr.type == type && rr.owner == owner) {
      rds.push_back(rr.rdata);
      ttl = rr.ttl;
    }
  }
  ASSERT_FALSE(rds.empty()) << "no RRs of type " << type;
  const RR* sig = find(s, rrtype::kRRSIG, type);
  ASSERT_NE(sig, nullptr) << "no RRSIG over type " << type;
  EXPECT_EQ(sig->owner, owner);
  EXPECT_EQ(static_cast<uint8_t>(sig->rdata[3]), labels);
  const uint32_t orig_ttl = static_cast<uint8_t>(sig->rdata[4]) << 24 | static_cast<uint8_t>(sig->rdata[5]) << 16 |
                            static_cast<uint8_t>(sig->rdata[6]) << 8 | static_cast<uint8_t>(sig->rdata[7]);
  if (type != rrtype::kSOA) {
    EXPECT_EQ(orig_ttl, ttl);
  }
  const dnssec::RRsetRef ref{owner, type, 1, orig_ttl, rds};
  auto ok = dnssec::verify_rrset(ref, sig->rdata, *fixture().signing->zsk);
  EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
}

std::string next_name(const RR& nsec) {
  return nsec.rdata.substr(0, dns::name_length(reinterpret_cast<const uint8_t*>(nsec.rdata.data())));
}
std::string bitmap(const RR& nsec) { return nsec.rdata.substr(next_name(nsec).size()); }
std::string bitmap_of(std::vector<uint16_t> types) { return dnssec::type_bitmap(types); }

TEST(OnlineAnswerTest, CompactNxdomainIsNoerrorWithNxnameNsec) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("nope.example.com.", rrtype::kA, true), &signer);
  EXPECT_EQ(r.rcode, KNOT_RCODE_NOERROR);
  EXPECT_TRUE(r.sec[0].empty());
  ASSERT_EQ(r.sec[1].size(), 4u);  // SOA, NSEC and their RRSIGs
  const RR* nsec = find(r.sec[1], rrtype::kNSEC);
  ASSERT_NE(nsec, nullptr);
  EXPECT_EQ(nsec->owner, W("nope.example.com."));
  EXPECT_EQ(nsec->ttl, 300u);
  EXPECT_EQ(next_name(*nsec), std::string("\x01\x00", 2) + W("nope.example.com."));
  EXPECT_EQ(bitmap(*nsec), bitmap_of({rrtype::kNSEC, rrtype::kRRSIG, dnssec::rrtype::kNXNAME}));
  expect_verifies(r.sec[1], rrtype::kNSEC, W("nope.example.com."), 3);
  expect_verifies(r.sec[1], rrtype::kSOA, W("example.com."), 2);
  EXPECT_EQ(r.opt_flags & 0x4000, 0);  // no CO asked, none echoed
}

TEST(OnlineAnswerTest, CompactAnswersOkGetsNxdomainAndTheFlagEchoed) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("nope.example.com.", rrtype::kA, true, true), &signer);
  EXPECT_EQ(r.rcode, KNOT_RCODE_NXDOMAIN);
  EXPECT_NE(r.opt_flags & 0x4000, 0);
  EXPECT_NE(r.opt_flags & 0x8000, 0);
  const RR* nsec = find(r.sec[1], rrtype::kNSEC);
  ASSERT_NE(nsec, nullptr);
  EXPECT_EQ(bitmap(*nsec), bitmap_of({rrtype::kNSEC, rrtype::kRRSIG, dnssec::rrtype::kNXNAME}));
}

TEST(OnlineAnswerTest, NodataNsecListsTheTypesOfTheName) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("web.example.com.", rrtype::kAAAA, true), &signer);
  EXPECT_EQ(r.rcode, KNOT_RCODE_NOERROR);
  EXPECT_TRUE(r.sec[0].empty());
  const RR* nsec = find(r.sec[1], rrtype::kNSEC);
  ASSERT_NE(nsec, nullptr);
  EXPECT_EQ(nsec->owner, W("web.example.com."));
  EXPECT_EQ(bitmap(*nsec), bitmap_of({rrtype::kA, rrtype::kTXT, rrtype::kNSEC, rrtype::kRRSIG}));
  expect_verifies(r.sec[1], rrtype::kNSEC, W("web.example.com."), 3);
}

TEST(OnlineAnswerTest, EmptyNonTerminalHasNsecAndRrsigOnly) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("b.ent.example.com.", rrtype::kA, true), &signer);
  EXPECT_EQ(r.rcode, KNOT_RCODE_NOERROR);
  const RR* nsec = find(r.sec[1], rrtype::kNSEC);
  ASSERT_NE(nsec, nullptr);
  EXPECT_EQ(bitmap(*nsec), bitmap_of({rrtype::kNSEC, rrtype::kRRSIG}));
}

TEST(OnlineAnswerTest, WildcardExpansionIsSignedAtTheQueryName) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("x.y.wild.example.com.", rrtype::kA, true), &signer);
  EXPECT_EQ(r.rcode, KNOT_RCODE_NOERROR);
  ASSERT_EQ(r.sec[0].size(), 2u);
  expect_verifies(r.sec[0], rrtype::kA, W("x.y.wild.example.com."), 5);
  EXPECT_TRUE(r.sec[1].empty());  // no proof that no closer name exists: none is needed
}

TEST(OnlineAnswerTest, WildcardCnameChainIsSignedLinkByLink) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("q.wc.example.com.", rrtype::kA, true), &signer);
  EXPECT_EQ(r.rcode, KNOT_RCODE_NOERROR);
  expect_verifies(r.sec[0], rrtype::kCNAME, W("q.wc.example.com."), 4);
  expect_verifies(r.sec[0], rrtype::kA, W("web.example.com."), 3);
}

TEST(OnlineAnswerTest, WildcardNodataIsProvedAtTheQueryName) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("x.wild.example.com.", rrtype::kMX, true), &signer);
  const RR* nsec = find(r.sec[1], rrtype::kNSEC);
  ASSERT_NE(nsec, nullptr);
  EXPECT_EQ(nsec->owner, W("x.wild.example.com."));
  EXPECT_EQ(bitmap(*nsec), bitmap_of({rrtype::kA, rrtype::kNSEC, rrtype::kRRSIG}));
  expect_verifies(r.sec[1], rrtype::kNSEC, W("x.wild.example.com."), 4);
}

TEST(OnlineAnswerTest, NsecQueryAnswersTheNamesOwnNsec) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("mail.example.com.", rrtype::kNSEC, true), &signer);
  ASSERT_NE(find(r.sec[0], rrtype::kNSEC), nullptr);
  expect_verifies(r.sec[0], rrtype::kNSEC, W("mail.example.com."), 3);
}

TEST(OnlineAnswerTest, ReferralWithoutDsCarriesSignedNsecAtTheCut) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("a.sub.example.com.", rrtype::kA, true), &signer);
  ASSERT_NE(find(r.sec[1], rrtype::kNS), nullptr);
  const RR* nsec = find(r.sec[1], rrtype::kNSEC);
  ASSERT_NE(nsec, nullptr);
  EXPECT_EQ(nsec->owner, W("sub.example.com."));
  EXPECT_EQ(bitmap(*nsec), bitmap_of({rrtype::kNS, rrtype::kNSEC, rrtype::kRRSIG}));
  expect_verifies(r.sec[1], rrtype::kNSEC, W("sub.example.com."), 3);
  EXPECT_EQ(find(r.sec[1], rrtype::kRRSIG, rrtype::kNS), nullptr);  // a cut's NS is not signed
}

TEST(OnlineAnswerTest, PositiveAnswersCarryVerifyingSignatures) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("example.com.", rrtype::kMX, true), &signer);
  expect_verifies(r.sec[0], rrtype::kMX, W("example.com."), 2);
  expect_verifies(r.sec[2], rrtype::kA, W("mail.example.com."), 3);
}

TEST(OnlineAnswerTest, WithoutDoAnswersAreThoseOfTheUnsignedZone) {
  OnlineSigner signer;
  for (const char* n : {"example.com.", "www.example.com.", "nope.example.com.", "b.ent.example.com.",
                        "x.wild.example.com.", "q.wc.example.com.", "a.sub.example.com."}) {
    for (uint16_t t : {rrtype::kA, rrtype::kMX, rrtype::kTXT, rrtype::kNSEC, rrtype::kANY}) {
      for (const bool co : {false, true}) {
        const Resp s = ask(*fixture().signed_cat, query(n, t, false, co), &signer);
        const Resp p = ask(*fixture().plain_cat, query(n, t, false, co), &signer);
        EXPECT_EQ(s.wire, p.wire) << n << " " << t;
      }
    }
  }
}

TEST(OnlineAnswerTest, CachedSignaturesAreReused) {
  OnlineSigner signer;
  const Resp a = ask(*fixture().signed_cat, query("cached.example.com.", rrtype::kA, true), &signer);
  const uint64_t fresh = signer.stats().fresh;
  EXPECT_GE(fresh, 1u);  // the NSEC's (and the SOA's when the view holds no static one)
  const Resp b = ask(*fixture().signed_cat, query("cached.example.com.", rrtype::kA, true), &signer);
  EXPECT_EQ(signer.stats().fresh, fresh);
  EXPECT_GE(signer.stats().hits, fresh);
  EXPECT_EQ(a.wire, b.wire);
}

TEST(OnlineAnswerTest, PastTheBudgetUdpGetsTruncatedAndTcpServfail) {
  OnlineSigner signer(OnlineSignerOptions{.cache_entries = 64, .fresh_per_second = 1, .burst = 3});
  signer.set_clock(1'800'000'000);
  signer.set_monotonic_ms(5'000);
  // A DO=0 answer competes for the worker: the budget applies (see the test below).
  EXPECT_FALSE(ask(*fixture().signed_cat, query("www.example.com.", rrtype::kA, false), &signer).tc);
  // Each new name spends a token on its NSEC's signature (and the first one on the SOA's when
  // the view holds no static one): within three names the bucket is empty.
  EXPECT_EQ(ask(*fixture().signed_cat, query("n1.example.com.", rrtype::kA, true), &signer).sec[1].size(), 4u);
  std::string last;
  Resp udp;
  for (int i = 2; i < 6 && !udp.tc; ++i) {
    last = "n" + std::to_string(i) + ".example.com.";
    udp = ask(*fixture().signed_cat, query(last.c_str(), rrtype::kA, true), &signer);
  }
  EXPECT_TRUE(udp.tc);
  EXPECT_EQ(udp.rcode, KNOT_RCODE_NOERROR);
  EXPECT_TRUE(udp.sec[0].empty() && udp.sec[1].empty());
  const Resp tcp = ask(*fixture().signed_cat, query(last.c_str(), rrtype::kA, true), &signer, Transport::kTcp);
  EXPECT_EQ(tcp.rcode, KNOT_RCODE_SERVFAIL);
  EXPECT_EQ(tcp.ede, 14);
  // Answers that need no fresh signature still come; a second later the bucket has refilled.
  const Resp cached = ask(*fixture().signed_cat, query("n1.example.com.", rrtype::kA, true), &signer);
  EXPECT_EQ(cached.sec[1].size(), 4u);
  EXPECT_GE(signer.stats().over_budget, 2u);
  signer.set_clock(1'800'000'001);
  EXPECT_EQ(ask(*fixture().signed_cat, query(last.c_str(), rrtype::kA, true), &signer).sec[1].size(), 4u);
}

// The budget is work-conserving: past an empty bucket, fresh signatures are refused only while
// answers that need none ("cheap": static or cached signatures, DO=0) were made in the last
// protect_ms of the worker's monotonic clock; with none, they are made anyway (unbudgeted).
TEST(OnlineAnswerTest, BudgetAppliesOnlyWhileCheapAnswersCompete) {
  // A cache large enough that nothing this test signs is evicted (r1 is asked again below).
  OnlineSigner signer(
      OnlineSignerOptions{.cache_entries = 4096, .fresh_per_second = 2, .burst = 2, .protect_ms = 1000});
  signer.set_clock(1'800'000'000);  // the bucket is not refilled in this test: one second
  const view::Catalog& cat = *fixture().signed_cat;
  int name = 0;
  auto random_name = [&](int64_t at_ms) {
    signer.set_monotonic_ms(at_ms);
    const std::string n = "r" + std::to_string(++name) + ".example.com.";
    return ask(cat, query(n.c_str(), rrtype::kA, true), &signer);
  };
  auto existing_name = [&](int64_t at_ms) {
    signer.set_monotonic_ms(at_ms);
    return ask(cat, query("www.example.com.", rrtype::kA, name & 1), &signer);  // DO=1 and DO=0
  };
  // Random names alone: every answer signed, far past the bucket of 2.
  for (int i = 0; i < 10; ++i) {
    const Resp r = random_name(10'000 + i);
    ASSERT_FALSE(r.tc) << i;
    EXPECT_EQ(r.sec[1].size(), 4u);  // SOA, its RRSIG, the NSEC, its fresh RRSIG
  }
  EXPECT_GE(signer.stats().unbudgeted, 8u);
  EXPECT_EQ(signer.stats().over_budget, 0u);
  EXPECT_EQ(signer.stats().cheap, 0u);

  // One existing name answered (from the view's signatures): the budget applies for 1000 ms.
  EXPECT_FALSE(existing_name(10'100).tc);
  EXPECT_EQ(signer.stats().cheap, 1u);
  const uint64_t unbudgeted = signer.stats().unbudgeted;
  EXPECT_TRUE(random_name(10'100).tc);
  // The TC=1 answers are not cheap: they needed a fresh signature; they do not extend the window.
  for (int64_t t = 10'200; t < 11'100; t += 100) EXPECT_TRUE(random_name(t).tc) << t;
  EXPECT_EQ(signer.stats().cheap, 1u);
  EXPECT_EQ(signer.stats().unbudgeted, unbudgeted);
  EXPECT_FALSE(random_name(11'100).tc);  // 1000 ms after the last cheap answer: signed again
  EXPECT_EQ(signer.stats().unbudgeted, unbudgeted + 1);

  // A flood drowns a small legitimate stream: each legitimate answer that gets through turns the
  // budget on again at once, and a stream of one answer per 900 ms keeps it on throughout.
  for (int64_t t = 20'000; t < 25'000; t += 100) {
    if (t % 900 == 0 && t >= 20'700) {
      EXPECT_FALSE(existing_name(t).tc);
    }
    const Resp r = random_name(t);
    EXPECT_EQ(r.tc, t >= 20'700) << t;
  }
  // A cached signature is a cheap answer too: a name signed before answers from the cache.
  signer.set_monotonic_ms(30'000);
  EXPECT_FALSE(ask(cat, query("r1.example.com.", rrtype::kA, true), &signer).tc);
  EXPECT_TRUE(random_name(30'000).tc);

  // Budget 0: no budget at all, however many answers compete.
  signer.set_budget(0);
  EXPECT_FALSE(existing_name(40'000).tc);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(random_name(40'000).tc);
}

// A signer whose monotonic clock is never set (tools, tests) applies the budget for good once a
// cheap answer was seen.
TEST(OnlineAnswerTest, WithoutAClockTheBudgetAppliesOnceACheapAnswerWasSeen) {
  OnlineSigner signer(OnlineSignerOptions{.cache_entries = 64, .fresh_per_second = 1, .burst = 1});
  signer.set_clock(1'800'000'000);
  const view::Catalog& cat = *fixture().signed_cat;
  EXPECT_FALSE(ask(cat, query("c1.example.com.", rrtype::kA, true), &signer).tc);
  EXPECT_FALSE(ask(cat, query("c2.example.com.", rrtype::kA, true), &signer).tc);  // unbudgeted
  EXPECT_FALSE(ask(cat, query("www.example.com.", rrtype::kA, false), &signer).tc);
  EXPECT_TRUE(ask(cat, query("c3.example.com.", rrtype::kA, true), &signer).tc);
  EXPECT_EQ(signer.stats().unbudgeted, 1u);
  EXPECT_EQ(signer.stats().over_budget, 1u);
}

TEST(OnlineAnswerTest, SmallUdpBufferTruncatesWholeRrsets) {
  OnlineSigner signer;
  const Resp r = ask(*fixture().signed_cat, query("nope.example.com.", rrtype::kA, true, false, 512), &signer);
  const Resp t =
      ask(*fixture().signed_cat, query("nope.example.com.", rrtype::kA, true, false, 512), &signer, Transport::kTcp);
  EXPECT_LE(r.wire.size(), 512u);
  EXPECT_FALSE(t.tc);
  if (r.tc) {
    EXPECT_LT(r.sec[1].size(), t.sec[1].size());
  } else {
    EXPECT_EQ(r.sec[1].size(), t.sec[1].size());
  }
}

TEST(OnlineAnswerTest, UnusableKeysAnswerServfailEvenWithoutDo) {
  const std::string origin = W("example.com.");
  auto zt = dns::parse_zone_text(kZone, origin);
  ASSERT_TRUE(zt);
  auto broken = std::make_shared<dnssec::ZoneSigning>(*fixture().signing);
  broken->unusable = "key 3 (ZSK) does not load";
  view::CompileOptions o;
  o.signing = broken;
  auto cat = view::Catalog::build({view::ZoneView::compile(origin, zt->records, o).value()});
  OnlineSigner signer;
  EXPECT_EQ(ask(*cat, query("www.example.com.", rrtype::kA, false), &signer).rcode, KNOT_RCODE_SERVFAIL);
  EXPECT_EQ(ask(*cat, query("www.example.com.", rrtype::kA, true), &signer).rcode, KNOT_RCODE_SERVFAIL);
}

TEST(OnlineAnswerTest, ExplainWithDnssecShowsTheSignaturesAndNsec) {
  const Explanation plain = explain(*fixture().signed_cat, W("nope.example.com."), rrtype::kA);
  EXPECT_EQ(plain.rcode, "NXDOMAIN");
  EXPECT_EQ(plain.authority.size(), 1u);
  const Explanation e = explain(*fixture().signed_cat, W("nope.example.com."), rrtype::kA, true);
  EXPECT_EQ(e.rcode, "NOERROR");
  ASSERT_EQ(e.authority.size(), 4u);
  bool nsec = false, rrsig = false;
  for (const std::string& rr : e.authority) {
    nsec = nsec || rr.find("300 NSEC \\000.nope.example.com. RRSIG NSEC TYPE128") != std::string::npos;
    rrsig = rrsig || rr.find("RRSIG NSEC 13 3 300") != std::string::npos;
  }
  EXPECT_TRUE(nsec) << e.authority[1];
  EXPECT_TRUE(rrsig) << e.authority[3];
  const Explanation w = explain(*fixture().signed_cat, W("x.wild.example.com."), rrtype::kA, true);
  ASSERT_EQ(w.answer.size(), 2u);
  EXPECT_NE(w.answer[1].find("RRSIG A 13 4 3600"), std::string::npos) << w.answer[1];
}

}  // namespace
}  // namespace dnsedge::auth
