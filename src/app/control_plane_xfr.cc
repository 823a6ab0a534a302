// Secondary zones defined in the config file ([[xfr.incoming]]): the file is their source of
// truth at every start. The zone is created in the store (type "secondary", default account) if
// it is missing; its incoming configuration is the file's (an API incoming object of the same
// zone is ignored, see api::secondary_dns_config()).

#include "app/control_plane.h"
#include "control/controller.h"
#include "dns/name.h"
#include "spdlog/spdlog.h"
#include "xfr/config.h"
#include "zone/record.h"

namespace dnsedge::app {

Result<void> ControlPlane::ensure_config_secondaries(xfr::Config& cfg) {
  if (cfg.incoming.empty()) return {};
  return controller_->call([&]() -> Result<void> {
    // Check every zone before creating any, so a bad config changes nothing.
    std::map<std::string, std::string> ids;  // apex -> existing zone id
    for (const auto& [apex, in] : cfg.incoming) {
      std::string name = dns::name_to_text(apex);
      if (!name.empty() && name.back() == '.') name.pop_back();
      for (const auto& z : controller_->zones()) {
        if (z.zone.name != name) continue;
        if (z.file_backed) {
          return make_error("[[xfr.incoming]] " + name + ": the zone is served from the zone file " + z.file +
                            "; a secondary zone cannot also be a --zone-file zone");
        }
        if (z.zone.type != zone::kZoneTypeSecondary) {
          return make_error("[[xfr.incoming]] " + name + ": the store already has " + name + " as a zone of type '" +
                            (z.zone.type.empty() ? std::string("full") : z.zone.type) +
                            "' (id " + z.zone.id + "); delete it through the API or remove it from [[xfr.incoming]]");
        }
        ids[apex] = z.zone.id;
      }
    }
    for (auto& [apex, in] : cfg.incoming) {
      std::string name = dns::name_to_text(apex);
      if (!name.empty() && name.back() == '.') name.pop_back();
      if (auto it = ids.find(apex); it != ids.end()) {
        in.zone_id = it->second;
        continue;
      }
      auto created = controller_->create_zone(name, "", std::string(zone::kZoneTypeSecondary));
      if (!created) return make_error("[[xfr.incoming]] " + name + ": cannot create the secondary zone: " + created.error().message);
      in.zone_id = created->zone.id;
      spdlog::info("xfr: created the secondary zone {} (id {}) from [[xfr.incoming]]", name, in.zone_id);
    }
    return {};
  });
}

}  // namespace dnsedge::app
