#pragma once
// DNS settings of an API-managed zone and the records dnsedge generates from them (docs/api.md, dns_settings):
// the SOA (mname = the first configured name server, rname = hostmaster.<zone>, serial = the
// store's serial, refresh 10000, retry 2400, expire 604800, minimum 1800, TTL 3600) and the apex
// NS set (the configured name servers, TTL 86400). `PATCH /zones/{id}/dns_settings` overrides
// each SOA field and the NS TTL within Cloudflare's ranges (docs/api.md), and
// sets flatten_all_cnames (the same switch as the `cname_flattening` zone setting).
//
// Stored as zone settings (store ZoneSetting rows), keys:
//   "cname_flattening" → "\"flatten_at_root\"" | "\"flatten_all\""
//   "soa"              → {"mname":..,"rname":..,"refresh":..,"retry":..,"expire":..,"min_ttl":..,"ttl":..}
//                        (only the fields that were set)
//   "ns_ttl"           → number
//
// Thread safety: plain values and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "dns/zonefile.h"
#include "zone/record.h"

namespace dnsedge::control {

inline constexpr const char* kSettingFlattening = "cname_flattening";
inline constexpr const char* kSettingSoa = "soa";
inline constexpr const char* kSettingNsTtl = "ns_ttl";

struct SoaSettings {
  std::string mname;  // presentation, no final dot; "" = the first configured name server
  std::string rname;  // "" = hostmaster.<zone>
  uint32_t refresh = 10000;
  uint32_t retry = 2400;
  uint32_t expire = 604800;
  uint32_t min_ttl = 1800;
  uint32_t ttl = 3600;
};

struct DnsSettings {
  bool flatten_all = false;
  std::string flattening_modified_on;  // "" = never set
  SoaSettings soa;
  nlohmann::json soa_overrides = nlohmann::json::object();  // what the "soa" setting holds
  uint32_t ns_ttl = 86400;
  std::string modified_on;  // latest of the rows
};

// From the zone's stored settings; unknown keys and malformed values are ignored.
DnsSettings settings_from_rows(const std::vector<zone::ZoneSetting>& rows);

// Applies a PATCH body ({flatten_all_cnames, soa:{...}, ns_ttl}) to `s`. Error code 1004 with
// the field and its range for a bad value; 9207-style type errors are the API's.
Result<DnsSettings> patch_settings(const DnsSettings& s, const nlohmann::json& body);

// The rows to store for `s`.
std::vector<zone::ZoneSetting> settings_rows(const std::string& zone_id, const DnsSettings& s,
                                             const std::string& now);

// The SOA and apex NS records of zone `name` ("example.com") with `serial`. `nameservers` are
// wire names; at least one. 
Result<std::vector<dns::ZoneRecord>> generated_records(const std::string& name, const std::string& apex_wire,
                                                       uint32_t serial, const DnsSettings& s,
                                                       const std::vector<std::string>& nameservers);

// The effective SOA as Cloudflare's dns_settings.soa shows it.
nlohmann::json soa_json(const std::string& zone_name, const DnsSettings& s,
                        const std::vector<std::string>& nameservers);

}  // namespace dnsedge::control
