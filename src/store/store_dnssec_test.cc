// The store: DNSSEC state and keys (migration 4), and the file modes that protect private keys.

#include "store/store_test_util.h"

namespace dnsedge::store {
namespace {

constexpr char kPem[] =
    "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";

DnssecKeyRow key(const std::string& zone, const std::string& role, int64_t created) {
  DnssecKeyRow k;
  k.zone = zone;
  k.id = zone::new_id();
  k.role = role;
  k.key_tag = static_cast<uint16_t>(created % 65536);
  k.dnskey = std::string("\x01\x01\x03\x0d", 4) + std::string(64, '\x07');
  k.private_pem = kPem;
  k.phase = "active";
  k.created = created;
  k.published = created;
  k.active = created;
  return k;
}

TEST(StoreDnssecTest, StateAndKeysRoundTrip) {
  Fixture f;
  EXPECT_FALSE(f.store->dnssec_state("example.com").value().has_value());
  EXPECT_TRUE(f.store->dnssec_keys("example.com").value().empty());
  const DnssecState st{"example.com", "pending", stamp()};
  const DnssecKeyRow ksk = key("example.com", "ksk", 200), zsk = key("example.com", "zsk", 100);
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->put_dnssec_state(st));
    expect_ok(tx->put_dnssec_key(ksk));
    expect_ok(tx->put_dnssec_key(zsk));
    expect_ok(tx->commit());
  }
  EXPECT_EQ(f.store->dnssec_state("example.com").value(), st);
  EXPECT_EQ(f.store->dnssec_keys("example.com").value(), (std::vector<DnssecKeyRow>{zsk, ksk}));
  // Replacing a key (a phase change) keeps one row.
  DnssecKeyRow retired = zsk;
  retired.phase = "retired";
  retired.retired = 300;
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->put_dnssec_key(retired));
    expect_ok(tx->put_dnssec_state({"example.com", "active", stamp()}));
    expect_ok(tx->commit());
  }
  auto keys = f.store->dnssec_keys("example.com").value();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], retired);
  EXPECT_EQ(f.store->dnssec_state("example.com").value()->status, "active");
  // Another process's read-only connection sees the committed rows.
  auto reader = f.store->open_reader();
  ASSERT_TRUE(reader);
  EXPECT_EQ((*reader)->dnssec_keys("example.com").value().size(), 2u);
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    auto n = tx->delete_dnssec("example.com");
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 3);
    expect_ok(tx->commit());
  }
  EXPECT_FALSE(f.store->dnssec_state("example.com").value().has_value());
  EXPECT_TRUE(f.store->dnssec_keys("example.com").value().empty());
}

TEST(StoreDnssecTest, IntegrityChecks) {
  Fixture f;
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  expect_fails(tx->put_dnssec_state({"example.com", "on", stamp()}), StoreErrc::kConstraint);
  expect_fails(tx->put_dnssec_state({"", "active", stamp()}), StoreErrc::kConstraint);
  DnssecKeyRow k = key("example.com", "ksk", 1);
  k.role = "csk";
  expect_fails(tx->put_dnssec_key(k), StoreErrc::kConstraint);
  k = key("example.com", "ksk", 1);
  k.id = "nothex";
  expect_fails(tx->put_dnssec_key(k), StoreErrc::kConstraint);
  k = key("example.com", "ksk", 1);
  k.private_pem = "garbage";
  expect_fails(tx->put_dnssec_key(k), StoreErrc::kConstraint);
  k = key("example.com", "ksk", 1);
  k.phase = "gone";
  expect_fails(tx->put_dnssec_key(k), StoreErrc::kConstraint);
  // No error message quotes the private key.
  k = key("example.com", "ksk", 1);
  k.role = "x";
  auto e = tx->put_dnssec_key(k);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message.find("PRIVATE KEY"), std::string::npos) << e.error().message;
}

TEST(StoreDnssecTest, DeletingTheZoneDeletesItsKeys) {
  Fixture f;
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->put_dnssec_state({"example.com", "active", stamp()}));
    expect_ok(tx->put_dnssec_key(key("example.com", "ksk", 1)));
    // A file zone's keys (no zones row) are kept by name.
    expect_ok(tx->put_dnssec_key(key("file.example", "ksk", 1)));
    expect_ok(tx->commit());
  }
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->delete_zone(f.zone.id));
    expect_ok(tx->commit());
  }
  EXPECT_FALSE(f.store->dnssec_state("example.com").value().has_value());
  EXPECT_TRUE(f.store->dnssec_keys("example.com").value().empty());
  EXPECT_EQ(f.store->dnssec_keys("file.example").value().size(), 1u);
}

TEST(StoreDnssecTest, ProtectSecretsKeepsTheDatabaseToItsOwner) {
  Fixture f;
  const std::string db = f.store->path();
  auto mode = [](const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  };
  // As created: 0600 in 0700, nothing to change.
  EXPECT_EQ(mode(db), 0600u);
  EXPECT_EQ(mode(f.dir.path()), 0700u);
  auto r = f.store->protect_secrets();
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  // A database made readable by others (copied, restored from a backup) is tightened.
  ASSERT_EQ(::chmod(db.c_str(), 0644), 0);
  ASSERT_EQ(::chmod(f.dir.path().c_str(), 0755), 0);
  r = f.store->protect_secrets();
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  EXPECT_EQ(mode(db), 0600u);
  EXPECT_EQ(mode(f.dir.path()), 0700u);
  // SQLite gives the -wal file the database's mode: a key written now is in 0600 files only.
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->put_dnssec_key(key("example.com", "ksk", 1)));
    expect_ok(tx->commit());
  }
  ASSERT_TRUE(fs::exists(db + "-wal"));
  EXPECT_EQ(mode(db + "-wal"), 0600u);
}

}  // namespace
}  // namespace dnsedge::store
