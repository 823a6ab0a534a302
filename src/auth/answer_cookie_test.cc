// DNS cookies in answers (RFC 7873, RFC 9018) and what answer() reports for rate limiting.

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <vector>

#include "auth/answer.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::auth {
namespace {

using Bytes = std::vector<uint8_t>;

const dns::cookie::Secret kSecret = {0xe5, 0xe9, 0x73, 0xe5, 0xa6, 0xb2, 0xa4, 0x3f,
                                     0x48, 0xe7, 0xdc, 0x84, 0x9e, 0x37, 0xbf, 0xcf};
const dns::cookie::Secret kOld = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
const uint8_t kClientIp[4] = {198, 51, 100, 100};
const uint8_t kClientCookie[8] = {0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};
constexpr uint32_t kNow = 1559731985;

std::shared_ptr<const view::Catalog> catalog() {
  const std::string origin = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text(R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.80
*.wild A 192.0.2.99
sub NS ns.sub
ns.sub A 192.0.2.3
big TXT "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)",
                                 origin);
  EXPECT_TRUE(zt);
  return view::Catalog::build({view::ZoneView::compile(origin, zt->records).value()});
}

// A query with EDNS (payload `size`) and, when `cookie` is given, a COOKIE option with it.
Bytes query(const char* qname, uint16_t qtype, std::optional<Bytes> cookie = std::nullopt, uint16_t size = 1232) {
  Bytes p = {0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1};
  const std::string n = dns::name_from_text(qname).value();
  p.insert(p.end(), n.begin(), n.end());
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  const size_t rdlen = cookie ? 4 + cookie->size() : 0;
  p.insert(p.end(), {0, 0, 41, static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size), 0, 0, 0, 0,
                     static_cast<uint8_t>(rdlen >> 8), static_cast<uint8_t>(rdlen)});
  if (cookie) {
    p.insert(p.end(), {0, 10, 0, static_cast<uint8_t>(cookie->size())});
    p.insert(p.end(), cookie->begin(), cookie->end());
  }
  return p;
}

Bytes client_cookie() { return Bytes(kClientCookie, kClientCookie + 8); }

Bytes full_cookie(const dns::cookie::Secret& secret, uint32_t stamp) {
  Bytes c = client_cookie();
  uint8_t server[dns::cookie::kServerLen];
  dns::cookie::make_server_cookie(secret, kClientCookie, kClientIp, stamp, server);
  c.insert(c.end(), server, server + sizeof server);
  return c;
}

struct Reply {
  Bytes wire;
  AnswerInfo info;
  uint16_t flags() const { return static_cast<uint16_t>(wire[2] << 8 | wire[3]); }
  uint16_t count(int i) const { return static_cast<uint16_t>(wire[4 + 2 * i] << 8 | wire[5 + 2 * i]); }
  // The COOKIE option of the OPT record (the last RR), or nullopt.
  std::optional<Bytes> cookie() const {
    if (info.opt_end == 0) return std::nullopt;
    size_t o = info.opt_begin + 11;
    while (o + 4 <= info.opt_end) {
      const uint16_t code = static_cast<uint16_t>(wire[o] << 8 | wire[o + 1]);
      const uint16_t len = static_cast<uint16_t>(wire[o + 2] << 8 | wire[o + 3]);
      if (code == 10) return Bytes(wire.begin() + static_cast<long>(o) + 4, wire.begin() + static_cast<long>(o) + 4 + len);
      o += 4 + len;
    }
    return std::nullopt;
  }
};

Reply ask(const view::Catalog& cat, const Bytes& q, bool with_previous = false, Transport t = Transport::kUdp) {
  CookieContext ctx{.current = &kSecret, .previous = with_previous ? &kOld : nullptr, .client_ip = kClientIp, .now = kNow};
  Reply r;
  r.wire.resize(kMaxResponse);
  r.wire.resize(answer(cat, q, r.wire, t, &ctx, &r.info));
  return r;
}

