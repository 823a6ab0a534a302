#include "edge/route_table.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/string_view.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::edge {
namespace {

constexpr size_t kMaxHostText = 253;

bool host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '*';
}

void add_origins(Route& r, const view::Origin& o) {
  for (const auto& rd : o.v4)
    if (auto a = IpAddress::from_rdata(rd)) r.origins.push_back(*a);
  for (const auto& rd : o.v6)
    if (auto a = IpAddress::from_rdata(rd)) r.origins.push_back(*a);
}

void mark_prohibited(Route& r, const view::OriginPolicy& policy) {
  for (const IpAddress& a : r.origins) {
    if (const view::OriginVerdict v = policy.check(a.rdata()); v != view::OriginVerdict::kAllowed) {
      r.prohibited = true;
      r.why = view::OriginPolicy::message(a.rdata(), v) + " (origin of " + r.name +
              (r.cname.empty() ? std::string() : ", a CNAME to " + r.cname) + ")";
      return;
    }
  }
}

// Debian's Abseil has its own string_view type: heterogeneous lookups go through it.
absl::string_view av(std::string_view s) noexcept { return {s.data(), s.size()}; }

bool is_wildcard(std::string_view wire) noexcept { return wire.size() >= 2 && wire[0] == 1 && wire[1] == '*'; }

}  // namespace

HostName parse_host(std::string_view host) noexcept {
  HostName h;
  if (host.empty()) return h;
  if (host.front() == '[') {  // RFC 3986 IP-literal: "[::1]" or "[::1]:443"
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return h;
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || rest.size() == 1)) return h;
    for (char c : rest.substr(rest.empty() ? 0 : 1))
      if (c < '0' || c > '9') return h;
    h.kind = HostName::Kind::kIpLiteral;
    return h;
  }
  if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
    const std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5) return h;
    for (char c : port)
      if (c < '0' || c > '9') return h;
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > kMaxHostText) return h;
  bool numeric = true;
  for (char c : host) numeric = numeric && ((c >= '0' && c <= '9') || c == '.');
  if (numeric) {
    h.kind = HostName::Kind::kIpLiteral;  // "192.0.2.1" (and anything else all digits)
    return h;
  }
  // Text → wire, lowercased: each label gets its length octet in front.
  size_t out = 0;
  size_t label_start = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      const size_t len = i - label_start;
      if (len == 0 || len > 63) return h;
      h.wire[out++] = static_cast<uint8_t>(len);
      for (size_t j = label_start; j < i; ++j) {
        if (!host_char(host[j])) return h;
        h.wire[out++] = dns::ascii_lower(static_cast<uint8_t>(host[j]));
      }
      label_start = i + 1;
    }
  }
  h.wire[out++] = 0;
  h.len = static_cast<uint8_t>(out);
  h.kind = HostName::Kind::kName;
  return h;
}

std::shared_ptr<const RouteTable> RouteTable::empty() { return std::make_shared<const RouteTable>(); }

std::shared_ptr<const RouteTable> RouteTable::build(const view::Catalog& catalog, const view::OriginPolicy* policy) {
  auto t = std::make_shared<RouteTable>();
  // Shallower zones first, so a child zone's entries replace a parent's for the same name.
  std::vector<const view::ZoneView*> zones;
  for (const auto& z : catalog.zones()) zones.push_back(z.get());
  std::sort(zones.begin(), zones.end(),
            [](const view::ZoneView* a, const view::ZoneView* b) { return a->apex().size() < b->apex().size(); });
  for (const view::ZoneView* z : zones) {
    absl::flat_hash_set<std::string_view> wildcard_parents;
    const std::shared_ptr<const view::ZonePageRules> rules = catalog.page_rules()->find(z->apex());
    for (const auto& [owner, origin] : z->origins()) {
      Route r;
      r.name = dns::name_to_text(owner);
      r.page_rules = rules;
      if (!origin.cname.empty()) r.cname = dns::name_to_text(origin.cname);
      add_origins(r, origin);
      if (policy != nullptr) mark_prohibited(r, *policy);
      t->routes_[owner] = std::move(r);
      if (is_wildcard(owner)) wildcard_parents.insert(dns::parent(owner));
    }
    if (wildcard_parents.empty()) continue;
    for (size_t i = 0; i < z->node_count(); ++i) {
      if (z->node(static_cast<uint32_t>(i)).flags & view::node_flag::kDead) continue;
      const std::string_view name = z->node_name(z->node(static_cast<uint32_t>(i)));
      if (z->origins().contains(av(name))) continue;
      for (std::string_view p = dns::parent(name); p.size() >= z->apex().size(); p = dns::parent(p)) {
        if (wildcard_parents.contains(p)) {
          t->blockers_.insert(std::string(name));
          break;
        }
        if (p.size() <= 1) break;
      }
    }
  }
  return t;
}

const Route* RouteTable::find(const HostName& host) const noexcept {
  if (host.kind != HostName::Kind::kName) return nullptr;
  const std::string_view name = host.view();
  if (auto it = routes_.find(av(name)); it != routes_.end()) return &it->second;
  if (blockers_.contains(av(name))) return nullptr;
  // RFC 4592 §3.3.1: the closest encloser's wildcard, if it has one.
  char key[2 + 256];
  key[0] = 1;
  key[1] = '*';
  for (std::string_view p = dns::parent(name); p.size() > 1; p = dns::parent(p)) {
    std::memcpy(key + 2, p.data(), p.size());
    if (auto it = routes_.find(absl::string_view(key, p.size() + 2)); it != routes_.end()) return &it->second;
    if (routes_.contains(av(p)) || blockers_.contains(av(p))) return nullptr;
  }
  return nullptr;
}

const Route* RouteTable::find(std::string_view host) const noexcept { return find(parse_host(host)); }

std::vector<IpAddress> addresses_in_catalog(const view::Catalog& catalog, std::string_view wire) {
  std::vector<IpAddress> out;
  const view::ZoneView* z = catalog.find_zone(wire);
  if (z == nullptr) return out;
  if (auto it = z->origins().find(av(wire)); it != z->origins().end()) {
    Route r;
    add_origins(r, it->second);
    return std::move(r.origins);
  }
  const uint32_t n = z->find(wire);
  if (n == view::kNone) return out;
  for (uint16_t type : {dns::rrtype::kA, dns::rrtype::kAAAA}) {
    const view::RRset* s = z->rrset(z->node(n), type);
    if (s == nullptr) continue;
    for (const view::Rdata rd : z->rdatas(*s)) {
      if (auto a = IpAddress::from_rdata(rd.bytes())) out.push_back(*a);
    }
  }
  return out;
}

}  // namespace dnsedge::edge
