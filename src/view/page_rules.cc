#include "view/page_rules.h"

#include <algorithm>

#include "absl/strings/string_view.h"

namespace dnsedge::view {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    if (c != prefix[i]) return false;
  }
  return true;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// A matched run of the request, as it may appear in a header: what is not visible ASCII is
// percent-encoded (RFC 3986 §2.1).
void append_safe(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
    } else {
      out->push_back(ch);
    }
  }
}

}  // namespace

UrlPattern UrlPattern::parse(std::string_view value) {
  UrlPattern p;
  if (starts_with_nocase(value, "http://")) {
    p.scheme = Scheme::kHttp;
    value.remove_prefix(7);
  } else if (starts_with_nocase(value, "https://")) {
    p.scheme = Scheme::kHttps;
    value.remove_prefix(8);
  }
  p.has_port = value.substr(0, value.find('/')).find(':') != std::string_view::npos;
  for (size_t start = 0;;) {
    const size_t star = value.find('*', start);
    p.parts.emplace_back(value.substr(start, star == std::string_view::npos ? std::string_view::npos : star - start));
    if (star == std::string_view::npos) break;
    start = star + 1;
  }
  return p;
}

bool match_parts(const std::vector<std::string>& parts, std::string_view subject, Captures* captures) {
  if (parts.empty()) return false;
  const size_t stars = parts.size() - 1;
  if (stars > kMaxWildcards) return false;
  const std::string& first = parts.front();
  if (stars == 0) return subject == first;
  const std::string& last = parts.back();
  if (subject.size() < first.size() + last.size() || !subject.starts_with(first) || !subject.ends_with(last)) {
    return false;
  }
  // The first and last parts are anchored; each part between takes its earliest place after the
  // one before it (if any placement works, that one does: a `*` matches anything), so every `*`
  // takes as few characters as it can.
  const std::string_view body = subject.substr(0, subject.size() - last.size());
  size_t pos = first.size();
  for (size_t i = 1; i < stars; ++i) {
    const size_t at = body.find(parts[i], pos);
    if (at == std::string_view::npos) return false;
    (*captures)[i - 1] = body.substr(pos, at - pos);
    pos = at + parts[i].size();
  }
  (*captures)[stars - 1] = body.substr(pos);
  return true;
}

bool request_subject(const UrlPattern& pattern, std::string_view host, uint16_t port, std::string_view target,
                     std::string* out) {
  if (pattern.scheme == UrlPattern::Scheme::kHttps) return false;
  out->clear();
  out->append(host);
  if (pattern.has_port) out->append(":").append(std::to_string(port));
  out->append(target);
  return true;
}

UrlReferences url_references(std::string_view url) noexcept {
  UrlReferences r;
  for (size_t i = 0; i + 1 < url.size(); ++i) {
    if (url[i] == '\\' && url[i + 1] == '$') {
      ++i;
    } else if (url[i] == '$' && is_digit(url[i + 1])) {
      const unsigned n = static_cast<unsigned>(url[i + 1] - '0');
      if (n == 0) r.zero = true;
      r.highest = std::max(r.highest, n);
      ++r.count;
      ++i;
    }
  }
  return r;
}

bool expand_url(std::string_view url, const Captures& captures, size_t wildcards, std::string* out) {
  out->clear();
  for (size_t i = 0; i < url.size(); ++i) {
    const char c = url[i];
    const bool more = i + 1 < url.size();
    if (c == '\\' && more && url[i + 1] == '$') {
      out->push_back('$');
      ++i;
    } else if (c == '$' && more && is_digit(url[i + 1])) {
      const size_t n = static_cast<size_t>(url[i + 1] - '0');
      if (n == 0 || n > wildcards || n > captures.size()) return false;
      append_safe(out, captures[n - 1]);
      ++i;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

bool apply_rule(const ServedPageRule& rule, std::string_view host, uint16_t port, std::string_view target,
                std::string* scratch, std::string* location) {
  if (!request_subject(rule.pattern, host, port, target, scratch)) return false;
  Captures captures;
  if (!match_parts(rule.pattern.parts, *scratch, &captures)) return false;
  return expand_url(rule.url, captures, rule.pattern.wildcards(), location);
}

std::shared_ptr<const ZonePageRules> PageRuleSet::find(std::string_view apex) const {
  auto it = zones.find(absl::string_view(apex.data(), apex.size()));
  return it == zones.end() ? nullptr : it->second;
}

std::shared_ptr<const PageRuleSet> PageRuleSet::empty() {
  static const std::shared_ptr<const PageRuleSet> kEmpty = std::make_shared<const PageRuleSet>();
  return kEmpty;
}

}  // namespace dnsedge::view
