// Spectrum apps through the API: body checks, the address pool, and the Controller's app
// methods (see control/spectrum.h and controller.h).

#include "common/ascii.h"
#include "control/spectrum.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

#include "control/controller.h"
#include "control/errors.h"
#include "dns/name.h"
#include "view/origin_policy.h"
#include "view/port_range.h"

namespace dnsedge::control {
namespace {

using nlohmann::json;

constexpr unsigned kMaxAppPorts = 1024;  // as edge/spectrum.h: each port is a listening socket

Error bad(std::string message) { return Error{std::move(message), app_errc::kBadApp}; }

std::optional<unsigned> parse_uint(std::string_view s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

using view::parse_port_range;

// A name of the request in presentation form, lowercase, without the trailing dot; checked.
Result<std::string> app_name(std::string_view given, const std::string& field) {
  if (given.empty()) return bad(field + " must be a host name");
  std::string n = common::ascii_lower(given);
  if (n.back() == '.') n.pop_back();
  if (!dns::name_from_text(n + ".")) return bad(field + " '" + std::string(given) + "' is not a valid host name");
  return n;
}

// "tcp://192.0.2.1:25" / "tcp://[2001:db8::1]:25" → (rdata, port).
std::optional<std::pair<std::string, uint16_t>> parse_origin(std::string_view s) {
  if (!s.starts_with("tcp://")) return std::nullopt;
  s.remove_prefix(6);
  std::string_view host, port;
  if (s.starts_with("[")) {
    const size_t close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return std::nullopt;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs brackets
  }
  auto ip = ip_rdata(host);
  auto p = parse_uint(port);
  if (!ip || !p || *p < 1 || *p > 65535) return std::nullopt;
  if (s.starts_with("[") != (ip->size() == 16)) return std::nullopt;
  return std::pair{*ip, static_cast<uint16_t>(*p)};
}

std::string origin_text(const std::string& rdata, uint16_t port) {
  return "tcp://" + (rdata.size() == 16 ? "[" + ip_text(rdata) + "]" : ip_text(rdata)) + ":" + std::to_string(port);
}

bool overlaps(const ParsedApp& a, uint16_t first, uint16_t last) {
  return a.port_first <= last && first <= a.port_last;
}

Error not_found_app(const std::string& id) {
  return Error{"Spectrum app " + id + " does not exist in this zone.", app_errc::kAppNotFound};
}

}  // namespace

// ---- free functions --------------------------------------------------------------------------

std::optional<std::string> ip_rdata(std::string_view text) { return view::address_rdata(text); }

std::string ip_text(std::string_view rdata) { return view::address_text(rdata); }

std::optional<AddressPool> AddressPool::parse(std::string_view cidr) {
  const size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = ip_rdata(cidr.substr(0, slash));
  auto len = parse_uint(cidr.substr(slash + 1));
  if (!ip || !len || *len > ip->size() * 8) return std::nullopt;
  AddressPool p;
  p.length = *len;
  p.base = *ip;
  for (size_t bit = p.length; bit < p.base.size() * 8; ++bit) {
    p.base[bit / 8] = static_cast<char>(static_cast<uint8_t>(p.base[bit / 8]) & ~(0x80u >> (bit % 8)));
  }
  return p;
}

uint64_t AddressPool::size() const noexcept {
  const unsigned host_bits = static_cast<unsigned>(base.size() * 8) - length;
  return host_bits >= 32 ? (uint64_t{1} << 32) : (uint64_t{1} << host_bits);
}

std::string AddressPool::at(uint64_t offset) const {
  std::string out = base;
  uint64_t carry = offset;
  for (size_t i = out.size(); i-- > 0 && carry != 0;) {
    const uint64_t v = static_cast<uint8_t>(out[i]) + (carry & 0xff);
    out[i] = static_cast<char>(v & 0xff);
    carry = (carry >> 8) + (v >> 8);
  }
  return out;
}

bool AddressPool::contains(std::string_view rdata) const noexcept {
  if (rdata.size() != base.size()) return false;
  for (size_t bit = 0; bit < length; ++bit) {
    const uint8_t m = 0x80u >> (bit % 8);
    if ((static_cast<uint8_t>(rdata[bit / 8]) & m) != (static_cast<uint8_t>(base[bit / 8]) & m)) return false;
  }
  return true;
}

std::string AddressPool::text() const { return ip_text(base) + "/" + std::to_string(length); }

Result<std::pair<uint16_t, uint16_t>> parse_app_protocol(std::string_view protocol) {
  const std::string p(protocol);
  if (p.starts_with("udp/")) return bad("protocol '" + p + "': only TCP apps are supported (tcp/PORT or tcp/FIRST-LAST)");
  if (!p.starts_with("tcp/")) return bad("protocol '" + p + "': expected tcp/PORT or tcp/FIRST-LAST, e.g. tcp/25");
  auto r = parse_port_range(protocol.substr(4));
  if (!r) return bad("protocol '" + p + "': ports must be 1-65535 with FIRST <= LAST");
  if (unsigned(r->second - r->first) + 1 > kMaxAppPorts) {
    return bad("protocol '" + p + "': an app spans at most " + std::to_string(kMaxAppPorts) + " ports");
  }
  return *r;
}

Result<void> check_app_dns_type(std::string_view type) {
  if (type != "ADDRESS" && type != "CNAME") return bad("dns.type must be \"ADDRESS\" or \"CNAME\"");
  return {};
}

Result<std::string> check_app_dns_name(std::string_view name, const std::string& zone_name) {
  auto n = app_name(name, "dns.name");
  if (!n) return n.error();
  if (*n != zone_name && !(n->size() > zone_name.size() && n->ends_with("." + zone_name))) {
    return bad("dns.name " + *n + " is outside the zone " + zone_name);
  }
  return n;
}

Result<void> check_app_origin_choice(bool direct, bool by_dns) {
  if (direct == by_dns) {
    return bad("give either origin_direct ([\"tcp://IP:PORT\"]) or origin_dns ({\"name\": ...}) with origin_port");
  }
  return {};
}

Error bad_app_origin(std::string_view shown) {
  return bad("origin_direct entry " + std::string(shown) + " is not tcp://IP:PORT (IPv6: tcp://[IP]:PORT)");
}

Result<std::string> check_app_origin(std::string_view entry) {
  auto ep = parse_origin(entry);
  if (!ep) return bad_app_origin("'" + std::string(entry) + "'");
  return origin_text(ep->first, ep->second);
}

Error app_origin_port_beside_direct() {
  return bad("origin_port goes with origin_dns; origin_direct entries carry their port");
}

Result<std::string> check_app_origin_dns(std::string_view name) { return app_name(name, "origin_dns.name"); }

Result<std::string> check_app_origin_port(std::string_view port, uint16_t first, uint16_t last) {
  const auto r = parse_port_range(port);
  if (!r) return bad("origin_dns needs origin_port: a port (1-65535) or \"FIRST-LAST\"");
  const unsigned edge_n = unsigned(last - first) + 1;
  const unsigned origin_n = unsigned(r->second - r->first) + 1;
  if (origin_n != 1 && origin_n != edge_n) {
    return bad("origin_port range " + std::to_string(r->first) + "-" + std::to_string(r->second) +
               " must be one port or as large as the edge range (" + std::to_string(edge_n) + " ports)");
  }
  return r->first == r->second ? std::to_string(r->first) : std::to_string(r->first) + "-" + std::to_string(r->second);
}

Result<void> check_app_proxy_protocol(std::string_view v) {
  if (v == "simple") return bad("proxy_protocol \"simple\" is for UDP apps; a TCP app takes off, v1 or v2");
  if (v != "off" && v != "v1" && v != "v2") return bad("proxy_protocol must be \"off\", \"v1\" or \"v2\"");
  return {};
}

Result<void> check_app_tls(std::string_view v) {
  if (v != "off") return bad("tls must be \"off\": the edge passes TCP through without terminating TLS");
  return {};
}

Result<void> check_app_traffic_type(std::string_view v) {
  if (v != "direct") {
    return bad("traffic_type must be \"direct\" (HTTP and HTTPS names are proxied by proxied records)");
  }
  return {};
}

Result<void> check_app_static_ips(size_t count) {
  if (count == 0) return bad("edge_ips {\"type\": \"static\"} needs \"ips\": [\"IP\", ...]");
  return {};
}

Error bad_app_edge_ip(std::string_view shown) {
  return bad("edge_ips.ips entry " + std::string(shown) + " is not an IP address");
}

Result<std::string> check_app_edge_ip(std::string_view ip) {
  auto rd = ip_rdata(ip);
  if (!rd) return bad_app_edge_ip(json(std::string(ip)).dump());
  return *rd;
}

Result<ParsedApp> check_app(const AppInput& in, const std::string& zone_name) {
  ParsedApp out;
  view::ServedApp& a = out.app;

  auto ports = parse_app_protocol(in.protocol);
  if (!ports) return ports.error();
  a.protocol = in.protocol;
  out.port_first = ports->first;
  out.port_last = ports->second;

  if (auto r = check_app_dns_type(in.dns_type); !r) return r.error();
  a.dns_type = in.dns_type;
  auto name = check_app_dns_name(in.dns_name, zone_name);
  if (!name) return name.error();
  a.dns_name = *name;

  const bool direct = !in.origin_direct.empty();
  if (auto r = check_app_origin_choice(direct, !in.origin_dns.empty()); !r) return r.error();
  if (direct) {
    for (const auto& o : in.origin_direct) {
      auto t = check_app_origin(o);
      if (!t) return t.error();
      a.origin_direct.push_back(std::move(*t));
    }
    if (!in.origin_port.empty()) return app_origin_port_beside_direct();
  } else {
    auto on = check_app_origin_dns(in.origin_dns);
    if (!on) return on.error();
    a.origin_dns = *on;
    auto port = check_app_origin_port(in.origin_port, out.port_first, out.port_last);
    if (!port) return port.error();
    a.origin_port = *port;
  }

  if (auto r = check_app_proxy_protocol(in.proxy_protocol); !r) return r.error();
  a.proxy_protocol = in.proxy_protocol;
  a.ip_firewall = in.ip_firewall;
  if (auto r = check_app_tls(in.tls); !r) return r.error();
  if (auto r = check_app_traffic_type(in.traffic_type); !r) return r.error();
  if (in.edge_ips) {
    if (auto r = check_app_static_ips(in.edge_ips->size()); !r) return r.error();
    std::set<std::string> seen;
    for (const auto& ip : *in.edge_ips) {
      auto rd = check_app_edge_ip(ip);
      if (!rd) return rd.error();
      if (seen.insert(*rd).second) a.edge_ips.push_back(*rd);
    }
    out.needs_address = false;
  }
  return out;
}

std::string app_config(const view::ServedApp& a) {
  json c = {{"protocol", a.protocol},
            {"dns", {{"type", a.dns_type}, {"name", a.dns_name}}},
            {"proxy_protocol", a.proxy_protocol},
            {"ip_firewall", a.ip_firewall},
            {"tls", "off"},
            {"traffic_type", "direct"}};
  if (!a.origin_direct.empty()) {
    c["origin_direct"] = a.origin_direct;
  } else {
    c["origin_dns"] = {{"name", a.origin_dns}};
    const auto r = parse_port_range(a.origin_port);
    if (r && r->first == r->second) {
      c["origin_port"] = r->first;
    } else {
      c["origin_port"] = a.origin_port;
    }
  }
  json ips = json::array();
  for (const auto& ip : a.edge_ips) ips.push_back(ip_text(ip));
  c["edge_ips"] = {{"type", "static"}, {"ips", ips}};
  return c.dump();
}

Result<AppInput> app_input_from_config(std::string_view config_json) {
  json c;
  try {
    c = json::parse(config_json);
  } catch (const std::exception&) {
    c = nullptr;
  }
  if (!c.is_object()) return bad("the stored app is not a JSON object");
  // Fields of the wrong type read as empty (check_app() then names them).
  auto text = [](const json& o, const char* k) {
    const auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  AppInput in;
  in.protocol = text(c, "protocol");
  if (const auto d = c.find("dns"); d != c.end() && d->is_object()) {
    in.dns_type = text(*d, "type");
    in.dns_name = text(*d, "name");
  }
  if (const auto od = c.find("origin_direct"); od != c.end() && od->is_array()) {
    for (const auto& o : *od) in.origin_direct.push_back(o.is_string() ? o.get<std::string>() : std::string());
  }
  if (const auto od = c.find("origin_dns"); od != c.end() && od->is_object()) in.origin_dns = text(*od, "name");
  if (const auto op = c.find("origin_port"); op != c.end()) {
    in.origin_port = op->is_number_unsigned() ? std::to_string(op->get<uint64_t>()) : text(c, "origin_port");
  }
  if (c.contains("proxy_protocol")) in.proxy_protocol = text(c, "proxy_protocol");
  if (const auto f = c.find("ip_firewall"); f != c.end() && f->is_boolean()) in.ip_firewall = f->get<bool>();
  if (c.contains("tls")) in.tls = text(c, "tls");
  if (c.contains("traffic_type")) in.traffic_type = text(c, "traffic_type");
  if (const auto e = c.find("edge_ips"); e != c.end() && e->is_object() && text(*e, "type") == "static") {
    in.edge_ips.emplace();
    if (const auto ips = e->find("ips"); ips != e->end() && ips->is_array()) {
      for (const auto& ip : *ips) in.edge_ips->push_back(ip.is_string() ? ip.get<std::string>() : std::string());
    }
  }
  return in;
}

namespace {

Error bad_rule(std::string m) { return Error{std::move(m), app_errc::kBadRule}; }

}  // namespace

Result<void> check_rule_mode(std::string_view mode) {
  if (mode == "challenge" || mode == "js_challenge" || mode == "managed_challenge") {
    return bad_rule("mode '" + std::string(mode) +
                    "' is not supported: the edge carries TCP and cannot challenge a client; use block or whitelist");
  }
  if (mode != "block" && mode != "whitelist") return bad_rule("mode must be \"block\" or \"whitelist\"");
  return {};
}

Result<std::string> check_rule_value(std::string_view target, std::string_view value) {
  const std::string t(target), v(value);
  if (target == "asn" || target == "country") {
    return bad_rule("configuration.target '" + t + "' is not supported: dnsedge has no ASN or country data");
  }
  if (target == "ip" || target == "ip6") {
    auto rd = ip_rdata(value);
    if (!rd || (rd->size() == 4) != (target == "ip")) {
      return bad_rule("configuration.value '" + v + "' is not an " + (target == "ip" ? "IPv4" : "IPv6") + " address");
    }
    return ip_text(*rd);
  }
  if (target == "ip_range") {
    auto p = AddressPool::parse(value);
    if (!p) return bad_rule("configuration.value '" + v + "' is not an address range (e.g. 192.0.2.0/24)");
    return p->text();
  }
  return bad_rule("configuration.target must be \"ip\", \"ip6\" or \"ip_range\"");
}

Result<AccessRuleInput> check_access_rule(const AccessRuleInput& in) {
  if (auto r = check_rule_mode(in.mode); !r) return r.error();
  auto value = check_rule_value(in.target, in.value);
  if (!value) return value.error();
  AccessRuleInput out = in;
  out.value = std::move(*value);
  return out;
}

void apply_access_rules(view::ServedApp& app, const std::vector<AccessRule>& rules) {
  app.allow.clear();
  app.deny.clear();
  if (!app.ip_firewall) return;
  for (const auto& r : rules) {
    std::string v = r.value;
    if (v.find('/') == std::string::npos) v += v.find(':') == std::string::npos ? "/32" : "/128";
    (r.mode == "block" ? app.deny : app.allow).push_back(v);
  }
}

std::string access_rules_text(const std::vector<AccessRule>& rules) {
  json out = json::array();
  for (const auto& r : rules) {
    out.push_back({{"id", r.id},
                   {"mode", r.mode},
                   {"configuration", {{"target", r.target}, {"value", r.value}}},
                   {"notes", r.notes},
                   {"created_on", r.created_on},
                   {"modified_on", r.modified_on}});
  }
  return out.dump();
}

std::optional<std::vector<AccessRule>> access_rules_from_text(std::string_view text) {
  json rules;
  try {
    rules = json::parse(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!rules.is_array()) return std::nullopt;
  auto field = [](const json& o, const char* k) {
    const auto it = o.is_object() ? o.find(k) : o.end();
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::vector<AccessRule> out;
  for (const auto& r : rules) {
    AccessRule a;
    a.id = field(r, "id");
    a.mode = field(r, "mode");
    if (r.is_object() && r.contains("configuration")) {
      a.target = field(r["configuration"], "target");
      a.value = field(r["configuration"], "value");
    }
    a.notes = field(r, "notes");
    a.created_on = field(r, "created_on");
    a.modified_on = field(r, "modified_on");
    out.push_back(std::move(a));
  }
  return out;
}

// ---- Controller ------------------------------------------------------------------------------

Result<void> Controller::load_apps(StoreZone& z, store::Reader& db) {
  auto setting = db.get_setting(z.zone.id, kAccessRulesSetting);
  if (!setting) return make_error("store: access rules of " + z.zone.name + ": " + setting.error().message);
  if (*setting) {
    if (auto rules = access_rules_from_text((*setting)->value_json)) {
      z.access_rules = std::move(*rules);
    } else if (!json::accept((*setting)->value_json)) {
      log("event=access-rules-skipped zone=" + z.zone.name + " reason=\"not JSON\"");
    }
  }
  auto rows = db.list_apps(z.zone.id);
  if (!rows) return make_error("store: apps of " + z.zone.name + ": " + rows.error().message);
  for (auto& row : *rows) {
    auto in = app_input_from_config(row.config_json);
    auto p = in ? check_app(*in, z.zone.name) : Result<ParsedApp>(in.error());
    if (!p || p->needs_address) {
      log("event=app-skipped zone=" + z.zone.name + " id=" + row.id + " reason=\"" +
          (p ? std::string("no edge address stored") : p.error().message) + "\"");
      continue;
    }
    p->app.id = row.id;
    apply_access_rules(p->app, z.access_rules);
    z.apps.emplace(row.id, AppInfo{row, std::move(p->app)});
  }
  return {};
}

Result<std::vector<AppInfo>> Controller::apps(const std::string& zone_id) const {
  auto it = zones_.find(zone_id);
  if (it == zones_.end()) {
    if (file_zone(zone_id) != nullptr) return std::vector<AppInfo>{};  // file zones hold no apps
    return Error{"Could not route to /client/v4/zones/" + zone_id + ", perhaps your object identifier is invalid?",
                 errc::kZoneNotFound};
  }
  std::vector<AppInfo> out;
  for (const auto& [id, a] : it->second.apps) out.push_back(a);
  std::sort(out.begin(), out.end(), [](const AppInfo& a, const AppInfo& b) {
    return std::tie(a.row.created_on, a.row.id) < std::tie(b.row.created_on, b.row.id);
  });
  return out;
}

Result<AppInfo> Controller::app(const std::string& zone_id, const std::string& id) const {
  auto all = apps(zone_id);
  if (!all) return all.error();
  for (auto& a : *all)
    if (a.row.id == id) return a;
  return not_found_app(id);
}

// Checks an app against every app of every zone (overlap on an address), picks the edge
// address, and returns the app as it would be stored. `base`: the app a PUT replaces.
Result<AppInfo> Controller::stage_app(const StoreZone& z, const AppInput& in, const AppInfo* base) {
  auto parsed = check_app(in, z.zone.name);
  if (!parsed) return parsed.error();
  view::ServedApp& a = parsed->app;
  a.id = base ? base->row.id : zone::new_id();

  std::vector<const AppInfo*> others;
  for (const auto& [zid, oz] : zones_) {
    for (const auto& [id, o] : oz.apps)
      if (id != a.id) others.push_back(&o);
  }
  std::set<std::string> edge_addrs(options_.edge.v4.begin(), options_.edge.v4.end());
  edge_addrs.insert(options_.edge.v6.begin(), options_.edge.v6.end());
  for (const auto& ip : a.edge_ips) {
    if (edge_addrs.contains(ip)) {
      return bad("edge_ips: " + ip_text(ip) + " is an edge address of proxied names (HTTP/HTTPS); "
                 "give a Spectrum address or leave edge_ips out to take one from --spectrum-pool");
    }
  }
  if (parsed->needs_address) {
    // Apps that share a name share its address; a PUT keeps the app's address while no app of
    // another name uses it; otherwise the first free address of the pool.
    for (const AppInfo* o : others) {
      if (o->app.dns_name == a.dns_name) {
        a.edge_ips = o->app.edge_ips;
        break;
      }
    }
    if (a.edge_ips.empty() && base != nullptr) {
      bool shared = false;
      for (const AppInfo* o : others) {
        for (const auto& ip : o->app.edge_ips) {
          shared = shared || std::find(base->app.edge_ips.begin(), base->app.edge_ips.end(), ip) !=
                                 base->app.edge_ips.end();
        }
      }
      if (!shared) a.edge_ips = base->app.edge_ips;
    }
    if (a.edge_ips.empty()) {
      std::vector<AddressPool> pools;
      for (const auto& text : options_.spectrum_pools) {
        if (auto p = AddressPool::parse(text)) pools.push_back(*p);
      }
      if (pools.empty()) {
        return Error{"No edge address for " + a.dns_name +
                         ": edge_ips were not given and the server has no --spectrum-pool to take one from",
                     app_errc::kPoolExhausted};
      }
      const AddressPool* pool = &pools.front();
      for (const auto& p : pools)
        if (p.base.size() == 4 && pool->base.size() != 4) pool = &p;
      std::set<std::string> used;
      for (const AppInfo* o : others) used.insert(o->app.edge_ips.begin(), o->app.edge_ips.end());
      for (const auto& text : options_.spectrum_reserved) {
        if (auto rd = ip_rdata(text)) used.insert(*rd);
      }
      used.insert(edge_addrs.begin(), edge_addrs.end());
      for (uint64_t i = 0; i < pool->size() && i < 65536; ++i) {
        std::string ip = pool->at(i);
        if (!used.contains(ip)) {
          a.edge_ips.push_back(std::move(ip));
          break;
        }
      }
      if (a.edge_ips.empty()) {
        return Error{"Spectrum pool " + pool->text() + " is exhausted: every address is held by an app (" +
                         std::to_string(used.size()) + " in use); delete an app or add a --spectrum-pool",
                     app_errc::kPoolExhausted};
      }
    }
  }
  for (const AppInfo* o : others) {
    auto oports = parse_app_protocol(o->app.protocol);
    if (!oports || !overlaps(*parsed, oports->first, oports->second)) continue;
    for (const auto& ip : a.edge_ips) {
      if (std::find(o->app.edge_ips.begin(), o->app.edge_ips.end(), ip) == o->app.edge_ips.end()) continue;
      return Error{"protocol " + a.protocol + " on " + ip_text(ip) + " overlaps Spectrum app " + o->row.id + " (" +
                       o->app.protocol + " " + o->app.dns_name + ") on the same edge address",
                   app_errc::kOverlap};
    }
  }
  // The origin may not be the edge itself: no prohibited address (view/origin_policy.h), and no
  // address a Spectrum app listens on (this one's included), so an app can never feed itself.
  std::set<std::string> app_addrs(a.edge_ips.begin(), a.edge_ips.end());
  for (const AppInfo* o : others) app_addrs.insert(o->app.edge_ips.begin(), o->app.edge_ips.end());
  for (const auto& text : options_.spectrum_reserved) {
    if (auto rd = ip_rdata(text)) app_addrs.insert(*rd);
  }
  const bool local_app = std::all_of(a.edge_ips.begin(), a.edge_ips.end(),
                                     [](const std::string& ip) { return view::OriginPolicy::loopback(ip); });
  for (const auto& od : a.origin_direct) {
    const auto ep = parse_origin(od);
    if (!ep) continue;  // check_app wrote it: cannot happen
    if (options_.edge.policy) {
      if (const auto v = options_.edge.policy->check(ep->first, local_app); v != view::OriginVerdict::kAllowed) {
        return Error{view::OriginPolicy::message(ep->first, v) + " (origin_direct " + od + ")", errc::kBlockedTarget};
      }
    }
    if (edge_addrs.contains(ep->first)) {
      return Error{std::string(view::kProhibitedOrigin) + ": " + ip_text(ep->first) + " is an edge address (origin_direct " +
                       od + ")",
                   errc::kBlockedTarget};
    }
    if (app_addrs.contains(ep->first)) {
      return Error{std::string(view::kProhibitedOrigin) + ": " + ip_text(ep->first) +
                       " is the address of a Spectrum app (origin_direct " + od + ")",
                   errc::kBlockedTarget};
    }
  }
  apply_access_rules(a, z.access_rules);
  AppInfo info;
  info.app = std::move(a);
  info.row.id = info.app.id;
  info.row.zone_id = z.zone.id;
  info.row.config_json = app_config(info.app);
  const std::string stamp = now();
  info.row.created_on = base ? base->row.created_on : stamp;
  info.row.modified_on = stamp;
  return info;
}

// Compiles the zone with `next` apps, writes the app change, bumps the serial, commits and
// publishes; nothing changes when a step fails.
Result<void> Controller::commit_apps(StoreZone& z, std::map<std::string, AppInfo> next, const std::string& /*op*/,
                                     const AppInfo* write, const std::string& removed_id,
                                     const std::vector<AccessRule>* access_rules) {
  uint32_t serial = z.zone.serial + 1;
  auto v = compile(z, z.records, z.settings, serial, &next);
  if (!v) {
    const int c = v.error().code;
    return Error{v.error().message, c == errc::kAddressConflict ? c : errc::kCompile};
  }
  auto tx = store_->begin();
  if (!tx) return store_error(tx.error());
  auto store_fail = [this](const Error& e) { return store_error(e); };
  if (write != nullptr) {
    auto r = z.apps.contains(write->row.id) ? tx->update_app(write->row) : tx->insert_app(write->row);
    if (!r) return store_fail(r.error());
  }
  if (!removed_id.empty() && access_rules == nullptr) {
    if (auto r = tx->delete_app(z.zone.id, removed_id); !r) return store_fail(r.error());
  }
  if (access_rules != nullptr) {
    const zone::ZoneSetting row{z.zone.id, kAccessRulesSetting, access_rules_text(*access_rules), now()};
    if (auto r = tx->put_setting(row); !r) return store_fail(r.error());
  }
  auto bumped = tx->bump_serial(z.zone.id);
  if (!bumped) return store_fail(bumped.error());
  if (*bumped != serial) {
    serial = *bumped;
    v = compile(z, z.records, z.settings, serial, &next);
    if (!v) return Error{v.error().message, errc::kCompile};
  }
  const std::string stamp = now();
  if (served_from_store(z.apex)) {
    if (auto r = journal(*tx, z.apex, z.view.get(), **v); !r) return store_fail(r.error());
  }
  if (auto r = tx->commit(); !r) return store_fail(r.error());
  z.apps = std::move(next);
  if (access_rules != nullptr) z.access_rules = *access_rules;
  z.zone.serial = serial;
  z.zone.modified_on = stamp;
  z.view = *v;
  recompile_dependents(z);
  publish();
  return {};
}

Result<AppInfo> Controller::create_app(const std::string& zone_id, const AppInput& in) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  auto info = stage_app(**z, in, nullptr);
  if (!info) return info.error();
  if (options_.prepare_app) {
    if (auto ok = options_.prepare_app(info->app); !ok) return ok.error();
  }
  auto next = (*z)->apps;
  next[info->row.id] = *info;
  if (auto r = commit_apps(**z, std::move(next), "create-app", &*info, {}); !r) return r.error();
  return info;
}

Result<AppInfo> Controller::update_app(const std::string& zone_id, const std::string& id, const AppInput& in) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  auto it = (*z)->apps.find(id);
  if (it == (*z)->apps.end()) return not_found_app(id);
  auto info = stage_app(**z, in, &it->second);
  if (!info) return info.error();
  if (options_.prepare_app) {
    if (auto ok = options_.prepare_app(info->app); !ok) return ok.error();
  }
  auto next = (*z)->apps;
  next[id] = *info;
  if (auto r = commit_apps(**z, std::move(next), "update-app", &*info, {}); !r) return r.error();
  return info;
}

Result<void> Controller::delete_app(const std::string& zone_id, const std::string& id) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  if (!(*z)->apps.contains(id)) return not_found_app(id);
  auto next = (*z)->apps;
  next.erase(id);
  return commit_apps(**z, std::move(next), "delete-app", nullptr, id);
}

Result<std::vector<AccessRule>> Controller::access_rules(const std::string& zone_id) const {
  auto it = zones_.find(zone_id);
  if (it != zones_.end()) return it->second.access_rules;
  if (file_zone(zone_id) != nullptr) return std::vector<AccessRule>{};
  return Error{"Could not route to /client/v4/zones/" + zone_id + ", perhaps your object identifier is invalid?",
               errc::kZoneNotFound};
}

Result<AccessRule> Controller::create_access_rule(const std::string& zone_id, const AccessRuleInput& in) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  auto checked = check_access_rule(in);
  if (!checked) return checked.error();
  for (const auto& r : (*z)->access_rules) {
    if (r.target == checked->target && r.value == checked->value) {
      return Error{"An access rule for " + r.value + " already exists (" + r.id + ").", app_errc::kBadRule};
    }
  }
  const std::string stamp = now();
  AccessRule rule{zone::new_id(), checked->mode, checked->target, checked->value, checked->notes, stamp, stamp};
  std::vector<AccessRule> rules = (*z)->access_rules;
  rules.push_back(rule);
  auto next = (*z)->apps;
  for (auto& [id, a] : next) apply_access_rules(a.app, rules);
  if (auto r = commit_apps(**z, std::move(next), "create-access-rule", nullptr, rule.id, &rules); !r) {
    return r.error();
  }
  return rule;
}

Result<void> Controller::delete_access_rule(const std::string& zone_id, const std::string& id) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  std::vector<AccessRule> rules;
  bool found = false;
  for (const auto& r : (*z)->access_rules) {
    if (r.id == id) {
      found = true;
    } else {
      rules.push_back(r);
    }
  }
  if (!found) return Error{"Access rule " + id + " does not exist in this zone.", app_errc::kRuleNotFound};
  auto next = (*z)->apps;
  for (auto& [aid, a] : next) apply_access_rules(a.app, rules);
  return commit_apps(**z, std::move(next), "delete-access-rule", nullptr, id, &rules);
}

}  // namespace dnsedge::control
