#include "dns/zonefile.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "dns/types.h"

namespace dnsedge::dns {
namespace {

// Test helpers: wire names from plain dotted text (no escapes) and bytes from hex.
std::string wire(std::string_view text) {
  std::string out;
  if (text == ".") return std::string(1, '\0');
  while (!text.empty()) {
    const size_t dot = text.find('.');
    const std::string_view label = text.substr(0, dot);
    out.push_back(static_cast<char>(label.size()));
    out.append(label);
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  out.push_back('\0');
  return out;
}

std::string hex(std::string_view digits) {
  std::string out;
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  int pending = -1;
  for (char c : digits) {
    if (c == ' ') continue;
    if (pending < 0) {
      pending = nibble(c);
    } else {
      out.push_back(static_cast<char>(pending * 16 + nibble(c)));
      pending = -1;
    }
  }
  return out;
}

std::string u16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; }
std::string u32(uint32_t v) {
  return u16(static_cast<uint16_t>(v >> 16)) + u16(static_cast<uint16_t>(v));
}
std::string cstr(std::string_view s) { return static_cast<char>(s.size()) + std::string(s); }

const std::string kOrigin = wire("example.com.");

ZoneText parse_ok(std::string_view text, std::string_view origin = kOrigin) {
  auto zone = parse_zone_text(text, origin, "test.zone");
  if (!zone) {
    ADD_FAILURE() << "unexpected error: " << zone.error().message;
    return {};
  }
  return std::move(zone).value();
}

ZoneRecord parse_one(std::string_view text) {
  ZoneText zone = parse_ok(text);
  if (zone.records.size() != 1) {
    ADD_FAILURE() << "expected one record, got " << zone.records.size();
    return {};
  }
  return zone.records[0];
}

std::string parse_error(std::string_view text) {
  auto zone = parse_zone_text(text, kOrigin, "test.zone");
  if (zone) {
    ADD_FAILURE() << "expected an error for: " << text;
    return {};
  }
  return zone.error().message;
}

void expect_same_records(const std::vector<ZoneRecord>& got, const std::vector<ZoneRecord>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i) + ": " + format_record(want[i]));
    EXPECT_EQ(got[i].owner, want[i].owner);
    EXPECT_EQ(got[i].type, want[i].type);
    EXPECT_EQ(got[i].rclass, want[i].rclass);
    EXPECT_EQ(got[i].ttl, want[i].ttl);
    EXPECT_EQ(got[i].rdata, want[i].rdata);
    EXPECT_EQ(got[i].cf_tags, want[i].cf_tags);
  }
}

// A temporary directory for file tests, removed with its files.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "zonefile_test.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    for (const auto& f : files_) ::unlink(f.c_str());
    ::rmdir(path_.c_str());
  }
  std::string write(const std::string& name, std::string_view content) {
    const std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << content;
    files_.push_back(file);
    return file;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

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

// ---------------------------------------------------------------------------------------------
// Printing

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
