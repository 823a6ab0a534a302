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

namespace dnsedge::store {

namespace {

Error store_error(StoreErrc c, std::string message) {
  return make_error(std::move(message), code(c));
}

StoreErrc classify(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return StoreErrc::kDuplicate;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return StoreErrc::kForeignKey;
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return StoreErrc::kConstraint;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StoreErrc::kBusy;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return StoreErrc::kIo;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StoreErrc::kCorrupt;
    case SQLITE_MISUSE:
      return StoreErrc::kMisuse;
    default:
      return StoreErrc::kInternal;
  }
}

// SQLite reports an ON DELETE RESTRICT violation as SQLITE_CONSTRAINT_TRIGGER.
StoreErrc classify(int rc, std::string_view message) {
  if (rc == SQLITE_CONSTRAINT_TRIGGER && message.find("FOREIGN KEY") != std::string_view::npos) {
    return StoreErrc::kForeignKey;
  }
  return classify(rc);
}

bool is_full_errno(int e) { return e == ENOSPC || e == EDQUOT; }

// kIo whose cause is a full disk is kFull: SQLite reports ENOSPC as SQLITE_FULL when it writes
// the database or the WAL, but as an I/O error when it sizes the WAL index (-shm) or truncates.
StoreErrc classify(sqlite3* h, int rc, std::string_view message) {
  if ((rc & 0xff) == SQLITE_FULL) return StoreErrc::kFull;
  const StoreErrc c = classify(rc, message);
  if (c == StoreErrc::kIo && h != nullptr && is_full_errno(sqlite3_system_errno(h))) return StoreErrc::kFull;
  return c;
}

// "<what>: <SQLite's message>". REQUIRES: called before anything else runs on the connection.
Error sqlite_error(sqlite3* h, int rc, std::string_view what) {
  const std::string_view sqlite_msg = h != nullptr ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
  std::string msg(what);
  msg += ": ";
  msg += sqlite_msg;
  return store_error(classify(h, rc, sqlite_msg), std::move(msg));
}

// RFC 1982 §3.2: s1 is after s2.
bool serial_after(uint32_t s1, uint32_t s2) {
  const uint32_t d = s1 - s2;
  return d != 0 && d < 0x80000000u;
}

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
struct ConnDeleter {
  void operator()(sqlite3* h) const noexcept { sqlite3_close(h); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;
using ConnPtr = std::unique_ptr<sqlite3, ConnDeleter>;

}  // namespace

namespace internal {

// A Store's full-disk episode, shared by the connections it uses over time.
struct DiskState {
  bool full = false;
  std::function<void(bool)> notify;

  void set(bool now_full) {
    if (full == now_full) return;
    full = now_full;
    if (notify) notify(now_full);
  }
};

class Db {
 public:
  explicit Db(ConnPtr h) : h_(std::move(h)) {}

  // Errors pass through here: a kFull one starts the owning Store's full-disk episode.
  Error note(Error e) {
    if (disk != nullptr && is(e, StoreErrc::kFull)) disk->set(true);
    return e;
  }

  sqlite3* handle() const noexcept { return h_.get(); }

  // The cached prepared statement for sql (prepared on first use, kept for the connection's life).
  Result<sqlite3_stmt*> prepare(const char* sql, std::string_view what) {
    auto it = stmts_.find(sql);
    if (it != stmts_.end()) return it->second.get();
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v3(h_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(st);
      return note(sqlite_error(h_.get(), rc, what));
    }
    stmts_.emplace(sql, StmtPtr(st));
    return st;
  }

  // Runs one or more statements without results (DDL, BEGIN/COMMIT, PRAGMA writes).
  Result<void> exec(const char* sql, std::string_view what) {
    char* err = nullptr;
    const int rc = sqlite3_exec(h_.get(), sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      const std::string sqlite_msg = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      std::string msg(what);
      msg += ": ";
      msg += sqlite_msg;
      return note(store_error(classify(h_.get(), sqlite3_extended_errcode(h_.get()), sqlite_msg), std::move(msg)));
    }
    return {};
  }

  bool in_transaction = false;  // a Transaction or ReadTransaction is open
  std::vector<zone::AuditEntry> staged_audit;  // Store::stage_audit
  DiskState* disk = nullptr;     // the owning Store's, if any

