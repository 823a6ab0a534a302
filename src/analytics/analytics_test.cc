// Recorders, the aggregator and the report engine (analytics/*.h).
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "analytics/aggregator.h"
#include "analytics/recorder.h"
#include "analytics/report.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace dnsedge::analytics {
namespace {

// The current minute (the aggregator keeps the last 7 days of the wall clock).
const uint32_t kMinute = static_cast<uint32_t>(time(nullptr) / 60);

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

struct Recording {
  bool was = enabled();
  Recording() { set_enabled(true); }
  ~Recording() { set_enabled(was); }
};

void record(Recorder& r, const std::string& name, const std::string& zone, uint16_t qtype, uint16_t rcode,
            uint8_t kind = 0, uint32_t micros = 10, uint32_t minute = kMinute) {
  const std::string w = wire(name);
  Event e;
  e.qname = reinterpret_cast<const uint8_t*>(w.data());
  e.qname_len = w.size();
  e.zone_len = zone.empty() ? 0 : wire(zone).size();
  e.qtype = qtype;
  e.rcode = rcode;
  e.kind = kind;
  e.micros = micros;
  r.record(e, minute);
}

struct Totals {
  uint64_t count = 0, other = 0, time_us = 0;
  size_t names = 0;
};

Totals totals(const Aggregator& a, const std::string& zone, int64_t since = 0, int64_t until = INT64_MAX) {
  Totals t;
  a.scan(zone, since, until, [&](int64_t, std::string_view name, const Cell& c) {
    t.count += c.count;
    t.time_us += c.time_us;
    if (name.empty()) t.other += c.count;
  });
  return t;
}

std::function<int64_t()> fixed_clock(int64_t m) {
  return [m] { return m; };
}

TEST(AnalyticsRecorder, DisabledRecordsNothing) {
  Aggregator agg;
  {
    Recorder r(&agg);
    record(r, "www.example.com", "example.com", 1, 0);
  }
  EXPECT_EQ(totals(agg, "example.com").count, 0u);
}

TEST(AnalyticsRecorder, CountsEveryQueryOfOneWorkerExactly) {
  Recording on;
  Aggregator agg;
  {
    Recorder r(&agg);
    for (int i = 0; i < 1000; ++i) record(r, "www.example.com", "example.com", 1, 0, 0, 20);
    for (int i = 0; i < 10; ++i) record(r, "nope.example.com", "example.com", 28, 3);
    record(r, "elsewhere.test", "", 1, 5);  // in no zone
    agg.pass();
  }  // the recorder hands over what it still holds
  const Totals t = totals(agg, "example.com");
  EXPECT_EQ(t.count, 1010u);
  EXPECT_EQ(t.time_us, 1000u * 20 + 10 * 10);
  EXPECT_EQ(agg.stats().no_zone, 1u);
  std::map<std::string, uint64_t> by;
  agg.scan("example.com", 0, INT64_MAX, [&](int64_t, std::string_view n, const Cell& c) {
    by[std::string(n) + "/" + std::to_string(c.qtype) + "/" + std::to_string(c.rcode)] += c.count;
  });
  EXPECT_EQ(by["www.example.com/1/0"], 1000u);
  EXPECT_EQ(by["nope.example.com/28/3"], 10u);
}

// Many workers record at once while the aggregator merges: not one count is lost.
TEST(AnalyticsRecorder, ConcurrentWorkersAreExact) {
  Recording on;
  Aggregator agg;
  agg.start({}, fixed_clock(kMinute));
  constexpr int kThreads = 4, kPerThread = 200000;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&agg, t] {
      Recorder r(&agg);
      uint64_t ms = 0;
      for (int i = 0; i < kPerThread; ++i) {
        // Many distinct names, so slabs fill and trade places often.
        record(r, "n" + std::to_string((i * 7 + t) % 5000) + ".example.com", "example.com", i % 3 == 0 ? 28 : 1, 0);
        if (i % 1000 == 0) r.tick(ms += 250, kMinute);
      }
    });
  }
  for (auto& t : ts) t.join();
  agg.stop();
  const Totals t = totals(agg, "example.com");
  EXPECT_EQ(t.count, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(agg.stats().unattributed, 0u);
  EXPECT_LE(agg.stats().names, 100u);  // per zone and minute
}

