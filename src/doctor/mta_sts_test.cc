// MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3) records, when present.

#include <gtest/gtest.h>

#include "doctor/internal/fake_source.h"
#include "doctor/internal/table_test.h"

namespace dnsedge::doctor {
namespace {

using namespace testing;

struct Case {
  const char* name;
  const char* zone;
  std::vector<std::pair<std::string, Severity>> want;
  std::vector<std::string> not_want;
};

class MtaStsTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(MtaStsTableTest, ReportsExpectedFindings) {
  const Case& c = GetParam();
  FakeSource src(std::string(kHealthy) + c.zone);
  expect_findings(run(src), c, [](const Finding& f) { EXPECT_NE(f.fix.find("IN TXT"), std::string::npos); });
}

const Case kCases[] = {
    {"absent", "", {}, {"mtasts.syntax", "mtasts.multiple", "tlsrpt.syntax", "tlsrpt.multiple"}},
    {"unrelated txt", "_mta-sts TXT \"hello\"\n", {}, {"mtasts.syntax"}},
    {"good sts", "_mta-sts TXT \"v=STSv1; id=20240101T000000;\"\n", {}, {"mtasts.syntax"}},
    {"sts no id", "_mta-sts TXT \"v=STSv1;\"\n", {{"mtasts.syntax", Severity::kError}}, {}},
    {"sts bad id", "_mta-sts TXT \"v=STSv1; id=2024-01-01\"\n", {{"mtasts.syntax", Severity::kError}}, {}},
    {"sts long id",
     "_mta-sts TXT \"v=STSv1; id=123456789012345678901234567890123\"\n",
     {{"mtasts.syntax", Severity::kError}},
     {}},
    {"sts lowercase version", "_mta-sts TXT \"v=stsv1; id=1\"\n", {{"mtasts.syntax", Severity::kError}}, {}},
    {"sts extension", "_mta-sts TXT \"v=STSv1; id=1; ext=value\"\n", {}, {"mtasts.syntax"}},
    {"sts two",
     "_mta-sts TXT \"v=STSv1; id=1\"\n_mta-sts TXT \"v=STSv1; id=2\"\n",
     {{"mtasts.multiple", Severity::kError}},
     {"mtasts.syntax"}},
    {"good tlsrpt", "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tls@example.com\"\n", {}, {"tlsrpt.syntax"}},
    {"tlsrpt https", "_smtp._tls TXT \"v=TLSRPTv1; rua=https://reports.example.com/tls\"\n", {}, {"tlsrpt.syntax"}},
    {"tlsrpt two uris",
     "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/x\"\n",
     {},
     {"tlsrpt.syntax"}},
    {"tlsrpt no rua", "_smtp._tls TXT \"v=TLSRPTv1;\"\n", {{"tlsrpt.syntax", Severity::kError}}, {}},
    {"tlsrpt bad uri",
     "_smtp._tls TXT \"v=TLSRPTv1; rua=tls@example.com\"\n",
     {{"tlsrpt.syntax", Severity::kError}},
     {}},
    {"tlsrpt two",
     "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:a@example.com\"\n"
     "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:b@example.com\"\n",
     {{"tlsrpt.multiple", Severity::kError}},
     {}},
};

INSTANTIATE_TEST_SUITE_P(Cases, MtaStsTableTest, ::testing::ValuesIn(kCases), CaseName());

}  // namespace
}  // namespace dnsedge::doctor
