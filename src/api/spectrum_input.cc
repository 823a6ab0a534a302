#include "api/spectrum_input.h"

#include <set>

namespace dnsedge::api {
namespace {

using nlohmann::json;

Error bad(std::string message) { return Error{std::move(message), control::app_errc::kBadApp}; }
Error bad_rule(std::string message) { return Error{std::move(message), control::app_errc::kBadRule}; }

// The field `key` of `o` unless absent or null.
const json* given(const json& o, const char* key) {
  const auto it = o.find(key);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}

// A string field's text; "" when absent or not a string (the field's rule then refuses it).
std::string text_of(const json* v) { return v != nullptr && v->is_string() ? v->get<std::string>() : std::string(); }

}  // namespace

Result<control::AppInput> app_input(const json& body, const std::string& zone_name) {
  if (!body.is_object()) return bad("the body must be a JSON object");
  control::AppInput in;

  const auto protocol = body.find("protocol");
  if (protocol == body.end() || !protocol->is_string()) {
    return bad("protocol is required: \"tcp/25\" or \"tcp/1000-2000\"");
  }
  in.protocol = protocol->get<std::string>();
  auto ports = control::parse_app_protocol(in.protocol);
  if (!ports) return ports.error();

  const auto dns = body.find("dns");
  if (dns == body.end() || !dns->is_object()) {
    return bad("dns is required: {\"type\": \"ADDRESS\" or \"CNAME\", \"name\": \"app.<zone>\"}");
  }
  in.dns_type = text_of(given(*dns, "type"));
  if (auto r = control::check_app_dns_type(in.dns_type); !r) return r.error();
  in.dns_name = text_of(given(*dns, "name"));
  if (auto r = control::check_app_dns_name(in.dns_name, zone_name); !r) return r.error();

  const json* direct = given(body, "origin_direct");
  const json* by_dns = given(body, "origin_dns");
  const json* port = given(body, "origin_port");
  if (auto r = control::check_app_origin_choice(direct != nullptr, by_dns != nullptr); !r) return r.error();
  if (direct != nullptr) {
    if (!direct->is_array() || direct->empty())
      return bad("origin_direct must be a non-empty array of \"tcp://IP:PORT\"");
    for (const auto& o : *direct) {
      if (!o.is_string()) return control::bad_app_origin(o.dump());
      if (auto r = control::check_app_origin(o.get<std::string>()); !r) return r.error();
      in.origin_direct.push_back(o.get<std::string>());
    }
    if (port != nullptr) return control::app_origin_port_beside_direct();
  } else {
    if (!by_dns->is_object()) return bad("origin_dns must be an object {\"name\": \"origin.example.com\"}");
    in.origin_dns = text_of(given(*by_dns, "name"));
    if (auto r = control::check_app_origin_dns(in.origin_dns); !r) return r.error();
    // A port is an integer or "FIRST-LAST"; anything else reads as none given.
    if (port != nullptr && port->is_number_integer()) {
      in.origin_port = std::to_string(port->get<int64_t>());
    } else {
      in.origin_port = text_of(port);
    }
    if (auto r = control::check_app_origin_port(in.origin_port, ports->first, ports->second); !r) return r.error();
  }

  if (const json* v = given(body, "proxy_protocol")) {
    in.proxy_protocol = text_of(v);
    if (auto r = control::check_app_proxy_protocol(in.proxy_protocol); !r) return r.error();
  }
  if (const json* v = given(body, "ip_firewall")) {
    if (!v->is_boolean()) return bad("ip_firewall must be true or false");
    in.ip_firewall = v->get<bool>();
  }
  if (const json* v = given(body, "tls")) {
    in.tls = text_of(v);
    if (auto r = control::check_app_tls(in.tls); !r) return r.error();
  }
  if (const json* v = given(body, "traffic_type")) {
    in.traffic_type = text_of(v);
    if (auto r = control::check_app_traffic_type(in.traffic_type); !r) return r.error();
  }
  if (const json* e = given(body, "edge_ips")) {
    const std::string type = e->is_object() ? text_of(given(*e, "type")) : "";
    if (type == "static") {
      const auto ips = e->find("ips");
      const size_t n = ips != e->end() && ips->is_array() ? ips->size() : 0;
      if (auto r = control::check_app_static_ips(n); !r) return r.error();
      in.edge_ips.emplace();
      for (const auto& ip : *ips) {
        if (!ip.is_string() || !control::ip_rdata(ip.get<std::string>())) return control::bad_app_edge_ip(ip.dump());
        in.edge_ips->push_back(ip.get<std::string>());
      }
    } else if (type != "dynamic") {
      return bad("edge_ips must be {\"type\": \"static\", \"ips\": [...]} or {\"type\": \"dynamic\"}");
    }
  }
  return in;
}

Result<control::AccessRuleInput> access_rule_input(const json& body) {
  if (!body.is_object()) return bad_rule("the body must be a JSON object");
  control::AccessRuleInput in;
  in.mode = text_of(given(body, "mode"));
  if (auto r = control::check_rule_mode(in.mode); !r) return r.error();
  const auto c = body.find("configuration");
  if (c == body.end() || !c->is_object()) {
    return bad_rule("configuration is required: {\"target\": \"ip\" | \"ip6\" | \"ip_range\", \"value\": ...}");
  }
  in.target = text_of(given(*c, "target"));
  in.value = text_of(given(*c, "value"));
  if (auto r = control::check_rule_value(in.target, in.value); !r) return r.error();
  if (const json* notes = given(body, "notes")) {
    if (!notes->is_string()) return bad_rule("notes must be a string");
    in.notes = notes->get<std::string>();
  }
  return in;
}

}  // namespace dnsedge::api
