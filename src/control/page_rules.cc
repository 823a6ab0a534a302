// Page rules: the checks of control/page_rules.h and the Controller's page-rule methods (the
// write path of docs/architecture.md without a recompile: a rule changes no DNS answer, so the
// zone keeps its view and serial; the publish hands the new rules to the edge with the Catalog).

#include "control/page_rules.h"

#include <algorithm>
#include <charconv>

#include "common/ascii.h"
#include "control/controller.h"
#include "control/errors.h"
#include "dns/name.h"
#include "zone/record.h"

namespace dnsedge::control {
namespace {

constexpr int64_t kMaxPriority = 1'000'000'000;

Error invalid(const std::string& why) { return Error{"Page Rule validation failed: " + why, errc::kValidation}; }

Error not_found_rule(const std::string& id) {
  return Error{"Page Rule " + id + " does not exist in this zone.", errc::kObjectNotFound};
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && common::ascii_lower(s.substr(0, prefix.size())) == prefix;
}

bool visible_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c < 0x7f;
  });
}

std::string ports_text(const auto& ports) {
  std::string out;
  for (uint16_t p : ports) out += (out.empty() ? "" : ", ") + std::to_string(p);
  return out;
}

const std::string kTlsPassthrough =
    "can match only https:// requests, which this edge never sees: TLS is passed through to the origin, "
    "never terminated, so a redirect applies to http:// requests only (write the pattern without a scheme, "
    "or with http://)";

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '*';
}

// The host of a normalized pattern (after its scheme, before its port and path).
std::string_view pattern_host(std::string_view pattern) {
  if (const size_t s = pattern.find("://"); s != std::string_view::npos) pattern.remove_prefix(s + 3);
  const std::string_view authority = pattern.substr(0, pattern.find('/'));
  return authority.substr(0, authority.find(':'));
}

Result<void> check_forward_url(std::string_view url, size_t wildcards) {
  if (url.empty()) return invalid("forwarding_url needs a url");
  if (url.size() > view::kMaxForwardUrlLength) {
    return invalid("the forwarding URL is " + std::to_string(url.size()) + " characters long, over the limit of " +
                   std::to_string(view::kMaxForwardUrlLength));
  }
  if (url.find_first_of("\r\n") != std::string_view::npos) {
    return invalid("the forwarding URL holds a line break (CR or LF), which would end the Location header");
  }
  if (!visible_ascii(url)) {
    return invalid(
        "the forwarding URL may hold only visible ASCII characters: no spaces or control characters "
        "(percent-encode others)");
  }
  size_t scheme = 0;
  if (starts_with_nocase(url, "http://")) {
    scheme = 7;
  } else if (starts_with_nocase(url, "https://")) {
    scheme = 8;
  } else {
    return invalid("the forwarding URL '" + std::string(url.substr(0, 100)) +
                   "' is not an absolute http:// or https:// URL");
  }
  if (url.substr(scheme, url.substr(scheme).find_first_of("/?#")).empty()) {
    return invalid("the forwarding URL has no host");
  }
  const view::UrlReferences refs = view::url_references(url);
  if (refs.zero) return invalid("the forwarding URL refers to $0, which names no wildcard: they are numbered from $1");
  if (refs.count > view::kMaxUrlReferences) {
    return invalid("the forwarding URL refers to wildcards " + std::to_string(refs.count) +
                   " times, over the limit of " + std::to_string(view::kMaxUrlReferences));
  }
  if (refs.highest > wildcards) {
    return invalid("the forwarding URL refers to $" + std::to_string(refs.highest) + " but the URL pattern has " +
                   std::to_string(wildcards) + " wildcard(s) (*)");
  }
  return {};
}

// Host, port and request target of an http:// URL ("http://Example.com:8080/a?b" →
// "example.com", 8080, "/a?b"); false for anything else (https never reaches the edge's HTTP
// ports).
bool http_request_of(std::string_view url, std::string* host, uint16_t* port, std::string* target) {
  if (!starts_with_nocase(url, "http://")) return false;
  url.remove_prefix(7);
  url = url.substr(0, url.find('#'));
  const size_t end = url.find_first_of("/?");
  std::string_view authority = url.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : url.substr(end);
  *port = 80;
  if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    unsigned p = 0;
    const std::string_view digits = authority.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
    if (ec == std::errc() && ptr == digits.data() + digits.size() && p > 0 && p <= 65535) {
      *port = static_cast<uint16_t>(p);
    }
    authority = authority.substr(0, colon);
  }
  if (!authority.empty() && authority.back() == '.') authority.remove_suffix(1);
  *host = common::ascii_lower(authority);
  *target = rest.starts_with('/') ? std::string(rest) : "/" + std::string(rest);
  return true;
}

