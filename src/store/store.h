#pragma once
// The store: dnsedge's source of truth for API-managed zones, kept in one SQLite 3 database,
// DIR/dnsedge.db, in WAL mode (the store is the truth; docs/architecture.md).
//
// What it holds: accounts, zones (with the SOA serial of each), records, zone settings,
// Spectrum-style apps, page rules, API tokens (SHA-256 of the secret only), the audit log and
// the zone transfer tables (the IXFR journal of view diffs, the last served view of each zone).
// File-backed zones (--zone-file) are not stored here.
//
// Durability. The database runs with journal_mode=WAL and synchronous=FULL: Transaction::commit()
// returns only after the WAL has been fsync()ed, so a commit that returned survives kill -9 and
// power loss; a transaction that did not commit leaves no trace (store_test.cc's crash test
// kills a writer at random points and checks both). The cost of that fsync is measured in
// store_test.cc (StoreDurabilityTest): it is the per-commit price, so callers batch a whole API
// request (a 100-record batch, a zone-file import) into one Transaction.
//
// Integrity the store enforces by itself (whatever the caller validated):
//   - every id is 32 lowercase hex digits; zone and record names are lowercase and have no
//     trailing dot; record types are uppercase; TTL 0..2^31-1 (RFC 2181 §8); priority 0..65535;
//     every *_json column is well-formed JSON (tags: an array, app config: an object);
//   - zone names are unique; API token hashes are unique (64 lowercase hex digits);
//   - records are unique on (zone_id, name, type, content, priority): a second identical record
//     fails with StoreErrc::kDuplicate (Cloudflare 81058 "An identical record already exists.");
//     uniqueness is checked per statement, not at commit, so a batch that swaps two records'
//     contents must go through a delete and re-insert;
//   - records, settings, apps and secondary data belong to an existing zone (foreign keys,
//     deleted with it); a zone belongs to an existing account, which cannot be deleted while it
//     owns zones;
//   - a zone's serial only moves forward (RFC 1982), even across delete and re-create under the
//     same name: the store remembers the last serial of every deleted zone name and starts a new
//     zone of that name after it, so secondaries never see the serial go back.
// Nothing else is validated here: content, proxiable, CNAME exclusivity and the like belong to
// the zone validator and the API.
//
// Errors are Result values; Error::code is a StoreErrc and Error::message carries SQLite's own
// message with what was being done ("insert record 0123...: UNIQUE constraint failed: ...").
// Reads return std::optional for "not found"; writes that target a missing row fail with
// StoreErrc::kNotFound.
//
// Schema. A `schema_version` table lists the migrations applied; open() applies the missing ones
// in one transaction, and refuses a database whose version is newer than this binary knows
// (StoreErrc::kSchema). Migration 1 creates every table; 2 adds zone transfers; 3 token scopes
// and the audit log; 4 DNSSEC state and keys; 5 drops migration 1's JSON change journal (the
// IXFR journal of 2 is the one zone transfers read); 6 page rules.
//
// Thread safety: a Store is one read-write connection and must be used by one thread at a time
// (the control module's single writer thread). Its reads go through the same connection, so
// while a Transaction is open they see that transaction's uncommitted writes. Other threads read
// through their own Reader from open_reader(): a separate read-only connection that sees only
// committed data, never blocks the writer and is never blocked by it (WAL). Each Reader, too, is
// for one thread at a time. Several processes may open the same directory (SQLite locks); the
// design expects one dnsedge process.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "zone/record.h"