// A flood of random names: the names kept stay bounded, the counts exact.
TEST(AnalyticsAggregator, RandomNameFloodIsBoundedAndExact) {
  Recording on;
  AggregatorOptions o;
  o.names = 50;
  o.max_cells = 5000;
  Aggregator agg(o);
  agg.start({}, fixed_clock(kMinute));
  uint64_t sent = 0;
  {
    Recorder r(&agg);
    uint64_t ms = 0;
    for (int i = 0; i < 300000; ++i) {
      record(r, "r" + std::to_string(i * 2654435761u % 1000003) + ".example.com", "example.com", 1, 3);
      ++sent;
      if (i < 2000) record(r, "hot.example.com", "example.com", 1, 0), ++sent;
      if (i % 500 == 0) r.tick(ms += 250, kMinute);
    }
  }
  agg.stop();
  const AggregatorStats s = agg.stats();
  EXPECT_LE(s.names, 50u);
  EXPECT_LE(s.cells, 5000u);
  EXPECT_EQ(totals(agg, "example.com").count, sent);
  EXPECT_GT(s.evicted_names, 0u);
  // The heavy hitter survives the flood: kept as a name, with all but the counts it had before it
  // was heavy (those went to "other" when it lost its place early on).
  uint64_t hot = 0;
  agg.scan("example.com", 0, INT64_MAX, [&](int64_t, std::string_view n, const Cell& c) {
    if (n == "hot.example.com") hot += c.count;
  });
  EXPECT_GE(hot, 1900u);
  EXPECT_LE(hot, 2000u);
}

TEST(AnalyticsAggregator, CapFoldsOldMinutesIntoOtherKeepingCounts) {
  AggregatorOptions o;
  o.names = 100;
  o.max_cells = 30;
  Aggregator agg(o);
  std::vector<Row> rows;
  for (int m = 0; m < 3; ++m) {
    for (int i = 0; i < 20; ++i) rows.push_back(Row{kMinute + m, "example.com", "n" + std::to_string(i), Cell{1, 0, 0, 2, 4}});
  }
  agg.load(rows);  // 60 cells over the cap of 30
  EXPECT_LE(agg.stats().cells, 30u);
  EXPECT_EQ(totals(agg, "example.com").count, 120u);
  EXPECT_EQ(totals(agg, "example.com", kMinute + 2, kMinute + 2).other, 0u);  // the newest keeps its names
}

// A million distinct names over 20 zones and the last 3,000 minutes (about 17 names per zone
// and minute, so the names are kept and the cell cap does the bounding): counts stay exact and
// the aggregate's own accounting stays under max_cells × kMaxBytesPerCell.
TEST(AnalyticsAggregator, MillionNameFloodStaysUnderTheMemoryBound) {
  Recording on;
  const AggregatorOptions o;  // the defaults the server runs with
  Aggregator agg(o);
  const uint16_t types[] = {1, 28, 15, 16, 33, 5, 2, 6};
  uint64_t sent = 0;
  std::map<int64_t, uint64_t> sent_in;  // per minute
  {
    Recorder r(&agg);
    uint64_t ms = 0;
    const int kMinutes = 3000;
    const int kNames = 1000000;
    for (int m = 0; m < kMinutes; ++m) {
      const uint32_t minute = kMinute - (kMinutes - 1 - m);
      for (int i = m * (kNames / kMinutes); i < (m + 1) * (kNames / kMinutes) || (m == kMinutes - 1 && i < kNames);
           ++i) {
        const std::string zone = "zone" + std::to_string(i % 20) + ".example";
        record(r, "flood-" + std::to_string(i) + "-name." + zone, zone, types[i % 8], i % 3 == 0 ? 3 : 0, 0, 10,
               minute);
        ++sent;
        ++sent_in[minute];
      }
      r.tick(ms += 250, minute);
      agg.pass();
    }
  }
  agg.pass();  // the recorder's last counts were merged when it went: bound them too
  const AggregatorStats s = agg.stats();
  // Every query was counted; the minutes still held (the cap drops the oldest) hold all of theirs.
  EXPECT_EQ(sent, 1000000u);
  EXPECT_EQ(s.queries, sent);
  EXPECT_EQ(s.unattributed, 0u);
  std::map<int64_t, uint64_t> held;
  for (int z = 0; z < 20; ++z) {
    agg.scan("zone" + std::to_string(z) + ".example", 0, INT64_MAX,
             [&](int64_t minute, std::string_view, const Cell& c) { held[minute] += c.count; });
  }
  ASSERT_GE(held.size(), 500u);
  EXPECT_EQ(held.rbegin()->first, int64_t{kMinute});
  for (const auto& [minute, count] : held) EXPECT_EQ(count, sent_in[minute]) << minute;
  EXPECT_GT(s.evicted_names, 0u);  // the cap folded the oldest minutes' names
  EXPECT_LE(s.cells, o.max_cells);
  EXPECT_GT(s.bytes, 0u);
  EXPECT_LE(s.bytes, s.cells * kMaxBytesPerCell);
  EXPECT_LE(s.bytes, o.max_cells * kMaxBytesPerCell);
  std::printf("1M-name flood: %zu cells, %zu names, %zu minutes, %zu bytes held\n", s.cells, s.names, s.minutes,
              s.bytes);
}

