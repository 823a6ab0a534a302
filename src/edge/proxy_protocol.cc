#include "edge/proxy_protocol.h"

namespace dnsedge::edge {
namespace {

// The v2 signature, §2.2.
constexpr char kV2Signature[12] = {'\r', '\n', '\r', '\n', '\0', '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

}  // namespace

std::optional<ProxyProtocol> parse_proxy_protocol(std::string_view text) {
  if (text == "off" || text.empty()) return ProxyProtocol::kOff;
  if (text == "v1") return ProxyProtocol::kV1;
  if (text == "v2") return ProxyProtocol::kV2;
  return std::nullopt;
}

std::string_view to_string(ProxyProtocol p) noexcept {
  switch (p) {
    case ProxyProtocol::kV1: return "v1";
    case ProxyProtocol::kV2: return "v2";
    case ProxyProtocol::kOff: break;
  }
  return "off";
}

std::string proxy_header(ProxyProtocol version, const IpEndpoint& client, const IpEndpoint& edge) {
  std::string out;
  const bool v6 = client.addr.family == 6;
  if (version == ProxyProtocol::kV1) {
    // §2.1: "PROXY" SP ("TCP4"|"TCP6") SP src SP dst SP sport SP dport CRLF
    out = "PROXY ";
    out += v6 ? "TCP6 " : "TCP4 ";
    out += client.addr.to_string() + " " + edge.addr.to_string() + " " + std::to_string(client.port) + " " +
           std::to_string(edge.port) + "\r\n";
  } else if (version == ProxyProtocol::kV2) {
    // §2.2: signature, ver_cmd 0x21 (version 2, PROXY), fam 0x11 (TCP/IPv4) or 0x21 (TCP/IPv6),
    // length, then source address, destination address, source port, destination port.
    out.assign(kV2Signature, sizeof kV2Signature);
    out.push_back(static_cast<char>(0x21));
    out.push_back(static_cast<char>(v6 ? 0x21 : 0x11));
    const size_t n = client.addr.size();
    put16(out, static_cast<uint16_t>(2 * n + 4));
    out.append(reinterpret_cast<const char*>(client.addr.bytes.data()), n);
    out.append(reinterpret_cast<const char*>(edge.addr.bytes.data()), n);
    put16(out, client.port);
    put16(out, edge.port);
  }
  return out;
}

}  // namespace dnsedge::edge
