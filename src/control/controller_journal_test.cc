// The controller's side of zone transfers and of the publish listeners: the IXFR journal entry of
// a write is stored in the write's own transaction, and every publish reaches the listeners.

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "control/controller.h"
#include "dns/name.h"
#include "store/store.h"

namespace dnsedge::control {
namespace {

struct JournalFixture {
  common::TempDir dir{"dnsedge-control-journal"};
  common::SnapshotPublisher<view::Catalog> publisher{view::Catalog::empty()};
  std::vector<Published> seen;
  std::unique_ptr<Controller> c;

  JournalFixture() {
    ControllerOptions o;
    o.data_dir = dir.path();
    o.store.durability = store::Durability::kNormal;
    o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
    // The delta as "FROM>TO", so the test can read what was stored.
    o.journal_encode = [](const view::ZoneView& before, const view::ZoneView& after) {
      return std::to_string(before.serial()) + ">" + std::to_string(after.serial());
    };
    o.journal_keep = 2;
    o.publish_listeners.push_back([this](const Published& p) { seen.push_back(p); });
    auto opened = Controller::open(std::move(o), publisher);
    EXPECT_TRUE(opened) << opened.error().message;
    c = std::move(*opened);
  }
  std::vector<std::string> journal(const std::string& zone) {
    auto rd = store::Store::open_reader(dir.path());
    EXPECT_TRUE(rd);
    auto j = (*rd)->xfr_journal(zone);
    EXPECT_TRUE(j);
    return *j;
  }
};

RecordInput a_record(const std::string& name, const std::string& ip) {
  RecordInput in;
  in.type = "A";
  in.name = name;
  in.content = ip;
  return in;
}

TEST(ControllerJournalTest, AWriteStoresItsDeltaWithItAndDryRunsStoreNone) {
  JournalFixture f;
  auto z = f.c->create_zone("example.com", "", "");
  ASSERT_TRUE(z) << z.error().message;
  EXPECT_TRUE(f.journal("example.com.").empty());  // a new zone: nothing served before it
  auto w = f.c->create_record(z->zone.id, a_record("www.example.com", "192.0.2.1"));
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(f.journal("example.com."),
            (std::vector<std::string>{std::to_string(w->serial - 1) + ">" + std::to_string(w->serial)}));
  auto dry = f.c->create_record(z->zone.id, a_record("dry.example.com", "192.0.2.2"), WriteOptions{.dry_run = true});
  ASSERT_TRUE(dry) << dry.error().message;
  EXPECT_EQ(f.journal("example.com.").size(), 1u);
  // journal_keep: the newest two deltas of the zone.
  ASSERT_TRUE(f.c->create_record(z->zone.id, a_record("b.example.com", "192.0.2.3")));
  auto last = f.c->create_record(z->zone.id, a_record("c.example.com", "192.0.2.4"));
  ASSERT_TRUE(last);
  const auto kept = f.journal("example.com.");
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept.back(), std::to_string(last->serial - 1) + ">" + std::to_string(last->serial));
}

TEST(ControllerJournalTest, ListenersSeeEveryPublishAndTheExternalNamesAtFirst) {
  JournalFixture f;
  ASSERT_FALSE(f.seen.empty());  // the publish at open
  ASSERT_TRUE(f.seen.front().external_names.has_value());
  EXPECT_TRUE(f.seen.front().external_names->empty());
  EXPECT_EQ(f.seen.back().catalog, f.publisher.current());
  const size_t before = f.seen.size();
  auto z = f.c->create_zone("example.org", "", "");
  ASSERT_TRUE(z);
  ASSERT_EQ(f.seen.size(), before + 1);
  EXPECT_NE(f.seen.back().catalog->find_zone(dns::name_from_text("example.org.").value()), nullptr);
  EXPECT_FALSE(f.seen.back().external_names.has_value());  // no write changed them
}

}  // namespace
}  // namespace dnsedge::control
