#pragma once
// What one zone is signed with online: the keys, the DNSKEY set and the signature timing. The
// controller builds it from the zone's stored keys and rollover state (control/
// controller_dnssec.cc) and hands it to the view compiler (view::CompileOptions::signing); the
// served view keeps it (view::ZoneView::signing()) so that answers made at query time (wildcard
// expansions, compact denial) are signed with the same key and validity as the static ones.
//
// Thread safety: immutable once built; shared by the views compiled with it and every worker
// (Keys may sign from many threads at once, each with its own dnssec::Signer).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dnssec/key.h"
#include "dnssec/policy.h"

namespace dnsedge::dnssec {

struct ZoneSigning {
  std::string apex;           // the signer name: wire form, lowercase
  std::vector<Key> ksks;      // sign the apex DNSKEY, CDS and CDNSKEY sets (flags 257)
  std::optional<Key> zsk;     // signs every other RRset (the active ZSK of the rollover)
  std::vector<Key> dnskeys;   // every key whose DNSKEY is published: KSKs, then published,
                              // active and retiring ZSKs (dnssec::dnskey_set)
  uint32_t dnskey_ttl = 3600; // TTL of the apex DNSKEY, CDS and CDNSKEY sets
  ValidityPolicy validity;    // inception/expiration of every signature made with these keys
  // The time signatures are made at (ValidityPolicy::at): the controller's clock (a fake one in
  // tests). Null: the system clock. Must outlive every view compiled with this signing.
  const Clock* clock = nullptr;
  // Non-empty: the zone was signed but its keys do not load now. A signed zone never turns
  // unsigned silently (validators would reject it): it answers SERVFAIL until the keys are back.
  std::string unusable;
};

}  // namespace dnsedge::dnssec
