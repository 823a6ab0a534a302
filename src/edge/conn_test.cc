#include "edge/internal/conn.h"

#include <gtest/gtest.h>

namespace dnsedge::edge::internal {
namespace {

TEST(BufferTest, ConsumeAndCompact) {
  Buffer b(8);
  std::memcpy(b.tail(), "abcdef", 6);
  b.end += 6;
  b.consume(4);
  EXPECT_EQ(b.view(), "ef");
  EXPECT_EQ(b.space(), 2u);
  b.compact();
  EXPECT_EQ(b.view(), "ef");
  EXPECT_EQ(b.space(), 6u);
  b.consume(2);
  EXPECT_EQ(b.begin, 0u);  // empty: back to the start
  EXPECT_EQ(b.end, 0u);
}

TEST(ConnAddressTest, AsioRoundTripAndMappedAddresses) {
  const IpEndpoint v4 = *IpEndpoint::parse("192.0.2.1:80");
  EXPECT_EQ(from_asio(to_asio(v4.addr, v4.port)), v4);
  const IpEndpoint v6 = *IpEndpoint::parse("[2001:db8::1]:443");
  EXPECT_EQ(from_asio(to_asio(v6.addr, v6.port)), v6);
  const tcp::endpoint mapped(asio::ip::make_address("::ffff:192.0.2.7"), 25);
  EXPECT_EQ(from_asio(mapped).to_string(), "192.0.2.7:25");
}

}  // namespace
}  // namespace dnsedge::edge::internal
