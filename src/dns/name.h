#pragma once
// Domain names in wire form (RFC 1035 §3.1): a sequence of length-prefixed labels ending with
// the zero-length root label. "www.Example.com." is \3www\7Example\3com\0 (17 octets).
//
// Names stored by dnsedge are uncompressed, absolute and lowercased (ASCII only, RFC 4343);
// the question name of a response keeps the client's case (it is copied from the query).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dns/types.h"

namespace dnsedge::dns {

constexpr uint8_t ascii_lower(uint8_t c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c;
}

// Reads a possibly compressed name from `msg` at `*pos` into `out` (uncompressed, lowercased
// when `lower`). On success returns the name's length (>= 1) and advances `*pos` past the name
// as it appears at that position. Returns 0 on any error: truncation, label > 63, name > 255,
// forward or looping compression pointers, reserved label types. Never reads outside `msg`.
size_t read_name(std::span<const uint8_t> msg, size_t* pos, uint8_t out[kMaxNameLen],
                 bool lower) noexcept;

// Length of a well-formed uncompressed wire name starting at `p` (no bounds: trusted data).
size_t name_length(const uint8_t* p) noexcept;
// Number of labels, not counting the root label ("www.example.com." -> 3).
unsigned label_count(const uint8_t* p) noexcept;
// True when `name` equals `zone` or lies below it. Both lowercase, uncompressed.
bool is_subdomain(std::string_view name, std::string_view zone) noexcept;
// The name without its first label; the root stays the root.
std::string_view parent(std::string_view name) noexcept;

// Presentation form, absolute with a trailing dot, RFC 1035 §5.1 escapes ("\032", "\.").
std::string name_to_text(std::string_view wire);
// Parses presentation form. Relative names are completed with `origin` (wire form); "@" is the
// origin. The result is lowercased.
Result<std::string> name_from_text(std::string_view text, std::string_view origin = {});

inline std::string_view as_view(const uint8_t* p, size_t n) noexcept {
  return {reinterpret_cast<const char*>(p), n};
}
inline const uint8_t* as_bytes(std::string_view s) noexcept {
  return reinterpret_cast<const uint8_t*>(s.data());
}

}  // namespace dnsedge::dns
