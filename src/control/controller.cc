#include "control/controller.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "common/thread_priority.h"
#include "control/errors.h"
#include "control/spectrum.h"
#include "dns/name.h"
#include "dns/types.h"
#include "view/digest.h"
#include "view/view_targets.h"

namespace dnsedge::control {
namespace {

namespace rrtype = dns::rrtype;
using nlohmann::json;

constexpr uint32_t kJournalKeep = 1000;  // journal entries kept per zone
constexpr int kSettleRounds = 4;         // cross-zone recompiles at load

Error err(int code, std::string message) { return Error{std::move(message), code}; }

Error not_found_zone(const std::string& id) {
  return err(errc::kZoneNotFound,
             "Could not route to /client/v4/zones/" + id + ", perhaps your object identifier is invalid?");
}

Error record_not_found() { return err(errc::kRecordNotFound, "Record does not exist."); }

// FNV-1a 64 with two seeds → 32 lowercase hex digits: a stable id for objects not stored
// (file-backed zones and their records).
std::string stable_id(std::string_view a, std::string_view b = {}) {
  auto fnv = [&](uint64_t h) {
    for (std::string_view s : {a, std::string_view("\x1f", 1), b}) {
      for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
      }
    }
    return h;
  };
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(fnv(14695981039346656037ull)),
                static_cast<unsigned long long>(fnv(0x9e3779b97f4a7c15ull)));
  return buf;
}

std::string text_no_dot(std::string_view wire) {
  std::string t = dns::name_to_text(wire);
  if (t.size() > 1 && t.back() == '.') t.pop_back();
  return t;
}

bool record_less(const zone::Record& a, const zone::Record& b) {
  return std::tie(a.name, a.type, a.content, a.priority) < std::tie(b.name, b.type, b.content, b.priority);
}

// The first serial of a new zone: YYYYMMDD00 (RFC 1912 §2.2 style), from the clock.
uint32_t initial_serial(const zone::Clock& clock) {
  const std::time_t t = std::chrono::system_clock::to_time_t(clock.now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return static_cast<uint32_t>((tm.tm_year + 1900) * 1000000u + (tm.tm_mon + 1) * 10000u + tm.tm_mday * 100u);
}

std::string addr_text(const std::string& rdata) {
  auto t = dns::rdata_to_text(rdata.size() == 4 ? rrtype::kA : rrtype::kAAAA, rdata);
  return t ? *t : std::string("?");
}

}  // namespace

Controller::Controller(ControllerOptions options, common::SnapshotPublisher<view::Catalog>& publisher,
                       std::unique_ptr<store::Store> store)
    : options_(std::move(options)),
      publisher_(publisher),
      store_(std::move(store)),
      clock_(options_.clock ? options_.clock : &system_clock_) {}

Controller::~Controller() { stop(); }

Result<std::unique_ptr<Controller>> Controller::open(ControllerOptions options,
                                                     common::SnapshotPublisher<view::Catalog>& publisher) {
  if (options.nameservers.empty()) return make_error("control: at least one name server is needed for the apex NS set");
  // A full disk is no outage: serve the last committed state, refuse writes, resume by itself.
  options.store.read_only_when_full = true;
  if (!options.store.on_disk_full) {
    options.store.on_disk_full = [log = options.log, dir = options.data_dir](bool full) {
      if (!log) return;
      log(full ? "event=disk-full dir=" + dir +
                     " reason=\"disk is full: the store serves its last committed state and refuses writes until space is "
                     "freed\""
               : "event=disk-space-again dir=" + dir + " reason=\"a write was stored again: writes resumed\"");
    };
  }
  auto st = store::Store::open(options.data_dir, options.store);
  if (!st) return make_error("store " + options.data_dir + ": " + st.error().message, st.error().code);
  std::unique_ptr<Controller> c(new Controller(std::move(options), publisher, std::move(*st)));
  if (auto r = c->load(); !r) return r.error();
  return c;
}

std::string Controller::now() const { return zone::now_rfc3339(*clock_); }

Error Controller::store_error(const Error& e) const {
  if (store::is(e, store::StoreErrc::kDuplicate)) return err(errc::kIdenticalRecord, "An identical record already exists.");
  if (store::is(e, store::StoreErrc::kFull)) {
    return Error{"disk is full: writes are refused until space is freed (" + options_.data_dir + ")", errc::kInternal,
                 ErrorKind::kUnavailable};
  }
  return err(errc::kInternal, "Internal error: the store failed: " + e.message);
}

void Controller::log(const std::string& text) const {
  if (options_.log) options_.log(text);
}

Result<std::unique_ptr<Controller>> Controller::open_read_only(ControllerOptions options,
                                                               common::SnapshotPublisher<view::Catalog>& publisher) {
  if (options.nameservers.empty()) return make_error("control: at least one name server is needed for the apex NS set");
  auto rd = store::Store::open_reader(options.data_dir);
  if (!rd) return make_error("store " + options.data_dir + ": " + rd.error().message, rd.error().code);
  std::unique_ptr<Controller> c(new Controller(std::move(options), publisher, nullptr));
  c->reader_ = std::move(*rd);
  auto accounts = c->reader_->list_accounts();
  if (!accounts) return make_error("store: accounts: " + accounts.error().message);
  if (!accounts->empty()) c->default_account_ = accounts->front();
  if (auto r = c->load_zones(*c->reader_); !r) return r.error();
  return c;
}

Result<void> Controller::load() {
  auto acct = store_->ensure_default_account("Default Account", *clock_);
  if (!acct && store::is(acct.error(), store::StoreErrc::kFull)) {
    // Read-only on a full disk: the oldest account, or none yet (create_zone makes it later).
    auto all = store_->list_accounts();
    if (all) acct = all->empty() ? zone::Account{} : all->front();
  }
  if (!acct) return make_error("store: default account: " + acct.error().message);
  default_account_ = *acct;
  auto tokens = store_->list_tokens();
  if (!tokens) return make_error("store: tokens: " + tokens.error().message);
  for (auto& t : *tokens) tokens_[t.secret_hash] = t;
  return load_zones(*store_);
}

