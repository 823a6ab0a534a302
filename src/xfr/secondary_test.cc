#include "xfr/secondary.h"

#include <gtest/gtest.h>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::xfr {
namespace {

std::vector<dns::ZoneRecord> rrs(const std::string& text) {
  auto z = dns::parse_zone_text("$ORIGIN example.com.\n$TTL 300\n" + text, dns::name_from_text("example.com.").value(), "t");
  EXPECT_TRUE(z) << z.error().message;
  return z ? z->records : std::vector<dns::ZoneRecord>{};
}

constexpr const char* kSoa1 = "@ SOA ns h 1 3600 600 86400 300\n";
constexpr const char* kSoa2 = "@ SOA ns h 2 3600 600 86400 300\n";
constexpr const char* kSoa3 = "@ SOA ns h 3 3600 600 86400 300\n";

TEST(XfrSecondaryTest, AppliesChainedDeltas) {
  const auto zone = rrs(std::string(kSoa1) + "@ NS ns\nns A 192.0.2.1\nold A 192.0.2.2\n");
  // 1 → 2: old removed, new added; 2 → 3: a TXT added. Ends with the final SOA.
  const auto stream = rrs(std::string(kSoa1) + "old A 192.0.2.2\n" + kSoa2 + "new A 192.0.2.3\n" + kSoa2 + kSoa3 +
                          "new TXT \"x\"\n" + kSoa3);
  auto out = apply_ixfr(zone, std::vector<dns::ZoneRecord>(stream.begin(), stream.end() - 1), 1);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->front().type, dns::rrtype::kSOA);
  std::string text;
  for (const auto& r : *out) text += dns::format_record(r) + "\n";
  EXPECT_NE(text.find("new.example.com."), std::string::npos) << text;
  EXPECT_EQ(text.find("old.example.com."), std::string::npos) << text;
  EXPECT_NE(text.find(" 3 3600"), std::string::npos) << text;
}

TEST(XfrSecondaryTest, RejectsDeltasThatDoNotFit) {
  const auto zone = rrs(std::string(kSoa1) + "@ NS ns\nns A 192.0.2.1\n");
  // Deletes a record we do not hold.
  auto a = apply_ixfr(zone, rrs(std::string(kSoa1) + "ghost A 192.0.2.9\n" + kSoa2), 1);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("do not hold"), std::string::npos);
  // Starts at another serial than ours.
  auto b = apply_ixfr(zone, rrs(std::string(kSoa2) + kSoa3), 1);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("expected 1"), std::string::npos);
  // Goes backwards.
  auto c = apply_ixfr(zone, rrs(std::string(kSoa1) + "@ SOA ns h 0 3600 600 86400 300\n"), 1);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("back"), std::string::npos);
}

TEST(XfrSecondaryTest, PullFromNowhereIsAClearError) {
  Peer p;
  p.name = "nobody";
  p.address = Prefix::parse("127.0.0.1").value();
  p.port = 1;  // nothing listens there
  auto r = pull_zone(dns::name_from_text("example.com.").value(), p, nullptr, std::chrono::milliseconds(500));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("connect"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace dnsedge::xfr
