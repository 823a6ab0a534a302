#pragma once
// Hashing of std::string_view keys (owner names, rdata) in the compiler's maps and the view's
// name index. On this toolchain absl::string_view is not std::string_view, so
// absl::Hash<std::string_view> falls back to std::hash (libstdc++'s _Hash_bytes, out of line).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace dnsedge::view {

// Owner names and rdata are short (mostly 8-40 bytes): an inline multiply-fold hash (wyhash's
// "mum" step) over 8-byte words costs a fraction of the out-of-line absl/std string hash, and its
// output is well mixed in every bit, as absl's tables need (H2 takes the low 7 bits).
struct SvHash {
  static uint64_t mum(uint64_t a, uint64_t b) noexcept {
    const __uint128_t m = static_cast<__uint128_t>(a) * b;
    return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
  }
  size_t operator()(std::string_view s) const noexcept {
    constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull, k2 = 0x8ebc6af09c88c6e3ull;
    const char* p = s.data();
    size_t n = s.size();
    uint64_t h = k0 ^ (static_cast<uint64_t>(n) * k2);
    for (; n >= 8; n -= 8, p += 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      h = mum(h ^ w, k1);
    }
    if (n > 0) {
      uint64_t w = 0;
      std::memcpy(&w, p, n);
      h = mum(h ^ w ^ (static_cast<uint64_t>(n) << 59), k1);
    }
    return static_cast<size_t>(mum(h, k2));
  }
};

template <class V>
using SvMap = absl::flat_hash_map<std::string_view, V, SvHash>;
using SvSet = absl::flat_hash_set<std::string_view, SvHash>;

}  // namespace dnsedge::view
