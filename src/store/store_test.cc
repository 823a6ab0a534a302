// The store: opening and migrations, transactions and readers, durability, crashes and a full
// disk. The rows themselves: store_zones_test.cc, store_apps_tokens_test.cc, store_journal_test.cc.

#include "store/store_test_util.h"

namespace dnsedge::store {
namespace {

// ---- open and migrations ---------------------------------------------------------------------

TEST(StoreOpenTest, CreatesDatabaseInWalModeWithPrivateFile) {
  TempDir dir;
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  const std::string db = dir.path() + "/dnsedge.db";
  EXPECT_EQ(store->path(), db);
  struct stat st {};
  ASSERT_EQ(::stat(db.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  RawDb raw(dir.path());
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.text("SELECT max(version) FROM schema_version"), std::to_string(Store::kSchemaVersion));
  EXPECT_EQ(raw.text("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"),
            "accounts\napi_tokens\naudit_log\ndns_analytics\ndnssec_keys\ndnssec_zones\npage_rules\nrecords\nschema_version\n"
            "secondary_data\nserved_views\nspectrum_apps\nxfr_journal\nxfr_objects\nzone_serial_floors\n"
            "zone_settings\nzones");
  EXPECT_EQ(raw.text("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
                     " ORDER BY name"),
            "audit_log_time\npage_rules_zone\nrecords_identity\nspectrum_apps_zone\nxfr_journal_zone\nzones_account");
}

TEST(StoreOpenTest, CreatesMissingDataDirectories) {
  TempDir dir;
  const std::string nested = dir.path() + "/a/b/data";
  auto store = open_ok(nested);
  ASSERT_TRUE(store);
  EXPECT_TRUE(fs::exists(nested + "/dnsedge.db"));
  EXPECT_EQ(fs::status(nested).permissions() & fs::perms::all, fs::perms::owner_all);
}

TEST(StoreOpenTest, FailsWhenDataDirectoryIsAFile) {
  TempDir dir;
  const std::string file = dir.path() + "/plain";
  std::ofstream(file) << "x";
  auto s = Store::open(file);
  expect_fails(s, StoreErrc::kIo, "not a directory");
  expect_fails(Store::open(""), StoreErrc::kIo, "empty data directory");
}

TEST(StoreOpenTest, RejectsAFileThatIsNotADatabase) {
  TempDir dir;
  std::ofstream(dir.path() + "/dnsedge.db") << std::string(4096, 'x');
  expect_fails(Store::open(dir.path()), StoreErrc::kCorrupt, "not a database");
}

TEST(StoreOpenTest, ReopeningKeepsDataAndDoesNotMigrateAgain) {
  TempDir dir;
  std::vector<std::pair<int, std::string>> history;
  zone::Account a = make_account("kept");
  {
    auto store = open_ok(dir.path());
    ASSERT_TRUE(store);
    auto h = store->schema_history();
    ASSERT_TRUE(h);
    history = *h;
    ASSERT_EQ(history.size(), static_cast<size_t>(store::Store::kSchemaVersion));
    EXPECT_EQ(history[0].first, 1);
    EXPECT_EQ(history.back().first, store::Store::kSchemaVersion);
    EXPECT_TRUE(zone::parse_rfc3339(history[0].second)) << history[0].second;
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_account(a));
    expect_ok(tx->commit());
  }
  std::this_thread::sleep_for(2ms);  // a re-migration would stamp a different applied_on
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  auto h = store->schema_history();
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, history);
  auto accounts = store->list_accounts();
  ASSERT_TRUE(accounts);
  ASSERT_EQ(accounts->size(), 1u);
  EXPECT_EQ(accounts->front(), a);
}

TEST(StoreOpenTest, MigrationFiveDropsTheJsonChangeJournal) {
  TempDir dir;
  zone::Account a = make_account("kept");
  {
    auto store = open_ok(dir.path());
    ASSERT_TRUE(store);
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_account(a));
    expect_ok(tx->commit());
  }
  {  // the database as schema version 4 left it: migration 1's journal, with an entry
    RawDb raw(dir.path());
    raw.exec(
        "CREATE TABLE journal (seq INTEGER PRIMARY KEY, zone_id TEXT NOT NULL REFERENCES zones(id)"
        " ON DELETE CASCADE, serial INTEGER NOT NULL CHECK (serial BETWEEN 0 AND 4294967295),"
        " time TEXT NOT NULL CHECK (time <> ''), change TEXT NOT NULL CHECK (json_valid(change)),"
        " UNIQUE (zone_id, serial)) STRICT");
    raw.exec("CREATE INDEX journal_zone ON journal(zone_id)");
    raw.exec("INSERT INTO journal (zone_id, serial, time, change) VALUES ('" + std::string(32, 'a') +
             "', 7, '2026-01-01T00:00:00Z', '{\"op\":\"create-zone\"}')");
    raw.exec("DROP TABLE page_rules");  // and without what later migrations add
    raw.exec("DROP TABLE dns_analytics");
    raw.exec("DELETE FROM schema_version WHERE version >= 5");
    EXPECT_EQ(raw.text("SELECT max(version) FROM schema_version"), "4");
  }
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  RawDb raw(dir.path());
  EXPECT_EQ(raw.text("SELECT count(*) FROM sqlite_schema WHERE name IN ('journal', 'journal_zone')"), "0");
  auto h = store->schema_history();
  ASSERT_TRUE(h);
  ASSERT_FALSE(h->empty());
  EXPECT_EQ(h->back().first, Store::kSchemaVersion);
  auto accounts = store->list_accounts();  // the rest of the database is kept
  ASSERT_TRUE(accounts);
  ASSERT_EQ(accounts->size(), 1u);
  EXPECT_EQ(accounts->front(), a);
}

