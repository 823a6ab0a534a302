#pragma once
// The proxy and mail-safety rules (docs/proxy.md), applied to a zone's stored records before they
// are compiled: what each name *serves*. The rules live in view/model.cc (ZoneModel, which also
// recompiles a changed zone name by name); these are their types: stored records + edge
// addresses + settings + what is known about names outside the zone → served records and reasons.
//
//  - proxied A/AAAA/CNAME names answer the edge addresses (TTL 300), never the origin;
//  - CNAMEs are flattened at the apex (always), everywhere with flatten_all, or per record;
//  - an MX or SRV whose target is proxied points at a synthesized dc-xxxxxxxx.<zone> name that
//    answers the origin addresses.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/result.h"
#include "dns/zonefile.h"
#include "view/origin_policy.h"

namespace dnsedge::view {

struct EdgeAddresses {
  std::vector<std::string> v4;  // 4-octet rdata
  std::vector<std::string> v6;  // 16-octet rdata
  // Where proxied origins may be (view/origin_policy.h); null: only the edge addresses are
  // refused (unit tests, tools without a server configuration).
  std::shared_ptr<const OriginPolicy> policy;
};

enum class Flattening : uint8_t { kAtRoot, kAll };

// The A/AAAA data a name outside the zone being compiled answers right now.
struct TargetAddrs {
  enum class State : uint8_t { kOk, kPending, kFailed };
  State state = State::kOk;
  std::vector<std::string> v4, v6;  // rdata
  uint32_t ttl = 0;                 // stable TTL of that data
  bool proxied = false;             // a proxied name of another zone we serve
  std::vector<std::string> origin_v4, origin_v6;  // its origin addresses when proxied
  std::string detail;               // where the data comes from, for explain
};

// Where the compiler learns about names outside the zone: other zones we serve (their current
// views) and external names (the background resolver's last results).
class TargetSource {
 public:
  virtual ~TargetSource() = default;
  // `name` is lowercase wire form. nullopt: nothing is known about it yet.
  virtual std::optional<TargetAddrs> lookup(std::string_view name) const = 0;
};

// Origin of a proxied name: what the edge connects to and what a dc-record answers.
struct Origin {
  std::vector<std::string> v4, v6;  // rdata
  std::string cname;                // wire form when the proxied record is a CNAME
  bool ipv4_only = false, ipv6_only = false;  // settings of the name (no AAAA / no A answered)
  bool operator==(const Origin&) const = default;
};

// One record the zone serves. The views point into the zone's stored records, its edge
// addresses, or names and rdata the rules made, all held by the ZoneModel that made the record
// (view/model.h). A served zone is mostly its stored records, so they are not copied.
struct ServedRecord {
  std::string_view owner;  // wire form, lowercase
  std::string_view rdata;  // wire form
  uint16_t type = 0;
  uint16_t rclass = 1;
  uint32_t ttl = 0;
  uint32_t line = 0;       // of the stored record it comes from
};

struct Served {
  std::vector<ServedRecord> records;  // what the zone answers (compiled by ZoneView)
  // Owner → reasons, for explain. A proxied owner's own reasons are not here (there is one per
  // proxied name, and they follow from `origins`: proxied_notes()); an empty string marks where
  // they go among the owner's other reasons, and when there is none they come first.
  absl::flat_hash_map<std::string, std::vector<std::string>> notes;
  absl::flat_hash_map<std::string, Origin> origins;                  // proxied owners
  absl::flat_hash_map<std::string, uint16_t> servfail;  // owner → EDE code for A/AAAA
  std::vector<std::string> external;  // names looked up through the TargetSource
};

// The reasons a proxied owner answers what it does (explain), from its Origin.
std::vector<std::string> proxied_notes(const Origin& origin);

// "dc-" + 8 lowercase hex digits of FNV-1a-32 over the zone and target names (lowercase wire),
// then the zone: stable across restarts and replicas. Wire form.
std::string dc_name(std::string_view zone, std::string_view target);

// Cloudflare's list of hosts a proxied CNAME may not point at (DKIM keys, verification).
bool is_blocked_proxy_target(std::string_view target_wire);

}  // namespace dnsedge::view
