#pragma once
// The edge's error model (after Pingora's): every failure while proxying is a ProxyError that
// says what went wrong, on which side (the client, the origin, or the edge itself) and whether
// trying again can help. One function, describe(), turns it into what the client gets: an HTTP
// status and an error code on a short page, or nothing when the client is gone.
//
// Codes follow Cloudflare's where one fits: 1000 (DNS points to prohibited IP), 1001/1003 (host
// not served here / direct IP access), 1016 (origin DNS error), 520 (bad origin response), 521
// (origin down), 522 (connect timeout), 524 (origin timeout), 508 (loop: the request already
// went through this edge). The HTTP status (docs/edge.md): 409 for a host this edge does not
// proxy, 502 for an origin that is down or broken, 504 for an origin that is slow, 403 for a
// prohibited origin.
//
// A page never reveals the origin: no origin address, port or CNAME target — hiding the origin
// is what proxying is for. It shows a request id (also in the CF-RAY field); the edge logs the
// details under that id.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

namespace dnsedge::edge {

enum class ErrorSource : uint8_t { kDownstream, kUpstream, kInternal };

enum class ErrorKind : uint8_t {
  kBadRequest,            // 400: malformed request head
  kBadBody,               // 400: malformed chunked request body
  kHeadTooLarge,          // 431: head over 32 KiB or too many fields
  kUriTooLong,            // 414: a page rule's Location for this request would be too long
  kVersionNotSupported,   // 505
  kHeadTimeout,           // 408: no complete head within the header timeout (slowloris)
  kNotProxied,            // 409/1001: the Host is not a proxied name of ours
  kDirectIpAccess,        // 409/1003: an IP literal or no Host at all
  kProhibitedOrigin,      // 403/1000: an origin address the origin policy prohibits
  kLoopDetected,          // 508: the request carries this edge's CDN-Loop mark
  kOriginUnresolved,      // 502/1016: a proxied CNAME whose target has no addresses yet
  kOriginRefused,         // 502/521: every origin address refused or was unreachable
  kOriginConnectTimeout,  // 504/522: no origin address accepted within the connect timeout
  kOriginTimeout,         // 504/524: the origin did not answer within the origin timeout
  kOriginBadResponse,     // 502/520: unparseable or oversized response head
  kOriginReset,           // 502/520: the origin closed or reset before a complete head
  kClientGone,            // no response: the client closed or reset
  kInternal,              // 500
};

struct ProxyError {
  ErrorKind kind = ErrorKind::kInternal;
  ErrorSource source = ErrorSource::kInternal;
  bool retry = false;       // another attempt (next origin, fresh connection) may succeed
  std::string context;      // e.g. "127.0.0.31:8080: Connection refused" (shown for client errors only)
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
// host, the code, the request id `ray` (also in CF-RAY) and, for errors of the client's own
// making, the context; never the context of an origin error). `out` is cleared first.
void render_error(const ProxyError& e, std::string_view host, std::string_view ray, std::string* out);

// A request id for a page and the log line that goes with it: 16 lowercase hex digits.
std::string new_ray_id();

}  // namespace dnsedge::edge
