#include "analytics/recorder.h"

#include <time.h>

#include <cstring>

#include "absl/hash/hash.h"
#include "analytics/aggregator.h"

namespace dnsedge::analytics {
namespace {

std::atomic<bool> g_enabled{false};

// Names are kept while the slab is below this fill; above it new names count as "other".
constexpr uint32_t kNameFill = kSlabSlots * 3 / 4;

uint64_t key_hash(const uint8_t* name, size_t len, uint8_t other, const Event& e, uint32_t minute) noexcept {
  const uint64_t h = absl::HashOf(std::string_view(reinterpret_cast<const char*>(name), len), other, e.qtype,
                                  e.rcode, e.kind, minute);
  return h | 1;  // 0 marks an empty slot
}

bool same(const SlabEntry& s, uint64_t h, const uint8_t* name, size_t len, uint8_t other, const Event& e,
          uint32_t minute) noexcept {
  return s.hash == h && s.minute == minute && s.qtype == e.qtype && s.rcode == e.rcode && s.kind == e.kind &&
         s.other == other && s.name_len == len && std::memcmp(s.name, name, len) == 0;
}

// A name's key is looked for (and placed) within this many slots of its home slot: past it the
// name counts as "other", so a nearly full slab costs a query at most this many probes, not a
// walk along a long cluster. Keys are never placed farther than they are looked for.
constexpr size_t kNameProbes = 16;

// The slot of the key within `limit` slots of its home: its entry, or the empty slot it goes
// into, or null when there is neither.
SlabEntry* probe(Slab& s, uint64_t h, const uint8_t* name, size_t len, uint8_t other, const Event& e,
                 uint32_t minute, size_t limit = kSlabSlots) noexcept {
  size_t i = static_cast<size_t>(h) & (kSlabSlots - 1);
  for (size_t n = 0; n < limit; ++n, i = (i + 1) & (kSlabSlots - 1)) {
    SlabEntry& x = s.entries[i];
    if (x.hash == 0 || same(x, h, name, len, other, e, minute)) return &x;
  }
  return nullptr;
}

}  // namespace

static_assert((kSlabSlots & (kSlabSlots - 1)) == 0, "kSlabSlots is a power of two");

void set_enabled(bool on) noexcept { g_enabled.store(on, std::memory_order_relaxed); }
bool enabled() noexcept { return g_enabled.load(std::memory_order_relaxed); }

uint32_t minute_now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<uint32_t>(ts.tv_sec / 60);
}

uint64_t monotonic_us() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

Recorder::Recorder(Aggregator* agg)
    : agg_(agg != nullptr ? agg : &Aggregator::global()), enabled_(analytics::enabled()), slabs_(new Slab[2]) {
  cur_ = &slabs_[0];
  cur_->state.store(Slab::kFilling, std::memory_order_relaxed);
  agg_->add(this);
}

Recorder::~Recorder() {
  agg_->remove(this);
  delete[] slabs_;
}

void Recorder::record(const Event& e, uint32_t minute) noexcept {
  if (!enabled_) return;
  Slab* s = cur_;
  if (e.zone_len == 0 || e.zone_len > e.qname_len || e.qname_len > kMaxNameWire) {
    ++s->no_zone;
    return;
  }
  if (s->used == 0) {
    cur_minute_ = minute;
  } else if (s->used >= kSlabSlots / 2 || minute != cur_minute_) {
    hand_over(minute);
    s = cur_;
  }
  const uint8_t* name = e.qname;
  size_t len = e.qname_len;
  uint8_t other = 0;
  uint64_t h = key_hash(name, len, other, e, minute);
  SlabEntry* x = probe(*s, h, name, len, other, e, minute, kNameProbes);
  if (x != nullptr && x->hash == 0 && s->used >= kNameFill) x = nullptr;  // no room for a new name
  if (x == nullptr) {
    // The name stands aside: counted as "other" under its zone.
    name = e.qname + (e.qname_len - e.zone_len);
    len = e.zone_len;
    other = 1;
    h = key_hash(name, len, other, e, minute);
    x = probe(*s, h, name, len, other, e, minute);
    if (x == nullptr) {
      ++s->unattributed;
      return;
    }
  }
  if (x->hash == 0) {
    x->hash = h;
    x->minute = minute;
    x->qtype = e.qtype;
    x->rcode = e.rcode;
    x->kind = e.kind;
    x->other = other;
    x->name_len = static_cast<uint8_t>(len);
    x->zone_len = static_cast<uint8_t>(e.zone_len);
    std::memcpy(x->name, name, len);
    x->count = 0;
    x->time_us = 0;
    ++s->used;
  }
  ++x->count;
  x->time_us += e.micros;
}

void Recorder::tick(uint64_t now_ms, uint32_t minute) noexcept {
  if (!enabled_) return;
  if (now_ms - last_handoff_ms_ < kHandoffMs && minute == cur_minute_) return;
  last_handoff_ms_ = now_ms;
  if (cur_->used > 0 || cur_->unattributed > 0 || cur_->no_zone > 0) hand_over(minute);
  cur_minute_ = minute;
}

void Recorder::hand_over(uint32_t minute) noexcept {
  Slab* other = cur_ == &slabs_[0] ? &slabs_[1] : &slabs_[0];
  if (other->state.load(std::memory_order_acquire) != Slab::kFree) return;  // keep filling this one
  other->state.store(Slab::kFilling, std::memory_order_relaxed);
  cur_->state.store(Slab::kReady, std::memory_order_release);
  cur_ = other;
  cur_minute_ = minute;
}

Slab* Recorder::ready() noexcept {
  for (int i = 0; i < 2; ++i) {
    if (slabs_[i].state.load(std::memory_order_acquire) == Slab::kReady) return &slabs_[i];
  }
  return nullptr;
}

}  // namespace dnsedge::analytics
