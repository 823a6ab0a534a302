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

// Messages without a question, judged as Knot DNS judges them (KNOT_BEHAVIOUR.md).
TEST(MessageTest, NoQuestion) {
  Query q;
  const auto header = [](uint8_t opcode, uint8_t an, uint8_t ar) {
    return std::vector<uint8_t>{0x12, 0x34, static_cast<uint8_t>(opcode << 3), 0, 0, 0, 0, an, 0, 0, 0, ar};
  };
  const std::vector<uint8_t> opt = {0, 0, 41, 4, 0xd0, 0, 1, 0x80, 0, 0, 0};  // version 1, DO
  const std::vector<uint8_t> a = {0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2, 1};
  const auto cat = [](std::vector<uint8_t> p, const std::vector<uint8_t>& tail) {
    p.insert(p.end(), tail.begin(), tail.end());
    return p;
  };
  EXPECT_EQ(parse_query(header(3, 0, 0), q), ParseStatus::kNotImp);   // an unknown opcode
  EXPECT_EQ(parse_query(header(4, 0, 0), q), ParseStatus::kFormErr);  // NOTIFY needs a question
  // A well-formed OPT is answered: FORMERR or NOTIMP with has_edns set.
  ASSERT_EQ(parse_query(cat(header(0, 0, 1), opt), q), ParseStatus::kFormErr);
  EXPECT_TRUE(q.has_edns);
  EXPECT_EQ(q.edns_version, 1);
  EXPECT_TRUE(q.edns_do);
  ASSERT_EQ(parse_query(cat(cat(header(15, 0, 2), a), opt), q), ParseStatus::kNotImp);
  EXPECT_TRUE(q.has_edns);
  EXPECT_FALSE(q.routable);
  // Records that fail to parse: FORMERR without EDNS, or a drop when the first one fails.
  ASSERT_EQ(parse_query(cat(cat(header(0, 0, 2), opt), opt), q), ParseStatus::kFormErr);
  EXPECT_FALSE(q.has_edns);
  EXPECT_EQ(parse_query(cat(header(0, 0, 1), opt), q), ParseStatus::kFormErr);
  ASSERT_EQ(parse_query(cat(cat(header(3, 0, 1), opt), {0}), q), ParseStatus::kFormErr);
  EXPECT_FALSE(q.has_edns);
  ASSERT_EQ(parse_query(cat(header(0, 1, 0), opt), q), ParseStatus::kFormErr);  // OPT as an answer
  EXPECT_FALSE(q.has_edns);
  EXPECT_EQ(parse_query(cat(header(3, 0, 0), {0}), q), ParseStatus::kDrop);
  EXPECT_EQ(parse_query(cat(header(0, 0, 1), {0, 0}), q), ParseStatus::kDrop);
}

