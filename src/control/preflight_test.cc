// The controller's side of the write pre-flight and of ?dry_run (the doctor itself is plugged in
// by the app; here a recording hook stands in for it, so these tests see exactly which states
// the controller hands over and what it does with the answer).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "control/controller.h"
#include "control/errors.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::control {
namespace {

namespace rrtype = dns::rrtype;

struct Calls {
  int n = 0;
  DoctorState before, after;
  bool throw_next = false;
};

struct World {
  std::string dir;
  common::SnapshotPublisher<view::Catalog> publisher{view::Catalog::empty()};
  std::unique_ptr<Controller> c;
  Calls calls;
  std::string zid;

  World() {
    char tmpl[] = "/tmp/dnsedge-preflight-XXXXXX";
    dir = ::mkdtemp(tmpl);
    ControllerOptions o;
    o.data_dir = dir;
    o.store.durability = store::Durability::kNormal;
    o.edge.v4 = {dns::rdata_from_text(rrtype::kA, "127.0.0.11", std::string(1, '\0')).value()};
    o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
    o.preflight = [this](const DoctorState& before, const DoctorState& after) {
      ++calls.n;
      calls.before = before;
      calls.after = after;
      if (calls.throw_next) throw std::runtime_error("boom");
      return std::vector<ApiMessage>{{errc::kDoctorErrorMessage, "from the hook"}};
    };
    c = Controller::open(std::move(o), publisher).value();
    zid = c->create_zone("example.com", "", "").value().zone.id;
  }
  ~World() {
    c.reset();
    std::filesystem::remove_all(dir);
  }
  static RecordInput a(const char* name, const char* ip, bool proxied = false) {
    RecordInput in;
    in.name = name;
    in.type = "A";
    in.content = ip;
    in.proxied = proxied;
    return in;
  }
};

TEST(PreflightTest, HookSeesCurrentAndCandidateStatesAndItsMessagesAreAppended) {
  World s;
  auto w = s.c->create_record(s.zid, World::a("www.example.com", "192.0.2.1"));
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(s.calls.n, 1);
  EXPECT_EQ(s.calls.before.zone_id, s.zid);
  EXPECT_EQ(s.calls.before.apex, dns::name_from_text("example.com.").value());
  ASSERT_EQ(s.calls.before.zones.size(), 1u);
  EXPECT_TRUE(s.calls.before.zones[0].stored.empty());
  ASSERT_EQ(s.calls.after.zones[0].stored.size(), 1u);
  // The candidate catalog serves the new record; the current one does not.
  const std::string www = dns::name_from_text("www.example.com.").value();
  EXPECT_EQ(s.calls.before.catalog->zone(s.calls.before.apex)->find(www), view::kNone);
  EXPECT_NE(s.calls.after.catalog->zone(s.calls.after.apex)->find(www), view::kNone);
  ASSERT_EQ(w->messages.size(), 1u);
  EXPECT_EQ(w->messages[0].code, errc::kDoctorErrorMessage);

  // Settings writes too, with the candidate's flatten_all.
  std::vector<ApiMessage> m;
  auto st = s.c->update_dns_settings(s.zid, DnsSettingsPatch{.flatten_all = true}, &m);
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_FALSE(s.calls.before.zones[0].flatten_all);
  EXPECT_TRUE(s.calls.after.zones[0].flatten_all);
  EXPECT_EQ(m.size(), 1u);

  // A failing hook costs the messages, never the write.
  s.calls.throw_next = true;
  auto w2 = s.c->create_record(s.zid, World::a("www2.example.com", "192.0.2.2"));
  ASSERT_TRUE(w2);
  EXPECT_TRUE(w2->messages.empty());
  EXPECT_EQ(s.c->records(s.zid).value().size(), 2u);
}

// The "before" state a write hands over is the zone as stored, whether it was rebuilt from the
// pending change or reused from the previous write's "after" (same serial): after creates,
// updates, deletes, a dry run and a refused write in between.
TEST(PreflightTest, BeforeStateIsAlwaysTheStoredZone) {
  World s;
  auto stored = [&] { return s.c->doctor_state(s.zid, false).value().zones.at(0).stored; };
  auto write_and_check = [&](auto&& write) {
    const auto was = stored();
    ASSERT_TRUE(write());
    EXPECT_EQ(s.calls.before.zones.at(0).stored, was);
    EXPECT_EQ(s.calls.after.zones.at(0).stored, stored());
  };
  write_and_check([&] { return s.c->create_record(s.zid, World::a("a.example.com", "192.0.2.1")); });
  write_and_check([&] { return s.c->create_record(s.zid, World::a("b.example.com", "192.0.2.2")); });
  const std::string rid = s.c->records(s.zid).value().at(0).id;
  write_and_check([&] { return s.c->update_record(s.zid, rid, World::a("a.example.com", "192.0.2.7"), true); });
  // A dry run and a refused write change nothing: the next write still starts from the store.
  ASSERT_TRUE(s.c->create_record(s.zid, World::a("dry.example.com", "192.0.2.8"), WriteOptions{.dry_run = true}));
  ASSERT_FALSE(s.c->create_record(s.zid, World::a("b.example.com", "192.0.2.2")));
  write_and_check([&] { return s.c->delete_record(s.zid, rid); });
  write_and_check([&] { return s.c->create_record(s.zid, World::a("c.example.com", "192.0.2.3", true)); });
  const auto last = stored();
  ASSERT_EQ(last.size(), 2u);  // b and c
  EXPECT_EQ(s.calls.n, 6);     // five writes and the dry run (the refused one fails before the pre-flight)
}

TEST(PreflightTest, DryRunStoresAndPublishesNothing) {
  World s;
  ASSERT_TRUE(s.c->create_record(s.zid, World::a("www.example.com", "192.0.2.1")));
  const uint32_t serial = s.c->zone(s.zid).value().zone.serial;
  const uint64_t generation = s.publisher.generation();
  const WriteOptions dry{.dry_run = true};
  auto w = s.c->create_record(s.zid, World::a("new.example.com", "192.0.2.9"), dry);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->serial, serial);
  EXPECT_EQ(w->records.at(0).name, "new.example.com");
  ASSERT_EQ(w->messages.size(), 2u);
  EXPECT_EQ(w->messages[0].code, errc::kDoctorErrorMessage);
  EXPECT_EQ(w->messages[1].code, errc::kDryRunMessage);
  const std::string rid = s.c->records(s.zid).value().at(0).id;
  EXPECT_TRUE(s.c->delete_record(s.zid, rid, dry));
  EXPECT_TRUE(s.c->update_record(s.zid, rid, World::a("www.example.com", "192.0.2.3"), true, dry));
  auto st = s.c->update_dns_settings(s.zid, DnsSettingsPatch{.flatten_all = true}, nullptr, dry);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->flatten_all);  // what would be stored
  EXPECT_TRUE(s.c->import_zone(s.zid, "imp.example.com. 300 IN A 192.0.2.4\n", std::nullopt, dry));
  // A refused change is refused in a dry run too.
  EXPECT_FALSE(s.c->create_record(s.zid, World::a("www.example.com", "192.0.2.1"), dry));

  EXPECT_EQ(s.c->zone(s.zid).value().zone.serial, serial);
  EXPECT_EQ(s.publisher.generation(), generation);
  auto recs = s.c->records(s.zid).value();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].content, "192.0.2.1");
  EXPECT_FALSE(s.c->dns_settings(s.zid).value().flatten_all);
  // Served DNS still has only www.
  const auto v = s.c->served_view(s.zid).value();
  EXPECT_EQ(v->find(dns::name_from_text("new.example.com.").value()), view::kNone);
  EXPECT_EQ(v->serial(), serial);
}

}  // namespace
}  // namespace dnsedge::control
