// DMARC checks (RFC 7489), table-driven over a FakeSource.

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
@        300 MX 10 mail
mail     300 A 11.22.33.25
@        300 TXT "v=spf1 mx -all"
)";

struct Case {
  const char* name;
  const char* zone;
  std::vector<std::pair<std::string, Severity>> want;
  std::vector<std::string> not_want;
  const char* domain = "example.com";
};

class DmarcTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(DmarcTableTest, ReportsExpectedFindings) {
  const Case& c = GetParam();
  FakeSource src(std::string(kBase) + c.zone);
  expect_findings(run(src, {}, c.domain), c, [](const Finding& f) { EXPECT_FALSE(f.fix.empty()); });
}

const Case kCases[] = {
    {"healthy",
     "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\n",
     {},
     {"dmarc.none", "dmarc.syntax", "dmarc.policy_none", "dmarc.no_rua", "dmarc.external_unauthorized"}},
    {"none", "", {{"dmarc.none", Severity::kWarning}}, {}},
    {"unrelated txt only", "_dmarc TXT \"hello\"\n", {{"dmarc.none", Severity::kWarning}}, {}},
    {"multiple",
     "_dmarc TXT \"v=DMARC1; p=none\"\n_dmarc TXT \"v=DMARC1; p=reject\"\n",
     {{"dmarc.multiple", Severity::kError}},
     {"dmarc.policy_none"}},
    {"lowercase version", "_dmarc TXT \"v=dmarc1; p=reject\"\n", {{"dmarc.syntax", Severity::kError}}, {}},
    {"version not first", "_dmarc TXT \"p=reject; v=DMARC1\"\n", {{"dmarc.none", Severity::kWarning}}, {}},
    {"bad policy", "_dmarc TXT \"v=DMARC1; p=block\"\n", {{"dmarc.syntax", Severity::kError}}, {}},
    {"duplicate tag", "_dmarc TXT \"v=DMARC1; p=reject; p=none\"\n", {{"dmarc.syntax", Severity::kError}}, {}},
    {"bad pct", "_dmarc TXT \"v=DMARC1; p=reject; pct=150\"\n", {{"dmarc.syntax", Severity::kError}}, {}},
    {"bad fo", "_dmarc TXT \"v=DMARC1; p=reject; fo=2\"\n", {{"dmarc.syntax", Severity::kError}}, {}},
    {"bad alignment", "_dmarc TXT \"v=DMARC1; p=reject; adkim=x\"\n", {{"dmarc.syntax", Severity::kError}}, {}},
    {"missing equals", "_dmarc TXT \"v=DMARC1; p\"\n", {{"dmarc.syntax", Severity::kError}}, {}},
    {"leading whitespace", "_dmarc TXT \" v=DMARC1; p=reject\"\n", {{"dmarc.syntax", Severity::kError}}, {}},
    {"p missing", "_dmarc TXT \"v=DMARC1; rua=mailto:d@example.com\"\n", {{"dmarc.p_missing", Severity::kWarning}}, {}},
    {"p none",
     "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:d@example.com\"\n",
     {{"dmarc.policy_none", Severity::kWarning}},
     {}},
    {"sp none",
     "_dmarc TXT \"v=DMARC1; p=reject; sp=none; rua=mailto:d@example.com\"\n",
     {{"dmarc.subdomain_policy_none", Severity::kInfo}},
     {}},
    {"pct partial",
     "_dmarc TXT \"v=DMARC1; p=reject; pct=20; rua=mailto:d@example.com\"\n",
     {{"dmarc.pct_partial", Severity::kInfo}},
     {}},
    {"no rua", "_dmarc TXT \"v=DMARC1; p=reject\"\n", {{"dmarc.no_rua", Severity::kInfo}}, {}},
    {"bad uri", "_dmarc TXT \"v=DMARC1; p=reject; rua=d@example.com\"\n", {{"dmarc.bad_uri", Severity::kError}}, {}},
    {"mailto without address",
     "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:nobody\"\n",
     {{"dmarc.bad_uri", Severity::kError}},
     {}},
    {"https uri",
     "_dmarc TXT \"v=DMARC1; p=reject; rua=https://r.example.com/x\"\n",
     {{"dmarc.uri_not_mailto", Severity::kWarning}},
     {}},
    {"size suffix", "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com!10m\"\n", {}, {"dmarc.bad_uri"}},
    {"external unauthorized",
     "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@reports.example.net\"\n",
     {{"dmarc.external_unauthorized", Severity::kWarning}},
     {}},
    {"external authorized",
     "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@reports.example.net\"\n"
     "example.com._report._dmarc.reports.example.net. TXT \"v=DMARC1\"\n",
     {},
     {"dmarc.external_unauthorized"}},
    {"external ruf authorized",
     "_dmarc TXT \"v=DMARC1; p=reject; ruf=mailto:d@example.net\"\n"
     "example.com._report._dmarc.example.net. TXT \"v=DMARC1\"\n",
     {},
     {"dmarc.external_unauthorized"}},
    {"same organization is not external",
     "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@reports.example.com\"\n",
     {},
     {"dmarc.external_unauthorized"}},
    {"record at apex",
     "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\n@ TXT \"v=DMARC1; p=reject\"\n",
     {{"dmarc.at_apex", Severity::kWarning}},
     {}},
    {"subdomain inherits",
     "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\nsub MX 10 mail.example.com.\n"
     "sub TXT \"v=spf1 -all\"\n",
     {{"dmarc.inherited", Severity::kInfo}},
     {"dmarc.none"},
     "sub.example.com"},
};

INSTANTIATE_TEST_SUITE_P(Cases, DmarcTableTest, ::testing::ValuesIn(kCases), CaseName());

TEST(DmarcTest, ExternalFixNamesTheAuthorisationRecord) {
  FakeSource src(std::string(kBase) + "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@reports.example.net\"\n");
  const Report rep = run(src);
  const Finding* f = find(rep, "dmarc.external_unauthorized");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->fix.find("example.com._report._dmarc.reports.example.net. 300 IN TXT \"v=DMARC1\""), std::string::npos)
      << f->fix;
}

TEST(DmarcTest, LookupFailureIsCouldNotCheck) {
  FakeSource src(kBase);
  src.servfail("_dmarc.example.com");
  const Report r = run(src);
  EXPECT_TRUE(has(r, "doctor.lookup_failed")) << dump(r);
  EXPECT_FALSE(has(r, "dmarc.none"));
}

}  // namespace
}  // namespace dnsedge::doctor
