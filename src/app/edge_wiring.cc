#include "app/edge_wiring.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>

#include "app/config_file.h"
#include "spdlog/spdlog.h"

namespace dnsedge::app {
namespace {

Result<std::vector<uint16_t>> parse_ports(const std::string& text, const char* what) {
  std::vector<uint16_t> out;
  if (text == "none") return out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string one = text.substr(start, comma - start);
    start = comma + 1;
    if (one.empty()) continue;
    unsigned p = 0;
    auto [end, ec] = std::from_chars(one.data(), one.data() + one.size(), p);
    if (ec != std::errc() || end != one.data() + one.size() || p < 1 || p > 65535) {
      return make_error(std::string(what) + ": '" + one + "' is not a port (1-65535)");
    }
    out.push_back(static_cast<uint16_t>(p));
  }
  return out;
}

Result<std::chrono::milliseconds> parse_seconds(double s, const char* what) {
  if (!std::isfinite(s) || s <= 0 || s > 86400) return make_error(std::string(what) + ": seconds must be in (0, 86400]");
  return std::chrono::milliseconds(static_cast<long long>(std::llround(s * 1000)));
}

Result<std::vector<std::string>> strings(const toml::node* n, const std::string& key) {
  std::vector<std::string> out;
  if (n == nullptr) return out;
  if (const auto* s = n->as_string()) {
    out.push_back(s->get());
    return out;
  }
  const toml::array* a = n->as_array();
  if (a == nullptr) return make_error("'" + key + "' must be a string or an array of strings");
  for (const auto& e : *a) {
    const auto* s = e.as_string();
    if (s == nullptr) return make_error("'" + key + "' must be an array of strings");
    out.push_back(s->get());
  }
  return out;
}

Result<std::string> ports_text(const toml::node* n, const std::string& key) {
  const toml::array* a = n->as_array();
  if (a == nullptr) return make_error("'" + key + "' must be an array of port numbers");
  std::string text;
  for (const auto& e : *a) {
    const auto* i = e.as_integer();
    if (i == nullptr) return make_error("'" + key + "' must be an array of port numbers");
    text += (text.empty() ? "" : ",") + std::to_string(i->get());
  }
  return text.empty() ? std::string("none") : text;
}

// A name given as "smtp.example.com" or as the API's {name = "smtp.example.com"}.
std::string name_of(const toml::node* n) {
  if (n == nullptr) return {};
  if (const auto* s = n->as_string()) return s->get();
  if (const auto* t = n->as_table()) {
    if (const auto* s = t->get("name"); s && s->as_string()) return s->as_string()->get();
  }
  return {};
}

// One [[spectrum_app]] table, turned into the flag form and parsed by the edge's parser so both
// ways accept exactly the same apps.
Result<edge::SpectrumApp> app_from_toml(const toml::table& t, size_t index) {
  const std::string where = "[[spectrum_app]] #" + std::to_string(index + 1);
  static constexpr std::string_view kKnown[] = {"protocol", "dns", "origin_direct", "origin_dns", "origin_port",
                                                "proxy_protocol", "ip_firewall", "edge_ips", "id"};
  for (const auto& [k, v] : t) {
    bool known = false;
    for (auto kk : kKnown) known = known || k.str() == kk;
    if (!known) return make_error(where + ": unknown key '" + std::string(k.str()) + "'");
  }
  const auto* proto = t.get("protocol");
  if (proto == nullptr || !proto->is_string()) return make_error(where + ": 'protocol' (\"tcp/25\") is required");
  std::string spec = proto->as_string()->get();
  auto origins = strings(t.get("origin_direct"), "origin_direct");
  if (!origins) return make_error(where + ": " + origins.error().message);
  if (!origins->empty()) spec += "=" + origins->front();
  for (size_t i = 1; i < origins->size(); ++i) spec += "," + (*origins)[i];
  if (const std::string n = name_of(t.get("dns")); !n.empty()) spec += ",name=" + n;
  if (const std::string n = name_of(t.get("origin_dns")); !n.empty()) spec += ",origin_dns=" + n;
  if (const auto* p = t.get("origin_port")) {
    if (const auto* i = p->as_integer()) spec += ",origin_port=" + std::to_string(i->get());
    else if (const auto* s = p->as_string()) spec += ",origin_port=" + s->get();
    else return make_error(where + ": 'origin_port' must be a number or \"FIRST-LAST\"");
  }
  if (const auto* p = t.get("proxy_protocol")) {
    if (!p->is_string()) return make_error(where + ": 'proxy_protocol' must be \"off\", \"v1\" or \"v2\"");
    spec += ",proxy=" + p->as_string()->get();
  }
  if (const auto* p = t.get("ip_firewall")) {
    if (!p->is_boolean()) return make_error(where + ": 'ip_firewall' must be true or false");
    spec += std::string(",ip_firewall=") + (p->as_boolean()->get() ? "on" : "off");
  }
  auto ips = strings(t.get("edge_ips"), "edge_ips");
  if (!ips) return make_error(where + ": " + ips.error().message);
  for (const auto& ip : *ips) spec += ",edge_ip=" + ip;
  if (const auto* p = t.get("id"); p && p->is_string()) spec += ",id=" + p->as_string()->get();
  auto app = edge::parse_app_spec(spec);
  if (!app) return make_error(where + ": " + app.error().message);
  return app;
}

}  // namespace

