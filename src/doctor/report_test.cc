#include "doctor/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace dnsedge::doctor {
namespace {

Report sample() {
  Report r;
  r.domain = "example.com.";
  r.mode = "local";
  r.checked_at = "2026-01-01T00:00:00Z";
  r.findings = {{"mx.target_cname", Severity::kError, "MX target is a CNAME", {"a. 300 IN MX 10 b."}, "why", "fix it"},
                {"dmarc.none", Severity::kWarning, "no DMARC", {}, "why\nmore", "publish"},
                {"mx.null", Severity::kInfo, "null MX", {}, "", ""}};
  return r;
}

TEST(ReportTest, JsonHasTheDocumentedShape) {
  const auto j = nlohmann::json::parse(to_json(sample()));
  EXPECT_EQ(j["domain"], "example.com.");
  EXPECT_EQ(j["mode"], "local");
  EXPECT_EQ(j["checked_at"], "2026-01-01T00:00:00Z");
  ASSERT_EQ(j["findings"].size(), 3u);
  const auto& f = j["findings"][0];
  for (const char* k : {"id", "severity", "title", "records", "explanation", "fix"}) EXPECT_TRUE(f.contains(k)) << k;
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["records"][0], "a. 300 IN MX 10 b.");
  EXPECT_EQ(j["summary"]["error"], 1);
  EXPECT_EQ(j["summary"]["warning"], 1);
  EXPECT_EQ(j["summary"]["info"], 1);
  EXPECT_EQ(j["checked"], true);
}

TEST(ReportTest, JsonSurvivesInvalidUtf8) {
  Report r = sample();
  r.findings[0].records = {std::string("txt \xff\xfe")};
  EXPECT_NO_THROW(nlohmann::json::parse(to_json(r)));
}

TEST(ReportTest, TextGroupsBySeverityAndColoursOnlyWhenAsked) {
  const std::string plain = to_text(sample(), false);
  const size_t e = plain.find("ERRORS (1)"), w = plain.find("WARNINGS (1)"), i = plain.find("INFO (1)");
  ASSERT_NE(e, std::string::npos);
  ASSERT_NE(w, std::string::npos);
  ASSERT_NE(i, std::string::npos);
  EXPECT_LT(e, w);
  EXPECT_LT(w, i);
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  EXPECT_NE(plain.find("    Fix: fix it"), std::string::npos);
  EXPECT_NE(plain.find("    why\n    more"), std::string::npos);
  EXPECT_NE(to_text(sample(), true).find("\033[1;31m"), std::string::npos);
}

TEST(ReportTest, ExitStatus) {
  Report r = sample();
  EXPECT_EQ(exit_status(r), 1);
  r.findings.erase(r.findings.begin());
  EXPECT_EQ(exit_status(r), 0);
  r.checked = false;
  r.not_checked = {"the MX lookup failed"};
  EXPECT_EQ(exit_status(r), 2);
  EXPECT_NE(to_text(r, false).find("COULD NOT CHECK"), std::string::npos);
}

}  // namespace
}  // namespace dnsedge::doctor
