// DNSSEC of a zone: its keys (a KSK and a ZSK, ECDSA P-256, dnssec/key.h) and its status, kept
// in the store (store_dnssec.cc) by zone name; what GET/PATCH/DELETE /zones/{id}/dnssec read and
// write (docs/dnssec.md); and the zone's online signing (dnssec::ZoneSigning), built from those
// rows and handed to every compile of the zone (view/signing.cc signs the served view).
//
// Status. Turning DNSSEC on makes the keys (the first time), stores status "active" and
// recompiles the zone signed: the published view carries DNSKEY, CDS, CDNSKEY and an RRSIG on
// every authoritative RRset before the call returns, so the DS it answers may go to the parent at
// once. Turning it off stores "disabled", keeps the keys (turning it on again gives the same DS)
// and recompiles the zone unsigned; DELETE removes state and keys and recompiles unsigned too.
//
// Keys that do not load (a corrupt row) of a zone whose DNSSEC is on: the zone is compiled
// unusable and answers SERVFAIL (never unsigned: validators holding its DS would reject it), the
// log says so naming the zone, and GET answers an error naming the zone.
//
// Private keys are loaded to sign, and never logged or returned.

#include <chrono>

#include "control/controller.h"
#include "control/errors.h"
#include "dns/name.h"
#include "dnssec/key.h"
#include "dnssec/policy.h"
#include "dnssec/zone_signing.h"
#include "view/digest.h"

