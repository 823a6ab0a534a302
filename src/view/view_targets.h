#pragma once
// A view::TargetSource over a set of served views: what the compiler needs to know about names
// outside the zone it compiles, answered from the other zones' current views (following CNAMEs
// across them, at most 16 deep), then from `external` for names outside every zone.
//
// Thread safety: immutable after construction; the views and `external` must outlive it.

#include <optional>
#include <string_view>
#include <vector>

#include "view/served.h"
#include "view/zone_view.h"

namespace dnsedge::view {

class ViewTargets : public TargetSource {
 public:
  ViewTargets(std::vector<const ZoneView*> zones, const TargetSource* external)
      : zones_(std::move(zones)), external_(external) {}
  std::optional<TargetAddrs> lookup(std::string_view name) const override { return lookup(name, 0); }

 private:
  std::optional<TargetAddrs> lookup(std::string_view name, int depth) const;

  std::vector<const ZoneView*> zones_;
  const TargetSource* external_;
};

}  // namespace dnsedge::view
