#include "auth/online_sign.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <ctime>
#include <random>

#include "dns/types.h"
#include "dnssec/denial.h"

namespace dnsedge::auth {

struct OnlineSigner::Entry {
  uint64_t h1 = 0, h2 = 0;  // 0, 0: empty
  uint64_t used = 0;        // tick of the last use (eviction)
  dnssec::Validity validity;
  uint16_t len = 0;
  uint8_t rdata[kMaxRrsig];
};

namespace {

constexpr size_t kMaxViews = 1024;

// Seeded 64-bit hash, fed piece by piece (8 octets at a time, then the tail).
struct Hasher {
  uint64_t h;
  static uint64_t mix(uint64_t x) noexcept {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
  }
  void word(uint64_t w) noexcept { h = mix(h ^ w) + 0x9e3779b97f4a7c15ULL; }
  void bytes(const void* p, size_t n) noexcept {
    const auto* b = static_cast<const uint8_t*>(p);
    word(n);
    for (; n >= 8; n -= 8, b += 8) {
      uint64_t w;
      std::memcpy(&w, b, 8);
      word(w);
    }
    uint64_t w = 0;
    std::memcpy(&w, b, n);
    word(w);
  }
};

uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

bool signed_by_ksk(uint16_t type) noexcept {
  return type == dns::rrtype::kDNSKEY || type == dnssec::rrtype::kCDS || type == dnssec::rrtype::kCDNSKEY;
}

}  // namespace

OnlineSigner::OnlineSigner(OnlineSignerOptions o) : opts_(o) {
  const size_t entries = std::bit_ceil(std::max(o.cache_entries, kWays));
  sets_ = entries / kWays;
  entries_ = std::make_unique<Entry[]>(entries);
  arena_ = std::make_unique<uint8_t[]>(kPerAnswer * kMaxRrsig);
  nsec_ = std::make_unique<uint8_t[]>(dnssec::kMaxNsecRdataSize);
  views_ = std::make_unique<std::string_view[]>(kMaxViews);
  views_cap_ = kMaxViews;
  tokens_ = static_cast<double>(o.burst);
  seed1_ = random_seed();
  seed2_ = random_seed() | 1;
}

OnlineSigner::~OnlineSigner() = default;

int64_t OnlineSigner::now() const noexcept {
  if (fixed_now_ != 0) return fixed_now_;
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return ts.tv_sec;
}

std::span<uint8_t> OnlineSigner::nsec_scratch() noexcept { return {nsec_.get(), dnssec::kMaxNsecRdataSize}; }

std::span<std::string_view> OnlineSigner::rdata_views(size_t n) noexcept {
  if (n > views_cap_) return {};
  return {views_.get(), n};
}

int64_t OnlineSigner::monotonic_coarse_ms() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  // Never 0 (0: a clock never set, see protecting()).
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000 + 1;
}

void OnlineSigner::set_budget(uint32_t per_second) noexcept {
  opts_.fresh_per_second = per_second;
  opts_.burst = per_second;
  tokens_ = static_cast<double>(per_second);
}

bool OnlineSigner::take_token(int64_t now) noexcept {
  if (opts_.fresh_per_second == 0) return true;  // no budget
  if (now > last_refill_) {
    const double add = static_cast<double>(now - last_refill_) * opts_.fresh_per_second;
    tokens_ = std::min(static_cast<double>(opts_.burst), tokens_ + add);
    last_refill_ = now;
  }
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

OnlineSigner::Status OnlineSigner::sign(const dnssec::ZoneSigning& zs, const dnssec::RRsetRef& rrset,
                                        Sig& out) noexcept {
  const dnssec::Key* key = nullptr;
  if (signed_by_ksk(rrset.type) && !zs.ksks.empty()) {
    key = &zs.ksks.front();
  } else if (zs.zsk) {
    key = &*zs.zsk;
  }
  if (key == nullptr || !key->has_private() || !zs.unusable.empty() || used_ >= kPerAnswer ||
      dnssec::rrsig_rdata_size(zs.apex.size()) > kMaxRrsig) {
    ++stats_.errors;
    return Status::kError;
  }
  // The cache key: everything the signature depends on but the time.
  Hasher a{seed1_}, b{seed2_};
  for (Hasher* h : {&a, &b}) {
    h->bytes(zs.apex.data(), zs.apex.size());
    h->bytes(key->public_key().data(), key->public_key().size());
    h->bytes(rrset.owner.data(), rrset.owner.size());
    h->word(static_cast<uint64_t>(rrset.type) << 32 | rrset.ttl);
    for (const std::string_view rd : rrset.rdatas) h->bytes(rd.data(), rd.size());
  }
  const uint64_t h1 = a.h | 1;  // never the empty entry
  const uint64_t h2 = b.h;
  Entry* set = &entries_[((h1 >> 7) & (sets_ - 1)) * kWays];
  // The zone's clock when it has one (the controller's: a fake one in tests), so that query-time
  // signatures share the validity of the static ones.
  const int64_t now = fixed_now_ == 0 && zs.clock != nullptr ? dnssec::unix_seconds(*zs.clock) : this->now();
  uint8_t* slot = arena_.get() + used_ * kMaxRrsig;
  Entry* victim = &set[0];
  for (size_t i = 0; i < kWays; ++i) {
    Entry& e = set[i];
    if (e.h1 == h1 && e.h2 == h2) {
      if (!zs.validity.needs_refresh(e.validity, now)) {
        e.used = ++tick_;
        std::memcpy(slot, e.rdata, e.len);
        out = Sig{slot, e.len};
        ++used_;
        ++stats_.hits;
        return Status::kOk;
      }
      victim = &e;
      break;
    }
    if (e.used < victim->used) victim = &e;
  }
  missed_ = true;
  bool unbudgeted = false;
  if (!take_token(now)) {
    if (protecting()) {
      ++stats_.over_budget;
      return Status::kBudget;
    }
    unbudgeted = true;  // nothing else wants the worker: signed at its own speed
  }
  const dnssec::Validity v = zs.validity.at(now);
  auto n = signer_.sign(rrset, *key, zs.apex, v, std::span<uint8_t>(slot, kMaxRrsig));
  if (!n) {
    ++stats_.errors;
    return Status::kError;
  }
  Entry& e = *victim;
  e.h1 = h1;
  e.h2 = h2;
  e.used = ++tick_;
  e.validity = v;
  e.len = static_cast<uint16_t>(*n);
  std::memcpy(e.rdata, slot, *n);
  out = Sig{slot, e.len};
  ++used_;
  ++stats_.fresh;
  if (unbudgeted) ++stats_.unbudgeted;
  return Status::kOk;
}

OnlineSigner& thread_online_signer() {
  thread_local OnlineSigner signer(OnlineSignerOptions{.cache_entries = 1024});
  return signer;
}

}  // namespace dnsedge::auth
