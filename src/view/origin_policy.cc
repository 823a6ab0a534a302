#include "view/origin_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace dnsedge::view {
namespace {

uint8_t octet(std::string_view rdata, size_t i) noexcept { return static_cast<uint8_t>(rdata[i]); }

bool all_zero(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

// The IPv4 address an IPv6 address carries (::ffff:a.b.c.d, 64:ff9b::a.b.c.d), else the input.
std::string_view embedded_v4(std::string_view rdata) noexcept {
  if (rdata.size() != 16) return rdata;
  static constexpr char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\xff', '\xff'};
  static constexpr char kNat64[12] = {0, 0x64, '\xff', '\x9b', 0, 0, 0, 0, 0, 0, 0, 0};
  if (rdata.substr(0, 12) == std::string_view(kMapped, 12) || rdata.substr(0, 12) == std::string_view(kNat64, 12)) {
    return rdata.substr(12);
  }
  return rdata;
}

OriginVerdict category(std::string_view a) noexcept {
  if (a.size() == 4) {
    const uint8_t b0 = octet(a, 0);
    if (b0 == 0) return OriginVerdict::kUnspecified;  // 0.0.0.0/8: "this network"
    if (b0 == 127) return OriginVerdict::kLoopback;
    if (b0 == 169 && octet(a, 1) == 254) return OriginVerdict::kLinkLocal;
    if (b0 >= 224 && b0 <= 239) return OriginVerdict::kMulticast;
    if (b0 >= 240) return OriginVerdict::kReserved;  // 255.255.255.255 included
    return OriginVerdict::kAllowed;
  }
  if (all_zero(a.substr(0, 15))) {
    if (octet(a, 15) == 0) return OriginVerdict::kUnspecified;
    if (octet(a, 15) == 1) return OriginVerdict::kLoopback;
  }
  if (octet(a, 0) == 0xfe && (octet(a, 1) & 0xc0) == 0x80) return OriginVerdict::kLinkLocal;
  if (octet(a, 0) == 0xff) return OriginVerdict::kMulticast;
  return OriginVerdict::kAllowed;
}

bool listed(const std::vector<std::string>& list, std::string_view a, std::string_view v4) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& e) { return e == a || e == v4; });
}

bool in_blocks(const std::vector<AddressBlock>& blocks, std::string_view a, std::string_view v4) {
  return std::any_of(blocks.begin(), blocks.end(),
                     [&](const AddressBlock& b) { return b.contains(a) || (v4 != a && b.contains(v4)); });
}

}  // namespace

std::optional<std::string> address_rdata(std::string_view text) {
  const std::string t(text);
  unsigned char buf[16];
  if (t.find(':') == std::string::npos) {
    if (::inet_pton(AF_INET, t.c_str(), buf) != 1) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(buf), 4);
  }
  if (::inet_pton(AF_INET6, t.c_str(), buf) != 1) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(buf), 16);
}

std::string address_text(std::string_view rdata) {
  char buf[INET6_ADDRSTRLEN];
  if (rdata.size() == 4 && ::inet_ntop(AF_INET, rdata.data(), buf, sizeof buf)) return buf;
  if (rdata.size() == 16 && ::inet_ntop(AF_INET6, rdata.data(), buf, sizeof buf)) return buf;
  return {};
}

std::optional<AddressBlock> AddressBlock::parse(std::string_view text) {
  const size_t slash = text.find('/');
  auto ip = address_rdata(text.substr(0, slash));
  if (!ip) return std::nullopt;
  AddressBlock b;
  b.length = static_cast<unsigned>(ip->size() * 8);
  if (slash != std::string_view::npos) {
    const std::string_view len = text.substr(slash + 1);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), v);
    if (len.empty() || ec != std::errc() || end != len.data() + len.size() || v > b.length) return std::nullopt;
    b.length = v;
  }
  b.base = *ip;
  for (size_t bit = b.length; bit < b.base.size() * 8; ++bit) {
    b.base[bit / 8] = static_cast<char>(static_cast<uint8_t>(b.base[bit / 8]) & ~(0x80u >> (bit % 8)));
  }
  return b;
}

bool AddressBlock::contains(std::string_view rdata) const noexcept {
  if (rdata.size() != base.size()) return false;
  const size_t whole = length / 8;
  if (rdata.substr(0, whole) != std::string_view(base).substr(0, whole)) return false;
  if (length % 8 == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff00u >> (length % 8));
  return (octet(rdata, whole) & mask) == octet(base, whole);
}

std::string AddressBlock::text() const { return address_text(base) + "/" + std::to_string(length); }

OriginPolicy::OriginPolicy(OriginPolicyOptions options) : o_(std::move(options)) {
  for (const auto& e : o_.edge) lab_ = lab_ || category(embedded_v4(e)) == OriginVerdict::kLoopback;
  for (const auto& p : o_.pools) lab_ = lab_ || category(embedded_v4(p.base)) == OriginVerdict::kLoopback;
}

bool OriginPolicy::loopback(std::string_view rdata) noexcept {
  return (rdata.size() == 4 || rdata.size() == 16) && category(embedded_v4(rdata)) == OriginVerdict::kLoopback;
}

OriginVerdict OriginPolicy::check(std::string_view rdata, bool loopback_listener) const noexcept {
  if (rdata.size() != 4 && rdata.size() != 16) return OriginVerdict::kInvalid;
  const std::string_view v4 = embedded_v4(rdata);
  if (listed(o_.edge, rdata, v4)) return OriginVerdict::kEdge;
  if (in_blocks(o_.pools, rdata, v4)) return OriginVerdict::kPool;
  if (listed(o_.own, rdata, v4)) return OriginVerdict::kOwn;
  if (in_blocks(o_.deny, rdata, v4)) return OriginVerdict::kDenied;
  if (in_blocks(o_.allow, rdata, v4)) return OriginVerdict::kAllowed;
  const OriginVerdict c = category(v4);
  if (c == OriginVerdict::kLoopback && (lab_ || loopback_listener)) return OriginVerdict::kAllowed;
  return c;
}

std::string_view OriginPolicy::describe(OriginVerdict v) noexcept {
  switch (v) {
    case OriginVerdict::kAllowed: return "allowed";
    case OriginVerdict::kEdge: return "an edge address";
    case OriginVerdict::kPool: return "in the Spectrum pool";
    case OriginVerdict::kOwn: return "an address dnsedge listens on";
    case OriginVerdict::kDenied: return "in an --edge-origin-deny block";
    case OriginVerdict::kUnspecified: return "an unspecified address";
    case OriginVerdict::kLoopback: return "a loopback address";
    case OriginVerdict::kLinkLocal: return "a link-local address";
    case OriginVerdict::kMulticast: return "a multicast address";
    case OriginVerdict::kReserved: return "a reserved or broadcast address";
    case OriginVerdict::kInvalid: break;
  }
  return "not an IP address";
}

std::string OriginPolicy::message(std::string_view rdata, OriginVerdict v) {
  return std::string(kProhibitedOrigin) + ": " + address_text(rdata) + " is " + std::string(describe(v));
}

}  // namespace dnsedge::view
