#include "auth/answer.h"

#include <algorithm>
#include <cstring>

#include "auth/denial.h"
#include "auth/lookup.h"
#include "auth/online_sign.h"
#include "auth/writer.h"
#include "dns/message.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dnssec/denial.h"

namespace dnsedge::auth {
namespace {

using dns::as_bytes;
using dns::as_view;
using view::kNone;
using view::Node;
using view::RRset;
using view::ZoneView;
namespace rrtype = dns::rrtype;
namespace node_flag = view::node_flag;

constexpr size_t kOptSize = 11;     // root owner, type, class, ttl, rdlength=0
constexpr size_t kEdeSize = 6;      // Extended DNS Error option with its info-code
constexpr size_t kCookieSize = 4 + dns::cookie::kClientLen + dns::cookie::kServerLen;
constexpr int kMaxChain = 5;        // CNAMEs in one answer, as Knot DNS (loop guard)
constexpr int kMaxAdditional = 32;  // distinct targets considered for additional data
constexpr int kMaxSigs = 96;  // RRsets of one answer whose RRSIGs are still to be written

// Where an owner name is in the packet: an offset to point at (always possible: the qname and
// every chased target were written before), plus the lowercase name for lookups.
struct Owner {
  const uint8_t* name;  // lowercase wire
  uint16_t offset;      // where it (or a copy) was written
};

struct Pending {  // additional-data candidate
  const ZoneView* zone;
  uint32_t node;
  uint16_t owner_offset;  // where the target name was written (its rdata position)
  bool mandatory;         // glue in a referral: truncates instead of being dropped
};

enum class Section : uint8_t { kAnswer, kAuthority, kAdditional };

// The RRSIGs of an RRset just written, to go at the end of its section (as Knot DNS orders them):
// the RRs of the node's RRSIG RRset whose type covered is `type`.
struct SigReq {
  const ZoneView* zone;
  const RRset* sigs;
  uint16_t type;
  uint16_t owner;  // where the owner name is in the packet
  Section section;
  bool negative;  // the SOA of a negative answer: its RRSIG takes the negative TTL too
  // A signature made at query time (OnlineSigner): its rdata and TTL; null for the node's.
  const uint8_t* rdata = nullptr;
  uint16_t rdlen = 0;
  uint32_t ttl = 0;
};

struct Ctx {
  // Only the scalars are initialized: the arrays are written before they are read, and
  // zero-filling them cost more than the rest of a typical answer.
  Ctx(uint8_t* buf, size_t limit) noexcept : w(buf, limit) {}
  Writer w;
  uint16_t counts[3] = {0, 0, 0};
  bool tc = false;
  bool aa = true;
  uint16_t rcode = dns::rcode::kNoError;
  int ede = -1;  // RFC 8914 Extended DNS Error info-code for the OPT, or -1
  bool referral = false;  // for rate limiting: the response is a referral
  bool wildcard = false;  // ... or synthesized from a wildcard
  uint16_t node_flags = 0;  // the last node answered from (node_flag kind bits: AnswerInfo::kind)
  Pending pending[kMaxAdditional];
  int npending = 0;
  bool dnssec = false;  // DO=1 and a signed zone: RRSIGs and denial proofs go in
  SigReq sigs[kMaxSigs];
  int nsigs = 0;
  bool proofs = false;  // a pre-signed zone: NSEC/NSEC3 proofs from its chain
  denial::Proof proof;
  // A zone signed online (DO=1): signatures the view lacks made here, compact denial.
  OnlineSigner* online = nullptr;
  const dnssec::ZoneSigning* zs = nullptr;
  bool co = false;      // the client set Compact Answers OK (RFC 9824 §3)
  bool nxname = false;  // a compact NXDOMAIN was given
  // The first signature that could not be made (the answer is then replaced: unsigned_answer).
  OnlineSigner::Status sign_status = OnlineSigner::Status::kOk;
};

// The node's RRSIG RRset when the answer carries signatures.
const RRset* sigs_of(const Ctx& c, const ZoneView& z, const Node& n) noexcept {
  return c.dnssec ? z.rrset(n, rrtype::kRRSIG) : nullptr;
}

// Signs `rrset` now (zone signed online) and queues the RRSIG with TTL `ttl`.
void sign_now(Ctx& c, const ZoneView& z, const dnssec::RRsetRef& rrset, long owner, Section sec,
              uint32_t ttl) noexcept {
  if (owner < 0 || owner >= 0x3fff || c.nsigs >= kMaxSigs) return;
  OnlineSigner::Sig sig;
  const OnlineSigner::Status st = c.online->sign(*c.zs, rrset, sig);
  if (st != OnlineSigner::Status::kOk) {
    // The additional section's signatures are optional (RFC 4035 §3.1.1), the others are not.
    if (sec != Section::kAdditional && c.sign_status == OnlineSigner::Status::kOk) c.sign_status = st;
    return;
  }
  c.sigs[c.nsigs++] = SigReq{&z, nullptr, rrset.type, static_cast<uint16_t>(owner), sec, false, sig.data, sig.len, ttl};
}

// Whether the node's RRSIG RRset holds a signature over `type`.
bool covers(const ZoneView& z, const RRset* sigs, uint16_t type) noexcept {
  if (sigs == nullptr) return false;
  for (const view::Rdata rd : z.rdatas(*sigs)) {
    if (rd.size() >= 18 && static_cast<uint16_t>(rd.data()[0] << 8 | rd.data()[1]) == type) return true;
  }
  return false;
}

// Queues the RRSIGs of the RRset `set` just written at `owner`: the node's (`sigs`), or in a
// zone signed online and when the node has none over it, one made now over `set` at `lname`
// (lowercase wire: the query name of a wildcard expansion).
void queue_sigs(Ctx& c, const ZoneView& z, const RRset* sigs, uint16_t type, long owner, Section sec,
                bool negative = false, const RRset* set = nullptr, const uint8_t* lname = nullptr) noexcept {
  if (owner < 0 || owner >= 0x3fff || c.nsigs >= kMaxSigs) return;
  if (c.online != nullptr && set != nullptr && lname != nullptr && !covers(z, sigs, type)) {
    const std::span<std::string_view> rds = c.online->rdata_views(set->count);
    if (rds.size() != set->count) {
      c.sign_status = OnlineSigner::Status::kError;
      return;
    }
    size_t i = 0;
    for (const view::Rdata rd : z.rdatas(*set)) rds[i++] = as_view(rd.data(), rd.size());
    const dnssec::RRsetRef ref{as_view(lname, dns::name_length(lname)), type, dns::rrclass::kIN, set->ttl, rds};
    sign_now(c, z, ref, owner, sec, negative ? z.negative_ttl() : set->ttl);
    return;
  }
  if (sigs == nullptr) return;
  c.sigs[c.nsigs++] = SigReq{&z, sigs, type, static_cast<uint16_t>(owner), sec, negative};
}

// Writes the queued RRSIGs of section `sec` (RFC 4035 §3.1.1), each type's as a whole RRset
// with the TTL of its original-TTL field. One that does not fit truncates, unless `optional`
// (the additional section's, RFC 4035 §3.1.1).
void flush_sigs(Ctx& c, Section sec, bool optional = false) noexcept {
  int kept = 0;
  for (int i = 0; i < c.nsigs; ++i) {
    const SigReq r = c.sigs[i];
    if (r.section != sec) {
      c.sigs[kept++] = r;
      continue;
    }
    if (c.tc) continue;
    const Writer::Mark m = c.w.mark();
    if (r.rdata != nullptr) {  // made at query time
      uint8_t fixed[10];
      wr16(fixed, rrtype::kRRSIG);
      wr16(fixed + 2, dns::rrclass::kIN);
      wr32(fixed + 4, r.ttl);
      wr16(fixed + 8, r.rdlen);
      if (!c.w.put_pointer(r.owner) || !c.w.put(fixed, 10) || !c.w.put(r.rdata, r.rdlen)) {
        c.w.rollback(m);
        if (!optional) c.tc = true;
        continue;
      }
      c.counts[static_cast<int>(sec)] += 1;
      continue;
    }
    uint16_t n = 0;
    bool ok = true;
    for (const view::Rdata rd : r.zone->rdatas(*r.sigs)) {
      const uint8_t* p = rd.data();
      if (rd.size() < 18 || static_cast<uint16_t>(p[0] << 8 | p[1]) != r.type) continue;
      uint8_t fixed[10];
      wr16(fixed, rrtype::kRRSIG);
      wr16(fixed + 2, dns::rrclass::kIN);
      wr32(fixed + 4,
           r.negative ? r.zone->negative_ttl() : static_cast<uint32_t>(p[4]) << 24 | p[5] << 16 | p[6] << 8 | p[7]);
      wr16(fixed + 8, static_cast<uint16_t>(rd.size()));
      if (!c.w.put_pointer(r.owner) || !c.w.put(fixed, 10) || !c.w.put(p, rd.size())) {
        ok = false;
        break;
      }
      ++n;
    }
    if (!ok) {
      c.w.rollback(m);
      if (!optional) c.tc = true;
      continue;
    }
    c.counts[static_cast<int>(sec)] += n;
  }
  c.nsigs = kept;
}

// The owner of an RRset: an offset where the name already is in the packet, or (offset < 0)
// a lowercase name to write, compressed, with the first RR.
struct OwnerRef {
  long offset;
  const uint8_t* name = nullptr;
  // The owner (lowercase) to sign the RRset at when it has no static signature (a zone signed
  // online); null: not signed then (a zone cut's NS and glue are not signed, RFC 4035 §2.2).
  const uint8_t* lname = nullptr;
};

// Writes one RRset. When the RRset has targets (NS/MX/SRV/CNAME) their rdata positions are
// returned through `on_target`. Returns false when it did not fit (nothing written).
template <typename OnTarget>
bool put_rrset(Ctx& c, Section sec, const ZoneView& z, const RRset& s, OwnerRef owner, const RRset* sigs,
               OnTarget&& on_target) noexcept {
  Writer& w = c.w;
  const Writer::Mark m = w.mark();
  const uint32_t* targets = z.targets(s);
  const bool compress = dns::type_compresses_rdata(s.type);
  view::RdataIterator it = z.rdatas(s).begin();
  for (uint16_t i = 0; i < s.count; ++i, ++it) {
    const view::Rdata r = *it;
    const size_t rdlen = r.size();
    const uint8_t* rd = r.data();
    uint8_t fixed[10];
    wr16(fixed, s.type);
    wr16(fixed + 2, dns::rrclass::kIN);
    wr32(fixed + 4, s.ttl);
    bool head_ok;
    if (owner.offset >= 0) {
      head_ok = w.put_pointer(static_cast<size_t>(owner.offset));
    } else {
      owner.offset = w.put_name(owner.name);
      head_ok = owner.offset >= 0;
    }
    if (!head_ok || !w.put(fixed, 10)) {
      w.rollback(m);
      return false;
    }
    const size_t rdlen_pos = w.size() - 2;
    long target_pos = -1;
    bool ok = true;
    switch (s.type) {
      case rrtype::kNS:
      case rrtype::kCNAME:
      case rrtype::kPTR:
        target_pos = w.put_name(rd, compress);
        ok = target_pos >= 0;
        break;
      case rrtype::kMX:
        ok = w.put(rd, 2);
        if (ok) {
          target_pos = w.put_name(rd + 2, compress);
          ok = target_pos >= 0;
        }
        break;
      case rrtype::kSOA: {
        const view::SoaFields f = r.soa();
        ok = w.put_name(rd) >= 0 && w.put_name(rd + f.mname.size()) >= 0 && w.put(rd + f.serial_offset, 20);
        break;
      }
      case rrtype::kSRV:  // RFC 2782, RFC 9460: the target is not compressed
      case rrtype::kSVCB:
      case rrtype::kHTTPS:
        ok = w.put(rd, rdlen);
        target_pos = static_cast<long>(w.size() - rdlen) + dns::rdata_target_offset(s.type);
        break;
      default:
        ok = w.put(rd, rdlen);
        break;
    }
    if (!ok) {
      w.rollback(m);
      return false;
    }
    wr16(w.data() + rdlen_pos, static_cast<uint16_t>(w.size() - rdlen_pos - 2));
    if (targets != nullptr && target_pos >= 0 && target_pos < 0x3fff) {
      on_target(targets[i], rd + dns::rdata_target_offset(s.type), static_cast<uint16_t>(target_pos));
    }
  }
  c.counts[static_cast<int>(sec)] += s.count;
  if (s.type != rrtype::kRRSIG) {
    queue_sigs(c, z, sigs, s.type, owner.offset, sec, false, &s, owner.lname);
  }
  return true;
}

bool put_rrset(Ctx& c, Section sec, const ZoneView& z, const RRset& s, OwnerRef owner,
               const RRset* sigs = nullptr) noexcept {
  return put_rrset(c, sec, z, s, owner, sigs, [](uint32_t, const uint8_t*, uint16_t) {});
}

// Answer-section RRset whose NS/MX/SRV targets become additional-data candidates.
bool put_answer_rrset(Ctx& c, const ZoneView& z, const RRset& s, Owner owner, const RRset* sigs) noexcept {
  const bool wants_additional = s.type == rrtype::kNS || s.type == rrtype::kMX ||
                                s.type == rrtype::kSRV || s.type == rrtype::kSVCB ||
                                s.type == rrtype::kHTTPS;
  return put_rrset(c, Section::kAnswer, z, s, OwnerRef{owner.offset, nullptr, owner.name}, sigs,
                   [&](uint32_t node, const uint8_t*, uint16_t pos) {
                     if (!wants_additional || node == kNone || c.npending >= kMaxAdditional) return;
                     c.pending[c.npending++] = Pending{&z, node, pos, false};
                   });
}

// Authority SOA for negative answers (RFC 2308 §3), TTL min(SOA TTL, MINIMUM). The apex name
// compresses against the question when it is a suffix of it.
void put_negative_soa(Ctx& c, const ZoneView& z) noexcept {
  flush_sigs(c, Section::kAnswer);
  const Writer::Mark m = c.w.mark();
  const view::Rdata soa = z.rdatas(z.soa()).front();
  const uint8_t* rd = soa.data();
  const view::SoaFields f = soa.soa();
  uint8_t fixed[10];
  wr16(fixed, rrtype::kSOA);
  wr16(fixed + 2, dns::rrclass::kIN);
  wr32(fixed + 4, z.negative_ttl());
  const long owner = c.w.put_name(as_bytes(z.apex()));
  bool ok = owner >= 0 && c.w.put(fixed, 10);
  const size_t rdlen_pos = c.w.size() - 2;
  ok = ok && c.w.put_name(rd) >= 0 && c.w.put_name(rd + f.mname.size()) >= 0 && c.w.put(rd + f.serial_offset, 20);
  if (!ok) {
    c.w.rollback(m);
    c.tc = true;
    return;
  }
  wr16(c.w.data() + rdlen_pos, static_cast<uint16_t>(c.w.size() - rdlen_pos - 2));
  c.counts[static_cast<int>(Section::kAuthority)] += 1;
  queue_sigs(c, z, sigs_of(c, z, z.node(z.apex_node())), rrtype::kSOA, owner, Section::kAuthority, true, &z.soa(),
             as_bytes(z.apex()));
}

// An NSEC made at query time (RFC 9824) at `lname` (written at `owner`, or there when < 0), TTL
// the negative TTL (RFC 9077), with its signature.
void put_nsec(Ctx& c, const ZoneView& z, const uint8_t* lname, long owner, size_t rdlen, Section sec) noexcept {
  if (rdlen == 0) {
    c.sign_status = OnlineSigner::Status::kError;
    return;
  }
  const uint8_t* rd = c.online->nsec_scratch().data();
  const Writer::Mark m = c.w.mark();
  if (owner >= 0 ? !c.w.put_pointer(static_cast<size_t>(owner)) : (owner = c.w.put_name(lname)) < 0) {
    c.w.rollback(m);
    c.tc = true;
    return;
  }
  uint8_t fixed[10];
  wr16(fixed, rrtype::kNSEC);
  wr16(fixed + 2, dns::rrclass::kIN);
  wr32(fixed + 4, z.negative_ttl());
  wr16(fixed + 8, static_cast<uint16_t>(rdlen));
  if (!c.w.put(fixed, 10) || !c.w.put(rd, rdlen)) {
    c.w.rollback(m);
    c.tc = true;
    return;
  }
  c.counts[static_cast<int>(sec)] += 1;
  const std::string_view rdv = as_view(rd, rdlen);
  const dnssec::RRsetRef ref{as_view(lname, dns::name_length(lname)), rrtype::kNSEC, dns::rrclass::kIN,
                             z.negative_ttl(), std::span<const std::string_view>(&rdv, 1)};
  sign_now(c, z, ref, owner, sec, z.negative_ttl());
}

// The compact NODATA proof at node `n` (RFC 9824 §3.2): an NSEC listing the node's types plus
// NSEC and RRSIG (an empty non-terminal: NSEC and RRSIG alone, so it is no NXDOMAIN).
void put_nodata_nsec(Ctx& c, const ZoneView& z, const Node& n, const uint8_t* lname, long owner, Section sec) noexcept {
  uint16_t types[64];
  size_t count = 0;
  const RRset* begin = z.rrsets_begin(n);
  for (uint32_t i = 0; i < n.rrset_count && count < std::size(types); ++i) types[count++] = begin[i].type;
  const size_t len = dnssec::nodata_nsec_into(as_view(lname, dns::name_length(lname)),
                                              std::span<const uint16_t>(types, count), c.online->nsec_scratch());
  put_nsec(c, z, lname, owner, len, sec);
}

// Compact NXDOMAIN (RFC 9824 §3.1): NOERROR (NXDOMAIN for a client that set Compact Answers
// OK), the SOA and an NSEC at the name with NSEC, RRSIG and NXNAME, each signed.
void put_compact_nxdomain(Ctx& c, const ZoneView& z, const uint8_t* lname, uint16_t owner) noexcept {
  c.nxname = true;
  c.rcode = c.co ? dns::rcode::kNxDomain : dns::rcode::kNoError;
  put_negative_soa(c, z);
  const size_t len = dnssec::nxname_nsec_into(as_view(lname, dns::name_length(lname)), c.online->nsec_scratch());
  put_nsec(c, z, lname, owner, len, Section::kAuthority);
}

// Referral to the zone cut at `cut` (RFC 1034 §4.3.2 step 3b): AA=0, NS in authority,
// addresses of in-zone NS targets in additional (glue below the cut is mandatory).
void put_referral(Ctx& c, const ZoneView& z, uint32_t cut, bool after_cname) noexcept {
  const Node& n = z.node(cut);
  const RRset* ns = z.rrset(n, rrtype::kNS);
  if (ns == nullptr) return;
  if (!after_cname) c.aa = false;  // a CNAME chain into a cut keeps AA, as Knot DNS does
  flush_sigs(c, Section::kAnswer);
  const std::string_view cut_name = z.node_name(n);
  const bool ok = put_rrset(c, Section::kAuthority, z, *ns, OwnerRef{-1, as_bytes(cut_name)}, nullptr,
                            [&](uint32_t node, const uint8_t* target, uint16_t pos) {
                              if (node == kNone || c.npending >= kMaxAdditional) return;
                              const bool glue = dns::is_subdomain(
                                  as_view(target, dns::name_length(target)), cut_name);
                              c.pending[c.npending++] = Pending{&z, node, pos, glue};
                            });
  c.referral = true;
  if (!ok) c.tc = true;
  if (c.dnssec && ok) {
    // RFC 4035 §3.1.4: the DS RRset with its RRSIGs, or the proof that there is none.
    if (const RRset* ds = z.rrset(n, rrtype::kDS); ds != nullptr) {
      if (!put_rrset(c, Section::kAuthority, z, *ds, OwnerRef{-1, as_bytes(cut_name), as_bytes(cut_name)},
                     sigs_of(c, z, n)))
        c.tc = true;
    } else if (c.online != nullptr) {
      put_nodata_nsec(c, z, n, as_bytes(cut_name), -1, Section::kAuthority);
    } else {
      denial::no_ds(z, cut, c.proof);
    }
  }
}

void put_additional(Ctx& c) noexcept {
  for (int i = 0; i < c.npending && !c.tc; ++i) {
    const Pending& pd = c.pending[i];
    bool dup = false;
    for (int j = 0; j < i; ++j) {
      if (c.pending[j].zone == pd.zone && c.pending[j].node == pd.node) dup = true;
    }
    if (dup) continue;
    const Node& n = pd.zone->node(pd.node);
    for (uint16_t type : {rrtype::kA, rrtype::kAAAA}) {
      const RRset* s = pd.zone->rrset(n, type);
      if (s == nullptr) continue;
      const bool glue = n.flags & (node_flag::kDelegation | node_flag::kBelowCut);  // not signed
      const OwnerRef owner{pd.owner_offset, nullptr, glue ? nullptr : as_bytes(pd.zone->node_name(n))};
      if (!put_rrset(c, Section::kAdditional, *pd.zone, *s, owner, sigs_of(c, *pd.zone, n))) {
        // Glue that does not fit truncates (RFC 9471); optional data is dropped from here on.
        if (pd.mandatory) c.tc = true;
        return;
      }
    }
  }
}

// RFC 8482 §4.2: answer ANY with a single synthesized HINFO.
bool put_any_hinfo(Ctx& c, uint16_t owner_off) noexcept {
  static constexpr uint8_t kRdata[] = {7, 'R', 'F', 'C', '8', '4', '8', '2', 0};
  uint8_t fixed[10];
  wr16(fixed, rrtype::kHINFO);
  wr16(fixed + 2, dns::rrclass::kIN);
  wr32(fixed + 4, 3600);
  wr16(fixed + 8, sizeof(kRdata));
  const Writer::Mark m = c.w.mark();
  if (!c.w.put_pointer(owner_off) || !c.w.put(fixed, 10) || !c.w.put(kRdata, sizeof(kRdata))) {
    c.w.rollback(m);
    return false;
  }
  c.counts[0] += 1;
  return true;
}

// The authoritative algorithm for a question in zone `z` (RFC 1034 §4.3.2, minimal responses).
void resolve(Ctx& c, const ZoneView* z, const uint8_t* qname, uint16_t qtype) noexcept {
  Owner owner{qname, dns::kHeaderSize};
  const uint8_t* owners[kMaxChain + 1];  // owners already holding a CNAME in the answer
  int chain = 0;
  for (;;) {
    const std::string_view name = as_view(owner.name, dns::name_length(owner.name));
    const Lookup l = lookup(*z, name, qtype);
    if (l.cut != kNone) {
      put_referral(c, *z, l.cut, chain > 0);
      return;
    }
    if (l.node == kNone && c.online != nullptr) {
      put_compact_nxdomain(c, *z, owner.name, owner.offset);
      return;
    }
    if (l.node == kNone) {
      c.rcode = dns::rcode::kNxDomain;
      put_negative_soa(c, *z);
      if (c.proofs) denial::nxdomain(*z, name, z->node_name(z->node(l.encloser)), c.proof);
      return;
    }
    const Node& n = z->node(l.node);
    c.node_flags = n.flags;
    if (l.wildcard) c.wildcard = true;
    // Signed online, a wildcard expansion is signed at the query name with its label count, as
    // if the name existed, so it needs no proof that no closer name does.
    const RRset* sigs = c.online != nullptr && l.wildcard ? nullptr : sigs_of(c, *z, n);
    if ((n.flags & node_flag::kAddrServfail) && (qtype == rrtype::kA || qtype == rrtype::kAAAA)) {
      // A flattened target that cannot be resolved (docs/proxy.md): SERVFAIL with an Extended DNS
      // Error for the addresses only; the name's other types keep answering.
      c.rcode = dns::rcode::kServFail;
      c.ede = z->servfail_ede(z->node_name(n));
      c.aa = false;
      return;
    }
    if (qtype == rrtype::kANY && n.rrset_count > 0) {
      // RFC 8482 §4.2: one synthesized HINFO; at an alias, the CNAME itself (not chased). A
      // signed answer cannot carry an HINFO no one signed: like Knot DNS, the node's first RRset.
      const RRset* alias = (n.flags & node_flag::kCname) ? z->rrset(n, rrtype::kCNAME) : nullptr;
      if (c.dnssec && alias == nullptr)
        alias = z->rrsets_begin(n)->type != rrtype::kRRSIG || n.rrset_count == 1 ? z->rrsets_begin(n)
                                                                                 : z->rrsets_begin(n) + 1;
      const bool ok =
          alias ? put_rrset(c, Section::kAnswer, *z, *alias, OwnerRef{owner.offset, nullptr, owner.name}, sigs)
                : put_any_hinfo(c, owner.offset);
      if (!ok) c.tc = true;
      if (c.proofs && l.wildcard) denial::wildcard_answer(*z, name, l.node, c.proof);
      return;
    }
    if (c.online != nullptr && qtype == rrtype::kNSEC) {  // the compact NSEC of the name itself
      put_nodata_nsec(c, *z, n, owner.name, owner.offset, Section::kAnswer);
      return;
    }
    const RRset* s = z->rrset(n, qtype);
    if (s != nullptr) {
      if (!put_answer_rrset(c, *z, *s, owner, sigs)) c.tc = true;
      if (c.proofs && l.wildcard) denial::wildcard_answer(*z, name, l.node, c.proof);
      return;
    }
    const RRset* cname = (n.flags & node_flag::kCname) ? z->rrset(n, rrtype::kCNAME) : nullptr;
    if (cname == nullptr) {  // NODATA (RFC 2308 §2.2)
      put_negative_soa(c, *z);
      if (c.online != nullptr) put_nodata_nsec(c, *z, n, owner.name, owner.offset, Section::kAuthority);
      if (c.proofs) {
        if (l.wildcard) {
          denial::wildcard_nodata(*z, name, l.node, c.proof);
        } else {
          denial::nodata(*z, name, l.node, c.proof);
        }
      }
      return;
    }
    if (c.proofs && l.wildcard) denial::wildcard_answer(*z, name, l.node, c.proof);
    // CNAME (RFC 1034 §3.6.2): put it, then chase its target within this zone. Like Knot DNS,
    // at most kMaxChain CNAMEs, and never one whose owner is already in the answer (loops).
    for (int i = 0; i < chain; ++i) {
      if (dns::name_length(owners[i]) == name.size() && std::memcmp(owners[i], owner.name, name.size()) == 0) {
        return;
      }
    }
    if (chain >= kMaxChain) return;
    uint16_t target_pos = 0;
    const uint8_t* target = nullptr;
    if (!put_rrset(c, Section::kAnswer, *z, *cname, OwnerRef{owner.offset, nullptr, owner.name}, sigs,
                   [&](uint32_t, const uint8_t* t, uint16_t pos) {
                     target = t;
                     target_pos = pos;
                   })) {
      c.tc = true;
      return;
    }
    owners[chain++] = owner.name;
    if (target == nullptr || !dns::is_subdomain(as_view(target, dns::name_length(target)), z->apex())) {
      return;  // out of zone (or into another zone we serve): the resolver follows it
    }
    owner = Owner{target, target_pos};
  }
}

// The end of a signed answer's answer and authority sections: the answer's RRSIGs, the denial
// proof chosen on the way (NSEC or NSEC3 RRsets with their RRSIGs), the authority's RRSIGs.
void prove(Ctx& c, const ZoneView& z) noexcept {
  flush_sigs(c, Section::kAnswer);
  const uint16_t type = z.dnssec().nsec3 ? rrtype::kNSEC3 : rrtype::kNSEC;
  for (int i = 0; i < c.proof.count && !c.tc; ++i) {
    const Node& n = z.node(c.proof.nodes[i]);
    const RRset* s = z.rrset(n, type);
    if (s == nullptr) continue;
    if (!put_rrset(c, Section::kAuthority, z, *s, OwnerRef{-1, as_bytes(z.node_name(n))}, sigs_of(c, z, n))) {
      c.tc = true;
    }
  }
  flush_sigs(c, Section::kAuthority);
}

// RFC 7873 §5.2: whether the client's COOKIE holds a server cookie we made (with the current
// or the previous secret) for this client and address.
CookieStatus check_cookie(const dns::Query& q, const CookieContext& k) noexcept {
  if (q.cookie_len == dns::cookie::kClientLen) return CookieStatus::kClientOnly;
  const std::span<const uint8_t> server(q.cookie + dns::cookie::kClientLen, q.cookie_len - dns::cookie::kClientLen);
  const bool valid = dns::cookie::server_cookie_valid(*k.current, q.cookie, server, k.client_ip, k.now) ||
                     (k.previous != nullptr &&
                      dns::cookie::server_cookie_valid(*k.previous, q.cookie, server, k.client_ip, k.now));
  return valid ? CookieStatus::kValid : CookieStatus::kClientOnly;
}

// An answer that needed a signature that could not be made: past the fresh-signature budget
// over UDP, an empty TC=1 reply (the client retries over TCP, which a spoofed flood cannot);
// otherwise SERVFAIL (Extended DNS Error 14 Not Ready when only the budget was short).
void unsigned_answer(Ctx& c, Writer::Mark question, Transport transport) noexcept {
  c.w.rollback(question);
  c.counts[0] = c.counts[1] = c.counts[2] = 0;
  c.nsigs = 0;
  c.nxname = c.referral = c.wildcard = false;
  if (c.sign_status == OnlineSigner::Status::kBudget && transport == Transport::kUdp) {
    c.rcode = dns::rcode::kNoError;
    c.tc = true;
    return;
  }
  c.rcode = dns::rcode::kServFail;
  c.tc = false;
  c.aa = false;
  if (c.sign_status == OnlineSigner::Status::kBudget) c.ede = 14;
}

}  // namespace

size_t answer(const view::Catalog& catalog, std::span<const uint8_t> query, std::span<uint8_t> out, Transport transport,
              const CookieContext* cookies, AnswerInfo* info, OnlineSigner* online) noexcept {
  dns::Query q;
  const dns::ParseStatus st = dns::parse_query(query, q);
  return answer(catalog, q, st, query, out, transport, cookies, info, online);
}

size_t answer(const view::Catalog& catalog, const dns::Query& q, dns::ParseStatus st, std::span<const uint8_t> query,
              std::span<uint8_t> out, Transport transport, const CookieContext* cookies, AnswerInfo* info,
              OnlineSigner* online) noexcept {
  if (st == dns::ParseStatus::kDrop) return 0;

  // Size limit (RFC 6891 §6.2.3/§6.2.5): UDP gets min(client's size, ours), at least 512.
  size_t limit = auth::kMaxResponse;
  if (transport == Transport::kUdp) {
    limit = dns::kMinUdpPayload;
    if (q.has_edns) limit = std::clamp<size_t>(q.edns_udp_size, dns::kMinUdpPayload, dns::kMaxUdpPayload);
  }
  limit = std::min(limit, out.size());
  // Every answer to a message with a (well-formed) OPT carries one (RFC 6891 §6.1.1): NOTIMP,
  // BADVERS and the FORMERR of a message without a question included.
  const bool opt = q.has_edns;
  // A COOKIE is answered with the client cookie and a fresh server cookie (RFC 7873 §5.2.3-5,
  // RFC 9018 §4.3: we always hand out a new one), whatever the client's server cookie was.
  const bool cookie = opt && q.cookie != nullptr && cookies != nullptr && cookies->current != nullptr;
  const CookieStatus cookie_status = cookie ? check_cookie(q, *cookies) : CookieStatus::kNone;
  Ctx c(out.data(), limit - (opt ? kOptSize + (cookie ? kCookieSize : 0) : 0));

  // Header + question (the client's own bytes: its case is preserved).
  uint8_t hdr[dns::kHeaderSize] = {};
  c.w.put(hdr, sizeof hdr);
  uint16_t qdcount = 0;
  if (q.qname_len > 0 && q.question_end > dns::kHeaderSize) {
    c.w.put(query.data() + dns::kHeaderSize, q.question_end - dns::kHeaderSize);
    c.w.remember(q.qname, dns::kHeaderSize);
    qdcount = 1;
  }
  const size_t question_end = c.w.size();
  const ZoneView* zone = nullptr;

  uint16_t ext_rcode = 0;
  if (q.has_edns && q.edns_version != 0) {
    // RFC 6891 §6.1.3; wins over NOTIMP, REFUSED and the FORMERR of a message without a
    // question (a message that fails to parse has no OPT answered: FORMERR below).
    ext_rcode = dns::rcode::kBadVers;
    c.aa = false;
  } else if (st == dns::ParseStatus::kFormErr) {
    c.rcode = dns::rcode::kFormErr;
    c.aa = false;
  } else if (st == dns::ParseStatus::kNotImp || q.qtype == 0) {
    c.rcode = dns::rcode::kNotImp;
    c.aa = false;
  } else if (q.qclass != dns::rrclass::kIN && q.qclass != dns::rrclass::kANY) {
    c.rcode = dns::rcode::kRefused;  // CH, NONE, ...; class ANY is answered as IN (as Knot)
    c.aa = false;
  } else if (q.qtype == rrtype::kAXFR || q.qtype == rrtype::kIXFR) {
    // Zone transfers: not over UDP (RFC 5936 §4.2), and not allowed to anyone yet over TCP.
    c.rcode = transport == Transport::kUdp && q.qtype == rrtype::kAXFR ? dns::rcode::kNotImp
                                                                         : dns::rcode::kRefused;
    c.aa = false;
  } else {
    const std::string_view qn = as_view(q.qname, q.qname_len);
    const ZoneView* z = catalog.find_zone(qn);
    zone = z;
    if (z != nullptr && q.qtype == rrtype::kDS && qn == z->apex() && qn.size() > 1) {
      // DS lives on the parent side of a cut (RFC 4035 §2.4): answer from the parent zone when
      // we serve it too.
      if (const ZoneView* p = catalog.find_zone(dns::parent(qn)); p != nullptr) z = p;
    }
    if (z == nullptr) {
      c.rcode = dns::rcode::kRefused;
      c.ede = 20;  // RFC 8914 §4.21 Not Authoritative (as Knot DNS)
      c.aa = false;
    } else if (z->expired() || z->dnssec().unusable) {
      // A secondary zone past its SOA expire, or a zone signed online whose keys do not load
      // (never served unsigned: validators holding its DS would reject the answers).
      c.rcode = dns::rcode::kServFail;
      c.aa = false;
    } else {
      const dnssec::ZoneSigning* zs = z->signing();
      c.dnssec = opt && q.edns_do && (z->is_signed() || zs != nullptr);
      c.proofs = c.dnssec && zs == nullptr;
      if (c.dnssec && zs != nullptr) {
        c.online = online != nullptr ? online : &thread_online_signer();
        c.online->begin_answer();
        c.zs = zs;
        c.co = q.edns_co;
      }
      const Writer::Mark question = c.w.mark();
      resolve(c, z, q.qname, q.qtype);
      if (c.dnssec) prove(c, *z);
      if (!c.tc) put_additional(c);
      if (c.dnssec) flush_sigs(c, Section::kAdditional, true);
      if (c.sign_status != OnlineSigner::Status::kOk) unsigned_answer(c, question, transport);
    }
  }

  size_t len = c.w.size();
  const size_t opt_begin = len;
  if (opt) {
    // OPT (RFC 6891 §6.1.2): our payload size, extended rcode high bits, version 0, DO echoed,
    // the COOKIE (room for it was kept), and an Extended DNS Error option when there is one
    // and it fits (RFC 8914).
    uint8_t o[kOptSize + kCookieSize + kEdeSize] = {0};
    wr16(o + 1, rrtype::kOPT);
    wr16(o + 3, dns::kMaxUdpPayload);
    o[5] = static_cast<uint8_t>(ext_rcode >> 4);
    o[6] = 0;
    o[7] = q.edns_do ? (q.edns_co ? 0xC0 : 0x80) : 0;  // DO, and CO (RFC 9824 §3) with it
    size_t olen = kOptSize;
    if (cookie) {
      wr16(o + olen, dns::cookie::kOptionCode);
      wr16(o + olen + 2, static_cast<uint16_t>(kCookieSize - 4));
      std::memcpy(o + olen + 4, q.cookie, dns::cookie::kClientLen);
      dns::cookie::make_server_cookie(*cookies->current, q.cookie, cookies->client_ip, cookies->now,
                                      o + olen + 4 + dns::cookie::kClientLen);
      olen += kCookieSize;
    }
    if (c.ede >= 0 && len + olen + kEdeSize <= limit) {
      wr16(o + olen, 15);  // option code EDE
      wr16(o + olen + 2, 2);
      wr16(o + olen + 4, static_cast<uint16_t>(c.ede));
      olen += kEdeSize;
    }
    wr16(o + 9, static_cast<uint16_t>(olen - kOptSize));
    std::memcpy(out.data() + len, o, olen);
    len += olen;
    c.counts[2] += 1;
  }

  if (info != nullptr) {
    info->cookie = cookie_status;
    info->qtype = q.qtype;
    info->question_end = static_cast<uint16_t>(question_end);
    info->opt_begin = opt ? static_cast<uint16_t>(opt_begin) : 0;
    info->opt_end = opt ? static_cast<uint16_t>(len) : 0;
    info->name = nullptr;
    info->name_len = 0;
    info->zone = zone;
    const uint16_t f = c.node_flags;
    info->kind = c.rcode == dns::rcode::kServFail ? AnswerKind::kServfail
                 : (f & node_flag::kStale)        ? AnswerKind::kStale
                 : (f & node_flag::kProxied)      ? AnswerKind::kProxied
                 : (f & node_flag::kDcRecord)     ? AnswerKind::kDcRecord
                 : (f & node_flag::kFlattened)    ? AnswerKind::kFlattened
                                                  : AnswerKind::kStatic;
    info->zone_len = zone != nullptr ? static_cast<uint16_t>(zone->apex().size()) : 0;
    const bool error = (c.rcode != dns::rcode::kNoError && c.rcode != dns::rcode::kNxDomain) || ext_rcode != 0 ||
                       zone == nullptr;
    if (error) {
      info->response = ResponseClass::kError;
    } else {
      const bool nx = c.rcode == dns::rcode::kNxDomain || c.nxname;
      const bool by_zone = nx || c.referral || c.wildcard;
      info->response = nx                ? ResponseClass::kNxDomain
                       : c.referral      ? ResponseClass::kReferral
                       : c.wildcard      ? ResponseClass::kWildcard
                       : c.counts[0] > 0 ? ResponseClass::kAnswer
                                         : ResponseClass::kNoData;
      if (by_zone) {
        info->name = as_bytes(zone->apex());
        info->name_len = zone->apex().size();
      } else {
        info->name = q.qname_wire;
        info->name_len = q.qname_len;
      }
    }
  }

  // The worker's signer learns whether this answer needed a fresh signature: the budget of
  // fresh signatures applies only while answers that need none compete (online_sign.h).
  if (OnlineSigner* s = c.online != nullptr ? c.online : online; s != nullptr) s->end_answer();

  uint8_t* h = out.data();
  wr16(h, q.id);
  // QR, the opcode and RD from the query; CD is not copied (as Knot DNS).
  uint16_t flags = dns::flag::kQR | static_cast<uint16_t>(q.flags & (0x7800 | dns::flag::kRD));
  if (c.aa) flags |= dns::flag::kAA;
  if (c.tc) flags |= dns::flag::kTC;
  flags |= static_cast<uint16_t>((c.rcode | ext_rcode) & 0xF);
  wr16(h + 2, flags);
  wr16(h + 4, qdcount);
  wr16(h + 6, c.counts[0]);
  wr16(h + 8, c.counts[1]);
  wr16(h + 10, c.counts[2]);
  return len;
}

size_t truncated_response(std::span<uint8_t> out, size_t len, const AnswerInfo& info) noexcept {
  if (len < dns::kHeaderSize || info.question_end < dns::kHeaderSize || info.question_end > len) return len;
  uint8_t* h = out.data();
  const bool opt = info.opt_end > info.opt_begin && info.opt_end <= len && info.opt_begin >= info.question_end;
  size_t n = info.question_end;
  if (opt) {
    std::memmove(h + n, h + info.opt_begin, info.opt_end - info.opt_begin);
    n += info.opt_end - info.opt_begin;
  }
  h[2] |= static_cast<uint8_t>(dns::flag::kTC >> 8);
  wr16(h + 6, 0);
  wr16(h + 8, 0);
  wr16(h + 10, opt ? 1 : 0);
  return n;
}

}  // namespace dnsedge::auth
