#include "app/control_plane.h"

#include <chrono>

#include "api/api.h"
#include "api/mail_doctor.h"
#include "api/preflight_filter.h"
#include "api/secondary_dns.h"
#include "api/server.h"
#include "api/sha256.h"
#include "app/analytics_wiring.h"
#include "app/xfr_wiring.h"
#include "control/controller.h"
#include "control/dnssec_rollover.h"
#include "dns/name.h"
#include "edge/spectrum.h"
#include "spdlog/spdlog.h"
#include "xfr/secondary.h"
#include "xfr/service.h"

namespace dnsedge::app {

Result<std::unique_ptr<ControlPlane>> ControlPlane::start(
    const ServeConfig& cfg, common::SnapshotPublisher<view::Catalog>& catalog, const view::Catalog& file_zones,
    const view::TargetSource* external, std::vector<control::PublishListener> listeners,
    std::function<Result<void>(const view::ServedApp&)> prepare_app, std::function<void()> resign_files) {
  std::unique_ptr<ControlPlane> cp(new ControlPlane());
  control::ControllerOptions o;
  o.data_dir = cfg.data_dir;
  o.edge = cfg.edge;
  o.nameservers = cfg.nameservers;
  o.flatten_all = cfg.flatten_all;
  o.max_records_per_zone = cfg.max_records_per_zone;
  o.max_generate_records = cfg.max_generate_records;
  o.external = external;
  o.log = [](const std::string& text) { spdlog::warn("control: {}", text); };
  o.preflight = api::CachedPreflight();  // the mail doctor's new findings in write answers
  o.preflight_needed = api::PreflightFilter();  // skipped for writes that cannot change them
  // Spectrum apps created through the API take addresses from --spectrum-pool, never one an
  // app from flags or the config file holds (the edge assigns those the same way at its start).
  for (const auto& p : cfg.edge_proxy.options.spectrum_pools) o.spectrum_pools.push_back(p.to_string());
  if (auto flag_apps = edge::assign_edge_ips(cfg.edge_proxy.apps, cfg.edge_proxy.options.spectrum_pools)) {
    for (const auto& a : *flag_apps)
      for (const auto& ip : a.edge_ips) o.spectrum_reserved.push_back(ip.to_string());
  }
  o.publish_listeners = std::move(listeners);
  o.journal_encode = journal_encode;  // IXFR deltas, stored with each change
  o.journal_keep = cfg.xfr.journal_max;
  o.prepare_app = std::move(prepare_app);
  o.dnssec_rollover = cfg.dnssec_timing.rollover;
  o.dnssec_validity = cfg.dnssec_timing.validity;
  o.signed_file_zones = cfg.dnssec_zones;
  auto c = control::Controller::open(std::move(o), catalog);
  if (!c) return c.error();
  cp->controller_ = std::move(*c);
  cp->controller_->set_file_zones(file_zones.zones());

  size_t zones = 0, files = 0;
  for (const auto& z : cp->controller_->zones()) (z.file_backed ? files : zones)++;
  spdlog::info("control: store {} opened: {} API zone(s), {} file-backed zone(s)", cfg.data_dir, zones, files);

  cp->controller_->start();
  start_analytics(*cp->controller_);  // the stored minutes, then the aggregator (app/analytics_wiring.h)
  // ZSK rollover and signature refresh of signed zones (control/dnssec_rollover.h).
  {
    control::RolloverOptions ro;
    ro.settings = cfg.dnssec_timing.rollover;
    ro.validity = cfg.dnssec_timing.validity;
    ro.resign = [c = cp->controller_.get()](const std::string& zone) { return c->resign(zone); };
    ro.resign_files = std::move(resign_files);  // the app recompiles the signed zone files (app/main.cc)
    ro.log = [](const std::string& text) { spdlog::warn("dnssec: {}", text); };
    cp->rollover_ = std::make_unique<control::DnssecRollover>(*cp->controller_, std::move(ro));
    cp->rollover_->start();
  }
  api::ApiOptions aopt{.doctor_upstreams = cfg.upstreams};
  for (const auto& [apex, in] : cfg.xfr.incoming) {  // [[xfr.incoming]]: the file's, not the API's
    std::string name = dns::name_to_text(apex);
    if (!name.empty() && name.back() == '.') name.pop_back();
    aopt.config_incoming.push_back(std::move(name));
  }
  aopt.log = [](const std::string& text) { spdlog::warn("api: {}", text); };
  cp->api_ = std::make_unique<api::Api>(*cp->controller_, std::move(aopt),
                                        [raw = cp.get()]() { raw->refresh_xfr(); });
  // The --api-token is the first token, with every permission on every resource.
  if (!cfg.api_token.empty()) {
    auto stored = cp->controller_->call([&] { return cp->api_->bootstrap_token(api::sha256_hex(cfg.api_token)); });
    if (!stored) return make_error("store: cannot store the API token: " + stored.error().message);
  }
  cp->api_listen_ = cfg.api_listen.to_string();
  cp->limits_ = cfg.limits;
  cp->warn_no_token_ = cfg.api_token.empty();
  return cp;
}

Result<void> ControlPlane::serve_api() {
  if (server_) return {};
  api::ApiServerOptions so;
  so.listen = api_listen_;
  so.max_connections = limits_.api_max_connections;
  so.idle_timeout = limits_.api_request_timeout;
  so.write_timeout = limits_.api_write_timeout;
  so.max_pending_response_bytes = limits_.api_max_pending_response_bytes;
  auto server = api::ApiServer::start(so, *controller_, *api_);
  if (!server) return server.error();
  server_ = std::move(*server);
  spdlog::info("api: listening on http://{}/client/v4", server_->address());
  if (warn_no_token_ && controller_->call([&] { return api_->no_tokens(); })) {
    spdlog::warn("api: no API token configured (--api-token or DNSEDGE_API_TOKEN): every request is refused");
  }
  return {};
}

ControlPlane::~ControlPlane() { stop(); }

void ControlPlane::stop() {
  // The API first (no new jobs), then the writer (runs what is queued; completions post to the
  // stopped I/O context, which is still alive), then the API objects.
  if (server_) server_->stop();
  stop_analytics();  // its last minutes go to the store through the writer
  if (rollover_) rollover_->stop();  // its passes run as writer jobs
  if (controller_) controller_->stop();
  server_.reset();
  api_.reset();
  rollover_.reset();
}

void ControlPlane::set_file_zones(const view::Catalog& file_zones, bool resigned) {
  auto views = file_zones.zones();
  controller_->call([&] { controller_->set_file_zones(views, resigned); });
}

Result<std::map<std::string, std::shared_ptr<const dnssec::ZoneSigning>>> ControlPlane::file_zone_signing(
    const std::vector<std::string>& apexes) {
  return controller_->call([&]() -> Result<std::map<std::string, std::shared_ptr<const dnssec::ZoneSigning>>> {
    std::map<std::string, std::shared_ptr<const dnssec::ZoneSigning>> out;
    for (const auto& apex : apexes) {
      auto sg = controller_->file_zone_signing(apex);
      if (!sg) return sg.error();
      out[apex] = *sg;
    }
    return out;
  });
}

void ControlPlane::update_external(const std::function<void()>& apply) {
  controller_->call([&] {
    apply();
    controller_->recompile_external();
  });
}

void ControlPlane::set_xfr(xfr::Service* service, xfr::Secondary* secondary, const xfr::Config& base) {
  auto b = std::make_shared<const xfr::Config>(base);
  controller_->call([&] {
    xfr_ = service;
    secondary_ = secondary;
    xfr_base_ = b;
    refresh_xfr();
  });
}

void ControlPlane::refresh_xfr() {
  if (xfr_ == nullptr) return;
  auto cfg = std::make_shared<const xfr::Config>(api::secondary_dns_config(*controller_, *xfr_base_));
  size_t peers = 0;
  for (const auto& [apex, o] : cfg->outgoing) peers += o.peers.size();
  spdlog::info("xfr: configuration: {} TSIG key(s), {} zone(s) with outgoing transfers, {} peer(s)", cfg->keys.size(),
               cfg->outgoing.size(), peers);
  if (secondary_ != nullptr) secondary_->set_config(cfg);
  xfr_->set_config(std::move(cfg));
}

void ControlPlane::seed_secondary(xfr::Secondary& secondary) {
  auto zones = controller_->call([&] { return controller_->secondary_zones(); });
  for (auto& z : zones) {
    if (z.records.empty()) continue;
    xfr::PulledZone p;
    p.apex = z.apex;
    p.serial = z.serial;
    p.records = std::move(z.records);
    secondary.seed(p, std::chrono::system_clock::time_point(std::chrono::seconds(z.confirmed)));
  }
}

void ControlPlane::secondary_data(const xfr::PulledZone& zone) {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto r = controller_->call([&] { return controller_->set_secondary_data(zone.apex, zone.records, zone.serial, now); });
  if (!r) spdlog::error("xfr: cannot serve the new data of a secondary zone: {}", r.error().message);
}

void ControlPlane::secondary_expired(const std::string& apex) {
  auto r = controller_->call([&] { return controller_->expire_secondary(apex); });
  if (!r) spdlog::error("xfr: {}", r.error().message);
}

std::string ControlPlane::api_address() const { return server_ ? server_->address() : std::string(); }

}  // namespace dnsedge::app
