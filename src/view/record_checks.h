#pragma once
// Checks of one record that need no other record, shared by the view builder (zone_view.cc)
// and the model (model.cc) so a full compile and a patch refuse the same records with the same
// words. Internal to the view module.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "view/zone_view.h"

namespace dnsedge::view {

// "source:line: " for an error message ("<zone>" without a source, no line when it is 0).
template <class Rec>
std::string where(std::string_view source, const Rec& r) {
  std::string s = source.empty() ? std::string("<zone>") : std::string(source);
  if (r.line != 0) s += ":" + std::to_string(r.line);
  return s + ": ";
}

// Class IN, an owner inside `origin` (not checked again when `owner_checked`), not a meta type,
// SOA only at the apex, rdata of at most 65535 octets.
template <class Rec>
Result<void> check_record_shape(std::string_view source, std::string_view origin, const Rec& r,
                                bool owner_checked = false) {
  namespace rrtype = dns::rrtype;
  if (r.rclass != dns::rrclass::kIN) return make_error(where(source, r) + "only class IN is served");
  if (!owner_checked && !dns::is_subdomain(r.owner, origin)) {
    return make_error(where(source, r) + "record owner " + dns::name_to_text(r.owner) + " is outside the zone " +
                      dns::name_to_text(origin));
  }
  if (r.type == rrtype::kOPT || r.type == rrtype::kTSIG || r.type == rrtype::kTKEY || (r.type >= 249 && r.type <= 255)) {
    return make_error(where(source, r) + "type " + dns::type_to_string(r.type) + " is a meta type and cannot be in a zone");
  }
  if (r.type == rrtype::kSOA && std::string_view(r.owner) != origin) {
    return make_error(where(source, r) + "SOA record outside the zone apex");
  }
  if (r.rdata.size() > 0xffff) return make_error(where(source, r) + "rdata longer than 65535 octets");
  return {};
}

// A pre-signed zone (one that holds RRSIG records: signed offline, or transferred signed) serves
// only the data it was signed with: a proxied or flattened record, or a Spectrum app, would answer
// data no signature covers, so such a zone is refused, naming the first such record.
inline Result<void> check_presigned(std::string_view origin, const std::vector<dns::ZoneRecord>& records,
                                    const CompileOptions& opt) {
  const auto rrsig = std::find_if(records.begin(), records.end(),
                                  [](const dns::ZoneRecord& r) { return r.type == dns::rrtype::kRRSIG; });
  if (rrsig == records.end()) return {};
  const std::string why = " in a pre-signed zone (it holds RRSIG records): its answers could not be signed";
  for (const dns::ZoneRecord& r : records) {
    const char* what = r.proxied ? "proxied"
                       : r.flatten_cname || (r.type == dns::rrtype::kCNAME &&
                                             (opt.flattening == Flattening::kAll || r.owner == origin))
                           ? "flattened"
                           : nullptr;
    if (what != nullptr) {
      return make_error(where(opt.source, r) + what + " " + dns::type_to_string(r.type) + " record " +
                        dns::name_to_text(r.owner) + why);
    }
  }
  if (opt.apps != nullptr && !opt.apps->empty()) {
    return make_error(where(opt.source, *rrsig) + "Spectrum apps" + why);
  }
  return {};
}

}  // namespace dnsedge::view
