// Secondary zones (type "secondary"): their records come from their primaries through
// xfr::Secondary, are served as pulled (no proxy semantics: the primary already decided what
// to serve) and persisted in the store (secondary_data) so a restart serves them at once.

#include <chrono>

#include "control/controller.h"
#include "control/errors.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::control {
namespace {

// What a secondary zone serves before its first transfer: nothing (SERVFAIL, as an expired zone).
std::vector<dns::ZoneRecord> unpulled_zone(const std::string& apex) {
  dns::ZoneRecord soa;
  soa.owner = apex;
  soa.type = dns::rrtype::kSOA;
  soa.ttl = 0;
  soa.rdata = dns::rdata_from_text(dns::rrtype::kSOA, "invalid. invalid. 0 3600 600 604800 0", apex).value();
  dns::ZoneRecord ns = soa;
  ns.type = dns::rrtype::kNS;
  ns.rdata = dns::rdata_from_text(dns::rrtype::kNS, "invalid.", apex).value();
  return {soa, ns};
}

Error err(int code, std::string message) { return Error{std::move(message), code}; }

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

uint32_t soa_expire(const std::vector<dns::ZoneRecord>& rrs) {
  if (rrs.empty()) return 0;
  const std::string& rd = rrs.front().rdata;
  size_t off = 0;
  for (int names = 0; names < 2; ++names) {
    while (off < rd.size() && rd[off] != 0) off += 1 + static_cast<uint8_t>(rd[off]);
    ++off;
  }
  off += 12;  // serial, refresh, retry
  if (off + 4 > rd.size()) return 0;
  return static_cast<uint32_t>(static_cast<uint8_t>(rd[off]) << 24 | static_cast<uint8_t>(rd[off + 1]) << 16 |
                               static_cast<uint8_t>(rd[off + 2]) << 8 | static_cast<uint8_t>(rd[off + 3]));
}

}  // namespace

Result<std::shared_ptr<const view::ZoneView>> Controller::compile_secondary(const StoreZone& z, bool expired) const {
  auto it = secondary_records_.find(z.zone.id);
  const bool empty = it == secondary_records_.end() || it->second.empty();
  const std::vector<dns::ZoneRecord> rrs = empty ? unpulled_zone(z.apex) : it->second;
  return view::ZoneView::compile(z.apex, rrs,
                                 view::CompileOptions{.source = "secondary zone " + z.zone.name, .expired = expired || empty});
}

Result<void> Controller::load_secondary(StoreZone& z, store::Reader& db) {
  auto d = db.secondary_data(z.zone.id);
  if (!d) return make_error("store: secondary data of " + z.zone.name + ": " + d.error().message);
  bool expired = true;
  if (*d) {
    auto parsed = dns::parse_zone_text((*d)->text, z.apex, "secondary zone " + z.zone.name);
    if (!parsed) {
      log("event=secondary-data-unreadable zone=" + z.zone.name + " reason=\"" + parsed.error().message + "\"");
    } else {
      secondary_records_[z.zone.id] = std::move(parsed->records);
      secondary_confirmed_[z.zone.id] = (*d)->confirmed_on;
      expired = unix_now() - (*d)->confirmed_on >= static_cast<int64_t>(soa_expire(secondary_records_[z.zone.id]));
      if (expired) log("event=zone-expired zone=" + z.zone.name + " reason=\"past SOA expire since the last transfer\"");
    }
  }
  auto v = compile_secondary(z, expired);
  if (!v) {
    log("event=zone-compile-failed zone=" + z.zone.name + " reason=\"" + v.error().message + "\"");
    secondary_records_.erase(z.zone.id);
    v = compile_secondary(z, true);
    if (!v) return v.error();
  }
  z.view = *v;
  return {};
}

Result<void> Controller::set_secondary_data(const std::string& apex, const std::vector<dns::ZoneRecord>& records,
                                            uint32_t serial, int64_t confirmed) {
  StoreZone* z = nullptr;
  for (auto& [id, s] : zones_) {
    if (s.apex == apex && s.zone.type == zone::kZoneTypeSecondary) z = &s;
  }
  if (z == nullptr) return err(errc::kZoneNotFound, "no secondary zone " + dns::name_to_text(apex));
  auto before = secondary_records_[z->zone.id];
  secondary_records_[z->zone.id] = records;
  auto v = compile_secondary(*z, false);
  if (!v) {
    secondary_records_[z->zone.id] = std::move(before);  // keep serving what we had
    return err(errc::kCompile, v.error().message);
  }
  auto tx = store_->begin();
  if (!tx) return make_error("store: " + tx.error().message);
  if (auto r = tx->put_secondary_data(z->zone.id, store::SecondaryData{serial, dns::format_zone(apex, records), confirmed}); !r) {
    secondary_records_[z->zone.id] = std::move(before);
    return make_error("store: " + r.error().message);
  }
  if (served_from_store(z->apex)) {
    if (auto r = journal(*tx, z->apex, z->view.get(), **v); !r) {
      secondary_records_[z->zone.id] = std::move(before);
      return make_error("store: " + r.error().message);
    }
  }
  if (auto r = tx->commit(); !r) {
    secondary_records_[z->zone.id] = std::move(before);
    return make_error("store: " + r.error().message);
  }
  secondary_confirmed_[z->zone.id] = confirmed;
  z->view = *v;
  z->zone.modified_on = now();
  publish();
  return {};
}

Result<void> Controller::expire_secondary(const std::string& apex) {
  for (auto& [id, z] : zones_) {
    if (z.apex != apex || z.zone.type != zone::kZoneTypeSecondary) continue;
    auto v = compile_secondary(z, true);
    if (!v) return v.error();
    z.view = *v;
    publish();
    return {};
  }
  return err(errc::kZoneNotFound, "no secondary zone " + dns::name_to_text(apex));
}

Result<std::vector<store::XfrObject>> Controller::xfr_objects(const std::string& kind) const {
  return store_ ? store_->list_xfr_objects(kind) : reader_->list_xfr_objects(kind);
}

Result<void> Controller::put_xfr_object(const store::XfrObject& o) {
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  auto tx = store_->begin();
  if (!tx) return tx.error();
  if (auto r = tx->put_xfr_object(o); !r) return r;
  return tx->commit();
}

Result<void> Controller::delete_xfr_object(const std::string& kind, const std::string& id) {
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  auto tx = store_->begin();
  if (!tx) return tx.error();
  if (auto r = tx->delete_xfr_object(kind, id); !r) return r;
  return tx->commit();
}

Result<std::optional<zone::Account>> Controller::account(const std::string& id) const {
  return store_ ? store_->get_account(id) : reader_->get_account(id);
}

std::vector<Controller::SecondaryZone> Controller::secondary_zones() const {
  std::vector<SecondaryZone> out;
  for (const auto& [id, z] : zones_) {
    if (z.zone.type != zone::kZoneTypeSecondary) continue;
    SecondaryZone s{id, z.apex, 0, {}, 0};
    if (auto it = secondary_records_.find(id); it != secondary_records_.end()) s.records = it->second;
    if (auto it = secondary_confirmed_.find(id); it != secondary_confirmed_.end()) s.confirmed = it->second;
    if (z.view && !s.records.empty()) s.serial = z.view->serial();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace dnsedge::control