 private:
  ConnPtr h_;  // declared first: closed after every statement is finalized
  std::unordered_map<std::string, StmtPtr> stmts_;
};

}  // namespace internal

namespace {

using internal::Db;

// Bytes bound as a BLOB.
struct Blob {
  std::string_view s;
};

// An empty string bound as SQL NULL (nullable text columns).
struct NullIfEmpty {
  std::string_view s;
};

// One use of a cached statement: bind, step, read columns. Resets the statement when destroyed.
class Query {
 public:
  Query(Db& db, const char* sql, std::string_view what) : db_(db), what_(what) {
    auto st = db.prepare(sql, what);
    if (st) {
      st_ = *st;
    } else {
      err_ = st.error();
    }
  }
  ~Query() {
    if (st_ != nullptr) {
      sqlite3_reset(st_);
      sqlite3_clear_bindings(st_);
    }
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  template <typename... A>
  Query& bind(const A&... a) {
    (bind_one(a), ...);
    return *this;
  }

  // true: a row is ready; false: done.
  Result<bool> step() {
    if (st_ == nullptr) return err_;
    if (bind_rc_ != SQLITE_OK) return sqlite_error(db_.handle(), bind_rc_, what_);
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return db_.note(sqlite_error(db_.handle(), sqlite3_extended_errcode(db_.handle()), what_));
  }

  // Steps to the end (a write); returns the number of rows it changed.
  Result<int64_t> run() {
    for (;;) {
      auto r = step();
      if (!r) return r.error();
      if (!*r) break;
    }
    return static_cast<int64_t>(sqlite3_changes64(db_.handle()));
  }

  bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  int64_t i64(int col) const { return sqlite3_column_int64(st_, col); }
  std::string blob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(st_, col));
    if (p == nullptr) return {};
    return std::string(p, static_cast<size_t>(sqlite3_column_bytes(st_, col)));
  }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
    if (p == nullptr) return {};
    return std::string(p, static_cast<size_t>(sqlite3_column_bytes(st_, col)));
  }

