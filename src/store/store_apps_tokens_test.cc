// The store: Spectrum apps, API tokens and the audit log.

#include "store/store_test_util.h"

namespace dnsedge::store {
namespace {

TEST(StoreAppTest, RoundTrips) {
  Fixture f;
  zone::Zone other = make_zone(f.account, "example.net");
  zone::SpectrumApp smtp{zone::new_id(), f.zone.id,
                         R"({"protocol":"tcp/25","dns":{"type":"CNAME","name":"smtp.example.com"},)"
                         R"("origin_direct":["tcp://192.0.2.1:25"],"proxy_protocol":"v1"})",
                         stamp(), stamp()};
  zone::SpectrumApp imap{zone::new_id(), other.id, R"({"protocol":"tcp/993"})", stamp(), stamp()};
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_zone(other));
    expect_ok(tx->insert_app(smtp));
    expect_ok(tx->insert_app(imap));
    zone::SpectrumApp bad = imap;
    bad.id = zone::new_id();
    bad.config_json = R"(["tcp/25"])";
    expect_fails(tx->insert_app(bad), StoreErrc::kConstraint);
    expect_ok(tx->commit());
  }
  auto got = f.store->get_app(f.zone.id, smtp.id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, smtp);
  auto wrong_zone = f.store->get_app(other.id, smtp.id);
  ASSERT_TRUE(wrong_zone);
  EXPECT_FALSE(wrong_zone->has_value());
  auto mine = f.store->list_apps(f.zone.id);
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->front(), smtp);
  auto all = f.store->list_all_apps();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);

  zone::SpectrumApp changed = smtp;
  changed.config_json = R"({"protocol":"tcp/25","proxy_protocol":"v2"})";
  changed.modified_on = stamp();
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->update_app(changed));
    expect_ok(tx->delete_app(other.id, imap.id));
    expect_fails(tx->delete_app(other.id, imap.id), StoreErrc::kNotFound);
    expect_fails(tx->update_app(imap), StoreErrc::kNotFound);
    expect_ok(tx->commit());
  }
  auto after = f.store->list_all_apps();
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(after->front(), changed);
}

TEST(StoreTokenTest, RoundTripsByHash) {
  TempDir dir;
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  // SHA-256("secret-one"), as the api would compute it.
  const std::string hash1 = "9f0a8c0bd7d1c1ad9b4d7d1e6a0bb3e61cbd8a0e2e2b3fdd2c0e7b5a4d8e3f21";
  const std::string hash2 = std::string(64, 'a');
  zone::ApiToken t1{zone::new_id(), "deploy", hash1, "active", stamp()};
  zone::ApiToken t2{zone::new_id(), "ci", hash2, "active", stamp()};
  {
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_token(t1));
    expect_ok(tx->insert_token(t2));
    zone::ApiToken dup{zone::new_id(), "dup", hash1, "active", stamp()};
    expect_fails(tx->insert_token(dup), StoreErrc::kDuplicate, "secret_hash");
    zone::ApiToken secret{zone::new_id(), "plain", "my-plain-secret", "active", stamp()};
    expect_fails(tx->insert_token(secret), StoreErrc::kConstraint);  // only a hash fits
    zone::ApiToken upper{zone::new_id(), "upper", std::string(64, 'A'), "active", stamp()};
    expect_fails(tx->insert_token(upper), StoreErrc::kConstraint);
    zone::ApiToken status{zone::new_id(), "s", std::string(64, 'b'), "revoked", stamp()};
    expect_fails(tx->insert_token(status), StoreErrc::kConstraint);
    expect_ok(tx->commit());
  }
  auto by_hash = store->get_token_by_hash(hash1);
  ASSERT_TRUE(by_hash && by_hash->has_value());
  EXPECT_EQ(**by_hash, t1);
  auto unknown = store->get_token_by_hash(std::string(64, 'c'));
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->has_value());
  auto list = store->list_tokens();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0], t1);
  EXPECT_EQ((*list)[1], t2);

  zone::ApiToken disabled = t2;
  disabled.status = "disabled";
  disabled.name = "ci-old";
  {
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->update_token(disabled));
    expect_ok(tx->delete_token(t1.id));
    expect_fails(tx->delete_token(t1.id), StoreErrc::kNotFound);
    expect_fails(tx->update_token(t1), StoreErrc::kNotFound);
    expect_ok(tx->commit());
  }
  auto got = store->get_token(t2.id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, disabled);
  auto gone = store->get_token_by_hash(hash1);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
}

TEST(StoreTokenTest, ScopeFieldsRoundTripAndAreChecked) {
  TempDir dir;
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  zone::ApiToken t{zone::new_id(), "scoped", std::string(64, 'd'), "active", stamp()};
  t.policies_json = R"([{"id":"p","effect":"allow","permission_groups":[],"resources":{}}])";
  t.condition_json = R"({"request_ip":{"in":["192.0.2.0/24"]}})";
  t.not_before = "2026-01-01T00:00:00Z";
  t.expires_on = "2027-01-01T00:00:00Z";
  {
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_token(t));
    zone::ApiToken bad{zone::new_id(), "bad", std::string(64, 'e'), "active", stamp()};
    bad.policies_json = "[not json";
    expect_fails(tx->insert_token(bad), StoreErrc::kConstraint);
    bad.policies_json = "[]";
    bad.condition_json = "[]";  // an object only
    expect_fails(tx->insert_token(bad), StoreErrc::kConstraint);
    expect_ok(tx->commit());
  }
  auto got = store->get_token(t.id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, t);
  // update replaces every field but id and created_on, the secret hash included (a rolled token)
  zone::ApiToken rolled = t;
  rolled.secret_hash = std::string(64, 'f');
  rolled.policies_json = std::string(zone::kAllPolicies);
  rolled.expires_on.clear();
  rolled.modified_on = stamp();
  {
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->update_token(rolled));
    expect_ok(tx->commit());
  }
  auto by_new = store->get_token_by_hash(rolled.secret_hash);
  ASSERT_TRUE(by_new && by_new->has_value());
  EXPECT_EQ(**by_new, rolled);
}

