// The store: accounts, zones, serials, records and settings.

#include "store/store_test_util.h"

namespace dnsedge::store {
namespace {

// ---- accounts --------------------------------------------------------------------------------

TEST(StoreAccountTest, RoundTripsAndRefusesDeletingAnOwner) {
  Fixture f;
  auto got = f.store->get_account(f.account.id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, f.account);

  zone::Account renamed = f.account;
  renamed.name = "renamed";
  zone::Account spare = make_account("spare");
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->update_account(renamed));
    expect_ok(tx->insert_account(spare));
    expect_fails(tx->delete_account(f.account.id), StoreErrc::kForeignKey, "FOREIGN KEY");
    expect_ok(tx->delete_account(spare.id));
    expect_fails(tx->delete_account(spare.id), StoreErrc::kNotFound, spare.id);
    expect_fails(tx->update_account(spare), StoreErrc::kNotFound);
    expect_ok(tx->commit());
  }
  auto all = f.store->list_accounts();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front(), renamed);
  auto missing = f.store->get_account(spare.id);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST(StoreAccountTest, EnsureDefaultAccountCreatesOnlyOnce) {
  TempDir dir;
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  auto first = store->ensure_default_account("Default Account", test_clock());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(zone::is_id(first->id));
  EXPECT_EQ(first->name, "Default Account");
  EXPECT_EQ(first->created_on, zone::now_rfc3339(test_clock()));
  auto second = store->ensure_default_account("Other", test_clock());
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, *first);
  auto all = store->list_accounts();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
}

// ---- zones -----------------------------------------------------------------------------------

TEST(StoreZoneTest, RoundTripsAndFilters) {
  Fixture f;
  zone::Account other = make_account("other");
  zone::Zone second = make_zone(other, "example.net", 2026112600);
  second.type = "secondary";
  second.status = "pending";
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_account(other));
    auto serial = tx->insert_zone(second);
    ASSERT_TRUE(serial);
    EXPECT_EQ(*serial, 2026112600u);
    expect_ok(tx->commit());
  }
  auto by_id = f.store->get_zone(f.zone.id);
  ASSERT_TRUE(by_id && by_id->has_value());
  EXPECT_EQ(**by_id, f.zone);
  auto by_name = f.store->get_zone_by_name("example.net");
  ASSERT_TRUE(by_name && by_name->has_value());
  EXPECT_EQ(**by_name, second);
  auto none = f.store->get_zone_by_name("example.org");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  auto all = f.store->list_zones();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "example.com");
  EXPECT_EQ((*all)[1].name, "example.net");
  auto named = f.store->list_zones(ZoneQuery{.name = "example.net"});
  ASSERT_TRUE(named);
  ASSERT_EQ(named->size(), 1u);
  EXPECT_EQ(named->front().id, second.id);
  auto owned = f.store->list_zones(ZoneQuery{.account_id = f.account.id});
  ASSERT_TRUE(owned);
  ASSERT_EQ(owned->size(), 1u);
  EXPECT_EQ(owned->front().id, f.zone.id);
  auto pending = f.store->list_zones(ZoneQuery{.status = "pending"});
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, second.id);
  auto nothing = f.store->list_zones(ZoneQuery{.name = "example.com", .status = "pending"});
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->empty());
}

TEST(StoreZoneTest, UpdateChangesOnlyMutableFields) {
  Fixture f;
  zone::Zone changed = f.zone;
  changed.status = "moved";
  changed.type = "secondary";
  changed.modified_on = stamp();
  changed.name = "ignored.example";  // names never change
  changed.serial = 999;              // serials move only through bump_serial
  changed.created_on = "2000-01-01T00:00:00.000000Z";
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->update_zone(changed));
    zone::Zone ghost = changed;
    ghost.id = zone::new_id();
    expect_fails(tx->update_zone(ghost), StoreErrc::kNotFound, ghost.id);
    expect_ok(tx->commit());
  }
  auto got = f.store->get_zone(f.zone.id);
  ASSERT_TRUE(got && got->has_value());
  zone::Zone expected = f.zone;
  expected.status = "moved";
  expected.type = "secondary";
  expected.modified_on = changed.modified_on;
  EXPECT_EQ(**got, expected);
}

