#include "server/cookies.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <cstring>
#include <string>

namespace dnsedge::server {

CookieSecrets::CookieSecrets(const dns::cookie::Secret& first) noexcept { store(0, first); }

Result<dns::cookie::Secret> CookieSecrets::random_secret() {
  dns::cookie::Secret s{};
  if (RAND_bytes(s.data(), static_cast<int>(s.size())) != 1) {
    char why[256];
    ERR_error_string_n(ERR_get_error(), why, sizeof why);
    return make_error(std::string("cannot make a DNS cookie secret: RAND_bytes: ") + why);
  }
  return s;
}

void CookieSecrets::store(unsigned slot, const dns::cookie::Secret& s) noexcept {
  uint64_t w[2];
  std::memcpy(w, s.data(), sizeof w);
  slots_[slot % kSlots][0].store(w[0], std::memory_order_relaxed);
  slots_[slot % kSlots][1].store(w[1], std::memory_order_relaxed);
}

dns::cookie::Secret CookieSecrets::load(unsigned slot) const noexcept {
  const uint64_t w[2] = {slots_[slot % kSlots][0].load(std::memory_order_relaxed),
                         slots_[slot % kSlots][1].load(std::memory_order_relaxed)};
  dns::cookie::Secret s;
  std::memcpy(s.data(), w, sizeof w);
  return s;
}

void CookieSecrets::rotate(const dns::cookie::Secret& next) noexcept {
  const uint64_t g = generation_.load(std::memory_order_relaxed);
  store(static_cast<unsigned>((g + 1) % kSlots), next);
  generation_.store(g + 1, std::memory_order_release);  // publishes the slot written above
}

CookieSecrets::Pair CookieSecrets::read() const noexcept {
  const uint64_t g = generation();
  Pair p;
  p.current = load(static_cast<unsigned>(g % kSlots));
  if (g > 0) {
    p.previous = load(static_cast<unsigned>((g - 1) % kSlots));
    p.has_previous = true;
  }
  return p;
}

}  // namespace dnsedge::server
