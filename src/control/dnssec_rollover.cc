#include "control/dnssec_rollover.h"

#include <algorithm>
#include <limits>

#include "control/controller.h"
#include "control/validate.h"
#include "dnssec/key.h"

namespace dnsedge::control {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

dnssec::KeyPhase phase_of(const std::string& name) {
  for (auto p : {dnssec::KeyPhase::kCreated, dnssec::KeyPhase::kPublished, dnssec::KeyPhase::kActive,
                 dnssec::KeyPhase::kRetired, dnssec::KeyPhase::kRemoved}) {
    if (dnssec::phase_name(p) == name) return p;
  }
  return dnssec::KeyPhase::kRemoved;  // an unknown phase never signs nor publishes
}

bool signing_status(const std::string& status) { return status == "active" || status == "pending"; }

bool has_phase(const std::vector<dnssec::ZskState>& keys, dnssec::KeyPhase p) {
  return std::any_of(keys.begin(), keys.end(), [p](const dnssec::ZskState& k) { return k.phase == p; });
}

}  // namespace

DnssecRollover::DnssecRollover(Controller& controller, RolloverOptions options)
    : controller_(controller),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &system_clock_) {}

DnssecRollover::~DnssecRollover() { stop(); }

void DnssecRollover::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

int64_t DnssecRollover::refresh_due(int64_t signed_at) const {
  const auto& v = options_.validity;
  const double period = static_cast<double>((v.validity + v.inception_offset).count());
  int64_t due = signed_at + v.validity.count() - static_cast<int64_t>(v.refresh_fraction * period);
  const dnssec::Validity made = v.at(signed_at);
  while (!v.needs_refresh(made, due)) ++due;  // at most a step or two: the first second it is due
  return due;
}

int64_t DnssecRollover::max_ttl_of(Controller& controller, const std::string& zone_id, int64_t dnskey_ttl) {
  int64_t ttl = dnskey_ttl;
  if (auto records = controller.records(zone_id)) {
    for (const auto& r : *records) {
      ttl = std::max<int64_t>(ttl, r.ttl == kAutoTtl ? kAutoTtlSeconds : r.ttl);
    }
  }
  if (auto s = controller.dns_settings(zone_id)) {
    ttl = std::max<int64_t>({ttl, s->soa.ttl, s->soa.min_ttl, s->ns_ttl});
  }
  return ttl;
}

RolloverZoneReport DnssecRollover::run_zone(const std::string& zone_id, const std::string& name, int64_t now,
                                            int64_t* next) {
  RolloverZoneReport rep;
  rep.zone = name;
  store::Store& db = controller_.store();
  auto rows = db.dnssec_keys(name);
  if (!rows) {
    rep.error = rows.error().message;
    return rep;
  }
  std::vector<store::DnssecKeyRow> zsk_rows;
  for (const auto& r : *rows) {
    if (r.role == "zsk") zsk_rows.push_back(r);
  }
  std::vector<dnssec::ZskState> keys;
  for (const auto& r : zsk_rows) {
    keys.push_back({r.id, phase_of(r.phase), r.created, r.published, r.active, r.retired, r.removed});
  }
  const auto set_before = dnssec::dnskey_set(keys);
  const auto signer_before = dnssec::signing_key(keys);

  dnssec::RolloverSettings s = options_.settings;
  bool max_ttl_known = false;
  auto need_max_ttl = [&] {
    if (max_ttl_known) return;
    s.max_ttl = std::chrono::seconds(max_ttl_of(controller_, zone_id, s.dnskey_ttl.count()));
    max_ttl_known = true;
  };
  if (has_phase(keys, dnssec::KeyPhase::kRetired)) need_max_ttl();

  std::vector<store::DnssecKeyRow> fresh;
  dnssec::RolloverStep st = dnssec::advance(keys, now, s);
  for (int i = 0; i < 4 && st.need_new_key; ++i) {
    auto key = dnssec::Key::generate(dnssec::kFlagsZsk);
    if (!key) {
      rep.error = "cannot make a successor ZSK: " + key.error().message;
      return rep;
    }
    auto pem = key->private_pem();
    if (!pem) {
      rep.error = "cannot make a successor ZSK: " + pem.error().message;
      return rep;
    }
    store::DnssecKeyRow row;
    row.zone = name;
    row.id = zone::new_id();
    row.role = "zsk";
    row.key_tag = key->key_tag();
    row.dnskey = key->dnskey_rdata();
    row.private_pem = std::move(*pem);
    row.phase = std::string(dnssec::phase_name(dnssec::KeyPhase::kCreated));
    row.created = now;
    keys.push_back({row.id, dnssec::KeyPhase::kCreated, now});
    rep.created.push_back(row.id);
    fresh.push_back(row);
    zsk_rows.push_back(std::move(row));
    st = dnssec::advance(keys, now, s);
  }

  // The rows whose phase or times changed (the new ones included).
  std::vector<store::DnssecKeyRow> changed;
  for (size_t i = 0; i < keys.size(); ++i) {
    store::DnssecKeyRow row = zsk_rows[i];
    const auto& k = keys[i];
    row.phase = std::string(dnssec::phase_name(k.phase));
    row.created = k.created;
    row.published = k.published;
    row.active = k.active;
    row.retired = k.retired;
    row.removed = k.removed;
    if (i >= zsk_rows.size() - fresh.size() || !(row == zsk_rows[i])) changed.push_back(std::move(row));
  }
  if (!fresh.empty()) {
    auto protect = db.protect_secrets();
    if (!protect) {
      rep.error = protect.error().message;
      return rep;
    }
  }
  if (!changed.empty()) {
    auto tx = db.begin();
    if (!tx) {
      rep.error = tx.error().message;
      return rep;
    }
    for (const auto& row : changed) {
      if (auto r = tx->put_dnssec_key(row); !r) {
        rep.error = r.error().message;
        return rep;
      }
    }
    if (auto r = tx->commit(); !r) {
      rep.error = r.error().message;
      return rep;
    }
    rep.phases_changed = true;
    for (const auto& row : changed) {
      log("event=dnssec_zsk_phase zone=" + name + " key_tag=" + std::to_string(row.key_tag) + " phase=" + row.phase);
    }
  }

  const bool keys_changed = dnssec::dnskey_set(keys) != set_before || dnssec::signing_key(keys) != signer_before;
  auto it = signed_at_.find(name);
  if (it == signed_at_.end()) {
    // Signed at the latest when the view was compiled, which may be up to a sleep ago.
    it = signed_at_.emplace(name, now - kMaxSleep.count()).first;
  }
  if (keys_changed) owed_.insert(name);
  if (owed_.count(name) > 0 || now >= refresh_due(it->second)) {
    if (options_.resign) {
      auto r = options_.resign(name);
      if (!r) {
        rep.error = "cannot re-sign: " + r.error().message;
        return rep;
      }
    }
    owed_.erase(name);
    it->second = now;
    rep.resigned = true;
    log("event=dnssec_resigned zone=" + name + (keys_changed ? " reason=keys" : " reason=signature_refresh"));
  }
  if (has_phase(keys, dnssec::KeyPhase::kRetired)) need_max_ttl();
  *next = std::min({*next, dnssec::next_event(keys, s), refresh_due(it->second)});
  return rep;
}

