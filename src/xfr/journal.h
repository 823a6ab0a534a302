#pragma once
// IXFR deltas: the differences between successive published views of a zone (RFC 1995), and
// the interfaces through which they are read and kept (docs/architecture.md keeps xfr independent of the
// store). In `dnsedge serve` the controller appends each delta to the store in the transaction
// of the change that made it (control::ControllerOptions::journal_encode), and the transfer
// service reads them through a JournalReader (app::StoreJournal).
//
// A Diff lists the RRs that left the view (the old SOA first) and those that entered it (the
// new SOA first), which is exactly one delta sequence of an IXFR reply.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "view/zone_view.h"
#include "xfr/wire.h"

namespace dnsedge::xfr {

struct Diff {
  uint32_t from = 0, to = 0;
  std::vector<Rr> removed, added;
  // A barrier: the step from `from` to `to` cannot be given as a delta (no RRs); a client at
  // `from` or before takes a full transfer (xfr/nsec_chain.h says when).
  bool full = false;
  size_t bytes() const noexcept;  // wire size of the RRs (uncompressed), for sizing decisions
};

// The TTL an RR of RRset `set_ttl` is transferred with. A view keeps a node's signatures as one
// RRSIG set with one TTL; each RRSIG goes out with the TTL of the RRset it covers, which is its
// original TTL field (RFC 4034 §3), as answers give it.
inline uint32_t rr_ttl(uint16_t type, uint32_t set_ttl, std::string_view rdata) noexcept {
  if (type != 46 || rdata.size() < 18) return set_ttl;
  const auto* p = reinterpret_cast<const uint8_t*>(rdata.data());
  return uint32_t{p[4]} << 24 | uint32_t{p[5]} << 16 | uint32_t{p[6]} << 8 | p[7];
}

// Every RR of a view, in view order (SOA first). `f(owner, type, ttl, rdata)` with string_views
// into the view; ttl as transferred (rr_ttl).
template <typename F>
void for_each_rr(const view::ZoneView& z, F&& f) {
  const view::RRset& soa = z.soa();
  {
    const uint8_t* p = z.rdata(soa);
    const size_t len = size_t{p[0]} << 8 | p[1];
    f(z.apex(), uint16_t{6}, soa.ttl, std::string_view(reinterpret_cast<const char*>(p + 2), len));
  }
  for (uint32_t i = 0; i < z.node_count(); ++i) {
    const view::Node& n = z.node(i);
    const std::string_view owner = z.node_name(n);
    const view::RRset* s = z.rrsets_begin(n);
    for (uint32_t k = 0; k < n.rrset_count; ++k, ++s) {
      if (i == z.apex_node() && s->type == 6) continue;  // the SOA went first
      const uint8_t* p = z.rdata(*s);
      for (uint16_t r = 0; r < s->count; ++r) {
        const size_t len = size_t{p[0]} << 8 | p[1];
        const std::string_view rd(reinterpret_cast<const char*>(p + 2), len);
        f(owner, s->type, rr_ttl(s->type, s->ttl, rd), rd);
        p += 2 + len;
      }
    }
  }
}

// The delta from `before` to `after` (serials from their SOAs).
Diff diff_views(const view::ZoneView& before, const view::ZoneView& after);

std::string encode_diff(const Diff& d);
Result<Diff> decode_diff(std::string_view blob);

// The chain of diffs that leads from `serial` to `current`, oldest first, picked from `all`
// (a zone's kept diffs, oldest first). Empty when the journal does not cover it or a barrier
// (Diff::full) lies on the way.
std::vector<Diff> chain(std::vector<Diff> all, uint32_t serial, uint32_t current);

class JournalReader {
 public:
  virtual ~JournalReader() = default;
  // Every kept diff of the zone `apex` (lowercase wire), oldest first.
  virtual Result<std::vector<Diff>> load(std::string_view apex) = 0;
};

}  // namespace dnsedge::xfr
