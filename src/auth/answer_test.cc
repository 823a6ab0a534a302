#include "auth/answer.h"

#include <gtest/gtest.h>
extern "C" {
#include <libknot/libknot.h>
}

#include <vector>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::auth {
namespace {

namespace rrtype = dns::rrtype;

std::string W(const char* t) { return dns::name_from_text(t).value(); }

std::shared_ptr<const view::Catalog> catalog(const char* text) {
  const std::string origin = W("example.com.");
  auto zt = dns::parse_zone_text(text, origin);
  EXPECT_TRUE(zt) << zt.error().message;
  auto z = view::ZoneView::compile(origin, zt->records);
  EXPECT_TRUE(z) << z.error().message;
  return view::Catalog::build({*z});
}

std::vector<uint8_t> query(const char* qname, uint16_t qtype, int edns = -1, bool do_bit = false) {
  std::vector<uint8_t> p = {0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, static_cast<uint8_t>(edns >= 0)};
  const std::string n = W(qname);
  p.insert(p.end(), n.begin(), n.end());
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  if (edns >= 0) {
    p.insert(p.end(), {0, 0, 41, static_cast<uint8_t>(edns >> 8), static_cast<uint8_t>(edns), 0, 0,
                       static_cast<uint8_t>(do_bit ? 0x80 : 0), 0, 0, 0});
  }
  return p;
}

struct Resp {
  std::vector<uint8_t> wire;
  knot_pkt_t* pkt = nullptr;
  ~Resp() { knot_pkt_free(pkt); }
  int rcode() const { return knot_pkt_ext_rcode(pkt); }
  bool aa() const { return knot_wire_get_aa(wire.data()); }
  bool tc() const { return knot_wire_get_tc(wire.data()); }
  uint16_t count(knot_section_t s) const { return knot_pkt_section(pkt, s)->count; }
  uint16_t type(knot_section_t s, int i) const { return knot_pkt_rr(knot_pkt_section(pkt, s), i)->type; }
};

std::unique_ptr<Resp> ask(const view::Catalog& cat, const std::vector<uint8_t>& q,
                          Transport t = Transport::kUdp) {
  auto r = std::make_unique<Resp>();
  r->wire.resize(kMaxResponse);
  const size_t n = answer(cat, q, r->wire, t);
  r->wire.resize(n);
  if (n == 0) return r;
  r->pkt = knot_pkt_new(r->wire.data(), r->wire.size(), nullptr);
  EXPECT_EQ(knot_pkt_parse(r->pkt, 0), KNOT_EOK);
  return r;
}

constexpr const char* kZone = R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.53
mail A 192.0.2.25
mail AAAA 2001:db8::25
www CNAME web
web A 192.0.2.80
loop1 CNAME loop2
loop2 CNAME loop1
*.wild A 192.0.2.99
sub NS ns.sub
ns.sub A 192.0.2.3
big TXT "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big TXT "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big TXT "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big TXT "3123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big TXT "4123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big TXT "5123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)";

TEST(AnswerTest, ExactMatchWithAdditional) {
  auto cat = catalog(kZone);
  auto r = ask(*cat, query("example.com.", rrtype::kMX));
  EXPECT_EQ(r->rcode(), KNOT_RCODE_NOERROR);
  EXPECT_TRUE(r->aa());
  EXPECT_EQ(r->count(KNOT_ANSWER), 1);
  EXPECT_EQ(r->count(KNOT_AUTHORITY), 0);  // minimal responses
  EXPECT_EQ(r->count(KNOT_ADDITIONAL), 2);  // mail A + AAAA
}

