#pragma once
// Wiring of the edge proxy into `dnsedge serve`: its flags, its TOML settings and its start.
//
// Flags:
//   --edge-http-ports 80,8080,...     HTTP ports on every edge address (default: Cloudflare's 7)
//   --edge-https-ports 443,8443,...   HTTPS (SNI passthrough) ports (default: Cloudflare's 6)
//                                     "none" for no listeners of that kind
//   --edge-header-timeout S           request head / ClientHello deadline (default 10 s)
//   --edge-connect-timeout S          per origin address (default 5 s)
//   --edge-origin-timeout S           origin response head deadline (default 100 s)
//   --edge-keepalive-timeout S        idle keep-alive connection between requests (default 60 s)
//   --edge-max-connections N          client connections; at the limit the oldest idle or
//                                     incomplete one is closed for a new one (default 4096)
//   --spectrum-pool CIDR              addresses for Spectrum apps, repeatable
//   --spectrum-app SPEC               a Spectrum TCP app, repeatable (edge/spectrum.h for SPEC)
//   --spectrum-max-ports N            ports all Spectrum apps may listen on together
//                                     (default min(4096, RLIMIT_NOFILE / 4))
//   --edge-origin-allow CIDR          origins allowed although loopback/link-local/... (repeatable)
//   --edge-origin-deny CIDR           origins refused besides the built-in ones (repeatable; wins)
// TOML (flags override):
//   [edge]
//   http_ports = [80, 8080]      https_ports = [443]
//   header_timeout = 10          connect_timeout = 5      origin_timeout = 100
//   idle_timeout = 300           keepalive_timeout = 60   max_connections = 4096
//   spectrum_pool = ["127.0.0.64/28"]         spectrum_max_ports = 4096
//   origin_allow = ["127.0.0.5/32"]           origin_deny = ["10.0.0.0/8"]
//   [[spectrum_app]]
//   protocol = "tcp/25"                      dns = "smtp.example.com"
//   origin_direct = ["tcp://192.0.2.1:25"]   # or origin_dns = "mail.example.com" + origin_port = 25
//   proxy_protocol = "v1"                    ip_firewall = false     edge_ips = ["203.0.113.64"]
//
// The edge always runs (API Spectrum apps may appear at any publish), unless --no-edge-proxy
// turns it off entirely; with no edge address and no app it listens nowhere.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/snapshot.h"
#include "edge/edge.h"
#include "view/served.h"
#include "view/zone_view.h"

namespace CLI {
class App;
}

namespace dnsedge::app {

struct EdgeFlags {  // as given on the command line (empty/unset = not given)
  std::string http_ports;
  std::string https_ports;
  std::optional<double> header_timeout;
  std::optional<double> connect_timeout;
  std::optional<double> origin_timeout;
  std::optional<double> keepalive_timeout;
  std::optional<long> max_connections;
  std::vector<std::string> spectrum_pools;
  std::vector<std::string> spectrum_apps;
  std::optional<long> spectrum_max_ports;
  std::vector<std::string> origin_allow;
  std::vector<std::string> origin_deny;
};

struct EdgeConfig {  // validated
  edge::EdgeOptions options;  // addresses filled from the edge addresses
  std::vector<edge::SpectrumApp> apps;
  std::vector<view::AddressBlock> origin_allow, origin_deny;  // --edge-origin-allow/-deny
};

void add_edge_flags(CLI::App* serve, EdgeFlags& flags);

// Flags over the config file's [edge] table and [[spectrum_app]] entries ("" = no file).
Result<EdgeConfig> resolve_edge_config(const EdgeFlags& flags, const std::string& config_file,
                                       const view::EdgeAddresses& addresses);

// The origin policy (view/origin_policy.h) of a server with these edge settings and edge
// addresses, listening (DNS, API, metrics) on `listening` (rdata); an unspecified address there
// stands for every address of the host's interfaces.
std::shared_ptr<const view::OriginPolicy> make_origin_policy(const EdgeConfig& config,
                                                             const view::EdgeAddresses& addresses,
                                                             const std::vector<std::string>& listening);

// Starts the edge; nullptr when it is off (--no-edge-proxy).
Result<std::unique_ptr<edge::Edge>> start_edge(const EdgeConfig& config, bool disabled,
                                               const common::SnapshotPublisher<view::Catalog>& catalog);

}  // namespace dnsedge::app