namespace dnsedge::store {

// Error::code values of store errors. Stable: they show up in logs and the api maps them.
enum class StoreErrc : int {
  kNotFound = 1,    // a write targeted a row that does not exist
  kDuplicate = 2,   // UNIQUE / PRIMARY KEY violation (zone name, record identity, token hash, id)
  kConstraint = 3,  // CHECK / NOT NULL violation: the value breaks an integrity rule above
  kForeignKey = 4,  // unknown zone_id / account_id, or deleting an account that owns zones
  kBusy = 5,        // the database stayed locked past busy_timeout (another process writing)
  kIo = 6,          // disk full, I/O error, cannot open or create the file
  kCorrupt = 7,     // the file is not a database or is damaged
  kSchema = 8,      // the database's schema version is newer than this binary
  kMisuse = 9,      // e.g. begin() while a transaction is open, use of a finished Transaction
  kInternal = 10,   // any other SQLite failure
  kFull = 11,       // the disk (or the user's quota) is full: SQLITE_FULL, or an I/O error or a
                    // failed create/fsync whose cause is ENOSPC or EDQUOT
};

inline int code(StoreErrc e) { return static_cast<int>(e); }
inline bool is(const Error& e, StoreErrc c) { return e.code == code(c); }

enum class Durability {
  kFull,    // synchronous=FULL: fsync the WAL on every commit (the default; survives power loss)
  kNormal,  // synchronous=NORMAL: fsync only at checkpoints; a power loss may lose the last
            // commits (never corrupts). For tests and benchmarks only.
};

struct StoreOptions {
  Durability durability = Durability::kFull;
  // How long a statement waits for a lock held by another connection before failing with kBusy.
  std::chrono::milliseconds busy_timeout{5000};
  // A full disk is no outage: when open() cannot open the database read-write because the disk
  // is full (kFull), it opens the last committed state read-only instead (see Store::read_only()).
  bool read_only_when_full = false;
  // Called on the store's thread when a full-disk episode starts (true: the first kFull error,
  // at open or on a write) and when it ends (false: the first commit that succeeds after it).
  // Once per episode, whatever the number of writes refused in between. May be empty.
  std::function<void(bool full)> on_disk_full;
};

// Exact-match filters for list_zones; unset fields match everything.
struct ZoneQuery {
  std::optional<std::string> name;
  std::optional<std::string> account_id;
  std::optional<std::string> status;
};

// A secondary_dns object (kind "tsig", "peer", "outgoing", "incoming") as the API shows it:
// `scope` is the account id (tsig, peer) or the zone id (outgoing, incoming); `body` a JSON object.
struct XfrObject {
  std::string kind, id, scope, body;
  bool operator==(const XfrObject&) const = default;
};

// Audit log retention: the newest kAuditKeepRows entries no older than kAuditKeepDays are kept;
// every insert_audit() drops what falls outside.
inline constexpr int64_t kAuditKeepRows = 100000;
inline constexpr int kAuditKeepDays = 90;

// Filters of list_audit(); times are RFC 3339 as format_rfc3339 writes them (so they compare
// as text). Empty strings match everything.
struct AuditQuery {
  std::string account_id;
  std::string since;   // time >= since
  std::string before;  // time < before
  bool newest_first = true;
  int64_t offset = 0;
  int64_t limit = 100;
};

struct AuditPage {
  std::vector<zone::AuditEntry> entries;
  int64_t total = 0;  // entries matching the filters, all pages
};

// What a secondary zone holds: the zone as text, and when a primary last confirmed it.
struct SecondaryData {
  uint32_t serial = 0;
  std::string text;
  int64_t confirmed_on = 0;  // unix seconds
};

// The last served state of a zone (file or store zone): its serial and a digest of its view.
struct ServedView {
  uint32_t serial = 0;
  std::string digest;
};

// DNSSEC (migration 4, store_dnssec.cc), by zone name (lowercase, no trailing dot). Status is
// one of Cloudflare's: active, pending, disabled, pending-disabled, error.
struct DnssecState {
  std::string zone, status, modified_on;
  bool operator==(const DnssecState&) const = default;
};
// One key of a zone: role "ksk" or "zsk", its DNSKEY rdata, its private key (PKCS#8 PEM: never
// log it or answer it), its rollover phase (dnssec::KeyPhase names) and the unix time of each
// phase reached (0: not yet).
struct DnssecKeyRow {
  std::string zone, id, role;
  uint16_t key_tag = 0;
  std::string dnskey, private_pem, phase;
  int64_t created = 0, published = 0, active = 0, retired = 0, removed = 0;
  bool operator==(const DnssecKeyRow&) const = default;
};

// A page rule of a zone (migration 6): Cloudflare's forwarding_url action on one URL pattern
// (control/page_rules.h validates it). The store checks status_code 301/302, priority >= 1,
// status active/disabled and non-empty texts.
struct PageRuleRow {
  std::string id, zone_id;
  std::string pattern;  // the target's constraint value, as normalized
  std::string url;      // the forwarding URL
  int status_code = 301;
  int64_t priority = 1;
  std::string status = "disabled";  // "active" or "disabled"
  std::string created_on, modified_on;
  bool operator==(const PageRuleRow&) const = default;
};

// One DNS analytics cell (migration 7): the queries of one minute (since the epoch) of a zone
// ("example.com") for one query name ("" stands for the names past the kept ones), type, rcode
// and answer kind, with their summed response time (analytics/aggregator.h).
struct AnalyticsRow {
  int64_t minute = 0;
  std::string zone, name;
  int64_t qtype = 0, rcode = 0, kind = 0, count = 0, time_us = 0;
  bool operator==(const AnalyticsRow&) const = default;
};

namespace internal {
class Db;  // one SQLite connection plus its prepared-statement cache (store.cc)
struct DiskState;  // a Store's full-disk episode (store.cc)
}  // namespace internal

// Read access over one connection. Lists are ordered deterministically as documented per
// method. Every method runs as its own implicit read transaction unless begin_read() (Reader)
// or begin() (Store) opened one.
class Reader {
 public:
  // Used by Store::open and Store::open_reader; not for direct use.
  explicit Reader(std::unique_ptr<internal::Db> db);
  virtual ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Accounts, ordered by created_on then id.
  [[nodiscard]] Result<std::vector<zone::Account>> list_accounts();
  [[nodiscard]] Result<std::optional<zone::Account>> get_account(std::string_view id);

