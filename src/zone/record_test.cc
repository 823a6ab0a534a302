#include "zone/record.h"

#include <gtest/gtest.h>

#include <set>

namespace dnsedge::zone {
namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

std::chrono::system_clock::time_point at(std::chrono::year_month_day ymd,
                                         std::chrono::microseconds since_midnight) {
  return std::chrono::system_clock::time_point(sys_days{ymd} + since_midnight);
}

TEST(IdTest, NewIdIsThirtyTwoLowercaseHexDigits) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = new_id();
    ASSERT_EQ(id.size(), 32u);
    EXPECT_TRUE(is_id(id)) << id;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
}

TEST(IdTest, NewIdsDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(new_id());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(IdTest, NewIdsUseEveryHexDigit) {
  // 1000 ids = 32000 digits; a missing digit would mean a broken encoder, not bad luck.
  std::set<char> digits;
  for (int i = 0; i < 1000; ++i) {
    for (const char c : new_id()) digits.insert(c);
  }
  EXPECT_EQ(digits.size(), 16u);
}

TEST(IdTest, RandomHexHasTwoDigitsPerByte) {
  EXPECT_EQ(random_hex(0), "");
  EXPECT_EQ(random_hex(20).size(), 40u);
}

TEST(IdTest, IsIdRejectsWrongLengthAndCase) {
  EXPECT_TRUE(is_id("023e105f4ecef8ad9ca31a8372d0c353"));
  EXPECT_FALSE(is_id("023E105F4ECEF8AD9CA31A8372D0C353"));
  EXPECT_FALSE(is_id("023e105f4ecef8ad9ca31a8372d0c35"));
  EXPECT_FALSE(is_id("023e105f4ecef8ad9ca31a8372d0c3533"));
  EXPECT_FALSE(is_id("023e105f4ecef8ad9ca31a8372d0c35g"));
  EXPECT_FALSE(is_id(""));
}

TEST(TimeTest, FormatsMicrosecondsInUtc) {
  using std::chrono::November;
  const auto t = at(2026y / November / 26, 8h + 123456us);
  EXPECT_EQ(format_rfc3339(t), "2026-11-26T08:00:00.123456Z");
}

TEST(TimeTest, FormatTruncatesBelowMicroseconds) {
  using std::chrono::January;
  const auto t =
      at(2023y / January / 17, 20h + 37min + 5s + 368097us) + std::chrono::nanoseconds(999);
  EXPECT_EQ(format_rfc3339(t), "2023-01-17T20:37:05.368097Z");
}

TEST(TimeTest, FormatsEpochAndLeapDay) {
  EXPECT_EQ(format_rfc3339(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000000Z");
  using std::chrono::February;
  EXPECT_EQ(format_rfc3339(at(2024y / February / 29, 23h + 59min + 59s + 999999us)),
            "2024-02-29T23:59:59.999999Z");
}

TEST(TimeTest, FormatsBeforeEpoch) {
  using std::chrono::December;
  EXPECT_EQ(format_rfc3339(at(1969y / December / 31, 23h + 59min + 59s + 500000us)),
            "1969-12-31T23:59:59.500000Z");
}

TEST(TimeTest, ParseRoundTripsFormat) {
  using std::chrono::November;
  const auto t = at(2026y / November / 26, 8h + 123456us);
  auto parsed = parse_rfc3339("2026-11-26T08:00:00.123456Z");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, t);
  auto whole = parse_rfc3339("2026-11-26T08:00:00Z");
  ASSERT_TRUE(whole);
  EXPECT_EQ(*whole, at(2026y / November / 26, 8h));
}

TEST(TimeTest, ParseRejectsOtherForms) {
  for (const char* bad :
       {"", "2026-11-26", "2026-11-26T08:00:00", "2026-11-26T08:00:00+00:00",
        "2026-11-26T08:00:00.123Z", "2026-11-26 08:00:00.123456Z", "2026-02-30T08:00:00Z",
        "2026-11-26T24:00:00Z", "2026-11-26T08:60:00Z", "2026-11-26T08:00:00.123456z",
        "2026-11-26T08:00:00.1234567Z", "20a6-11-26T08:00:00Z"}) {
    auto r = parse_rfc3339(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find("invalid RFC 3339"), std::string::npos);
    }
  }
}

TEST(TimeTest, NowUsesTheInjectedClock) {
  using std::chrono::November;
  FakeClock clock(at(2026y / November / 26, 8h));
  EXPECT_EQ(now_rfc3339(clock), "2026-11-26T08:00:00.000000Z");
  clock.advance(1500ms);
  EXPECT_EQ(now_rfc3339(clock), "2026-11-26T08:00:01.500000Z");
  clock.set(at(2027y / std::chrono::January / 1, 0us));
  EXPECT_EQ(now_rfc3339(clock), "2027-01-01T00:00:00.000000Z");
}

TEST(TimeTest, SystemNowParsesBackCloseToNow) {
  const auto before =
      std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
  const std::string s = now_rfc3339();
  const auto after = std::chrono::system_clock::now();
  ASSERT_EQ(s.size(), 27u);
  auto parsed = parse_rfc3339(s);
  ASSERT_TRUE(parsed) << s;
  EXPECT_GE(*parsed, before);
  EXPECT_LE(*parsed, after);
}

TEST(RecordTest, DefaultsMatchTheApiDefaults) {
  const Record r;
  EXPECT_EQ(r.ttl, 1u);
  EXPECT_FALSE(r.proxied);
  EXPECT_FALSE(r.priority.has_value());
  EXPECT_EQ(r.settings_json, "{}");
  EXPECT_EQ(r.tags_json, "[]");
  EXPECT_EQ(r.data_json, "");
  const Zone z;
  EXPECT_EQ(z.type, "full");
  EXPECT_EQ(z.status, "active");
  EXPECT_EQ(z.serial, 1u);
  EXPECT_EQ(ApiToken{}.status, "active");
}

}  // namespace
}  // namespace dnsedge::zone
