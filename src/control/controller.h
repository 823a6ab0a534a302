#pragma once
// The control plane's single writer (docs/architecture.md "Write path"): it owns the store, keeps every
// API-managed zone in memory with its compiled view, and publishes the served Catalog (file
// zones + store zones). Every write follows the same path:
//
//   validate → build the candidate record set → compile the candidate view (a compile error is
//   a 400 with its message, nothing stored) → one store Transaction (records, settings,
//   bump_serial, journal entry) → commit (fsync) → publish the new Catalog → acknowledge.
//
// A write that fails at any step changes nothing: not the store, not the memory, not DNS.
//
// Threading. All state is owned by one writer thread. Other threads hand it work with post()
// (asynchronous: a Job returns a Completion, run after the batch it belongs to was published)
// or call() (blocking). The worker takes every queued job at once and publishes one Catalog
// after the batch (bursts are coalesced), so each completion, and thus each acknowledgement,
// happens only once what it wrote is served. The methods below the "writer thread" line must
// only be called from jobs (or, before start() and after stop(), from the owning thread: unit
// tests use them directly; a write then publishes at once).
//
// File-backed zones (--zone-file) are compiled by the app's ZoneSet; set_file_zones() hands
// their views over. They are listed with stable ids derived from their names, their records
// are read from the file, and every write to them fails with errc::kFileBacked. A store zone
// whose name is also served from a file is not published (the file wins) and is reported by the
// log callback.
//
// Cross-zone data: a store zone that flattens a CNAME (or proxies one) to a name of another
// zone we serve sees that zone's current view; when a store zone changes, the store zones that
// looked up names in it are recompiled. External names come from
// ControllerOptions::external (the background resolver's results); after it changes, call
// recompile_external() on the writer thread.
//
// A full disk is no outage: open() opens the store with StoreOptions::read_only_when_full, so a
// disk too full for SQLite to open read-write still loads and serves the last committed state.
// A write that meets a full disk (at begin, on a statement or at commit) changes nothing and fails
// with code 1000 of kind kUnavailable (HTTP 503, "disk is full: writes are refused until
// space is freed (DIR)"); each episode is logged once (event=disk-full, then event=disk-space-again
// at the first write stored after it). Every write retries, so writes resume once space is freed.
//
// Serial discipline (RFC 1982): the serial of a store zone moves forward whenever what it
// serves changes, not only on writes: a recompile caused by another zone or by an external
// target that changes the view bumps the serial too, persisted with a digest of the served
// view (store table served_views), which is also compared at load so a view that changed while
// the server was down gets a new serial (controller_serial.cc).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "common/snapshot.h"
#include "control/errors.h"
#include "control/page_rules.h"
#include "control/preflight_change.h"
#include "control/spectrum.h"
#include "control/unique_function.h"
#include "control/validate.h"
#include "control/write_batch.h"
#include "control/writer.h"
#include "control/zone_settings.h"
#include "dnssec/policy.h"
#include "dnssec/zone_signing.h"
#include "store/store.h"
#include "view/model.h"
#include "view/view_targets.h"
#include "view/zone_view.h"
#include "zone/record.h"

