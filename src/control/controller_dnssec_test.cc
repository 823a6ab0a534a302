// DNSSEC through the controller: keys made once, status, disable keeps keys, delete removes
// them, the served view signed while it is on, a damaged key named with its zone.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include "common/temp_dir.h"
#include "control/controller.h"
#include "control/errors.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "dnssec/key.h"

namespace dnsedge::control {
namespace {

struct DnssecFixture {
  common::TempDir dir{"dnsedge-control-dnssec"};
  common::SnapshotPublisher<view::Catalog> publisher{view::Catalog::empty()};
  std::vector<std::string> logs;
  std::unique_ptr<Controller> c;

  std::vector<std::string> signed_file_zones;

  DnssecFixture() { reopen(); }
  void reopen() {
    c.reset();
    ControllerOptions o;
    o.signed_file_zones = signed_file_zones;
    o.data_dir = dir.path();
    o.store.durability = store::Durability::kNormal;
    o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
    o.log = [this](const std::string& line) { logs.push_back(line); };
    auto opened = Controller::open(std::move(o), publisher);
    ASSERT_TRUE(opened) << opened.error().message;
    c = std::move(*opened);
  }
};

TEST(ControllerDnssecTest, EnableDisableDelete) {
  DnssecFixture f;
  auto z = f.c->create_zone("example.com", "", "");
  ASSERT_TRUE(z);
  const std::string id = z->zone.id;
  const auto served_before = f.c->served_view(id).value();

  auto off = f.c->dnssec(id);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->status, "disabled");
  EXPECT_FALSE(off->has_key);
  EXPECT_TRUE(off->modified_on.empty());

  auto on = f.c->set_dnssec(id, true);
  ASSERT_TRUE(on) << on.error().message;
  EXPECT_EQ(on->status, "active");
  ASSERT_TRUE(on->has_key);
  EXPECT_EQ(on->flags, 257);
  EXPECT_FALSE(on->modified_on.empty());
  EXPECT_EQ(on->ds, "example.com. 3600 IN DS " + std::to_string(on->key_tag) + " 13 2 " + on->digest);
  EXPECT_EQ(on->digest.size(), 64u);

  // The DS is the KSK's: recomputed from the stored DNSKEY.
  auto keys = f.c->store().dnssec_keys("example.com").value();
  ASSERT_EQ(keys.size(), 2u);
  if (keys[0].role == "zsk") std::swap(keys[0], keys[1]);
  EXPECT_EQ(keys[0].role, "ksk");
  EXPECT_EQ(keys[1].role, "zsk");
  EXPECT_EQ(keys[1].phase, "active");
  const std::string apex = dns::name_from_text("example.com.").value();
  EXPECT_EQ(dnssec::ds_digest_hex(apex, keys[0].dnskey), on->digest);
  EXPECT_TRUE(dnssec::Key::from_pem(keys[0].private_pem, 257));
  EXPECT_TRUE(dnssec::Key::from_pem(keys[1].private_pem, 256));

  // The served view is signed now: DNSKEY at the apex, a new serial.
  auto signed_view = f.c->served_view(id).value();
  EXPECT_NE(signed_view, served_before);
  EXPECT_TRUE(signed_view->dnssec().online);
  EXPECT_TRUE(signed_view->is_signed());
  EXPECT_NE(signed_view->rrset(signed_view->node(0), dns::rrtype::kDNSKEY), nullptr);
  EXPECT_NE(signed_view->serial(), served_before->serial());
  // resign: signed again in full, with the next serial.
  ASSERT_TRUE(f.c->resign("example.com"));
  EXPECT_EQ(f.c->served_view(id).value()->serial(), signed_view->serial() + 1);
  EXPECT_TRUE(f.c->served_view(id).value()->is_signed());
  EXPECT_EQ(f.c->resign("nosuch.example").error().code, errc::kZoneNotFound);

  // Again: the same keys.
  auto again = f.c->set_dnssec(id, true).value();
  EXPECT_EQ(again.ds, on->ds);
  EXPECT_EQ(f.c->store().dnssec_keys("example.com").value().size(), 2u);