void add_edge_flags(CLI::App* serve, EdgeFlags& flags) {
  serve->add_option("--edge-http-ports", flags.http_ports,
                    "HTTP ports on each edge address, comma list or 'none' (default 80,8080,8880,2052,2082,2086,2095)");
  serve->add_option("--edge-https-ports", flags.https_ports,
                    "HTTPS (SNI passthrough) ports, comma list or 'none' (default 443,2053,2083,2087,2096,8443)");
  serve->add_option("--edge-header-timeout", flags.header_timeout,
                    "seconds for a complete request head or ClientHello (default 10)");
  serve->add_option("--edge-connect-timeout", flags.connect_timeout, "seconds per origin connect attempt (default 5)");
  serve->add_option("--edge-origin-timeout", flags.origin_timeout,
                    "seconds for the origin's response head (default 100)");
  serve->add_option("--edge-keepalive-timeout", flags.keepalive_timeout,
                    "seconds an idle keep-alive connection waits for its next request (default 60)");
  serve->add_option("--edge-max-connections", flags.max_connections,
                    "client connections; at the limit the oldest idle or incomplete one is closed to admit a new one "
                    "(default 4096)");
  serve->add_option("--spectrum-pool", flags.spectrum_pools, "address block for Spectrum apps (CIDR), repeatable");
  serve->add_option("--spectrum-max-ports", flags.spectrum_max_ports,
                    "ports all Spectrum apps may listen on together (default min(4096, open-file limit / 4))");
  serve->add_option("--edge-origin-allow", flags.origin_allow,
                    "origin block (CIDR) allowed although loopback, link-local, ... (repeatable)");
  serve->add_option("--edge-origin-deny", flags.origin_deny,
                    "origin block (CIDR) refused for proxied records and Spectrum apps (repeatable; wins over allow)");
  serve->add_option("--spectrum-app", flags.spectrum_apps,
                    "Spectrum TCP app, repeatable: tcp/PORT[-LAST]=IP:PORT[,IP:PORT...][,proxy=off|v1|v2]"
                    "[,name=NAME][,edge_ip=IP][,origin_dns=NAME,origin_port=N]");
}