 private:
  void note(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  void bind_one(std::string_view v) {
    if (st_ == nullptr) return;
    // A null data() would bind SQL NULL; an empty string must stay ''.
    note(sqlite3_bind_text(st_, next_++, v.data() != nullptr ? v.data() : "",
                           static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  void bind_one(const std::string& v) { bind_one(std::string_view(v)); }
  void bind_one(NullIfEmpty v) {
    if (v.s.empty()) {
      if (st_ != nullptr) note(sqlite3_bind_null(st_, next_++));
    } else {
      bind_one(v.s);
    }
  }
  void bind_one(int64_t v) {
    if (st_ != nullptr) note(sqlite3_bind_int64(st_, next_++, v));
  }
  void bind_one(uint32_t v) { bind_one(static_cast<int64_t>(v)); }
  void bind_one(Blob v) {
    if (st_ != nullptr) {
      note(sqlite3_bind_blob64(st_, next_++, v.s.data() != nullptr ? v.s.data() : "", v.s.size(), SQLITE_TRANSIENT));
    }
  }
  void bind_one(int v) { bind_one(static_cast<int64_t>(v)); }
  void bind_one(bool v) { bind_one(static_cast<int64_t>(v ? 1 : 0)); }
  void bind_one(const std::optional<uint16_t>& v) {
    if (v) {
      bind_one(static_cast<int64_t>(*v));
    } else if (st_ != nullptr) {
      note(sqlite3_bind_null(st_, next_++));
    }
  }

  Db& db_;
  std::string what_;
  sqlite3_stmt* st_ = nullptr;
  Error err_;
  int next_ = 1;
  int bind_rc_ = SQLITE_OK;
};

std::string what(std::string_view op, std::string_view key) {
  std::string s(op);
  if (!key.empty()) {
    s += ' ';
    s += key;
  }
  return s;
}

// ---- row mapping -----------------------------------------------------------------------------

zone::Account read_account(const Query& q) { return {q.text(0), q.text(1), q.text(2)}; }

zone::Zone read_zone(const Query& q) {
  zone::Zone z;
  z.id = q.text(0);
  z.name = q.text(1);
  z.account_id = q.text(2);
  z.status = q.text(3);
  z.type = q.text(4);
  z.serial = static_cast<uint32_t>(q.i64(5));
  z.created_on = q.text(6);
  z.modified_on = q.text(7);
  return z;
}

zone::Record read_record(const Query& q) {
  zone::Record r;
  r.id = q.text(0);
  r.zone_id = q.text(1);
  r.name = q.text(2);
  r.type = q.text(3);
  r.content = q.text(4);
  r.ttl = static_cast<uint32_t>(q.i64(5));
  r.proxied = q.i64(6) != 0;
  if (!q.is_null(7)) r.priority = static_cast<uint16_t>(q.i64(7));
  r.data_json = q.text(8);
  r.settings_json = q.text(9);
  r.comment = q.text(10);
  r.tags_json = q.text(11);
  r.created_on = q.text(12);
  r.modified_on = q.text(13);
  return r;
}

zone::ZoneSetting read_setting(const Query& q) {
  return {q.text(0), q.text(1), q.text(2), q.text(3)};
}
zone::SpectrumApp read_app(const Query& q) {
  return {q.text(0), q.text(1), q.text(2), q.text(3), q.text(4)};
}
zone::ApiToken read_token(const Query& q) {
  return {q.text(0), q.text(1), q.text(2), q.text(3), q.text(4),
          q.text(5), q.text(6), q.text(7), q.text(8), q.text(9)};
}
zone::AuditEntry read_audit(const Query& q) {
  zone::AuditEntry e;
  e.seq = q.i64(0);
  e.id = q.text(1);
  e.time = q.text(2);
  e.account_id = q.text(3);
  e.action = q.text(4);
  e.result = q.i64(5) != 0;
  e.status = static_cast<int>(q.i64(6));
  e.actor_id = q.text(7);
  e.actor_ip = q.text(8);
  e.method = q.text(9);
  e.path = q.text(10);
  e.zone_id = q.text(11);
  e.resource_type = q.text(12);
  e.resource_id = q.text(13);
  e.metadata_json = q.text(14);
  return e;
}
constexpr const char* kTokenColumns =
    "id, name, secret_hash, status, created_on, policies, condition, not_before, expires_on, modified_on";
zone::JournalEntry read_journal(const Query& q) {
  return {q.text(0), static_cast<uint32_t>(q.i64(1)), q.text(2), q.text(3)};
}

template <typename T, typename Map>
Result<std::vector<T>> collect(Query& q, Map map) {
  std::vector<T> out;
  for (;;) {
    auto r = q.step();
    if (!r) return r.error();
    if (!*r) return out;
    out.push_back(map(q));
  }
}

template <typename T, typename Map>
Result<std::optional<T>> first(Query& q, Map map) {
  auto r = q.step();
  if (!r) return r.error();
  if (!*r) return std::optional<T>();
  return std::optional<T>(map(q));
}

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

Result<std::vector<zone::Account>> Reader::list_accounts() {
  Query q(db(), "SELECT id, name, created_on FROM accounts ORDER BY created_on, id",
          "list accounts");
  return collect<zone::Account>(q, read_account);
}

Result<std::optional<zone::Account>> Reader::get_account(std::string_view id) {
  Query q(db(), "SELECT id, name, created_on FROM accounts WHERE id = ?1", what("get account", id));
  q.bind(id);
  return first<zone::Account>(q, read_account);
}

Result<std::vector<zone::Zone>> Reader::list_zones(const ZoneQuery& zq) {
  Query q(db(),
          "SELECT id, name, account_id, status, type, serial, created_on, modified_on FROM zones"
          " WHERE (?1 IS NULL OR name = ?1) AND (?2 IS NULL OR account_id = ?2)"
          " AND (?3 IS NULL OR status = ?3) ORDER BY name",
          "list zones");
  q.bind(NullIfEmpty{zq.name ? std::string_view(*zq.name) : std::string_view()},
         NullIfEmpty{zq.account_id ? std::string_view(*zq.account_id) : std::string_view()},
         NullIfEmpty{zq.status ? std::string_view(*zq.status) : std::string_view()});
  return collect<zone::Zone>(q, read_zone);
}

Result<std::optional<zone::Zone>> Reader::get_zone(std::string_view id) {
  Query q(db(),
          "SELECT id, name, account_id, status, type, serial, created_on, modified_on FROM zones "
          "WHERE id = ?1",
          what("get zone", id));
  q.bind(id);
  return first<zone::Zone>(q, read_zone);
}

Result<std::optional<zone::Zone>> Reader::get_zone_by_name(std::string_view name) {
  Query q(db(),
          "SELECT id, name, account_id, status, type, serial, created_on, modified_on FROM zones "
          "WHERE name = ?1",
          what("get zone", name));
  q.bind(name);
  return first<zone::Zone>(q, read_zone);
}

Result<std::vector<zone::Record>> Reader::list_records(std::string_view zone_id) {
  Query q(db(),
          "SELECT id, zone_id, name, type, content, ttl, proxied, priority, data, settings,"
          " comment, tags, created_on, modified_on FROM records WHERE zone_id = ?1"
          " ORDER BY name, type, content, ifnull(priority, -1)",
          what("list records of zone", zone_id));
  q.bind(zone_id);
  return collect<zone::Record>(q, read_record);
}

Result<std::vector<zone::Record>> Reader::find_records(std::string_view zone_id,
                                                       std::string_view name,
                                                       std::string_view type) {
  if (type.empty()) {
    Query q(db(),
            "SELECT id, zone_id, name, type, content, ttl, proxied, priority, data, settings,"
            " comment, tags, created_on, modified_on FROM records WHERE zone_id = ?1 AND name = ?2"
            " ORDER BY name, type, content, ifnull(priority, -1)",
            what("find records", name));
    q.bind(zone_id, name);
    return collect<zone::Record>(q, read_record);
  }
  Query q(db(),
          "SELECT id, zone_id, name, type, content, ttl, proxied, priority, data, settings,"
          " comment, tags, created_on, modified_on FROM records WHERE zone_id = ?1 AND name = ?2"
          " AND type = ?3 ORDER BY name, type, content, ifnull(priority, -1)",
          what("find records", name));
  q.bind(zone_id, name, type);
  return collect<zone::Record>(q, read_record);
}

Result<std::optional<zone::Record>> Reader::get_record(std::string_view zone_id,
                                                       std::string_view id) {
  Query q(db(),
          "SELECT id, zone_id, name, type, content, ttl, proxied, priority, data, settings,"
          " comment, tags, created_on, modified_on FROM records WHERE id = ?1 AND zone_id = ?2",
          what("get record", id));
  q.bind(id, zone_id);
  return first<zone::Record>(q, read_record);
}

Result<int64_t> Reader::count_records(std::string_view zone_id) {
  Query q(db(), "SELECT count(*) FROM records WHERE zone_id = ?1", what("count records", zone_id));
  auto r = q.bind(zone_id).step();
  if (!r) return r.error();
  return q.i64(0);
}

Result<std::vector<zone::ZoneSetting>> Reader::list_settings(std::string_view zone_id) {
  Query q(db(),
          "SELECT zone_id, key, value, modified_on FROM zone_settings WHERE zone_id = ?1"
          " ORDER BY key",
          what("list settings of zone", zone_id));
  q.bind(zone_id);
  return collect<zone::ZoneSetting>(q, read_setting);
}

Result<std::optional<zone::ZoneSetting>> Reader::get_setting(std::string_view zone_id,
                                                             std::string_view key) {
  Query q(db(),
          "SELECT zone_id, key, value, modified_on FROM zone_settings"
          " WHERE zone_id = ?1 AND key = ?2",
          what("get setting", key));
  q.bind(zone_id, key);
  return first<zone::ZoneSetting>(q, read_setting);
}

Result<std::vector<zone::SpectrumApp>> Reader::list_apps(std::string_view zone_id) {
  Query q(db(),
          "SELECT id, zone_id, config, created_on, modified_on FROM spectrum_apps"
          " WHERE zone_id = ?1 ORDER BY id",
          what("list apps of zone", zone_id));
  q.bind(zone_id);
  return collect<zone::SpectrumApp>(q, read_app);
}

Result<std::vector<zone::SpectrumApp>> Reader::list_all_apps() {
  Query q(db(),
          "SELECT id, zone_id, config, created_on, modified_on FROM spectrum_apps"
          " ORDER BY zone_id, id",
          "list apps");
  return collect<zone::SpectrumApp>(q, read_app);
}

Result<std::optional<zone::SpectrumApp>> Reader::get_app(std::string_view zone_id,
                                                         std::string_view id) {
  Query q(db(),
          "SELECT id, zone_id, config, created_on, modified_on FROM spectrum_apps"
          " WHERE id = ?1 AND zone_id = ?2",
          what("get app", id));
  q.bind(id, zone_id);
  return first<zone::SpectrumApp>(q, read_app);
}

Result<std::vector<zone::ApiToken>> Reader::list_tokens() {
  static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM api_tokens ORDER BY created_on, id";
  Query q(db(), sql.c_str(), "list tokens");
  return collect<zone::ApiToken>(q, read_token);
}

Result<std::optional<zone::ApiToken>> Reader::get_token(std::string_view id) {
  static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE id = ?1";
  Query q(db(), sql.c_str(), what("get token", id));
  q.bind(id);
  return first<zone::ApiToken>(q, read_token);
}

Result<std::optional<zone::ApiToken>> Reader::get_token_by_hash(std::string_view secret_hash) {
  static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE secret_hash = ?1";
  Query q(db(), sql.c_str(), "get token by hash");
  q.bind(secret_hash);
  return first<zone::ApiToken>(q, read_token);
}

Result<std::vector<zone::JournalEntry>> Reader::journal_since(std::string_view zone_id,
                                                              uint32_t serial) {
  // RFC 1982 §3.2: s1 > s2 iff (s1 - s2) mod 2^32 is in [1, 2^31 - 1].
  Query q(db(),
          "SELECT zone_id, serial, time, change FROM journal WHERE zone_id = ?1"
          " AND ((serial - ?2) & 4294967295) BETWEEN 1 AND 2147483647 ORDER BY seq",
          what("read journal of zone", zone_id));
  q.bind(zone_id, serial);
  return collect<zone::JournalEntry>(q, read_journal);
}

Result<std::optional<uint32_t>> Reader::oldest_journal_serial(std::string_view zone_id) {
  Query q(db(), "SELECT serial FROM journal WHERE zone_id = ?1 ORDER BY seq LIMIT 1",
          what("read journal of zone", zone_id));
  q.bind(zone_id);
  return first<uint32_t>(q, [](const Query& row) { return static_cast<uint32_t>(row.i64(0)); });
}

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

namespace {

Error finished_error() {
  return store_error(StoreErrc::kMisuse, "transaction already committed or rolled back");
}

// SQLite rolls back the whole transaction by itself after some errors (SQLITE_FULL, IOERR,
// BUSY, NOMEM). Later statements would then autocommit one by one; refuse them instead.
Result<void> still_open(Db* db) {
  if (db == nullptr) return finished_error();
  if (sqlite3_get_autocommit(db->handle()) != 0) {
    return store_error(StoreErrc::kIo,
                       "transaction was rolled back by SQLite after an earlier error; "
                       "nothing of it was written");
  }
  return {};
}

Result<void> expect_one(Result<int64_t> changed, StoreErrc none, std::string message) {
  if (!changed) return changed.error();
  if (*changed == 0) return store_error(none, std::move(message));
  return {};
}

}  // namespace

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
  return r;
}
Result<void> Transaction::rollback() { return finish("ROLLBACK", "rollback"); }

Result<void> Transaction::insert_account(const zone::Account& a) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "INSERT INTO accounts (id, name, created_on) VALUES (?1, ?2, ?3)",
          what("insert account", a.id));
  auto r = q.bind(a.id, a.name, a.created_on).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::update_account(const zone::Account& a) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "UPDATE accounts SET name = ?2 WHERE id = ?1", what("update account", a.id));
  return expect_one(q.bind(a.id, a.name).run(), StoreErrc::kNotFound,
                    "account " + a.id + " not found");
}

Result<void> Transaction::delete_account(std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM accounts WHERE id = ?1", what("delete account", id));
  return expect_one(q.bind(id).run(), StoreErrc::kNotFound,
                    "account " + std::string(id) + " not found");
}

Result<uint32_t> Transaction::insert_zone(const zone::Zone& z) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  const std::string label = what("insert zone", z.name);
  uint32_t serial = z.serial;
  {
    Query q(*db_, "SELECT serial FROM zone_serial_floors WHERE name = ?1", label);
    auto row = q.bind(z.name).step();
    if (!row) return row.error();
    if (*row) {
      const auto floor = static_cast<uint32_t>(q.i64(0));
      if (!serial_after(serial, floor)) serial = floor + 1;  // wraps mod 2^32 (RFC 1982)
    }
  }
  {
    Query q(
        *db_,
        "INSERT INTO zones (id, name, account_id, status, type, serial, created_on, modified_on)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        label);
    auto r =
        q.bind(z.id, z.name, z.account_id, z.status, z.type, serial, z.created_on, z.modified_on)
            .run();
    if (!r) return r.error();
  }
  Query q(*db_, "DELETE FROM zone_serial_floors WHERE name = ?1", label);
  auto r = q.bind(z.name).run();
  if (!r) return r.error();
  return serial;
}

Result<void> Transaction::update_zone(const zone::Zone& z) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(
      *db_,
      "UPDATE zones SET account_id = ?2, status = ?3, type = ?4, modified_on = ?5 WHERE id = ?1",
      what("update zone", z.id));
  return expect_one(q.bind(z.id, z.account_id, z.status, z.type, z.modified_on).run(),
                    StoreErrc::kNotFound, "zone " + z.id + " not found");
}