TEST(AnswerTest, NxDomainAndNoDataCarrySoaWithNegativeTtl) {
  auto cat = catalog(kZone);
  auto nx = ask(*cat, query("nope.example.com.", rrtype::kA));
  EXPECT_EQ(nx->rcode(), KNOT_RCODE_NXDOMAIN);
  ASSERT_EQ(nx->count(KNOT_AUTHORITY), 1);
  const knot_rrset_t* soa = knot_pkt_rr(knot_pkt_section(nx->pkt, KNOT_AUTHORITY), 0);
  EXPECT_EQ(soa->type, KNOT_RRTYPE_SOA);
  EXPECT_EQ(soa->ttl, 300u);
  auto nodata = ask(*cat, query("web.example.com.", rrtype::kAAAA));
  EXPECT_EQ(nodata->rcode(), KNOT_RCODE_NOERROR);
  EXPECT_EQ(nodata->count(KNOT_ANSWER), 0);
  EXPECT_EQ(nodata->count(KNOT_AUTHORITY), 1);
}

TEST(AnswerTest, FollowsCnameAndStopsLoops) {
  auto cat = catalog(kZone);
  auto r = ask(*cat, query("www.example.com.", rrtype::kA));
  ASSERT_EQ(r->count(KNOT_ANSWER), 2);
  EXPECT_EQ(r->type(KNOT_ANSWER, 0), KNOT_RRTYPE_CNAME);
  EXPECT_EQ(r->type(KNOT_ANSWER, 1), KNOT_RRTYPE_A);
  auto loop = ask(*cat, query("loop1.example.com.", rrtype::kA));
  EXPECT_EQ(loop->rcode(), KNOT_RCODE_NOERROR);
  EXPECT_EQ(loop->count(KNOT_ANSWER), 2);
}

TEST(AnswerTest, WildcardSynthesizesUnderQname) {
  auto cat = catalog(kZone);
  auto r = ask(*cat, query("x.wild.example.com.", rrtype::kA));
  ASSERT_EQ(r->count(KNOT_ANSWER), 1);
  const knot_rrset_t* a = knot_pkt_rr(knot_pkt_section(r->pkt, KNOT_ANSWER), 0);
  EXPECT_TRUE(knot_dname_is_equal(a->owner, reinterpret_cast<const knot_dname_t*>(W("x.wild.example.com.").data())));
}

TEST(AnswerTest, ReferralHasNoAaAndGlue) {
  auto cat = catalog(kZone);
  auto r = ask(*cat, query("www.sub.example.com.", rrtype::kA));
  EXPECT_EQ(r->rcode(), KNOT_RCODE_NOERROR);
  EXPECT_FALSE(r->aa());
  EXPECT_EQ(r->count(KNOT_ANSWER), 0);
  EXPECT_EQ(r->count(KNOT_AUTHORITY), 1);
  EXPECT_EQ(r->count(KNOT_ADDITIONAL), 1);
}

TEST(AnswerTest, RefusesOutsideZonesAndAnswersAnyWithHinfo) {
  auto cat = catalog(kZone);
  EXPECT_EQ(ask(*cat, query("example.org.", rrtype::kA))->rcode(), KNOT_RCODE_REFUSED);
  auto any = ask(*cat, query("example.com.", rrtype::kANY));
  ASSERT_EQ(any->count(KNOT_ANSWER), 1);
  EXPECT_EQ(any->type(KNOT_ANSWER, 0), KNOT_RRTYPE_HINFO);
}

TEST(AnswerTest, TruncatesAt512WithoutEdnsAndFitsOverTcp) {
  auto cat = catalog(kZone);
  auto udp = ask(*cat, query("big.example.com.", rrtype::kTXT));
  EXPECT_TRUE(udp->tc());
  EXPECT_LE(udp->wire.size(), 512u);
  auto edns = ask(*cat, query("big.example.com.", rrtype::kTXT, 1232));
  EXPECT_FALSE(edns->tc());
  EXPECT_EQ(edns->count(KNOT_ANSWER), 6);
  auto tcp = ask(*cat, query("big.example.com.", rrtype::kTXT), Transport::kTcp);
  EXPECT_FALSE(tcp->tc());
  EXPECT_EQ(tcp->count(KNOT_ANSWER), 6);
}

