#include "api/tokens.h"

#include <gtest/gtest.h>

#include <set>

#include "api/audit.h"
#include "api/routes.h"

namespace dnsedge::api {
namespace {

using namespace std::chrono_literals;

const std::string kZoneA(32, 'a'), kZoneB(32, 'b'), kAcct(32, 'c'), kOtherAcct(32, 'd');
constexpr const char* kDnsRead = "82e64a83756745bbbb1c9c2701bf816b";
constexpr const char* kDnsWrite = "4755a26eedb94da69e1066d98aa820be";
constexpr const char* kZoneWrite = "e6d2666161e84845a636613608cee8d5";

Target zone(const std::string& id, const std::string& acct = kAcct) { return {Scope::kZone, id, acct}; }

TokenScope scope(const std::string& policies) {
  auto s = TokenScope::parse(policies);
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return s ? *s : TokenScope{};
}

std::string policy(const std::string& effect, const std::string& group, const std::string& resources) {
  return R"({"effect":")" + effect + R"(","permission_groups":[{"id":")" + group + R"("}],"resources":)" + resources +
         "}";
}

TEST(TokenScopeTest, OneZoneReadGrantsReadOfThatZoneOnly) {
  auto s = scope("[" + policy("allow", kDnsRead, R"({"com.cloudflare.api.account.zone.)" + kZoneA + R"(":"*"})") + "]");
  EXPECT_TRUE(s.allows(Area::kDns, Access::kRead, zone(kZoneA)));
  EXPECT_FALSE(s.allows(Area::kDns, Access::kWrite, zone(kZoneA)));
  EXPECT_FALSE(s.allows(Area::kDns, Access::kRead, zone(kZoneB)));
  EXPECT_FALSE(s.allows(Area::kZone, Access::kRead, zone(kZoneA)));
  EXPECT_TRUE(s.allows(std::nullopt, Access::kRead, zone(kZoneA)));  // sees the zone
  EXPECT_FALSE(s.allows(std::nullopt, Access::kRead, zone(kZoneB)));
  EXPECT_FALSE(s.allows(Area::kDns, Access::kRead, zone("*")));  // not every zone of the account
  EXPECT_FALSE(s.allows(Area::kAccount, Access::kRead, {Scope::kAccount, "", kAcct}));
  EXPECT_FALSE(s.allows(Area::kTokens, Access::kRead, {Scope::kUser, "", ""}));
}

TEST(TokenScopeTest, AccountZonesCoverEveryZoneOfThatAccount) {
  auto s = scope("[" +
                 policy("allow", kDnsWrite,
                        R"({"com.cloudflare.api.account.)" + kAcct + R"(":{"com.cloudflare.api.account.zone.*":"*"}})") +
                 "," + policy("allow", kZoneWrite, R"({"com.cloudflare.api.account.zone.*":"*"})") + "]");
  EXPECT_TRUE(s.allows(Area::kDns, Access::kWrite, zone(kZoneA)));
  EXPECT_TRUE(s.allows(Area::kDns, Access::kRead, zone(kZoneB)));  // write includes read
  EXPECT_FALSE(s.allows(Area::kDns, Access::kWrite, zone(kZoneA, kOtherAcct)));
  EXPECT_TRUE(s.allows(Area::kZone, Access::kWrite, zone("*", kOtherAcct)));  // zone.*: any account
}

TEST(TokenScopeTest, DenyOfReadAlsoDeniesWriteButNotTheOtherZone) {
  auto s = scope("[" + policy("allow", kDnsWrite, R"({"com.cloudflare.api.account.zone.*":"*"})") + "," +
                 policy("deny", kDnsRead, R"({"com.cloudflare.api.account.zone.)" + kZoneB + R"(":"*"})") + "]");
  EXPECT_TRUE(s.allows(Area::kDns, Access::kWrite, zone(kZoneA)));
  EXPECT_FALSE(s.allows(Area::kDns, Access::kRead, zone(kZoneB)));
  EXPECT_FALSE(s.allows(Area::kDns, Access::kWrite, zone(kZoneB)));
  // a deny of write leaves read
  auto w = scope("[" + policy("allow", kDnsWrite, R"({"com.cloudflare.api.account.zone.*":"*"})") + "," +
                 policy("deny", kDnsWrite, R"({"com.cloudflare.api.account.zone.*":"*"})") + "]");
  EXPECT_TRUE(w.allows(Area::kDns, Access::kRead, zone(kZoneA)));
  EXPECT_FALSE(w.allows(Area::kDns, Access::kWrite, zone(kZoneA)));
}

TEST(TokenScopeTest, AllAndEmpty) {
  auto all = scope("\"all\"");
  EXPECT_TRUE(all.is_all());
  EXPECT_TRUE(all.allows(Area::kTokens, Access::kWrite, {Scope::kUser, "", ""}));
  auto none = scope("[]");
  EXPECT_FALSE(none.allows(std::nullopt, Access::kRead, zone(kZoneA)));
  EXPECT_FALSE(TokenScope::parse("{"));
}

TEST(TokenScopeTest, AnalyticsReadGrantsTheReportsOnly) {
  constexpr const char* kAnalyticsRead = "9c88f9c5bce24ce7af9a958ba9c504db";  // Cloudflare's id
  ASSERT_NE(find_permission_group(kAnalyticsRead), nullptr);
  EXPECT_EQ(find_permission_group(kAnalyticsRead)->name, "Analytics Read");
  auto s = scope("[" + policy("allow", kAnalyticsRead, R"({"com.cloudflare.api.account.zone.)" + kZoneA + R"(":"*"})") +
                 "]");
  EXPECT_TRUE(s.allows(Area::kAnalytics, Access::kRead, zone(kZoneA)));
  EXPECT_FALSE(s.allows(Area::kAnalytics, Access::kWrite, zone(kZoneA)));
  EXPECT_FALSE(s.allows(Area::kAnalytics, Access::kRead, zone(kZoneB)));
  for (Area a : {Area::kZone, Area::kDns, Area::kDnsSettings, Area::kZoneSettings, Area::kFirewall}) {
    EXPECT_FALSE(s.allows(a, Access::kRead, zone(kZoneA)));
  }
  auto dns_read =
      scope("[" + policy("allow", kDnsRead, R"({"com.cloudflare.api.account.zone.)" + kZoneA + R"(":"*"})") + "]");
  EXPECT_FALSE(dns_read.allows(Area::kAnalytics, Access::kRead, zone(kZoneA)));
}

TEST(PermissionGroupTest, IdsAreUniqueAndEveryAreaHasReadAndWrite) {
  std::set<std::string_view> ids;
  std::set<std::pair<int, int>> area_access;
  for (const auto& g : permission_groups()) {
    EXPECT_TRUE(ids.insert(g.id).second) << g.id;
    EXPECT_EQ(g.id.size(), 32u);
    area_access.insert({static_cast<int>(g.area), static_cast<int>(g.access)});
  }
  EXPECT_EQ(area_access.size(), permission_groups().size());
  // Analytics is read-only; every other area has a read and a write group.
  EXPECT_EQ(area_access.count({static_cast<int>(Area::kAnalytics), static_cast<int>(Access::kRead)}), 1u);
  EXPECT_EQ(area_access.count({static_cast<int>(Area::kAnalytics), static_cast<int>(Access::kWrite)}), 0u);
  EXPECT_EQ((area_access.size() - 1) % 2, 0u);
  EXPECT_EQ(find_permission_group(kDnsRead)->name, "DNS Read");
}

TEST(CidrTest, ParsesAndMatches) {
  auto v4 = Cidr::parse("192.0.2.0/24");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->contains("192.0.2.200"));
  EXPECT_TRUE(v4->contains("::ffff:192.0.2.1"));  // IPv4-mapped
  EXPECT_FALSE(v4->contains("192.0.3.1"));
  EXPECT_FALSE(v4->contains("2001:db8::1"));
  auto odd = Cidr::parse("10.0.0.0/9");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains("10.127.255.255"));
  EXPECT_FALSE(odd->contains("10.128.0.0"));
  auto v6 = Cidr::parse("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains("2001:db8:ffff::1"));
  EXPECT_FALSE(v6->contains("2001:db9::1"));
  auto host = Cidr::parse("127.0.0.1");
  ASSERT_TRUE(host);
  EXPECT_TRUE(host->contains("127.0.0.1"));
  EXPECT_FALSE(host->contains("127.0.0.2"));
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains("203.0.113.9"));
  for (const char* bad : {"300.1.1.1", "192.0.2.0/33", "2001:db8::/129", "10.0.0.0/", "x", "10.0.0.0/-1", ""}) {
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
  }
}

