// The rules between zones (see controller.h):
//
//  - Which zone is served at an apex: a file zone (--zone-file) wins over a store zone of the
//    same name (catalog_with()).
//  - Dependents: a store zone that flattens or proxies a CNAME to a name of another zone we serve
//    compiles against that zone's current view (targets_for()); when a store zone changes, the
//    store zones that looked up names in it are recompiled (recompile_dependents()), and so are
//    those that depend on external names when the resolver's answers change
//    (recompile_external()).
//  - Serial settling: a changed served view always gets a new serial, persisted, whatever caused
//    the change (settle_serial(), and file_serial() for file zones).

#include <algorithm>
#include <set>

#include "control/errors.h"
#include "dns/types.h"

#include <nlohmann/json.hpp>

#include "control/controller.h"
#include "dns/name.h"
#include "view/digest.h"

namespace dnsedge::control {
namespace {

namespace rrtype = dns::rrtype;
using nlohmann::json;

std::string text_no_dot(std::string_view wire) {
  std::string t = dns::name_to_text(wire);
  if (t.size() > 1 && t.back() == '.') t.pop_back();
  return t;
}

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

}  // namespace

// ---- which zone is served, and what it sees of the others ------------------------------------

std::shared_ptr<const view::Catalog> Controller::catalog_with(const std::string& zone_id,
                                                              std::shared_ptr<const view::ZoneView> view) const {
  // As publish_now() builds it, with `view` in place of zone_id's (a file zone wins its apex).
  std::vector<std::shared_ptr<const view::ZoneView>> views;
  std::set<std::string> apexes;
  for (const auto& f : file_zones_) {
    if (f.view && apexes.insert(f.apex).second) views.push_back(f.view);
  }
  std::shared_ptr<view::PageRuleSet> rules;  // the page rules of the store zones served
  for (const auto& [id, z] : zones_) {
    const auto& v = id == zone_id && view ? view : z.view;
    if (!v || !apexes.insert(z.apex).second) continue;
    views.push_back(v);
    if (!z.served_rules) continue;
    if (!rules) rules = std::make_shared<view::PageRuleSet>();
    rules->zones.emplace(z.apex, z.served_rules);
  }
  return view::Catalog::build(std::move(views), std::move(rules));
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

Published Controller::published() {
  Published p{catalog_with({}, nullptr), std::nullopt};
  if (external_changed_) {
    p.external_names = external_names();
    external_changed_ = false;
  }
  return p;
}

bool Controller::served_from_store(const std::string& apex) const {
  for (const auto& f : file_zones_) {
    if (f.apex == apex) return false;
  }
  return true;
}

// ---- dependents ------------------------------------------------------------------------------

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
  auto settled = settle_serial(z, *v, why, z.view.get());
  if (!settled) {
    log("event=serial-bump-failed zone=" + z.zone.name + " reason=\"" + settled.error().message + "\"");
    return;
  }
  z.view = *settled;
}

void Controller::recompile_external() {
  for (auto& [id, z] : zones_) {
    if (!z.view || z.view->external_names().empty() || z.zone.type == zone::kZoneTypeSecondary) continue;
    recompile_settled(z, "external", "recompile-failed");
  }
  external_changed_ = true;
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

// ---- file zones ------------------------------------------------------------------------------

void Controller::set_file_zones(std::vector<std::shared_ptr<const view::ZoneView>> views, bool resigned) {
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
    const view::ZoneView* before = nullptr;
    for (const auto& old : file_zones_) {
      if (old.apex == f.apex && before == nullptr) before = old.view.get();
    }
    f.view = file_serial(f.name, std::move(v), before, resigned);
    for (const auto& [id, z] : zones_) {
      if (z.apex == f.apex) log("event=zone-shadowed zone=" + f.name + " reason=\"served from " + f.file + "; the API zone " + id + " is not published\"");
    }
    next.push_back(std::move(f));
  }
  file_zones_ = std::move(next);
  external_changed_ = true;
  publish();
}

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

// ---- serial settling -------------------------------------------------------------------------


Result<std::shared_ptr<const view::ZoneView>> Controller::settle_serial(StoreZone& z,
                                                                        std::shared_ptr<const view::ZoneView> v,
                                                                        const char* why,
                                                                        const view::ZoneView* served) {
  // Read-only (dnsedge doctor --data, or a full disk at start): the serial as stored.
  if (!v || !store_ || store_->read_only()) return v;
  const std::string digest = view::content_digest(*v);
  auto prev = store_->served_view(z.zone.name);
  if (!prev) return make_error("store: " + prev.error().message);
  // A signed view compiled with nothing served before it in this process (at load) carries
  // signatures made anew, which the digest leaves out: secondaries holding the last run's
  // signatures under the stored serial must see a new one and take the zone again.
  const bool signed_anew = served == nullptr && v->signing() != nullptr;
  if (*prev && (*prev)->digest == digest && !signed_anew) return v;
  if (signed_anew && *prev && (*prev)->digest == digest) why = "signed-at-start";
  auto tx = store_->begin();
  if (!tx) return make_error("store: " + tx.error().message);
  uint32_t serial = z.zone.serial;
  if (*prev) {
    // The view changed since it was last served: RFC 1982 increment, persisted.
    auto bumped = tx->bump_serial(z.zone.id);
    if (!bumped) return make_error("store: " + bumped.error().message);
    serial = *bumped;
  }
  if (auto r = tx->put_served_view(z.zone.name, serial, digest); !r) return make_error("store: " + r.error().message);
  std::shared_ptr<const view::ZoneView> next = v;
  if (serial != z.zone.serial) {
    auto again = compile(z, z.records, z.settings, serial);
    if (!again) return again.error();
    next = *again;
  }
  if (served_from_store(z.apex)) {
    if (auto r = journal(*tx, z.apex, served, *next); !r) return make_error("store: " + r.error().message);
  }
  if (auto r = tx->commit(); !r) return make_error("store: " + r.error().message);
  if (serial != z.zone.serial) {
    log("event=serial-bumped zone=" + z.zone.name + " serial=" + std::to_string(serial) + " reason=" + why);
  }
  z.zone.serial = serial;
  return next;
}

std::shared_ptr<const view::ZoneView> Controller::file_serial(const std::string& name,
                                                              std::shared_ptr<const view::ZoneView> v,
                                                              const view::ZoneView* was, bool resigned) {
  if (!store_ || store_->read_only()) return v;  // read-only: the file's serial
  // A zone signed online is loaded unsigned once, before its keys are read, and signed before DNS
  // opens: only the signed view is served, so only it counts. Its signatures are new at each
  // start and at each signature refresh while the digest (which leaves RRSIGs out) stays: the
  // serial moves then too, so secondaries holding the older signatures take the zone again
  // before those expire (one step per start).
  bool signed_anew = false;
  const auto& signed_files = options_.signed_file_zones;
  if (std::find(signed_files.begin(), signed_files.end(), v->apex()) != signed_files.end()) {
    if (!v->dnssec().online) return v;
    if (was != nullptr && !was->dnssec().online) was = nullptr;
    signed_anew = was == nullptr || resigned;
  }
  const std::string digest = view::content_digest(*v);
  auto prev = store_->served_view(name);
  if (!prev) {
    log("event=serial-check-failed zone=" + name + " reason=\"" + prev.error().message + "\"");
    return v;
  }
  const uint32_t file = v->serial();
  uint32_t served = file;
  if (*prev) {
    const uint32_t last = (*prev)->serial;
    const auto newer = [](uint32_t a, uint32_t b) { return a != b && static_cast<uint32_t>(a - b) < 0x80000000u; };
    if ((*prev)->digest == digest && !signed_anew) {
      served = newer(file, last) ? file : last;  // unchanged view: never back
    } else {
      served = newer(file, last) ? file : last + 1;  // changed view: forward
    }
    if (served == last && (*prev)->digest == digest && !signed_anew) return served == file ? v : v->with_serial(served);
  }
  std::shared_ptr<const view::ZoneView> next = served == file ? v : v->with_serial(served);
  auto tx = store_->begin();
  if (tx) {
    auto r = tx->put_served_view(name, served, digest);
    if (r) r = journal(*tx, std::string(v->apex()), was, *next);
    if (r) r = tx->commit();
    if (!r) log("event=serial-check-failed zone=" + name + " reason=\"" + r.error().message + "\"");
  }
  if (served == file) return v;
  log("event=serial-bumped zone=" + name + " serial=" + std::to_string(served) +
      (signed_anew ? " reason=signed-anew" : " reason=file-view-changed") + " file_serial=" + std::to_string(file));
  return next;
}

}  // namespace dnsedge::control
