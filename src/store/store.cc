#include "store/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/unique_fd.h"
#include "metrics/ops.h"

#include "store/store_db.h"

namespace dnsedge::store {

using namespace internal;

namespace {

// ---- schema ----------------------------------------------------------------------------------

struct Migration {
  int version;
  const char* sql;
};

// Append-only: never edit a migration that has shipped; add the next one.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE accounts (
  id          TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  name        TEXT NOT NULL,
  created_on  TEXT NOT NULL CHECK (created_on <> '')
) STRICT;

CREATE TABLE zones (
  id          TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  name        TEXT NOT NULL UNIQUE
              CHECK (name <> '' AND name = lower(name) AND substr(name, -1) <> '.'),
  account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE RESTRICT,
  status      TEXT NOT NULL CHECK (status IN ('initializing', 'pending', 'active', 'moved')),
  type        TEXT NOT NULL CHECK (type IN ('full', 'secondary')),
  serial      INTEGER NOT NULL CHECK (serial BETWEEN 0 AND 4294967295),
  created_on  TEXT NOT NULL CHECK (created_on <> ''),
  modified_on TEXT NOT NULL CHECK (modified_on <> '')
) STRICT;
CREATE INDEX zones_account ON zones(account_id);

-- The last serial of each deleted zone name, so that a re-created zone continues after it.
CREATE TABLE zone_serial_floors (
  name        TEXT NOT NULL PRIMARY KEY,
  serial      INTEGER NOT NULL CHECK (serial BETWEEN 0 AND 4294967295)
) STRICT, WITHOUT ROWID;

CREATE TABLE records (
  id          TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  zone_id     TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  name        TEXT NOT NULL CHECK (name <> '' AND name = lower(name) AND substr(name, -1) <> '.'),
  type        TEXT NOT NULL CHECK (type <> '' AND type = upper(type)),
  content     TEXT NOT NULL,
  ttl         INTEGER NOT NULL CHECK (ttl BETWEEN 0 AND 2147483647),
  proxied     INTEGER NOT NULL CHECK (proxied IN (0, 1)),
  priority    INTEGER CHECK (priority BETWEEN 0 AND 65535),
  data        TEXT CHECK (data IS NULL OR json_valid(data)),
  settings    TEXT NOT NULL CHECK (json_valid(settings) AND json_type(settings) = 'object'),
  comment     TEXT,
  tags        TEXT NOT NULL CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  created_on  TEXT NOT NULL CHECK (created_on <> ''),
  modified_on TEXT NOT NULL CHECK (modified_on <> '')
) STRICT;
-- Identity of a record (Cloudflare 81058 "An identical record already exists."). Its prefix
-- (zone_id, name, type) serves list_records, find_records and the zone foreign key.
CREATE UNIQUE INDEX records_identity ON records(zone_id, name, type, content, ifnull(priority, -1));

CREATE TABLE zone_settings (
  zone_id     TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  key         TEXT NOT NULL CHECK (key <> ''),
  value       TEXT NOT NULL CHECK (json_valid(value)),
  modified_on TEXT NOT NULL CHECK (modified_on <> ''),
  PRIMARY KEY (zone_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE spectrum_apps (
  id          TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  zone_id     TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  config      TEXT NOT NULL CHECK (json_valid(config) AND json_type(config) = 'object'),
  created_on  TEXT NOT NULL CHECK (created_on <> ''),
  modified_on TEXT NOT NULL CHECK (modified_on <> '')
) STRICT;
CREATE INDEX spectrum_apps_zone ON spectrum_apps(zone_id);

CREATE TABLE api_tokens (
  id          TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  name        TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE
              CHECK (length(secret_hash) = 64 AND secret_hash NOT GLOB '*[^0-9a-f]*'),
  status      TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'expired')),
  created_on  TEXT NOT NULL CHECK (created_on <> '')
) STRICT;

-- seq (the rowid) orders a zone's entries by insertion, which stays right across serial wrap.
CREATE TABLE journal (
  seq         INTEGER PRIMARY KEY,
  zone_id     TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  serial      INTEGER NOT NULL CHECK (serial BETWEEN 0 AND 4294967295),
  time        TEXT NOT NULL CHECK (time <> ''),
  change      TEXT NOT NULL CHECK (json_valid(change)),
  UNIQUE (zone_id, serial)
) STRICT;
CREATE INDEX journal_zone ON journal(zone_id);
)sql"},
    // Zone transfers (src/xfr): secondary_dns objects, the IXFR journal of view diffs, and the
    // last served (serial, content digest) of every zone, so serials never go back.
    {2, R"sql(
CREATE TABLE xfr_objects (
  kind        TEXT NOT NULL CHECK (kind IN ('tsig', 'peer', 'outgoing', 'incoming')),
  id          TEXT NOT NULL CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  scope       TEXT NOT NULL,
  body        TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object'),
  PRIMARY KEY (kind, id)
) STRICT;

CREATE TABLE xfr_journal (
  seq         INTEGER PRIMARY KEY,
  zone        TEXT NOT NULL CHECK (zone <> ''),
  serial_from INTEGER NOT NULL CHECK (serial_from BETWEEN 0 AND 4294967295),
  serial_to   INTEGER NOT NULL CHECK (serial_to BETWEEN 0 AND 4294967295),
  diff        BLOB NOT NULL
) STRICT;
CREATE INDEX xfr_journal_zone ON xfr_journal(zone, seq);

-- What a secondary zone pulled from its primary: the zone as text (one RR a line), and when a
-- primary last confirmed it current (unix seconds; SOA expire counts from there).
CREATE TABLE secondary_data (
  zone_id      TEXT NOT NULL PRIMARY KEY REFERENCES zones(id) ON DELETE CASCADE,
  serial       INTEGER NOT NULL CHECK (serial BETWEEN 0 AND 4294967295),
  data         TEXT NOT NULL,
  confirmed_on INTEGER NOT NULL
) STRICT;

CREATE TABLE served_views (
  zone        TEXT NOT NULL PRIMARY KEY CHECK (zone <> ''),
  serial      INTEGER NOT NULL CHECK (serial BETWEEN 0 AND 4294967295),
  digest      TEXT NOT NULL
) STRICT;
)sql"},
    // Scoped API tokens (policies, validity, source-address condition) and the audit log.
    // Tokens stored before get every permission ('"all"'), as they had.
    {3, R"sql(
ALTER TABLE api_tokens ADD COLUMN policies TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(policies));
ALTER TABLE api_tokens ADD COLUMN condition TEXT NOT NULL DEFAULT '{}'
  CHECK (json_valid(condition) AND json_type(condition) = 'object');