// Whether the rule sends a request it matches to a URL it matches again: a probe request (each
// wildcard standing for a distinct word) is redirected, and the Location is tried against the
// same rule as the edge would see it.
Result<void> check_loop(const std::string& pattern, const std::string& url) {
  const view::ServedPageRule rule{"", view::UrlPattern::parse(pattern), url, 301};
  std::string probe;
  for (size_t i = 0; i < rule.pattern.parts.size(); ++i) {
    if (i > 0) probe += "dnsedgeprobe" + std::to_string(i);
    probe += rule.pattern.parts[i];
  }
  const std::string request = "http://" + probe;
  std::string host, target, scratch, location, again;
  uint16_t port = 80;
  if (!http_request_of(request, &host, &port, &target)) return {};
  if (!view::apply_rule(rule, host, port, target, &scratch, &location)) return {};
  if (!http_request_of(location, &host, &port, &target)) return {};
  if (!view::apply_rule(rule, host, port, target, &scratch, &again)) return {};
  return invalid("the forwarding URL leads back to a URL this rule matches (" + request + " → " + location +
                 "): a redirect loop");
}

Result<void> check_proxied(const PageRuleZone& zone, std::string_view host) {
  const std::vector<std::string> parts = view::UrlPattern::parse(std::string(host)).parts;
  for (const std::string& name : zone.proxied) {
    view::Captures c;
    if (view::match_parts(parts, name, &c)) return {};
    // A proxied wildcard serves the names below it.
    if (parts.size() == 1 && name.starts_with("*.") && host.size() > name.size() - 1 &&
        host.ends_with(std::string_view(name).substr(1))) {
      return {};
    }
  }
  return invalid("no proxied DNS record matches the host '" + std::string(host) +
                 "': page rules apply to proxied hosts only (create a proxied A, AAAA or CNAME record for it)");
}

}  // namespace

Result<std::string> normalize_pattern(const PageRuleZone& zone, std::string_view value) {
  if (value.empty()) return invalid("the URL pattern (targets[0].constraint.value) is empty");
  if (value.size() > view::kMaxPatternLength) {
    return invalid("the URL pattern is " + std::to_string(value.size()) + " characters long, over the limit of " +
                   std::to_string(view::kMaxPatternLength));
  }
  if (!visible_ascii(value)) {
    return invalid(
        "the URL pattern may hold only visible ASCII characters: no spaces, control characters or line "
        "breaks (percent-encode others)");
  }
  const size_t stars = static_cast<size_t>(std::count(value.begin(), value.end(), '*'));
  if (stars > view::kMaxWildcards) {
    return invalid("the URL pattern has " + std::to_string(stars) + " wildcards (*), over the limit of " +
                   std::to_string(view::kMaxWildcards));
  }
  std::string out;
  if (const size_t s = value.find("://"); s != std::string_view::npos) {
    const std::string scheme = common::ascii_lower(value.substr(0, s));
    if (scheme == "https")
      return invalid("the URL pattern '" + std::string(value.substr(0, 200)) + "' " + kTlsPassthrough);
    if (scheme != "http") {
      return invalid("the URL pattern's scheme '" + std::string(value.substr(0, std::min<size_t>(s, 40))) +
                     "' is not supported: write http:// or no scheme");
    }
    out = "http://";
    value.remove_prefix(s + 3);
  }
  const size_t slash = value.find('/');
  std::string authority = common::ascii_lower(value.substr(0, slash));
  const std::string path = slash == std::string_view::npos ? std::string("/") : std::string(value.substr(slash));
  std::string host = authority;
  if (const size_t colon = authority.find(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    const std::string digits = authority.substr(colon + 1);
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || port == 0 || port > 65535) {
      return invalid("the port '" + digits.substr(0, 20) + "' of the URL pattern is not a port number (no wildcard)");
    }
    if (std::find(view::kPatternHttpsPorts.begin(), view::kPatternHttpsPorts.end(), port) !=
        view::kPatternHttpsPorts.end()) {
      return invalid("the URL pattern names port " + std::to_string(port) + ", an HTTPS port: it " + kTlsPassthrough);
    }
    if (std::find(view::kPatternHttpPorts.begin(), view::kPatternHttpPorts.end(), port) ==
        view::kPatternHttpPorts.end()) {
      return invalid("port " + std::to_string(port) + " of the URL pattern is not one of the proxied HTTP ports (" +
                     ports_text(view::kPatternHttpPorts) + ")");
    }
  }
  if (!host.empty() && host.back() == '.') {
    host.pop_back();
    authority = host + authority.substr(host.size() + 1);
  }
  const std::string& zn = zone.name;
  const bool in_zone =
      std::all_of(host.begin(), host.end(), host_char) && host.find("..") == std::string::npos &&
      (host == zn || (host.size() > zn.size() && host.ends_with(zn) &&
                      (host[host.size() - zn.size() - 1] == '.' || host[host.size() - zn.size() - 1] == '*')));
  if (!in_zone) {
    return invalid("the host '" + host.substr(0, 253) + "' of the URL pattern is not " + zn +
                   " or a name below it (a `*` may stand for labels before the zone's name)");
  }
  return out + authority + path;
}

