#include "edge/spectrum.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "view/port_range.h"

namespace dnsedge::edge {
namespace {

using view::parse_port_range;

std::string lower_name(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

uint32_t fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

}  // namespace

uint16_t SpectrumApp::origin_port(uint16_t edge_port, uint16_t direct_port) const noexcept {
  const unsigned offset = edge_port >= port_first ? edge_port - port_first : 0;
  if (!origin_direct.empty()) {
    // A single-port app keeps the origin's port; a range maps each edge port onto the same
    // offset from the origin's port when the origin was given for the first port.
    if (port_first == port_last) return direct_port;
    const unsigned p = direct_port + offset;
    return p <= 65535 ? static_cast<uint16_t>(p) : direct_port;
  }
  if (origin_port_first == origin_port_last) return origin_port_first;
  return static_cast<uint16_t>(origin_port_first + offset);
}

bool SpectrumApp::admits(const IpAddress& client) const noexcept {
  if (!ip_firewall) return true;
  int best_allow = -1, best_deny = -1;
  for (const auto& p : allow)
    if (p.contains(client)) best_allow = std::max(best_allow, static_cast<int>(p.length));
  for (const auto& p : deny)
    if (p.contains(client)) best_deny = std::max(best_deny, static_cast<int>(p.length));
  return best_deny < 0 || best_allow > best_deny;
}

Result<std::pair<uint16_t, uint16_t>> parse_protocol(std::string_view protocol) {
  if (protocol.starts_with("udp/")) return make_error("protocol '" + std::string(protocol) + "': only tcp apps are supported");
  if (!protocol.starts_with("tcp/")) {
    return make_error("protocol '" + std::string(protocol) + "': expected tcp/PORT or tcp/FIRST-LAST");
  }
  auto r = parse_port_range(protocol.substr(4));
  if (!r) return make_error("protocol '" + std::string(protocol) + "': ports must be 1-65535, first <= last");
  if (unsigned(r->second - r->first) + 1 > kMaxAppPorts) {
    return make_error("protocol '" + std::string(protocol) + "': at most " + std::to_string(kMaxAppPorts) +
                      " ports per app");
  }
  return *r;
}

Result<SpectrumApp> parse_app_spec(std::string_view spec) {
  SpectrumApp app;
  std::vector<std::string_view> items;
  for (size_t start = 0; start <= spec.size();) {
    size_t comma = spec.find(',', start);
    if (comma == std::string_view::npos) comma = spec.size();
    items.push_back(spec.substr(start, comma - start));
    start = comma + 1;
  }
  const std::string_view head = items.front();
  const size_t eq = head.find('=');
  app.protocol = std::string(head.substr(0, eq));
  auto ports = parse_protocol(app.protocol);
  if (!ports) return make_error("--spectrum-app " + std::string(spec) + ": " + ports.error().message);
  app.port_first = ports->first;
  app.port_last = ports->second;
  std::vector<std::string_view> origins;
  if (eq != std::string_view::npos) origins.push_back(head.substr(eq + 1));
  std::string origin_port_text;
  for (size_t i = 1; i < items.size(); ++i) {
    const std::string_view it = items[i];
    const size_t e = it.find('=');
    if (e == std::string_view::npos) {
      origins.push_back(it);
      continue;
    }
    const std::string_view k = it.substr(0, e), v = it.substr(e + 1);
    auto bad = [&](const std::string& why) {
      return make_error("--spectrum-app " + std::string(spec) + ": " + std::string(k) + ": " + why);
    };
    if (k == "name" || k == "dns") {
      app.dns_name = lower_name(v);
    } else if (k == "proxy" || k == "proxy_protocol") {
      auto p = parse_proxy_protocol(v);
      if (!p) return bad("expected off, v1 or v2");
      app.proxy_protocol = *p;
    } else if (k == "origin_dns") {
      app.origin_dns = lower_name(v);
    } else if (k == "origin_port") {
      origin_port_text = std::string(v);
    } else if (k == "edge_ip" || k == "edge_ips") {
      auto a = IpAddress::parse(v);
      if (!a) return bad("'" + std::string(v) + "' is not an IP address");
      app.edge_ips.push_back(*a);
    } else if (k == "ip_firewall") {
      if (v == "on" || v == "true") app.ip_firewall = true;
      else if (v == "off" || v == "false") app.ip_firewall = false;
      else return bad("expected on or off");
    } else if (k == "id") {
      app.id = std::string(v);
    } else {
      return bad("unknown key (known: name, proxy, origin_dns, origin_port, edge_ip, ip_firewall, id)");
    }
  }
  for (std::string_view o : origins) {
    if (o.empty()) continue;
    auto ep = IpEndpoint::parse(o);
    if (!ep) {
      return make_error("--spectrum-app " + std::string(spec) + ": origin '" + std::string(o) +
                        "': expected IP:PORT, [IPv6]:PORT or tcp://IP:PORT");
    }
    app.origin_direct.push_back(*ep);
  }
  if (!origin_port_text.empty()) {
    auto r = parse_port_range(origin_port_text);
    if (!r) return make_error("--spectrum-app " + std::string(spec) + ": origin_port: expected PORT or FIRST-LAST");
    app.origin_port_first = r->first;
    app.origin_port_last = r->second;
  }
  if (auto v = validate_app(app); !v) return make_error("--spectrum-app " + std::string(spec) + ": " + v.error().message);
  return app;
}

Result<void> validate_app(const SpectrumApp& app) {
  if (app.port_first == 0 || app.port_first > app.port_last) return make_error("no valid edge port range");
  if (unsigned(app.port_last - app.port_first) + 1 > kMaxAppPorts) {
    return make_error("at most " + std::to_string(kMaxAppPorts) + " ports per app");
  }
  if (app.origin_direct.empty() == app.origin_dns.empty()) {
    return make_error("give either origin_direct (IP:PORT) or origin_dns with origin_port");
  }
  for (const auto& o : app.origin_direct) {
    if (o.port == 0) return make_error("origin " + o.to_string() + ": port 0");
  }
  if (!app.origin_dns.empty()) {
    if (app.origin_port_first == 0) return make_error("origin_dns needs origin_port");
    const unsigned edge_n = unsigned(app.port_last - app.port_first) + 1;
    const unsigned origin_n = unsigned(app.origin_port_last - app.origin_port_first) + 1;
    if (origin_n != 1 && origin_n != edge_n) {
      return make_error("origin_port range must be one port or as large as the edge range");
    }
  }
  return {};
}

Result<std::vector<SpectrumApp>> assign_edge_ips(std::vector<SpectrumApp> apps, const std::vector<IpPrefix>& pools) {
  // Names in a stable order; each distinct name gets one address per pool family.
  std::map<std::string, IpAddress> by_name;
  std::set<std::array<uint8_t, 17>> used;
  auto key = [](const IpAddress& a) {
    std::array<uint8_t, 17> k{};
    k[0] = a.family;
    std::copy(a.bytes.begin(), a.bytes.end(), k.begin() + 1);
    return k;
  };
  for (const auto& a : apps)
    for (const auto& ip : a.edge_ips) used.insert(key(ip));
  std::set<std::string> names;
  for (const auto& a : apps)
    if (a.edge_ips.empty()) names.insert(a.dns_name);
  for (const std::string& name : names) {
    const IpPrefix* pool = nullptr;
    for (const auto& p : pools)
      if (pool == nullptr || (p.base.family == 4 && pool->base.family != 4)) pool = &p;
    if (pool == nullptr) {
      return make_error("spectrum app " + (name.empty() ? std::string("(no name)") : name) +
                        ": no edge_ips and no --spectrum-pool to take an address from");
    }
    const uint64_t n = pool->size();
    const uint64_t start = fnv1a(name) % n;
    bool found = false;
    for (uint64_t i = 0; i < n && i < 65536; ++i) {
      const IpAddress a = pool->at((start + i) % n);
      if (used.insert(key(a)).second) {
        by_name[name] = a;
        found = true;
        break;
      }
    }
    if (!found) return make_error("spectrum pool " + pool->to_string() + " has no free address for " + name);
  }
  for (auto& a : apps)
    if (a.edge_ips.empty()) a.edge_ips.push_back(by_name[a.dns_name]);
  // No two apps may listen on the same address and port.
  std::set<std::pair<std::array<uint8_t, 17>, unsigned>> taken;
  for (const auto& a : apps) {
    for (const auto& ip : a.edge_ips) {
      for (unsigned p = a.port_first; p <= a.port_last; ++p) {
        if (!taken.insert({key(ip), p}).second) {
          return make_error("spectrum apps overlap on " + IpEndpoint{ip, static_cast<uint16_t>(p)}.to_string());
        }
      }
    }
  }
  return apps;
}

Result<SpectrumApp> app_from_view(const view::ServedApp& v) {
  SpectrumApp app;
  app.id = v.id;
  app.protocol = v.protocol;
  auto ports = parse_protocol(v.protocol);
  if (!ports) return make_error("spectrum app " + v.id + ": " + ports.error().message);
  app.port_first = ports->first;
  app.port_last = ports->second;
  app.dns_name = lower_name(v.dns_name);
  for (const auto& o : v.origin_direct) {
    auto ep = IpEndpoint::parse(o);
    if (!ep) return make_error("spectrum app " + v.id + ": origin '" + o + "' is not tcp://IP:PORT");
    app.origin_direct.push_back(*ep);
  }
  app.origin_dns = lower_name(v.origin_dns);
  if (!v.origin_port.empty()) {
    auto r = parse_port_range(v.origin_port);
    if (!r) return make_error("spectrum app " + v.id + ": origin_port '" + v.origin_port + "'");
    app.origin_port_first = r->first;
    app.origin_port_last = r->second;
  }
  auto pp = parse_proxy_protocol(v.proxy_protocol);
  if (!pp) return make_error("spectrum app " + v.id + ": proxy_protocol '" + v.proxy_protocol + "'");
  app.proxy_protocol = *pp;
  app.ip_firewall = v.ip_firewall;
  for (auto [from, to] : {std::pair{&v.allow, &app.allow}, {&v.deny, &app.deny}}) {
    for (const auto& text : *from) {
      auto p = IpPrefix::parse(text);
      if (!p) return make_error("spectrum app " + v.id + ": access rule '" + text + "' is not a prefix");
      to->push_back(*p);
    }
  }
  for (const auto& rd : v.edge_ips) {
    auto a = IpAddress::from_rdata(rd);
    if (!a) return make_error("spectrum app " + v.id + ": bad edge address");
    app.edge_ips.push_back(*a);
  }
  if (app.edge_ips.empty()) return make_error("spectrum app " + v.id + ": no edge address");
  if (auto ok = validate_app(app); !ok) return make_error("spectrum app " + v.id + ": " + ok.error().message);
  return app;
}

std::string describe_app(const SpectrumApp& app) {
  std::string s = app.protocol + " " + (app.dns_name.empty() ? std::string("(no name)") : app.dns_name) + " -> ";
  if (!app.origin_direct.empty()) {
    for (size_t i = 0; i < app.origin_direct.size(); ++i) s += (i ? "," : "") + app.origin_direct[i].to_string();
  } else {
    s += app.origin_dns + ":" + std::to_string(app.origin_port_first);
    if (app.origin_port_last != app.origin_port_first) s += "-" + std::to_string(app.origin_port_last);
  }
  s += " (proxy_protocol " + std::string(to_string(app.proxy_protocol)) + ") on ";
  for (size_t i = 0; i < app.edge_ips.size(); ++i) s += (i ? "," : "") + app.edge_ips[i].to_string();
  return s;
}

}  // namespace dnsedge::edge