Result<void> Controller::load_zones(store::Reader& db) {
  auto zones = db.list_zones();
  if (!zones) return make_error("store: zones: " + zones.error().message);
  for (auto& zrow : *zones) {
    StoreZone z;
    z.zone = zrow;
    auto apex = dns::name_from_text(zrow.name + ".");
    if (!apex) {
      log("event=zone-skipped zone=" + zrow.name + " reason=bad-name");
      continue;
    }
    z.apex = *apex;
    auto settings = db.list_settings(zrow.id);
    if (!settings) return make_error("store: settings of " + zrow.name + ": " + settings.error().message);
    z.settings = settings_from_rows(*settings);
    auto recs = db.list_records(zrow.id);
    if (!recs) return make_error("store: records of " + zrow.name + ": " + recs.error().message);
    for (auto& r : *recs) {
      auto rr = to_zone_record(r);
      if (!rr) {
        log("event=record-skipped zone=" + zrow.name + " reason=\"" + rr.error().message + "\"");
        continue;
      }
      z.records.emplace(r.id, Entry{r, std::move(*rr)});
    }
    if (auto r = load_apps(z, db); !r) return r;
    if (z.zone.type == zone::kZoneTypeSecondary) {
      if (auto r = load_secondary(z, db); !r) return r.error();
    }
    zones_.emplace(zrow.id, std::move(z));
  }
  // Compile every zone; those that looked up names in other zones again once those have views.
  for (int round = 0; round < kSettleRounds; ++round) {
    bool again = false;
    for (auto& [id, z] : zones_) {
      if (z.zone.type == zone::kZoneTypeSecondary) continue;
      if (round > 0 && (!z.view || z.view->external_names().empty())) continue;
      auto v = compile(z, z.records, z.settings, z.zone.serial);
      if (!v) {
        // Keep serving what compiles: drop the records one by one until it does.
        log("event=zone-compile-failed zone=" + z.zone.name + " reason=\"" + v.error().message + "\"");
        for (auto it = z.records.begin(); it != z.records.end() && !v;) {
          auto copy = z.records;
          copy.erase(it->first);
          auto v2 = compile(z, copy, z.settings, z.zone.serial);
          if (v2) {
            log("event=record-skipped zone=" + z.zone.name + " id=" + it->first + " reason=\"does not compile\"");
            it = z.records.erase(it);
            v = std::move(v2);
          } else {
            ++it;
          }
        }
        if (!v) {
          z.records.clear();
          v = compile(z, z.records, z.settings, z.zone.serial);
          if (!v) return make_error("zone " + z.zone.name + ": " + v.error().message);
        }
      }
      if (z.view && (*v)->records() != z.view->records()) again = true;
      z.view = *v;
    }
    if (round > 0 && !again) break;
  }
  for (auto& [id, z] : zones_) {
    reindex(z);
    if (z.zone.type == zone::kZoneTypeSecondary) continue;
    auto v = settle_serial(z, z.view, "load");
    if (!v) return make_error("zone " + z.zone.name + ": " + v.error().message);
    z.view = *v;
  }
  publish_now();
  return {};
}

// ---- thread ----------------------------------------------------------------------------------

void Controller::start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  stopping_ = false;
  running_ = true;
  worker_ = std::thread([this] {
    common::lower_thread_priority();
    run();
  });
}

void Controller::stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  running_ = false;
}

void Controller::post(Job job) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Controller::run() {
  for (;;) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    in_batch_ = true;
    std::vector<Completion> done;
    done.reserve(batch.size());
    for (auto& job : batch) {
      try {
        done.push_back(job());
      } catch (const std::exception& e) {
        log(std::string("event=job-failed reason=\"") + e.what() + "\"");
      } catch (...) {
        log("event=job-failed reason=unknown");
      }
    }
    in_batch_ = false;
    if (dirty_) publish_now();
    for (auto& c : done) {
      if (!c) continue;
      try {
        c();
      } catch (...) {
        log("event=completion-failed");
      }
    }
  }
}

void Controller::publish() {
  if (in_batch_) {
    dirty_ = true;
  } else {
    publish_now();
  }
}

void Controller::publish_now() {
  dirty_ = false;
  std::vector<std::shared_ptr<const view::ZoneView>> views;
  std::set<std::string> apexes;
  for (const auto& f : file_zones_) {
    if (f.view && apexes.insert(f.apex).second) views.push_back(f.view);
  }
  for (const auto& [id, z] : zones_) {
    if (z.view && apexes.insert(z.apex).second) views.push_back(z.view);
  }
  publisher_.publish(view::Catalog::build(std::move(views)));
  if (options_.on_publish) options_.on_publish();
}

// ---- tokens, accounts ------------------------------------------------------------------------

std::optional<zone::ApiToken> Controller::token_by_hash(const std::string& secret_hash) const {
  auto it = tokens_.find(secret_hash);
  if (it == tokens_.end() || it->second.status != zone::kTokenStatusActive) return std::nullopt;
  return it->second;
}

Result<bool> Controller::ensure_token(const std::string& name, const std::string& secret_hash) {
  if (tokens_.count(secret_hash)) return false;
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  zone::ApiToken t;
  t.id = zone::new_id();
  t.name = name;
  t.secret_hash = secret_hash;
  t.created_on = now();
  t.policies_json = std::string(zone::kAllPolicies);
  auto tx = store_->begin();
  if (!tx) return store_error(tx.error());
  if (auto r = tx->insert_token(t); !r) return store_error(r.error());
  if (auto r = tx->commit(); !r) return store_error(r.error());
  tokens_[secret_hash] = t;
  return true;
}

Result<std::vector<zone::Account>> Controller::accounts() {
  auto a = store_ ? store_->list_accounts() : reader_->list_accounts();
  if (!a) return store_error(a.error());
  return std::move(*a);
}

// ---- zones -----------------------------------------------------------------------------------

