#pragma once
// JSON shapes of the API (docs/api.md): the envelope, the record object, the
// zone object, and the request bodies (record input with type checks).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/errors.h"
#include "common/result.h"
#include "control/controller.h"
#include "control/validate.h"
#include "zone/record.h"

namespace dnsedge::api {

// Answers keep their fields in the order written (Cloudflare's: success, errors, messages,
// result); request bodies are read into plain nlohmann::json.
using OJson = nlohmann::ordered_json;

using errc::kInvalidBody;    // a field has the wrong JSON type
using errc::kMalformedJson;  // the body is not JSON (or not an object)

// {"success":true,"errors":[],"messages":[...],"result":result[,"result_info":info]}
OJson success(OJson result, const std::vector<control::ApiMessage>& messages = {},
              const OJson* result_info = nullptr);
// {"success":false,"errors":[{"code","message"}...],"messages":[],"result":null}
OJson failure(const std::vector<Error>& errors);

// The record object: id, name, type, content, proxiable, proxied, ttl, settings, meta, comment,
// tags, created_on, modified_on; priority for MX/SRV/URI; data for structured types.
OJson record_json(const zone::Record& r, bool read_only = false);

OJson zone_json(const control::ZoneInfo& z, const zone::Account& account,
                const std::vector<std::string>& name_servers);

// Parses a JSON body: an object, or kMalformedJson with the parser's reason.
Result<nlohmann::json> parse_body(const std::string& body);

// A record object from a request body; kInvalidBody names the field whose type is wrong.
// Unknown fields are ignored.
Result<control::RecordInput> record_input(const nlohmann::json& body);

}  // namespace dnsedge::api
