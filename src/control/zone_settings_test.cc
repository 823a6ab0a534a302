#include "control/zone_settings.h"

#include <gtest/gtest.h>

#include "control/errors.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::control {
namespace {

TEST(ZoneSettingsTest, DefaultsFollowSpecSection6) {
  const DnsSettings s;
  const auto apex = dns::name_from_text("example.com.").value();
  auto recs = generated_records("example.com", apex, 42, s, {dns::name_from_text("ns1.example.net.").value(),
                                                            dns::name_from_text("ns2.example.net.").value()});
  ASSERT_TRUE(recs) << recs.error().message;
  ASSERT_EQ(recs->size(), 3u);
  EXPECT_EQ((*recs)[0].ttl, 3600u);
  EXPECT_EQ(dns::rdata_to_text(dns::rrtype::kSOA, (*recs)[0].rdata).value(),
            "ns1.example.net. hostmaster.example.com. 42 10000 2400 604800 1800");
  EXPECT_EQ((*recs)[1].ttl, 86400u);
  EXPECT_EQ((*recs)[2].type, dns::rrtype::kNS);
}

TEST(ZoneSettingsTest, PatchValidatesAndRoundTripsThroughRows) {
  DnsSettings s;
  auto p = patch_settings(s, {{"soa", {{"refresh", 7200}, {"retry", 900}, {"rname", "DNS.Example.com."}}},
                              {"ns_ttl", 600},
                              {"flatten_all_cnames", true}});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->soa.refresh, 7200u);
  EXPECT_EQ(p->soa.rname, "dns.example.com");
  auto back = settings_from_rows(settings_rows("z", *p, "2026-01-01T00:00:00.000000Z"));
  EXPECT_TRUE(back.flatten_all);
  EXPECT_EQ(back.ns_ttl, 600u);
  EXPECT_EQ(back.soa.refresh, 7200u);
  EXPECT_EQ(back.soa.retry, 900u);
  EXPECT_EQ(back.soa.rname, "dns.example.com");
  for (const auto& bad : {nlohmann::json{{"soa", {{"retry", 5000}}}}, nlohmann::json{{"soa", {{"ttl", 60}}}},
                          nlohmann::json{{"soa", {{"expire", 100}}}}, nlohmann::json{{"ns_ttl", 0}},
                          nlohmann::json{{"flatten_all_cnames", "yes"}}, nlohmann::json{{"soa", "x"}},
                          nlohmann::json{{"soa", {{"refresh", 600}, {"retry", 900}}}}}) {
    auto r = patch_settings(s, bad);
    EXPECT_FALSE(r) << bad.dump();
    if (!r) {
      EXPECT_EQ(r.error().code, errc::kValidation);
    }
  }
}

}  // namespace
}  // namespace dnsedge::control