ALTER TABLE api_tokens ADD COLUMN not_before TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN expires_on TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN modified_on TEXT NOT NULL DEFAULT '';
UPDATE api_tokens SET policies = '"all"';

-- seq (the rowid) orders entries by insertion; no foreign keys: entries outlive what they name.
CREATE TABLE audit_log (
  seq           INTEGER PRIMARY KEY,
  id            TEXT NOT NULL UNIQUE CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  time          TEXT NOT NULL CHECK (time <> ''),
  account_id    TEXT NOT NULL,
  action        TEXT NOT NULL CHECK (action <> ''),
  result        INTEGER NOT NULL CHECK (result IN (0, 1)),
  status        INTEGER NOT NULL,
  actor_id      TEXT NOT NULL,
  actor_ip      TEXT NOT NULL,
  method        TEXT NOT NULL,
  path          TEXT NOT NULL,
  zone_id       TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id   TEXT NOT NULL,
  metadata      TEXT NOT NULL CHECK (json_valid(metadata) AND json_type(metadata) = 'object')
) STRICT;
CREATE INDEX audit_log_time ON audit_log(time);
)sql"},
    // DNSSEC (store_dnssec.cc): per-zone state and keys, by zone name (file zones sign too);
    // a store zone's rows go with it. private_pem is the PKCS#8 private key: the database file
    // is mode 0600 in a 0700 directory (Store::protect_secrets()).
    {4, R"sql(
CREATE TABLE dnssec_zones (
  zone        TEXT NOT NULL PRIMARY KEY CHECK (zone <> ''),
  status      TEXT NOT NULL CHECK (status IN ('active', 'pending', 'disabled', 'pending-disabled', 'error')),
  modified_on TEXT NOT NULL CHECK (modified_on <> '')
) STRICT;
CREATE TABLE dnssec_keys (
  zone        TEXT NOT NULL CHECK (zone <> ''),
  id          TEXT NOT NULL CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  role        TEXT NOT NULL CHECK (role IN ('ksk', 'zsk')),
  key_tag     INTEGER NOT NULL CHECK (key_tag BETWEEN 0 AND 65535),
  dnskey      BLOB NOT NULL CHECK (length(dnskey) >= 4),
  private_pem TEXT NOT NULL CHECK (private_pem LIKE '-----BEGIN PRIVATE KEY-----%'),
  phase       TEXT NOT NULL CHECK (phase IN ('created', 'published', 'active', 'retired', 'removed')),
  created     INTEGER NOT NULL,
  published   INTEGER NOT NULL DEFAULT 0,
  active      INTEGER NOT NULL DEFAULT 0,
  retired     INTEGER NOT NULL DEFAULT 0,
  removed     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (zone, id)
) STRICT;
CREATE TRIGGER dnssec_zone_deleted AFTER DELETE ON zones BEGIN
  DELETE FROM dnssec_keys WHERE zone = OLD.name;
  DELETE FROM dnssec_zones WHERE zone = OLD.name;
END;
)sql"},
    // The JSON change journal of migration 1 goes: nothing read it (zone transfers read the IXFR
    // journal, xfr_journal).
    {5, R"sql(
DROP TABLE IF EXISTS journal;
)sql"},
    // Page rules: Cloudflare's forwarding_url action (control/page_rules.h).
    {6, R"sql(
CREATE TABLE page_rules (
  id          TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  zone_id     TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  pattern     TEXT NOT NULL CHECK (pattern <> ''),
  url         TEXT NOT NULL CHECK (url <> ''),
  status_code INTEGER NOT NULL CHECK (status_code IN (301, 302)),
  priority    INTEGER NOT NULL CHECK (priority >= 1),
  status      TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  created_on  TEXT NOT NULL CHECK (created_on <> ''),
  modified_on TEXT NOT NULL CHECK (modified_on <> '')
) STRICT;
CREATE INDEX page_rules_zone ON page_rules(zone_id);
)sql"},
    // DNS analytics: per-minute query counts (analytics/aggregator.h), kept 7 days. Keyed by the
    // zone's name, not its id: file zones are counted too, and the data outlives a zone's id.
    {7, R"sql(
CREATE TABLE dns_analytics (
  minute  INTEGER NOT NULL CHECK (minute >= 0),
  zone    TEXT NOT NULL CHECK (zone <> ''),
  name    TEXT NOT NULL,
  qtype   INTEGER NOT NULL CHECK (qtype BETWEEN 0 AND 65535),
  rcode   INTEGER NOT NULL CHECK (rcode BETWEEN 0 AND 4095),
  kind    INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 255),
  count   INTEGER NOT NULL CHECK (count >= 0),
  time_us INTEGER NOT NULL CHECK (time_us >= 0),
  PRIMARY KEY (minute, zone, name, qtype, rcode, kind)
) STRICT, WITHOUT ROWID;
)sql"},
};

