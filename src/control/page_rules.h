#pragma once
// Page rules through the API (`/zones/{id}/pagerules`, docs/api.md "Page rules"): the typed
// input the API reads a body into, the checks a rule passes before it is stored, and the form
// the edge applies (view/page_rules.h). The Controller's page-rule methods live in
// page_rules.cc too.
//
// A rule is Cloudflare's object with one target and one action:
//   {"targets": [{"target": "url", "constraint": {"operator": "matches", "value": "example.com/*"}}],
//    "actions": [{"id": "forwarding_url", "value": {"url": "https://www.example.com/$1", "status_code": 301}}],
//    "priority": 1, "status": "active"}
// Only forwarding_url is carried out (an edge that passes TLS through can redirect, but not
// cache, rewrite or secure what it never decrypts); any other action is refused, naming it.
//
// What is refused (400, code 1004, "Page Rule validation failed: <why>"), nothing stored:
//   - a target other than `url` / operator other than `matches`, not exactly one target;
//   - a pattern that is empty, over view::kMaxPatternLength, holds anything but visible ASCII,
//     has more than view::kMaxWildcards `*`, a scheme other than http(s), a port that is not one
//     of Cloudflare's proxied HTTP ports, or a host that is not the zone or a name below it;
//   - a pattern that can match only https (the `https://` scheme, or an HTTPS port): TLS is
//     passed through and never terminated, so the edge never sees such a request;
//   - a pattern whose host no proxied record of the zone matches (page rules apply only to
//     proxied hosts);
//   - an action other than forwarding_url, or more than one action;
//   - a forwarding URL that is not an absolute http:// or https:// URL with a host, is over
//     view::kMaxForwardUrlLength, holds a line break or anything but visible ASCII (header
//     injection), refers to `$0` or to a wildcard the pattern does not have, or to more than
//     view::kMaxUrlReferences;
//   - a status_code other than 301 and 302 (an integer), a priority below 1, a status other than
//     active or disabled;
//   - a rule whose forwarding URL leads back to a URL it matches (a redirect loop);
//   - a zone's view::kMaxPageRulesPerZone + 1-th rule.
//
// Thread safety: plain values and pure functions.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/store.h"
#include "view/page_rules.h"

namespace dnsedge::control {

// The body of a page rule write, as the API read it (JSON types already checked). Absent
// fields: PATCH keeps the rule's, POST and PUT take the defaults (priority 1, status
// "disabled", as Cloudflare's).
struct PageRuleInput {
  struct Target {
    std::string target;  // "url"
    std::string op;      // constraint.operator: "matches"
    std::string value;   // constraint.value: the URL pattern
  };
  struct Action {
    std::string id;                      // "forwarding_url"
    bool has_value = false;              // a value object was given
    std::string url;                     // value.url
    std::optional<int64_t> status_code;  // value.status_code
  };
  std::optional<std::vector<Target>> targets;
  std::optional<std::vector<Action>> actions;
  std::optional<int64_t> priority;
  std::optional<std::string> status;
};

// What a rule is checked against: the zone's name ("example.com") and its proxied owner names
// as text, lowercase, no trailing dot ("www.example.com", "*.wild.example.com").
struct PageRuleZone {
  std::string name;
  std::vector<std::string> proxied;
};

// The pattern as stored: the scheme (if any) and the host lowercased, "/" added when the pattern
// has no path (as Cloudflare saves "example.com" as "example.com/"). Errors as above.
Result<std::string> normalize_pattern(const PageRuleZone& zone, std::string_view value);

// `in` checked against `zone` into a row (id, zone_id, created_on and modified_on left to the
// caller). `base`: the stored rule a PATCH changes (its fields fill what `in` leaves out); null
// for POST and PUT.
Result<store::PageRuleRow> check_page_rule(const PageRuleZone& zone, const PageRuleInput& in,
                                           const store::PageRuleRow* base);

// The active rules of `rules` as the edge applies them (highest priority first, then the
// oldest); null when none is active.
std::shared_ptr<const view::ZonePageRules> served_page_rules(const std::map<std::string, store::PageRuleRow>& rules);

}  // namespace dnsedge::control
