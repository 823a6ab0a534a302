#pragma once
// File-backed zones: the zone files given with --zone-file, compiled into the served Catalog and
// reloaded on SIGHUP. A file that fails to load keeps its previous view serving.

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "view/zone_view.h"

namespace dnsedge::app {

// Parses and compiles one zone file. The zone's apex is its SOA owner (so $ORIGIN in the file
// decides); `origin_text` overrides the initial origin, else it comes from the file name.
Result<std::shared_ptr<const view::ZoneView>> load_zone_file(const std::string& path,
                                                             const std::string& origin_text = {});

struct ZoneCheck {
  std::string text;         // the zone, normalized
  std::string origin_text;  // "example.com."
  size_t records = 0;
};
Result<ZoneCheck> check_zone_file(const std::string& path, const std::string& origin_text);

// Thread safety: used by the main thread only.
class ZoneSet {
 public:
  explicit ZoneSet(std::vector<std::string> files) : files_(std::move(files)) {}

  // First load: every file must load, and no two files may hold the same zone.
  Result<std::shared_ptr<const view::Catalog>> load_all();

  struct Reload {
    std::shared_ptr<const view::Catalog> catalog;
    size_t reloaded = 0;
    std::vector<std::string> errors;  // "file:line: reason" for files whose old view is kept
  };
  Reload reload();

 private:
  std::vector<std::string> files_;
  std::vector<std::shared_ptr<const view::ZoneView>> current_;  // parallel to files_
};

}  // namespace dnsedge::app