TEST(StoreOpenTest, RefusesADatabaseFromANewerVersion) {
  TempDir dir;
  { ASSERT_TRUE(open_ok(dir.path())); }
  {
    RawDb raw(dir.path());
    raw.exec("INSERT INTO schema_version VALUES (" + std::to_string(Store::kSchemaVersion + 1) +
             ", '2030-01-01T00:00:00.000000Z')");
  }
  expect_fails(Store::open(dir.path()), StoreErrc::kSchema,
               "schema version " + std::to_string(Store::kSchemaVersion + 1) + " is newer");
}

TEST(StoreOpenTest, ReadOnlyReaderWithoutAStore) {
  TempDir dir;
  // No store there: nothing is created.
  expect_fails(Store::open_reader(dir.path() + "/nope"), StoreErrc::kIo, "no store at");
  EXPECT_FALSE(fs::exists(dir.path() + "/nope"));
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  auto reader = Store::open_reader(dir.path());
  ASSERT_TRUE(reader) << reader.error().message;
  // It sees what the writer commits afterwards (WAL).
  ASSERT_TRUE(store->ensure_default_account("Default Account", test_clock()));
  auto accounts = (*reader)->list_accounts();
  ASSERT_TRUE(accounts) << accounts.error().message;
  EXPECT_EQ(accounts->size(), 1u);
  {
    RawDb raw(dir.path());
    raw.exec("INSERT INTO schema_version VALUES (" + std::to_string(Store::kSchemaVersion + 1) +
             ", '2030-01-01T00:00:00.000000Z')");
  }
  expect_fails(Store::open_reader(dir.path()), StoreErrc::kSchema,
               "schema version " + std::to_string(Store::kSchemaVersion + 1));
}

// ---- transactions and readers ----------------------------------------------------------------