Result<void> Transaction::delete_zone(std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  const std::string label = what("delete zone", id);
  {
    Query q(*db_,
            "INSERT INTO zone_serial_floors (name, serial) SELECT name, serial FROM zones"
            " WHERE id = ?1 ON CONFLICT (name) DO UPDATE SET serial = excluded.serial",
            label);
    auto r = q.bind(id).run();
    if (!r) return r.error();
  }
  Query q(*db_, "DELETE FROM zones WHERE id = ?1", label);
  return expect_one(q.bind(id).run(), StoreErrc::kNotFound,
                    "zone " + std::string(id) + " not found");
}

Result<uint32_t> Transaction::bump_serial(std::string_view zone_id) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_,
          "UPDATE zones SET serial = (serial + 1) & 4294967295 WHERE id = ?1 RETURNING serial",
          what("bump serial of zone", zone_id));
  auto row = q.bind(zone_id).step();
  if (!row) return row.error();
  if (!*row) {
    return store_error(StoreErrc::kNotFound, "zone " + std::string(zone_id) + " not found");
  }
  const auto serial = static_cast<uint32_t>(q.i64(0));
  auto done = q.step();
  if (!done) return done.error();
  return serial;
}

namespace {

// Turns SQLite's "UNIQUE constraint failed: index 'records_identity'" into the API's words.
Error record_error(Error e, const zone::Record& r) {
  if (is(e, StoreErrc::kDuplicate) && e.message.find("records_identity") != std::string::npos) {
    std::string m = "an identical record already exists: " + r.name + " " + r.type + " ";
    if (r.priority) m += std::to_string(*r.priority) + " ";
    m += r.content + " (" + e.message + ")";
    e.message = std::move(m);
  }
  return e;
}

}  // namespace

