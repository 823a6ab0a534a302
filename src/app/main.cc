// dnsedge: the binary. Subcommands:
//   serve        run the authoritative server
//   zone check   validate a zone file (and print it normalized with --print)
//   zone add|list|rm|import|export, record add|list|set|rm   API client (app/cli.h, docs/cli.md)

#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/config.h"
#include "app/control_plane.h"
#include "app/doctor_cmd.h"
#include "app/edge_wiring.h"
#include "app/external.h"
#include "app/serve_events.h"
#include "app/xfr_wiring.h"
#include "app/zones.h"
#include "auth/explain.h"
#include "common/mutex.h"
#include "common/snapshot.h"
#include "control/controller.h"
#include "control/validate.h"
#include "dns/name.h"
#include "dns/types.h"
#include "resolve/flatten_cache.h"
#include "resolve/resolver.h"
#include "server/server.h"
#include "spdlog/spdlog.h"
#include "xfr/secondary.h"
#include "xfr/service.h"

#include "analytics/recorder.h"  // --analytics
#include "metrics/http_server.h"  // --metrics-listen

namespace dnsedge::app {
namespace {

constexpr int kExitUsage = 2;

ZoneSetOptions zone_options(const ServeConfig& cfg) {
  ZoneSetOptions o;
  o.edge = cfg.edge;
  o.flatten_all = cfg.flatten_all;
  o.limits.max_generate_records = cfg.max_generate_records;
  return o;
}

void add_zone_flags(CLI::App* cmd, ServeFlags& flags) {
  cmd->add_option("--config", flags.config_file, "TOML config file (flags override it)");
  cmd->add_option("--zone-file", flags.zone_files, "zone file to serve (file-backed zone), repeatable");
  cmd->add_option("--max-generate-records", flags.max_generate_records,
                  "records $GENERATE may make per zone file or import, all directives together (default 65536)");
  cmd->add_option("--edge-ipv4", flags.edge_ipv4, "edge IPv4 addresses proxied names answer: IP[,IP...]");
  cmd->add_option("--edge-ipv6", flags.edge_ipv6, "edge IPv6 addresses proxied names answer: IP[,IP...]");
  cmd->add_option("--upstream", flags.upstream,
                  "resolver for external CNAME targets, ADDR:PORT, repeatable (default: full recursion)");
  cmd->add_option("--flatten-all", flags.flatten_all, "zone whose CNAMEs are all flattened, repeatable");
}

struct ExplainFlags {
  std::string name, type = "A";
  bool json = false;
  bool dnssec = false;   // ask with DO=1: show the RRSIGs and NSECs of a signed answer
  std::string data_dir;  // store zones of `serve --data DIR`
  std::string api;       // ask a running server instead
  std::string token;
};

int run_explain(const ServeConfig& cfg, const ExplainFlags& f) {
  const std::string& name_text = f.name;
  const std::string& type_text = f.type;
  const bool json = f.json;
  if (!f.api.empty()) {
    if (f.dnssec) {
      std::cerr << "dnsedge: explain: --dnssec reads the zones here; it does not combine with --api\n";
      return kExitUsage;
    }
    if (!cfg.zone_files.empty() || !f.data_dir.empty()) {
      std::cerr << "dnsedge: explain: --api asks the running server; it does not combine with --zone-file or --data\n";
      return kExitUsage;
    }
    cli::Args a;
    a.api = f.api;
    const char* env_token = std::getenv("DNSEDGE_API_TOKEN");
    a.token = !f.token.empty() ? f.token : (env_token != nullptr ? env_token : "");
    a.json = json;
    a.command = cli::Command::kExplain;
    a.zone = name_text;
    a.type = type_text;
    return cli::run(a);
  }
  if (cfg.zone_files.empty() && f.data_dir.empty()) {
    std::cerr << "dnsedge: explain: no zone is loaded: give --zone-file FILE, --data DIR (serve's store) or "
                 "--api URL (a running server)\n";
    return kExitUsage;
  }
  std::string t = name_text;
  if (t.empty() || t.back() != '.') t += '.';
  auto name = dns::name_from_text(t);
  if (!name) {
    std::cerr << "dnsedge: " << name_text << ": " << name.error().message << "\n";
    return kExitUsage;
  }
  auto type = dns::type_from_string(type_text);
  if (!type) {
    std::cerr << "dnsedge: unknown record type '" << type_text << "'\n";
    return kExitUsage;
  }
  ExternalTargets external;
  ZoneSetOptions zopt = zone_options(cfg);
  zopt.external = &external;
  ZoneSet zones(cfg.zone_files, zopt);
  auto catalog = zones.load_all();
  if (!catalog) {
    std::cerr << catalog.error().message << "\n";
    return kExitUsage;
  }
  // Store zones (--data): the controller, opened read-only beside a running server, compiles
  // them with the file zones into the catalog `serve` would publish.
  common::SnapshotPublisher<view::Catalog> publisher(view::Catalog::empty());
  std::unique_ptr<control::Controller> store;
  if (!f.data_dir.empty()) {
    struct stat st {};
    if (::stat(f.data_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      std::cerr << "dnsedge: explain: --data " << f.data_dir << ": no such directory\n";
      return kExitUsage;
    }
    control::ControllerOptions co;
    co.data_dir = f.data_dir;
    co.edge = cfg.edge;
    co.nameservers = cfg.nameservers;
    co.flatten_all = cfg.flatten_all;
    co.external = &external;
    co.log = [](const std::string& text) { std::cerr << "dnsedge explain: store: " << text << "\n"; };
    auto opened = control::Controller::open_read_only(std::move(co), publisher);
    if (!opened) {
      std::cerr << "dnsedge: explain: " << opened.error().message << "\n";
      return kExitUsage;
    }
    store = std::move(*opened);
  }
  if (const auto names = zones.external_names(); !names.empty()) {
    // Resolve the external CNAME targets once, as `serve` would in the background.
    auto resolver = resolve::Resolver::create(resolve::ResolverOptions{.upstreams = cfg.upstreams});
    if (!resolver) {
      std::cerr << "resolver: " << resolver.error().message << "\n";
      return kExitUsage;
    }
    auto cache = resolve::TargetCache::create(**resolver, {});
    if (!cache || !(*cache)->set_watched(names)) {
      std::cerr << "resolver: cannot watch the external targets\n";
      return kExitUsage;
    }
    (*cache)->wait_idle(std::chrono::seconds(10));
    external.set((*cache)->snapshot());
    catalog = zones.recompile().catalog;
  }
  std::vector<dns::ZoneRecord> stored = zones.stored_records(*name);
  if (store) {
    store->set_file_zones((*catalog)->zones());
    catalog = publisher.current();
    // The stored records at the name when it is in a store zone.
    for (const auto& z : store->zones()) {
      auto apex = dns::name_from_text(z.zone.name + ".");
      if (z.file_backed || !apex || !dns::is_subdomain(*name, *apex)) continue;
      if (auto recs = store->records(z.zone.id)) {
        for (const auto& r : *recs) {
          auto rr = control::to_zone_record(r);
          if (!rr || rr->owner != *name) continue;
          if (r.proxied) rr->cf_tags.push_back("cf-proxied:true");
          stored.push_back(*rr);
        }
      }
    }
  }
  const auto e = auth::explain(**catalog, *name, *type, f.dnssec);
  if (json) {
    auto q = [](const std::string& s) {
      std::string o = "\"";
      for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          o += b;
          continue;
        }
        o += c;
      }
      return o + "\"";
    };
    auto arr = [&](const std::vector<std::string>& v) {
      std::string o = "[";
      for (size_t i = 0; i < v.size(); ++i) o += (i ? "," : "") + q(v[i]);
      return o + "]";
    };
    std::vector<std::string> st;
    for (const auto& r : stored) st.push_back(dns::format_record(r));
    std::cout << "{\"name\":" << q(e.name) << ",\"type\":" << q(e.type) << ",\"zone\":" << q(e.zone)
              << ",\"stored\":" << arr(st) << ",\"served\":{\"rcode\":" << q(e.rcode)
              << ",\"flags\":" << arr(e.flags) << ",\"answer\":" << arr(e.answer)
              << ",\"authority\":" << arr(e.authority) << ",\"additional\":" << arr(e.additional)
              << ",\"ede\":" << (e.ede == 0xffff ? std::string("null") : std::to_string(e.ede)) << "},\"why\":"
              << arr(e.why) << "}\n";
    return 0;
  }
  std::cout << e.name << " " << e.type << "  (zone " << (e.zone.empty() ? std::string("none") : e.zone) << ")\n";
  std::cout << "stored:\n";
  if (stored.empty()) std::cout << "  (nothing stored at this name)\n";
  for (const auto& r : stored) std::cout << "  " << dns::format_record(r) << "\n";
  std::cout << "served: " << e.rcode;
  for (const auto& f : e.flags) std::cout << " " << f;
  if (e.ede != 0xffff) std::cout << " (extended error " << e.ede << ")";
  std::cout << "\n";
  for (const auto& [label, v] : {std::pair{"answer", &e.answer}, {"authority", &e.authority}, {"additional", &e.additional}}) {
    for (const auto& l : *v) std::cout << "  " << label << "  " << l << "\n";
  }
  std::cout << "why:\n";
  if (e.zone.empty()) {
    std::cout << "  no loaded zone holds this name: DNS refuses the query\n";
  } else if (e.why.empty()) {
    std::cout << "  served as stored (no proxying, flattening or dc-record involved)\n";
  }
  for (const auto& w : e.why) std::cout << "  - " << w << "\n";
  return 0;
}

// The external names the resolver watches: those of the file zones (ZoneSet, set by the main
// thread) and those of the store zones (set by a publish listener on the writer thread).
class WatchedNames {
 public:
  explicit WatchedNames(resolve::TargetCache& cache) : cache_(cache) {}
  // True when any name is watched.
  bool set_file_names(std::vector<std::string> names) {
    common::MutexLock lock(mu_);
    file_ = std::move(names);
    return apply();
  }
  void set_store_names(std::vector<std::string> names) {
    common::MutexLock lock(mu_);
    store_ = std::move(names);
    apply();
  }

