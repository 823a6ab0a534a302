#include "dnssec/sign.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "common/alloc_counter.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::dnssec {
namespace {

namespace rt = dns::rrtype;

std::string wire(std::string_view text) { return dns::name_from_text(text).value(); }
std::string rdata(uint16_t type, std::string_view text) { return dns::rdata_from_text(type, text, wire(".")).value(); }
// Names keep their case: rdata_from_text lowercases, these tests need uppercase inside rdata.
std::string raw_name(std::initializer_list<std::string_view> labels) {
  std::string w;
  for (auto l : labels) {
    w.push_back(static_cast<char>(l.size()));
    w += l;
  }
  w.push_back('\0');
  return w;
}

RRsetRef set(std::string_view owner, uint16_t type, uint32_t ttl, const std::vector<std::string_view>& rd) {
  return RRsetRef{owner, type, 1, ttl, rd};
}

constexpr Validity kValid{1700000000, 1800000000};

TEST(SignTest, Rfc6605ExampleVerifies) {
  const Key key = Key::from_dnskey(rdata(rt::kDNSKEY,
                                         "257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+"
                                         "e+MAnLr+Wi9xMWyQLc8NAA=="))
                      .value();
  const std::string sig =
      rdata(rt::kRRSIG,
            "A 13 3 3600 20100909100439 20100812100439 55648 example.net. "
            "qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==");
  const std::string owner = wire("www.example.net.");
  const std::string a = rdata(rt::kA, "192.0.2.1");
  const std::vector<std::string_view> rd{a};
  auto ok = verify_rrset(set(owner, rt::kA, 3600, rd), sig, key);
  EXPECT_TRUE(ok) << ok.error().message;
  // The owner's case does not matter (canonical form), the TTL comes from the RRSIG.
  const std::string upper = raw_name({"WWW", "Example", "NET"});
  EXPECT_TRUE(verify_rrset(set(upper, rt::kA, 17, rd), sig, key));
  // Another address, another owner, another type: refused.
  const std::string other = rdata(rt::kA, "192.0.2.2");
  const std::vector<std::string_view> rd2{other};
  EXPECT_FALSE(verify_rrset(set(owner, rt::kA, 3600, rd2), sig, key));
  EXPECT_FALSE(verify_rrset(set(wire("ftp.example.net."), rt::kA, 3600, rd), sig, key));
  EXPECT_NE(verify_rrset(set(owner, rt::kAAAA, 3600, rd), sig, key).error().message.find("covers type"),
            std::string::npos);
  // Validity: 20100812100439 = 1281607479, 20100909100439 = 1284026679.
  EXPECT_TRUE(check_time(sig, 1283000000));
  EXPECT_TRUE(check_time(sig, 1281607479));
  EXPECT_NE(check_time(sig, 1284026680).error().message.find("expired"), std::string::npos);
  EXPECT_NE(check_time(sig, 1281607478).error().message.find("not yet valid"), std::string::npos);
}

TEST(SignTest, SignedFieldsAndRoundTrip) {
  const Key key = Key::generate(kFlagsZsk).value();
  const std::string owner = wire("www.example.com.");
  const std::string a1 = rdata(rt::kA, "192.0.2.1"), a2 = rdata(rt::kA, "192.0.2.2");
  const std::vector<std::string_view> rd{a1, a2};
  auto sig = sign_rrset(set(owner, rt::kA, 300, rd), key, raw_name({"Example", "COM"}), kValid);
  ASSERT_TRUE(sig) << sig.error().message;
  const std::string signer = wire("example.com.");
  ASSERT_EQ(sig->size(), rrsig_rdata_size(signer.size()));
  // Every field, read back through the RRSIG presentation form (the signer name lowercased).
  const std::string text = dns::rdata_to_text(rt::kRRSIG, *sig).value();
  EXPECT_EQ(text.substr(0, text.find("example.com.") + 12),
            "A 13 3 300 1800000000 1700000000 " + std::to_string(key.key_tag()) + " example.com.")
      << text;
  EXPECT_TRUE(verify_rrset(set(owner, rt::kA, 300, rd), *sig, key));
  // The order of the RRs and duplicates do not change what is signed (RFC 4034 §6.3).
  const std::vector<std::string_view> reversed{a2, a1, a2};
  EXPECT_TRUE(verify_rrset(set(owner, rt::kA, 300, reversed), *sig, key));
  // A missing RR does.
  const std::vector<std::string_view> one{a1};
  EXPECT_FALSE(verify_rrset(set(owner, rt::kA, 300, one), *sig, key));
  // Another key with the same tag field would still fail on the signature.
  const Key other = Key::generate(kFlagsZsk).value();
  EXPECT_FALSE(verify_rrset(set(owner, rt::kA, 300, rd), *sig, other));
}

TEST(SignTest, NamesInsideRdataAreLowercasedForListedTypesOnly) {
  const Key key = Key::generate(kFlagsZsk).value();
  const std::string owner = wire("example.com.");
  // MX: its exchange is lowercased, so an uppercase copy verifies against a lowercase one.
  const std::string mx_upper = std::string("\0\x0a", 2) + raw_name({"MAIL", "Example", "com"});
  const std::string mx_lower = rdata(rt::kMX, "10 mail.example.com.");
  const std::vector<std::string_view> up{mx_upper}, low{mx_lower};
  auto sig = sign_rrset(set(owner, rt::kMX, 300, up), key, owner, kValid).value();
  EXPECT_TRUE(verify_rrset(set(owner, rt::kMX, 300, low), sig, key));
  // SRV, SOA and CNAME too.
  const std::string srv_upper = std::string("\0\x01\0\x02\0\x03", 6) + raw_name({"SIP", "Example", "com"});
  const std::string srv_lower = rdata(rt::kSRV, "1 2 3 sip.example.com.");
  const std::vector<std::string_view> su{srv_upper}, sl{srv_lower};
  EXPECT_TRUE(verify_rrset(set(owner, rt::kSRV, 300, sl),
                           sign_rrset(set(owner, rt::kSRV, 300, su), key, owner, kValid).value(), key));
  // NSEC's next name keeps its case (RFC 6840 §5.1): case changes the signed data.
  const std::string nsec_upper = raw_name({"A", "Example", "com"}) + std::string("\0\x01\x40", 3);
  const std::string nsec_lower = raw_name({"a", "example", "com"}) + std::string("\0\x01\x40", 3);
  const std::vector<std::string_view> nu{nsec_upper}, nl{nsec_lower};
  auto nsig = sign_rrset(set(owner, rt::kNSEC, 300, nu), key, owner, kValid).value();
  EXPECT_TRUE(verify_rrset(set(owner, rt::kNSEC, 300, nu), nsig, key));
  EXPECT_FALSE(verify_rrset(set(owner, rt::kNSEC, 300, nl), nsig, key));
  // TXT is text, not a name: its case is data.
  const std::string t1 = rdata(rt::kTXT, "\"ABC\""), t2 = rdata(rt::kTXT, "\"abc\"");
  const std::vector<std::string_view> tu{t1}, tl{t2};
  EXPECT_FALSE(verify_rrset(set(owner, rt::kTXT, 300, tl),
                            sign_rrset(set(owner, rt::kTXT, 300, tu), key, owner, kValid).value(), key));
}

TEST(SignTest, CanonicalRdata) {
  uint8_t out[300];
  const std::string soa = std::string(
                              "\x02NS\x07"
                              "Example\x03"
                              "COM\x00\x01H\x00",
                              19) +
                          std::string(20, '\x01');
  ASSERT_EQ(canonical_rdata(rt::kSOA, soa, out), soa.size());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 16), std::string("\x02ns\x07"
                                                                       "example\x03"
                                                                       "com\x00",
                                                                       16));
  EXPECT_EQ(out[17], 'h');
  // Malformed: a name that runs past the end, a compression pointer, trailing bytes.
  EXPECT_EQ(canonical_rdata(rt::kCNAME,
                            std::string("\x05"
                                        "ab",
                                        3),
                            out),
            0u);
  EXPECT_EQ(canonical_rdata(rt::kCNAME, std::string("\xc0\x0c", 2), out), 0u);
  EXPECT_EQ(canonical_rdata(rt::kCNAME,
                            std::string("\x01"
                                        "a\x00\x00",
                                        4),
                            out),
            0u);
  EXPECT_EQ(canonical_rdata(rt::kMX, std::string("\x00", 1), out), 0u);
  // Types without names are copied as they are.
  EXPECT_EQ(canonical_rdata(rt::kTXT,
                            "\x03"
                            "ABC",
                            out),
            4u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 4),
            "\x03"
            "ABC");
}