TEST(AnswerTest, EdnsEchoAndBadVers) {
  auto cat = catalog(kZone);
  auto r = ask(*cat, query("example.com.", rrtype::kSOA, 4096, true));
  ASSERT_NE(r->pkt->opt_rr, nullptr);
  EXPECT_EQ(knot_edns_get_payload(r->pkt->opt_rr), 1232);
  EXPECT_TRUE(knot_edns_do(r->pkt->opt_rr));
  auto v1 = query("example.com.", rrtype::kSOA, 1232);
  v1[v1.size() - 5] = 1;  // EDNS version 1
  auto bad = ask(*cat, v1);
  EXPECT_EQ(bad->rcode(), KNOT_RCODE_BADVERS);
}

TEST(AnswerTest, DropsResponsesAndFormErrsGarbage) {
  auto cat = catalog(kZone);
  auto q = query("example.com.", rrtype::kA);
  q[2] |= 0x80;
  EXPECT_TRUE(ask(*cat, q)->wire.empty());
  // A qname that is a compression loop cannot be parsed: dropped, as Knot DNS does.
  std::vector<uint8_t> loop = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  EXPECT_TRUE(ask(*cat, loop)->wire.empty());
  // A bare header gets FORMERR; so does a good question followed by trailing bytes.
  std::vector<uint8_t> bare = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(ask(*cat, bare)->rcode(), KNOT_RCODE_FORMERR);
  auto trailing = query("example.com.", rrtype::kA);
  trailing.push_back(0xff);
  auto r = ask(*cat, trailing);
  EXPECT_EQ(r->rcode(), KNOT_RCODE_FORMERR);
  EXPECT_EQ(knot_wire_get_qdcount(r->wire.data()), 1);
}

// RFC 6891 §6.1.1 and Knot DNS: every reply to a well-formed message with an OPT carries one;
// a message without a question gets FORMERR, or NOTIMP for an unknown opcode.
TEST(AnswerTest, OptAnsweredWithoutQuestionAndOnNotImp) {
  auto cat = catalog(kZone);
  const std::vector<uint8_t> opt = {0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0};  // payload 4096, DO
  std::vector<uint8_t> bare = {0, 1, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0};        // opcode 3
  auto r = ask(*cat, bare);
  EXPECT_EQ(r->rcode(), KNOT_RCODE_NOTIMPL);
  EXPECT_EQ(r->pkt->opt_rr, nullptr);
  EXPECT_FALSE(r->aa());
  bare[11] = 1;
  bare.insert(bare.end(), opt.begin(), opt.end());
  r = ask(*cat, bare);
  EXPECT_EQ(r->rcode(), KNOT_RCODE_NOTIMPL);
  ASSERT_NE(r->pkt->opt_rr, nullptr);
  EXPECT_EQ(knot_edns_get_payload(r->pkt->opt_rr), 1232);
  EXPECT_TRUE(knot_edns_do(r->pkt->opt_rr));
  bare[2] = 0x01;  // opcode QUERY, RD
  r = ask(*cat, bare);
  EXPECT_EQ(r->rcode(), KNOT_RCODE_FORMERR);
  EXPECT_TRUE(knot_wire_get_rd(r->wire.data()));
  ASSERT_NE(r->pkt->opt_rr, nullptr);
  bare[bare.size() - 5] = 1;  // EDNS version 1: BADVERS wins
  r = ask(*cat, bare);
  EXPECT_EQ(r->rcode(), KNOT_RCODE_BADVERS);
  ASSERT_NE(r->pkt->opt_rr, nullptr);
  EXPECT_EQ(knot_edns_get_version(r->pkt->opt_rr), 0);
  // NOTIMP for a question with an unknown opcode keeps the OPT too.
  auto q = query("example.com.", rrtype::kA, 1232, true);
  q[2] = 0x10;  // opcode 2
  r = ask(*cat, q);
  EXPECT_EQ(r->rcode(), KNOT_RCODE_NOTIMPL);
  ASSERT_NE(r->pkt->opt_rr, nullptr);
  EXPECT_TRUE(knot_edns_do(r->pkt->opt_rr));
  EXPECT_EQ(knot_wire_get_qdcount(r->wire.data()), 1);
}

