// Proxy interplay, over a LocalSource: the zone is compiled into the served view with the
// The documentation's edge addresses (203.0.113.1/.2, 2001:db8:e::1/2), so dc-records, edge answers and
// flattening are the real ones.

#include <gtest/gtest.h>

#include "doctor/internal/fake_source.h"
#include "doctor/internal/table_test.h"

namespace dnsedge::doctor {
namespace {

using namespace testing;

constexpr const char* kBase = R"(
$TTL 300
@        300 SOA ns1 hostmaster 1 3600 600 86400 300
@        300 NS ns1
ns1      300 A 11.22.33.53
_dmarc   300 TXT "v=DMARC1; p=reject; rua=mailto:d@example.com"
)";

struct Case {
  const char* name;
  const char* zone;
  std::vector<std::pair<std::string, Severity>> want;
  std::vector<std::string> not_want;
  bool flatten_all = false;
};

class ProxyTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(ProxyTableTest, ReportsExpectedFindings) {
  const Case& c = GetParam();
  FakeSource outside(R"(
@ SOA ns hostmaster 1 3600 600 86400 300
mx.hoster A 11.22.33.80
)",
                     "example.net.");
  Local local(std::string(kBase) + c.zone, c.flatten_all, &outside);
  ASSERT_TRUE(local.source) << c.name << ": " << local.error;
  expect_findings(run(*local.source), c, [&](const Finding& f) {
    EXPECT_FALSE(f.records.empty()) << c.name << ": " << f.id;
    EXPECT_FALSE(f.fix.empty());
  });
}

