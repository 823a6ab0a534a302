#pragma once
// `dnsedge serve` configuration: command-line flags over an optional TOML file.
//
// TOML keys (all optional):
//   data = "/var/lib/dnsedge"
//   dns_listen = ["127.0.0.1:5353", "[::1]:5353"]
//   zone_files = ["/etc/dnsedge/example.com.zone"]
//   threads = 2
//   no_edge_proxy = true
//   edge_ipv4 = ["203.0.113.1", "203.0.113.2"]
//   edge_ipv6 = ["2001:db8:e::1"]
//   upstream = ["127.0.0.1:5300"]          # resolver for external CNAME targets
//   flatten_all = ["example.com"]          # zones with flatten_all (default: flatten at root)
//   api_listen = "127.0.0.1:8080"          # REST API (Cloudflare v4 shape) under /client/v4
//   metrics_listen = "127.0.0.1:9153"      # Prometheus /metrics, /healthz, /readyz (off if unset)
//   dnstap_socket = "/run/dnstap.sock"     # dnstap query log to this unix socket (off if unset)
//   dnstap_sample = 1                      # ... one query in N
//   dnstap_messages = "both"               # ... query, response or both
//   metrics_zone_names = true              # name the busiest zones in /metrics (default: "other")
//   analytics = true                       # DNS analytics (dns_analytics API); default on
//   api_token = "..."                      # first API token (or env DNSEDGE_API_TOKEN)
//   api_token_file = "/etc/dnsedge/token"  # ... read from this file instead (kept out of ps)
//   nameservers = ["ns1.example.net", "ns2.example.net"]  # apex NS of API-created zones
//   max_generate_records = 65536           # records $GENERATE may make per zone file or import
//   max_records_per_zone = 1000000         # records an API zone may hold (81045 over it)
//   [edge] / [[spectrum_app]]              # edge proxy settings, see app/edge_wiring.h
//   tcp_max_connections = 1024 ... api_write_timeout = 30  # see app/listener_limits.h
//   [xfr] / [[xfr.tsig]] / [[xfr.outgoing]] # zone transfers, see app/xfr_wiring.h
//   dnssec_zsk_lifetime = "90d" ...        # ZSK rollover timing ([dnssec] table without [[dnssec]]),
//                                          #   see app/dnssec_config.h
//   dnssec_signing_budget = 8000           # fresh signatures/s per worker while other answers
//                                          #   compete; 0 = no budget (auth/online_sign.h)
//   [[dnssec]]                             # a zone file signed online (docs/dnssec.md), one per zone
//   zone = "example.com"                   #   keys kept in the store, made at first start
//   [rrl]                                  # response rate limiting (UDP), see server/rrl.h
//   rate = 200                             #   responses/s per prefix and response kind; 0 = off
//   slip = 2                               #   every Nth limited response sent truncated; 0 = none
//   ipv4_prefix = 24
//   ipv6_prefix = 64

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/dnssec_config.h"
#include "app/edge_wiring.h"
#include "app/listener_limits.h"
#include "common/result.h"
#include "server/server.h"
#include "view/served.h"
#include "xfr/config.h"

namespace dnsedge::app {

struct ServeFlags {  // as given on the command line (empty/unset = not given)
  std::string config_file;
  std::string data_dir;
  std::vector<std::string> dns_listen;
  std::vector<std::string> zone_files;
  std::optional<long> threads;
  bool no_edge_proxy = false;
  std::vector<std::string> edge_ipv4;  // each "IP[,IP...]"
  std::vector<std::string> edge_ipv6;
  std::vector<std::string> upstream;
  std::vector<std::string> flatten_all;
  std::string api_listen;
  std::string metrics_listen;
  std::string dnstap_socket;  // --dnstap-socket, --dnstap-sample, --dnstap-messages
  std::optional<long> dnstap_sample;
  std::string dnstap_messages;
  bool metrics_zone_names = false;
  std::string analytics;  // --analytics on|off
  std::string api_token;
  std::string api_token_file;
  std::vector<std::string> nameservers;
  EdgeFlags edge;  // edge proxy flags (app/edge_wiring.h)
  std::optional<long> xfr_journal_max;
  std::vector<std::string> notify_source;  // --notify-source, repeatable (one IPv4, one IPv6)
  LimitFlags limits;  // DNS/TCP and API connection limits and timeouts (app/listener_limits.h)
  std::optional<long> rrl_rate, rrl_slip, rrl_ipv4_prefix, rrl_ipv6_prefix;
  std::optional<long> max_generate_records;
  std::optional<long> max_records_per_zone;
  DnssecFlags dnssec_timing;  // --dnssec-* (app/dnssec_config.h)
};

struct ServeConfig {  // validated, defaults applied
  std::string data_dir = ".dnsedge-data";
  std::vector<server::Endpoint> dns_listen;
  std::vector<std::string> zone_files;
  unsigned threads = 1;
  bool no_edge_proxy = false;
  view::EdgeAddresses edge;
  std::vector<std::string> upstreams;    // "ADDR:PORT"
  std::vector<std::string> flatten_all;  // zone apexes, wire form
  server::Endpoint api_listen;           // default 127.0.0.1:8080
  std::string metrics_listen;            // "" = no metrics listener (docs/observability.md)
  dnstap::Options dnstap;                // socket_path "" = no dnstap (docs/observability.md)
  bool metrics_zone_names = false;       // the busiest zones are named in /metrics
  bool analytics = true;                 // DNS analytics (docs/observability.md "DNS analytics")
  std::string api_token;                 // "" = none given (flag, config or DNSEDGE_API_TOKEN)
  std::vector<std::string> nameservers;  // wire form; default ns1/ns2.dnsedge.invalid.
  EdgeConfig edge_proxy;                 // edge proxy listeners, timeouts, Spectrum apps
  xfr::Config xfr;                       // [xfr] of the config file (+ the API's, at run time)
  LimitsConfig limits;                   // DNS/TCP and API connection limits and timeouts
  server::RrlOptions rrl;                // [rrl], --rrl-*: NSD's defaults (rate 200, slip 2, /24, /64)
  uint64_t max_generate_records = 65536;   // per zone file or import, all $GENERATE together
  uint64_t max_records_per_zone = 1000000; // API zones; a write over it fails with 81045
  DnssecTiming dnssec_timing;              // [dnssec], --dnssec-*: ZSK rollover and signature validity
  std::vector<std::string> dnssec_zones;   // [[dnssec]] zone = ...: file zones signed online (apex wire)
};

Result<ServeConfig> resolve_serve_config(const ServeFlags& flags);

// "203.0.113.1,203.0.113.2" → rdata list; family 4 or 6. Errors name the bad address.
Result<std::vector<std::string>> parse_address_list(const std::vector<std::string>& items, int family);

}  // namespace dnsedge::app