TEST(StoreTransactionTest, DestructorRollsBackEverything) {
  Fixture f;
  zone::Zone z2 = make_zone(f.account, "example.org");
  {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_zone(z2));
    expect_ok(tx->insert_record(make_record(z2, "www.example.org", "A", "192.0.2.1")));
    expect_ok(tx->insert_record(make_record(f.zone, "www.example.com", "A", "192.0.2.1")));
    expect_ok(tx->bump_serial(f.zone.id));
    expect_ok(tx->put_setting({f.zone.id, "ns_ttl", "3600", stamp()}));
    // Uncommitted writes are visible on the writer's own connection ...
    auto inside = f.store->list_records(f.zone.id);
    ASSERT_TRUE(inside);
    EXPECT_EQ(inside->size(), 1u);
  }  // ... and gone once the transaction is destroyed.
  const auto check = [&](Reader& r) {
    auto zones = r.list_zones();
    ASSERT_TRUE(zones);
    ASSERT_EQ(zones->size(), 1u);
    EXPECT_EQ(zones->front(), f.zone);  // serial 1: the bump was rolled back
    auto records = r.list_records(f.zone.id);
    ASSERT_TRUE(records);
    EXPECT_TRUE(records->empty());
    auto settings = r.list_settings(f.zone.id);
    ASSERT_TRUE(settings);
    EXPECT_TRUE(settings->empty());
  };
  check(*f.store);
  f.store.reset();
  auto reopened = open_ok(f.dir.path());
  ASSERT_TRUE(reopened);
  check(*reopened);
  RawDb raw(f.dir.path());
  EXPECT_EQ(raw.text("SELECT count(*) FROM records"), "0");
}

TEST(StoreTransactionTest, FinishedTransactionsRefuseWork) {
  Fixture f;
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  EXPECT_TRUE(tx->active());
  expect_fails(f.store->begin(), StoreErrc::kMisuse, "already open");
  expect_fails(f.store->begin_read(), StoreErrc::kMisuse);
  expect_ok(tx->insert_record(make_record(f.zone, "a.example.com", "A", "192.0.2.1")));
  expect_ok(tx->commit());
  EXPECT_FALSE(tx->active());
  expect_fails(tx->commit(), StoreErrc::kMisuse, "already committed");
  expect_fails(tx->rollback(), StoreErrc::kMisuse);
  expect_fails(tx->insert_record(make_record(f.zone, "b.example.com", "A", "192.0.2.1")),
               StoreErrc::kMisuse);
  expect_fails(tx->bump_serial(f.zone.id), StoreErrc::kMisuse);

  auto tx2 = f.store->begin();  // the store is free again
  ASSERT_TRUE(tx2) << tx2.error().message;
  expect_ok(tx2->insert_record(make_record(f.zone, "c.example.com", "A", "192.0.2.1")));
  expect_ok(tx2->rollback());
  Transaction moved = std::move(*tx2);
  EXPECT_FALSE(moved.active());
  auto count = f.store->count_records(f.zone.id);
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 1);
}

TEST(StoreTransactionTest, MovedTransactionCommitsOnce) {
  Fixture f;
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  Transaction owner = std::move(*tx);
  EXPECT_FALSE(tx->active());
  expect_ok(owner.insert_record(make_record(f.zone, "a.example.com", "A", "192.0.2.1")));
  expect_ok(owner.commit());
  auto count = f.store->count_records(f.zone.id);
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 1);
}

TEST(StoreTransactionTest, LargeBatchCommitsAsOne) {
  Fixture f;
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  for (int i = 0; i < 3500; ++i) {
    auto r = tx->insert_record(
        make_record(f.zone, "h" + std::to_string(i) + ".example.com", "A", "192.0.2.1"));
    ASSERT_TRUE(r) << r.error().message;
  }
  expect_ok(tx->commit());
  auto count = f.store->count_records(f.zone.id);
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 3500);
}

TEST(StoreReaderTest, SeesOnlyCommittedData) {
  Fixture f;
  auto reader = f.store->open_reader();
  ASSERT_TRUE(reader) << reader.error().message;
  auto tx = f.store->begin();
  ASSERT_TRUE(tx);
  zone::Record r = make_record(f.zone, "www.example.com", "A", "192.0.2.1");
  expect_ok(tx->insert_record(r));
  auto before = (*reader)->list_records(f.zone.id);  // not blocked by the open write
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_TRUE(before->empty());
  expect_ok(tx->commit());
  auto after = (*reader)->get_record(f.zone.id, r.id);
  ASSERT_TRUE(after && after->has_value());
  EXPECT_EQ(**after, r);
}

