#pragma once
// Redirects by page rule at the edge (docs/edge.md "Redirects: page rules"): before a request on
// a plain-HTTP port goes to a proxied host's origin, the active forwarding_url rules of the
// host's zone (view/page_rules.h, carried by the route) are tried in order; the first that
// matches is answered by the edge itself with its 301 or 302 and a Location built from what the
// wildcards matched. The origin is never contacted, and nothing of it (address, port, CNAME
// target) appears in the answer.
//
// Thread safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "view/page_rules.h"

namespace dnsedge::edge {

// A Location longer than this (a long request target referred to several times) is not sent:
// the request gets 414.
inline constexpr size_t kMaxLocation = 16 * 1024;

enum class RedirectOutcome : uint8_t { kNone, kRedirect, kTooLong };

struct Redirect {
  int status = 0;
  std::string location;
  std::string scratch;  // reused between requests
};

// The request's URL parts as rules match them: `host` from the Host field (lowercased, without
// port and trailing dot) and `path` from the request target (origin-form as sent; an
// absolute-form target's path and query; "" for the asterisk form, which no rule matches).
std::string lower_host(std::string_view host_field);
std::string_view target_path(std::string_view target) noexcept;

// The first of `rules` that matches the request on edge port `port`: kRedirect with `out`
// filled, kNone, or kTooLong when the Location would exceed kMaxLocation.
RedirectOutcome find_redirect(const view::ZonePageRules& rules, std::string_view host_field, uint16_t port,
                              std::string_view target, Redirect* out);

// The complete response: the status line, Location, a short HTML body (not for HEAD, whose
// Content-Length is still the body's), and Connection: keep-alive or close. `out` is cleared.
void render_redirect(const Redirect& r, bool head_request, bool keep_alive, std::string_view ray, std::string* out);

}  // namespace dnsedge::edge
