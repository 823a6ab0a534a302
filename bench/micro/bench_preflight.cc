// Micro-benchmark of the write pre-flight (docs/doctor.md "Pre-flight on writes"): what the mail
// doctor's two offline runs add to an API write, side by side with the same write without it.
//
//   cmake --build build --target bench_preflight && ./build/bench/micro/bench_preflight
//   ./build/bench/micro/bench_preflight --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// A store zone of N records (N = 100, 1,000, 10,000: 85% A, 5% of them proxied, 5% AAAA, 5% TXT,
// 5% CNAME, apex MX to a DNS-only mail host, SPF and DMARC) is imported through the real
// Controller (SQLite store in a temp directory, Durability::kNormal so fsync does not drown the
// figure). Each iteration is one PATCH of a record's content (alternating two addresses), i.e. the
// full write path: validate, compile the candidate, [pre-flight], store transaction, publish.
//   BM_Write/N/0/R  without the pre-flight (ControllerOptions::preflight empty)
//   BM_Write/N/1/R  with api::preflight (two doctor runs per write)
//   BM_Write/N/2/R  with api::CachedPreflight, as `dnsedge serve` ran it before the relevance
//                   filter (the "before" report is usually the previous write's "after": one
//                   doctor run per write)
//   BM_Write/N/3/R  with api::CachedPreflight and api::PreflightFilter, as `dnsedge serve` runs it
//                   now: writes that cannot change the doctor's messages skip it
// R is the record PATCHed: 0 = h5.example.com A (nothing mail-related points at it: the filter
// skips the pre-flight), 1 = mail.example.com A (the apex's MX target: the pre-flight runs).
//   BM_Preflight/N  api::preflight alone on the zone's current state (before = after)
// No timing assertions; compare medians, and mind the load average it prints.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "api/mail_doctor.h"
#include "api/preflight_filter.h"
#include "control/controller.h"
#include "dns/name.h"
#include "dns/types.h"

