#include "control/zone_settings.h"

#include <algorithm>

#include "control/errors.h"
#include "control/validate.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::control {
namespace {

using nlohmann::json;

struct Range {
  const char* field;
  uint32_t SoaSettings::*member;
  uint32_t min, max;
};

// Cloudflare's allowed SOA ranges (docs/api.md, dns_settings).
constexpr Range kSoaRanges[] = {
    {"refresh", &SoaSettings::refresh, 600, 86400},
    {"retry", &SoaSettings::retry, 600, 3600},
    {"expire", &SoaSettings::expire, 86400, 2419200},
    {"min_ttl", &SoaSettings::min_ttl, 60, 86400},
    {"ttl", &SoaSettings::ttl, 1800, 3600},
};
constexpr uint32_t kNsTtlMin = 30, kNsTtlMax = 86400;

Error bad(std::string message) { return Error{std::move(message), errc::kValidation}; }

// Applies `o` (already validated or from the store) onto the defaults.
void apply_soa(SoaSettings& soa, const json& o) {
  if (!o.is_object()) return;
  for (const auto& r : kSoaRanges) {
    if (o.contains(r.field) && o[r.field].is_number_unsigned()) soa.*r.member = o[r.field].get<uint32_t>();
  }
  if (o.contains("mname") && o["mname"].is_string()) soa.mname = o["mname"].get<std::string>();
  if (o.contains("rname") && o["rname"].is_string()) soa.rname = o["rname"].get<std::string>();
}

std::string host_text(const std::string& wire) {
  std::string t = dns::name_to_text(wire);
  if (t.size() > 1 && t.back() == '.') t.pop_back();
  return t;
}

}  // namespace

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
      s.soa_overrides = v;
      apply_soa(s.soa, v);
    } else if (row.key == kSettingNsTtl && v.is_number_unsigned()) {
      s.ns_ttl = v.get<uint32_t>();
    } else {
      continue;
    }
    s.modified_on = std::max(s.modified_on, row.modified_on);
  }
  return s;
}

Result<DnsSettings> patch_settings(const DnsSettings& in, const json& body) {
  DnsSettings s = in;
  if (body.contains("flatten_all_cnames") && !body["flatten_all_cnames"].is_null()) {
    if (!body["flatten_all_cnames"].is_boolean()) return bad("flatten_all_cnames must be a boolean");
    s.flatten_all = body["flatten_all_cnames"].get<bool>();
  }
  if (body.contains("ns_ttl") && !body["ns_ttl"].is_null()) {
    const json& v = body["ns_ttl"];
    if (!v.is_number_integer() || v.get<int64_t>() < kNsTtlMin || v.get<int64_t>() > kNsTtlMax) {
      return bad("ns_ttl must be an integer between 30 and 86400");
    }
    s.ns_ttl = v.get<uint32_t>();
  }
  if (body.contains("soa") && !body["soa"].is_null()) {
    const json& o = body["soa"];
    if (!o.is_object()) return bad("soa must be an object");
    json merged = s.soa_overrides.is_object() ? s.soa_overrides : json::object();
    for (const auto& r : kSoaRanges) {
      if (!o.contains(r.field) || o[r.field].is_null()) continue;
      const json& v = o[r.field];
      if (!v.is_number_integer() || v.get<int64_t>() < r.min || v.get<int64_t>() > r.max) {
        return bad(std::string("soa.") + r.field + " must be an integer between " + std::to_string(r.min) + " and " +
                   std::to_string(r.max));
      }
      merged[r.field] = v.get<uint32_t>();
    }
    for (const char* f : {"mname", "rname"}) {
      if (!o.contains(f) || o[f].is_null()) continue;
      if (!o[f].is_string()) return bad(std::string("soa.") + f + " must be a string");
      std::string v = o[f].get<std::string>();
      if (v.empty()) {
        merged.erase(f);  // back to the default
        continue;
      }
      auto n = normalize_zone_name(v);
      if (!n) return bad(std::string("soa.") + f + " must be a host name");
      merged[f] = *n;
    }
    SoaSettings soa;
    apply_soa(soa, merged);
    if (soa.retry > soa.refresh) return bad("soa.retry must not be greater than soa.refresh");
    if (soa.expire < soa.refresh) return bad("soa.expire must not be less than soa.refresh");
    s.soa = soa;
    s.soa_overrides = merged;
  }
  return s;
}

std::vector<zone::ZoneSetting> settings_rows(const std::string& zone_id, const DnsSettings& s,
                                             const std::string& now) {
  return {
      zone::ZoneSetting{zone_id, kSettingFlattening, json(s.flatten_all ? "flatten_all" : "flatten_at_root").dump(), now},
      zone::ZoneSetting{zone_id, kSettingSoa, s.soa_overrides.dump(), now},
      zone::ZoneSetting{zone_id, kSettingNsTtl, json(s.ns_ttl).dump(), now},
  };
}

Result<std::vector<dns::ZoneRecord>> generated_records(const std::string& name, const std::string& apex_wire,
                                                       uint32_t serial, const DnsSettings& s,
                                                       const std::vector<std::string>& nameservers) {
  if (nameservers.empty()) return make_error("no name servers configured for the apex NS set");
  const std::string mname = s.soa.mname.empty() ? host_text(nameservers.front()) : s.soa.mname;
  const std::string rname = s.soa.rname.empty() ? "hostmaster." + name : s.soa.rname;
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

json soa_json(const std::string& zone_name, const DnsSettings& s, const std::vector<std::string>& nameservers) {
  const std::string mname = !s.soa.mname.empty() ? s.soa.mname
                            : nameservers.empty() ? std::string()
                                                  : host_text(nameservers.front());
  return {{"mname", mname},
          {"rname", s.soa.rname.empty() ? "hostmaster." + zone_name : s.soa.rname},
          {"refresh", s.soa.refresh},
          {"retry", s.soa.retry},
          {"expire", s.soa.expire},
          {"min_ttl", s.soa.min_ttl},
          {"ttl", s.soa.ttl}};
}

}  // namespace dnsedge::control
