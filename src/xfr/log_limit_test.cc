#include "xfr/log_limit.h"

#include <gtest/gtest.h>

namespace dnsedge::xfr {
namespace {

using std::chrono::milliseconds;

TEST(LogLimitTest, BoundsLinesPerSecondAndReportsWhatWasHeldBack) {
  LogLimit limit(3);
  const auto t0 = LogLimit::Clock::time_point{} + std::chrono::hours(1);
  int logged = 0;
  for (int i = 0; i < 100; ++i) {
    const auto p = limit.pass(t0 + milliseconds(i));
    logged += p.log;
    EXPECT_EQ(p.suppressed, 0u);
  }
  EXPECT_EQ(logged, 3);
  // The next window: the first call reports the 97 held back, and logs again.
  auto p = limit.pass(t0 + milliseconds(1000));
  EXPECT_TRUE(p.log);
  EXPECT_EQ(p.suppressed, 97u);
  p = limit.pass(t0 + milliseconds(1001));
  EXPECT_TRUE(p.log);
  EXPECT_EQ(p.suppressed, 0u);
  // A quiet window reports nothing.
  p = limit.pass(t0 + milliseconds(5000));
  EXPECT_TRUE(p.log);
  EXPECT_EQ(p.suppressed, 0u);
}

}  // namespace
}  // namespace dnsedge::xfr
