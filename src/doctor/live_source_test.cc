// LiveSource against a real Knot DNS on loopback (started by the test), and its time bound
// against a server that never answers.

#include "doctor/live_source.h"

#include <gtest/gtest.h>

#include "doctor/internal/fake_source.h"
#include "resolve/internal/test_knotd.h"

namespace dnsedge::doctor {
namespace {

using namespace testing;
using namespace std::chrono_literals;
namespace rrtype = dns::rrtype;

constexpr const char* kZone = R"($ORIGIN example.com.
$TTL 300
@        SOA ns1 hostmaster 1 3600 600 86400 120
@        NS ns1
ns1      A 127.0.0.1
@        MX 10 mx
mx   120 CNAME mail
mail     A 11.22.33.25
@        TXT "v=spf1 mx -all"
)";

class LiveSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = resolve::testing::Knotd::start({{"example.com.", kZone}});
    if (!k) GTEST_SKIP() << k.error().message;
    knot_ = std::move(k).value();
    auto s = LiveSource::create(LiveOptions{.servers = {"127.0.0.1:" + std::to_string(knot_->port())}});
    ASSERT_TRUE(s) << s.error().message;
    src_ = std::move(s).value();
  }
  std::unique_ptr<resolve::testing::Knotd> knot_;
  std::unique_ptr<LiveSource> src_;
};

TEST_F(LiveSourceTest, AnswersWithChainsAndTtls) {
  const Lookup l = src_->lookup(W("mx.example.com"), rrtype::kA, 3s);
  ASSERT_EQ(l.status, Lookup::Status::kOk) << l.error;
  ASSERT_EQ(l.records.size(), 2u);
  EXPECT_EQ(l.records[0].type, rrtype::kCNAME);
  EXPECT_EQ(l.records[0].ttl, 120u);
  EXPECT_EQ(l.rdata(W("mx.example.com"), rrtype::kA), std::vector<std::string>{V4("11.22.33.25")});
  EXPECT_TRUE(src_->lookup(W("none.example.com"), rrtype::kA, 3s).nxdomain());
  EXPECT_EQ(src_->facts(), nullptr);
  EXPECT_EQ(src_->mode(), "live");
}

TEST_F(LiveSourceTest, ChecksADomain) {
  Options o;
  o.checked_at = "x";
  const Report r = check("example.com", *src_, o);
  EXPECT_TRUE(r.checked) << to_text(r, false);
  EXPECT_NE(find(r, "mx.target_cname"), nullptr) << to_text(r, false);
  EXPECT_NE(find(r, "dmarc.none"), nullptr);
  EXPECT_EQ(exit_status(r), 1);
}

TEST(LiveSourceTimeoutTest, SilentServerEndsWithinTheBudget) {
  resolve::testing::SilentUdp silent;
  auto s = LiveSource::create(LiveOptions{.servers = {"127.0.0.1:" + std::to_string(silent.port())}, .timeout = 2s});
  ASSERT_TRUE(s) << s.error().message;
  const auto t0 = std::chrono::steady_clock::now();
  const Lookup l = (*s)->lookup(W("example.com"), rrtype::kMX, 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_EQ(l.status, Lookup::Status::kTimeout);
  EXPECT_FALSE(l.answered());
}

TEST(LiveSourceTimeoutTest, ConvertsResolverOutcomes) {
  resolve::Answer a;
  a.rcode = 2;
  EXPECT_EQ(LiveSource::from_result(a).rcode, 2);
  EXPECT_EQ(LiveSource::from_result(make_error("x", static_cast<int>(resolve::ErrorCode::kTimeout))).status,
            Lookup::Status::kTimeout);
  EXPECT_EQ(LiveSource::from_result(make_error("x", static_cast<int>(resolve::ErrorCode::kUnbound))).status,
            Lookup::Status::kError);
}

}  // namespace
}  // namespace dnsedge::doctor
