// The DNSSEC endpoints: GET/PATCH/DELETE /zones/{id}/dnssec in Cloudflare's shape (docs/api.md,
// docs/dnssec.md). The answer never carries a private key: only the KSK's public key and DS.
#include "api/call.h"
#include "api/handlers.h"
#include "api/json_io.h"

namespace dnsedge::api {
namespace {

using json = OJson;
using errc::kBadSetting;

json dnssec_json(const control::DnssecInfo& d) {
  const bool k = d.has_key;
  auto text = [k](const std::string& s) { return k ? json(s) : json(nullptr); };
  return {{"status", d.status},
          {"algorithm", k ? json("13") : json(nullptr)},
          {"digest_algorithm", k ? json("SHA256") : json(nullptr)},
          {"digest_type", k ? json("2") : json(nullptr)},
          {"digest", text(d.digest)},
          {"ds", text(d.ds)},
          {"flags", k ? json(d.flags) : json(nullptr)},
          {"key_tag", k ? json(d.key_tag) : json(nullptr)},
          {"key_type", k ? json("ECDSAP256SHA256") : json(nullptr)},
          {"public_key", text(d.public_key)},
          {"modified_on", d.modified_on.empty() ? json(nullptr) : json(d.modified_on)},
          {"dnssec_multi_signer", false},
          {"dnssec_presigned", false},
          {"dnssec_use_nsec3", false}};
}

}  // namespace

HttpResponse get_dnssec(Call& x) {
  auto d = x.c.dnssec(x.zone->zone.id);
  if (!d) return fail(d.error());
  return ok(dnssec_json(*d));
}

HttpResponse patch_dnssec(Call& x) {
  auto b = json_body(x);
  if (!b) return fail(b.error());
  std::optional<bool> enable;
  for (const auto& [key, value] : b->items()) {
    if (key == "status") {
      if (!value.is_string()) {
        return fail(
            Error{"Request body is invalid: status must be a string (\"active\" or \"disabled\")", kInvalidBody});
      }
      const std::string s = value.get<std::string>();
      if (s == "active") {
        enable = true;
      } else if (s == "disabled") {
        enable = false;
      } else {
        return fail(Error{"Invalid value for DNSSEC status: \"" + s + "\" (active or disabled)", kBadSetting});
      }
    } else if (key == "dnssec_multi_signer" || key == "dnssec_presigned" || key == "dnssec_use_nsec3") {
      if (!value.is_boolean())
        return fail(Error{"Request body is invalid: " + key + " must be a boolean", kInvalidBody});
      if (value.get<bool>()) {
        return fail(Error{key + ": true is not supported: dnsedge signs its zones itself, with NSEC (compact answers)",
                          kBadSetting});
      }
    } else {
      return fail(Error{"Request body is invalid: unknown field \"" + key +
                            "\" (status, dnssec_multi_signer, dnssec_presigned, dnssec_use_nsec3)",
                        kInvalidBody});
    }
  }
  if (x.write.dry_run) return fail(Error{"dry_run is not supported on /dnssec", kInvalidBody});
  auto d = enable ? x.c.set_dnssec(x.zone->zone.id, *enable) : x.c.dnssec(x.zone->zone.id);
  if (!d) return fail(d.error());
  return ok(dnssec_json(*d));
}

HttpResponse delete_dnssec(Call& x) {
  if (x.write.dry_run) return fail(Error{"dry_run is not supported on /dnssec", kInvalidBody});
  if (auto r = x.c.delete_dnssec(x.zone->zone.id); !r) return fail(r.error());
  return ok(json{{"id", x.zone->zone.id}});
}

}  // namespace dnsedge::api
