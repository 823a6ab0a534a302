// Micro-benchmark of the IXFR journal on the write path: what writing each change's delta
// (xfr::diff_views + encode_diff, appended and compacted in the write's own store transaction,
// Controller::persist) adds to an API write and to a zone import, side by side with the same
// write without a journal.
//
//   cmake --build build --target bench_journal && ./build/bench/micro/bench_journal
//   ./build/bench/micro/bench_journal --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// The real Controller with its SQLite store in a temp directory, Durability::kNormal so that the
// commit's fsync (the same with or without a journal) does not drown the difference.
//   BM_Write/N/J   one PATCH of an A record's content in a zone of N records (alternating two
//                  addresses); J = 1 with the journal (keep 100, as `dnsedge serve`), 0 without
//   BM_Import/N/J  an import of N records into a new, empty zone (the zone's creation and its
//                  deletion afterwards are not timed)
// No timing assertions; compare medians, and mind the machine's load.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "control/controller.h"
#include "dns/name.h"
#include "dns/types.h"
#include "xfr/journal.h"

namespace {

using namespace dnsedge;

std::string zone_text(const std::string& apex, int n) {
  std::string t;
  for (int i = 0; i < n; ++i) {
    const std::string name = "h" + std::to_string(i) + "." + apex + ".";
    const std::string ip = "192.0." + std::to_string(2 + (i / 250) % 2) + "." + std::to_string(1 + i % 250);
    if (i % 10 == 0) {
      t += name + " 300 IN TXT \"owner=ops-" + std::to_string(i) + "\"\n";
    } else if (i % 25 == 1) {
      t += name + " 300 IN AAAA 2001:db8::" + std::to_string(i % 9999 + 1) + "\n";
    } else {
      t += name + " 300 IN A " + ip + "\n";
    }
  }
  return t;
}

struct Setup {
  std::string dir;
  common::SnapshotPublisher<view::Catalog> publisher{view::Catalog::empty()};
  std::unique_ptr<control::Controller> c;

  explicit Setup(bool journal) {
    char tmpl[] = "/tmp/dnsedge-bench-journal-XXXXXX";
    dir = ::mkdtemp(tmpl);
    control::ControllerOptions o;
    o.data_dir = dir;
    o.store.durability = store::Durability::kNormal;
    o.nameservers = {dns::name_from_text("ns1.example.net.").value()};
    if (journal) {
      o.journal_encode = [](const view::ZoneView& before, const view::ZoneView& after) {
        return xfr::encode_diff(xfr::diff_views(before, after));
      };
      o.journal_keep = 100;
    }
    c = control::Controller::open(std::move(o), publisher).value();
  }
  ~Setup() {
    c.reset();
    std::filesystem::remove_all(dir);
  }
};

std::string label(bool journal) { return journal ? "with the IXFR journal" : "without a journal"; }

void BM_Write(benchmark::State& state) {
  const bool journal = state.range(1) == 1;
  Setup s(journal);
  const std::string zid = s.c->create_zone("example.com", "", "").value().zone.id;
  if (!s.c->import_zone(zid, zone_text("example.com", static_cast<int>(state.range(0))), std::nullopt)) std::abort();
  std::string rid;
  const auto records = s.c->records(zid).value();
  for (const auto& r : records) {
    if (r.name == "h5.example.com") rid = r.id;
  }
  bool flip = false;
  for (auto _ : state) {
    control::RecordInput in;
    in.content = flip ? "192.0.2.200" : "192.0.2.201";
    flip = !flip;
    auto r = s.c->update_record(zid, rid, in, false);
    if (!r) state.SkipWithError(r.error().message.c_str());
  }
  state.SetLabel(label(journal));
}
BENCHMARK(BM_Write)->ArgsProduct({{1000, 10000}, {0, 1}})->Unit(benchmark::kMillisecond)->MinTime(1.0);

void BM_Import(benchmark::State& state) {
  const bool journal = state.range(1) == 1;
  const int n = static_cast<int>(state.range(0));
  Setup s(journal);
  const std::string text = zone_text("import.example", n);
  for (auto _ : state) {
    state.PauseTiming();
    const std::string zid = s.c->create_zone("import.example", "", "").value().zone.id;
    state.ResumeTiming();
    auto r = s.c->import_zone(zid, text, std::nullopt);
    if (!r) state.SkipWithError(r.error().message.c_str());
    state.PauseTiming();
    if (!s.c->delete_zone(zid)) std::abort();
    state.ResumeTiming();
  }
  state.SetLabel(label(journal));
}
BENCHMARK(BM_Import)->ArgsProduct({{10000}, {0, 1}})->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
