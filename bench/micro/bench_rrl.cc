// Micro-benchmark of what DNS cookies and response rate limiting add per query (Google
// Benchmark): auth::answer over a small zone, with and without a COOKIE (checked and renewed),
// and the rate limiting bucket update (key hash + compare-and-swap) of the UDP worker.
//
//   cmake --build build --target bench_rrl && ./build/bench/micro/bench_rrl
//
// Variants (BM_Answer/<n>): 0 the query without EDNS (bench.py's mix), 1 with EDNS, 2 with EDNS
// and a valid client+server cookie (answered with a fresh server cookie), 3 as 0 plus the
// bucket update of rate limiting at a rate nothing reaches. No timing assertions.

#include <benchmark/benchmark.h>
#include <netinet/in.h>

#include <cstring>
#include <string>
#include <vector>

#include "auth/answer.h"
#include "dns/name.h"
#include "dns/zonefile.h"
#include "server/rrl.h"

namespace {

using namespace dnsedge;

constexpr const char* kZone = R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.53
mail A 192.0.2.25
www CNAME web
web A 192.0.2.80
web AAAA 2001:db8::80
*.wild A 192.0.2.99
api A 192.0.2.81
shop A 192.0.2.82
)";

const uint8_t kClientIp[4] = {127, 0, 0, 1};
const uint8_t kClientCookie[8] = {1, 2, 3, 4, 5, 6, 7, 8};
const dns::cookie::Secret kSecret = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
constexpr uint32_t kNow = 1'800'000'000;

std::vector<uint8_t> query(const std::string& qname, uint16_t qtype, int variant) {
  const bool edns = variant == 1 || variant == 2;
  std::vector<uint8_t> p = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, static_cast<uint8_t>(edns)};
  const std::string n = dns::name_from_text(qname).value();
  p.insert(p.end(), n.begin(), n.end());
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  if (!edns) return p;
  const uint8_t rdlen = variant == 2 ? 28 : 0;
  p.insert(p.end(), {0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, rdlen});
  if (variant == 2) {
    p.insert(p.end(), {0, 10, 0, 24});
    p.insert(p.end(), kClientCookie, kClientCookie + 8);
    uint8_t server[dns::cookie::kServerLen];
    dns::cookie::make_server_cookie(kSecret, kClientCookie, kClientIp, kNow - 60, server);
    p.insert(p.end(), server, server + sizeof server);
  }
  return p;
}

void BM_Answer(benchmark::State& state) {
  const int variant = static_cast<int>(state.range(0));
  const std::string origin = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text(kZone, origin);
  auto cat = view::Catalog::build({view::ZoneView::compile(origin, zt->records).value()});
  std::vector<std::vector<uint8_t>> queries;
  for (const char* n : {"www.example.com.", "web.example.com.", "api.example.com.", "shop.example.com.",
                        "x.wild.example.com.", "nope.example.com.", "mail.example.com.", "example.com."}) {
    queries.push_back(query(n, 1, variant));
  }
  const auth::CookieContext cookies{.current = &kSecret, .previous = nullptr, .client_ip = kClientIp, .now = kNow};
  server::RrlTable rrl(server::RrlOptions{.rate = server::RrlTable::kMaxRate}, kSecret);
  sockaddr_storage peer{};
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  std::memcpy(&sa.sin_addr, kClientIp, 4);
  std::memcpy(&peer, &sa, sizeof sa);
  std::vector<uint8_t> out(dns::kMaxUdpPayload);
  size_t i = 0, limited = 0, valid = 0;
  for (auto _ : state) {
    const auto& q = queries[i++ & 7];
    auth::AnswerInfo info;
    const size_t n = auth::answer(*cat, q, out, auth::Transport::kUdp, &cookies, &info);
    benchmark::DoNotOptimize(n);
    valid += info.cookie == auth::CookieStatus::kValid;
    if (variant == 3) limited += rrl.over(rrl.key(peer, info), static_cast<uint32_t>(i >> 20));
  }
  if (variant == 2 && valid != static_cast<size_t>(state.iterations())) state.SkipWithError("cookie not valid");
  if (limited != 0) state.SkipWithError("limited");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Answer)->DenseRange(0, 3)->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
