#pragma once
// Where a proxied name's origin may be: the rule that keeps the edge from being a tunnel into
// the machine it runs on (docs/edge.md "Prohibited origins").
//
// An origin address (a proxied A/AAAA's content, an address a proxied CNAME's target resolves
// to, a Spectrum app's origin) is refused when it is, checked in this order:
//   1. an edge address, inside a Spectrum pool, or an address dnsedge itself listens on (DNS,
//      API, metrics; a wildcard listener stands for every address of the host) — never allowed;
//   2. inside an --edge-origin-deny block — refused (deny wins over allow);
//   3. inside an --edge-origin-allow block — allowed;
//   4. unspecified (0.0.0.0/8, ::), loopback (127.0.0.0/8, ::1), link-local (169.254.0.0/16,
//      fe80::/10), multicast (224.0.0.0/4, ff00::/8) or reserved/broadcast (240.0.0.0/4,
//      255.255.255.255) — refused, except loopback in a lab (below);
//   5. anything else (public and RFC 1918 addresses alike) — allowed.
// IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) IPv6 addresses are judged by the IPv4
// address they carry.
//
// A lab is a server whose edge addresses (or Spectrum pools) are themselves loopback: tests and
// `make run` on 127.0.0.x. There the origins live on other loopback addresses, so loopback is
// allowed — but rule 1 still holds, so the server's own DNS, API and metrics addresses, the edge
// addresses and the pools stay refused. The same holds for one Spectrum app that listens on
// loopback addresses only (`loopback_listener`): only this machine can reach it, so a loopback
// origin opens nothing to the outside.
//
// The policy is built once at start (app/config.cc) and shared, immutable: the controller checks
// it when a record or app is written (HTTP 400, code 9003), the zone compiler when a zone file is
// loaded (file:line), and the edge again when it connects, since what a CNAME target resolves to
// can change afterwards (error 1000).
//
// Thread safety: immutable after construction; check() may be called from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"

namespace dnsedge::view {

// The message of every refusal (Cloudflare's error 1000 text) and its API code.
inline constexpr std::string_view kProhibitedOrigin = "DNS points to prohibited IP";
inline constexpr int kProhibitedOriginCode = errc::kBlockedTarget;

// An address block over rdata (4 or 16 octets), "10.0.0.0/8", "fd00::/8"; a bare address is a
// single-address block.
struct AddressBlock {
  std::string base;  // rdata, host bits cleared
  unsigned length = 0;

  static std::optional<AddressBlock> parse(std::string_view text);
  bool contains(std::string_view rdata) const noexcept;
  std::string text() const;
  bool operator==(const AddressBlock&) const = default;
};

enum class OriginVerdict : uint8_t {
  kAllowed,
  kEdge,         // an edge address
  kPool,         // inside a Spectrum pool
  kOwn,          // dnsedge listens on it
  kDenied,       // --edge-origin-deny
  kUnspecified,
  kLoopback,
  kLinkLocal,
  kMulticast,
  kReserved,     // 240.0.0.0/4, broadcast included
  kInvalid,      // not 4 or 16 octets
};

struct OriginPolicyOptions {
  std::vector<std::string> edge;        // rdata
  std::vector<AddressBlock> pools;      // --spectrum-pool
  std::vector<std::string> own;         // rdata: addresses dnsedge listens on (wildcards expanded)
  std::vector<AddressBlock> allow, deny;
};

class OriginPolicy {
 public:
  explicit OriginPolicy(OriginPolicyOptions options);

  OriginVerdict check(std::string_view rdata, bool loopback_listener = false) const noexcept;
  bool allows(std::string_view rdata) const noexcept { return check(rdata) == OriginVerdict::kAllowed; }
  // Edge addresses or pools on loopback: other loopback origins are allowed (see above).
  bool lab() const noexcept { return lab_; }
  static bool loopback(std::string_view rdata) noexcept;
  const OriginPolicyOptions& options() const noexcept { return o_; }

  // "a loopback address", "an address dnsedge listens on", ...
  static std::string_view describe(OriginVerdict v) noexcept;
  // "DNS points to prohibited IP: 127.0.0.1 is a loopback address"
  static std::string message(std::string_view rdata, OriginVerdict v);

 private:
  OriginPolicyOptions o_;
  bool lab_ = false;
};

// Text ⇄ rdata for IPv4 and IPv6 ("" / nullopt when invalid).
std::optional<std::string> address_rdata(std::string_view text);
std::string address_text(std::string_view rdata);

}  // namespace dnsedge::view
