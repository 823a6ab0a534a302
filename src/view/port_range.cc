#include "view/port_range.h"

#include <charconv>

namespace dnsedge::view {
namespace {

std::optional<unsigned> parse_uint(std::string_view s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::pair<uint16_t, uint16_t>> parse_port_range(std::string_view s) {
  const size_t dash = s.find('-');
  auto a = parse_uint(s.substr(0, dash));
  auto b = dash == std::string_view::npos ? a : parse_uint(s.substr(dash + 1));
  if (!a || !b || *a < 1 || *b > 65535 || *a > *b) return std::nullopt;
  return std::pair{static_cast<uint16_t>(*a), static_cast<uint16_t>(*b)};
}

}  // namespace dnsedge::view