// The most a cell can cost: the longest names and zones, each cell alone in its name, its zone
// and its minute, and a minute with many zones of one cell each.
TEST(AnalyticsAggregator, LongestNamesStayUnderThePerCellBound) {
  const std::string label(63, 'x');
  const std::string zone = label + "." + label + "." + label + "." + std::string(61, 'z');  // 253 characters
  ASSERT_EQ(zone.size(), 253u);
  std::vector<Row> rows;
  for (int m = 0; m < 2000; ++m) rows.push_back(Row{kMinute - m, zone, zone, Cell{1, 0, 0, 1, 1}});
  for (int i = 0; i < 3000; ++i) {
    std::string z = std::to_string(i) + zone.substr(std::to_string(i).size());
    rows.push_back(Row{kMinute, z, z, Cell{1, 0, 0, 1, 1}});
  }
  Aggregator agg;
  agg.load(rows);
  const AggregatorStats s = agg.stats();
  EXPECT_EQ(s.cells, rows.size());
  EXPECT_LE(s.bytes, s.cells * kMaxBytesPerCell);
  std::printf("longest names: %zu cells, %zu bytes held, %zu per cell\n", s.cells, s.bytes, s.bytes / s.cells);
}

// Many query types for one name fill the cap within the newest minute: its names fold into
// "other" and a new type counts as type 0, so the cells stay at the cap and the counts exact.
TEST(AnalyticsAggregator, NewestMinuteAtTheCapCountsNewTypesAsTypeZero) {
  AggregatorOptions o;
  o.names = 10;
  o.max_cells = 50;
  Aggregator agg(o);
  std::vector<Row> rows;
  for (uint16_t t = 1; t <= 1000; ++t)
    rows.push_back(Row{kMinute, "example.com", "a.example.com", Cell{t, 0, 0, 2, 4}});
  agg.load(rows);
  const AggregatorStats s = agg.stats();
  EXPECT_LE(s.cells, o.max_cells + 1);
  EXPECT_EQ(s.overflow, 2u * (1000 - o.max_cells));
  const Totals t = totals(agg, "example.com");
  EXPECT_EQ(t.count, 2000u);
  EXPECT_EQ(t.other, 2000u);
  uint64_t type0 = 0;
  agg.scan("example.com", 0, INT64_MAX, [&](int64_t, std::string_view, const Cell& c) {
    if (c.qtype == 0) type0 += c.count;
  });
  EXPECT_EQ(type0, s.overflow);
}

