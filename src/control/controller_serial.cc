// Serial discipline of store zones (see controller.h): a changed served view always gets a new
// serial, persisted, whatever caused the change.

#include <nlohmann/json.hpp>

#include "control/controller.h"
#include "view/digest.h"

namespace dnsedge::control {

Result<std::shared_ptr<const view::ZoneView>> Controller::settle_serial(StoreZone& z,
                                                                        std::shared_ptr<const view::ZoneView> v,
                                                                        const char* why) {
  // Read-only (dnsedge doctor --data, or a full disk at start): the serial as stored.
  if (!v || !store_ || store_->read_only()) return v;
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

std::shared_ptr<const view::ZoneView> Controller::file_serial(const std::string& name,
                                                               std::shared_ptr<const view::ZoneView> v) {
  if (!store_ || store_->read_only()) return v;  // read-only: the file's serial
  const std::string digest = view::content_digest(*v);
  auto prev = store_->served_view(name);
  if (!prev) {
    log("event=serial-check-failed zone=" + name + " reason=\"" + prev.error().message + "\"");
    return v;
  }
  const uint32_t file = v->serial();
  uint32_t served = file;
  if (*prev) {
    const uint32_t last = (*prev)->serial;
    const auto newer = [](uint32_t a, uint32_t b) { return a != b && static_cast<uint32_t>(a - b) < 0x80000000u; };
    if ((*prev)->digest == digest) {
      served = newer(file, last) ? file : last;  // unchanged view: never back
    } else {
      served = newer(file, last) ? file : last + 1;  // changed view: forward
    }
    if (served == last && (*prev)->digest == digest) return served == file ? v : v->with_serial(served);
  }
  auto tx = store_->begin();
  if (tx) {
    auto r = tx->put_served_view(name, served, digest);
    if (r) r = tx->commit();
    if (!r) log("event=serial-check-failed zone=" + name + " reason=\"" + r.error().message + "\"");
  }
  if (served == file) return v;
  log("event=serial-bumped zone=" + name + " serial=" + std::to_string(served) + " reason=file-view-changed file_serial=" +
      std::to_string(file));
  return v->with_serial(served);
}

}  // namespace dnsedge::control
