#include "dns/zonefile.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "dns/types.h"
#include "dns/zonefile_test_util.h"

namespace dnsedge::dns {
namespace {

using namespace zonefile_testing;

// ---------------------------------------------------------------------------------------------
// Record types

TEST(ZoneFileTest, ParsesARecord) {
  const ZoneRecord rr = parse_one("www 300 IN A 192.0.2.1\n");
  EXPECT_EQ(rr.owner, wire("www.example.com."));
  EXPECT_EQ(rr.type, rrtype::kA);
  EXPECT_EQ(rr.rclass, rrclass::kIN);
  EXPECT_EQ(rr.ttl, 300u);
  EXPECT_EQ(rr.rdata, hex("c0000201"));
  EXPECT_EQ(rr.line, 1u);
  EXPECT_TRUE(rr.cf_tags.empty());
}

TEST(ZoneFileTest, ParsesAaaaRecord) {
  const ZoneRecord rr = parse_one("v6 AAAA 2001:db8::1\n");
  EXPECT_EQ(rr.type, rrtype::kAAAA);
  EXPECT_EQ(rr.rdata, hex("20010db8000000000000000000000001"));
}

TEST(ZoneFileTest, ParsesCnameWithRelativeAndAbsoluteTargets) {
  ZoneText zone = parse_ok(
      "alias CNAME target\n"
      "alias2 CNAME other.example.net.\n"
      "alias3 CNAME @\n");
  ASSERT_EQ(zone.records.size(), 3u);
  EXPECT_EQ(zone.records[0].type, rrtype::kCNAME);
  EXPECT_EQ(zone.records[0].rdata, wire("target.example.com."));
  EXPECT_EQ(zone.records[1].rdata, wire("other.example.net."));
  EXPECT_EQ(zone.records[2].rdata, wire("example.com."));
}

TEST(ZoneFileTest, ParsesMxRecord) {
  const ZoneRecord rr = parse_one("@ MX 10 mail\n");
  EXPECT_EQ(rr.owner, wire("example.com."));
  EXPECT_EQ(rr.type, rrtype::kMX);
  EXPECT_EQ(rr.rdata, u16(10) + wire("mail.example.com."));
}

TEST(ZoneFileTest, ParsesNsRecord) {
  const ZoneRecord rr = parse_one("@ NS ns1.example.net.\n");
  EXPECT_EQ(rr.type, rrtype::kNS);
  EXPECT_EQ(rr.rdata, wire("ns1.example.net."));
}

TEST(ZoneFileTest, ParsesMultiLineSoaRecord) {
  const ZoneRecord rr = parse_one(
      "@ 3600 IN SOA ns1.example.com. hostmaster (\n"
      "    2024010101 ; serial\n"
      "    7200       ; refresh\n"
      "    3600 1209600 300 )\n");
  EXPECT_EQ(rr.type, rrtype::kSOA);
  EXPECT_EQ(rr.ttl, 3600u);
  EXPECT_EQ(rr.rdata, wire("ns1.example.com.") + wire("hostmaster.example.com.") + u32(2024010101) +
                          u32(7200) + u32(3600) + u32(1209600) + u32(300));
  EXPECT_EQ(rr.line, 4u);
}

TEST(ZoneFileTest, ParsesTxtWithEscapedQuotesAndSemicolons) {
  const ZoneRecord rr = parse_one("t TXT \"say \\\"hi\\\"; bye\" unquoted\\;semi\n");
  EXPECT_EQ(rr.type, rrtype::kTXT);
  EXPECT_EQ(rr.rdata, cstr("say \"hi\"; bye") + cstr("unquoted;semi"));
  EXPECT_TRUE(rr.cf_tags.empty());
}

TEST(ZoneFileTest, ParsesUtf8InTxtAsRawOctets) {
  // libzscanner itself rejects octets >= 0x80; they are passed to it as \DDD escapes.
  const ZoneRecord rr = parse_one("t TXT \"caf\xC3\xA9 \\065\" ; cf_tags=\xC3\xA9\n");
  EXPECT_EQ(rr.rdata, cstr("caf\xC3\xA9 A"));
  EXPECT_EQ(rr.cf_tags, std::vector<std::string>{"\xC3\xA9"});
  EXPECT_EQ(format_record(rr, false), "t.example.com.\t3600\tIN\tTXT\t\"caf\\195\\169 A\"");
  EXPECT_EQ(rdata_from_text(rrtype::kTXT, "\xC3\xA9", kOrigin).value(), cstr("\xC3\xA9"));
}

TEST(ZoneFileTest, ParsesTxtLongerThan255AsSeveralStrings) {
  const std::string a(255, 'a'), b(45, 'b');
  const ZoneRecord rr = parse_one("t TXT \"" + a + "\" \"" + b + "\"\n");
  EXPECT_EQ(rr.rdata, cstr(a) + cstr(b));
  EXPECT_EQ(rr.rdata.size(), 302u);
}

TEST(ZoneFileTest, SplitsOneQuotedTxtStringLongerThan255) {
  // libzscanner cuts a single long string into 255-octet character-strings.
  const std::string text(300, 'x');
  const ZoneRecord rr = parse_one("t TXT \"" + text + "\"\n");
  EXPECT_EQ(rr.rdata, cstr(std::string(255, 'x')) + cstr(std::string(45, 'x')));
}

TEST(ZoneFileTest, ParsesSrvRecord) {
  const ZoneRecord rr = parse_one("_sip._tcp SRV 10 60 5060 sipserver\n");
  EXPECT_EQ(rr.owner, wire("_sip._tcp.example.com."));
  EXPECT_EQ(rr.type, rrtype::kSRV);
  EXPECT_EQ(rr.rdata, u16(10) + u16(60) + u16(5060) + wire("sipserver.example.com."));
}

TEST(ZoneFileTest, ParsesCaaRecord) {
  const ZoneRecord rr = parse_one("@ CAA 0 issue \"letsencrypt.org\"\n");
  EXPECT_EQ(rr.type, rrtype::kCAA);
  EXPECT_EQ(rr.rdata, hex("00") + cstr("issue") + "letsencrypt.org");
}

TEST(ZoneFileTest, ParsesPtrRecord) {
  const ZoneRecord rr = parse_one("1.2.0.192.in-addr.arpa. PTR host.example.com.\n");
  EXPECT_EQ(rr.owner, wire("1.2.0.192.in-addr.arpa."));
  EXPECT_EQ(rr.type, rrtype::kPTR);
  EXPECT_EQ(rr.rdata, wire("host.example.com."));
}

TEST(ZoneFileTest, ParsesDsRecord) {
  const ZoneRecord rr = parse_one(
      "sub DS 12345 13 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n");
  EXPECT_EQ(rr.type, rrtype::kDS);
  EXPECT_EQ(rr.rdata, u16(12345) + hex("0d02") +
                          hex("E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"));
}

TEST(ZoneFileTest, ParsesDnskeyRecord) {
  const std::string key =
      "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==";
  const ZoneRecord rr =
      parse_one("@ DNSKEY 257 3 13 ( " + key.substr(0, 40) + "\n " + key.substr(40) + " )\n");
  EXPECT_EQ(rr.type, rrtype::kDNSKEY);
  ASSERT_EQ(rr.rdata.size(), 4u + 64u);
  EXPECT_EQ(rr.rdata.substr(0, 4), u16(257) + hex("030d"));
  EXPECT_EQ(rr.rdata.substr(4, 3), hex("99db2c"));  // base64 "mdss"
  EXPECT_EQ(rdata_to_text(rr.type, rr.rdata).value(), "257 3 13 " + key);
}

TEST(ZoneFileTest, ParsesTlsaRecord) {
  const ZoneRecord rr = parse_one(
      "_443._tcp.www TLSA 3 1 1 "
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
  EXPECT_EQ(rr.type, rrtype::kTLSA);
  EXPECT_EQ(rr.rdata, hex("030101") +
                          hex("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
}

TEST(ZoneFileTest, ParsesSshfpRecord) {
  const ZoneRecord rr = parse_one(
      "host SSHFP 4 2 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
  EXPECT_EQ(rr.type, rrtype::kSSHFP);
  EXPECT_EQ(rr.rdata,
            hex("0402") + hex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
}

TEST(ZoneFileTest, ParsesSvcbAndHttpsRecords) {
  ZoneText zone = parse_ok(
      "_dns SVCB 1 Svc.Example.net. alpn=h2,h3 port=8443\n"
      "@ HTTPS 1 . alpn=h2\n");
  ASSERT_EQ(zone.records.size(), 2u);
  EXPECT_EQ(zone.records[0].type, rrtype::kSVCB);
  // SvcPriority, TargetName (lowercased), alpn (key 1), port (key 3).
  EXPECT_EQ(zone.records[0].rdata, u16(1) + wire("svc.example.net.") + u16(1) + u16(6) +
                                       cstr("h2") + cstr("h3") + u16(3) + u16(2) + u16(8443));
  EXPECT_EQ(zone.records[1].type, rrtype::kHTTPS);
  EXPECT_EQ(zone.records[1].rdata, u16(1) + wire(".") + u16(1) + u16(3) + cstr("h2"));
}

TEST(ZoneFileTest, ParsesNaptrRecord) {
  const ZoneRecord rr = parse_one("@ NAPTR 100 10 \"S\" \"SIP+D2U\" \"\" _SIP._udp.Example.com.\n");
  EXPECT_EQ(rr.type, rrtype::kNAPTR);
  EXPECT_EQ(rr.rdata, u16(100) + u16(10) + cstr("S") + cstr("SIP+D2U") + cstr("") +
                          wire("_sip._udp.example.com."));
}

TEST(ZoneFileTest, ParsesUnknownTypeInRfc3597Form) {
  const ZoneRecord rr = parse_one("u TYPE65280 \\# 4 0a000001\n");
  EXPECT_EQ(rr.type, 65280);
  EXPECT_EQ(rr.rdata, hex("0a000001"));
}

TEST(ZoneFileTest, ParsesKnownTypeInRfc3597Form) {
  const ZoneRecord rr = parse_one("g A \\# 4 c0000202\n");
  EXPECT_EQ(rr.type, rrtype::kA);
  EXPECT_EQ(rr.rdata, hex("c0000202"));
}

// ---------------------------------------------------------------------------------------------
// Names, directives, TTLs

TEST(ZoneFileTest, LowercasesOwnersAndEmbeddedNames) {
  ZoneText zone = parse_ok(
      "WWW.Example.COM. CNAME Target.EXAMPLE.net.\n"
      "@ NS NS1.Example.Net.\n"
      "@ MX 5 MAIL.Example.com.\n"
      "@ SOA NS1.Example.com. HostMaster.Example.com. 1 2 3 4 5\n"
      "4.3.2.1.IN-ADDR.ARPA. PTR Host.Example.com.\n"
      "_XMPP._tcp SRV 1 2 3 XMPP.Example.com.\n"
      "d DNAME Other.EXAMPLE.\n"
      "t TXT \"Keep Case\"\n");
  ASSERT_EQ(zone.records.size(), 8u);
  EXPECT_EQ(zone.records[0].owner, wire("www.example.com."));
  EXPECT_EQ(zone.records[0].rdata, wire("target.example.net."));
  EXPECT_EQ(zone.records[1].rdata, wire("ns1.example.net."));
  EXPECT_EQ(zone.records[2].rdata, u16(5) + wire("mail.example.com."));
  EXPECT_EQ(zone.records[3].rdata, wire("ns1.example.com.") + wire("hostmaster.example.com.") +
                                       u32(1) + u32(2) + u32(3) + u32(4) + u32(5));
  EXPECT_EQ(zone.records[4].owner, wire("4.3.2.1.in-addr.arpa."));
  EXPECT_EQ(zone.records[4].rdata, wire("host.example.com."));
  EXPECT_EQ(zone.records[5].owner, wire("_xmpp._tcp.example.com."));
  EXPECT_EQ(zone.records[5].rdata, u16(1) + u16(2) + u16(3) + wire("xmpp.example.com."));
  EXPECT_EQ(zone.records[6].rdata, wire("other.example."));
  EXPECT_EQ(zone.records[7].rdata, cstr("Keep Case"));
}

TEST(ZoneFileTest, AppliesOriginAndTtlDirectives) {
  ZoneText zone = parse_ok(
      "a A 192.0.2.1\n"
      "$TTL 1h\n"
      "b A 192.0.2.2\n"
      "$ORIGIN Sub.Example.com.\n"
      "c A 192.0.2.3\n"
      "@ A 192.0.2.4\n"
      "d.example.org. 60 A 192.0.2.5\n"
      "   A 192.0.2.6\n");
  EXPECT_EQ(zone.origin, wire("example.com."));
  ASSERT_EQ(zone.records.size(), 6u);
  EXPECT_EQ(zone.records[0].owner, wire("a.example.com."));
  EXPECT_EQ(zone.records[0].ttl, 3600u);  // no $TTL yet: the default
  EXPECT_EQ(zone.records[1].owner, wire("b.example.com."));
  EXPECT_EQ(zone.records[1].ttl, 3600u);
  EXPECT_EQ(zone.records[2].owner, wire("c.sub.example.com."));
  EXPECT_EQ(zone.records[3].owner, wire("sub.example.com."));
  EXPECT_EQ(zone.records[4].owner, wire("d.example.org."));
  EXPECT_EQ(zone.records[4].ttl, 60u);
  EXPECT_EQ(zone.records[5].owner, wire("d.example.org."));  // blank owner: the previous one
  EXPECT_EQ(zone.records[5].line, 8u);
}

TEST(ZoneFileTest, TtlDirectiveSetsDefault) {
  ZoneText zone = parse_ok("$TTL 300\na A 192.0.2.1\nb 1d A 192.0.2.2\n");
  ASSERT_EQ(zone.records.size(), 2u);
  EXPECT_EQ(zone.records[0].ttl, 300u);
  EXPECT_EQ(zone.records[1].ttl, 86400u);
}

TEST(ZoneFileTest, EmptyOriginMeansRoot) {
  ZoneText zone = parse_ok("a.b. A 192.0.2.1\nc A 192.0.2.2\n", "");
  EXPECT_EQ(zone.origin, wire("."));
  ASSERT_EQ(zone.records.size(), 2u);
  EXPECT_EQ(zone.records[1].owner, wire("c."));
}

TEST(ZoneFileTest, AcceptsCrlfLineEnds) {
  ZoneText zone = parse_ok("a A 192.0.2.1 ; cf_tags=x\r\nb A 192.0.2.2\r\n");
  ASSERT_EQ(zone.records.size(), 2u);
  EXPECT_EQ(zone.records[0].cf_tags, std::vector<std::string>{"x"});
  EXPECT_EQ(zone.records[1].line, 2u);
}

TEST(ZoneFileTest, EmptyTextHasNoRecords) {
  EXPECT_TRUE(parse_ok("").records.empty());
  EXPECT_TRUE(parse_ok("; only a comment\n\n").records.empty());
}

TEST(ZoneFileTest, GeneratesRecords) {
  ZoneText zone = parse_ok(
      "$ORIGIN sub.example.com.\n"
      "$TTL 60\n"
      "$GENERATE 1-3 host-$ A 192.0.2.$ ; cf_tags=gen\n"
      "after A 192.0.2.9\n");
  ASSERT_EQ(zone.records.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    const ZoneRecord& rr = zone.records[i];
    EXPECT_EQ(rr.owner, wire("host-" + std::to_string(i + 1) + ".sub.example.com."));
    EXPECT_EQ(rr.type, rrtype::kA);
    EXPECT_EQ(rr.ttl, 60u);
    EXPECT_EQ(rr.rdata, hex("c00002") + std::string(1, static_cast<char>(i + 1)));
    EXPECT_EQ(rr.line, 3u);
    EXPECT_EQ(rr.cf_tags, std::vector<std::string>{"gen"});
  }
  EXPECT_EQ(zone.records[3].owner, wire("after.sub.example.com."));
  EXPECT_EQ(zone.records[3].line, 4u);
  EXPECT_TRUE(zone.records[3].cf_tags.empty());
}

TEST(ZoneFileTest, GenerateSupportsStepWidthBaseAndTtl) {
  ZoneText zone = parse_ok("$GENERATE 0-4/2 ${10,3} 300 IN CNAME h${0,2,X}.example.net.\n");
  ASSERT_EQ(zone.records.size(), 3u);
  EXPECT_EQ(zone.records[0].owner, wire("010.example.com."));
  EXPECT_EQ(zone.records[0].rdata, wire("h00.example.net."));
  EXPECT_EQ(zone.records[1].owner, wire("012.example.com."));
  EXPECT_EQ(zone.records[1].rdata, wire("h02.example.net."));
  EXPECT_EQ(zone.records[2].owner, wire("014.example.com."));
  EXPECT_EQ(zone.records[2].ttl, 300u);
  EXPECT_EQ(zone.records[2].rdata, wire("h04.example.net."));

  ZoneText hex = parse_ok("$GENERATE 26-26 x${0,4,X} A 192.0.2.1\n");
  ASSERT_EQ(hex.records.size(), 1u);
  EXPECT_EQ(hex.records[0].owner, wire("x001a.example.com."));  // names are lowercased
}

TEST(ZoneFileTest, GenerateNibbleModeAndLiteralDollar) {
  ZoneText zone = parse_ok(
      "$GENERATE 26-26 ${0,3,n} PTR host-$\n"
      "$GENERATE 7-7 t$ TXT \"cost $$$\"\n");
  ASSERT_EQ(zone.records.size(), 2u);
  EXPECT_EQ(zone.records[0].owner, wire("a.1.example.com."));
  EXPECT_EQ(zone.records[0].rdata, wire("host-26.example.com."));
  EXPECT_EQ(zone.records[1].owner, wire("t7.example.com."));
  EXPECT_EQ(zone.records[1].rdata, cstr("cost $7"));
}

TEST(ZoneFileTest, GenerateErrorsCarryTheDirectiveLine) {
  EXPECT_EQ(parse_error("a A 192.0.2.1\n$GENERATE 5-1 x$ A 192.0.2.1\n"),
            "test.zone:2: $GENERATE: invalid range '5-1'");
  EXPECT_EQ(parse_error("\n\n$GENERATE 250-260 h$ A 192.0.2.$\n"),
            "test.zone:3: invalid IPv4 address");
  EXPECT_EQ(parse_error("$GENERATE 1-2 x${1,2,q} A 192.0.2.1\n"),
            "test.zone:1: $GENERATE: invalid ${offset,width,base} modifier");
  EXPECT_EQ(parse_error("$GENERATE 1-2 x$\n"),
            "test.zone:1: $GENERATE: expected range, lhs, type and rhs");
}

TEST(ZoneFileTest, GenerateRecordsAreCappedPerParseNotPerDirective) {
  // Three directives of 40 each under a limit of 100: the third fails at its own line, before
  // it generates anything.
  const std::string text =
      "$GENERATE 1-40 a$ A 192.0.2.1\n"
      "$GENERATE 1-40 b$ A 192.0.2.1\n"
      "\n"
      "$GENERATE 1-40 c$ A 192.0.2.1\n";
  auto zone = parse_zone_text(text, wire("example.com."), "import", ParseLimits{100});
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().message,
            "import:4: $GENERATE: the range makes 40 records, 80 were generated before it: more than the limit "
            "of 100 generated records per zone file or import");
  // Exactly at the limit passes.
  auto fits = parse_zone_text("$GENERATE 1-60 a$ A 192.0.2.1\n$GENERATE 1-40 b$ A 192.0.2.1\n",
                              wire("example.com."), "import", ParseLimits{100});
  ASSERT_TRUE(fits) << fits.error().message;
  EXPECT_EQ(fits->records.size(), 100u);
  // The default is 65,536 for all directives together (three of 65,535 were accepted before).
  auto big = parse_zone_text("$GENERATE 0-65534 a$ A 192.0.2.1\n$GENERATE 0-1 b$ A 192.0.2.1\n",
                             wire("example.com."));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().message,
            "<text>:2: $GENERATE: the range makes 2 records, 65535 were generated before it: more than the limit "
            "of 65536 generated records per zone file or import");
  EXPECT_EQ(parse_error("$GENERATE 0-65536 a$ A 192.0.2.1\n"),
            "test.zone:1: $GENERATE: the range makes 65537 records: more than the limit of 65536 generated records "
            "per zone file or import");
}

TEST(ZoneFileTest, GenerateCapCountsIncludedFiles) {
  TempDir dir;
  dir.write("gen.inc", "$GENERATE 1-30 inc$ A 192.0.2.1\n");
  const std::string path = dir.write("example.com.zone",
                                     "$INCLUDE gen.inc\n"
                                     "$GENERATE 1-30 top$ A 192.0.2.1\n");
  auto zone = parse_zone_file(path, {}, ParseLimits{50});
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().message, path +
                                      ":2: $GENERATE: the range makes 30 records, 30 were generated before it: more "
                                      "than the limit of 50 generated records per zone file or import");
  auto ok = parse_zone_file(path, {}, ParseLimits{60});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->records.size(), 60u);
}

TEST(ZoneFileTest, IncludeInsideTxtDataIsData) {
  // Only a directive is an $INCLUDE: the same words inside quoted TXT data are data.
  auto zone = parse_zone_text("t TXT \"$INCLUDE /etc/passwd\"\nu TXT ( \"x\"\n  \"$INCLUDE y\" )\n",
                              wire("example.com."), "import");
  ASSERT_TRUE(zone) << zone.error().message;
  ASSERT_EQ(zone->records.size(), 2u);
  EXPECT_EQ(zone->records[0].rdata, cstr("$INCLUDE /etc/passwd"));
  EXPECT_EQ(parse_error("a A 192.0.2.1\n$include /etc/hosts\n"), "test.zone:2: $INCLUDE is not allowed here");
  // Indented, it is not a directive (a record with the previous owner) and fails as a record.
  EXPECT_EQ(parse_error("a A 192.0.2.1\n   $include /etc/hosts\n"), "test.zone:2: unknown record type '$include'");
}

// ---------------------------------------------------------------------------------------------
// cf_tags

TEST(ZoneFileTest, ReadsCfTagsOnSingleLine) {
  const ZoneRecord rr = parse_one("www A 192.0.2.1 ; cf_tags=cf-proxied:true\n");
  EXPECT_EQ(rr.cf_tags, std::vector<std::string>{"cf-proxied:true"});
  EXPECT_TRUE(rr.has_tag("cf-proxied:true"));
  EXPECT_FALSE(rr.has_tag("cf-proxied"));
  EXPECT_FALSE(rr.has_tag("cf-proxied:false"));
}

TEST(ZoneFileTest, ReadsSeveralCfTags) {
  ZoneText zone = parse_ok(
      "a CNAME b ; cf_tags=cf-proxied:true,cf-flatten-cname\n"
      "b A 192.0.2.1 ; note ; cf_tags=x,,y trailing words\n"
      "c A 192.0.2.1 ;cf_tags=only\n"
      "d A 192.0.2.1 ; nocf_tags=z\n");
  ASSERT_EQ(zone.records.size(), 4u);
  EXPECT_EQ(zone.records[0].cf_tags,
            (std::vector<std::string>{"cf-proxied:true", "cf-flatten-cname"}));
  EXPECT_TRUE(zone.records[0].has_tag("cf-flatten-cname"));
  EXPECT_EQ(zone.records[1].cf_tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(zone.records[2].cf_tags, std::vector<std::string>{"only"});
  EXPECT_TRUE(zone.records[3].cf_tags.empty());
}

TEST(ZoneFileTest, ReadsCfTagsOnMultiLineRecord) {
  ZoneText zone = parse_ok(
      "@ SOA ns1 hostmaster ( ; cf_tags=ignored\n"
      "    1 ; serial\n"
      "    2 3 4 5 ) ; cf_tags=soa,x\n"
      "b A ( 192.0.2.2\n"
      "    ) ; cf_tags=p\n"
      "c SOA ns1 hostmaster ( ; cf_tags=first-line-only\n"
      "    1 2 3 4 5 )\n");
  ASSERT_EQ(zone.records.size(), 3u);
  EXPECT_EQ(zone.records[0].line, 3u);
  EXPECT_EQ(zone.records[0].cf_tags, (std::vector<std::string>{"soa", "x"}));
  // libzscanner reports this record on line 4 (where its rdata ends); the entry ends on line 5.
  EXPECT_EQ(zone.records[1].line, 5u);
  EXPECT_EQ(zone.records[1].cf_tags, std::vector<std::string>{"p"});
  EXPECT_EQ(zone.records[2].line, 7u);
  EXPECT_TRUE(zone.records[2].cf_tags.empty());
}

TEST(ZoneFileTest, ReadsCfTagsAfterQuotedSemicolonInTxt) {
  ZoneText zone = parse_ok(
      "t TXT \"v=spf1; -all\" \"a\\\";b\" ; cf_tags=q,r\n"
      "u TXT \"a;b ; cf_tags=inside\"\n"
      "v TXT \"x\" ; cf_tags=w\n"
      "w TXT ( \"first;\"\n"
      "        \"second ; cf_tags=no\" ) ; cf_tags=yes\n");
  ASSERT_EQ(zone.records.size(), 4u);
  EXPECT_EQ(zone.records[0].rdata, cstr("v=spf1; -all") + cstr("a\";b"));
  EXPECT_EQ(zone.records[0].cf_tags, (std::vector<std::string>{"q", "r"}));
  EXPECT_EQ(zone.records[1].rdata, cstr("a;b ; cf_tags=inside"));
  EXPECT_TRUE(zone.records[1].cf_tags.empty());
  EXPECT_EQ(zone.records[2].cf_tags, std::vector<std::string>{"w"});
  EXPECT_EQ(zone.records[3].rdata, cstr("first;") + cstr("second ; cf_tags=no"));
  EXPECT_EQ(zone.records[3].cf_tags, std::vector<std::string>{"yes"});
}

TEST(ZoneFileTest, ReadsCfTagsOnLastLineWithoutNewline) {
  ZoneText zone = parse_ok("a A 192.0.2.1\n\n; comment\nb A 192.0.2.2 ; cf_tags=last");
  ASSERT_EQ(zone.records.size(), 2u);
  EXPECT_EQ(zone.records[1].line, 4u);
  EXPECT_EQ(zone.records[1].cf_tags, std::vector<std::string>{"last"});

  ZoneText multi = parse_ok("b A ( 192.0.2.2\n ) ; cf_tags=end");
  ASSERT_EQ(multi.records.size(), 1u);
  EXPECT_EQ(multi.records[0].line, 2u);
  EXPECT_EQ(multi.records[0].cf_tags, std::vector<std::string>{"end"});
}

TEST(ZoneFileTest, CommentLineTagsDoNotAttachToRecords) {
  ZoneText zone = parse_ok("; cf_tags=stray\na A 192.0.2.1\n");
  ASSERT_EQ(zone.records.size(), 1u);
  EXPECT_EQ(zone.records[0].line, 2u);
  EXPECT_TRUE(zone.records[0].cf_tags.empty());
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(ZoneFileTest, ReportsBadIpv4WithLine) {
  EXPECT_EQ(parse_error("ok A 192.0.2.1\nbad A 192.0.2.256\nlater A 192.0.2.3\n"),
            "test.zone:2: invalid IPv4 address");
  EXPECT_EQ(parse_error("\n\nbad A 192.0.2.x\n"), "test.zone:3: invalid address character");
}

TEST(ZoneFileTest, ReportsUnknownTypeWithLine) {
  EXPECT_EQ(parse_error("a A 192.0.2.1\nx FOO 1.2.3.4\n"),
            "test.zone:2: unknown record type 'FOO'");
  EXPECT_EQ(parse_error("x 300 IN BOGUS 1.2.3.4\n"), "test.zone:1: unknown record type 'BOGUS'");
  EXPECT_EQ(parse_error("x IN bogus 1.2.3.4\n"), "test.zone:1: unknown record type 'bogus'");
}

TEST(ZoneFileTest, ReportsBadTtlWithLine) {
  EXPECT_EQ(parse_error("a A 192.0.2.1\nx 1x A 1.2.3.4\n"), "test.zone:2: invalid time unit");
  EXPECT_EQ(parse_error("x 4294967296 A 1.2.3.4\n"), "test.zone:1: number is bigger than 32 bits");
  EXPECT_EQ(parse_error("a A 192.0.2.1\n$TTL abc\n"), "test.zone:2: $TTL: invalid number");
}

TEST(ZoneFileTest, ReportsUnterminatedParenthesisAtItsLine) {
  EXPECT_EQ(parse_error("a A 192.0.2.1\n"
                        "@ SOA ns hm (\n"
                        "   1 2 3\n"
                        "   4 5\n"
                        "b A 192.0.2.2\n"),
            "test.zone:2: unclosed last multiline block");
  EXPECT_EQ(parse_error("b A ( 192.0.2.2"), "test.zone:1: unclosed last multiline block");
}

TEST(ZoneFileTest, ReportsErrorInsideMultiLineRecordAtItsLine) {
  EXPECT_EQ(parse_error("@ SOA ns hm (\n 1\n x\n 3 4 5 )\n"), "test.zone:3: invalid number");
}

TEST(ZoneFileTest, RejectsGenericRdataThatDoesNotFitItsType) {
  EXPECT_EQ(parse_error("a A 192.0.2.1\ng A \\# 3 c00002\n"),
            "test.zone:2: malformed rdata for type A");
  EXPECT_EQ(parse_error("m MX \\# 4 000a0178\n"), "test.zone:1: malformed rdata for type MX");
  // A compression pointer is not a name in stored rdata.
  EXPECT_EQ(parse_error("m MX \\# 4 000ac00c\n"), "test.zone:1: malformed rdata for type MX");
  auto bad = rdata_from_text(rrtype::kNS, "\\# 2 0178", kOrigin);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "malformed rdata for type NS");
  // Types libknot describes as opaque take any octets.
  EXPECT_EQ(parse_one("t TXT \\# 2 0561\n").rdata, hex("0561"));
}

TEST(ZoneFileTest, ReportsUnbalancedClosingParenthesis) {
  EXPECT_EQ(parse_error("a A 192.0.2.1 )\n"), "test.zone:1: too many right parentheses");
}

TEST(ZoneFileTest, RefusesIncludeInText) {
  EXPECT_EQ(parse_error("a A 192.0.2.1\n$INCLUDE /etc/hosts\n"),
            "test.zone:2: $INCLUDE is not allowed here");
}

TEST(ZoneFileTest, RejectsInvalidOriginWire) {
  auto zone = parse_zone_text("a A 192.0.2.1\n",
                              std::string("\x05"
                                          "ab",
                                          3),
                              "t");
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().message, "t: invalid origin");
}

// ---------------------------------------------------------------------------------------------
// Files

TEST(ZoneFileTest, ReportsMissingFile) {
  auto zone = parse_zone_file("/nonexistent-dir/example.com.zone");
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().message,
            "/nonexistent-dir/example.com.zone: cannot open: No such file or directory");
}

TEST(ZoneFileTest, ReportsDirectoryAsUnreadable) {
  TempDir dir;
  auto zone = parse_zone_file(dir.path(), wire("example.com."));
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().message, dir.path() + ": cannot open: Is a directory");
}

TEST(ZoneFileTest, DerivesOriginFromFileName) {
  TempDir dir;
  const struct {
    const char* file;
    const char* origin;
  } cases[] = {
      {"example.com.zone", "example.com."}, {"example.net.db", "example.net."},
      {"db.example.org", "example.org."},   {"example.info.txt", "example.info."},
      {"example.test", "example.test."},    {"db.example.dev.zone", "example.dev."},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string path = dir.write(c.file, "www A 192.0.2.1 ; cf_tags=t\n");
    auto zone = parse_zone_file(path);
    ASSERT_TRUE(zone) << zone.error().message;
    EXPECT_EQ(zone->origin, wire(c.origin));
    ASSERT_EQ(zone->records.size(), 1u);
    EXPECT_EQ(zone->records[0].owner, wire(std::string("www.") + c.origin));
    EXPECT_EQ(zone->records[0].cf_tags, std::vector<std::string>{"t"});
  }
}

TEST(ZoneFileTest, ExplicitOriginOverridesFileName) {
  TempDir dir;
  const std::string path = dir.write("example.com.zone", "www A 192.0.2.1\n");
  auto zone = parse_zone_file(path, wire("other.test."));
  ASSERT_TRUE(zone) << zone.error().message;
  EXPECT_EQ(zone->origin, wire("other.test."));
  ASSERT_EQ(zone->records.size(), 1u);
  EXPECT_EQ(zone->records[0].owner, wire("www.other.test."));
}

TEST(ZoneFileTest, ReportsFileErrorsWithPathAndLine) {
  TempDir dir;
  const std::string path = dir.write("bad.zone", "a A 192.0.2.1\n\nb A 10.0.0.300\n");
  auto zone = parse_zone_file(path, wire("example.com."));
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().message, path + ":3: invalid IPv4 address");
}