namespace dnsedge::control {

// An informational entry of an API answer's messages[].
struct ApiMessage {
  int code = 0;
  std::string message;
};

// What the mail doctor needs to check a zone as dnsedge serves it (docs/doctor.md, "store
// zones"): the catalog DNS answers from and, per zone, the records as stored (proxy flags kept).
struct DoctorZone {
  std::string apex;                     // wire
  bool flatten_all = false;
  std::vector<dns::ZoneRecord> stored;  // store zones: the API records (no generated SOA/NS)
  std::string file;                     // file-backed: read the stored records from this file
};

struct DoctorState {
  std::string zone_id, zone_name, apex;  // the zone asked for; apex in wire form
  view::EdgeAddresses edge;
  std::shared_ptr<const view::Catalog> catalog;  // every zone as served in this state
  std::vector<DoctorZone> zones;                 // the zone asked for first
};

// ?dry_run=true: validate, compile and pre-flight the change, store and publish nothing.
struct WriteOptions {
  bool dry_run = false;
};

// The write pre-flight (docs/doctor.md "Pre-flight on writes"): given the zone as it is and as
// the write would leave it, the messages[] entries to add (the mail doctor's new findings).
// Runs on the writer thread before the change is stored; must be fast and do no network I/O.
using Preflight = std::function<std::vector<ApiMessage>(const DoctorState& before, const DoctorState& after)>;

struct ControllerOptions {
  std::string data_dir;                   // the store lives in DIR/dnsedge.db
  store::StoreOptions store;
  view::EdgeAddresses edge;               // what proxied names answer
  std::vector<std::string> nameservers;   // wire names: apex NS of store zones, SOA mname
  std::vector<std::string> flatten_all;   // file zones (apex wire) compiled with flatten_all
  const view::TargetSource* external = nullptr;  // resolved external names; may be null
  const zone::Clock* clock = nullptr;     // null: the system clock
  std::function<void(const std::string&)> log;   // warnings ("key=value" text); may be empty
  size_t max_batch = 64;                  // jobs run between two publishes
  // Records one store zone may hold: a write that would add one more fails with 81045
  // ("Record quota exceeded."); writes that add none (updates, deletes) still pass.
  size_t max_records_per_zone = 1000000;
  uint64_t max_generate_records = 65536;  // $GENERATE records per import (dns::ParseLimits)
  Preflight preflight;                    // may be empty: no pre-flight messages
  // Asked before the pre-flight runs (and before any DoctorState is built): false skips it for
  // this write, so it must answer false only when the pre-flight's messages would be empty
  // (api::PreflightFilter). Empty: the pre-flight runs on every write.
  std::function<bool(const PreflightChange&)> preflight_needed;
  // Spectrum apps (control/spectrum.h): pools API apps take an address from ("127.0.0.64/28"),
  // and addresses held by apps from flags/config (never handed out).
  std::vector<std::string> spectrum_pools;
  std::vector<std::string> spectrum_reserved;
  // Called in this order on the writer thread after every publish, before the writes of that
  // batch are acknowledged (control/writer.h): the edge opens and closes app listeners there, so
  // an acknowledged app change is in effect. Registered here, before open().
  std::vector<PublishListener> publish_listeners;
  // The IXFR journal: `encode` gives the difference between two served views of a zone
  // (xfr::diff_views, xfr::encode_diff), which the controller appends to the store's xfr journal
  // in the Transaction of the change that made it (keeping `keep` per zone). Empty: no journal.
  std::function<std::string(const view::ZoneView& before, const view::ZoneView& after)> journal_encode;
  size_t journal_keep = 100;
  // Asked on the writer thread before an app created or replaced through the API is stored (its
  // edge_ips filled in): an error refuses the write with its code (the edge: port cap, an origin
  // that is the edge itself, a listener that cannot bind). Empty: no such check.
  std::function<Result<void>(const view::ServedApp&)> prepare_app;
  // Online DNSSEC (docs/dnssec.md): ZSK rollover timing and signature validity of signed zones
  // (flags --dnssec-*, config [dnssec]).
  dnssec::RolloverSettings dnssec_rollover;
  dnssec::ValidityPolicy dnssec_validity;
  // File zones signed online ([[dnssec]], apex wire): their unsigned view, loaded before their
  // keys are read, is never served, so it is not recorded (served_views, the IXFR journal).
  std::vector<std::string> signed_file_zones;
};

// A Spectrum app of a zone: the stored row and its checked form.
struct AppInfo {
  zone::SpectrumApp row;
  view::ServedApp app;
};

struct ZoneInfo {
  zone::Zone zone;
  bool file_backed = false;
  std::string file;  // file-backed: the zone file
};

// A zone's DNSSEC as GET /zones/{id}/dnssec shows it (controller_dnssec.cc, docs/dnssec.md).
// Without a key (never turned on, or disabled): status and modified_on only.
struct DnssecInfo {
  std::string status = "disabled";  // Cloudflare's: active, pending, disabled, ...
  std::string modified_on;          // empty: never turned on or off
  bool has_key = false;             // the fields below describe the KSK
  uint16_t key_tag = 0;
  uint16_t flags = 0;
  std::string public_key;  // base64
  std::string digest;      // SHA-256 of the DS, uppercase hex
  std::string ds;          // "<zone>. 3600 IN DS <key_tag> 13 2 <digest>"
};

struct WriteResult {
  std::vector<zone::Record> records;  // the records as stored (created or updated)
  std::vector<ApiMessage> messages;
  uint32_t serial = 0;
};

// POST /zones/{id}/dns_records/batch: run as deletes, patches, puts, posts, in order.
struct BatchInput {
  std::vector<std::string> deletes;
  std::vector<std::pair<std::string, RecordInput>> patches, puts;
  std::vector<RecordInput> posts;
};

struct BatchResult {
  std::vector<zone::Record> deletes, patches, puts, posts;
  std::vector<ApiMessage> messages;
  uint32_t serial = 0;
};

struct ImportResult {
  size_t added = 0;   // records created
  size_t parsed = 0;  // records read from the file, SOA and apex NS excepted
  std::vector<ApiMessage> messages;
};

class Controller {
 public:
  // Opens the store under options.data_dir, makes sure a default account exists, loads and
  // compiles every store zone and publishes the Catalog (store zones only until
  // set_file_zones()). Records the store holds but the compiler refuses are skipped and logged.
  [[nodiscard]] static Result<std::unique_ptr<Controller>> open(ControllerOptions options,
                                                                common::SnapshotPublisher<view::Catalog>& publisher);
  // The same, read-only: loads and compiles the store zones through a read-only connection (it
  // may run beside a serving process, WAL) for `dnsedge doctor --data`. Every write fails.
  [[nodiscard]] static Result<std::unique_ptr<Controller>> open_read_only(
      ControllerOptions options, common::SnapshotPublisher<view::Catalog>& publisher);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // The writer thread (control/writer.h). Starts it: from then on, use post()/call().
  void start() { writer_.start(); }
  // Runs the queued jobs, then joins the writer thread. Idempotent.
  void stop() { writer_.stop(); }
  bool running() const noexcept { return writer_.running(); }
  // Queues a job for the writer thread. Jobs run in order. Thread-safe.
  void post(Job job) { writer_.post(std::move(job)); }
  // Runs f on the writer thread and returns its result once the batch it ran in is published.
  // Runs f inline when the thread is not running. Thread-safe; never call it from a job.
  template <typename F>
  auto call(F f) -> std::invoke_result_t<F&> {
    return writer_.call(std::move(f));
  }

