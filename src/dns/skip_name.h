#pragma once
// Skipping a name in a message without reading it: the lenient walk that both the query
// classifier (dns/message.cc) and the transfer module's wire reader (xfr/wire.cc) use.

#include <cstddef>
#include <cstdint>
#include <span>

namespace dnsedge::dns {

// Skips a (possibly compressed) name at `off`; returns the offset after it or 0 on error.
inline size_t skip_name(std::span<const uint8_t> m, size_t off) noexcept {
  for (int labels = 0; labels < 128; ++labels) {
    if (off >= m.size()) return 0;
    const uint8_t len = m[off];
    if (len == 0) return off + 1;
    if ((len & 0xC0) == 0xC0) return off + 2 <= m.size() ? off + 2 : 0;
    if (len & 0xC0) return 0;
    off += 1 + len;
  }
  return 0;
}

}  // namespace dnsedge::dns
