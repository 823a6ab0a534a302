#pragma once
// The control plane of `dnsedge serve`: the store-backed controller (control/) and the REST API
// (api/) wired together. start() opens the store under --data, loads every API-managed zone,
// publishes them with the file-backed zones, stores the --api-token (hashed) if new and starts
// the writer thread; serve_api() then binds the API. The caller makes every publish listener
// live (the edge, zone transfers) between the two, so no write is acknowledged before all of
// them see it; once serve_api() returns, the whole control plane is ready and the caller may
// open DNS.
//
// Thread safety: set_file_zones() and update_external() may be called from any thread (they run on the controller's
// writer thread and wait). start()/stop() from the owning thread.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "common/result.h"
#include "common/snapshot.h"
#include "control/writer.h"
#include "dnssec/zone_signing.h"
#include "view/zone_view.h"

namespace dnsedge::api {
class Api;
class ApiServer;
}  // namespace dnsedge::api
namespace dnsedge::control {
class Controller;
class DnssecRollover;
}  // namespace dnsedge::control
namespace dnsedge::xfr {
class Service;
class Secondary;
struct Config;
struct PulledZone;
}  // namespace dnsedge::xfr

namespace dnsedge::app {

class ControlPlane {
 public:
  // `file_zones`: the catalog of the file-backed zones (ZoneSet); `external`: resolved
  // external names for CNAME flattening (may be null; see update_external()); `listeners`: the
  // publish listeners (control/writer.h), called on the writer thread after every publish,
  // from the first one (at open) on, before the batch's writes are acknowledged.
  // `prepare_app`: asked before an API app is stored (control::ControllerOptions::prepare_app;
  // the edge binds its listeners there). The IXFR journal is written by the controller, in the
  // transaction of each change (app/xfr_wiring.h).
  [[nodiscard]] static Result<std::unique_ptr<ControlPlane>> start(
      const ServeConfig& cfg, common::SnapshotPublisher<view::Catalog>& catalog, const view::Catalog& file_zones,
      const view::TargetSource* external, std::vector<control::PublishListener> listeners = {},
      std::function<Result<void>(const view::ServedApp&)> prepare_app = {}, std::function<void()> resign_files = {});
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Binds the API (--api-listen) and starts accepting requests. Call once every publish listener
  // is live: a write acknowledged before would not have reached it.
  [[nodiscard]] Result<void> serve_api();

  // Stops the API, then the writer thread. Idempotent.
  void stop();

  // Replaces the file-backed zones (after SIGHUP or a recompile of them) and publishes the
  // combined catalog. Use this instead of publishing the ZoneSet's catalog directly.
  // `resigned`: the signed zone files among them were signed anew (their serial moves).
  void set_file_zones(const view::Catalog& file_zones, bool resigned = false);
  // The online signing of the file zones at `apexes` ([[dnssec]] of the config file), by apex;
  // their keys are made in the store the first time (control::Controller::file_zone_signing).
  [[nodiscard]] Result<std::map<std::string, std::shared_ptr<const dnssec::ZoneSigning>>> file_zone_signing(
      const std::vector<std::string>& apexes);
  // Runs `apply` on the writer thread (e.g. replacing the external-target snapshot the
  // controller's compiles read), then recompiles the store zones that depend on external names
  // and publishes.
  void update_external(const std::function<void()>& apply);
  // The API's bound address ("" before serve_api()).
  std::string api_address() const;

  // Zone transfers: from now on, `service` gets the transfer configuration: `base` (the config
  // file's) merged with the secondary_dns objects of the store, again after every API change.
  void set_xfr(xfr::Service* service, xfr::Secondary* secondary, const xfr::Config& base);
  // Secondary zones of the config file ([[xfr.incoming]], control_plane_xfr.cc): creates each as a
  // secondary store zone in the default account if missing and fills in its zone_id. Errors when
  // the name is a --zone-file zone or a store zone that is not secondary (nothing is changed then).
  [[nodiscard]] Result<void> ensure_config_secondaries(xfr::Config& cfg);
  // Secondary zones: what the store holds (to seed xfr::Secondary), new data, expiry.
  void seed_secondary(xfr::Secondary& secondary);
  void secondary_data(const xfr::PulledZone& zone);
  void secondary_expired(const std::string& apex);

 private:
  ControlPlane() = default;
  std::unique_ptr<control::Controller> controller_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<api::ApiServer> server_;
  std::unique_ptr<control::DnssecRollover> rollover_;  // ZSK rollover timer (control/dnssec_rollover.h)
  std::string api_listen_;  // --api-listen, bound by serve_api()
  LimitsConfig limits_;
  bool warn_no_token_ = false;
  // Writer thread only.
  void refresh_xfr();
  xfr::Service* xfr_ = nullptr;
  xfr::Secondary* secondary_ = nullptr;
  std::shared_ptr<const xfr::Config> xfr_base_;
};

}  // namespace dnsedge::app