  // ---- writer thread ---------------------------------------------------------------------

  // Tokens: the stored token whose secret hashes to `secret_hash` (64 lowercase hex), if active.
  std::optional<zone::ApiToken> token_by_hash(const std::string& secret_hash) const;
  bool has_tokens() const noexcept { return !tokens_.empty(); }
  // Stores a token with this hash and every permission unless one exists. True if it was added.
  [[nodiscard]] Result<bool> ensure_token(const std::string& name, const std::string& secret_hash);

  [[nodiscard]] Result<std::vector<zone::Account>> accounts();
  const zone::Account& default_account() const noexcept { return default_account_; }

  // Every zone (file-backed and store), ordered by name.
  std::vector<ZoneInfo> zones() const;
  [[nodiscard]] Result<ZoneInfo> zone(const std::string& id) const;  // 7003 when unknown
  [[nodiscard]] Result<ZoneInfo> create_zone(const std::string& name, const std::string& account_id,
                                             const std::string& type);
  [[nodiscard]] Result<ZoneInfo> update_zone(const std::string& id, const std::optional<std::string>& type);
  [[nodiscard]] Result<void> delete_zone(const std::string& id);
  std::vector<std::string> nameservers_text() const;  // "ns1.example.net", for zone objects

  // Records of a zone as the API shows them (file zones: read from the file).
  [[nodiscard]] Result<std::vector<zone::Record>> records(const std::string& zone_id) const;
  // The same list, shared and not copied: sorted once per zone state (serial, modification
  // time, served view) and kept until the zone changes, so listing a page costs no sort.
  [[nodiscard]] Result<std::shared_ptr<const std::vector<zone::Record>>> sorted_records(
      const std::string& zone_id) const;
  [[nodiscard]] Result<zone::Record> record(const std::string& zone_id, const std::string& id) const;

