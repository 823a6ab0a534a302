#include "metrics/dns_counters.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "metrics/ops.h"
#include "metrics/registry.h"

namespace dnsedge::metrics {
namespace {

TEST(DnsCounters, LabelSetsAreBounded) {
  EXPECT_EQ(qtype_name(qtype_index(1)), "A");
  EXPECT_EQ(qtype_name(qtype_index(28)), "AAAA");
  EXPECT_EQ(qtype_name(qtype_index(65)), "HTTPS");
  EXPECT_EQ(qtype_name(qtype_index(65280)), "other");
  EXPECT_EQ(qtype_name(qtype_index(0)), "other");
  EXPECT_EQ(rcode_name(rcode_index(3)), "NXDOMAIN");
  EXPECT_EQ(rcode_name(rcode_index(16)), "BADVERS");
  EXPECT_EQ(rcode_name(rcode_index(23)), "BADCOOKIE");
  EXPECT_EQ(rcode_name(rcode_index(4095)), "other");
  for (size_t i = 0; i < kQtypes; ++i) EXPECT_FALSE(qtype_name(i).empty());
}

TEST(DnsCounters, ExtendedRcodeFromOpt) {
  uint8_t msg[32] = {};
  msg[3] = 0x03;
  EXPECT_EQ(response_rcode(msg, sizeof msg, 0), 3);
  msg[3] = 0x07;       // 23 = 0x17: low 4 bits 7 ...
  msg[12 + 5] = 0x01;  // ... upper 8 bits 1 in the OPT record at 12
  EXPECT_EQ(response_rcode(msg, sizeof msg, 12), 23);
}

// Every worker counts into its own struct; the registry sums them, and keeps the counts of a
// worker that went away.
TEST(DnsCounters, PerWorkerCountsSumAtScrape) {
  Registry& reg = Registry::global();
  const DnsTotals before = reg.dns_totals();
  constexpr int kWorkers = 4, kEach = 10000;
  std::vector<std::unique_ptr<DnsCounters>> workers;
  for (int i = 0; i < kWorkers; ++i) workers.push_back(std::make_unique<DnsCounters>());
  std::vector<std::thread> threads;
  for (int i = 0; i < kWorkers; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < kEach; ++n) {
        workers[i]->response(Transport::kUdp, 1, 0, 100, false);
        if (n % 10 == 0) workers[i]->response(Transport::kTcp, 65280, 3, 2000, true);
      }
      workers[i]->drop(Transport::kUdp, Drop::kRateLimited);
      workers[i]->handoff(Transport::kTcp, 1);
      workers[i]->handoff(Transport::kTcp, 0);  // a plain query: not a handoff, not counted
    });
  }
  for (auto& t : threads) t.join();
  workers.pop_back();  // retired: its counts stay
  const DnsTotals after = reg.dns_totals();
  EXPECT_EQ(after.queries_of(Transport::kUdp, 1, 0) - before.queries_of(Transport::kUdp, 1, 0),
            uint64_t{kWorkers * kEach});
  EXPECT_EQ(after.queries_of(Transport::kTcp, 65280, 3) - before.queries_of(Transport::kTcp, 65280, 3),
            uint64_t{kWorkers * kEach / 10});
  EXPECT_EQ(after.truncated[1] - before.truncated[1], uint64_t{kWorkers * kEach / 10});
  EXPECT_EQ(after.dropped[0][0] - before.dropped[0][0], uint64_t{kWorkers});
  EXPECT_EQ(after.handoff[1][0] - before.handoff[1][0], uint64_t{kWorkers});
  EXPECT_EQ(after.size_sum[0] - before.size_sum[0], uint64_t{kWorkers * kEach * 100});
  // 100 bytes fall in the (64, 128] bucket; 2000 in (1500, 4096].
  EXPECT_EQ(after.size_buckets[0][1] - before.size_buckets[0][1], uint64_t{kWorkers * kEach});
  EXPECT_EQ(after.size_buckets[1][8] - before.size_buckets[1][8], uint64_t{kWorkers * kEach / 10});
}

