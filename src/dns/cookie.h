#pragma once
// DNS cookies (RFC 7873) with the interoperable server cookie of RFC 9018:
//
//   Server Cookie = Version (1) | Reserved (3) | Timestamp (4) | Hash (8)
//   Hash = SipHash-2-4(Client Cookie | Version | Reserved | Timestamp | Client-IP, Secret)
//
// Pure functions, no I/O, no heap: they run on the query path.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace dnsedge::dns::cookie {

inline constexpr uint16_t kOptionCode = 10;  // EDNS option COOKIE (RFC 7873 §4)
inline constexpr size_t kClientLen = 8;
inline constexpr size_t kServerLen = 16;      // the RFC 9018 server cookie
inline constexpr size_t kMinServerLen = 8;    // RFC 7873 §4: a server cookie has 8..32 octets
inline constexpr size_t kMaxServerLen = 32;
inline constexpr uint8_t kVersion = 1;
// RFC 9018 §4.3: a cookie is valid for an hour and may come from up to five minutes ahead of
// our clock; past half an hour a new one should be handed out (we always hand out a new one).
inline constexpr uint32_t kLifetime = 3600;
inline constexpr uint32_t kMaxSkew = 300;

using Secret = std::array<uint8_t, 16>;

// SipHash-2-4 (Aumasson and Bernstein, 2012) of `data` under the 128-bit `key`, as the
// little-endian 64-bit value the reference implementation outputs.
uint64_t siphash24(const Secret& key, std::span<const uint8_t> data) noexcept;

// RFC 7873 §5.2.2: the option holds a client cookie (8 octets) and optionally a server cookie
// of 8..32 octets; any other length is malformed (FORMERR).
constexpr bool well_formed_length(size_t len) noexcept {
  return len == kClientLen || (len >= kClientLen + kMinServerLen && len <= kClientLen + kMaxServerLen);
}

// Writes the 16-octet server cookie for `client` (8 octets) from `client_ip` (4 or 16 octets)
// at `timestamp` (seconds since the epoch, modulo 2^32) into `out`.
void make_server_cookie(const Secret& secret, const uint8_t* client, std::span<const uint8_t> client_ip,
                        uint32_t timestamp, uint8_t out[kServerLen]) noexcept;

// True when `server` (the octets after the client cookie) is a version-1 server cookie this
// `secret` made for `client` and `client_ip`, stamped within [now - kLifetime, now + kMaxSkew].
// The reserved octets are hashed as received.
bool server_cookie_valid(const Secret& secret, const uint8_t* client, std::span<const uint8_t> server,
                         std::span<const uint8_t> client_ip, uint32_t now) noexcept;

// The timestamp window of RFC 9018 §4.3 (serial-number arithmetic: the timestamp wraps).
constexpr bool timestamp_usable(uint32_t stamp, uint32_t now) noexcept {
  const uint32_t age = now - stamp;  // modulo 2^32
  return age <= kLifetime || static_cast<uint32_t>(stamp - now) <= kMaxSkew;
}

}  // namespace dnsedge::dns::cookie
