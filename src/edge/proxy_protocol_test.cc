#include "edge/proxy_protocol.h"

#include <gtest/gtest.h>

namespace dnsedge::edge {
namespace {

IpEndpoint ep(const char* t) { return *IpEndpoint::parse(t); }

TEST(ProxyProtocolTest, V1Text) {
  EXPECT_EQ(proxy_header(ProxyProtocol::kV1, ep("198.51.100.7:50123"), ep("203.0.113.64:25")),
            "PROXY TCP4 198.51.100.7 203.0.113.64 50123 25\r\n");
  EXPECT_EQ(proxy_header(ProxyProtocol::kV1, ep("[2001:db8::7]:1"), ep("[2001:db8:e::1]:25")),
            "PROXY TCP6 2001:db8::7 2001:db8:e::1 1 25\r\n");
  EXPECT_EQ(proxy_header(ProxyProtocol::kOff, ep("198.51.100.7:1"), ep("203.0.113.64:25")), "");
}

TEST(ProxyProtocolTest, V2Binary) {
  const std::string h = proxy_header(ProxyProtocol::kV2, ep("198.51.100.7:50123"), ep("203.0.113.64:25"));
  const std::string expected = std::string("\r\n\r\n\0\r\nQUIT\n", 12) + "\x21\x11" + std::string("\x00\x0c", 2) +
                               "\xc6\x33\x64\x07" + std::string("\xcb\x00\x71\x40", 4) + "\xc3\xcb" + std::string("\x00\x19", 2);
  EXPECT_EQ(h, expected);
  const std::string h6 = proxy_header(ProxyProtocol::kV2, ep("[2001:db8::7]:1"), ep("[2001:db8:e::1]:25"));
  ASSERT_EQ(h6.size(), 16u + 36u);
  EXPECT_EQ(h6[13], '\x21');
  EXPECT_EQ(h6[15], 36);
}

TEST(ProxyProtocolTest, Names) {
  EXPECT_EQ(parse_proxy_protocol("v2"), ProxyProtocol::kV2);
  EXPECT_EQ(parse_proxy_protocol("off"), ProxyProtocol::kOff);
  EXPECT_FALSE(parse_proxy_protocol("simple"));
  EXPECT_EQ(to_string(ProxyProtocol::kV1), "v1");
}

}  // namespace
}  // namespace dnsedge::edge
