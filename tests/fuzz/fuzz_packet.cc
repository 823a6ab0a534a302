// libFuzzer target for the query path: dns::parse_query and auth::answer over a small zone.
// Build and run: `make fuzz` (clang, -fsanitize=fuzzer,address,undefined).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "auth/answer.h"
#include "dns/name.h"
#include "dns/zonefile.h"

namespace {

const dnsedge::view::Catalog& catalog() {
  static const auto cat = [] {
    const std::string origin = dnsedge::dns::name_from_text("example.com.").value();
    auto zt = dnsedge::dns::parse_zone_text(R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.53
mail A 192.0.2.25
www CNAME web
web A 192.0.2.80
loop1 CNAME loop2
loop2 CNAME loop1
*.wild A 192.0.2.99
*.wild TXT "wildcard"
sub NS ns.sub
ns.sub A 192.0.2.3
_sip._tcp SRV 0 5 5060 sip
sip AAAA 2001:db8::5
)", origin).value();
    return dnsedge::view::Catalog::build({dnsedge::view::ZoneView::compile(origin, zt.records).value()});
  }();
  return *cat;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> out(dnsedge::auth::kMaxResponse);
  const std::span<const uint8_t> in(data, size);
  const size_t n = dnsedge::auth::answer(catalog(), in, out, dnsedge::auth::Transport::kUdp);
  if (n > 1232) __builtin_trap();  // a UDP answer never exceeds our EDNS maximum
  dnsedge::auth::answer(catalog(), in, out, dnsedge::auth::Transport::kTcp);
  // With DNS cookies, and the truncated reply rate limiting sends instead.
  static const dnsedge::dns::cookie::Secret secret{1, 2, 3};
  static const uint8_t client_ip[4] = {192, 0, 2, 1};
  const dnsedge::auth::CookieContext cookies{.current = &secret, .previous = &secret, .client_ip = client_ip, .now = 1000};
  dnsedge::auth::AnswerInfo info;
  const size_t m = dnsedge::auth::answer(catalog(), in, out, dnsedge::auth::Transport::kUdp, &cookies, &info);
  if (m > 1232) __builtin_trap();
  if (m > 0 && dnsedge::auth::truncated_response(out, m, info) > m) __builtin_trap();
  return 0;
}