  [[nodiscard]] Result<WriteResult> create_record(const std::string& zone_id, const RecordInput& in,
                                                  const WriteOptions& opt = {});
  // PATCH (replace = false) or PUT (replace = true).
  [[nodiscard]] Result<WriteResult> update_record(const std::string& zone_id, const std::string& id,
                                                  const RecordInput& in, bool replace, const WriteOptions& opt = {});
  [[nodiscard]] Result<WriteResult> delete_record(const std::string& zone_id, const std::string& id,
                                                  const WriteOptions& opt = {});
  // All or nothing: the first failing item fails the whole batch (its message names it).
  [[nodiscard]] Result<BatchResult> batch(const std::string& zone_id, const BatchInput& in,
                                          const WriteOptions& opt = {});
  // Adds the records of a zone file (SOA and apex NS lines ignored; records identical to
  // stored ones skipped). `proxied` applies to A/AAAA/CNAME lines without a cf-proxied tag.
  [[nodiscard]] Result<ImportResult> import_zone(const std::string& zone_id, std::string_view text,
                                                 std::optional<bool> proxied, const WriteOptions& opt = {});
  // One record a line, absolute owner, numeric TTL, `; cf_tags=cf-proxied:true` on proxied
  // ones; no SOA/NS, no dc-records.
  [[nodiscard]] Result<std::string> export_zone(const std::string& zone_id) const;

  // The error any write to the zone gets before its input is looked at: the store is read-only,
  // the zone is a secondary or file-backed one, or unknown (7003). The API asks before it reads
  // a settings or Spectrum body, so that such a write fails the same way whatever its body.
  [[nodiscard]] Result<void> check_writable(const std::string& zone_id) const;

  [[nodiscard]] Result<DnsSettings> dns_settings(const std::string& zone_id) const;
  // With `messages`: the pre-flight's messages[] entries. A dry run returns the settings it would store.
  [[nodiscard]] Result<DnsSettings> update_dns_settings(const std::string& zone_id, const DnsSettingsPatch& patch,
                                                        std::vector<ApiMessage>* messages = nullptr,
                                                        const WriteOptions& opt = {});

  // The zone (store or file-backed) as the mail doctor sees it now: the whole catalog, and the
  // stored records of every zone (of `zone_id` only when !all_zones). 7003 when unknown.
  [[nodiscard]] Result<DoctorState> doctor_state(const std::string& zone_id, bool all_zones = true) const;

  // Spectrum apps (control/spectrum.cc). Writes recompile the zone (the app's name answers its
  // edge address), bump its serial, commit and publish. 404 (11003) for an unknown app id.
  [[nodiscard]] Result<std::vector<AppInfo>> apps(const std::string& zone_id) const;
  [[nodiscard]] Result<AppInfo> app(const std::string& zone_id, const std::string& id) const;
  [[nodiscard]] Result<AppInfo> create_app(const std::string& zone_id, const AppInput& in);
  [[nodiscard]] Result<AppInfo> update_app(const std::string& zone_id, const std::string& id, const AppInput& in);
  [[nodiscard]] Result<void> delete_app(const std::string& zone_id, const std::string& id);
  // The zone's IP access rules (apps with ip_firewall apply them), in creation order.
  [[nodiscard]] Result<std::vector<AccessRule>> access_rules(const std::string& zone_id) const;
  [[nodiscard]] Result<AccessRule> create_access_rule(const std::string& zone_id, const AccessRuleInput& in);
  [[nodiscard]] Result<void> delete_access_rule(const std::string& zone_id, const std::string& id);

  // DNSSEC (controller_dnssec.cc). enable: makes a KSK and a ZSK the first time (kept in the
  // store), status "pending" until the served view is signed; disable: status "disabled", keys
  // kept; delete: state and keys removed. File-backed zones: read only (errc::kFileBacked).
  [[nodiscard]] Result<DnssecInfo> dnssec(const std::string& zone_id) const;
  [[nodiscard]] Result<DnssecInfo> set_dnssec(const std::string& zone_id, bool enable);
  [[nodiscard]] Result<void> delete_dnssec(const std::string& zone_id);
  // Signs the store zone `zone_name` ("example.com") again from its stored keys and DNSSEC state
  // (the rollover phases, ControllerOptions::dnssec_rollover/dnssec_validity): a full compile
  // with fresh signatures and the next serial, stored and published. Called on the writer thread
  // (the rollover and signature-refresh timer). Keys that do not load: the zone answers SERVFAIL
  // (published so) and the error names the zone.
  [[nodiscard]] Result<void> resign(const std::string& zone_name);
  // The online signing of the file zone at `apex` (wire; [[dnssec]] of the config file): its keys
  // are made and its status set active in the store the first time. Keys that do not load give
  // a signing marked unusable (the zone answers SERVFAIL), logged naming the zone.
  [[nodiscard]] Result<std::shared_ptr<const dnssec::ZoneSigning>> file_zone_signing(const std::string& apex);

