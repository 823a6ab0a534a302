#pragma once
// The secondary_dns endpoints (Cloudflare v4 shape; docs/api.md "Zone transfers"):
//
//   /accounts/{account_id}/secondary_dns/tsigs[/{id}]   {"name": "k1.", "algo": "hmac-sha256.", "secret": "<base64>"}
//   /accounts/{account_id}/secondary_dns/peers[/{id}]   {"name", "ip", "port", "tsig_id"}
//   /zones/{id}/secondary_dns/outgoing                  {"name": "example.com.", "peers": [peer_id, ...]}
//   /zones/{id}/secondary_dns/incoming                  {"name", "peers", "auto_refresh_seconds"}
//
// Objects are validated (a TSIG secret must be base64 of a supported algorithm, a peer's ip an
// address, every id it names must exist in the same account), stored in the store
// (xfr_objects) and, after each change, turned into the xfr::Config the transfer service uses
// (secondary_dns_config()).
//
// Thread safety: the controller's writer thread only (like Api::handle()).

#include <functional>
#include <string>
#include <vector>

#include "api/http.h"
#include "control/controller.h"
#include "xfr/config.h"

namespace dnsedge::api {

class SecondaryDns {
 public:
  // `config_incoming`: zones whose incoming configuration is the config file's (ApiOptions).
  SecondaryDns(control::Controller& c, std::function<void()> on_change, std::vector<std::string> config_incoming = {})
      : c_(c), on_change_(std::move(on_change)), config_incoming_(std::move(config_incoming)) {}

  // `rest`: the path segments after "secondary_dns" ("tsigs" [, id]).
  HttpResponse account(const std::string& method, const std::string& account_id, const std::vector<std::string>& rest,
                       const std::string& body);
  // `rest`: ("outgoing") or ("incoming").
  HttpResponse zone(const std::string& method, const control::ZoneInfo& zone, const std::vector<std::string>& rest,
                    const std::string& body);

 private:
  control::Controller& c_;
  std::function<void()> on_change_;
  std::vector<std::string> config_incoming_;
};

// The transfer configuration of the stored objects, merged into `base` (the config file's).
// Objects that no longer resolve (a deleted zone) are skipped.
xfr::Config secondary_dns_config(control::Controller& c, const xfr::Config& base);

}  // namespace dnsedge::api