  // Zones matching q, ordered by name. REQUIRES: q.name, if set, is lowercase, no trailing dot.
  [[nodiscard]] Result<std::vector<zone::Zone>> list_zones(const ZoneQuery& q = {});
  [[nodiscard]] Result<std::optional<zone::Zone>> get_zone(std::string_view id);
  // REQUIRES: name is lowercase without trailing dot ("example.com").
  [[nodiscard]] Result<std::optional<zone::Zone>> get_zone_by_name(std::string_view name);

  // All records of a zone, ordered by (name, type, content, priority). An unknown zone gives an
  // empty list.
  [[nodiscard]] Result<std::vector<zone::Record>> list_records(std::string_view zone_id);
  // The records of one name (and type, if given) through the (zone_id, name, type) index.
  [[nodiscard]] Result<std::vector<zone::Record>> find_records(std::string_view zone_id,
                                                               std::string_view name,
                                                               std::string_view type = {});
  [[nodiscard]] Result<std::optional<zone::Record>> get_record(std::string_view zone_id,
                                                               std::string_view id);
  [[nodiscard]] Result<int64_t> count_records(std::string_view zone_id);

  // Settings of a zone, ordered by key.
  [[nodiscard]] Result<std::vector<zone::ZoneSetting>> list_settings(std::string_view zone_id);
  [[nodiscard]] Result<std::optional<zone::ZoneSetting>> get_setting(std::string_view zone_id,
                                                                     std::string_view key);

  // Apps of one zone, or of all zones (for the edge's route table), ordered by (zone_id, id).
  [[nodiscard]] Result<std::vector<zone::SpectrumApp>> list_apps(std::string_view zone_id);
  [[nodiscard]] Result<std::vector<zone::SpectrumApp>> list_all_apps();
  [[nodiscard]] Result<std::optional<zone::SpectrumApp>> get_app(std::string_view zone_id,
                                                                 std::string_view id);

