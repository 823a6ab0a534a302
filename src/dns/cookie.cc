#include "dns/cookie.h"

#include <cstring>

namespace dnsedge::dns::cookie {
namespace {

inline uint64_t rotl(uint64_t x, int b) noexcept { return (x << b) | (x >> (64 - b)); }

inline uint64_t load_le64(const uint8_t* p) noexcept {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

struct SipState {
  uint64_t v0, v1, v2, v3;
  void round() noexcept {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void compress(uint64_t m) noexcept {  // c = 2 rounds per message word
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

// Client Cookie | Version | Reserved | Timestamp | Client-IP: at most 8 + 8 + 16 octets.
size_t hash_input(const uint8_t* client, const uint8_t head[8], std::span<const uint8_t> ip,
                  uint8_t buf[32]) noexcept {
  std::memcpy(buf, client, kClientLen);
  std::memcpy(buf + 8, head, 8);
  const size_t n = ip.size() <= 16 ? ip.size() : 16;
  std::memcpy(buf + 16, ip.data(), n);
  return 16 + n;
}

}  // namespace

uint64_t siphash24(const Secret& key, std::span<const uint8_t> data) noexcept {
  const uint64_t k0 = load_le64(key.data());
  const uint64_t k1 = load_le64(key.data() + 8);
  SipState s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
             k1 ^ 0x7465646279746573ull};
  const uint8_t* p = data.data();
  const size_t len = data.size();
  const size_t whole = len & ~static_cast<size_t>(7);
  for (size_t i = 0; i < whole; i += 8) s.compress(load_le64(p + i));
  // The last word: the remaining octets, and the length modulo 256 in the top octet.
  uint64_t last = static_cast<uint64_t>(len & 0xff) << 56;
  for (size_t i = 0; i < (len & 7); ++i) last |= static_cast<uint64_t>(p[whole + i]) << (8 * i);
  s.compress(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();  // d = 4 finalization rounds
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

void make_server_cookie(const Secret& secret, const uint8_t* client, std::span<const uint8_t> client_ip,
                        uint32_t timestamp, uint8_t out[kServerLen]) noexcept {
  out[0] = kVersion;
  out[1] = out[2] = out[3] = 0;
  out[4] = static_cast<uint8_t>(timestamp >> 24);
  out[5] = static_cast<uint8_t>(timestamp >> 16);
  out[6] = static_cast<uint8_t>(timestamp >> 8);
  out[7] = static_cast<uint8_t>(timestamp);
  uint8_t buf[32];
  const size_t n = hash_input(client, out, client_ip, buf);
  const uint64_t h = siphash24(secret, std::span<const uint8_t>(buf, n));
  // The hash goes on the wire as the reference implementation's output octets (little endian).
  for (int i = 0; i < 8; ++i) out[8 + i] = static_cast<uint8_t>(h >> (8 * i));
}

bool server_cookie_valid(const Secret& secret, const uint8_t* client, std::span<const uint8_t> server,
                         std::span<const uint8_t> client_ip, uint32_t now) noexcept {
  if (server.size() != kServerLen || server[0] != kVersion) return false;
  const uint32_t stamp = static_cast<uint32_t>(server[4]) << 24 | static_cast<uint32_t>(server[5]) << 16 |
                         static_cast<uint32_t>(server[6]) << 8 | server[7];
  if (!timestamp_usable(stamp, now)) return false;
  uint8_t buf[32];
  const size_t n = hash_input(client, server.data(), client_ip, buf);
  const uint64_t h = siphash24(secret, std::span<const uint8_t>(buf, n));
  uint8_t want[8];
  for (int i = 0; i < 8; ++i) want[i] = static_cast<uint8_t>(h >> (8 * i));
  // Constant time: an attacker learns nothing from how long a wrong cookie took to reject.
  uint8_t diff = 0;
  for (int i = 0; i < 8; ++i) diff |= static_cast<uint8_t>(want[i] ^ server[8 + i]);
  return diff == 0;
}

}  // namespace dnsedge::dns::cookie
