#include "dnssec/denial.h"

#include <gtest/gtest.h>

#include <vector>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "dnssec/key.h"

namespace dnsedge::dnssec {
namespace {

namespace rt = dns::rrtype;

std::string wire(std::string_view text) { return dns::name_from_text(text).value(); }

TEST(DenialTest, TypeBitmapRfc4034Example) {
  // RFC 4034 §4.3: A MX RRSIG NSEC TYPE1234.
  const std::vector<uint16_t> types{rt::kNSEC, 1234, rt::kA, rt::kMX, rt::kRRSIG, rt::kA};
  const std::string b = type_bitmap(types);
  const std::string expected = std::string("\x00\x06\x40\x01\x00\x00\x00\x03", 8) + std::string("\x04\x1b", 2) +
                               std::string(26, '\0') + std::string("\x20", 1);
  EXPECT_EQ(b, expected);
  EXPECT_EQ(type_bitmap({}), "");
  uint8_t small[4];
  EXPECT_EQ(type_bitmap_into(types, small), 0u);
}

TEST(DenialTest, CompactNxdomain) {
  const std::string q = wire("nope.example.com.");
  auto r = nxname_nsec(q);
  ASSERT_TRUE(r);
  // Next name \000.nope.example.com, bitmap RRSIG NSEC NXNAME: read back through the NSEC text form.
  EXPECT_EQ(dns::rdata_to_text(rt::kNSEC, *r).value(), "\\000.nope.example.com. RRSIG NSEC TYPE128");
  EXPECT_EQ(r->substr(0, q.size() + 2), std::string("\x01\x00", 2) + q);
}

TEST(DenialTest, CompactNodata) {
  const std::string n = wire("www.example.com.");
  const std::vector<uint16_t> types{rt::kAAAA, rt::kA, rt::kTXT};
  auto r = nodata_nsec(n, types);
  ASSERT_TRUE(r);
  EXPECT_EQ(dns::rdata_to_text(rt::kNSEC, *r).value(), "\\000.www.example.com. A TXT AAAA RRSIG NSEC");
  // Types above 255 land in their own window (CAA 257).
  const std::vector<uint16_t> caa{257};
  EXPECT_EQ(dns::rdata_to_text(rt::kNSEC, nodata_nsec(n, caa).value()).value(),
            "\\000.www.example.com. RRSIG NSEC CAA");
}

TEST(DenialTest, SuccessorOfLongNames) {
  // A name of 255 octets has no room for "\000.": its first label's last octet is incremented.
  std::string name;
  for (int i = 0; i < 4; ++i) name += std::string(1, '\x3e') + std::string(61, 'a') + 'b';
  name += std::string("\x01z", 2);
  name.push_back('\0');
  ASSERT_EQ(name.size(), 255u);
  uint8_t out[255];
  ASSERT_EQ(successor_into(name, out), 255u);
  std::string expected = name;
  expected[62] = 'c';
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 255), expected);
  // A trailing 0xff is dropped before the increment.
  name[62] = '\xff';
  ASSERT_EQ(successor_into(name, out), 254u);
  EXPECT_EQ(out[0], 61);
  EXPECT_EQ(out[61], 'b');
  EXPECT_EQ(out[62], 62);  // the next label starts right after
  // An NSEC still fits.
  uint8_t nsec[kMaxNsecRdataSize];
  EXPECT_GT(nxname_nsec_into(name, nsec), 254u);
}

}  // namespace
}  // namespace dnsedge::dnssec
