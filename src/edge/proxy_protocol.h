#pragma once
// PROXY protocol headers (HAProxy's "The PROXY protocol", versions 1 and 2), which a Spectrum
// app sends to its origin first so the origin sees the client's real address.
//
//   v1: "PROXY TCP4 198.51.100.7 203.0.113.64 50123 25\r\n"  (text, at most 107 octets)
//   v2: "\r\n\r\n\0\r\nQUIT\n" 0x21 0x11 <len 12> <src4> <dst4> <sport> <dport>  (binary)
//
// Thread safety: pure functions.

#include <optional>
#include <string>
#include <string_view>

#include "edge/address.h"

namespace dnsedge::edge {

enum class ProxyProtocol : uint8_t { kOff, kV1, kV2 };

// "off", "v1", "v2" (as in the Cloudflare API); nullopt for anything else.
std::optional<ProxyProtocol> parse_proxy_protocol(std::string_view text);
std::string_view to_string(ProxyProtocol p) noexcept;

// The header for a TCP connection from `client` to `edge` (same address family). Empty for kOff.
std::string proxy_header(ProxyProtocol version, const IpEndpoint& client, const IpEndpoint& edge);

}  // namespace dnsedge::edge
