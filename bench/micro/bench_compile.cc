// Micro-benchmarks of the snapshot path (Google Benchmark): how long a 100k-record zone takes to
// parse and to compile into a ZoneView (static, and with 30% of the names proxied/flattened),
// and what auth::answer costs per query over the compiled catalog.
//
//   cmake --build build --target bench_compile && ./build/bench/micro/bench_compile
//   ./build/bench/micro/bench_compile --benchmark_filter=Compile --benchmark_repetitions=5
//
// The zone is generated in memory with bench/gen_zone.py's shape (45% A, 15% AAAA, 10% A+AAAA,
// 10% CNAME, 5% MX x2, 5% TXT, 5% SRV, 5% A+TXT; apex SOA/NS/A/MX, wildcard, delegation) and
// parsed with dns::parse_zone_text. The proxied variant has the same names and records, tagged
// like gen_zone.py --mix proxied: 30% of the address names `cf-proxied:true`, 25% of the CNAMEs
// proxied and 25% `cf-flatten-cname`, an apex CNAME (flattened) instead of the apex A; MX/SRV
// whose exchange is proxied get dc-records. Edge addresses 203.0.113.1-2 / 2001:db8:e::1-2.
// Queries follow gen_zone.py's mixes; "special" are only the 30% that the proxy rules change.
//
// No timing assertions: this prints figures. It does check (once, outside the timings) that the
// answers have the expected rcodes and that proxied names answer the edge addresses.

#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "auth/answer.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "view/model.h"
#include "view/served.h"
#include "view/zone_view.h"