  // Page rules of one zone (migration 4), ordered by (created_on, id).
  [[nodiscard]] Result<std::vector<PageRuleRow>> list_page_rules(std::string_view zone_id);

  // Tokens ordered by created_on then id.
  [[nodiscard]] Result<std::vector<zone::ApiToken>> list_tokens();
  [[nodiscard]] Result<std::optional<zone::ApiToken>> get_token(std::string_view id);
  // REQUIRES: secret_hash is the SHA-256 of the presented secret as 64 lowercase hex digits.
  [[nodiscard]] Result<std::optional<zone::ApiToken>> get_token_by_hash(
      std::string_view secret_hash);

  // Audit log entries matching q (migration 3), one page, in seq order.
  [[nodiscard]] Result<AuditPage> list_audit(const AuditQuery& q);

  // Zone transfers (migration 2). Objects of one kind in insertion order.
  [[nodiscard]] Result<std::vector<XfrObject>> list_xfr_objects(std::string_view kind);
  // The IXFR journal (view diffs, xfr::encode_diff) of a zone (its name), oldest first.
  [[nodiscard]] Result<std::vector<std::string>> xfr_journal(std::string_view zone);
  [[nodiscard]] Result<std::optional<ServedView>> served_view(std::string_view zone);
  [[nodiscard]] Result<std::optional<SecondaryData>> secondary_data(std::string_view zone_id);

  // DNSSEC (migration 4). Keys ordered by (created, id).
  [[nodiscard]] Result<std::optional<DnssecState>> dnssec_state(std::string_view zone);
  [[nodiscard]] Result<std::vector<DnssecKeyRow>> dnssec_keys(std::string_view zone);

  // DNS analytics (migration 7): every cell of the minutes >= since_minute, by minute.
  [[nodiscard]] Result<std::vector<AnalyticsRow>> analytics_rows(int64_t since_minute);

  // A read transaction: every read until it ends sees one committed state of the database.
  // Ends (and releases its WAL snapshot) when destroyed. Keep it short: while it is open,
  // checkpoints cannot recycle the WAL past its snapshot, so the -wal file grows. REQUIRES: no
  // transaction is open on this connection; the ReadTransaction does not outlive the Reader.
  class ReadTransaction {
   public:
    ReadTransaction(ReadTransaction&& o) noexcept;
    ReadTransaction& operator=(ReadTransaction&&) = delete;
    ~ReadTransaction();

   private:
    friend class Reader;
    explicit ReadTransaction(internal::Db* db) : db_(db) {}
    internal::Db* db_;
  };
  [[nodiscard]] Result<ReadTransaction> begin_read();

 protected:
  internal::Db& db() { return *db_; }
  // Replaces the connection. REQUIRES: no transaction or statement of the old one is in use.
  void replace_db(std::unique_ptr<internal::Db> db);

 private:
  std::unique_ptr<internal::Db> db_;
};

class Store;

// One write transaction (BEGIN IMMEDIATE ... COMMIT). Compose a whole API request in one.
// Destroying it without commit() rolls everything back. After commit() or rollback() (or a failed
// commit, which rolls back) every method fails with kMisuse.
// REQUIRES: does not outlive the Store that began it; used on the Store's thread.
//
// A write that fails (constraint, not found) undoes only itself; the transaction stays open and
// the caller decides: a batch that must be all-or-nothing just returns, and the destructor rolls
// back. If SQLite itself aborted the whole transaction (disk full, I/O error), every later call
// and commit() fail with kIo instead of writing outside the transaction.
//
// Timestamps (created_on, modified_on, time) are written as given: the caller stamps them (with
// zone::now_rfc3339(clock)) so that what it answers equals what is stored.
class Transaction {
 public:
  Transaction(Transaction&& o) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  // Makes every write durable (fsync with Durability::kFull) before returning. On failure the
  // transaction is rolled back and nothing of it is visible.
  [[nodiscard]] Result<void> commit();
  [[nodiscard]] Result<void> rollback();
  bool active() const noexcept { return db_ != nullptr; }

