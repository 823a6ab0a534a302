#include "api/api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "api/sha256.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::api {
namespace {

using nlohmann::json;

constexpr const char* kToken = "secret-token";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dnsedge-api-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    control::ControllerOptions o;
    o.data_dir = dir_;
    o.store.durability = store::Durability::kNormal;
    o.edge.v4 = {dns::rdata_from_text(dns::rrtype::kA, "127.0.0.11", std::string(1, '\0')).value()};
    o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
    controller_ = control::Controller::open(std::move(o), publisher_).value();
    ASSERT_TRUE(controller_->ensure_token("t", sha256_hex(kToken)));
    api_ = std::make_unique<Api>(*controller_);
  }
  void TearDown() override {
    api_.reset();
    controller_.reset();
    std::filesystem::remove_all(dir_);
  }

  HttpResponse call(const std::string& method, const std::string& target, const std::string& body = {},
                    const std::string& auth = std::string("Bearer ") + kToken,
                    const std::string& content_type = "application/json") {
    return api_->handle(HttpRequest{method, "/client/v4" + target, auth, content_type, body});
  }
  json call_json(const std::string& method, const std::string& target, const json& body, int want_status = 200) {
    auto r = call(method, target, body.is_null() ? std::string() : body.dump());
    EXPECT_EQ(r.status, want_status) << method << " " << target << ": " << r.body;
    return json::parse(r.body);
  }
  std::string zone(const std::string& name) {
    return call_json("POST", "/zones", {{"name", name}})["result"]["id"].get<std::string>();
  }
  static int first_code(const HttpResponse& r) { return json::parse(r.body)["errors"][0]["code"].get<int>(); }

  std::string dir_;
  common::SnapshotPublisher<view::Catalog> publisher_{view::Catalog::empty()};
  std::unique_ptr<control::Controller> controller_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, AuthenticationCodes) {
  auto r = call("GET", "/zones", "", "");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(first_code(r), 9106);
  r = call("GET", "/zones", "", "Bearer nope");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(first_code(r), 10000);
  r = call("GET", "/user/tokens/verify");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
}

TEST_F(ApiTest, EnvelopeAndRoutes) {
  auto r = call("GET", "/nope");
  EXPECT_EQ(r.status, 404);
  auto j = json::parse(r.body);
  EXPECT_EQ(j["success"], false);
  EXPECT_TRUE(j["result"].is_null());
  EXPECT_TRUE(j["messages"].is_array());
  EXPECT_EQ(j["errors"][0]["code"], 7003);
  EXPECT_EQ(j["errors"][1]["code"], 7000);
  EXPECT_EQ(call("GET", "/zones/xyz").status, 404);
  EXPECT_EQ(call("PUT", "/zones").status, 405);
  EXPECT_EQ(api_->handle(HttpRequest{"GET", "/other", "", "", ""}).status, 404);
}

TEST_F(ApiTest, RecordLifecycle) {
  const std::string z = zone("example.com");
  auto created = call_json("POST", "/zones/" + z + "/dns_records",
                           {{"name", "www"}, {"type", "A"}, {"content", "192.0.2.1"}, {"ttl", 300}});
  const json rec = created["result"];
  EXPECT_EQ(rec["name"], "www.example.com");
  EXPECT_EQ(rec["proxiable"], true);
  EXPECT_EQ(rec["meta"]["auto_added"], false);
  EXPECT_TRUE(rec["comment"].is_null());
  const std::string rid = rec["id"];
  auto list = call_json("GET", "/zones/" + z + "/dns_records?type=A", nullptr);
  EXPECT_EQ(list["result"].size(), 1u);
  EXPECT_EQ(list["result_info"]["total_count"], 1);
  auto patched = call_json("PATCH", "/zones/" + z + "/dns_records/" + rid, {{"comment", "web"}});
  EXPECT_EQ(patched["result"]["comment"], "web");
  auto del = call_json("DELETE", "/zones/" + z + "/dns_records/" + rid, nullptr);
  EXPECT_EQ(del["result"], json({{"id", rid}}));
  auto r = call("GET", "/zones/" + z + "/dns_records/" + rid);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(first_code(r), 81044);
}

