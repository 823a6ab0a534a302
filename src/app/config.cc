#include "app/config.h"

#include <toml++/toml.h>

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

}  // namespace

Result<ServeConfig> resolve_serve_config(const ServeFlags& flags) {
  ServeConfig cfg;
  std::vector<std::string> listen;
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
    static constexpr std::string_view kKnown[] = {"data", "dns_listen", "zone_files", "threads",
                                                  "no_edge_proxy"};
    for (const auto& [k, v] : t) {
      bool known = false;
      for (auto kk : kKnown) known = known || k.str() == kk;
      if (!known) return make_error(flags.config_file + ": unknown setting '" + std::string(k.str()) + "'");
    }
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
  return cfg;
}

}  // namespace dnsedge::app
