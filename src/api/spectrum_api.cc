#include "api/spectrum_api.h"

#include <algorithm>

#include "api/call.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/reply.h"
#include "api/spectrum_input.h"
#include "control/errors.h"
#include "control/spectrum.h"
#include "zone/record.h"

namespace dnsedge::api {
namespace {

using json = OJson;

Result<nlohmann::json> body_of(const HttpRequest& req) {
  bool blank = true;
  for (char ch : req.body) blank = blank && (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n');
  if (blank) return Error{"Malformed JSON in request body: the body is empty", kMalformedJson};
  return parse_body(req.body);
}

HttpResponse list(control::Controller& c, const Query& q, const control::ZoneInfo& zone) {
  auto all = c.apps(zone.zone.id);
  if (!all) return fail(all.error());
  const std::string order = q.get("order").value_or("created_on");
  const std::string direction = q.get("direction").value_or("asc");
  if (direction != "asc" && direction != "desc") {
    return fail(Error{"direction must be asc or desc", kBadQuery});
  }
  auto key = [&](const control::AppInfo& a) -> std::string {
    if (order == "protocol") return a.app.protocol;
    if (order == "app_id") return a.row.id;
    if (order == "modified_on") return a.row.modified_on;
    if (order == "dns") return a.app.dns_name;
    return a.row.created_on;
  };
  if (order != "protocol" && order != "app_id" && order != "created_on" && order != "modified_on" && order != "dns") {
    return fail(Error{"order must be one of protocol, app_id, created_on, modified_on, dns", kBadQuery});
  }
  std::stable_sort(all->begin(), all->end(), [&](const auto& a, const auto& b) {
    return direction == "asc" ? key(a) < key(b) : key(b) < key(a);
  });
  auto paging = parse_paging(q, 20, 1000);
  if (!paging) return fail(paging.error());
  const auto [b, e] = page_bounds(*paging, all->size());
  json out = json::array();
  for (size_t i = b; i < e; ++i) out.push_back(app_json((*all)[i]));
  const json info = result_info(*paging, e - b, all->size());
  return reply(200, success(out, {}, &info));
}

}  // namespace

json app_json(const control::AppInfo& a) {
  const view::ServedApp& s = a.app;
  json o;
  o["id"] = a.row.id;
  o["protocol"] = s.protocol;
  o["dns"] = {{"type", s.dns_type}, {"name", s.dns_name}};
  if (!s.origin_direct.empty()) {
    o["origin_direct"] = s.origin_direct;
  } else {
    o["origin_dns"] = {{"name", s.origin_dns}};
    if (s.origin_port.find('-') == std::string::npos) {
      o["origin_port"] = std::stoi(s.origin_port);
    } else {
      o["origin_port"] = s.origin_port;
    }
  }
  o["proxy_protocol"] = s.proxy_protocol;
  o["ip_firewall"] = s.ip_firewall;
  o["tls"] = "off";
  o["traffic_type"] = "direct";
  json ips = json::array();
  for (const auto& ip : s.edge_ips) ips.push_back(control::ip_text(ip));
  o["edge_ips"] = {{"type", "static"}, {"ips", ips}};
  o["argo_smart_routing"] = false;
  o["created_on"] = a.row.created_on;
  o["modified_on"] = a.row.modified_on;
  return o;
}

HttpResponse list_apps(Call& x) { return list(x.c, x.query, *x.zone); }

HttpResponse create_app(Call& x) {
  control::Controller& c = x.c;
  const control::ZoneInfo& zone = *x.zone;
  auto body = body_of(x.req);
  if (!body) return fail(body.error());
  if (auto w = c.check_writable(zone.zone.id); !w) return fail(w.error());
  auto in = app_input(*body, zone.zone.name);
  if (!in) return fail(in.error());
  auto a = c.create_app(zone.zone.id, *in);
  if (!a) return fail(a.error());
  return reply(200, success(app_json(*a)));
}

HttpResponse get_app(Call& x) {
  control::Controller& c = x.c;
  const control::ZoneInfo& zone = *x.zone;
  const std::string& id = x.id;
  auto a = c.app(zone.zone.id, id);
  if (!a) return fail(a.error());
  return reply(200, success(app_json(*a)));
}

HttpResponse put_app(Call& x) {
  control::Controller& c = x.c;
  const control::ZoneInfo& zone = *x.zone;
  const std::string& id = x.id;
  auto body = body_of(x.req);
  if (!body) return fail(body.error());
  // The zone's and the app's errors come before the body's.
  if (auto w = c.check_writable(zone.zone.id); !w) return fail(w.error());
  if (auto old = c.app(zone.zone.id, id); !old) return fail(old.error());
  auto in = app_input(*body, zone.zone.name);
  if (!in) return fail(in.error());
  auto a = c.update_app(zone.zone.id, id, *in);
  if (!a) return fail(a.error());
  return reply(200, success(app_json(*a)));
}

HttpResponse delete_app(Call& x) {
  control::Controller& c = x.c;
  const control::ZoneInfo& zone = *x.zone;
  const std::string& id = x.id;
  if (auto r = c.delete_app(zone.zone.id, id); !r) return fail(r.error());
  return reply(200, success(json{{"id", id}}));
}

namespace {

json rule_json(const control::AccessRule& r) {
  json o;
  o["id"] = r.id;
  o["mode"] = r.mode;
  o["allowed_modes"] = {"block", "whitelist"};
  o["configuration"] = {{"target", r.target}, {"value", r.value}};
  o["notes"] = r.notes;
  o["scope"] = {{"type", "zone"}};
  o["created_on"] = r.created_on;
  o["modified_on"] = r.modified_on;
  return o;
}

}  // namespace

HttpResponse list_access_rules(Call& x) {
  control::Controller& c = x.c;
  const control::ZoneInfo& zone = *x.zone;
  auto all = c.access_rules(zone.zone.id);
  if (!all) return fail(all.error());
  json out = json::array();
  for (const auto& r : *all) out.push_back(rule_json(r));
  const json info = result_info(Paging{1, static_cast<int64_t>(std::max<size_t>(out.size(), 1))}, out.size(), out.size());
  return reply(200, success(out, {}, &info));
}

HttpResponse create_access_rule(Call& x) {
  control::Controller& c = x.c;
  const control::ZoneInfo& zone = *x.zone;
  auto body = body_of(x.req);
  if (!body) return fail(body.error());
  if (auto w = c.check_writable(zone.zone.id); !w) return fail(w.error());
  auto in = access_rule_input(*body);
  if (!in) return fail(in.error());
  auto r = c.create_access_rule(zone.zone.id, *in);
  if (!r) return fail(r.error());
  return reply(200, success(rule_json(*r)));
}

HttpResponse delete_access_rule(Call& x) {
  control::Controller& c = x.c;
  const control::ZoneInfo& zone = *x.zone;
  if (auto r = c.delete_access_rule(zone.zone.id, x.id); !r) return fail(r.error());
  return reply(200, success(json{{"id", x.id}}));
}

}  // namespace dnsedge::api