  // Page rules (control/page_rules.h; forwarding_url only). Writes store the rule and publish
  // (the edge applies the active ones); DNS and the zone's serial do not change. 404 (1003) for
  // an unknown rule id. With `messages`: a dry run's note.
  [[nodiscard]] Result<std::vector<store::PageRuleRow>> page_rules(const std::string& zone_id) const;
  [[nodiscard]] Result<store::PageRuleRow> page_rule(const std::string& zone_id, const std::string& id) const;
  [[nodiscard]] Result<store::PageRuleRow> create_page_rule(const std::string& zone_id, const PageRuleInput& in,
                                                            const WriteOptions& opt = {},
                                                            std::vector<ApiMessage>* messages = nullptr);
  // PATCH (replace = false: absent fields keep their values) or PUT (replace = true).
  [[nodiscard]] Result<store::PageRuleRow> update_page_rule(const std::string& zone_id, const std::string& id,
                                                            const PageRuleInput& in, bool replace,
                                                            const WriteOptions& opt = {},
                                                            std::vector<ApiMessage>* messages = nullptr);
  [[nodiscard]] Result<void> delete_page_rule(const std::string& zone_id, const std::string& id,
                                              const WriteOptions& opt = {},
                                              std::vector<ApiMessage>* messages = nullptr);

  // The view DNS answers from right now.
  [[nodiscard]] Result<std::shared_ptr<const view::ZoneView>> served_view(const std::string& zone_id) const;

  // Replaces the file-backed zones (at start and after SIGHUP) and publishes. `resigned`: the
  // signed zone files among them were signed anew (their signature refresh): their serial moves.
  void set_file_zones(std::vector<std::shared_ptr<const view::ZoneView>> views, bool resigned = false);
  // Recompiles the store zones that depend on external names, and publishes.
  void recompile_external();
  // External names (outside every zone we serve) the store zones need resolved.
  std::vector<std::string> external_names() const;

  // ---- secondary zones (type "secondary", controller_secondary.cc) ----
  // Their records come from their primaries (xfr::Secondary): serves `records` (SOA first) for
  // the secondary zone at `apex` (wire) and persists them with `confirmed` (unix seconds).
  [[nodiscard]] Result<void> set_secondary_data(const std::string& apex, const std::vector<dns::ZoneRecord>& records,
                                                uint32_t serial, int64_t confirmed);
  // The zone's SOA expire passed without a primary: every query at it gets SERVFAIL.
  [[nodiscard]] Result<void> expire_secondary(const std::string& apex);
  struct SecondaryZone {
    std::string id, apex;
    uint32_t serial = 0;
    std::vector<dns::ZoneRecord> records;  // empty: nothing pulled yet
    int64_t confirmed = 0;
  };
  std::vector<SecondaryZone> secondary_zones() const;
  // The secondary_dns objects (api/secondary_dns.h) of one kind ("tsig", "peer", "outgoing",
  // "incoming"), in insertion order; writes are one store transaction each. Errors are the
  // store's (store::StoreErrc; kNotFound for a delete of nothing).
  [[nodiscard]] Result<std::vector<store::XfrObject>> xfr_objects(const std::string& kind) const;
  [[nodiscard]] Result<void> put_xfr_object(const store::XfrObject& o);
  [[nodiscard]] Result<void> delete_xfr_object(const std::string& kind, const std::string& id);
  [[nodiscard]] Result<std::optional<zone::Account>> account(const std::string& id) const;