const Controller::FileZone* Controller::file_zone(const std::string& id) const {
  for (const auto& f : file_zones_) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

std::vector<ZoneInfo> Controller::zones() const {
  std::vector<ZoneInfo> out;
  for (const auto& f : file_zones_) {
    ZoneInfo info;
    info.zone.id = f.id;
    info.zone.name = f.name;
    info.zone.account_id = default_account_.id;
    info.zone.serial = f.view ? f.view->serial() : 0;
    info.zone.created_on = info.zone.modified_on = f.loaded_on;
    info.file_backed = true;
    info.file = f.file;
    out.push_back(std::move(info));
  }
  for (const auto& [id, z] : zones_) out.push_back(ZoneInfo{z.zone, false, {}});
  std::stable_sort(out.begin(), out.end(), [](const ZoneInfo& a, const ZoneInfo& b) { return a.zone.name < b.zone.name; });
  return out;
}

Result<ZoneInfo> Controller::zone(const std::string& id) const {
  if (auto it = zones_.find(id); it != zones_.end()) return ZoneInfo{it->second.zone, false, {}};
  for (auto& info : zones()) {
    if (info.zone.id == id) return info;
  }
  return not_found_zone(id);
}

std::vector<std::string> Controller::nameservers_text() const {
  std::vector<std::string> out;
  for (const auto& ns : options_.nameservers) out.push_back(text_no_dot(ns));
  return out;
}

Result<ZoneInfo> Controller::create_zone(const std::string& name_in, const std::string& account_id,
                                         const std::string& type) {
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  auto name = normalize_zone_name(name_in);
  if (!name) return name.error();
  for (const auto& info : zones()) {
    if (info.zone.name == *name) return err(errc::kZoneExists, *name + " already exists");
  }
  if (default_account_.id.empty()) {  // opened on a full disk before any account existed
    auto a = store_->ensure_default_account("Default Account", *clock_);
    if (!a) return store_error(a.error());
    default_account_ = *a;
  }
  const std::string acct = account_id.empty() ? default_account_.id : account_id;
  if (!account_id.empty()) {
    auto a = store_->get_account(account_id);
    if (!a) return store_error(a.error());
    if (!*a) return err(errc::kAccountNotFound, "Account " + account_id + " does not exist.");
  }
  if (!type.empty() && type != "full" && type != zone::kZoneTypeSecondary) {
    return err(errc::kValidation, "Zone type '" + type + "' is not supported: use \"full\" or \"secondary\".");
  }
  StoreZone z;
  z.zone.id = zone::new_id();
  z.zone.name = *name;
  z.zone.account_id = acct;
  z.zone.serial = initial_serial(*clock_);
  z.zone.created_on = z.zone.modified_on = now();
  if (type == zone::kZoneTypeSecondary) z.zone.type = std::string(zone::kZoneTypeSecondary);
  z.apex = dns::name_from_text(*name + ".").value();
  auto tx = store_->begin();
  if (!tx) return store_error(tx.error());
  auto serial = tx->insert_zone(z.zone);
  if (!serial) {
    if (store::is(serial.error(), store::StoreErrc::kDuplicate)) return err(errc::kZoneExists, *name + " already exists");
    return store_error(serial.error());
  }
  z.zone.serial = *serial;
  auto v = z.zone.type == zone::kZoneTypeSecondary ? compile_secondary(z, true)
                                                   : compile(z, z.records, z.settings, z.zone.serial);
  if (!v) return err(errc::kCompile, v.error().message);
  if (auto r = tx->insert_journal(zone::JournalEntry{z.zone.id, z.zone.serial, z.zone.created_on,
                                                     json{{"op", "create-zone"}}.dump()});
      !r) {
    return store_error(r.error());
  }
  if (auto r = tx->put_served_view(z.zone.name, z.zone.serial, view::content_digest(**v)); !r) return store_error(r.error());
  if (auto r = tx->commit(); !r) return store_error(r.error());
  z.view = *v;
  ZoneInfo info{z.zone, false, {}};
  zones_.emplace(z.zone.id, std::move(z));
  publish();
  return info;
}

Result<ZoneInfo> Controller::update_zone(const std::string& id, const std::optional<std::string>& type) {
  if (auto it = zones_.find(id); it != zones_.end() && it->second.zone.type == zone::kZoneTypeSecondary) {
    if (type && *type != zone::kZoneTypeSecondary) return err(errc::kValidation, "A secondary zone cannot change its type.");
    return ZoneInfo{it->second.zone, false, {}};
  }
  auto z = writable(id);
  if (!z) return z.error();
  if (type && *type != "full") {
    return err(errc::kValidation, "Zone type '" + *type + "' is not supported: dnsedge serves full zones only.");
  }
  return ZoneInfo{(*z)->zone, false, {}};
}

Result<void> Controller::delete_zone(const std::string& id) {
  const bool secondary = zones_.count(id) && zones_.at(id).zone.type == zone::kZoneTypeSecondary;
  auto z = secondary ? Result<StoreZone*>(&zones_.at(id)) : writable(id);
  if (!z) return z.error();
  secondary_records_.erase(id);
  secondary_confirmed_.erase(id);
  auto tx = store_->begin();
  if (!tx) return store_error(tx.error());
  if (auto r = tx->delete_zone(id); !r) return store_error(r.error());
  if (auto r = tx->commit(); !r) return store_error(r.error());
  zones_.erase(id);
  publish();
  return {};
}

Result<Controller::StoreZone*> Controller::writable(const std::string& zone_id) {
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  if (auto it = zones_.find(zone_id); it != zones_.end()) {
    if (it->second.zone.type == zone::kZoneTypeSecondary) {
      return err(errc::kValidation, "Zone " + it->second.zone.name +
                                        " is a secondary zone: its records come from its primaries (secondary_dns/incoming).");
    }
    return &it->second;
  }
  if (const FileZone* f = file_zone(zone_id)) {
    return err(errc::kFileBacked, "Zone " + f->name + " is file-backed (served from " + f->file +
                                      "): it is read-only through the API; edit the file and send SIGHUP, "
                                      "or create an API zone and use dns_records/import.");
  }
  return not_found_zone(zone_id);
}

ZoneContext Controller::context(const StoreZone& z) const { return ZoneContext{z.zone.name, z.apex, &options_.edge}; }

// ---- records ---------------------------------------------------------------------------------

Result<std::vector<zone::Record>> Controller::records(const std::string& zone_id) const {
  std::vector<zone::Record> out;
  if (auto it = zones_.find(zone_id); it != zones_.end()) {
    out.reserve(it->second.records.size());
    for (const auto& [id, e] : it->second.records) out.push_back(e.rec);
    std::sort(out.begin(), out.end(), record_less);
    return out;
  }
  if (const FileZone* f = file_zone(zone_id)) return file_records(*f);
  return not_found_zone(zone_id);
}

Result<zone::Record> Controller::record(const std::string& zone_id, const std::string& id) const {
  auto all = records(zone_id);
  if (!all) return all.error();
  for (auto& r : *all) {
    if (r.id == id) return r;
  }
  return record_not_found();
}

Result<zone::Record> Controller::stage(const StoreZone& z, Pending& p, const RecordInput& in,
                                       const std::string& base_id, bool replace) {
  const zone::Record* base = nullptr;
  if (!base_id.empty()) {
    auto it = p.records.find(base_id);
    if (it == p.records.end()) return record_not_found();
    base = &it->second.rec;
  }
  const ZoneContext ctx = context(z);
  auto r = build_record(ctx, in, base, replace);
  if (!r) return r.error();
  std::vector<const zone::Record*> same;
  if (auto owner = dns::name_from_text(r->name + ".")) {
    for (const auto& id : ids_at(p, *owner)) {
      if (id != base_id) same.push_back(&p.records.at(id).rec);
    }
  }
  if (auto c = check_conflicts(ctx, *r, same); !c) return c.error();
  auto rr = to_zone_record(*r);
  if (!rr) return err(errc::kValidation, rr.error().message);
  const std::string stamp = now();
  if (base == nullptr) {
    // The quota counts the candidate's records: O(1), and a batch's deletes make room first.
    if (p.records.size() >= options_.max_records_per_zone) return err(errc::kRecordQuota, "Record quota exceeded.");
    r->id = zone::new_id();
    r->created_on = stamp;
  } else if (*r == *base) {
    return *r;  // nothing changes
  }
  r->zone_id = z.zone.id;
  r->modified_on = stamp;
  p.touch(r->id);
  auto& staged = p.staged_at[rr->owner];
  if (std::find(staged.begin(), staged.end(), r->id) == staged.end()) staged.push_back(r->id);
  p.records[r->id] = Entry{*r, std::move(*rr)};
  return *r;
}

Controller::Pending::Pending(StoreZone& z, std::string op_name)
    : zone(&z), records(std::move(z.records)), settings(z.settings), op(std::move(op_name)) {
  z.records.clear();
}

Controller::Pending::~Pending() {
  if (committed) return;
  for (auto& [id, was] : before) {
    if (was) {
      records.insert_or_assign(id, std::move(*was));
    } else {
      records.erase(id);
    }
  }
  zone->records = std::move(records);
}

std::vector<dns::ZoneRecord> Controller::Pending::original_rrs() const {
  // A merge of records and before (both ordered by id), so the result is in the order the zone's
  // own record map had: the same vector a doctor_zone() of the unchanged zone gives (the
  // pre-flight cache compares them). No copy of the record map: this runs on every write.
  std::vector<dns::ZoneRecord> out;
  out.reserve(records.size() + before.size());
  auto it = records.begin();
  auto bt = before.begin();
  while (it != records.end() || bt != before.end()) {
    if (bt == before.end() || (it != records.end() && it->first < bt->first)) {
      out.push_back(it->second.rr);
      ++it;
      continue;
    }
    if (bt->second) out.push_back(bt->second->rr);
    if (it != records.end() && it->first == bt->first) ++it;
    ++bt;
  }
  return out;
}

void Controller::Pending::touch(const std::string& id) {
  if (before.count(id)) return;
  auto it = records.find(id);
  before.emplace(id, it == records.end() ? std::nullopt : std::optional<Entry>(it->second));
}

std::vector<std::string> Controller::ids_at(const Pending& p, const std::string& owner) {
  std::vector<std::string> out;
  // Committed records at the name that this change has not touched, and those it staged there.
  if (auto it = p.zone->by_owner.find(owner); it != p.zone->by_owner.end()) {
    for (const auto& id : it->second) {
      if (!p.before.count(id)) out.push_back(id);
    }
  }
  if (auto it = p.staged_at.find(owner); it != p.staged_at.end()) {
    for (const auto& id : it->second) {
      auto e = p.records.find(id);
      if (e != p.records.end() && e->second.rr.owner == owner) out.push_back(id);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Controller::reindex(StoreZone& z) {
  z.by_owner.clear();
  for (const auto& [id, e] : z.records) z.by_owner[e.rr.owner].push_back(id);  // map order: by id
}

Result<void> Controller::stage_delete(Pending& p, const std::string& id, zone::Record* deleted) {
  auto it = p.records.find(id);
  if (it == p.records.end()) return record_not_found();
  *deleted = it->second.rec;
  p.touch(id);
  p.records.erase(it);
  return {};
}

view::ViewTargets Controller::targets_for(const StoreZone& z) const {
  std::vector<const view::ZoneView*> others;
  for (const auto& f : file_zones_) {
    if (f.view) others.push_back(f.view.get());
  }
  for (const auto& [id, o] : zones_) {
    if (o.view && id != z.zone.id) others.push_back(o.view.get());
  }
  return view::ViewTargets(std::move(others), options_.external);
}

Result<std::shared_ptr<view::ZoneModel>> Controller::compile_model(const StoreZone& z,
                                                                   const std::map<std::string, Entry>& records,
                                                                   const DnsSettings& settings, uint32_t serial,
                                                                   const std::map<std::string, AppInfo>* apps) const {
  auto gen = generated_records(z.zone.name, z.apex, serial, settings, options_.nameservers);
  if (!gen) return gen.error();
  std::vector<dns::ZoneRecord> rrs = std::move(*gen);
  rrs.reserve(rrs.size() + records.size());
  for (const auto& [id, e] : records) rrs.push_back(e.rr);
  const view::ViewTargets targets = targets_for(z);
  std::vector<view::ServedApp> served_apps;
  for (const auto& [id, a] : apps ? *apps : z.apps) served_apps.push_back(a.app);
  auto m = view::ZoneModel::build(
      z.apex, std::move(rrs),
      view::CompileOptions{.source = "zone " + z.zone.name,
                           .edge = &options_.edge,
                           .flattening = settings.flatten_all ? view::Flattening::kAll : view::Flattening::kAtRoot,
                           .targets = &targets,
                           .apps = &served_apps});
  if (!m) return m.error();
  return std::shared_ptr<view::ZoneModel>(std::move(*m));
}

Result<std::shared_ptr<const view::ZoneView>> Controller::compile(const StoreZone& z,
                                                                  const std::map<std::string, Entry>& records,
                                                                  const DnsSettings& settings, uint32_t serial,
                                                                  const std::map<std::string, AppInfo>* apps) const {
  auto m = compile_model(z, records, settings, serial, apps);
  if (!m) return m.error();
  return (*m)->view();
}

Result<std::shared_ptr<const view::ZoneView>> Controller::compile_candidate(StoreZone& z, const Pending& p,
                                                                            uint32_t serial,
                                                                            std::shared_ptr<view::ZoneModel>* model,
                                                                            std::vector<view::OwnerChange>* undo) const {
  undo->clear();
  if (p.settings_changed || !z.model || z.model->view() != z.view) {
    auto m = compile_model(z, p.records, p.settings, serial);
    if (!m) return m.error();
    *model = *m;
    return (*m)->view();
  }
  // The names the change touched (where each touched record was and is), and the apex: the
  // serial moves with every write.
  std::vector<std::string> owners{z.apex};
  for (const auto& [id, was] : p.before) {
    if (was) owners.push_back(was->rr.owner);
    if (auto it = p.records.find(id); it != p.records.end()) owners.push_back(it->second.rr.owner);
  }
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
  std::vector<view::OwnerChange> changes;
  changes.reserve(owners.size());
  for (const auto& owner : owners) {
    view::OwnerChange c{owner, {}};
    if (owner == z.apex) {
      auto gen = generated_records(z.zone.name, z.apex, serial, p.settings, options_.nameservers);
      if (!gen) return gen.error();
      c.records = std::move(*gen);
    }
    for (const auto& id : ids_at(p, owner)) c.records.push_back(p.records.at(id).rr);
    undo->push_back(view::OwnerChange{owner, z.model->records_of(owner)});
    changes.push_back(std::move(c));
  }
  const view::ViewTargets targets = targets_for(z);
  auto v = z.model->update(std::move(changes), &targets);
  if (!v) {
    undo->clear();  // nothing changed
    return v.error();
  }
  *model = z.model;
  return v;
}

Result<uint32_t> Controller::commit(StoreZone& z, Pending& p, std::vector<ApiMessage>* messages,
                                    const WriteOptions& opt) {
  // What changed, against the stored state: only the records staging touched can differ.
  std::vector<std::string> removed, written;
  for (const auto& [id, was] : p.before) {
    auto it = p.records.find(id);
    if (!was) {
      if (it != p.records.end()) written.push_back(id);
    } else if (it == p.records.end()) {
      removed.push_back(id);
    } else if (!(it->second.rec == was->rec)) {
      removed.push_back(id);  // rewritten as delete + insert: uniqueness holds on the end state
      written.push_back(id);
    }
  }
  const ApiMessage dry_run_note{errc::kDryRunMessage,
                                "Dry run: nothing was stored or published; the zone keeps serial " +
                                    std::to_string(z.zone.serial) + "."};
  if (removed.empty() && written.empty() && !p.settings_changed) {
    if (opt.dry_run && messages != nullptr) messages->push_back(dry_run_note);
    return z.zone.serial;
  }

  uint32_t serial = z.zone.serial + 1;  // RFC 1982 §3.1; wraps like Transaction::bump_serial
  std::shared_ptr<view::ZoneModel> model;
  std::vector<view::OwnerChange> undo;
  auto v = compile_candidate(z, p, serial, &model, &undo);
  if (!v) {
    const int c = v.error().code;  // a blocked target, or a name a Spectrum app holds: their own codes
    return err(c == errc::kBlockedTarget || c == errc::kAddressConflict ? c : errc::kCompile, v.error().message);
  }
  // Until the write is committed, a failure puts the zone's model back as it was.
  struct Restore {
    const Controller* c;
    StoreZone& z;
    std::vector<view::OwnerChange>& undo;
    bool armed = true;
    ~Restore() {
      if (!armed || undo.empty()) return;
      const view::ViewTargets targets = c->targets_for(z);
      if (z.model->update(std::move(undo), &targets)) {
        z.model->rebase(z.view);
      } else {
        z.model.reset();  // cannot happen (those records compiled before); compile in full next time
      }
    }
  } restore{this, z, undo};
  {  // proxied CNAMEs written now may not reach a prohibited origin (view/origin_policy.h)
    std::vector<const zone::Record*> recs;
    for (const auto& id : written) recs.push_back(&p.records.at(id).rec);
    if (auto o = check_proxied_origins(context(z), **v, recs); !o) return o.error();
  }
  // The mail doctor on the zone before and after (local checks only, no network).
  std::vector<dns::ZoneRecord> doctor_after;
  bool doctor_ran = false;
  std::vector<ApiMessage> doctor;
  if (messages != nullptr) {
    doctor = preflight(z, p, *v, &doctor_after);
    doctor_ran = true;
  }
  if (opt.dry_run) {
    if (messages != nullptr) {
      StoreZone candidate;
      candidate.zone = z.zone;
      candidate.apex = z.apex;
      candidate.records = p.records;
      candidate.view = *v;
      auto m = dc_messages(candidate, z.view.get(), written);
      messages->insert(messages->end(), m.begin(), m.end());
      messages->insert(messages->end(), doctor.begin(), doctor.end());
      messages->push_back(dry_run_note);
    }
    return z.zone.serial;
  }

  const std::string stamp = now();
  auto tx = store_->begin();
  if (!tx) return store_error(tx.error());
  for (const auto& id : removed) {
    if (auto r = tx->delete_record(z.zone.id, id); !r) return store_error(r.error());
  }
  for (const auto& id : written) {
    if (auto r = tx->insert_record(p.records.at(id).rec); !r) return store_error(r.error());
  }
  if (p.settings_changed) {
    for (const auto& row : settings_rows(z.zone.id, p.settings, stamp)) {
      if (auto r = tx->put_setting(row); !r) return store_error(r.error());
    }
  }
  auto bumped = tx->bump_serial(z.zone.id);
  if (!bumped) return store_error(bumped.error());
  if (*bumped != serial) {
    // The store's serial went elsewhere (it wraps): the apex again, with that one.
    serial = *bumped;
    auto m = compile_model(z, p.records, p.settings, serial);
    if (!m) return err(errc::kCompile, m.error().message);
    model = *m;
    v = model->view();
  }
  json change = {{"op", p.op}, {"removed", removed}, {"written", written}};
  if (p.settings_changed) change["settings"] = true;
  if (auto r = tx->insert_journal(zone::JournalEntry{z.zone.id, serial, stamp, change.dump()}); !r) {
    return store_error(r.error());
  }
  if (auto r = tx->put_served_view(z.zone.name, serial, view::content_digest(**v)); !r) return store_error(r.error());
  if (serial % 100 == 0 && serial > kJournalKeep) {
    if (auto r = tx->delete_journal_before(z.zone.id, serial - kJournalKeep); !r) return store_error(r.error());
  }
  if (auto r = tx->commit(); !r) return store_error(r.error());

  // Committed: swap in, publish.
  restore.armed = false;
  std::shared_ptr<const view::ZoneView> before = z.view;
  for (const auto& [id, was] : p.before) {
    if (was) std::erase(z.by_owner[was->rr.owner], id);
    if (auto it = p.records.find(id); it != p.records.end()) {
      auto& ids = z.by_owner[it->second.rr.owner];
      ids.insert(std::lower_bound(ids.begin(), ids.end(), id), id);
    }
    if (was && z.by_owner[was->rr.owner].empty()) z.by_owner.erase(was->rr.owner);
  }
  z.records = std::move(p.records);
  z.model = std::move(model);
  p.committed = true;
  if (p.settings_changed) {
    z.settings = p.settings;
    z.settings.modified_on = stamp;
  }
  z.zone.serial = serial;
  z.zone.modified_on = stamp;
  z.view = *v;
  if (doctor_ran && !doctor_after.empty()) {
    z.doctor_rrs = std::move(doctor_after);
    z.doctor_serial = serial;
  } else {
    z.doctor_rrs.clear();
    z.doctor_serial.reset();
  }
  if (messages != nullptr) {
    // The MX/SRV records that can have a new dc-record: those at names the view rewrote (all of
    // them when it was compiled in full).
    std::vector<std::string> ids;
    const auto changed = before ? z.view->changed_since(before->id()) : std::nullopt;
    if (changed) {
      for (const auto& name : *changed) {
        if (auto it = z.by_owner.find(name); it != z.by_owner.end()) ids.insert(ids.end(), it->second.begin(), it->second.end());
      }
      std::sort(ids.begin(), ids.end());
    }
    auto m = dc_messages(z, before.get(), written, changed ? &ids : nullptr);
    messages->insert(messages->end(), m.begin(), m.end());
    messages->insert(messages->end(), doctor.begin(), doctor.end());
  }
  recompile_dependents(z);
  publish();
  if (options_.on_external_change && before && before->external_names() != z.view->external_names()) {
    options_.on_external_change();
  }
  return serial;
}

void Controller::recompile_dependents(const StoreZone& changed) {
  for (auto& [id, z] : zones_) {
    if (id == changed.zone.id || !z.view || z.zone.type == zone::kZoneTypeSecondary) continue;
    bool depends = false;
    for (const auto& n : z.view->external_names()) depends = depends || dns::is_subdomain(n, changed.apex);
    if (!depends) continue;
    recompile_settled(z, "dependency", "dependent-recompile-failed");
  }
}

void Controller::recompile_settled(StoreZone& z, const char* why, const char* fail_event) {
  auto v = compile(z, z.records, z.settings, z.zone.serial);
  if (!v) {
    log(std::string("event=") + fail_event + " zone=" + z.zone.name + " reason=\"" + v.error().message + "\"");
    return;
  }
  auto settled = settle_serial(z, *v, why);
  if (!settled) {
    log("event=serial-bump-failed zone=" + z.zone.name + " reason=\"" + settled.error().message + "\"");
    return;
  }
  z.view = *settled;
}

std::vector<ApiMessage> Controller::dc_messages(const StoreZone& z, const view::ZoneView* before,
                                                const std::vector<std::string>& written_ids,
                                                const std::vector<std::string>* ids) const {
  std::vector<ApiMessage> out;
  std::set<std::string> seen;
  std::vector<std::pair<const std::string*, const Entry*>> look;
  if (ids != nullptr) {
    for (const auto& id : *ids) {
      if (auto it = z.records.find(id); it != z.records.end()) look.emplace_back(&it->first, &it->second);
    }
  } else {
    for (const auto& [id, e] : z.records) look.emplace_back(&id, &e);
  }
  for (const auto& [idp, ep] : look) {
    const std::string& id = *idp;
    const Entry& e = *ep;
    const uint16_t t = e.rr.type;
    if (t != rrtype::kMX && t != rrtype::kSRV) continue;
    const size_t off = static_cast<size_t>(dns::rdata_target_offset(t));
    if (e.rr.rdata.size() <= off) continue;
    const std::string target = e.rr.rdata.substr(off);
    const std::string dc = view::dc_name(z.apex, target);
    const uint32_t node = z.view->find(dc);
    if (node == view::kNone) continue;
    const bool is_new = before == nullptr || before->find(dc) == view::kNone;
    const bool written = std::find(written_ids.begin(), written_ids.end(), id) != written_ids.end();
    if (!is_new && !written) continue;
    if (!seen.insert(id).second) continue;
    std::string origin;
    const view::Node& n = z.view->node(node);
    for (uint16_t at : {rrtype::kA, rrtype::kAAAA}) {
      for (const auto& rd : view::rrset_rdatas(*z.view, z.view->rrset(n, at))) origin += (origin.empty() ? "" : ", ") + addr_text(rd);
    }
    const std::string tname = text_no_dot(target);
    out.push_back(ApiMessage{
        errc::kDcRecordMessage,
        e.rec.type + " record " + e.rec.name + " points at " + tname +
            ", which is proxied: mail cannot pass the edge, so this " + e.rec.type + " is answered with " +
            text_no_dot(dc) + ", a name that answers the origin address" + (origin.find(',') != std::string::npos ? "es " : " ") +
            (origin.empty() ? std::string("(none)") : origin) +
            " (visible to anyone who looks up the " + e.rec.type + "). To avoid this: delete the " + e.rec.type +
            " record if " + z.zone.name + " receives no mail, or point it at a DNS-only name such as mail." + z.zone.name +
            " (an A record with the mail server's address, proxied: false)."});
  }
  return out;
}

Result<WriteResult> Controller::create_record(const std::string& zone_id, const RecordInput& in,
                                              const WriteOptions& opt) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  Pending p(**z, "create");
  auto r = stage(**z, p, in, {}, false);
  if (!r) return r.error();
  WriteResult out;
  auto serial = commit(**z, p, &out.messages, opt);
  if (!serial) return serial.error();
  out.serial = *serial;
  out.records.push_back(std::move(*r));
  return out;
}

Result<WriteResult> Controller::update_record(const std::string& zone_id, const std::string& id,
                                              const RecordInput& in, bool replace, const WriteOptions& opt) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  Pending p(**z, replace ? "put" : "patch");
  auto r = stage(**z, p, in, id, replace);
  if (!r) return r.error();
  WriteResult out;
  auto serial = commit(**z, p, &out.messages, opt);
  if (!serial) return serial.error();
  out.serial = *serial;
  out.records.push_back(std::move(*r));
  return out;
}

Result<WriteResult> Controller::delete_record(const std::string& zone_id, const std::string& id,
                                              const WriteOptions& opt) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  Pending p(**z, "delete");
  zone::Record gone;
  if (auto r = stage_delete(p, id, &gone); !r) return r.error();
  WriteResult out;
  auto serial = commit(**z, p, &out.messages, opt);
  if (!serial) return serial.error();
  out.serial = *serial;
  out.records.push_back(std::move(gone));
  return out;
}

Result<BatchResult> Controller::batch(const std::string& zone_id, const BatchInput& in, const WriteOptions& opt) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  Pending p(**z, "batch");
  BatchResult out;
  auto fail = [](const char* list, size_t i, const Error& e) {
    return Error{std::string(list) + "[" + std::to_string(i) + "]: " + e.message, e.code};
  };
  for (size_t i = 0; i < in.deletes.size(); ++i) {
    zone::Record gone;
    if (auto r = stage_delete(p, in.deletes[i], &gone); !r) return fail("deletes", i, r.error());
    out.deletes.push_back(std::move(gone));
  }
  for (size_t i = 0; i < in.patches.size(); ++i) {
    auto r = stage(**z, p, in.patches[i].second, in.patches[i].first, false);
    if (!r) return fail("patches", i, r.error());
    out.patches.push_back(std::move(*r));
  }
  for (size_t i = 0; i < in.puts.size(); ++i) {
    auto r = stage(**z, p, in.puts[i].second, in.puts[i].first, true);
    if (!r) return fail("puts", i, r.error());
    out.puts.push_back(std::move(*r));
  }
  for (size_t i = 0; i < in.posts.size(); ++i) {
    auto r = stage(**z, p, in.posts[i], {}, false);
    if (!r) return fail("posts", i, r.error());
    out.posts.push_back(std::move(*r));
  }
  auto serial = commit(**z, p, &out.messages, opt);
  if (!serial) return serial.error();
  out.serial = *serial;
  return out;
}