// RFC 6891 §6.1.1: an OPT belongs in the additional section only.
TEST(MessageTest, OptOutsideAdditionalIsFormErr) {
  Query q;
  auto p = make_query("example.com.", rrtype::kA, -1, 0, false, 0x1800);  // opcode 3
  p[7] = 1;                                                               // ancount 1
  p.insert(p.end(), {0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(parse_query(p, q), ParseStatus::kFormErr);
  EXPECT_FALSE(q.has_edns);
  p[7] = 0;
  p[11] = 1;
  EXPECT_EQ(parse_query(p, q), ParseStatus::kNotImp);
  EXPECT_TRUE(q.has_edns);
}

TEST(MessageTest, UnknownOpcodeIsNotImp) {
  Query q;
  auto p = make_query("example.com.", rrtype::kA, -1, 0, false, 0x7800);  // opcode 15
  EXPECT_EQ(parse_query(p, q), ParseStatus::kNotImp);
  EXPECT_EQ(q.qname_len, 13u);
}

// A TSIG-shaped record (owner "k.", type TSIG, class ANY, some rdata) appended to the
// additional section: what the classification looks for, not a valid signature.
std::vector<uint8_t> with_tsig(std::vector<uint8_t> p) {
  p.insert(p.end(), {1, 'k', 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 3, 1, 2, 3});
  const uint16_t ar = static_cast<uint16_t>((p[10] << 8 | p[11]) + 1);
  p[10] = static_cast<uint8_t>(ar >> 8);
  p[11] = static_cast<uint8_t>(ar);
  return p;
}

QueryKind kind_of(std::span<const uint8_t> p, bool tcp) {
  Query q;
  (void)parse_query(p, q);
  return kind(q, tcp);
}

TEST(MessageTest, ClassifiesWhileParsing) {
  EXPECT_EQ(kind_of(make_query("example.com.", rrtype::kAXFR), true), QueryKind::kTransfer);
  EXPECT_EQ(kind_of(make_query("example.com.", rrtype::kAXFR), false), QueryKind::kAnswer);
  EXPECT_EQ(kind_of(make_query("example.com.", rrtype::kIXFR), false), QueryKind::kTransfer);
  EXPECT_EQ(kind_of(make_query("example.com.", rrtype::kA), false), QueryKind::kAnswer);
  EXPECT_EQ(kind_of(make_query("example.com.", rrtype::kSOA, -1, 0, false, 0x2000), false), QueryKind::kNotify);
  EXPECT_EQ(kind_of(with_tsig(make_query("example.com.", rrtype::kA)), false), QueryKind::kSigned);
  EXPECT_EQ(kind_of(with_tsig(make_query("example.com.", rrtype::kA, 1232)), true), QueryKind::kSigned);
  // A TSIG that is not the last record does not sign the query.
  auto first = with_tsig(make_query("example.com.", rrtype::kA));
  first.insert(first.end(), {0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0});
  first[11] = 2;
  EXPECT_EQ(kind_of(first, false), QueryKind::kAnswer);
  // A response, a runt and a header without a question are the answer engine's to judge.
  EXPECT_EQ(kind_of(make_query("example.com.", rrtype::kIXFR, -1, 0, false, 0x8000), false), QueryKind::kAnswer);
  const uint8_t runt[] = {1, 2, 3};
  EXPECT_EQ(kind_of(runt, true), QueryKind::kAnswer);
  auto cut = make_query("example.com.", rrtype::kAXFR);
  cut.resize(20);
  EXPECT_EQ(kind_of(cut, true), QueryKind::kAnswer);
}

// A message that fails to parse is still classified: a NOTIFY or transfer question followed
// by bad records, or a signed query with trailing bytes, goes where the transfer module's
// reading of it sends it.
TEST(MessageTest, ClassifiesMessagesThatFailToParse) {
  Query q;
  auto ixfr = make_query("example.com.", rrtype::kIXFR, 1232);
  ixfr.push_back(0);  // trailing byte
  EXPECT_EQ(parse_query(ixfr, q), ParseStatus::kFormErr);
  EXPECT_EQ(kind(q, false), QueryKind::kTransfer);
  auto signed_trailing = with_tsig(make_query("example.com.", rrtype::kA));
  signed_trailing.push_back(0);
  EXPECT_EQ(parse_query(signed_trailing, q), ParseStatus::kFormErr);
  EXPECT_EQ(kind(q, false), QueryKind::kSigned);
  // A bad OPT option before the TSIG.
  auto bad_opt = with_tsig(with_option(10, 3));
  EXPECT_EQ(parse_query(bad_opt, q), ParseStatus::kFormErr);
  EXPECT_EQ(kind(q, true), QueryKind::kSigned);
  // A question name longer than 255 octets: dropped by the parser, still a NOTIFY.
  std::vector<uint8_t> longname = {0, 1, 0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 5; ++i) {
    longname.push_back(60);
    longname.insert(longname.end(), 60, 'a');
  }
  longname.insert(longname.end(), {0, 0, 6, 0, 1});
  EXPECT_EQ(parse_query(longname, q), ParseStatus::kDrop);
  EXPECT_EQ(kind(q, false), QueryKind::kNotify);
}

// The classification reads a message as the transfer module's lenient reader does: names are
// skipped, not checked. This reader, written out here, is the reference for any input.
QueryKind reference_kind(std::span<const uint8_t> m, bool tcp) {
  const auto rd = [&](size_t o) { return static_cast<uint16_t>(m[o] << 8 | m[o + 1]); };
  const auto skip = [&](size_t off) -> size_t {
    for (int labels = 0; labels < 128; ++labels) {
      if (off >= m.size()) return 0;
      const uint8_t len = m[off];
      if (len == 0) return off + 1;
      if ((len & 0xC0) == 0xC0) return off + 2 <= m.size() ? off + 2 : 0;
      if (len & 0xC0) return 0;
      off += 1 + len;
    }
    return 0;
  };
  if (m.size() < kHeaderSize || (m[2] & 0x80) || rd(4) != 1) return QueryKind::kAnswer;
  const size_t n = skip(kHeaderSize);
  if (n == 0 || n + 4 > m.size()) return QueryKind::kAnswer;
  for (size_t i = kHeaderSize; i < n - 1; i += 1 + m[i]) {
    if (m[i] & 0xC0) return QueryKind::kAnswer;
  }
  if (((m[2] >> 3) & 0xF) == opcode::kNotify) return QueryKind::kNotify;
  const uint16_t qtype = rd(n);
  const unsigned records = unsigned{rd(6)} + rd(8) + rd(10);
  bool tsig = false;
  size_t off = n + 4;
  for (unsigned i = 0; i < records; ++i) {
    off = skip(off);
    if (off == 0 || off + 10 > m.size()) {
      tsig = false;
      break;
    }
    const uint16_t type = rd(off);
    off += 10 + size_t{rd(off + 8)};
    if (off > m.size()) {
      tsig = false;
      break;
    }
    tsig = type == rrtype::kTSIG && i + 1 == records && rd(10) > 0;
  }
  if (qtype == rrtype::kIXFR || (qtype == rrtype::kAXFR && tcp)) return QueryKind::kTransfer;
  return tsig ? QueryKind::kSigned : QueryKind::kAnswer;
}

TEST(MessageTest, ClassificationMatchesTheLenientReaderOnMutatedMessages) {
  std::vector<std::vector<uint8_t>> seeds = {
      make_query("example.com.", rrtype::kA),
      make_query("a.example.com.", rrtype::kIXFR, 1232),
      make_query("example.com.", rrtype::kAXFR),
      make_query("example.com.", rrtype::kSOA, -1, 0, false, 0x2000),
      with_tsig(make_query("example.com.", rrtype::kA)),
      with_tsig(make_query("example.com.", rrtype::kAXFR, 4096)),
      with_tsig(with_option(10, 8)),
  };
  uint64_t x = 0x9e3779b97f4a7c15u;
  const auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  size_t checked = 0, handed_over = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> m = seeds[next() % seeds.size()];
    for (unsigned flips = 1 + next() % 3; flips > 0; --flips) {
      const uint64_t r = next();
      switch (r % 4) {
        case 0: m[r / 4 % m.size()] = static_cast<uint8_t>(r >> 32); break;
        case 1: m.resize(r / 4 % m.size()); break;
        case 2: m.push_back(static_cast<uint8_t>(r >> 32)); break;
        default: if (m.size() > 11) m[r / 4 % 12] ^= static_cast<uint8_t>(1u << (r >> 32) % 8); break;
      }
      if (m.empty()) m.push_back(0);
    }
    for (bool tcp : {false, true}) {
      const QueryKind want = reference_kind(m, tcp);
      ASSERT_EQ(kind_of(m, tcp), want) << "round " << round << " tcp " << tcp;
      handed_over += want != QueryKind::kAnswer;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 40000u);
  EXPECT_GT(handed_over, 1000u);  // the mutations reach every branch, not only kAnswer
}

}  // namespace
}  // namespace dnsedge::dns
