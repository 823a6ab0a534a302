#include <netinet/in.h>

#include <string>

#include "gtest/gtest.h"
#include "server/server.h"

namespace dnsedge::server {
namespace {

TEST(EndpointTest, ParsesIpv4WithPort) {
  auto ep = Endpoint::parse("127.0.0.1:5353");
  ASSERT_TRUE(ep) << ep.error().message;
  EXPECT_EQ(ep->family(), AF_INET);
  EXPECT_EQ(ep->len, sizeof(sockaddr_in));
  EXPECT_EQ(ep->port(), 5353);
  EXPECT_EQ(ep->to_string(), "127.0.0.1:5353");
}

TEST(EndpointTest, ParsesBracketedIpv6WithPort) {
  auto ep = Endpoint::parse("[::1]:53");
  ASSERT_TRUE(ep) << ep.error().message;
  EXPECT_EQ(ep->family(), AF_INET6);
  EXPECT_EQ(ep->len, sizeof(sockaddr_in6));
  EXPECT_EQ(ep->port(), 53);
  EXPECT_EQ(ep->to_string(), "[::1]:53");
}

TEST(EndpointTest, AcceptsPortZero) {
  auto ep = Endpoint::parse("0.0.0.0:0");
  ASSERT_TRUE(ep) << ep.error().message;
  EXPECT_EQ(ep->port(), 0);
  EXPECT_EQ(ep->to_string(), "0.0.0.0:0");
}

TEST(EndpointTest, DefaultsToPort53WithoutAPort) {
  for (const char* text : {"192.0.2.1", "[2001:db8::1]", "2001:db8::1"}) {
    auto ep = Endpoint::parse(text);
    ASSERT_TRUE(ep) << text << ": " << ep.error().message;
    EXPECT_EQ(ep->port(), 53) << text;
  }
  EXPECT_EQ(Endpoint::parse("2001:db8::1")->to_string(), "[2001:db8::1]:53");
}

TEST(EndpointTest, KeepsANumericIpv6Scope) {
  auto ep = Endpoint::parse("[fe80::1%1]:53");
  ASSERT_TRUE(ep) << ep.error().message;
  EXPECT_EQ(ep->to_string(), "[fe80::1%1]:53");
}

TEST(EndpointTest, RejectsMalformedText) {
  for (const char* text : {"", ":53", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                           "127.0.0.1:53x", "localhost:53", "256.0.0.1:53", "[::1]:",
                           "[::1:53", "[::1]53", "[127.0.0.1]:53", "::1::2", "[fe80::1%]:53",
                           "[fe80::1%nosuchif0]:53"}) {
    auto ep = Endpoint::parse(text);
    EXPECT_FALSE(ep) << "'" << text << "' parsed as " << (ep ? ep->to_string() : "");
    if (!ep) {
      EXPECT_NE(ep.error().message.find("invalid listen address"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace dnsedge::server
