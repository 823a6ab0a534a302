#include "edge/client_hello.h"

#include <gtest/gtest.h>

#include <random>

namespace dnsedge::edge::tls {
namespace {

void u8(std::string& s, unsigned v) { s.push_back(static_cast<char>(v)); }
void u16(std::string& s, unsigned v) {
  u8(s, v >> 8);
  u8(s, v & 0xff);
}

// A TLS 1.3-style ClientHello body with the given extensions block contents.
std::string hello_body(const std::string& extensions, bool with_ext_block = true) {
  std::string b;
  u16(b, 0x0303);
  b.append(32, 'r');
  u8(b, 32);
  b.append(32, 's');  // session id
  u16(b, 4);
  u16(b, 0x1301);
  u16(b, 0x1302);
  u8(b, 1);
  u8(b, 0);  // null compression
  if (with_ext_block) {
    u16(b, static_cast<unsigned>(extensions.size()));
    b += extensions;
  }
  return b;
}

std::string sni_ext(const std::string& name) {
  std::string e;
  u16(e, 0);  // server_name
  u16(e, static_cast<unsigned>(name.size() + 5));
  u16(e, static_cast<unsigned>(name.size() + 3));
  u8(e, 0);  // host_name
  u16(e, static_cast<unsigned>(name.size()));
  e += name;
  return e;
}

std::string other_ext() {
  std::string e;
  u16(e, 43);  // supported_versions
  u16(e, 3);
  u8(e, 2);
  u16(e, 0x0304);
  return e;
}

std::string handshake(const std::string& body) {
  std::string h;
  u8(h, 1);
  u8(h, static_cast<unsigned>(body.size() >> 16));
  u16(h, static_cast<unsigned>(body.size() & 0xffff));
  return h + body;
}

// Splits a handshake message into records of at most `max` octets.
std::string records(const std::string& hs, size_t max = 16384) {
  std::string out;
  for (size_t i = 0; i < hs.size(); i += max) {
    const std::string frag = hs.substr(i, max);
    u8(out, 22);
    u16(out, 0x0301);
    u16(out, static_cast<unsigned>(frag.size()));
    out += frag;
  }
  return out;
}

HelloStatus parse(const std::string& data, std::string* sni_out = nullptr) {
  std::string scratch;
  std::string_view sni;
  const HelloStatus s = parse_client_hello(data, &scratch, &sni);
  if (sni_out && s == HelloStatus::kOk) *sni_out = std::string(sni);
  return s;
}

TEST(ClientHelloTest, ReadsTheServerName) {
  const std::string data = records(handshake(hello_body(other_ext() + sni_ext("www.example.com") + other_ext())));
  std::string sni;
  ASSERT_EQ(parse(data, &sni), HelloStatus::kOk);
  EXPECT_EQ(sni, "www.example.com");
  ASSERT_EQ(parse(data + "trailing application bytes", &sni), HelloStatus::kOk);
}

TEST(ClientHelloTest, ReassemblesAMessageSplitOverRecords) {
  const std::string hs = handshake(hello_body(other_ext() + sni_ext("split.example.com")));
  for (size_t max : {1u, 2u, 3u, 50u, 100u}) {
    std::string sni;
    ASSERT_EQ(parse(records(hs, max), &sni), HelloStatus::kOk) << max;
    EXPECT_EQ(sni, "split.example.com");
  }
}

TEST(ClientHelloTest, EveryPrefixIsIncomplete) {
  const std::string data = records(handshake(hello_body(sni_ext("www.example.com"))), 60);
  for (size_t n = 0; n < data.size(); ++n) {
    EXPECT_EQ(parse(data.substr(0, n)), HelloStatus::kIncomplete) << n;
  }
}

TEST(ClientHelloTest, NoServerName) {
  EXPECT_EQ(parse(records(handshake(hello_body(other_ext())))), HelloStatus::kNoSni);
  EXPECT_EQ(parse(records(handshake(hello_body("", false)))), HelloStatus::kNoSni);
}

TEST(ClientHelloTest, RejectsGarbage) {
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), HelloStatus::kMalformed);
  EXPECT_EQ(parse(std::string("\x80\x2e\x01\x03\x01", 5)), HelloStatus::kMalformed);  // SSLv2 hello
  EXPECT_EQ(parse(std::string("\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00", 10)), HelloStatus::kMalformed);  // ServerHello
  EXPECT_EQ(parse(std::string("\x16\x03\x01\x00\x00", 5)), HelloStatus::kMalformed);  // empty record
  EXPECT_EQ(parse(std::string("\x16\x03\x01\x50\x00", 5)), HelloStatus::kMalformed);  // record too long
  EXPECT_EQ(parse(std::string("\x16\x03\x01\x00\x10\x02", 6)), HelloStatus::kMalformed);  // early reject
  // Inconsistent lengths inside the message.
  std::string body = hello_body(sni_ext("www.example.com"));
  body[body.size() - 1] = 'x';
  EXPECT_EQ(parse(records(handshake(body))), HelloStatus::kOk);  // the name changed only
  std::string bad_ext = hello_body(sni_ext("www.example.com"));
  bad_ext[2 + 32 + 1 + 32 + 2 + 4 + 1 + 1 + 1] ^= 0x01;  // the extensions length
  EXPECT_EQ(parse(records(handshake(bad_ext))), HelloStatus::kMalformed);
  EXPECT_EQ(parse(records(handshake(hello_body(sni_ext("bad name.example"))))), HelloStatus::kMalformed);
  EXPECT_EQ(parse(records(handshake(hello_body(sni_ext("a..b"))))), HelloStatus::kMalformed);
  EXPECT_EQ(parse(records(handshake(hello_body(sni_ext("x") + sni_ext("y"))))), HelloStatus::kMalformed);
}

TEST(ClientHelloTest, RandomMutationsNeverCrash) {
  const std::string good = records(handshake(hello_body(other_ext() + sni_ext("www.example.com"))), 70);
  std::mt19937 rng(7);
  for (int i = 0; i < 50000; ++i) {
    std::string s = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) s[rng() % s.size()] = static_cast<char>(rng());
    s.resize(rng() % (s.size() + 1));
    (void)parse(s);
  }
}

TEST(ClientHelloTest, AlertsAreFatalAlertRecords) {
  const std::string_view a = fatal_alert(112);
  ASSERT_EQ(a.size(), 7u);
  EXPECT_EQ(a[0], 0x15);
  EXPECT_EQ(a[5], 2);
  EXPECT_EQ(static_cast<unsigned char>(a[6]), 112);
}

}  // namespace
}  // namespace dnsedge::edge::tls
