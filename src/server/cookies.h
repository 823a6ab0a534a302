#pragma once
// The server secret of DNS cookies (RFC 7873 §7.1, RFC 9018): random at start (OpenSSL
// RAND_bytes) and replaced by a new random one at every rotation; the one before stays
// accepted, so a cookie handed out just before a rotation keeps its full hour of validity as
// long as rotations are at least that far apart.
//
// Thread safety: rotate() from one thread at a time; generation() and read() from any thread,
// lock-free. The last four secrets live in a ring of atomic words; a reader copies the two it
// needs after reading the generation, and a rotation writes the slot four generations old, so
// a reader sees a torn secret only if it stalls across three rotations (hours).

#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include <sys/socket.h>
#include <netinet/in.h>

#include "common/result.h"
#include "dns/cookie.h"

namespace dnsedge::server {

class CookieSecrets {
 public:
  struct Pair {
    dns::cookie::Secret current{};
    dns::cookie::Secret previous{};
    bool has_previous = false;
  };

  // Starts with `first` as the current secret and no previous one.
  explicit CookieSecrets(const dns::cookie::Secret& first) noexcept;
  // Starts with a random secret; fails only when the random generator does.
  static Result<dns::cookie::Secret> random_secret();

  // Installs `next` as the current secret; the current one becomes the previous.
  void rotate(const dns::cookie::Secret& next) noexcept;
  // Changes at every rotation: a reader copies the secrets again only when it moved.
  uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }
  Pair read() const noexcept;

 private:
  static constexpr unsigned kSlots = 4;
  void store(unsigned slot, const dns::cookie::Secret& s) noexcept;
  dns::cookie::Secret load(unsigned slot) const noexcept;

  std::array<std::array<std::atomic<uint64_t>, 2>, kSlots> slots_{};
  std::atomic<uint64_t> generation_{0};
};

// The client's address octets (4 or 16) from a socket address: what a server cookie is bound to.
inline std::span<const uint8_t> address_octets(const sockaddr_storage& peer) noexcept {
  if (peer.ss_family == AF_INET6) {
    const auto* sa = reinterpret_cast<const sockaddr_in6*>(&peer);
    return {reinterpret_cast<const uint8_t*>(&sa->sin6_addr), 16};
  }
  const auto* sa = reinterpret_cast<const sockaddr_in*>(&peer);
  return {reinterpret_cast<const uint8_t*>(&sa->sin_addr), 4};
}

}  // namespace dnsedge::server
