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

struct Peer {
  std::string id;
  std::string name;
  std::string ip;  // as configured
  Prefix address;  // parsed ip (a host prefix)
  uint16_t port = 53;
  std::shared_ptr<const TsigKey> key;  // null: unsigned
};

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
