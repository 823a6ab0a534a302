#pragma once
// The messages[] entry (API code 1100) of an MX or SRV record whose target is proxied: mail
// cannot pass the edge, so the record is answered with a dc-record that gives the origin's
// address (docs/proxy.md). Which records of a write get one, and its text.
//
// Thread safety: pure functions.

#include <optional>
#include <string>
#include <string_view>

#include "dns/zonefile.h"
#include "view/zone_view.h"

namespace dnsedge::view {

// A stored record a write may have to explain.
struct DcRecordCheck {
  std::string_view type;  // as the API shows it: "MX", "SRV" (other types get no message)
  std::string_view name;  // as the API shows it: "example.com"
  const dns::ZoneRecord* rr = nullptr;
  bool written = false;   // created or changed by the write
};

// The message for `r` when `after` answers its target through a dc-record that is new (not in
// `before`; null: nothing was served before) or that the write itself wrote; nullopt otherwise.
// `zone_name` is the zone as the API shows it, `apex` its wire form.
std::optional<std::string> dc_record_message(const ZoneView& after, const ZoneView* before, std::string_view zone_name,
                                             std::string_view apex, const DcRecordCheck& r);

}  // namespace dnsedge::view
