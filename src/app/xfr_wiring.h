#pragma once
// Zone transfers in `dnsedge serve` (src/xfr): the [xfr] table of the TOML file, and the IXFR
// journal kept in the store: the controller writes each entry in the transaction of its change
// (journal_encode()), the transfer service reads them (StoreJournal).
//
// TOML:
//   [xfr]
//   journal_max = 100                      # view diffs kept per zone (--xfr-journal-max)
//   notify_source = "192.0.2.53"           # NOTIFY sent from (--notify-source); or [v4, v6]
//   [[xfr.tsig]]
//   name = "k1."  algo = "hmac-sha256."  secret = "<base64>"
//   [[xfr.outgoing]]
//   zone = "example.com"
//   peers = [{ name = "knot", ip = "127.0.0.1", port = 53, tsig = "k1." }]   # notified, may transfer
//   # a peer's notify_source = "ADDR" overrides [xfr] notify_source for NOTIFY to it
//   allow = [{ prefix = "192.0.2.0/24", tsig = "k1." }]                    # may transfer
//
//   [[xfr.incoming]]                       # a secondary zone (created in the store at start)
//   zone = "example.org"
//   primaries = [{ ip = "192.0.2.1", port = 53, tsig = "k1." }]
//   auto_refresh_seconds = 0               # optional; 0: the SOA's refresh
//
// The same objects can be managed through the API (secondary_dns); both are merged, except that
// the file's [[xfr.incoming]] of a zone replaces any API incoming configuration of that zone.

#include <memory>
#include <mutex>
#include <string>

#include <toml++/toml.h>

#include "common/mutex.h"
#include "common/result.h"
#include "store/store.h"
#include "xfr/config.h"
#include "xfr/journal.h"

namespace dnsedge::app {

// Parses the [xfr] table (absent: an empty config). Errors name the file and the entry.
Result<xfr::Config> xfr_config_from_toml(const toml::table& root, const std::string& file);

// control::ControllerOptions::journal_encode: the IXFR delta between two served views of a zone,
// as the store keeps it (xfr::encode_diff of xfr::diff_views).
std::string journal_encode(const view::ZoneView& before, const view::ZoneView& after);

// The xfr::JournalReader over its own read-only store connection (thread-safe: a mutex around
// it). The store's one read-write connection is the controller's.
class StoreJournal final : public xfr::JournalReader {
 public:
  static Result<std::unique_ptr<StoreJournal>> open(const std::string& data_dir);
  Result<std::vector<xfr::Diff>> load(std::string_view apex) override;

 private:
  common::Mutex mu_;
  std::string data_dir_;
  std::unique_ptr<store::Reader> store_ ABSL_GUARDED_BY(mu_);  // null until the store could be opened
};

}  // namespace dnsedge::app
