#include "doctor/util.h"

#include <arpa/inet.h>

#include <cstring>

#include "dns/name.h"
#include "dns/types.h"
#include "view/served.h"

namespace dnsedge::doctor {

std::optional<std::string> txt_joined(std::string_view rdata) {
  std::string out;
  size_t i = 0;
  if (rdata.empty()) return std::nullopt;
  while (i < rdata.size()) {
    const size_t len = static_cast<uint8_t>(rdata[i]);
    if (i + 1 + len > rdata.size()) return std::nullopt;
    out.append(rdata.substr(i + 1, len));
    i += 1 + len;
  }
  return out;
}

std::string rr_text(const dns::ZoneRecord& rr) {
  std::string s = dns::format_record(rr, false);
  for (auto& c : s) {
    if (c == '\t') c = ' ';
  }
  if (rr.proxied) s += " ; proxied";
  return s;
}

std::string name_text(std::string_view wire) { return dns::name_to_text(wire); }

std::string addr_text(std::string_view rdata) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (rdata.size() == 4) {
    inet_ntop(AF_INET, rdata.data(), buf, sizeof buf);
  } else if (rdata.size() == 16) {
    inet_ntop(AF_INET6, rdata.data(), buf, sizeof buf);
  } else {
    return "?";
  }
  return buf;
}

std::optional<std::string> parse_addr(std::string_view text, int family) {
  const std::string t(text);
  unsigned char buf[16];
  if (family != 6 && inet_pton(AF_INET, t.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (family != 4 && inet_pton(AF_INET6, t.c_str(), buf) == 1) {
    return std::string(reinterpret_cast<char*>(buf), 16);
  }
  return std::nullopt;
}

bool in_prefix(std::string_view addr, std::string_view net, int prefix) {
  if (addr.size() != net.size() || prefix < 0 || static_cast<size_t>(prefix) > addr.size() * 8) return false;
  const size_t full = static_cast<size_t>(prefix) / 8;
  if (addr.substr(0, full) != net.substr(0, full)) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (static_cast<uint8_t>(addr[full]) & mask) == (static_cast<uint8_t>(net[full]) & mask);
}

bool same_neighbourhood(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return in_prefix(a, b, a.size() == 4 ? 24 : 48);
}

std::string special_range(std::string_view rdata) {
  struct Range {
    const char* net;
    int prefix;
    const char* what;
  };
  static constexpr Range kV4[] = {
      {"0.0.0.0", 8, "\"this network\" (RFC 791)"},
      {"10.0.0.0", 8, "private (RFC 1918)"},
      {"100.64.0.0", 10, "shared carrier-grade NAT (RFC 6598)"},
      {"127.0.0.0", 8, "loopback (RFC 1122)"},
      {"169.254.0.0", 16, "link-local (RFC 3927)"},
      {"172.16.0.0", 12, "private (RFC 1918)"},
      {"192.0.0.0", 24, "IETF protocol assignments (RFC 6890)"},
      {"192.0.2.0", 24, "documentation (RFC 5737)"},
      {"192.168.0.0", 16, "private (RFC 1918)"},
      {"198.18.0.0", 15, "benchmarking (RFC 2544)"},
      {"198.51.100.0", 24, "documentation (RFC 5737)"},
      {"203.0.113.0", 24, "documentation (RFC 5737)"},
      {"224.0.0.0", 4, "multicast (RFC 5771)"},
      {"240.0.0.0", 4, "reserved (RFC 1112)"},
  };
  static constexpr Range kV6[] = {
      {"::", 128, "unspecified (RFC 4291)"},          {"::1", 128, "loopback (RFC 4291)"},
      {"::ffff:0:0", 96, "IPv4-mapped (RFC 4291)"},   {"100::", 64, "discard-only (RFC 6666)"},
      {"2001:db8::", 32, "documentation (RFC 3849)"}, {"3fff::", 20, "documentation (RFC 9637)"},
      {"fc00::", 7, "unique local (RFC 4193)"},       {"fe80::", 10, "link-local (RFC 4291)"},
      {"ff00::", 8, "multicast (RFC 4291)"},
  };
  if (rdata.size() == 4) {
    for (const auto& r : kV4) {
      if (in_prefix(rdata, *parse_addr(r.net, 4), r.prefix)) return r.what;
    }
  } else if (rdata.size() == 16) {
    for (const auto& r : kV6) {
      if (in_prefix(rdata, *parse_addr(r.net, 6), r.prefix)) return r.what;
    }
  }
  return "";
}

std::string first_label(std::string_view wire) {
  if (wire.empty()) return "";
  const size_t len = static_cast<uint8_t>(wire[0]);
  if (len + 1 > wire.size()) return "";
  return ascii_lower(wire.substr(1, len));
}

std::optional<std::string> prepend(std::string_view labels_text, std::string_view wire) {
  auto r = dns::name_from_text(labels_text, wire);
  if (!r) return std::nullopt;
  return *r;
}

bool mail_protocol_label(const std::string& l) {
  static const char* const kNames[] = {"mail", "smtp", "imap",  "imaps",      "pop",   "pop3",   "pop3s",
                                       "pops", "mx",   "smtps", "submission", "relay", "mailin", "mailout"};
  std::string base = l;
  while (!base.empty() && base.back() >= '0' && base.back() <= '9') base.pop_back();  // mail2, mx1
  if (!base.empty() && base.back() == '-') base.pop_back();
  for (const char* n : kNames) {
    if (base == n) return true;
  }
  return false;
}

bool mail_web_label(const std::string& l) {
  return l == "webmail" || l == "autodiscover" || l == "autoconfig" || l == "owa";
}

bool has_underscore_label(std::string_view wire, std::string_view stop) {
  for (std::string_view p = wire; p.size() > stop.size(); p = dns::parent(p)) {
    if (p.size() > 1 && p[1] == '_') return true;
  }
  return false;
}

bool mail_cname(std::string_view owner, std::string_view target, std::string_view domain) {
  if (has_underscore_label(owner, domain)) return true;
  const std::string l = first_label(owner);
  if (l == "autodiscover" || l == "autoconfig") return true;
  if (view::is_blocked_proxy_target(target)) return true;
  for (std::string_view p = target; p.size() > 1; p = dns::parent(p)) {
    const std::string tl = first_label(p);
    if (tl.find("dkim") != std::string::npos || tl == "_domainkey" || tl.find("verif") != std::string::npos)
      return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace dnsedge::doctor