TEST(RouteTableTest, MatchesLiteralsBeforeIdsAndCapturesTheResource) {
  const std::vector<std::string> export_path{"zones", kZoneA, "dns_records", "export"};
  auto m = match_route("GET", export_path);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rule->pattern, "/zones/{zone_id}/dns_records/export");
  EXPECT_EQ(m->zone_id, kZoneA);
  auto rec = match_route("DELETE", {"zones", kZoneA, "dns_records", kZoneB});
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->rule->area, Area::kDns);
  EXPECT_EQ(rec->rule->access, Access::kWrite);
  auto acct = match_route("POST", {"accounts", kAcct, "secondary_dns", "tsigs"});
  ASSERT_TRUE(acct);
  EXPECT_EQ(acct->account_id, kAcct);
  EXPECT_EQ(acct->rule->area, Area::kAccountDns);
  EXPECT_FALSE(match_route("POST", {"zones", kZoneA, "dns_records", "export"}));
  EXPECT_FALSE(match_route("GET", {"zones", kZoneA, "nothing"}));
  EXPECT_FALSE(match_route("GET", {}));
  // every pattern's writes are writes and reads reads
  for (const auto& r : route_permissions()) {
    EXPECT_EQ(r.access == Access::kRead, r.method == "GET") << r.method << " " << r.pattern;
  }
}

