#pragma once
// Transfer configuration as the xfr module uses it: TSIG keys, and per zone the peers that are
// notified and may transfer, plus extra allow entries (address prefix and/or key). Built by the
// app from the store (secondary_dns API objects) and the TOML file; published to the Service as
// an immutable snapshot.
//
// Transfer ACL (per zone, RFC 5936 §6 leaves the policy to the operator):
//   - a request is allowed when a peer of the zone has the request's source address and, if
//     that peer has a TSIG key, the request is signed with exactly that key ("a peer that has a
//     key must use it"), or when an allow entry matches (its prefix contains the source, if it
//     has one, and its key signed the request, if it has one);
//   - everything else is REFUSED (and logged with the reason).

#include <sys/socket.h>

#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "xfr/tsig.h"

namespace dnsedge::xfr {

struct Prefix {
  int family = 0;  // AF_INET or AF_INET6
  uint8_t addr[16] = {};
  int bits = 0;
  // "192.0.2.1", "192.0.2.0/24", "::1", "2001:db8::/32".
  static Result<Prefix> parse(std::string_view text);
  bool contains(const sockaddr_storage& a) const noexcept;
  std::string to_string() const;
};

// A local address NOTIFY messages are sent from (the kernel picks the port), like Knot's `via`
// and BIND's `notify-source`: a secondary that filters NOTIFY by address must allow it.
struct SourceAddress {
  sockaddr_storage addr{};  // port 0
  socklen_t len = 0;
  std::string text;         // "127.0.0.2", "2001:db8::53"

  int family() const noexcept { return addr.ss_family; }
  // An IPv4 or IPv6 address (no prefix, no port) that this host can bind a UDP socket to
  // (`must_bind` false: any address): anything else is an error saying which ("not an IPv4 or
  // IPv6 address", "cannot send from").
  static Result<SourceAddress> parse(std::string_view text, bool must_bind = true);
};

struct Peer {
  std::string id;
  std::string name;
  std::string ip;  // as configured
  Prefix address;  // parsed ip (a host prefix)
  uint16_t port = 53;
  std::shared_ptr<const TsigKey> key;  // null: unsigned
  std::optional<SourceAddress> notify_source;  // NOTIFY leaves from here; unset: Config's default
};

// The source address of NOTIFY messages to `peer`: its own notify_source, else the first of
// `defaults` of the peer's address family, else none (the kernel chooses).
const SourceAddress* notify_source_for(const Peer& peer, const std::vector<SourceAddress>& defaults) noexcept;

// The default NOTIFY sources (Config::notify_source) from their texts: each must parse
// (SourceAddress::parse), and at most one per address family.
Result<std::vector<SourceAddress>> parse_notify_sources(const std::vector<std::string>& texts);

// Refuses a peer whose notify_source is not of the family of its ip (`where` prefixes the error).
Result<void> check_notify_source(const Peer& peer, std::string_view where);

struct AllowEntry {
  std::optional<Prefix> prefix;        // unset: any address
  std::shared_ptr<const TsigKey> key;  // null: unsigned requests too
};

struct ZoneOutgoing {
  std::vector<Peer> peers;         // notified on every publish; may transfer
  std::vector<AllowEntry> allow;   // may transfer, not notified
};

// A secondary zone: where it is pulled from (secondary_dns/incoming).
struct ZoneIncoming {
  std::string zone_id;
  std::vector<Peer> primaries;  // tried in order; NOTIFY is accepted from these addresses
  uint32_t auto_refresh = 0;    // seconds between SOA checks; 0: the SOA's refresh
};

struct Config {
  Keyring keys;
  std::map<std::string, ZoneOutgoing> outgoing;  // by apex (lowercase wire)
  std::map<std::string, ZoneIncoming> incoming;  // by apex
  size_t journal_max = 100;  // view diffs kept per zone for IXFR (older serials get AXFR)
  // NOTIFY's source addresses for peers without their own (--notify-source, [xfr] notify_source):
  // at most one per address family; none: the kernel chooses.
  std::vector<SourceAddress> notify_source;
};

struct AclDecision {
  bool allowed = false;
  std::string reason;  // why not, for the log
};

AclDecision check_transfer(const Config& config, std::string_view apex, const sockaddr_storage& from,
                           const TsigKey* signed_with);

// "127.0.0.1" / "::1" (no port) of a socket address.
std::string address_text(const sockaddr_storage& a);

}  // namespace dnsedge::xfr
