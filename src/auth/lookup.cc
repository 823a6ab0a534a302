#include "auth/lookup.h"

#include <cstring>

#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::auth {

using dns::as_view;
using view::kNone;
namespace rrtype = dns::rrtype;
namespace node_flag = view::node_flag;

Lookup lookup(const view::ZoneView& z, std::string_view name, uint16_t qtype) noexcept {
  Lookup r;
  uint32_t id = z.find(name);
  if (id != kNone) {
    const view::Node& n = z.node(id);
    if (n.cut != kNone) {
      // DS at the cut itself belongs to the parent side (RFC 4035 §3.1.4.1).
      const bool ds_at_cut = qtype == rrtype::kDS && n.cut == id;
      if (!ds_at_cut) {
        r.cut = n.cut;
        return r;
      }
    }
    r.node = id;
    return r;
  }
  std::string_view ce = name;
  uint32_t ce_id = kNone;
  while (ce_id == kNone) {
    ce = dns::parent(ce);
    ce_id = z.find(ce);
  }
  const view::Node& cen = z.node(ce_id);
  if (cen.cut != kNone) {
    r.cut = cen.cut;
    return r;
  }
  if (cen.flags & node_flag::kWildcardChild) {
    uint8_t wc[dns::kMaxNameLen + 2];
    wc[0] = 1;
    wc[1] = '*';
    std::memcpy(wc + 2, ce.data(), ce.size());
    if (ce.size() + 2 <= dns::kMaxNameLen) {
      const uint32_t w = z.find(as_view(wc, ce.size() + 2));
      if (w != kNone) {
        r.node = w;
        r.wildcard = true;
        return r;
      }
    }
  }
  r.encloser = ce_id;
  return r;
}

}  // namespace dnsedge::auth
