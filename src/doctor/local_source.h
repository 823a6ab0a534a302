#pragma once
// LocalSource: the doctor's view of our own zones, answered by auth::answer over the served
// view::Catalog — exactly what `dnsedge serve` answers — plus the proxy facts of those zones.
//
// Names outside the catalog, and CNAME chains that leave it, go to `external` (a LiveSource
// over --upstream, or none). Names below a delegation of one of our zones are asked of the
// delegation's own servers (its glue addresses, port 53) when `query_delegations` is set, so a
// delegated zone whose servers do not answer shows as a failed lookup.
//
// Thread safety: lookup() from one thread at a time; the catalog is immutable.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "doctor/source.h"
#include "view/zone_view.h"

namespace dnsedge::doctor {

struct LocalZone {
  std::string apex;  // wire
  bool flatten_all = false;
  std::vector<dns::ZoneRecord> stored;  // as stored (proxy flags kept)
};

struct LocalOptions {
  view::EdgeAddresses edge;
  Source* external = nullptr;      // names outside the zones; null: such lookups fail
  bool query_delegations = false;  // ask delegated servers directly (network)
  std::chrono::milliseconds delegation_timeout{3000};
};

class LocalSource : public Source {
 public:
  LocalSource(std::shared_ptr<const view::Catalog> catalog, std::vector<LocalZone> zones, LocalOptions options);
  ~LocalSource() override;

  Lookup lookup(std::string_view name, uint16_t type, std::chrono::milliseconds budget) override;
  std::string_view mode() const override { return "local"; }
  const ProxyFacts* facts() const override { return &facts_; }

 private:
  struct Answer;
  Answer ask(std::string_view name, uint16_t type) const;
  Lookup outside(std::string_view name, uint16_t type, std::chrono::milliseconds budget, const std::string& why);
  Lookup delegated(std::string_view name, uint16_t type, std::chrono::milliseconds budget, const Answer& referral);

  std::shared_ptr<const view::Catalog> catalog_;
  LocalOptions options_;
  ProxyFacts facts_;
  std::map<std::string, std::unique_ptr<Source>> delegations_;  // cut (wire) → its servers
};

}  // namespace dnsedge::doctor
