// The store: the change journal and the zone-transfer tables.

#include "store/store_test_util.h"

namespace dnsedge::store {
namespace {

TEST(StoreJournalTest, SinceReturnsLaterEntriesInOrder) {
  Fixture f;
  std::vector<zone::JournalEntry> entries;
  for (uint32_t s = 5; s <= 8; ++s) {
    entries.push_back({f.zone.id, s, stamp(), R"({"added":[")" + std::to_string(s) + R"("]})"});
  }
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    for (const auto& e : entries) expect_ok(tx->insert_journal(e));
    expect_fails(tx->insert_journal(entries[0]), StoreErrc::kDuplicate);
    expect_fails(tx->insert_journal({f.zone.id, 9, stamp(), "not json"}), StoreErrc::kConstraint);
    expect_fails(tx->insert_journal({zone::new_id(), 9, stamp(), "{}"}), StoreErrc::kForeignKey);
    expect_ok(tx->commit());
  }
  auto since6 = f.store->journal_since(f.zone.id, 6);
  ASSERT_TRUE(since6);
  EXPECT_EQ(*since6, (std::vector<zone::JournalEntry>{entries[2], entries[3]}));
  auto since4 = f.store->journal_since(f.zone.id, 4);
  ASSERT_TRUE(since4);
  EXPECT_EQ(*since4, entries);
  auto since8 = f.store->journal_since(f.zone.id, 8);
  ASSERT_TRUE(since8);
  EXPECT_TRUE(since8->empty());
  auto oldest = f.store->oldest_journal_serial(f.zone.id);
  ASSERT_TRUE(oldest && oldest->has_value());
  EXPECT_EQ(**oldest, 5u);

  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    auto pruned = tx->delete_journal_before(f.zone.id, 7);
    ASSERT_TRUE(pruned);
    EXPECT_EQ(*pruned, 2);
    expect_ok(tx->commit());
  }
  auto rest = f.store->journal_since(f.zone.id, 0);
  ASSERT_TRUE(rest);
  EXPECT_EQ(*rest, (std::vector<zone::JournalEntry>{entries[2], entries[3]}));
  auto empty_zone = f.store->oldest_journal_serial(zone::new_id());
  ASSERT_TRUE(empty_zone);
  EXPECT_FALSE(empty_zone->has_value());
}

TEST(StoreJournalTest, SerialComparisonFollowsRfc1982AcrossWrap) {
  Fixture f;
  const uint32_t serials[] = {4294967294u, 4294967295u, 0u, 1u};
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    for (uint32_t s : serials) expect_ok(tx->insert_journal({f.zone.id, s, stamp(), "{}"}));
    expect_ok(tx->commit());
  }
  const auto serials_since = [&](uint32_t since) {
    std::vector<uint32_t> out;
    auto r = f.store->journal_since(f.zone.id, since);
    EXPECT_TRUE(r);
    if (r) {
      for (const auto& e : *r) out.push_back(e.serial);
    }
    return out;
  };
  EXPECT_EQ(serials_since(4294967295u), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(serials_since(4294967293u), (std::vector<uint32_t>{4294967294u, 4294967295u, 0, 1}));
  EXPECT_EQ(serials_since(0), (std::vector<uint32_t>{1}));
  EXPECT_TRUE(serials_since(1).empty());
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  auto pruned = tx->delete_journal_before(f.zone.id, 0);
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 2);  // 4294967294 and 4294967295 come before 0
  expect_ok(tx->commit());
  auto oldest = f.store->oldest_journal_serial(f.zone.id);
  ASSERT_TRUE(oldest && oldest->has_value());
  EXPECT_EQ(**oldest, 0u);
}

// ---- zone transfers (migration 2) ------------------------------------------------------------

TEST(StoreXfrTest, ObjectsJournalServedViewsAndSecondaryData) {
  Fixture f;
  const XfrObject tsig{"tsig", zone::new_id(), f.account.id, R"({"name":"k1."})"};
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->put_xfr_object(tsig));
    expect_fails(tx->put_xfr_object(XfrObject{"bogus", zone::new_id(), "", "{}"}), StoreErrc::kConstraint);
    expect_fails(tx->put_xfr_object(XfrObject{"peer", zone::new_id(), "", "not json"}), StoreErrc::kConstraint);
    for (uint32_t s = 1; s <= 5; ++s) expect_ok(tx->append_xfr_journal("example.com", s, s + 1, std::string("d\0") + char('0' + s), 3));
    expect_ok(tx->put_served_view("example.com", 7, "abc"));
    expect_ok(tx->put_secondary_data(f.zone.id, SecondaryData{9, "zone text", 1234}));
    expect_ok(tx->commit());
  }
  auto objs = f.store->list_xfr_objects("tsig");
  ASSERT_TRUE(objs);
  ASSERT_EQ(objs->size(), 1u);
  EXPECT_EQ(objs->front(), tsig);
  auto j = f.store->xfr_journal("example.com");
  ASSERT_TRUE(j);
  ASSERT_EQ(j->size(), 3u);  // compacted to the newest 3, oldest first, bytes kept (a NUL inside)
  EXPECT_EQ(j->front(), std::string("d\0") + '3');
  auto sv = f.store->served_view("example.com");
  ASSERT_TRUE(sv && *sv);
  EXPECT_EQ((*sv)->serial, 7u);
  auto sd = f.store->secondary_data(f.zone.id);
  ASSERT_TRUE(sd && *sd);
  EXPECT_EQ((*sd)->text, "zone text");
  EXPECT_EQ((*sd)->confirmed_on, 1234);
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->delete_xfr_object("tsig", tsig.id));
    expect_fails(tx->delete_xfr_object("tsig", tsig.id), StoreErrc::kNotFound);
    expect_ok(tx->delete_zone(f.zone.id));  // secondary data goes with the zone
    expect_ok(tx->commit());
  }
  EXPECT_TRUE(f.store->list_xfr_objects("tsig")->empty());
  EXPECT_FALSE(f.store->secondary_data(f.zone.id)->has_value());
}

// ---- a full disk ------------------------------------------------------------------------------

// A real full filesystem: a tmpfs of `kib` KiB in a mount namespace of this test process only

}  // namespace
}  // namespace dnsedge::store
