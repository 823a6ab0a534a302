#pragma once
// File-backed zones: the zone files given with --zone-file, compiled into the served Catalog,
// reloaded on SIGHUP and recompiled when the data of a name they depend on changes (a resolved
// external CNAME target, or a name in another zone we serve). A zone that fails to load keeps
// its previous view serving.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/zonefile.h"
#include "dnssec/zone_signing.h"
#include "view/zone_view.h"

namespace dnsedge::app {

struct ZoneSetOptions {
  view::EdgeAddresses edge;
  std::vector<std::string> flatten_all;       // apexes (wire) with flatten_all
  const view::TargetSource* external = nullptr;  // resolved external names (may be null)
  dns::ParseLimits limits;                       // --max-generate-records
};

struct ZoneCheck {
  std::string text;         // the zone, normalized
  std::string origin_text;  // "example.com."
  size_t records = 0;
  std::vector<std::string> notes;  // "file:line: NAME TYPE proxied: needs --edge-ipv4/--edge-ipv6 to serve"
};
// Parses and compiles one zone file on its own (no other zones, no resolver). Proxied records
// need no edge addresses here: each one `serve` would refuse without them gets a note.
Result<ZoneCheck> check_zone_file(const std::string& path, const std::string& origin_text,
                                  const ZoneSetOptions& options);

// Thread safety: used by one thread (the main thread).
class ZoneSet {
 public:
  ZoneSet(std::vector<std::string> files, ZoneSetOptions options)
      : files_(std::move(files)), options_(std::move(options)) {}

  // First load: every file must load, and no two files may hold the same zone.
  Result<std::shared_ptr<const view::Catalog>> load_all();

  struct Reload {
    std::shared_ptr<const view::Catalog> catalog;
    size_t reloaded = 0;
    std::vector<std::string> errors;  // "file:line: reason" for files whose old view is kept
  };
  // Re-reads every file (SIGHUP).
  Reload reload();
  // Recompiles the zones that depend on names outside themselves (new resolver data).
  Reload recompile();
  // Recompiles the zones signed online (set_signing) from the records last read: fresh
  // signatures, same data (the signature refresh of docs/dnssec.md "Key rollover").
  Reload resign();

  // Online DNSSEC of file zones ([[dnssec]] of the config file): the signing of each zone by
  // apex (wire). Every compile from now on signs those zones; recompile_all() applies it at once.
  void set_signing(std::map<std::string, std::shared_ptr<const dnssec::ZoneSigning>> signing) {
    signing_ = std::move(signing);
  }
  // Recompiles every zone from its file (as reload() does).
  Reload recompile_all() { return reload(); }
  // Whether a file holds the zone at `apex` (wire).
  bool serves(std::string_view apex) const;

  // External names (outside every served zone) the zones need resolved.
  std::vector<std::string> external_names() const;
  // The stored records of the zone holding `name` (for explain), empty if none.
  std::vector<dns::ZoneRecord> stored_records(std::string_view name) const;

 private:
  // Recompiles the zones `which` picks from the records last read, then settles and publishes.
  Reload recompile_if(const std::function<bool(const view::ZoneView&)>& which);
  struct Zone {
    std::string file;
    std::string apex;
    std::vector<dns::ZoneRecord> records;  // kept only while the view depends on outside names
    std::shared_ptr<const view::ZoneView> view;
  };
  Result<Zone> load(const std::string& file) const;
  Result<std::shared_ptr<const view::ZoneView>> compile(const Zone& z) const;
  void settle(std::vector<std::string>* errors);  // recompiles dependants until stable
  std::shared_ptr<const view::Catalog> catalog() const;
  std::vector<std::shared_ptr<const view::ZoneView>> views() const;

  std::vector<std::string> files_;
  ZoneSetOptions options_;
  std::vector<Zone> zones_;  // parallel to files_ once loaded
  std::map<std::string, std::shared_ptr<const dnssec::ZoneSigning>> signing_;  // by apex
};

}  // namespace dnsedge::app