 private:
  struct StoreZone {
    zone::Zone zone;
    std::string apex;  // wire
    RecordMap records;
    DnsSettings settings;
    std::map<std::string, AppInfo> apps;  // by id
    std::vector<AccessRule> access_rules;  // IP access rules (control/spectrum.h)
    std::map<std::string, store::PageRuleRow> page_rules;   // by id (control/page_rules.h)
    std::shared_ptr<const view::ZonePageRules> served_rules;  // the active ones, as published; null: none
    std::shared_ptr<const view::ZoneView> view;
    // The compile state `view` was made from (view/model.h): a write recompiles only the names it
    // touches when model->view() is `view`; otherwise (a view made another way since: load,
    // settings, apps, a dependency) the write compiles in full and keeps the new model.
    std::shared_ptr<view::ZoneModel> model;
    // Record ids by owner (wire), as committed: what stage() checks a new record against and
    // what a recompile of one name reads, without a walk over the zone.
    OwnerIndex by_owner;
    // The pre-flight's copy of the records' rrs as of serial doctor_serial (what the last
    // committed write's "after" state held): the next write's "before" without another copy.
    std::vector<dns::ZoneRecord> doctor_rrs;
    std::optional<uint32_t> doctor_serial;
    // Online DNSSEC (controller_dnssec.cc): the keys and timing every compile of the zone signs
    // with; null: not signed.
    std::shared_ptr<const dnssec::ZoneSigning> signing;
  };
  struct FileZone {
    std::string id;
    std::string name;
    std::string apex;
    std::string file;
    std::string loaded_on;
    std::shared_ptr<const view::ZoneView> view;
    // Read from the file on first use (listing a big file zone is rare; keeping every file
    // zone's records in memory twice is not).
    mutable std::optional<std::vector<zone::Record>> records;
  };
  static void reindex(StoreZone& z);

  Controller(ControllerOptions options, common::SnapshotPublisher<view::Catalog>& publisher,
             std::unique_ptr<store::Store> store);
  Result<void> load();
  Result<void> load_zones(store::Reader& db);

  std::string now() const;
  void log(const std::string& text) const;
  // The API error of a failed store operation: 81058 for a duplicate, errc::kInternal otherwise
  // (of kind kUnavailable, HTTP 503, when the disk is full).
  Error store_error(const Error& e) const;
  ZoneContext context(const StoreZone& z) const;
  Result<StoreZone*> writable(const std::string& zone_id);
  const FileZone* file_zone(const std::string& id) const;
  const std::vector<zone::Record>& file_records(const FileZone& f) const;
  // The order of record lists: name, type, content, priority.
  static bool record_less(const zone::Record& a, const zone::Record& b);

