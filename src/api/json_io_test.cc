#include "api/json_io.h"

#include <gtest/gtest.h>

namespace dnsedge::api {
namespace {

using nlohmann::json;

TEST(JsonIoTest, RecordObjectHasCloudflareFields) {
  zone::Record r;
  r.id = std::string(32, 'a');
  r.name = "example.com";
  r.type = "MX";
  r.content = "mail.example.com";
  r.priority = 10;
  r.ttl = 1;
  r.tags_json = "[\"team:mail\"]";
  const json j = record_json(r);
  for (const char* k : {"id", "name", "type", "content", "proxiable", "proxied", "ttl", "settings", "meta", "comment",
                        "tags", "created_on", "modified_on", "priority", "tags_modified_on"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_EQ(j["proxiable"], false);
  EXPECT_EQ(j["priority"], 10);
  EXPECT_TRUE(j["comment"].is_null());
  EXPECT_FALSE(j.contains("data"));
  EXPECT_FALSE(j.contains("zone_id"));
}

TEST(JsonIoTest, RecordInputChecksTypes) {
  auto ok = record_input(json{{"name", "www"}, {"type", "A"}, {"content", "192.0.2.1"}, {"ttl", 300}, {"proxied", false},
                              {"comment", nullptr}, {"tags", {"a:b"}}, {"unknown", 1}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->ttl, 300);
  ASSERT_TRUE(ok->comment.has_value());
  EXPECT_FALSE(ok->comment->has_value());  // null clears
  auto f = record_input(json{{"ttl", 300.0}});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->ttl, 300);
  for (const auto& bad : {json{{"ttl", "300"}}, json{{"ttl", 1.5}}, json{{"proxied", 1}}, json{{"name", 3}},
                          json{{"data", "x"}}, json{{"tags", {1}}}, json{{"settings", {{"ipv6_only", "no"}}}},
                          json{{"comment", 5}}}) {
    auto r = record_input(bad);
    ASSERT_FALSE(r) << bad.dump();
    EXPECT_EQ(r.error().code, kInvalidBody);
  }
}

TEST(JsonIoTest, ParseBodyErrors) {
  EXPECT_EQ(parse_body("{").error().code, kMalformedJson);
  EXPECT_EQ(parse_body("[]").error().code, kMalformedJson);
  EXPECT_TRUE(parse_body("{\"a\":1}"));
  const json f = failure({Error{"x", 7}});
  EXPECT_EQ(f["success"], false);
  EXPECT_TRUE(f["result"].is_null());
  const json s = success(json::array(), {control::ApiMessage{1100, "m"}});
  EXPECT_EQ(s["messages"][0]["code"], 1100);
}

}  // namespace
}  // namespace dnsedge::api
