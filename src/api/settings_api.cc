// The zone settings endpoints: dns_settings and settings/cname_flattening (docs/api.md).
#include "api/call.h"
#include "api/handlers.h"
#include "api/json_io.h"

namespace dnsedge::api {
namespace {

using json = OJson;
using InJson = nlohmann::json;
using errc::kBadSetting;

json dns_settings_json(Call& x, const control::ZoneInfo& z, const control::DnsSettings& s) {
  json soa = control::soa_json(z.zone.name, s, {});
  if (!z.file_backed && s.soa.mname.empty()) {
    const auto ns = x.c.nameservers_text();
    soa["mname"] = ns.empty() ? "" : ns.front();
  }
  return {{"flatten_all_cnames", s.flatten_all},
          {"foundation_dns", false},
          {"multi_provider", false},
          {"ns_ttl", s.ns_ttl},
          {"secondary_overrides", false},
          {"soa", soa},
          {"zone_mode", "standard"},
          {"nameservers", {{"type", z.file_backed ? "custom.zone" : "custom.account"}, {"ns_set", 1}}},
          {"internal_dns", {{"reference_zone_id", nullptr}}}};
}

json flattening_json(const control::ZoneInfo& z, const control::DnsSettings& s) {
  return {{"id", "cname_flattening"},
          {"value", s.flatten_all ? "flatten_all" : "flatten_at_root"},
          {"editable", !z.file_backed},
          {"modified_on", s.flattening_modified_on.empty() ? json(nullptr) : json(s.flattening_modified_on)}};
}

}  // namespace

HttpResponse get_dns_settings(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto s = x.c.dns_settings(z.zone.id);
  if (!s) return fail(s.error());
  return ok(dns_settings_json(x, z, *s));
}

HttpResponse patch_dns_settings(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto b = json_body(x);
  if (!b) return fail(b.error());
  std::vector<control::ApiMessage> messages;
  auto s = x.c.update_dns_settings(z.zone.id, *b, &messages, x.write);
  if (!s) return fail(s.error());
  return ok(dns_settings_json(x, z, *s), messages);
}

HttpResponse get_flattening(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto s = x.c.dns_settings(z.zone.id);
  if (!s) return fail(s.error());
  return ok(flattening_json(z, *s));
}

HttpResponse patch_flattening(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto b = json_body(x);
  if (!b) return fail(b.error());
  auto v = b->find("value");
  if (v == b->end() || !v->is_string()) {
    return fail(Error{"Request body is invalid: value must be \"flatten_at_root\" or \"flatten_all\"", kInvalidBody});
  }
  const std::string value = v->get<std::string>();
  bool all;
  if (value == "flatten_all" || value == "on") {
    all = true;
  } else if (value == "flatten_at_root" || value == "off" || value == "apex") {
    all = false;
  } else {
    return fail(Error{"Invalid value for zone setting cname_flattening: \"" + value +
                          "\" (flatten_at_root or flatten_all)",
                      kBadSetting});
  }
  std::vector<control::ApiMessage> messages;
  auto s = x.c.update_dns_settings(z.zone.id, InJson{{"flatten_all_cnames", all}}, &messages, x.write);
  if (!s) return fail(s.error());
  return ok(flattening_json(z, *s), messages);
}

}  // namespace dnsedge::api
