#include "auth/denial.h"

#include <cstring>

#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::auth::denial {
namespace {

using view::kNone;
using view::ZoneView;
namespace rrtype = dns::rrtype;

// NSEC3 node matching (`exact`) or covering `name`.
uint32_t nsec3(const ZoneView& z, std::string_view name, bool* exact) noexcept {
  uint8_t label[view::kNsec3LabelLen];
  view::nsec3_label(name, z.dnssec(), label);
  return z.nsec3_for(label, exact);
}

uint32_t nsec3_match(const ZoneView& z, std::string_view name) noexcept {
  bool exact = false;
  const uint32_t id = nsec3(z, name, &exact);
  return exact ? id : kNone;
}

uint32_t nsec3_cover(const ZoneView& z, std::string_view name) noexcept {
  bool exact = false;
  return nsec3(z, name, &exact);
}

// The ancestor of `name` one label longer than `encloser` (RFC 5155 §1.3 "next closer name").
std::string_view next_closer(std::string_view name, std::string_view encloser) noexcept {
  while (name.size() > encloser.size()) {
    const std::string_view p = dns::parent(name);
    if (p.size() <= encloser.size()) return name;
    name = p;
  }
  return name;
}

// "*." + `encloser` into `buf`; empty when it would be too long.
std::string_view wildcard_of(std::string_view encloser, uint8_t buf[dns::kMaxNameLen + 2]) noexcept {
  if (encloser.size() + 2 > dns::kMaxNameLen) return {};
  buf[0] = 1;
  buf[1] = '*';
  std::memcpy(buf + 2, encloser.data(), encloser.size());
  return dns::as_view(buf, encloser.size() + 2);
}

// RFC 5155 §7.2.1: the closest provable encloser of `name` (starting the search at `from`, a
// name at or above it) with its matching NSEC3, and the NSEC3 covering the next closer name.
void closest_encloser_proof(const ZoneView& z, std::string_view name, std::string_view from, Proof& p) noexcept {
  std::string_view ce = from;
  uint32_t m = nsec3_match(z, ce);
  while (m == kNone && ce.size() > z.apex().size()) {
    ce = dns::parent(ce);
    m = nsec3_match(z, ce);
  }
  p.add(m);
  if (name.size() > ce.size()) p.add(nsec3_cover(z, next_closer(name, ce)));
}

std::string_view parent_of_wildcard(const ZoneView& z, uint32_t wildcard) noexcept {
  return dns::parent(z.node_name(z.node(wildcard)));
}

}  // namespace

void Proof::add(uint32_t node) noexcept {
  if (node == kNone) return;
  for (int i = 0; i < count; ++i) {
    if (nodes[i] == node) return;
  }
  if (count < kMax) nodes[count++] = node;
}

void nxdomain(const ZoneView& z, std::string_view name, std::string_view encloser, Proof& p) noexcept {
  uint8_t buf[dns::kMaxNameLen + 2];
  const std::string_view wc = wildcard_of(encloser, buf);
  if (!z.dnssec().nsec3) {
    p.add(z.nsec_for(name));
    if (!wc.empty()) p.add(z.nsec_for(wc));
    return;
  }
  closest_encloser_proof(z, name, encloser, p);
  if (!wc.empty()) p.add(nsec3_cover(z, wc));
}

void nodata(const ZoneView& z, std::string_view name, uint32_t node, Proof& p) noexcept {
  if (!z.dnssec().nsec3) {
    const bool own = node != kNone && z.rrset(z.node(node), rrtype::kNSEC) != nullptr;
    p.add(own ? node : z.nsec_for(name));
    return;
  }
  const uint32_t m = nsec3_match(z, name);
  if (m != kNone) {
    p.add(m);
    return;
  }
  closest_encloser_proof(z, name, name.size() > z.apex().size() ? dns::parent(name) : name, p);
}

void wildcard_answer(const ZoneView& z, std::string_view name, uint32_t wildcard, Proof& p) noexcept {
  if (!z.dnssec().nsec3) {
    p.add(z.nsec_for(name));
    return;
  }
  const std::string_view ce = parent_of_wildcard(z, wildcard);
  p.add(nsec3_cover(z, next_closer(name, ce)));
}

void wildcard_nodata(const ZoneView& z, std::string_view name, uint32_t wildcard, Proof& p) noexcept {
  if (!z.dnssec().nsec3) {
    p.add(z.rrset(z.node(wildcard), rrtype::kNSEC) != nullptr ? wildcard : kNone);
    p.add(z.nsec_for(name));
    return;
  }
  const std::string_view ce = parent_of_wildcard(z, wildcard);
  p.add(nsec3_match(z, ce));
  p.add(nsec3_cover(z, next_closer(name, ce)));
  p.add(nsec3_match(z, z.node_name(z.node(wildcard))));
}

void no_ds(const ZoneView& z, uint32_t cut, Proof& p) noexcept {
  const std::string_view name = z.node_name(z.node(cut));
  if (!z.dnssec().nsec3) {
    if (z.rrset(z.node(cut), rrtype::kNSEC) != nullptr) p.add(cut);
    return;
  }
  const uint32_t m = nsec3_match(z, name);
  if (m != kNone) {
    p.add(m);
    return;
  }
  closest_encloser_proof(z, name, dns::parent(name), p);
}

}  // namespace dnsedge::auth::denial
