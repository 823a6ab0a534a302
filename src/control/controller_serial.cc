// Serial discipline of store zones (see controller.h): a changed served view always gets a new
// serial, persisted, whatever caused the change.

#include <nlohmann/json.hpp>

#include "control/controller.h"
#include "view/digest.h"

namespace dnsedge::control {

Result<std::shared_ptr<const view::ZoneView>> Controller::settle_serial(StoreZone& z,
                                                                        std::shared_ptr<const view::ZoneView> v,
                                                                        const char* why) {
  if (!v) return v;
  const std::string digest = view::content_digest(*v);
  auto prev = store_->served_view(z.zone.name);
  if (!prev) return make_error("store: " + prev.error().message);
  if (*prev && (*prev)->digest == digest) return v;
  auto tx = store_->begin();
  if (!tx) return make_error("store: " + tx.error().message);
  uint32_t serial = z.zone.serial;
  if (*prev) {
    // The view changed since it was last served: RFC 1982 increment, persisted.
    auto bumped = tx->bump_serial(z.zone.id);
    if (!bumped) return make_error("store: " + bumped.error().message);
    serial = *bumped;
    const nlohmann::json change = {{"op", std::string("recompile-") + why}};
    if (auto r = tx->insert_journal(zone::JournalEntry{z.zone.id, serial, now(), change.dump()}); !r) {
      return make_error("store: " + r.error().message);
    }
  }
  if (auto r = tx->put_served_view(z.zone.name, serial, digest); !r) return make_error("store: " + r.error().message);
  std::shared_ptr<const view::ZoneView> next = v;
  if (serial != z.zone.serial) {
    auto again = compile(z, z.records, z.settings, serial);
    if (!again) return again.error();
    next = *again;
  }
  if (auto r = tx->commit(); !r) return make_error("store: " + r.error().message);
  if (serial != z.zone.serial) {
    log("event=serial-bumped zone=" + z.zone.name + " serial=" + std::to_string(serial) + " reason=" + why);
  }
  z.zone.serial = serial;
  return next;
}

}  // namespace dnsedge::control
