#include "dns/cookie.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

namespace dnsedge::dns::cookie {
namespace {

std::vector<uint8_t> unhex(const std::string& s) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return out;
}

Secret secret_of(const std::string& hex) {
  Secret s{};
  const auto b = unhex(hex);
  std::copy(b.begin(), b.end(), s.begin());
  return s;
}

std::vector<uint8_t> ip(const char* text) {
  uint8_t buf[16];
  if (inet_pton(AF_INET, text, buf) == 1) return {buf, buf + 4};
  EXPECT_EQ(inet_pton(AF_INET6, text, buf), 1) << text;
  return {buf, buf + 16};
}

Secret sequential_key() {
  Secret k{};
  for (int i = 0; i < 16; ++i) k[i] = static_cast<uint8_t>(i);
  return k;
}

// The reference vectors of the SipHash paper (key 00..0f, message 00..len-1).
TEST(SipHashTest, ReferenceVectors) {
  const Secret k = sequential_key();
  std::vector<uint8_t> m;
  EXPECT_EQ(siphash24(k, m), 0x726fdb47dd0e0e31ull);
  m.push_back(0);
  EXPECT_EQ(siphash24(k, m), 0x74f839c593dc67fdull);
  for (uint8_t i = 1; i < 15; ++i) m.push_back(i);
  EXPECT_EQ(siphash24(k, m), 0xa129ca6149be45e5ull);  // the paper's worked example
}

// Every length from 0 to 64 octets agrees with OpenSSL's SIPHASH (c=2, d=4, 8-octet output).
TEST(SipHashTest, AgreesWithOpenSsl) {
  const Secret k = sequential_key();
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  ASSERT_NE(mac, nullptr);
  std::vector<uint8_t> m;
  for (int len = 0; len <= 64; ++len) {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    size_t size = 8;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
    ASSERT_EQ(EVP_MAC_init(ctx, k.data(), k.size(), params), 1);
    ASSERT_EQ(EVP_MAC_update(ctx, m.data(), m.size()), 1);
    uint8_t out[8];
    size_t outlen = 0;
    ASSERT_EQ(EVP_MAC_final(ctx, out, &outlen, sizeof out), 1);
    ASSERT_EQ(outlen, 8u);
    uint64_t want = 0;
    for (int i = 7; i >= 0; --i) want = (want << 8) | out[i];
    EXPECT_EQ(siphash24(k, m), want) << "length " << len;
    EVP_MAC_CTX_free(ctx);
    m.push_back(static_cast<uint8_t>(len));
  }
  EVP_MAC_free(mac);
}

struct Vector {
  const char* name;
  const char* secret;
  const char* client;
  const char* ip;
  uint32_t now;
  const char* server;  // the server cookie the server hands out
};

// RFC 9018 Appendix A: the server cookies of its four examples.
TEST(CookieTest, Rfc9018AppendixA) {
  const Vector vectors[] = {
      {"A.1 learning a new server cookie", "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100",
       1559731985, "010000005cf79f111f8130c3eee29480"},
      {"A.2 the same client, renewed", "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100",
       1559734385, "010000005cf7a871d4a564a1442aca77"},
      {"A.3 another client, renewed", "e5e973e5a6b2a43f48e7dc849e37bfcf", "fc93fc62807ddb86", "203.0.113.203",
       1559734700, "010000005cf7a9acf73a7810aca2381e"},
      {"A.4 IPv6 client after a secret rollover", "445536bcd2513298075a5d379663c962", "22681ab97d52c298",
       "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961, "010000005cf7c609a6bb79d16625507a"},
  };
  for (const Vector& v : vectors) {
    const auto client = unhex(v.client);
    uint8_t out[kServerLen];
    make_server_cookie(secret_of(v.secret), client.data(), ip(v.ip), v.now, out);
    EXPECT_EQ(std::vector<uint8_t>(out, out + kServerLen), unhex(v.server)) << v.name;
    // What we hand out validates, from the same address only.
    EXPECT_TRUE(server_cookie_valid(secret_of(v.secret), client.data(), unhex(v.server), ip(v.ip), v.now)) << v.name;
    EXPECT_FALSE(server_cookie_valid(secret_of(v.secret), client.data(), unhex(v.server), ip("192.0.2.1"), v.now))
        << v.name;
  }
}

// RFC 9018 A.2-A.4: the cookies the clients send back are ours (A.3 with non-zero reserved
// octets, hashed as received; A.4 made with the previous secret, not the new one). A.3's
// cookie is checked at its own timestamp: at the example's query time it is 1h52m old, past
// the one-hour lifetime, and a new one is handed out.
TEST(CookieTest, Rfc9018CookiesSentBack) {
  const auto c1 = unhex("2464c4abcf10c957");
  EXPECT_TRUE(server_cookie_valid(secret_of("e5e973e5a6b2a43f48e7dc849e37bfcf"), c1.data(),
                                  unhex("010000005cf79f111f8130c3eee29480"), ip("198.51.100.100"), 1559734385));
  const auto c3 = unhex("fc93fc62807ddb86");
  EXPECT_TRUE(server_cookie_valid(secret_of("e5e973e5a6b2a43f48e7dc849e37bfcf"), c3.data(),
                                  unhex("01abcdef5cf78f71a314227b6679ebf5"), ip("203.0.113.203"), 0x5cf78f71));
  EXPECT_FALSE(server_cookie_valid(secret_of("e5e973e5a6b2a43f48e7dc849e37bfcf"), c3.data(),
                                   unhex("01abcdef5cf78f71a314227b6679ebf5"), ip("203.0.113.203"), 1559734700));
  const auto c4 = unhex("22681ab97d52c298");
  const auto sent4 = unhex("010000005cf7c57926556bd0934c72f8");
  EXPECT_TRUE(server_cookie_valid(secret_of("dd3bdf9344b678b185a6f5cb60fca715"), c4.data(), sent4,
                                  ip("2001:db8:220:1:59de:d0f4:8769:82b8"), 1559741961));
  EXPECT_FALSE(server_cookie_valid(secret_of("445536bcd2513298075a5d379663c962"), c4.data(), sent4,
                                   ip("2001:db8:220:1:59de:d0f4:8769:82b8"), 1559741961));
}

TEST(CookieTest, ValidityWindow) {
  const Secret s = secret_of("e5e973e5a6b2a43f48e7dc849e37bfcf");
  const auto client = unhex("2464c4abcf10c957");
  const auto addr = ip("198.51.100.100");
  const uint32_t t = 1559731985;
  uint8_t sc[kServerLen];
  make_server_cookie(s, client.data(), addr, t, sc);
  const std::span<const uint8_t> server(sc, kServerLen);
  EXPECT_TRUE(server_cookie_valid(s, client.data(), server, addr, t + 3600));
  EXPECT_FALSE(server_cookie_valid(s, client.data(), server, addr, t + 3601));  // older than an hour
  EXPECT_TRUE(server_cookie_valid(s, client.data(), server, addr, t - 300));
  EXPECT_FALSE(server_cookie_valid(s, client.data(), server, addr, t - 301));  // from the future
  // Across the 2^32 wrap of the timestamp.
  EXPECT_TRUE(timestamp_usable(4294964696u, 1000));
  EXPECT_FALSE(timestamp_usable(4294964696u, 1001));
  // Another client cookie, a flipped hash bit, another version: not ours.
  auto other = client;
  other[0] ^= 1;
  EXPECT_FALSE(server_cookie_valid(s, other.data(), server, addr, t));
  sc[15] ^= 1;
  EXPECT_FALSE(server_cookie_valid(s, client.data(), server, addr, t));
  sc[15] ^= 1;
  sc[0] = 2;
  EXPECT_FALSE(server_cookie_valid(s, client.data(), server, addr, t));
}

TEST(CookieTest, OptionLengths) {
  for (size_t len = 0; len <= 48; ++len) {
    const bool want = len == 8 || (len >= 16 && len <= 40);
    EXPECT_EQ(well_formed_length(len), want) << len;
  }
}

}  // namespace
}  // namespace dnsedge::dns::cookie
