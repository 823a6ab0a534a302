#pragma once
// Page rules (`/zones/{id}/pagerules`, docs/api.md "Page rules"): a request body read into
// control::PageRuleInput (here the JSON types, in the controller the meaning:
// control/page_rules.h), and the rule object the API answers with, in Cloudflare's shape.

#include <nlohmann/json.hpp>

#include "api/json_io.h"
#include "common/result.h"
#include "control/page_rules.h"
#include "store/store.h"

namespace dnsedge::api {

// The fields of a page rule body; a field of the wrong JSON type fails with kInvalidBody naming
// it ("Request body is invalid: actions[0].value.status_code must be an integer"). Unknown
// fields (id, created_on, ...) are ignored; an action other than forwarding_url keeps only its
// id (the controller refuses it, naming it). A missing `target` is "url", a missing
// `constraint.operator` "matches".
Result<control::PageRuleInput> page_rule_input(const nlohmann::json& body);

// {id, targets: [{target: "url", constraint: {operator: "matches", value}}],
//  actions: [{id: "forwarding_url", value: {url, status_code}}], priority, status, created_on,
//  modified_on}
OJson page_rule_json(const store::PageRuleRow& r);

}  // namespace dnsedge::api
