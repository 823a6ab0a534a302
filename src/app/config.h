#pragma once
// `dnsedge serve` configuration: command-line flags over an optional TOML file.
//
// TOML keys (all optional):
//   data = "/var/lib/dnsedge"
//   dns_listen = ["127.0.0.1:5353", "[::1]:5353"]
//   zone_files = ["/etc/dnsedge/example.com.zone"]
//   threads = 2
//   no_edge_proxy = true

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/server.h"

namespace dnsedge::app {

struct ServeFlags {  // as given on the command line (empty/unset = not given)
  std::string config_file;
  std::string data_dir;
  std::vector<std::string> dns_listen;
  std::vector<std::string> zone_files;
  std::optional<long> threads;
  bool no_edge_proxy = false;
};

struct ServeConfig {  // validated, defaults applied
  std::string data_dir = ".dnsedge-data";
  std::vector<server::Endpoint> dns_listen;
  std::vector<std::string> zone_files;
  unsigned threads = 1;
  bool no_edge_proxy = false;
};

Result<ServeConfig> resolve_serve_config(const ServeFlags& flags);

}  // namespace dnsedge::app
