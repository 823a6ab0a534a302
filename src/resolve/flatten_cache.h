#pragma once
// TargetCache: the A/AAAA data of external CNAME-flattening targets (docs/proxy.md), resolved and
// refreshed in the background so the view compiler never resolves anything itself.
//
// For each watched name the cache keeps a TargetData: the final addresses (after any CNAME
// chain), a TTL and a state. Lifecycle:
//
//   watch ──► kPending ──ok──► kOk ◄──────────ok──────────┐
//                │              │ refresh fails            │
//                │              ▼                          │
//                │            kStale (last good data, until expires_at + stale_bound;
//                │              │       RFC 8767 §5)       │
//                │              │ bound passed             │
//                └──fails─────► kFailed (no addresses: A/AAAA answer SERVFAIL + EDE) ─┘
//
// Refresh: after a success at time t with answer TTL T (the smallest TTL of the A and AAAA
// answers, CNAME chain and negative answers included), the next refresh is at
// t + clamp(refresh_fraction × T, min_refresh, max_refresh). After a failure it is retried with
// exponential backoff from retry_min to retry_max.
//
// Stable TTL. TargetData::ttl is the smallest TTL of the positive answer (CNAME chain and
// addresses; the negative TTL when the name has no address at all) as received at the refresh
// that produced it. It does not count down between refreshes. A refresh that returns the same
// addresses with a *lower* TTL may be a cache's countdown (libunbound's own cache in full
// recursion, or a caching upstream): the published TTL is then kept and the name asked again
// just after that countdown ends (+1 s); only if the lower TTL is confirmed is it adopted. So
// with unchanged data neither the TTL nor the view changes, and a real TTL decrease still
// arrives one short round later. Addresses are sorted and deduplicated, so the order in which
// an upstream rotates them never counts as a change.
//
// NXDOMAIN for the target is data, not a failure: state kOk, rcode NXDOMAIN, no addresses,
// TTL = the negative TTL. A target with only other types (TXT, say) is kOk with no addresses.
// Failures are: a timeout, a libunbound error, any rcode other than NOERROR/NXDOMAIN for A or
// AAAA (e.g. SERVFAIL, REFUSED).
//
// Notifications. on_change runs when a name's *served* data changed (state, addresses, TTL,
// rcode; see TargetData::same_served) — not when a refresh only moved resolved_at/next_refresh
// or bumped a failure count — so views and zone serials do not churn. Changes are coalesced:
// one call per refresh wave, issued when no lookup is in flight any more or `coalesce` after
// the first change, whichever is first. on_event reports each refresh failure, stale period,
// expiry, recovery and change with a ready `key=value` text, for logs (library code does not
// log by itself).
//
// Thread safety: all public methods may be called from any thread. on_change and on_event run
// on the cache's own thread, one at a time and without the cache's lock held, so they may call
// back into the cache (snapshot(), watch(), ...) but should not block for long. The Resolver
// must outlive the TargetCache. Snapshots are immutable and may be kept and read by any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "resolve/resolver.h"

namespace dnsedge::resolve {

using SystemTime = std::chrono::system_clock::time_point;

struct TargetData {
  enum class State : uint8_t {
    kPending,  // watched, never resolved yet
    kOk,       // last refresh succeeded
    kStale,    // last refresh failed; still serving the last good data (RFC 8767)
    kFailed,   // no usable data: never resolved, or the stale bound passed
  };
  State state = State::kPending;
  std::vector<std::string> a_rdata;     // 4-octet rdata, sorted, unique; empty in kPending/kFailed
  std::vector<std::string> aaaa_rdata;  // 16-octet rdata, sorted, unique
  uint32_t ttl = 0;                     // stable TTL of that data (see the header comment)
  int rcode = 0;                        // NOERROR, or NXDOMAIN when the target does not exist
  std::string canonical_name;           // wire: where the target's CNAME chain ends
  SystemTime resolved_at{};             // last successful refresh
  SystemTime expires_at{};              // end of the data's validity (resolved_at + its TTL)
  SystemTime stale_until{};             // expires_at + stale_bound: kStale turns kFailed then
  SystemTime next_refresh{};
  std::string last_error;               // of the last failed refresh; "" after a success
  uint64_t failures = 0;                // consecutive failed refreshes