TEST(StoreReaderTest, ReadTransactionHoldsOneSnapshot) {
  Fixture f;
  auto reader = f.store->open_reader();
  ASSERT_TRUE(reader);
  {
    auto snap = (*reader)->begin_read();
    ASSERT_TRUE(snap) << snap.error().message;
    expect_fails((*reader)->begin_read(), StoreErrc::kMisuse);
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_record(make_record(f.zone, "www.example.com", "A", "192.0.2.1")));
    expect_ok(tx->bump_serial(f.zone.id));
    expect_ok(tx->commit());
    auto count = (*reader)->count_records(f.zone.id);
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 0);
    auto z = (*reader)->get_zone(f.zone.id);
    ASSERT_TRUE(z && z->has_value());
    EXPECT_EQ((*z)->serial, 1u);
  }
  auto count = (*reader)->count_records(f.zone.id);
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 1);
}

TEST(StoreReaderTest, ConcurrentReaderNeverSeesHalfATransaction) {
  Fixture f;
  auto opened = f.store->open_reader();
  ASSERT_TRUE(opened);
  std::unique_ptr<Reader> reader = std::move(*opened);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> odd{0};
  std::atomic<int> errors{0};
  std::thread t([&] {
    while (!done.load()) {
      auto snap = reader->begin_read();
      if (!snap) {
        ++errors;
        continue;
      }
      auto n = reader->count_records(f.zone.id);
      auto z = reader->get_zone(f.zone.id);
      if (!n || !z || !z->has_value()) {
        ++errors;
        continue;
      }
      // Each transaction adds two records and one serial.
      if (*n % 2 != 0 || (*z)->serial != 1 + *n / 2) ++odd;
      ++reads;
    }
  });
  for (int i = 0; i < 150; ++i) {
    auto tx = f.store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_record(
        make_record(f.zone, "a" + std::to_string(i) + ".example.com", "A", "192.0.2.1")));
    expect_ok(tx->bump_serial(f.zone.id));
    expect_ok(tx->insert_record(
        make_record(f.zone, "b" + std::to_string(i) + ".example.com", "A", "192.0.2.1")));
    expect_ok(tx->commit());
  }
  while (reads.load() + errors.load() < 10) std::this_thread::yield();
  done = true;
  t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(odd.load(), 0);
  EXPECT_GE(reads.load(), 10);
}

// ---- durability ------------------------------------------------------------------------------

// Measured on the project machine (ext4 on a virtio disk under /tmp, 2 cores, Debug build, load
// average ~2 from parallel builds), 300 single-record commits per mode, 12 runs:
//   synchronous=FULL   (WAL fsync on every commit):  typically 150-550 commits/s (2-7 ms per
//                                                     commit); 3,600-4,800/s in the rare runs
//                                                     where the host's fsync was fast
//   synchronous=NORMAL (fsync at checkpoints only):  8,000-15,000 commits/s
//   one transaction of 1000 records with FULL:       25,000-55,000 records/s
// The fsync per commit is nearly the whole cost (FULL is 20-80x slower per commit), which is why
// the api commits one transaction per request: a batch of 100 changes costs one fsync, not 100.
// The test prints its own figures; it asserts only that both modes stored every record.
TEST(StoreDurabilityTest, MeasuresCommitCostFullVersusNormal) {
  const auto run = [](Durability d, int commits) {
    TempDir dir;
    auto store = open_ok(dir.path(), StoreOptions{.durability = d});
    EXPECT_TRUE(store);
    if (!store) return 0.0;
    zone::Account a = make_account();
    zone::Zone z = make_zone(a, "example.com");
    {
      auto tx = store->begin();
      EXPECT_TRUE(tx);
      expect_ok(tx->insert_account(a));
      expect_ok(tx->insert_zone(z));
      expect_ok(tx->commit());
    }
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < commits; ++i) {
      auto tx = store->begin();
      EXPECT_TRUE(tx);
      expect_ok(tx->insert_record(
          make_record(z, "h" + std::to_string(i) + ".example.com", "A", "192.0.2.1")));
      expect_ok(tx->commit());
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    auto count = store->count_records(z.id);
    EXPECT_TRUE(count);
    if (count) {
      EXPECT_EQ(*count, commits);
    }
    return commits / took.count();
  };
  const double full = run(Durability::kFull, 300);
  const double normal = run(Durability::kNormal, 300);

  TempDir dir;
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  zone::Account a = make_account();
  zone::Zone z = make_zone(a, "example.com");
  const auto start = std::chrono::steady_clock::now();
  {
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_account(a));
    expect_ok(tx->insert_zone(z));
    for (int i = 0; i < 1000; ++i) {
      expect_ok(tx->insert_record(
          make_record(z, "h" + std::to_string(i) + ".example.com", "A", "192.0.2.1")));
    }
    expect_ok(tx->commit());
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf(
      "[ measure  ] commits/s: synchronous=FULL %.0f, NORMAL %.0f; batch of 1000 with FULL: "
      "%.0f records/s\n",
      full, normal, 1000 / took.count());
  RecordProperty("full_commits_per_s", static_cast<int>(full));
  RecordProperty("normal_commits_per_s", static_cast<int>(normal));
  EXPECT_GT(full, 0);
  EXPECT_GT(normal, 0);
}

