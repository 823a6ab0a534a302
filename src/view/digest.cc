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

std::string content_digest(const ZoneView& z) {
  Lanes h;
  h.add(z.apex().data(), z.apex().size());
  for (uint32_t i = 0; i < z.node_count(); ++i) {
    const Node& n = z.node(i);
    const RRset* s = z.rrsets_begin(n);
    for (uint32_t k = 0; k < n.rrset_count; ++k, ++s) {
      const std::string_view owner = z.node_name(n);
      const uint8_t* p = z.rdata(*s);
      for (uint16_t r = 0; r < s->count; ++r) {
        const size_t len = size_t{p[0]} << 8 | p[1];
        std::string rd(reinterpret_cast<const char*>(p + 2), len);
        if (s->type == 6 && i == z.apex_node()) {
          // SOA: blank the serial (after mname and rname).
          size_t off = 0;
          for (int names = 0; names < 2; ++names) {
            while (off < rd.size() && rd[off] != 0) off += 1 + static_cast<uint8_t>(rd[off]);
            ++off;
          }
          for (size_t j = off; j < off + 4 && j < rd.size(); ++j) rd[j] = 0;
        }
        h.u32(static_cast<uint32_t>(owner.size()));
        h.add(owner.data(), owner.size());
        h.u32(s->type);
        h.u32(s->ttl);
        h.u32(static_cast<uint32_t>(len));
        h.add(rd.data(), rd.size());
        p += 2 + len;
      }
    }
    h.u32(n.flags & node_flag::kAddrServfail);
  }
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.a), static_cast<unsigned long long>(h.b));
  return buf;
}

}  // namespace dnsedge::view
