#pragma once
// Spectrum apps through the API (`/zones/{id}/spectrum/apps`, docs/api.md): the checks of an app
// and of an IP access rule, the address pool, and the forms stored in the store's rows. The
// Controller's app methods (control/spectrum.cc) use these; they are free functions so unit
// tests reach them directly. The API reads request bodies into AppInput and AccessRuleInput
// (api/spectrum_input.h).
//
// An app, as Cloudflare's (docs/edge.md "Spectrum apps"):
//   protocol        "tcp/25" or "tcp/1000-2000" (udp is refused: dnsedge carries TCP only)
//   dns             type "ADDRESS" | "CNAME", name "smtp.example.com" (in the zone)
//   origin_direct   ["tcp://192.0.2.1:25", ...]     several entries are load-balanced
//   origin_dns      "mail.example.com" with origin_port (25 or "1000-2000")
//   proxy_protocol  "off" (default) | "v1" | "v2"
//   ip_firewall     bool (default false)
//   tls             "off" only; traffic_type "direct" only
//   edge_ips        static addresses, or none: one address from --spectrum-pool, stored with
//                   the app (stable across restarts)
//
// Thread safety: plain values and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// ---- apps ------------------------------------------------------------------------------------

// A Spectrum app as a client asks for it (POST and PUT replace the whole app). Names and
// addresses as given; check_app() checks and normalizes them.
struct AppInput {
  std::string protocol;                    // "tcp/25" or "tcp/1000-2000"
  std::string dns_type;                    // "ADDRESS" or "CNAME"
  std::string dns_name;                    // "smtp.example.com"
  std::vector<std::string> origin_direct;  // "tcp://192.0.2.1:25", "tcp://[2001:db8::1]:25"; or
  std::string origin_dns;                  // the origin's host name, with
  std::string origin_port;                 // "25" or "1000-2000"
  std::string proxy_protocol = "off";      // off | v1 | v2
  bool ip_firewall = false;
  std::string tls = "off";                           // off only
  std::string traffic_type = "direct";               // direct only
  std::optional<std::vector<std::string>> edge_ips;  // static addresses; nullopt: one from the pool

  bool operator==(const AppInput&) const = default;
};

struct ParsedApp {
  view::ServedApp app;       // id, edge_ips empty unless static
  uint16_t port_first = 0;   // of protocol
  uint16_t port_last = 0;
  bool needs_address = true;  // edge_ips absent: take one from the pool
};

// Checks an app against the zone `zone_name` ("example.com"), field by field in the order of
// AppInput, with the rules below. Errors are kBadApp with the field and the reason.
Result<ParsedApp> check_app(const AppInput& in, const std::string& zone_name);

// The rules of single fields, as check_app() applies them, for a parser of request bodies that
// checks each field as it reads it (so the first bad field is the one reported). Each returns
// kBadApp naming the field; the Result's value is the field's normalized form.
// "tcp/25" → {25, 25}; "tcp/1000-2000" → {1000, 2000}.
Result<std::pair<uint16_t, uint16_t>> parse_app_protocol(std::string_view protocol);
Result<void> check_app_dns_type(std::string_view type);
Result<std::string> check_app_dns_name(std::string_view name, const std::string& zone_name);
// One of origin_direct and origin_dns, not both.
Result<void> check_app_origin_choice(bool direct, bool by_dns);
// An origin_direct entry → "tcp://192.0.2.1:25"; the error shows it as `shown` when given.
Result<std::string> check_app_origin(std::string_view entry);
Error bad_app_origin(std::string_view shown);
// origin_port given beside origin_direct.
Error app_origin_port_beside_direct();
Result<std::string> check_app_origin_dns(std::string_view name);
// The origin_dns port ("" when not given) of an app on ports first..last → "25", "1000-2000".
Result<std::string> check_app_origin_port(std::string_view port, uint16_t first, uint16_t last);
Result<void> check_app_proxy_protocol(std::string_view v);
Result<void> check_app_tls(std::string_view v);
Result<void> check_app_traffic_type(std::string_view v);
// Static edge_ips: at least one; each an address → rdata (the error shows it as `shown`).
Result<void> check_app_static_ips(size_t count);
Result<std::string> check_app_edge_ip(std::string_view ip);
Error bad_app_edge_ip(std::string_view shown);

// The app as stored in the store's config_json (everything but id and timestamps), and back.
std::string app_config(const view::ServedApp& a);
Result<AppInput> app_input_from_config(std::string_view config_json);

// ---- IP access rules -------------------------------------------------------------------------

// The zone setting that holds its IP access rules (a JSON array of rule objects).
inline constexpr const char* kAccessRulesSetting = "ip_access_rules";

// POST /zones/{id}/firewall/access_rules/rules: mode "block" | "whitelist", a target "ip" |
// "ip6" | "ip_range" and its value, notes. Challenge modes, asn and country targets are refused
// (kBadRule): a TCP edge cannot apply them.
struct AccessRuleInput {
  std::string mode;
  std::string target;
  std::string value;
  std::string notes;
};

// A stored rule: the input with its value normalized, an id and timestamps.
struct AccessRule {
  std::string id;
  std::string mode, target, value, notes;
  std::string created_on, modified_on;

  bool operator==(const AccessRule&) const = default;
};

// The rule with its value normalized, or kBadRule.
Result<AccessRuleInput> check_access_rule(const AccessRuleInput& in);
// Its single fields' rules, in that order (for a body parser, as the app's above).
Result<void> check_rule_mode(std::string_view mode);
Result<std::string> check_rule_value(std::string_view target, std::string_view value);

// Fills each app's allow/deny from `rules` when its ip_firewall is on (clears them otherwise).
void apply_access_rules(view::ServedApp& app, const std::vector<AccessRule>& rules);

// The rules as the kAccessRulesSetting row stores them (a JSON array), and back (nullopt when
// the text is not a JSON array).
std::string access_rules_text(const std::vector<AccessRule>& rules);
std::optional<std::vector<AccessRule>> access_rules_from_text(std::string_view text);

// ---- addresses -------------------------------------------------------------------------------

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
