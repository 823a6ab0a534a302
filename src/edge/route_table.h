#pragma once
// RouteTable: where the edge sends a connection for a host name, built from the published
// Catalog (docs/edge.md). It maps every proxied owner name to its origin addresses — the proxied
// A/AAAA content, or the addresses the proxied CNAME's target resolves to — exactly as the
// view compiled them (ZoneView::origins()), so DNS answers and proxy routing cannot disagree.
//
// Wildcards follow DNS (RFC 4592): a proxied `*.x` serves a name below x unless a closer name
// exists in the zone (the closest encloser is then that name, and `*.<it>` would have to exist).
// A proxied entry for the name itself always wins over a wildcard.
//
// The table is immutable once built; the edge builds one per published catalog generation and
// shares it as std::shared_ptr<const RouteTable>.
//
// Thread safety: immutable after build(); any number of threads may call find().

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "edge/address.h"
#include "view/origin_policy.h"
#include "view/page_rules.h"
#include "view/zone_view.h"

namespace dnsedge::edge {

struct Route {
  std::string name;                // proxied owner, presentation form ("*.example.com.")
  std::vector<IpAddress> origins;  // IPv4 first, then IPv6; tried in turn on connect failure
  std::string cname;               // presentation form of the CNAME target, "" for A/AAAA
  // An origin address the origin policy prohibits (view/origin_policy.h): the edge answers
  // error 1000 and connects nowhere. `why` says which address and why (for the log only).
  bool prohibited = false;
  std::string why;
  // The active page rules of the route's zone (view/page_rules.h), tried before the origin;
  // null when it has none.
  std::shared_ptr<const view::ZonePageRules> page_rules;
};

// A Host header value or a TLS server_name, reduced to a lowercase wire name.
struct HostName {
  enum class Kind : uint8_t { kName, kIpLiteral, kInvalid };
  Kind kind = Kind::kInvalid;
  uint8_t len = 0;
  uint8_t wire[256];  // valid for kName: lowercase wire form, `len` octets

  std::string_view view() const noexcept { return {reinterpret_cast<const char*>(wire), len}; }
};

// "WWW.Example.com:8080", "www.example.com." → kName; "192.0.2.1:80", "[::1]:80" → kIpLiteral;
// empty, bad port, bad characters, a label longer than 63 or a name longer than 253 → kInvalid.
// Accepted characters: letters, digits, '-', '_' and '*'. Allocation-free.
HostName parse_host(std::string_view host) noexcept;

class RouteTable {
 public:
  // `policy` (may be null: nothing is prohibited) marks routes whose origins it refuses.
  static std::shared_ptr<const RouteTable> build(const view::Catalog& catalog,
                                                 const view::OriginPolicy* policy = nullptr);
  static std::shared_ptr<const RouteTable> empty();

  // The route for a parsed host name (Kind::kName), or nullptr when this edge does not proxy it.
  // Allocation-free.
  const Route* find(const HostName& host) const noexcept;
  // Convenience for tests and logs: parse_host + find.
  const Route* find(std::string_view host) const noexcept;

  size_t size() const noexcept { return routes_.size(); }

 private:
  absl::flat_hash_map<std::string, Route> routes_;  // proxied owner (wire) → route
  // Names that exist (any data, or empty non-terminals) below the parent of a proxied wildcard
  // and are not proxied themselves: they stop the wildcard as they do in DNS.
  absl::flat_hash_set<std::string> blockers_;
};

// Addresses a name answers in our zones, for Spectrum apps with origin_dns: the origin of a
// proxied name, otherwise the name's own A and AAAA data (IPv4 first). Empty when the name is
// not in a served zone or has no addresses. `wire` is lowercase wire form.
std::vector<IpAddress> addresses_in_catalog(const view::Catalog& catalog, std::string_view wire);

}  // namespace dnsedge::edge
