#include "metrics/ops.h"

namespace dnsedge::metrics {
namespace {

constexpr std::string_view kDirections[2] = {"in", "out"};
constexpr std::string_view kOutcomes[2] = {"success", "failure"};
constexpr std::string_view kOriginErrorNames[kOriginErrors] = {
    "prohibited", "unresolved", "refused", "connect_timeout", "timeout", "bad_response", "reset"};

uint64_t get(const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); }

}  // namespace

Ops& Ops::global() {
  static Ops* o = new Ops();
  return *o;
}

void Ops::store_write(double seconds) noexcept {
  size_t b = 0;
  while (b < kStoreWriteBounds.size() && seconds > kStoreWriteBounds[b]) ++b;
  bump(store_buckets_[b]);
  store_sum_ns_.fetch_add(static_cast<uint64_t>(seconds > 0 ? seconds * 1e9 : 0), std::memory_order_relaxed);
}

void Ops::write(Exposition& out) const {
  out.family("dnsedge_xfr_transfers_total", "counter",
             "Zone transfers received (direction=in, secondary zones) and served (direction=out), by result.");
  for (size_t d = 0; d < 2; ++d) {
    for (size_t o = 0; o < 2; ++o) {
      out.sample("dnsedge_xfr_transfers_total", {{"direction", kDirections[d]}, {"result", kOutcomes[o]}},
                 get(transfers_[d][o]));
    }
  }
  out.family(
      "dnsedge_xfr_notify_total", "counter",
      "NOTIFY received (direction=in; failure: refused) and sent (direction=out; failure: refused or unanswered).");
  for (size_t d = 0; d < 2; ++d) {
    for (size_t o = 0; o < 2; ++o) {
      out.sample("dnsedge_xfr_notify_total", {{"direction", kDirections[d]}, {"result", kOutcomes[o]}},
                 get(notifies_[d][o]));
    }
  }
  out.family("dnsedge_resolver_cache_hits_total", "counter",
             "Flattening targets the zone compiler found resolved and fresh in the resolver's cache.");
  out.sample("dnsedge_resolver_cache_hits_total", {}, get(lookups_[0]));
  out.family("dnsedge_resolver_cache_misses_total", "counter",
             "Flattening targets the zone compiler found without usable data (not resolved yet, failed, not watched).");
  out.sample("dnsedge_resolver_cache_misses_total", {}, get(lookups_[1]));
  out.family("dnsedge_resolver_cache_stale_total", "counter",
             "Flattening targets the zone compiler found stale (refresh failing, last good data served).");
  out.sample("dnsedge_resolver_cache_stale_total", {}, get(lookups_[2]));

  out.family("dnsedge_store_write_duration_seconds", "histogram",
             "Store write transactions, from BEGIN to the end of their COMMIT.");
  uint64_t counts[kStoreWriteBounds.size() + 1];
  for (size_t b = 0; b < std::size(counts); ++b) counts[b] = get(store_buckets_[b]);
  out.histogram("dnsedge_store_write_duration_seconds", {}, kStoreWriteBounds, counts,
                static_cast<double>(get(store_sum_ns_)) * 1e-9);

  out.family("dnsedge_edge_connections_total", "counter", "Connections the edge proxy accepted, by protocol.");
  out.sample("dnsedge_edge_connections_total", {{"protocol", "http"}}, get(edge_connections_[0]));
  out.sample("dnsedge_edge_connections_total", {{"protocol", "https"}}, get(edge_connections_[1]));
  out.family("dnsedge_edge_requests_total", "counter", "HTTP requests the edge proxy read (plain HTTP listeners).");
  out.sample("dnsedge_edge_requests_total", {}, get(edge_requests_));
  out.family("dnsedge_edge_bytes_total", "counter",
             "Bytes the edge proxy and Spectrum read to relay, by where they came from (client, origin).");
  out.sample("dnsedge_edge_bytes_total", {{"direction", "from_client"}}, get(edge_bytes_[0]));
  out.sample("dnsedge_edge_bytes_total", {{"direction", "from_origin"}}, get(edge_bytes_[1]));
  out.family("dnsedge_edge_origin_errors_total", "counter",
             "Requests the edge could not get answered by their origin, by kind.");
  for (size_t k = 0; k < kOriginErrors; ++k) {
    out.sample("dnsedge_edge_origin_errors_total", {{"kind", kOriginErrorNames[k]}}, get(origin_errors_[k]));
  }
  out.family("dnsedge_spectrum_connections_total", "counter", "Connections accepted by Spectrum apps, by protocol.");
  out.sample("dnsedge_spectrum_connections_total", {{"protocol", "tcp"}}, get(spectrum_connections_));
}

}  // namespace dnsedge::metrics
