#pragma once
// Small helpers shared by the checks: TXT rdata, record and address text, address ranges.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ascii.h"
#include "dns/zonefile.h"

namespace dnsedge::doctor {

// TXT rdata (RFC 1035 §3.3.14: one or more <length><octets> strings) → the strings joined
// without separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2). nullopt when the rdata is malformed.
std::optional<std::string> txt_joined(std::string_view rdata);

// "example.com. 300 IN MX 10 mail.example.com." (single spaces), "; proxied" appended for
// proxied records.
std::string rr_text(const dns::ZoneRecord& rr);
// Presentation form of a wire name, "example.com.".
std::string name_text(std::string_view wire);
// 4- or 16-octet rdata → "192.0.2.1" / "2001:db8::1".
std::string addr_text(std::string_view rdata);
// "192.0.2.1" / "2001:db8::1" → rdata; nullopt when not an address of that family (family 0:
// either).
std::optional<std::string> parse_addr(std::string_view text, int family = 0);

// Special-purpose ranges a public mail server cannot be in: "loopback", "private (RFC 1918)",
// "documentation (RFC 5737)", ... ; "" for an ordinary address.
std::string special_range(std::string_view rdata);
// True when `addr` lies in `net`/`prefix` (same family).
bool in_prefix(std::string_view addr, std::string_view net, int prefix);
// Same /24 (IPv4) or /48 (IPv6).
bool same_neighbourhood(std::string_view a, std::string_view b);

// Wire name helpers.
std::string first_label(std::string_view wire);  // lowercase text of the first label
// Prepends labels given in text ("_dmarc") to a wire name; nullopt if too long or invalid.
std::optional<std::string> prepend(std::string_view labels_text, std::string_view wire);
// Mail-related names (used by the proxy checks and by the write pre-flight's relevance filter,
// api/preflight_filter.h, which must agree with them):
// a host label mail clients and servers use for SMTP/IMAP/POP ("mail", "smtp", "mx1", "mail-2"...);
bool mail_protocol_label(const std::string& label);
// a host label for mail over HTTP(S) ("webmail", "autodiscover", "autoconfig", "owa");
bool mail_web_label(const std::string& label);
// an underscore label in `wire` strictly below `stop` ("_dmarc", "_domainkey", ...);
bool has_underscore_label(std::string_view wire, std::string_view stop);
// a CNAME (owner -> target, wire) mail needs to see as a CNAME: under an underscore label,
// autodiscover/autoconfig, or a target that is a DKIM/verification host. With flatten-all such
// a CNAME is flattened and its TXT data vanishes (proxy.flatten_all_mail_cname).
bool mail_cname(std::string_view owner, std::string_view target, std::string_view domain);
// ASCII lowercase copy.
using common::ascii_lower;
// Trims spaces and tabs at both ends.
std::string_view trim(std::string_view s);

}  // namespace dnsedge::doctor
