#pragma once
// Response rate limiting (RRL) for UDP, in the manner of NSD, Knot DNS and BIND: a client
// prefix (IPv4 /24, IPv6 /64 by default) may receive `rate` responses per second for one
// kind of response (auth::ResponseClass plus its name: the qname and qtype for answers and
// NODATA, the zone for NXDOMAIN, referrals and wildcard answers, nothing for errors). Past the
// rate every `slip`-th response is sent truncated (TC=1, no records: a real client retries
// over TCP, which is never limited) and the others are dropped. Clients that present a valid
// server cookie (RFC 7873) and TCP are exempt; that decision is the caller's.
//
// The rate is smoothed as NSD does: per bucket, r(t) = r(t-1)/2 + count(t-1) (halved again
// for every second without traffic), and a response is over the rate when
// max(r, count + r/2) > rate. A burst is cut after `rate` responses in its first second; a
// steady stream settles at r = 2 × its rate, so it is limited from rate/2 per second upward
// (NSD's behaviour with the same numbers).
//
// One table is shared by all UDP workers, so the rate holds for a client however the kernel
// spreads its datagrams over the workers. Each bucket is one 64-bit word updated with a
// relaxed compare-and-swap: no lock, no allocation after construction. A bucket holds a tag of
// the key, so two keys that share a slot evict each other (and start over), as in NSD.
//
// Thread safety: RrlTable is used by every worker at once; RrlSlip is per worker.

#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "auth/answer.h"
#include "dns/cookie.h"

namespace dnsedge::server {

struct RrlOptions {
  uint32_t rate = 200;  // responses per second per bucket; 0 turns rate limiting off
  uint32_t slip = 2;    // every slip-th limited response goes out truncated; 0: none, 1: all
  uint8_t ipv4_prefix = 24;
  uint8_t ipv6_prefix = 64;
};

// Counters of the responses rate limiting held back since the start.
struct RrlCounters {
  uint64_t limited = 0;        // over the rate: slipped + dropped
  uint64_t slipped = 0;        // sent truncated
  uint64_t dropped = 0;        // not sent
  uint64_t cookie_exempt = 0;  // not accounted: the client presented a valid server cookie
};

class RrlTable {
 public:
  static constexpr uint32_t kMaxRate = (1u << 20) - 2;  // the counters are 20 bits wide
  static constexpr size_t kDefaultBuckets = size_t{1} << 18;  // 2 MiB

  // `buckets` is rounded up to a power of two. `hash_key` keys the bucket hash (random in
  // production, so an attacker cannot aim many keys at one bucket).
  RrlTable(const RrlOptions& options, const dns::cookie::Secret& hash_key, size_t buckets = kDefaultBuckets);

  bool enabled() const noexcept { return options_.rate != 0; }
  const RrlOptions& options() const noexcept { return options_; }

  // The bucket key of a response to `client` (AF_INET or AF_INET6, prefix applied).
  uint64_t key(const sockaddr_storage& client, const auth::AnswerInfo& info) const noexcept;

  // Accounts one response to `key` at second `now` (any monotonic clock in seconds); true when
  // it is over the rate and must be slipped or dropped.
  bool over(uint64_t key, uint32_t now) noexcept;

 private:
  RrlOptions options_;
  dns::cookie::Secret hash_key_;
  size_t mask_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
};

enum class RrlAction : uint8_t { kSend, kSlip, kDrop };

// One worker's slip sequence and counters. The counters are written by the worker's thread
// only (a relaxed load and store, no read-modify-write) and may be read from any thread.
class RrlSlip {
 public:
  // What to do with a response that is over the rate (and counts it).
  RrlAction limited(uint32_t slip) noexcept;
  void cookie_exempt() noexcept { bump(exempt_); }
  RrlCounters counters() const noexcept;

 private:
  static void bump(std::atomic<uint64_t>& c) noexcept { c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  uint64_t sequence_ = 0;
  std::atomic<uint64_t> slipped_{0}, dropped_{0}, exempt_{0};
};

}  // namespace dnsedge::server
