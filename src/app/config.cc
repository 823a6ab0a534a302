#include "app/xfr_wiring.h"
#include "app/config.h"

#include "dns/name.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>

namespace dnsedge::app {
namespace {

Result<std::vector<std::string>> string_array(const toml::table& t, std::string_view key) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (n == nullptr) return out;
  const toml::array* a = n->as_array();
  if (a == nullptr) return make_error("config: '" + std::string(key) + "' must be an array of strings");
  for (const auto& e : *a) {
    const auto* s = e.as_string();
    if (s == nullptr) return make_error("config: '" + std::string(key) + "' must be an array of strings");
    out.push_back(s->get());
  }
  return out;
}

// The address of a listen endpoint as rdata (4 or 16 octets).
std::string endpoint_rdata(const server::Endpoint& ep) {
  if (ep.family() == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ep.addr);
    return std::string(reinterpret_cast<const char*>(&sin->sin_addr), 4);
  }
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ep.addr);
  return std::string(reinterpret_cast<const char*>(&sin6->sin6_addr), 16);
}

}  // namespace

Result<ServeConfig> resolve_serve_config(const ServeFlags& flags) {
  ServeConfig cfg;
  std::vector<std::string> listen;
  std::vector<std::string> edge4, edge6, upstream, flat, nameservers;
  std::string api_listen, api_token;
  std::optional<long> threads;
  if (!flags.config_file.empty()) {
    toml::table t;
    try {
      t = toml::parse_file(flags.config_file);
    } catch (const toml::parse_error& e) {
      const auto& src = e.source();
      return make_error(flags.config_file + ":" + std::to_string(src.begin.line) + ": " +
                        std::string(e.description()));
    }
    static constexpr std::string_view kKnown[] = {"data",          "dns_listen", "zone_files", "threads",
                                                  "no_edge_proxy", "edge_ipv4",  "edge_ipv6",  "upstream",
                                                  "flatten_all",   "api_listen", "api_token",  "nameservers",
                                                  "edge",          "spectrum_app", "xfr"};
    for (const auto& [k, v] : t) {
      bool known = false;
      for (auto kk : kKnown) known = known || k.str() == kk;
      if (!known) return make_error(flags.config_file + ": unknown setting '" + std::string(k.str()) + "'");
    }
    auto x = xfr_config_from_toml(t, flags.config_file);
    if (!x) return x.error();
    cfg.xfr = std::move(*x);
    if (const auto* n = t.get("data")) {
      if (!n->is_string()) return make_error(flags.config_file + ": 'data' must be a string");
      cfg.data_dir = n->as_string()->get();
    }
    auto l = string_array(t, "dns_listen");
    if (!l) return make_error(flags.config_file + ": " + l.error().message);
    listen = *l;
    auto z = string_array(t, "zone_files");
    if (!z) return make_error(flags.config_file + ": " + z.error().message);
    cfg.zone_files = *z;
    for (auto [key, dest] : {std::pair<const char*, std::vector<std::string>*>{"edge_ipv4", &edge4},
                             {"edge_ipv6", &edge6}, {"upstream", &upstream}, {"flatten_all", &flat},
                             {"nameservers", &nameservers}}) {
      auto v = string_array(t, key);
      if (!v) return make_error(flags.config_file + ": " + v.error().message);
      *dest = *v;
    }
    for (auto [key, dest] : {std::pair<const char*, std::string*>{"api_listen", &api_listen},
                             {"api_token", &api_token}}) {
      if (const auto* n = t.get(key)) {
        if (!n->is_string()) return make_error(flags.config_file + ": '" + key + "' must be a string");
        *dest = n->as_string()->get();
      }
    }
    if (const auto* n = t.get("threads")) {
      if (!n->is_integer()) return make_error(flags.config_file + ": 'threads' must be an integer");
      threads = n->as_integer()->get();
    }
    if (const auto* n = t.get("no_edge_proxy")) {
      if (!n->is_boolean()) return make_error(flags.config_file + ": 'no_edge_proxy' must be true or false");
      cfg.no_edge_proxy = n->as_boolean()->get();
    }
  }
  if (!flags.data_dir.empty()) cfg.data_dir = flags.data_dir;
  if (!flags.dns_listen.empty()) listen = flags.dns_listen;
  if (!flags.zone_files.empty()) cfg.zone_files = flags.zone_files;
  if (flags.threads) threads = flags.threads;
  if (flags.no_edge_proxy) cfg.no_edge_proxy = true;
  if (flags.xfr_journal_max) {
    if (*flags.xfr_journal_max < 0 || *flags.xfr_journal_max > 100000) return make_error("--xfr-journal-max must be 0..100000");
    cfg.xfr.journal_max = static_cast<size_t>(*flags.xfr_journal_max);
  }
  if (!flags.edge_ipv4.empty()) edge4 = flags.edge_ipv4;
  if (!flags.edge_ipv6.empty()) edge6 = flags.edge_ipv6;
  if (!flags.upstream.empty()) upstream = flags.upstream;
  if (!flags.flatten_all.empty()) flat = flags.flatten_all;

  if (!flags.api_listen.empty()) api_listen = flags.api_listen;
  if (!flags.api_token.empty()) api_token = flags.api_token;
  if (!flags.nameservers.empty()) nameservers = flags.nameservers;
  if (api_token.empty()) {
    if (const char* env = std::getenv("DNSEDGE_API_TOKEN")) api_token = env;
  }
  cfg.api_token = api_token;
  {
    auto ep = server::Endpoint::parse(api_listen.empty() ? "127.0.0.1:8080" : api_listen);
    if (!ep) return make_error("--api-listen " + api_listen + ": " + ep.error().message);
    cfg.api_listen = *ep;
  }
  if (nameservers.empty()) nameservers = {"ns1.dnsedge.invalid.", "ns2.dnsedge.invalid."};
  for (std::string n : nameservers) {
    if (n.empty() || n.back() != '.') n += '.';
    auto w = dns::name_from_text(n);
    if (!w) return make_error("--nameserver " + n + ": " + w.error().message);
    cfg.nameservers.push_back(*w);
  }

  auto v4 = parse_address_list(edge4, 4);
  if (!v4) return make_error("--edge-ipv4: " + v4.error().message);
  cfg.edge.v4 = *v4;
  auto v6 = parse_address_list(edge6, 6);
  if (!v6) return make_error("--edge-ipv6: " + v6.error().message);
  cfg.edge.v6 = *v6;
  for (const auto& u : upstream) {
    auto ep = server::Endpoint::parse(u);
    if (!ep) return make_error("--upstream " + u + ": " + ep.error().message);
    cfg.upstreams.push_back(u);
  }
  for (std::string z : flat) {
    if (z.empty() || z.back() != '.') z += '.';
    auto w = dns::name_from_text(z);
    if (!w) return make_error("--flatten-all " + z + ": " + w.error().message);
    cfg.flatten_all.push_back(*w);
  }

  if (listen.empty()) listen = {"127.0.0.1:5353", "[::1]:5353"};
  for (const auto& s : listen) {
    auto ep = server::Endpoint::parse(s);
    if (!ep) return make_error("--dns-listen " + s + ": " + ep.error().message);
    cfg.dns_listen.push_back(*ep);
  }
  if (threads) {
    if (*threads < 1 || *threads > 256) return make_error("--threads must be between 1 and 256");
    cfg.threads = static_cast<unsigned>(*threads);
  }
  for (const auto& f : cfg.zone_files) {
    std::ifstream in(f);
    if (!in) return make_error("--zone-file " + f + ": cannot open");
  }
  auto edge_proxy = resolve_edge_config(flags.edge, flags.config_file, cfg.edge);
  if (!edge_proxy) return edge_proxy.error();
  cfg.edge_proxy = std::move(*edge_proxy);
  {  // where proxied origins may be: checked by zone loads, API writes and the edge
    std::vector<std::string> listening{endpoint_rdata(cfg.api_listen)};
    for (const auto& ep : cfg.dns_listen) listening.push_back(endpoint_rdata(ep));
    cfg.edge.policy = make_origin_policy(cfg.edge_proxy, cfg.edge, listening);
    cfg.edge_proxy.options.origin_policy = cfg.edge.policy;
  }
  return cfg;
}

Result<std::vector<std::string>> parse_address_list(const std::vector<std::string>& items, int family) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      size_t comma = item.find(',', start);
      if (comma == std::string::npos) comma = item.size();
      const std::string one = item.substr(start, comma - start);
      start = comma + 1;
      if (one.empty()) continue;
      unsigned char buf[16];
      if (inet_pton(family == 4 ? AF_INET : AF_INET6, one.c_str(), buf) != 1) {
        return make_error("'" + one + "' is not an IPv" + std::to_string(family) + " address");
      }
      std::string rd(reinterpret_cast<const char*>(buf), family == 4 ? 4 : 16);
      bool dup = false;
      for (const auto& e : out) dup = dup || e == rd;
      if (!dup) out.push_back(rd);
    }
  }
  return out;
}

}  // namespace dnsedge::app