TEST(StoreZoneTest, NamesAreUniqueAndCanonical) {
  Fixture f;
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  expect_fails(tx->insert_zone(make_zone(f.account, "example.com")), StoreErrc::kDuplicate,
               "zones.name");
  zone::Zone same_id = make_zone(f.account, "example.org");
  same_id.id = f.zone.id;
  expect_fails(tx->insert_zone(same_id), StoreErrc::kDuplicate, "zones.id");
  expect_fails(tx->insert_zone(make_zone(f.account, "Example.org")), StoreErrc::kConstraint,
               "CHECK");
  expect_fails(tx->insert_zone(make_zone(f.account, "example.org.")), StoreErrc::kConstraint);
  expect_fails(tx->insert_zone(make_zone(f.account, "")), StoreErrc::kConstraint);
  zone::Zone bad_type = make_zone(f.account, "example.org");
  bad_type.type = "partial";
  expect_fails(tx->insert_zone(bad_type), StoreErrc::kConstraint);
  zone::Zone bad_id = make_zone(f.account, "example.org");
  bad_id.id = "Z1";
  expect_fails(tx->insert_zone(bad_id), StoreErrc::kConstraint);
  zone::Zone orphan = make_zone(make_account(), "example.org");
  expect_fails(tx->insert_zone(orphan), StoreErrc::kForeignKey, "FOREIGN KEY");
  // The failed statements did not end the transaction.
  auto ok = tx->insert_zone(make_zone(f.account, "example.org"));
  EXPECT_TRUE(ok) << ok.error().message;
  expect_ok(tx->commit());
  auto all = f.store->list_zones();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
}

TEST(StoreZoneTest, DeleteCascadesToEverythingOfTheZone) {
  Fixture f;
  zone::Zone keep = make_zone(f.account, "example.net");
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_zone(keep));
    expect_ok(tx->insert_record(make_record(f.zone, "www.example.com", "A", "192.0.2.1")));
    expect_ok(tx->insert_record(make_record(keep, "www.example.net", "A", "192.0.2.2")));
    expect_ok(tx->put_setting({f.zone.id, "ns_ttl", "86400", stamp()}));
    expect_ok(
        tx->insert_app({zone::new_id(), f.zone.id, R"({"protocol":"tcp/25"})", stamp(), stamp()}));
    expect_ok(tx->put_secondary_data(f.zone.id, SecondaryData{2, "zone text", 1234}));
    expect_ok(tx->commit());
  }
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->delete_zone(f.zone.id));
    expect_fails(tx->delete_zone(f.zone.id), StoreErrc::kNotFound);
    expect_ok(tx->commit());
  }
  RawDb raw(f.dir.path());
  for (const char* table : {"records", "zone_settings", "spectrum_apps", "secondary_data"}) {
    EXPECT_EQ(raw.text(std::string("SELECT count(*) FROM ") + table + " WHERE zone_id = '" +
                       f.zone.id + "'"),
              "0")
        << table;
  }
  EXPECT_EQ(raw.text("SELECT count(*) FROM records"), "1");
  auto gone = f.store->get_zone(f.zone.id);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
}

// ---- serials ---------------------------------------------------------------------------------

TEST(StoreSerialTest, BumpIsMonotonicAndSurvivesReopen) {
  TempDir dir;
  zone::Account a = make_account();
  zone::Zone z = make_zone(a, "example.com", 7);
  {
    auto store = open_ok(dir.path());
    ASSERT_TRUE(store);
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_account(a));
    expect_ok(tx->insert_zone(z));
    for (uint32_t want = 8; want <= 10; ++want) {
      auto s = tx->bump_serial(z.id);
      ASSERT_TRUE(s) << s.error().message;
      EXPECT_EQ(*s, want);
    }
    expect_ok(tx->commit());
    // A rolled-back bump leaves the serial where it was.
    auto tx2 = store->begin();
    ASSERT_TRUE(tx2);
    auto s = tx2->bump_serial(z.id);
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, 11u);
  }
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  auto got = store->get_zone(z.id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->serial, 10u);
  auto tx = store->begin();
  ASSERT_TRUE(tx);
  auto s = tx->bump_serial(z.id);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, 11u);
  expect_fails(tx->bump_serial(zone::new_id()), StoreErrc::kNotFound);
  expect_ok(tx->commit());
}

