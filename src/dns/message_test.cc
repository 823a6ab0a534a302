#include "dns/message.h"

#include <gtest/gtest.h>

#include <vector>

#include "dns/name.h"

namespace dnsedge::dns {
namespace {

std::vector<uint8_t> make_query(const char* qname, uint16_t qtype, int edns_size = -1,
                                uint8_t version = 0, bool do_bit = false, uint16_t flags = 0x0100) {
  std::vector<uint8_t> p = {0x12, 0x34, static_cast<uint8_t>(flags >> 8), static_cast<uint8_t>(flags),
                            0, 1, 0, 0, 0, 0, 0, static_cast<uint8_t>(edns_size >= 0 ? 1 : 0)};
  const std::string n = name_from_text(qname).value();
  const std::string text(qname);
  size_t t = 0;  // copy the labels in the caller's case
  for (size_t i = 0; i < n.size(); i += static_cast<uint8_t>(n[i]) + 1) {
    p.push_back(static_cast<uint8_t>(n[i]));
    for (int k = 0; k < n[i]; ++k) p.push_back(static_cast<uint8_t>(text[t + k]));
    t += static_cast<size_t>(n[i]) + 1;
  }
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  if (edns_size >= 0) {
    p.insert(p.end(), {0, 0, 41, static_cast<uint8_t>(edns_size >> 8), static_cast<uint8_t>(edns_size), 0,
                       version, static_cast<uint8_t>(do_bit ? 0x80 : 0), 0, 0, 0});
  }
  return p;
}

TEST(MessageTest, ParsesQuestionAndLowercasesQname) {
  auto p = make_query("WWW.Example.com.", rrtype::kAAAA);
  Query q;
  ASSERT_EQ(parse_query(p, q), ParseStatus::kOk);
  EXPECT_EQ(q.id, 0x1234);
  EXPECT_EQ(q.qtype, rrtype::kAAAA);
  EXPECT_EQ(q.qclass, rrclass::kIN);
  EXPECT_EQ(as_view(q.qname, q.qname_len), name_from_text("www.example.com.").value());
  EXPECT_EQ(q.qname_wire[1], 'W');  // the packet's own bytes keep the client's case
  EXPECT_FALSE(q.has_edns);
  EXPECT_EQ(q.question_end, p.size());
}

TEST(MessageTest, ParsesEdns) {
  auto p = make_query("example.com.", rrtype::kA, 4096, 0, true);
  Query q;
  ASSERT_EQ(parse_query(p, q), ParseStatus::kOk);
  EXPECT_TRUE(q.has_edns);
  EXPECT_EQ(q.edns_udp_size, 4096);
  EXPECT_TRUE(q.edns_do);
  EXPECT_EQ(q.edns_version, 0);
  auto v1 = make_query("example.com.", rrtype::kA, 1232, 1);
  ASSERT_EQ(parse_query(v1, q), ParseStatus::kOk);
  EXPECT_EQ(q.edns_version, 1);
}

TEST(MessageTest, DropsResponsesAndRunts) {
  Query q;
  auto resp = make_query("example.com.", rrtype::kA, -1, 0, false, 0x8000);
  EXPECT_EQ(parse_query(resp, q), ParseStatus::kDrop);
  std::vector<uint8_t> runt(11, 0);
  EXPECT_EQ(parse_query(runt, q), ParseStatus::kDrop);
}

TEST(MessageTest, FormErrCases) {
  Query q;
  auto p = make_query("example.com.", rrtype::kA);
  // As Knot DNS: an unparseable question is dropped, a bare header is FORMERR.
  p[5] = 2;  // qdcount 2 with one question
  EXPECT_EQ(parse_query(p, q), ParseStatus::kDrop);
  p[5] = 0;
  EXPECT_EQ(parse_query(p, q), ParseStatus::kDrop);
  std::vector<uint8_t> header_only(p.begin(), p.begin() + 12);
  EXPECT_EQ(parse_query(header_only, q), ParseStatus::kFormErr);
  auto trunc = make_query("example.com.", rrtype::kA);
  trunc.resize(trunc.size() - 2);
  EXPECT_EQ(parse_query(trunc, q), ParseStatus::kDrop);
  auto trailing = make_query("example.com.", rrtype::kA);
  trailing.push_back(0);
  EXPECT_EQ(parse_query(trailing, q), ParseStatus::kFormErr);
  EXPECT_EQ(q.question_end, trailing.size() - 1);  // the question is still echoed
  // Two OPT records.
  auto two = make_query("example.com.", rrtype::kA, 1232);
  two[11] = 2;
  two.insert(two.end(), {0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(parse_query(two, q), ParseStatus::kFormErr);
  // OPT with a malformed option.
  auto badopt = make_query("example.com.", rrtype::kA, 1232);
  badopt[badopt.size() - 1] = 3;
  badopt.insert(badopt.end(), {0, 10, 0});
  EXPECT_EQ(parse_query(badopt, q), ParseStatus::kFormErr);
}

// A query with an OPT carrying one option `code` of `len` octets (0x11 each).
std::vector<uint8_t> with_option(uint16_t code, size_t len) {
  auto p = make_query("example.com.", 1, 1232);
  const size_t rdlen = 4 + len;
  p[p.size() - 2] = static_cast<uint8_t>(rdlen >> 8);
  p[p.size() - 1] = static_cast<uint8_t>(rdlen);
  p.insert(p.end(), {static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code), static_cast<uint8_t>(len >> 8),
                     static_cast<uint8_t>(len)});
  p.insert(p.end(), len, 0x11);
  return p;
}

// RFC 7873 §5.2.2: a COOKIE of 8 octets (client cookie) or 16..40 (with a server cookie) is
// parsed; any other length is FORMERR.
TEST(MessageTest, CookieOption) {
  Query q;
  for (size_t len = 0; len <= 44; ++len) {
    const auto p = with_option(10, len);
    const bool good = len == 8 || (len >= 16 && len <= 40);
    ASSERT_EQ(parse_query(p, q), good ? ParseStatus::kOk : ParseStatus::kFormErr) << len;
    if (good) {
      EXPECT_EQ(q.cookie_len, len);
      EXPECT_EQ(q.cookie, p.data() + p.size() - len);
    }
  }
  // Another option is not a cookie.
  ASSERT_EQ(parse_query(with_option(8, 9), q), ParseStatus::kOk);
  EXPECT_EQ(q.cookie, nullptr);
  EXPECT_EQ(q.cookie_len, 0u);
}

TEST(MessageTest, UnknownOpcodeIsNotImp) {
  Query q;
  auto p = make_query("example.com.", rrtype::kA, -1, 0, false, 0x7800);  // opcode 15
  EXPECT_EQ(parse_query(p, q), ParseStatus::kNotImp);
  EXPECT_EQ(q.qname_len, 13u);
}

}  // namespace
}  // namespace dnsedge::dns
