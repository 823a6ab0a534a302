#pragma once
// Automatic ZSK rollover and signature refresh of signed zones (docs/dnssec.md "Key rollover").
//
// One pass (run_once, on the controller's writer thread) looks at every zone whose DNSSEC status
// is active or pending: it moves the zone's ZSK rows through the phases dnssec::advance gives
// for now (RFC 7583 pre-publication), makes a successor key when one is due (stored like the
// others: the store's files readable by the owner only), writes every phase change of the zone in
// one store transaction and re-signs the zone (the `resign` function: a full recompile and
// publish) when its DNSKEY set or its signing key changed, or when the signatures it made last
// reach the refresh point of the validity policy. The pass returns when the next one is due: the
// earliest rollover event or signature refresh of any zone.
//
// The timer (start/stop) is one thread that sleeps until that time (at most kMaxSleep, so a zone
// turned on in between is seen soon) and hands the pass to the writer thread with call().
//
// Thread safety: run_once only on the writer thread (or inline while the writer is not running);
// start/stop from the owning thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "dnssec/policy.h"
#include "zone/record.h"

namespace dnsedge::control {

class Controller;

struct RolloverOptions {
  dnssec::RolloverSettings settings;  // max_ttl is computed per zone from its records
  dnssec::ValidityPolicy validity;
  const zone::Clock* clock = nullptr;  // null: the system clock
  // Recompiles the zone (by name) with its keys as stored now, and publishes it.
  std::function<Result<void>(const std::string& zone)> resign;
  // Asks for the zone files signed online ([[dnssec]]) to be signed again with their keys, on
  // another thread (the app recompiles them from their files); never blocks.
  std::function<void()> resign_files;
  std::function<void(const std::string&)> log;
};

// What one pass did to one zone.
struct RolloverZoneReport {
  std::string zone;
  std::vector<std::string> created;  // ids of the successor keys made
  bool phases_changed = false;       // rows written
  bool resigned = false;
  std::string error;  // non-empty: the pass failed for this zone (logged)
};

class DnssecRollover {
 public:
  static constexpr std::chrono::seconds kMaxSleep{30};
  // A failed zone is tried again this long after.
  static constexpr int64_t kRetrySeconds = 5;

  DnssecRollover(Controller& controller, RolloverOptions options);
  ~DnssecRollover();
  DnssecRollover(const DnssecRollover&) = delete;
  DnssecRollover& operator=(const DnssecRollover&) = delete;

  // Writer thread. One pass over every signed zone at the clock's now; returns the unix time at
  // which the next pass is due.
  int64_t run_once(std::vector<RolloverZoneReport>* reports = nullptr);

  // The timer thread. Idempotent.
  void start();
  void stop();

  // The largest TTL a cache may hold of the zone's signed data (records, SOA, negative answers,
  // apex NS, DNSKEY): what the retire interval waits for.
  static int64_t max_ttl_of(Controller& controller, const std::string& zone_id, int64_t dnskey_ttl);

 private:
  // A signed zone file: asks for its re-sign (RolloverOptions::resign_files) once its signatures
  // are due for a refresh. Returns when it is due next.
  int64_t refresh_file(const std::string& name, int64_t now, std::vector<RolloverZoneReport>* reports);
  RolloverZoneReport run_zone(const std::string& zone_id, const std::string& name, int64_t now, int64_t* next);
  int64_t refresh_due(int64_t signed_at) const;
  void log(const std::string& line) const;

  Controller& controller_;
  RolloverOptions options_;
  zone::SystemClock system_clock_;
  const zone::Clock* clock_;
  std::map<std::string, int64_t> signed_at_;  // by zone name: when its view was last signed whole
  std::set<std::string> owed_;                // zones whose keys changed but whose re-sign failed

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dnsedge::control
