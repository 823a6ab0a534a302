#pragma once
// The route table of the API: one row per endpoint, in docs/api.md's order (routes_test.cc
// checks both): its method, its path pattern, its handler (api/handlers.h) and the token
// permission it requires (docs/api.md "Tokens and permissions"). The permission is looked up
// before a request is routed; a request whose route is not in the table is refused to every
// token that does not hold every permission (so a route added without its entry fails closed).
//
// Patterns are paths below /client/v4 whose segments are literals or parameters: {zone_id} and
// {account_id} name the resource the permission is checked on; {record_id}, {token_id} and
// {app_id} are object ids (32 hex), which Api checks before anything else; {id} is any one
// segment. Where several patterns match a path, the most specific one wins: at the first
// segment where they differ, a literal beats a parameter (…/dns_records/export before
// …/dns_records/{record_id}).

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "api/tokens.h"

namespace dnsedge::api {

struct Call;
using RouteHandler = HttpResponse (*)(Call&);

// What the permission is checked on.
enum class On : uint8_t {
  kToken,        // nothing: any valid token (GET /user/tokens/verify)
  kZone,         // the zone of {zone_id} (and its account)
  kAccount,      // the account of {account_id}
  kUser,         // the user (token management)
  kNewZone,      // every zone of the account the request body names (POST /zones)
  kListZones,    // nothing; the list shows the zones the token may see
  kListAccounts  // nothing; the list shows the accounts the token may read
};

struct Route {
  std::string_view method;
  std::string_view pattern;
  RouteHandler handler;
  On on;
  std::optional<Area> area;  // nullopt: any area of the resource (seeing a zone)
  Access access;
};

std::span<const Route> routes();
// The same table, read for its permissions.
inline std::span<const Route> route_permissions() { return routes(); }

struct RouteMatch {
  const Route* rule = nullptr;
  std::string zone_id;     // {zone_id}
  std::string account_id;  // {account_id}
  std::string id;          // {record_id}, {token_id}, {app_id} or {id}
};

// `segments`: the path below /client/v4, split and decoded ("zones", "<id>", "dns_records").
// The most specific route of this method whose pattern matches the path.
std::optional<RouteMatch> match_route(std::string_view method, const std::vector<std::string>& segments);
// The most specific pattern that matches the path, whatever its method (its first route).
std::optional<RouteMatch> match_path(const std::vector<std::string>& segments);
// The route of `pattern` (a pattern of the table) with this method, if there is one.
const Route* route_of(std::string_view pattern, std::string_view method);

}  // namespace dnsedge::api
