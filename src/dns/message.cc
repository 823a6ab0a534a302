#include "dns/message.h"

#include <cstring>

#include "dns/cookie.h"
#include "dns/name.h"
#include "dns/skip_name.h"

namespace dnsedge::dns {
namespace {

inline uint16_t rd16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// Skips one RR (name + fixed part + rdata) at *pos; false when it runs off the end.
bool skip_rr(std::span<const uint8_t> pkt, size_t* pos, uint16_t* type, size_t* rdata_pos,
             uint16_t* rdlen, bool* root_owner) noexcept {
  uint8_t tmp[kMaxNameLen];
  const size_t n = read_name(pkt, pos, tmp, false);
  if (n == 0) return false;
  if (*pos + 10 > pkt.size()) return false;
  const uint8_t* p = pkt.data() + *pos;
  *type = rd16(p);
  *rdlen = rd16(p + 8);
  *rdata_pos = *pos + 10;
  if (*rdata_pos + *rdlen > pkt.size()) return false;
  *pos = *rdata_pos + *rdlen;
  *root_owner = (n == 1);
  return true;
}

// The classification of a message that fails to parse: the transfer module reads names and
// records more leniently than parse_query (a name is skipped, not read: its length and its
// pointers are not checked: dns/skip_name.h), so a message it would take must still go to it.

// Offset just past the question (12 + name + 4), or 0 when it cannot be read or its name is
// compressed (nothing precedes it to point at).
size_t lenient_question_end(std::span<const uint8_t> m) noexcept {
  const size_t n = skip_name(m, kHeaderSize);
  if (n == 0 || n + 4 > m.size()) return 0;
  for (size_t i = kHeaderSize; i < n - 1;) {
    if (m[i] & 0xC0) return 0;
    i += 1 + m[i];
  }
  return n + 4;
}

// Whether records `first`.. of the message's `total` (the first one at `off`) can all be
// skipped and the last one is a TSIG in the additional section.
bool lenient_tsig_last(std::span<const uint8_t> m, size_t off, unsigned first, unsigned total,
                       uint16_t arcount) noexcept {
  bool tsig = false;
  for (unsigned i = first; i < total; ++i) {
    off = skip_name(m, off);
    if (off == 0 || off + 10 > m.size()) return false;
    const uint16_t type = rd16(m.data() + off);
    off += 10 + size_t{rd16(m.data() + off + 8)};
    if (off > m.size()) return false;
    tsig = type == rrtype::kTSIG && i + 1 == total && arcount > 0;
  }
  return tsig;
}

// The records of `q` from the `first`-th on (at `off`) could not be parsed: classifies by the
// lenient rules and returns `st`.
ParseStatus classify_rest(std::span<const uint8_t> pkt, Query& q, size_t off, unsigned first,
                          ParseStatus st) noexcept {
  const unsigned total = unsigned{q.ancount} + q.nscount + q.arcount;
  q.tsig_last = lenient_tsig_last(pkt, off, first, total, q.arcount);
  return st;
}

// Reads the OPT RR whose rdata is at `rpos` (RFC 6891 §6.1.2) into `q`; false when it is a
// second OPT or its options are not well-formed TLVs (or a COOKIE of a length RFC 7873 §5.2.2
// does not allow).
bool read_opt(std::span<const uint8_t> pkt, size_t rpos, uint16_t rdlen, Query& q) noexcept {
  if (q.has_edns) return false;
  // type(2) class=udp size(2) ttl=ext-rcode(1) version(1) flags(2) rdlen(2)
  const uint8_t* f = pkt.data() + rpos - 10;
  q.has_edns = true;
  q.edns_udp_size = rd16(f + 2);
  q.edns_ext_rcode = f[4];
  q.edns_version = f[5];
  q.edns_do = (f[6] & 0x80) != 0;
  q.edns_co = (f[6] & 0x40) != 0;
  size_t o = rpos;
  const size_t oend = rpos + rdlen;
  while (o < oend) {
    if (o + 4 > oend) return false;
    const uint16_t code = rd16(pkt.data() + o);
    const uint16_t olen = rd16(pkt.data() + o + 2);
    if (o + 4 + olen > oend) return false;
    if (code == cookie::kOptionCode && q.cookie == nullptr) {  // a second one is ignored
      if (!cookie::well_formed_length(olen)) return false;
      q.cookie = pkt.data() + o + 4;
      q.cookie_len = olen;
    }
    o += 4 + olen;
  }
  return true;
}

// A message without a question (QDCOUNT 0), as Knot DNS judges it: when its first record cannot
// be read (or bytes follow the bare header) it is dropped; when a later one cannot, or an OPT is
// bad, FORMERR. A well-formed one is answered FORMERR (QUERY, NOTIFY, UPDATE: they need a
// question) or NOTIMP (other opcodes), with its OPT answered.
ParseStatus parse_no_question(std::span<const uint8_t> pkt, Query& q) noexcept {
  const unsigned total = unsigned{q.ancount} + q.nscount + q.arcount;
  size_t pos = kHeaderSize;
  for (unsigned i = 0; i < total; ++i) {
    uint16_t type, rdlen;
    size_t rpos;
    bool root;
    if (!skip_rr(pkt, &pos, &type, &rpos, &rdlen, &root)) {
      q.has_edns = false;
      return i == 0 ? ParseStatus::kDrop : ParseStatus::kFormErr;
    }
    if (type == rrtype::kOPT && (i < total - q.arcount || !read_opt(pkt, rpos, rdlen, q))) {
      q.has_edns = false;  // an OPT outside the additional section, a second one, bad options
      return ParseStatus::kFormErr;
    }
  }
  if (pos != pkt.size()) {
    q.has_edns = false;
    return pos == kHeaderSize ? ParseStatus::kDrop : ParseStatus::kFormErr;
  }
  const bool needs_question = q.opcode == opcode::kQuery || q.opcode == opcode::kNotify || q.opcode == opcode::kUpdate;
  return needs_question ? ParseStatus::kFormErr : ParseStatus::kNotImp;
}

ParseStatus parse_message(std::span<const uint8_t> pkt, Query& q) noexcept {
  if (pkt.size() < kHeaderSize) return ParseStatus::kDrop;
  const uint8_t* h = pkt.data();
  q.id = rd16(h);
  q.flags = rd16(h + 2);
  if (q.flags & flag::kQR) return ParseStatus::kDrop;
  q.opcode = static_cast<uint8_t>((q.flags >> 11) & 0xF);
  q.qdcount = rd16(h + 4);
  q.ancount = rd16(h + 6);
  q.nscount = rd16(h + 8);
  q.arcount = rd16(h + 10);
  q.qname_len = 0;
  q.qtype = 0;
  q.qclass = 0;
  q.has_edns = false;
  q.cookie = nullptr;
  q.cookie_len = 0;
  q.question_end = kHeaderSize;
  q.routable = false;
  q.tsig_last = false;

  // Knot DNS is the reference for malformed input: a question that cannot be parsed is dropped;
  // a good question followed by bad records gets FORMERR with the question echoed.
  if (q.qdcount == 0) return parse_no_question(pkt, q);
  if (q.qdcount != 1) return ParseStatus::kDrop;
  size_t pos = kHeaderSize;
  const size_t name_start = pos;
  const size_t n = read_name(pkt, &pos, q.qname, true);
  if (n == 0 || pos - name_start != n || pos + 4 > pkt.size()) {
    // Unreadable, or compressed (nothing to point at): dropped, unless the transfer module can
    // read it (a name longer than a name may be).
    const size_t qend = lenient_question_end(pkt);
    if (qend == 0) return ParseStatus::kDrop;
    q.routable = true;
    q.qtype = rd16(pkt.data() + qend - 4);
    return classify_rest(pkt, q, qend, 0, ParseStatus::kDrop);
  }
  q.qname_wire = pkt.data() + name_start;
  q.qname_len = n;
  q.qtype = rd16(pkt.data() + pos);
  q.qclass = rd16(pkt.data() + pos + 2);
  pos += 4;
  q.question_end = pos;
  q.routable = true;

  // Answer and authority sections of a query are skipped (they must still be well formed);
  // the additional section is searched for the OPT RR (RFC 6891 §6.1.1: at most one).
  const unsigned skip = static_cast<unsigned>(q.ancount) + q.nscount;
  // (More records than could fit: FORMERR, and no record can be the TSIG.)
  if (skip > pkt.size() / 11) return ParseStatus::kFormErr;
  for (unsigned i = 0; i < skip; ++i) {
    uint16_t type, rdlen;
    size_t rpos;
    bool root;
    const size_t start = pos;
    if (!skip_rr(pkt, &pos, &type, &rpos, &rdlen, &root)) {
      return classify_rest(pkt, q, start, i, ParseStatus::kFormErr);
    }
    if (type == rrtype::kOPT) return classify_rest(pkt, q, pos, i + 1, ParseStatus::kFormErr);  // RFC 6891 §6.1.1
  }
  if (q.arcount > pkt.size() / 11) return ParseStatus::kFormErr;
  for (unsigned i = 0; i < q.arcount; ++i) {
    uint16_t type, rdlen;
    size_t rpos;
    bool root;
    const size_t start = pos;
    if (!skip_rr(pkt, &pos, &type, &rpos, &rdlen, &root)) {
      return classify_rest(pkt, q, start, skip + i, ParseStatus::kFormErr);
    }
    if (i + 1 == q.arcount) q.tsig_last = type == rrtype::kTSIG;
    if (type != rrtype::kOPT) continue;
    // A bad OPT: FORMERR (the records after it are still classified).
    if (!read_opt(pkt, rpos, rdlen, q)) return classify_rest(pkt, q, pos, skip + i + 1, ParseStatus::kFormErr);
  }
  if (pos != pkt.size()) return ParseStatus::kFormErr;  // trailing bytes
  if (q.opcode != opcode::kQuery) return ParseStatus::kNotImp;
  return ParseStatus::kOk;
}

}  // namespace

ParseStatus parse_query(std::span<const uint8_t> pkt, Query& q) noexcept {
  const ParseStatus st = parse_message(pkt, q);
  // Only the EDNS of a well-formed message is answered (as Knot DNS does): a question followed
  // by records that fail to parse gets FORMERR without an OPT. (Without a question,
  // parse_no_question decides.)
  if (st == ParseStatus::kDrop || (st == ParseStatus::kFormErr && q.qdcount != 0)) q.has_edns = false;
  return st;
}

}  // namespace dnsedge::dns
