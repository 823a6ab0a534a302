#include "common/ascii.h"

#include <gtest/gtest.h>

namespace dnsedge::common {
namespace {

TEST(AsciiLowerTest, FoldsOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower(std::string_view("Mail.EXAMPLE.com-09_@[`{Z")), "mail.example.com-09_@[`{z");
  EXPECT_EQ(ascii_lower(std::string_view("")), "");
  // Bytes outside ASCII (here UTF-8 "É") are kept as they are.
  EXPECT_EQ(ascii_lower(std::string_view("\xc3\x89T\xc3\xa9")), "\xc3\x89t\xc3\xa9");
  static_assert(ascii_lower('Q') == 'q' && ascii_lower('q') == 'q' && ascii_lower('@') == '@');
}

TEST(AsciiLowerTest, KeepsEmbeddedNulBytes) {
  const std::string wire("\x03WWW\x00", 5);
  EXPECT_EQ(ascii_lower(wire), std::string("\x03www\x00", 5));
}

}  // namespace
}  // namespace dnsedge::common
