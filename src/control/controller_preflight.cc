// The write pre-flight's relevance filter, the controller's side (docs/doctor.md "Pre-flight on
// writes"): what a write changes, handed to ControllerOptions::preflight_needed.

#include <exception>
#include <string>

#include "control/controller.h"

namespace dnsedge::control {

PreflightChange Controller::preflight_change(const StoreZone& z,
                                             const std::shared_ptr<const view::ZoneView>& candidate) const {
  PreflightChange c;
  c.zone_id = z.zone.id;
  c.apex = z.apex;
  c.edge = &options_.edge;
  c.flatten_all_before = c.flatten_all_after = z.settings.flatten_all;
  c.before = z.view;
  c.after = candidate;
  c.for_each_other = [this, &z](const std::function<void(const std::shared_ptr<const view::ZoneView>&)>& fn) {
    // Also a store zone a file zone shadows (not served): one view too many is harmless.
    for (const auto& f : file_zones_) {
      if (f.view && f.apex != z.apex) fn(f.view);
    }
    for (const auto& [id, o] : zones_) {
      if (o.view && id != z.zone.id) fn(o.view);
    }
  };
  return c;
}

bool Controller::ask_preflight_filter(const StoreZone& z, const PreflightChange& c) const {
  try {
    return options_.preflight_needed(c);
  } catch (const std::exception& e) {
    log(std::string("event=preflight-filter-failed zone=") + z.zone.name + " reason=\"" + e.what() + "\"");
    return true;
  }
}

bool Controller::preflight_needed(const StoreZone& z, const WriteBatch& p,
                                  const std::shared_ptr<const view::ZoneView>& candidate) const {
  // What the write changed, O(touched records): the old and new versions of every record it
  // touched (unchanged ones left out), the settings, the views (docs/doctor.md).
  PreflightChange c = preflight_change(z, candidate);
  for (const auto& [id, was] : p.before()) {
    const StoredRecord* now = p.find(id);
    if (was && now != nullptr && was->rr == now->rr) continue;
    if (was) c.removed.push_back(was->rr);
    if (now != nullptr) c.added.push_back(now->rr);
  }
  c.settings_changed = p.settings_changed();
  c.flatten_all_after = p.settings().flatten_all;
  c.for_each_before = [&p](const std::function<void(const dns::ZoneRecord&)>& fn) {
    for (const auto& [id, e] : p.records()) {
      if (p.before().count(id) == 0) fn(e.rr);
    }
    for (const auto& [id, was] : p.before()) {
      if (was) fn(was->rr);
    }
  };
  return ask_preflight_filter(z, c);
}

void Controller::preflight_follow(const StoreZone& z, const std::shared_ptr<const view::ZoneView>& next) const {
  if (!options_.preflight_needed || !z.view) return;
  // A change of no stored record: the filter's index of who points at each name stays as it is
  // and now mirrors `next` (built here from z.records if the filter has none yet).
  PreflightChange c = preflight_change(z, next);
  c.for_each_before = [&z](const std::function<void(const dns::ZoneRecord&)>& fn) {
    for (const auto& [id, e] : z.records) fn(e.rr);
  };
  ask_preflight_filter(z, c);
}

}  // namespace dnsedge::control