Result<void> Transaction::insert_record(const zone::Record& r) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "INSERT INTO records (id, zone_id, name, type, content, ttl, proxied, priority, data,"
          " settings, comment, tags, created_on, modified_on) VALUES"
          " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
          what("insert record", r.id));
  auto res = q.bind(r.id, r.zone_id, r.name, r.type, r.content, r.ttl, r.proxied, r.priority,
                    NullIfEmpty{r.data_json}, r.settings_json, NullIfEmpty{r.comment}, r.tags_json,
                    r.created_on, r.modified_on)
                 .run();
  if (!res) return record_error(res.error(), r);
  return {};
}

Result<void> Transaction::update_record(const zone::Record& r) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "UPDATE records SET name = ?3, type = ?4, content = ?5, ttl = ?6, proxied = ?7,"
          " priority = ?8, data = ?9, settings = ?10, comment = ?11, tags = ?12, modified_on = ?13"
          " WHERE id = ?1 AND zone_id = ?2",
          what("update record", r.id));
  auto res = q.bind(r.id, r.zone_id, r.name, r.type, r.content, r.ttl, r.proxied, r.priority,
                    NullIfEmpty{r.data_json}, r.settings_json, NullIfEmpty{r.comment}, r.tags_json,
                    r.modified_on)
                 .run();
  if (!res) return record_error(res.error(), r);
  return expect_one(res, StoreErrc::kNotFound,
                    "record " + r.id + " not found in zone " + r.zone_id);
}

