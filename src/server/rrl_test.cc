// Response rate limiting: the bucket arithmetic with a fake clock (seconds passed in), the
// keys, the slip sequence; and the cookie secret ring.

#include "server/rrl.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

#include "server/cookies.h"

namespace dnsedge::server {
namespace {

const dns::cookie::Secret kKey = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

RrlTable table(uint32_t rate, size_t buckets = 1024) { return RrlTable(RrlOptions{.rate = rate}, kKey, buckets); }

// How many of `n` responses in second `now` are over the rate.
int over_count(RrlTable& t, uint64_t key, uint32_t now, int n) {
  int over = 0;
  for (int i = 0; i < n; ++i) over += t.over(key, now);
  return over;
}

TEST(RrlTableTest, ABurstIsCutAtTheRateInItsFirstSecond) {
  RrlTable t = table(10);
  // Responses 1..10 pass; from the 11th on the projected rate is above the limit.
  EXPECT_EQ(over_count(t, 42, 1000, 10), 0);
  EXPECT_TRUE(t.over(42, 1000));
  EXPECT_EQ(over_count(t, 42, 1000, 100), 100);
}

// The lowest rate still answers: one response a second, the second one in that second is over.
TEST(RrlTableTest, RateOneAnswersOneASecond) {
  RrlTable t = table(1);
  EXPECT_FALSE(t.over(3, 100));
  EXPECT_TRUE(t.over(3, 100));
  EXPECT_EQ(over_count(t, 3, 100, 20), 20);
}

TEST(RrlTableTest, SmoothingAsNsd) {
  RrlTable t = table(100);
  // Second 1: 60 responses, none limited. Second 2: r = 0/2 + 60 = 60; the projection is
  // count + r/2 = count + 30, so the 71st response goes above 100.
  EXPECT_EQ(over_count(t, 7, 1, 60), 0);
  EXPECT_EQ(over_count(t, 7, 2, 70), 0);
  EXPECT_TRUE(t.over(7, 2));
  // Second 3: r = 60/2 + 71 = 101: everything is over until the rate decays.
  EXPECT_TRUE(t.over(7, 3));
  // Three idle seconds later (second 7): r = (101/2 + 1) >> 3 = 6; a fresh start.
  EXPECT_EQ(over_count(t, 7, 7, 90), 0);
}

TEST(RrlTableTest, SteadyRateBelowHalfPassesAndAboveHalfIsLimited) {
  RrlTable t = table(200);
  int over = 0;
  for (uint32_t s = 0; s < 20; ++s) over += over_count(t, 1, s, 90);
  EXPECT_EQ(over, 0) << "90/s is under 200/2";
  RrlTable u = table(200);
  over = 0;
  for (uint32_t s = 0; s < 20; ++s) over += over_count(u, 1, s, 150);
  EXPECT_GT(over, 0) << "150/s settles at r = 300";
}

TEST(RrlTableTest, KeysAreIndependentAndALongPauseForgets) {
  RrlTable t = table(5);
  EXPECT_EQ(over_count(t, 1, 50, 10), 5);
  EXPECT_EQ(over_count(t, 2, 50, 4), 0) << "another key has its own bucket";
  EXPECT_EQ(over_count(t, 1, 50 + 30, 4), 0) << "30 idle seconds: the rate decayed to 0";
}

TEST(RrlTableTest, AClockThatGoesBackStartsOver) {
  RrlTable t = table(5);
  EXPECT_EQ(over_count(t, 9, 500, 10), 5);
  EXPECT_EQ(over_count(t, 9, 400, 4), 0);
}

TEST(RrlTableTest, RateZeroIsOff) {
  RrlTable t = table(0);
  EXPECT_FALSE(t.enabled());
  EXPECT_EQ(over_count(t, 1, 1, 10000), 0);
}

sockaddr_storage addr(const char* text) {
  sockaddr_storage ss{};
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET, text, &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    std::memcpy(&ss, &v4, sizeof v4);
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text, &v6.sin6_addr), 1);
    v6.sin6_family = AF_INET6;
    std::memcpy(&ss, &v6, sizeof v6);
  }
  return ss;
}

