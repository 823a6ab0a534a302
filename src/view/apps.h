#pragma once
// Spectrum apps as a zone's view publishes them (docs/edge.md "Spectrum apps through
// the API"). An app created through the API belongs to its zone: it is compiled into the zone's
// view, so DNS (the app's name answers its edge address) and the edge (which listens on that
// address and carries the bytes to the origin) read the same published snapshot and cannot
// disagree.
//
// The fields are the API's app object in text form; the edge turns them into its own
// edge::SpectrumApp, the controller validates them before they get here.
//
// Thread safety: plain values and a pure function.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "common/result.h"
#include "dns/zonefile.h"

namespace dnsedge::view {

struct ServedApp {
  std::string id;                          // 32 lowercase hex
  std::string protocol;                    // "tcp/25", "tcp/1000-2000"
  std::string dns_type = "ADDRESS";        // "ADDRESS" or "CNAME" (both answer the address)
  std::string dns_name;                    // presentation, lowercase, no trailing dot
  std::vector<std::string> origin_direct;  // "tcp://192.0.2.1:25"; several load-balance
  std::string origin_dns;                  // presentation, lowercase; "" with origin_direct
  std::string origin_port;                 // "25" or "1000-2000"; "" with origin_direct
  std::string proxy_protocol = "off";      // off | v1 | v2
  bool ip_firewall = false;
  // ip_firewall: the zone's IP access rules as client prefixes ("192.0.2.0/24", "2001:db8::1/128");
  // the most specific match decides, block wins a tie, no match admits (docs/edge.md).
  std::vector<std::string> allow, deny;
  std::vector<std::string> edge_ips;       // rdata: 4 (A) or 16 (AAAA) octets

  bool operator==(const ServedApp&) const = default;
};

// TTL of the A/AAAA an app's name answers (Cloudflare's "auto" for proxied names).
inline constexpr uint32_t kAppTtl = 300;
// Error code of an app name that clashes with a stored A/AAAA/CNAME: Cloudflare's 81053.
inline constexpr int kAppNameConflict = errc::kAddressConflict;

// `records` plus, for every app name, A/AAAA records of the apps' edge addresses (apps that
// share a name share its address set). Fails, with a message naming the app, when a stored
// A, AAAA or CNAME record holds an app's name, or an app name lies outside `origin`.
Result<std::vector<dns::ZoneRecord>> add_app_records(std::string_view origin,
                                                     const std::vector<dns::ZoneRecord>& records,
                                                     const std::vector<ServedApp>& apps,
                                                     const std::string& source);

}  // namespace dnsedge::view
