#include "dns/types.h"

#include <gtest/gtest.h>

namespace dnsedge::dns {
namespace {

TEST(TypesTest, TypeToStringUsesMnemonics) {
  EXPECT_EQ(type_to_string(rrtype::kA), "A");
  EXPECT_EQ(type_to_string(rrtype::kAAAA), "AAAA");
  EXPECT_EQ(type_to_string(rrtype::kMX), "MX");
  EXPECT_EQ(type_to_string(rrtype::kSOA), "SOA");
  EXPECT_EQ(type_to_string(rrtype::kSVCB), "SVCB");
  EXPECT_EQ(type_to_string(rrtype::kHTTPS), "HTTPS");
  EXPECT_EQ(type_to_string(rrtype::kCAA), "CAA");
  EXPECT_EQ(type_to_string(rrtype::kURI), "URI");
  EXPECT_EQ(type_to_string(rrtype::kANY), "ANY");
  EXPECT_EQ(type_to_string(rrtype::kAXFR), "AXFR");
}

TEST(TypesTest, TypeToStringUsesRfc3597FormForUnnamedTypes) {
  EXPECT_EQ(type_to_string(0), "TYPE0");
  EXPECT_EQ(type_to_string(65280), "TYPE65280");
  EXPECT_EQ(type_to_string(65535), "TYPE65535");
}

TEST(TypesTest, TypeFromStringIsCaseInsensitive) {
  EXPECT_EQ(type_from_string("A"), rrtype::kA);
  EXPECT_EQ(type_from_string("a"), rrtype::kA);
  EXPECT_EQ(type_from_string("Mx"), rrtype::kMX);
  EXPECT_EQ(type_from_string("https"), rrtype::kHTTPS);
  EXPECT_EQ(type_from_string("NSEC3PARAM"), 51);
  EXPECT_EQ(type_from_string("caa"), rrtype::kCAA);
}

TEST(TypesTest, TypeFromStringAcceptsGenericForm) {
  EXPECT_EQ(type_from_string("TYPE65280"), 65280);
  EXPECT_EQ(type_from_string("type1"), rrtype::kA);
  EXPECT_EQ(type_from_string("TYPE0"), 0);
  EXPECT_EQ(type_from_string("TYPE65535"), 65535);
}

TEST(TypesTest, TypeFromStringRejectsJunk) {
  EXPECT_EQ(type_from_string(""), std::nullopt);
  EXPECT_EQ(type_from_string("FOO"), std::nullopt);
  EXPECT_EQ(type_from_string("TYPE"), std::nullopt);
  EXPECT_EQ(type_from_string("TYPE65536"), std::nullopt);
  EXPECT_EQ(type_from_string("TYPE 1"), std::nullopt);
  EXPECT_EQ(type_from_string("TYPE+1"), std::nullopt);
  EXPECT_EQ(type_from_string("TYPE1x"), std::nullopt);
  EXPECT_EQ(type_from_string(" A"), std::nullopt);
  EXPECT_EQ(type_from_string("A "), std::nullopt);
  EXPECT_EQ(type_from_string(std::string_view("A\0", 2)), std::nullopt);
}

TEST(TypesTest, TypeRoundTripsThroughText) {
  for (uint32_t t = 0; t <= 0xFFFF; t += 97) {
    const auto type = static_cast<uint16_t>(t);
    EXPECT_EQ(type_from_string(type_to_string(type)), type) << t;
  }
}

TEST(TypesTest, RcodeToString) {
  EXPECT_EQ(rcode_to_string(rcode::kNoError), "NOERROR");
  EXPECT_EQ(rcode_to_string(rcode::kFormErr), "FORMERR");
  EXPECT_EQ(rcode_to_string(rcode::kServFail), "SERVFAIL");
  EXPECT_EQ(rcode_to_string(rcode::kNxDomain), "NXDOMAIN");
  EXPECT_EQ(rcode_to_string(rcode::kNotImp), "NOTIMP");
  EXPECT_EQ(rcode_to_string(rcode::kRefused), "REFUSED");
  EXPECT_EQ(rcode_to_string(rcode::kNotAuth), "NOTAUTH");
  EXPECT_EQ(rcode_to_string(rcode::kBadVers), "BADVERS");
  EXPECT_EQ(rcode_to_string(6), "RCODE6");
  EXPECT_EQ(rcode_to_string(23), "RCODE23");
}

TEST(TypesTest, CompressibleRdataTypesAreTheRfc1035Ones) {
  EXPECT_TRUE(type_compresses_rdata(rrtype::kNS));
  EXPECT_TRUE(type_compresses_rdata(rrtype::kCNAME));
  EXPECT_TRUE(type_compresses_rdata(rrtype::kSOA));
  EXPECT_TRUE(type_compresses_rdata(rrtype::kPTR));
  EXPECT_TRUE(type_compresses_rdata(rrtype::kMX));
  EXPECT_FALSE(type_compresses_rdata(rrtype::kSRV));
  EXPECT_FALSE(type_compresses_rdata(rrtype::kDNAME));
  EXPECT_FALSE(type_compresses_rdata(rrtype::kA));
}

}  // namespace
}  // namespace dnsedge::dns
