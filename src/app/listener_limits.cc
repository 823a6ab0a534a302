#include "app/listener_limits.h"

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "app/config_file.h"
#include "spdlog/spdlog.h"

namespace dnsedge::app {
namespace {

constexpr long long kMaxConnections = 1'000'000;
constexpr long long kMaxPendingBytes = 1LL << 40;

Result<size_t> count(long long v, const std::string& what, long long lo, long long hi) {
  if (v < lo || v > hi) return make_error(what + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return static_cast<size_t>(v);
}

Result<std::chrono::milliseconds> seconds(double s, const std::string& what) {
  if (!std::isfinite(s) || s <= 0 || s > 86400) return make_error(what + ": seconds must be in (0, 86400]");
  const auto ms = std::chrono::milliseconds(std::llround(s * 1000));
  if (ms.count() < 1) return make_error(what + ": seconds must be at least 0.001");
  return ms;
}

struct Key {
  std::string_view toml;
  const char* flag;
  bool is_time;
};

constexpr Key kKeys[] = {
    {"tcp_max_connections", "--tcp-max-connections", false},
    {"tcp_query_timeout", "--tcp-query-timeout", true},
    {"api_max_connections", "--api-max-connections", false},
    {"api_request_timeout", "--api-request-timeout", true},
    {"api_write_timeout", "--api-write-timeout", true},
    {"api_max_pending_response_bytes", "--api-max-pending-response-bytes", false},
};

}  // namespace

void add_limit_flags(CLI::App* serve, LimitFlags& flags) {
  serve->add_option("--tcp-max-connections", flags.tcp_max_connections,
                    "DNS over TCP connections; at the limit the oldest idle one is closed for a new one (default 1024)");
  serve->add_option("--tcp-query-timeout", flags.tcp_query_timeout,
                    "seconds to receive a whole DNS query over TCP, from accept or the previous answer (default 10)");
  serve->add_option("--api-max-connections", flags.api_max_connections,
                    "API connections; at the limit the oldest idle or incomplete one is closed for a new one "
                    "(default 512)");
  serve->add_option("--api-request-timeout", flags.api_request_timeout,
                    "seconds to receive a whole API request, head and body (default 30)");
  serve->add_option("--api-write-timeout", flags.api_write_timeout,
                    "seconds an API client has to take in a response before it is closed (default 30)");
  serve->add_option("--api-max-pending-response-bytes", flags.api_max_pending_response_bytes,
                    "bytes of API responses held for clients that have not read them, all connections "
                    "(default 67108864)");
}

bool is_limit_key(std::string_view key) {
  for (const Key& k : kKeys)
    if (k.toml == key) return true;
  return false;
}

Result<LimitsConfig> resolve_limits(const LimitFlags& flags, const std::string& config_file) {
  LimitFlags v;  // the file's values, then the flags over them
  if (!config_file.empty()) {
    auto parsed = read_config_file(config_file);
    if (!parsed) return parsed.error();
    const toml::table& t = *parsed;
    for (const Key& k : kKeys) {
      const toml::node* n = t.get(k.toml);
      if (n == nullptr) continue;
      const std::string what = config_file + ": '" + std::string(k.toml) + "'";
      if (k.is_time) {
        const auto s = n->value<double>();
        if (!s || n->is_boolean()) return make_error(what + " must be a number of seconds");
        (k.toml == "tcp_query_timeout"     ? v.tcp_query_timeout
         : k.toml == "api_request_timeout" ? v.api_request_timeout
                                           : v.api_write_timeout) = *s;
      } else {
        if (!n->is_integer()) return make_error(what + " must be an integer");
        const long long i = n->as_integer()->get();
        if (k.toml == "tcp_max_connections") v.tcp_max_connections = static_cast<long>(i);
        else if (k.toml == "api_max_connections") v.api_max_connections = static_cast<long>(i);
        else v.api_max_pending_response_bytes = i;
      }
    }
  }
  if (flags.tcp_max_connections) v.tcp_max_connections = flags.tcp_max_connections;
  if (flags.tcp_query_timeout) v.tcp_query_timeout = flags.tcp_query_timeout;
  if (flags.api_max_connections) v.api_max_connections = flags.api_max_connections;
  if (flags.api_request_timeout) v.api_request_timeout = flags.api_request_timeout;
  if (flags.api_write_timeout) v.api_write_timeout = flags.api_write_timeout;
  if (flags.api_max_pending_response_bytes) v.api_max_pending_response_bytes = flags.api_max_pending_response_bytes;

  LimitsConfig cfg;
  if (v.tcp_max_connections) {
    auto n = count(*v.tcp_max_connections, "--tcp-max-connections (tcp_max_connections)", 1, kMaxConnections);
    if (!n) return n.error();
    cfg.tcp_max_connections = *n;
  }
  if (v.api_max_connections) {
    auto n = count(*v.api_max_connections, "--api-max-connections (api_max_connections)", 1, kMaxConnections);
    if (!n) return n.error();
    cfg.api_max_connections = *n;
  }
  if (v.api_max_pending_response_bytes) {
    auto n = count(*v.api_max_pending_response_bytes,
                   "--api-max-pending-response-bytes (api_max_pending_response_bytes)", 1 << 16, kMaxPendingBytes);
    if (!n) return n.error();
    cfg.api_max_pending_response_bytes = *n;
  }
  for (auto [value, dest, what] :
       {std::tuple{v.tcp_query_timeout, &cfg.tcp_query_timeout, "--tcp-query-timeout (tcp_query_timeout)"},
        {v.api_request_timeout, &cfg.api_request_timeout, "--api-request-timeout (api_request_timeout)"},
        {v.api_write_timeout, &cfg.api_write_timeout, "--api-write-timeout (api_write_timeout)"}}) {
    if (!value) continue;
    auto ms = seconds(*value, what);
    if (!ms) return ms.error();
    *dest = *ms;
  }
  return cfg;
}

size_t raise_fd_limit(const LimitsConfig& limits, size_t edge_max_connections, size_t other) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    const rlim_t was = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      spdlog::warn("cannot raise the open file limit from {}: {}", was, std::strerror(errno));
      (void)::getrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  const size_t have = rl.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<size_t>(rl.rlim_cur);
  const size_t need = limits.tcp_max_connections + limits.api_max_connections + 2 * edge_max_connections + other;
  if (need > have) {
    spdlog::warn("open file limit {} is below what the connection limits may use ({}: --tcp-max-connections {}, "
                 "--api-max-connections {}, 2 x --edge-max-connections {}, {} other): raise it (ulimit -n) or "
                 "lower the limits",
                 have, need, limits.tcp_max_connections, limits.api_max_connections, edge_max_connections, other);
  }
  return have;
}

}  // namespace dnsedge::app
