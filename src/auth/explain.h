#pragma once
// `explain`: what dnsedge answers for a name and type, and why (proxied → edge, flattened from
// a target, MX rewritten to a dc-record, origin exposed). Used by `dnsedge explain` and by the
// API; reads the same published Catalog as the query path, so it cannot disagree with it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "view/zone_view.h"

namespace dnsedge::auth {

struct Explanation {
  std::string name;   // presentation form
  std::string type;   // "A"
  std::string zone;   // the zone that answers, "" when none (REFUSED)
  std::string rcode;  // "NOERROR"
  std::vector<std::string> flags;  // "qr", "aa", ...
  std::vector<std::string> answer, authority, additional;  // RRs in presentation form
  uint16_t ede = 0xffff;  // Extended DNS Error info-code, 0xffff when none
  std::vector<std::string> why;  // the reasons, each prefixed with the name it is about
};

// `name` in wire form (any case). Asks as a TCP client with EDNS would, so nothing truncates.
// `dnssec`: with the DO bit, as a validating resolver asks: the answer shows the RRSIGs and the
// NSEC records (compact denial in a zone signed online) a signed answer carries.
Explanation explain(const view::Catalog& catalog, std::string_view name, uint16_t type, bool dnssec = false);

}  // namespace dnsedge::auth
