// libFuzzer target for the query path: dns::parse_query and auth::answer over a small zone,
// served twice: unsigned as example.com. and signed online as signed.test. (DO=1 answers with
// RRSIGs made at compile and at query time, compact denial, the CO flag, wildcard expansions).
// Build and run: `make fuzz` (clang, -fsanitize=fuzzer,address,undefined).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "auth/answer.h"
#include "auth/online_sign.h"
#include "dns/name.h"
#include "dns/zonefile.h"
#include "dnssec/key.h"
#include "dnssec/zone_signing.h"

namespace {

constexpr const char* kZone = R"(
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
sub2 NS ns.sub2
sub2 DS 12345 13 2 0000000000000000000000000000000000000000000000000000000000000000
ns.sub2 A 192.0.2.4
deep.ent TXT "below an empty non-terminal"
_sip._tcp SRV 0 5 5060 sip
sip AAAA 2001:db8::5
)";

std::shared_ptr<const dnsedge::view::ZoneView> compile(const char* apex,
                                                       std::shared_ptr<const dnsedge::dnssec::ZoneSigning> signing) {
  const std::string origin = dnsedge::dns::name_from_text(apex).value();
  auto zt = dnsedge::dns::parse_zone_text(kZone, origin).value();
  return dnsedge::view::ZoneView::compile(origin, zt.records,
                                          dnsedge::view::CompileOptions{.signing = std::move(signing)})
      .value();
}

const dnsedge::view::Catalog& catalog() {
  static const auto cat = [] {
    auto s = std::make_shared<dnsedge::dnssec::ZoneSigning>();
    s->apex = dnsedge::dns::name_from_text("signed.test.").value();
    s->ksks.push_back(dnsedge::dnssec::Key::generate(dnsedge::dnssec::kFlagsKsk).value());
    s->zsk = dnsedge::dnssec::Key::generate(dnsedge::dnssec::kFlagsZsk).value();
    s->dnskeys = {s->ksks[0], *s->zsk};
    return dnsedge::view::Catalog::build({compile("example.com.", nullptr), compile("signed.test.", s)});
  }();
  return *cat;
}

// A small cache and budget, so that eviction and the exhausted budget are reached too.
dnsedge::auth::OnlineSigner& signer() {
  static dnsedge::auth::OnlineSigner s(
      dnsedge::auth::OnlineSignerOptions{.cache_entries = 8, .fresh_per_second = 50, .burst = 50});
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> out(dnsedge::auth::kMaxResponse);
  const std::span<const uint8_t> in(data, size);
  const size_t n =
      dnsedge::auth::answer(catalog(), in, out, dnsedge::auth::Transport::kUdp, nullptr, nullptr, &signer());
  if (n > 1232) __builtin_trap();  // a UDP answer never exceeds our EDNS maximum
  dnsedge::auth::answer(catalog(), in, out, dnsedge::auth::Transport::kTcp, nullptr, nullptr, &signer());
  // With DNS cookies, and the truncated reply rate limiting sends instead.
  static const dnsedge::dns::cookie::Secret secret{1, 2, 3};
  static const uint8_t client_ip[4] = {192, 0, 2, 1};
  const dnsedge::auth::CookieContext cookies{.current = &secret, .previous = &secret, .client_ip = client_ip, .now = 1000};
  dnsedge::auth::AnswerInfo info;
  const size_t m =
      dnsedge::auth::answer(catalog(), in, out, dnsedge::auth::Transport::kUdp, &cookies, &info, &signer());
  if (m > 1232) __builtin_trap();
  if (m > 0 && dnsedge::auth::truncated_response(out, m, info) > m) __builtin_trap();
  return 0;
}
