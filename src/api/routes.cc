#include "api/routes.h"

namespace dnsedge::api {
namespace {

constexpr auto R = Access::kRead;
constexpr auto W = Access::kWrite;

constexpr RoutePermission kRoutes[] = {
    // user: tokens
    {"GET", "/user/tokens/verify", On::kToken, std::nullopt, R},
    {"GET", "/user/tokens/permission_groups", On::kUser, Area::kTokens, R},
    {"GET", "/user/tokens", On::kUser, Area::kTokens, R},
    {"POST", "/user/tokens", On::kUser, Area::kTokens, W},
    {"GET", "/user/tokens/{id}", On::kUser, Area::kTokens, R},
    {"PUT", "/user/tokens/{id}", On::kUser, Area::kTokens, W},
    {"DELETE", "/user/tokens/{id}", On::kUser, Area::kTokens, W},
    {"PUT", "/user/tokens/{id}/value", On::kUser, Area::kTokens, W},
    // accounts
    {"GET", "/accounts", On::kListAccounts, Area::kAccount, R},
    {"GET", "/accounts/{account_id}", On::kAccount, Area::kAccount, R},
    {"GET", "/accounts/{account_id}/audit_logs", On::kAccount, Area::kAccount, R},
    {"GET", "/accounts/{account_id}/secondary_dns/tsigs", On::kAccount, Area::kAccountDns, R},
    {"POST", "/accounts/{account_id}/secondary_dns/tsigs", On::kAccount, Area::kAccountDns, W},
    {"GET", "/accounts/{account_id}/secondary_dns/tsigs/{id}", On::kAccount, Area::kAccountDns, R},
    {"PUT", "/accounts/{account_id}/secondary_dns/tsigs/{id}", On::kAccount, Area::kAccountDns, W},
    {"PATCH", "/accounts/{account_id}/secondary_dns/tsigs/{id}", On::kAccount, Area::kAccountDns, W},
    {"DELETE", "/accounts/{account_id}/secondary_dns/tsigs/{id}", On::kAccount, Area::kAccountDns, W},
    {"GET", "/accounts/{account_id}/secondary_dns/peers", On::kAccount, Area::kAccountDns, R},
    {"POST", "/accounts/{account_id}/secondary_dns/peers", On::kAccount, Area::kAccountDns, W},
    {"GET", "/accounts/{account_id}/secondary_dns/peers/{id}", On::kAccount, Area::kAccountDns, R},
    {"PUT", "/accounts/{account_id}/secondary_dns/peers/{id}", On::kAccount, Area::kAccountDns, W},
    {"PATCH", "/accounts/{account_id}/secondary_dns/peers/{id}", On::kAccount, Area::kAccountDns, W},
    {"DELETE", "/accounts/{account_id}/secondary_dns/peers/{id}", On::kAccount, Area::kAccountDns, W},
    // zones
    {"GET", "/zones", On::kListZones, std::nullopt, R},
    {"POST", "/zones", On::kNewZone, Area::kZone, W},
    {"GET", "/zones/{zone_id}", On::kZone, std::nullopt, R},
    {"PATCH", "/zones/{zone_id}", On::kZone, Area::kZone, W},
    {"DELETE", "/zones/{zone_id}", On::kZone, Area::kZone, W},
    // DNS records
    {"GET", "/zones/{zone_id}/dns_records", On::kZone, Area::kDns, R},
    {"POST", "/zones/{zone_id}/dns_records", On::kZone, Area::kDns, W},
    {"POST", "/zones/{zone_id}/dns_records/batch", On::kZone, Area::kDns, W},
    {"POST", "/zones/{zone_id}/dns_records/import", On::kZone, Area::kDns, W},
    {"GET", "/zones/{zone_id}/dns_records/export", On::kZone, Area::kDns, R},
    {"GET", "/zones/{zone_id}/dns_records/served", On::kZone, Area::kDns, R},
    {"GET", "/zones/{zone_id}/dns_records/{id}", On::kZone, Area::kDns, R},
    {"PATCH", "/zones/{zone_id}/dns_records/{id}", On::kZone, Area::kDns, W},
    {"PUT", "/zones/{zone_id}/dns_records/{id}", On::kZone, Area::kDns, W},
    {"DELETE", "/zones/{zone_id}/dns_records/{id}", On::kZone, Area::kDns, W},
    {"GET", "/zones/{zone_id}/mail_doctor", On::kZone, Area::kDns, R},
    // settings
    {"GET", "/zones/{zone_id}/dns_settings", On::kZone, Area::kDnsSettings, R},
    {"PATCH", "/zones/{zone_id}/dns_settings", On::kZone, Area::kDnsSettings, W},
    {"GET", "/zones/{zone_id}/settings/cname_flattening", On::kZone, Area::kZoneSettings, R},
    {"PATCH", "/zones/{zone_id}/settings/cname_flattening", On::kZone, Area::kZoneSettings, W},
    // Spectrum apps
    {"GET", "/zones/{zone_id}/spectrum/apps", On::kZone, Area::kZoneSettings, R},
    {"POST", "/zones/{zone_id}/spectrum/apps", On::kZone, Area::kZoneSettings, W},
    {"GET", "/zones/{zone_id}/spectrum/apps/{id}", On::kZone, Area::kZoneSettings, R},
    {"PUT", "/zones/{zone_id}/spectrum/apps/{id}", On::kZone, Area::kZoneSettings, W},
    {"DELETE", "/zones/{zone_id}/spectrum/apps/{id}", On::kZone, Area::kZoneSettings, W},
    // IP access rules
    {"GET", "/zones/{zone_id}/firewall/access_rules/rules", On::kZone, Area::kFirewall, R},
    {"POST", "/zones/{zone_id}/firewall/access_rules/rules", On::kZone, Area::kFirewall, W},
    {"DELETE", "/zones/{zone_id}/firewall/access_rules/rules/{id}", On::kZone, Area::kFirewall, W},
    // zone transfers of a zone
    {"GET", "/zones/{zone_id}/secondary_dns/outgoing", On::kZone, Area::kDns, R},
    {"POST", "/zones/{zone_id}/secondary_dns/outgoing", On::kZone, Area::kDns, W},
    {"PUT", "/zones/{zone_id}/secondary_dns/outgoing", On::kZone, Area::kDns, W},
    {"PATCH", "/zones/{zone_id}/secondary_dns/outgoing", On::kZone, Area::kDns, W},
    {"DELETE", "/zones/{zone_id}/secondary_dns/outgoing", On::kZone, Area::kDns, W},
    {"GET", "/zones/{zone_id}/secondary_dns/incoming", On::kZone, Area::kDns, R},
    {"POST", "/zones/{zone_id}/secondary_dns/incoming", On::kZone, Area::kDns, W},
    {"PUT", "/zones/{zone_id}/secondary_dns/incoming", On::kZone, Area::kDns, W},
    {"PATCH", "/zones/{zone_id}/secondary_dns/incoming", On::kZone, Area::kDns, W},
    {"DELETE", "/zones/{zone_id}/secondary_dns/incoming", On::kZone, Area::kDns, W},
};

}  // namespace

std::span<const RoutePermission> route_permissions() { return kRoutes; }

std::optional<RouteMatch> match_route(std::string_view method, const std::vector<std::string>& segments) {
  for (const auto& rule : kRoutes) {
    if (rule.method != method) continue;
    RouteMatch m;
    m.rule = &rule;
    size_t i = 0;
    std::string_view p = rule.pattern;
    bool matched = true;
    while (!p.empty()) {
      p.remove_prefix(1);  // '/'
      const size_t slash = p.find('/');
      const std::string_view part = p.substr(0, slash);
      p = slash == std::string_view::npos ? std::string_view() : p.substr(slash);
      if (i >= segments.size()) {
        matched = false;
        break;
      }
      const std::string& seg = segments[i++];
      if (part == "{zone_id}") {
        m.zone_id = seg;
      } else if (part == "{account_id}") {
        m.account_id = seg;
      } else if (part != "{id}" && part != seg) {
        matched = false;
        break;
      }
    }
    if (matched && i == segments.size()) return m;
  }
  return std::nullopt;
}

}  // namespace dnsedge::api
