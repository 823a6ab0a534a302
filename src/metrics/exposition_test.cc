#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <array>

namespace dnsedge::metrics {
namespace {

TEST(Exposition, FamilyAndSamples) {
  Exposition e;
  e.family("x_total", "counter", "Things\\counted\nhere.");
  e.sample("x_total", {{"a", "1"}, {"b", "two"}}, uint64_t{42});
  e.sample("x_total", {}, uint64_t{0});
  EXPECT_EQ(e.text(),
            "# HELP x_total Things\\\\counted\\nhere.\n"
            "# TYPE x_total counter\n"
            "x_total{a=\"1\",b=\"two\"} 42\n"
            "x_total 0\n");
}

TEST(Exposition, LabelValuesEscaped) {
  Exposition e;
  e.sample("y", {{"v", "a\"b\\c\nd"}}, uint64_t{1});
  EXPECT_EQ(e.text(), "y{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(Exposition, Doubles) {
  Exposition e;
  e.sample("z", {}, 0.5);
  e.sample("z", {}, 1.0 / 0.0);
  EXPECT_EQ(e.text(), "z 0.5\nz +Inf\n");
}

TEST(Exposition, HistogramIsCumulativeWithInf) {
  Exposition e;
  const std::array<double, 2> bounds{1, 2.5};
  const std::array<uint64_t, 3> counts{3, 0, 2};
  const Label l[] = {{"t", "udp"}};
  e.histogram("h", l, bounds, counts, 7.25);
  EXPECT_EQ(e.text(),
            "h_bucket{t=\"udp\",le=\"1\"} 3\n"
            "h_bucket{t=\"udp\",le=\"2.5\"} 3\n"
            "h_bucket{t=\"udp\",le=\"+Inf\"} 5\n"
            "h_sum{t=\"udp\"} 7.25\n"
            "h_count{t=\"udp\"} 5\n");
}

}  // namespace
}  // namespace dnsedge::metrics
