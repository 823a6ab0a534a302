#pragma once
// `dnsedge doctor DOMAIN`: the mail doctor on the command line (docs/doctor.md).
//
//   local mode (default): the zones given with --zone-file, served exactly as `serve` would
//     (with --edge-ipv4/--edge-ipv6/--flatten-all/--upstream), plus their proxy facts;
//   live mode (--live): DNS as the world sees it, through --server ADDR:PORT (forwarding) or
//     full recursion.
//
// Exit status: 0 no errors, 1 errors found, 2 could not check (bad usage, zones that do not
// load, the domain's own lookups failed, the time limit ran out).

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace dnsedge::app {

struct DoctorFlags {
  std::string domain;
  bool live = false;
  std::vector<std::string> servers;  // --server ADDR:PORT (live mode)
  std::string config_file;           // --config (zone_files, edge_*, flatten_all, upstream)
  std::vector<std::string> zone_files;
  std::string data_dir;                 // --data: the store of `serve` (local mode)
  std::vector<std::string> nameservers;  // --nameserver, as serve (the generated apex NS)
  std::vector<std::string> edge_ipv4, edge_ipv6, upstream, flatten_all;
  std::vector<std::string> selectors;  // --selector, repeatable
  bool json = false;
  bool offline = false;  // local mode: no lookups outside the zones
  bool no_color = false;
  double timeout = 10.0;  // seconds, the whole run
};

// Adds the `doctor` subcommand to `app`; parsed values land in `flags`.
CLI::App* add_doctor_command(CLI::App& app, DoctorFlags& flags);

// Runs it; returns the exit status.
int run_doctor(const DoctorFlags& flags);

}  // namespace dnsedge::app
