#pragma once
// The NSEC chain of an online-signed zone, for its secondaries (RFC 4034 §4, RFC 4035 §2.3).
//
// dnsedge's own answers deny existence with compact NSECs made at query time (dnssec/denial.h)
// and allow no zone walking; a secondary, though, answers from the zone it transferred and
// needs a standard chain. Full transfers of a zone whose view has signing() carry one after the
// view's own records, and the IXFR deltas carry its changes:
//
//  - an NSEC at every authoritative owner and every delegation point (not at empty
//    non-terminals, glue or occluded names), in canonical order (RFC 4034 §6.1), the next name
//    of the last one being the apex;
//  - its type bitmap: the types at the name plus RRSIG and NSEC (a delegation point: NS and DS
//    only, plus RRSIG and NSEC);
//  - TTL: the zone's negative TTL, min(SOA TTL, SOA MINIMUM) (RFC 9077);
//  - each NSEC signed with the zone's ZSK and validity (signing()).
//
// Kept incrementally: a change re-signs only the NSECs of the names that changed and of their
// canonical predecessors. Everything else of a signed view (RRSIGs, DNSKEY, CDS, CDNSKEY) is in
// the view itself.
//
// Signatures are randomized (ECDSA), so a secondary can only apply a delta that removes the
// exact RRs it holds. The chain made for a view is therefore kept (SignedZones) and never made
// again for the same data; where a delta cannot be trusted to match what secondaries hold (the
// first change after a start, since a start signs everything again; a change of signed-ness; a
// delta larger than the zone, as a full re-sign after a key rollover), the journal records a
// barrier (Diff::full) and IXFR answers with a full transfer.
//
// Thread safety: NsecChain is not thread-safe; SignedZones locks and may be used from any thread.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "dnssec/sign.h"
#include "view/zone_view.h"
#include "xfr/journal.h"
#include "xfr/wire.h"

namespace dnsedge::xfr {

// The key under which `name` (wire, lowercase) sorts in canonical order (RFC 4034 §6.1) when
// compared as an octet string: labels from the root, each octet 0 escaped as 0 1 and each
// label closed by 0 0.
std::string canonical_key(std::string_view name);

// The types the NSEC at `node` of `z` lists (RRSIG and NSEC included, sorted), or nullopt when
// the name has no NSEC (no node, dead, an empty non-terminal, below a zone cut, NSEC3).
std::optional<std::vector<uint16_t>> nsec_types(const view::ZoneView& z, uint32_t node);

class NsecChain {
 public:
  NsecChain();
  ~NsecChain();
  NsecChain(const NsecChain&) = delete;
  NsecChain& operator=(const NsecChain&) = delete;

  // Brings the chain to view `z`, which must have signing() with a ZSK. `names`: the owners
  // whose data may have changed since the view the chain was made for (nullopt: any, so every
  // name of `z` and of the chain is compared). Re-signs the NSECs whose rdata changed, every
  // NSEC when the ZSK, the signer, the TTL or the validity policy changed, those whose
  // signatures need a refresh at `now` (dnssec::ValidityPolicy) and those that expire before
  // the view's signatures over its DNSKEY set (made before the view was last signed anew). The RRs (NSEC and RRSIG)
  // that left the chain go to `removed`, those that entered it to `added` (either may be null).
  Result<void> update(const view::ZoneView& z, const std::optional<std::vector<std::string>>& names, int64_t now,
                      std::vector<Rr>* removed, std::vector<Rr>* added);

  // Every NSEC and RRSIG(NSEC), owners in canonical order.
  void append_records(std::vector<Rr>& out) const;
  size_t size() const noexcept { return entries_.size(); }
  // NSECs signed so far (for tests and measurements).
  uint64_t signatures() const noexcept { return signatures_; }

 private:
  struct Entry {
    std::string owner;   // wire
    std::string rdata;   // NSEC rdata: next name, bitmap
    std::string bitmap;  // the types at the owner (rdata without the next name)
    std::string rrsig;   // RRSIG rdata over it (empty: not signed yet)
    uint32_t ttl = 0;    // what it was signed with
    dnssec::Validity validity;
  };
  Result<void> sign(Entry& e);
  void emit(const Entry& e, std::vector<Rr>* out) const;

  std::map<std::string, Entry> entries_;  // canonical_key(owner) → entry
  dnssec::Signer signer_;
  const dnssec::Key* zsk_ = nullptr;  // during update(): the view's ZSK
  // What the signatures were made with: a change re-signs everything.
  std::string signer_name_, zsk_dnskey_;
  uint32_t ttl_ = 0;
  dnssec::ValidityPolicy policy_;
  dnssec::Validity now_validity_;  // the validity of signatures made in this update()
  dnssec::Validity oldest_;        // a lower bound of the validity of every kept signature
  uint64_t signatures_ = 0;
  bool built_ = false;
};

// The NSEC chains of the signed zones a process serves, keyed by apex, with the view each one
// was made for and the last few changes (so a transfer of a view published just before the
// chain moved on still gets that view's chain).
class SignedZones {
 public:
  // The process's instance: the controller's journal (app::journal_encode) and the transfer
  // service share it.
  static SignedZones& global();

  // The IXFR delta from `before` to `after` (the controller calls this on its writer thread for
  // each change it journals): diff_views() plus the NSEC chain's changes for a signed zone, or
  // a barrier (Diff::full) where the delta cannot be trusted to match what the secondaries hold
  // (see above). Unsigned zones: diff_views() as it is.
  Diff diff(const view::ZoneView& before, const view::ZoneView& after, int64_t now);

  // The NSEC and RRSIG(NSEC) RRs of `z` for a full transfer (empty for a zone without
  // signing()). Fails when the zone's keys do not load (signing()->unusable) or it has no ZSK.
  Result<std::vector<Rr>> chain_records(const view::ZoneView& z, int64_t now);

  // Forgets every zone (tests).
  void clear();
  // Signatures the chain of the zone at `apex` (wire) made so far (tests, benchmarks).
  uint64_t signatures(std::string_view apex);

 private:
  struct Step {
    uint64_t from_view = 0;
    std::vector<Rr> removed, added;  // the chain's RRs that left and entered
  };
  struct Zone {
    NsecChain chain;
    uint64_t view = 0;            // the view the chain is made for
    uint64_t journaled_view = 0;  // the `after` of the last delta journaled (0: none yet)
    std::deque<Step> steps;       // newest last; steps.back() led to `view`
  };
  static constexpr size_t kSteps = 4;
  // Brings z's chain to `v`; its change into `step` (when given).
  Result<void> advance(Zone& zone, const view::ZoneView& v, std::optional<std::vector<std::string>> names, int64_t now,
                       Step* step);

  common::Mutex mu_;
  std::map<std::string, Zone> zones_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dnsedge::xfr
