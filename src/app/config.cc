#include "app/config.h"
#include "app/config_file.h"
#include "app/xfr_wiring.h"

#include "dns/name.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

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

// The token in a file: its first line, surrounding white space removed.
Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("--api-token-file " + path + ": cannot open");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 4096) return make_error("--api-token-file " + path + ": more than 4096 bytes: not a token file");
  if (const size_t nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
  const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && ws(text.back())) text.pop_back();
  size_t b = 0;
  while (b < text.size() && ws(text[b])) ++b;
  text.erase(0, b);
  if (text.empty()) return make_error("--api-token-file " + path + ": the file holds no token");
  return text;
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
  std::string api_listen, api_token, api_token_file;
  std::string metrics_listen;
  std::string dnstap_socket, dnstap_messages;
  std::optional<long> dnstap_sample;
  std::optional<long> threads;
  long rrl_rate = cfg.rrl.rate, rrl_slip = cfg.rrl.slip, rrl_v4 = cfg.rrl.ipv4_prefix, rrl_v6 = cfg.rrl.ipv6_prefix;
  std::optional<long> generate_max, zone_records_max;
  if (!flags.config_file.empty()) {
    auto parsed = read_config_file(flags.config_file);
    if (!parsed) return parsed.error();
    const toml::table& t = *parsed;
    static constexpr std::string_view kKnown[] = {"data",          "dns_listen", "zone_files", "threads",
                                                  "no_edge_proxy", "edge_ipv4",  "edge_ipv6",  "upstream",
                                                  "flatten_all",   "api_listen", "api_token",  "nameservers",
                                                  "edge",          "spectrum_app", "xfr",        "rrl",
                                                  "api_token_file", "max_generate_records", "max_records_per_zone"};
    for (const auto& [k, v] : t) {
      bool known = false;
      for (auto kk : kKnown) known = known || k.str() == kk;
      known = known || is_limit_key(k.str());
      known = known || k.str() == "metrics_listen";
      known = known || k.str() == "dnstap_socket" || k.str() == "dnstap_sample" || k.str() == "dnstap_messages";
      known = known || k.str() == "metrics_zone_names";
      known = known || k.str() == "analytics";
      known = known || k.str() == "dnssec" || is_dnssec_timing_key(k.str());
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
                             {"api_token", &api_token}, {"api_token_file", &api_token_file}}) {
      if (const auto* n = t.get(key)) {
        if (!n->is_string()) return make_error(flags.config_file + ": '" + key + "' must be a string");
        *dest = n->as_string()->get();
      }
    }
    if (const auto* n = t.get("metrics_listen")) {
      if (!n->is_string()) return make_error(flags.config_file + ": 'metrics_listen' must be a string");
      metrics_listen = n->as_string()->get();
    }
    for (auto [key, dest] : {std::pair<const char*, std::string*>{"dnstap_socket", &dnstap_socket},
                             {"dnstap_messages", &dnstap_messages}}) {
      if (const auto* n = t.get(key)) {
        if (!n->is_string()) return make_error(flags.config_file + ": '" + key + "' must be a string");
        *dest = n->as_string()->get();
      }
    }
    if (const auto* n = t.get("dnstap_sample")) {
      if (!n->is_integer()) return make_error(flags.config_file + ": 'dnstap_sample' must be an integer");
      dnstap_sample = n->as_integer()->get();
    }
    if (const auto* n = t.get("metrics_zone_names")) {
      if (!n->is_boolean()) return make_error(flags.config_file + ": 'metrics_zone_names' must be true or false");
      cfg.metrics_zone_names = n->as_boolean()->get();
    }
    if (const auto* n = t.get("threads")) {
      if (!n->is_integer()) return make_error(flags.config_file + ": 'threads' must be an integer");
      threads = n->as_integer()->get();
    }
    if (const auto* rrl = t.get("rrl")) {
      const toml::table* rt = rrl->as_table();
      if (rt == nullptr) return make_error(flags.config_file + ": 'rrl' must be a table");
      for (const auto& [k, v] : *rt) {
        long* dest = k.str() == "rate" ? &rrl_rate : k.str() == "slip" ? &rrl_slip
                   : k.str() == "ipv4_prefix" ? &rrl_v4 : k.str() == "ipv6_prefix" ? &rrl_v6 : nullptr;
        if (dest == nullptr) return make_error(flags.config_file + ": unknown setting 'rrl." + std::string(k.str()) + "'");
        if (!v.is_integer()) return make_error(flags.config_file + ": 'rrl." + std::string(k.str()) + "' must be an integer");
        *dest = static_cast<long>(v.as_integer()->get());
      }
    }
    for (auto [key, dest] : {std::pair<const char*, std::optional<long>*>{"max_generate_records", &generate_max},
                             {"max_records_per_zone", &zone_records_max}}) {
      if (const auto* n = t.get(key)) {
        if (!n->is_integer()) return make_error(flags.config_file + ": '" + key + "' must be an integer");
        *dest = n->as_integer()->get();
      }
    }
    if (const auto* n = t.get("analytics")) {
      if (!n->is_boolean()) return make_error(flags.config_file + ": 'analytics' must be true or false");
      cfg.analytics = n->as_boolean()->get();
    }
    if (const auto* n = t.get("dnssec"); n != nullptr && n->is_array()) {
      // [[dnssec]] zone = "example.com": a zone file signed online.
      for (const auto& e : *n->as_array()) {
        const toml::table* et = e.as_table();
        if (et == nullptr) return make_error(flags.config_file + ": [[dnssec]] entries must be tables");
        for (const auto& [k, v] : *et) {
          if (k.str() != "zone") {
            return make_error(flags.config_file + ": unknown setting '" + std::string(k.str()) + "' in [[dnssec]]");
          }
        }
        const auto* zn = et->get("zone");
        if (zn == nullptr || !zn->is_string()) {
          return make_error(flags.config_file + ": [[dnssec]] needs zone = \"<zone name>\"");
        }
        std::string text = zn->as_string()->get();
        if (text.empty() || text.back() != '.') text += '.';
        auto wire = dns::name_from_text(text);
        if (!wire) return make_error(flags.config_file + ": [[dnssec]] zone \"" + text + "\": " + wire.error().message);
        std::string lower = *wire;  // name_from_text lowercases
        if (std::find(cfg.dnssec_zones.begin(), cfg.dnssec_zones.end(), lower) != cfg.dnssec_zones.end()) {
          return make_error(flags.config_file + ": [[dnssec]] zone \"" + text + "\" is given twice");
        }
        cfg.dnssec_zones.push_back(std::move(lower));
      }
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
  if (!flags.analytics.empty()) {
    if (flags.analytics != "on" && flags.analytics != "off") {
      return make_error("--analytics must be on or off, not '" + flags.analytics + "'");
    }
    cfg.analytics = flags.analytics == "on";
  }
  if (flags.xfr_journal_max) {
    if (*flags.xfr_journal_max < 0 || *flags.xfr_journal_max > 100000) return make_error("--xfr-journal-max must be 0..100000");
    cfg.xfr.journal_max = static_cast<size_t>(*flags.xfr_journal_max);
  }
  if (!flags.notify_source.empty()) {
    auto sources = xfr::parse_notify_sources(flags.notify_source);
    if (!sources) return make_error("--notify-source: " + sources.error().message);
    cfg.xfr.notify_source = std::move(*sources);
  }
  if (flags.rrl_rate) rrl_rate = *flags.rrl_rate;
  if (flags.rrl_slip) rrl_slip = *flags.rrl_slip;
  if (flags.rrl_ipv4_prefix) rrl_v4 = *flags.rrl_ipv4_prefix;
  if (flags.rrl_ipv6_prefix) rrl_v6 = *flags.rrl_ipv6_prefix;
  if (rrl_rate < 0 || rrl_rate > static_cast<long>(server::RrlTable::kMaxRate)) {
    return make_error("--rrl-rate must be 0.." + std::to_string(server::RrlTable::kMaxRate) + " (0 turns rate limiting off)");
  }
  if (rrl_slip < 0 || rrl_slip > 100) return make_error("--rrl-slip must be 0..100");
  if (rrl_v4 < 0 || rrl_v4 > 32) return make_error("--rrl-ipv4-prefix must be 0..32");
  if (rrl_v6 < 0 || rrl_v6 > 128) return make_error("--rrl-ipv6-prefix must be 0..128");
  cfg.rrl = server::RrlOptions{.rate = static_cast<uint32_t>(rrl_rate), .slip = static_cast<uint32_t>(rrl_slip),
                               .ipv4_prefix = static_cast<uint8_t>(rrl_v4), .ipv6_prefix = static_cast<uint8_t>(rrl_v6)};
  if (flags.max_generate_records) generate_max = flags.max_generate_records;
  if (flags.max_records_per_zone) zone_records_max = flags.max_records_per_zone;
  if (generate_max) {
    if (*generate_max < 0 || *generate_max > 10000000) return make_error("--max-generate-records must be 0..10000000");
    cfg.max_generate_records = static_cast<uint64_t>(*generate_max);
  }
  if (zone_records_max) {
    if (*zone_records_max < 1 || *zone_records_max > 100000000) {
      return make_error("--max-records-per-zone must be 1..100000000");
    }
    cfg.max_records_per_zone = static_cast<uint64_t>(*zone_records_max);
  }
  if (!flags.edge_ipv4.empty()) edge4 = flags.edge_ipv4;
  if (!flags.edge_ipv6.empty()) edge6 = flags.edge_ipv6;
  if (!flags.upstream.empty()) upstream = flags.upstream;
  if (!flags.flatten_all.empty()) flat = flags.flatten_all;

  if (!flags.api_listen.empty()) api_listen = flags.api_listen;
  if (!flags.metrics_listen.empty()) metrics_listen = flags.metrics_listen;
  if (flags.metrics_zone_names) cfg.metrics_zone_names = true;
  if (!metrics_listen.empty()) {
    auto ep = server::Endpoint::parse(metrics_listen);
    if (!ep) return make_error("--metrics-listen " + metrics_listen + ": " + ep.error().message);
    cfg.metrics_listen = ep->to_string();
  }
  if (!flags.dnstap_socket.empty()) dnstap_socket = flags.dnstap_socket;
  if (!flags.dnstap_messages.empty()) dnstap_messages = flags.dnstap_messages;
  if (flags.dnstap_sample) dnstap_sample = flags.dnstap_sample;
  if (dnstap_sample && (*dnstap_sample < 1 || *dnstap_sample > static_cast<long>(dnstap::kMaxSample))) {
    return make_error("--dnstap-sample must be 1.." + std::to_string(dnstap::kMaxSample));
  }
  if (dnstap_sample) cfg.dnstap.sample = static_cast<uint32_t>(*dnstap_sample);
  if (!dnstap_messages.empty()) {
    auto m = dnstap::parse_messages(dnstap_messages);
    if (!m) return make_error("--dnstap-messages: " + m.error().message);
    cfg.dnstap.messages = *m;
  }
  if (!dnstap_socket.empty()) {
    if (auto r = dnstap::check_socket_path(dnstap_socket); !r)
      return make_error("--dnstap-socket: " + r.error().message);
    cfg.dnstap.socket_path = dnstap_socket;
  }
  if (!flags.api_token.empty() && !flags.api_token_file.empty()) {
    return make_error("give --api-token or --api-token-file, not both");
  }
  if (!flags.api_token_file.empty()) {  // the flag wins over the config file's token
    api_token_file = flags.api_token_file;
    api_token.clear();
  }
  if (!flags.api_token.empty()) {
    api_token = flags.api_token;
    api_token_file.clear();
  }
  if (!flags.nameservers.empty()) nameservers = flags.nameservers;
  if (api_token.empty() && !api_token_file.empty()) {
    auto t = read_token_file(api_token_file);
    if (!t) return t.error();
    api_token = *t;
  }
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
  auto limits = resolve_limits(flags.limits, flags.config_file);
  if (!limits) return limits.error();
  cfg.limits = *limits;
  auto dnssec_timing = resolve_dnssec_timing(flags.dnssec_timing, flags.config_file);
  if (!dnssec_timing) return dnssec_timing.error();
  cfg.dnssec_timing = *dnssec_timing;
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
