#include "control/zone_settings.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "control/errors.h"
#include "control/validate.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::control {
namespace {

using nlohmann::json;

constexpr uint32_t kNsTtlMin = 30, kNsTtlMax = 86400;

Error bad(std::string message) { return Error{std::move(message), errc::kValidation}; }

// The host-name overrides, as the "soa" setting spells them.
struct SoaHostField {
  const char* name;
  std::optional<std::string> SoaPatch::*patch;
  std::optional<std::string> SoaOverrides::*stored;
  std::string SoaSettings::*value;
};
constexpr SoaHostField kSoaHostFields[] = {
    {"mname", &SoaPatch::mname, &SoaOverrides::mname, &SoaSettings::mname},
    {"rname", &SoaPatch::rname, &SoaOverrides::rname, &SoaSettings::rname},
};

// Applies `o` (already validated or from the store) onto the defaults.
void apply_soa(SoaSettings& soa, const SoaOverrides& o) {
  for (const auto& f : kSoaNumberFields) {
    if (o.*f.stored) soa.*f.value = *(o.*f.stored);
  }
  for (const auto& f : kSoaHostFields) {
    if (o.*f.stored) soa.*f.value = *(o.*f.stored);
  }
}

// The "soa" setting's JSON object ↔ its overrides; fields of the wrong type are ignored.
SoaOverrides soa_from_json(const json& o) {
  SoaOverrides out;
  for (const auto& f : kSoaNumberFields) {
    if (o.contains(f.name) && o[f.name].is_number_unsigned()) out.*f.stored = o[f.name].get<uint32_t>();
  }
  for (const auto& f : kSoaHostFields) {
    if (o.contains(f.name) && o[f.name].is_string()) out.*f.stored = o[f.name].get<std::string>();
  }
  return out;
}

json soa_to_json(const SoaOverrides& o) {
  json out = json::object();
  for (const auto& f : kSoaNumberFields) {
    if (o.*f.stored) out[f.name] = *(o.*f.stored);
  }
  for (const auto& f : kSoaHostFields) {
    if (o.*f.stored) out[f.name] = *(o.*f.stored);
  }
  return out;
}

std::string host_text(const std::string& wire) {
  std::string t = dns::name_to_text(wire);
  if (t.size() > 1 && t.back() == '.') t.pop_back();
  return t;
}

}  // namespace

Result<uint32_t> check_ns_ttl(int64_t v) {
  if (v < kNsTtlMin || v > kNsTtlMax) return bad("ns_ttl must be an integer between 30 and 86400");
  return static_cast<uint32_t>(v);
}

Result<uint32_t> check_soa_number(const SoaNumberField& f, int64_t v) {
  if (v < f.min || v > f.max) {
    return bad(std::string("soa.") + f.name + " must be an integer between " + std::to_string(f.min) + " and " +
               std::to_string(f.max));
  }
  return static_cast<uint32_t>(v);
}

Result<std::string> check_soa_host(std::string_view field, std::string_view v) {
  if (v.empty()) return std::string();  // back to the default
  auto n = normalize_zone_name(v);
  if (!n) return bad("soa." + std::string(field) + " must be a host name");
  return *n;
}

DnsSettings settings_from_rows(const std::vector<zone::ZoneSetting>& rows) {
  DnsSettings s;
  for (const auto& row : rows) {
    json v;
    try {
      v = json::parse(row.value_json);
    } catch (...) {
      continue;
    }
    if (row.key == kSettingFlattening && v.is_string()) {
      s.flatten_all = v.get<std::string>() == "flatten_all";
      s.flattening_modified_on = row.modified_on;
    } else if (row.key == kSettingSoa && v.is_object()) {
      s.soa_overrides = soa_from_json(v);
      apply_soa(s.soa, s.soa_overrides);
    } else if (row.key == kSettingNsTtl && v.is_number_unsigned()) {
      s.ns_ttl = v.get<uint32_t>();
    } else {
      continue;
    }
    s.modified_on = std::max(s.modified_on, row.modified_on);
  }
  return s;
}

Result<DnsSettings> patch_settings(const DnsSettings& in, const DnsSettingsPatch& patch) {
  DnsSettings s = in;
  if (patch.flatten_all) s.flatten_all = *patch.flatten_all;
  if (patch.ns_ttl) {
    auto v = check_ns_ttl(*patch.ns_ttl);
    if (!v) return v.error();
    s.ns_ttl = *v;
  }
  if (patch.soa) {
    SoaOverrides merged = s.soa_overrides;
    for (const auto& f : kSoaNumberFields) {
      const auto& given = (*patch.soa).*f.patch;
      if (!given) continue;
      auto v = check_soa_number(f, *given);
      if (!v) return v.error();
      merged.*f.stored = *v;
    }
    for (const auto& f : kSoaHostFields) {
      const auto& given = (*patch.soa).*f.patch;
      if (!given) continue;
      auto v = check_soa_host(f.name, *given);
      if (!v) return v.error();
      if (v->empty()) {
        (merged.*f.stored).reset();
      } else {
        merged.*f.stored = std::move(*v);
      }
    }
    SoaSettings soa;
    apply_soa(soa, merged);
    if (soa.retry > soa.refresh) return bad("soa.retry must not be greater than soa.refresh");
    if (soa.expire < soa.refresh) return bad("soa.expire must not be less than soa.refresh");
    s.soa = soa;
    s.soa_overrides = std::move(merged);
  }
  return s;
}

std::vector<zone::ZoneSetting> settings_rows(const std::string& zone_id, const DnsSettings& s,
                                             const std::string& now) {
  return {
      zone::ZoneSetting{zone_id, kSettingFlattening, json(s.flatten_all ? "flatten_all" : "flatten_at_root").dump(),
                        now},
      zone::ZoneSetting{zone_id, kSettingSoa, soa_to_json(s.soa_overrides).dump(), now},
      zone::ZoneSetting{zone_id, kSettingNsTtl, json(s.ns_ttl).dump(), now},
  };
}

Result<std::vector<dns::ZoneRecord>> generated_records(const std::string& name, const std::string& apex_wire,
                                                       uint32_t serial, const DnsSettings& s,
                                                       const std::vector<std::string>& nameservers) {
  if (nameservers.empty()) return make_error("no name servers configured for the apex NS set");
  const std::string mname = s.soa.mname.empty() ? host_text(nameservers.front()) : s.soa.mname;
  const std::string rname = effective_rname(name, s);
  const std::string text = mname + ". " + rname + ". " + std::to_string(serial) + " " + std::to_string(s.soa.refresh) +
                           " " + std::to_string(s.soa.retry) + " " + std::to_string(s.soa.expire) + " " +
                           std::to_string(s.soa.min_ttl);
  auto soa = dns::rdata_from_text(dns::rrtype::kSOA, text, apex_wire);
  if (!soa) return make_error("generated SOA " + text + ": " + soa.error().message);
  std::vector<dns::ZoneRecord> out;
  dns::ZoneRecord r;
  r.owner = apex_wire;
  r.type = dns::rrtype::kSOA;
  r.ttl = s.soa.ttl;
  r.rdata = std::move(*soa);
  out.push_back(r);
  for (const auto& ns : nameservers) {
    dns::ZoneRecord n;
    n.owner = apex_wire;
    n.type = dns::rrtype::kNS;
    n.ttl = s.ns_ttl;
    n.rdata = ns;
    out.push_back(std::move(n));
  }
  return out;
}

std::string effective_rname(const std::string& zone_name, const DnsSettings& s) {
  return s.soa.rname.empty() ? "hostmaster." + zone_name : s.soa.rname;
}

}  // namespace dnsedge::control
