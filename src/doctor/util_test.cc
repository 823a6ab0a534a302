#include "doctor/util.h"

#include <gtest/gtest.h>

#include "doctor/internal/fake_source.h"

namespace dnsedge::doctor {
namespace {

using testing::V4;
using testing::V6;
using testing::W;

TEST(UtilTest, TxtJoinsStringsWithoutSeparators) {
  EXPECT_EQ(txt_joined(std::string("\x03"
                                   "abc"
                                   "\x02"
                                   "de",
                                   7)),
            "abcde");
  EXPECT_EQ(txt_joined(std::string("\x00", 1)), "");
  EXPECT_FALSE(
      txt_joined(std::string("\x05"
                             "abc",
                             4)));
  EXPECT_FALSE(txt_joined(""));
}

TEST(UtilTest, SpecialRanges) {
  EXPECT_NE(special_range(V4("192.0.2.1")).find("documentation"), std::string::npos);
  EXPECT_NE(special_range(V4("10.0.0.1")).find("private"), std::string::npos);
  EXPECT_NE(special_range(V4("172.31.255.255")).find("private"), std::string::npos);
  EXPECT_EQ(special_range(V4("172.32.0.1")), "");
  EXPECT_NE(special_range(V4("127.0.0.1")).find("loopback"), std::string::npos);
  EXPECT_NE(special_range(V4("100.64.0.1")).find("carrier"), std::string::npos);
  EXPECT_EQ(special_range(V4("11.22.33.44")), "");
  EXPECT_NE(special_range(V6("2001:db8::1")).find("documentation"), std::string::npos);
  EXPECT_NE(special_range(V6("::1")).find("loopback"), std::string::npos);
  EXPECT_NE(special_range(V6("fd00::1")).find("unique local"), std::string::npos);
  EXPECT_EQ(special_range(V6("2a00:1450::1")), "");
}

TEST(UtilTest, Prefixes) {
  EXPECT_TRUE(in_prefix(V4("192.0.2.77"), V4("192.0.2.0"), 24));
  EXPECT_FALSE(in_prefix(V4("192.0.3.77"), V4("192.0.2.0"), 24));
  EXPECT_TRUE(in_prefix(V4("192.0.2.77"), V4("192.0.2.64"), 26));
  EXPECT_FALSE(in_prefix(V4("192.0.2.77"), V4("192.0.2.64"), 29));
  EXPECT_TRUE(in_prefix(V4("1.2.3.4"), V4("9.9.9.9"), 0));
  EXPECT_FALSE(in_prefix(V4("1.2.3.4"), V6("::1"), 0));
  EXPECT_TRUE(same_neighbourhood(V4("192.0.2.1"), V4("192.0.2.200")));
  EXPECT_FALSE(same_neighbourhood(V4("192.0.2.1"), V4("192.0.3.1")));
  EXPECT_TRUE(same_neighbourhood(V6("2001:db8:1::1"), V6("2001:db8:1:ffff::1")));
  EXPECT_FALSE(same_neighbourhood(V6("2001:db8:1::1"), V6("2001:db8:2::1")));
}

TEST(UtilTest, Text) {
  EXPECT_EQ(addr_text(V4("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(addr_text(V6("2001:db8::1")), "2001:db8::1");
  EXPECT_EQ(parse_addr("192.0.2.1", 6), std::nullopt);
  EXPECT_EQ(parse_addr("2001:db8::1"), V6("2001:db8::1"));
  EXPECT_EQ(first_label(W("Mail.example.com")), "mail");
  EXPECT_EQ(prepend("_dmarc", W("example.com")), W("_dmarc.example.com"));
  EXPECT_EQ(trim("  a b\t"), "a b");
  dns::ZoneRecord r;
  r.owner = W("example.com");
  r.type = dns::rrtype::kA;
  r.ttl = 300;
  r.rdata = V4("192.0.2.1");
  r.proxied = true;
  EXPECT_EQ(rr_text(r), "example.com. 300 IN A 192.0.2.1 ; proxied");
}

}  // namespace
}  // namespace dnsedge::doctor
