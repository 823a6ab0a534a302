// Micro-benchmark of what DNS analytics adds per UDP query (Google Benchmark): the worker's part,
// a monotonic clock read and Recorder::record of one answered query, over 10,000 names of one
// zone, with the aggregator merging the handed-over slabs in the background as in `serve`
// (BM_Record/1); BM_Record/0 is the same loop with recording off (the flag test only).
//
//   cmake --build build --target bench_analytics && ./build/bench/micro/bench_analytics
//
// No timing assertions.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "analytics/aggregator.h"
#include "analytics/recorder.h"

namespace {

using namespace dnsedge;

std::string wire(const std::string& text) {
  std::string w;
  size_t start = 0;
  while (start < text.size()) {
    const size_t dot = text.find('.', start);
    const std::string label = text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    w += static_cast<char>(label.size());
    w += label;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  w += '\0';
  return w;
}

void BM_Record(benchmark::State& state) {
  analytics::set_enabled(state.range(0) == 1);
  analytics::Aggregator agg;
  agg.start({});
  const size_t zone_len = wire("example.com").size();
  std::vector<std::string> names;
  for (int i = 0; i < 10000; ++i) names.push_back(wire("host" + std::to_string(i) + ".example.com"));
  {
    analytics::Recorder r(&agg);
    const uint32_t minute = analytics::minute_now();
    const uint64_t batch_us = analytics::monotonic_us();
    size_t i = 0;
    for (auto _ : state) {
      if (r.enabled()) {
        const std::string& n = names[i % names.size()];
        r.record(analytics::Event{reinterpret_cast<const uint8_t*>(n.data()), n.size(), zone_len, 1, 0, 0,
                                  static_cast<uint32_t>(analytics::monotonic_us() - batch_us)},
                 minute);
        if ((i & 63) == 63) r.tick(analytics::monotonic_us() / 1000, minute);  // once a batch
      }
      benchmark::ClobberMemory();
      ++i;
    }
  }
  agg.stop();
  analytics::set_enabled(false);
}
BENCHMARK(BM_Record)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
