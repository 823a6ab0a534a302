// The zone settings endpoints: dns_settings and settings/cname_flattening (docs/api.md).
#include "api/call.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/settings_input.h"

namespace dnsedge::api {
namespace {

using json = OJson;

// The effective SOA as Cloudflare's dns_settings.soa shows it (fields in alphabetical order, as
// the API has always written them); an API zone's default mname is the first configured name
// server.
json soa_json(Call& x, const control::ZoneInfo& z, const control::DnsSettings& s) {
  std::string mname = s.soa.mname;
  if (!z.file_backed && mname.empty()) {
    const auto ns = x.c.nameservers_text();
    mname = ns.empty() ? "" : ns.front();
  }
  json soa;
  soa["expire"] = s.soa.expire;
  soa["min_ttl"] = s.soa.min_ttl;
  soa["mname"] = mname;
  soa["refresh"] = s.soa.refresh;
  soa["retry"] = s.soa.retry;
  soa["rname"] = control::effective_rname(z.zone.name, s);
  soa["ttl"] = s.soa.ttl;
  return soa;
}

json dns_settings_json(Call& x, const control::ZoneInfo& z, const control::DnsSettings& s) {
  const json soa = soa_json(x, z, s);
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
  if (auto w = x.c.check_writable(z.zone.id); !w) return fail(w.error());
  auto patch = dns_settings_patch(*b);
  if (!patch) return fail(patch.error());
  std::vector<control::ApiMessage> messages;
  auto s = x.c.update_dns_settings(z.zone.id, *patch, &messages, x.write);
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
  auto patch = flattening_patch(*b);
  if (!patch) return fail(patch.error());
  std::vector<control::ApiMessage> messages;
  auto s = x.c.update_dns_settings(z.zone.id, *patch, &messages, x.write);
  if (!s) return fail(s.error());
  return ok(flattening_json(z, *s), messages);
}

}  // namespace dnsedge::api