Result<ImportResult> Controller::import_zone(const std::string& zone_id, std::string_view text,
                                             std::optional<bool> proxied, const WriteOptions& opt) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  // The parser refuses $INCLUDE directives in text ("import:LINE: $INCLUDE is not allowed here").
  auto parsed = dns::parse_zone_text(text, (*z)->apex, "import", dns::ParseLimits{options_.max_generate_records});
  if (!parsed) return err(errc::kImportParse, parsed.error().message);
  Pending p(**z, "import");
  ImportResult out;
  for (const auto& rr : parsed->records) {
    if (rr.type == rrtype::kSOA || (rr.type == rrtype::kNS && rr.owner == (*z)->apex)) continue;
    ++out.parsed;
    const std::string where = "import:" + std::to_string(rr.line) + ": ";
    if (rr.rclass != dns::rrclass::kIN) return err(errc::kValidation, where + "only class IN records can be imported");
    RecordInput in = input_from_zone_record(rr);
    const bool can_proxy = proxiable(*in.type);
    if (rr.has_tag("cf-proxied:true")) {
      in.proxied = true;
    } else if (rr.has_tag("cf-proxied:false")) {
      in.proxied = false;
    } else if (proxied && can_proxy) {
      in.proxied = *proxied;
    }
    auto r = stage(**z, p, in, {}, false);
    if (!r) {
      if (r.error().code == errc::kIdenticalRecord || r.error().code == errc::kRecordExists) continue;
      return Error{where + r.error().message, r.error().code};
    }
    ++out.added;
  }
  auto serial = commit(**z, p, &out.messages, opt);
  if (!serial) return serial.error();
  return out;
}

