#pragma once
// Hashing of std::string_view keys (owner names, rdata) in the compiler's maps. On this
// toolchain absl::string_view is not std::string_view, so absl::Hash<std::string_view> falls back
// to std::hash (libstdc++'s _Hash_bytes); absl's own string hash is faster on short names.

#include <cstddef>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace dnsedge::view {

struct SvHash {
  size_t operator()(std::string_view s) const noexcept {
    return absl::Hash<absl::string_view>{}(absl::string_view(s.data(), s.size()));
  }
};

template <class V>
using SvMap = absl::flat_hash_map<std::string_view, V, SvHash>;
using SvSet = absl::flat_hash_set<std::string_view, SvHash>;

}  // namespace dnsedge::view
