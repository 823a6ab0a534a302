#include "view/digest.h"

#include <cstdio>

namespace dnsedge::view {
namespace {

struct Lanes {
  uint64_t a = 14695981039346656037ull;
  uint64_t b = 0x9e3779b97f4a7c15ull;
  void add(const void* p, size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
      a = (a ^ c[i]) * 1099511628211ull;
      b = (b ^ c[i]) * 0x100000001b3ull;
      b ^= b >> 29;
    }
  }
  void u32(uint32_t v) {
    const unsigned char x[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                                static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
    add(x, 4);
  }
};

}  // namespace

std::array<uint64_t, 2> node_digest(const ZoneView& z, uint32_t i) {
  const Node& n = z.node(i);
  const bool servfail = n.flags & node_flag::kAddrServfail;
  if (n.rrset_count == 0 && !servfail) return {0, 0};
  Lanes h;
  const std::string_view owner = z.node_name(n);
  h.u32(static_cast<uint32_t>(owner.size()));
  h.add(owner.data(), owner.size());
  const RRset* s = z.rrsets_begin(n);
  for (uint32_t k = 0; k < n.rrset_count; ++k, ++s) {
    // Signatures made online differ at every compile (ECDSA): what they sign counts, not them.
    if (s->type == 46 && z.dnssec().online) continue;
    for (const Rdata r : z.rdatas(*s)) {
      const size_t len = r.size();
      const uint8_t* rd = r.data();
      h.u32(s->type);
      h.u32(s->ttl);
      h.u32(static_cast<uint32_t>(len));
      if (s->type == 6 && i == z.apex_node()) {
        // SOA: the serial (after mname and rname) counts as zero.
        const size_t serial = std::min(r.soa().serial_offset, len);
        h.add(rd, serial);
        const unsigned char zero[4] = {0, 0, 0, 0};
        h.add(zero, std::min<size_t>(4, len - serial));
        if (serial + 4 < len) h.add(rd + serial + 4, len - serial - 4);
      } else {
        h.add(rd, len);
      }
    }
  }
  h.u32(servfail ? 1 : 0);
  return {h.a, h.b};
}

std::string content_digest(const ZoneView& z) {
  Lanes apex;
  apex.add(z.apex().data(), z.apex().size());
  const auto& sum = z.digest_sum();
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(apex.a + sum[0]),
                static_cast<unsigned long long>(apex.b + sum[1]));
  return buf;
}

}  // namespace dnsedge::view
