// The store: page rules (migration 6).

#include "store/store_test_util.h"

namespace dnsedge::store {
namespace {

PageRuleRow page_rule(const zone::Zone& z, const char* pattern) {
  PageRuleRow r;
  r.id = zone::new_id();
  r.zone_id = z.id;
  r.pattern = pattern;
  r.url = "https://www.example.com/$1";
  r.status_code = 301;
  r.priority = 1;
  r.status = "active";
  r.created_on = r.modified_on = stamp();
  return r;
}

TEST(StorePageRuleTest, RoundTripsAndGoesWithItsZone) {
  Fixture f;
  PageRuleRow a = page_rule(f.zone, "example.com/*");
  PageRuleRow b = page_rule(f.zone, "www.example.com/old");
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_page_rule(a));
    expect_ok(tx->insert_page_rule(b));
    expect_ok(tx->commit());
  }
  auto got = f.store->list_page_rules(f.zone.id);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0], a);
  EXPECT_EQ((*got)[1], b);

  PageRuleRow changed = a;
  changed.url = "http://example.net/";
  changed.status_code = 302;
  changed.priority = 7;
  changed.status = "disabled";
  changed.modified_on = stamp();
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->update_page_rule(changed));
    expect_ok(tx->delete_page_rule(f.zone.id, b.id));
    expect_fails(tx->delete_page_rule(f.zone.id, b.id), StoreErrc::kNotFound);
    expect_fails(tx->update_page_rule(b), StoreErrc::kNotFound);
    expect_ok(tx->commit());
  }
  got = f.store->list_page_rules(f.zone.id);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front(), changed);

  // Deleting the zone deletes its rules.
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->delete_zone(f.zone.id));
    expect_ok(tx->commit());
  }
  got = f.store->list_page_rules(f.zone.id);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->empty());
}

TEST(StorePageRuleTest, RefusesWhatBreaksItsIntegrity) {
  Fixture f;
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  PageRuleRow r = page_rule(f.zone, "example.com/*");
  r.status_code = 307;
  expect_fails(tx->insert_page_rule(r), StoreErrc::kConstraint);
  r = page_rule(f.zone, "example.com/*");
  r.priority = 0;
  expect_fails(tx->insert_page_rule(r), StoreErrc::kConstraint);
  r = page_rule(f.zone, "example.com/*");
  r.status = "paused";
  expect_fails(tx->insert_page_rule(r), StoreErrc::kConstraint);
  r = page_rule(f.zone, "");
  expect_fails(tx->insert_page_rule(r), StoreErrc::kConstraint);
  r = page_rule(f.zone, "example.com/*");
  r.zone_id = zone::new_id();
  expect_fails(tx->insert_page_rule(r), StoreErrc::kForeignKey);
  r = page_rule(f.zone, "example.com/*");
  r.id = "not-an-id";
  expect_fails(tx->insert_page_rule(r), StoreErrc::kConstraint);
}

}  // namespace
}  // namespace dnsedge::store
