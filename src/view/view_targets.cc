#include "view/view_targets.h"

#include <algorithm>
#include <string>

#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::view {
namespace {

namespace rrtype = dns::rrtype;
constexpr int kMaxDepth = 16;

}  // namespace

std::optional<TargetAddrs> ViewTargets::lookup(std::string_view name, int depth) const {
  const ZoneView* zone = nullptr;
  for (const auto* z : zones_) {
    if (dns::is_subdomain(name, z->apex()) && (zone == nullptr || z->apex().size() > zone->apex().size())) zone = z;
  }
  if (zone == nullptr) return external_ ? external_->lookup(name) : std::nullopt;
  TargetAddrs t;
  t.detail = "(in zone " + dns::name_to_text(zone->apex()) + ")";
  if (depth > kMaxDepth) {
    t.state = TargetAddrs::State::kFailed;
    t.detail = "(CNAME chain too long or looping)";
    return t;
  }
  const uint32_t id = zone->find(name);
  if (id == kNone) return t;
  const Node& n = zone->node(id);
  if (n.flags & node_flag::kAddrServfail) {
    t.state = TargetAddrs::State::kFailed;
    return t;
  }
  if (n.flags & node_flag::kCname) {
    const RRset* c = zone->rrset(n, rrtype::kCNAME);
    auto next = lookup(zone->rdatas(*c).front().target(rrtype::kCNAME), depth + 1);
    if (!next) {
      t.state = TargetAddrs::State::kPending;
      return t;
    }
    next->ttl = std::min(next->ttl, c->ttl);
    return next;
  }
  uint32_t ttl = 0xffffffffu;
  for (uint16_t type : {rrtype::kA, rrtype::kAAAA}) {
    const RRset* s = zone->rrset(n, type);
    if (s == nullptr) continue;
    ttl = std::min(ttl, s->ttl);
    (type == rrtype::kA ? t.v4 : t.v6) = rrset_rdatas(*zone, s);
  }
  t.ttl = ttl;
  const auto& origins = zone->origins();
  if (auto it = origins.find(absl::string_view(name.data(), name.size())); it != origins.end()) {
    t.proxied = true;
    t.origin_v4 = it->second.v4;
    t.origin_v6 = it->second.v6;
  }
  return t;
}

}  // namespace dnsedge::view
