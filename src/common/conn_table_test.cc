#include "common/conn_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace dnsedge::common {
namespace {

PeerAddress addr(uint8_t last) {
  const uint8_t b[4] = {127, 0, 0, last};
  return PeerAddress::v4(b);
}

using Table = ConnTable<int>;

TEST(ConnTable, CountsAndFull) {
  Table t(2);
  EXPECT_FALSE(t.full());
  auto* a = t.add(addr(1), 1);
  auto* b = t.add(addr(1), 2);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_TRUE(t.full());
  EXPECT_EQ(t.waiting(), 2u);
  t.remove(a);
  EXPECT_FALSE(t.full());
  t.remove(b);
  EXPECT_EQ(t.size(), 0u);
}

TEST(ConnTable, VictimIsTheOldestWaiter) {
  Table t(3);
  auto* a = t.add(addr(1), 1);
  t.add(addr(1), 2);
  t.add(addr(1), 3);
  EXPECT_EQ(t.victim(addr(1))->value(), 1);
  t.remove(a);
  EXPECT_EQ(t.victim(addr(1))->value(), 2);
}

TEST(ConnTable, BusyConnectionsAreNeverShed) {
  Table t(2);
  auto* a = t.add(addr(1), 1);
  auto* b = t.add(addr(1), 2);
  t.set_waiting(a, false);
  EXPECT_EQ(t.victim(addr(9))->value(), 2);
  t.set_waiting(b, false);
  EXPECT_EQ(t.victim(addr(9)), nullptr) << "everyone busy: refuse the newcomer";
  EXPECT_EQ(t.waiting(), 0u);
}

// Age counts from when a connection started waiting: one that was busy and goes back to idle
// is younger than one that has been waiting since before.
TEST(ConnTable, GoingBackToWaitingMakesAConnectionTheYoungest) {
  Table t(3);
  auto* a = t.add(addr(1), 1);
  t.add(addr(1), 2);
  t.set_waiting(a, false);
  t.set_waiting(a, true);
  EXPECT_EQ(t.victim(addr(1))->value(), 2);
  // Setting the same state again does not move it.
  auto* c = t.add(addr(1), 3);
  t.set_waiting(c, true);
  EXPECT_EQ(t.victim(addr(1))->value(), 2);
}

TEST(ConnTable, PrefersTheNewcomersOwnAddress) {
  Table t(4);
  t.add(addr(1), 10);  // oldest of all, from another client
  t.add(addr(2), 20);
  t.add(addr(2), 21);
  EXPECT_EQ(t.victim(addr(2))->value(), 20);
  EXPECT_EQ(t.victim(addr(1))->value(), 10);
  EXPECT_EQ(t.victim(addr(3))->value(), 10) << "no connection of its own: the oldest of all";
}

TEST(ConnTable, OwnAddressAllBusyFallsBackToTheOldestOfAll) {
  Table t(3);
  t.add(addr(1), 10);
  auto* own = t.add(addr(2), 20);
  t.set_waiting(own, false);
  EXPECT_EQ(t.victim(addr(2))->value(), 10);
}

// The flood-from-one-address case: shedding the oldest over and over keeps a prompt client.
TEST(ConnTable, APromptClientSurvivesAFloodFromItsOwnAddress) {
  Table t(8);
  std::vector<Table::Entry*> flood;
  for (int i = 0; i < 8; ++i) flood.push_back(t.add(addr(1), i));
  // The legitimate client arrives: the oldest flood connection makes room.
  auto* v = t.victim(addr(1));
  EXPECT_EQ(v->value(), 0);
  t.remove(v);
  auto* legit = t.add(addr(1), 100);
  // Six more flood connections: each sheds the oldest, never the newest (legit).
  for (int i = 0; i < 6; ++i) {
    auto* victim = t.victim(addr(1));
    ASSERT_NE(victim, legit);
    t.remove(victim);
    t.add(addr(1), 200 + i);
  }
  t.set_waiting(legit, false);  // its request is complete: busy, out of reach
  for (int i = 0; i < 20; ++i) {
    auto* victim = t.victim(addr(1));
    ASSERT_NE(victim, legit);
    t.remove(victim);
    t.add(addr(1), 300 + i);
  }
  EXPECT_EQ(t.size(), 8u);
}

TEST(ConnTable, RemovingTheLastConnectionOfAnAddressForgetsIt) {
  Table t(4);
  auto* a = t.add(addr(1), 1);
  t.remove(a);
  t.add(addr(2), 2);
  EXPECT_EQ(t.victim(addr(1))->value(), 2);
}

TEST(ConnTable, ForEachWaitingGoesOldestFirst) {
  Table t(4);
  t.add(addr(1), 1);
  auto* b = t.add(addr(2), 2);
  t.add(addr(1), 3);
  t.set_waiting(b, false);
  std::vector<int> seen;
  t.for_each_waiting([&](int v) { seen.push_back(v); });
  EXPECT_EQ(seen, (std::vector<int>{1, 3}));
}

TEST(ConnTable, DestroyingWithEntriesLeftFreesThem) {
  auto token = std::make_shared<int>(7);
  {
    ConnTable<std::shared_ptr<int>> t(4);
    t.add(addr(1), token);
    auto* b = t.add(addr(1), token);
    t.set_waiting(b, false);  // a busy entry is freed too
    EXPECT_EQ(token.use_count(), 3);
  }
  EXPECT_EQ(token.use_count(), 1);
}

TEST(PeerAddress, FamiliesDiffer) {
  const uint8_t zero[16] = {};
  EXPECT_FALSE(PeerAddress::v4(zero) == PeerAddress::v6(zero));
  EXPECT_NE(PeerAddressHash{}(PeerAddress::v4(zero)), PeerAddressHash{}(PeerAddress::v6(zero)));
}

}  // namespace
}  // namespace dnsedge::common
