#pragma once
// What a write changes, as the write pre-flight's relevance filter sees it (docs/doctor.md
// "Pre-flight on writes"): ControllerOptions::preflight_needed gets one of these before any
// DoctorState is built, and when it answers false the pre-flight is skipped (no messages).
// The filter itself lives in api/preflight_filter.h (control must not depend on api).
//
// Everything here costs O(changed records) to build, except the two callbacks, which a filter
// calls only when it must (rebuilding an index it keeps across writes).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dns/zonefile.h"
#include "view/served.h"
#include "view/zone_view.h"

namespace dnsedge::control {

struct PreflightChange {
  std::string zone_id;
  std::string apex;                          // wire, lowercase
  const view::EdgeAddresses* edge = nullptr;  // what proxied names answer
  // The stored records the write touched: `removed` the old versions (records that existed
  // before and differ or are gone), `added` the new versions (records that exist after and
  // differ or are new). A record changed in place is in both.
  std::vector<dns::ZoneRecord> removed, added;
  bool settings_changed = false;             // any zone setting (flatten_all ...) written
  bool flatten_all_before = false, flatten_all_after = false;
  // The zone as served now and as the write would leave it (the compiled candidate).
  std::shared_ptr<const view::ZoneView> before, after;
  // Calls `fn` for every stored record of the zone as it was before the write (any order).
  std::function<void(const std::function<void(const dns::ZoneRecord&)>& fn)> for_each_before;
  // Calls `fn` for the served view of every other zone (file and store zones; possibly also a
  // store zone a file zone of the same name shadows).
  std::function<void(const std::function<void(const std::shared_ptr<const view::ZoneView>&)>& fn)> for_each_other;
};

}  // namespace dnsedge::control