Result<void> Transaction::delete_record(std::string_view zone_id, std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM records WHERE id = ?1 AND zone_id = ?2", what("delete record", id));
  return expect_one(q.bind(id, zone_id).run(), StoreErrc::kNotFound,
                    "record " + std::string(id) + " not found in zone " + std::string(zone_id));
}

Result<int64_t> Transaction::delete_all_records(std::string_view zone_id) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "DELETE FROM records WHERE zone_id = ?1", what("delete records of zone", zone_id));
  return q.bind(zone_id).run();
}

Result<void> Transaction::put_setting(const zone::ZoneSetting& s) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "INSERT INTO zone_settings (zone_id, key, value, modified_on) VALUES (?1, ?2, ?3, ?4)"
          " ON CONFLICT (zone_id, key) DO UPDATE SET value = excluded.value,"
          " modified_on = excluded.modified_on",
          what("put setting", s.key));
  auto r = q.bind(s.zone_id, s.key, s.value_json, s.modified_on).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::delete_setting(std::string_view zone_id, std::string_view key) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM zone_settings WHERE zone_id = ?1 AND key = ?2",
          what("delete setting", key));
  return expect_one(q.bind(zone_id, key).run(), StoreErrc::kNotFound,
                    "setting " + std::string(key) + " not found in zone " + std::string(zone_id));
}