namespace {

using namespace dnsedge;

std::string zone_text(int n) {
  std::string t =
      "example.com. 300 IN MX 10 mail.example.com.\n"
      "mail.example.com. 300 IN A 198.51.100.25\n"
      "example.com. 300 IN TXT \"v=spf1 mx -all\"\n"
      "_dmarc.example.com. 300 IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@example.com\"\n"
      "example.com. 300 IN A 192.0.2.1 ; cf_tags=cf-proxied:true\n";
  for (int i = 0; i < n; ++i) {
    const std::string name = "h" + std::to_string(i) + ".example.com.";
    const int kind = i % 20;
    const std::string ip = "192.0." + std::to_string(2 + (i / 250) % 2) + "." + std::to_string(1 + i % 250);
    if (kind == 0) {
      t += name + " 300 IN AAAA 2001:db8::" + std::to_string(i % 9999 + 1) + "\n";
    } else if (kind == 1) {
      t += name + " 300 IN TXT \"owner=ops-" + std::to_string(i) + "\"\n";
    } else if (kind == 2) {
      t += name + " 300 IN CNAME h" + std::to_string(i + 1) + ".example.com.\n";
    } else if (kind == 3) {
      t += name + " 300 IN A " + ip + " ; cf_tags=cf-proxied:true\n";
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
  std::string zid, rid;
  api::PreflightFilter filter;  // mode 3 (copies share its state)

  Setup(int n, int preflight, int record = 0) {
    char tmpl[] = "/tmp/dnsedge-bench-preflight-XXXXXX";
    dir = ::mkdtemp(tmpl);
    control::ControllerOptions o;
    o.data_dir = dir;
    o.store.durability = store::Durability::kNormal;
    o.edge.v4 = {dns::rdata_from_text(dns::rrtype::kA, "203.0.113.1", std::string(1, '\0')).value(),
                 dns::rdata_from_text(dns::rrtype::kA, "203.0.113.2", std::string(1, '\0')).value()};
    o.edge.v6 = {dns::rdata_from_text(dns::rrtype::kAAAA, "2001:db8:e::1", std::string(1, '\0')).value()};
    o.nameservers = {dns::name_from_text("ns1.example.net.").value()};
    if (preflight == 1) o.preflight = api::preflight;
    if (preflight >= 2) o.preflight = api::CachedPreflight();
    if (preflight == 3) o.preflight_needed = filter;
    c = control::Controller::open(std::move(o), publisher).value();
    zid = c->create_zone("example.com", "", "").value().zone.id;
    auto imported = c->import_zone(zid, zone_text(n), std::nullopt);
    if (!imported) std::abort();
    auto recs = c->records(zid);
    if (!recs) std::abort();
    for (const auto& r : *recs) {
      if (r.name == (record == 0 ? "h5.example.com" : "mail.example.com")) rid = r.id;
    }
    if (rid.empty()) std::abort();
  }
  ~Setup() {
    c.reset();
    std::filesystem::remove_all(dir);
  }
};

void BM_Write(benchmark::State& state) {
  const bool mail = state.range(2) == 1;
  Setup s(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), mail ? 1 : 0);
  bool flip = false;
  size_t messages = 0;
  for (auto _ : state) {
    control::RecordInput in;
    in.content = mail ? (flip ? "198.51.100.26" : "198.51.100.25") : (flip ? "192.0.2.200" : "192.0.2.201");
    flip = !flip;
    auto r = s.c->update_record(s.zid, s.rid, in, false);
    if (!r) state.SkipWithError(r.error().message.c_str());
    messages += r ? r->messages.size() : 0;
  }
  state.counters["messages"] = static_cast<double>(messages);
  if (state.range(1) == 3) {
    state.counters["skipped"] = static_cast<double>(s.filter.stats().skipped);
    state.counters["rebuilds"] = static_cast<double>(s.filter.stats().rebuilds);
  }
  const int64_t mode = state.range(1);
  state.SetLabel(std::string(mode == 0   ? "without pre-flight"
                             : mode == 1 ? "with pre-flight, two doctor runs"
                             : mode == 2 ? "CachedPreflight, no filter"
                                         : "CachedPreflight + PreflightFilter (serve)") +
                 (mail ? ", PATCH the MX target" : ", PATCH an unrelated A"));
}
BENCHMARK(BM_Write)
    ->ArgsProduct({{100, 1000, 10000}, {0, 1, 2, 3}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0);

// The filter alone: PreflightFilter on the changes of 32 successive PATCHes of h5, in order (each
// call's candidate is the next call's served view, as in serve: the index is updated from the
// change, not rebuilt). Going back to the first change rebuilds the index (O(zone)): that call
// is not timed.
void BM_Filter(benchmark::State& state) {
  std::vector<control::PreflightChange> changes;
  std::vector<dns::ZoneRecord> all;
  view::EdgeAddresses edge;  // outlives the controller the changes come from
  // Capture the two changes through a controller hook.
  char tmpl[] = "/tmp/dnsedge-bench-filter-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  {
    common::SnapshotPublisher<view::Catalog> publisher{view::Catalog::empty()};
    control::ControllerOptions o;
    o.data_dir = dir;
    o.store.durability = store::Durability::kNormal;
    o.edge.v4 = {dns::rdata_from_text(dns::rrtype::kA, "203.0.113.1", std::string(1, '\0')).value()};
    o.edge.v6 = {dns::rdata_from_text(dns::rrtype::kAAAA, "2001:db8:e::1", std::string(1, '\0')).value()};
    o.nameservers = {dns::name_from_text("ns1.example.net.").value()};
    o.preflight = [](const control::DoctorState&, const control::DoctorState&) { return std::vector<control::ApiMessage>{}; };
    o.preflight_needed = [&](const control::PreflightChange& c) {
      control::PreflightChange copy = c;
      if (all.empty()) c.for_each_before([&](const dns::ZoneRecord& r) { all.push_back(r); });
      copy.for_each_before = [&all](const std::function<void(const dns::ZoneRecord&)>& fn) {
        for (const auto& r : all) fn(r);
      };
      copy.for_each_other = nullptr;
      edge = *c.edge;
      copy.edge = &edge;
      changes.push_back(std::move(copy));
      return false;
    };
    auto c = control::Controller::open(std::move(o), publisher).value();
    const std::string zid = c->create_zone("example.com", "", "").value().zone.id;
    if (!c->import_zone(zid, zone_text(static_cast<int>(state.range(0))), std::nullopt)) std::abort();
    std::string rid;
    auto recs = c->records(zid);
    if (!recs) std::abort();
    for (const auto& r : *recs) {
      if (r.name == "h5.example.com") rid = r.id;
    }
    changes.clear();
    all.clear();
    for (int k = 0; k < 32; ++k) {
      control::RecordInput in;
      in.content = k % 2 ? "192.0.2.200" : "192.0.2.201";
      if (!c->update_record(zid, rid, in, false)) std::abort();
    }
  }
  std::filesystem::remove_all(dir);
  if (changes.size() != 32) std::abort();
  api::PreflightFilter filter;
  size_t i = 0, needed = 0;
  for (auto _ : state) {
    if (i % changes.size() == 0) {
      state.PauseTiming();
      needed += filter(changes[i++ % changes.size()]) ? 1 : 0;  // rebuilds the index
      state.ResumeTiming();
    }
    needed += filter(changes[i++ % changes.size()]) ? 1 : 0;
  }
  state.counters["needed"] = static_cast<double>(needed);
  state.counters["rebuilds"] = static_cast<double>(filter.stats().rebuilds);
}
BENCHMARK(BM_Filter)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond)->MinTime(1.0);

void BM_Preflight(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)), 0);
  auto st = s.c->doctor_state(s.zid, false).value();
  for (auto _ : state) benchmark::DoNotOptimize(api::preflight(st, st));
}
BENCHMARK(BM_Preflight)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