TEST(AnalyticsAggregator, FlushesFinishedMinutesAndRetention) {
  Recording on;
  std::atomic<int64_t> now{kMinute};
  std::mutex mu;
  std::vector<MinuteRows> flushed;
  int64_t pruned = 0;
  Aggregator agg;
  agg.start(
      [&](std::vector<MinuteRows> m, int64_t prune) {
        std::lock_guard l(mu);
        for (auto& x : m) flushed.push_back(std::move(x));
        pruned = prune;
      },
      [&] { return now.load(); });
  {
    Recorder r(&agg);
    record(r, "a.example.com", "example.com", 1, 0, 0, 10, kMinute);
    record(r, "a.example.com", "example.com", 1, 0, 0, 10, kMinute + 1);
  }
  now = kMinute + 2;  // kMinute is over; kMinute + 1 is the previous minute, still open
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard l(mu);
      if (!flushed.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  {
    std::lock_guard l(mu);
    ASSERT_EQ(flushed.size(), 1u);
    EXPECT_EQ(flushed[0].minute, kMinute);
    ASSERT_EQ(flushed[0].rows.size(), 1u);
    EXPECT_EQ(flushed[0].rows[0].name, "a.example.com");
    EXPECT_EQ(pruned, kMinute + 2 - kKeepMinutes);
  }
  agg.stop();  // the rest goes too
  std::lock_guard l(mu);
  ASSERT_EQ(flushed.size(), 2u);
  EXPECT_EQ(flushed[1].minute, kMinute + 1);
}

TEST(AnalyticsAggregator, DropsMinutesPastRetention) {
  Aggregator agg;
  agg.load({Row{1000, "example.com", "a.example.com", Cell{1, 0, 0, 5, 0}}});  // long ago
  EXPECT_EQ(totals(agg, "example.com").count, 0u);
}

// ---- reports ------------------------------------------------------------------------------

const int64_t kNow = int64_t{kMinute} * 60 + 30;

Result<ReportSpec> parse(ReportParams p, bool by_time = false) { return parse_report(p, by_time, kNow); }

TEST(AnalyticsReport, Defaults) {
  auto s = parse({});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->dims.empty());
  ASSERT_EQ(s->metrics.size(), 1u);
  EXPECT_EQ(s->metrics[0], Metric::kQueryCount);
  EXPECT_EQ(s->until_s, kNow);
  EXPECT_EQ(s->since_s, kNow - 6 * 3600);
}

TEST(AnalyticsReport, ParsesFiltersWithAndBeforeOr) {
  ReportParams p;
  p.filters = "queryType==A;responseCode==NOERROR,queryType==AAAA";
  auto s = parse(p);
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->filters.size(), 2u);
  ASSERT_EQ(s->filters[0].size(), 2u);
  EXPECT_EQ(s->filters[0][1].dim, Dim::kResponseCode);
  EXPECT_EQ(s->filters[1][0].value, "AAAA");
  p.filters = "queryType!=A AND answerKind==proxied OR queryName==x.example.com";
  s = parse(p);
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->filters.size(), 2u);
  EXPECT_FALSE(s->filters[0][0].equal);
}

TEST(AnalyticsReport, BadParametersAreBadQuery) {
  const auto refused = [](ReportParams p, bool by_time, const std::string& says) {
    auto s = parse_report(p, by_time, kNow);
    ASSERT_FALSE(s) << says;
    EXPECT_EQ(s.error().code, errc::kBadQuery);
    EXPECT_NE(s.error().message.find(says), std::string::npos) << s.error().message;
  };
  refused(ReportParams{.dimensions = "queryName,bogus"}, false, "bogus");
  refused(ReportParams{.dimensions = "queryName,queryName"}, false, "twice");
  refused(ReportParams{.metrics = "queryCount,responseTime99th"}, false, "responseTime99th");
  refused(ReportParams{.since = "yesterday"}, false, "ISO 8601");
  refused(ReportParams{.since = "2030-01-01T00:00:00Z"}, false, "before until");
  refused(ReportParams{.filters = "queryType>A"}, false, "operator >");
  refused(ReportParams{.filters = "colour==red"}, false, "colour");
  refused(ReportParams{.filters = "queryType=="}, false, "no value");
  refused(ReportParams{.metrics = "uncachedCount", .sort = "-queryCount"}, false, "requested");
  refused(ReportParams{.limit = "ten"}, false, "limit");
  refused(ReportParams{.limit = "0"}, false, "at least 1");
  refused(ReportParams{.time_delta = "fortnight"}, true, "fortnight");
  refused(ReportParams{.since = "-10080", .time_delta = "minute"}, true, "intervals");
}

TEST(AnalyticsReport, CapsLimitAndRange) {
  auto s = parse(ReportParams{.since = "2001-01-01T00:00:00Z", .limit = "99999999999"});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->limit, kMaxLimit);
  EXPECT_EQ(s->since_s, kNow - kKeepMinutes * 60);
}

