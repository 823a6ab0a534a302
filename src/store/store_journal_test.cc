// The store: the zone-transfer tables.

#include "store/store_test_util.h"

namespace dnsedge::store {
namespace {

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