  // Disabled: keys kept, answered without them; on again gives the same DS.
  auto disabled = f.c->set_dnssec(id, false).value();
  EXPECT_EQ(disabled.status, "disabled");
  EXPECT_FALSE(disabled.has_key);
  EXPECT_EQ(f.c->store().dnssec_keys("example.com").value().size(), 2u);
  EXPECT_FALSE(f.c->served_view(id).value()->is_signed());
  EXPECT_EQ(f.c->served_view(id).value()->record_count(), served_before->record_count());  // no DNSKEY, no RRSIG
  EXPECT_EQ(f.c->set_dnssec(id, true).value().ds, on->ds);

  // Survives a restart, signed at load.
  f.reopen();
  EXPECT_EQ(f.c->dnssec(id).value().ds, on->ds);
  EXPECT_TRUE(f.c->served_view(id).value()->is_signed());

  // Delete: keys gone; turning it on again makes a new KSK.
  ASSERT_TRUE(f.c->delete_dnssec(id));
  EXPECT_TRUE(f.c->store().dnssec_keys("example.com").value().empty());
  EXPECT_EQ(f.c->dnssec(id).value().status, "disabled");
  EXPECT_FALSE(f.c->served_view(id).value()->is_signed());
  EXPECT_NE(f.c->set_dnssec(id, true).value().ds, on->ds);

  // Nothing logged carries a private key.
  for (const auto& line : f.logs) EXPECT_EQ(line.find("PRIVATE"), std::string::npos) << line;
  EXPECT_FALSE(f.logs.empty());

