#include "dns/zonefile.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/types.h"
#include "dns/zonefile_test_util.h"

// Printing records and zones (format_record, format_zone), and rdata to and from text.

namespace dnsedge::dns {
namespace {

using namespace zonefile_testing;

ZoneRecord make_record(std::string owner, uint16_t type, uint32_t ttl, std::string rdata,
                       std::vector<std::string> tags = {}) {
  ZoneRecord rr;
  rr.owner = std::move(owner);
  rr.type = type;
  rr.ttl = ttl;
  rr.rdata = std::move(rdata);
  rr.cf_tags = std::move(tags);
  return rr;
}

TEST(ZoneFileTest, FormatsRecordTabSeparated) {
  const ZoneRecord a = make_record(wire("www.example.com."), rrtype::kA, 300, hex("c0000201"),
                                   {"cf-proxied:true", "x"});
  EXPECT_EQ(format_record(a),
            "www.example.com.\t300\tIN\tA\t192.0.2.1 ; cf_tags=cf-proxied:true,x");
  EXPECT_EQ(format_record(a, false), "www.example.com.\t300\tIN\tA\t192.0.2.1");
  EXPECT_EQ(format_record(make_record(wire("example.com."), rrtype::kMX, 3600,
                                      u16(10) + wire("mail.example.com."))),
            "example.com.\t3600\tIN\tMX\t10 mail.example.com.");
  EXPECT_EQ(format_record(make_record(wire("example.com."), rrtype::kCAA, 60,
                                      hex("00") + cstr("issue") + "ca.test")),
            "example.com.\t60\tIN\tCAA\t0 issue \"ca.test\"");
  EXPECT_EQ(format_record(make_record(wire("u.example.com."), 65280, 60, hex("0a000001"))),
            "u.example.com.\t60\tIN\tTYPE65280\t\\# 4 0A000001");
  EXPECT_EQ(format_record(make_record(wire("t.example.com."), rrtype::kTXT, 60,
                                      cstr("say \"hi\"; bye") + cstr("x"))),
            "t.example.com.\t60\tIN\tTXT\t\"say \\\"hi\\\"; bye\" \"x\"");
}

TEST(ZoneFileTest, FormatsMalformedRdataInGenericForm) {
  EXPECT_EQ(format_record(make_record(wire("a.example.com."), rrtype::kA, 60, hex("010203"))),
            "a.example.com.\t60\tIN\tA\t\\# 3 010203");
  EXPECT_EQ(
      format_record(make_record(wire("a.example.com."), rrtype::kMX, 60, hex("000a03616263"))),
      "a.example.com.\t60\tIN\tMX\t\\# 6 000A03616263");
  EXPECT_EQ(rdata_to_text(rrtype::kTXT, hex("0561")).value(), "\\# 2 0561");
}

TEST(ZoneFileTest, FormatsRdataLibknotWouldOverReadInGenericForm) {
  // libknot 3.2's dumper reads past the end of these (found by fuzzing with a guard page); they
  // must come out in RFC 3597 form. "\\# len hex" is also how they got in: libzscanner does not
  // check generic rdata of known types.
  EXPECT_EQ(rdata_to_text(rrtype::kDS, hex("303901")).value(), "\\# 3 303901");
  EXPECT_EQ(rdata_to_text(rrtype::kNSEC3, hex("05db5f6996cc746d16e692dd1d12")).value(),
            "\\# 14 05DB5F6996CC746D16E692DD1D12");
  EXPECT_EQ(rdata_to_text(rrtype::kDNSKEY, hex("0101")).value(), "\\# 2 0101");
  EXPECT_EQ(rdata_to_text(rrtype::kCAA, hex("00")).value(), "\\# 1 00");
  // A 3-octet port (it must be 2).
  EXPECT_EQ(
      rdata_to_text(rrtype::kSVCB, u16(1) + wire(".") + u16(3) + u16(3) + hex("01bb00")).value(),
      "\\# 10 0001000003000301BB00");
  const ZoneRecord rr = parse_one("x NSEC3 \\# 14 05db5f6996cc746d16e692dd1d12\n");
  EXPECT_EQ(format_record(rr),
            "x.example.com.\t3600\tIN\tNSEC3\t\\# 14 05DB5F6996CC746D16E692DD1D12");
}

TEST(ZoneFileTest, FormatsUnreadableButWellFormedRdataInGenericForm) {
  // A CAA tag must be letters and digits (RFC 8659 §4.1); libknot would print "i)sue" as is.
  EXPECT_EQ(rdata_to_text(rrtype::kCAA, hex("00") + cstr("i)sue") + "x").value(),
            "\\# 8 0005692973756578");
  // "mandatory=port" without a port parameter: libzscanner refuses the text libknot prints.
  const std::string svcb = u16(1) + wire(".") + u16(0) + u16(2) + u16(3);
  EXPECT_EQ(rdata_to_text(rrtype::kSVCB, svcb).value(), "\\# 9 000100000000020003");
  // RRSIG times are printed as numbers, which always read back.
  const ZoneRecord sig =
      parse_one("s RRSIG A 13 3 300 20240101000000 20231201000000 12345 example.com. aGVsbG8=\n");
  EXPECT_EQ(rdata_to_text(sig.type, sig.rdata).value(),
            "A 13 3 300 1704067200 1701388800 12345 example.com. aGVsbG8=");
}

TEST(ZoneFileTest, FormatsZoneWithSoaFirst) {
  const std::vector<ZoneRecord> records = {
      make_record(wire("www.example.com."), rrtype::kA, 300, hex("c0000201")),
      make_record(wire("example.com."), rrtype::kSOA, 3600,
                  wire("ns1.example.com.") + wire("hostmaster.example.com.") + u32(1) + u32(2) +
                      u32(3) + u32(4) + u32(5)),
      make_record(wire("example.com."), rrtype::kNS, 3600, wire("ns1.example.com.")),
  };
  EXPECT_EQ(format_zone(wire("example.com."), records),
            "$ORIGIN example.com.\n"
            "example.com.\t3600\tIN\tSOA\tns1.example.com. hostmaster.example.com. 1 2 3 4 5\n"
            "www.example.com.\t300\tIN\tA\t192.0.2.1\n"
            "example.com.\t3600\tIN\tNS\tns1.example.com.\n");
}

TEST(ZoneFileTest, RoundTripsEveryTypeThroughFormatZone) {
  const std::string long_text(300, 'z');
  const std::string text =
      "$TTL 300\n"
      "www A 192.0.2.1 ; cf_tags=cf-proxied:true\n"
      "v6 600 AAAA 2001:db8::1\n"
      "alias CNAME www ; cf_tags=cf-proxied:false,cf-flatten-cname\n"
      "@ MX 10 mail\n"
      "@ NS ns1.example.net.\n"
      "t TXT \"v=spf1; -all\" \"say \\\"hi\\\"\" \"" +
      long_text +
      "\" ; cf_tags=t\n"
      "_sip._tcp SRV 10 60 5060 sip\n"
      "@ CAA 0 issue \"letsencrypt.org\"\n"
      "1.2.0.192.in-addr.arpa. PTR host.example.com.\n"
      "sub DS 12345 13 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
      "@ DNSKEY 257 3 13 "
      "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n"
      "_443._tcp TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
      "host SSHFP 4 2 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
      "_dns SVCB 1 svc.example.net. alpn=h2,h3 port=8443 ipv4hint=192.0.2.1\n"
      "@ HTTPS 1 . alpn=h2 "
      "ech=AEX+DQBBpQAgACAmMMdeAfK5ypVN2RdUKP8DBtC8/"
      "Z1ydI3Qr3qR5NDgegAEAAEAAQASY2xvdWRmbGFyZS1lY2guY29tAAA=\n"
      "@ NAPTR 100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:info@example.com!\" _sip._udp\n"
      "u TYPE65280 \\# 4 0a000001\n"
      "d DNAME other.example.\n"
      "*.wild A 192.0.2.7\n"
      "@ SOA ns1 hostmaster ( 2024010101 7200 3600 1209600 300 ) ; cf_tags=soa\n";
  const ZoneText first = parse_ok(text);
  ASSERT_EQ(first.records.size(), 20u);

  // format_zone moves the SOA first; compare against the same order.
  std::vector<ZoneRecord> expected;
  for (const auto& rr : first.records)
    if (rr.type == rrtype::kSOA) expected.push_back(rr);
  for (const auto& rr : first.records)
    if (rr.type != rrtype::kSOA) expected.push_back(rr);

  const std::string printed = format_zone(kOrigin, first.records);
  const ZoneText second = parse_ok(printed);
  expect_same_records(second.records, expected);
  EXPECT_EQ(format_zone(kOrigin, second.records), printed);

  // Through another origin too: every name is printed absolute.
  const ZoneText third =
      parse_ok(format_zone(wire("elsewhere.test."), first.records), wire("elsewhere.test."));
  expect_same_records(third.records, expected);
}

TEST(ZoneFileTest, RoundTripsSpecialCharactersInNames) {
  const std::vector<ZoneRecord> records = {
      make_record(std::string("\x03"
                              "a b"
                              "\x07"
                              "example"
                              "\x03"
                              "com"
                              "\x00",
                              17),
                  rrtype::kA, 60, hex("c0000201")),
      make_record(std::string("\x03"
                              "a.b"
                              "\x07"
                              "example"
                              "\x03"
                              "com"
                              "\x00",
                              17),
                  rrtype::kCNAME, 60,
                  std::string("\x02"
                              "x;"
                              "\x07"
                              "example"
                              "\x03"
                              "com"
                              "\x00",
                              16)),
  };
  const ZoneText parsed = parse_ok(format_zone(kOrigin, records));
  expect_same_records(parsed.records, records);
}

// ---------------------------------------------------------------------------------------------
// rdata text <-> wire

// Plain A/AAAA text skips the scanner (dns/zonefile.cc plain_address): the same bytes, the same
// refusals as the zone-file path for every spelling.
TEST(ZoneFileTest, AddressRdataMatchesTheScanner) {
  for (const char* a : {"192.0.2.1", " 10.0.0.255 ", "0.0.0.0", "255.255.255.255", "01.2.3.4", "1.2.3", "256.1.1.1",
                        "1.2.3.4.5", "1..2.3", "1.2.3.4 ; note", "0x1.2.3.4"}) {
    const auto fast = rdata_from_text(rrtype::kA, a, kOrigin);
    const auto file = parse_zone_text(std::string("x A ") + a + "\n", kOrigin, "t");
    ASSERT_EQ(static_cast<bool>(fast), file && file->records.size() == 1) << a;
    if (fast) {
      EXPECT_EQ(*fast, file->records[0].rdata) << a;
    }
  }
  for (const char* a : {"2001:db8::1", "::", "::ffff:192.0.2.1", "2001:DB8:0:0:0:0:0:1", "2001:db8:::1", "2001:db8::g",
                        "1:2:3:4:5:6:7:8:9"}) {
    const auto fast = rdata_from_text(rrtype::kAAAA, a, kOrigin);
    const auto file = parse_zone_text(std::string("x AAAA ") + a + "\n", kOrigin, "t");
    ASSERT_EQ(static_cast<bool>(fast), file && file->records.size() == 1) << a;
    if (fast) {
      EXPECT_EQ(*fast, file->records[0].rdata) << a;
    }
  }
}

TEST(ZoneFileTest, RdataFromText) {
  EXPECT_EQ(rdata_from_text(rrtype::kA, "192.0.2.1", kOrigin).value(), hex("c0000201"));
  EXPECT_EQ(rdata_from_text(rrtype::kMX, "10 Mail", kOrigin).value(),
            u16(10) + wire("mail.example.com."));
  EXPECT_EQ(rdata_from_text(rrtype::kCNAME, "@", kOrigin).value(), wire("example.com."));
  EXPECT_EQ(rdata_from_text(rrtype::kCNAME, "x.Example.NET.", kOrigin).value(),
            wire("x.example.net."));
  EXPECT_EQ(rdata_from_text(rrtype::kTXT, "\"a;b\" c ; comment", kOrigin).value(),
            cstr("a;b") + cstr("c"));
  EXPECT_EQ(rdata_from_text(65280, "\\# 2 abcd", kOrigin).value(), hex("abcd"));
  EXPECT_EQ(rdata_from_text(rrtype::kSOA, "ns hm ( 1 2\n 3 4 5 )", kOrigin).value(),
            wire("ns.example.com.") + wire("hm.example.com.") + u32(1) + u32(2) + u32(3) + u32(4) +
                u32(5));
  EXPECT_EQ(rdata_from_text(rrtype::kNS, "ns1", "").value(), wire("ns1."));
}

TEST(ZoneFileTest, RdataFromTextErrorsHaveNoLinePrefix) {
  auto bad = rdata_from_text(rrtype::kA, "192.0.2.256", kOrigin);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "invalid IPv4 address");

