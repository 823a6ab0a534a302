#pragma once
// Every route of the API with the permission it requires (docs/api.md "Tokens and
// permissions"): one table keyed by method and path pattern, looked up before a request is
// routed. A request whose route is not in the table is refused to every token that does not
// hold every permission (so a route added without its entry fails closed).
//
// Patterns are paths below /client/v4 whose segments are literals or parameters:
// {zone_id} and {account_id} name the resource the permission is checked on, {id} is any one
// segment. The first matching entry wins (literals are listed before {id} at the same place).

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/tokens.h"

namespace dnsedge::api {

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

struct RoutePermission {
  std::string_view method;
  std::string_view pattern;
  On on;
  std::optional<Area> area;  // nullopt: any area of the resource (seeing a zone)
  Access access;
};

std::span<const RoutePermission> route_permissions();

struct RouteMatch {
  const RoutePermission* rule = nullptr;
  std::string zone_id;     // {zone_id}
  std::string account_id;  // {account_id}
};

// `segments`: the path below /client/v4, split and decoded ("zones", "<id>", "dns_records").
std::optional<RouteMatch> match_route(std::string_view method, const std::vector<std::string>& segments);

}  // namespace dnsedge::api