  EXPECT_EQ(f.c->dnssec("0123456789abcdef0123456789abcdef").error().code, errc::kZoneNotFound);
}

// A restart signs a signed zone anew (the digest leaves signatures out): its serial moves, so a
// secondary holding the last run's signatures under the old serial takes the zone again. An
// unsigned zone keeps its serial.
TEST(ControllerDnssecTest, RestartMovesTheSerialOfASignedZoneOnly) {
  DnssecFixture f;
  auto s = f.c->create_zone("signed.example", "", "");
  auto u = f.c->create_zone("plain.example", "", "");
  ASSERT_TRUE(s && u);
  ASSERT_TRUE(f.c->set_dnssec(s->zone.id, true));
  const auto signed_before = f.c->served_view(s->zone.id).value();
  const uint32_t plain_before = f.c->served_view(u->zone.id).value()->serial();

  f.logs.clear();
  f.reopen();
  const auto signed_after = f.c->served_view(s->zone.id).value();
  EXPECT_TRUE(signed_after->is_signed());
  EXPECT_EQ(signed_after->serial(), signed_before->serial() + 1);
  EXPECT_EQ(f.c->zone(s->zone.id).value().zone.serial, signed_after->serial());
  EXPECT_EQ(f.c->served_view(u->zone.id).value()->serial(), plain_before);
  bool logged = false;
  for (const auto& line : f.logs) {
    logged |= line.find("event=serial-bumped zone=signed.example") != std::string::npos &&
              line.find("reason=signed-at-start") != std::string::npos;
    EXPECT_EQ(line.find("zone=plain.example"), std::string::npos) << line;
  }
  EXPECT_TRUE(logged);

  // The stored serial is the new one: the next start moves on from it.
  f.reopen();
  EXPECT_EQ(f.c->served_view(s->zone.id).value()->serial(), signed_after->serial() + 1);
  EXPECT_EQ(f.c->served_view(u->zone.id).value()->serial(), plain_before);
}

TEST(ControllerDnssecTest, DamagedKeyIsNamedWithItsZone) {
  DnssecFixture f;
  const std::string id = f.c->create_zone("example.org", "", "").value().zone.id;
  ASSERT_TRUE(f.c->set_dnssec(id, true));
  ASSERT_TRUE(f.c->set_dnssec(id, false));
  f.c.reset();
  {  // damage the KSK's private key in the database
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((f.dir.path() + "/dnsedge.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE dnssec_keys SET private_pem = '-----BEGIN PRIVATE KEY-----\nAAAA\n"
                           "-----END PRIVATE KEY-----\n' WHERE role = 'ksk'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  f.reopen();
  const auto keys_before = f.c->store().dnssec_keys("example.org").value();
  auto e = f.c->set_dnssec(id, true);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("of zone example.org does not load"), std::string::npos) << e.error().message;
  EXPECT_EQ(e.error().code, errc::kInternal);
  // Nothing changed: still disabled, the same (damaged) key, no new one.
  EXPECT_EQ(f.c->dnssec(id).value().status, "disabled");
  EXPECT_EQ(f.c->store().dnssec_keys("example.org").value(), keys_before);
}

// A zone whose DNSSEC is on and whose key no longer loads: served SERVFAIL (the view marked
// unusable, never unsigned), logged and answered as an error naming the zone.
TEST(ControllerDnssecTest, DamagedKeyOfAnActiveZoneMakesItUnusable) {
  DnssecFixture f;
  const std::string id = f.c->create_zone("example.net", "", "").value().zone.id;
  ASSERT_TRUE(f.c->set_dnssec(id, true));
  f.c.reset();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((f.dir.path() + "/dnsedge.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE dnssec_keys SET private_pem = '-----BEGIN PRIVATE KEY-----\nAAAA\n"
                           "-----END PRIVATE KEY-----\n' WHERE role = 'zsk'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  f.logs.clear();
  f.reopen();
  auto v = f.c->served_view(id).value();
  EXPECT_TRUE(v->dnssec().unusable);
  EXPECT_FALSE(v->is_signed());
  auto info = f.c->dnssec(id);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message.find("zone example.net"), std::string::npos) << info.error().message;
  bool logged = false;
  for (const auto& line : f.logs)
    logged = logged || (line.find("event=dnssec_keys_unusable") != std::string::npos &&
                        line.find("zone=example.net") != std::string::npos);
  EXPECT_TRUE(logged);
  auto r = f.c->resign("example.net");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("zone example.net"), std::string::npos) << r.error().message;
  EXPECT_TRUE(f.c->served_view(id).value()->dnssec().unusable);
}

// A [[dnssec]] file zone is handed over unsigned at each start (its keys are read from the store
// afterwards), then signed: only the signed view is served, so the serial stays the file's, start
// after start, and no IXFR journal entry is made for the unsigned one.
// A signed zone file is loaded unsigned, then signed before DNS opens: only the signed view
// counts, and its signatures are new at each start, so the serial moves once per start (never
// twice) and secondaries take the newly signed zone; a signature refresh moves it too, a reload
// of the same file does not.
TEST(ControllerDnssecTest, SignedFileZoneMovesItsSerialOncePerStartAndPerRefresh) {
  DnssecFixture f;
  const std::string apex = dns::name_from_text("files.test.").value();
  f.signed_file_zones = {apex};
  auto parsed = dns::parse_zone_text("$TTL 300\n@ SOA ns1 host 7 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.53\n", apex);
  ASSERT_TRUE(parsed) << parsed.error().message;
  for (int start = 0; start < 3; ++start) {
    SCOPED_TRACE("start " + std::to_string(start));
    f.reopen();
    f.c->set_file_zones({view::ZoneView::compile(apex, parsed->records).value()});
    auto sg = f.c->file_zone_signing(apex);
    ASSERT_TRUE(sg) << sg.error().message;
    view::CompileOptions o;
    o.signing = *sg;
    f.c->set_file_zones({view::ZoneView::compile(apex, parsed->records, o).value()});
    const view::ZoneView* served = f.publisher.current()->find_zone(apex);
    ASSERT_NE(served, nullptr);
    EXPECT_TRUE(served->dnssec().online);
    EXPECT_EQ(served->serial(), 7u + start);
    auto rec = f.c->store().served_view("files.test").value();
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->serial, 7u + start);
    if (start < 2) continue;
    // The same file reloaded: same serial. Its signatures refreshed: the next one.
    f.c->set_file_zones({view::ZoneView::compile(apex, parsed->records, o).value()});
    EXPECT_EQ(f.publisher.current()->find_zone(apex)->serial(), 9u);
    f.c->set_file_zones({view::ZoneView::compile(apex, parsed->records, o).value()}, true);
    EXPECT_EQ(f.publisher.current()->find_zone(apex)->serial(), 10u);
    EXPECT_EQ(f.c->store().served_view("files.test").value()->serial, 10u);
  }
}

}  // namespace
}  // namespace dnsedge::control
