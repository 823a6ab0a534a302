#include "view/port_range.h"

#include <gtest/gtest.h>

namespace dnsedge::view {
namespace {

TEST(PortRangeTest, OnePortOrARange) {
  EXPECT_EQ(parse_port_range("25"), (std::pair<uint16_t, uint16_t>{25, 25}));
  EXPECT_EQ(parse_port_range("1000-2000"), (std::pair<uint16_t, uint16_t>{1000, 2000}));
  EXPECT_EQ(parse_port_range("1-65535"), (std::pair<uint16_t, uint16_t>{1, 65535}));
}

TEST(PortRangeTest, RefusesWhatIsNotAPortRange) {
  for (const char* bad : {"", "0", "65536", "2000-1000", "25-", "-25", "a", "25 ", "1-2-3", "+25"}) {
    EXPECT_FALSE(parse_port_range(bad)) << bad;
  }
}

}  // namespace
}  // namespace dnsedge::view