TEST(ZoneFileTest, FollowsIncludeRelativeToTheZoneFile) {
  TempDir dir;
  dir.write("sub.inc", "host A 192.0.2.9 ; cf_tags=inc\n$ORIGIN elsewhere.test.\nx A 192.0.2.10\n");
  const std::string path = dir.write("example.com.zone",
                                     "$TTL 120\n"
                                     "$INCLUDE sub.inc sub.example.com. ; comment\n"
                                     "www A 192.0.2.1 ; cf_tags=main\n");
  auto zone = parse_zone_file(path);
  ASSERT_TRUE(zone) << zone.error().message;
  ASSERT_EQ(zone->records.size(), 3u);
  EXPECT_EQ(zone->records[0].owner, wire("host.sub.example.com."));
  EXPECT_EQ(zone->records[0].ttl, 120u);  // $TTL carries into the included file
  EXPECT_EQ(zone->records[0].line, 1u);
  EXPECT_EQ(zone->records[0].cf_tags, std::vector<std::string>{"inc"});
  EXPECT_EQ(zone->records[1].owner, wire("x.elsewhere.test."));
  // The included file's $ORIGIN does not leak back.
  EXPECT_EQ(zone->records[2].owner, wire("www.example.com."));
  EXPECT_EQ(zone->records[2].line, 3u);
  EXPECT_EQ(zone->records[2].cf_tags, std::vector<std::string>{"main"});
}

