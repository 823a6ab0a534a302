#pragma once
// dnsedge as a secondary (RFC 1034 §4.3.5, RFC 5936, RFC 1995, RFC 1996): the zones of type
// "secondary" are pulled from their primaries (Config::incoming) over TCP, TSIG-signed when the
// primary has a key:
//
//  - a SOA query first; a newer serial (RFC 1982) starts an IXFR (when we hold the zone) or an
//    AXFR; an IXFR reply may be incremental or a whole zone (RFC 1995 §4);
//  - SOA refresh/retry/expire drive the timers (auto_refresh_seconds overrides refresh); a NOTIFY
//    from a primary (answered by the Service) checks at once; past expire without a successful
//    check the zone is reported expired (it then answers SERVFAIL);
//  - every stream is checked before anything is kept: TSIG of every signed message, the
//    question, RCODE, framing, first and last SOA, every owner inside the zone, class IN, a
//    serial that does not go backwards, a complete stream (a truncated connection is an error),
//    size limits. A rejected stream changes nothing: the previous data keeps serving, the reason
//    is logged (`event=xfr-in-rejected zone=... primary=... reason="..."`).
//
// Thread safety: every public method may be called from any thread; callbacks run on the
// secondary's own thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "dns/zonefile.h"
#include "xfr/config.h"

namespace dnsedge::xfr {

struct PulledZone {
  std::string apex;  // lowercase wire
  uint32_t serial = 0;
  std::vector<dns::ZoneRecord> records;  // SOA first
  std::string how;                       // "AXFR", "IXFR" or "IXFR-AXFR"
  std::string primary;                   // name of the primary it came from
};

struct PullResult {
  enum class Kind { kUpToDate, kNewData } kind = Kind::kUpToDate;
  PulledZone zone;
  uint32_t primary_serial = 0;
};

// One pull from one primary: SOA check, then AXFR/IXFR if needed. `current` is what we hold (or
// null). Errors say what was wrong with the primary's answer.
Result<PullResult> pull_zone(std::string_view apex, const Peer& primary, const PulledZone* current,
                             std::chrono::milliseconds timeout);

// Applies RFC 1995 condensed deltas (RRs after the leading SOA, up to and including the final SOA)
// to `records`. Exposed for tests.
Result<std::vector<dns::ZoneRecord>> apply_ixfr(const std::vector<dns::ZoneRecord>& records,
                                                const std::vector<dns::ZoneRecord>& stream, uint32_t from);

struct SecondaryOptions {
  std::function<void(const PulledZone&)> on_zone;    // new data to serve and persist
  std::function<void(const std::string& apex)> on_expired;
  std::chrono::milliseconds timeout{10000};          // per connection
  std::chrono::seconds min_retry{1};
};

class Secondary {
 public:
  explicit Secondary(SecondaryOptions options);
  ~Secondary();
  Secondary(const Secondary&) = delete;
  Secondary& operator=(const Secondary&) = delete;

  void start();
  void stop();
  // The zones to keep (Config::incoming); zones that disappear are forgotten.
  void set_config(std::shared_ptr<const Config> config);
  // What the store holds for a zone (at start): data, and when it was last confirmed current.
  void seed(const PulledZone& zone, std::chrono::system_clock::time_point confirmed);
  // A NOTIFY for `apex` from a primary: check at once. False when `apex` is not a secondary zone.
  bool notify(const std::string& apex);

 private:
  struct State;
  void run();
  void check(const std::string& apex, State& st, const ZoneIncoming& in);

  SecondaryOptions options_;
  common::Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<const Config> config_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<State>> zones_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
  uint64_t metrics_collector_ = 0;  // dnsedge_secondary_* gauges (metrics/registry.h), while started
};

}  // namespace dnsedge::xfr
