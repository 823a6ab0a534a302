#pragma once
// Connection limits and receive/write timeouts of the DNS-over-TCP and API listeners (the
// edge's are in app/edge_wiring.h): their flags and top-level TOML keys.
//
// Flags (TOML key in brackets; flags override the file):
//   --tcp-max-connections N        [tcp_max_connections]   DNS over TCP connections (default 1024)
//   --tcp-query-timeout S          [tcp_query_timeout]     whole time to receive one query, from
//                                                          accept or the previous answer (10 s)
//   --api-max-connections N        [api_max_connections]   API connections (default 512)
//   --api-request-timeout S        [api_request_timeout]   whole time to receive a request head
//                                                          and body (default 30 s)
//   --api-write-timeout S          [api_write_timeout]     a response must be taken in (30 s)
//   --api-max-pending-response-bytes N  [api_max_pending_response_bytes]
//                                  responses held for clients, all connections (default 64 MiB)
// At a connection limit the oldest idle or incomplete connection (the new client's own address
// first) is closed to admit a new one (common/conn_table.h).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace CLI {
class App;
}

namespace dnsedge::app {

struct LimitFlags {  // as given on the command line (unset = not given)
  std::optional<long> tcp_max_connections;
  std::optional<double> tcp_query_timeout;
  std::optional<long> api_max_connections;
  std::optional<double> api_request_timeout;
  std::optional<double> api_write_timeout;
  std::optional<long long> api_max_pending_response_bytes;
};

struct LimitsConfig {  // validated, defaults applied
  size_t tcp_max_connections = 1024;
  std::chrono::milliseconds tcp_query_timeout{10'000};
  size_t api_max_connections = 512;
  std::chrono::milliseconds api_request_timeout{30'000};
  std::chrono::milliseconds api_write_timeout{30'000};
  size_t api_max_pending_response_bytes = size_t{64} << 20;
};

void add_limit_flags(CLI::App* serve, LimitFlags& flags);

// True for the top-level TOML keys above.
bool is_limit_key(std::string_view key);

// Flags over the config file's keys ("" = no file). Errors name the flag or key and the range.
Result<LimitsConfig> resolve_limits(const LimitFlags& flags, const std::string& config_file);

// Raises the soft RLIMIT_NOFILE to the hard limit, then warns when the connection limits (an
// edge connection holds two descriptors: client and origin) plus `other` descriptors (listeners,
// the store, threads' pipes) do not fit under it. Returns the soft limit in force.
size_t raise_fd_limit(const LimitsConfig& limits, size_t edge_max_connections, size_t other);

}  // namespace dnsedge::app
