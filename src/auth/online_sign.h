#pragma once
// Signatures made at query time for zones signed online (view::ZoneView::signing()): wildcard
// expansions, the compact NSEC records of negative answers (RFC 9824) and any RRset the view
// holds no static RRSIG for.
//
// One OnlineSigner per worker thread, passed to auth::answer(). It owns a dnssec::Signer, a
// bounded signature cache and a budget of fresh signatures, all allocated when it is made:
//
// - The cache is set-associative (kWays entries per set, the least recently used one evicted)
//   and keyed by a 128-bit digest of (zone apex, signing key, owner, type, TTL, rdata), not by
//   the view: a patch keeps the cached signatures of the names it did not change, and a new key
//   or new data misses. An entry is made again once the validity policy says it needs refresh.
// - The budget is a token bucket of fresh signatures (cache misses) per second, and it only
//   applies while other answers compete for the worker. answer() tells the signer about every
//   answer it makes (end_answer()); one that needed no fresh signature (static or cached
//   signatures, DO=0, another zone) is "cheap". With the bucket empty, a fresh signature is
//   refused (answer() then replies TC=1 over UDP, SERVFAIL over TCP) while a cheap answer was
//   made in the last protect_ms, so answers served from static or cached signatures keep their
//   share of the CPU; with none to protect, it is made anyway (Stats::unbudgeted) and signing
//   is limited by the worker's speed alone. A flood of random names beyond the worker's
//   capacity makes the kernel drop queries of every kind; the first legitimate answer that
//   gets through turns the budget back on for protect_ms, past-budget answers become cheap
//   TC=1 ones again, the worker catches up and the drops stop. The window is read from a
//   monotonic clock the caller sets (set_monotonic_ms(), once per batch: the answer path reads
//   no clock for it); a signer whose clock is never set treats every cheap answer as recent,
//   i.e. applies the budget for good once one was seen.
//
// Once the Signer's scratch has grown to the largest RRset signed, sign() allocates nothing
// (OpenSSL's ECDSA takes its own bignum temporaries through CRYPTO_malloc). Not thread safe:
// one per thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "dnssec/sign.h"
#include "dnssec/zone_signing.h"

namespace dnsedge::auth {

struct OnlineSignerOptions {
  size_t cache_entries = 8192;       // rounded up to a power of two, at least kWays
  uint32_t fresh_per_second = 8000;  // cache misses signed per second (the bucket's refill); 0: no budget
  uint32_t burst = 8000;             // the bucket's size
  uint32_t protect_ms = 1000;        // the budget applies this long after a cheap answer
};

class OnlineSigner {
 public:
  static constexpr size_t kWays = 4;
  // The largest RRSIG rdata: signer name of 255 octets.
  static constexpr size_t kMaxRrsig = dnssec::rrsig_rdata_size(255);
  // Signatures made at query time one answer can hold (more: SERVFAIL, or for the additional
  // section, left out).
  static constexpr size_t kPerAnswer = 64;

  explicit OnlineSigner(OnlineSignerOptions o = {});
  ~OnlineSigner();
  OnlineSigner(const OnlineSigner&) = delete;
  OnlineSigner& operator=(const OnlineSigner&) = delete;

  enum class Status : uint8_t { kOk, kBudget, kError };
  struct Sig {
    const uint8_t* data = nullptr;  // RRSIG rdata, valid until the next begin_answer()
    uint16_t len = 0;
  };

  // Starts an answer: the signatures of the previous one are released.
  void begin_answer() noexcept { used_ = 0; }
  // Ends an answer (any answer of this worker, signed online or not): one that needed no fresh
  // signature (no cache miss in sign()) is cheap, and keeps the budget applied for protect_ms.
  void end_answer() noexcept {
    if (missed_) {
      missed_ = false;
    } else {
      last_cheap_ms_ = mono_ms_;
      seen_cheap_ = true;
      ++stats_.cheap;
    }
  }
  // The monotonic clock, in milliseconds, of the budget's protection window; the worker sets
  // it once per batch of queries (monotonic_coarse_ms()), tests set it at will.
  void set_monotonic_ms(int64_t ms) noexcept { mono_ms_ = ms; }
  static int64_t monotonic_coarse_ms() noexcept;
  // Changes the budget (fresh signatures per second while cheap answers compete, and the
  // bucket's size; 0: no budget). Before the first answer.
  void set_budget(uint32_t per_second) noexcept;
  // Whether, now, a fresh signature past an empty bucket would be refused.
  bool protecting() const noexcept {
    return seen_cheap_ && (mono_ms_ == 0 || mono_ms_ - last_cheap_ms_ < static_cast<int64_t>(opts_.protect_ms));
  }
  // The RRSIG rdata over `rrset` (owner in wire form, lowercase) made with the zone's ZSK (its
  // KSK for DNSKEY, CDS and CDNSKEY), from the cache or fresh. kBudget: no fresh signature is
  // allowed now; kError: the zone has no usable key, the RRset does not sign, or the answer
  // holds kPerAnswer signatures already.
  Status sign(const dnssec::ZoneSigning& zs, const dnssec::RRsetRef& rrset, Sig& out) noexcept;

  // Scratch for one rdata built at query time (an NSEC), kept until the next begin_answer().
  std::span<uint8_t> nsec_scratch() noexcept;
  // Room for the rdata views of an RRset of `n` records; empty when n is larger than it holds.
  std::span<std::string_view> rdata_views(size_t n) noexcept;

  // The clock (unix seconds) signatures are made at; 0 (the default): the zone's clock
  // (ZoneSigning::clock), or the real one.
  void set_clock(int64_t now) noexcept { fixed_now_ = now; }
  int64_t now() const noexcept;

  struct Stats {
    // fresh: signatures made (unbudgeted of them past an empty bucket, nothing to protect);
    // over_budget: refused; cheap: answers that needed no fresh signature.
    uint64_t hits = 0, fresh = 0, unbudgeted = 0, over_budget = 0, errors = 0, cheap = 0;
  };
  const Stats& stats() const noexcept { return stats_; }

 private:
  struct Entry;
  bool take_token(int64_t now) noexcept;

  OnlineSignerOptions opts_;
  dnssec::Signer signer_;
  std::unique_ptr<Entry[]> entries_;
  size_t sets_ = 0;  // power of two
  uint64_t tick_ = 0;
  std::unique_ptr<uint8_t[]> arena_;  // kPerAnswer signatures of this answer
  size_t used_ = 0;
  std::unique_ptr<uint8_t[]> nsec_;
  std::unique_ptr<std::string_view[]> views_;
  size_t views_cap_ = 0;
  double tokens_ = 0;
  int64_t last_refill_ = 0;
  int64_t fixed_now_ = 0;
  int64_t mono_ms_ = 0;        // set_monotonic_ms()
  int64_t last_cheap_ms_ = 0;  // mono_ms_ at the last cheap answer
  bool seen_cheap_ = false;
  bool missed_ = false;  // this answer needed a fresh signature
  uint64_t seed1_ = 0, seed2_ = 0;
  Stats stats_;
};

// The OnlineSigner of callers that pass none (tools, tests): one per thread, made on first use.
OnlineSigner& thread_online_signer();

}  // namespace dnsedge::auth
