#include "metrics/dns_counters.h"

#include "metrics/registry.h"

namespace dnsedge::metrics {
namespace {

constexpr std::string_view kQtypeNames[kQtypes] = {
    "A",     "NS",   "CNAME", "SOA",  "PTR",   "MX",  "TXT", "AAAA", "SRV",  "NAPTR", "DS",  "RRSIG", "NSEC", "DNSKEY",
    "NSEC3", "TLSA", "SSHFP", "SVCB", "HTTPS", "CAA", "URI", "SPF",  "IXFR", "AXFR",  "ANY", "HINFO", "other"};
constexpr uint16_t kQtypeValues[kQtypes - 1] = {1,  2,  5,  6,  12, 15, 16,  28,  33, 35,  43,  46,  47,
                                                48, 50, 52, 44, 64, 65, 257, 256, 99, 251, 252, 255, 13};

constexpr std::string_view kRcodeNames[kRcodes] = {"NOERROR", "FORMERR",  "SERVFAIL",  "NXDOMAIN", "NOTIMP",
                                                   "REFUSED", "YXDOMAIN", "YXRRSET",   "NXRRSET",  "NOTAUTH",
                                                   "NOTZONE", "BADVERS",  "BADCOOKIE", "other"};

}  // namespace

std::string_view transport_name(size_t index) noexcept { return index == 0 ? "udp" : "tcp"; }

std::string_view drop_name(size_t index) noexcept {
  switch (index) {
    case 0:
      return "rate_limited";
    case 1:
      return "unanswerable";
    default:
      return "oversize";
  }
}

std::string_view handoff_name(size_t index) noexcept {
  switch (index) {
    case 0:
      return "transfer";
    case 1:
      return "notify";
    default:
      return "signed";
  }
}

std::string_view answer_kind_name(size_t index) noexcept {
  static constexpr std::string_view kNames[kAnswerKinds] = {"static",    "proxied", "flattened",
                                                            "dc_record", "stale",   "servfail"};
  return kNames[index < kAnswerKinds ? index : 0];
}

size_t qtype_index(uint16_t qtype) noexcept {
  // A and AAAA, most of the traffic, without the search.
  if (qtype == 1) return 0;
  if (qtype == 28) return 7;
  for (size_t i = 0; i < kQtypes - 1; ++i) {
    if (kQtypeValues[i] == qtype) return i;
  }
  return kQtypes - 1;
}

size_t rcode_index(uint16_t rcode) noexcept {
  if (rcode <= 10) return rcode;
  if (rcode == 16) return 11;
  if (rcode == 23) return 12;
  return kRcodes - 1;
}

std::string_view qtype_name(size_t index) noexcept { return kQtypeNames[index < kQtypes ? index : kQtypes - 1]; }
std::string_view rcode_name(size_t index) noexcept { return kRcodeNames[index < kRcodes ? index : kRcodes - 1]; }

uint16_t response_rcode(const uint8_t* response, size_t len, size_t opt_begin) noexcept {
  if (len < 4) return 0;
  uint16_t rcode = response[3] & 0x0f;
  // OPT: root name (1), type (2), class (2), then the TTL's first octet is EXTENDED-RCODE.
  if (opt_begin != 0 && opt_begin + 6 <= len) rcode |= static_cast<uint16_t>(response[opt_begin + 5]) << 4;
  return rcode;
}

namespace {
// The offset just past the (possibly compressed) name at `at`, or 0 when it runs off the end.
size_t skip_name(const uint8_t* m, size_t len, size_t at) noexcept {
  while (at < len) {
    const uint8_t l = m[at];
    if (l == 0) return at + 1;
    if ((l & 0xc0) == 0xc0) return at + 2 <= len ? at + 2 : 0;
    if ((l & 0xc0) != 0) return 0;
    at += 1 + size_t{l};
  }
  return 0;
}
}  // namespace

uint16_t response_rcode(const uint8_t* m, size_t len) noexcept {
  if (len < 12) return len >= 4 ? m[3] & 0x0f : 0;
  auto count = [&](size_t i) { return static_cast<size_t>((m[4 + 2 * i] << 8) | m[5 + 2 * i]); };
  size_t at = 12;
  for (size_t i = 0; i < count(0); ++i) {
    at = skip_name(m, len, at);
    if (at == 0 || at + 4 > len) return m[3] & 0x0f;
    at += 4;
  }
  const size_t records = count(1) + count(2) + count(3);
  for (size_t i = 0; i < records; ++i) {
    const size_t begin = at;
    at = skip_name(m, len, at);
    if (at == 0 || at + 10 > len) break;
    const uint16_t type = static_cast<uint16_t>((m[at] << 8) | m[at + 1]);
    if (type == 41 && i >= count(1) + count(2)) return response_rcode(m, len, begin);
    at += 10 + static_cast<size_t>((m[at + 8] << 8) | m[at + 9]);
  }
  return m[3] & 0x0f;
}

void DnsTotals::add(const DnsTotals& o) noexcept {
  for (size_t t = 0; t < kTransports; ++t) {
    for (size_t q = 0; q < kQtypes; ++q) {
      for (size_t r = 0; r < kRcodes; ++r) queries[t][q][r] += o.queries[t][q][r];
    }
    for (size_t b = 0; b < kSizeBuckets; ++b) size_buckets[t][b] += o.size_buckets[t][b];
    size_sum[t] += o.size_sum[t];
    truncated[t] += o.truncated[t];
    for (size_t d = 0; d < kDropReasons; ++d) dropped[t][d] += o.dropped[t][d];
    for (size_t k = 0; k < kHandoffKinds; ++k) handoff[t][k] += o.handoff[t][k];
    for (size_t b = 0; b < kDnsLatencyBuckets; ++b) latency_buckets[t][b] += o.latency_buckets[t][b];
    latency_sum_ns[t] += o.latency_sum_ns[t];
  }
  for (size_t k = 0; k < kAnswerKinds; ++k) answers[k] += o.answers[k];
}

DnsCounters::DnsCounters() { Registry::global().add(this); }

DnsCounters::~DnsCounters() { Registry::global().remove(this); }

void DnsCounters::add_to(DnsTotals& out) const noexcept {
  constexpr auto r = std::memory_order_relaxed;
  for (size_t t = 0; t < kTransports; ++t) {
    for (size_t q = 0; q < kQtypes; ++q) {
      for (size_t c = 0; c < kRcodes; ++c) out.queries[t][q][c] += queries_[t][q][c].load(r);
    }
    for (size_t b = 0; b < kSizeBuckets; ++b) out.size_buckets[t][b] += size_buckets_[t][b].load(r);
    out.size_sum[t] += size_sum_[t].load(r);
    out.truncated[t] += truncated_[t].load(r);
    for (size_t d = 0; d < kDropReasons; ++d) out.dropped[t][d] += dropped_[t][d].load(r);
    for (size_t k = 0; k < kHandoffKinds; ++k) out.handoff[t][k] += handoff_[t][k].load(r);
    for (size_t b = 0; b < kDnsLatencyBuckets; ++b) out.latency_buckets[t][b] += latency_buckets_[t][b].load(r);
    out.latency_sum_ns[t] += latency_sum_ns_[t].load(r);
  }
  for (size_t k = 0; k < kAnswerKinds; ++k) out.answers[k] += answers_[k].load(r);
}

}  // namespace dnsedge::metrics
