#include "app/external.h"

#include "metrics/ops.h"
#include "zone/record.h"

namespace dnsedge::app {

std::optional<view::TargetAddrs> ExternalTargets::lookup(std::string_view name) const {
  auto& ops = metrics::Ops::global();
  if (!snap_) {
    ops.resolver_lookup(metrics::CacheLookup::kMiss);
    return std::nullopt;
  }
  auto it = snap_->find(std::string(name));
  if (it == snap_->end()) {
    ops.resolver_lookup(metrics::CacheLookup::kMiss);
    return std::nullopt;
  }
  const resolve::TargetData& d = it->second;
  view::TargetAddrs t;
  using S = resolve::TargetData::State;
  switch (d.state) {
    case S::kPending:
      ops.resolver_lookup(metrics::CacheLookup::kMiss);
      t.state = view::TargetAddrs::State::kPending;
      t.detail = "(not resolved yet)";
      return t;
    case S::kFailed:
      ops.resolver_lookup(metrics::CacheLookup::kMiss);
      t.state = view::TargetAddrs::State::kFailed;
      t.detail = "(resolution failed: " + d.last_error + ")";
      return t;
    case S::kOk:
    case S::kStale:
      break;
  }
  ops.resolver_lookup(d.state == S::kStale ? metrics::CacheLookup::kStale : metrics::CacheLookup::kHit);
  t.v4 = d.a_rdata;
  t.v6 = d.aaaa_rdata;
  t.ttl = d.ttl;
  t.detail = std::string("(resolved at ") + zone::format_rfc3339(d.resolved_at) +
             (d.state == S::kStale ? ", stale: refresh failing: " + d.last_error : "") + ")";
  return t;
}

}  // namespace dnsedge::app
