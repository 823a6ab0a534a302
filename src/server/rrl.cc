#include "server/rrl.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <span>

#include "dns/types.h"

namespace dnsedge::server {
namespace {

// Bucket word: tag (14 bits) | stamp (10 bits, seconds modulo 1024) | count (20) | rate (20).
constexpr int kRateBits = 20, kCountBits = 20, kStampBits = 10, kTagBits = 14;
constexpr uint64_t kRateMask = (uint64_t{1} << kRateBits) - 1;
constexpr uint64_t kCountMask = (uint64_t{1} << kCountBits) - 1;
constexpr uint32_t kStampMask = (1u << kStampBits) - 1;
constexpr uint64_t kTagMask = (uint64_t{1} << kTagBits) - 1;
static_assert(kRateBits + kCountBits + kStampBits + kTagBits == 64);
// A compare-and-swap that keeps losing to other workers gives up (the response is sent).
constexpr int kCasAttempts = 8;

struct Bucket {
  uint32_t tag, stamp, count, rate;
  static Bucket unpack(uint64_t w) noexcept {
    return Bucket{static_cast<uint32_t>(w >> (kRateBits + kCountBits + kStampBits)),
                  static_cast<uint32_t>(w >> (kRateBits + kCountBits)) & kStampMask,
                  static_cast<uint32_t>((w >> kRateBits) & kCountMask), static_cast<uint32_t>(w & kRateMask)};
  }
  uint64_t pack() const noexcept {
    return (uint64_t{tag} & kTagMask) << (kRateBits + kCountBits + kStampBits) |
           (uint64_t{stamp} & kStampMask) << (kRateBits + kCountBits) | (uint64_t{count} & kCountMask) << kRateBits |
           (uint64_t{rate} & kRateMask);
  }
};

uint32_t saturate(uint64_t v) noexcept { return static_cast<uint32_t>(std::min<uint64_t>(v, kRateMask)); }

size_t round_up_pow2(size_t n) noexcept {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// The bits of `addr` (len octets) kept by a /prefix, the rest zero.
void apply_prefix(uint8_t* addr, size_t len, unsigned prefix) noexcept {
  for (size_t i = 0; i < len; ++i) {
    const unsigned bit = static_cast<unsigned>(i) * 8;
    if (bit >= prefix) {
      addr[i] = 0;
    } else if (prefix - bit < 8) {
      addr[i] &= static_cast<uint8_t>(0xff << (8 - (prefix - bit)));
    }
  }
}

}  // namespace

RrlTable::RrlTable(const RrlOptions& options, const dns::cookie::Secret& hash_key, size_t buckets)
    : options_(options), hash_key_(hash_key), mask_(round_up_pow2(std::max<size_t>(buckets, 2)) - 1) {
  options_.rate = std::min(options_.rate, kMaxRate);
  if (enabled()) buckets_ = std::make_unique<std::atomic<uint64_t>[]>(mask_ + 1);  // zero: empty buckets
}

uint64_t RrlTable::key(const sockaddr_storage& client, const auth::AnswerInfo& info) const noexcept {
  // family | prefix of the address | class | qtype | name (lowercase): at most 1+16+1+2+255.
  uint8_t buf[1 + 16 + 1 + 2 + dns::kMaxNameLen];
  size_t n = 0;
  if (client.ss_family == AF_INET6) {
    sockaddr_in6 sa;
    std::memcpy(&sa, &client, sizeof sa);
    buf[n++] = 6;
    std::memcpy(buf + n, &sa.sin6_addr, 16);
    apply_prefix(buf + n, 16, options_.ipv6_prefix);
    n += 16;
  } else {
    sockaddr_in sa;
    std::memcpy(&sa, &client, sizeof sa);
    buf[n++] = 4;
    std::memcpy(buf + n, &sa.sin_addr, 4);
    apply_prefix(buf + n, 4, options_.ipv4_prefix);
    n += 4;
  }
  buf[n++] = static_cast<uint8_t>(info.response);
  const bool typed = info.response == auth::ResponseClass::kAnswer || info.response == auth::ResponseClass::kNoData;
  const uint16_t qtype = typed ? info.qtype : 0;
  buf[n++] = static_cast<uint8_t>(qtype >> 8);
  buf[n++] = static_cast<uint8_t>(qtype);
  const size_t name_len = std::min(info.name_len, dns::kMaxNameLen);
  for (size_t i = 0; i < name_len; ++i) {
    const uint8_t c = info.name[i];
    buf[n++] = (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c;
  }
  return dns::cookie::siphash24(hash_key_, std::span<const uint8_t>(buf, n));
}

bool RrlTable::over(uint64_t key, uint32_t now) noexcept {
  if (!enabled()) return false;
  std::atomic<uint64_t>& slot = buckets_[key & mask_];
  // The tag comes from bits the slot index does not use.
  const uint32_t tag = static_cast<uint32_t>(key >> (64 - kTagBits));
  const uint32_t stamp = now & kStampMask;
  uint64_t old = slot.load(std::memory_order_relaxed);
  for (int attempt = 0; attempt < kCasAttempts; ++attempt) {
    Bucket b = Bucket::unpack(old);
    const uint32_t elapsed = (stamp - b.stamp) & kStampMask;
    if (old == 0 || b.tag != tag || elapsed >= kStampMask / 2) {
      // Another key (or an empty slot, or a stamp from the future): start over.
      b = Bucket{tag, stamp, 1, 0};
    } else if (elapsed == 0) {
      b.count = saturate(uint64_t{b.count} + 1);
    } else {
      // r = r/2 + count for the second that ended, halved for each second after it.
      const uint64_t r = elapsed > 20 ? 0 : (uint64_t{b.rate} / 2 + b.count) >> (elapsed - 1);
      b = Bucket{tag, stamp, 1, saturate(r)};
    }
    if (slot.compare_exchange_weak(old, b.pack(), std::memory_order_relaxed, std::memory_order_relaxed)) {
      // The larger of the rate and where it is heading this second: a sudden flood is cut
      // within its first second, after `rate` responses (NSD: over when above the limit).
      const uint64_t projected = b.count > b.rate / 2 ? uint64_t{b.count} + b.rate / 2 : b.rate;
      return projected > options_.rate;
    }
  }
  return false;
}

RrlAction RrlSlip::limited(uint32_t slip) noexcept {
  ++sequence_;
  if (slip != 0 && sequence_ % slip == 0) {
    bump(slipped_);
    return RrlAction::kSlip;
  }
  bump(dropped_);
  return RrlAction::kDrop;
}

RrlCounters RrlSlip::counters() const noexcept {
  RrlCounters c;
  c.slipped = slipped_.load(std::memory_order_relaxed);
  c.dropped = dropped_.load(std::memory_order_relaxed);
  c.limited = c.slipped + c.dropped;
  c.cookie_exempt = exempt_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace dnsedge::server