Result<std::string> Controller::export_zone(const std::string& zone_id) const {
  auto recs = records(zone_id);
  if (!recs) return recs.error();
  // The export is a zone file: the served SOA and apex NS (generated for store zones) come first
  // as record lines, so the text passes zone checkers; import skips them again.
  std::string out;
  std::string apex;
  auto view = served_view(zone_id);
  if (view && *view) {
    apex = (*view)->apex();
    std::string head;
    for (const auto& rr : (*view)->records()) {
      if (rr.owner != apex || (rr.type != rrtype::kSOA && rr.type != rrtype::kNS)) continue;
      (rr.type == rrtype::kSOA ? out : head) += dns::format_record(rr, false) + "\n";
    }
    out = "; generated by dnsedge\n" + out + head;
  }
  for (const auto& r : *recs) {
    auto rr = to_zone_record(r);
    if (!rr) continue;
    if (!apex.empty() && rr->owner == apex && (rr->type == rrtype::kSOA || rr->type == rrtype::kNS)) continue;
    if (r.proxied) rr->cf_tags.push_back("cf-proxied:true");
    if (rr->flatten_cname) rr->cf_tags.push_back("cf-flatten-cname");
    out += dns::format_record(*rr, true);
    out += '\n';
  }
  return out;
}

// ---- settings --------------------------------------------------------------------------------

