#pragma once
// The DNS listeners' counters, kept per worker thread and summed when scraped.
//
// Each UDP worker and the TCP thread own one DnsCounters. Only the owner thread writes it, with
// a relaxed load and store of its own slots (no read-modify-write, no lock, no counter shared
// between threads), so counting costs the query path a few plain memory writes to a cache line
// no other thread writes. The struct is cache-line aligned so two workers' counters never share
// a line. A scrape reads every live DnsCounters with relaxed loads (a value is never torn; it
// may lag the worker by the queries in flight) and sums them; a DnsCounters that goes away
// (its worker stopped) adds its counts to the registry's retired totals first.
//
// Label values are mnemonics from bounded sets: the query types below plus "other", the
// rcodes below plus "other", transport "udp" or "tcp".

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dnsedge::metrics {

enum class Transport : uint8_t { kUdp = 0, kTcp = 1 };
inline constexpr size_t kTransports = 2;
std::string_view transport_name(size_t index) noexcept;

// Why a query got no response.
enum class Drop : uint8_t {
  kRateLimited = 0,  // response rate limiting dropped it
  kUnanswerable,     // the answer engine drops it (a response, no header, ...)
  kOversize,         // larger than any query served (UDP datagram truncated on receipt)
};
inline constexpr size_t kDropReasons = 3;
std::string_view drop_name(size_t index) noexcept;

// What a query handed to the transfer module is: dns::QueryKind's kTransfer, kNotify, kSigned
// (1, 2, 3); other values are not counted.
inline constexpr size_t kHandoffKinds = 3;
std::string_view handoff_name(size_t index) noexcept;

inline constexpr size_t kQtypes = 27;  // the known types and "other" (the last)
inline constexpr size_t kRcodes = 14;  // the known rcodes and "other" (the last)
size_t qtype_index(uint16_t qtype) noexcept;
size_t rcode_index(uint16_t rcode) noexcept;
std::string_view qtype_name(size_t index) noexcept;
std::string_view rcode_name(size_t index) noexcept;

// Upper bounds (bytes) of the response size histogram's buckets; one more bucket is above.
inline constexpr std::array<double, 9> kSizeBounds{64, 128, 256, 512, 768, 1024, 1232, 1500, 4096};
inline constexpr size_t kSizeBuckets = kSizeBounds.size() + 1;

// What kind of data answered (auth::AnswerKind's values, in its order).
inline constexpr size_t kAnswerKinds = 6;
std::string_view answer_kind_name(size_t index) noexcept;

// Upper bounds (seconds) of the DNS latency histogram's buckets (receipt to send); one more
// bucket is above.
inline constexpr std::array<double, 13> kDnsLatencyBounds{0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                          0.0025,  0.005,    0.01,    0.05,   0.1,     1};
inline constexpr size_t kDnsLatencyBuckets = kDnsLatencyBounds.size() + 1;

// Queries by zone: each worker keeps a fixed open-addressed table of zone keys (zone_key() of
// the apex) and counts; a zone that finds no free slot within kZoneProbe slots is counted in
// an overflow counter (reported as zone="other"). The scrape names the keys of the zones
// served and reports the busiest kTopZones; the rest sum to zone="other".
inline constexpr size_t kZoneSlots = 512;  // a power of two
inline constexpr size_t kZoneProbe = 8;
inline constexpr size_t kTopZones = 20;
// FNV-1a 64 of the apex (lowercase wire), never 0 (0 marks a free slot).
inline uint64_t zone_key(std::string_view apex) noexcept {
  uint64_t h = 1469598103934665603ull;
  for (const char c : apex) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return h | 1;
}

// A plain copy of the counters (for sums and tests).
struct DnsTotals {
  uint64_t queries[kTransports][kQtypes][kRcodes] = {};
  uint64_t size_buckets[kTransports][kSizeBuckets] = {};
  uint64_t size_sum[kTransports] = {};
  uint64_t truncated[kTransports] = {};
  uint64_t dropped[kTransports][kDropReasons] = {};
  uint64_t handoff[kTransports][kHandoffKinds] = {};
  uint64_t answers[kAnswerKinds] = {};
  uint64_t latency_buckets[kTransports][kDnsLatencyBuckets] = {};
  uint64_t latency_sum_ns[kTransports] = {};

  uint64_t queries_of(Transport t, uint16_t qtype, uint16_t rcode) const noexcept {
    return queries[static_cast<size_t>(t)][qtype_index(qtype)][rcode_index(rcode)];
  }
  void add(const DnsTotals& o) noexcept;
};

class alignas(64) DnsCounters {
 public:
  // Registers with the process's registry (metrics/registry.h); unregisters when destroyed.
  DnsCounters();
  ~DnsCounters();
  DnsCounters(const DnsCounters&) = delete;
  DnsCounters& operator=(const DnsCounters&) = delete;

  // Owner thread only. A response sent (or held back by rate limiting: then drop() too):
  // its query type, its (extended) rcode, its size and whether TC is set.
  void response(Transport t, uint16_t qtype, uint16_t rcode, size_t bytes, bool tc) noexcept {
    const size_t ti = static_cast<size_t>(t);
    bump(queries_[ti][qtype_index(qtype)][rcode_index(rcode)]);
    size_t b = 0;
    while (b < kSizeBounds.size() && static_cast<double>(bytes) > kSizeBounds[b]) ++b;
    bump(size_buckets_[ti][b]);
    add(size_sum_[ti], bytes);
    if (tc) bump(truncated_[ti]);
  }
  void drop(Transport t, Drop why) noexcept { bump(dropped_[static_cast<size_t>(t)][static_cast<size_t>(why)]); }
  // A query handed to the transfer module (`kind`: dns::QueryKind's value, 1..3).
  void handoff(Transport t, uint8_t kind) noexcept {
    if (kind >= 1 && kind <= kHandoffKinds) bump(handoff_[static_cast<size_t>(t)][kind - 1]);
  }

  // Owner thread only. An answer built from data of kind `kind` (auth::AnswerKind's value).
  void answer(uint8_t kind) noexcept {
    if (kind < kAnswerKinds) bump(answers_[kind]);
  }
  // Owner thread only. `n` responses that took `ns` nanoseconds each from receipt to send (a
  // batch shares one reading of the clock at each end).
  void latency(Transport t, uint64_t ns, uint64_t n) noexcept {
    const size_t ti = static_cast<size_t>(t);
    const double s = static_cast<double>(ns) * 1e-9;
    size_t b = 0;
    while (b < kDnsLatencyBounds.size() && s > kDnsLatencyBounds[b]) ++b;
    add(latency_buckets_[ti][b], n);
    add(latency_sum_ns_[ti], ns * n);
  }
  // Owner thread only. A query for a name in the zone whose zone_key() is `key`.
  void zone(uint64_t key) noexcept {
    size_t i = key & (kZoneSlots - 1);
    for (size_t p = 0; p < kZoneProbe; ++p, i = (i + 1) & (kZoneSlots - 1)) {
      const uint64_t k = zone_keys_[i].load(std::memory_order_relaxed);
      if (k == key) {
        bump(zone_counts_[i]);
        return;
      }
      if (k == 0) {
        zone_keys_[i].store(key, std::memory_order_release);
        bump(zone_counts_[i]);
        return;
      }
    }
    bump(zone_overflow_);
  }

  // Any thread: a relaxed reading of every counter, added to `out`.
  void add_to(DnsTotals& out) const noexcept;
  // Any thread: the per-zone counts, added to `out` (zone key → count) and `overflow`.
  template <class Map>
  void add_zones_to(Map& out, uint64_t& overflow) const {
    for (size_t i = 0; i < kZoneSlots; ++i) {
      const uint64_t k = zone_keys_[i].load(std::memory_order_acquire);
      if (k != 0) out[k] += zone_counts_[i].load(std::memory_order_relaxed);
    }
    overflow += zone_overflow_.load(std::memory_order_relaxed);
  }

 private:
  static void bump(std::atomic<uint64_t>& c) noexcept { add(c, 1); }
  static void add(std::atomic<uint64_t>& c, uint64_t n) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::atomic<uint64_t> queries_[kTransports][kQtypes][kRcodes] = {};
  std::atomic<uint64_t> size_buckets_[kTransports][kSizeBuckets] = {};
  std::atomic<uint64_t> size_sum_[kTransports] = {};
  std::atomic<uint64_t> truncated_[kTransports] = {};
  std::atomic<uint64_t> dropped_[kTransports][kDropReasons] = {};
  std::atomic<uint64_t> handoff_[kTransports][kHandoffKinds] = {};
  std::atomic<uint64_t> answers_[kAnswerKinds] = {};
  std::atomic<uint64_t> latency_buckets_[kTransports][kDnsLatencyBuckets] = {};
  std::atomic<uint64_t> latency_sum_ns_[kTransports] = {};
  std::atomic<uint64_t> zone_overflow_{0};
  std::atomic<uint64_t> zone_keys_[kZoneSlots] = {};
  std::atomic<uint64_t> zone_counts_[kZoneSlots] = {};
};

// The rcode of a response: the header's four bits, plus the OPT record's upper eight bits when
// `opt_begin` (the OPT record's offset, 0 when none) is given.
uint16_t response_rcode(const uint8_t* response, size_t len, size_t opt_begin) noexcept;
// The same when the OPT record's offset is not known: the message's records are walked to find
// it (a malformed message gives the header's four bits).
uint16_t response_rcode(const uint8_t* response, size_t len) noexcept;

}  // namespace dnsedge::metrics
