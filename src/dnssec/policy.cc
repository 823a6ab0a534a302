#include "dnssec/policy.h"

#include <algorithm>
#include <limits>

namespace dnsedge::dnssec {

int64_t unix_seconds(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

Validity ValidityPolicy::at(int64_t now) const {
  return {static_cast<uint32_t>(now - inception_offset.count()), static_cast<uint32_t>(now + validity.count())};
}

bool ValidityPolicy::needs_refresh(Validity v, int64_t now) const {
  const auto t = static_cast<uint32_t>(now);
  const auto since = static_cast<int32_t>(t - v.inception);
  const auto left = static_cast<int32_t>(v.expiration - t);
  if (since < 0 || left < 0) return true;
  const auto period = static_cast<double>(static_cast<uint32_t>(v.expiration - v.inception));
  return static_cast<double>(left) < refresh_fraction * period;
}

Result<void> ValidityPolicy::check() const {
  if (inception_offset.count() < 0) return make_error("signature inception offset must not be negative");
  if (validity <= inception_offset) return make_error("signature validity must be longer than the inception offset");
  if (validity.count() > std::numeric_limits<int32_t>::max() / 2) return make_error("signature validity too long");
  if (!(refresh_fraction > 0 && refresh_fraction < 1)) return make_error("refresh fraction must lie in (0, 1)");
  return {};
}

Result<void> RolloverSettings::check() const {
  if (zsk_lifetime.count() < 1) return make_error("dnssec zsk lifetime must be at least 1 second");
  if (dnskey_ttl.count() < 1) return make_error("dnssec DNSKEY TTL must be at least 1 second");
  if (propagation_delay.count() < 1) return make_error("dnssec propagation delay must be at least 1 second");
  if (max_ttl.count() < 1) return make_error("dnssec max TTL must be at least 1 second");
  if (zsk_lifetime.count() <= publish_interval()) {
    return make_error("dnssec zsk lifetime (" + std::to_string(zsk_lifetime.count()) +
                      "s) must exceed propagation delay + DNSKEY TTL (" + std::to_string(publish_interval()) + "s)");
  }
  return {};
}

std::string_view phase_name(KeyPhase p) {
  switch (p) {
    case KeyPhase::kCreated:
      return "created";
    case KeyPhase::kPublished:
      return "published";
    case KeyPhase::kActive:
      return "active";
    case KeyPhase::kRetired:
      return "retired";
    case KeyPhase::kRemoved:
      return "removed";
  }
  return "unknown";
}

namespace {

ZskState* find(std::vector<ZskState>& keys, KeyPhase p) {
  for (auto& k : keys) {
    if (k.phase == p) return &k;
  }
  return nullptr;
}

// One transition, if one is due; true when something changed.
bool step(std::vector<ZskState>& keys, int64_t now, const RolloverSettings& s, bool* need_new_key) {
  ZskState* active = find(keys, KeyPhase::kActive);
  ZskState* published = find(keys, KeyPhase::kPublished);
  ZskState* created = find(keys, KeyPhase::kCreated);
  // Retired keys leave once their signatures have left the caches.
  for (auto& k : keys) {
    if (k.phase == KeyPhase::kRetired && now >= k.retired + s.retire_interval()) {
      k.phase = KeyPhase::kRemoved;
      k.removed = now;
      return true;
    }
  }
  if (active == nullptr) {
    // The first key of a zone that starts signing: published and signing at once (nothing was
    // signed before, so there is no older DNSKEY set in any cache).
    ZskState* first = published != nullptr ? published : created;
    if (first == nullptr) {
      *need_new_key = true;
      return false;
    }
    if (first->published == 0) first->published = now;
    first->phase = KeyPhase::kActive;
    first->active = now;
    return true;
  }
  if (created != nullptr && published == nullptr) {
    created->phase = KeyPhase::kPublished;
    created->published = now;
    return true;
  }
  const int64_t end_of_life = active->active + s.zsk_lifetime.count();
  if (published != nullptr) {
    if (now >= published->published + s.publish_interval() && now >= end_of_life) {
      active->phase = KeyPhase::kRetired;
      active->retired = now;
      published->phase = KeyPhase::kActive;
      published->active = now;
      return true;
    }
    return false;
  }
  // Pre-publish the successor so that it is ready when the current key's lifetime ends.
  if (created == nullptr && now >= end_of_life - s.publish_interval()) *need_new_key = true;
  return false;
}

}  // namespace

RolloverStep advance(std::vector<ZskState>& keys, int64_t now, const RolloverSettings& s) {
  RolloverStep r;
  for (int i = 0; i < 64; ++i) {
    bool need = false;
    const bool changed = step(keys, now, s, &need);
    r.changed = r.changed || changed;
    if (need) r.need_new_key = true;
    if (!changed) break;
  }
  return r;
}

std::vector<std::string> dnskey_set(const std::vector<ZskState>& keys) {
  std::vector<std::string> ids;
  for (const auto& k : keys) {
    if (k.phase == KeyPhase::kPublished || k.phase == KeyPhase::kActive || k.phase == KeyPhase::kRetired) {
      ids.push_back(k.id);
    }
  }
  return ids;
}

std::string signing_key(const std::vector<ZskState>& keys) {
  for (const auto& k : keys) {
    if (k.phase == KeyPhase::kActive) return k.id;
  }
  return {};
}

int64_t next_event(const std::vector<ZskState>& keys, const RolloverSettings& s) {
  int64_t next = std::numeric_limits<int64_t>::max();
  const ZskState* active = nullptr;
  const ZskState* published = nullptr;
  for (const auto& k : keys) {
    if (k.phase == KeyPhase::kActive) active = &k;
    if (k.phase == KeyPhase::kPublished) published = &k;
    if (k.phase == KeyPhase::kRetired) next = std::min(next, k.retired + s.retire_interval());
    if (k.phase == KeyPhase::kCreated) next = std::numeric_limits<int64_t>::min();
  }
  if (active == nullptr) return std::numeric_limits<int64_t>::min();
  const int64_t end_of_life = active->active + s.zsk_lifetime.count();
  if (published != nullptr) {
    next = std::min(next, std::max(published->published + s.publish_interval(), end_of_life));
  } else {
    next = std::min(next, end_of_life - s.publish_interval());
  }
  return next;
}

}  // namespace dnsedge::dnssec