TEST(AnswerCookieTest, AClientCookieGetsAFreshServerCookie) {
  auto cat = catalog();
  const Reply r = ask(*cat, query("www.example.com.", 1, client_cookie()));
  EXPECT_EQ(r.info.cookie, CookieStatus::kClientOnly);
  EXPECT_EQ(r.flags() & 0xf, 0);
  EXPECT_EQ(r.count(1), 1);
  const auto c = r.cookie();
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 24u);
  EXPECT_EQ(Bytes(c->begin(), c->begin() + 8), client_cookie());
  EXPECT_EQ((*c)[8], 1) << "version";
  EXPECT_EQ(Bytes(c->begin() + 9, c->begin() + 12), Bytes(3, 0)) << "reserved";
  // RFC 9018 A.1: this client, address, secret and time give exactly this cookie.
  const Bytes want = {0x01, 0x00, 0x00, 0x00, 0x5c, 0xf7, 0x9f, 0x11, 0x1f, 0x81, 0x30, 0xc3, 0xee, 0xe2, 0x94, 0x80};
  EXPECT_EQ(Bytes(c->begin() + 8, c->end()), want);
}

TEST(AnswerCookieTest, AValidServerCookieIsRecognisedAndRenewed) {
  auto cat = catalog();
  Reply r = ask(*cat, query("www.example.com.", 1, full_cookie(kSecret, kNow - 1800)));
  EXPECT_EQ(r.info.cookie, CookieStatus::kValid);
  const auto c = r.cookie();
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, full_cookie(kSecret, kNow)) << "a new timestamp";
  // Made with the previous secret: valid while that secret is still accepted.
  EXPECT_EQ(ask(*cat, query("www.example.com.", 1, full_cookie(kOld, kNow)), true).info.cookie, CookieStatus::kValid);
  EXPECT_EQ(ask(*cat, query("www.example.com.", 1, full_cookie(kOld, kNow))).info.cookie, CookieStatus::kClientOnly);
  // Too old, from the future, or from another address: a client cookie only (and a new one).
  r = ask(*cat, query("www.example.com.", 1, full_cookie(kSecret, kNow - 3601)));
  EXPECT_EQ(r.info.cookie, CookieStatus::kClientOnly);
  EXPECT_EQ(r.cookie(), full_cookie(kSecret, kNow));
  EXPECT_EQ(ask(*cat, query("www.example.com.", 1, full_cookie(kSecret, kNow + 301))).info.cookie,
            CookieStatus::kClientOnly);
  Bytes forged = full_cookie(kSecret, kNow);
  forged.back() ^= 1;
  EXPECT_EQ(ask(*cat, query("www.example.com.", 1, forged)).info.cookie, CookieStatus::kClientOnly);
  // A server cookie of another length (RFC 7873 allows 8..32 octets) is not ours either.
  Bytes longer = full_cookie(kSecret, kNow);
  longer.push_back(0);
  EXPECT_EQ(ask(*cat, query("www.example.com.", 1, longer)).info.cookie, CookieStatus::kClientOnly);
}

TEST(AnswerCookieTest, AMalformedCookieIsFormErr) {
  auto cat = catalog();
  for (size_t len : {0, 7, 9, 15, 41}) {
    const Reply r = ask(*cat, query("www.example.com.", 1, Bytes(len, 0x42)));
    ASSERT_GE(r.wire.size(), 12u);
    EXPECT_EQ(r.flags() & 0xf, dns::rcode::kFormErr) << len;
    EXPECT_EQ(r.count(1), 0) << len;
    EXPECT_FALSE(r.cookie()) << len;
  }
}

