#include "dnssec/key.h"

#include <gtest/gtest.h>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::dnssec {
namespace {

// RFC 6605 §6.1.
constexpr char kRfcDnskey[] =
    "257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==";
constexpr char kRfcDigest[] = "B4C8C1FE2E7477127B27115656AD6256F424625BF5C1E2770CE6D6E37DF61D17";

std::string wire(std::string_view text) { return dns::name_from_text(text).value(); }
std::string rdata(uint16_t type, std::string_view text) { return dns::rdata_from_text(type, text, wire(".")).value(); }

TEST(KeyTest, Rfc6605KeyTagAndDs) {
  const std::string dnskey = rdata(dns::rrtype::kDNSKEY, kRfcDnskey);
  EXPECT_EQ(key_tag(dnskey), 55648);
  auto k = Key::from_dnskey(dnskey);
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->key_tag(), 55648);
  EXPECT_EQ(k->flags(), 257);
  EXPECT_TRUE(k->ksk());
  EXPECT_FALSE(k->has_private());
  EXPECT_EQ(k->dnskey_rdata(), dnskey);
  EXPECT_EQ(k->public_key_base64(),
            "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==");
  EXPECT_EQ(ds_digest_hex(wire("example.net."), dnskey), kRfcDigest);
  EXPECT_EQ(ds_text(wire("example.net."), 3600, dnskey),
            std::string("example.net. 3600 IN DS 55648 13 2 ") + kRfcDigest);
  // The owner is digested in canonical (lowercase) form.
  EXPECT_EQ(ds_digest_hex(wire("EXAMPLE.Net."), dnskey), kRfcDigest);
  EXPECT_EQ(ds_rdata(wire("example.net."), dnskey), rdata(dns::rrtype::kDS, std::string("55648 13 2 ") + kRfcDigest));
  EXPECT_EQ(cds_rdata(wire("example.net."), dnskey), ds_rdata(wire("example.net."), dnskey));
  EXPECT_EQ(cdnskey_rdata(*k), dnskey);
}

TEST(KeyTest, DeleteForms) {
  EXPECT_EQ(cds_delete_rdata(), rdata(rrtype::kCDS, "0 0 0 00"));
  EXPECT_EQ(cdnskey_delete_rdata(), rdata(rrtype::kCDNSKEY, "0 3 0 AA=="));
}

TEST(KeyTest, KeyTagRfc4034Example) {
  // RFC 4034 §5.4: the DS of dskey.example.com names key tag 60485.
  const std::string dnskey = rdata(dns::rrtype::kDNSKEY,
                                   "256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZ"
                                   "DRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9Xzc"
                                   "nOf+EPbtG9DMBmADjFDc2w/rljwvFw==");
  EXPECT_EQ(key_tag(dnskey), 60485);
}

TEST(KeyTest, GenerateAndPemRoundTrip) {
  auto k = Key::generate(kFlagsZsk);
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_TRUE(k->has_private());
  EXPECT_FALSE(k->ksk());
  const std::string dnskey = k->dnskey_rdata();
  ASSERT_EQ(dnskey.size(), kDnskeyRdataSize);
  EXPECT_EQ(static_cast<uint8_t>(dnskey[0]), 1);
  EXPECT_EQ(static_cast<uint8_t>(dnskey[1]), 0);
  EXPECT_EQ(dnskey[2], 3);
  EXPECT_EQ(dnskey[3], 13);
  auto pem = k->private_pem();
  ASSERT_TRUE(pem);
  EXPECT_NE(pem->find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto back = Key::from_pem(*pem, kFlagsZsk);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->dnskey_rdata(), dnskey);
  EXPECT_EQ(back->key_tag(), k->key_tag());
  // The public key alone has no PEM.
  auto pub = Key::from_dnskey(dnskey);
  ASSERT_TRUE(pub);
  EXPECT_FALSE(pub->private_pem());
  // Two keys differ.
  EXPECT_NE(Key::generate(kFlagsKsk)->dnskey_rdata().substr(4), dnskey.substr(4));
}

TEST(KeyTest, CorruptPrivateKeysFailClearly) {
  auto k = Key::generate(kFlagsKsk);
  ASSERT_TRUE(k);
  const std::string pem = k->private_pem().value();

  auto e1 = Key::from_pem("not a key", kFlagsKsk);
  ASSERT_FALSE(e1);
  EXPECT_NE(e1.error().message.find("not a PKCS#8 PEM"), std::string::npos) << e1.error().message;

  std::string bad = pem;
  bad[40] = bad[40] == 'A' ? 'B' : 'A';  // one base64 character inside the body
  bad[41] = '!';
  auto e2 = Key::from_pem(bad, kFlagsKsk);
  ASSERT_FALSE(e2);
  EXPECT_NE(e2.error().message.find("does not parse"), std::string::npos) << e2.error().message;

  std::string truncated = pem.substr(0, pem.size() / 2) + "\n-----END PRIVATE KEY-----\n";
  auto e3 = Key::from_pem(truncated, kFlagsKsk);
  ASSERT_FALSE(e3);
  EXPECT_NE(e3.error().message.find("DNSSEC private key"), std::string::npos);

  auto e4 = Key::from_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", 257);
  ASSERT_FALSE(e4);
  EXPECT_NE(e4.error().message.find("encrypted"), std::string::npos);

  // A P-384 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384) is the wrong curve.
  const char* p384 =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDC5yJy2MQp2Z0j16WWQ\n"
      "SGOP4hqP2d8Qs6p92MD+7BgmhLC98tFJt/07uotGUGn2s5ShZANiAAQ7YAxLuLCw\n"
      "L20jZ83yZuhGEKsJP0bfAT+m3nHA8K4cm5FIZfb2YsBt4g9ERVfw/AGXaIdyCfwb\n"
      "zJNGj95jgZrlPhN8PYxIw01yW9MspB+8ZTt+4/QGYHJRu/6R+4wrm2I=\n"
      "-----END PRIVATE KEY-----\n";
  auto e5 = Key::from_pem(p384, kFlagsKsk);
  ASSERT_FALSE(e5);
  EXPECT_NE(e5.error().message.find("not an ECDSA P-256 key"), std::string::npos) << e5.error().message;
  // No message quotes the key material.
  for (const auto* e : {&e1, &e2, &e3, &e4, &e5}) {
    EXPECT_EQ(e->error().message.find(pem.substr(30, 20)), std::string::npos);
  }
}

TEST(KeyTest, BadDnskeyRdata) {
  const std::string dnskey = rdata(dns::rrtype::kDNSKEY, kRfcDnskey);
  EXPECT_FALSE(Key::from_dnskey(dnskey.substr(0, 40)));
  std::string alg8 = dnskey;
  alg8[3] = 8;
  EXPECT_NE(Key::from_dnskey(alg8).error().message.find("algorithm"), std::string::npos);
  std::string off_curve = dnskey;
  off_curve[10] = static_cast<char>(off_curve[10] ^ 1);
  auto e = Key::from_dnskey(off_curve);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("P-256"), std::string::npos) << e.error().message;
}

}  // namespace
}  // namespace dnsedge::dnssec
