#pragma once
// The answers of the API, written once for every handler: the JSON envelope over HTTP
// (api/json_io.h builds the envelopes), a failure with the HTTP status of its kind (the error
// model, common/errors.h), and the answers for a path or method no route has.

#include <string>
#include <vector>

#include "api/http.h"
#include "api/json_io.h"
#include "common/errors.h"

namespace dnsedge::api {

HttpResponse reply(int status, const OJson& body);
// 200 with {"success":true, ..., "result":result[, "result_info":info]}.
HttpResponse ok(OJson result, const std::vector<control::ApiMessage>& messages = {}, const OJson* result_info = nullptr);
// The failure envelope of `e`, with the HTTP status of its kind.
HttpResponse fail(const Error& e);
HttpResponse fail(int code, std::string message);
// 404, 7003 "Could not route to PATH, perhaps your object identifier is invalid?" and 7000.
HttpResponse no_route(const std::string& path);
// 404, 7000 "No route for that URI".
HttpResponse no_route();
// 405, 7001.
HttpResponse method_not_allowed();

}  // namespace dnsedge::api
