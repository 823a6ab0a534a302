#pragma once
// The doctor's table tests (tests only; header-only). A table case is a struct with at least
//   const char* name;                                        // the test's name
//   std::vector<std::pair<std::string, Severity>> want;      // ids reported, with their severity
//   std::vector<std::string> not_want;                       // ids that must not be reported
// and each suite's TEST_P builds the report for its case and calls expect_findings(). The
// suite is instantiated with CaseName() so each case's test is named after it:
//   INSTANTIATE_TEST_SUITE_P(Cases, MxTableTest, ::testing::ValuesIn(kCases), CaseName());
// gives Cases/MxTableTest.ReportsExpectedFindings/null_mx_mixed (`ctest -R null_mx_mixed`).

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "doctor/doctor.h"
#include "doctor/internal/fake_source.h"

namespace dnsedge::doctor::testing {

// `text` as a gtest name: characters other than [A-Za-z0-9_] become '_'.
inline std::string test_name(std::string_view text) {
  std::string n(text);
  for (char& ch : n) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    if (!ok) ch = '_';
  }
  return n;
}

// Name generator for INSTANTIATE_TEST_SUITE_P: the case's `name` field as a gtest name.
struct CaseName {
  template <class Case>
  std::string operator()(const ::testing::TestParamInfo<Case>& info) const {
    return test_name(info.param.name);
  }
};

// The body of every table test: each id in c.want is reported with its severity and passes
// `also(finding)` (the suite's own checks on a wanted finding); no id in c.not_want is reported.
template <class Case, class Also>
void expect_findings(const Report& r, const Case& c, Also&& also) {
  for (const auto& [id, sev] : c.want) {
    const Finding* f = find(r, id);
    ASSERT_NE(f, nullptr) << c.name << ": missing " << id << "\n" << dump(r);
    EXPECT_EQ(f->severity, sev) << c.name << ": " << id;
    also(*f);
  }
  for (const auto& id : c.not_want) {
    EXPECT_FALSE(has(r, id)) << c.name << ": unexpected " << id << "\n" << dump(r);
  }
}

template <class Case>
void expect_findings(const Report& r, const Case& c) {
  expect_findings(r, c, [](const Finding&) {});
}

}  // namespace dnsedge::doctor::testing
