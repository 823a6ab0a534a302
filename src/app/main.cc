// dnsedge: the binary. Subcommands:
//   serve        run the authoritative server
//   zone check   validate a zone file (and print it normalized with --print)

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/zones.h"
#include "server/server.h"
#include "spdlog/spdlog.h"

namespace dnsedge::app {
namespace {

constexpr int kExitUsage = 2;

int run_serve(const ServeConfig& cfg) {
  // Signals are handled by this thread with sigwait; every other thread has them blocked.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGHUP);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (::mkdir(cfg.data_dir.c_str(), 0750) != 0 && errno != EEXIST) {
    spdlog::error("cannot create data directory {}: {}", cfg.data_dir, std::strerror(errno));
    return kExitUsage;
  }

  const auto t0 = std::chrono::steady_clock::now();
  ZoneSet zones(cfg.zone_files);
  auto loaded = zones.load_all();
  if (!loaded) {
    spdlog::error("{}", loaded.error().message);
    return kExitUsage;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  size_t records = 0;
  for (const auto& z : (*loaded)->zones()) records += z->record_count();
  spdlog::info("loaded {} zone(s), {} records in {} ms", (*loaded)->zones().size(), records, ms.count());

  common::SnapshotPublisher<view::Catalog> catalog(*loaded);
  server::ServerOptions sopt;
  sopt.listen = cfg.dns_listen;
  sopt.threads = cfg.threads;
  auto srv = server::DnsServer::start(sopt, catalog);
  if (!srv) {
    spdlog::error("{}", srv.error().message);
    return kExitUsage;
  }
  if (cfg.no_edge_proxy) spdlog::info("edge proxy disabled (--no-edge-proxy)");

  for (;;) {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reloading {} zone file(s)", cfg.zone_files.size());
      auto next = zones.reload();
      catalog.publish(next.catalog);
      for (const auto& e : next.errors) spdlog::error("reload failed, keeping the previous zone: {}", e);
      spdlog::info("reload done: {} zone(s) reloaded, {} kept after errors", next.reloaded, next.errors.size());
      continue;
    }
    spdlog::info("{}: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    (*srv)->stop();
    return 0;
  }
}

int run_zone_check(const std::string& file, const std::string& origin_text, bool print) {
  auto r = check_zone_file(file, origin_text);
  if (!r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  if (print) {
    std::cout << r->text;
  } else {
    std::cerr << file << ": OK (" << r->records << " records, origin " << r->origin_text << ")\n";
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

  ServeFlags flags;
  auto* serve = app.add_subcommand("serve", "Run the authoritative DNS server");
  serve->add_option("--config", flags.config_file, "TOML config file (flags override it)");
  serve->add_option("--data", flags.data_dir, "data directory (default: ./.dnsedge-data)");
  serve->add_option("--dns-listen", flags.dns_listen,
                    "DNS listen address ADDR:PORT or [ADDR]:PORT, repeatable (default 127.0.0.1:5353 and [::1]:5353)");
  serve->add_option("--zone-file", flags.zone_files, "zone file to serve (file-backed zone), repeatable");
  serve->add_option("--threads", flags.threads, "UDP worker threads (default 1)");
  serve->add_flag("--no-edge-proxy", flags.no_edge_proxy, "do not run the edge proxy");

  auto* zone = app.add_subcommand("zone", "Zone commands");
  zone->require_subcommand(1);
  std::string check_file, check_origin;
  bool check_print = false;
  auto* check = zone->add_subcommand("check", "Validate a zone file; exit 1 with file:line: reason if invalid");
  check->add_option("file", check_file, "zone file")->required();
  check->add_option("--origin", check_origin, "zone origin (default: from $ORIGIN / the file name)");
  check->add_flag("--print", check_print, "print the zone normalized (re-reads to the same data)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "dnsedge: " << e.what() << "\nRun 'dnsedge --help' for usage.\n";
    return 2;
  }

  if (serve->parsed()) {
    auto cfg = resolve_serve_config(flags);
    if (!cfg) {
      std::cerr << "dnsedge: " << cfg.error().message << "\n";
      return 2;
    }
    return run_serve(*cfg);
  }
  if (check->parsed()) return run_zone_check(check_file, check_origin, check_print);
  return 2;
}
