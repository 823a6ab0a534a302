#include "view/dnssec_index.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "dns/name.h"
#include "dns/types.h"
#include "view/zone_builder.h"
#include "view/zone_view.h"

namespace dnsedge::view {
namespace {

namespace rrtype = dns::rrtype;
constexpr uint16_t kNsec3Param = 51;  // NSEC3PARAM (RFC 5155 §4)

// Offsets of the labels of a wire name, leftmost first; returns how many (the root not counted).
unsigned label_offsets(std::string_view n, uint8_t out[128]) noexcept {
  unsigned k = 0;
  for (size_t i = 0; i < n.size() && n[i] != 0 && k < 128; i += static_cast<uint8_t>(n[i]) + 1) {
    out[k++] = static_cast<uint8_t>(i);
  }
  return k;
}

// The first label of an NSEC3 node (its hash, base32hex).
std::string_view hash_label(const ZoneView& z, uint32_t node) noexcept {
  const std::string_view n = z.node_name(z.node(node));
  return n.substr(1, static_cast<uint8_t>(n[0]));
}

}  // namespace

int canonical_compare(std::string_view a, std::string_view b) noexcept {
  uint8_t la[128], lb[128];
  unsigned na = label_offsets(a, la), nb = label_offsets(b, lb);
  while (na > 0 && nb > 0) {
    --na;
    --nb;
    const uint8_t* pa = reinterpret_cast<const uint8_t*>(a.data()) + la[na];
    const uint8_t* pb = reinterpret_cast<const uint8_t*>(b.data()) + lb[nb];
    const int c = std::memcmp(pa + 1, pb + 1, std::min(pa[0], pb[0]));
    if (c != 0) return c;
    if (pa[0] != pb[0]) return pa[0] < pb[0] ? -1 : 1;
  }
  return na == nb ? 0 : (na < nb ? -1 : 1);
}

// OpenSSL 3 deprecates the SHA1_* functions for EVP, but EVP allocates a context per digest and
// this runs on the query path, which must not allocate.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void nsec3_label(std::string_view name, const DnssecIndex& d, uint8_t out[kNsec3LabelLen]) noexcept {
  // H(x) = SHA-1(x || salt); IH(0) = H(owner || salt), IH(k) = H(IH(k-1) || salt).
  uint8_t md[SHA_DIGEST_LENGTH];
  SHA_CTX ctx;
  SHA1_Init(&ctx);
  SHA1_Update(&ctx, name.data(), name.size());
  SHA1_Update(&ctx, d.nsec3_salt, d.nsec3_salt_len);
  SHA1_Final(md, &ctx);
  for (uint16_t i = 0; i < d.nsec3_iterations; ++i) {
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, md, sizeof md);
    SHA1_Update(&ctx, d.nsec3_salt, d.nsec3_salt_len);
    SHA1_Final(md, &ctx);
  }
  // base32hex (RFC 4648 §7), lowercase: 20 octets → 32 characters.
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuv";
  size_t o = 0;
  for (size_t i = 0; i < sizeof md; i += 5) {
    uint64_t v = 0;
    for (size_t k = 0; k < 5; ++k) v = v << 8 | md[i + k];
    for (int k = 7; k >= 0; --k) out[o++] = static_cast<uint8_t>(kAlphabet[(v >> (5 * k)) & 31]);
  }
}
#pragma GCC diagnostic pop

uint32_t ZoneView::nsec_for(std::string_view lower_name) const noexcept {
  const std::vector<uint32_t>& v = dnssec_.nsec_chain;
  if (v.empty()) return kNone;
  // The first owner canonically after the name; the one before it matches or covers.
  auto it = std::upper_bound(v.begin(), v.end(), lower_name, [&](std::string_view name, uint32_t id) {
    return canonical_compare(name, node_name(nodes_[id])) < 0;
  });
  return it == v.begin() ? v.back() : *(it - 1);
}

uint32_t ZoneView::nsec3_for(const uint8_t* label, bool* exact) const noexcept {
  const std::vector<uint32_t>& v = dnssec_.nsec3_chain;
  *exact = false;
  if (v.empty()) return kNone;
  const std::string_view h(reinterpret_cast<const char*>(label), kNsec3LabelLen);
  auto it = std::upper_bound(v.begin(), v.end(), h,
                             [&](std::string_view x, uint32_t id) { return x < hash_label(*this, id); });
  const uint32_t id = it == v.begin() ? v.back() : *(it - 1);
  *exact = hash_label(*this, id) == h;
  return id;
}

Result<void> ZoneView::Builder::dnssec_facts(ZoneView& zv, const std::string& src) {
  DnssecIndex& d = zv.dnssec_;
  d = DnssecIndex{};
  for (uint32_t id = 0; id < zv.nodes_.size(); ++id) {
    const Node& n = zv.nodes_[id];
    if (n.flags & node_flag::kDead) continue;
    if (zv.rrset(n, rrtype::kRRSIG) != nullptr) d.is_signed = true;
    if (zv.rrset(n, rrtype::kNSEC) != nullptr && !(n.flags & node_flag::kNsec3)) d.nsec_chain.push_back(id);
    if (n.flags & node_flag::kNsec3) d.nsec3_chain.push_back(id);
  }
  if (!d.is_signed) {
    d.nsec_chain.clear();
    d.nsec3_chain.clear();
    return {};
  }
  std::sort(d.nsec_chain.begin(), d.nsec_chain.end(), [&](uint32_t a, uint32_t b) {
    return canonical_compare(zv.node_name(zv.nodes_[a]), zv.node_name(zv.nodes_[b])) < 0;
  });
  // NSEC3: hash parameters from the apex NSEC3PARAM (else the first NSEC3), owners by hash.
  const RRset* param = zv.rrset(zv.nodes_[0], kNsec3Param);
  const RRset* first = d.nsec3_chain.empty() ? nullptr : zv.rrset(zv.nodes_[d.nsec3_chain.front()], rrtype::kNSEC3);
  const RRset* params = param != nullptr ? param : first;
  if (params != nullptr && !d.nsec3_chain.empty()) {
    const Rdata rd = zv.rdatas(*params).front();
    const uint8_t* p = rd.data();
    if (rd.size() < 5 || rd.size() < size_t{5} + p[4] || p[0] != 1) {
      return make_error(src + ": NSEC3 parameters that cannot be used (hash algorithm " +
                        std::to_string(rd.size() > 0 ? p[0] : 0) + ", RFC 5155 knows only 1, SHA-1)");
    }
    d.nsec3 = true;
    d.nsec3_iterations = static_cast<uint16_t>(p[2] << 8 | p[3]);
    d.nsec3_salt_len = p[4];
    std::memcpy(d.nsec3_salt, p + 5, p[4]);
    if (d.nsec3_iterations > kMaxNsec3Iterations) {
      return make_error(src + ": NSEC3 with " + std::to_string(d.nsec3_iterations) + " iterations (at most " +
                        std::to_string(kMaxNsec3Iterations) + " are served; RFC 9276 asks for 0)");
    }
    for (uint32_t id : d.nsec3_chain) {
      if (hash_label(zv, id).size() != kNsec3LabelLen) {
        return make_error(src + ": NSEC3 owner " + dns::name_to_text(zv.node_name(zv.nodes_[id])) +
                          " is not a SHA-1 hash in base32hex");
      }
    }
    std::sort(d.nsec3_chain.begin(), d.nsec3_chain.end(),
              [&](uint32_t a, uint32_t b) { return hash_label(zv, a) < hash_label(zv, b); });
  }
  return {};
}

}  // namespace dnsedge::view
