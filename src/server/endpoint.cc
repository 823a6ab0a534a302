// Endpoint text forms: "127.0.0.1:53", "[::1]:53", "[fe80::1%eth0]:53".

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>

#include "server/server.h"

namespace dnsedge::server {
namespace {

constexpr uint16_t kDefaultPort = 53;

Error bad_endpoint(std::string_view text, std::string_view why) {
  return make_error("invalid listen address '" + std::string(text) + "': " + std::string(why) +
                    " (expected 127.0.0.1:53 or [::1]:53)");
}

// Parses a decimal port 0..65535 (digits only, no sign, no spaces).
bool parse_port(std::string_view s, uint16_t* port) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > 65535) return false;
  *port = static_cast<uint16_t>(v);
  return true;
}

// "::1" or "fe80::1%eth0" (the scope is an interface name or number).
bool parse_v6(std::string_view host, sockaddr_in6* sa) {
  std::string_view scope;
  if (auto pct = host.find('%'); pct != std::string_view::npos) {
    scope = host.substr(pct + 1);
    host = host.substr(0, pct);
    if (scope.empty()) return false;
  }
  if (host.size() >= INET6_ADDRSTRLEN) return false;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, host.data(), host.size());
  buf[host.size()] = '\0';
  if (inet_pton(AF_INET6, buf, &sa->sin6_addr) != 1) return false;
  if (!scope.empty()) {
    unsigned id = 0;
    auto [end, ec] = std::from_chars(scope.data(), scope.data() + scope.size(), id);
    if (ec != std::errc() || end != scope.data() + scope.size()) {
      if (scope.size() >= IF_NAMESIZE) return false;
      char name[IF_NAMESIZE];
      std::memcpy(name, scope.data(), scope.size());
      name[scope.size()] = '\0';
      id = if_nametoindex(name);
      if (id == 0) return false;
    }
    sa->sin6_scope_id = id;
  }
  return true;
}

bool parse_v4(std::string_view host, sockaddr_in* sa) {
  if (host.size() >= INET_ADDRSTRLEN) return false;
  char buf[INET_ADDRSTRLEN];
  std::memcpy(buf, host.data(), host.size());
  buf[host.size()] = '\0';
  return inet_pton(AF_INET, buf, &sa->sin_addr) == 1;
}

}  // namespace

// Accepted forms: "a.b.c.d:port", "[v6]:port", and, without a port (meaning 53), "a.b.c.d",
// "[v6]" or a bare v6 address. Host names are not resolved.
Result<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  bool v6 = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return bad_endpoint(text, "missing ']'");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad_endpoint(text, "expected ':' after ']'");
      port_text = rest.substr(1);
      if (port_text.empty()) return bad_endpoint(text, "missing port");
    }
    v6 = true;
  } else if (const size_t colons = static_cast<size_t>(std::count(text.begin(), text.end(), ':'));
             colons > 1) {
    host = text;  // bare IPv6 address, no port
    v6 = true;
  } else if (colons == 1) {
    const size_t colon = text.find(':');
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (port_text.empty()) return bad_endpoint(text, "missing port");
  } else {
    host = text;
  }
  if (host.empty()) return bad_endpoint(text, "missing address");

  uint16_t port = kDefaultPort;
  if (!port_text.empty() && !parse_port(port_text, &port)) {
    return bad_endpoint(text, "bad port");
  }

  Endpoint ep;
  if (v6) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    if (!parse_v6(host, &sa)) return bad_endpoint(text, "bad IPv6 address");
    std::memcpy(&ep.addr, &sa, sizeof sa);
    ep.len = sizeof sa;
  } else {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (!parse_v4(host, &sa)) return bad_endpoint(text, "bad IPv4 address");
    std::memcpy(&ep.addr, &sa, sizeof sa);
    ep.len = sizeof sa;
  }
  return ep;
}

std::string Endpoint::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    sockaddr_in sa;
    std::memcpy(&sa, &addr, sizeof sa);
    inet_ntop(AF_INET, &sa.sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(sa.sin_port));
  }
  if (family() == AF_INET6) {
    sockaddr_in6 sa;
    std::memcpy(&sa, &addr, sizeof sa);
    inet_ntop(AF_INET6, &sa.sin6_addr, buf, sizeof buf);
    std::string out = "[" + std::string(buf);
    if (sa.sin6_scope_id != 0) out += "%" + std::to_string(sa.sin6_scope_id);
    return out + "]:" + std::to_string(ntohs(sa.sin6_port));
  }
  return "<unspecified>";
}

uint16_t Endpoint::port() const noexcept {
  if (family() == AF_INET) {
    sockaddr_in sa;
    std::memcpy(&sa, &addr, sizeof sa);
    return ntohs(sa.sin_port);
  }
  if (family() == AF_INET6) {
    sockaddr_in6 sa;
    std::memcpy(&sa, &addr, sizeof sa);
    return ntohs(sa.sin6_port);
  }
  return 0;
}

}  // namespace dnsedge::server