TEST(StoreSerialTest, BumpWrapsPerRfc1982) {
  Fixture f;
  zone::Zone top = make_zone(f.account, "example.net", 4294967294u);
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  expect_ok(tx->insert_zone(top));
  std::vector<uint32_t> seen;
  for (int i = 0; i < 3; ++i) {
    auto s = tx->bump_serial(top.id);
    ASSERT_TRUE(s);
    seen.push_back(*s);
  }
  EXPECT_EQ(seen, (std::vector<uint32_t>{4294967295u, 0u, 1u}));
  expect_ok(tx->commit());
}

TEST(StoreSerialTest, RecreatedZoneContinuesAfterTheDeletedOnesSerial) {
  TempDir dir;
  zone::Account a = make_account();
  zone::Zone z = make_zone(a, "example.com", 1);
  {
    auto store = open_ok(dir.path());
    ASSERT_TRUE(store);
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_account(a));
    expect_ok(tx->insert_zone(z));
    for (int i = 0; i < 9; ++i) expect_ok(tx->bump_serial(z.id));
    expect_ok(tx->delete_zone(z.id));
    expect_ok(tx->commit());
  }
  auto store = open_ok(dir.path());  // the floor survives a restart
  ASSERT_TRUE(store);
  auto tx = store->begin();
  ASSERT_TRUE(tx);
  zone::Zone again = make_zone(a, "example.com", 1);
  auto serial = tx->insert_zone(again);
  ASSERT_TRUE(serial) << serial.error().message;
  EXPECT_EQ(*serial, 11u);  // deleted at 10
  auto got = store->get_zone(again.id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->serial, 11u);
  // Delete again at 11; a requested serial already after the floor is kept.
  expect_ok(tx->delete_zone(again.id));
  zone::Zone later = make_zone(a, "example.com", 2026112600);
  auto kept = tx->insert_zone(later);
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, 2026112600u);
  // Other names are unaffected.
  auto other = tx->insert_zone(make_zone(a, "example.net", 1));
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, 1u);
  expect_ok(tx->commit());
  RawDb raw(dir.path());
  EXPECT_EQ(raw.text("SELECT count(*) FROM zone_serial_floors"), "0");
}

// ---- records ---------------------------------------------------------------------------------

TEST(StoreRecordTest, RoundTripsEveryField) {
  Fixture f;
  zone::Record mx = make_record(f.zone, "example.com", "MX", "mail.example.com");
  mx.ttl = 3600;
  mx.priority = 10;
  mx.comment = "primary mail";
  mx.tags_json = R"(["team:mail","env:prod"])";
  zone::Record srv = make_record(f.zone, "_sip._tcp.example.com", "SRV", "5 5060 sip.example.com");
  srv.priority = 0;
  srv.data_json = R"({"priority":0,"weight":5,"port":5060,"target":"sip.example.com"})";
  zone::Record a = make_record(f.zone, "www.example.com", "A", "192.0.2.1");
  a.proxied = true;
  a.settings_json = R"({"ipv4_only":true,"ipv6_only":false})";
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    for (const auto* r : {&mx, &srv, &a}) expect_ok(tx->insert_record(*r));
    expect_ok(tx->commit());
  }
  for (const auto* r : {&mx, &srv, &a}) {
    auto got = f.store->get_record(f.zone.id, r->id);
    ASSERT_TRUE(got && got->has_value()) << r->name;
    EXPECT_EQ(**got, *r);
  }
  auto all = f.store->list_records(f.zone.id);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], srv);  // ordered by name: "_sip..." < "example.com" < "www..."
  EXPECT_EQ((*all)[1], mx);
  EXPECT_EQ((*all)[2], a);
  auto count = f.store->count_records(f.zone.id);
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 3);

  RawDb raw(f.dir.path());
  EXPECT_EQ(raw.text("SELECT priority, data, comment FROM records WHERE id = '" + a.id + "'"),
            "NULL|NULL|NULL");
  EXPECT_EQ(raw.text("SELECT proxied, ttl, settings FROM records WHERE id = '" + a.id + "'"),
            R"(1|1|{"ipv4_only":true,"ipv6_only":false})");
}