TEST(SignTest, WildcardLabels) {
  EXPECT_EQ(rrsig_labels(wire("*.example.com.")), 2u);
  EXPECT_EQ(rrsig_labels(wire("www.example.com.")), 3u);
  EXPECT_EQ(rrsig_labels(wire(".")), 0u);
  EXPECT_EQ(rrsig_labels(wire("*.")), 0u);
  const Key key = Key::generate(kFlagsZsk).value();
  const std::string wild = wire("*.example.com."), apex = wire("example.com.");
  const std::string a = rdata(rt::kA, "192.0.2.1");
  const std::vector<std::string_view> rd{a};
  auto sig = sign_rrset(set(wild, rt::kA, 60, rd), key, apex, kValid).value();
  EXPECT_EQ(static_cast<uint8_t>(sig[3]), 2);
  // The signature over the wildcard verifies at any expansion of it (RFC 4035 §5.3.2).
  EXPECT_TRUE(verify_rrset(set(wire("a.b.example.com."), rt::kA, 60, rd), sig, key));
  EXPECT_TRUE(verify_rrset(set(wire("x.example.com."), rt::kA, 60, rd), sig, key));
  // A signature over www.example.com (labels 3) does not stand for x.example.com.
  auto plain = sign_rrset(set(wire("www.example.com."), rt::kA, 60, rd), key, apex, kValid).value();
  EXPECT_FALSE(verify_rrset(set(wire("x.example.com."), rt::kA, 60, rd), plain, key));
  // Labels above the owner's count: refused.
  EXPECT_FALSE(verify_rrset(set(apex, rt::kA, 60, rd), plain, key));
}

