#include "metrics/dns_counters.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

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
