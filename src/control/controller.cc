#include "control/controller.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "control/errors.h"
#include "control/spectrum.h"
#include "dns/name.h"
#include "dns/types.h"
#include "view/dc_messages.h"
#include "view/digest.h"
#include "view/view_targets.h"

namespace dnsedge::control {
namespace {

namespace rrtype = dns::rrtype;
using nlohmann::json;

constexpr int kSettleRounds = 4;         // cross-zone recompiles at load

Error err(int code, std::string message) { return Error{std::move(message), code}; }

Error not_found_zone(const std::string& id) {
  return err(errc::kZoneNotFound,
             "Could not route to /client/v4/zones/" + id + ", perhaps your object identifier is invalid?");
}

Error record_not_found() { return err(errc::kRecordNotFound, "Record does not exist."); }

std::string text_no_dot(std::string_view wire) {
  std::string t = dns::name_to_text(wire);
  if (t.size() > 1 && t.back() == '.') t.pop_back();
  return t;
}

// The first serial of a new zone: YYYYMMDD00 (RFC 1912 §2.2 style), from the clock.
uint32_t initial_serial(const zone::Clock& clock) {
  const std::time_t t = std::chrono::system_clock::to_time_t(clock.now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return static_cast<uint32_t>((tm.tm_year + 1900) * 1000000u + (tm.tm_mon + 1) * 10000u + tm.tm_mday * 100u);
}

}  // namespace

Controller::Controller(ControllerOptions options, common::SnapshotPublisher<view::Catalog>& publisher,
                       std::unique_ptr<store::Store> store)
    : options_(std::move(options)),
      store_(std::move(store)),
      clock_(options_.clock ? options_.clock : &system_clock_),
      writer_(publisher, [this] { return published(); }, options_.publish_listeners,
              options_.max_batch, options_.log) {}

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
      z.records.emplace(r.id, StoredRecord{r, std::move(*rr)});
    }
    if (auto r = load_apps(z, db); !r) return r;
    if (auto r = load_page_rules(z, db); !r) return r;
    auto signing = zone_signing(db, z.zone.name, z.apex);  // signed at once: valid after a restart
    if (!signing) return signing.error();
    z.signing = *signing;
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
      // The served data, not the signatures of a signed zone (new at every compile).
      if (z.view && view::content_digest(**v) != view::content_digest(*z.view)) again = true;
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

bool Controller::record_less(const zone::Record& a, const zone::Record& b) {
  return std::tie(a.name, a.type, a.content, a.priority) < std::tie(b.name, b.type, b.content, b.priority);
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

Result<void> Controller::check_writable(const std::string& zone_id) const {
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  if (auto it = zones_.find(zone_id); it != zones_.end()) {
    if (it->second.zone.type == zone::kZoneTypeSecondary) {
      return err(errc::kValidation, "Zone " + it->second.zone.name +
                                        " is a secondary zone: its records come from its primaries (secondary_dns/incoming).");
    }
    return {};
  }
  if (const FileZone* f = file_zone(zone_id)) {
    return err(errc::kFileBacked, "Zone " + f->name + " is file-backed (served from " + f->file +
                                      "): it is read-only through the API; edit the file and send SIGHUP, "
                                      "or create an API zone and use dns_records/import.");
  }
  return not_found_zone(zone_id);
}

Result<Controller::StoreZone*> Controller::writable(const std::string& zone_id) {
  if (auto r = check_writable(zone_id); !r) return r.error();
  return &zones_.find(zone_id)->second;
}

ZoneContext Controller::context(const StoreZone& z) const {
  ZoneContext c{z.zone.name, z.apex, &options_.edge};
  c.dnssec_status = [this, name = &z.zone.name]() -> std::string {  // asked for DNSSEC record types only
    store::Reader& db = store_ ? static_cast<store::Reader&>(*store_) : *reader_;
    auto s = db.dnssec_state(*name);
    return s && s->has_value() ? (*s)->status : std::string();
  };
  return c;
}

// ---- records ---------------------------------------------------------------------------------

Result<std::vector<zone::Record>> Controller::records(const std::string& zone_id) const {
  auto sorted = sorted_records(zone_id);
  if (!sorted) return sorted.error();
  return **sorted;
}

Result<std::shared_ptr<const std::vector<zone::Record>>> Controller::sorted_records(const std::string& zone_id) const {
  SortedRecords key;
  const StoreZone* z = nullptr;
  const FileZone* f = nullptr;
  if (auto it = zones_.find(zone_id); it != zones_.end()) {
    z = &it->second;
    key = {z->view ? z->view->id() : 0, z->zone.serial, z->zone.modified_on, z->records.size(), nullptr};
  } else if ((f = file_zone(zone_id)) != nullptr) {
    key = {f->view ? f->view->id() : 0, 0, f->loaded_on, 0, nullptr};
  } else {
    return not_found_zone(zone_id);
  }
  auto& slot = sorted_records_[zone_id];
  if (slot.records && slot.view_id == key.view_id && slot.serial == key.serial && slot.modified_on == key.modified_on &&
      slot.count == key.count) {
    return slot.records;
  }
  std::vector<zone::Record> out;
  if (z != nullptr) {
    out.reserve(z->records.size());
    for (const auto& [id, e] : z->records) out.push_back(e.rec);
    std::sort(out.begin(), out.end(), record_less);
  } else {
    out = file_records(*f);
  }
  key.records = std::make_shared<const std::vector<zone::Record>>(std::move(out));
  slot = std::move(key);
  auto records = slot.records;
  // Lists of zones that are gone are dropped once they outnumber the zones.
  if (sorted_records_.size() > zones_.size() + file_zones_.size()) {
    std::erase_if(sorted_records_, [&](const auto& e) { return !zones_.count(e.first) && !file_zone(e.first); });
  }
  return records;
}

Result<zone::Record> Controller::record(const std::string& zone_id, const std::string& id) const {
  if (auto it = zones_.find(zone_id); it != zones_.end()) {
    auto r = it->second.records.find(id);
    if (r == it->second.records.end()) return record_not_found();
    return r->second.rec;
  }
  const FileZone* f = file_zone(zone_id);
  if (f == nullptr) return not_found_zone(zone_id);
  for (const auto& r : file_records(*f)) {
    if (r.id == id) return r;
  }
  return record_not_found();
}

Result<zone::Record> Controller::stage(const StoreZone& z, WriteBatch& p, const RecordInput& in,
                                       const std::string& base_id, bool replace) {
  const zone::Record* base = nullptr;
  if (!base_id.empty()) {
    const StoredRecord* e = p.find(base_id);
    if (e == nullptr) return record_not_found();
    base = &e->rec;
  }
  const ZoneContext ctx = context(z);
  auto r = build_record(ctx, in, base, replace);
  if (!r) return r.error();
  std::vector<const zone::Record*> same;
  if (auto owner = dns::name_from_text(r->name + ".")) {
    for (const auto& id : p.ids_at(*owner)) {
      if (id != base_id) same.push_back(&p.find(id)->rec);
    }
  }
  if (auto c = check_conflicts(ctx, *r, same); !c) return c.error();
  auto rr = to_zone_record(*r);
  if (!rr) return err(errc::kValidation, rr.error().message);
  const std::string stamp = now();
  if (base == nullptr) {
    // The quota counts the candidate's records: O(1), and a batch's deletes make room first.
    if (p.size() >= options_.max_records_per_zone) return err(errc::kRecordQuota, "Record quota exceeded.");
    r->id = zone::new_id();
    r->created_on = stamp;
  } else if (*r == *base) {
    return *r;  // nothing changes
  }
  r->zone_id = z.zone.id;
  r->modified_on = stamp;
  p.put(StoredRecord{*r, std::move(*rr)});
  return *r;
}

void Controller::reindex(StoreZone& z) {
  z.by_owner.clear();
  for (const auto& [id, e] : z.records) z.by_owner[e.rr.owner].push_back(id);  // map order: by id
}

Result<void> Controller::stage_delete(WriteBatch& p, const std::string& id, zone::Record* deleted) {
  const StoredRecord* e = p.find(id);
  if (e == nullptr) return record_not_found();
  *deleted = e->rec;
  p.erase(id);
  return {};
}

std::vector<ApiMessage> Controller::dc_messages(const StoreZone& z, const view::ZoneView* before,
                                                const std::vector<std::string>& written_ids,
                                                const std::vector<std::string>* ids) const {
  std::vector<ApiMessage> out;
  std::set<std::string> seen;
  // Sorted once: an import writes every record, and each one is looked up here.
  std::vector<std::string_view> written_sorted(written_ids.begin(), written_ids.end());
  std::sort(written_sorted.begin(), written_sorted.end());
  std::vector<std::pair<const std::string*, const StoredRecord*>> look;
  if (ids != nullptr) {
    for (const auto& id : *ids) {
      if (auto it = z.records.find(id); it != z.records.end()) look.emplace_back(&it->first, &it->second);
    }
  } else {
    for (const auto& [id, e] : z.records) look.emplace_back(&id, &e);
  }
  for (const auto& [idp, ep] : look) {
    const std::string& id = *idp;
    const StoredRecord& e = *ep;
    const bool written = std::binary_search(written_sorted.begin(), written_sorted.end(), std::string_view(id));
    auto text = view::dc_record_message(*z.view, before, z.zone.name, z.apex,
                                        view::DcRecordCheck{e.rec.type, e.rec.name, &e.rr, written});
    if (!text || !seen.insert(id).second) continue;
    out.push_back(ApiMessage{errc::kDcRecordMessage, std::move(*text)});
  }
  return out;
}

Result<WriteResult> Controller::create_record(const std::string& zone_id, const RecordInput& in,
                                              const WriteOptions& opt) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  WriteBatch p((*z)->records, (*z)->by_owner, (*z)->settings, "create");
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
  WriteBatch p((*z)->records, (*z)->by_owner, (*z)->settings, replace ? "put" : "patch");
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
  WriteBatch p((*z)->records, (*z)->by_owner, (*z)->settings, "delete");
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
  WriteBatch p((*z)->records, (*z)->by_owner, (*z)->settings, "batch");
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
  WriteBatch p((*z)->records, (*z)->by_owner, (*z)->settings, "import");
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
    if (txt_unquoted(r)) rr->cf_tags.emplace_back(kTxtUnquotedTag);
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
      auto text = dns::rdata_to_text(rrtype::kSOA, f->view->rdatas(soa).front().bytes());
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

Result<DnsSettings> Controller::update_dns_settings(const std::string& zone_id, const DnsSettingsPatch& patch,
                                                    std::vector<ApiMessage>* messages, const WriteOptions& opt) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  auto next = patch_settings((*z)->settings, patch);
  if (!next) return next.error();
  WriteBatch p((*z)->records, (*z)->by_owner, (*z)->settings, "settings");
  if (next->flatten_all != (*z)->settings.flatten_all) next->flattening_modified_on = now();
  p.set_settings(*next);
  DnsSettings candidate = p.settings();
  auto serial = commit(**z, p, messages, opt);
  if (!serial) return serial.error();
  return opt.dry_run ? candidate : (*z)->settings;
}

// ---- the mail doctor's view of a zone --------------------------------------------------------

DoctorZone Controller::doctor_zone(const StoreZone& z, const RecordMap& records,
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

std::vector<ApiMessage> Controller::preflight(StoreZone& z, const WriteBatch& p,
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
  after.zones.push_back(doctor_zone(z, p.records(), p.settings().flatten_all));
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

}  // namespace dnsedge::control
