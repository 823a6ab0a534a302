#pragma once
// Denial of existence records: the NSEC type bitmap (RFC 4034 §4.1.2) and the compact answers
// of RFC 9824, which need no chain and no zone walk: an NSEC at the query name whose next name
// is its immediate successor `\000.<name>`, with the bitmap {NSEC, RRSIG, NXNAME} for a name
// that does not exist, or the types the name has plus NSEC and RRSIG for NODATA.
//
// The *_into functions write into caller buffers and allocate nothing (for the query path).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace dnsedge::dnssec {

// The largest bitmap: 256 windows of 2 + 32 octets.
inline constexpr size_t kMaxBitmapSize = 256 * 34;
// NSEC rdata: a next name (255) and a bitmap.
inline constexpr size_t kMaxNsecRdataSize = 255 + kMaxBitmapSize;

// Writes the bitmap of `types` (any order; duplicates count once) into `out`; returns its length
// (0 for no types), or 0 when `out` is too small. kMaxBitmapSize always suffices.
size_t type_bitmap_into(std::span<const uint16_t> types, std::span<uint8_t> out) noexcept;
std::string type_bitmap(std::span<const uint16_t> types);

// The immediate successor of `name` (wire, lowercase) in canonical order (RFC 4034 §6.1):
// `\000.<name>` when that fits in 255 octets; otherwise the name with the last octet of its first
// label incremented (trailing 0xff octets dropped first), as RFC 4471 §3.1.2 does for names
// that cannot have children. Returns its length, 0 when none exists. REQUIRES: out holds 255.
size_t successor_into(std::string_view name, uint8_t* out) noexcept;

// NSEC rdata of a compact NXDOMAIN (RFC 9824 §3.1) at `qname`: next name successor(qname),
// types NSEC, RRSIG, NXNAME. Returns its length; 0 for a name with no successor.
// REQUIRES: out.size() >= kMaxNsecRdataSize, or at least 255 + 2 + 17 for this bitmap.
size_t nxname_nsec_into(std::string_view qname, std::span<uint8_t> out) noexcept;
// NSEC rdata of a compact NODATA at `name`: next name successor(name), the types that exist at
// the name plus NSEC and RRSIG. 0 when it does not fit or the name has no successor.
size_t nodata_nsec_into(std::string_view name, std::span<const uint16_t> types, std::span<uint8_t> out) noexcept;

[[nodiscard]] Result<std::string> nxname_nsec(std::string_view qname);
[[nodiscard]] Result<std::string> nodata_nsec(std::string_view name, std::span<const uint16_t> types);

}  // namespace dnsedge::dnssec
