#pragma once
// The authoritative answer algorithm (RFC 1034 §4.3.2 with RFC 2308, 4592, 6891, 8482), as a
// pure function of (catalog, query bytes) → response bytes. No I/O, no locks, no heap, no
// exceptions: this is the query path.

#include <cstddef>
#include <cstdint>
#include <span>

#include "view/zone_view.h"

namespace dnsedge::auth {

enum class Transport : uint8_t { kUdp, kTcp };

// Largest response we ever build (TCP); UDP responses are limited by EDNS negotiation.
inline constexpr size_t kMaxResponse = 65535;

// Answers `query` into `out`. Returns the response length, or 0 when the query must be dropped
// (shorter than a header, or QR set). `out` must hold at least kMaxResponse bytes for TCP and
// at least dns::kMaxUdpPayload bytes for UDP. `query` and `out` must not overlap.
size_t answer(const view::Catalog& catalog, std::span<const uint8_t> query, std::span<uint8_t> out,
              Transport transport) noexcept;

}  // namespace dnsedge::auth
