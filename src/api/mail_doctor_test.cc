// The mail doctor over store zones: the pre-flight diff, the messages writes carry, ?dry_run,
// and GET mail_doctor, through Api::handle over a real Controller and store.
#include "api/mail_doctor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "api/api.h"
#include "api/sha256.h"
#include "control/errors.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::api {
namespace {

using nlohmann::json;
namespace errc = control::errc;

constexpr const char* kToken = "secret-token";

doctor::Finding finding(std::string id, doctor::Severity s, std::vector<std::string> records) {
  doctor::Finding f;
  f.id = std::move(id);
  f.severity = s;
  f.title = "title of " + f.id;
  f.records = std::move(records);
  f.fix = "fix of " + f.id;
  return f;
}

TEST(NewFindingsTest, OnlyNewErrorsAndProxiedMailTargetsAreReported) {
  using doctor::Severity;
  doctor::Report before, after;
  before.findings = {finding("mx.target_cname", Severity::kError, {"a"}),
                     finding("proxy.origin_exposed", Severity::kWarning, {"x"})};
  after.findings = {
      finding("mx.target_cname", Severity::kError, {"a"}),        // unchanged: not new
      finding("mx.target_cname", Severity::kError, {"b"}),        // same id, other records: new
      finding("spf.too_many_lookups", Severity::kError, {"c"}),   // new error
      finding("proxy.origin_exposed", Severity::kWarning, {"x"}), // unchanged
      finding("proxy.mx_target_proxied", Severity::kWarning, {"d"}),  // new: a proxied MX target
      finding("proxy.origin_exposed", Severity::kWarning, {"y"}),     // other warnings: not reported
      finding("dmarc.missing", Severity::kWarning, {}),
      finding("spf.info", Severity::kInfo, {}),                   // infos never
  };
  auto m = new_findings(before, after);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].code, errc::kDoctorErrorMessage);
  EXPECT_NE(m[0].message.find("mx.target_cname"), std::string::npos);
  EXPECT_NE(m[0].message.find("title of mx.target_cname"), std::string::npos);
  EXPECT_NE(m[0].message.find("Fix: fix of mx.target_cname"), std::string::npos);
  EXPECT_EQ(m[1].code, errc::kDoctorErrorMessage);
  EXPECT_NE(m[1].message.find("spf.too_many_lookups"), std::string::npos);
  EXPECT_EQ(m[2].code, errc::kDoctorWarningMessage);
  EXPECT_NE(m[2].message.find("proxy.mx_target_proxied"), std::string::npos);
  EXPECT_TRUE(new_findings(after, after).empty());
}

class MailDoctorApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dnsedge-maildoctor-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    open();
  }
  void open() {
    api_.reset();
    controller_.reset();
    control::ControllerOptions o;
    o.data_dir = dir_;
    o.store.durability = store::Durability::kNormal;
    o.edge.v4 = {dns::rdata_from_text(dns::rrtype::kA, "127.0.0.11", std::string(1, '\0')).value()};
    o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
    o.preflight = cached_;
    controller_ = control::Controller::open(std::move(o), publisher_).value();
    ASSERT_TRUE(controller_->ensure_token("t", sha256_hex(kToken)));
    // Offline: the tests never look anything up outside (no upstream is given either way).
    api_ = std::make_unique<Api>(*controller_);
  }
  void TearDown() override {
    api_.reset();
    controller_.reset();
    std::filesystem::remove_all(dir_);
  }

  json call(const std::string& method, const std::string& target, const json& body = nullptr, int want = 200) {
    auto r = api_->handle(HttpRequest{method, "/client/v4" + target, std::string("Bearer ") + kToken,
                                      "application/json", body.is_null() ? std::string() : body.dump()});
    if (r.deferred) r = r.deferred();
    EXPECT_EQ(r.status, want) << method << " " << target << ": " << r.body;
    return json::parse(r.body);
  }
  static std::vector<int> codes(const json& answer) {
    std::vector<int> out;
    for (const auto& m : answer["messages"]) out.push_back(m["code"].get<int>());
    return out;
  }
  static bool mentions(const json& answer, int code, const std::string& text) {
    for (const auto& m : answer["messages"]) {
      if (m["code"] == code && m["message"].get<std::string>().find(text) != std::string::npos) return true;
    }
    return false;
  }
  uint32_t serial(const std::string& zid) { return controller_->zone(zid).value().zone.serial; }
  size_t record_count(const std::string& zid) { return controller_->records(zid).value().size(); }

  std::string dir_;
  common::SnapshotPublisher<view::Catalog> publisher_{view::Catalog::empty()};
  CachedPreflight cached_;  // as serve wires it
  std::unique_ptr<control::Controller> controller_;
  std::unique_ptr<Api> api_;
};