  Result<std::shared_ptr<const view::ZoneView>> compile(const StoreZone& z, const RecordMap& records,
                                                        const DnsSettings& settings, uint32_t serial,
                                                        const std::map<std::string, AppInfo>* apps = nullptr) const;
  Result<std::shared_ptr<view::ZoneModel>> compile_model(const StoreZone& z, const RecordMap& records,
                                                         const DnsSettings& settings, uint32_t serial,
                                                         const std::map<std::string, AppInfo>* apps = nullptr) const;
  // The candidate view of a record write: z's model updated name by name when it made z.view,
  // else a full compile. *model: the model the view came from; *undo: what puts the model back
  // (empty after a full compile: the zone's model is then untouched).
  Result<std::shared_ptr<const view::ZoneView>> compile_candidate(StoreZone& z, const WriteBatch& p, uint32_t serial,
                                                                  std::shared_ptr<view::ZoneModel>* model,
                                                                  std::vector<view::OwnerChange>* undo) const;
  // Lists the other zones' views and the external names, as compile() uses them.
  view::ViewTargets targets_for(const StoreZone& z) const;
  // Spectrum apps (control/spectrum.cc).
  Result<void> load_apps(StoreZone& z, store::Reader& db);
  Result<AppInfo> stage_app(const StoreZone& z, const AppInput& in, const AppInfo* base);
  Result<void> commit_apps(StoreZone& z, std::map<std::string, AppInfo> apps, const std::string& op,
                           const AppInfo* write, const std::string& removed_id,
                           const std::vector<AccessRule>* access_rules = nullptr);
  // Page rules (control/page_rules.cc).
  Result<void> load_page_rules(StoreZone& z, store::Reader& db);
  PageRuleZone page_rule_zone(const StoreZone& z) const;
  // Stores `write` (a new or changed rule), or deletes `removed_id`, and publishes.
  Result<void> commit_page_rule(StoreZone& z, const store::PageRuleRow* write, const std::string& removed_id);
  // Validates one item against the candidate and applies it. `base_id` empty: a new record.
  Result<zone::Record> stage(const StoreZone& z, WriteBatch& p, const RecordInput& in, const std::string& base_id,
                             bool replace);
  Result<void> stage_delete(WriteBatch& p, const std::string& id, zone::Record* deleted);
  // ---- the commit pipeline (controller_commit.cc) ----
  // The state of one write as it goes down the pipeline.
  struct Candidate {
    uint32_t serial = 0;
    std::shared_ptr<view::ZoneModel> model;  // the model `view` came from
    std::vector<view::OwnerChange> undo;     // what puts the zone's model back (empty: untouched)
    std::shared_ptr<const view::ZoneView> view;
    std::vector<ApiMessage> doctor;          // the pre-flight's messages
    std::vector<dns::ZoneRecord> doctor_after;
    bool doctor_ran = false;
    std::string stamp;                             // modified_on of what persist() stored
    std::shared_ptr<const view::ZoneView> before;  // the view swap_in() replaced
  };
  // diff → compile → pre-flight → persist → swap in → announce. Returns the new serial (the
  // current one when nothing changes or on a dry run).
  Result<uint32_t> commit(StoreZone& z, WriteBatch& p, std::vector<ApiMessage>* messages, const WriteOptions& opt = {});
  static ApiMessage dry_run_note(const StoreZone& z);
  Result<uint32_t> unchanged(const StoreZone& z, std::vector<ApiMessage>* messages, const WriteOptions& opt) const;
  Result<void> compile_write(StoreZone& z, const WriteBatch& p, const WriteBatch::Changes& changes, Candidate* c) const;
  void undo_candidate(StoreZone& z, Candidate& c) const;
  void preflight_write(StoreZone& z, const WriteBatch& p, Candidate* c) const;
  Result<uint32_t> dry_run(const StoreZone& z, const WriteBatch& p, const Candidate& c,
                           const WriteBatch::Changes& changes, std::vector<ApiMessage>* messages) const;
  Result<void> persist(const StoreZone& z, const WriteBatch& p, const WriteBatch::Changes& changes, Candidate* c);
  void swap_in(StoreZone& z, WriteBatch& p, Candidate* c);
  void announce(StoreZone& z, const Candidate& c, const WriteBatch::Changes& changes, std::vector<ApiMessage>* messages);
  std::shared_ptr<const view::Catalog> catalog_with(const std::string& zone_id,
                                                    std::shared_ptr<const view::ZoneView> view) const;
  // What a publish hands the listeners: the catalog, and the external names when they may have
  // changed (external_changed_).
  Published published();
  // True when no file zone is served at `apex` (a file zone wins its apex).
  bool served_from_store(const std::string& apex) const;
  // The IXFR journal entry of a change of the zone at `apex` from `before` (as served until now;
  // null: nothing was served) to `after`, appended in `tx` when the serial moved forward.
  Result<void> journal(store::Transaction& tx, const std::string& apex, const view::ZoneView* before,
                       const view::ZoneView& after) const;
  DoctorZone doctor_zone(const StoreZone& z, const RecordMap& records, bool flatten_all) const;
  // after_rrs: the "after" state's rrs, for StoreZone::doctor_rrs once the write is committed.
  std::vector<ApiMessage> preflight(StoreZone& z, const WriteBatch& p,
                                    const std::shared_ptr<const view::ZoneView>& candidate,
                                    std::vector<dns::ZoneRecord>* after_rrs) const;
  // ControllerOptions::preflight_needed on what p changes (true: run the pre-flight).
  bool preflight_needed(const StoreZone& z, const WriteBatch& p,
                        const std::shared_ptr<const view::ZoneView>& candidate) const;
  // The served view of z is replaced by `next` without a change of its stored records (signed
  // anew): the pre-flight filter follows it, so the next write does not rebuild the filter's
  // index from the whole zone.
  void preflight_follow(const StoreZone& z, const std::shared_ptr<const view::ZoneView>& next) const;
  // The parts of a PreflightChange every change of z has (z.view to `candidate`), and the call.
  PreflightChange preflight_change(const StoreZone& z, const std::shared_ptr<const view::ZoneView>& candidate) const;
  bool ask_preflight_filter(const StoreZone& z, const PreflightChange& c) const;
  void recompile_dependents(const StoreZone& changed);
  // Recompiles z from its stored state and settles its serial (a changed view gets a new one);
  // a failure is logged as `fail_event` and z keeps serving its old view.
  void recompile_settled(StoreZone& z, const char* why, const char* fail_event);
  // Serial discipline: `v`, compiled with z.zone.serial, is what z will serve. If it differs from
  // the last served view (digest in the store), bumps and persists the serial and recompiles.
  // Returns the view to serve (v itself when nothing changed).
  // `served`: the view served until now, for the IXFR journal (null: none, as at load).
  Result<std::shared_ptr<const view::ZoneView>> settle_serial(StoreZone& z, std::shared_ptr<const view::ZoneView> v,
                                                              const char* why, const view::ZoneView* served = nullptr);
  // File zones: served serial = max(file serial, last served serial + 1) when the view changed
  // (RFC 1982), the last served serial when it did not; persisted in served_views.
  // `was`: the file zone's view served until now, for the IXFR journal (null: none).
  // A zone file signed online counts as changed when it was signed anew (a start, `resigned`).
  std::shared_ptr<const view::ZoneView> file_serial(const std::string& name, std::shared_ptr<const view::ZoneView> v,
                                                    const view::ZoneView* was, bool resigned = false);

