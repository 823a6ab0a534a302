#pragma once
// The edge's error model (after Pingora's): every failure while proxying is a ProxyError that
// says what went wrong, on which side (the client, the origin, or the edge itself) and whether
// trying again can help. One function, describe(), turns it into what the client gets: an HTTP
// status and an error code on a short page, or nothing when the client is gone.
//
// Codes follow Cloudflare's where one fits: 1001/1003 (host not served here / direct IP
// access), 1016 (origin DNS error), 520 (bad origin response), 521 (origin down), 522
// (connect timeout), 524 (origin timeout). The HTTP status follows SPEC §4 and the issue: 409
// for a host this edge does not proxy, 502 for an origin that is down or broken, 504 for an
// origin that is slow.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

namespace dnsedge::edge {

enum class ErrorSource : uint8_t { kDownstream, kUpstream, kInternal };

enum class ErrorKind : uint8_t {
  kBadRequest,             // 400: malformed request head
  kBadBody,                // 400: malformed chunked request body
  kHeadTooLarge,           // 431: head over 32 KiB or too many fields
  kVersionNotSupported,    // 505
  kHeadTimeout,            // 408: no complete head within the header timeout (slowloris)
  kNotProxied,             // 409/1001: the Host is not a proxied name of ours
  kDirectIpAccess,         // 409/1003: an IP literal or no Host at all
  kOriginUnresolved,       // 502/1016: a proxied CNAME whose target has no addresses yet
  kOriginRefused,          // 502/521: every origin address refused or was unreachable
  kOriginConnectTimeout,   // 504/522: no origin address accepted within the connect timeout
  kOriginTimeout,          // 504/524: the origin did not answer within the origin timeout
  kOriginBadResponse,      // 502/520: unparseable or oversized response head
  kOriginReset,            // 502/520: the origin closed or reset before a complete head
  kClientGone,             // no response: the client closed or reset
  kInternal,               // 500
};

struct ProxyError {
  ErrorKind kind = ErrorKind::kInternal;
  ErrorSource source = ErrorSource::kInternal;
  bool retry = false;       // another attempt (next origin, fresh connection) may succeed
  std::string context;      // e.g. "127.0.0.31:8080: Connection refused"
};

struct ErrorResponse {
  int status = 0;           // 0: send nothing, close
  std::string_view reason;  // "Bad Gateway"
  int code = 0;             // shown as "error code: N" and in X-Edge-Error
  std::string_view title;   // one line for humans
};

ErrorSource source_of(ErrorKind kind) noexcept;
ErrorResponse describe(ErrorKind kind) noexcept;

// A complete HTTP/1.1 response for `e` (Connection: close, a small text/html page naming the
// host, the code and the context). `out` is cleared first.
void render_error(const ProxyError& e, std::string_view host, std::string* out);

}  // namespace dnsedge::edge