Result<DnsSettings> Controller::dns_settings(const std::string& zone_id) const {
  if (auto it = zones_.find(zone_id); it != zones_.end()) return it->second.settings;
  if (const FileZone* f = file_zone(zone_id)) {
    DnsSettings s;
    s.flatten_all = std::find(options_.flatten_all.begin(), options_.flatten_all.end(), f->apex) != options_.flatten_all.end();
    if (f->view) {
      const view::RRset& soa = f->view->soa();
      auto text = dns::rdata_to_text(rrtype::kSOA, std::string_view(reinterpret_cast<const char*>(f->view->rdata(soa)) + 2,
                                                                   soa.rdata_len - 2));
      const auto t = text ? split_rdata_text(*text) : std::vector<std::string>{};
      if (t.size() == 7) {
        s.soa.mname = t[0].size() > 1 && t[0].back() == '.' ? t[0].substr(0, t[0].size() - 1) : t[0];
        s.soa.rname = t[1].size() > 1 && t[1].back() == '.' ? t[1].substr(0, t[1].size() - 1) : t[1];
        s.soa.refresh = static_cast<uint32_t>(std::stoul(t[3]));
        s.soa.retry = static_cast<uint32_t>(std::stoul(t[4]));
        s.soa.expire = static_cast<uint32_t>(std::stoul(t[5]));
        s.soa.min_ttl = static_cast<uint32_t>(std::stoul(t[6]));
      }
      s.soa.ttl = soa.ttl;
      const view::RRset* ns = f->view->rrset(f->view->node(f->view->apex_node()), rrtype::kNS);
      if (ns != nullptr) s.ns_ttl = ns->ttl;
    }
    s.modified_on = f->loaded_on;
    return s;
  }
  return not_found_zone(zone_id);
}

