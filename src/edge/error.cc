#include "edge/error.h"

#include <cstdint>
#include <random>

namespace dnsedge::edge {
namespace {

void append_escaped(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '&': out->append("&amp;"); break;
      case '"': out->append("&quot;"); break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out->push_back(c);
    }
  }
}

}  // namespace

ErrorSource source_of(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kBadRequest:
    case ErrorKind::kBadBody:
    case ErrorKind::kHeadTooLarge:
    case ErrorKind::kUriTooLong:
    case ErrorKind::kVersionNotSupported:
    case ErrorKind::kHeadTimeout:
    case ErrorKind::kNotProxied:
    case ErrorKind::kDirectIpAccess:
    case ErrorKind::kClientGone:
      return ErrorSource::kDownstream;
    case ErrorKind::kLoopDetected:
      return ErrorSource::kDownstream;
    case ErrorKind::kProhibitedOrigin:
    case ErrorKind::kOriginUnresolved:
    case ErrorKind::kOriginRefused:
    case ErrorKind::kOriginConnectTimeout:
    case ErrorKind::kOriginTimeout:
    case ErrorKind::kOriginBadResponse:
    case ErrorKind::kOriginReset:
      return ErrorSource::kUpstream;
    case ErrorKind::kInternal:
      break;
  }
  return ErrorSource::kInternal;
}

ErrorResponse describe(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kBadRequest: return {400, "Bad Request", 400, "The request is malformed"};
    case ErrorKind::kBadBody: return {400, "Bad Request", 400, "The request body is malformed"};
    case ErrorKind::kHeadTooLarge:
      return {431, "Request Header Fields Too Large", 431, "The request header is larger than 32 KiB"};
    case ErrorKind::kUriTooLong:
      return {414, "URI Too Long", 414, "The redirect for this URL would be too long"};
    case ErrorKind::kVersionNotSupported:
      return {505, "HTTP Version Not Supported", 505, "Only HTTP/1.0 and HTTP/1.1 are served here"};
    case ErrorKind::kHeadTimeout: return {408, "Request Timeout", 408, "The request header did not arrive in time"};
    case ErrorKind::kNotProxied: return {409, "Conflict", 1001, "Host not proxied by this edge"};
    case ErrorKind::kDirectIpAccess: return {409, "Conflict", 1003, "Direct IP access not allowed"};
    case ErrorKind::kProhibitedOrigin: return {403, "Forbidden", 1000, "DNS points to prohibited IP"};
    case ErrorKind::kLoopDetected:
      return {508, "Loop Detected", 508, "The request came back to this edge: the origin points at the edge"};
    case ErrorKind::kOriginUnresolved:
      return {502, "Bad Gateway", 1016, "Origin DNS error: the proxied name's target has no address yet"};
    case ErrorKind::kOriginRefused: return {502, "Bad Gateway", 521, "The origin web server is down"};
    case ErrorKind::kOriginConnectTimeout: return {504, "Gateway Timeout", 522, "Connection to the origin timed out"};
    case ErrorKind::kOriginTimeout: return {504, "Gateway Timeout", 524, "The origin did not answer in time"};
    case ErrorKind::kOriginBadResponse: return {502, "Bad Gateway", 520, "The origin sent an invalid response"};
    case ErrorKind::kOriginReset:
      return {502, "Bad Gateway", 520, "The origin closed the connection without a response"};
    case ErrorKind::kClientGone: return {0, "", 0, ""};
    case ErrorKind::kInternal: break;
  }
  return {500, "Internal Server Error", 500, "Internal error in the edge"};
}

void render_error(const ProxyError& e, std::string_view host, std::string_view ray, std::string* out) {
  const ErrorResponse r = describe(e.kind);
  std::string body;
  body.reserve(512);
  body.append("<!DOCTYPE html>\n<html><head><title>");
  body.append(std::to_string(r.status)).append(" ").append(r.reason);
  body.append("</title></head>\n<body>\n<h1>Error ").append(std::to_string(r.code)).append(": ");
  append_escaped(&body, r.title);
  body.append("</h1>\n<p>error code: ").append(std::to_string(r.code)).append("</p>\n");
  if (!host.empty()) {
    body.append("<p>host: ");
    append_escaped(&body, host.substr(0, 256));
    body.append("</p>\n");
  }
  if (!e.context.empty() && source_of(e.kind) == ErrorSource::kDownstream) {
    body.append("<p>");
    append_escaped(&body, e.context);
    body.append("</p>\n");
  }
  body.append("<p>Ray ID: ");
  append_escaped(&body, ray);
  body.append("</p>\n<p>dnsedge edge proxy</p>\n</body></html>\n");

  out->clear();
  out->append("HTTP/1.1 ").append(std::to_string(r.status)).append(" ").append(r.reason).append("\r\n");
  out->append("Content-Type: text/html; charset=utf-8\r\nContent-Length: ").append(std::to_string(body.size()));
  out->append("\r\nConnection: close\r\nCache-Control: no-store\r\nX-Edge-Error: ").append(std::to_string(r.code));
  out->append("\r\nCF-RAY: ");
  append_escaped(out, ray);
  out->append("\r\n\r\n").append(body);
}

std::string new_ray_id() {
  // Per thread: the edge has one, tests may have more. Not a secret, only distinct.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = rng();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) id[static_cast<size_t>(i)] = kHex[v & 0xf];
  return id;
}

}  // namespace dnsedge::edge