TEST_F(MailDoctorApiTest, CachedPreflightReusesTheLastAfterAndAnswersLikeTheUncached) {
  const std::string z = call("POST", "/zones", {{"name", "example.com"}})["result"]["id"];
  call("POST", "/zones/" + z + "/dns_records",
       {{"name", "example.com"}, {"type", "MX"}, {"content", "example.com"}, {"priority", 10}});
  const size_t hits0 = cached_.hits();
  // The next write's "before" is the state the last write left: its report is reused.
  auto a = call("POST", "/zones/" + z + "/dns_records",
                {{"name", "example.com"}, {"type", "A"}, {"content", "192.0.2.1"}, {"proxied", true}});
  EXPECT_EQ(cached_.hits(), hits0 + 1);
  EXPECT_TRUE(mentions(a, errc::kDoctorWarningMessage, "proxy.mx_target_proxied")) << a.dump();
  // Same messages as the uncached pre-flight on the same states.
  auto st = controller_->doctor_state(z, false).value();
  CachedPreflight fresh;
  EXPECT_EQ(fresh(st, st).size(), 0u);
  EXPECT_EQ(fresh.hits(), 1u);  // the same state twice: one run
  EXPECT_TRUE(preflight(st, st).empty());
  // A dry run, then the same change for real: the real write's "before" is the dry run's.
  const size_t hits1 = cached_.hits();
  call("POST", "/zones/" + z + "/dns_records?dry_run=true",
       {{"name", "mail.example.com"}, {"type", "A"}, {"content", "192.0.2.1"}, {"proxied", true}});
  auto real = call("POST", "/zones/" + z + "/dns_records",
                   {{"name", "mail.example.com"}, {"type", "A"}, {"content", "192.0.2.1"}, {"proxied", true}});
  EXPECT_GE(cached_.hits(), hits1 + 2);  // the dry run's before (last after), the real one's before
  EXPECT_TRUE(mentions(real, errc::kDoctorErrorMessage, "proxy.mail_host_proxied")) << real.dump();
}

TEST_F(MailDoctorApiTest, ProxyingTheMxTargetCarriesTheFindingWithBothFixes) {
  const std::string z = call("POST", "/zones", {{"name", "example.com"}})["result"]["id"];
  auto mx = call("POST", "/zones/" + z + "/dns_records",
                 {{"name", "example.com"}, {"type", "MX"}, {"content", "example.com"}, {"priority", 10}});
  auto a = call("POST", "/zones/" + z + "/dns_records",
                {{"name", "example.com"}, {"type", "A"}, {"content", "192.0.2.1"}, {"proxied", true}});
  EXPECT_TRUE(mentions(a, errc::kDcRecordMessage, "dc-")) << a.dump();  // the existing message stays
  EXPECT_TRUE(mentions(a, errc::kDoctorWarningMessage, "proxy.mx_target_proxied")) << a.dump();
  EXPECT_TRUE(mentions(a, errc::kDoctorWarningMessage, "Either delete the MX record")) << a.dump();
  EXPECT_TRUE(mentions(a, errc::kDoctorWarningMessage, "point it at a DNS-only mail host")) << a.dump();

  // GET mail_doctor: the same finding, the report of `dnsedge doctor --json`.
  auto report = call("GET", "/zones/" + z + "/mail_doctor?offline=true&selector=s1");
  ASSERT_TRUE(report["success"].get<bool>());
  EXPECT_EQ(report["result"]["domain"], "example.com.");
  EXPECT_EQ(report["result"]["mode"], "local");
  std::vector<std::string> ids;
  for (const auto& f : report["result"]["findings"]) ids.push_back(f["id"]);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "proxy.mx_target_proxied"), ids.end()) << report.dump();
  EXPECT_GE(report["result"]["summary"]["warning"].get<int>(), 1);
  // Bad selectors and flags are refused.
  call("GET", "/zones/" + z + "/mail_doctor?selector=a%20b", nullptr, 400);
  call("GET", "/zones/" + z + "/mail_doctor?offline=maybe", nullptr, 400);
  call("POST", "/zones/" + z + "/mail_doctor", nullptr, 405);
}

