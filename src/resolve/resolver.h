#pragma once
// Resolver: DNS lookups of names outside our zones, through libunbound. Used by the background
// flattening cache (resolve/flatten_cache.h) and by the mail doctor. Never on the query path.
//
// Two modes (ResolverOptions::upstreams):
//  - forwarding: every query goes, with RD=1, to the configured upstream servers and nowhere
//    else (unbound `forward-zone: "."`, `forward-first: no`). libunbound's answer cache is off
//    for them (`forward-no-cache: yes`), so each lookup reaches the upstream and the TTLs are
//    the upstream's, not a countdown in our own cache. Loopback upstreams work
//    (`do-not-query-localhost: no`);
//  - full recursion (no upstreams): iteration from the built-in root hints, with libunbound's
//    cache. Cached answers then carry shrinking TTLs; TargetCache compensates (see there).
// Both: no DNSSEC validation (`module-config: iterator`, no trust anchors, so `secure` is never
// set), no /etc/hosts, no /etc/resolv.conf. libunbound's built-in local zones stay on
// (RFC 6761/6762/8375 names such as `test.`, `invalid.`, `localhost.`, `home.arpa.`, `onion.`
// and the RFC 1918 reverse zones are answered locally, NXDOMAIN or empty, never sent upstream).
//
// Every lookup ends, within ResolverOptions::timeout, in exactly one of: an Answer (any rcode;
// SERVFAIL is how libunbound reports "no server answered usefully"), or an Error
// (ErrorCode::kTimeout, kUnbound, kBadAnswer, kShutdown). An upstream that fails is marked down
// inside libunbound for `down_retry`; queries in that window fail fast with SERVFAIL.
//
// Thread safety: a Resolver may be used from any number of threads at once. Async callbacks run
// on the Resolver's own thread, one at a time, never under a lock of the Resolver; a callback
// may call resolve_async() but must not call resolve() (that returns ErrorCode::kBadUse instead
// of deadlocking) and should not block. The destructor stops the thread; callbacks of lookups
// still in flight then run once, on that thread, with ErrorCode::kShutdown, before the
// destructor returns.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/zonefile.h"

namespace dnsedge::resolve {

// Error::code values of this module (stable; they appear in logs and explain output).
enum class ErrorCode : int {
  kBadOption = 1,   // ResolverOptions rejected (upstream address, timeout)
  kBadName = 2,     // the name is neither wire nor presentation form
  kUnbound = 3,     // libunbound reported an error (its text is in the message)
  kTimeout = 4,     // no answer within ResolverOptions::timeout
  kBadAnswer = 5,   // the answer packet did not parse
  kShutdown = 6,    // the Resolver was destroyed before the answer came
  kBadUse = 7,      // resolve() called from a Resolver callback
};

inline bool has_code(const Error& e, ErrorCode c) noexcept { return e.code == static_cast<int>(c); }

struct ResolverOptions {
  // Forwarders: "127.0.0.1:5300", "[::1]:53", "192.0.2.1" (port 53), "2001:db8::1" (port 53).
  // Empty: full recursion from the root hints.
  std::vector<std::string> upstreams;
  // Bound on one lookup, CNAME chain included. Also caps each single try of libunbound
  // (`infra-cache-max-rtt`).
  std::chrono::milliseconds timeout{5000};
  // Talk to the upstreams over TCP only (`tcp-upstream: yes`).
  bool use_tcp = false;
  // How long libunbound keeps an unresponsive server marked down before trying it again
  // (`infra-host-ttl`; unbound's own default is 900 s, too long for a background refresher).
  std::chrono::seconds down_retry{30};
};

// The outcome of one lookup, built from libunbound's answer packet (parsed with libknot, so
// each RR has its owner and TTL; ub_result's data array has neither).
struct Answer {
  std::string qname;  // wire form, lowercase
  uint16_t qtype = 0;
  int rcode = 0;      // dns::rcode::k*; SERVFAIL when no server gave a usable answer
  bool secure = false;  // DNSSEC-validated (never: validation is off)
  bool bogus = false;
  std::string why_bogus;
  // The answer section in packet order: the CNAME chain (if any) and the data at its end,
  // each RR with its own TTL as received. Owners and names inside rdata are lowercase.
  std::vector<dns::ZoneRecord> records;
  // Smallest TTL in `records`; for an answer without records (NXDOMAIN, NODATA), the negative
  // caching TTL libunbound derived from the SOA (RFC 2308 §5), or 0 when there was none.
  uint32_t min_ttl = 0;
  // Where the CNAME chain starting at qname ends (wire form); qname when there is no chain.
  std::string canonical_name;

  // rdata (wire) of the RRs of `type` owned by canonical_name, in answer order: the final
  // addresses for A/AAAA.
  std::vector<std::string> rdata(uint16_t type) const;
};

class Resolver {
 public:
  using Callback = std::function<void(Result<Answer>)>;

  // Sets up libunbound and starts the Resolver's thread. Fails for a malformed upstream or
  // when libunbound rejects the configuration.
  [[nodiscard]] static Result<std::unique_ptr<Resolver>> create(const ResolverOptions& options);

  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Looks `name` up and waits for the outcome (at most about options.timeout).
  // `name`: wire form (recognised by its final zero octet) or presentation form ("a.example."
  // or "a.example"; always taken as absolute). qclass IN.
  [[nodiscard]] Result<Answer> resolve(std::string_view name, uint16_t type);

  // Starts a lookup; `callback` runs exactly once, on the Resolver's thread, when it ends.
  // Fails (without calling `callback`) for a bad name or when the Resolver is shutting down.
  [[nodiscard]] Result<void> resolve_async(std::string_view name, uint16_t type, Callback callback);

  struct Stats {
    uint64_t lookups = 0;    // started
    uint64_t answers = 0;    // ended with an Answer (any rcode)
    uint64_t servfail = 0;   // ... of which SERVFAIL
    uint64_t timeouts = 0;   // ended with kTimeout
    uint64_t errors = 0;     // ended with another error
    uint64_t in_flight = 0;  // started, not ended
  };
  Stats stats() const;

  const ResolverOptions& options() const noexcept { return options_; }

 private:
  struct Impl;
  Resolver(ResolverOptions options, std::unique_ptr<Impl> impl);

  ResolverOptions options_;
  std::unique_ptr<Impl> impl_;
};

// "127.0.0.1:5300" → "127.0.0.1@5300", "[::1]:53" → "::1@53", "192.0.2.1" → "192.0.2.1@53"
// (libunbound's forward-addr syntax). Only IP literals: a host name would need a resolver.
[[nodiscard]] Result<std::string> unbound_forward_addr(std::string_view upstream);

// Normalises a name given in wire or presentation form (see Resolver::resolve) to lowercase
// wire form.
[[nodiscard]] Result<std::string> to_wire_name(std::string_view name);

}  // namespace dnsedge::resolve
