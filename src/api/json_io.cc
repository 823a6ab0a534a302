#include "api/json_io.h"

#include <cmath>
#include <limits>

#include "control/errors.h"
#include "control/validate.h"

namespace dnsedge::api {
namespace {

using nlohmann::json;

Error type_error(const std::string& field, const char* want) {
  return Error{"Request body is invalid: " + field + " must be " + want, kInvalidBody};
}

OJson parse_or(const std::string& text, OJson fallback) {
  if (text.empty()) return fallback;
  try {
    return OJson::parse(text);
  } catch (...) {
    return fallback;
  }
}

}  // namespace

OJson success(OJson result, const std::vector<control::ApiMessage>& messages, const OJson* info) {
  OJson m = OJson::array();
  for (const auto& msg : messages) m.push_back({{"code", msg.code}, {"message", msg.message}});
  OJson out = {{"success", true}, {"errors", OJson::array()}, {"messages", m}, {"result", std::move(result)}};
  if (info != nullptr) out["result_info"] = *info;
  return out;
}

OJson failure(const std::vector<Error>& errors) {
  OJson e = OJson::array();
  for (const auto& err : errors) e.push_back({{"code", err.code}, {"message", err.message}});
  return {{"success", false}, {"errors", e}, {"messages", OJson::array()}, {"result", nullptr}};
}

OJson record_json(const zone::Record& r, bool read_only) {
  OJson settings = parse_or(r.settings_json, OJson::object());
  if (!settings.is_object()) settings = OJson::object();
  OJson tags = parse_or(r.tags_json, OJson::array());
  if (!tags.is_array()) tags = OJson::array();
  OJson out = {
      {"id", r.id},
      {"name", r.name},
      {"type", r.type},
      {"content", r.content},
      {"proxiable", control::proxiable(r.type)},
      {"proxied", r.proxied},
      {"ttl", r.ttl},
      {"settings", settings},
      {"meta",
       {{"auto_added", false}, {"managed_by_apps", false}, {"managed_by_argo_tunnel", false},
        {"source", read_only ? "zone_file" : "primary"}, {"read_only", read_only}}},
      {"comment", r.comment.empty() ? OJson(nullptr) : OJson(r.comment)},
      {"tags", tags},
      {"created_on", r.created_on},
      {"modified_on", r.modified_on},
  };
  if (r.type == "MX" || r.type == "SRV" || r.type == "URI") out["priority"] = r.priority.value_or(0);
  if (!r.data_json.empty()) out["data"] = parse_or(r.data_json, nullptr);
  if (!r.comment.empty()) out["comment_modified_on"] = r.modified_on;
  if (!tags.empty()) out["tags_modified_on"] = r.modified_on;
  return out;
}

OJson zone_json(const control::ZoneInfo& z, const zone::Account& account, const std::vector<std::string>& name_servers) {
  OJson meta = {{"step", 2},
               {"custom_certificate_quota", 0},
               {"page_rule_quota", 3},
               {"phishing_detected", false},
               {"file_backed", z.file_backed},
               {"serial", z.zone.serial}};
  if (z.file_backed) meta["file"] = z.file;
  return {
      {"id", z.zone.id},
      {"name", z.zone.name},
      {"status", z.zone.status},
      {"paused", false},
      {"type", z.zone.type},
      {"development_mode", 0},
      {"name_servers", name_servers},
      {"original_name_servers", nullptr},
      {"original_registrar", nullptr},
      {"original_dnshost", nullptr},
      {"vanity_name_servers", OJson::array()},
      {"created_on", z.zone.created_on},
      {"modified_on", z.zone.modified_on},
      {"activated_on", z.zone.created_on},
      {"meta", meta},
      {"owner", {{"id", nullptr}, {"type", "user"}, {"email", nullptr}}},
      {"account", {{"id", account.id}, {"name", account.name}}},
      {"permissions", {"#dns_records:edit", "#dns_records:read", "#zone:read", "#zone:edit"}},
      {"plan",
       {{"id", "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee"},
        {"name", "Free Website"},
        {"price", 0},
        {"currency", "USD"},
        {"frequency", ""},
        {"is_subscribed", false},
        {"can_subscribe", false},
        {"legacy_id", "free"},
        {"legacy_discount", false},
        {"externally_managed", false}}},
  };
}

Result<json> parse_body(const std::string& body) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    std::string why = e.what();
    if (const size_t p = why.find("parse error"); p != std::string::npos) why = why.substr(p);
    return Error{"Malformed JSON in request body: " + why, kMalformedJson};
  } catch (const json::out_of_range& e) {
    // A number beyond a double (1e400): nlohmann's parser refuses it with "number overflow".
    std::string why = e.what();
    if (const size_t p = why.find("number overflow"); p != std::string::npos) why = why.substr(p);
    return Error{"Request body is invalid: a number is out of range (" + why + ")", control::errc::kValidation};
  } catch (const json::exception& e) {
    return Error{std::string("Malformed JSON in request body: ") + e.what(), kMalformedJson};
  }
  if (!j.is_object()) return Error{"Malformed JSON in request body: expected a JSON object", kMalformedJson};
  return j;
}

