#pragma once
// Which NSEC or NSEC3 records prove an answer of a signed zone (RFC 4035 §3.1.3, RFC 5155
// §7.2), chosen as Knot DNS chooses them: the nodes whose NSEC/NSEC3 RRset (with its RRSIGs) goes
// into the authority section. Selection only; answer.cc writes them. Allocation-free.

#include <cstdint>
#include <string_view>

#include "view/zone_view.h"

namespace dnsedge::auth::denial {

// The proof of one answer: distinct NSEC (or NSEC3) nodes, in the order they were chosen.
struct Proof {
  static constexpr int kMax = 12;
  uint32_t nodes[kMax];
  int count = 0;
  void add(uint32_t node) noexcept;
};

// `name` does not exist; `encloser` is its closest encloser (an existing name). NSEC: the NSEC
// covering the name and the one covering the wildcard at the encloser. NSEC3: the closest
// encloser's, the next closer name's covering one, the wildcard's covering one.
void nxdomain(const view::ZoneView& z, std::string_view name, std::string_view encloser, Proof& p) noexcept;
// `name` exists (`node`, or kNone for a name without its own NSEC/NSEC3, e.g. an empty
// non-terminal or an opt-out delegation) but not with the type asked for.
void nodata(const view::ZoneView& z, std::string_view name, uint32_t node, Proof& p) noexcept;
// `name` was synthesized from the wildcard node `wildcard` (RFC 4592): no closer match exists.
void wildcard_answer(const view::ZoneView& z, std::string_view name, uint32_t wildcard, Proof& p) noexcept;
// ... and the wildcard lacks the type asked for.
void wildcard_nodata(const view::ZoneView& z, std::string_view name, uint32_t wildcard, Proof& p) noexcept;
// A referral to the unsigned delegation at `cut` (no DS): the cut's NSEC/NSEC3, or under NSEC3
// opt-out the closest provable encloser's and the next closer name's covering one.
void no_ds(const view::ZoneView& z, uint32_t cut, Proof& p) noexcept;

}  // namespace dnsedge::auth::denial
