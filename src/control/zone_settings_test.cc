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

// The request body's JSON is read in api/settings_input.cc (api/settings_input_test.cc); these
// are the rules on the typed patch.
TEST(ZoneSettingsTest, PatchValidatesAndRoundTripsThroughRows) {
  DnsSettings s;
  DnsSettingsPatch patch;
  patch.soa = SoaPatch{};
  patch.soa->refresh = 7200;
  patch.soa->retry = 900;
  patch.soa->rname = "DNS.Example.com.";
  patch.ns_ttl = 600;
  patch.flatten_all = true;
  auto p = patch_settings(s, patch);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->soa.refresh, 7200u);
  EXPECT_EQ(p->soa.rname, "dns.example.com");
  auto back = settings_from_rows(settings_rows("z", *p, "2026-01-01T00:00:00.000000Z"));
  EXPECT_TRUE(back.flatten_all);
  EXPECT_EQ(back.ns_ttl, 600u);
  EXPECT_EQ(back.soa.refresh, 7200u);
  EXPECT_EQ(back.soa.retry, 900u);
  EXPECT_EQ(back.soa.rname, "dns.example.com");
  EXPECT_EQ(back.soa_overrides, p->soa_overrides);
  // The "soa" row holds only the fields that were set.
  EXPECT_EQ(settings_rows("z", *p, "t")[1].value_json, R"({"refresh":7200,"retry":900,"rname":"dns.example.com"})");
  EXPECT_EQ(settings_rows("z", s, "t")[1].value_json, "{}");

  auto soa = [](void (*set)(SoaPatch&)) {
    DnsSettingsPatch d;
    set(d.soa.emplace());
    return d;
  };
  DnsSettingsPatch ns0;
  ns0.ns_ttl = 0;
  const std::pair<DnsSettingsPatch, const char*> bad[] = {
      {soa([](SoaPatch& o) { o.retry = 5000; }), "soa.retry must be an integer between 600 and 3600"},
      {soa([](SoaPatch& o) { o.ttl = 60; }), "soa.ttl must be an integer between 1800 and 3600"},
      {soa([](SoaPatch& o) { o.expire = 100; }), "soa.expire must be an integer between 86400 and 2419200"},
      {soa([](SoaPatch& o) { o.min_ttl = int64_t{1} << 40; }), "soa.min_ttl must be an integer between 60 and 86400"},
      {ns0, "ns_ttl must be an integer between 30 and 86400"},
      {soa([](SoaPatch& o) { o.mname = "not a name"; }), "soa.mname must be a host name"},
      {soa([](SoaPatch& o) {
         o.refresh = 600;
         o.retry = 900;
       }),
       "soa.retry must not be greater than soa.refresh"},
  };
  for (const auto& [patch, message] : bad) {
    auto r = patch_settings(s, patch);
    ASSERT_FALSE(r) << message;
    EXPECT_EQ(r.error().code, errc::kValidation);
    EXPECT_EQ(r.error().message, message);
  }
}

TEST(ZoneSettingsTest, AnEmptyHostNameGoesBackToTheDefault) {
  DnsSettings s;
  DnsSettingsPatch set;
  set.soa.emplace().mname = "ns.example.net";
  auto p = patch_settings(s, set);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->soa.mname, "ns.example.net");
  EXPECT_EQ(p->soa_overrides.mname, "ns.example.net");
  DnsSettingsPatch reset;
  reset.soa.emplace().mname = "";
  auto q = patch_settings(*p, reset);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->soa.mname, "");
  EXPECT_FALSE(q->soa_overrides.mname);
  EXPECT_EQ(effective_rname("example.com", *q), "hostmaster.example.com");
}

}  // namespace
}  // namespace dnsedge::control
