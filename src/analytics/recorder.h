#pragma once
// The query path's side of DNS analytics: each DNS worker thread owns one Recorder and counts
// every answered query into it, keyed by (minute, query name, query type, rcode, answer kind).
//
// A Recorder holds two fixed-size open-addressing tables (slabs). The worker fills one while the
// aggregator thread (analytics/aggregator.h) merges the other; they trade places through one
// atomic state word per slab (release/acquire), so the worker never waits, locks or allocates.
// The worker hands its slab over when the minute changes, when it is half full, or every
// kHandoffMs; if the aggregator has not given the other slab back yet the worker keeps filling
// the one it has (entries carry their minute, so a slab may span minutes).
//
// Counts are exact: a query whose name no longer finds room (the slab three-quarters full) is
// counted under its zone with the name "other"; only a slab with no free slot at all and no
// slab to switch to (more than kSlabSlots distinct keys within one aggregator pass) counts the
// query as unattributed (no zone), which the aggregator reports. Queries outside every zone
// (REFUSED) have no zone to be reported under and are counted apart.
//
// Thread safety: record() and tick() from the owner thread only; the rest is the aggregator's.

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace dnsedge::analytics {

inline constexpr size_t kSlabSlots = 2048;
inline constexpr uint32_t kHandoffMs = 200;
inline constexpr size_t kMaxNameWire = 255;

// What answered (auth::AnswerKind's values, in its order).
inline constexpr size_t kAnswerKinds = 6;

// One answered query, as the worker sees it.
struct Event {
  const uint8_t* qname = nullptr;  // lowercased wire name
  size_t qname_len = 0;
  size_t zone_len = 0;  // length of the zone apex, a suffix of qname; 0: in no zone
  uint16_t qtype = 0;
  uint16_t rcode = 0;  // the response's (extended) rcode
  uint8_t kind = 0;    // auth::AnswerKind
  uint32_t micros = 0; // time from receipt to the response, microseconds
};

struct SlabEntry {
  uint64_t hash = 0;  // 0: empty
  uint64_t time_us = 0;
  uint32_t count = 0;
  uint32_t minute = 0;  // minutes since the epoch
  uint16_t qtype = 0;
  uint16_t rcode = 0;
  uint8_t kind = 0;
  uint8_t other = 0;     // 1: the name is the zone apex standing for "other" names
  uint8_t name_len = 0;  // wire length (1..255)
  uint8_t zone_len = 0;
  uint8_t name[kMaxNameWire];
};

struct Slab {
  enum State : uint8_t { kFilling = 0, kReady = 1, kFree = 2 };
  std::atomic<uint8_t> state{kFree};
  uint32_t used = 0;
  uint64_t unattributed = 0;  // queries that found no slot (see above)
  uint64_t no_zone = 0;       // queries in no zone
  SlabEntry entries[kSlabSlots];
};

class Aggregator;

class alignas(64) Recorder {
 public:
  // Registers with `agg` (the process's aggregator when null); unregisters when destroyed,
  // handing over what it still holds.
  explicit Recorder(Aggregator* agg = nullptr);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Owner thread. Whether recording is on (analytics::set_enabled at startup).
  bool enabled() const noexcept { return enabled_; }
  // Owner thread: counts one answered query at `minute` (minutes since the epoch).
  void record(const Event& e, uint32_t minute) noexcept;
  // Owner thread, once a batch and on idle wake-ups: hands the slab over when it is due
  // (`now_ms`: any monotonic milliseconds; `minute`: the current minute).
  void tick(uint64_t now_ms, uint32_t minute) noexcept;

  // Aggregator (under its lock): the slab handed over, or null.
  Slab* ready() noexcept;
  // Aggregator: every slab, whatever its state (the owner thread has stopped).
  Slab* slab(int i) noexcept { return &slabs_[i]; }

 private:
  void hand_over(uint32_t minute) noexcept;
  Aggregator* agg_;
  bool enabled_;
  Slab* cur_;
  uint32_t cur_minute_ = 0;
  uint64_t last_handoff_ms_ = 0;
  Slab* slabs_;  // two
};

// Set once at startup, before any worker starts (--analytics).
void set_enabled(bool on) noexcept;
bool enabled() noexcept;

// Time helpers for workers: the minute of a CLOCK_REALTIME reading, monotonic microseconds.
uint32_t minute_now() noexcept;
uint64_t monotonic_us() noexcept;

}  // namespace dnsedge::analytics