TEST(StoreTokenTest, TokensFromBeforeScopesKeepEveryPermission) {
  TempDir dir;
  {
    auto store = open_ok(dir.path());
    ASSERT_TRUE(store);
  }
  {  // the database as schema version 2 left it, with a token
    RawDb raw(dir.path());
    raw.exec("DROP TABLE audit_log");
    raw.exec("DROP TABLE page_rules");
    for (const char* c : {"policies", "condition", "not_before", "expires_on", "modified_on"}) {
      raw.exec(std::string("ALTER TABLE api_tokens DROP COLUMN ") + c);
    }
    raw.exec("DROP TRIGGER dnssec_zone_deleted");  // and without what later migrations add
    raw.exec("DROP TABLE dnssec_keys");
    raw.exec("DROP TABLE dnssec_zones");
    raw.exec("DROP TABLE dns_analytics");
    raw.exec("DELETE FROM schema_version WHERE version >= 3");
    raw.exec("INSERT INTO api_tokens VALUES ('" + std::string(32, 'a') + "', 'old', '" + std::string(64, 'b') +
             "', 'active', '2026-01-01T00:00:00Z')");
  }
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  auto t = store->get_token_by_hash(std::string(64, 'b'));
  ASSERT_TRUE(t && t->has_value());
  EXPECT_EQ((*t)->policies_json, zone::kAllPolicies);
  EXPECT_EQ((*t)->condition_json, "{}");
  EXPECT_EQ((*t)->expires_on, "");
}

zone::AuditEntry audit_entry(const std::string& time, const std::string& account = std::string(32, 'a')) {
  zone::AuditEntry e;
  e.id = zone::new_id();
  e.time = time;
  e.account_id = account;
  e.action = "create";
  e.result = true;
  e.status = 200;
  e.actor_id = std::string(32, 'c');
  e.actor_ip = "192.0.2.1";
  e.method = "POST";
  e.path = "/client/v4/zones";
  e.resource_type = "zones";
  e.metadata_json = R"({"k":"v"})";
  return e;
}

TEST(StoreAuditTest, ListsFiltersPagesAndDropsOldEntries) {
  TempDir dir;
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  std::vector<zone::AuditEntry> in;
  for (int d = 1; d <= 5; ++d) in.push_back(audit_entry("2026-11-0" + std::to_string(d) + "T10:00:00.000000Z"));
  in.push_back(audit_entry("2026-11-05T11:00:00.000000Z", std::string(32, 'b')));
  {
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    for (const auto& e : in) expect_ok(tx->insert_audit(e));
    zone::AuditEntry bad = audit_entry("2026-11-05T12:00:00.000000Z");
    bad.metadata_json = "[]";
    expect_fails(tx->insert_audit(bad), StoreErrc::kConstraint);
    expect_ok(tx->commit());
  }
  AuditQuery q;
  q.account_id = std::string(32, 'a');
  auto all = store->list_audit(q);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->total, 5);
  ASSERT_EQ(all->entries.size(), 5u);
  EXPECT_EQ(all->entries.front().id, in[4].id);  // newest first
  zone::AuditEntry want = in[4];
  want.seq = all->entries.front().seq;
  EXPECT_EQ(all->entries.front(), want);
  q.since = "2026-11-02T00:00:00.000000Z";
  q.before = "2026-11-04T00:00:00.000000Z";
  q.newest_first = false;
  auto window = store->list_audit(q);
  ASSERT_TRUE(window);
  ASSERT_EQ(window->entries.size(), 2u);
  EXPECT_EQ(window->entries[0].id, in[1].id);
  EXPECT_EQ(window->entries[1].id, in[2].id);
  q = AuditQuery{};
  q.limit = 2;
  q.offset = 4;
  auto page = store->list_audit(q);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 6);
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[1].id, in[0].id);
  // an entry 90 days on drops everything older than 90 days before it
  {
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_audit(audit_entry("2027-01-30T10:00:01.000000Z")));  // 2026-11-01T10:00:01 + 90 days
    expect_ok(tx->commit());
  }
  auto left = store->list_audit(AuditQuery{});
  ASSERT_TRUE(left);
  EXPECT_EQ(left->total, 6);  // 2026-11-01 is gone, the new one came
  EXPECT_EQ(left->entries.back().id, in[1].id);
}

TEST(StoreAuditTest, StagedEntriesCommitWithTheNextTransactionOnly) {
  TempDir dir;
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  const zone::AuditEntry e = audit_entry("2026-11-26T08:00:00.000000Z");
  store->stage_audit(e);
  {
    auto tx = store->begin();  // rolled back: the entry stays staged
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_account({zone::new_id(), "x", stamp()}));
  }
  {
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_account({zone::new_id(), "y", stamp()}));
    expect_ok(tx->commit());
  }
  EXPECT_TRUE(store->unstage_audit().empty());
  auto after = store->list_audit(AuditQuery{});
  ASSERT_TRUE(after);
  ASSERT_EQ(after->entries.size(), 1u);
  EXPECT_EQ(after->entries[0].id, e.id);
  // nothing committed: the caller gets it back
  store->stage_audit(audit_entry("2026-11-26T08:00:01.000000Z"));
  EXPECT_EQ(store->unstage_audit().size(), 1u);
  EXPECT_TRUE(store->unstage_audit().empty());
}

}  // namespace
}  // namespace dnsedge::store
