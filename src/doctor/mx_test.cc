// MX checks, table-driven over a FakeSource: each case is the zone (on top of a healthy SOA/NS/
// SPF/DMARC), the ids that must be reported with their severity, and ids that must not be.

#include <gtest/gtest.h>

#include "doctor/internal/fake_source.h"
#include "doctor/internal/table_test.h"

namespace dnsedge::doctor {
namespace {

using namespace testing;

constexpr const char* kBase = R"(
@        300 SOA ns1 hostmaster 1 3600 600 86400 300
@        300 NS ns1
ns1      300 A 11.22.33.53
@        300 TXT "v=spf1 -all"
_dmarc   300 TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
)";

struct Case {
  const char* name;
  const char* zone;
  std::vector<std::pair<std::string, Severity>> want;
  std::vector<std::string> not_want;
};

class MxTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(MxTableTest, ReportsExpectedFindings) {
  const Case& c = GetParam();
  FakeSource src(std::string(kBase) + c.zone);
  expect_findings(run(src), c, [](const Finding& f) {
    EXPECT_FALSE(f.title.empty());
    EXPECT_FALSE(f.explanation.empty());
    EXPECT_FALSE(f.fix.empty());
  });
}

const Case kCases[] = {
    {"healthy",
     "@ MX 10 mail\nmail A 11.22.33.25\n",
     {},
     {"mx.none", "mx.target_cname", "mx.target_no_address", "mx.target_bogon", "mx.duplicate"}},
    {"none with address", "@ A 11.22.33.80\n", {{"mx.none", Severity::kWarning}}, {"mx.none_no_address"}},
    {"none without address", "www A 11.22.33.80\n", {{"mx.none_no_address", Severity::kInfo}}, {"mx.none"}},
    {"null mx", "@ MX 0 .\n", {{"mx.null", Severity::kInfo}}, {"mx.null_mixed", "mx.null_nonzero_pref", "mx.none"}},
    {"null mx mixed",
     "@ MX 0 .\n@ MX 10 mail\nmail A 11.22.33.25\n",
     {{"mx.null_mixed", Severity::kError}},
     {"mx.null"}},
    {"null mx nonzero preference", "@ MX 10 .\n", {{"mx.null_nonzero_pref", Severity::kWarning}}, {}},
    {"target is a cname",
     "@ MX 10 mx\nmx CNAME mail\nmail A 11.22.33.25\n",
     {{"mx.target_cname", Severity::kError}},
     {"mx.target_no_address"}},
    {"target is an ip literal",
     "@ MX 10 192.0.2.25.\n",
     {{"mx.target_ip_literal", Severity::kError}},
     {"mx.target_no_address"}},
    {"target does not exist", "@ MX 10 nowhere\n", {{"mx.target_no_address", Severity::kError}}, {}},
    {"target has no address", "@ MX 10 mail\nmail TXT \"hello\"\n", {{"mx.target_no_address", Severity::kError}}, {}},
    {"target cname to nothing",
     "@ MX 10 mx\nmx CNAME gone\n",
     {{"mx.target_cname", Severity::kError}, {"mx.target_no_address", Severity::kError}},
     {}},
    {"duplicate target", "@ MX 10 mail\n@ MX 20 mail\nmail A 11.22.33.25\n", {{"mx.duplicate", Severity::kInfo}}, {}},
    {"documentation address", "@ MX 10 mail\nmail A 192.0.2.25\n", {{"mx.target_bogon", Severity::kWarning}}, {}},
    {"private address", "@ MX 10 mail\nmail A 10.1.2.3\n", {{"mx.target_bogon", Severity::kWarning}}, {}},
    {"loopback v6", "@ MX 10 mail\nmail AAAA ::1\n", {{"mx.target_bogon", Severity::kWarning}}, {}},
    {"underscore in target",
     "@ MX 10 _dc-mx.x\n_dc-mx.x A 11.22.33.25\n",
     {{"mx.target_syntax", Severity::kWarning}},
     {"mx.target_no_address"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, MxTableTest, ::testing::ValuesIn(kCases), CaseName());

TEST(MxTest, ServfailForTargetIsUnresolvable) {
  FakeSource src(std::string(kBase) + "@ MX 10 mail.sub\nsub NS ns.sub\nns.sub A 127.0.0.254\n");
  src.servfail("mail.sub.example.com");
  const Report r = run(src);
  const Finding* f = find(r, "mx.target_unresolvable");
  ASSERT_NE(f, nullptr) << dump(r);
  EXPECT_EQ(f->severity, Severity::kError);
  EXPECT_NE(f->records.back().find("SERVFAIL"), std::string::npos);
  EXPECT_FALSE(has(r, "mx.target_no_address"));
  EXPECT_EQ(exit_status(r), 1);
}

TEST(MxTest, TimeoutForTargetIsUnresolvable) {
  FakeSource src(std::string(kBase) + "@ MX 10 mail\nmail A 11.22.33.25\n");
  src.timeout("mail.example.com", dns::rrtype::kAAAA);
  const Report r = run(src);
  EXPECT_TRUE(has(r, "mx.target_unresolvable")) << dump(r);
}

TEST(MxTest, SourceErrorIsCouldNotCheckNotAnError) {
  FakeSource src(std::string(kBase) + "@ MX 10 mail\nmail A 11.22.33.25\n");
  Lookup l;
  l.status = Lookup::Status::kError;
  l.error = "outside the local zones";
  src.fail("mail.example.com", 0, l);
  const Report r = run(src);
  EXPECT_FALSE(has(r, "mx.target_unresolvable"));
  const Finding* f = find(r, "doctor.lookup_failed");
  ASSERT_NE(f, nullptr) << dump(r);
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_EQ(exit_status(r), 0);
}

TEST(MxTest, CnameFixNamesTheCanonicalHost) {
  FakeSource src(std::string(kBase) + "@ MX 10 mx\nmx CNAME mail\nmail A 11.22.33.25\n");
  const Report rep = run(src);
  const Finding* f = find(rep, "mx.target_cname");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->fix.find("IN MX 10 mail.example.com."), std::string::npos) << f->fix;
  ASSERT_EQ(f->records.size(), 2u);
  EXPECT_NE(f->records[1].find("CNAME"), std::string::npos);
}

}  // namespace
}  // namespace dnsedge::doctor
