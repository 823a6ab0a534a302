#include "edge/address.h"

#include <gtest/gtest.h>

namespace dnsedge::edge {
namespace {

TEST(IpEndpointTest, ParsesBothFamiliesAndTheTcpScheme) {
  auto a = IpEndpoint::parse("192.0.2.1:25");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "192.0.2.1:25");
  auto b = IpEndpoint::parse("tcp://[2001:db8::1]:2525");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->addr.family, 6);
  EXPECT_EQ(b->to_string(), "[2001:db8::1]:2525");
  for (const char* bad : {"192.0.2.1", "192.0.2.1:", "192.0.2.1:65536", "2001:db8::1:25", "[192.0.2.1]:25",
                          "host:25", "[::1]25", "192.0.2.1:2x"}) {
    EXPECT_FALSE(IpEndpoint::parse(bad)) << bad;
  }
}

TEST(IpPrefixTest, ClearsHostBitsAndEnumerates) {
  auto p = IpPrefix::parse("127.0.0.70/28");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->to_string(), "127.0.0.64/28");
  EXPECT_EQ(p->size(), 16u);
  EXPECT_EQ(p->at(15).to_string(), "127.0.0.79");
  EXPECT_TRUE(p->contains(*IpAddress::parse("127.0.0.79")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("127.0.0.80")));
  auto one = IpPrefix::parse("203.0.113.9");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size(), 1u);
  auto v6 = IpPrefix::parse("2001:db8:e::/64");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->size(), uint64_t{1} << 32);  // capped
  EXPECT_EQ(v6->at(0x1ff).to_string(), "2001:db8:e::1ff");
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/33"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/"));
  EXPECT_FALSE(IpPrefix::parse("nope/8"));
}

TEST(IpAddressTest, FromRdataNeedsFourOrSixteenOctets) {
  EXPECT_EQ(IpAddress::from_rdata(std::string("\x7f\x00\x00\x01", 4))->to_string(), "127.0.0.1");
  EXPECT_FALSE(IpAddress::from_rdata("abc"));
}

}  // namespace
}  // namespace dnsedge::edge
