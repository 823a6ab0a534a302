#pragma once
// ASCII case folding, the one used for DNS names, header names, tags and CLI words: 'A'..'Z'
// become 'a'..'z' and every other byte (UTF-8 included) is kept. Independent of the locale.

#include <string>
#include <string_view>

namespace dnsedge::common {

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

// A lowercased copy of `s`.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

}  // namespace dnsedge::common