  [[nodiscard]] Result<void> insert_account(const zone::Account& a);
  [[nodiscard]] Result<void> update_account(const zone::Account& a);  // name
  [[nodiscard]] Result<void> delete_account(std::string_view id);  // kForeignKey if it owns zones

  // Inserts the zone and returns the serial it starts with: z.serial, unless a zone of the same
  // name was deleted before, in which case the first serial after the one it had (RFC 1982)
  // when z.serial is not already after it.
  [[nodiscard]] Result<uint32_t> insert_zone(const zone::Zone& z);
  // Updates account_id, status, type and modified_on. Not name, serial or created_on.
  [[nodiscard]] Result<void> update_zone(const zone::Zone& z);
  // Deletes the zone with its records, settings, apps and secondary data; remembers its serial.
  [[nodiscard]] Result<void> delete_zone(std::string_view id);
  // serial := serial + 1 mod 2^32 (RFC 1982 §3.1: adding 1 is always a valid increment, and
  // 4294967295 + 1 wraps to 0, which secondaries see as newer). Returns the new serial.
  [[nodiscard]] Result<uint32_t> bump_serial(std::string_view zone_id);

  [[nodiscard]] Result<void> insert_record(const zone::Record& r);
  // Replaces every field but id, zone_id and created_on, matched on (r.zone_id, r.id).
  [[nodiscard]] Result<void> update_record(const zone::Record& r);
  [[nodiscard]] Result<void> delete_record(std::string_view zone_id, std::string_view id);
  // Deletes every record of a zone (an import that replaces); returns how many.
  [[nodiscard]] Result<int64_t> delete_all_records(std::string_view zone_id);

  // Inserts or replaces the setting (zone_id, key).
  [[nodiscard]] Result<void> put_setting(const zone::ZoneSetting& s);
  [[nodiscard]] Result<void> delete_setting(std::string_view zone_id, std::string_view key);

  [[nodiscard]] Result<void> insert_app(const zone::SpectrumApp& a);
  [[nodiscard]] Result<void> update_app(const zone::SpectrumApp& a);  // config_json, modified_on
  [[nodiscard]] Result<void> delete_app(std::string_view zone_id, std::string_view id);

  [[nodiscard]] Result<void> insert_page_rule(const PageRuleRow& r);
  // Every field but id, zone_id and created_on, matched on (r.zone_id, r.id).
  [[nodiscard]] Result<void> update_page_rule(const PageRuleRow& r);
  [[nodiscard]] Result<void> delete_page_rule(std::string_view zone_id, std::string_view id);

  [[nodiscard]] Result<void> insert_token(const zone::ApiToken& t);
  // Every field but id and created_on.
  [[nodiscard]] Result<void> update_token(const zone::ApiToken& t);
  [[nodiscard]] Result<void> delete_token(std::string_view id);

  // Appends an entry (its seq is assigned) and applies the retention (kAuditKeepRows,
  // kAuditKeepDays counted back from e.time).
  [[nodiscard]] Result<void> insert_audit(const zone::AuditEntry& e);

  // Zone transfers (migration 2).
  [[nodiscard]] Result<void> put_xfr_object(const XfrObject& o);  // insert or replace
  [[nodiscard]] Result<void> delete_xfr_object(std::string_view kind, std::string_view id);  // kNotFound
  // Appends a diff and keeps only the newest `keep` of the zone.
  [[nodiscard]] Result<void> append_xfr_journal(std::string_view zone, uint32_t from, uint32_t to,
                                                std::string_view diff, size_t keep);
  [[nodiscard]] Result<void> put_served_view(std::string_view zone, uint32_t serial, std::string_view digest);
  [[nodiscard]] Result<void> put_secondary_data(std::string_view zone_id, const SecondaryData& d);