TEST_F(MailDoctorApiTest, DryRunShowsTheFindingsAndChangesNothing) {
  const std::string z = call("POST", "/zones", {{"name", "example.com"}})["result"]["id"];
  call("POST", "/zones/" + z + "/dns_records",
       {{"name", "s1._domainkey.example.com"}, {"type", "CNAME"}, {"content", "s1.dkim.example.com"}});
  call("POST", "/zones/" + z + "/dns_records", {{"name", "s1.dkim.example.com"}, {"type", "A"}, {"content", "192.0.2.7"}});
  const uint32_t serial0 = serial(z);
  const size_t count0 = record_count(z);
  const uint64_t generation0 = publisher_.generation();

  auto dry = call("PATCH", "/zones/" + z + "/settings/cname_flattening?dry_run=true", {{"value", "flatten_all"}});
  EXPECT_EQ(dry["result"]["value"], "flatten_all");  // what would be stored
  EXPECT_TRUE(mentions(dry, errc::kDoctorErrorMessage, "proxy.flatten_all_mail_cname")) << dry.dump();
  EXPECT_TRUE(mentions(dry, errc::kDryRunMessage, "nothing was stored")) << dry.dump();
  EXPECT_EQ(serial(z), serial0);
  EXPECT_FALSE(controller_->dns_settings(z).value().flatten_all);
  EXPECT_EQ(publisher_.generation(), generation0);  // nothing published

  auto rec = call("POST", "/zones/" + z + "/dns_records?dry_run=true",
                  {{"name", "www"}, {"type", "A"}, {"content", "192.0.2.8"}});
  EXPECT_EQ(rec["result"]["name"], "www.example.com");
  EXPECT_TRUE(mentions(rec, errc::kDryRunMessage, "serial " + std::to_string(serial0)));
  EXPECT_EQ(record_count(z), count0);
  EXPECT_EQ(serial(z), serial0);
  call("POST", "/zones/" + z + "/dns_records?dry_run=perhaps", {{"name", "www"}, {"type", "A"}, {"content", "192.0.2.8"}},
       400);

  // Nothing reached the store either.
  open();
  EXPECT_EQ(serial(z), serial0);
  EXPECT_EQ(record_count(z), count0);
  EXPECT_FALSE(controller_->dns_settings(z).value().flatten_all);

  // The real change: stored, with the same finding in messages[].
  auto real = call("PATCH", "/zones/" + z + "/settings/cname_flattening", {{"value", "flatten_all"}});
  EXPECT_TRUE(mentions(real, errc::kDoctorErrorMessage, "proxy.flatten_all_mail_cname")) << real.dump();
  EXPECT_FALSE(mentions(real, errc::kDryRunMessage, ""));
  EXPECT_EQ(serial(z), serial0 + 1);
  // Writing again what already has the finding reports nothing new.
  auto again = call("POST", "/zones/" + z + "/dns_records", {{"name", "www"}, {"type", "A"}, {"content", "192.0.2.8"}});
  EXPECT_TRUE(codes(again).empty()) << again.dump();
}

