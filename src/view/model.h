#pragma once
// The compile state of one zone, kept between compiles so that a change recompiles only what it
// touches (docs/proxy.md "Recompiling after a change").
//
// A ZoneModel holds the zone's stored records grouped by owner name, what each owner serves
// under the rules of view/served.h (edge addresses, flattened CNAMEs, MX/SRV rewritten to
// dc-records), the dc-records themselves, and the reverse references (which owners' CNAME, MX,
// SRV or NS data names a target) that tell which other owners a change reaches. Its view() is an
// ordinary immutable ZoneView.
//
// update() takes the complete new record set of each changed owner and:
//   1. validates them (the same per-record and per-name rules as a full compile; on error the
//      model is unchanged and the error is what a full compile would report for that name);
//   2. recomputes the served data of the changed owners and of every owner whose answer depends
//      on them: referrers of a name whose addresses, proxy state or existence changed, followed
//      through CNAME chains, and the dc-records of the MX/SRV targets involved;
//   3. patches the previous view: only the nodes of those names (and of empty non-terminals that
//      appear or vanish) are rewritten (ZoneView::patch).
// Changes that reach structure every name depends on fall back to a full compile of the model's
// records: a zone cut (NS below the apex) appears or goes, a wildcard appears or goes, a name
// appears or goes right under a wildcard's parent, or the garbage the patches left behind
// outgrows the live data. The result is the same view a full compile gives, in another node
// order (tests/view model_test checks this on random zones and changes).
//
// Records live in a pool owned by the model (a deque: element addresses are stable); owners,
// served records and views point into it.
//
// Thread safety: none; one owner (the controller's writer thread) uses a model. The views it
// returns are immutable and may be shared freely.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/zonefile.h"
#include "view/served.h"
#include "view/zone_view.h"

namespace dnsedge::view {

// One owner name's complete record set after a change (empty: the name has no records now).
struct OwnerChange {
  std::string owner;  // wire, lowercase
  std::vector<dns::ZoneRecord> records;
};

class ZoneModel {
 public:
  // A full compile of `records` (ZoneView::compile's contract). options.targets is used during
  // the call only; options.edge and options.apps are copied.
  static Result<std::unique_ptr<ZoneModel>> build(std::string_view origin, std::vector<dns::ZoneRecord> records,
                                                  const CompileOptions& options);
  ~ZoneModel();
  ZoneModel(const ZoneModel&) = delete;
  ZoneModel& operator=(const ZoneModel&) = delete;

  // Applies the changes (each owner at most once) and returns the new view, compiled with
  // `targets` for names outside the zone. On error nothing changes.
  Result<std::shared_ptr<const ZoneView>> update(std::vector<OwnerChange> changes, const TargetSource* targets);

  // The current view.
  const std::shared_ptr<const ZoneView>& view() const noexcept { return view_; }
  // After an update() was undone by another (the old records of the same owners): `v`, the view
  // the model had before, serves exactly what the model holds again; patch from it from now on.
  void rebase(std::shared_ptr<const ZoneView> v) { view_ = std::move(v); }
  // The records an owner has now (for undoing an update), in the order given.
  std::vector<dns::ZoneRecord> records_of(std::string_view owner) const;

  // What the last update() did, for tests and benchmarks: names whose nodes were rewritten
  // (0 after a full compile) and whether it fell back to a full compile.
  struct Stats {
    size_t patched_names = 0;
    size_t recomputed_owners = 0;
    bool full = false;
  };
  const Stats& last_stats() const noexcept { return stats_; }

 private:
  struct Impl;
  explicit ZoneModel(std::unique_ptr<Impl> impl);
  // A full compile of the live records with `changes` applied; on error nothing changes.
  Result<std::shared_ptr<const ZoneView>> rebuild(std::vector<OwnerChange> changes, const TargetSource* targets);
  // Computes every owner's output and builds the view from scratch.
  static Result<std::shared_ptr<const ZoneView>> full_view(Impl& m, const CompileOptions& options);
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<const ZoneView> view_;
  Stats stats_;
};

}  // namespace dnsedge::view
