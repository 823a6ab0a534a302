#pragma once
// Spectrum-style TCP apps (docs/edge.md "Spectrum apps"): a port or port range on an edge
// address whose bytes the edge carries to an origin, optionally after a PROXY protocol header.
// This is how port 25 reaches a mail server behind the edge; without an app nothing listens
// there.
//
// The fields mirror the Cloudflare API's app object (`/zones/{id}/spectrum/apps`), so the API
// can fill a SpectrumApp directly:
//   protocol        "tcp/25" or "tcp/1000-2000"
//   dns             the app's name (its DNS record answers the app's edge address)
//   origin_direct   ["tcp://192.0.2.1:25", ...]: several entries are load-balanced round-robin,
//                   with failover to the next on connect failure
//   origin_dns + origin_port
//                   a name in our zones (a proxied name's origin, or its A/AAAA) and a port or a
//                   range as large as the edge range (edge port N → same offset in the range)
//   proxy_protocol  off | v1 | v2
//   ip_firewall     accepted and kept (see docs/edge.md)
//   edge_ips        static edge addresses; empty: one address from the Spectrum pool
//
// The command-line form (--spectrum-app) is
//   PROTOCOL=ORIGIN[,ORIGIN...][,key=value...]
// with keys name (or dns), proxy (or proxy_protocol), origin_dns, origin_port, edge_ip (or
// edge_ips, repeatable), ip_firewall (on/off), id. Examples:
//   tcp/25=127.0.0.1:2525,proxy=v1,name=smtp.example.com
//   tcp/2000-2010=[2001:db8::1]:2000,name=game.example.com,edge_ip=203.0.113.70
//   tcp/25,origin_dns=mail.example.com,origin_port=25,proxy=v2,name=smtp.example.com
//
// Thread safety: plain values and pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "edge/address.h"
#include "edge/proxy_protocol.h"
#include "view/apps.h"

namespace dnsedge::edge {

// Most ports one app may span (each is a listening socket).
inline constexpr unsigned kMaxAppPorts = 1024;

struct SpectrumApp {
  std::string id;        // API id, "" for apps from the command line or config file
  std::string protocol;  // as given: "tcp/25", "tcp/1000-2000"
  uint16_t port_first = 0;
  uint16_t port_last = 0;
  std::string dns_name;  // presentation form without the trailing dot, lowercase
  std::vector<IpEndpoint> origin_direct;
  std::string origin_dns;  // presentation form, lowercase; "" when origin_direct is used
  uint16_t origin_port_first = 0;
  uint16_t origin_port_last = 0;
  ProxyProtocol proxy_protocol = ProxyProtocol::kOff;
  bool ip_firewall = false;
  std::vector<IpAddress> edge_ips;  // static, or assigned from the pool by assign_edge_ips()
  // ip_firewall: the zone's IP access rules (API apps only; view::ServedApp).
  std::vector<IpPrefix> allow, deny;

  // Whether a client may connect: always without ip_firewall; with it, the most specific rule
  // that contains the address decides (block wins a tie), and no matching rule admits.
  bool admits(const IpAddress& client) const noexcept;

  // The origin port for a connection on `edge_port` to `origin`'s port (origin_direct) or to
  // origin_port (origin_dns), keeping the offset inside a range.
  uint16_t origin_port(uint16_t edge_port, uint16_t direct_port) const noexcept;
  bool operator==(const SpectrumApp&) const = default;
};

// "tcp/25" / "tcp/1000-2000" → the port range; errors name the problem (udp is not supported).
Result<std::pair<uint16_t, uint16_t>> parse_protocol(std::string_view protocol);

// The command-line form above.
Result<SpectrumApp> parse_app_spec(std::string_view spec);

// Checks one app: ports, at least one origin (direct xor dns), origin_port range size.
Result<void> validate_app(const SpectrumApp& app);

// Gives every app without edge_ips one address from `pools` (the first IPv4 pool, else the
// first pool): apps with the same name share an address, chosen by a hash of the name with
// linear probing, so it is stable across restarts while the set of names is.
// Fails when the pools are exhausted or two apps claim the same address and port.
Result<std::vector<SpectrumApp>> assign_edge_ips(std::vector<SpectrumApp> apps, const std::vector<IpPrefix>& pools);

// An app created through the API, as its zone's view publishes it (view/apps.h), in the edge's
// form. Fails only for data the controller would not have accepted.
Result<SpectrumApp> app_from_view(const view::ServedApp& app);

// "tcp/25 smtp.example.com → 127.0.0.1:2525 (proxy v1) on 127.0.0.64"
std::string describe_app(const SpectrumApp& app);

}  // namespace dnsedge::edge
