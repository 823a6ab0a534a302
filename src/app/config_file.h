#pragma once
// The TOML config file of `dnsedge serve --config FILE`, read by each part that takes settings
// from it (app/config.cc, listener_limits.cc, edge_wiring.cc, dnssec_config.cc).

#include <toml++/toml.h>

#include <string>

#include "common/result.h"

namespace dnsedge::app {

// Parses `path`; a syntax error is "PATH:LINE: what is wrong".
inline Result<toml::table> read_config_file(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return make_error(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
}

}  // namespace dnsedge::app
