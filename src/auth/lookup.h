#pragma once
// Name lookup of the answer algorithm (RFC 1034 §4.3.2 step 3, RFC 4592). Allocation-free.

#include <cstdint>
#include <string_view>

#include "view/zone_view.h"

namespace dnsedge::auth {

// Finds where `name` lands in zone `z`: an exact node, a wildcard node synthesizing it, or the
// closest encloser (for NXDOMAIN). Also reports a zone cut met on the way.
struct Lookup {
  uint32_t node = view::kNone;  // exact or wildcard node
  bool wildcard = false;
  uint32_t encloser = view::kNone;  // closest encloser when node == kNone
  uint32_t cut = view::kNone;       // delegation that covers the name
};

Lookup lookup(const view::ZoneView& z, std::string_view name, uint16_t qtype) noexcept;

}  // namespace dnsedge::auth
