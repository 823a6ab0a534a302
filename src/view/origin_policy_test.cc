#include "view/origin_policy.h"

#include <gtest/gtest.h>

namespace dnsedge::view {
namespace {

std::string rd(const char* text) { return address_rdata(text).value(); }

OriginVerdict check(const OriginPolicy& p, const char* text) { return p.check(rd(text)); }

OriginPolicyOptions production() {
  OriginPolicyOptions o;
  o.edge = {rd("203.0.113.1"), rd("2001:db8:e::1")};
  o.pools = {*AddressBlock::parse("198.51.100.64/28")};
  o.own = {rd("192.0.2.53")};
  return o;
}

TEST(OriginPolicyTest, RefusesWhatIsNoOrigin) {
  const OriginPolicy p(production());
  EXPECT_FALSE(p.lab());
  EXPECT_EQ(check(p, "127.0.0.1"), OriginVerdict::kLoopback);
  EXPECT_EQ(check(p, "127.255.0.9"), OriginVerdict::kLoopback);
  EXPECT_EQ(check(p, "::1"), OriginVerdict::kLoopback);
  EXPECT_EQ(check(p, "0.0.0.0"), OriginVerdict::kUnspecified);
  EXPECT_EQ(check(p, "0.1.2.3"), OriginVerdict::kUnspecified);
  EXPECT_EQ(check(p, "::"), OriginVerdict::kUnspecified);
  EXPECT_EQ(check(p, "169.254.169.254"), OriginVerdict::kLinkLocal);
  EXPECT_EQ(check(p, "fe80::1"), OriginVerdict::kLinkLocal);
  EXPECT_EQ(check(p, "febf::1"), OriginVerdict::kLinkLocal);
  EXPECT_EQ(check(p, "224.0.0.1"), OriginVerdict::kMulticast);
  EXPECT_EQ(check(p, "239.255.255.250"), OriginVerdict::kMulticast);
  EXPECT_EQ(check(p, "ff02::1"), OriginVerdict::kMulticast);
  EXPECT_EQ(check(p, "255.255.255.255"), OriginVerdict::kReserved);
  EXPECT_EQ(check(p, "240.0.0.1"), OriginVerdict::kReserved);
  EXPECT_EQ(check(p, "203.0.113.1"), OriginVerdict::kEdge);
  EXPECT_EQ(check(p, "2001:db8:e::1"), OriginVerdict::kEdge);
  EXPECT_EQ(check(p, "198.51.100.70"), OriginVerdict::kPool);
  EXPECT_EQ(check(p, "192.0.2.53"), OriginVerdict::kOwn);
  EXPECT_EQ(p.check("abc"), OriginVerdict::kInvalid);
}

TEST(OriginPolicyTest, AllowsPublicAndPrivateOrigins) {
  const OriginPolicy p(production());
  for (const char* ok : {"192.0.2.80", "10.0.0.5", "172.16.1.1", "192.168.1.10", "198.51.100.63", "198.51.100.80",
                         "203.0.113.2", "2001:db8::80", "fd00::1", "fec0::1", "223.255.255.255"}) {
    EXPECT_TRUE(p.allows(rd(ok))) << ok;
  }
}

TEST(OriginPolicyTest, EmbeddedIpv4IsJudgedAsIpv4) {
  const OriginPolicy p(production());
  EXPECT_EQ(check(p, "::ffff:127.0.0.1"), OriginVerdict::kLoopback);
  EXPECT_EQ(check(p, "64:ff9b::a9fe:a9fe"), OriginVerdict::kLinkLocal);  // 169.254.169.254
  EXPECT_EQ(check(p, "::ffff:203.0.113.1"), OriginVerdict::kEdge);
  EXPECT_EQ(check(p, "::ffff:192.0.2.53"), OriginVerdict::kOwn);
  EXPECT_TRUE(p.allows(rd("::ffff:192.0.2.80")));
}

TEST(OriginPolicyTest, ALabAllowsOtherLoopbackButNeverItsOwnAddresses) {
  OriginPolicyOptions o;
  o.edge = {rd("127.0.0.21")};
  o.pools = {*AddressBlock::parse("127.0.0.64/28")};
  o.own = {rd("127.0.0.1")};
  const OriginPolicy p(o);
  EXPECT_TRUE(p.lab());
  EXPECT_TRUE(p.allows(rd("127.0.0.31")));
  EXPECT_TRUE(p.allows(rd("::1")));
  EXPECT_EQ(check(p, "127.0.0.1"), OriginVerdict::kOwn);
  EXPECT_EQ(check(p, "127.0.0.21"), OriginVerdict::kEdge);
  EXPECT_EQ(check(p, "127.0.0.70"), OriginVerdict::kPool);
  EXPECT_EQ(check(p, "169.254.1.1"), OriginVerdict::kLinkLocal);  // only loopback is relaxed
  EXPECT_EQ(check(p, "0.0.0.0"), OriginVerdict::kUnspecified);
}

TEST(OriginPolicyTest, AnAppListeningOnLoopbackMayUseLoopbackOrigins) {
  const OriginPolicy p(production());
  EXPECT_EQ(check(p, "127.0.0.31"), OriginVerdict::kLoopback);
  EXPECT_TRUE(p.allows(rd("127.0.0.31")) == false);
  EXPECT_EQ(p.check(rd("127.0.0.31"), true), OriginVerdict::kAllowed);
  EXPECT_EQ(p.check(rd("192.0.2.53"), true), OriginVerdict::kOwn);
  EXPECT_EQ(p.check(rd("169.254.1.1"), true), OriginVerdict::kLinkLocal);
  EXPECT_TRUE(OriginPolicy::loopback(rd("127.0.0.124")));
  EXPECT_TRUE(OriginPolicy::loopback(rd("::1")));
  EXPECT_FALSE(OriginPolicy::loopback(rd("192.0.2.1")));
}

TEST(OriginPolicyTest, DenyWinsOverAllowAndNeitherReachesTheEdge) {
  OriginPolicyOptions o = production();
  o.allow = {*AddressBlock::parse("127.0.0.5/32"), *AddressBlock::parse("10.0.0.0/8"),
             *AddressBlock::parse("203.0.113.0/24")};
  o.deny = {*AddressBlock::parse("10.1.0.0/16"), *AddressBlock::parse("192.0.2.0/24")};
  const OriginPolicy p(o);
  EXPECT_TRUE(p.allows(rd("127.0.0.5")));
  EXPECT_EQ(check(p, "127.0.0.6"), OriginVerdict::kLoopback);
  EXPECT_TRUE(p.allows(rd("10.2.0.1")));
  EXPECT_EQ(check(p, "10.1.0.1"), OriginVerdict::kDenied);
  EXPECT_EQ(check(p, "192.0.2.80"), OriginVerdict::kDenied);
  EXPECT_EQ(check(p, "203.0.113.1"), OriginVerdict::kEdge);  // allow cannot open the edge itself
}

TEST(OriginPolicyTest, MessageNamesTheAddressAndTheReason) {
  EXPECT_EQ(OriginPolicy::message(rd("127.0.0.1"), OriginVerdict::kLoopback),
            "DNS points to prohibited IP: 127.0.0.1 is a loopback address");
}

TEST(AddressBlockTest, Parse) {
  auto b = AddressBlock::parse("10.1.2.3/8");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->text(), "10.0.0.0/8");
  EXPECT_TRUE(b->contains(rd("10.255.0.1")));
  EXPECT_FALSE(b->contains(rd("11.0.0.1")));
  EXPECT_FALSE(b->contains(rd("::a00:1")));
  EXPECT_EQ(AddressBlock::parse("192.0.2.1")->text(), "192.0.2.1/32");
  EXPECT_EQ(AddressBlock::parse("2001:db8::/33")->text(), "2001:db8::/33");
  EXPECT_TRUE(AddressBlock::parse("0.0.0.0/0")->contains(rd("8.8.8.8")));
  EXPECT_TRUE(AddressBlock::parse("192.0.2.128/25")->contains(rd("192.0.2.200")));
  EXPECT_FALSE(AddressBlock::parse("192.0.2.128/25")->contains(rd("192.0.2.100")));
  for (const char* bad : {"", "/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::/129", "example.com/8"}) {
    EXPECT_FALSE(AddressBlock::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace dnsedge::view