TEST(Registry, ScrapeHasFamiliesWithMnemonicLabels) {
  DnsCounters c;
  c.response(Transport::kUdp, 28, 3, 80, false);
  Registry::global().api_request("GET", "zones/{zone_id}", 200, 0.002);
  Registry::global().publish(0.01);
  const uint64_t id = Registry::global().add_collector([](Exposition& e) {
    e.family("dnsedge_test_gauge", "gauge", "A test's gauge.");
    e.sample("dnsedge_test_gauge", {}, uint64_t{7});
  });
  const std::string s = Registry::global().scrape();
  Registry::global().remove_collector(id);
  EXPECT_NE(s.find("# TYPE dnsedge_dns_queries_total counter\n"), std::string::npos);
  EXPECT_NE(s.find("dnsedge_dns_queries_total{transport=\"udp\",qtype=\"AAAA\",rcode=\"NXDOMAIN\"} "),
            std::string::npos);
  EXPECT_NE(s.find("dnsedge_api_requests_total{method=\"GET\",route=\"zones/{zone_id}\",code=\"200\"} "),
            std::string::npos);
  EXPECT_NE(s.find("dnsedge_build_info{version=\""), std::string::npos);
  EXPECT_NE(s.find("# TYPE dnsedge_publish_compile_seconds histogram\n"), std::string::npos);
  EXPECT_NE(s.find("dnsedge_test_gauge 7\n"), std::string::npos);
  EXPECT_EQ(Registry::global().scrape().find("dnsedge_test_gauge"), std::string::npos);
}

}  // namespace
}  // namespace dnsedge::metrics

namespace dnsedge::metrics {
namespace {

TEST(DnsCounters, ExtendedRcodeFoundByWalking) {
  // Header (1 question, 1 additional), question "a." A IN, then OPT with EXTENDED-RCODE 1
  // and header rcode 0: BADVERS (16).
  const uint8_t msg[] = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,  // header
                         1,    'a',  0,    0,    1, 0, 1,                 // question
                         0,    0,    41,   4,    0, 1, 0, 0, 0, 0, 0};    // OPT, ext rcode 1
  EXPECT_EQ(response_rcode(msg, sizeof msg), 16);
  EXPECT_EQ(response_rcode(msg, 19), 0);  // no room for the OPT: the header's bits
}

}  // namespace
}  // namespace dnsedge::metrics

