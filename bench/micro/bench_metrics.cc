// Micro-benchmark of what the DNS metrics add per query (Google Benchmark): auth::answer over a
// small zone, alone (BM_Answer/0) and followed by what the UDP worker does to count the response
// (BM_Answer/1: the extended rcode read and DnsCounters::response into the thread's own block).
//
//   cmake --build build --target bench_metrics && ./build/bench/micro/bench_metrics
//
// No timing assertions.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "auth/answer.h"
#include "dns/name.h"
#include "dns/zonefile.h"
#include "metrics/dns_counters.h"

namespace {

using namespace dnsedge;

constexpr const char* kZone = R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.80
www AAAA 2001:db8::80
api A 192.0.2.81
)";

std::vector<uint8_t> query(const std::string& qname, uint16_t qtype) {
  std::vector<uint8_t> p = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  const std::string n = dns::name_from_text(qname).value();
  p.insert(p.end(), n.begin(), n.end());
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  return p;
}

void BM_Answer(benchmark::State& state) {
  const bool count = state.range(0) == 1;
  const std::string origin = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text(kZone, origin);
  auto cat = view::Catalog::build({view::ZoneView::compile(origin, zt->records).value()});
  std::vector<std::vector<uint8_t>> queries;
  for (const char* n : {"www.example.com.", "api.example.com.", "nope.example.com.", "example.com."}) {
    queries.push_back(query(n, 1));
  }
  queries.push_back(query("www.example.com.", 28));
  queries.push_back(query("www.example.com.", 16));
  queries.push_back(query("www.example.com.", 65));
  queries.push_back(query("www.example.com.", 15));
  metrics::DnsCounters counters;
  std::vector<uint8_t> out(dns::kMaxUdpPayload);
  size_t i = 0;
  for (auto _ : state) {
    const auto& q = queries[i++ & 7];
    auth::AnswerInfo info;
    const size_t n = auth::answer(*cat, q, out, auth::Transport::kUdp, nullptr, &info);
    benchmark::DoNotOptimize(n);
    if (count) {
      const uint16_t rcode = metrics::response_rcode(out.data(), n, info.opt_begin);
      counters.response(metrics::Transport::kUdp, info.qtype, rcode, n, (out[2] & 0x02) != 0);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Answer)->DenseRange(0, 1)->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
