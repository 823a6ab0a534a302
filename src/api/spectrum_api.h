#pragma once
// The Spectrum app endpoints of the API (docs/api.md "Spectrum apps"), Cloudflare's shape:
//   GET    /zones/{id}/spectrum/apps            list (page, per_page, order, direction)
//   POST   /zones/{id}/spectrum/apps            create
//   GET    /zones/{id}/spectrum/apps/{app_id}   one app
//   PUT    /zones/{id}/spectrum/apps/{app_id}   replace
//   DELETE /zones/{id}/spectrum/apps/{app_id}   delete; result {"id": ...}
// and the IP access rules, which Spectrum apps with ip_firewall apply:
//   GET    /zones/{id}/firewall/access_rules/rules            list
//   POST   /zones/{id}/firewall/access_rules/rules            create {mode, configuration, notes}
//   DELETE /zones/{id}/firewall/access_rules/rules/{rule_id}  delete; result {"id": ...}
// Their handlers (list_apps ... delete_access_rule) are declared in api/handlers.h.
//
// Thread safety: as Api::handle(), on the controller's writer thread.

#include <nlohmann/json.hpp>

#include "control/controller.h"

namespace dnsedge::api {

// The app object: id, protocol, dns, origin_direct | origin_dns + origin_port, proxy_protocol,
// ip_firewall, tls, traffic_type, edge_ips, argo_smart_routing, created_on, modified_on.
nlohmann::ordered_json app_json(const control::AppInfo& a);

}  // namespace dnsedge::api
