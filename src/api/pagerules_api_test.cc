#include "api/pagerules_api.h"

#include <gtest/gtest.h>

namespace dnsedge::api {
namespace {

using nlohmann::json;

// What octodns-cloudflare sends for a URLFWD value (`_contents_for_URLFWD`).
json octodns_body() {
  return json::parse(R"({
    "targets": [{"target": "url", "constraint": {"operator": "matches", "value": "www.example.com/*"}}],
    "actions": [{"id": "forwarding_url", "value": {"url": "https://example.com/$1", "status_code": 301}}],
    "status": "active"})");
}

TEST(PageRuleInputTest, ReadsTheOctodnsBody) {
  auto in = page_rule_input(octodns_body());
  ASSERT_TRUE(in) << in.error().message;
  ASSERT_TRUE(in->targets);
  ASSERT_EQ(in->targets->size(), 1u);
  EXPECT_EQ(in->targets->front().target, "url");
  EXPECT_EQ(in->targets->front().op, "matches");
  EXPECT_EQ(in->targets->front().value, "www.example.com/*");
  ASSERT_TRUE(in->actions);
  ASSERT_EQ(in->actions->size(), 1u);
  EXPECT_EQ(in->actions->front().id, "forwarding_url");
  EXPECT_TRUE(in->actions->front().has_value);
  EXPECT_EQ(in->actions->front().url, "https://example.com/$1");
  EXPECT_EQ(in->actions->front().status_code, 301);
  EXPECT_EQ(in->status, "active");
  EXPECT_FALSE(in->priority);
}

TEST(PageRuleInputTest, DefaultsAndWhatItLeavesToTheController) {
  json b = octodns_body();
  b["targets"][0].erase("target");
  b["targets"][0]["constraint"].erase("operator");
  b["actions"].push_back({{"id", "cache_level"}, {"value", "bypass"}});  // any value type: refused later by id
  b["id"] = "ignored";
  b["priority"] = 7;
  auto in = page_rule_input(b);
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->targets->front().target, "url");
  EXPECT_EQ(in->targets->front().op, "matches");
  ASSERT_EQ(in->actions->size(), 2u);
  EXPECT_EQ((*in->actions)[1].id, "cache_level");
  EXPECT_EQ(in->priority, 7);
  // A PATCH body may name one field only.
  auto patch = page_rule_input(json{{"status", "disabled"}});
  ASSERT_TRUE(patch);
  EXPECT_FALSE(patch->targets);
  EXPECT_FALSE(patch->actions);
}

TEST(PageRuleInputTest, WrongJsonTypesNameTheirField) {
  struct Case {
    const char* pointer;
    json value;
    const char* field;
  };
  const Case cases[] = {
      {"/targets", "example.com/*", "targets must be an array"},
      {"/targets/0", "example.com/*", "targets[0] must be an object"},
      {"/targets/0/constraint", "example.com/*", "targets[0].constraint must be an object"},
      {"/targets/0/constraint/value", 5, "targets[0].constraint.value must be a string"},
      {"/targets/0/target", json::array(), "targets[0].target must be a string"},
      {"/actions", json::object(), "actions must be an array"},
      {"/actions/0/id", 1, "actions[0].id must be a string"},
      {"/actions/0/value", "https://example.com/", "actions[0].value must be an object"},
      {"/actions/0/value/url", json::array({"a"}), "actions[0].value.url must be a string"},
      {"/actions/0/value/status_code", "301", "actions[0].value.status_code must be an integer"},
      {"/actions/0/value/status_code", 301.5, "actions[0].value.status_code must be an integer"},
      {"/actions/0/value/status_code", true, "actions[0].value.status_code must be an integer"},
      {"/priority", "1", "priority must be an integer"},
      {"/status", true, "status must be a string"},
  };
  for (const auto& c : cases) {
    json b = octodns_body();
    b[json::json_pointer(c.pointer)] = c.value;
    auto in = page_rule_input(b);
    ASSERT_FALSE(in) << c.pointer;
    EXPECT_EQ(in.error().code, kInvalidBody) << c.pointer;
    EXPECT_NE(in.error().message.find(c.field), std::string::npos) << c.pointer << ": " << in.error().message;
  }
  EXPECT_FALSE(page_rule_input(json::array()));
  // Huge integers are clamped, for the controller's range check to refuse.
  json b = octodns_body();
  b["priority"] = 18446744073709551615ull;
  auto in = page_rule_input(b);
  ASSERT_TRUE(in);
  EXPECT_GT(*in->priority, 1'000'000'000);
}

TEST(PageRuleJsonTest, CloudflaresShape) {
  store::PageRuleRow r;
  r.id = std::string(32, 'a');
  r.pattern = "www.example.com/*";
  r.url = "https://example.com/$1";
  r.status_code = 302;
  r.priority = 3;
  r.status = "active";
  r.created_on = "2026-12-06T00:00:00Z";
  r.modified_on = "2026-12-06T00:00:01Z";
  const OJson o = page_rule_json(r);
  EXPECT_EQ(
      o.dump(),
      R"({"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","targets":[{"target":"url","constraint":{"operator":"matches",)"
      R"("value":"www.example.com/*"}}],"actions":[{"id":"forwarding_url","value":{"url":"https://example.com/$1",)"
      R"("status_code":302}}],"priority":3,"status":"active","created_on":"2026-12-06T00:00:00Z",)"
      R"("modified_on":"2026-12-06T00:00:01Z"})");
}

}  // namespace
}  // namespace dnsedge::api