Result<void> Transaction::insert_app(const zone::SpectrumApp& a) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "INSERT INTO spectrum_apps (id, zone_id, config, created_on, modified_on)"
          " VALUES (?1, ?2, ?3, ?4, ?5)",
          what("insert app", a.id));
  auto r = q.bind(a.id, a.zone_id, a.config_json, a.created_on, a.modified_on).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::update_app(const zone::SpectrumApp& a) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "UPDATE spectrum_apps SET config = ?3, modified_on = ?4 WHERE id = ?1 AND zone_id = ?2",
          what("update app", a.id));
  return expect_one(q.bind(a.id, a.zone_id, a.config_json, a.modified_on).run(),
                    StoreErrc::kNotFound, "app " + a.id + " not found in zone " + a.zone_id);
}

Result<void> Transaction::delete_app(std::string_view zone_id, std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM spectrum_apps WHERE id = ?1 AND zone_id = ?2", what("delete app", id));
  return expect_one(q.bind(id, zone_id).run(), StoreErrc::kNotFound,
                    "app " + std::string(id) + " not found in zone " + std::string(zone_id));
}

Result<void> Transaction::insert_token(const zone::ApiToken& t) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "INSERT INTO api_tokens (id, name, secret_hash, status, created_on, policies, condition,"
          " not_before, expires_on, modified_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
          what("insert token", t.id));
  auto r = q.bind(t.id, t.name, t.secret_hash, t.status, t.created_on, t.policies_json, t.condition_json,
                  t.not_before, t.expires_on, t.modified_on)
               .run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::update_token(const zone::ApiToken& t) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "UPDATE api_tokens SET name = ?2, status = ?3, policies = ?4, condition = ?5, not_before = ?6,"
          " expires_on = ?7, modified_on = ?8, secret_hash = ?9 WHERE id = ?1",
          what("update token", t.id));
  return expect_one(q.bind(t.id, t.name, t.status, t.policies_json, t.condition_json, t.not_before, t.expires_on,
                           t.modified_on, t.secret_hash)
                        .run(),
                    StoreErrc::kNotFound, "token " + t.id + " not found");
}

Result<void> Transaction::delete_token(std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM api_tokens WHERE id = ?1", what("delete token", id));
  return expect_one(q.bind(id).run(), StoreErrc::kNotFound,
                    "token " + std::string(id) + " not found");
}

Result<void> Transaction::insert_journal(const zone::JournalEntry& e) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "INSERT INTO journal (zone_id, serial, time, change) VALUES (?1, ?2, ?3, ?4)",
          what("insert journal entry for zone", e.zone_id));
  auto r = q.bind(e.zone_id, e.serial, e.time, e.change_json).run();
  if (!r) return r.error();
  return {};
}