namespace {

using namespace dnsedge;

constexpr size_t kTargetRecords = 100'000;
constexpr size_t kQueries = 100'000;

const char* const kWords[] = {
    "www",    "mail",    "api",     "cdn",    "shop",   "app",     "db",     "web",     "static", "img",
    "vpn",    "git",     "ci",      "dev",    "stage",  "prod",    "edge",   "auth",    "login",  "sso",
    "blog",   "news",    "docs",    "help",   "status", "m",       "mobile", "media",   "video",  "files",
    "dl",     "ftp",     "smtp",    "imap",   "pop",    "mx",      "ns",     "lb",      "node",   "srv",
    "host",   "cache",   "proxy",   "gw",     "router", "printer", "cam",    "iot",     "metrics", "logs",
    "grafana", "kibana", "jenkins", "wiki",   "crm",    "erp",     "pay",    "cart",    "search", "assets",
    "origin", "backend", "frontend", "office"};
const char* const kTxtPool[] = {"\"v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 -all\"",
                            "\"google-site-verification=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA\"", "\"MS=ms12345678\"",
                            "\"v=DMARC1; p=none; rua=mailto:dmarc@example.com\"", "\"owner=ops\" \"env=production\"",
                            "\"k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDdocumentationonly\""};
const char* const kEdge4[] = {"203.0.113.1", "203.0.113.2"};
const char* const kEdge6[] = {"2001:db8:e::1", "2001:db8:e::2"};

enum Cat : uint8_t { kA, kAAAA, kAandAAAA, kCname, kMx, kTxt, kSrv, kAandTxt };
constexpr int kShares[] = {45, 15, 10, 10, 5, 5, 5, 5};  // percent, gen_zone.py MIXES["static"]

std::string v4(size_t i) {
  static const char* const nets[] = {"192.0.2.", "198.51.100.", "203.0.113."};
  return std::string(nets[i % 3]) + std::to_string(1 + (i / 3) % 254);
}
std::string v6(size_t i) {
  char b[64];
  std::snprintf(b, sizeof b, "2001:db8:%zx:%zx::%zx", (i >> 16) & 0xffff, i & 0xffff, 1 + i % 250);
  return b;
}

std::vector<uint8_t> query(const std::string& qname_text, uint16_t qtype) {
  std::vector<uint8_t> p = {0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};  // RD=0, no EDNS (as dnsperf)
  const std::string n = dns::name_from_text(qname_text).value();
  p.insert(p.end(), n.begin(), n.end());
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  return p;
}

struct Corpus {
  std::string origin;  // wire
  std::string static_text, proxied_text;
  std::vector<dns::ZoneRecord> static_records, proxied_records;
  std::vector<std::vector<uint8_t>> mix;      // 30% special, as gen_zone.py --mix proxied
  std::vector<std::vector<uint8_t>> special;  // only the special kinds
  std::vector<std::vector<uint8_t>> plain;    // only the other 70% (incl. NXDOMAIN)
  std::vector<std::string> proxied_a_names;   // for the sanity check
  view::EdgeAddresses edge;
  size_t names = 0;
};

Corpus make_corpus() {
  Corpus c;
  c.origin = dns::name_from_text("example.com.").value();
  for (const char* e : kEdge4) {
    in_addr a{};
    inet_pton(AF_INET, e, &a);
    c.edge.v4.emplace_back(reinterpret_cast<const char*>(&a), 4);
  }
  for (const char* e : kEdge6) {
    in6_addr a{};
    inet_pton(AF_INET6, e, &a);
    c.edge.v6.emplace_back(reinterpret_cast<const char*>(&a), 16);
  }
  // records = 16 + 1.2 * names (the mix's records per name)
  const size_t n = (kTargetRecords - 16) * 10 / 12;
  c.names = n;
  std::mt19937_64 rng(1);
  auto rr = [&](size_t k) { return static_cast<size_t>(rng() % k); };

  std::vector<Cat> cats;
  size_t assigned = 0;
  for (int k = 0; k < 8; ++k) {
    const size_t cnt = k == 7 ? n - assigned : n * kShares[k] / 100;
    cats.insert(cats.end(), cnt, static_cast<Cat>(k));
    assigned += cnt;
  }
  std::shuffle(cats.begin(), cats.end(), rng);
  std::vector<std::string> labels(n);
  for (size_t i = 0; i < n; ++i) {
    char b[48];
    std::snprintf(b, sizeof b, "%s-%zx", kWords[rr(std::size(kWords))], i);
    labels[i] = b;
  }
  std::vector<size_t> a_idx, addr, cn, mx, txt;
  for (size_t i = 0; i < n; ++i) {
    const Cat k = cats[i];
    if (k == kA || k == kAandAAAA || k == kAandTxt) a_idx.push_back(i);
    if (k == kA || k == kAAAA || k == kAandAAAA || k == kAandTxt) addr.push_back(i);
    if (k == kCname) cn.push_back(i);
    if (k == kMx) mx.push_back(i);
    if (k == kTxt || k == kAandTxt) txt.push_back(i);
  }
  std::vector<size_t> pick1(n, 0), pick2(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Cat k = cats[i];
    if (k == kCname || k == kSrv || k == kMx) pick1[i] = a_idx[rr(a_idx.size())];
    if (k == kMx) pick2[i] = a_idx[rr(a_idx.size())];
    if (k == kTxt || k == kAandTxt) pick1[i] = rr(std::size(kTxtPool));
  }
  // Tags (the proxied variant): never a proxied record pointing at an edge address.
  std::vector<uint8_t> prox(n, 0), flat(n, 0);
  {
    std::vector<size_t> ok;
    for (size_t i : addr) {
      if (cats[i] != kAAAA && (v4(i) == kEdge4[0] || v4(i) == kEdge4[1])) continue;
      ok.push_back(i);
    }
    std::shuffle(ok.begin(), ok.end(), rng);
    for (size_t j = 0; j < ok.size() * 30 / 100; ++j) prox[ok[j]] = 1;
    std::vector<size_t> c2 = cn;
    std::shuffle(c2.begin(), c2.end(), rng);
    for (size_t j = 0; j < c2.size() / 2; ++j) (j < c2.size() / 4 ? prox : flat)[c2[j]] = 1;
  }
  size_t apex_target = 0;
  for (size_t i : a_idx) {
    if (prox[i] && cats[i] == kA) {
      apex_target = i;
      break;
    }
  }

  auto emit = [&](bool tagged) {
    std::string s;
    s.reserve(n * 48);
    s += "$ORIGIN example.com.\n$TTL 3600\n";
    s += "@\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 3600\n";
    s += "@\tIN\tNS\tns1.example.com.\n@\tIN\tNS\tns2.example.com.\n";
    s += tagged ? "@\tIN\tCNAME\t" + labels[apex_target] + "\n" : std::string("@\tIN\tA\t192.0.2.1\n");
    s += "@\tIN\tMX\t10 mx1.example.com.\nns1\tIN\tA\t192.0.2.53\nns2\tIN\tA\t198.51.100.53\n"
         "mx1\tIN\tA\t203.0.113.25\n*.wild\tIN\tA\t192.0.2.80\n*.wild\tIN\tTXT\t\"wildcard answer\"\n"
         "sub\tIN\tNS\tns1.sub.example.com.\nsub\tIN\tNS\tns2.sub.example.com.\n"
         "ns1.sub\tIN\tA\t192.0.2.101\nns1.sub\tIN\tAAAA\t2001:db8:ffff::101\n"
         "ns2.sub\tIN\tA\t198.51.100.102\nns2.sub\tIN\tAAAA\t2001:db8:ffff::102\n";
    for (size_t i = 0; i < n; ++i) {
      const std::string& l = labels[i];
      const char* tag = tagged && prox[i] ? " ; cf_tags=cf-proxied:true" : "";
      switch (cats[i]) {
        case kA: s += l + "\tIN\tA\t" + v4(i) + tag + "\n"; break;
        case kAAAA: s += l + "\tIN\tAAAA\t" + v6(i) + tag + "\n"; break;
        case kAandAAAA:
          s += l + "\tIN\tA\t" + v4(i) + tag + "\n";
          s += l + "\tIN\tAAAA\t" + v6(i) + tag + "\n";
          break;
        case kCname:
          s += l + "\tIN\tCNAME\t" + labels[pick1[i]] + (tagged && flat[i] ? " ; cf_tags=cf-flatten-cname" : tag) + "\n";
          break;
        case kMx:
          s += l + "\tIN\tMX\t10 " + labels[pick1[i]] + "\n";
          s += l + "\tIN\tMX\t20 " + labels[pick2[i]] + "\n";
          break;
        case kTxt: s += l + "\tIN\tTXT\t" + kTxtPool[pick1[i]] + "\n"; break;
        case kSrv: s += "_sip._tcp." + l + "\tIN\tSRV\t10 60 5060 " + labels[pick1[i]] + "\n"; break;
        case kAandTxt:
          s += l + "\tIN\tA\t" + v4(i) + tag + "\n";
          s += l + "\tIN\tTXT\t" + kTxtPool[pick1[i]] + "\n";
          break;
      }
    }
    return s;
  };
  c.static_text = emit(false);
  c.proxied_text = emit(true);
  for (auto [text, out] : {std::pair{&c.static_text, &c.static_records}, {&c.proxied_text, &c.proxied_records}}) {
    auto zt = dns::parse_zone_text(*text, c.origin, "<generated>");
    if (!zt) {
      std::fprintf(stderr, "bench_compile: generated zone does not parse: %s\n", zt.error().message.c_str());
      std::exit(1);
    }
    *out = std::move(zt->records);
  }

  // Queries (gen_zone.py QUERY_MIX_PROXIED): ADDR 48, P_ADDR 22, CNAME 5, P_CNAME 5, NX 10,
  // MX 2, P_MX 3, TXT 5.
  std::vector<size_t> p_addr, plain_addr, p_cn, plain_cn, p_mx, plain_mx;
  for (size_t i : addr) (prox[i] ? p_addr : plain_addr).push_back(i);
  for (size_t i : cn) (prox[i] || flat[i] || prox[pick1[i]] ? p_cn : plain_cn).push_back(i);
  for (size_t i : mx) (prox[pick1[i]] || prox[pick2[i]] ? p_mx : plain_mx).push_back(i);
  for (size_t i : p_addr) {
    if (cats[i] == kA) c.proxied_a_names.push_back(labels[i] + ".example.com.");
  }
  const std::pair<int, int> kinds[] = {{0, 48}, {1, 22}, {2, 5}, {3, 5}, {4, 10}, {5, 2}, {6, 3}, {7, 5}};
  std::vector<int> plan;
  for (auto [k, w] : kinds) plan.insert(plan.end(), kQueries * w / 100, k);
  std::shuffle(plan.begin(), plan.end(), rng);
  auto addr_q = [&](size_t i) {
    const Cat k = cats[i];
    const uint16_t t = k == kA || k == kAandTxt ? dns::rrtype::kA
                       : k == kAAAA           ? dns::rrtype::kAAAA
                                              : (rr(2) ? dns::rrtype::kAAAA : dns::rrtype::kA);
    return query(labels[i] + ".example.com.", t);
  };
  for (int k : plan) {
    std::vector<uint8_t> q;
    switch (k) {
      case 0: q = addr_q(plain_addr[rr(plain_addr.size())]); break;
      case 1: q = addr_q(p_addr[rr(p_addr.size())]); break;
      case 2: q = query(labels[plain_cn[rr(plain_cn.size())]] + ".example.com.", dns::rrtype::kA); break;
      case 3: q = query(labels[p_cn[rr(p_cn.size())]] + ".example.com.", dns::rrtype::kA); break;
      case 4: {
        char b[64];
        std::snprintf(b, sizeof b, "nx%08x-%zx.example.com.", static_cast<unsigned>(rng()), rr(1 << 20));
        q = query(b, rr(2) ? dns::rrtype::kAAAA : dns::rrtype::kA);
        break;
      }
      case 5: q = query(labels[plain_mx[rr(plain_mx.size())]] + ".example.com.", dns::rrtype::kMX); break;
      case 6: q = query(labels[p_mx[rr(p_mx.size())]] + ".example.com.", dns::rrtype::kMX); break;
      default: q = query(labels[txt[rr(txt.size())]] + ".example.com.", dns::rrtype::kTXT); break;
    }
    (k == 1 || k == 3 || k == 6 ? c.special : c.plain).push_back(q);
    c.mix.push_back(std::move(q));
  }
  return c;
}

const Corpus& corpus() {
  static const Corpus c = make_corpus();
  return c;
}

view::CompileOptions options(const Corpus& c) {
  return view::CompileOptions{.source = "<generated>", .edge = &c.edge};
}

std::shared_ptr<const view::ZoneView> compile_or_die(const std::vector<dns::ZoneRecord>& records) {
  const Corpus& c = corpus();
  auto z = view::ZoneView::compile(c.origin, records, options(c));
  if (!z) {
    std::fprintf(stderr, "bench_compile: compile failed: %s\n", z.error().message.c_str());
    std::exit(1);
  }
  return *z;
}

// ---------------------------------------------------------------- (c) zone-file parse

void BM_ParseZoneText(benchmark::State& state) {
  const Corpus& c = corpus();
  const std::string& text = state.range(0) ? c.proxied_text : c.static_text;
  size_t records = 0;
  for (auto _ : state) {
    auto zt = dns::parse_zone_text(text, c.origin, "<generated>");
    records = zt->records.size();
    benchmark::DoNotOptimize(zt);
  }
  state.counters["records"] = static_cast<double>(records);
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(state.range(0) ? "proxied" : "static");
}
BENCHMARK(BM_ParseZoneText)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- (a) compile

void BM_Compile(benchmark::State& state) {
  const Corpus& c = corpus();
  const auto& records = state.range(0) ? c.proxied_records : c.static_records;
  const view::CompileOptions opt = options(c);
  size_t nodes = 0, served = 0;
  for (auto _ : state) {
    auto z = view::ZoneView::compile(c.origin, records, opt);
    nodes = (*z)->node_count();
    served = (*z)->record_count();
    benchmark::DoNotOptimize(z);
  }
  // Memory the view keeps (untimed): heap in use with one compiled view alive, minus without.
  const size_t before = mallinfo2().uordblks;
  size_t kept = 0;
  {
    auto z = view::ZoneView::compile(c.origin, records, opt);
    kept = mallinfo2().uordblks - before;
    benchmark::DoNotOptimize(z);
  }
  state.counters["records"] = static_cast<double>(records.size());
  state.counters["served_records"] = static_cast<double>(served);
  state.counters["nodes"] = static_cast<double>(nodes);
  state.counters["view_MB"] = static_cast<double>(kept) / 1e6;
  state.counters["view_B/record"] = static_cast<double>(kept) / static_cast<double>(records.size());
  state.SetLabel(state.range(0) ? "proxied (30% of names proxied/flattened, dc-records)" : "static");
}
BENCHMARK(BM_Compile)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// What a reload after one change costs without the file I/O: one record differs from the last
// compile, and the whole zone is compiled again (a zone file is re-read whole), then the
// catalog is rebuilt and the old snapshot released -- as SIGHUP does. API writes take the
// incremental path instead (BM_IncrementalOneChange).
void BM_RecompileOneChange(benchmark::State& state) {
  const Corpus& c = corpus();
  std::vector<dns::ZoneRecord> records = state.range(0) ? c.proxied_records : c.static_records;
  // the change: the address of one DNS-only A record in the middle of the zone
  size_t victim = records.size() / 2;
  while (victim < records.size() && (records[victim].type != dns::rrtype::kA || records[victim].proxied)) ++victim;
  if (victim == records.size()) {
    state.SkipWithError("no DNS-only A record to change");
    return;
  }
  std::shared_ptr<const view::Catalog> current = view::Catalog::build({compile_or_die(records)});
  const view::CompileOptions opt = options(c);
  uint8_t flip = 0;
  for (auto _ : state) {
    records[victim].rdata[3] = static_cast<char>(++flip);
    auto z = view::ZoneView::compile(c.origin, records, opt);
    auto next = view::Catalog::build({std::move(*z)});
    current = std::move(next);  // the previous catalog is destroyed here, as on publish
  }
  state.SetLabel(state.range(0) ? "proxied" : "static");
}
BENCHMARK(BM_RecompileOneChange)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The recompile an API write does (view/model.h): the zone's ZoneModel gets the new record set
// of the changed name and of the apex (whose SOA serial moves), patches the previous view, then
// the catalog is rebuilt and the old snapshot released. range(0): static/proxied zone;
// range(1): 0 = the address of a DNS-only A record, 1 = the proxy flag of an MX target (its
// dc-record appears and goes, the MX owners are rewritten).
void BM_IncrementalOneChange(benchmark::State& state) {
  const Corpus& c = corpus();
  const view::CompileOptions opt = options(c);
  std::vector<dns::ZoneRecord> records = state.range(0) ? c.proxied_records : c.static_records;
  auto model = view::ZoneModel::build(c.origin, records, opt);
  if (!model) {
    state.SkipWithError(model.error().message.c_str());
    return;
  }
  // The changed name: a DNS-only A record in the middle of the zone, or an MX target.
  std::string victim;
  if (state.range(1) == 0) {
    for (size_t i = records.size() / 2; i < records.size() && victim.empty(); ++i) {
      if (records[i].type == dns::rrtype::kA && !records[i].proxied) victim = records[i].owner;
    }
  } else {
    for (size_t i = records.size() / 2; i < records.size() && victim.empty(); ++i) {
      if (records[i].type != dns::rrtype::kMX) continue;
      const std::string t = records[i].rdata.substr(2);
      const auto rs = (*model)->records_of(t);
      if (rs.size() == 1 && rs[0].type == dns::rrtype::kA && !rs[0].proxied) victim = t;
    }
  }
  if (victim.empty()) {
    state.SkipWithError("no name to change");
    return;
  }
  std::vector<dns::ZoneRecord> apex = (*model)->records_of(c.origin);
  std::vector<dns::ZoneRecord> at = (*model)->records_of(victim);
  std::shared_ptr<const view::Catalog> current = view::Catalog::build({(*model)->view()});
  uint32_t serial = 1;
  size_t patched = 0, full = 0;
  for (auto _ : state) {
    ++serial;
    for (auto& r : apex) {
      if (r.type != dns::rrtype::kSOA) continue;
      const size_t off = dns::name_length(reinterpret_cast<const uint8_t*>(r.rdata.data()));
      const size_t off2 = off + dns::name_length(reinterpret_cast<const uint8_t*>(r.rdata.data()) + off);
      for (int k = 0; k < 4; ++k) r.rdata[off2 + static_cast<size_t>(k)] = static_cast<char>(serial >> (24 - 8 * k));
    }
    if (state.range(1) == 0) {
      at[0].rdata[3] = static_cast<char>(serial);
    } else {
      at[0].proxied = !at[0].proxied;
    }
    auto v = (*model)->update({view::OwnerChange{c.origin, apex}, view::OwnerChange{victim, at}}, nullptr);
    if (!v) {
      state.SkipWithError(v.error().message.c_str());
      return;
    }
    patched += (*model)->last_stats().patched_names;
    full += (*model)->last_stats().full;
    current = view::Catalog::build({std::move(*v)});  // the previous catalog is destroyed here, as on publish
  }
  state.counters["names_patched"] = static_cast<double>(patched) / static_cast<double>(state.iterations());
  state.counters["full_compiles"] = static_cast<double>(full);
  state.SetLabel(std::string(state.range(0) ? "proxied" : "static") +
                 (state.range(1) ? ", proxy flag of an MX target" : ", address of a DNS-only A"));
}
BENCHMARK(BM_IncrementalOneChange)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMillisecond);

