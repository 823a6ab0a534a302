#pragma once
// Where the mail doctor gets its DNS data: an abstract Source answering (name, type) lookups,
// plus, in local mode, the proxy facts only our own served view knows (which names are
// proxied, their origins, the edge addresses, flattening). Checks never do I/O themselves.
//
// Two implementations: LocalSource (doctor/local_source.h) answers from a view::Catalog through
// auth::answer, exactly what `dnsedge serve` would answer; LiveSource (doctor/live_source.h)
// asks DNS through resolve::Resolver (a given server, an upstream, or full recursion).
//
// Thread safety: a Source is used by one check run (one thread) at a time.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/zonefile.h"
#include "view/served.h"

namespace dnsedge::doctor {

// The outcome of one lookup.
struct Lookup {
  enum class Status : uint8_t {
    kOk,       // a DNS answer (any rcode, see `rcode`)
    kTimeout,  // no answer in time (the lookup's own timeout or the overall budget)
    kError,    // could not ask (resolver error, malformed answer, name outside reach)
  };
  Status status = Status::kOk;
  uint16_t rcode = 0;  // dns::rcode::k*; meaningful for kOk
  // Answer section: the CNAME chain (if any), then the data at its end; owners and names in
  // rdata lowercase wire form; TTLs as served.
  std::vector<dns::ZoneRecord> records;
  std::string error;  // why, for kTimeout/kError ("timed out after 3000 ms", "SERVFAIL" ...)
  std::string note;   // extra context from the source ("below the delegation sub.example.com.")

  // True for a usable answer: kOk and NOERROR or NXDOMAIN.
  bool answered() const noexcept;
  bool nxdomain() const noexcept { return status == Status::kOk && rcode == 3; }
  // Where the CNAME chain starting at `qname` ends (qname when there is none).
  std::string canonical(std::string_view qname) const;
  // rdata of the RRs of `type` owned by the end of the chain starting at `qname`.
  std::vector<std::string> rdata(std::string_view qname, uint16_t type) const;
  // The records of the answer with `type` at the end of the chain, sorted by rdata.
  std::vector<dns::ZoneRecord> rrs(std::string_view qname, uint16_t type) const;
  // A one-line reason for a failure: the error, or the rcode name for SERVFAIL/REFUSED...
  std::string failure() const;
};

// What only the served view knows. Present in local mode; absent (nullptr) in live mode.
struct ProxyFacts {
  view::EdgeAddresses edge;  // rdata (4 or 16 octets)

  struct Zone {
    std::string apex;  // wire
    bool flatten_all = false;
    std::vector<dns::ZoneRecord> stored;  // the zone's records as stored (proxy flags kept)
    std::vector<dns::ZoneRecord> served;  // what the zone answers (dc-records, edge addresses)
  };
  std::vector<Zone> zones;

  // Proxied names of every zone: owner (wire) → origin (what the edge connects to).
  struct Proxied {
    std::string owner;
    view::Origin origin;
  };
  std::vector<Proxied> proxied;

  const Zone* zone_of(std::string_view name) const;  // longest apex containing name
  const Proxied* find_proxied(std::string_view owner) const;
  bool is_edge(const std::string& rdata) const;
};

class Source {
 public:
  virtual ~Source() = default;
  // Looks `name` (lowercase wire form) up. Must return within about `budget` (the time left of
  // the overall limit); never throws.
  virtual Lookup lookup(std::string_view name, uint16_t type, std::chrono::milliseconds budget) = 0;
  // "local" or "live".
  virtual std::string_view mode() const = 0;
  // Proxy facts, or nullptr when the source cannot know them (live DNS).
  virtual const ProxyFacts* facts() const { return nullptr; }
};

}  // namespace dnsedge::doctor