Result<DnsSettings> Controller::update_dns_settings(const std::string& zone_id, const json& body,
                                                   std::vector<ApiMessage>* messages, const WriteOptions& opt) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  auto next = patch_settings((*z)->settings, body);
  if (!next) return next.error();
  Pending p(**z, "settings");
  p.settings = *next;
  p.settings_changed = true;
  if (next->flatten_all != (*z)->settings.flatten_all) p.settings.flattening_modified_on = now();
  DnsSettings candidate = p.settings;
  auto serial = commit(**z, p, messages, opt);
  if (!serial) return serial.error();
  return opt.dry_run ? candidate : (*z)->settings;
}

// ---- the mail doctor's view of a zone --------------------------------------------------------

std::shared_ptr<const view::Catalog> Controller::catalog_with(const std::string& zone_id,
                                                              std::shared_ptr<const view::ZoneView> view) const {
  // As publish_now() builds it, with `view` in place of zone_id's (a file zone wins its apex).
  std::vector<std::shared_ptr<const view::ZoneView>> views;
  std::set<std::string> apexes;
  for (const auto& f : file_zones_) {
    if (f.view && apexes.insert(f.apex).second) views.push_back(f.view);
  }
  for (const auto& [id, z] : zones_) {
    const auto& v = id == zone_id && view ? view : z.view;
    if (v && apexes.insert(z.apex).second) views.push_back(v);
  }
  return view::Catalog::build(std::move(views));
}

DoctorZone Controller::doctor_zone(const StoreZone& z, const std::map<std::string, Entry>& records,
                                   bool flatten_all) const {
  DoctorZone d;
  d.apex = z.apex;
  d.flatten_all = flatten_all;
  d.stored.reserve(records.size());
  for (const auto& [id, e] : records) d.stored.push_back(e.rr);
  return d;
}

