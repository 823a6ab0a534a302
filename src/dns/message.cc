#include "dns/message.h"

#include <cstring>

#include "dns/cookie.h"
#include "dns/name.h"

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

}  // namespace

ParseStatus parse_query(std::span<const uint8_t> pkt, Query& q) noexcept {
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
  q.has_edns = false;
  q.cookie = nullptr;
  q.cookie_len = 0;
  q.question_end = kHeaderSize;

  // Knot DNS is the reference for malformed input: a question that cannot be parsed is dropped;
  // an empty message (header only, QDCOUNT 0) gets FORMERR; a good question followed by bad
  // records gets FORMERR with the question echoed.
  if (q.qdcount == 0) return pkt.size() == kHeaderSize ? ParseStatus::kFormErr : ParseStatus::kDrop;
  if (q.qdcount != 1) return ParseStatus::kDrop;
  size_t pos = kHeaderSize;
  const size_t name_start = pos;
  const size_t n = read_name(pkt, &pos, q.qname, true);
  if (n == 0) return ParseStatus::kDrop;
  if (pos - name_start != n) return ParseStatus::kDrop;  // compressed qname: nothing to point at
  if (pos + 4 > pkt.size()) return ParseStatus::kDrop;
  q.qname_wire = pkt.data() + name_start;
  q.qname_len = n;
  q.qtype = rd16(pkt.data() + pos);
  q.qclass = rd16(pkt.data() + pos + 2);
  pos += 4;
  q.question_end = pos;

  // Answer and authority sections of a query are skipped (they must still be well formed);
  // the additional section is searched for the OPT RR (RFC 6891 §6.1.1: at most one).
  const unsigned skip = static_cast<unsigned>(q.ancount) + q.nscount;
  if (skip > pkt.size() / 11) return ParseStatus::kFormErr;
  for (unsigned i = 0; i < skip; ++i) {
    uint16_t type, rdlen;
    size_t rpos;
    bool root;
    if (!skip_rr(pkt, &pos, &type, &rpos, &rdlen, &root)) return ParseStatus::kFormErr;
  }
  if (q.arcount > pkt.size() / 11) return ParseStatus::kFormErr;
  for (unsigned i = 0; i < q.arcount; ++i) {
    uint16_t type, rdlen;
    size_t rpos;
    bool root;
    if (!skip_rr(pkt, &pos, &type, &rpos, &rdlen, &root)) return ParseStatus::kFormErr;
    if (type != rrtype::kOPT) continue;
    if (q.has_edns) return ParseStatus::kFormErr;
    // type(2) class=udp size(2) ttl=ext-rcode(1) version(1) flags(2) rdlen(2)
    const uint8_t* f = pkt.data() + rpos - 10;
    q.has_edns = true;
    q.edns_udp_size = rd16(f + 2);
    q.edns_ext_rcode = f[4];
    q.edns_version = f[5];
    q.edns_do = (f[6] & 0x80) != 0;
    // Options must be well-formed TLVs.
    size_t o = rpos;
    const size_t oend = rpos + rdlen;
    while (o < oend) {
      if (o + 4 > oend) return ParseStatus::kFormErr;
      const uint16_t code = rd16(pkt.data() + o);
      const uint16_t olen = rd16(pkt.data() + o + 2);
      if (o + 4 + olen > oend) return ParseStatus::kFormErr;
      if (code == cookie::kOptionCode && q.cookie == nullptr) {  // a second one is ignored
        if (!cookie::well_formed_length(olen)) return ParseStatus::kFormErr;
        q.cookie = pkt.data() + o + 4;
        q.cookie_len = olen;
      }
      o += 4 + olen;
    }
  }
  if (pos != pkt.size()) return ParseStatus::kFormErr;  // trailing bytes
  if (q.opcode != opcode::kQuery) return ParseStatus::kNotImp;
  return ParseStatus::kOk;
}

}  // namespace dnsedge::dns