static_assert(kMigrations[std::size(kMigrations) - 1].version == Store::kSchemaVersion);

// The highest migration applied; 0 for a new, empty database.
Result<int> schema_version(Db& db) {
  {
    Query q(db,
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'",
            "read schema version");
    auto r = q.step();
    if (!r) return r.error();
    if (q.i64(0) == 0) return 0;
  }
  Query q(db, "SELECT ifnull(max(version), 0) FROM schema_version", "read schema version");
  auto r = q.step();
  if (!r) return r.error();
  return static_cast<int>(q.i64(0));
}

Result<void> migrate(Db& db) {
  auto current = schema_version(db);
  if (!current) return current.error();
  const auto too_new = [](int v) {
    return store_error(StoreErrc::kSchema, "database schema version " + std::to_string(v) +
                                               " is newer than this dnsedge supports (" +
                                               std::to_string(Store::kSchemaVersion) +
                                               "); refusing to open it");
  };
  if (*current > Store::kSchemaVersion) return too_new(*current);
  if (*current == Store::kSchemaVersion) return {};

  auto begin = db.exec("BEGIN IMMEDIATE", "begin migration");
  if (!begin) return begin;
  const auto fail = [&](Error e) -> Result<void> {
    if (sqlite3_get_autocommit(db.handle()) == 0) (void)db.exec("ROLLBACK", "rollback migration");
    return e;
  };
  current = schema_version(db);  // another process may have migrated meanwhile
  if (!current) return fail(current.error());
  auto boot = db.exec(
      "CREATE TABLE IF NOT EXISTS schema_version ("
      " version INTEGER NOT NULL PRIMARY KEY, applied_on TEXT NOT NULL) STRICT",
      "create schema_version");
  if (!boot) return fail(boot.error());
  if (*current > Store::kSchemaVersion) return fail(too_new(*current));
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    const std::string label = "apply schema migration " + std::to_string(m.version);
    auto applied = db.exec(m.sql, label);
    if (!applied) return fail(applied.error());
    Query q(db, "INSERT INTO schema_version (version, applied_on) VALUES (?1, ?2)", label);
    auto ins = q.bind(m.version, zone::now_rfc3339()).run();
    if (!ins) return fail(ins.error());
  }
  auto commit = db.exec("COMMIT", "commit migration");
  if (!commit) return fail(commit.error());
  return {};
}

