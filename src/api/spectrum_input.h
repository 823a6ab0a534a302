#pragma once
// The request bodies of the Spectrum endpoints (docs/api.md "Spectrum apps", "IP access rules")
// read into control::AppInput and control::AccessRuleInput, Cloudflare's shape:
//   app   {"protocol": "tcp/25", "dns": {"type": "ADDRESS", "name": "smtp.example.com"},
//          "origin_direct": ["tcp://192.0.2.1:25"] | "origin_dns": {"name": ...} + "origin_port",
//          "proxy_protocol", "ip_firewall", "tls", "traffic_type",
//          "edge_ips": {"type": "static", "ips": [...]} | {"type": "dynamic"}}
//   rule  {"mode": "block", "configuration": {"target": "ip", "value": "192.0.2.1"}, "notes": ""}
// Each field's JSON type is checked here and its value by control's rules (control/spectrum.h)
// as the field is read, so the first bad field is the one reported. Unknown fields are ignored,
// as for records; a null field is an absent one.
//
// Thread safety: pure functions.

#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "control/spectrum.h"

namespace dnsedge::api {

// An app body for zone `zone_name` ("example.com"); errors are 11000 naming the field.
Result<control::AppInput> app_input(const nlohmann::json& body, const std::string& zone_name);

// An IP access rule body; errors are 11010.
Result<control::AccessRuleInput> access_rule_input(const nlohmann::json& body);

}  // namespace dnsedge::api
