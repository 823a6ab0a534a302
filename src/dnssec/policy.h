#pragma once
// When signatures are valid and when keys change: pure logic over a clock.
//
// Signature validity: a signature made at `now` is valid from now - inception_offset (an hour
// back, for validators whose clocks run late) to now + validity; it is made again once less than
// refresh_fraction of its whole period remains.
//
// ZSK rollover by pre-publication (RFC 7583 §3.2): the successor's DNSKEY is published while the
// current key still signs; once every resolver that could have cached the old DNSKEY set has
// seen the new one (Ipub = propagation delay + DNSKEY TTL) and the current key's lifetime is
// over, the successor signs and the old key is retired; the old DNSKEY stays published until the
// signatures it made have left every cache (Iret = propagation delay + the largest TTL of signed
// data; the online signer re-signs every RRset when the signing key changes, so the signing
// delay of RFC 7583 is 0), then it is removed. A validator thus always finds the key of any
// signature it holds in the DNSKEY set it holds.
//
// Times are unix seconds; the Clock is zone::Clock (zone::FakeClock in tests).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dnssec/sign.h"
#include "zone/record.h"

namespace dnsedge::dnssec {

using Clock = zone::Clock;
using FakeClock = zone::FakeClock;

int64_t unix_seconds(const Clock& clock);

struct ValidityPolicy {
  std::chrono::seconds inception_offset{3600};
  std::chrono::seconds validity{std::chrono::hours(24 * 14)};
  double refresh_fraction = 0.25;  // re-sign when less than this part of the period remains

  Validity at(int64_t now) const;
  // Whether a signature with validity `v` must be made again at `now` (also when it is not yet
  // or no longer valid).
  bool needs_refresh(Validity v, int64_t now) const;
  // A policy that cannot work (validity not above the offset, a fraction outside (0, 1)).
  [[nodiscard]] Result<void> check() const;
};

struct RolloverSettings {
  std::chrono::seconds zsk_lifetime{std::chrono::hours(24 * 90)};
  std::chrono::seconds dnskey_ttl{3600};
  std::chrono::seconds propagation_delay{3600};
  std::chrono::seconds max_ttl{86400};  // the largest TTL of the zone's signed data

  int64_t publish_interval() const { return (propagation_delay + dnskey_ttl).count(); }  // Ipub
  int64_t retire_interval() const { return (propagation_delay + max_ttl).count(); }      // Iret
  // Each setting at least 1 second, and the lifetime longer than Ipub (otherwise a successor
  // would be due before its predecessor is ready).
  [[nodiscard]] Result<void> check() const;
};

enum class KeyPhase { kCreated, kPublished, kActive, kRetired, kRemoved };
std::string_view phase_name(KeyPhase p);

// One ZSK's place in the rollover; the time of each phase it reached (0: not yet).
struct ZskState {
  std::string id;  // the caller's key id
  KeyPhase phase = KeyPhase::kCreated;
  int64_t created = 0, published = 0, active = 0, retired = 0, removed = 0;
};

struct RolloverStep {
  bool need_new_key = false;  // create a ZSK, append it (kCreated, created = now), advance again
  bool changed = false;       // some key changed phase: the DNSKEY set or the signer changed
};

// Moves every key to the phase `now` calls for (several steps when the clock jumped).
RolloverStep advance(std::vector<ZskState>& keys, int64_t now, const RolloverSettings& s);
// The keys whose DNSKEY is published: published, active and retired ones.
std::vector<std::string> dnskey_set(const std::vector<ZskState>& keys);
// The key that signs (the active one); empty when none.
std::string signing_key(const std::vector<ZskState>& keys);
// When advance() has something to do next: a time at or before now means at once (a key waits
// to be published or the zone has no signing key); INT64_MAX when nothing is scheduled.
int64_t next_event(const std::vector<ZskState>& keys, const RolloverSettings& s);

}  // namespace dnsedge::dnssec