const Case kCases[] = {
    {"nothing proxied",
     "@ MX 10 mail\nmail A 11.22.33.25\n@ TXT \"v=spf1 mx -all\"\n",
     {},
     {"proxy.mx_target_proxied", "proxy.origin_exposed", "proxy.mail_host_proxied"}},
    {"srv target proxied",
     "@ MX 10 mail\nmail A 11.22.33.25\n@ TXT \"v=spf1 mx -all\"\n"
     "_submission._tcp SRV 0 1 587 www\nwww A 11.22.33.80 ; cf_tags=cf-proxied:true\n",
     {{"proxy.srv_target_proxied", Severity::kWarning}, {"proxy.origin_exposed", Severity::kWarning}},
     {"proxy.mx_target_proxied"}},
    {"mail host proxied",
     "@ MX 10 mail\nmail A 11.22.33.25 ; cf_tags=cf-proxied:true\n@ TXT \"v=spf1 mx -all\"\n",
     {{"proxy.mail_host_proxied", Severity::kError}, {"proxy.mx_target_proxied", Severity::kWarning}},
     {}},
    {"smtp host proxied",
     "@ MX 10 mail\nmail A 11.22.33.25\nsmtp A 11.22.33.26 ; cf_tags=cf-proxied:true\n"
     "@ TXT \"v=spf1 mx -all\"\n",
     {{"proxy.mail_host_proxied", Severity::kError}},
     {"proxy.mx_target_proxied"}},
    {"webmail proxied",
     "@ MX 10 mail\nmail A 11.22.33.25\nwebmail A 11.22.33.90 ; cf_tags=cf-proxied:true\n"
     "autodiscover A 11.22.33.91 ; cf_tags=cf-proxied:true\n@ TXT \"v=spf1 mx -all\"\n",
     {{"proxy.mail_client_host_proxied", Severity::kWarning}},
     {"proxy.mail_host_proxied"}},
    {"implicit mx to edge",
     "@ A 11.22.33.80 ; cf_tags=cf-proxied:true\n@ TXT \"v=spf1 -all\"\n",
     {{"proxy.implicit_mx_to_edge", Severity::kError}, {"mx.none", Severity::kWarning}},
     {}},
    {"mx target answers edge address",
     "@ MX 10 mail\nmail A 203.0.113.1\n@ TXT \"v=spf1 ip4:11.22.33.25 -all\"\n",
     {{"proxy.mx_target_edge_ip", Severity::kError}},
     {}},
    {"dns-only name reveals origin",
     "@ MX 10 mail\nmail A 11.22.40.25\n@ TXT \"v=spf1 mx -all\"\nwww A 11.22.33.80 ; cf_tags=cf-proxied:true\n"
     "direct A 11.22.33.80\n",
     {{"proxy.origin_exposed", Severity::kWarning}},
     {"proxy.mx_target_proxied", "proxy.mail_near_origin"}},
    {"mail host shares origin address",
     "@ MX 10 mx.hoster.example.net.\n@ TXT \"v=spf1 -all\"\nwww A 11.22.33.80 ; cf_tags=cf-proxied:true\n",
     {{"proxy.mail_shares_origin_ip", Severity::kWarning}},
     {"proxy.origin_exposed"}},
    {"mail host near origin",
     "@ MX 10 mail\nmail A 11.22.33.25\n@ TXT \"v=spf1 mx -all\"\nwww A 11.22.33.80 ; cf_tags=cf-proxied:true\n",
     {{"proxy.mail_near_origin", Severity::kInfo}},
     {"proxy.mail_shares_origin_ip"}},
    {"spf a names a proxied host",
     "@ MX 10 mail\nmail A 11.22.40.25\n@ TXT \"v=spf1 a:www.example.com mx -all\"\n"
     "www A 11.22.33.80 ; cf_tags=cf-proxied:true\n",
     {{"proxy.spf_a_mx_edge", Severity::kError}},
     {}},
    {"spf ip4 covers the origin",
     "@ MX 10 mail\nmail A 11.22.40.25\n@ TXT \"v=spf1 ip4:11.22.33.0/24 mx -all\"\n"
     "www A 11.22.33.80 ; cf_tags=cf-proxied:true\n",
     {{"proxy.spf_reveals_origin", Severity::kWarning}},
     {"proxy.spf_a_mx_edge"}},
    {"underscore name proxied",
     "@ MX 10 mail\nmail A 11.22.40.25\n@ TXT \"v=spf1 mx -all\"\n_mta-sts A 11.22.33.80 ; cf_tags=cf-proxied:true\n",
     {{"proxy.txt_name_proxied", Severity::kError}},
     {}},
    {"flatten all hides dkim cname",
     "@ MX 10 mail\nmail A 11.22.40.25\n@ TXT \"v=spf1 mx -all\"\ns1._domainkey CNAME s1.dkim.example.org.\n",
     {{"proxy.flatten_all_mail_cname", Severity::kError}, {"dkim.missing", Severity::kError}},
     {"proxy.flatten_no_address"},
     true},
    {"flatten all hides verification cname",
     "@ MX 10 mail\nmail A 11.22.40.25\n@ TXT \"v=spf1 mx -all\"\nverify CNAME abc.verification.example.org.\n",
     {{"proxy.flatten_all_mail_cname", Severity::kError}},
     {},
     true},
    {"flattened cname without address",
     "@ MX 10 mail\nmail A 11.22.40.25\n@ TXT \"v=spf1 mx -all\"\nalias CNAME txtonly\ntxtonly TXT \"only text\"\n",
     {{"proxy.flatten_no_address", Severity::kWarning}},
     {"proxy.flatten_all_mail_cname"},
     true},
    {"cname without flatten all is not flagged",
     "@ MX 10 mail\nmail A 11.22.40.25\n@ TXT \"v=spf1 mx -all\"\nalias CNAME txtonly\ntxtonly TXT \"only text\"\n",
     {},
     {"proxy.flatten_no_address", "proxy.flatten_all_mail_cname"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, ProxyTableTest, ::testing::ValuesIn(kCases), CaseName());

// The case that started the mail doctor: example.com MX example.com with a proxied example.com A 192.0.2.1.
TEST(ProxyTest, SeedReportsDcRecordExposedOriginAndBothFixes) {
  Local local(std::string(kBase) +
              "@ MX 10 example.com.\n@ A 192.0.2.1 ; cf_tags=cf-proxied:true\n"
              "@ TXT \"v=spf1 mx -all\"\n");
  ASSERT_TRUE(local.source) << local.error;
  const Report r = run(*local.source);
  const Finding* mx = find(r, "proxy.mx_target_proxied");
  ASSERT_NE(mx, nullptr) << dump(r);
  EXPECT_EQ(mx->severity, Severity::kWarning);
  EXPECT_NE(mx->title.find("dc-"), std::string::npos);
  EXPECT_NE(mx->title.find("192.0.2.1"), std::string::npos);
  // The stored MX, the proxied A, the served MX and the synthesized dc-record.
  ASSERT_EQ(mx->records.size(), 4u) << dump(r);
  EXPECT_EQ(mx->records[0], "example.com. 300 IN MX 10 example.com.");
  EXPECT_EQ(mx->records[1], "example.com. 300 IN A 192.0.2.1 ; proxied");
  EXPECT_NE(mx->records[2].find("IN MX 10 dc-"), std::string::npos);
  EXPECT_NE(mx->records[3].find("IN A 192.0.2.1 ; served, synthesized"), std::string::npos);
  EXPECT_NE(mx->fix.find("delete the MX record"), std::string::npos) << mx->fix;
  EXPECT_NE(mx->fix.find("mail.example.com. 300 IN A 192.0.2.1   (DNS-only, not proxied)"), std::string::npos)
      << mx->fix;
  EXPECT_NE(mx->fix.find("example.com. 300 IN MX 10 mail.example.com."), std::string::npos) << mx->fix;
  const Finding* origin = find(r, "proxy.origin_exposed");
  ASSERT_NE(origin, nullptr) << dump(r);
  EXPECT_EQ(origin->severity, Severity::kWarning);
  EXPECT_NE(origin->title.find("192.0.2.1"), std::string::npos);
  // The documentation-range origin behind the dc-record: the fix cannot be "publish at dc-...".
  const Finding* bogon = find(r, "mx.target_bogon");
  ASSERT_NE(bogon, nullptr) << dump(r);
  EXPECT_NE(bogon->fix.find("The dc-record answers the origin"), std::string::npos) << bogon->fix;
  EXPECT_EQ(exit_status(r), 0);
}

TEST(ProxyTest, LiveSourceHasNoProxyFindings) {
  FakeSource src(std::string(kBase) + "@ MX 10 example.com.\n@ A 192.0.2.1\n@ TXT \"v=spf1 mx -all\"\n");
  const Report r = run(src);
  for (const auto& f : r.findings) EXPECT_NE(f.id.rfind("proxy.", 0), 0u) << f.id;
}

TEST(ProxyTest, RepointedMxHasNoDcRecord) {
  Local local(std::string(kBase) +
              "@ MX 10 mail\nmail A 11.22.40.25\n@ A 192.0.2.1 ; cf_tags=cf-proxied:true\n"
              "@ TXT \"v=spf1 mx -all\"\n");
  ASSERT_TRUE(local.source) << local.error;
  const Report r = run(*local.source);
  EXPECT_FALSE(has(r, "proxy.mx_target_proxied")) << dump(r);
  EXPECT_FALSE(has(r, "proxy.origin_exposed")) << dump(r);
}

}  // namespace
}  // namespace dnsedge::doctor
