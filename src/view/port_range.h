#pragma once
// The port range of a Spectrum app, as the edge's flags and config and the API's bodies write it.
//
// Thread safety: a pure function.

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace dnsedge::view {

// "25" → {25, 25}, "1000-2000" → {1000, 2000}; ports 1..65535, first <= last; nullopt otherwise.
std::optional<std::pair<uint16_t, uint16_t>> parse_port_range(std::string_view s);

}  // namespace dnsedge::view
