#include "metrics/registry.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "metrics/ops.h"

namespace dnsedge::metrics {
namespace {

// Resident set size in bytes (/proc/self/statm's second field, in pages); 0 when unreadable.
uint64_t resident_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// Open descriptors: the entries of /proc/self/fd (less the one the listing itself holds).
uint64_t open_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  uint64_t n = 0;
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n > 0 ? n - 1 : 0;
}

uint64_t max_fds() {
  const long m = sysconf(_SC_OPEN_MAX);
  return m > 0 ? static_cast<uint64_t>(m) : 0;
}

}  // namespace

Registry& Registry::global() {
  static Registry* r = new Registry();
  return *r;
}

void Registry::add(const DnsCounters* c) {
  common::MutexLock lock(mu_);
  dns_.push_back(c);
}

void Registry::remove(const DnsCounters* c) {
  common::MutexLock lock(mu_);
  auto it = std::find(dns_.begin(), dns_.end(), c);
  if (it == dns_.end()) return;
  c->add_to(retired_);
  c->add_zones_to(retired_zones_.by_key, retired_zones_.overflow);
  dns_.erase(it);
}

Registry::ZoneCounts Registry::zone_counts() const {
  common::MutexLock lock(mu_);
  ZoneCounts z = retired_zones_;
  for (const DnsCounters* c : dns_) c->add_zones_to(z.by_key, z.overflow);
  return z;
}

void Registry::set_zone_names(ZoneNames names) {
  common::MutexLock lock(mu_);
  zone_names_ = std::move(names);
}

DnsTotals Registry::dns_totals() const {
  DnsTotals t;
  common::MutexLock lock(mu_);
  t = retired_;
  for (const DnsCounters* c : dns_) c->add_to(t);
  return t;
}

void Registry::Histogram::observe(double seconds) {
  size_t b = 0;
  while (b < kLatencyBounds.size() && seconds > kLatencyBounds[b]) ++b;
  ++counts[b];
  sum += seconds;
}

void Registry::api_request(std::string_view method, std::string_view route, int status, double seconds) {
  std::pair<std::string, std::string> key{std::string(method), std::string(route)};
  common::MutexLock lock(mu_);
  ++api_counts_[key][status];
  api_latency_[key].observe(seconds);
}

void Registry::publish(double seconds) {
  common::MutexLock lock(mu_);
  ++publishes_;
  compile_.observe(seconds);
}

uint64_t Registry::add_collector(Collector c) {
  common::MutexLock lock(mu_);
  const uint64_t id = next_collector_++;
  collectors_.emplace_back(id, std::move(c));
  return id;
}

void Registry::remove_collector(uint64_t id) {
  common::MutexLock lock(mu_);
  std::erase_if(collectors_, [id](const auto& e) { return e.first == id; });
}

void Registry::set_ready(bool ready) {
  common::MutexLock lock(mu_);
  ready_ = ready;
}

bool Registry::ready() const {
  common::MutexLock lock(mu_);
  return ready_;
}

void write_dns(const DnsTotals& t, Exposition& out) {
  out.family("dnsedge_dns_queries_total", "counter",
             "DNS queries answered (rate-limited ones included), by transport, query type and response code.");
  for (size_t tr = 0; tr < kTransports; ++tr) {
    for (size_t q = 0; q < kQtypes; ++q) {
      for (size_t r = 0; r < kRcodes; ++r) {
        const uint64_t v = t.queries[tr][q][r];
        if (v == 0) continue;
        out.sample("dnsedge_dns_queries_total",
                   {{"transport", transport_name(tr)}, {"qtype", qtype_name(q)}, {"rcode", rcode_name(r)}}, v);
      }
    }
  }
  out.family("dnsedge_dns_response_size_bytes", "histogram", "Size of the DNS responses, by transport.");
  for (size_t tr = 0; tr < kTransports; ++tr) {
    const Label l[] = {{"transport", transport_name(tr)}};
    out.histogram("dnsedge_dns_response_size_bytes", l, kSizeBounds, t.size_buckets[tr],
                  static_cast<double>(t.size_sum[tr]));
  }
  out.family("dnsedge_dns_tc_total", "counter", "DNS responses sent with the TC (truncated) flag, by transport.");
  for (size_t tr = 0; tr < kTransports; ++tr) {
    out.sample("dnsedge_dns_tc_total", {{"transport", transport_name(tr)}}, t.truncated[tr]);
  }
  out.family("dnsedge_dns_formerr_total", "counter", "DNS responses with rcode FORMERR, by transport.");
  for (size_t tr = 0; tr < kTransports; ++tr) {
    uint64_t n = 0;
    for (size_t q = 0; q < kQtypes; ++q) n += t.queries[tr][q][rcode_index(1)];
    out.sample("dnsedge_dns_formerr_total", {{"transport", transport_name(tr)}}, n);
  }
  out.family("dnsedge_dns_dropped_total", "counter", "DNS queries that got no response, by transport and reason.");
  for (size_t tr = 0; tr < kTransports; ++tr) {
    for (size_t d = 0; d < kDropReasons; ++d) {
      out.sample("dnsedge_dns_dropped_total", {{"transport", transport_name(tr)}, {"reason", drop_name(d)}},
                 t.dropped[tr][d]);
    }
  }
  out.family(
      "dnsedge_dns_answers_total", "counter",
      "DNS answers built, by the kind of data that answered (static, proxied, flattened, dc_record, stale, servfail).");
  for (size_t k = 0; k < kAnswerKinds; ++k) {
    out.sample("dnsedge_dns_answers_total", {{"kind", answer_kind_name(k)}}, t.answers[k]);
  }
  out.family("dnsedge_dns_request_duration_seconds", "histogram",
             "DNS latency from a query's receipt to its response's send, by transport.");
  for (size_t tr = 0; tr < kTransports; ++tr) {
    const Label l[] = {{"transport", transport_name(tr)}};
    out.histogram("dnsedge_dns_request_duration_seconds", l, kDnsLatencyBounds, t.latency_buckets[tr],
                  static_cast<double>(t.latency_sum_ns[tr]) * 1e-9);
  }
  out.family("dnsedge_dns_xfr_requests_total", "counter",
             "Zone transfer requests, NOTIFY and TSIG-signed queries received, by transport and kind.");
  for (size_t tr = 0; tr < kTransports; ++tr) {
    for (size_t k = 0; k < kHandoffKinds; ++k) {
      out.sample("dnsedge_dns_xfr_requests_total", {{"transport", transport_name(tr)}, {"kind", handoff_name(k)}},
                 t.handoff[tr][k]);
    }
  }
}