TEST_F(MailDoctorApiTest, DryRunBatchDeleteAndImportStoreNothing) {
  const std::string z = call("POST", "/zones", {{"name", "example.com"}})["result"]["id"];
  const std::string rid =
      call("POST", "/zones/" + z + "/dns_records", {{"name", "mail"}, {"type", "A"}, {"content", "192.0.2.9"}})["result"]["id"];
  const uint32_t serial0 = serial(z);
  auto del = call("DELETE", "/zones/" + z + "/dns_records/" + rid + "?dry_run=true");
  EXPECT_EQ(del["result"]["id"], rid);
  auto batch = call("POST", "/zones/" + z + "/dns_records/batch?dry_run=true",
                    {{"patches", {{{"id", rid}, {"proxied", true}}}}});
  // Proxying the mail host is an error finding.
  EXPECT_TRUE(mentions(batch, errc::kDoctorErrorMessage, "proxy.mail_host_proxied")) << batch.dump();
  EXPECT_EQ(batch["result"]["patches"][0]["proxied"], true);
  auto put = call("PUT", "/zones/" + z + "/dns_records/" + rid + "?dry_run=1",
                  {{"name", "mail"}, {"type", "A"}, {"content", "192.0.2.10"}});
  EXPECT_EQ(put["result"]["content"], "192.0.2.10");
  auto settings = call("PATCH", "/zones/" + z + "/dns_settings?dry_run=true", {{"flatten_all_cnames", true}});
  EXPECT_EQ(settings["result"]["flatten_all_cnames"], true);
  auto imp = api_->handle(HttpRequest{"POST", "/client/v4/zones/" + z + "/dns_records/import?dry_run=true",
                                      std::string("Bearer ") + kToken, "text/plain",
                                      "imap.example.com. 300 IN A 192.0.2.11 ; cf_tags=cf-proxied:true\n"});
  ASSERT_EQ(imp.status, 200) << imp.body;
  const json ij = json::parse(imp.body);
  EXPECT_EQ(ij["result"]["recs_added"], 1);
  EXPECT_TRUE(mentions(ij, errc::kDoctorErrorMessage, "proxy.mail_host_proxied")) << ij.dump();
  EXPECT_EQ(record_count(z), 1u);
  EXPECT_EQ(serial(z), serial0);
  auto rec = controller_->record(z, rid).value();
  EXPECT_EQ(rec.content, "192.0.2.9");
  EXPECT_FALSE(rec.proxied);
  EXPECT_FALSE(controller_->dns_settings(z).value().flatten_all);
}

TEST_F(MailDoctorApiTest, ReadOnlyControllerSeesTheStoreAndRefusesWrites) {
  const std::string z = call("POST", "/zones", {{"name", "example.com"}})["result"]["id"];
  call("POST", "/zones/" + z + "/dns_records",
       {{"name", "example.com"}, {"type", "A"}, {"content", "192.0.2.1"}, {"proxied", true}});
  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::empty());
  control::ControllerOptions o;
  o.data_dir = dir_;
  o.edge.v4 = {dns::rdata_from_text(dns::rrtype::kA, "127.0.0.11", std::string(1, '\0')).value()};
  o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
  auto ro = control::Controller::open_read_only(std::move(o), pub);
  ASSERT_TRUE(ro) << ro.error().message;
  auto st = (*ro)->doctor_state(z);
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_EQ(st->zones.size(), 1u);
  EXPECT_EQ(st->zones[0].stored.size(), 1u);
  EXPECT_TRUE(st->zones[0].stored[0].proxied);
  EXPECT_FALSE((*ro)->create_record(z, control::RecordInput{}));
  EXPECT_FALSE((*ro)->create_zone("other.example", "", ""));
  // Both report the same findings.
  MailDoctorOptions mo;
  mo.offline = true;
  mo.checked_at = "2026-01-01T00:00:00Z";
  auto a = mail_doctor(*st, mo);
  auto b = mail_doctor(controller_->doctor_state(z).value(), mo);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(doctor::to_json(*a), doctor::to_json(*b));
  EXPECT_FALSE(control::Controller::open_read_only(control::ControllerOptions{.data_dir = dir_ + "/nope",
                                                                              .nameservers = {"\0"}},
                                                   pub));
}

}  // namespace
}  // namespace dnsedge::api
