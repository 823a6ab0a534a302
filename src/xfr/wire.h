#pragma once
// Wire-level helpers of the transfer module: the query kinds the fast path hands over, RFC 1982
// serial arithmetic, and a writer that packs RRs into transfer messages.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/message.h"

namespace dnsedge::xfr {

// What a query needs beyond auth::answer: the query parser's classification (dns/message.h),
// on which the server dispatches.
using Kind = dns::QueryKind;

// RFC 1982 §3.2: a is newer than b (false when they are equal or undefined).
inline bool serial_newer(uint32_t a, uint32_t b) noexcept {
  return a != b && static_cast<uint32_t>(a - b) < 0x80000000u;
}

// One resource record in wire form (owner lowercase, uncompressed rdata).
struct Rr {
  std::string owner;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string rdata;
  bool operator==(const Rr&) const = default;
  auto operator<=>(const Rr&) const = default;
};

// Builds DNS response messages of at most `max` bytes: the header and question of the query,
// then RRs, whose owner names are compressed against the question name (the zone apex).
class MessageWriter {
 public:
  // `question`: the question section bytes as received (name, type, class); `apex`: the
  // zone's lowercase wire name.
  MessageWriter(uint16_t id, uint16_t flags, std::string_view question, std::string_view apex, size_t max);
  // Appends one RR; false (and nothing written) when it does not fit.
  bool add(std::string_view owner, uint16_t type, uint32_t ttl, std::string_view rdata);
  uint16_t count() const noexcept { return ancount_; }
  // The finished message (ANCOUNT filled in); the writer restarts empty with the same header.
  std::vector<uint8_t> take();
  size_t size() const noexcept { return buf_.size(); }

 private:
  void start();
  uint16_t id_, flags_;
  std::string question_, apex_;
  size_t max_;
  std::vector<uint8_t> buf_;
  uint16_t ancount_ = 0;
};

// A header+question reply with `rcode` and no records (errors, refusals). Empty when the query
// has no parseable question.
std::vector<uint8_t> error_reply(std::span<const uint8_t> query, uint8_t rcode);

// Offset just past the question (12 + name + 4), or 0 when the question is malformed.
size_t question_end(std::span<const uint8_t> query) noexcept;

}  // namespace dnsedge::xfr