// A pre-signed zone answers DO=1 queries with RRSIGs and NSEC proofs (RFC 4035 §3.1), DO=0
// queries without them; the RRSIG TTL is its original TTL, the negative SOA's the negative TTL.
TEST(AnswerTest, PresignedZoneWithDo) {
  const std::string sig = " 13 2 600 20300101000000 20200101000000 1 example.com. AAAAAAAAAAAAAAAAAAAAAAAA";
  const std::string text =
      "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n"
      "@ NSEC ns1 NS SOA RRSIG NSEC\n@ RRSIG SOA" +
      sig + "\n@ RRSIG NSEC" + sig + "\nns1 A 192.0.2.53\nns1 NSEC example.com. A RRSIG NSEC\nns1 RRSIG A" + sig +
      "\nns1 RRSIG NSEC" + sig + "\n";
  auto cat = catalog(text.c_str());
  auto r = ask(*cat, query("ns1.example.com.", rrtype::kA, 1232, true));
  ASSERT_EQ(r->count(KNOT_ANSWER), 2);
  EXPECT_EQ(r->type(KNOT_ANSWER, 1), rrtype::kRRSIG);
  EXPECT_EQ(knot_pkt_rr(knot_pkt_section(r->pkt, KNOT_ANSWER), 1)->ttl, 600u);
  r = ask(*cat, query("nope.example.com.", rrtype::kA, 1232, true));
  EXPECT_EQ(r->rcode(), KNOT_RCODE_NXDOMAIN);
  // SOA, the apex NSEC (it covers the name and the wildcard *.example.com: once), their RRSIGs.
  ASSERT_EQ(r->count(KNOT_AUTHORITY), 4);
  EXPECT_EQ(r->type(KNOT_AUTHORITY, 1), rrtype::kNSEC);
  EXPECT_EQ(r->type(KNOT_AUTHORITY, 2), rrtype::kRRSIG);
  EXPECT_EQ(knot_pkt_rr(knot_pkt_section(r->pkt, KNOT_AUTHORITY), 2)->ttl, 300u);  // RRSIG SOA: negative TTL
  r = ask(*cat, query("ns1.example.com.", rrtype::kMX, 1232, true));
  EXPECT_EQ(r->count(KNOT_AUTHORITY), 4);  // SOA, NSEC at ns1, their RRSIGs
  r = ask(*cat, query("nope.example.com.", rrtype::kA, 1232, false));
  EXPECT_EQ(r->count(KNOT_AUTHORITY), 1);
  r = ask(*cat, query("ns1.example.com.", rrtype::kA));
  EXPECT_EQ(r->count(KNOT_ANSWER), 1);
}

// A proxied record in a pre-signed zone is refused at load, naming the record.
TEST(AnswerTest, PresignedZoneWithProxiedRecordIsRefused) {
  const std::string origin = W("example.com.");
  auto zt = dns::parse_zone_text(
      "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n"
      "@ RRSIG SOA 13 2 600 20300101000000 20200101000000 1 example.com. AAAAAAAAAAAAAAAAAAAAAAAA\n"
      "www A 192.0.2.80 ; cf_tags=cf-proxied:true\n",
      origin);
  ASSERT_TRUE(zt) << zt.error().message;
  const view::EdgeAddresses edge{.v4 = {std::string("\xcb\x00\x71\x01", 4)}};
  auto z = view::ZoneView::compile(origin, zt->records, view::CompileOptions{.edge = &edge});
  ASSERT_FALSE(z);
  EXPECT_NE(z.error().message.find("proxied A record www.example.com."), std::string::npos) << z.error().message;
  EXPECT_NE(z.error().message.find("pre-signed"), std::string::npos);
}

}  // namespace
}  // namespace dnsedge::auth
