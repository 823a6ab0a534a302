#pragma once
// Counters of the work beside the DNS query path: zone transfers and NOTIFY, the flattening
// resolver's cache, store writes, the edge proxy and Spectrum. One process-wide Ops; every
// member may be called from any thread (relaxed atomic read-modify-writes: these paths are not
// the query path, and a count is never torn). The registry writes them at each scrape.
//
// Label values come from the fixed sets below; no label carries a name or an address.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "metrics/exposition.h"

namespace dnsedge::metrics {

enum class Direction : uint8_t { kIn = 0, kOut = 1 };  // received / sent
enum class Outcome : uint8_t { kSuccess = 0, kFailure = 1 };
enum class CacheLookup : uint8_t { kHit = 0, kMiss = 1, kStale = 2 };
enum class EdgeProtocol : uint8_t { kHttp = 0, kHttps = 1 };
enum class EdgeDirection : uint8_t { kFromClient = 0, kFromOrigin = 1 };  // where relayed bytes came from
// Why the edge could not get a response from an origin.
enum class OriginError : uint8_t {
  kProhibited = 0,  // the origin policy refuses the address
  kUnresolved,      // a proxied CNAME whose target has no address yet
  kRefused,         // every address refused or was unreachable
  kConnectTimeout,  // no address accepted within the connect timeout
  kTimeout,         // no response within the origin timeout
  kBadResponse,     // an unparseable or oversized response head
  kReset,           // closed or reset before a complete head
};
inline constexpr size_t kOriginErrors = 7;

// Upper bounds (seconds) of the store write histogram.
inline constexpr std::array<double, 12> kStoreWriteBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                          0.05,   0.1,   0.25,   0.5,   1,    5};

class Ops {
 public:
  static Ops& global();  // never destroyed

  // A zone transfer received (secondary pull: kIn) or served (kOut).
  void transfer(Direction d, Outcome o) noexcept { bump(transfers_[idx(d)][idx(o)]); }
  // A NOTIFY received (accepted or refused) or sent (acknowledged, or refused / unanswered).
  void notify(Direction d, Outcome o) noexcept { bump(notifies_[idx(d)][idx(o)]); }
  // The zone compiler asked the flattening resolver's cache about a name.
  void resolver_lookup(CacheLookup l) noexcept { bump(lookups_[idx(l)]); }
  // A store write transaction, from BEGIN to its COMMIT, took `seconds`.
  void store_write(double seconds) noexcept;
  void edge_connection(EdgeProtocol p) noexcept { bump(edge_connections_[idx(p)]); }
  void edge_request() noexcept { bump(edge_requests_); }
  void edge_bytes(EdgeDirection d, uint64_t n) noexcept { edge_bytes_[idx(d)].fetch_add(n, std::memory_order_relaxed); }
  void origin_error(OriginError e) noexcept { bump(origin_errors_[idx(e)]); }
  void spectrum_connection() noexcept { bump(spectrum_connections_); }

  // Writes every family.
  void write(Exposition& out) const;

 private:
  Ops() = default;
  template <class E>
  static size_t idx(E e) noexcept {
    return static_cast<size_t>(e);
  }
  static void bump(std::atomic<uint64_t>& c) noexcept { c.fetch_add(1, std::memory_order_relaxed); }
  std::atomic<uint64_t> transfers_[2][2] = {};
  std::atomic<uint64_t> notifies_[2][2] = {};
  std::atomic<uint64_t> lookups_[3] = {};
  std::atomic<uint64_t> store_buckets_[kStoreWriteBounds.size() + 1] = {};
  std::atomic<uint64_t> store_sum_ns_{0};
  std::atomic<uint64_t> edge_connections_[2] = {};
  std::atomic<uint64_t> edge_requests_{0};
  std::atomic<uint64_t> edge_bytes_[2] = {};
  std::atomic<uint64_t> origin_errors_[kOriginErrors] = {};
  std::atomic<uint64_t> spectrum_connections_{0};
};

}  // namespace dnsedge::metrics