void write_zones(const Registry::ZoneCounts& counts, const std::vector<std::pair<std::string, std::string>>& names,
                 Exposition& out) {
  out.family("dnsedge_dns_zone_queries_total", "counter",
             "DNS queries for names in the busiest zones served (the rest as zone=\"other\").");
  std::vector<std::pair<uint64_t, std::string_view>> named;  // (count, presentation name)
  uint64_t total = counts.overflow;
  for (const auto& [k, n] : counts.by_key) total += n;
  for (const auto& [wire, text] : names) {
    const auto it = counts.by_key.find(zone_key(wire));
    if (it != counts.by_key.end() && it->second > 0) named.emplace_back(it->second, text);
  }
  std::sort(named.begin(), named.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  uint64_t shown = 0;
  for (size_t i = 0; i < named.size() && i < kTopZones; ++i) {
    out.sample("dnsedge_dns_zone_queries_total", {{"zone", named[i].second}}, named[i].first);
    shown += named[i].first;
  }
  out.sample("dnsedge_dns_zone_queries_total", {{"zone", "other"}}, total - shown);
}

std::string Registry::scrape() const {
  Exposition out;
  out.family("dnsedge_build_info", "gauge", "Always 1; the version of the running dnsedge.");
  out.sample("dnsedge_build_info", {{"version", DNSEDGE_METRICS_VERSION}}, uint64_t{1});
  out.family("dnsedge_process_resident_memory_bytes", "gauge", "Resident memory of the process, in bytes.");
  out.sample("dnsedge_process_resident_memory_bytes", {}, resident_bytes());
  out.family("dnsedge_process_open_fds", "gauge", "Open file descriptors of the process.");
  out.sample("dnsedge_process_open_fds", {}, open_fds());
  out.family("dnsedge_process_max_fds", "gauge", "The process's limit of open file descriptors.");
  out.sample("dnsedge_process_max_fds", {}, max_fds());
  write_dns(dns_totals(), out);
  ZoneNames names_of;
  {
    common::MutexLock lock(mu_);
    names_of = zone_names_;
  }
  write_zones(zone_counts(), names_of ? names_of() : std::vector<std::pair<std::string, std::string>>{}, out);
  Ops::global().write(out);

  common::MutexLock lock(mu_);
  out.family("dnsedge_ready", "gauge", "1 once the zones are loaded and the store is open.");
  out.sample("dnsedge_ready", {}, uint64_t{ready_ ? 1u : 0u});
  out.family("dnsedge_api_requests_total", "counter", "REST API requests, by method, route pattern and HTTP status.");
  for (const auto& [key, codes] : api_counts_) {
    for (const auto& [code, n] : codes) {
      const std::string c = std::to_string(code);
      out.sample("dnsedge_api_requests_total", {{"method", key.first}, {"route", key.second}, {"code", c}}, n);
    }
  }
  out.family("dnsedge_api_request_duration_seconds", "histogram",
             "REST API request latency (request read to response ready), by method and route pattern.");
  for (const auto& [key, h] : api_latency_) {
    const Label l[] = {{"method", key.first}, {"route", key.second}};
    out.histogram("dnsedge_api_request_duration_seconds", l, kLatencyBounds, h.counts, h.sum);
  }
  out.family("dnsedge_publishes_total", "counter", "Catalogs published by the controller (each write batch, reload).");
  out.sample("dnsedge_publishes_total", {}, publishes_);
  out.family("dnsedge_publish_compile_seconds", "histogram", "Time to build the catalog of one publish.");
  out.histogram("dnsedge_publish_compile_seconds", {}, kLatencyBounds, compile_.counts, compile_.sum);
  for (const auto& [id, c] : collectors_) c(out);
  return out.take();
}

}  // namespace dnsedge::metrics
