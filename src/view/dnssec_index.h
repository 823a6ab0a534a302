#pragma once
// The DNSSEC data of a signed zone, indexed when its view is compiled so that an answer to a
// query with DO=1 finds what it needs without allocating:
//  - the RRSIGs covering type T at node N: the node's RRSIG RRset, whose RRs are kept in
//    canonical rdata order and so grouped by type covered (ZoneView::signatures());
//  - NSEC denial (RFC 4034): the nodes holding an NSEC RRset in canonical name order
//    (RFC 4034 §6.1), for the NSEC that matches or covers a name;
//  - NSEC3 denial (RFC 5155): the NSEC3 nodes ordered by hashed owner, kept out of the name index
//    (a hashed owner is not a name of the zone), and the NSEC3PARAM hash parameters.
// Signatures made online (view/signing.cc) are stored in the same place (the node's RRSIG RRset).

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace dnsedge::view {

// NSEC3 iterations above this are refused at load: every NXDOMAIN and NODATA answer hashes the
// query name up to three times. RFC 9276 §3.1 asks for 0; BIND refuses to sign with more than
// 150, and validators treat more as insecure (RFC 9276 §3.2).
inline constexpr uint16_t kMaxNsec3Iterations = 150;
// Length of a SHA-1 NSEC3 hash in base32hex (RFC 4648 §7): the first label of an NSEC3 owner.
inline constexpr size_t kNsec3LabelLen = 32;

struct DnssecIndex {
  bool is_signed = false;  // the zone holds RRSIGs: DO=1 answers carry them and a denial proof
  bool nsec3 = false;      // denial by NSEC3 (RFC 5155), else by NSEC
  // Signed online (CompileOptions::signing): the RRSIGs were made when the view was compiled or
  // patched (view/signing.cc), there is no NSEC chain, and denial is made at query time.
  bool online = false;
  // Signed online but the keys do not load (ZoneSigning::unusable): every query answers
  // SERVFAIL; the zone is never served unsigned.
  bool unusable = false;
  uint16_t nsec3_iterations = 0;
  uint8_t nsec3_salt_len = 0;
  uint8_t nsec3_salt[255] = {};
  std::vector<uint32_t> nsec_chain;   // nodes with an NSEC RRset, in canonical name order
  std::vector<uint32_t> nsec3_chain;  // nodes with an NSEC3 RRset, by hashed owner (base32hex order)
};

// RFC 4034 §6.1 canonical order of two lowercase wire names: <0, 0, >0.
int canonical_compare(std::string_view a, std::string_view b) noexcept;

// The NSEC3 hash (RFC 5155 §5, SHA-1) of the lowercase wire name `name` with the zone's
// iterations and salt, written as the base32hex label of an NSEC3 owner (lowercase) into `out`.
// Allocation-free.
void nsec3_label(std::string_view name, const DnssecIndex& d, uint8_t out[kNsec3LabelLen]) noexcept;

}  // namespace dnsedge::view
