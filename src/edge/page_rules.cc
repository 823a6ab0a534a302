#include "edge/page_rules.h"

#include "common/ascii.h"

namespace dnsedge::edge {

std::string lower_host(std::string_view host) {
  if (const size_t colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return common::ascii_lower(host);
}

std::string_view target_path(std::string_view target) noexcept {
  if (target.starts_with('/')) return target;
  // absolute-form (RFC 9112 §3.2.2): "http://host:port/path?query"
  const size_t scheme = target.find("://");
  if (scheme == std::string_view::npos) return {};
  const std::string_view rest = target.substr(scheme + 3);
  const size_t path = rest.find_first_of("/?");
  if (path == std::string_view::npos || rest[path] == '?') return {};
  return rest.substr(path);
}

RedirectOutcome find_redirect(const view::ZonePageRules& rules, std::string_view host_field, uint16_t port,
                              std::string_view target, Redirect* out) {
  const std::string_view path = target_path(target);
  if (path.empty() || rules.empty()) return RedirectOutcome::kNone;
  const std::string host = lower_host(host_field);
  for (const view::ServedPageRule& rule : rules) {
    if (!view::apply_rule(rule, host, port, path, &out->scratch, &out->location)) continue;
    if (out->location.size() > kMaxLocation) return RedirectOutcome::kTooLong;
    // The stored URL holds visible ASCII only and captures are percent-encoded: a line break
    // here is impossible, and would never reach the client.
    if (out->location.find_first_of("\r\n") != std::string::npos) return RedirectOutcome::kNone;
    out->status = rule.status_code;
    return RedirectOutcome::kRedirect;
  }
  return RedirectOutcome::kNone;
}

void render_redirect(const Redirect& r, bool head_request, bool keep_alive, std::string_view ray, std::string* out) {
  const std::string_view reason = r.status == 301 ? "Moved Permanently" : "Found";
  const std::string status = std::to_string(r.status);
  std::string body;
  body.append("<html>\n<head><title>").append(status).append(" ").append(reason);
  body.append("</title></head>\n<body>\n<center><h1>").append(status).append(" ").append(reason);
  body.append("</h1></center>\n<hr><center>dnsedge</center>\n</body>\n</html>\n");
  out->clear();
  out->append("HTTP/1.1 ").append(status).append(" ").append(reason).append("\r\n");
  out->append("Location: ").append(r.location).append("\r\n");
  out->append("Content-Type: text/html\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n");
  out->append(keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
  out->append("CF-RAY: ").append(ray).append("\r\n\r\n");
  if (!head_request) out->append(body);
}

}  // namespace dnsedge::edge