// A writer process commits transactions and reports each one on a pipe only after commit()
// returned; it is SIGKILLed at a random moment, often inside a commit. Every reported commit must
// be on disk, and every transaction must be there whole or not at all. Several rounds continue
// the same database, so recovery of a WAL left by a killed writer is exercised too.
//
// kill -9 does not lose the page cache, so this proves atomicity and that an acknowledged commit
// was written; that it also survives power loss rests on synchronous=FULL (fsync before COMMIT
// returns), which this test cannot cut power to check.
TEST(StoreCrashTest, AckedCommitsSurviveSigkillAndPartialOnesVanish) {
  TempDir dir;
  zone::Account a = make_account();
  zone::Zone z = make_zone(a, "example.com", 100);
  {
    auto store = open_ok(dir.path());
    ASSERT_TRUE(store);
    auto tx = store->begin();
    ASSERT_TRUE(tx);
    expect_ok(tx->insert_account(a));
    expect_ok(tx->insert_zone(z));
    expect_ok(tx->commit());
  }  // closed before fork: the child opens its own connection

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  constexpr int kRounds = 8;
  constexpr int kPerRound = 40;
  int committed = 0;  // transactions known to be on disk before this round
  int unacked_commits = 0;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    common::UniqueFd rd(fds[0]), wr(fds[1]);
    const int start = committed;
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      rd.reset();
      auto store = Store::open(dir.path());
      if (!store) ::_exit(2);
      for (int i = start; i < start + kPerRound; ++i) {
        auto tx = (*store)->begin();
        if (!tx) ::_exit(3);
        const std::string n = std::to_string(i);
        zone::Record first = make_record(z, "a" + n + ".example.com", "TXT", "\"" + n + "\"");
        zone::Record second = make_record(z, "b" + n + ".example.com", "TXT", "\"" + n + "\"");
        if (!tx->insert_record(first)) ::_exit(4);
        auto serial = tx->bump_serial(z.id);
        if (!serial) ::_exit(5);
        if (!tx->append_xfr_journal(z.name, *serial - 1, *serial, "{\"i\":" + n + "}", 1000)) ::_exit(6);
        if (!tx->insert_record(second)) ::_exit(7);
        if (!tx->commit()) ::_exit(8);
        const std::string line = "acked " + n + "\n";
        if (::write(wr.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
          ::_exit(9);
      }
      ::_exit(0);
    }
    wr.reset();
    // Wait for a random number of acks, then kill after a random short delay.
    const int kill_after = std::uniform_int_distribution<int>(1, kPerRound - 5)(rng);
    std::string acks;
    int max_acked = start - 1;
    const auto absorb = [&](const char* buf, ssize_t n) {
      acks.append(buf, static_cast<size_t>(n));
      size_t pos;
      while ((pos = acks.find('\n')) != std::string::npos) {
        const std::string line = acks.substr(0, pos);
        acks.erase(0, pos + 1);
        ASSERT_EQ(line.rfind("acked ", 0), 0u) << line;
        const int i = std::stoi(line.substr(6));
        EXPECT_EQ(i, max_acked + 1);
        max_acked = i;
      }
    };
    char buf[512];
    while (max_acked - start + 1 < kill_after) {
      const ssize_t n = ::read(rd.get(), buf, sizeof buf);
      ASSERT_GT(n, 0) << "writer exited early";
      absorb(buf, n);
    }
    const int spin_us = std::uniform_int_distribution<int>(0, 4000)(rng);
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(spin_us);
    while (std::chrono::steady_clock::now() < until) {
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    for (;;) {  // acks written before the kill are still in the pipe
      const ssize_t n = ::read(rd.get(), buf, sizeof buf);
      if (n <= 0) break;
      absorb(buf, n);
    }
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "writer failed";
    } else {
      ASSERT_TRUE(WIFSIGNALED(status));
      EXPECT_EQ(WTERMSIG(status), SIGKILL);
    }

    auto store = open_ok(dir.path());
    ASSERT_TRUE(store);
    auto records = store->list_records(z.id);
    ASSERT_TRUE(records);
    std::set<std::string> names;
    for (const auto& r : *records) names.insert(r.name);
    ASSERT_EQ(names.size(), records->size());
    int present = 0;
    for (int i = 0; i < start + kPerRound; ++i) {
      const bool has_a = names.count("a" + std::to_string(i) + ".example.com") != 0;
      const bool has_b = names.count("b" + std::to_string(i) + ".example.com") != 0;
      ASSERT_EQ(has_a, has_b) << "transaction " << i << " is half there";
      if (i <= max_acked) {
        ASSERT_TRUE(has_a) << "acked transaction " << i << " is lost";
      }
      if (has_a) {
        ASSERT_EQ(i, present) << "transactions are not a prefix";
        ++present;
      }
    }
    // At most one transaction committed without its ack (killed between commit and write).
    ASSERT_GE(present, max_acked + 1);
    ASSERT_LE(present, max_acked + 2);
    unacked_commits += present - (max_acked + 1);
    auto zone_now = store->get_zone(z.id);
    ASSERT_TRUE(zone_now && zone_now->has_value());
    EXPECT_EQ((*zone_now)->serial, 100u + static_cast<uint32_t>(present));
    // The transaction's journal entry (the IXFR journal, as a write's transaction appends it)
    // is there exactly when its records are.
    auto journal = store->xfr_journal(z.name);
    ASSERT_TRUE(journal);
    ASSERT_EQ(journal->size(), static_cast<size_t>(present));
    for (int i = 0; i < present; ++i) {
      EXPECT_EQ((*journal)[static_cast<size_t>(i)], "{\"i\":" + std::to_string(i) + "}");
    }
    EXPECT_EQ(records->size(), static_cast<size_t>(2 * present));
    committed = present;
  }
  EXPECT_GT(committed, kRounds);
  std::printf(
      "[ crash    ] %d rounds, %d transactions survived, %d committed but unacked; seed %u\n",
      kRounds, committed, unacked_commits, seed);
}

