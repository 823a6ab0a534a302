#include "dns/name.h"

#include <gtest/gtest.h>

#include <vector>

namespace dnsedge::dns {
namespace {

std::string W(const char* text) { return name_from_text(text).value(); }

TEST(NameTest, FromTextAbsoluteRelativeAndAt) {
  EXPECT_EQ(W("www.Example.COM."), std::string("\3www\7example\3com\0", 17));
  const std::string origin = W("example.com.");
  EXPECT_EQ(name_from_text("www", origin).value(), W("www.example.com."));
  EXPECT_EQ(name_from_text("@", origin).value(), origin);
  EXPECT_EQ(W("."), std::string(1, '\0'));
}

TEST(NameTest, FromTextRejectsBadNames) {
  EXPECT_FALSE(name_from_text("a..b."));
  EXPECT_FALSE(name_from_text(std::string(64, 'a') + "."));
  EXPECT_FALSE(name_from_text("relative"));
  std::string long_name;
  for (int i = 0; i < 60; ++i) long_name += "abcd.";
  EXPECT_FALSE(name_from_text(long_name));
}

TEST(NameTest, TextRoundTripWithEscapes) {
  const std::string w = W("a\\.b.c\\032d.example.");
  EXPECT_EQ(w, std::string("\3a.b\3c d\7example\0", 17));
  EXPECT_EQ(name_to_text(w), "a\\.b.c\\032d.example.");
}

TEST(NameTest, ReadNameFollowsBackwardPointersAndLowercases) {
  // header(12) + "\3WWW\7example\3com\0" + pointer to offset 16 ("example.com")
  std::vector<uint8_t> pkt(12, 0);
  const std::string n("\3WWW\7example\3com\0", 17);
  pkt.insert(pkt.end(), n.begin(), n.end());
  pkt.push_back(0xC0);
  pkt.push_back(16);
  uint8_t out[kMaxNameLen];
  size_t pos = 12;
  ASSERT_EQ(read_name(pkt, &pos, out, true), 17u);
  EXPECT_EQ(as_view(out, 17), W("www.example.com."));
  EXPECT_EQ(pos, 29u);
  pos = 29;
  ASSERT_EQ(read_name(pkt, &pos, out, true), 13u);
  EXPECT_EQ(as_view(out, 13), W("example.com."));
  EXPECT_EQ(pos, 31u);
}

TEST(NameTest, ReadNameRejectsLoopsForwardPointersAndTruncation) {
  uint8_t out[kMaxNameLen];
  std::vector<uint8_t> self(12, 0);
  self.push_back(0xC0);
  self.push_back(12);  // points at itself
  size_t pos = 12;
  EXPECT_EQ(read_name(self, &pos, out, true), 0u);
  std::vector<uint8_t> fwd(12, 0);
  fwd.insert(fwd.end(), {0xC0, 14, 1, 'a', 0});
  pos = 12;
  EXPECT_EQ(read_name(fwd, &pos, out, true), 0u);
  std::vector<uint8_t> cut(12, 0);
  cut.insert(cut.end(), {3, 'a', 'b'});
  pos = 12;
  EXPECT_EQ(read_name(cut, &pos, out, true), 0u);
  std::vector<uint8_t> reserved(12, 0);
  reserved.insert(reserved.end(), {0x41, 0});
  pos = 12;
  EXPECT_EQ(read_name(reserved, &pos, out, true), 0u);
  // Two pointers pointing at each other.
  std::vector<uint8_t> pingpong(12, 0);
  pingpong.insert(pingpong.end(), {1, 'a', 0xC0, 16, 0xC0, 12});
  pos = 16;
  EXPECT_EQ(read_name(pingpong, &pos, out, true), 0u);
}

TEST(NameTest, ReadNameRejectsOverlongDecompressedName) {
  // 5 labels of 63 octets via pointers chained backwards exceed 255.
  std::vector<uint8_t> pkt(12, 0);
  size_t prev = 0;
  for (int i = 0; i < 5; ++i) {
    const size_t here = pkt.size();
    pkt.push_back(63);
    pkt.insert(pkt.end(), 63, 'x');
    if (i == 0) {
      pkt.push_back(0);
    } else {
      pkt.push_back(static_cast<uint8_t>(0xC0 | (prev >> 8)));
      pkt.push_back(static_cast<uint8_t>(prev & 0xff));
    }
    prev = here;
  }
  uint8_t out[kMaxNameLen];
  size_t pos = prev;
  EXPECT_EQ(read_name(pkt, &pos, out, true), 0u);
}

TEST(NameTest, SubdomainAndParent) {
  EXPECT_TRUE(is_subdomain(W("a.b.example.com."), W("example.com.")));
  EXPECT_TRUE(is_subdomain(W("example.com."), W("example.com.")));
  EXPECT_FALSE(is_subdomain(W("badexample.com."), W("example.com.")));
  EXPECT_FALSE(is_subdomain(W("com."), W("example.com.")));
  EXPECT_EQ(parent(W("a.example.com.")), W("example.com."));
  EXPECT_EQ(label_count(as_bytes(W("a.example.com."))), 3u);
}

}  // namespace
}  // namespace dnsedge::dns