TEST(ZoneFileTest, ReportsErrorsInsideIncludedFile) {
  TempDir dir;
  const std::string inc = dir.write("bad.inc", "ok A 192.0.2.1\nbad A 192.0.2.999\n");
  const std::string path = dir.write("example.com.zone", "$INCLUDE bad.inc\n");
  auto zone = parse_zone_file(path);
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().message, dir.path() + "/bad.inc:2: invalid IPv4 address");
}

TEST(ZoneFileTest, ReportsMissingIncludedFile) {
  TempDir dir;
  const std::string path = dir.write("example.com.zone", "a A 192.0.2.1\n$INCLUDE missing.inc\n");
  auto zone = parse_zone_file(path);
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().message, path + ":2: $INCLUDE " + dir.path() +
                                      "/missing.inc: cannot open: No such file or directory");
}

TEST(ZoneFileTest, StopsRecursiveInclude) {
  TempDir dir;
  const std::string path = dir.write("example.com.zone", "$INCLUDE example.com.zone\n");
  auto zone = parse_zone_file(path);
  ASSERT_FALSE(zone);
  EXPECT_NE(zone.error().message.find("$INCLUDE nested too deeply"), std::string::npos)
      << zone.error().message;
}

}  // namespace
}  // namespace dnsedge::dns