Result<DoctorState> Controller::doctor_state(const std::string& zone_id, bool all_zones) const {
  DoctorState st;
  st.edge = options_.edge;
  st.catalog = catalog_with({}, nullptr);
  auto file_entry = [&](const FileZone& f) {
    DoctorZone d;
    d.apex = f.apex;
    d.flatten_all = std::find(options_.flatten_all.begin(), options_.flatten_all.end(), f.apex) != options_.flatten_all.end();
    d.file = f.file;
    return d;
  };
  if (auto it = zones_.find(zone_id); it != zones_.end()) {
    st.zone_id = zone_id;
    st.zone_name = it->second.zone.name;
    st.apex = it->second.apex;
    st.zones.push_back(doctor_zone(it->second, it->second.records, it->second.settings.flatten_all));
  } else if (const FileZone* f = file_zone(zone_id)) {
    st.zone_id = zone_id;
    st.zone_name = f->name;
    st.apex = f->apex;
    st.zones.push_back(file_entry(*f));
  } else {
    return not_found_zone(zone_id);
  }
  if (!all_zones) return st;
  for (const auto& f : file_zones_) {
    if (f.id != zone_id) st.zones.push_back(file_entry(f));
  }
  for (const auto& [id, z] : zones_) {
    if (id != zone_id) st.zones.push_back(doctor_zone(z, z.records, z.settings.flatten_all));
  }
  return st;
}

std::vector<ApiMessage> Controller::preflight(StoreZone& z, const Pending& p,
                                              const std::shared_ptr<const view::ZoneView>& candidate,
                                              std::vector<dns::ZoneRecord>* after_rrs) const {
  if (!options_.preflight) return {};
  // A store zone shadowed by a file zone is not served: nothing a write does to it reaches DNS.
  for (const auto& f : file_zones_) {
    if (f.apex == z.apex) return {};
  }
  if (options_.preflight_needed && !preflight_needed(z, p, candidate)) return {};  // z.doctor_rrs goes stale
  DoctorState before, after;
  before.zone_id = after.zone_id = z.zone.id;
  before.zone_name = after.zone_name = z.zone.name;
  before.apex = after.apex = z.apex;
  before.edge = after.edge = options_.edge;
  before.catalog = catalog_with(z.zone.id, z.view);
  after.catalog = catalog_with(z.zone.id, candidate);
  // Only the written zone's stored records: copying every zone's on each write would make the
  // write's cost grow with the whole store (docs/doctor.md).
  // z.records was moved into p (see Pending): the zone as it was is p.records with every touched
  // record put back -- or, when the last committed write left it (same serial: the records have
  // not changed since), that write's "after" copy, lent for the call and handed back.
  const bool cached = z.doctor_serial && *z.doctor_serial == z.zone.serial;
  DoctorZone was;
  was.apex = z.apex;
  was.flatten_all = z.settings.flatten_all;
  was.stored = cached ? std::move(z.doctor_rrs) : p.original_rrs();
  before.zones.push_back(std::move(was));
  after.zones.push_back(doctor_zone(z, p.records, p.settings.flatten_all));
  std::vector<ApiMessage> out;
  try {
    out = options_.preflight(before, after);
  } catch (const std::exception& e) {
    log(std::string("event=preflight-failed zone=") + z.zone.name + " reason=\"" + e.what() + "\"");
  }
  if (cached) z.doctor_rrs = std::move(before.zones[0].stored);
  if (after_rrs != nullptr) *after_rrs = std::move(after.zones[0].stored);
  return out;
}

Result<std::shared_ptr<const view::ZoneView>> Controller::served_view(const std::string& zone_id) const {
  if (auto it = zones_.find(zone_id); it != zones_.end()) return it->second.view;
  if (const FileZone* f = file_zone(zone_id)) return f->view;
  return not_found_zone(zone_id);
}

// ---- file zones, external names --------------------------------------------------------------

const std::vector<zone::Record>& Controller::file_records(const FileZone& f) const {
  if (f.records) return *f.records;
  f.records.emplace();
  // Records as the file holds them (the view holds what is served: edge addresses, dc-records).
  auto parsed = dns::parse_zone_file(f.file, f.apex, dns::ParseLimits{options_.max_generate_records});
  if (!parsed) {
    log("event=file-zone-unreadable zone=" + f.name + " reason=\"" + parsed.error().message + "\"");
    return *f.records;
  }
  std::set<std::string> ids;
  for (const auto& rr : parsed->records) {
    if (rr.type == rrtype::kSOA) continue;
    zone::Record r;
    RecordInput in = input_from_zone_record(rr);
    r.name = text_no_dot(rr.owner);
    r.type = *in.type;
    r.content = *in.content;
    if (r.type == "CNAME" || r.type == "NS" || r.type == "PTR" || r.type == "MX") {
      if (r.content.size() > 1 && r.content.back() == '.') r.content.pop_back();
    }
    if (in.priority) r.priority = static_cast<uint16_t>(*in.priority);
    r.ttl = rr.ttl;
    r.proxied = rr.proxied;
    r.zone_id = f.id;
    json s = json::object();
    if (proxiable(r.type)) {
      s["ipv4_only"] = rr.ipv4_only;
      s["ipv6_only"] = rr.ipv6_only;
      if (r.type == "CNAME") s["flatten_cname"] = rr.flatten_cname;
    }
    r.settings_json = s.dump();
    std::string id = stable_id(f.name, r.name + " " + r.type + " " + std::to_string(r.priority.value_or(0)) + " " + r.content);
    for (int k = 1; !ids.insert(id).second; ++k) id = stable_id(id, std::to_string(k));
    r.id = id;
    r.created_on = r.modified_on = f.loaded_on;
    f.records->push_back(std::move(r));
  }
  std::sort(f.records->begin(), f.records->end(), record_less);
  return *f.records;
}

void Controller::set_file_zones(std::vector<std::shared_ptr<const view::ZoneView>> views) {
  std::vector<FileZone> next;
  const std::string stamp = now();
  for (auto& v : views) {
    if (!v) continue;
    FileZone f;
    f.apex = std::string(v->apex());
    f.name = text_no_dot(f.apex);
    f.id = stable_id("file-zone", f.name);
    f.file = v->source();
    f.loaded_on = stamp;
    f.view = file_serial(f.name, std::move(v));
    for (const auto& [id, z] : zones_) {
      if (z.apex == f.apex) log("event=zone-shadowed zone=" + f.name + " reason=\"served from " + f.file + "; the API zone " + id + " is not published\"");
    }
    next.push_back(std::move(f));
  }
  file_zones_ = std::move(next);
  publish();
}

void Controller::recompile_external() {
  for (auto& [id, z] : zones_) {
    if (!z.view || z.view->external_names().empty() || z.zone.type == zone::kZoneTypeSecondary) continue;
    recompile_settled(z, "external", "recompile-failed");
  }
  publish();
}

std::vector<std::string> Controller::external_names() const {
  std::vector<std::string> out;
  for (const auto& [id, z] : zones_) {
    if (!z.view) continue;
    for (const auto& n : z.view->external_names()) {
      bool ours = false;
      for (const auto& f : file_zones_) ours = ours || dns::is_subdomain(n, f.apex);
      for (const auto& [oid, o] : zones_) ours = ours || dns::is_subdomain(n, o.apex);
      if (!ours) out.push_back(n);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace dnsedge::control