TEST(SignTest, Errors) {
  const Key key = Key::generate(kFlagsZsk).value();
  const Key pub = Key::from_dnskey(key.dnskey_rdata()).value();
  const std::string owner = wire("example.com.");
  const std::string a = rdata(rt::kA, "192.0.2.1");
  const std::vector<std::string_view> rd{a}, none;
  EXPECT_NE(sign_rrset(set(owner, rt::kA, 60, rd), pub, owner, kValid).error().message.find("no private part"),
            std::string::npos);
  EXPECT_FALSE(sign_rrset(set(owner, rt::kA, 60, none), key, owner, kValid));
  const std::string bad_mx(
      "\x00\x0a\x05"
      "ab",
      5);
  const std::vector<std::string_view> bad{bad_mx};
  EXPECT_NE(sign_rrset(set(owner, rt::kMX, 60, bad), key, owner, kValid).error().message.find("malformed"),
            std::string::npos);
  Signer s;
  uint8_t small[40];
  EXPECT_FALSE(s.sign(set(owner, rt::kA, 60, rd), key, owner, kValid, small));
  // A truncated or mangled RRSIG.
  auto sig = sign_rrset(set(owner, rt::kA, 60, rd), key, owner, kValid).value();
  EXPECT_FALSE(verify_rrset(set(owner, rt::kA, 60, rd), sig.substr(0, 30), key));
  sig[2] = 8;
  EXPECT_NE(verify_rrset(set(owner, rt::kA, 60, rd), sig, key).error().message.find("algorithm"), std::string::npos);
}

TEST(SignTest, DerConversion) {
  uint8_t rs[64], back[64], der[80];
  for (int pattern = 0; pattern < 4; ++pattern) {
    for (int i = 0; i < 64; ++i) rs[i] = static_cast<uint8_t>(i * 7 + 3);
    if (pattern & 1) rs[0] = 0x80;                             // r needs a 0x00 pad
    if (pattern & 2) std::fill(rs + 32, rs + 35, uint8_t{0});  // s shorter than 32 octets
    const size_t n = rs_to_der(rs, der);
    ASSERT_TRUE(der_to_rs(std::span<const uint8_t>(der, n), back));
    EXPECT_EQ(std::vector<uint8_t>(rs, rs + 64), std::vector<uint8_t>(back, back + 64));
  }
  const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
  EXPECT_FALSE(der_to_rs(junk, back));
  const uint8_t wrong_len[] = {0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
  EXPECT_FALSE(der_to_rs(wrong_len, back));
}

TEST(SignTest, SigningAllocatesNothingOfItsOwnOnceWarm) {
  const Key key = Key::generate(kFlagsZsk).value();
  const std::string owner = wire("www.example.com."), apex = wire("example.com.");
  const std::string a1 = rdata(rt::kA, "192.0.2.1"), a2 = rdata(rt::kA, "192.0.2.2");
  const std::vector<std::string_view> rd{a2, a1};
  Signer s;
  uint8_t out[rrsig_rdata_size(255)];
  const RRsetRef r = set(owner, rt::kA, 60, rd);
  ASSERT_TRUE(s.sign(r, key, apex, kValid, out));  // warms the scratch and the key's context
  common::alloc_counter::allocations = 0;
  common::alloc_counter::counting = true;
  size_t ok = 0;
  for (int i = 0; i < 100; ++i) ok += s.sign(r, key, apex, kValid, out) ? 1 : 0;
  common::alloc_counter::counting = false;
  EXPECT_EQ(ok, 100u);
  EXPECT_EQ(common::alloc_counter::allocations, 0u);
  EXPECT_TRUE(s.verify(r, std::string_view(reinterpret_cast<char*>(out), rrsig_rdata_size(apex.size())), key));
}

}  // namespace
}  // namespace dnsedge::dnssec
