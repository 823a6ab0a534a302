#include "view/served.h"

#include "dns/name.h"

namespace dnsedge::view {

std::string dc_name(std::string_view zone, std::string_view target) {
  uint32_t h = 2166136261u;  // FNV-1a 32
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 16777619u;
    }
  };
  mix(zone);
  mix(target);
  std::string out;
  out.reserve(12 + zone.size());
  out += static_cast<char>(11);
  out += "dc-";
  for (int shift = 28; shift >= 0; shift -= 4) out += "0123456789abcdef"[(h >> shift) & 0xf];
  out.append(zone);
  return out;
}

bool is_blocked_proxy_target(std::string_view target) {
  // Cloudflare's matching: exact names, names and their subdomains, subdomains.
  struct Lists {
    std::vector<std::string> exact, self_or_below, below;  // wire form
  };
  static const Lists kLists = [] {
    Lists l;
    for (const char* e : {"dkim2.mcsv.net.", "dkim3.mcsv.net.", "zmverify.zoho.com.", "dkim.infusionmail.com."}) {
      l.exact.push_back(dns::name_from_text(e).value());
    }
    l.self_or_below.push_back(dns::name_from_text("dkim.amazonses.com.").value());
    for (const char* e : {"onmicrosoft.com.", "dkim.intercom.io.", "acm-validations.aws."}) {
      l.below.push_back(dns::name_from_text(e).value());
    }
    return l;
  }();
  for (const auto& e : kLists.exact) {
    if (target == e) return true;
  }
  for (const auto& e : kLists.self_or_below) {
    if (dns::is_subdomain(target, e)) return true;
  }
  for (const auto& z : kLists.below) {
    if (target != z && dns::is_subdomain(target, z)) return true;
  }
  return false;
}

}  // namespace dnsedge::view