TEST(StoreRecordTest, UpdateReplacesFieldsButKeepsIdentityAndCreation) {
  Fixture f;
  zone::Record r = make_record(f.zone, "www.example.com", "A", "192.0.2.1");
  r.comment = "old";
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_record(r));
    expect_ok(tx->commit());
  }
  zone::Record u = r;
  u.name = "web.example.com";
  u.type = "CNAME";
  u.content = "origin.example.net";
  u.ttl = 120;
  u.proxied = true;
  u.comment = "";
  u.tags_json = R"(["a:b"])";
  u.settings_json = R"({"flatten_cname":true})";
  u.modified_on = stamp();
  u.created_on = "1999-01-01T00:00:00.000000Z";  // ignored
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->update_record(u));
    expect_ok(tx->commit());
  }
  auto got = f.store->get_record(f.zone.id, r.id);
  ASSERT_TRUE(got && got->has_value());
  zone::Record expected = u;
  expected.created_on = r.created_on;
  EXPECT_EQ(**got, expected);
  EXPECT_EQ((*got)->comment, "");
}

TEST(StoreRecordTest, DeleteAndMissingRecords) {
  Fixture f;
  zone::Record r = make_record(f.zone, "www.example.com", "A", "192.0.2.1");
  zone::Record s = make_record(f.zone, "www.example.com", "AAAA", "2001:db8::1");
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  expect_ok(tx->insert_record(r));
  expect_ok(tx->insert_record(s));
  expect_ok(tx->delete_record(f.zone.id, r.id));
  expect_fails(tx->delete_record(f.zone.id, r.id), StoreErrc::kNotFound, r.id);
  expect_fails(tx->update_record(r), StoreErrc::kNotFound, "not found");
  auto n = tx->delete_all_records(f.zone.id);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  expect_ok(tx->commit());
  auto got = f.store->get_record(f.zone.id, s.id);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->has_value());
}

TEST(StoreRecordTest, RecordsAreScopedToTheirZone) {
  Fixture f;
  zone::Zone other = make_zone(f.account, "example.net");
  zone::Record r = make_record(f.zone, "www.example.com", "A", "192.0.2.1");
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  expect_ok(tx->insert_zone(other));
  expect_ok(tx->insert_record(r));
  auto cross = f.store->get_record(other.id, r.id);
  ASSERT_TRUE(cross);
  EXPECT_FALSE(cross->has_value());
  zone::Record moved = r;
  moved.zone_id = other.id;
  expect_fails(tx->update_record(moved), StoreErrc::kNotFound);
  expect_fails(tx->delete_record(other.id, r.id), StoreErrc::kNotFound);
  expect_ok(tx->commit());
  auto mine = f.store->get_record(f.zone.id, r.id);
  ASSERT_TRUE(mine && mine->has_value());
  EXPECT_EQ(**mine, r);
}

