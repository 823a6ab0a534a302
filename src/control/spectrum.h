#pragma once
// Spectrum apps through the API (`/zones/{id}/spectrum/apps`, docs/api.md): the request body
// checks, the address pool and the app object as stored. The Controller's app methods
// (control/spectrum.cc) use these; they are free functions so unit tests reach them directly.
//
// An app body, as Cloudflare's (docs/edge.md "Spectrum apps"):
//   protocol        "tcp/25" or "tcp/1000-2000" (udp is refused: dnsedge carries TCP only)
//   dns             {"type": "ADDRESS" | "CNAME", "name": "smtp.example.com"}  (in the zone)
//   origin_direct   ["tcp://192.0.2.1:25", ...]     several entries are load-balanced
//   origin_dns      {"name": "mail.example.com"} with origin_port (25 or "1000-2000")
//   proxy_protocol  "off" (default) | "v1" | "v2"
//   ip_firewall     bool (default false)
//   tls             "off" only; traffic_type "direct" only
//   edge_ips        {"type": "static", "ips": [...]}, or {"type": "dynamic"} / absent: one
//                   address from --spectrum-pool, stored with the app (stable across restarts)
// Unknown fields are ignored, as for records.
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/errors.h"
#include "common/result.h"
#include "view/apps.h"

namespace dnsedge::control {

// Error codes of app requests (docs/api.md). 400 unless noted.
namespace app_errc {
inline constexpr int kBadApp = errc::kBadApp;                // a field is missing or invalid (the message names it)
inline constexpr int kOverlap = errc::kAppOverlap;           // protocol/port overlaps another app on the same address
inline constexpr int kPoolExhausted = errc::kPoolExhausted;  // no free address in --spectrum-pool (or no pool)
inline constexpr int kAppNotFound = errc::kAppNotFound;      // 404
inline constexpr int kBadRule = errc::kBadRule;              // an IP access rule is invalid or unsupported
inline constexpr int kRuleNotFound = errc::kRuleNotFound;    // 404
}  // namespace app_errc

// The zone setting that holds its IP access rules (a JSON array of rule objects).
inline constexpr const char* kAccessRulesSetting = "ip_access_rules";

// POST /zones/{id}/firewall/access_rules/rules: {"mode": "block" | "whitelist",
// "configuration": {"target": "ip" | "ip6" | "ip_range", "value": ...}, "notes": "..."} → the
// stored rule object (id, mode, configuration with the value normalized, notes). kBadRule
// otherwise (challenge modes, asn and country targets are refused: a TCP edge cannot apply
// them).
Result<nlohmann::json> parse_access_rule(const nlohmann::json& body);

// Fills each app's allow/deny from `rules` when its ip_firewall is on (clears them otherwise).
void apply_access_rules(view::ServedApp& app, const nlohmann::json& rules);

struct ParsedApp {
  view::ServedApp app;       // id, edge_ips empty unless static
  uint16_t port_first = 0;   // of protocol
  uint16_t port_last = 0;
  bool needs_address = true;  // edge_ips absent or dynamic: take one from the pool
};

// Checks a request body against the zone `zone_name` ("example.com"). Errors are kBadApp with
// the field and the reason.
Result<ParsedApp> parse_app_body(const nlohmann::json& body, const std::string& zone_name);

// "tcp/25" → {25, 25}; "tcp/1000-2000" → {1000, 2000}.
Result<std::pair<uint16_t, uint16_t>> parse_app_protocol(std::string_view protocol);

// The app as stored in the store's config_json (everything but id and timestamps).
nlohmann::json app_config(const view::ServedApp& a);

// IP text ↔ rdata (4 or 16 octets); nullopt / "" when invalid.
std::optional<std::string> ip_rdata(std::string_view text);
std::string ip_text(std::string_view rdata);

// An address block from --spectrum-pool ("127.0.0.64/28", "2001:db8:e::/120").
struct AddressPool {
  std::string base;  // rdata, host bits cleared
  unsigned length = 0;
  static std::optional<AddressPool> parse(std::string_view cidr);
  uint64_t size() const noexcept;               // capped at 2^32
  std::string at(uint64_t offset) const;        // rdata of base + offset
  bool contains(std::string_view rdata) const noexcept;
  std::string text() const;
};

}  // namespace dnsedge::control
