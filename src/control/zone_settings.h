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
#include <string_view>
#include <vector>

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

// The SOA fields a client set (what the "soa" setting holds); unset ones take the defaults.
struct SoaOverrides {
  std::optional<std::string> mname, rname;  // normalized host names
  std::optional<uint32_t> refresh, retry, expire, min_ttl, ttl;

  bool operator==(const SoaOverrides&) const = default;
};

struct DnsSettings {
  bool flatten_all = false;
  std::string flattening_modified_on;  // "" = never set
  SoaSettings soa;
  SoaOverrides soa_overrides;
  uint32_t ns_ttl = 86400;
  std::string modified_on;  // latest of the rows
};

// A change of the SOA (PATCH dns_settings' "soa"): set fields replace the stored override.
struct SoaPatch {
  std::optional<std::string> mname, rname;  // a host name; "" = back to the default
  std::optional<int64_t> refresh, retry, expire, min_ttl, ttl;
};

// A change of the DNS settings (PATCH dns_settings, settings/cname_flattening): set fields
// change, unset ones keep their value.
struct DnsSettingsPatch {
  std::optional<bool> flatten_all;  // flatten_all_cnames
  std::optional<int64_t> ns_ttl;
  std::optional<SoaPatch> soa;  // set: the SOA is checked as a whole (retry, expire vs refresh)
};

// The numeric SOA fields, in the order they are checked, with Cloudflare's allowed ranges
// (docs/api.md, dns_settings).
struct SoaNumberField {
  const char* name;  // "refresh", as the API spells it
  std::optional<int64_t> SoaPatch::*patch;
  std::optional<uint32_t> SoaOverrides::*stored;
  uint32_t SoaSettings::*value;
  uint32_t min, max;
};
inline constexpr SoaNumberField kSoaNumberFields[] = {
    {"refresh", &SoaPatch::refresh, &SoaOverrides::refresh, &SoaSettings::refresh, 600, 86400},
    {"retry", &SoaPatch::retry, &SoaOverrides::retry, &SoaSettings::retry, 600, 3600},
    {"expire", &SoaPatch::expire, &SoaOverrides::expire, &SoaSettings::expire, 86400, 2419200},
    {"min_ttl", &SoaPatch::min_ttl, &SoaOverrides::min_ttl, &SoaSettings::min_ttl, 60, 86400},
    {"ttl", &SoaPatch::ttl, &SoaOverrides::ttl, &SoaSettings::ttl, 1800, 3600},
};

// The checks of single fields, each with its error (code 1004, the message names the field
// and its range): patch_settings() runs them in this order, and a parser of request bodies
// may run them as it reads each field so that the first bad field is the one reported.
// `v` is the integer the client gave.
Result<uint32_t> check_ns_ttl(int64_t v);
Result<uint32_t> check_soa_number(const SoaNumberField& f, int64_t v);
// `field` "mname" or "rname": "" (back to the default) or the normalized host name.
Result<std::string> check_soa_host(std::string_view field, std::string_view v);

// From the zone's stored settings; unknown keys and malformed values are ignored.
DnsSettings settings_from_rows(const std::vector<zone::ZoneSetting>& rows);

// Applies `patch` to `s`: each set field is checked as above, then the SOA as a whole (retry
// not above refresh, expire not below it). Errors have code 1004.
Result<DnsSettings> patch_settings(const DnsSettings& s, const DnsSettingsPatch& patch);

// The rows to store for `s`.
std::vector<zone::ZoneSetting> settings_rows(const std::string& zone_id, const DnsSettings& s,
                                             const std::string& now);

// The SOA and apex NS records of zone `name` ("example.com") with `serial`. `nameservers` are
// wire names; at least one. 
Result<std::vector<dns::ZoneRecord>> generated_records(const std::string& name, const std::string& apex_wire,
                                                       uint32_t serial, const DnsSettings& s,
                                                       const std::vector<std::string>& nameservers);

// The SOA's rname (presentation, no final dot) of zone `zone_name` ("example.com"): the
// override, else hostmaster.<zone>.
std::string effective_rname(const std::string& zone_name, const DnsSettings& s);

}  // namespace dnsedge::control