// Parse + compile + catalog: the whole SIGHUP reload of one 100k-record zone from text in memory.
void BM_ReloadFromText(benchmark::State& state) {
  const Corpus& c = corpus();
  const std::string& text = state.range(0) ? c.proxied_text : c.static_text;
  const view::CompileOptions opt = options(c);
  for (auto _ : state) {
    auto zt = dns::parse_zone_text(text, c.origin, "<generated>");
    auto z = view::ZoneView::compile(c.origin, zt->records, opt);
    auto cat = view::Catalog::build({std::move(*z)});
    benchmark::DoNotOptimize(cat);
  }
  state.SetLabel(state.range(0) ? "proxied" : "static");
}
BENCHMARK(BM_ReloadFromText)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- (b) answers

struct Catalogs {
  std::shared_ptr<const view::Catalog> stat, prox;
};

const Catalogs& catalogs() {
  static const Catalogs cats = [] {
    const Corpus& c = corpus();
    Catalogs out{view::Catalog::build({compile_or_die(c.static_records)}),
                 view::Catalog::build({compile_or_die(c.proxied_records)})};
    // Sanity check (not timed): rcodes over the mix, and proxied A names answer the edge.
    std::vector<uint8_t> buf(auth::kMaxResponse);
    for (auto [name, cat] : {std::pair{"static", out.stat}, {"proxied", out.prox}}) {
      size_t rc[16] = {};
      for (const auto& q : c.mix) {
        const size_t n = auth::answer(*cat, q, buf, auth::Transport::kUdp);
        if (n < 12) {
          std::fprintf(stderr, "bench_compile: no answer for a query\n");
          std::exit(1);
        }
        ++rc[buf[3] & 0xf];
      }
      std::fprintf(stderr, "bench_compile: %s catalog, %zu mix queries: NOERROR %zu, NXDOMAIN %zu, other %zu\n", name,
                   c.mix.size(), rc[0], rc[3], c.mix.size() - rc[0] - rc[3]);
      if (rc[0] + rc[3] != c.mix.size()) std::exit(1);
    }
    size_t edge_ok = 0;
    for (size_t i = 0; i < 50 && i < c.proxied_a_names.size(); ++i) {
      const auto q = query(c.proxied_a_names[i], dns::rrtype::kA);
      const size_t n = auth::answer(*out.prox, q, buf, auth::Transport::kUdp);
      const std::string resp(reinterpret_cast<const char*>(buf.data()), n);
      if (resp.find(c.edge.v4[0]) != std::string::npos && resp.find(c.edge.v4[1]) != std::string::npos) ++edge_ok;
    }
    std::fprintf(stderr, "bench_compile: %zu/50 proxied A names answer both edge addresses\n", edge_ok);
    if (edge_ok != 50) std::exit(1);
    return out;
  }();
  return cats;
}