auth::AnswerInfo info(auth::ResponseClass cls, const std::string& name_wire, uint16_t qtype = 1) {
  static std::string keep[8];
  static int next = 0;
  std::string& n = keep[next++ % 8];
  n = name_wire;
  auth::AnswerInfo i;
  i.response = cls;
  i.name = reinterpret_cast<const uint8_t*>(n.data());
  i.name_len = n.size();
  i.qtype = qtype;
  return i;
}

TEST(RrlTableTest, KeyUsesThePrefixTheClassAndTheName) {
  RrlTable t(RrlOptions{.rate = 10, .ipv4_prefix = 24, .ipv6_prefix = 64}, kKey, 1024);
  const std::string www("\3www\7example\3com\0", 17);
  const std::string WWW("\3WWW\7Example\3COM\0", 17);
  const std::string mail("\4mail\7example\3com\0", 18);
  const auto a = info(auth::ResponseClass::kAnswer, www);
  EXPECT_EQ(t.key(addr("192.0.2.1"), a), t.key(addr("192.0.2.200"), a)) << "same /24";
  EXPECT_NE(t.key(addr("192.0.2.1"), a), t.key(addr("192.0.3.1"), a));
  EXPECT_EQ(t.key(addr("2001:db8::1"), a), t.key(addr("2001:db8::ffff:1"), a)) << "same /64";
  EXPECT_NE(t.key(addr("2001:db8::1"), a), t.key(addr("2001:db8:0:1::1"), a));
  EXPECT_EQ(t.key(addr("192.0.2.1"), a), t.key(addr("192.0.2.1"), info(auth::ResponseClass::kAnswer, WWW)))
      << "names are case-insensitive";
  EXPECT_NE(t.key(addr("192.0.2.1"), a), t.key(addr("192.0.2.1"), info(auth::ResponseClass::kAnswer, mail)));
  EXPECT_NE(t.key(addr("192.0.2.1"), a), t.key(addr("192.0.2.1"), info(auth::ResponseClass::kAnswer, www, 28)));
  EXPECT_NE(t.key(addr("192.0.2.1"), a), t.key(addr("192.0.2.1"), info(auth::ResponseClass::kNxDomain, www)));
  // Classes that do not depend on the qtype.
  EXPECT_EQ(t.key(addr("192.0.2.1"), info(auth::ResponseClass::kNxDomain, www, 1)),
            t.key(addr("192.0.2.1"), info(auth::ResponseClass::kNxDomain, www, 28)));
}

TEST(RrlSlipTest, EveryNthLimitedResponseSlips) {
  RrlSlip s;
  int slipped = 0;
  for (int i = 0; i < 10; ++i) slipped += s.limited(2) == RrlAction::kSlip;
  EXPECT_EQ(slipped, 5);
  for (int i = 0; i < 9; ++i) slipped += s.limited(3) == RrlAction::kSlip;
  EXPECT_EQ(slipped, 8);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(s.limited(0), RrlAction::kDrop) << "slip 0 drops all";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(s.limited(1), RrlAction::kSlip) << "slip 1 truncates all";
  s.cookie_exempt();
  const RrlCounters c = s.counters();
  EXPECT_EQ(c.limited, 29u);
  EXPECT_EQ(c.slipped, 13u);
  EXPECT_EQ(c.dropped, 16u);
  EXPECT_EQ(c.cookie_exempt, 1u);
}

TEST(CookieSecretsTest, RotationKeepsThePreviousSecret) {
  const dns::cookie::Secret a{1}, b{2}, c{3};
  CookieSecrets s(a);
  EXPECT_EQ(s.read().current, a);
  EXPECT_FALSE(s.read().has_previous);
  const uint64_t g = s.generation();
  s.rotate(b);
  EXPECT_NE(s.generation(), g);
  EXPECT_EQ(s.read().current, b);
  EXPECT_TRUE(s.read().has_previous);
  EXPECT_EQ(s.read().previous, a);
  s.rotate(c);
  EXPECT_EQ(s.read().current, c);
  EXPECT_EQ(s.read().previous, b);
  for (int i = 0; i < 9; ++i) s.rotate(dns::cookie::Secret{static_cast<uint8_t>(10 + i)});
  EXPECT_EQ(s.read().current, dns::cookie::Secret{18});
  EXPECT_EQ(s.read().previous, dns::cookie::Secret{17});
}

TEST(CookieSecretsTest, RandomSecretsDiffer) {
  auto a = CookieSecrets::random_secret();
  auto b = CookieSecrets::random_secret();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace dnsedge::server
