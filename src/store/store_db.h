#pragma once
// The store's SQLite plumbing shared by its source files (store.cc, store_zones.cc,
// store_apps_tokens.cc, store_journal.cc): error mapping, the connection with its statement cache,
// one use of a statement (Query), row mapping, and the checks every Transaction write starts with.
// Internal to src/store: nothing outside it includes this file.

#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/store.h"

namespace dnsedge::store::internal {

inline Error store_error(StoreErrc c, std::string message) {
  return make_error(std::move(message), code(c));
}

inline StoreErrc classify(int rc) {
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
inline StoreErrc classify(int rc, std::string_view message) {
  if (rc == SQLITE_CONSTRAINT_TRIGGER && message.find("FOREIGN KEY") != std::string_view::npos) {
    return StoreErrc::kForeignKey;
  }
  return classify(rc);
}

inline bool is_full_errno(int e) { return e == ENOSPC || e == EDQUOT; }

// kIo whose cause is a full disk is kFull: SQLite reports ENOSPC as SQLITE_FULL when it writes
// the database or the WAL, but as an I/O error when it sizes the WAL index (-shm) or truncates.
inline StoreErrc classify(sqlite3* h, int rc, std::string_view message) {
  if ((rc & 0xff) == SQLITE_FULL) return StoreErrc::kFull;
  const StoreErrc c = classify(rc, message);
  if (c == StoreErrc::kIo && h != nullptr && is_full_errno(sqlite3_system_errno(h))) return StoreErrc::kFull;
  return c;
}

// "<what>: <SQLite's message>". REQUIRES: called before anything else runs on the connection.
inline Error sqlite_error(sqlite3* h, int rc, std::string_view what) {
  const std::string_view sqlite_msg = h != nullptr ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
  std::string msg(what);
  msg += ": ";
  msg += sqlite_msg;
  return store_error(classify(h, rc, sqlite_msg), std::move(msg));
}

// RFC 1982 §3.2: s1 is after s2.
inline bool serial_after(uint32_t s1, uint32_t s2) {
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
  std::chrono::steady_clock::time_point write_began{};  // BEGIN IMMEDIATE of the open Transaction
  std::vector<zone::AuditEntry> staged_audit;  // Store::stage_audit
  DiskState* disk = nullptr;     // the owning Store's, if any

 private:
  ConnPtr h_;  // declared first: closed after every statement is finalized
  std::unordered_map<std::string, StmtPtr> stmts_;
};

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

inline std::string what(std::string_view op, std::string_view key) {
  std::string s(op);
  if (!key.empty()) {
    s += ' ';
    s += key;
  }
  return s;
}

// ---- row mapping -----------------------------------------------------------------------------

inline zone::Account read_account(const Query& q) { return {q.text(0), q.text(1), q.text(2)}; }

inline zone::Zone read_zone(const Query& q) {
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

inline zone::Record read_record(const Query& q) {
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

inline zone::ZoneSetting read_setting(const Query& q) {
  return {q.text(0), q.text(1), q.text(2), q.text(3)};
}
inline zone::SpectrumApp read_app(const Query& q) {
  return {q.text(0), q.text(1), q.text(2), q.text(3), q.text(4)};
}
inline zone::ApiToken read_token(const Query& q) {
  return {q.text(0), q.text(1), q.text(2), q.text(3), q.text(4),
          q.text(5), q.text(6), q.text(7), q.text(8), q.text(9)};
}
inline zone::AuditEntry read_audit(const Query& q) {
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

template <typename T, typename Map>
inline Result<std::vector<T>> collect(Query& q, Map map) {
  std::vector<T> out;
  for (;;) {
    auto r = q.step();
    if (!r) return r.error();
    if (!*r) return out;
    out.push_back(map(q));
  }
}

template <typename T, typename Map>
inline Result<std::optional<T>> first(Query& q, Map map) {
  auto r = q.step();
  if (!r) return r.error();
  if (!*r) return std::optional<T>();
  return std::optional<T>(map(q));
}

// ---- checks of Transaction writes ----------------------------------------------------------

inline Error finished_error() {
  return store_error(StoreErrc::kMisuse, "transaction already committed or rolled back");
}

// SQLite rolls back the whole transaction by itself after some errors (SQLITE_FULL, IOERR,
// BUSY, NOMEM). Later statements would then autocommit one by one; refuse them instead.
inline Result<void> still_open(Db* db) {
  if (db == nullptr) return finished_error();
  if (sqlite3_get_autocommit(db->handle()) != 0) {
    return store_error(StoreErrc::kIo,
                       "transaction was rolled back by SQLite after an earlier error; "
                       "nothing of it was written");
  }
  return {};
}

inline Result<void> expect_one(Result<int64_t> changed, StoreErrc none, std::string message) {
  if (!changed) return changed.error();
  if (*changed == 0) return store_error(none, std::move(message));
  return {};
}

}  // namespace dnsedge::store::internal
