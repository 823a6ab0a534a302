#pragma once
// Zero-copy view of a DNS query (RFC 1035 §4.1) with its EDNS(0) OPT record (RFC 6891).

#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/types.h"

namespace dnsedge::dns {

enum class ParseStatus : uint8_t {
  kOk,
  kDrop,     // no answer: shorter than a header, a response (QR=1), or a question that
             // cannot be parsed (QDCOUNT != 1, truncated, compressed or invalid qname)
  kFormErr,  // a bare header, or a good question followed by malformed records: FORMERR
  kNotImp,   // opcode we do not implement: answer NOTIMP
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
  // EDNS(0).
  bool has_edns = false;
  uint16_t edns_udp_size = 0;  // as sent by the client
  uint8_t edns_version = 0;
  bool edns_do = false;
  uint16_t edns_ext_rcode = 0;  // upper 8 bits of the extended rcode as sent
  // COOKIE option (RFC 7873): points into the packet; cookie_len is 8 (client cookie only) or
  // 16..40 (client and server cookie), 0 when the query has none.
  const uint8_t* cookie = nullptr;
  size_t cookie_len = 0;
};

// Parses `pkt` into `q`. Never reads outside `pkt`. Knot DNS is the reference for which bad
// input is dropped and which gets FORMERR (tests/blackbox/KNOT_BEHAVIOUR.md). kFormErr covers:
// records that run past the end, more than one OPT, malformed EDNS options, trailing bytes,
// and a COOKIE option of a length RFC 7873 §5.2.2 does not allow (not 8 and not 16..40).
ParseStatus parse_query(std::span<const uint8_t> pkt, Query& q) noexcept;

}  // namespace dnsedge::dns