// Runs a PRAGMA that answers with one row and returns its first column as text.
Result<std::string> pragma(Db& db, const char* sql) {
  Query q(db, sql, sql);
  auto r = q.step();
  if (!r) return r.error();
  if (!*r) return std::string();
  return q.text(0);
}

Result<std::unique_ptr<Db>> open_connection(const std::string& path, int flags,
                                            const StoreOptions& options) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  ConnPtr h(raw);  // sqlite3_open_v2 may allocate a handle even when it fails
  if (rc != SQLITE_OK) return sqlite_error(h.get(), rc, "open " + path);
  sqlite3_extended_result_codes(h.get(), 1);
  sqlite3_busy_timeout(h.get(), static_cast<int>(options.busy_timeout.count()));
  return std::make_unique<Db>(std::move(h));
}

Error errno_error(StoreErrc c, const std::string& what) {
  const int e = errno;
  return store_error(c == StoreErrc::kIo && is_full_errno(e) ? StoreErrc::kFull : c, what + ": " + std::strerror(e));
}

Result<void> fsync_dir(const std::string& dir) {
  common::UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd.valid() || ::fsync(dfd.get()) != 0) return errno_error(StoreErrc::kIo, "fsync " + dir);
  return {};
}

// Creates the database file with mode 0600 (it holds token hashes) and makes its directory
// entry durable. SQLite fsyncs the directory itself when it creates the -wal file.
Result<void> create_db_file(const std::string& dir, const std::string& path) {
  common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    if (errno == EEXIST) return {};
    return errno_error(StoreErrc::kIo, "create " + path);
  }
  if (::fsync(fd.get()) != 0) return errno_error(StoreErrc::kIo, "fsync " + path);
  return fsync_dir(dir);
}

}  // namespace

// ---- Reader ----------------------------------------------------------------------------------

Reader::Reader(std::unique_ptr<internal::Db> db) : db_(std::move(db)) {}
Reader::~Reader() = default;

Reader::ReadTransaction::ReadTransaction(ReadTransaction&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)) {}

Reader::ReadTransaction::~ReadTransaction() {
  if (db_ == nullptr) return;
  if (sqlite3_get_autocommit(db_->handle()) == 0) (void)db_->exec("COMMIT", "end read");
  if (sqlite3_get_autocommit(db_->handle()) == 0) (void)db_->exec("ROLLBACK", "end read");
  db_->in_transaction = false;
}

Result<Reader::ReadTransaction> Reader::begin_read() {
  if (db().in_transaction) {
    return store_error(StoreErrc::kMisuse, "begin read: a transaction is already open");
  }
  // A deferred BEGIN takes its snapshot at the first read; read now so the snapshot starts here.
  auto b = db().exec("BEGIN DEFERRED; SELECT 1 FROM schema_version LIMIT 1", "begin read");
  if (!b) {
    if (sqlite3_get_autocommit(db().handle()) == 0) (void)db().exec("ROLLBACK", "begin read");
    return b.error();
  }
  db().in_transaction = true;
  return ReadTransaction(&db());
}

// ---- Transaction -----------------------------------------------------------------------------

Transaction::Transaction(Transaction&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)rollback();
}