TEST(StoreRecordTest, IdenticalRecordsAreRejected) {
  Fixture f;
  zone::Record mx = make_record(f.zone, "example.com", "MX", "mail.example.com");
  mx.priority = 10;
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  expect_ok(tx->insert_record(mx));
  zone::Record twin = make_record(f.zone, "example.com", "MX", "mail.example.com");
  twin.priority = 10;
  twin.ttl = 600;  // TTL is not part of a record's identity
  expect_fails(tx->insert_record(twin), StoreErrc::kDuplicate,
               "an identical record already exists: example.com MX 10 mail.example.com");
  twin.priority = 20;  // another preference is another record
  expect_ok(tx->insert_record(twin));
  zone::Record txt = make_record(f.zone, "example.com", "TXT", "\"v=spf1 -all\"");
  expect_ok(tx->insert_record(txt));
  zone::Record txt2 = make_record(f.zone, "example.com", "TXT", "\"v=spf1 -all\"");
  expect_fails(tx->insert_record(txt2), StoreErrc::kDuplicate, "identical record");
  // Updating a record into an existing one's identity fails too.
  zone::Record clash = twin;
  clash.priority = 10;
  expect_fails(tx->update_record(clash), StoreErrc::kDuplicate, "identical record");
  zone::Record same_id = make_record(f.zone, "other.example.com", "A", "192.0.2.9");
  same_id.id = mx.id;
  expect_fails(tx->insert_record(same_id), StoreErrc::kDuplicate, "records.id");
  expect_ok(tx->commit());
  auto all = f.store->list_records(f.zone.id);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
}

TEST(StoreRecordTest, IntegrityChecksRejectBadValues) {
  Fixture f;
  struct Case {
    const char* what;
    void (*mutate)(zone::Record&);
    StoreErrc want;
  };
  const Case cases[] = {
      {"uppercase name", [](zone::Record& r) { r.name = "WWW.example.com"; },
       StoreErrc::kConstraint},
      {"trailing dot", [](zone::Record& r) { r.name = "www.example.com."; },
       StoreErrc::kConstraint},
      {"empty name", [](zone::Record& r) { r.name = ""; }, StoreErrc::kConstraint},
      {"lowercase type", [](zone::Record& r) { r.type = "a"; }, StoreErrc::kConstraint},
      {"short id", [](zone::Record& r) { r.id = "abc"; }, StoreErrc::kConstraint},
      {"uppercase id", [](zone::Record& r) { r.id = "ABCDEF0123456789ABCDEF0123456789"; },
       StoreErrc::kConstraint},
      {"ttl over 2^31-1", [](zone::Record& r) { r.ttl = 2147483648u; }, StoreErrc::kConstraint},
      {"settings not JSON", [](zone::Record& r) { r.settings_json = "ipv4_only"; },
       StoreErrc::kConstraint},
      {"settings not an object", [](zone::Record& r) { r.settings_json = "[]"; },
       StoreErrc::kConstraint},
      {"tags not an array", [](zone::Record& r) { r.tags_json = R"({"a":"b"})"; },
       StoreErrc::kConstraint},
      {"data not JSON", [](zone::Record& r) { r.data_json = "{weight: 5}"; },
       StoreErrc::kConstraint},
      {"no timestamp", [](zone::Record& r) { r.created_on = ""; }, StoreErrc::kConstraint},
      {"unknown zone", [](zone::Record& r) { r.zone_id = zone::new_id(); }, StoreErrc::kForeignKey},
  };
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  for (const Case& c : cases) {
    zone::Record r = make_record(f.zone, "www.example.com", "A", "192.0.2.1");
    c.mutate(r);
    auto res = tx->insert_record(r);
    ASSERT_FALSE(res) << c.what;
    EXPECT_EQ(res.error().code, code(c.want)) << c.what << ": " << res.error().message;
  }
  zone::Record ok = make_record(f.zone, "www.example.com", "A", "192.0.2.1");
  ok.ttl = 0;  // zone-file imports may carry any RFC 2181 TTL
  expect_ok(tx->insert_record(ok));
  expect_ok(tx->commit());
  auto count = f.store->count_records(f.zone.id);
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 1);
}

TEST(StoreRecordTest, ValuesAreBoundNeverInterpolated) {
  Fixture f;
  zone::Record r = make_record(f.zone, "x.example.com", "TXT", R"("'); DROP TABLE records; --")");
  r.comment = "it's \"quoted\" -- and ; separated";
  r.tags_json = R"(["o'brien:1"])";
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  expect_ok(tx->insert_record(r));
  expect_ok(tx->commit());
  auto found = f.store->find_records(f.zone.id, "x.example.com", "TXT");
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front(), r);
  auto evil = f.store->find_records(f.zone.id, "x.example.com' OR '1'='1", "");
  ASSERT_TRUE(evil);
  EXPECT_TRUE(evil->empty());
}