TEST(AnswerCookieTest, NoCookieContextNoCookie) {
  auto cat = catalog();
  Bytes out(kMaxResponse);
  AnswerInfo info;
  const Bytes q = query("www.example.com.", 1, client_cookie());
  const size_t n = answer(*cat, q, out, Transport::kTcp, nullptr, &info);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(info.cookie, CookieStatus::kNone);
  EXPECT_EQ(info.opt_end - info.opt_begin, 11) << "a bare OPT";
  // Without a COOKIE option: none in the reply.
  EXPECT_FALSE(ask(*cat, query("www.example.com.", 1)).cookie());
}

// With a 512-octet payload the room for the cookie is kept: the answer is truncated instead.
TEST(AnswerCookieTest, TheCookieFitsInSmallPayloads) {
  auto cat = catalog();
  const Reply r = ask(*cat, query("big.example.com.", 16, client_cookie(), 512));
  EXPECT_LE(r.wire.size(), 512u);
  EXPECT_TRUE(r.cookie());
}

TEST(AnswerCookieTest, ResponseClassesForRateLimiting) {
  auto cat = catalog();
  const std::string apex = dns::name_from_text("example.com.").value();
  struct Case {
    const char* qname;
    uint16_t qtype;
    ResponseClass want;
    bool by_zone;
  };
  for (const Case& c : {Case{"www.example.com.", 1, ResponseClass::kAnswer, false},
                        Case{"www.example.com.", 28, ResponseClass::kNoData, false},
                        Case{"nope.example.com.", 1, ResponseClass::kNxDomain, true},
                        Case{"a.b.wild.example.com.", 1, ResponseClass::kWildcard, true},
                        Case{"x.sub.example.com.", 1, ResponseClass::kReferral, true},
                        Case{"example.org.", 1, ResponseClass::kError, false}}) {
    const Bytes q = query(c.qname, c.qtype);  // info.name may point into it
    const Reply r = ask(*cat, q);
    EXPECT_EQ(r.info.response, c.want) << c.qname;
    EXPECT_EQ(r.info.qtype, c.qtype);
    if (c.want == ResponseClass::kError) {
      EXPECT_EQ(r.info.name_len, 0u) << c.qname;
    } else if (c.by_zone) {
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.info.name), r.info.name_len), apex) << c.qname;
    } else {
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.info.name), r.info.name_len),
                dns::name_from_text(c.qname).value())
          << c.qname;
    }
  }
}

TEST(AnswerCookieTest, TruncatedResponseKeepsTheQuestionAndTheCookie) {
  auto cat = catalog();
  Reply r = ask(*cat, query("www.example.com.", 1, client_cookie()));
  const auto cookie = r.cookie();
  const size_t n = truncated_response(r.wire, r.wire.size(), r.info);
  r.wire.resize(n);
  EXPECT_TRUE(r.flags() & dns::flag::kTC);
  EXPECT_TRUE(r.flags() & dns::flag::kQR);
  EXPECT_EQ(r.wire[0], 0xab);
  EXPECT_EQ(r.count(0), 1) << "question";
  EXPECT_EQ(r.count(1), 0);
  EXPECT_EQ(r.count(2), 0);
  EXPECT_EQ(r.count(3), 1) << "OPT";
  const size_t question_end = 12 + 17 + 4;
  ASSERT_EQ(n, question_end + 11 + 28);
  EXPECT_EQ(r.wire[question_end + 2], 41) << "the OPT follows the question";
  EXPECT_EQ(Bytes(r.wire.end() - 24, r.wire.end()), *cookie);
  // Without EDNS: header and question only.
  Bytes plain = {0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  const std::string www = dns::name_from_text("www.example.com.").value();
  plain.insert(plain.end(), www.begin(), www.end());
  plain.insert(plain.end(), {0, 1, 0, 1});
  Reply p = ask(*cat, plain);
  p.wire.resize(truncated_response(p.wire, p.wire.size(), p.info));
  EXPECT_EQ(p.wire.size(), question_end);
  EXPECT_EQ(p.count(3), 0);
}

}  // namespace
}  // namespace dnsedge::auth
