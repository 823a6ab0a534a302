#pragma once
// IP addresses and endpoints as the edge stores them: plain values, no Asio, no sockaddr.
//
// Thread safety: values; no shared state.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnsedge::edge {

struct IpAddress {
  uint8_t family = 4;  // 4 or 6
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4 octets

  // "192.0.2.1" or "2001:db8::1" (no brackets). nullopt when it is neither.
  static std::optional<IpAddress> parse(std::string_view text);
  // From A/AAAA rdata (4 or 16 octets). nullopt for any other length.
  static std::optional<IpAddress> from_rdata(std::string_view rdata);
  std::string to_string() const;
  size_t size() const noexcept { return family == 4 ? 4 : 16; }
  // The address as A/AAAA rdata (4 or 16 octets), a view into `bytes`.
  std::string_view rdata() const noexcept { return {reinterpret_cast<const char*>(bytes.data()), size()}; }
  bool operator==(const IpAddress&) const = default;
};

struct IpEndpoint {
  IpAddress addr;
  uint16_t port = 0;

  // "192.0.2.1:25", "[2001:db8::1]:25", optionally prefixed by "tcp://". nullopt otherwise.
  static std::optional<IpEndpoint> parse(std::string_view text);
  std::string to_string() const;  // "192.0.2.1:25", "[2001:db8::1]:25"
  bool operator==(const IpEndpoint&) const = default;
};

// An address block, "127.0.0.64/28" or "2001:db8:e::/64".
struct IpPrefix {
  IpAddress base;  // host bits cleared
  unsigned length = 0;

  static std::optional<IpPrefix> parse(std::string_view text);
  bool contains(const IpAddress& a) const noexcept;
  // Number of addresses, capped at 2^32.
  uint64_t size() const noexcept;
  // base + offset (offset < size()).
  IpAddress at(uint64_t offset) const noexcept;
  std::string to_string() const;
  bool operator==(const IpPrefix&) const = default;
};

}  // namespace dnsedge::edge