Result<void> Transaction::finish(const char* sql, const char* label) {
  if (db_ == nullptr) return finished_error();
  Db* db = std::exchange(db_, nullptr);
  db->in_transaction = false;
  if (sqlite3_get_autocommit(db->handle()) != 0) {
    // SQLite already rolled back after an error inside the transaction.
    if (std::strcmp(sql, "COMMIT") == 0) {
      return store_error(StoreErrc::kIo,
                         "commit: transaction was rolled back by SQLite after an earlier error");
    }
    return {};
  }
  auto r = db->exec(sql, label);
  if (!r && sqlite3_get_autocommit(db->handle()) == 0) (void)db->exec("ROLLBACK", "rollback");
  if (r && db->disk != nullptr && std::strcmp(sql, "COMMIT") == 0) db->disk->set(false);  // space again
  return r;
}

Result<void> Transaction::commit() {
  // Audit entries staged for the write in progress go into this transaction: durable with it,
  // at no extra fsync. One that does not fit stays staged for its caller to write.
  Db* db = db_;
  bool wrote = false;
  if (db != nullptr && !db->staged_audit.empty() && sqlite3_get_autocommit(db->handle()) == 0) {
    wrote = true;
    for (const auto& e : db->staged_audit) wrote = insert_audit(e).has_value() && wrote;
  }
  auto r = finish("COMMIT", "commit");
  if (r && wrote) db->staged_audit.clear();
  if (r && db != nullptr) {
    metrics::Ops::global().store_write(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - db->write_began).count());
  }
  return r;
}
Result<void> Transaction::rollback() { return finish("ROLLBACK", "rollback"); }

// ---- Store -----------------------------------------------------------------------------------

void Reader::replace_db(std::unique_ptr<internal::Db> db) { db_ = std::move(db); }

Store::Store(std::unique_ptr<internal::Db> db, std::string path)
    : Reader(std::move(db)), path_(std::move(path)), disk_(std::make_shared<internal::DiskState>()) {
  this->db().disk = disk_.get();
}

Store::~Store() = default;

