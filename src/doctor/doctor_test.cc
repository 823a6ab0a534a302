// The run as a whole: core lookups that fail make the domain "not checked" (exit 2), the time
// limit ends every lookup, findings are ordered and deduplicated, a Source that throws is
// contained.

#include "doctor/doctor.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "doctor/context.h"
#include "doctor/internal/fake_source.h"

namespace dnsedge::doctor {
namespace {

using namespace testing;
using namespace std::chrono_literals;

TEST(DoctorTest, HealthyDomainHasOnlyTheSelectorInfo) {
  FakeSource src(kHealthy);
  const Report r = run(src);
  EXPECT_TRUE(r.checked);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dkim.no_selector"}) << dump(r);
  EXPECT_EQ(r.domain, "example.com.");
  EXPECT_EQ(r.mode, "live");
  EXPECT_EQ(r.checked_at, "2026-01-01T00:00:00Z");
  EXPECT_EQ(exit_status(r), 0);
}

TEST(DoctorTest, ServfailForTheDomainIsNotChecked) {
  FakeSource src(kHealthy);
  src.servfail("example.com", dns::rrtype::kMX);
  const Report r = run(src);
  EXPECT_FALSE(r.checked);
  ASSERT_EQ(r.not_checked.size(), 1u);
  EXPECT_NE(r.not_checked[0].find("MX lookup of example.com. failed: SERVFAIL"), std::string::npos);
  EXPECT_EQ(exit_status(r), 2);
}

TEST(DoctorTest, TimeoutForTheDomainIsNotChecked) {
  FakeSource src(kHealthy);
  src.timeout("example.com", dns::rrtype::kTXT);
  const Report r = run(src);
  EXPECT_EQ(exit_status(r), 2);
  EXPECT_NE(r.not_checked[0].find("TXT lookup"), std::string::npos);
}

TEST(DoctorTest, NonexistentDomainIsNotChecked) {
  FakeSource src(kHealthy);
  const Report r = run(src, {}, "nothing.example.com");
  EXPECT_EQ(exit_status(r), 2);
  EXPECT_NE(r.not_checked[0].find("does not exist"), std::string::npos);
}

TEST(DoctorTest, InvalidDomainIsNotChecked) {
  FakeSource src(kHealthy);
  const Report r = run(src, {}, std::string(300, 'a'));
  EXPECT_EQ(exit_status(r), 2);
  EXPECT_EQ(src.lookups, 0);
}

TEST(DoctorTest, WireFormDomainIsAccepted) {
  FakeSource src(kHealthy);
  const Report r = run(src, {}, W("Example.COM"));
  EXPECT_EQ(r.domain, "example.com.");
  EXPECT_TRUE(r.checked);
}

// A Source that takes `delay` per lookup (bounded by the budget, as the real ones are).
class SlowSource : public FakeSource {
 public:
  SlowSource(std::chrono::milliseconds d) : FakeSource(kHealthy), delay(d) {}
  Lookup lookup(std::string_view name, uint16_t type, std::chrono::milliseconds budget) override {
    if (budget < delay) {
      std::this_thread::sleep_for(budget);
      Lookup l;
      l.status = Lookup::Status::kTimeout;
      l.error = "budget";
      return l;
    }
    std::this_thread::sleep_for(delay);
    return FakeSource::lookup(name, type, budget);
  }
  std::chrono::milliseconds delay;
};

TEST(DoctorTest, TimeLimitBoundsTheRun) {
  SlowSource src(40ms);
  Options o;
  o.budget = 150ms;
  const auto t0 = std::chrono::steady_clock::now();
  const Report r = run(src, o);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 400ms);
  EXPECT_FALSE(r.checked) << dump(r);
  EXPECT_EQ(exit_status(r), 2);
  bool named = false;
  for (const auto& w : r.not_checked) named = named || w.find("time limit") != std::string::npos;
  EXPECT_TRUE(named) << dump(r);
}

class ThrowingSource : public FakeSource {
 public:
  ThrowingSource() : FakeSource(kHealthy) {}
  Lookup lookup(std::string_view name, uint16_t type, std::chrono::milliseconds budget) override {
    if (type == dns::rrtype::kA) throw std::runtime_error("boom");
    return FakeSource::lookup(name, type, budget);
  }
};

TEST(DoctorTest, ThrowingSourceIsContained) {
  ThrowingSource src;
  const Report r = run(src);
  EXPECT_TRUE(has(r, "doctor.lookup_failed")) << dump(r);
  EXPECT_NE(find(r, "doctor.lookup_failed")->records[0].find("internal error: boom"), std::string::npos);
}

TEST(ContextTest, MemoizesLookupsAndOrdersFindings) {
  FakeSource src(kHealthy);
  Context ctx(W("example.com"), src, Options{});
  ctx.lookup(W("example.com"), dns::rrtype::kMX);
  ctx.lookup(W("example.com"), dns::rrtype::kMX);
  EXPECT_EQ(src.lookups, 1);
  ctx.add({"b.info", Severity::kInfo, "t", {}, "", ""});
  ctx.add({"a.error", Severity::kError, "t", {}, "", ""});
  ctx.add({"a.error", Severity::kError, "t", {}, "", ""});
  ctx.add({"c.warning", Severity::kWarning, "at mail.example.com.. Then", {}, "x...", ""});
  const Report r = ctx.finish();
  EXPECT_EQ(ids(r), (std::vector<std::string>{"a.error", "c.warning", "b.info"}));
  EXPECT_EQ(r.findings[1].title, "at mail.example.com. Then");
  EXPECT_EQ(r.findings[1].explanation, "x...");
}

TEST(ContextTest, LookupFailedOncePerQuestion) {
  FakeSource src(kHealthy);
  Context ctx(W("example.com"), src, Options{});
  Lookup l;
  l.rcode = dns::rcode::kServFail;
  ctx.lookup_failed("x", W("a.example.com"), dns::rrtype::kA, l);
  ctx.lookup_failed("y", W("a.example.com"), dns::rrtype::kA, l);
  EXPECT_EQ(ctx.finish().findings.size(), 1u);
}

}  // namespace
}  // namespace dnsedge::doctor
