// The DNSSEC record types the API refuses (validate.h, check_dnssec_type).
#include <string>

#include "control/errors.h"
#include "control/validate.h"

namespace dnsedge::control {
namespace {

Error err(int code, std::string message) { return Error{std::move(message), code}; }

}  // namespace

Result<void> check_dnssec_type(const ZoneContext& z, std::string_view type, std::string_view name) {
  const std::string t(type);
  if (type == "RRSIG" || type == "NSEC" || type == "NSEC3" || type == "NSEC3PARAM") {
    return err(errc::kBadType, t + " records cannot be written: dnsedge makes the DNSSEC signatures and denial "
                                   "proofs of its zones itself when DNSSEC is on (PATCH /zones/{id}/dnssec).");
  }
  const bool key_type = type == "DNSKEY" || type == "CDS" || type == "CDNSKEY";
  if (!key_type && !(type == "DS" && !name.empty() && name == z.name)) return {};
  const std::string status = z.dnssec_status ? z.dnssec_status() : std::string();
  if (status == "active" || status == "pending") {
    if (type == "DS") {
      return err(errc::kValidation, "DS records cannot be added at the apex of " + z.name +
                                        ": its DS belongs at the parent zone (GET /zones/{id}/dnssec shows it).");
    }
    return err(errc::kValidation, t + " records cannot be written in " + z.name + ": DNSSEC is " + status +
                                      " and dnsedge publishes the zone's own " + t +
                                      " records (multi-signer DNSSEC is not supported).");
  }
  if (type == "CDS" || type == "CDNSKEY") {
    return err(errc::kBadType, t + " records cannot be written: dnsedge publishes them at the apex of a zone "
                                   "whose DNSSEC is on.");
  }
  return {};
}

}  // namespace dnsedge::control