TEST_F(ApiTest, BadBodies) {
  const std::string z = zone("example.com");
  auto r = call("POST", "/zones/" + z + "/dns_records", "{oops");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(first_code(r), 6007);
  r = call("POST", "/zones/" + z + "/dns_records", R"({"name":"a","type":"A","content":"192.0.2.1","ttl":"x"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(first_code(r), 9207);
  r = call("POST", "/zones/" + z + "/dns_records", R"({"name":"a.other.org","type":"A","content":"192.0.2.1"})");
  EXPECT_EQ(first_code(r), 9000);
  r = call("POST", "/zones/" + z + "/dns_records/batch", R"({"posts":[{"name":"a","type":"A","content":"192.0.2.1"},
            {"name":"b","type":"A","content":"nope"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(first_code(r), 9005);
  EXPECT_TRUE(controller_->records(z)->empty());
}

TEST_F(ApiTest, ImportMultipartAndExport) {
  const std::string z = zone("example.com");
  const std::string body =
      "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"z\"\r\n\r\n"
      "$ORIGIN example.com.\nwww 300 IN A 192.0.2.1\n@ 300 IN SOA a b 1 2 3 4 5\n\r\n--B\r\n"
      "Content-Disposition: form-data; name=\"proxied\"\r\n\r\ntrue\r\n--B--\r\n";
  auto r = call("POST", "/zones/" + z + "/dns_records/import", body, std::string("Bearer ") + kToken,
                "multipart/form-data; boundary=B");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["result"]["recs_added"], 1);
  EXPECT_EQ(j["result"]["total_records_parsed"], 1);
  auto e = call("GET", "/zones/" + z + "/dns_records/export");
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(e.content_type.rfind("text/plain", 0), 0u);
  EXPECT_EQ(e.body.rfind("; generated by dnsedge\nexample.com.\t3600\tIN\tSOA\t", 0), 0u) << e.body;  // SOA, NS first
  EXPECT_EQ(e.body.substr(e.body.find("\nwww.") + 1), "www.example.com.\t300\tIN\tA\t192.0.2.1 ; cf_tags=cf-proxied:true\n");
}

TEST_F(ApiTest, SettingsEndpoints) {
  const std::string z = zone("example.com");
  auto g = call_json("GET", "/zones/" + z + "/settings/cname_flattening", nullptr);
  EXPECT_EQ(g["result"]["value"], "flatten_at_root");
  auto p = call_json("PATCH", "/zones/" + z + "/settings/cname_flattening", {{"value", "flatten_all"}});
  EXPECT_EQ(p["result"]["value"], "flatten_all");
  auto d = call_json("GET", "/zones/" + z + "/dns_settings", nullptr);
  EXPECT_EQ(d["result"]["flatten_all_cnames"], true);
  EXPECT_EQ(d["result"]["soa"]["mname"], "ns1.dnsedge.test");
  auto bad = call("PATCH", "/zones/" + z + "/dns_settings", R"({"soa":{"retry":1}})");
  EXPECT_EQ(bad.status, 400);
}

// The settings and Spectrum bodies are read in the API (api/settings_input.h,
// api/spectrum_input.h); a write the zone refuses, or to an app that does not exist, still fails
// for that reason whatever its body, and the SOA keeps its field order.
TEST_F(ApiTest, ZoneAndAppErrorsComeBeforeTheBodys) {
  const std::string z = zone("example.com");
  const std::string sec =
      call_json("POST", "/zones", {{"name", "secondary.test"}, {"type", "secondary"}})["result"]["id"];
  const std::string bad_settings = R"({"ns_ttl":1})";
  const std::string bad_app = R"({"protocol":5})";
  const std::string bad_rule = R"({"mode":"challenge"})";
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PATCH", "/dns_settings", bad_settings},
           {"POST", "/spectrum/apps", bad_app},
           {"POST", "/firewall/access_rules/rules", bad_rule}}) {
    auto r = call(method, "/zones/" + sec + path, body);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_NE(r.body.find("is a secondary zone"), std::string::npos) << path << ": " << r.body;
    auto own = call(method, "/zones/" + z + path, body);  // the body's own error on a writable zone
    EXPECT_EQ(own.status, 400) << path;
    EXPECT_EQ(own.body.find("secondary"), std::string::npos) << path << ": " << own.body;
  }
  auto put = call("PUT", "/zones/" + z + "/spectrum/apps/" + std::string(32, '0'), bad_app);
  EXPECT_EQ(put.status, 404);
  EXPECT_EQ(first_code(put), 11003);
  auto d = call("GET", "/zones/" + z + "/dns_settings");
  EXPECT_NE(d.body.find(R"("soa":{"expire":604800,"min_ttl":1800,"mname":"ns1.dnsedge.test","refresh":10000,)"
                        R"("retry":2400,"rname":"hostmaster.example.com","ttl":3600})"),
            std::string::npos)
      << d.body;
}

}  // namespace
}  // namespace dnsedge::api