 private:
  bool apply() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<std::string> names = file_;
    names.insert(names.end(), store_.begin(), store_.end());
    if (auto w = cache_.set_watched(names); !w) spdlog::error("resolver: {}", w.error().message);
    return !names.empty();
  }
  resolve::TargetCache& cache_;
  common::Mutex mu_;
  std::vector<std::string> file_ ABSL_GUARDED_BY(mu_), store_ ABSL_GUARDED_BY(mu_);
};

// The data directory holds token hashes and the audit log: created 0700, and everything dnsedge
// creates in it is the owner's only whatever the umask (the store 0600; SQLite gives its WAL and
// SHM the database's mode). A directory others may write to is refused.
Result<void> prepare_data_dir(const std::string& dir) {
  ::umask(077);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error("cannot create data directory " + dir + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return make_error("data directory " + dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return make_error("data directory " + dir + " is not a directory");
  if ((st.st_mode & S_IWOTH) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error("data directory " + dir + " is world-writable (mode " + mode +
                      "): anyone could replace the store; refusing to use it (chmod o-w " + dir + ")");
  }
  for (const char* f : {"dnsedge.db", "dnsedge.db-wal", "dnsedge.db-shm"}) {
    const std::string path = dir + "/" + f;
    if (::chmod(path.c_str(), 0600) != 0 && errno != ENOENT) {
      return make_error("cannot make " + path + " private (chmod 0600): " + std::strerror(errno));
    }
  }
  return {};
}

// A token given as `--api-token VALUE` or `--api-token=VALUE` is visible in ps and
// /proc/PID/cmdline: its characters are overwritten in place. True when one was found.
bool scrub_token_argv(int argc, char** argv) {
  bool found = false;
  for (int i = 1; i < argc; ++i) {
    char* value = nullptr;
    if (std::strcmp(argv[i], "--api-token") == 0 && i + 1 < argc) {
      value = argv[++i];
    } else if (std::strncmp(argv[i], "--api-token=", 12) == 0) {
      value = argv[i] + 12;
    }
    if (value == nullptr) continue;
    std::memset(value, 'x', std::strlen(value));
    found = true;
  }
  return found;
}

int run_serve(const ServeConfig& cfg) {
  // Signals are read by this thread from a signalfd; every other thread has them blocked. Other
  // threads wake it through the same object (app/serve_events.h).
  auto events = ServeEvents::open();
  if (!events) {
    spdlog::error("{}", events.error().message);
    return kExitUsage;
  }
  signal(SIGPIPE, SIG_IGN);
  // Listeners, the store, the resolver, thread wake-ups: well under this many descriptors.
  constexpr size_t kOtherFds = 512;
  raise_fd_limit(cfg.limits, cfg.no_edge_proxy ? 0 : cfg.edge_proxy.options.max_connections, kOtherFds);

  if (auto d = prepare_data_dir(cfg.data_dir); !d) {
    spdlog::error("{}", d.error().message);
    return kExitUsage;
  }
  if (!cfg.api_token.empty() && cfg.api_token.size() < 16) {
    spdlog::warn("api: the API token has {} characters: fewer than 16 are easy to guess", cfg.api_token.size());
  }

  // External CNAME targets (flattening) are resolved in the background by libunbound,
  // forwarding to --upstream (full recursion without it); never on the query path.
  auto resolver = resolve::Resolver::create(resolve::ResolverOptions{.upstreams = cfg.upstreams});
  if (!resolver) {
    spdlog::error("resolver: {}", resolver.error().message);
    return kExitUsage;
  }
  resolve::TargetCacheOptions copt;
  // On the cache's thread: wake this one, which recompiles (below); never blocks the cache.
  copt.on_change = [&ev = *events](std::shared_ptr<const resolve::TargetSnapshot>, const std::vector<std::string>&) {
    ev.external_changed();
  };
  copt.on_event = [](const resolve::TargetEvent& e) {
    if (e.kind == resolve::TargetEvent::Kind::kChanged) {
      spdlog::info("flattening: {}", e.text);
    } else {
      spdlog::warn("flattening: {}", e.text);
    }
  };
  auto targets = resolve::TargetCache::create(**resolver, copt);
  if (!targets) {
    spdlog::error("resolver: {}", targets.error().message);
    return kExitUsage;
  }
  ExternalTargets external;
  ZoneSetOptions zopt = zone_options(cfg);
  zopt.external = &external;

  const auto t0 = std::chrono::steady_clock::now();
  ZoneSet zones(cfg.zone_files, zopt);
  auto loaded = zones.load_all();
  if (!loaded) {
    spdlog::error("{}", loaded.error().message);
    return kExitUsage;
  }
  std::unique_ptr<ControlPlane> control_plane;  // store zones + REST API, started below
  // The resolver watches the file zones' external names (set here) and the store zones' (set by
  // a publish listener). Resolve those the zones need before the first answer (bounded wait).
  WatchedNames watched(**targets);
  auto watch = [&]() { return watched.set_file_names(zones.external_names()); };
  if (watch()) {
    (*targets)->wait_idle(std::chrono::seconds(10));
    external.set((*targets)->snapshot());
    auto again = zones.recompile();
    for (const auto& e : again.errors) spdlog::error("{}", e);
    loaded = again.catalog;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  size_t records = 0;
  for (const auto& z : (*loaded)->zones()) records += z->record_count();
  spdlog::info("loaded {} zone(s), {} records in {} ms", (*loaded)->zones().size(), records, ms.count());
  ::malloc_trim(0);  // hand the parser's transient memory back to the system

  common::SnapshotPublisher<view::Catalog> catalog(*loaded);
  analytics::set_enabled(cfg.analytics);  // before any DNS worker starts (docs/observability.md)
  // Metrics (--metrics-listen, docs/observability.md): up before the rest, /readyz says 503
  // until DNS serves; the zones gauge reads the catalog being served.
  struct MetricsGauges {
    uint64_t id;
    ~MetricsGauges() { metrics::Registry::global().remove_collector(id); }
  } metrics_gauges{metrics::Registry::global().add_collector([&catalog](metrics::Exposition& e) {
    e.family("dnsedge_zones", "gauge", "Zones served.");
    e.sample("dnsedge_zones", {}, static_cast<uint64_t>(catalog.current()->zones().size()));
  })};
  // Names for the busiest zones' query counts (--metrics-zone-names): the zones served now.
  if (cfg.metrics_zone_names) {
    metrics::Registry::global().set_zone_names([&catalog] {
      std::vector<std::pair<std::string, std::string>> names;
      for (const auto& z : catalog.current()->zones()) {
        names.emplace_back(std::string(z->apex()), dns::name_to_text(z->apex()));
      }
      return names;
    });
  }
  struct ZoneNamesReset {
    ~ZoneNamesReset() { metrics::Registry::global().set_zone_names(nullptr); }
  } zone_names_reset;
  std::unique_ptr<metrics::HttpServer> metrics_server;
  if (!cfg.metrics_listen.empty()) {
    auto m = metrics::HttpServer::start(metrics::HttpServerOptions{.listen = cfg.metrics_listen});
    if (!m) {
      spdlog::error("{}", m.error().message);
      return kExitUsage;
    }
    metrics_server = std::move(*m);
    spdlog::info("metrics on http://{}/metrics", metrics_server->address());
  }
  // The store-backed zones and the REST API come up before DNS opens, so the first DNS answer
  // means the whole server is ready.
  //
  // After every publish, on the controller's writer thread and before the writes of that batch
  // are acknowledged, the publish listeners run in this order (control/writer.h):
  //   1. the edge applies the Spectrum app changes and its route table (app/edge_wiring.h): an
  //      acknowledged app change is in effect;
  //   2. zone transfers send NOTIFY for the zones whose serial changed (the IXFR deltas were
  //      journaled in each change's own store transaction);
  //   3. the resolver watches the external names the store zones now need.
  // The edge and zone transfers start after the controller (they read its first catalog) and
  // before the API accepts requests (serve_api() below): the publishes in between are the
  // controller's own, which they pick up when they start.
  std::atomic<edge::Edge*> live_edge{nullptr};
  std::atomic<xfr::Service*> live_xfr{nullptr};
  std::vector<control::PublishListener> listeners{
      [&live_edge](const control::Published&) {
        if (edge::Edge* e = live_edge.load()) e->sync_catalog();
      },
      [&live_xfr](const control::Published& p) {
        if (xfr::Service* x = live_xfr.load()) x->published(p.catalog);
      },
      [&watched](const control::Published& p) {
        if (p.external_names) watched.set_store_names(*p.external_names);
      }};
  {
    auto cp = ControlPlane::start(
        cfg, catalog, **loaded, &external, std::move(listeners),
        [&live_edge](const view::ServedApp& app) -> Result<void> {
          if (edge::Edge* e = live_edge.load()) return e->prepare_app(app);
          return {};
        },
        [ev = &*events] { ev->resign_files(); });
    if (!cp) {
      spdlog::error("{}", cp.error().message);
      return kExitUsage;
    }
    control_plane = std::move(*cp);
  }
  // File zones signed online ([[dnssec]], docs/dnssec.md): keys from the store, signed before DNS opens.
  if (!cfg.dnssec_zones.empty()) {
    for (const auto& apex : cfg.dnssec_zones) {
      if (!zones.serves(apex)) {
        spdlog::error("config: [[dnssec]] zone {}: no zone file holds it", dns::name_to_text(apex));
        return kExitUsage;
      }
    }
    auto sg = control_plane->file_zone_signing(cfg.dnssec_zones);
    if (!sg) {
      spdlog::error("dnssec: {}", sg.error().message);
      return kExitUsage;
    }
    zones.set_signing(std::move(*sg));
    auto again = zones.recompile_all();
    for (const auto& e : again.errors) spdlog::error("{}", e);
    if (!again.errors.empty()) return kExitUsage;
    loaded = again.catalog;
    control_plane->set_file_zones(*again.catalog);
  }
  // Zone transfers, NOTIFY, TSIG (src/xfr): the journal lives in the store.
  auto journal = StoreJournal::open(cfg.data_dir);
  if (!journal) {
    spdlog::error("{}", journal.error().message);
    return kExitUsage;
  }
  // Secondary zones: pulled from their primaries, served and persisted by the control plane.
  xfr::Secondary secondary(xfr::SecondaryOptions{
      .on_zone = [&](const xfr::PulledZone& z) { control_plane->secondary_data(z); },
      .on_expired = [&](const std::string& apex) { control_plane->secondary_expired(apex); }});
  xfr::Config xfr_config = cfg.xfr;  // [[xfr.incoming]] zones get their store ids here
  if (auto r = control_plane->ensure_config_secondaries(xfr_config); !r) {
    spdlog::error("config: {}", r.error().message);
    return kExitUsage;
  }
  control_plane->seed_secondary(secondary);
  xfr::Service xfr_service(catalog,
                           xfr::ServiceOptions{.journal = journal->get(),
                                               .on_notify = [&](const std::string& apex) { secondary.notify(apex); },
                                               .notify_when_serving = true});
  control_plane->set_xfr(&xfr_service, &secondary, xfr_config);
  live_xfr = &xfr_service;  // before start(): the service begins with what is served then
  struct StopListening {
    std::atomic<xfr::Service*>& live;
    ~StopListening() { live = nullptr; }
  } stop_listening{live_xfr};
  if (auto r = xfr_service.start(); !r) {
    spdlog::error("{}", r.error().message);
    return kExitUsage;
  }
  secondary.start();
  // The edge proxy (HTTP/HTTPS on the edge addresses, Spectrum apps): app/edge_wiring.h. It and
  // zone transfers are live before the API accepts a write, so every acknowledged write went
  // through their publish listeners (and an app write through the edge's prepare_app).
  EdgeConfig edge_config = cfg.edge_proxy;
  if (auto api = edge::IpEndpoint::parse(cfg.api_listen.to_string()); api && api->port != 0) {
    edge_config.options.reserved.push_back(*api);  // the edge never listens where the API does
  }
  auto edge = start_edge(edge_config, cfg.no_edge_proxy, catalog);
  if (!edge) {
    spdlog::error("{}", edge.error().message);
    control_plane->stop();
    return kExitUsage;
  }
  if (*edge) {
    live_edge = edge->get();
    (*edge)->sync_catalog();  // a publish between the edge's start and now
  }
  // A port-0 API gets a port no edge listener holds (they are bound already).
  if (auto r = control_plane->serve_api(); !r) {
    spdlog::error("{}", r.error().message);
    live_edge = nullptr;
    if (*edge) (*edge)->stop();
    control_plane->stop();
    return kExitUsage;
  }
  server::ServerOptions sopt;
  sopt.listen = cfg.dns_listen;
  sopt.threads = cfg.threads;
  sopt.xfr = &xfr_service;
  sopt.tcp_max_clients = cfg.limits.tcp_max_connections;
  sopt.tcp_idle_timeout = cfg.limits.tcp_query_timeout;
  sopt.rrl = cfg.rrl;
  sopt.signing_budget = cfg.dnssec_timing.signing_budget;
  sopt.dnstap = cfg.dnstap;
  if (!sopt.dnstap.socket_path.empty()) {
    char host[256] = {};
    sopt.dnstap.identity = gethostname(host, sizeof host - 1) == 0 ? host : "dnsedge";
    sopt.dnstap.version = std::string("dnsedge ") + DNSEDGE_VERSION;
  }
  auto srv = server::DnsServer::start(sopt, catalog);
  if (!srv) {
    spdlog::error("{}", srv.error().message);
    live_edge = nullptr;
    if (*edge) (*edge)->stop();
    control_plane->stop();
    return kExitUsage;
  }
  xfr_service.serving();  // NOTIFYs now: the secondaries' SOA queries find the listeners
  metrics::Registry::global().set_ready(true);

  for (;;) {
    const ServeEvents::Event ev = events->wait();
    if (ev.kind == ServeEvents::Kind::kExternalChanged) {
      control_plane->update_external([&]() { external.set((*targets)->snapshot()); });
      auto next = zones.recompile();
      control_plane->set_file_zones(*next.catalog);
      for (const auto& e : next.errors) spdlog::error("recompile failed, keeping the previous zone: {}", e);
      spdlog::info("external targets changed: {} zone(s) recompiled and published", next.reloaded);
      watch();
      continue;
    }
    if (ev.kind == ServeEvents::Kind::kResignFiles) {  // the rollover timer: signatures due for a refresh
      auto next = zones.resign();
      control_plane->set_file_zones(*next.catalog, true);
      for (const auto& e : next.errors) spdlog::error("re-sign failed, keeping the previous zone: {}", e);
      spdlog::info("signature refresh: {} signed zone file(s) signed anew", next.reloaded);
      continue;
    }
    if (ev.kind == ServeEvents::Kind::kReload) {
      spdlog::info("SIGHUP: reloading {} zone file(s)", cfg.zone_files.size());
      auto next = zones.reload();
      control_plane->set_file_zones(*next.catalog);
      if (watch()) (*targets)->refresh_all();
      for (const auto& e : next.errors) spdlog::error("reload failed, keeping the previous zone: {}", e);
      ::malloc_trim(0);
      spdlog::info("reload done: {} zone(s) reloaded, {} kept after errors", next.reloaded, next.errors.size());
      continue;
    }
    spdlog::info("{}: shutting down", ev.signal == SIGTERM ? "SIGTERM" : "SIGINT");
    metrics::Registry::global().set_ready(false);
    live_edge = nullptr;
    live_xfr = nullptr;
    if (*edge) (*edge)->stop();
    (*srv)->stop();
    secondary.stop();
    xfr_service.stop();
    control_plane->stop();
    return 0;
  }
}

int run_zone_check(const std::string& file, const std::string& origin_text, bool print,
                   const ServeConfig& cfg) {
  auto r = check_zone_file(file, origin_text, zone_options(cfg));
  if (!r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  if (print) {
    // The output stays a zone file: notes are comments.
    for (const auto& n : r->notes) std::cout << "; " << n << "\n";
    std::cout << r->text;
  } else {
    for (const auto& n : r->notes) std::cout << n << "\n";
    std::cout << file << ": OK (" << r->records << " records, origin " << r->origin_text << ")\n";
  }
  return 0;
}

}  // namespace
}  // namespace dnsedge::app

int main(int argc, char** argv) {
  using namespace dnsedge::app;
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"dnsedge: authoritative DNS with proxy semantics"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("dnsedge ") + DNSEDGE_VERSION);

  ServeFlags flags;
  auto* serve = app.add_subcommand("serve", "Run the authoritative DNS server");
  serve->add_option("--data", flags.data_dir, "data directory (default: ./.dnsedge-data)");
  serve->add_option("--dns-listen", flags.dns_listen,
                    "DNS listen address ADDR:PORT or [ADDR]:PORT, repeatable (default 127.0.0.1:5353 and [::1]:5353)");
  serve->add_option("--threads", flags.threads, "UDP worker threads (default 1)");
  serve->add_option("--xfr-journal-max", flags.xfr_journal_max, "IXFR: view diffs kept per zone (default 100)");
  serve->add_option("--notify-source", flags.notify_source,
                    "NOTIFY: local address to send from, repeatable: one IPv4, one IPv6 (default: the kernel's choice)");
  serve->add_option("--rrl-rate", flags.rrl_rate,
                    "UDP response rate limiting: responses/s per client prefix and response kind (default 200; 0 = off)");
  serve->add_option("--rrl-slip", flags.rrl_slip,
                    "every Nth rate-limited response is sent truncated, the others dropped (default 2; 0 = drop all)");
  serve->add_option("--rrl-ipv4-prefix", flags.rrl_ipv4_prefix, "rate limiting: IPv4 client prefix length (default 24)");
  serve->add_option("--rrl-ipv6-prefix", flags.rrl_ipv6_prefix, "rate limiting: IPv6 client prefix length (default 64)");
  serve->add_option("--max-records-per-zone", flags.max_records_per_zone,
                    "records an API zone may hold; a write over it fails with 81045 (default 1000000)");
  serve->add_flag("--no-edge-proxy", flags.no_edge_proxy, "do not run the edge proxy");
  add_edge_flags(serve, flags.edge);
  add_limit_flags(serve, flags.limits);
  add_dnssec_flags(serve, flags.dnssec_timing);
  add_zone_flags(serve, flags);
  serve->add_option("--api-listen", flags.api_listen, "REST API address ADDR:PORT (default 127.0.0.1:8080)");
  serve->add_option("--metrics-listen", flags.metrics_listen,
                    "Prometheus metrics, /healthz and /readyz on ADDR:PORT (off unless given)");
  serve->add_option("--dnstap-socket", flags.dnstap_socket,
                    "send dnstap AUTH_QUERY/AUTH_RESPONSE messages to this unix socket (off unless given)");
  serve->add_option("--dnstap-sample", flags.dnstap_sample, "dnstap: log one query in N (default 1)");
  serve->add_option("--dnstap-messages", flags.dnstap_messages, "dnstap: query, response or both (default both)");
  serve->add_flag("--metrics-zone-names", flags.metrics_zone_names,
                  "name the 20 busiest zones in /metrics (default: their queries count as zone \"other\")");
  serve->add_option("--analytics", flags.analytics,
                    "DNS analytics: per-minute query counts for the dns_analytics API, on or off (default on)");
  serve->add_option("--api-token", flags.api_token, "first API token (or env DNSEDGE_API_TOKEN)");
  serve->add_option("--api-token-file", flags.api_token_file,
                    "read the first API token from this file (keeps it out of ps)");
  serve->add_option("--nameserver", flags.nameservers,
                    "name server host name for the apex NS of API-created zones, repeatable");

  auto* explain = app.add_subcommand("explain", "Show what a name answers and why (proxied, flattened, dc-records)");
  ExplainFlags ef;
  explain->add_option("name", ef.name, "domain name")->required();
  explain->add_option("type", ef.type, "record type (default A)");
  explain->add_flag("--json", ef.json, "machine-readable output");
  explain->add_flag("--dnssec", ef.dnssec, "ask with DO=1: show the RRSIGs and NSEC records a signed answer carries");
  explain->add_option("--data", ef.data_dir, "serve's data directory: explain its API zones too (read-only)");
  explain->add_option("--api", ef.api, "ask a running server's API instead (http://HOST:PORT/client/v4)");
  explain->add_option("--token", ef.token, "API token for --api (or env DNSEDGE_API_TOKEN)");
  add_zone_flags(explain, flags);

  auto* zone = app.add_subcommand("zone", "Zone commands");
  zone->require_subcommand(1);
  std::string check_file, check_origin;
  bool check_print = false;
  auto* check = zone->add_subcommand("check", "Validate a zone file; exit 1 with file:line: reason if invalid");
  check->add_option("file", check_file, "zone file")->required();
  check->add_option("--origin", check_origin, "zone origin (default: from $ORIGIN / the file name)");
  check->add_flag("--print", check_print, "print the zone normalized (re-reads to the same data)");
  check->add_option("--max-generate-records", flags.max_generate_records,
                    "records $GENERATE may make in the file, all directives together (default 65536)");
  check->add_option("--edge-ipv4", flags.edge_ipv4, "edge IPv4 addresses (for zones with proxied records)");
  check->add_option("--edge-ipv6", flags.edge_ipv6, "edge IPv6 addresses (for zones with proxied records)");

  cli::CliCommands api_commands(app, *zone);  // zone add|list|..., record ...

  DoctorFlags doctor_flags;
  auto* doctor = add_doctor_command(app, doctor_flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    std::cout << "dnsedge " << DNSEDGE_VERSION << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "dnsedge: " << e.what() << "\nRun 'dnsedge --help' for usage.\n";
    return 2;
  }

  if (serve->parsed() && scrub_token_argv(argc, argv)) {
    spdlog::warn("api: --api-token on the command line is readable by every local user (ps) until it is "
                 "overwritten at start; use --api-token-file or DNSEDGE_API_TOKEN");
  }
  if (doctor->parsed()) return run_doctor(doctor_flags);
  if (api_commands.parsed()) return cli::run(api_commands.args());
  auto cfg = resolve_serve_config(flags);
  if (!cfg) {
    std::cerr << "dnsedge: " << cfg.error().message << "\n";
    return 2;
  }
  if (serve->parsed()) {
    // A refused start does not leave behind an empty data directory it created.
    struct stat st {};
    const bool existed = ::stat(cfg->data_dir.c_str(), &st) == 0;
    const int rc = run_serve(*cfg);
    if (rc != 0 && !existed) ::rmdir(cfg->data_dir.c_str());
    return rc;
  }
  if (explain->parsed()) return run_explain(*cfg, ef);
  if (check->parsed()) return run_zone_check(check_file, check_origin, check_print, *cfg);
  return 2;
}
