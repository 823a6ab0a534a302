// SPF: the RFC 7208 §12 grammar (table of records that parse / fail), and the checks over the
// include/redirect tree (lookup and void limits with attribution, loops, all, ptr, type 99).

#include "doctor/spf.h"

#include <gtest/gtest.h>

#include "doctor/internal/fake_source.h"
#include "doctor/internal/table_test.h"

namespace dnsedge::doctor {
namespace {

using namespace testing;

struct ParseCase {
  const char* record;
  bool ok;
  const char* error_part;  // substring of the error message when !ok
};

class SpfParseTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(SpfParseTest, ParsesOrNamesTheProblem) {
  const ParseCase& c = GetParam();
  ASSERT_TRUE(spf::is_spf(c.record)) << c.record;
  auto r = spf::parse(c.record);
  EXPECT_EQ(r.has_value(), c.ok) << c.record << ": " << (r ? "" : r.error().message);
  if (!r && c.error_part) {
    EXPECT_NE(r.error().message.find(c.error_part), std::string::npos) << r.error().message;
  }
}

const ParseCase kParse[] = {
    {"v=spf1", true, nullptr},
    {"v=spf1 -all", true, nullptr},
    {"V=SPF1 MX -ALL", true, nullptr},
    {"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx ~all", true, nullptr},
    {"v=spf1 a:mail.example.com/24//64 mx/24 -all", true, nullptr},
    {"v=spf1 include:_spf.example.net ?all", true, nullptr},
    {"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all", true, nullptr},
    {"v=spf1 redirect=_spf.example.net", true, nullptr},
    {"v=spf1 -all exp=explain.%{d}", true, nullptr},
    {"v=spf1 unknown-mod=foo -all", true, nullptr},
    {"v=spf1  mx   -all  ", true, nullptr},
    {"v=spf1 ptr -all", true, nullptr},
    {"v=spf1 foo -all", false, "unknown mechanism \"foo\""},
    {"v=spf1 ip4:192.0.2.1~all", false, "invalid IPv4 address"},
    {"v=spf1 mx~all", false, "unknown mechanism"},
    {"v=spf1 ip4:192.0.2.0/33 -all", false, "invalid CIDR"},
    {"v=spf1 ip4:192.0.2.0/024 -all", false, "invalid CIDR"},
    {"v=spf1 ip6:192.0.2.1 -all", false, "invalid IPv6"},
    {"v=spf1 include: -all", false, "missing domain"},
    {"v=spf1 include -all", false, "needs a domain"},
    {"v=spf1 include:localhost -all", false, "fully qualified"},
    {"v=spf1 include:1.2.3.4 -all", false, "top label"},
    {"v=spf1 a:exa..mple.com -all", false, "empty label"},
    {"v=spf1 redirect=a.example redirect=b.example", false, "more than one redirect"},
    {"v=spf1 all=foo", true, nullptr},  // an unknown modifier named "all"
    {"v=spf1 include:%{x}.example.com -all", false, "macro letter"},
    {"v=spf1 include:50%.example.com -all", false, "macro"},
    {"v=spf1 -all\tmx", false, "separated by spaces"},
    {"v=spf1 ip4:%{i} -all", false, "macros are not allowed"},
    {"v=spf1 -allx", false, "unknown mechanism"},
};

// Named after the record (it is what identifies a parse case).
INSTANTIATE_TEST_SUITE_P(Records, SpfParseTest, ::testing::ValuesIn(kParse),
                         [](const ::testing::TestParamInfo<ParseCase>& info) { return test_name(info.param.record); });

TEST(SpfParseTest, SyntaxErrorMarksThePlace) {
  auto r = spf::parse("v=spf1 mx foo -all");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("position 11"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(">>foo<<"), std::string::npos) << r.error().message;
}

TEST(SpfParseTest, IsSpfNeedsExactVersion) {
  EXPECT_TRUE(spf::is_spf("v=spf1"));
  EXPECT_TRUE(spf::is_spf("v=spf1 -all"));
  EXPECT_FALSE(spf::is_spf("v=spf10 -all"));
  EXPECT_FALSE(spf::is_spf("v=spf2 -all"));
  EXPECT_FALSE(spf::is_spf("spf2.0/pra -all"));
}

// ---- checks ------------------------------------------------------------------------------

constexpr const char* kBase = R"(
@        300 SOA ns1 hostmaster 1 3600 600 86400 300
@        300 NS ns1
ns1      300 A 11.22.33.53
@        300 MX 10 mail
mail     300 A 11.22.33.25
_dmarc   300 TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
)";

struct CheckCase {
  const char* name;
  const char* zone;
  std::vector<std::pair<std::string, Severity>> want;
  std::vector<std::string> not_want;
};

class SpfCheckTest : public ::testing::TestWithParam<CheckCase> {};

TEST_P(SpfCheckTest, ReportsExpectedFindings) {
  const CheckCase& c = GetParam();
  FakeSource src(std::string(kBase) + c.zone);
  expect_findings(run(src), c, [](const Finding& f) { EXPECT_FALSE(f.fix.empty()); });
}

// Eleven include targets, each costing one lookup.
std::string includes(int n) {
  std::string rec = "@ TXT \"v=spf1";
  std::string zone;
  for (int i = 1; i <= n; ++i) {
    rec += " include:i" + std::to_string(i) + ".example.com";
    zone += "i" + std::to_string(i) + " TXT \"v=spf1 ip4:11.22.33." + std::to_string(i) + " -all\"\n";
  }
  return rec + " -all\"\n" + zone;
}

const std::string kEleven = includes(11);
const std::string kNine = includes(9);

const CheckCase kChecks[] = {
    {"healthy",
     "@ TXT \"v=spf1 mx -all\"\n",
     {},
     {"spf.none", "spf.multiple", "spf.syntax", "spf.all_missing", "spf.all_pass", "spf.too_many_lookups"}},
    {"none", "@ TXT \"hello\"\n", {{"spf.none", Severity::kWarning}}, {}},
    {"multiple",
     "@ TXT \"v=spf1 mx -all\"\n@ TXT \"v=spf1 a -all\"\n",
     {{"spf.multiple", Severity::kError}},
     {"spf.all_missing"}},
    {"syntax", "@ TXT \"v=spf1 mx foo -all\"\n", {{"spf.syntax", Severity::kError}}, {}},
    {"split strings are joined", "@ TXT \"v=spf1 m\" \"x -all\"\n", {}, {"spf.syntax", "spf.none"}},
    {"all pass", "@ TXT \"v=spf1 mx +all\"\n", {{"spf.all_pass", Severity::kError}}, {}},
    {"all pass implicit qualifier", "@ TXT \"v=spf1 mx all\"\n", {{"spf.all_pass", Severity::kError}}, {}},
    {"all neutral", "@ TXT \"v=spf1 mx ?all\"\n", {{"spf.all_neutral", Severity::kWarning}}, {}},
    {"all missing", "@ TXT \"v=spf1 mx\"\n", {{"spf.all_missing", Severity::kWarning}}, {}},
    {"redirect supplies all",
     "@ TXT \"v=spf1 redirect=_spf.example.com\"\n_spf TXT \"v=spf1 mx -all\"\n",
     {},
     {"spf.all_missing", "spf.redirect_no_spf"}},
    {"redirect with all",
     "@ TXT \"v=spf1 mx -all redirect=_spf.example.com\"\n_spf TXT \"v=spf1 -all\"\n",
     {{"spf.redirect_ignored", Severity::kWarning}},
     {}},
    {"redirect without spf",
     "@ TXT \"v=spf1 redirect=_spf.example.com\"\n",
     {{"spf.redirect_no_spf", Severity::kError}},
     {}},
    {"ptr", "@ TXT \"v=spf1 ptr -all\"\n", {{"spf.ptr", Severity::kWarning}}, {}},
    {"after all", "@ TXT \"v=spf1 -all mx\"\n", {{"spf.after_all", Severity::kWarning}}, {}},
    {"include without spf",
     "@ TXT \"v=spf1 include:other.example.com -all\"\nother TXT \"not spf\"\n",
     {{"spf.include_no_spf", Severity::kError}},
     {}},
    {"include nxdomain",
     "@ TXT \"v=spf1 include:gone.example.com -all\"\n",
     {{"spf.include_no_spf", Severity::kError}},
     {}},
    {"include syntax error",
     "@ TXT \"v=spf1 include:other.example.com -all\"\nother TXT \"v=spf1 bogus\"\n",
     {{"spf.syntax", Severity::kError}},
     {}},
    {"include with two records",
     "@ TXT \"v=spf1 include:o.example.com -all\"\no TXT \"v=spf1 -all\"\no TXT \"v=spf1 a -all\"\n",
     {{"spf.multiple", Severity::kError}},
     {}},
    {"loop",
     "@ TXT \"v=spf1 include:a.example.com -all\"\na TXT \"v=spf1 include:b.example.com -all\"\n"
     "b TXT \"v=spf1 include:example.com -all\"\n",
     {{"spf.loop", Severity::kError}},
     {}},
    {"self include loop", "@ TXT \"v=spf1 include:example.com -all\"\n", {{"spf.loop", Severity::kError}}, {}},
    {"eleven lookups", kEleven.c_str(), {{"spf.too_many_lookups", Severity::kError}}, {"spf.lookups_near_limit"}},
    {"nine lookups", kNine.c_str(), {{"spf.lookups_near_limit", Severity::kInfo}}, {"spf.too_many_lookups"}},
    {"three voids",
     "@ TXT \"v=spf1 a:v1.example.com a:v2.example.com mx:v3.example.com -all\"\nv1 TXT \"x\"\nv2 TXT \"x\"\n",
     {{"spf.too_many_void_lookups", Severity::kError}},
     {}},
    {"two voids", "@ TXT \"v=spf1 a:v1.example.com a:v2.example.com -all\"\n", {}, {"spf.too_many_void_lookups"}},
    {"type 99", "@ TXT \"v=spf1 mx -all\"\n@ SPF \"v=spf1 mx -all\"\n", {{"spf.type99", Severity::kWarning}}, {}},
    {"macros are not followed",
     "@ TXT \"v=spf1 exists:%{i}._spf.example.com -all\"\n",
     {},
     {"spf.too_many_void_lookups", "spf.syntax"}},
    {"mx with eleven hosts",
     "@ TXT \"v=spf1 mx:many.example.com -all\"\nmany MX 1 mail\nmany MX 2 m2\nmany MX 3 m3\nmany MX 4 m4\n"
     "many MX 5 m5\nmany MX 6 m6\nmany MX 7 m7\nmany MX 8 m8\nmany MX 9 m9\nmany MX 10 m10\nmany MX 11 m11\n",
     {{"spf.mx_too_many", Severity::kError}},
     {}},
};

INSTANTIATE_TEST_SUITE_P(Zones, SpfCheckTest, ::testing::ValuesIn(kChecks), CaseName());

TEST(SpfCheckTest, OverLimitNamesTheIncludeAndShowsTheTree) {
  FakeSource src(
      std::string(kBase) +
      "@ TXT \"v=spf1 a mx include:big.example.com -all\"\n"
      "big TXT \"v=spf1 include:n1.example.com include:n2.example.com include:n3.example.com "
      "include:n4.example.com -all\"\n"
      "n1 TXT \"v=spf1 a mx -all\"\nn2 TXT \"v=spf1 a mx -all\"\nn3 TXT \"v=spf1 a:mail.example.com -all\"\n"
      "n4 TXT \"v=spf1 a:mail.example.com -all\"\nn1 A 11.22.33.1\nn2 A 11.22.33.2\nn1 MX 1 mail\nn2 MX 1 mail\n");
  const Report r = run(src);
  const Finding* f = find(r, "spf.too_many_lookups");
  ASSERT_NE(f, nullptr) << dump(r);
  EXPECT_NE(f->title.find("13 DNS lookups"), std::string::npos) << f->title;
  // a(1) mx(2) include:big(3) include:n1(4) a(5) mx(6) include:n2(7) a(8) mx(9) include:n3(10) a:mail(11) ...
  EXPECT_NE(f->explanation.find("The 11th lookup is \"a:mail.example.com\" in the record of n3.example.com., inside "
                                "\"include:n3.example.com\", inside \"include:big.example.com\""),
            std::string::npos)
      << f->explanation;
  EXPECT_NE(f->explanation.find("include:big.example.com 11."), std::string::npos) << f->explanation;
  EXPECT_NE(f->explanation.find("    [4] include:n1.example.com"), std::string::npos) << f->explanation;
}

TEST(SpfCheckTest, VoidLookupsAreListed) {
  FakeSource src(std::string(kBase) +
                 "@ TXT \"v=spf1 a:v1.example.com include:v2.example.com mx:v3.example.com -all\"\n");
  const Report rep = run(src);
  const Finding* f = find(rep, "spf.too_many_void_lookups");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->explanation.find("\"a:v1.example.com\""), std::string::npos);
  EXPECT_NE(f->explanation.find("\"include:v2.example.com\""), std::string::npos);
  EXPECT_NE(f->explanation.find("\"mx:v3.example.com\""), std::string::npos);
}