Result<EdgeConfig> resolve_edge_config(const EdgeFlags& flags, const std::string& config_file,
                                       const view::EdgeAddresses& addresses) {
  EdgeConfig cfg;
  edge::EdgeOptions& o = cfg.options;
  std::string http = flags.http_ports, https = flags.https_ports;
  std::vector<std::string> pools = flags.spectrum_pools;
  std::vector<std::string> app_specs = flags.spectrum_apps;
  std::vector<std::string> allow = flags.origin_allow, deny = flags.origin_deny;
  std::optional<long> max_ports = flags.spectrum_max_ports;
  if (!config_file.empty()) {
    auto parsed = read_config_file(config_file);
    if (!parsed) return parsed.error();
    const toml::table& t = *parsed;
    if (const auto* e = t.get("edge")) {
      const toml::table* et = e->as_table();
      if (et == nullptr) return make_error(config_file + ": [edge] must be a table");
      for (const auto& [k, v] : *et) {
        const std::string key(k.str());
        auto fail = [&](const std::string& why) { return make_error(config_file + ": [edge] " + key + ": " + why); };
        if (key == "http_ports" || key == "https_ports") {
          auto p = ports_text(&v, key);
          if (!p) return fail(p.error().message);
          if ((key == "http_ports" ? http : https).empty()) (key == "http_ports" ? http : https) = *p;
        } else if (key == "spectrum_pool") {
          auto s = strings(&v, key);
          if (!s) return fail(s.error().message);
          if (pools.empty()) pools = *s;
        } else if (key == "origin_allow" || key == "origin_deny") {
          auto s = strings(&v, key);
          if (!s) return fail(s.error().message);
          auto& dest = key == "origin_allow" ? allow : deny;
          if (dest.empty()) dest = *s;
        } else if (key == "spectrum_max_ports") {
          if (!v.is_integer()) return fail("must be a positive integer");
          if (!max_ports) max_ports = static_cast<long>(v.as_integer()->get());
        } else if (key == "max_connections") {
          if (!v.is_integer() || v.as_integer()->get() < 1) return fail("must be a positive integer");
          o.max_connections = static_cast<size_t>(v.as_integer()->get());
        } else if (key == "header_timeout" || key == "connect_timeout" || key == "origin_timeout" ||
                   key == "idle_timeout" || key == "keepalive_timeout") {
          const auto secs = v.value<double>();
          if (!secs) return fail("must be a number of seconds");
          auto ms = parse_seconds(*secs, key.c_str());
          if (!ms) return fail(ms.error().message);
          (key == "header_timeout"      ? o.header_timeout
           : key == "connect_timeout"   ? o.connect_timeout
           : key == "origin_timeout"    ? o.origin_timeout
           : key == "idle_timeout"      ? o.idle_timeout
                                        : o.keepalive_timeout) = *ms;
        } else {
          return fail("unknown setting");
        }
      }
    }
    if (const auto* a = t.get("spectrum_app")) {
      const toml::array* arr = a->as_array();
      if (arr == nullptr) return make_error(config_file + ": spectrum_app must be written [[spectrum_app]]");
      for (size_t i = 0; i < arr->size(); ++i) {
        const toml::table* at = (*arr)[i].as_table();
        if (at == nullptr) return make_error(config_file + ": spectrum_app must be written [[spectrum_app]]");
        auto app = app_from_toml(*at, i);
        if (!app) return make_error(config_file + ": " + app.error().message);
        cfg.apps.push_back(std::move(*app));
      }
    }
  }
  if (!http.empty()) {
    auto p = parse_ports(http, "--edge-http-ports");
    if (!p) return p.error();
    o.http_ports = *p;
  }
  if (!https.empty()) {
    auto p = parse_ports(https, "--edge-https-ports");
    if (!p) return p.error();
    o.https_ports = *p;
  }
  for (auto [value, dest, what] :
       {std::tuple{flags.header_timeout, &o.header_timeout, "--edge-header-timeout"},
        {flags.connect_timeout, &o.connect_timeout, "--edge-connect-timeout"},
        {flags.origin_timeout, &o.origin_timeout, "--edge-origin-timeout"},
        {flags.keepalive_timeout, &o.keepalive_timeout, "--edge-keepalive-timeout"}}) {
    if (!value) continue;
    auto ms = parse_seconds(*value, what);
    if (!ms) return ms.error();
    *dest = *ms;
  }
  if (flags.max_connections) {
    if (*flags.max_connections < 1 || *flags.max_connections > 1'000'000) {
      return make_error("--edge-max-connections must be between 1 and 1000000");
    }
    o.max_connections = static_cast<size_t>(*flags.max_connections);
  }
  for (const auto& p : pools) {
    auto prefix = edge::IpPrefix::parse(p);
    if (!prefix) return make_error("--spectrum-pool " + p + ": expected ADDRESS/LENGTH, e.g. 127.0.0.64/28");
    o.spectrum_pools.push_back(*prefix);
  }
  if (!flags.spectrum_apps.empty()) cfg.apps.clear();  // flags replace the file's apps
  for (const auto& s : app_specs) {
    auto app = edge::parse_app_spec(s);
    if (!app) return app.error();
    cfg.apps.push_back(std::move(*app));
  }
  o.spectrum_max_ports = edge::default_spectrum_max_ports();
  if (max_ports) {
    if (*max_ports < 1 || *max_ports > 65535 * 16) {
      return make_error("--spectrum-max-ports " + std::to_string(*max_ports) + ": must be 1.." +
                        std::to_string(65535 * 16));
    }
    o.spectrum_max_ports = static_cast<size_t>(*max_ports);
  }
  for (auto [list, dest, what] : {std::tuple{&allow, &cfg.origin_allow, "--edge-origin-allow"},
                                  {&deny, &cfg.origin_deny, "--edge-origin-deny"}}) {
    for (const auto& text : *list) {
      auto b = view::AddressBlock::parse(text);
      if (!b) return make_error(std::string(what) + " " + text + ": expected ADDRESS/LENGTH, e.g. 10.0.0.0/8");
      dest->push_back(*b);
    }
  }
  for (const auto& rd : addresses.v4)
    if (auto a = edge::IpAddress::from_rdata(rd)) o.addresses.push_back(*a);
  for (const auto& rd : addresses.v6)
    if (auto a = edge::IpAddress::from_rdata(rd)) o.addresses.push_back(*a);
  return cfg;
}