TEST(AnalyticsReport, Iso8601) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:01:00Z"), 60);
  EXPECT_EQ(parse_iso8601("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_iso8601("1970-01-02"), 86400);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01.500Z"), 1);
  EXPECT_FALSE(parse_iso8601("1970-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("1970-01-01T00:00:00"));
  EXPECT_EQ(iso8601(86400 + 61), "1970-01-02T00:01:01Z");
}

Aggregator& sample(Aggregator& agg) {
  agg.load({
      Row{kMinute, "example.com", "www.example.com", Cell{1, 0, 1, 10, 10000}},      // A NOERROR proxied
      Row{kMinute, "example.com", "www.example.com", Cell{28, 0, 1, 5, 5000}},       // AAAA NOERROR proxied
      Row{kMinute - 5, "example.com", "mail.example.com", Cell{15, 0, 0, 3, 3000}},  // MX
      Row{kMinute, "example.com", "nx.example.com", Cell{1, 3, 0, 2, 2000}},         // A NXDOMAIN
      Row{kMinute, "example.com", "", Cell{1, 3, 0, 7, 7000}},                        // other
      Row{kMinute, "other.test", "www.other.test", Cell{1, 0, 0, 100, 0}},
  });
  return agg;
}

TEST(AnalyticsReport, GroupsSortsAndTotals) {
  Aggregator agg;
  sample(agg);
  auto s = parse(ReportParams{.dimensions = "queryName,queryType", .metrics = "queryCount,responseTimeAvg",
                              .sort = "-queryCount"});
  ASSERT_TRUE(s) << s.error().message;
  auto r = run_report(*s, agg, "example.com", "colo1");
  EXPECT_EQ(r["totals"]["queryCount"], 27);
  EXPECT_EQ(r["rows"], 5);
  ASSERT_EQ(r["data"].size(), 5u);
  EXPECT_EQ(r["data"][0]["dimensions"], nlohmann::ordered_json::array({"www.example.com", "A"}));
  EXPECT_EQ(r["data"][0]["metrics"][0], 10);
  EXPECT_EQ(r["data"][0]["metrics"][1], 1);  // 1000 us = 1 ms average
  EXPECT_EQ(r["data"][1]["dimensions"][0], "(other)");
  EXPECT_EQ(r["max"]["queryCount"], 10);
  EXPECT_EQ(r["min"]["queryCount"], 2);
  EXPECT_EQ(r["query"]["dimensions"], nlohmann::ordered_json::array({"queryName", "queryType"}));
  EXPECT_EQ(r["query"]["sort"], nlohmann::ordered_json::array({"-queryCount"}));
}

TEST(AnalyticsReport, FiltersAndLimit) {
  Aggregator agg;
  sample(agg);
  auto s = parse(ReportParams{.dimensions = "responseCode,answerKind,coloName",
                              .filters = "queryType==a;responseCode==NOERROR,queryType==MX", .limit = "1"});
  ASSERT_TRUE(s) << s.error().message;
  auto r = run_report(*s, agg, "example.com", "colo1");
  EXPECT_EQ(r["totals"]["queryCount"], 13);  // 10 A NOERROR + 3 MX
  ASSERT_EQ(r["data"].size(), 1u);
  EXPECT_EQ(r["data"][0]["dimensions"], nlohmann::ordered_json::array({"NOERROR", "proxied", "colo1"}));
  EXPECT_EQ(r["data"][0]["metrics"][0], 10);
}

TEST(AnalyticsReport, ByTimeBuckets) {
  Aggregator agg;
  sample(agg);
  auto s = parse(ReportParams{.dimensions = "queryType", .since = std::to_string(-10), .time_delta = "minute"},
                 true);
  ASSERT_TRUE(s) << s.error().message;
  auto r = run_report(*s, agg, "example.com", "c");
  ASSERT_EQ(r["time_intervals"].size(), 11u);  // 10 minutes back, not minute-aligned: 11 pieces
  EXPECT_EQ(r["query"]["time_delta"], "minute");
  // MX was 5 minutes ago, the rest in the current minute (the last interval).
  for (const auto& row : r["data"]) {
    const auto& series = row["metrics"][0];
    ASSERT_EQ(series.size(), 11u);
    if (row["dimensions"][0] == "MX") {
      EXPECT_EQ(series[5], 3);
    } else if (row["dimensions"][0] == "A") {
      EXPECT_EQ(series[10], 19);
    }
  }
  EXPECT_EQ(r["totals"]["queryCount"], 27);
}

}  // namespace
}  // namespace dnsedge::analytics
