#include "app/doctor_cmd.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <utility>

#include "analytics/aggregator.h"
#include "analytics/recorder.h"
#include "api/mail_doctor.h"
#include "api/mail_traffic.h"
#include "app/config.h"
#include "app/external.h"
#include "app/zones.h"
#include "common/snapshot.h"
#include "control/controller.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "doctor/doctor.h"
#include "doctor/live_source.h"
#include "doctor/local_source.h"
#include "resolve/flatten_cache.h"
#include "store/store.h"

namespace dnsedge::app {
namespace {

constexpr int kCouldNotCheck = 2;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int fail(const std::string& message) {
  std::cerr << "dnsedge doctor: " << message << "\n";
  return kCouldNotCheck;
}

milliseconds left(Clock::time_point deadline) {
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

// The zone files once more, as stored (proxy flags and CNAMEs the served view no longer shows).
Result<std::vector<doctor::LocalZone>> stored_zones(const ServeConfig& cfg) {
  std::vector<doctor::LocalZone> out;
  for (const auto& f : cfg.zone_files) {
    auto zt = dns::parse_zone_file(f);
    if (!zt) return zt.error();
    doctor::LocalZone z;
    z.apex = zt->origin;
    for (const auto& r : zt->records) {
      if (r.type == dns::rrtype::kSOA) z.apex = r.owner;
    }
    z.flatten_all = std::find(cfg.flatten_all.begin(), cfg.flatten_all.end(), z.apex) != cfg.flatten_all.end();
    z.stored = std::move(zt->records);
    out.push_back(std::move(z));
  }
  return out;
}

// `traffic`, when given, is GET mail_doctor's: a "traffic" member of the JSON report, a
// "Traffic" section after the findings of the text one.
void print(const doctor::Report& report, const DoctorFlags& f,
           const std::optional<nlohmann::ordered_json>& traffic = std::nullopt) {
  if (f.json) {
    if (!traffic) {
      std::cout << doctor::to_json(report);
      return;
    }
    auto j = nlohmann::ordered_json::parse(doctor::to_json(report));
    j["traffic"] = *traffic;
    std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    return;
  }
  const bool color = !f.no_color && ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  std::cout << doctor::to_text(report, color);
  if (!traffic) return;
  const auto& t = *traffic;
  std::cout << "\nTraffic in the last " << t["window_minutes"].get<int>()
            << " minutes (DNS analytics stored by serve: a minute is stored once it is over)\n"
            << "  " << t["summary"].get<std::string>() << "\n";
  const std::pair<const char*, const char*> lists[] = {
      {"mx", "MX queries by name"},
      {"dc_record", "dc-record answers by name"},
      {"flattened_failures", "SERVFAIL or stale answers of flattened names"}};
  for (const auto& [key, title] : lists) {
    const auto& names = t["names"][key];
    if (names.empty()) continue;
    std::cout << "  " << title << ":\n";
    for (const auto& [name, count] : names.items())
      std::cout << "    " << name << ": " << count.get<uint64_t>() << "\n";
  }
}

// The mail-relevant traffic the serving process stored for `zone` ("example.com") in the last
// hour (analytics flushes every minute that is over, the rest at a clean stop), as GET
// mail_doctor's `traffic`; nullopt when analytics is off or the store cannot say.
std::optional<nlohmann::ordered_json> stored_traffic(const ServeConfig& cfg, const std::string& zone) {
  if (!cfg.analytics) return std::nullopt;
  const int64_t now = time(nullptr) / 60;
  auto reader = store::Store::open_reader(cfg.data_dir);  // read-only, beside a serving process
  if (!reader) {
    std::cerr << "dnsedge doctor: store: cannot read DNS analytics: " << reader.error().message << "\n";
    return std::nullopt;
  }
  auto rows = (*reader)->analytics_rows(now - 59);
  if (!rows) {
    std::cerr << "dnsedge doctor: store: cannot read DNS analytics: " << rows.error().message << "\n";
    return std::nullopt;
  }
  std::vector<analytics::Row> in;
  for (const auto& r : *rows) {
    if (r.zone != zone) continue;
    in.push_back(analytics::Row{
        r.minute, r.zone, r.name,
        analytics::Cell{static_cast<uint16_t>(r.qtype), static_cast<uint16_t>(r.rcode), static_cast<uint8_t>(r.kind),
                        static_cast<uint64_t>(r.count), static_cast<uint64_t>(r.time_us)}});
  }
  analytics::Aggregator agg;
  agg.load(in);
  analytics::set_enabled(true);  // this process records nothing: it reads what serve recorded
  return api::mail_traffic(agg, zone, now);
}

// Local mode over serve's store (--data) and the zone files: the controller, opened read-only,
// compiles every zone as `serve` does, and the check is the one GET mail_doctor runs.
int run_store_local(const DoctorFlags& f, const ServeConfig& cfg, const std::string& domain, const doctor::Options& opt,
                    Clock::time_point deadline, milliseconds per_lookup) {
  ExternalTargets external;
  ZoneSetOptions zopt;
  zopt.edge = cfg.edge;
  zopt.flatten_all = cfg.flatten_all;
  zopt.external = &external;
  ZoneSet files(cfg.zone_files, zopt);
  auto file_catalog = files.load_all();
  if (!file_catalog) return fail(file_catalog.error().message);
  common::SnapshotPublisher<view::Catalog> publisher(view::Catalog::empty());
  control::ControllerOptions co;
  co.data_dir = cfg.data_dir;
  co.edge = cfg.edge;
  co.nameservers = cfg.nameservers;
  co.flatten_all = cfg.flatten_all;
  co.external = &external;
  co.log = [](const std::string& text) { std::cerr << "dnsedge doctor: store: " << text << "\n"; };
  auto opened = control::Controller::open_read_only(std::move(co), publisher);
  if (!opened) return fail(opened.error().message);
  control::Controller& c = **opened;
  c.set_file_zones((*file_catalog)->zones());
  if (!f.offline) {
    // External CNAME targets, resolved once as `serve` does in the background (bounded).
    std::vector<std::string> names = files.external_names();
    for (auto& n : c.external_names()) names.push_back(std::move(n));
    if (!names.empty()) {
      auto live = doctor::LiveSource::create(doctor::LiveOptions{.servers = cfg.upstreams, .timeout = per_lookup});
      if (!live) return fail(live.error().message);
      auto cache = resolve::TargetCache::create((*live)->resolver(), {});
      if (cache && (*cache)->set_watched(names)) {
        (*cache)->wait_idle(left(deadline) / 2);
        external.set((*cache)->snapshot());
        if (auto again = files.recompile(); again.catalog) c.set_file_zones(again.catalog->zones());
        c.recompile_external();
      }
    }
  }
  std::string zone_id, zone_name;
  size_t best = 0;
  for (const auto& z : c.zones()) {
    auto apex = dns::name_from_text(z.zone.name + ".");
    if (apex && dns::is_subdomain(domain, *apex) && apex->size() > best) {
      best = apex->size();
      zone_id = z.zone.id;
      zone_name = z.zone.name;
    }
  }
  if (zone_id.empty()) {
    return fail(dns::name_to_text(domain) + " is not in the store " + cfg.data_dir +
                " or the zone files (local mode checks only them; use --live for other domains)");
  }
  auto st = c.doctor_state(zone_id);
  if (!st) return fail(st.error().message);
  if (st->apex != domain) {
    // A name below a zone: check that name over the same zones.
    st->apex = domain;
  }
  api::MailDoctorOptions mo;
  mo.selectors = opt.selectors;
  mo.upstreams = cfg.upstreams;
  mo.offline = f.offline;
  mo.budget = left(deadline);
  if (auto d = c.dnssec(zone_id); d && !st->zones.empty() && st->apex == st->zones.front().apex) {
    mo.dnssec_status = d->status;
    mo.dnssec_ds = d->ds;
  }
  auto report = api::mail_doctor(*st, mo);
  if (!report) return fail(report.error().message);
  print(*report, f, stored_traffic(cfg, zone_name));
  return doctor::exit_status(*report);
}

}  // namespace

CLI::App* add_doctor_command(CLI::App& app, DoctorFlags& f) {
  auto* cmd = app.add_subcommand("doctor",
                                 "Check a domain's mail DNS: MX, SPF, DMARC, DKIM, MTA-STS, TLS-RPT, "
                                 "and what proxying and flattening do to mail");
  cmd->add_option("domain", f.domain, "domain to check")->required();
  cmd->add_flag("--live", f.live, "check live DNS (through --server, or full recursion) instead of the local zones");
  cmd->add_option("--server", f.servers, "live mode: DNS server to ask, ADDR:PORT, repeatable (forwarding, RD=1)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--config", f.config_file, "TOML config file (zone_files, edge_ipv4/6, flatten_all, upstream)");
  cmd->add_option("--zone-file", f.zone_files, "local mode: zone file, repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--data", f.data_dir,
                  "local mode: serve's data directory; checks its API zones (read-only, works beside a running "
                  "server)");
  cmd->add_option("--nameserver", f.nameservers, "as serve: name server host names of API zones, repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--edge-ipv4", f.edge_ipv4, "edge IPv4 addresses proxied names answer: IP[,IP...]")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--edge-ipv6", f.edge_ipv6, "edge IPv6 addresses proxied names answer: IP[,IP...]")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--flatten-all", f.flatten_all, "zone whose CNAMEs are all flattened, repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--upstream", f.upstream,
                  "local mode: resolver for names outside the zones, ADDR:PORT, repeatable (default: full recursion)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--offline", f.offline, "local mode: look nothing up outside the zone files");
  cmd->add_option("--selector", f.selectors,
                  "DKIM selector to check, repeatable (local mode also finds them in the zone)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--timeout", f.timeout, "time limit for the whole check, seconds (default 10)");
  cmd->add_flag("--json", f.json, "machine-readable report");
  cmd->add_flag("--no-color", f.no_color, "no colours even on a terminal");
  return cmd;
}

int run_doctor(const DoctorFlags& f) {
  if (!(f.timeout > 0 && f.timeout <= 600)) return fail("--timeout must be between 0 and 600 seconds");
  const auto budget = milliseconds(static_cast<long>(f.timeout * 1000));
  const auto deadline = Clock::now() + budget;
  const milliseconds per_lookup = std::min(budget, milliseconds(3000));
  ServeFlags sf;
  sf.config_file = f.config_file;
  sf.zone_files = f.zone_files;
  sf.edge_ipv4 = f.edge_ipv4;
  sf.edge_ipv6 = f.edge_ipv6;
  sf.upstream = f.upstream;
  sf.flatten_all = f.flatten_all;
  sf.data_dir = f.data_dir;
  sf.nameservers = f.nameservers;
  auto cfg = resolve_serve_config(sf);
  if (!cfg) return fail(cfg.error().message);
  std::string text = f.domain;
  if (text.empty() || text.back() != '.') text += '.';
  auto domain = dns::name_from_text(text);
  if (!domain) return fail(f.domain + ": " + domain.error().message);

  doctor::Options opt;
  opt.selectors = f.selectors;

  if (f.live) {
    if (f.offline) return fail("--offline is for local mode");
    if (!f.data_dir.empty()) return fail("--data is for local mode");
    const auto servers = f.servers.empty() ? cfg->upstreams : f.servers;
    auto live = doctor::LiveSource::create(doctor::LiveOptions{.servers = servers, .timeout = per_lookup});
    if (!live) return fail(live.error().message);
    opt.budget = left(deadline);
    const auto report = doctor::check(*domain, **live, opt);
    print(report, f);
    return doctor::exit_status(report);
  }

  if (!f.servers.empty()) return fail("--server is for live mode (--live); local mode uses --upstream");
  if (!f.data_dir.empty()) return run_store_local(f, *cfg, *domain, opt, deadline, per_lookup);
  if (cfg->zone_files.empty()) {
    return fail("local mode needs --zone-file FILE or --data DIR (or check live DNS with --live)");
  }
  ExternalTargets external;
  ZoneSetOptions zopt;
  zopt.edge = cfg->edge;
  zopt.flatten_all = cfg->flatten_all;
  zopt.external = &external;
  ZoneSet zones(cfg->zone_files, zopt);
  auto catalog = zones.load_all();
  if (!catalog) return fail(catalog.error().message);
  std::unique_ptr<doctor::LiveSource> outside;
  if (!f.offline) {
    auto live = doctor::LiveSource::create(doctor::LiveOptions{.servers = cfg->upstreams, .timeout = per_lookup});
    if (!live) return fail(live.error().message);
    outside = std::move(live).value();
  }
  if (const auto names = zones.external_names(); !names.empty() && outside) {
    // External CNAME targets, resolved once as `serve` does in the background (bounded).
    auto cache = resolve::TargetCache::create(outside->resolver(), {});
    if (cache && (*cache)->set_watched(names)) {
      (*cache)->wait_idle(left(deadline) / 2);
      external.set((*cache)->snapshot());
      catalog = zones.recompile().catalog;
    }
  }
  if ((*catalog)->find_zone(*domain) == nullptr) {
    return fail(dns::name_to_text(*domain) +
                " is not in the loaded zones (local mode checks only them; use --live "
                "for other domains)");
  }
  auto stored = stored_zones(*cfg);
  if (!stored) return fail(stored.error().message);
  doctor::LocalSource local(*catalog, std::move(stored).value(),
                            doctor::LocalOptions{.edge = cfg->edge,
                                                 .external = outside.get(),
                                                 .query_delegations = !f.offline,
                                                 .delegation_timeout = per_lookup});
  opt.budget = left(deadline);
  const auto report = doctor::check(*domain, local, opt);
  print(report, f);
  return doctor::exit_status(report);
}

}  // namespace dnsedge::app