std::shared_ptr<const view::OriginPolicy> make_origin_policy(const EdgeConfig& config,
                                                             const view::EdgeAddresses& addresses,
                                                             const std::vector<std::string>& listening) {
  view::OriginPolicyOptions p;
  p.edge = addresses.v4;
  p.edge.insert(p.edge.end(), addresses.v6.begin(), addresses.v6.end());
  for (const auto& pool : config.options.spectrum_pools) {
    p.pools.push_back(view::AddressBlock{std::string(pool.base.rdata()), pool.length});
  }
  bool any4 = false, any6 = false;
  for (const auto& rd : listening) {
    if (std::all_of(rd.begin(), rd.end(), [](char c) { return c == 0; })) {
      (rd.size() == 4 ? any4 : any6) = true;
      continue;
    }
    p.own.push_back(rd);
  }
  // A wildcard listener answers on every address of the host: all of them are dnsedge's own.
  ifaddrs* list = nullptr;
  if ((any4 || any6) && ::getifaddrs(&list) == 0) {
    for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
      if (i->ifa_addr == nullptr) continue;
      if (any4 && i->ifa_addr->sa_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
        p.own.emplace_back(reinterpret_cast<const char*>(&sin->sin_addr), 4);
      } else if (any6 && i->ifa_addr->sa_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
        p.own.emplace_back(reinterpret_cast<const char*>(&sin6->sin6_addr), 16);
      }
    }
    ::freeifaddrs(list);
  }
  p.allow = config.origin_allow;
  p.deny = config.origin_deny;
  return std::make_shared<const view::OriginPolicy>(std::move(p));
}

Result<std::unique_ptr<edge::Edge>> start_edge(const EdgeConfig& config, bool disabled,
                                               const common::SnapshotPublisher<view::Catalog>& catalog) {
  if (disabled) {
    spdlog::info("edge proxy disabled (--no-edge-proxy){}",
                 config.apps.empty() ? "" : ": the Spectrum apps do not run either");
    return std::unique_ptr<edge::Edge>();
  }
  // Started even with nothing to listen on yet: API apps (static edge_ips need no pool) may
  // appear with any publish. Idle, it is one sleeping thread.
  return edge::Edge::start(config.options, catalog, config.apps);
}

}  // namespace dnsedge::app