int64_t DnssecRollover::refresh_file(const std::string& name, int64_t now, std::vector<RolloverZoneReport>* reports) {
  auto it = signed_at_.find(name);
  if (it == signed_at_.end()) it = signed_at_.emplace(name, now - kMaxSleep.count()).first;
  if (now < refresh_due(it->second)) return refresh_due(it->second);
  if (options_.resign_files) options_.resign_files();
  it->second = now;
  log("event=dnssec_resigned zone=" + name + " reason=signature_refresh source=file");
  if (reports != nullptr) reports->push_back(RolloverZoneReport{.zone = name, .resigned = true});
  return refresh_due(now);
}

int64_t DnssecRollover::run_once(std::vector<RolloverZoneReport>* reports) {
  const int64_t now = dnssec::unix_seconds(*clock_);
  int64_t next = kNever;
  store::Store& db = controller_.store();
  for (const auto& z : controller_.zones()) {
    const std::string& name = z.zone.name;
    auto state = db.dnssec_state(name);
    if (!state || !state->has_value() || !signing_status((*state)->status)) {
      signed_at_.erase(name);
      owed_.erase(name);
      continue;
    }
    if (z.file_backed) {
      // [[dnssec]] zone files keep their first ZSK; their signatures are refreshed like the
      // store zones' (the app recompiles them from their files, with the next serial).
      next = std::min(next, refresh_file(name, now, reports));
      continue;
    }
    int64_t zone_next = kNever;
    RolloverZoneReport rep = run_zone(z.zone.id, name, now, &zone_next);
    if (!rep.error.empty()) {
      log("event=dnssec_rollover_failed zone=" + name + " error=\"" + rep.error + "\"");
      zone_next = now + kRetrySeconds;
    }
    next = std::min(next, zone_next);
    if (reports != nullptr) reports->push_back(std::move(rep));
  }
  return next;
}

void DnssecRollover::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      const int64_t next = controller_.call([this] { return run_once(); });
      const int64_t now = dnssec::unix_seconds(*clock_);
      lock.lock();
      // At least a second between passes (a zone that keeps failing is retried, not spun on).
      const int64_t wait = std::clamp<int64_t>(next == kNever ? kMaxSleep.count() : next - now, 1, kMaxSleep.count());
      cv_.wait_for(lock, std::chrono::seconds(wait), [this] { return stopping_; });
    }
  });
}

void DnssecRollover::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace dnsedge::control
