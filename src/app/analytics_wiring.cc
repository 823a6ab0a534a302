#include "app/analytics_wiring.h"

#include <ctime>
#include <utility>
#include <vector>

#include "analytics/aggregator.h"
#include "analytics/recorder.h"
#include "metrics/registry.h"
#include "spdlog/spdlog.h"

namespace dnsedge::app {
namespace {

std::vector<store::AnalyticsRow> to_store(const std::vector<analytics::Row>& rows) {
  std::vector<store::AnalyticsRow> out;
  out.reserve(rows.size());
  for (const analytics::Row& r : rows) {
    out.push_back(store::AnalyticsRow{r.minute, r.zone, r.name, r.cell.qtype, r.cell.rcode, r.cell.kind,
                                      static_cast<int64_t>(r.cell.count), static_cast<int64_t>(r.cell.time_us)});
  }
  return out;
}

// Writer thread: one transaction for the minutes and the retention.
void write(control::Controller& c, const std::vector<analytics::MinuteRows>& minutes, int64_t prune_before) {
  auto tx = c.store().begin();
  if (!tx) {
    spdlog::warn("analytics: cannot store {} minute(s): {}", minutes.size(), tx.error().message);
    return;
  }
  for (const auto& m : minutes) {
    if (auto r = tx->replace_analytics_minute(m.minute, to_store(m.rows)); !r) {
      spdlog::warn("analytics: cannot store minute {}: {}", m.minute, r.error().message);
      return;
    }
  }
  if (prune_before > 0) {
    if (auto r = tx->prune_analytics(prune_before); !r) {
      spdlog::warn("analytics: cannot prune: {}", r.error().message);
      return;
    }
  }
  if (auto r = tx->commit(); !r) spdlog::warn("analytics: cannot commit: {}", r.error().message);
}

control::Controller* g_controller = nullptr;
uint64_t g_collector = 0;

// The aggregate's size by its own accounting (analytics/aggregator.h), for GET /metrics.
void collect(metrics::Exposition& out) {
  const analytics::AggregatorStats s = analytics::Aggregator::global().stats();
  out.family("dnsedge_analytics_bytes", "gauge", "Memory the DNS analytics aggregate holds, by its own accounting.");
  out.sample("dnsedge_analytics_bytes", {}, static_cast<uint64_t>(s.bytes));
  out.family("dnsedge_analytics_cells", "gauge", "Cells (minute, zone, name, type, rcode, kind) the aggregate holds.");
  out.sample("dnsedge_analytics_cells", {}, static_cast<uint64_t>(s.cells));
  out.family("dnsedge_analytics_names_evicted_total", "counter",
             "Query names folded into (other): heavy-hitter replacements and the cell cap.");
  out.sample("dnsedge_analytics_names_evicted_total", {}, s.evicted_names);
}

}  // namespace

void start_analytics(control::Controller& controller) {
  if (!analytics::enabled()) return;
  auto& agg = analytics::Aggregator::global();
  const int64_t since = time(nullptr) / 60 - analytics::kKeepMinutes;
  auto rows = controller.call([&] { return controller.store().analytics_rows(since); });
  if (!rows) {
    spdlog::warn("analytics: cannot read the stored minutes: {}", rows.error().message);
  } else {
    std::vector<analytics::Row> in;
    in.reserve(rows->size());
    for (const auto& r : *rows) {
      in.push_back(analytics::Row{r.minute, r.zone, r.name,
                                  analytics::Cell{static_cast<uint16_t>(r.qtype), static_cast<uint16_t>(r.rcode),
                                                  static_cast<uint8_t>(r.kind), static_cast<uint64_t>(r.count),
                                                  static_cast<uint64_t>(r.time_us)}});
    }
    agg.load(in);
    spdlog::info("analytics: {} stored row(s) of the last 7 days loaded", in.size());
  }
  g_controller = &controller;
  g_collector = metrics::Registry::global().add_collector(collect);
  agg.start([&controller](std::vector<analytics::MinuteRows> minutes, int64_t prune_before) {
    if (!controller.running()) {
      write(controller, minutes, prune_before);
      return;
    }
    // Waits for the write: the next flush must not overtake it.
    controller.call([&] { write(controller, minutes, prune_before); });
  });
}

void stop_analytics() {
  if (g_controller == nullptr) return;
  analytics::Aggregator::global().stop();
  metrics::Registry::global().remove_collector(g_collector);
  g_controller = nullptr;
}

}  // namespace dnsedge::app