// range(0): 0 static catalog, 1 proxied catalog; range(1): 0 the 30% mix, 1 only the special
// queries, 2 only the plain ones
void BM_Answer(benchmark::State& state) {
  const Corpus& c = corpus();
  const Catalogs& cats = catalogs();
  const view::Catalog& cat = state.range(0) ? *cats.prox : *cats.stat;
  const auto& qs = state.range(1) == 1 ? c.special : state.range(1) == 2 ? c.plain : c.mix;
  std::vector<uint8_t> buf(auth::kMaxResponse);
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const size_t n = auth::answer(cat, qs[i], buf, auth::Transport::kUdp);
    bytes += n;
    benchmark::DoNotOptimize(buf.data());
    if (++i == qs.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["resp_bytes"] = benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kAvgIterations);
  static const char* const kSets[] = {", mix with 30% proxied/flattened/dc", ", only proxied/flattened/dc names",
                                      ", only the other names"};
  state.SetLabel(std::string(state.range(0) ? "proxied zone" : "static zone") + kSets[state.range(1)]);
}
BENCHMARK(BM_Answer)->ArgsProduct({{0, 1}, {0, 1, 2}})->Unit(benchmark::kNanosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const Corpus& c = corpus();
  std::fprintf(stderr, "bench_compile: zone example.com. with %zu names: %zu records static, %zu proxied"
               " (%.1f MB text); %zu queries (%zu special)\n",
               c.names, c.static_records.size(), c.proxied_records.size(), c.static_text.size() / 1e6, c.mix.size(),
               c.special.size());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