Result<store::PageRuleRow> check_page_rule(const PageRuleZone& zone, const PageRuleInput& in,
                                           const store::PageRuleRow* base) {
  store::PageRuleRow row;
  if (base != nullptr) row = *base;
  // targets
  if (in.targets) {
    if (in.targets->size() != 1) {
      return invalid("targets must hold exactly one target (a URL pattern), not " + std::to_string(in.targets->size()));
    }
    const PageRuleInput::Target& t = in.targets->front();
    if (t.target != "url") return invalid("target '" + t.target.substr(0, 40) + "' is not supported: only 'url'");
    if (t.op != "matches") {
      return invalid("constraint operator '" + t.op.substr(0, 40) + "' is not supported: only 'matches'");
    }
    auto p = normalize_pattern(zone, t.value);
    if (!p) return p.error();
    row.pattern = std::move(*p);
  } else if (base == nullptr) {
    return invalid(R"(targets is required: [{"target": "url", "constraint": {"operator": "matches", "value": ")" +
                   zone.name + R"(/*"}}])");
  }
  // actions
  if (in.actions) {
    if (in.actions->empty()) return invalid("actions must hold one action (forwarding_url)");
    for (const PageRuleInput::Action& a : *in.actions) {
      if (a.id != "forwarding_url") {
        return invalid("the action '" + a.id.substr(0, 60) +
                       "' is not supported: this edge carries out forwarding_url (a 301/302 redirect) only; it "
                       "passes TLS through and neither caches nor rewrites what it proxies");
      }
    }
    if (in.actions->size() > 1) return invalid("forwarding_url cannot be combined with other actions");
    const PageRuleInput::Action& a = in.actions->front();
    if (!a.has_value) return invalid("forwarding_url needs a value: {\"url\": ..., \"status_code\": 301 or 302}");
    if (!a.status_code) return invalid("forwarding_url needs a status_code: 301 or 302");
    if (*a.status_code != 301 && *a.status_code != 302) {
      return invalid("forwarding_url status_code " + std::to_string(*a.status_code) + " is not supported: 301 or 302");
    }
    row.url = a.url;
    row.status_code = static_cast<int>(*a.status_code);
  } else if (base == nullptr) {
    return invalid(
        "actions is required: [{\"id\": \"forwarding_url\", \"value\": {\"url\": ..., \"status_code\": "
        "301}}]");
  }
  if (in.priority) {
    if (*in.priority < 1 || *in.priority > kMaxPriority) {
      return invalid("priority must be between 1 and " + std::to_string(kMaxPriority));
    }
    row.priority = *in.priority;
  } else if (base == nullptr) {
    row.priority = 1;
  }
  if (in.status) {
    if (*in.status != "active" && *in.status != "disabled") {
      return invalid("status '" + in.status->substr(0, 40) + "' is not supported: active or disabled");
    }
    row.status = *in.status;
  } else if (base == nullptr) {
    row.status = "disabled";
  }
  // The rule as a whole: its URL against its pattern, its host among the proxied ones, no loop.
  const view::UrlPattern pattern = view::UrlPattern::parse(row.pattern);
  if (auto r = check_forward_url(row.url, pattern.wildcards()); !r) return r.error();
  if (auto r = check_proxied(zone, pattern_host(row.pattern)); !r) return r.error();
  if (auto r = check_loop(row.pattern, row.url); !r) return r.error();
  return row;
}

std::shared_ptr<const view::ZonePageRules> served_page_rules(const std::map<std::string, store::PageRuleRow>& rules) {
  std::vector<const store::PageRuleRow*> active;
  for (const auto& [id, r] : rules) {
    if (r.status == "active") active.push_back(&r);
  }
  if (active.empty()) return nullptr;
  std::sort(active.begin(), active.end(), [](const store::PageRuleRow* a, const store::PageRuleRow* b) {
    if (a->priority != b->priority) return a->priority > b->priority;
    if (a->created_on != b->created_on) return a->created_on < b->created_on;
    return a->id < b->id;
  });
  auto out = std::make_shared<view::ZonePageRules>();
  for (const store::PageRuleRow* r : active) {
    out->push_back(view::ServedPageRule{r->id, view::UrlPattern::parse(r->pattern), r->url, r->status_code});
  }
  return out;
}

// ---- the Controller's page rules ---------------------------------------------------------------