TEST(SpfCheckTest, IncludeTimeoutIsCouldNotCheck) {
  FakeSource src(std::string(kBase) + "@ TXT \"v=spf1 include:slow.example.com -all\"\n");
  src.timeout("slow.example.com", dns::rrtype::kTXT);
  const Report r = run(src);
  EXPECT_TRUE(has(r, "doctor.lookup_failed")) << dump(r);
  EXPECT_FALSE(has(r, "spf.include_no_spf"));
}

TEST(SpfCheckTest, HugeTreeIsCutAndBounded) {
  // A chain of 60 includes: followed to kMaxSpfDepth, never further.
  std::string zone = "@ TXT \"v=spf1 include:c1.example.com -all\"\n";
  for (int i = 1; i <= 60; ++i) {
    zone += "c" + std::to_string(i) + " TXT \"v=spf1 include:c" + std::to_string(i + 1) + ".example.com -all\"\n";
  }
  FakeSource src(std::string(kBase) + zone);
  const Report r = run(src);
  EXPECT_TRUE(has(r, "spf.tree_truncated")) << dump(r);
  EXPECT_TRUE(has(r, "spf.too_many_lookups"));
  EXPECT_LT(src.lookups, 40);
}

TEST(SpfCheckTest, WideTreeIsCutAtNodeLimit) {
  std::string zone = "@ TXT \"v=spf1";
  std::string leaves;
  for (int i = 0; i < 8; ++i) {
    zone += " include:w" + std::to_string(i) + ".example.com";
    leaves += "w" + std::to_string(i) + " TXT \"v=spf1";
    for (int k = 0; k < 8; ++k) leaves += " include:x" + std::to_string(k) + ".example.com";
    leaves += " -all\"\n";
  }
  for (int k = 0; k < 8; ++k) leaves += "x" + std::to_string(k) + " TXT \"v=spf1 -all\"\n";
  FakeSource src(std::string(kBase) + zone + " -all\"\n" + leaves);
  const Report r = run(src);
  EXPECT_TRUE(has(r, "spf.tree_truncated")) << dump(r);
  EXPECT_TRUE(has(r, "spf.too_many_lookups"));
  EXPECT_LE(src.lookups, kMaxSpfNodes + 10);
}

}  // namespace
}  // namespace dnsedge::doctor
