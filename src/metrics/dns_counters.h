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

// A plain copy of the counters (for sums and tests).
struct DnsTotals {
  uint64_t queries[kTransports][kQtypes][kRcodes] = {};
  uint64_t size_buckets[kTransports][kSizeBuckets] = {};
  uint64_t size_sum[kTransports] = {};
  uint64_t truncated[kTransports] = {};
  uint64_t dropped[kTransports][kDropReasons] = {};
  uint64_t handoff[kTransports][kHandoffKinds] = {};

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

  // Any thread: a relaxed reading of every counter, added to `out`.
  void add_to(DnsTotals& out) const noexcept;

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
};

// The rcode of a response: the header's four bits, plus the OPT record's upper eight bits when
// `opt_begin` (the OPT record's offset, 0 when none) is given.
uint16_t response_rcode(const uint8_t* response, size_t len, size_t opt_begin) noexcept;
// The same when the OPT record's offset is not known: the message's records are walked to find
// it (a malformed message gives the header's four bits).
uint16_t response_rcode(const uint8_t* response, size_t len) noexcept;

}  // namespace dnsedge::metrics
