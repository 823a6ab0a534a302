#include "view/append_buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace dnsedge::view {
namespace {

std::string str(const AppendBuffer<char>& b) { return std::string(b.view()); }

TEST(AppendBuffer, AChildAppendsInPlaceWithoutChangingItsParent) {
  AppendBuffer<char> parent;
  parent.append(std::string_view("abc"));
  parent.reserve(100);
  const char* block = parent.data();
  AppendBuffer<char> child = parent;
  child.append(std::string_view("def"));
  EXPECT_EQ(child.data(), block);  // the same block: nothing copied
  EXPECT_EQ(str(parent), "abc");
  EXPECT_EQ(str(child), "abcdef");
}

TEST(AppendBuffer, ASecondChildOfTheSameParentCopies) {
  AppendBuffer<char> parent;
  parent.append(std::string_view("abc"));
  parent.reserve(100);
  AppendBuffer<char> first = parent;
  first.append(std::string_view("XYZ"));
  AppendBuffer<char> second = parent;
  second.append(std::string_view("123"));
  EXPECT_NE(second.data(), first.data());
  EXPECT_EQ(str(first), "abcXYZ");
  EXPECT_EQ(str(second), "abc123");
  EXPECT_EQ(str(parent), "abc");
  // The parent itself is no longer the tip either.
  parent.push_back('!');
  EXPECT_EQ(str(parent), "abc!");
  EXPECT_EQ(str(first), "abcXYZ");
}

TEST(AppendBuffer, WritingASharedElementCopiesFirst) {
  AppendBuffer<char> parent;
  parent.append(std::string_view("abc"));
  AppendBuffer<char> child = parent;
  child.mut(1) = 'B';
  EXPECT_EQ(str(parent), "abc");
  EXPECT_EQ(str(child), "aBc");
  // Its own appended elements are written in place.
  child.reserve(10);
  child.push_back('d');
  const char* block = child.data();
  child.mut(3) = 'D';
  EXPECT_EQ(child.data(), block);
  EXPECT_EQ(str(child), "aBcD");
}

TEST(AppendBuffer, ShrinkingGivesBackOnlyItsOwnTail) {
  AppendBuffer<uint32_t> parent;
  for (uint32_t i = 0; i < 4; ++i) parent.push_back(i);
  parent.reserve(64);
  AppendBuffer<uint32_t> child = parent;
  child.push_back(4);
  child.push_back(5);
  child.resize(5);  // its own tail: given back, appended again in place
  const uint32_t* block = child.data();
  child.push_back(9);
  EXPECT_EQ(child.data(), block);
  ASSERT_EQ(child.size(), 6u);
  EXPECT_EQ(child[5], 9u);
  child.resize(2);  // below the shared part: the parent's elements stay
  child.push_back(7);
  EXPECT_EQ(child[2], 7u);
  ASSERT_EQ(parent.size(), 4u);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(parent[i], i);
}

TEST(AppendBuffer, GrowthKeepsTheOldBlockForItsReaders) {
  AppendBuffer<char> parent;
  parent.append(std::string_view("abc"));
  const std::string_view seen = parent.view();  // a reader of the published parent
  AppendBuffer<char> child = parent;
  for (int i = 0; i < 10000; ++i) child.push_back('x');
  EXPECT_EQ(seen, "abc");
  EXPECT_EQ(child.size(), 10003u);
  EXPECT_EQ(child.view().substr(0, 3), "abc");
}

TEST(AppendBuffer, MovedFromIsEmpty) {
  AppendBuffer<char> a;
  a.append(std::string_view("abc"));
  AppendBuffer<char> b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  EXPECT_EQ(str(b), "abc");
  a.push_back('z');
  EXPECT_EQ(str(a), "z");
}

TEST(AppendBuffer, ReservingForEachChildCopiesOnlyNowAndThen) {
  AppendBuffer<char> v;
  v.append(std::string_view("0123456789"));
  int copies = 0;
  for (int i = 0; i < 1000; ++i) {
    AppendBuffer<char> child = v;
    child.reserve(child.size() + 8);
    if (child.data() != v.data()) ++copies;
    child.append(std::string_view("abcd"));
    v = std::move(child);
  }
  EXPECT_EQ(v.size(), 4010u);
  EXPECT_LT(copies, 20);  // geometric growth, not a copy per child
}

}  // namespace
}  // namespace dnsedge::view