namespace dnsedge::metrics {
namespace {

size_t count_lines_starting(const std::string& text, const std::string& prefix) {
  size_t n = 0;
  for (size_t at = 0; (at = text.find("\n" + prefix, at)) != std::string::npos; ++at) ++n;
  return n;
}

TEST(DnsCounters, AnswersByKindAndLatencyHistogram) {
  DnsTotals before = Registry::global().dns_totals();
  {
    DnsCounters c;
    c.answer(1);
    c.answer(1);
    c.answer(5);
    c.answer(6);                                   // out of range: not counted
    c.latency(Transport::kUdp, 30'000, 4);         // 30 µs: the (25 µs, 50 µs] bucket, 4 queries
    c.latency(Transport::kTcp, 2'000'000'000, 1);  // 2 s: above the last bound
  }
  const DnsTotals after = Registry::global().dns_totals();
  EXPECT_EQ(after.answers[1] - before.answers[1], 2u);
  EXPECT_EQ(after.answers[5] - before.answers[5], 1u);
  EXPECT_EQ(after.latency_buckets[0][2] - before.latency_buckets[0][2], 4u);
  EXPECT_EQ(after.latency_sum_ns[0] - before.latency_sum_ns[0], 120'000u);
  EXPECT_EQ(after.latency_buckets[1][kDnsLatencyBuckets - 1] - before.latency_buckets[1][kDnsLatencyBuckets - 1], 1u);
  EXPECT_EQ(answer_kind_name(3), "dc_record");
  const std::string s = Registry::global().scrape();
  EXPECT_NE(s.find("dnsedge_dns_answers_total{kind=\"proxied\"} "), std::string::npos);
  EXPECT_NE(s.find("dnsedge_dns_request_duration_seconds_bucket{transport=\"udp\",le=\"+Inf\"} "), std::string::npos);
}

// Per-zone counts: named zones sum across workers; only the kTopZones busiest get a series of
// their own, everything else (other zones, unnamed keys, table overflow) is zone="other".
TEST(DnsCounters, BusiestZonesAreBoundedAndTheRestIsOther) {
  std::vector<std::pair<std::string, std::string>> names;
  for (int i = 0; i < 200; ++i) {
    const std::string label = "z" + std::to_string(i);
    names.emplace_back(std::string(1, static_cast<char>(label.size())) + label + std::string("\0", 1), label + ".");
  }
  Registry::ZoneCounts counts;
  {
    DnsCounters a, b;
    uint64_t total = 0;
    for (int i = 0; i < 200; ++i) {
      const uint64_t key = zone_key(names[i].first);
      for (int n = 0; n < i + 1; ++n) (n % 2 ? a : b).zone(key);  // zone i gets i+1 queries
      total += i + 1;
    }
    for (int i = 0; i < 1000; ++i) a.zone(zone_key("unnamed" + std::to_string(i)));  // fills a's table
    total += 1000;
    counts = Registry::global().zone_counts();
    uint64_t sum = counts.overflow;
    for (const auto& [k, n] : counts.by_key) sum += n;
    EXPECT_GE(sum, total);
    EXPECT_GT(counts.overflow, 0u);  // 1200 keys do not fit a 512-slot table
  }
  Exposition out;
  write_zones(counts, names, out);
  const std::string& s = out.text();
  EXPECT_EQ(count_lines_starting(s, "dnsedge_dns_zone_queries_total{"), kTopZones + 1);
  EXPECT_NE(s.find("dnsedge_dns_zone_queries_total{zone=\"z199.\"} 200\n"), std::string::npos) << s;
  EXPECT_NE(s.find("dnsedge_dns_zone_queries_total{zone=\"z180.\"} 181\n"), std::string::npos);
  EXPECT_EQ(s.find("zone=\"z179.\""), std::string::npos);
  EXPECT_NE(s.find("dnsedge_dns_zone_queries_total{zone=\"other\"} "), std::string::npos);
}

TEST(Ops, FamiliesHaveBoundedLabels) {
  Ops& ops = Ops::global();
  ops.transfer(Direction::kOut, Outcome::kSuccess);
  ops.notify(Direction::kIn, Outcome::kFailure);
  ops.resolver_lookup(CacheLookup::kStale);
  ops.store_write(0.003);
  ops.edge_connection(EdgeProtocol::kHttps);
  ops.edge_bytes(EdgeDirection::kFromOrigin, 1234);
  ops.origin_error(OriginError::kConnectTimeout);
  ops.spectrum_connection();
  Exposition out;
  ops.write(out);
  const std::string& s = out.text();
  EXPECT_NE(s.find("dnsedge_xfr_transfers_total{direction=\"out\",result=\"success\"} "), std::string::npos);
  EXPECT_NE(s.find("dnsedge_xfr_notify_total{direction=\"in\",result=\"failure\"} "), std::string::npos);
  EXPECT_NE(s.find("dnsedge_resolver_cache_stale_total "), std::string::npos);
  EXPECT_NE(s.find("dnsedge_store_write_duration_seconds_bucket{le=\"+Inf\"} "), std::string::npos);
  EXPECT_NE(s.find("dnsedge_edge_connections_total{protocol=\"https\"} "), std::string::npos);
  EXPECT_NE(s.find("dnsedge_edge_bytes_total{direction=\"from_origin\"} "), std::string::npos);
  EXPECT_NE(s.find("dnsedge_edge_origin_errors_total{kind=\"connect_timeout\"} "), std::string::npos);
  EXPECT_NE(s.find("dnsedge_spectrum_connections_total{protocol=\"tcp\"} "), std::string::npos);
}

}  // namespace
}  // namespace dnsedge::metrics
