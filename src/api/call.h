#pragma once
// One API request as its handler sees it (api/routes.h routes it here): the request, its route's
// parameters, the authenticated token and the API's shared state. Handlers are plain functions
// `HttpResponse f(Call&)`, one per endpoint, grouped by resource: zones_api.cc, records_api.cc,
// settings_api.cc, accounts_api.cc (accounts, audit logs, tokens), spectrum_api.cc (Spectrum
// apps, IP access rules), doctor_api.cc, secondary_dns.cc.
//
// Thread safety: the controller's writer thread only (like Api::handle()).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "api/http.h"
#include "api/list_query.h"
#include "api/reply.h"
#include "api/tokens.h"
#include "control/controller.h"

namespace dnsedge::api {

class SecondaryDns;

struct Call {
  control::Controller& c;
  const ApiOptions& options;
  SecondaryDns& secondary_dns;
  TokenRegistry& tokens;
  const HttpRequest& req;
  const std::string& path;               // the target without its query
  const Query& query;
  const std::vector<std::string>& seg;   // the path below /client/v4, split and decoded
  const CachedToken& token;              // the authenticated token
  std::string id;                        // the route's {record_id}, {token_id}, {app_id} or {id}
  std::string account_id;                // {account_id}
  const control::ZoneInfo* zone = nullptr;  // the zone of {zone_id}, looked up before routing
  control::WriteOptions write;           // ?dry_run on the writes below /zones
  std::optional<std::vector<zone::Account>> accounts;  // read once a request (zone objects)
};

// Small text helpers the handlers share (api.cc).
std::string trim(std::string_view s);
std::string text_no_dot(std::string_view wire);

// The JSON body of the request: an object, or kMalformedJson (also for an empty body).
Result<nlohmann::json> json_body(const Call& x);

}  // namespace dnsedge::api
