#pragma once
// Page rules as the edge applies them (docs/edge.md "Redirects: page rules"): Cloudflare's
// forwarding_url action, a URL pattern with `*` wildcards and a forwarding URL that refers to
// what they matched as $1..$N. The controller validates and stores the rules
// (control/page_rules.h); it publishes the active ones of each zone with the Catalog
// (Catalog::page_rules()), and the edge answers a matching request to a proxied host on its
// plain-HTTP ports with the 301/302 itself, without contacting the origin.
//
// Matching. A pattern is `[scheme://]host[:port]/path[?query]`, where only `http://` or no
// scheme can match at the edge: TLS is passed through, never terminated, so the edge never sees
// an https request. The pattern's scheme only says whether it can match; the rest of it is
// matched against host (lowercase, no trailing dot), `:port` (the edge port the request came in
// on) when the pattern names one, and the request target (path and query string, as sent). A `*` matches any run of
// characters, none included, the query string included; the host part is compared lowercased, the rest exactly. Each
// `*` takes as few characters as it can, from the left, so in `*.example.com/*` the first takes the host's labels and
// the second the whole path.
//
// Substitution. In the forwarding URL, `$N` (one digit, 1..9) is what the N-th `*` matched and
// `\$` a literal `$`; any other character is itself. A matched byte that may not appear in a
// header (control characters, space, non-ASCII) is written percent-encoded, so nothing a
// client sends can end the Location field.
//
// Thread safety: plain values and pure functions.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace dnsedge::view {

// Limits of a page rule (docs/api.md "Page rules").
inline constexpr size_t kMaxPageRulesPerZone = 125;  // Cloudflare's Enterprise plan
inline constexpr size_t kMaxPatternLength = 1024;
inline constexpr size_t kMaxForwardUrlLength = 2048;
inline constexpr size_t kMaxWildcards = 4;       // `*` in one pattern (Cloudflare's limit)
inline constexpr size_t kMaxUrlReferences = 16;  // `$N` in one forwarding URL

// Cloudflare's proxied HTTP and HTTPS ports: a port in a pattern must be one of them.
inline constexpr std::array<uint16_t, 7> kPatternHttpPorts = {80, 8080, 8880, 2052, 2082, 2086, 2095};
inline constexpr std::array<uint16_t, 6> kPatternHttpsPorts = {443, 2053, 2083, 2087, 2096, 8443};

// A URL pattern, split at its wildcards.
struct UrlPattern {
  enum class Scheme : uint8_t { kAny, kHttp, kHttps };
  Scheme scheme = Scheme::kAny;
  bool has_port = false;           // the authority names a port: the request's must equal it
  std::vector<std::string> parts;  // the pattern without its scheme, split at each '*'

  size_t wildcards() const noexcept { return parts.empty() ? 0 : parts.size() - 1; }
  // `value` as stored: "http://" or "https://" (any case) first, or no scheme.
  static UrlPattern parse(std::string_view value);
};

// What the wildcards of a pattern matched, in order.
using Captures = std::array<std::string_view, kMaxWildcards>;

// Whether `subject` matches the pattern's parts (`*` between each two); fills `captures` (views
// into `subject`) when it does. False for a pattern with more than kMaxWildcards wildcards.
// Linear in the subject for each part (no backtracking beyond the next part's search).
bool match_parts(const std::vector<std::string>& parts, std::string_view subject, Captures* captures);

// The request URL as `pattern` is matched against it (see above), into `out`. `host`: lowercase,
// no port, no trailing dot; `target`: path and query. False for a pattern that can match only
// https.
bool request_subject(const UrlPattern& pattern, std::string_view host, uint16_t port, std::string_view target,
                     std::string* out);

// The `$N` references of a forwarding URL: the highest N (0: none), how many there are, and
// whether one is `$0` (which names no wildcard).
struct UrlReferences {
  unsigned highest = 0;
  size_t count = 0;
  bool zero = false;
};
UrlReferences url_references(std::string_view url) noexcept;

// `url` with its references replaced by `captures` (percent-encoding what may not appear in a
// header) and `\$` by `$`, into `out`. False when it refers past `wildcards`.
bool expand_url(std::string_view url, const Captures& captures, size_t wildcards, std::string* out);

struct ServedPageRule {
  std::string id;
  UrlPattern pattern;
  std::string url;  // the forwarding URL as written
  int status_code = 301;
};

// The result of one rule on one request: `location` filled when it matched.
// `scratch` is reused between calls (the request URL is built there).
bool apply_rule(const ServedPageRule& rule, std::string_view host, uint16_t port, std::string_view target,
                std::string* scratch, std::string* location);

// The active page rules of one zone, in the order they apply: highest priority first, then the
// oldest.
using ZonePageRules = std::vector<ServedPageRule>;

// The active page rules of the served zones, by apex (wire). Immutable once published.
struct PageRuleSet {
  absl::flat_hash_map<std::string, std::shared_ptr<const ZonePageRules>> zones;

  // The rules of the zone at `apex`, or nullptr.
  std::shared_ptr<const ZonePageRules> find(std::string_view apex) const;
  static std::shared_ptr<const PageRuleSet> empty();
};

}  // namespace dnsedge::view