  auto two = rdata_from_text(rrtype::kA, "192.0.2.1\nx A 192.0.2.2", kOrigin);
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().message, "unexpected data after the rdata");

  auto include = rdata_from_text(rrtype::kA, "192.0.2.1\n$INCLUDE /etc/hosts", kOrigin);
  ASSERT_FALSE(include);
  EXPECT_EQ(include.error().message, "unexpected data after the rdata");

  auto empty = rdata_from_text(rrtype::kMX, "", kOrigin);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "invalid number");

  auto unsupported = rdata_from_text(rrtype::kOPT, "\\# 0", kOrigin);
  ASSERT_FALSE(unsupported);
  EXPECT_EQ(unsupported.error().message, "unsupported record type");
}

TEST(ZoneFileTest, RdataToText) {
  EXPECT_EQ(rdata_to_text(rrtype::kA, hex("c0000201")).value(), "192.0.2.1");
  EXPECT_EQ(rdata_to_text(rrtype::kAAAA, hex("20010db8000000000000000000000001")).value(),
            "2001:db8::1");
  EXPECT_EQ(rdata_to_text(rrtype::kMX, u16(10) + wire("mail.example.com.")).value(),
            "10 mail.example.com.");
  EXPECT_EQ(rdata_to_text(rrtype::kSRV, u16(1) + u16(2) + u16(3) + wire("t.example.com.")).value(),
            "1 2 3 t.example.com.");
  EXPECT_EQ(rdata_to_text(rrtype::kSVCB, u16(1) + wire("svc.example.net.") + u16(1) + u16(6) +
                                             cstr("h2") + cstr("h3") + u16(3) + u16(2) + u16(8443))
                .value(),
            "1 svc.example.net. alpn=h2,h3 port=8443");
  EXPECT_EQ(rdata_to_text(rrtype::kTXT, cstr(std::string(255, 'a')) + cstr("b")).value(),
            "\"" + std::string(255, 'a') + "\" \"b\"");
  EXPECT_EQ(rdata_to_text(65280, hex("0a000001")).value(), "\\# 4 0A000001");
  EXPECT_EQ(rdata_to_text(rrtype::kA, "").value(), "\\# 0");
}

}  // namespace
}  // namespace dnsedge::dns
