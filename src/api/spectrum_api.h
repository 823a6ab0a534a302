#pragma once
// The Spectrum app endpoints of the API (docs/api.md "Spectrum apps"), Cloudflare's shape
// (cloudflare-semantics §4):
//   GET    /zones/{id}/spectrum/apps            list (page, per_page, order, direction)
//   POST   /zones/{id}/spectrum/apps            create
//   GET    /zones/{id}/spectrum/apps/{app_id}   one app
//   PUT    /zones/{id}/spectrum/apps/{app_id}   replace
//   DELETE /zones/{id}/spectrum/apps/{app_id}   delete; result {"id": ...}
// Api::dispatch hands every path under /zones/{id}/spectrum here after authentication.
//
// Thread safety: as Api::handle(), on the controller's writer thread.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http.h"
#include "api/list_query.h"
#include "control/controller.h"

namespace dnsedge::api {

// `seg`: the path segments after /client/v4 ("zones", id, "spectrum", ...).
HttpResponse spectrum_route(control::Controller& c, const HttpRequest& req, const Query& query,
                            const control::ZoneInfo& zone, const std::vector<std::string>& seg);

// IP access rules, which Spectrum apps with ip_firewall apply (docs/api.md):
//   GET    /zones/{id}/firewall/access_rules/rules            list
//   POST   /zones/{id}/firewall/access_rules/rules            create {mode, configuration, notes}
//   DELETE /zones/{id}/firewall/access_rules/rules/{rule_id}  delete; result {"id": ...}
HttpResponse access_rules_route(control::Controller& c, const HttpRequest& req, const control::ZoneInfo& zone,
                                const std::vector<std::string>& seg);

// The app object: id, protocol, dns, origin_direct | origin_dns + origin_port, proxy_protocol,
// ip_firewall, tls, traffic_type, edge_ips, argo_smart_routing, created_on, modified_on.
nlohmann::ordered_json app_json(const control::AppInfo& a);

}  // namespace dnsedge::api
