// DNSSEC of a zone: its keys (a KSK and a ZSK, ECDSA P-256, dnssec/key.h) and its status, kept
// in the store (store_dnssec.cc) by zone name; what GET/PATCH/DELETE /zones/{id}/dnssec read and
// write (docs/dnssec.md).
//
// Status. Turning DNSSEC on makes the keys and stores status "pending": the keys exist and the
// DS is shown, but the served view does not carry DNSKEY and RRSIGs yet (the online signer is
// wired in a later step), so the DS must not go to the parent yet. "active" is for a zone whose
// answers are signed. Turning it off stores "disabled" and keeps the keys (turning it on again
// gives the same DS); DELETE removes state and keys.
//
// Private keys are read only to check that they load, and never logged or returned.

#include <chrono>

#include "control/controller.h"
#include "control/errors.h"
#include "dns/name.h"
#include "dnssec/key.h"
#include "dnssec/policy.h"

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

Result<DnssecInfo> Controller::set_dnssec(const std::string& zone_id, bool enable) {
  if (!store_) return err(errc::kInternal, "the store is open read-only");
  auto z = zone(zone_id);
  if (!z) return z.error();
  const std::string& name = z->zone.name;
  if (z->file_backed) {
    return err(errc::kFileBacked,
               "Zone " + name + " is file-backed (served from " + z->file + "): its DNSSEC is not set through the API");
  }
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
  const std::string status = enable ? "pending" : "disabled";
  if (auto r = tx->put_dnssec_state({name, status, now()}); !r) return store_error(r.error());
  if (auto r = tx->commit(); !r) return store_error(r.error());
  for (const auto& row : fresh) {
    log("event=dnssec_key_created zone=" + name + " role=" + row.role + " key_tag=" + std::to_string(row.key_tag));
  }
  log("event=dnssec_status zone=" + name + " status=" + status);
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
  return {};
}

}  // namespace dnsedge::control
