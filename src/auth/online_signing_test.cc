// Answers from a zone signed online (view/signing.cc): DO=0 answers are byte for byte an
// unsigned compile's (apart from the apex key sets), DO=1 positive answers carry the RRSIGs made
// at compile time, DNSKEY and RRSIG queries answer with DO=0 too, and a zone whose keys do not
// load answers SERVFAIL to everything.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "auth/answer.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "dnssec/key.h"
#include "dnssec/zone_signing.h"

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
mail AAAA 2001:db8::25
www CNAME mail
txt TXT "hello"
sub NS ns.sub
ns.sub A 192.0.2.3
)";

std::shared_ptr<const dnssec::ZoneSigning> signing() {
  static const dnssec::Key ksk = dnssec::Key::generate(dnssec::kFlagsKsk).value();
  static const dnssec::Key zsk = dnssec::Key::generate(dnssec::kFlagsZsk).value();
  auto s = std::make_shared<dnssec::ZoneSigning>();
  s->apex = W("example.com.");
  s->ksks = {ksk};
  s->zsk = zsk;
  s->dnskeys = {ksk, zsk};
  return s;
}

std::shared_ptr<const view::Catalog> catalog(std::shared_ptr<const dnssec::ZoneSigning> s) {
  const std::string origin = W("example.com.");
  auto zt = dns::parse_zone_text(kZone, origin);
  EXPECT_TRUE(zt) << zt.error().message;
  auto z = view::ZoneView::compile(origin, zt->records, view::CompileOptions{.signing = std::move(s)});
  EXPECT_TRUE(z) << z.error().message;
  return view::Catalog::build({*z});
}

std::vector<uint8_t> query(const char* qname, uint16_t qtype, bool edns, bool do_bit) {
  std::vector<uint8_t> p = {0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, static_cast<uint8_t>(edns)};
  const std::string n = W(qname);
  p.insert(p.end(), n.begin(), n.end());
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  if (edns) p.insert(p.end(), {0, 0, 41, 4, 0xd0, 0, 0, static_cast<uint8_t>(do_bit ? 0x80 : 0), 0, 0, 0});
  return p;
}

std::vector<uint8_t> ask(const view::Catalog& cat, const std::vector<uint8_t>& q) {
  std::vector<uint8_t> out(kMaxResponse);
  out.resize(answer(cat, q, out, Transport::kUdp));
  return out;
}

// The RR count of a section (0 question, 1 answer, 2 authority, 3 additional).
uint16_t count(const std::vector<uint8_t>& r, int section) {
  return static_cast<uint16_t>(r[4 + 2 * section] << 8 | r[5 + 2 * section]);
}
int rcode(const std::vector<uint8_t>& r) { return r[3] & 0xf; }

TEST(OnlineSigningAnswerTest, WithoutDoTheAnswersAreUnchanged) {
  auto plain = catalog(nullptr);
  auto sig = catalog(signing());
  struct Q {
    const char* name;
    uint16_t type;
  };
  for (const Q q : {Q{"example.com.", rrtype::kSOA}, Q{"example.com.", rrtype::kNS}, Q{"example.com.", rrtype::kMX},
                    Q{"www.example.com.", rrtype::kA}, Q{"mail.example.com.", rrtype::kAAAA},
                    Q{"txt.example.com.", rrtype::kTXT}, Q{"nope.example.com.", rrtype::kA},
                    Q{"txt.example.com.", rrtype::kA}, Q{"x.sub.example.com.", rrtype::kA}}) {
    for (bool edns : {false, true}) {
      EXPECT_EQ(ask(*sig, query(q.name, q.type, edns, false)), ask(*plain, query(q.name, q.type, edns, false)))
          << q.name << " " << q.type << " edns " << edns;
    }
  }
}

TEST(OnlineSigningAnswerTest, WithDoPositiveAnswersCarryTheirRrsig) {
  auto sig = catalog(signing());
  auto r = ask(*sig, query("mail.example.com.", rrtype::kA, true, true));
  EXPECT_EQ(rcode(r), 0);
  EXPECT_EQ(count(r, 1), 2);  // A and its RRSIG
  r = ask(*sig, query("www.example.com.", rrtype::kA, true, true));
  EXPECT_EQ(count(r, 1), 4);  // CNAME, A and their RRSIGs
  r = ask(*sig, query("example.com.", rrtype::kDNSKEY, true, true));
  EXPECT_EQ(count(r, 1), 3);  // KSK, ZSK, the KSK's RRSIG
  // Type DNSKEY and RRSIG queries answer without DO too.
  EXPECT_EQ(count(ask(*sig, query("example.com.", rrtype::kDNSKEY, true, false)), 1), 2);
  EXPECT_GT(count(ask(*sig, query("mail.example.com.", rrtype::kRRSIG, false, false)), 1), 0);
}

TEST(OnlineSigningAnswerTest, UnusableKeysAnswerServfail) {
  auto s = std::make_shared<dnssec::ZoneSigning>();
  s->apex = W("example.com.");
  s->unusable = "DNSSEC key k (zsk, tag 1) does not load";
  auto cat = catalog(s);
  for (bool do_bit : {false, true}) {
    auto r = ask(*cat, query("mail.example.com.", rrtype::kA, true, do_bit));
    EXPECT_EQ(rcode(r), 2);  // SERVFAIL
    EXPECT_EQ(count(r, 1), 0);
    EXPECT_EQ(rcode(ask(*cat, query("example.com.", rrtype::kSOA, false, false))), 2);
  }
}

}  // namespace
}  // namespace dnsedge::auth