  // True when both make the view answer the same: state, addresses, TTL, rcode.
  bool same_served(const TargetData& o) const noexcept;
};

std::string_view state_name(TargetData::State s) noexcept;  // "pending", "ok", "stale", "failed"

// Keyed by the lowercase wire-form name.
using TargetSnapshot = std::map<std::string, TargetData>;

struct TargetEvent {
  enum class Kind : uint8_t {
    kChanged,        // served data changed (first resolution included)
    kRecovered,      // success after failures (data may be unchanged)
    kRefreshFailed,  // a refresh failed; `state` says whether stale data is still served
    kExpired,        // stale bound passed: A/AAAA at the flattened names now SERVFAIL
  };
  Kind kind = Kind::kChanged;
  std::string name;  // wire form
  TargetData::State state = TargetData::State::kPending;
  std::string text;  // "event=refresh-failed target=x.example. state=stale failures=2 error=..."
};

struct TargetCacheOptions {
  double refresh_fraction = 0.85;            // of the TTL, 0 < f <= 1
  std::chrono::milliseconds min_refresh{std::chrono::seconds(30)};
  std::chrono::milliseconds max_refresh{std::chrono::hours(24)};
  std::chrono::milliseconds retry_min{std::chrono::seconds(5)};
  std::chrono::milliseconds retry_max{std::chrono::minutes(5)};
  std::chrono::seconds stale_bound{std::chrono::hours(24)};  // RFC 8767 §5 suggests 1–3 days
  std::chrono::milliseconds coalesce{100};
  // Clock for all TargetData times and the refresh schedule (tests inject a fake one and call
  // wake() after moving it). Default: std::chrono::system_clock::now.
  std::function<SystemTime()> now;
  // `changed`: the names whose served data changed since the previous call.
  std::function<void(std::shared_ptr<const TargetSnapshot> snapshot,
                     const std::vector<std::string>& changed)>
      on_change;
  std::function<void(const TargetEvent&)> on_event;
};

struct TargetCacheStats {
  uint64_t refreshes = 0;     // refreshes started (one A and one AAAA lookup each)
  uint64_t successes = 0;
  uint64_t failures = 0;      // refreshes that failed
  uint64_t stale_serves = 0;  // failed refreshes after which last good data stayed served
  uint64_t expirations = 0;   // kStale → kFailed at the stale bound
  uint64_t changes = 0;       // served-data changes
  uint64_t notifications = 0; // on_change calls
  uint64_t watched = 0, pending = 0, ok = 0, stale = 0, failed = 0;  // names now, by state
};

class TargetCache {
 public:
  // Starts the cache's thread. REQUIRES: `resolver` outlives the cache.
  [[nodiscard]] static Result<std::unique_ptr<TargetCache>> create(Resolver& resolver,
                                                                   TargetCacheOptions options);
  ~TargetCache();  // stops the thread; lookups in flight are abandoned
  TargetCache(const TargetCache&) = delete;
  TargetCache& operator=(const TargetCache&) = delete;

  // Starts watching `name` (wire or presentation form, see Resolver::resolve); its first
  // resolution starts at once. Watching a watched name changes nothing.
  [[nodiscard]] Result<void> watch(std::string_view name);
  // Stops watching; a lookup in flight for it is ignored when it ends. Unknown names: no-op.
  [[nodiscard]] Result<void> unwatch(std::string_view name);
  // Makes the watched set exactly `names` (what the control module computes after a compile).
  // On a bad name nothing changes.
  [[nodiscard]] Result<void> set_watched(const std::vector<std::string>& names);

  // The current data of every watched name.
  std::shared_ptr<const TargetSnapshot> snapshot() const;
  std::optional<TargetData> get(std::string_view name) const;
  TargetCacheStats stats() const;

  // Re-evaluates the schedule now (after the injected clock moved).
  void wake();
  // Refreshes every watched name at once (e.g. on SIGHUP), whatever its schedule.
  void refresh_all();
  // Wakes the cache and waits until it has run a pass, no lookup is in flight and every
  // notification is delivered. False on timeout. For tests and orderly shutdowns.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  explicit TargetCache(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace dnsedge::resolve