namespace dnsedge::control {
namespace {

Error err(int code, std::string message) { return Error{std::move(message), code}; }

// The TTL of the DS the API shows (what the parent is asked to publish).
constexpr uint32_t kDsTtl = 3600;

std::string phase_text(dnssec::KeyPhase p) { return std::string(dnssec::phase_name(p)); }

Result<store::DnssecKeyRow> key_row(const std::string& zone, const std::string& role, const dnssec::Key& key,
                                    int64_t now) {
  auto pem = key.private_pem();
  if (!pem) return err(errc::kInternal, "zone " + zone + ": " + pem.error().message);
  store::DnssecKeyRow row;
  row.zone = zone;
  row.id = zone::new_id();
  row.role = role;
  row.key_tag = key.key_tag();
  row.dnskey = key.dnskey_rdata();
  row.private_pem = std::move(*pem);
  row.phase = phase_text(dnssec::KeyPhase::kActive);
  row.created = row.published = row.active = now;
  return row;
}

// The KSK of a zone's keys (the newest one not removed), if any.
const store::DnssecKeyRow* ksk_of(const std::vector<store::DnssecKeyRow>& keys) {
  const store::DnssecKeyRow* found = nullptr;
  for (const auto& k : keys) {
    if (k.role == "ksk" && k.phase != "removed") found = &k;
  }
  return found;
}

}  // namespace

Result<DnssecInfo> Controller::dnssec(const std::string& zone_id) const {
  auto z = zone(zone_id);
  if (!z) return z.error();
  store::Reader& db = store_ ? static_cast<store::Reader&>(*store_) : *reader_;
  auto state = db.dnssec_state(z->zone.name);
  if (!state) return store_error(state.error());
  DnssecInfo info;
  if (!state->has_value()) return info;
  info.status = (*state)->status;
  info.modified_on = (*state)->modified_on;
  if (info.status == "disabled") return info;
  if (auto it = zones_.find(zone_id); it != zones_.end() && it->second.view) {
    const view::DnssecIndex& d = it->second.view->dnssec();
    if (d.unusable) {
      return err(errc::kInternal, "zone " + z->zone.name + ": " + it->second.signing->unusable +
                                      "; the zone answers SERVFAIL until its keys load again");
    }
    // Active once the published view is signed.
    if (info.status == "active" && !d.online) info.status = "pending";
  }
  auto keys = db.dnssec_keys(z->zone.name);
  if (!keys) return store_error(keys.error());
  const store::DnssecKeyRow* ksk = ksk_of(*keys);
  if (ksk == nullptr) return info;
  auto pub = dnssec::Key::from_dnskey(ksk->dnskey);
  if (!pub)
    return err(errc::kInternal, "DNSSEC key " + ksk->id + " of zone " + z->zone.name + ": " + pub.error().message);
  auto apex = dns::name_from_text(z->zone.name + ".");
  if (!apex) return err(errc::kInternal, apex.error().message);
  info.has_key = true;
  info.key_tag = pub->key_tag();
  info.flags = pub->flags();
  info.public_key = pub->public_key_base64();
  info.digest = dnssec::ds_digest_hex(*apex, ksk->dnskey);
  info.ds = dnssec::ds_text(*apex, kDsTtl, ksk->dnskey);
  return info;
}

// Keys (made the first time) and status of zone `name`, stored in one transaction.
Result<void> Controller::store_dnssec(const std::string& name, bool enable) {
  auto keys = store_->dnssec_keys(name);
  if (!keys) return store_error(keys.error());
  std::vector<store::DnssecKeyRow> fresh;
  if (enable) {
    // Keys kept from before must still load: a damaged key is an error naming the zone, never
    // silently replaced (the parent may hold its DS).
    for (const auto& k : *keys) {
      if (k.phase == "removed") continue;
      auto loaded = dnssec::Key::from_pem(k.private_pem, k.role == "ksk" ? dnssec::kFlagsKsk : dnssec::kFlagsZsk);
      if (!loaded) {
        return err(errc::kInternal, "DNSSEC key " + k.id + " (" + k.role + ", tag " + std::to_string(k.key_tag) +
                                        ") of zone " + name + " does not load: " + loaded.error().message);
      }
    }
    if (ksk_of(*keys) == nullptr) {
      const int64_t now = dnssec::unix_seconds(*clock_);
      auto ksk = dnssec::Key::generate(dnssec::kFlagsKsk);
      if (!ksk) return err(errc::kInternal, "zone " + name + ": " + ksk.error().message);
      auto row = key_row(name, "ksk", *ksk, now);
      if (!row) return row.error();
      fresh.push_back(std::move(*row));
      // The ZSK's place in the rollover: the first key of a zone publishes and signs at once.
      std::vector<dnssec::ZskState> zsks;
      dnssec::RolloverStep st = dnssec::advance(zsks, now, dnssec::RolloverSettings{});
      if (st.need_new_key) {
        auto zsk = dnssec::Key::generate(dnssec::kFlagsZsk);
        if (!zsk) return err(errc::kInternal, "zone " + name + ": " + zsk.error().message);
        auto zrow = key_row(name, "zsk", *zsk, now);
        if (!zrow) return zrow.error();
        zsks.push_back({zrow->id, dnssec::KeyPhase::kCreated, now});
        dnssec::advance(zsks, now, dnssec::RolloverSettings{});
        zrow->phase = phase_text(zsks.back().phase);
        zrow->published = zsks.back().published;
        zrow->active = zsks.back().active;
        fresh.push_back(std::move(*zrow));
      }
    }
  }
  if (!fresh.empty()) {
    auto protect = store_->protect_secrets();
    if (!protect) return store_error(protect.error());
    if (*protect) log("event=store_mode_tightened path=" + store_->path() + " reason=dnssec_private_keys");
  }
  auto tx = store_->begin();
  if (!tx) return store_error(tx.error());
  for (const auto& row : fresh) {
    if (auto r = tx->put_dnssec_key(row); !r) return store_error(r.error());
  }
  const std::string status = enable ? "active" : "disabled";
  if (auto r = tx->put_dnssec_state({name, status, now()}); !r) return store_error(r.error());
  if (auto r = tx->commit(); !r) return store_error(r.error());
  for (const auto& row : fresh) {
    log("event=dnssec_key_created zone=" + name + " role=" + row.role + " key_tag=" + std::to_string(row.key_tag));
  }
  log("event=dnssec_status zone=" + name + " status=" + status);
  return {};
}

Result<DnssecInfo> Controller::set_dnssec(const std::string& zone_id, bool enable) {
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  auto z = zone(zone_id);
  if (!z) return z.error();
  const std::string& name = z->zone.name;
  if (z->file_backed) {
    return err(errc::kFileBacked,
               "Zone " + name + " is file-backed (served from " + z->file + "): its DNSSEC is not set through the API");
  }
  if (auto r = store_dnssec(name, enable); !r) return r.error();
  if (auto it = zones_.find(zone_id); it != zones_.end()) {
    if (auto r = resign_zone(it->second); !r) return r.error();
  }
  return dnssec(zone_id);
}

Result<void> Controller::delete_dnssec(const std::string& zone_id) {
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  auto z = zone(zone_id);
  if (!z) return z.error();
  if (z->file_backed) {
    return err(errc::kFileBacked, "Zone " + z->zone.name + " is file-backed (served from " + z->file +
                                      "): its DNSSEC is not set through the API");
  }
  auto tx = store_->begin();
  if (!tx) return store_error(tx.error());
  auto n = tx->delete_dnssec(z->zone.name);
  if (!n) return store_error(n.error());
  if (auto r = tx->commit(); !r) return store_error(r.error());
  if (*n > 0) log("event=dnssec_deleted zone=" + z->zone.name);
  if (auto it = zones_.find(zone_id); it != zones_.end() && it->second.signing) {
    if (auto r = resign_zone(it->second); !r) return r.error();
  }
  return {};
}

Result<std::shared_ptr<const dnssec::ZoneSigning>> Controller::zone_signing(store::Reader& db, const std::string& name,
                                                                            const std::string& apex) const {
  auto state = db.dnssec_state(name);
  if (!state) return store_error(state.error());
  if (!state->has_value() || (*state)->status == "disabled") return std::shared_ptr<const dnssec::ZoneSigning>();
  auto keys = db.dnssec_keys(name);
  if (!keys) return store_error(keys.error());
  auto sg = std::make_shared<dnssec::ZoneSigning>();
  sg->apex = apex;
  sg->dnskey_ttl = static_cast<uint32_t>(options_.dnssec_rollover.dnskey_ttl.count());
  sg->validity = options_.dnssec_validity;
  sg->clock = clock_;
  std::vector<dnssec::Key> zsks;  // published, active, retired (the DNSKEY set after the KSKs)
  int64_t zsk_active = -1;
  for (const auto& k : *keys) {
    if (k.phase == "removed" || k.phase == "created") continue;
    const bool ksk = k.role == "ksk";
    auto key = dnssec::Key::from_pem(k.private_pem, ksk ? dnssec::kFlagsKsk : dnssec::kFlagsZsk);
    if (key && key->dnskey_rdata() != k.dnskey) {
      key = make_error("its private key does not match its DNSKEY");
    }
    if (!key) {
      sg->unusable = "DNSSEC key " + k.id + " (" + k.role + ", tag " + std::to_string(k.key_tag) +
                     ") does not load: " + key.error().message;
      break;
    }
    if (ksk) {
      sg->ksks.push_back(*key);
      continue;
    }
    zsks.push_back(*key);
    if (k.phase == "active" && k.active > zsk_active) {
      sg->zsk = *key;
      zsk_active = k.active;
    }
  }
  if (sg->unusable.empty() && sg->ksks.empty()) sg->unusable = "no key-signing key (KSK) in the store";
  if (sg->unusable.empty() && !sg->zsk) sg->unusable = "no active zone-signing key (ZSK) in the store";
  if (!sg->unusable.empty()) {
    sg->ksks.clear();
    sg->zsk.reset();
    zsks.clear();
    log("event=dnssec_keys_unusable level=error zone=" + name + " reason=\"" + sg->unusable +
        "\" action=\"the zone answers SERVFAIL until its keys load\"");
  }
  sg->dnskeys = sg->ksks;
  sg->dnskeys.insert(sg->dnskeys.end(), zsks.begin(), zsks.end());
  return std::shared_ptr<const dnssec::ZoneSigning>(std::move(sg));
}

Result<void> Controller::resign_zone(StoreZone& z) {
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  auto signing = zone_signing(*store_, z.zone.name, z.apex);
  if (!signing) return signing.error();
  z.signing = *signing;
  // A full compile with the next serial (fresh signatures must reach secondaries too), stored as
  // a write stores it.
  uint32_t serial = z.zone.serial + 1;
  auto m = compile_model(z, z.records, z.settings, serial);
  if (!m) return err(errc::kCompile, "zone " + z.zone.name + ": " + m.error().message);
  auto tx = store_->begin();
  if (!tx) return store_error(tx.error());
  auto bumped = tx->bump_serial(z.zone.id);
  if (!bumped) return store_error(bumped.error());
  if (*bumped != serial) {
    serial = *bumped;
    m = compile_model(z, z.records, z.settings, serial);
    if (!m) return err(errc::kCompile, "zone " + z.zone.name + ": " + m.error().message);
  }
  std::shared_ptr<const view::ZoneView> v = (*m)->view();
  if (auto r = tx->put_served_view(z.zone.name, serial, view::content_digest(*v)); !r) return store_error(r.error());
  if (served_from_store(z.apex)) {
    if (auto r = journal(*tx, z.apex, z.view.get(), *v); !r) return store_error(r.error());
  }
  if (auto r = tx->commit(); !r) return store_error(r.error());
  preflight_follow(z, v);
  z.model = *m;
  z.view = std::move(v);
  // The stored records did not change: the pre-flight's copy of them holds for the new serial.
  if (z.doctor_serial && *z.doctor_serial == z.zone.serial) z.doctor_serial = serial;
  z.zone.serial = serial;
  publish();
  const view::DnssecIndex& d = z.view->dnssec();
  log("event=dnssec_signed zone=" + z.zone.name + " serial=" + std::to_string(serial) +
      " signed=" + (d.online ? (d.unusable ? "unusable" : "yes") : "no"));
  if (d.unusable) {
    return err(errc::kInternal, "zone " + z.zone.name + ": " + z.signing->unusable +
                                    "; the zone answers SERVFAIL until its keys load again");
  }
  return {};
}

Result<std::shared_ptr<const dnssec::ZoneSigning>> Controller::file_zone_signing(const std::string& apex) {
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  std::string name = dns::name_to_text(apex);
  if (name.size() > 1) name.pop_back();  // "example.com", as zones are named in the store
  for (const auto& [id, z] : zones_) {
    if (z.zone.name == name) {
      return err(errc::kInternal,
                 "[[dnssec]] zone " + name + " is a zone of the store (its DNSSEC is set through the API)");
    }
  }
  auto state = store_->dnssec_state(name);
  if (!state) return store_error(state.error());
  if (!state->has_value() || (*state)->status != "active") {
    if (auto r = store_dnssec(name, true); !r) return r.error();
  }
  return zone_signing(*store_, name, apex);
}

Result<void> Controller::resign(const std::string& zone_name) {
  for (auto& [id, z] : zones_) {
    if (z.zone.name != zone_name) continue;
    if (z.zone.type == zone::kZoneTypeSecondary) {
      return err(errc::kInternal, "zone " + zone_name + " is a secondary zone: it is served as transferred");
    }
    return resign_zone(z);
  }
  return err(errc::kZoneNotFound, "zone " + zone_name + " is not a zone of the store");
}

}  // namespace dnsedge::control
