#pragma once
// The process's metrics: the DNS workers' counters (metrics/dns_counters.h, summed at scrape
// time), the API's requests by route and status with their latency, the controller's publishes
// and compile time, collectors added by the program (gauges such as the number of zones), and
// the process's own (build info, resident memory, open descriptors). scrape() writes them all
// in the Prometheus text format.
//
// Thread safety: every member may be called from any thread. The registry's mutex guards the
// lists and the API and publish counts; it is never taken on the DNS query path (the workers
// write only their own DnsCounters).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "metrics/dns_counters.h"
#include "metrics/exposition.h"

namespace dnsedge::metrics {

// Upper bounds (seconds) of the API latency and compile time histograms.
inline constexpr std::array<double, 10> kLatencyBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};

class Registry {
 public:
  using Collector = std::function<void(Exposition&)>;

  // The process-wide registry (never destroyed).
  static Registry& global();

  void add(const DnsCounters* c);
  // Adds its counts to the retired totals, then forgets it.
  void remove(const DnsCounters* c);
  // Every DNS counter, live and retired, summed.
  DnsTotals dns_totals() const;

  // Queries by zone, summed over every worker (zone_key() → count), and those counted as
  // overflow.
  struct ZoneCounts {
    std::map<uint64_t, uint64_t> by_key;
    uint64_t overflow = 0;
  };
  ZoneCounts zone_counts() const;
  // The zones served, as (apex in lowercase wire form, apex in presentation form), read at each
  // scrape to name the busiest zones' keys. Unset: every zone is reported as "other".
  using ZoneNames = std::function<std::vector<std::pair<std::string, std::string>>()>;
  void set_zone_names(ZoneNames names);

  // An API request answered: `route` is the route table's pattern ("other" for none).
  void api_request(std::string_view method, std::string_view route, int status, double seconds);
  // A catalog published by the controller's writer, built in `seconds`.
  void publish(double seconds);

  // Collectors write whole families of their own; the handle removes one.
  uint64_t add_collector(Collector c);
  void remove_collector(uint64_t id);

  // Readiness (GET /readyz): set once the zones are loaded and the store is open.
  void set_ready(bool ready);
  bool ready() const;

  std::string scrape() const;

 private:
  Registry() = default;
  struct Histogram {
    uint64_t counts[kLatencyBounds.size() + 1] = {};
    double sum = 0;
    void observe(double seconds);
  };
  mutable common::Mutex mu_;
  std::vector<const DnsCounters*> dns_ ABSL_GUARDED_BY(mu_);
  DnsTotals retired_ ABSL_GUARDED_BY(mu_);
  ZoneCounts retired_zones_ ABSL_GUARDED_BY(mu_);
  ZoneNames zone_names_ ABSL_GUARDED_BY(mu_);
  // (method, route) → status → count; (method, route) → latency.
  std::map<std::pair<std::string, std::string>, std::map<int, uint64_t>> api_counts_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, Histogram> api_latency_ ABSL_GUARDED_BY(mu_);
  uint64_t publishes_ ABSL_GUARDED_BY(mu_) = 0;
  Histogram compile_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<uint64_t, Collector>> collectors_ ABSL_GUARDED_BY(mu_);
  uint64_t next_collector_ ABSL_GUARDED_BY(mu_) = 1;
  bool ready_ ABSL_GUARDED_BY(mu_) = false;
};

// Writes the DNS families of `t` (used by scrape(); public for tests).
void write_dns(const DnsTotals& t, Exposition& out);
// Writes dnsedge_dns_zone_queries_total: the kTopZones busiest of the named zones, then
// zone="other" for the rest (unnamed keys and overflow included).
void write_zones(const Registry::ZoneCounts& counts, const std::vector<std::pair<std::string, std::string>>& names,
                 Exposition& out);

}  // namespace dnsedge::metrics