  // DNSSEC (migration 4): insert or replace; delete_dnssec removes the state and every key of
  // the zone and returns how many rows went.
  [[nodiscard]] Result<void> put_dnssec_state(const DnssecState& s);
  [[nodiscard]] Result<void> put_dnssec_key(const DnssecKeyRow& k);
  [[nodiscard]] Result<int64_t> delete_dnssec(std::string_view zone);

  // DNS analytics (migration 7): the cells of `minute` become `rows` (every zone's); prune
  // removes the minutes before `before_minute` and returns how many rows went.
  [[nodiscard]] Result<void> replace_analytics_minute(int64_t minute, const std::vector<AnalyticsRow>& rows);
  [[nodiscard]] Result<int64_t> prune_analytics(int64_t before_minute);

 private:
  friend class Store;
  explicit Transaction(internal::Db* db) : db_(db) {}
  Result<void> finish(const char* sql, const char* what);
  internal::Db* db_;  // null once finished
};

class Store : public Reader {
 public:
  // The schema version this binary creates and understands.
  static constexpr int kSchemaVersion = 7;

  // Opens DIR/dnsedge.db, creating DIR (mode 0700) and the file (mode 0600) if missing, and
  // migrates it to kSchemaVersion.
  //
  // With options.read_only_when_full, a disk too full to open the database read-write (SQLite
  // needs space for the WAL index and for a migration) gives a read-only Store instead of kFull:
  // it reads the last committed state (an ordinary read-only connection, or, when the WAL holds
  // nothing, the database file opened immutable; an empty database when there is no file yet),
  // and every begin() first tries to open the database read-write again, so writes resume by
  // themselves once space is freed. While it cannot, begin() fails with kFull.
  [[nodiscard]] static Result<std::unique_ptr<Store>> open(const std::string& data_dir,
                                                           const StoreOptions& options = {});

  explicit Store(std::unique_ptr<internal::Db> db, std::string path);
  ~Store() override;

  // A read-only connection to the same database for another thread. It may outlive the Store.
  [[nodiscard]] Result<std::unique_ptr<Reader>> open_reader() const;
  // A read-only connection to DIR/dnsedge.db without a Store (another process may be serving
  // it): creates nothing, migrates nothing; kIo when there is no store there, kSchema when it
  // is newer than this binary.
  [[nodiscard]] static Result<std::unique_ptr<Reader>> open_reader(const std::string& data_dir);

  // Starts a write transaction. kMisuse if one is already open on this Store.
  [[nodiscard]] Result<Transaction> begin();

  // Audit entries of the write in progress: the next Transaction that commits writes them in
  // the same commit (and forgets them); unstage_audit() returns and forgets those no commit
  // took (the write failed before it stored anything), for the caller to write on their own.
  void stage_audit(zone::AuditEntry e);
  std::vector<zone::AuditEntry> unstage_audit();

  // Returns the oldest account; if there is none, creates one named `name` (stamped with
  // `clock`) and returns it.
  [[nodiscard]] Result<zone::Account> ensure_default_account(std::string_view name,
                                                             const zone::Clock& clock);

  // Private keys live in the database (DnssecKeyRow): makes the database file and its -wal and
  // -shm files readable by the owner only (clears group and other bits) and the data directory
  // 0700. Returns whether anything had to change. Called before a private key is stored.
  [[nodiscard]] Result<bool> protect_secrets();

  // The applied migrations as (version, applied_on), oldest first.
  [[nodiscard]] Result<std::vector<std::pair<int, std::string>>> schema_history();

  const std::string& path() const noexcept { return path_; }
  // True while the store reads a read-only connection because the disk was full (see open()).
  bool read_only() const noexcept { return read_only_; }
  // True from a kFull error until the next commit that succeeds.
  bool disk_full() const noexcept;

 private:
  // read_only(): tries to open the database read-write again; on success writes are possible.
  Result<void> reopen_read_write();

  std::string path_;
  std::string data_dir_;
  StoreOptions options_;
  bool read_only_ = false;
  std::shared_ptr<internal::DiskState> disk_;
};

}  // namespace dnsedge::store