Result<control::RecordInput> record_input(const json& b) {
  control::RecordInput in;
  if (!b.is_object()) return Error{"Request body is invalid: a record must be a JSON object", kInvalidBody};
  auto str = [&](const char* f, std::optional<std::string>& out) -> Result<void> {
    auto it = b.find(f);
    if (it == b.end() || it->is_null()) return {};
    if (!it->is_string()) return type_error(f, "a string");
    out = it->get<std::string>();
    return {};
  };
  auto integer = [&](const char* f, std::optional<int64_t>& out) -> Result<void> {
    auto it = b.find(f);
    if (it == b.end() || it->is_null()) return {};
    if (it->is_number_float()) {
      const double d = it->get<double>();
      if (!std::isfinite(d) || d != std::trunc(d)) return type_error(f, "an integer");
      // Beyond int64 (1e300) the value stays out of range for the field's own check (9021 for a
      // TTL); a cast would be undefined.
      constexpr double kLimit = 9.2e18;
      out = d >= kLimit ? std::numeric_limits<int64_t>::max()
            : d <= -kLimit ? std::numeric_limits<int64_t>::min()
                           : static_cast<int64_t>(d);
      return {};
    }
    if (it->is_number_unsigned()) {
      out = static_cast<int64_t>(std::min<uint64_t>(it->get<uint64_t>(), INT64_MAX));
      return {};
    }
    if (!it->is_number_integer()) return type_error(f, "an integer");
    out = it->get<int64_t>();
    return {};
  };
  if (auto r = str("name", in.name); !r) return r.error();
  if (auto r = str("type", in.type); !r) return r.error();
  if (auto r = str("content", in.content); !r) return r.error();
  if (auto r = integer("ttl", in.ttl); !r) return r.error();
  if (auto r = integer("priority", in.priority); !r) return r.error();
  if (auto it = b.find("proxied"); it != b.end() && !it->is_null()) {
    if (!it->is_boolean()) return type_error("proxied", "a boolean");
    in.proxied = it->get<bool>();
  }
  if (auto it = b.find("data"); it != b.end() && !it->is_null()) {
    if (!it->is_object()) return type_error("data", "an object");
    in.data = *it;
  }
  if (auto it = b.find("settings"); it != b.end() && !it->is_null()) {
    if (!it->is_object()) return type_error("settings", "an object");
    for (const char* k : {"ipv4_only", "ipv6_only", "flatten_cname"}) {
      if (it->contains(k) && !(*it)[k].is_null() && !(*it)[k].is_boolean()) {
        return type_error(std::string("settings.") + k, "a boolean");
      }
    }
    in.settings = *it;
  }
  if (auto it = b.find("comment"); it != b.end()) {
    if (it->is_null()) {
      in.comment = std::optional<std::string>();
    } else if (!it->is_string()) {
      return type_error("comment", "a string or null");
    } else {
      in.comment = std::optional<std::string>(it->get<std::string>());
    }
  }
  if (auto it = b.find("tags"); it != b.end() && !it->is_null()) {
    if (!it->is_array()) return type_error("tags", "an array of strings");
    std::vector<std::string> tags;
    for (const auto& t : *it) {
      if (!t.is_string()) return type_error("tags", "an array of strings");
      tags.push_back(t.get<std::string>());
    }
    in.tags = std::move(tags);
  }
  return in;
}

}  // namespace dnsedge::api
