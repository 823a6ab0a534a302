// The query path allocates nothing: answer() runs under a global operator new that counts
// allocations made while `counting` is set on this thread.

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <vector>

#include "auth/answer.h"
#include "auth/online_sign.h"
#include "common/alloc_counter.h"
#include "dns/name.h"
#include "dns/zonefile.h"
#include "dnssec/key.h"

namespace {
using dnsedge::common::alloc_counter::allocations;
using dnsedge::common::alloc_counter::counting;
}  // namespace

namespace dnsedge::auth {
namespace {

std::vector<uint8_t> query(const std::string& qname, uint16_t qtype, bool edns) {
  std::vector<uint8_t> p = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, static_cast<uint8_t>(edns)};
  const std::string n = dns::name_from_text(qname).value();
  p.insert(p.end(), n.begin(), n.end());
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  if (edns) p.insert(p.end(), {0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0, 0, 0});
  return p;
}

TEST(AnswerAllocTest, QueryPathDoesNotAllocate) {
  const std::string origin = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text(R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.53
mail A 192.0.2.25
www CNAME web
web A 192.0.2.80
*.wild A 192.0.2.99
sub NS ns.sub
ns.sub A 192.0.2.3
_sip._tcp SRV 0 5 5060 sip
sip AAAA 2001:db8::5
)", origin);
  ASSERT_TRUE(zt);
  auto cat = view::Catalog::build({view::ZoneView::compile(origin, zt->records).value()});
  std::vector<std::vector<uint8_t>> queries;
  for (const char* n : {"example.com.", "www.example.com.", "x.wild.example.com.", "a.sub.example.com.",
                        "nope.example.com.", "_sip._tcp.example.com.", "_tcp.example.com.", "example.org."}) {
    for (uint16_t t : {1, 2, 6, 15, 16, 28, 33, 255}) {
      queries.push_back(query(n, t, false));
      queries.push_back(query(n, t, true));
    }
  }
  // The same queries with a client cookie, and with a client and server cookie.
  const size_t plain = queries.size();
  const dns::cookie::Secret secret{7};
  const uint8_t client_ip[4] = {192, 0, 2, 1};
  const uint8_t client[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint8_t server[dns::cookie::kServerLen];
  dns::cookie::make_server_cookie(secret, client, client_ip, 1000, server);
  for (size_t i = 0; i < plain; ++i) {
    if (queries[i][11] == 0) continue;  // without EDNS
    for (size_t len : {size_t{8}, size_t{24}}) {
      std::vector<uint8_t> q = queries[i];
      q[q.size() - 1] = static_cast<uint8_t>(4 + len);
      q.insert(q.end(), {0, 10, 0, static_cast<uint8_t>(len)});
      q.insert(q.end(), client, client + 8);
      if (len == 24) q.insert(q.end(), server, server + sizeof server);
      queries.push_back(q);
    }
  }
  const CookieContext cookies{.current = &secret, .previous = &secret, .client_ip = client_ip, .now = 1000};
  std::vector<uint8_t> out(kMaxResponse);
  size_t answered = 0, valid = 0;
  // The server's own sequence too: parse once, classify, answer the parsed query.
  std::vector<std::vector<uint8_t>> handed = {query("example.com.", 252, false), query("example.com.", 251, true)};
  handed.push_back(query("example.com.", 6, false));
  handed.back()[2] = 4 << 3;  // NOTIFY
  handed.push_back(query("example.com.", 1, true));
  handed.back().insert(handed.back().end(), {1, 'k', 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0});
  handed.back()[11] = 2;  // OPT, then a TSIG-shaped record
  size_t classified = 0;
  counting = true;
  for (const auto& q : queries) {
    dns::Query parsed;
    const dns::ParseStatus st = dns::parse_query(q, parsed);
    classified += dns::kind(parsed, true) == dns::QueryKind::kAnswer;
    answered += answer(*cat, parsed, st, q, out, Transport::kUdp) > 0;
  }
  for (const auto& q : handed) {
    dns::Query parsed;
    (void)dns::parse_query(q, parsed);
    classified += dns::kind(parsed, true) != dns::QueryKind::kAnswer;
  }
  for (const auto& q : queries) {
    answered += answer(*cat, q, out, Transport::kUdp) > 0;
    answered += answer(*cat, q, out, Transport::kTcp) > 0;
    AnswerInfo info;
    const size_t n = answer(*cat, q, out, Transport::kUdp, &cookies, &info);
    valid += info.cookie == CookieStatus::kValid;
    answered += truncated_response(out, n, info) > 0;
  }
  counting = false;
  EXPECT_EQ(answered, queries.size() * 4);
  EXPECT_EQ(classified, queries.size() + handed.size());
  EXPECT_EQ(valid, (queries.size() - plain) / 2);
  EXPECT_EQ(allocations, 0u);

  // The counter itself works: one allocation under counting is seen.
  counting = true;
  auto* probe = new std::vector<uint8_t>(1);
  counting = false;
  delete probe;
  EXPECT_GE(allocations, 1u);
}

// Messages without a question, unknown opcodes and OPTs in odd places allocate nothing either.
TEST(AnswerAllocTest, EdgeCasesDoNotAllocate) {
  const std::string origin = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text("@ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 NS ns1\n", origin);
  ASSERT_TRUE(zt);
  auto cat = view::Catalog::build({view::ZoneView::compile(origin, zt->records).value()});
  const std::vector<uint8_t> opt = {0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0, 0, 0};
  std::vector<std::vector<uint8_t>> queries;
  for (uint8_t opcode = 0; opcode < 16; ++opcode) {
    for (uint8_t ar = 0; ar < 3; ++ar) {
      std::vector<uint8_t> p = {0, 1, static_cast<uint8_t>(opcode << 3 | 1), 0xb0, 0, 0, 0, 0, 0, 0, 0, ar};
      for (uint8_t k = 0; k < ar; ++k) p.insert(p.end(), opt.begin(), opt.end());
      queries.push_back(p);
      std::vector<uint8_t> q = query("example.com.", 6, true);
      q[2] = static_cast<uint8_t>(opcode << 3);
      queries.push_back(q);
    }
  }
  std::vector<uint8_t> out(kMaxResponse);
  size_t answered = 0;
  allocations = 0;  // the counter is per thread and other tests of this binary ran before
  counting = true;
  for (const auto& q : queries) answered += answer(*cat, q, out, Transport::kUdp) > 0;
  counting = false;
  EXPECT_GT(answered, queries.size() / 2);
  EXPECT_EQ(allocations, 0u);
}

// A pre-signed zone (signatures need not verify here), NSEC and NSEC3: DO=1 answers with RRSIGs
// and denial proofs (NSEC3 hashing included) allocate nothing.
TEST(AnswerAllocTest, SignedAnswersDoNotAllocate) {
  const std::string origin = dns::name_from_text("example.com.").value();
  const std::string sig = " 13 2 3600 20300101000000 20200101000000 1 example.com. AAAAAAAAAAAAAAAAAAAAAAAA";
  const std::string nsec =
      "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n"
      "@ DNSKEY 256 3 13 AAAAAAAAAAAAAAAAAAAAAAAA\n@ NSEC ns1 NS SOA RRSIG NSEC DNSKEY\n"
      "@ RRSIG SOA" +
      sig + "\n@ RRSIG NS" + sig + "\n@ RRSIG NSEC" + sig + "\n@ RRSIG DNSKEY" + sig +
      "\nns1 A 192.0.2.53\nns1 NSEC sub A RRSIG NSEC\n"
      "ns1 RRSIG A" +
      sig + "\nns1 RRSIG NSEC" + sig +
      "\nsub NS ns.sub\nns.sub A 192.0.2.3\nsub NSEC *.wild NS RRSIG NSEC\nsub RRSIG NSEC" + sig +
      "\n*.wild A 192.0.2.99\n*.wild NSEC example.com. A RRSIG NSEC\n*.wild RRSIG A" + sig + "\n*.wild RRSIG NSEC" +
      sig + "\n";
  const std::string nsec3 =
      "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n"
      "@ NSEC3PARAM 1 0 2 aabbccdd\n@ RRSIG SOA" +
      sig + "\n@ RRSIG NS" + sig + "\nns1 A 192.0.2.53\nns1 RRSIG A" + sig + "\n*.wild A 192.0.2.99\n*.wild RRSIG A" +
      sig +
      "\n0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 1 2 aabbccdd 7cp6imebihcmcv2ro5o8r4uq7tuhtiq0 A RRSIG"
      "\n0p9mhaveqvm6t7vbl5lop2u3t2rp3tom RRSIG NSEC3" +
      sig +
      "\n7cp6imebihcmcv2ro5o8r4uq7tuhtiq0 NSEC3 1 1 2 aabbccdd 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NS SOA RRSIG"
      "\n7cp6imebihcmcv2ro5o8r4uq7tuhtiq0 RRSIG NSEC3" +
      sig + "\n";
  std::vector<uint8_t> out(kMaxResponse);
  for (const std::string& text : {nsec, nsec3}) {
    auto zt = dns::parse_zone_text(text, origin);
    ASSERT_TRUE(zt) << zt.error().message;
    auto z = view::ZoneView::compile(origin, zt->records);
    ASSERT_TRUE(z) << z.error().message;
    ASSERT_TRUE((*z)->is_signed());
    auto cat = view::Catalog::build({*z});
    std::vector<std::vector<uint8_t>> queries;
    for (const char* n : {"example.com.", "ns1.example.com.", "x.wild.example.com.", "a.sub.example.com.",
                          "nope.example.com.", "a.b.nope.example.com.", "wild.example.com."}) {
      for (uint16_t t : {1, 2, 6, 15, 28, 43, 48, 255}) queries.push_back(query(n, t, true));
    }
    size_t answered = 0;
    allocations = 0;
    counting = true;
    for (const auto& q : queries) {
      answered += answer(*cat, q, out, Transport::kUdp) > 0;
      answered += answer(*cat, q, out, Transport::kTcp) > 0;
    }
    counting = false;
    EXPECT_EQ(answered, queries.size() * 2);
    EXPECT_EQ(allocations, 0u);
  }
}

// A zone signed online: DO=1 answers that sign at query time (compact NXDOMAIN and NODATA,
// wildcard expansions, referrals without DS), from a warm per-worker signer, allocate nothing
// (OpenSSL's own bignum temporaries are not operator new).
TEST(AnswerAllocTest, OnlineSignedAnswersDoNotAllocate) {
  const std::string origin = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text(R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.53
mail A 192.0.2.25
www CNAME web
web A 192.0.2.80
a.b.ent TXT "x"
*.wild A 192.0.2.99
*.wc CNAME web
sub NS ns.sub
ns.sub A 192.0.2.3
)",
                                 origin);
  ASSERT_TRUE(zt);
  auto signing = std::make_shared<dnssec::ZoneSigning>();
  signing->apex = origin;
  signing->ksks.push_back(dnssec::Key::generate(dnssec::kFlagsKsk).value());
  signing->zsk = dnssec::Key::generate(dnssec::kFlagsZsk).value();
  signing->dnskeys = {signing->ksks[0], *signing->zsk};
  view::CompileOptions o;
  o.signing = signing;
  auto cat = view::Catalog::build({view::ZoneView::compile(origin, zt->records, o).value()});
  std::vector<std::vector<uint8_t>> queries;
  for (const char* n : {"example.com.", "www.example.com.", "x.wild.example.com.", "q.wc.example.com.",
                        "a.sub.example.com.", "nope.example.com.", "b.ent.example.com.", "a.b.nope.example.com."}) {
    for (uint16_t t : {1, 2, 6, 15, 16, 28, 47, 255}) {
      queries.push_back(query(n, t, true));
      queries.push_back(query(n, t, true));
      queries.back()[queries.back().size() - 4] = 0xc0;  // DO and CO
    }
  }
  OnlineSigner signer;
  std::vector<uint8_t> out(kMaxResponse);
  for (const auto& q : queries) (void)answer(*cat, q, out, Transport::kTcp, nullptr, nullptr, &signer);  // warm
  // Names never seen: every NSEC is a fresh signature.
  std::vector<std::vector<uint8_t>> fresh;
  for (int i = 0; i < 64; ++i) fresh.push_back(query("r" + std::to_string(i) + ".example.com.", 1, true));
  size_t answered = 0;
  const uint64_t made = signer.stats().fresh;
  allocations = 0;
  counting = true;
  for (const auto& q : queries) {
    answered += answer(*cat, q, out, Transport::kUdp, nullptr, nullptr, &signer) > 0;
    answered += answer(*cat, q, out, Transport::kTcp, nullptr, nullptr, &signer) > 0;
  }
  for (const auto& q : fresh) answered += answer(*cat, q, out, Transport::kUdp, nullptr, nullptr, &signer) > 0;
  counting = false;
  EXPECT_EQ(answered, queries.size() * 2 + fresh.size());
  EXPECT_GE(signer.stats().fresh, made + fresh.size());
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace dnsedge::auth
