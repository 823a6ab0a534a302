#include "api/settings_input.h"

#include <gtest/gtest.h>

#include "api/json_io.h"
#include "control/errors.h"

namespace dnsedge::api {
namespace {

using nlohmann::json;

TEST(SettingsInput, ReadsEveryField) {
  auto p = dns_settings_patch(json{{"soa", {{"refresh", 7200}, {"retry", 900}, {"rname", "DNS.Example.com."}}},
                                   {"ns_ttl", 600},
                                   {"flatten_all_cnames", true}});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->flatten_all, true);
  EXPECT_EQ(p->ns_ttl, 600);
  ASSERT_TRUE(p->soa);
  EXPECT_EQ(p->soa->refresh, 7200);
  EXPECT_EQ(p->soa->retry, 900);
  EXPECT_EQ(p->soa->rname, "DNS.Example.com.");  // normalized by control::patch_settings
  EXPECT_FALSE(p->soa->expire);
  EXPECT_FALSE(p->soa->mname);

  // Unknown fields and nulls are ignored; an empty soa object still checks the SOA as a whole.
  auto q = dns_settings_patch(
      json{{"zone_mode", "standard"}, {"ns_ttl", nullptr}, {"soa", json::object()}, {"flatten_all_cnames", nullptr}});
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_FALSE(q->flatten_all);
  EXPECT_FALSE(q->ns_ttl);
  ASSERT_TRUE(q->soa);
  auto r = dns_settings_patch(json{{"soa", nullptr}, {"unknown", {1, 2}}});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->soa);
  // An empty mname or rname is kept: it sets the default back.
  auto e = dns_settings_patch(json{{"soa", {{"mname", ""}}}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->soa->mname, "");
}

TEST(SettingsInput, RefusesEachBadFieldWithItsMessage) {
  struct Case {
    json body;
    const char* message;
  };
  const Case cases[] = {
      // wrong type
      {{{"flatten_all_cnames", "yes"}}, "flatten_all_cnames must be a boolean"},
      {{{"ns_ttl", "600"}}, "ns_ttl must be an integer between 30 and 86400"},
      {{{"ns_ttl", 600.5}}, "ns_ttl must be an integer between 30 and 86400"},
      {{{"soa", "x"}}, "soa must be an object"},
      {{{"soa", json::array()}}, "soa must be an object"},
      {{{"soa", {{"refresh", "7200"}}}}, "soa.refresh must be an integer between 600 and 86400"},
      {{{"soa", {{"ttl", true}}}}, "soa.ttl must be an integer between 1800 and 3600"},
      {{{"soa", {{"mname", 5}}}}, "soa.mname must be a string"},
      {{{"soa", {{"rname", json::array()}}}}, "soa.rname must be a string"},
      // bad value / out of range
      {{{"ns_ttl", 0}}, "ns_ttl must be an integer between 30 and 86400"},
      {{{"ns_ttl", 86401}}, "ns_ttl must be an integer between 30 and 86400"},
      {{{"ns_ttl", -30}}, "ns_ttl must be an integer between 30 and 86400"},
      {{{"ns_ttl", 18446744073709551615u}}, "ns_ttl must be an integer between 30 and 86400"},
      {{{"soa", {{"retry", 5000}}}}, "soa.retry must be an integer between 600 and 3600"},
      {{{"soa", {{"ttl", 60}}}}, "soa.ttl must be an integer between 1800 and 3600"},
      {{{"soa", {{"expire", 100}}}}, "soa.expire must be an integer between 86400 and 2419200"},
      {{{"soa", {{"min_ttl", 59}}}}, "soa.min_ttl must be an integer between 60 and 86400"},
      {{{"soa", {{"rname", "not a name"}}}}, "soa.rname must be a host name"},
      {{{"soa", {{"mname", std::string(300, 'a') + ".com"}}}}, "soa.mname must be a host name"},
      // the first bad field in the order they are checked wins
      {{{"ns_ttl", 10}, {"soa", "x"}}, "ns_ttl must be an integer between 30 and 86400"},
      {{{"flatten_all_cnames", 1}, {"ns_ttl", 10}}, "flatten_all_cnames must be a boolean"},
      {{{"soa", {{"refresh", 1}, {"retry", "x"}}}}, "soa.refresh must be an integer between 600 and 86400"},
      {{{"soa", {{"ttl", 1}, {"mname", 5}}}}, "soa.ttl must be an integer between 1800 and 3600"},
      {{{"soa", {{"mname", "-"}, {"rname", 5}}}}, "soa.mname must be a host name"},
  };
  for (const auto& c : cases) {
    auto p = dns_settings_patch(c.body);
    ASSERT_FALSE(p) << c.body.dump();
    EXPECT_EQ(p.error().code, errc::kValidation) << c.body.dump();
    EXPECT_EQ(p.error().message, c.message) << c.body.dump();
  }
}

TEST(SettingsInput, FlatteningValue) {
  for (const char* v : {"flatten_all", "on"}) EXPECT_EQ(flattening_patch(json{{"value", v}})->flatten_all, true) << v;
  for (const char* v : {"flatten_at_root", "off", "apex"}) {
    EXPECT_EQ(flattening_patch(json{{"value", v}})->flatten_all, false) << v;
  }
  for (const json& body : {json::object(), json{{"value", 1}}, json{{"value", nullptr}}, json{{"other", "on"}}}) {
    auto p = flattening_patch(body);
    ASSERT_FALSE(p) << body.dump();
    EXPECT_EQ(p.error().code, kInvalidBody);
    EXPECT_EQ(p.error().message, "Request body is invalid: value must be \"flatten_at_root\" or \"flatten_all\"");
  }
  auto p = flattening_patch(json{{"value", "sometimes"}});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, errc::kBadSetting);
  EXPECT_EQ(p.error().message,
            "Invalid value for zone setting cname_flattening: \"sometimes\" (flatten_at_root or flatten_all)");
}

}  // namespace
}  // namespace dnsedge::api