namespace {

// The read-write connection of Store::open: creates what is missing, sets WAL mode, migrates.
Result<std::unique_ptr<Db>> open_read_write(const std::string& data_dir, const StoreOptions& options) {
  namespace fs = std::filesystem;
  if (data_dir.empty()) return store_error(StoreErrc::kIo, "open store: empty data directory");
  std::error_code ec;
  if (!fs::exists(data_dir, ec)) {
    if (!fs::create_directories(data_dir, ec) && ec) {
      return store_error(is_full_errno(ec.value()) ? StoreErrc::kFull : StoreErrc::kIo,
                         "create data directory " + data_dir + ": " + ec.message());
    }
    fs::permissions(data_dir, fs::perms::owner_all, ec);  // best effort
    // Make the new directory's own entry durable, as create_db_file does for the file.
    const std::string parent = fs::absolute(data_dir, ec).lexically_normal().parent_path().string();
    if (auto synced = fsync_dir(parent); !synced) return synced.error();
  } else if (!fs::is_directory(data_dir, ec)) {
    return store_error(StoreErrc::kIo, "data directory " + data_dir + " is not a directory");
  }
  const std::string path = (fs::path(data_dir) / "dnsedge.db").string();
  if (auto created = create_db_file(data_dir, path); !created) return created.error();

  auto db = open_connection(path, SQLITE_OPEN_READWRITE, options);
  if (!db) return db.error();
  Db& d = **db;

  auto mode = pragma(d, "PRAGMA journal_mode = WAL");
  if (!mode) return mode.error();
  if (*mode != "wal") {
    return store_error(StoreErrc::kIo,
                       path + ": cannot use WAL journal mode (got \"" + *mode + "\")");
  }
  const char* sync = options.durability == Durability::kFull ? "PRAGMA synchronous = FULL"
                                                             : "PRAGMA synchronous = NORMAL";
  for (const char* p : {sync, "PRAGMA foreign_keys = ON", "PRAGMA journal_size_limit = 67108864"}) {
    if (auto r = d.exec(p, p); !r) return r.error();
  }
  auto fk = pragma(d, "PRAGMA foreign_keys");
  if (!fk) return fk.error();
  if (*fk != "1") return store_error(StoreErrc::kInternal, "SQLite was built without foreign keys");

  if (auto m = migrate(d); !m) {
    Error e = m.error();
    e.message = path + ": " + e.message;
    return e;
  }
  return std::move(*db);
}

// "file:" URI of a path: '%', '?' and '#' percent-encoded (RFC 3986 as SQLite reads it).
std::string file_uri(const std::string& path) {
  std::string out = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

// The last committed state of `path` without writing anything to the disk (Store::open on a
// full disk). An ordinary read-only connection needs the WAL index (-shm), which it may have to
// create; when it cannot and the WAL holds nothing (a clean shutdown checkpoints and removes
// it), the database file alone is the committed state and is opened immutable (no locks, no
// WAL index). No database file yet: an empty database in memory.
Result<std::unique_ptr<Db>> open_last_committed(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto checked = [](Result<std::unique_ptr<Db>> db) -> Result<std::unique_ptr<Db>> {
    if (!db) return db;
    auto version = schema_version(**db);
    if (!version) return version.error();
    if (*version != Store::kSchemaVersion) {
      return store_error(StoreErrc::kSchema, "schema version " + std::to_string(*version) + " cannot be read-only");
    }
    return db;
  };
  const auto size = fs::file_size(path, ec);
  if (ec || size == 0) {
    auto db = open_connection(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, StoreOptions{});
    if (!db) return db;
    if (auto m = migrate(**db); !m) return m.error();
    return db;
  }
  auto db = checked(open_connection(path, SQLITE_OPEN_READONLY, StoreOptions{}));
  if (db) return db;
  const auto wal = fs::file_size(path + "-wal", ec);
  if (!ec && wal > 0) return db.error();  // committed writes may be in the WAL: not without it
  return checked(open_connection(file_uri(path) + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                                 StoreOptions{}));
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& data_dir, const StoreOptions& options) {
  namespace fs = std::filesystem;
  const std::string path = (fs::path(data_dir) / "dnsedge.db").string();
  auto db = open_read_write(data_dir, options);
  bool read_only = false;
  if (!db) {
    if (!options.read_only_when_full || !is(db.error(), StoreErrc::kFull)) return db.error();
    auto ro = open_last_committed(path);
    if (!ro) {
      Error e = db.error();
      e.message += "; and read-only: " + ro.error().message;
      return e;
    }
    db = std::move(*ro);
    read_only = true;
  }
  auto st = std::make_unique<Store>(std::move(*db), path);
  st->data_dir_ = data_dir;
  st->options_ = options;
  st->read_only_ = read_only;
  st->disk_->notify = options.on_disk_full;
  if (read_only) st->disk_->set(true);
  return st;
}

bool Store::disk_full() const noexcept { return disk_->full; }

Result<void> Store::reopen_read_write() {
  auto db = open_read_write(data_dir_, options_);
  if (!db) {
    Error e = db.error();
    if (is(e, StoreErrc::kFull)) {
      e.message = "disk is full: the store is read-only until space is freed (" + e.message + ")";
    }
    return e;
  }
  (*db)->disk = disk_.get();
  replace_db(std::move(*db));
  read_only_ = false;
  return {};
}

Result<std::unique_ptr<Reader>> Store::open_reader() const {
  auto db = open_connection(path_, SQLITE_OPEN_READONLY, StoreOptions{});
  if (!db) return db.error();
  return std::make_unique<Reader>(std::move(*db));
}

Result<std::unique_ptr<Reader>> Store::open_reader(const std::string& data_dir) {
  namespace fs = std::filesystem;
  const std::string path = (fs::path(data_dir) / "dnsedge.db").string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return store_error(StoreErrc::kIo, "no store at " + path);
  auto db = open_connection(path, SQLITE_OPEN_READONLY, StoreOptions{});
  if (!db) return db.error();
  auto version = schema_version(**db);
  if (!version) return version.error();
  if (*version != kSchemaVersion) {
    return store_error(StoreErrc::kSchema, path + " has schema version " + std::to_string(*version) +
                                               "; this binary reads version " + std::to_string(kSchemaVersion));
  }
  return std::make_unique<Reader>(std::move(*db));
}

Result<Transaction> Store::begin() {
  if (db().in_transaction) {
    return store_error(StoreErrc::kMisuse, "begin: a transaction is already open on this store");
  }
  if (read_only_) {
    if (auto r = reopen_read_write(); !r) return r.error();
  }
  // IMMEDIATE takes the write lock now, so the transaction never fails later with SQLITE_BUSY
  // on its first write (a deferred read-then-write upgrade can).
  const auto began = std::chrono::steady_clock::now();
  if (auto r = db().exec("BEGIN IMMEDIATE", "begin"); !r) return r.error();
  db().in_transaction = true;
  db().write_began = began;
  return Transaction(&db());
}

Result<zone::Account> Store::ensure_default_account(std::string_view name,
                                                    const zone::Clock& clock) {
  auto tx = begin();
  if (!tx) return tx.error();
  auto existing = list_accounts();
  if (!existing) return existing.error();
  if (!existing->empty()) return existing->front();  // tx rolls back: nothing written
  zone::Account a{zone::new_id(), std::string(name), zone::now_rfc3339(clock)};
  if (auto r = tx->insert_account(a); !r) return r.error();
  if (auto r = tx->commit(); !r) return r.error();
  return a;
}

Result<std::vector<std::pair<int, std::string>>> Store::schema_history() {
  Query q(db(), "SELECT version, applied_on FROM schema_version ORDER BY version",
          "schema history");
  return collect<std::pair<int, std::string>>(q, [](const Query& row) {
    return std::pair<int, std::string>(static_cast<int>(row.i64(0)), row.text(1));
  });
}


// ---- audit log (migration 3) ----------------------------------------------------------------

void Store::stage_audit(zone::AuditEntry e) { db().staged_audit.push_back(std::move(e)); }

std::vector<zone::AuditEntry> Store::unstage_audit() { return std::exchange(db().staged_audit, {}); }

Result<void> Transaction::insert_audit(const zone::AuditEntry& e) {
  if (auto ok = still_open(db_); !ok) return ok;
  {
    Query q(*db_,
            "INSERT INTO audit_log (id, time, account_id, action, result, status, actor_id, actor_ip, method, path,"
            " zone_id, resource_type, resource_id, metadata)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            what("insert audit entry", e.id));
    auto r = q.bind(e.id, e.time, e.account_id, e.action, e.result, e.status, e.actor_id, e.actor_ip, e.method, e.path,
                    e.zone_id, e.resource_type, e.resource_id, e.metadata_json)
                 .run();
    if (!r) return r.error();
  }
  {
    Query q(*db_, "DELETE FROM audit_log WHERE seq <= (SELECT max(seq) FROM audit_log) - ?1", "prune audit log");
    auto r = q.bind(kAuditKeepRows).run();
    if (!r) return r.error();
  }
  if (auto t = zone::parse_rfc3339(e.time)) {
    const std::string cutoff = zone::format_rfc3339(*t - std::chrono::hours(24 * kAuditKeepDays));
    Query q(*db_, "DELETE FROM audit_log WHERE time < ?1", "prune audit log");
    auto r = q.bind(cutoff).run();
    if (!r) return r.error();
  }
  return {};
}

Result<AuditPage> Reader::list_audit(const AuditQuery& aq) {
  constexpr const char* kWhere =
      " WHERE (?1 = '' OR account_id = ?1) AND (?2 = '' OR time >= ?2) AND (?3 = '' OR time < ?3)";
  AuditPage page;
  {
    static const std::string sql = std::string("SELECT count(*) FROM audit_log") + kWhere;
    Query q(db(), sql.c_str(), "count audit log");
    auto r = q.bind(aq.account_id, aq.since, aq.before).step();
    if (!r) return r.error();
    page.total = q.i64(0);
  }
  static const std::string cols =
      "SELECT seq, id, time, account_id, action, result, status, actor_id, actor_ip, method, path, zone_id,"
      " resource_type, resource_id, metadata FROM audit_log";
  static const std::string desc = cols + kWhere + " ORDER BY seq DESC LIMIT ?4 OFFSET ?5";
  static const std::string asc = cols + kWhere + " ORDER BY seq ASC LIMIT ?4 OFFSET ?5";
  Query q(db(), (aq.newest_first ? desc : asc).c_str(), "list audit log");
  q.bind(aq.account_id, aq.since, aq.before, aq.limit, aq.offset);
  auto entries = collect<zone::AuditEntry>(q, read_audit);
  if (!entries) return entries.error();
  page.entries = std::move(*entries);
  return page;
}

}  // namespace dnsedge::store
