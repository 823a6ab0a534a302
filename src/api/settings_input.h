#pragma once
// The request bodies of the zone settings endpoints (docs/api.md, dns_settings and
// settings/cname_flattening) read into control::DnsSettingsPatch. Each field's JSON type is
// checked here; its value by control's rules (control/zone_settings.h), as the field is read, so
// the first bad field is the one reported. Unknown fields and null values are ignored.
//
// Thread safety: pure functions.

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "control/zone_settings.h"

namespace dnsedge::api {

// PATCH /zones/{id}/dns_settings: {flatten_all_cnames, ns_ttl, soa: {refresh, retry, expire,
// min_ttl, ttl, mname, rname}}. Errors are 1004 naming the field.
Result<control::DnsSettingsPatch> dns_settings_patch(const nlohmann::json& body);

// PATCH /zones/{id}/settings/cname_flattening: {"value": "flatten_at_root" | "flatten_all"}
// ("on", "off" and "apex" as their synonyms). A value that is not a string: kInvalidBody; an
// unknown one: kBadSetting.
Result<control::DnsSettingsPatch> flattening_patch(const nlohmann::json& body);

}  // namespace dnsedge::api
