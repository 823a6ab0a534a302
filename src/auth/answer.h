#pragma once
// The authoritative answer algorithm (RFC 1034 §4.3.2 with RFC 2308, 4592, 6891, 8482), as a
// pure function of (catalog, query bytes) → response bytes. No I/O, no locks, no heap, no
// exceptions: this is the query path.

#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/cookie.h"
#include "dns/message.h"
#include "view/zone_view.h"

namespace dnsedge::auth {

class OnlineSigner;  // auth/online_sign.h

enum class Transport : uint8_t { kUdp, kTcp };

// Largest response we ever build (TCP); UDP responses are limited by EDNS negotiation.
inline constexpr size_t kMaxResponse = 65535;

// What answer() needs for DNS cookies (RFC 7873, server cookies of RFC 9018). Without it a
// COOKIE option is checked for its length only and the response carries none.
struct CookieContext {
  const dns::cookie::Secret* current = nullptr;   // makes the server cookies handed out
  const dns::cookie::Secret* previous = nullptr;  // also accepted (after a rotation); may be null
  std::span<const uint8_t> client_ip;             // the client's address, 4 or 16 octets
  uint32_t now = 0;                               // seconds since the epoch (modulo 2^32)
};

enum class CookieStatus : uint8_t {
  kNone,        // no COOKIE option (or no CookieContext)
  kClientOnly,  // a client cookie, alone or with a server cookie that is not (or no longer) ours
  kValid,       // a server cookie we made for this client and address, within its lifetime
};

// How response rate limiting accounts a response (as NSD and Knot DNS classify them): the
// class and the name whose bucket it goes to. Names that an attacker can vary at will
// (NXDOMAIN, wildcard, referral) account to the zone; errors to no name at all.
enum class ResponseClass : uint8_t { kAnswer, kNoData, kNxDomain, kReferral, kWildcard, kError };

// What kind of data answered (metrics and analytics): the stored records as they are, a proxied
// name's edge addresses, a flattened CNAME's target addresses, a dc-record's origin addresses,
// flattened data past its TTL served stale, or SERVFAIL.
enum class AnswerKind : uint8_t { kStatic, kProxied, kFlattened, kDcRecord, kStale, kServfail };

struct AnswerInfo {
  CookieStatus cookie = CookieStatus::kNone;
  AnswerKind kind = AnswerKind::kStatic;
  ResponseClass response = ResponseClass::kError;
  // The name accounted to: the qname as in the query (any case) or a zone apex (lowercase
  // wire). Points into the query or the catalog; empty for errors.
  const uint8_t* name = nullptr;
  size_t name_len = 0;
  uint16_t qtype = 0;
  // The zone the query fell in (before any DS-at-apex switch to the parent); null when none.
  const view::ZoneView* zone = nullptr;
  // The length of the apex (wire) of the zone the qname fell in: a suffix of the lowercased
  // qname (analytics counts the query under that zone); 0 when it is in no zone we serve.
  uint16_t zone_len = 0;
  // Where the question ends and where the OPT record is in the response (0 when none), for
  // truncated_response().
  uint16_t question_end = 0;
  uint16_t opt_begin = 0, opt_end = 0;
};

// Answers `query` into `out`. Returns the response length, or 0 when the query must be dropped
// (shorter than a header, or QR set). `out` must hold at least kMaxResponse bytes for TCP and
// at least dns::kMaxUdpPayload bytes for UDP. `query` and `out` must not overlap. With
// `cookies`, a COOKIE option is checked and answered with a fresh server cookie; `info`, when
// given, receives what rate limiting needs to know about the response. `online`: the calling
// thread's signer for zones signed online (DO=1 answers: signatures made at query time, compact
// denial); null takes a per-thread one made on first use (tools and tests). Every answer is
// reported to `online` (OnlineSigner::end_answer()): its budget of fresh signatures applies only
// while answers that need none compete for the thread.
size_t answer(const view::Catalog& catalog, std::span<const uint8_t> query, std::span<uint8_t> out, Transport transport,
              const CookieContext* cookies = nullptr, AnswerInfo* info = nullptr,
              OnlineSigner* online = nullptr) noexcept;
// The same for a query the caller has parsed already: `q` and `status` are what
// dns::parse_query(query, q) gave (the server parses once, to classify and to answer).
size_t answer(const view::Catalog& catalog, const dns::Query& q, dns::ParseStatus status,
              std::span<const uint8_t> query, std::span<uint8_t> out, Transport transport,
              const CookieContext* cookies = nullptr, AnswerInfo* info = nullptr,
              OnlineSigner* online = nullptr) noexcept;

// Rewrites a response answer() built (`len` bytes in `out`, described by `info`) into the
// truncated reply response rate limiting "slips" (as NSD and BIND): the header with TC=1, the
// question, no records but the OPT (with its cookie). Returns the new length.
size_t truncated_response(std::span<uint8_t> out, size_t len, const AnswerInfo& info) noexcept;

}  // namespace dnsedge::auth
