#pragma once
// Zero-copy view of a DNS query (RFC 1035 §4.1) with its EDNS(0) OPT record (RFC 6891).

#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/types.h"

namespace dnsedge::dns {

enum class ParseStatus : uint8_t {
  kOk,
  kDrop,     // no answer: shorter than a header, a response (QR=1), a question that cannot be
             // parsed (QDCOUNT > 1, truncated, compressed or invalid qname), or no question and
             // records unreadable from the first one on
  kFormErr,  // a well-formed message without a question (QUERY, NOTIFY, UPDATE), or a good
             // question (or a first record) followed by malformed records: FORMERR
  kNotImp,   // opcode we do not implement (with or without a question): answer NOTIMP
};

// What a query needs beyond the answer engine (see kind()).
enum class QueryKind : uint8_t {
  kAnswer,    // a plain query: the answer engine answers it
  kTransfer,  // AXFR or IXFR (IXFR over UDP too; AXFR over UDP stays with the answer engine: NOTIMP)
  kNotify,    // opcode NOTIFY
  kSigned,    // carries a TSIG record (RFC 8945) last: verified and signed by the transfer module
};

struct Query {
  uint16_t id = 0;
  uint16_t flags = 0;       // second header word as received
  uint8_t opcode = 0;
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  // Question (valid when qdcount == 1 and status is kOk).
  const uint8_t* qname_wire = nullptr;  // points into the packet (client's case, uncompressed)
  size_t qname_len = 0;
  uint8_t qname[kMaxNameLen];           // lowercased copy
  uint16_t qtype = 0, qclass = 0;
  size_t question_end = 0;  // offset just past the question in the packet
  // EDNS(0). has_edns: the message carries an OPT the response answers (a message whose records
  // fail to parse gets no OPT back, as from Knot DNS).
  bool has_edns = false;
  uint16_t edns_udp_size = 0;  // as sent by the client
  uint8_t edns_version = 0;
  bool edns_do = false;
  bool edns_co = false;         // Compact Answers OK (RFC 9824 §3), the EDNS flag after DO
  uint16_t edns_ext_rcode = 0;  // upper 8 bits of the extended rcode as sent
  // COOKIE option (RFC 7873): points into the packet; cookie_len is 8 (client cookie only) or
  // 16..40 (client and server cookie), 0 when the query has none.
  const uint8_t* cookie = nullptr;
  size_t cookie_len = 0;
  // Classification, set whatever parse_query returns (read by kind()). `routable`: the header
  // is a query's and the question can be read (QDCOUNT 1, an uncompressed name, type and
  // class present; qtype then holds its type even when the name itself is rejected).
  // `tsig_last`: every record can be skipped and the last additional record is a TSIG.
  bool routable = false;
  bool tsig_last = false;
};

// Parses `pkt` into `q`. Never reads outside `pkt`. Knot DNS is the reference for which bad
// input is dropped and which gets FORMERR (tests/blackbox/KNOT_BEHAVIOUR.md). kFormErr covers:
// records that run past the end, more than one OPT, an OPT outside the additional section,
// malformed EDNS options, trailing bytes, and a COOKIE option of a length RFC 7873 §5.2.2 does
// not allow (not 8 and not 16..40).
// It also classifies the message (Query::routable, Query::tsig_last) in the same pass; only a
// message that fails to parse is walked a second time, leniently, to finish the classification.
ParseStatus parse_query(std::span<const uint8_t> pkt, Query& q) noexcept;

// Where a parsed message goes: NOTIFY; AXFR (over TCP) and IXFR; a TSIG-signed query; else the
// answer engine, which also judges everything that has no readable question.
inline QueryKind kind(const Query& q, bool tcp) noexcept {
  if (!q.routable) return QueryKind::kAnswer;
  if (q.opcode == opcode::kNotify) return QueryKind::kNotify;
  if (q.qtype == rrtype::kIXFR || (q.qtype == rrtype::kAXFR && tcp)) return QueryKind::kTransfer;
  return q.tsig_last ? QueryKind::kSigned : QueryKind::kAnswer;
}

}  // namespace dnsedge::dns