Result<int64_t> Transaction::delete_journal_before(std::string_view zone_id, uint32_t serial) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_,
          "DELETE FROM journal WHERE zone_id = ?1"
          " AND ((?2 - serial) & 4294967295) BETWEEN 1 AND 2147483647",
          what("prune journal of zone", zone_id));
  return q.bind(zone_id, serial).run();
}

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
  if (auto r = db().exec("BEGIN IMMEDIATE", "begin"); !r) return r.error();
  db().in_transaction = true;
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

// ---- zone transfers (migration 2) -----------------------------------------------------------

Result<std::vector<XfrObject>> Reader::list_xfr_objects(std::string_view kind) {
  Query q(db(), "SELECT kind, id, scope, body FROM xfr_objects WHERE kind = ?1 ORDER BY rowid",
          what("list xfr objects", kind));
  q.bind(kind);
  return collect<XfrObject>(q, [](const Query& row) { return XfrObject{row.text(0), row.text(1), row.text(2), row.text(3)}; });
}

Result<std::vector<std::string>> Reader::xfr_journal(std::string_view zone) {
  Query q(db(), "SELECT diff FROM xfr_journal WHERE zone = ?1 ORDER BY seq", what("read xfr journal of", zone));
  q.bind(zone);
  return collect<std::string>(q, [](const Query& row) { return row.blob(0); });
}

Result<std::optional<ServedView>> Reader::served_view(std::string_view zone) {
  Query q(db(), "SELECT serial, digest FROM served_views WHERE zone = ?1", what("read served view of", zone));
  q.bind(zone);
  return first<ServedView>(q, [](const Query& row) { return ServedView{static_cast<uint32_t>(row.i64(0)), row.text(1)}; });
}

Result<void> Transaction::put_xfr_object(const XfrObject& o) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "INSERT OR REPLACE INTO xfr_objects (kind, id, scope, body) VALUES (?1, ?2, ?3, ?4)",
          what("put xfr object", o.id));
  auto r = q.bind(o.kind, o.id, o.scope, o.body).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::delete_xfr_object(std::string_view kind, std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "DELETE FROM xfr_objects WHERE kind = ?1 AND id = ?2", what("delete xfr object", id));
  auto r = q.bind(kind, id).run();
  if (!r) return r.error();
  if (*r == 0) return store_error(StoreErrc::kNotFound, std::string(kind) + " " + std::string(id) + " not found");
  return {};
}

Result<void> Transaction::append_xfr_journal(std::string_view zone, uint32_t from, uint32_t to, std::string_view diff,
                                             size_t keep) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  {
    Query q(*db_, "INSERT INTO xfr_journal (zone, serial_from, serial_to, diff) VALUES (?1, ?2, ?3, ?4)",
            what("append xfr journal of", zone));
    auto r = q.bind(zone, from, to, Blob{diff}).run();
    if (!r) return r.error();
  }
  Query q(*db_,
          "DELETE FROM xfr_journal WHERE zone = ?1 AND seq NOT IN"
          " (SELECT seq FROM xfr_journal WHERE zone = ?1 ORDER BY seq DESC LIMIT ?2)",
          what("compact xfr journal of", zone));
  auto r = q.bind(zone, static_cast<int64_t>(keep)).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::put_served_view(std::string_view zone, uint32_t serial, std::string_view digest) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "INSERT OR REPLACE INTO served_views (zone, serial, digest) VALUES (?1, ?2, ?3)",
          what("put served view of", zone));
  auto r = q.bind(zone, serial, digest).run();
  if (!r) return r.error();
  return {};
}

Result<std::optional<SecondaryData>> Reader::secondary_data(std::string_view zone_id) {
  Query q(db(), "SELECT serial, data, confirmed_on FROM secondary_data WHERE zone_id = ?1",
          what("read secondary data of zone", zone_id));
  q.bind(zone_id);
  return first<SecondaryData>(q, [](const Query& row) {
    return SecondaryData{static_cast<uint32_t>(row.i64(0)), row.text(1), row.i64(2)};
  });
}

Result<void> Transaction::put_secondary_data(std::string_view zone_id, const SecondaryData& d) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "INSERT OR REPLACE INTO secondary_data (zone_id, serial, data, confirmed_on) VALUES (?1, ?2, ?3, ?4)",
          what("put secondary data of zone", zone_id));
  auto r = q.bind(zone_id, d.serial, d.text, d.confirmed_on).run();
  if (!r) return r.error();
  return {};
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
