#include "api/reply.h"

namespace dnsedge::api {

HttpResponse reply(int status, const OJson& body) {
  return HttpResponse{status, "application/json", body.dump(-1, ' ', false, OJson::error_handler_t::replace)};
}

HttpResponse ok(OJson result, const std::vector<control::ApiMessage>& messages, const OJson* result_info) {
  return reply(200, success(std::move(result), messages, result_info));
}

HttpResponse fail(const Error& e) { return reply(http_status(e), failure({e})); }

HttpResponse fail(int code, std::string message) { return fail(Error{std::move(message), code}); }

HttpResponse no_route(const std::string& path) {
  return reply(404, failure({Error{"Could not route to " + path + ", perhaps your object identifier is invalid?",
                                   errc::kZoneNotFound},
                             Error{"No route for that URI", errc::kNoRoute}}));
}

HttpResponse no_route() { return fail(errc::kNoRoute, "No route for that URI"); }

HttpResponse method_not_allowed() { return fail(errc::kMethodNotAllowed, "Method not allowed for this endpoint"); }

}  // namespace dnsedge::api
