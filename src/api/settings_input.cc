#include "api/settings_input.h"

#include <string>

#include "api/json_io.h"
#include "control/errors.h"

namespace dnsedge::api {
namespace {

using nlohmann::json;

Error bad(std::string message) { return Error{std::move(message), errc::kValidation}; }

// The field `key` of `o` unless absent or null.
const json* given(const json& o, const char* key) {
  const auto it = o.find(key);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

Result<control::DnsSettingsPatch> dns_settings_patch(const json& body) {
  control::DnsSettingsPatch p;
  if (!body.is_object()) return p;
  if (const json* v = given(body, "flatten_all_cnames")) {
    if (!v->is_boolean()) return bad("flatten_all_cnames must be a boolean");
    p.flatten_all = v->get<bool>();
  }
  if (const json* v = given(body, "ns_ttl")) {
    // Not an integer: the range's message, as for a value outside it.
    auto ttl = control::check_ns_ttl(v->is_number_integer() ? v->get<int64_t>() : -1);
    if (!ttl) return ttl.error();
    p.ns_ttl = v->get<int64_t>();
  }
  if (const json* o = given(body, "soa")) {
    if (!o->is_object()) return bad("soa must be an object");
    control::SoaPatch& soa = p.soa.emplace();
    for (const auto& f : control::kSoaNumberFields) {
      const json* v = given(*o, f.name);
      if (v == nullptr) continue;
      auto n = control::check_soa_number(f, v->is_number_integer() ? v->get<int64_t>() : -1);
      if (!n) return n.error();
      soa.*f.patch = v->get<int64_t>();
    }
    for (auto [name, field] :
         {std::pair{"mname", &control::SoaPatch::mname}, std::pair{"rname", &control::SoaPatch::rname}}) {
      const json* v = given(*o, name);
      if (v == nullptr) continue;
      if (!v->is_string()) return bad(std::string("soa.") + name + " must be a string");
      if (auto h = control::check_soa_host(name, v->get<std::string>()); !h) return h.error();
      soa.*field = v->get<std::string>();
    }
  }
  return p;
}

Result<control::DnsSettingsPatch> flattening_patch(const json& body) {
  auto v = body.is_object() ? body.find("value") : body.end();
  if (v == body.end() || !v->is_string()) {
    return Error{"Request body is invalid: value must be \"flatten_at_root\" or \"flatten_all\"", kInvalidBody};
  }
  const std::string value = v->get<std::string>();
  control::DnsSettingsPatch p;
  if (value == "flatten_all" || value == "on") {
    p.flatten_all = true;
  } else if (value == "flatten_at_root" || value == "off" || value == "apex") {
    p.flatten_all = false;
  } else {
    return Error{"Invalid value for zone setting cname_flattening: \"" + value + "\" (flatten_at_root or flatten_all)",
                 errc::kBadSetting};
  }
  return p;
}

}  // namespace dnsedge::api
