#include "api/routes.h"

#include "api/analytics_api.h"
#include "api/handlers.h"

namespace dnsedge::api {
namespace {

constexpr auto R = Access::kRead;
constexpr auto W = Access::kWrite;

// One row a line, whatever its length (clang-format would rewrap the whole table on any change).
// clang-format off
constexpr Route kRoutes[] = {
    // tokens (accounts_api.cc)
    {"GET", "/user/tokens/verify", verify_token, On::kToken, std::nullopt, R},
    {"GET", "/user/tokens", list_tokens, On::kUser, Area::kTokens, R},
    {"POST", "/user/tokens", create_token, On::kUser, Area::kTokens, W},
    {"GET", "/user/tokens/{token_id}", get_token, On::kUser, Area::kTokens, R},
    {"PUT", "/user/tokens/{token_id}", put_token, On::kUser, Area::kTokens, W},
    {"DELETE", "/user/tokens/{token_id}", delete_token, On::kUser, Area::kTokens, W},
    {"PUT", "/user/tokens/{token_id}/value", roll_token, On::kUser, Area::kTokens, W},
    {"GET", "/user/tokens/permission_groups", permission_groups, On::kUser, Area::kTokens, R},
    // accounts (accounts_api.cc)
    {"GET", "/accounts/{account_id}/audit_logs", audit_logs, On::kAccount, Area::kAccount, R},
    {"GET", "/accounts", list_accounts, On::kListAccounts, Area::kAccount, R},
    {"GET", "/accounts/{account_id}", get_account, On::kAccount, Area::kAccount, R},
    // zones (zones_api.cc)
    {"GET", "/zones", list_zones, On::kListZones, std::nullopt, R},
    {"POST", "/zones", create_zone, On::kNewZone, Area::kZone, W},
    {"GET", "/zones/{zone_id}", get_zone, On::kZone, std::nullopt, R},
    {"PATCH", "/zones/{zone_id}", patch_zone, On::kZone, Area::kZone, W},
    {"DELETE", "/zones/{zone_id}", delete_zone, On::kZone, Area::kZone, W},
    // DNS records (records_api.cc)
    {"GET", "/zones/{zone_id}/dns_records", list_dns_records, On::kZone, Area::kDns, R},
    {"POST", "/zones/{zone_id}/dns_records", create_record, On::kZone, Area::kDns, W},
    {"GET", "/zones/{zone_id}/dns_records/{record_id}", get_record, On::kZone, Area::kDns, R},
    {"PATCH", "/zones/{zone_id}/dns_records/{record_id}", patch_record, On::kZone, Area::kDns, W},
    {"PUT", "/zones/{zone_id}/dns_records/{record_id}", put_record, On::kZone, Area::kDns, W},
    {"DELETE", "/zones/{zone_id}/dns_records/{record_id}", delete_record, On::kZone, Area::kDns, W},
    {"POST", "/zones/{zone_id}/dns_records/batch", batch_records, On::kZone, Area::kDns, W},
    {"POST", "/zones/{zone_id}/dns_records/import", import_records, On::kZone, Area::kDns, W},
    {"GET", "/zones/{zone_id}/dns_records/export", export_records, On::kZone, Area::kDns, R},
    {"GET", "/zones/{zone_id}/dns_records/served", served_records, On::kZone, Area::kDns, R},
    // the mail doctor (doctor_api.cc)
    {"GET", "/zones/{zone_id}/mail_doctor", get_mail_doctor, On::kZone, Area::kDns, R},
    // DNS analytics (analytics_api.cc)
    {"GET", "/zones/{zone_id}/dns_analytics/report", get_dns_analytics_report, On::kZone, Area::kAnalytics, R},
    {"GET", "/zones/{zone_id}/dns_analytics/report/bytime", get_dns_analytics_bytime, On::kZone, Area::kAnalytics, R},
    // settings (settings_api.cc)
    {"GET", "/zones/{zone_id}/settings/cname_flattening", get_flattening, On::kZone, Area::kZoneSettings, R},
    {"PATCH", "/zones/{zone_id}/settings/cname_flattening", patch_flattening, On::kZone, Area::kZoneSettings, W},
    {"GET", "/zones/{zone_id}/dns_settings", get_dns_settings, On::kZone, Area::kDnsSettings, R},
    {"PATCH", "/zones/{zone_id}/dns_settings", patch_dns_settings, On::kZone, Area::kDnsSettings, W},
    // DNSSEC (dnssec_api.cc)
    {"GET", "/zones/{zone_id}/dnssec", get_dnssec, On::kZone, Area::kDnsSettings, R},
    {"PATCH", "/zones/{zone_id}/dnssec", patch_dnssec, On::kZone, Area::kDnsSettings, W},
    {"DELETE", "/zones/{zone_id}/dnssec", delete_dnssec, On::kZone, Area::kDnsSettings, W},
    // Spectrum apps and IP access rules (spectrum_api.cc)
    {"GET", "/zones/{zone_id}/spectrum/apps", list_apps, On::kZone, Area::kZoneSettings, R},
    {"POST", "/zones/{zone_id}/spectrum/apps", create_app, On::kZone, Area::kZoneSettings, W},
    {"GET", "/zones/{zone_id}/spectrum/apps/{app_id}", get_app, On::kZone, Area::kZoneSettings, R},
    {"PUT", "/zones/{zone_id}/spectrum/apps/{app_id}", put_app, On::kZone, Area::kZoneSettings, W},
    {"DELETE", "/zones/{zone_id}/spectrum/apps/{app_id}", delete_app, On::kZone, Area::kZoneSettings, W},
    {"GET", "/zones/{zone_id}/firewall/access_rules/rules", list_access_rules, On::kZone, Area::kFirewall, R},
    {"POST", "/zones/{zone_id}/firewall/access_rules/rules", create_access_rule, On::kZone, Area::kFirewall, W},
    {"DELETE", "/zones/{zone_id}/firewall/access_rules/rules/{id}", delete_access_rule, On::kZone, Area::kFirewall, W},
    // page rules (pagerules_api.cc)
    {"GET", "/zones/{zone_id}/pagerules", list_page_rules, On::kZone, Area::kZoneSettings, R},
    {"POST", "/zones/{zone_id}/pagerules", create_page_rule, On::kZone, Area::kZoneSettings, W},
    {"GET", "/zones/{zone_id}/pagerules/{pagerule_id}", get_page_rule, On::kZone, Area::kZoneSettings, R},
    {"PUT", "/zones/{zone_id}/pagerules/{pagerule_id}", put_page_rule, On::kZone, Area::kZoneSettings, W},
    {"PATCH", "/zones/{zone_id}/pagerules/{pagerule_id}", patch_page_rule, On::kZone, Area::kZoneSettings, W},
    {"DELETE", "/zones/{zone_id}/pagerules/{pagerule_id}", delete_page_rule, On::kZone, Area::kZoneSettings, W},
    // zone transfers (secondary_dns.cc)
    {"GET", "/accounts/{account_id}/secondary_dns/tsigs", secondary_dns_account, On::kAccount, Area::kAccountDns, R},
    {"POST", "/accounts/{account_id}/secondary_dns/tsigs", secondary_dns_account, On::kAccount, Area::kAccountDns, W},
    {"GET", "/accounts/{account_id}/secondary_dns/tsigs/{id}", secondary_dns_account, On::kAccount, Area::kAccountDns, R},
    {"PUT", "/accounts/{account_id}/secondary_dns/tsigs/{id}", secondary_dns_account, On::kAccount, Area::kAccountDns, W},
    {"PATCH", "/accounts/{account_id}/secondary_dns/tsigs/{id}", secondary_dns_account, On::kAccount, Area::kAccountDns, W},
    {"DELETE", "/accounts/{account_id}/secondary_dns/tsigs/{id}", secondary_dns_account, On::kAccount, Area::kAccountDns, W},
    {"GET", "/accounts/{account_id}/secondary_dns/peers", secondary_dns_account, On::kAccount, Area::kAccountDns, R},
    {"POST", "/accounts/{account_id}/secondary_dns/peers", secondary_dns_account, On::kAccount, Area::kAccountDns, W},
    {"GET", "/accounts/{account_id}/secondary_dns/peers/{id}", secondary_dns_account, On::kAccount, Area::kAccountDns, R},
    {"PUT", "/accounts/{account_id}/secondary_dns/peers/{id}", secondary_dns_account, On::kAccount, Area::kAccountDns, W},
    {"PATCH", "/accounts/{account_id}/secondary_dns/peers/{id}", secondary_dns_account, On::kAccount, Area::kAccountDns, W},
    {"DELETE", "/accounts/{account_id}/secondary_dns/peers/{id}", secondary_dns_account, On::kAccount, Area::kAccountDns, W},
    {"GET", "/zones/{zone_id}/secondary_dns/outgoing", secondary_dns_zone, On::kZone, Area::kDns, R},
    {"POST", "/zones/{zone_id}/secondary_dns/outgoing", secondary_dns_zone, On::kZone, Area::kDns, W},
    {"PUT", "/zones/{zone_id}/secondary_dns/outgoing", secondary_dns_zone, On::kZone, Area::kDns, W},
    {"PATCH", "/zones/{zone_id}/secondary_dns/outgoing", secondary_dns_zone, On::kZone, Area::kDns, W},
    {"DELETE", "/zones/{zone_id}/secondary_dns/outgoing", secondary_dns_zone, On::kZone, Area::kDns, W},
    {"GET", "/zones/{zone_id}/secondary_dns/incoming", secondary_dns_zone, On::kZone, Area::kDns, R},
    {"POST", "/zones/{zone_id}/secondary_dns/incoming", secondary_dns_zone, On::kZone, Area::kDns, W},
    {"PUT", "/zones/{zone_id}/secondary_dns/incoming", secondary_dns_zone, On::kZone, Area::kDns, W},
    {"PATCH", "/zones/{zone_id}/secondary_dns/incoming", secondary_dns_zone, On::kZone, Area::kDns, W},
    {"DELETE", "/zones/{zone_id}/secondary_dns/incoming", secondary_dns_zone, On::kZone, Area::kDns, W},
};
// clang-format on

bool is_parameter(std::string_view part) { return part.starts_with('{'); }

// The next segment of a pattern ("/zones/{zone_id}" -> "zones", then "{zone_id}").
std::string_view next_part(std::string_view& p) {
  p.remove_prefix(1);  // '/'
  const size_t slash = p.find('/');
  const std::string_view part = p.substr(0, slash);
  p = slash == std::string_view::npos ? std::string_view() : p.substr(slash);
  return part;
}

// Whether `pattern` matches `segments`; fills the parameters of `m`.
bool matches(std::string_view pattern, const std::vector<std::string>& segments, RouteMatch& m) {
  size_t i = 0;
  while (!pattern.empty()) {
    const std::string_view part = next_part(pattern);
    if (i >= segments.size()) return false;
    const std::string& seg = segments[i++];
    if (part == "{zone_id}") {
      m.zone_id = seg;
    } else if (part == "{account_id}") {
      m.account_id = seg;
    } else if (is_parameter(part)) {
      m.id = seg;
    } else if (part != seg) {
      return false;
    }
  }
  return i == segments.size();
}

// Of two patterns that match the same path: whether `a` is the more specific.
bool more_specific(std::string_view a, std::string_view b) {
  while (!a.empty() && !b.empty()) {
    const bool pa = is_parameter(next_part(a));
    const bool pb = is_parameter(next_part(b));
    if (pa != pb) return !pa;
  }
  return false;
}

std::optional<RouteMatch> best_match(std::string_view method, const std::vector<std::string>& segments) {
  std::optional<RouteMatch> best;
  for (const auto& route : kRoutes) {
    if (!method.empty() && route.method != method) continue;
    RouteMatch m;
    m.rule = &route;
    if (!matches(route.pattern, segments, m)) continue;
    if (!best || more_specific(route.pattern, best->rule->pattern)) best = std::move(m);
  }
  return best;
}

}  // namespace

std::span<const Route> routes() { return kRoutes; }

std::optional<RouteMatch> match_route(std::string_view method, const std::vector<std::string>& segments) {
  if (method.empty()) return std::nullopt;
  return best_match(method, segments);
}

std::optional<RouteMatch> match_path(const std::vector<std::string>& segments) { return best_match({}, segments); }

const Route* route_of(std::string_view pattern, std::string_view method) {
  for (const auto& route : kRoutes) {
    if (route.pattern == pattern && route.method == method) return &route;
  }
  return nullptr;
}

}  // namespace dnsedge::api