TEST(AuthThrottleTest, BlocksASourceAfterTheLimitUntilTheWindowEnds) {
  AuthThrottle t(3, 60s);
  const auto t0 = AuthThrottle::Clock::time_point{} + 1000s;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.retry_after("192.0.2.1", t0), 0);
    t.failure("192.0.2.1", t0 + std::chrono::seconds(i));
  }
  EXPECT_EQ(t.retry_after("192.0.2.1", t0 + 2s), 58);
  EXPECT_EQ(t.retry_after("::ffff:192.0.2.1", t0 + 2s), 58);  // the same source
  EXPECT_EQ(t.retry_after("192.0.2.2", t0 + 2s), 0);
  EXPECT_EQ(t.retry_after("192.0.2.1", t0 + 59500ms), 1);  // rounded up
  EXPECT_EQ(t.retry_after("192.0.2.1", t0 + 60s), 0);
  t.failure("192.0.2.1", t0 + 61s);  // a new window
  EXPECT_EQ(t.retry_after("192.0.2.1", t0 + 61s), 0);
  // IPv6: the /64 is one source
  for (int i = 0; i < 3; ++i) t.failure("2001:db8:1:2::" + std::to_string(i + 1), t0);
  EXPECT_GT(t.retry_after("2001:db8:1:2:ffff::9", t0), 0);
  EXPECT_EQ(t.retry_after("2001:db8:1:3::1", t0), 0);
}

TEST(LogLimiterTest, WritesAtMostNPerMinuteAndCountsTheRest) {
  LogLimiter l(2);
  const auto t0 = LogLimiter::Clock::time_point{} + 1000s;
  uint64_t skipped = 99;
  EXPECT_TRUE(l.allow(t0, &skipped));
  EXPECT_EQ(skipped, 0u);
  EXPECT_TRUE(l.allow(t0, &skipped));
  EXPECT_FALSE(l.allow(t0 + 1s, &skipped));
  EXPECT_FALSE(l.allow(t0 + 2s, &skipped));
  EXPECT_TRUE(l.allow(t0 + 61s, &skipped));
  EXPECT_EQ(skipped, 2u);
}

TEST(TokenSecretTest, FortyUrlSafeCharactersEachTime) {
  const std::string a = new_token_secret(), b = new_token_secret();
  EXPECT_EQ(a.size(), 40u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
}

}  // namespace
}  // namespace dnsedge::api