 public:
  // The store, for the writer thread's other owners (secondary_dns objects, api/secondary_dns.cc).
  store::Store& store() noexcept { return *store_; }
 private:
  // `ids`: the records to look at (nullptr: every record of z).
  std::vector<ApiMessage> dc_messages(const StoreZone& z, const view::ZoneView* before,
                                      const std::vector<std::string>& written_ids,
                                      const std::vector<std::string>* ids = nullptr) const;
  void publish() { writer_.publish(); }
  void publish_now() { writer_.publish_now(); }

  ControllerOptions options_;
  std::unique_ptr<store::Store> store_;    // null when read-only
  std::unique_ptr<store::Reader> reader_;  // read-only mode's connection
  zone::SystemClock system_clock_;
  const zone::Clock* clock_;
  zone::Account default_account_;
  std::map<std::string, zone::ApiToken> tokens_;  // by secret hash
  std::map<std::string, StoreZone> zones_;        // by id
  std::vector<FileZone> file_zones_;
  // sorted_records()' lists by zone id, with the zone state each was sorted from.
  struct SortedRecords {
    uint64_t view_id = 0;
    uint32_t serial = 0;
    std::string modified_on;
    size_t count = 0;
    std::shared_ptr<const std::vector<zone::Record>> records;
  };
  mutable std::unordered_map<std::string, SortedRecords> sorted_records_;
  std::map<std::string, std::vector<dns::ZoneRecord>> secondary_records_;  // by zone id
  std::map<std::string, int64_t> secondary_confirmed_;                      // by zone id
  bool external_changed_ = true;  // the next publish hands the listeners external_names()
  Result<std::shared_ptr<const view::ZoneView>> compile_secondary(const StoreZone& z, bool expired) const;
  // The ZoneSigning of zone `name` (apex wire `apex`) from its stored state and keys (null: not
  // signed); keys that do not load give one with `unusable` set, logged.
  Result<std::shared_ptr<const dnssec::ZoneSigning>> zone_signing(store::Reader& db, const std::string& name,
                                                                  const std::string& apex) const;
  // Reloads z's signing and recompiles, stores (next serial) and publishes it.
  Result<void> resign_zone(StoreZone& z);
  // Keys (made the first time; kept ones must load) and status of zone `name`, stored.
  Result<void> store_dnssec(const std::string& name, bool enable);
  Result<void> load_secondary(StoreZone& z, store::Reader& db);

  Writer writer_;  // declared last: its thread stops before the state its jobs use goes away
};

}  // namespace dnsedge::control