// (nothing leaks to the host, it goes away with the process), filled with a filler file.
// ok() is false where mounting is not allowed (not root): the tests then skip.
class SmallDisk {
 public:
  explicit SmallDisk(size_t kib) {
    if (::unshare(CLONE_NEWNS) != 0) return;
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return;
    const std::string opts = "size=" + std::to_string(kib) + "k,mode=0700";
    ok_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallDisk() {
    if (ok_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return dir_.path(); }
  // Writes the filler until the filesystem has no byte left.
  void fill() {
    common::UniqueFd fd(::open(filler().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    ASSERT_TRUE(fd.valid());
    for (size_t chunk : {size_t{65536}, size_t{4096}, size_t{1}}) {
      const std::string data(chunk, '\0');
      while (::write(fd.get(), data.data(), data.size()) == static_cast<ssize_t>(chunk)) {
      }
    }
    ASSERT_EQ(errno, ENOSPC);
  }
  void free() { ASSERT_EQ(::unlink(filler().c_str()), 0); }

 private:
  std::string filler() const { return dir_.path() + "/filler"; }
  TempDir dir_;
  bool ok_ = false;
};

TEST(StoreFullDiskTest, OpensReadOnlyOnAFullDiskAndWritesResumeWhenSpaceReturns) {
  SmallDisk disk(4096);
  if (!disk.ok()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const zone::Account account = make_account();
  const zone::Zone zone = make_zone(account, "example.com");
  {
    auto st = open_ok(disk.path());
    auto tx = st->begin();
    expect_ok(tx->insert_account(account));
    expect_ok(tx->insert_zone(zone));
    expect_ok(tx->commit());
  }  // closed: the WAL is checkpointed into the database and removed
  disk.fill();
  // Without the option: the error says the disk is full.
  expect_fails(Store::open(disk.path()), StoreErrc::kFull);

  std::vector<bool> episodes;
  StoreOptions options;
  options.read_only_when_full = true;
  options.on_disk_full = [&](bool full) { episodes.push_back(full); };
  auto st = open_ok(disk.path(), options);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->read_only());
  EXPECT_TRUE(st->disk_full());
  EXPECT_EQ(episodes, std::vector<bool>{true});
  // The last committed state reads.
  auto zones = st->list_zones();
  ASSERT_TRUE(zones);
  ASSERT_EQ(zones->size(), 1u);
  EXPECT_EQ((*zones)[0].name, "example.com");
  // Writes are refused, each one retrying; the episode is reported once.
  for (int i = 0; i < 3; ++i) expect_fails(st->begin(), StoreErrc::kFull, "disk is full");
  EXPECT_EQ(episodes, std::vector<bool>{true});

  disk.free();
  auto tx = st->begin();
  ASSERT_TRUE(tx) << tx.error().message;
  EXPECT_FALSE(st->read_only());
  expect_ok(tx->insert_zone(make_zone(account, "example.org")));
  expect_ok(tx->commit());
  EXPECT_EQ(episodes, (std::vector<bool>{true, false}));
  EXPECT_FALSE(st->disk_full());
  EXPECT_EQ(st->list_zones()->size(), 2u);
}

TEST(StoreFullDiskTest, NoDatabaseYetOnAFullDiskReadsEmpty) {
  SmallDisk disk(1024);
  if (!disk.ok()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  disk.fill();
  StoreOptions options;
  options.read_only_when_full = true;
  auto st = open_ok(disk.path(), options);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->read_only());
  EXPECT_TRUE(st->list_zones()->empty());
  expect_fails(st->begin(), StoreErrc::kFull);
  disk.free();
  auto tx = st->begin();
  ASSERT_TRUE(tx) << tx.error().message;
  const zone::Account account = make_account();
  expect_ok(tx->insert_account(account));
  expect_ok(tx->commit());
  st.reset();
  EXPECT_EQ(open_ok(disk.path())->list_accounts()->size(), 1u);
}

TEST(StoreFullDiskTest, ACommitThatFillsTheDiskRollsBackAndSaysFull) {
  SmallDisk disk(4096);
  if (!disk.ok()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  std::vector<bool> episodes;
  StoreOptions options;
  options.read_only_when_full = true;
  options.on_disk_full = [&](bool full) { episodes.push_back(full); };
  auto st = open_ok(disk.path(), options);
  ASSERT_TRUE(st);
  const zone::Account account = make_account();
  const zone::Zone zone = make_zone(account, "example.com");
  {
    auto tx = st->begin();
    expect_ok(tx->insert_account(account));
    expect_ok(tx->insert_zone(zone));
    expect_ok(tx->commit());
  }
  disk.fill();
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto tx = st->begin();
    ASSERT_TRUE(tx) << tx.error().message;
    Result<void> r;
    for (int i = 0; i < 50 && r; ++i) {
      r = tx->insert_record(make_record(zone, "r" + std::to_string(i) + ".example.com", "TXT", std::string(2000, 'x')));
    }
    if (r) r = tx->commit();
    ASSERT_FALSE(r);
    expect_err(r.error(), StoreErrc::kFull);
  }
  EXPECT_EQ(episodes, std::vector<bool>{true});
  EXPECT_TRUE(st->list_records(zone.id)->empty());  // nothing of it was written
  disk.free();
  auto tx = st->begin();
  ASSERT_TRUE(tx);
  expect_ok(tx->insert_record(make_record(zone, "www.example.com", "A", "192.0.2.1")));
  expect_ok(tx->commit());
  EXPECT_EQ(episodes, (std::vector<bool>{true, false}));
  EXPECT_EQ(st->list_records(zone.id)->size(), 1u);
}


}  // namespace
}  // namespace dnsedge::store