Result<void> Controller::load_page_rules(StoreZone& z, store::Reader& db) {
  auto rows = db.list_page_rules(z.zone.id);
  if (!rows) return make_error("store: page rules of " + z.zone.name + ": " + rows.error().message);
  for (auto& r : *rows) z.page_rules.emplace(r.id, std::move(r));
  z.served_rules = served_page_rules(z.page_rules);
  return {};
}

PageRuleZone Controller::page_rule_zone(const StoreZone& z) const {
  PageRuleZone out{z.zone.name, {}};
  if (z.view) {
    for (const auto& [owner, origin] : z.view->origins()) {
      std::string name = common::ascii_lower(dns::name_to_text(owner));
      if (!name.empty() && name.back() == '.') name.pop_back();
      out.proxied.push_back(std::move(name));
    }
  }
  return out;
}

Result<std::vector<store::PageRuleRow>> Controller::page_rules(const std::string& zone_id) const {
  std::vector<store::PageRuleRow> out;
  if (auto it = zones_.find(zone_id); it != zones_.end()) {
    for (const auto& [id, r] : it->second.page_rules) out.push_back(r);
    return out;
  }
  if (file_zone(zone_id) != nullptr) return out;
  return Error{"Could not route to /client/v4/zones/" + zone_id + ", perhaps your object identifier is invalid?",
               errc::kZoneNotFound};
}

Result<store::PageRuleRow> Controller::page_rule(const std::string& zone_id, const std::string& id) const {
  auto all = page_rules(zone_id);
  if (!all) return all.error();
  for (auto& r : *all) {
    if (r.id == id) return std::move(r);
  }
  return not_found_rule(id);
}

Result<void> Controller::commit_page_rule(StoreZone& z, const store::PageRuleRow* write,
                                          const std::string& removed_id) {
  auto tx = store_->begin();
  if (!tx) return store_error(tx.error());
  const bool exists = write != nullptr && z.page_rules.contains(write->id);
  auto r = write == nullptr ? tx->delete_page_rule(z.zone.id, removed_id)
           : exists         ? tx->update_page_rule(*write)
                            : tx->insert_page_rule(*write);
  if (!r) return store_error(r.error());
  if (auto c = tx->commit(); !c) return store_error(c.error());
  if (write != nullptr) {
    z.page_rules[write->id] = *write;
  } else {
    z.page_rules.erase(removed_id);
  }
  z.served_rules = served_page_rules(z.page_rules);
  publish();
  return {};
}

Result<store::PageRuleRow> Controller::create_page_rule(const std::string& zone_id, const PageRuleInput& in,
                                                        const WriteOptions& opt, std::vector<ApiMessage>* messages) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  if ((*z)->page_rules.size() >= view::kMaxPageRulesPerZone) {
    return invalid("the zone has " + std::to_string((*z)->page_rules.size()) + " page rules, the most it may hold (" +
                   std::to_string(view::kMaxPageRulesPerZone) + ")");
  }
  auto row = check_page_rule(page_rule_zone(**z), in, nullptr);
  if (!row) return row.error();
  row->id = zone::new_id();
  row->zone_id = zone_id;
  row->created_on = row->modified_on = now();
  if (opt.dry_run) {
    if (messages != nullptr) messages->push_back(dry_run_note(**z));
    return row;
  }
  if (auto r = commit_page_rule(**z, &*row, {}); !r) return r.error();
  return row;
}

Result<store::PageRuleRow> Controller::update_page_rule(const std::string& zone_id, const std::string& id,
                                                        const PageRuleInput& in, bool replace, const WriteOptions& opt,
                                                        std::vector<ApiMessage>* messages) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  auto it = (*z)->page_rules.find(id);
  if (it == (*z)->page_rules.end()) return not_found_rule(id);
  auto row = check_page_rule(page_rule_zone(**z), in, replace ? nullptr : &it->second);
  if (!row) return row.error();
  row->id = id;
  row->zone_id = zone_id;
  row->created_on = it->second.created_on;
  row->modified_on = now();
  if (opt.dry_run) {
    if (messages != nullptr) messages->push_back(dry_run_note(**z));
    return row;
  }
  if (auto r = commit_page_rule(**z, &*row, {}); !r) return r.error();
  return row;
}

Result<void> Controller::delete_page_rule(const std::string& zone_id, const std::string& id, const WriteOptions& opt,
                                          std::vector<ApiMessage>* messages) {
  auto z = writable(zone_id);
  if (!z) return z.error();
  if (!(*z)->page_rules.contains(id)) return not_found_rule(id);
  if (opt.dry_run) {
    if (messages != nullptr) messages->push_back(dry_run_note(**z));
    return {};
  }
  return commit_page_rule(**z, nullptr, id);
}

}  // namespace dnsedge::control