TEST(StoreRecordTest, FindRecordsByNameAndTypeUsesTheIndex) {
  Fixture f;
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_record(make_record(f.zone, "www.example.com", "A", "192.0.2.2")));
    expect_ok(tx->insert_record(make_record(f.zone, "www.example.com", "A", "192.0.2.1")));
    expect_ok(tx->insert_record(make_record(f.zone, "www.example.com", "AAAA", "2001:db8::1")));
    expect_ok(tx->insert_record(make_record(f.zone, "mail.example.com", "A", "192.0.2.25")));
    expect_ok(tx->commit());
  }
  auto a = f.store->find_records(f.zone.id, "www.example.com", "A");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].content, "192.0.2.1");
  EXPECT_EQ((*a)[1].content, "192.0.2.2");
  auto any = f.store->find_records(f.zone.id, "www.example.com");
  ASSERT_TRUE(any);
  ASSERT_EQ(any->size(), 3u);
  EXPECT_EQ((*any)[2].type, "AAAA");
  auto none = f.store->find_records(f.zone.id, "ftp.example.com", "A");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  RawDb raw(f.dir.path());
  const std::string plan = raw.text(
      "EXPLAIN QUERY PLAN SELECT id FROM records WHERE zone_id = 'z' AND name = 'n' AND type = 'A'"
      " ORDER BY name, type, content, ifnull(priority, -1)");
  EXPECT_NE(plan.find("USING INDEX records_identity (zone_id=? AND name=? AND type=?)"),
            std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  const std::string list_plan = raw.text(
      "EXPLAIN QUERY PLAN SELECT id FROM records WHERE zone_id = 'z'"
      " ORDER BY name, type, content, ifnull(priority, -1)");
  EXPECT_NE(list_plan.find("records_identity"), std::string::npos) << list_plan;
  EXPECT_EQ(list_plan.find("TEMP B-TREE"), std::string::npos) << list_plan;
}

// ---- settings, apps, tokens --------------------------------------------------------------

TEST(StoreSettingTest, PutGetListDelete) {
  Fixture f;
  const zone::ZoneSetting flat{f.zone.id, "cname_flattening", R"("flatten_at_root")", stamp()};
  const zone::ZoneSetting soa{
      f.zone.id, "soa", R"({"mname":"ns1.example.com","refresh":10000,"retry":2400})", stamp()};
  const zone::ZoneSetting ns_ttl{f.zone.id, "ns_ttl", "86400", stamp()};
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    for (const auto* s : {&flat, &soa, &ns_ttl}) expect_ok(tx->put_setting(*s));
    expect_fails(tx->put_setting({f.zone.id, "cname_flattening", "flatten_all", stamp()}),
                 StoreErrc::kConstraint);  // a JSON string needs its quotes
    expect_fails(tx->put_setting({zone::new_id(), "ns_ttl", "1", stamp()}), StoreErrc::kForeignKey);
    expect_ok(tx->commit());
  }
  auto all = f.store->list_settings(f.zone.id);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], flat);  // ordered by key
  EXPECT_EQ((*all)[1], ns_ttl);
  EXPECT_EQ((*all)[2], soa);

  const zone::ZoneSetting flat_all{f.zone.id, "cname_flattening", R"("flatten_all")", stamp()};
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->put_setting(flat_all));
    expect_ok(tx->delete_setting(f.zone.id, "ns_ttl"));
    expect_fails(tx->delete_setting(f.zone.id, "ns_ttl"), StoreErrc::kNotFound, "ns_ttl");
    expect_ok(tx->commit());
  }
  auto got = f.store->get_setting(f.zone.id, "cname_flattening");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, flat_all);
  auto gone = f.store->get_setting(f.zone.id, "ns_ttl");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
}

}  // namespace
}  // namespace dnsedge::store
