#pragma once
// The served view of a zone: records compiled once into an immutable structure that the query
// path walks without allocating, locking or looking anything up outside it.
//
// Compile-time work (so queries never do it): owner names are hashed into one open index,
// empty non-terminals get nodes, delegation points and the names below them are flagged, each
// node's RRsets are stored in wire form grouped by type, MX/SRV/NS targets carry the index of
// their in-zone node for additional data, and the negative-answer SOA TTL is precomputed
// (RFC 2308 §5: min(SOA TTL, SOA MINIMUM)).
//
// Thread safety: a ZoneView is immutable after compile(); any number of threads may read it.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/result.h"
#include "dns/zonefile.h"
#include "dnssec/zone_signing.h"
#include "view/append_buffer.h"
#include "view/apps.h"
#include "view/dnssec_index.h"
#include "view/page_rules.h"
#include "view/rdata.h"
#include "view/served.h"

namespace dnsedge::view {

inline constexpr uint32_t kNone = 0xffffffffu;

// One RRset. Its RRs live in ZoneView::rdata_ as consecutive [u16 rdlength][rdata] entries.
struct RRset {
  uint16_t type = 0;
  uint16_t count = 0;
  uint32_t ttl = 0;
  uint32_t rdata_off = 0;   // first entry in rdata_
  uint32_t rdata_len = 0;   // bytes of all entries
  uint32_t targets_off = kNone;  // MX/SRV/NS/CNAME: index into targets_ (one per RR) or kNone
};

namespace node_flag {
inline constexpr uint16_t kDelegation = 1;       // non-apex node with NS: a zone cut
inline constexpr uint16_t kBelowCut = 2;         // strictly below a zone cut (glue / occluded)
inline constexpr uint16_t kEmptyNonTerminal = 4; // exists only because names below it exist
inline constexpr uint16_t kWildcardChild = 8;    // "*.<this>" exists
inline constexpr uint16_t kCname = 16;           // holds a CNAME
inline constexpr uint16_t kApex = 32;
inline constexpr uint16_t kAddrServfail = 64;    // flattened target unusable: A/AAAA → SERVFAIL
inline constexpr uint16_t kDead = 128;           // removed by a patch: not in the index, no RRsets
inline constexpr uint16_t kNsec3 = 256;          // an NSEC3 owner (hashed): not in the name index
// What kind of data the node serves (metrics and analytics): a proxied name's edge addresses,
// a flattened CNAME's target addresses (kStale: the resolver serves them past their TTL), a
// synthesized dc-record's origin addresses. None of them: the records as stored.
inline constexpr uint16_t kProxied = 512;
inline constexpr uint16_t kFlattened = 1024;
inline constexpr uint16_t kStale = 2048;
inline constexpr uint16_t kDcRecord = 4096;
inline constexpr uint16_t kKindFlags = kProxied | kFlattened | kStale | kDcRecord;
}  // namespace node_flag

struct Node {
  uint32_t name_off = 0;     // into names_ (lowercase wire form)
  uint8_t name_len = 0;
  uint8_t labels = 0;
  uint16_t flags = 0;
  uint32_t rrset_begin = 0;  // into rrsets_, sorted by type
  uint32_t rrset_count = 0;
  uint32_t cut = kNone;      // for kDelegation|kBelowCut: the node of the topmost zone cut
};

struct CompileOptions {
  std::string source;  // file name for error messages ("" for in-memory)
  // Proxy semantics (docs/proxy.md); see view/served.h.
  const EdgeAddresses* edge = nullptr;     // null: no edge addresses (proxied records fail)
  Flattening flattening = Flattening::kAtRoot;
  const TargetSource* targets = nullptr;   // other served zones and resolved external names
  // Spectrum apps of the zone (view/apps.h): their names answer their edge addresses, and the
  // view carries them for the edge. Null: none.
  const std::vector<ServedApp>* apps = nullptr;
  // A secondary zone past its SOA expire (RFC 1035 §3.3.13): every query at it gets SERVFAIL.
  bool expired = false;
  // Online DNSSEC (dnssec/zone_signing.h): the zone's keys and signature timing; the view keeps
  // them for signing at query time. Null: the zone is not signed online.
  std::shared_ptr<const dnssec::ZoneSigning> signing;
  // Threads that sign a full compile (view/signing.cc): 0 picks (one for a view of fewer than a
  // few thousand names, else one per core the process may use, at most 8); 1 signs on the
  // calling thread. Patches are always signed on the calling thread.
  unsigned sign_threads = 0;
};

// One name's new data for ZoneView::patch (view/model.h builds them).
struct NodePatch {
  std::string_view name;                 // wire, lowercase
  bool exists = false;                   // false: the name is gone (NXDOMAIN now)
  std::vector<ServedRecord> records;     // what it serves (empty: an empty non-terminal or NODATA)
  std::vector<std::string> notes;        // explain reasons (see Served::notes)
  const Origin* origin = nullptr;        // proxied: its origin
  uint16_t servfail = 0;                 // EDE code when A/AAAA answer SERVFAIL
};

class ZoneView {
 public:
  // The construction interface: the one code that writes a view's data (view/zone_builder.h).
  class Builder;

  // Builds the view of the zone `origin` (wire form, lowercase) from `records`.
  // Fails with "source:line: reason" for: no SOA at the apex, more than one SOA, records
  // outside the zone, a CNAME beside other data (RFC 1034 §3.6.2; RRSIG/NSEC allowed), more
  // than one CNAME at a name, class other than IN, a DNAME... that the server cannot serve.
  static Result<std::shared_ptr<const ZoneView>> compile(std::string_view origin,
                                                         const std::vector<dns::ZoneRecord>& records,
                                                         const CompileOptions& options = {});
  static Result<std::shared_ptr<const ZoneView>> compile(std::string_view origin, std::vector<dns::ZoneRecord>&& records,
                                                         const CompileOptions& options = {});

  // A copy of `prev` with the nodes of `nodes` rewritten (names in any order; every new name's
  // missing ancestors must be among them). Zone cuts and wildcards must not change (the model
  // compiles those changes in full); the apex is checked as compile() checks it. `external`:
  // the new external_names() (nullptr: unchanged).
  static Result<std::shared_ptr<const ZoneView>> patch(const ZoneView& prev, std::vector<NodePatch> nodes,
                                                       std::shared_ptr<const std::vector<std::string>> external);

  std::string_view apex() const noexcept { return apex_; }
  uint32_t serial() const noexcept { return serial_; }
  // The same view with another SOA serial (serial discipline of file zones: a changed view
  // whose file kept its serial is served with the next one).
  std::shared_ptr<const ZoneView> with_serial(uint32_t serial) const;
  bool expired() const noexcept { return expired_; }
  // Nodes, dead ones (node_flag::kDead: removed by a patch, without RRsets) included.
  size_t node_count() const noexcept { return nodes_.size(); }
  size_t record_count() const noexcept { return record_count_; }
  const std::string& source() const noexcept { return source_; }

  // --- query-path accessors (noexcept, allocation-free) ---
  uint32_t find(std::string_view lower_name) const noexcept;  // node index or kNone
  const Node& node(uint32_t i) const noexcept { return nodes_[i]; }
  std::string_view node_name(const Node& n) const noexcept { return names_.view().substr(n.name_off, n.name_len); }
  const RRset* rrset(const Node& n, uint16_t type) const noexcept;
  const RRset* rrsets_begin(const Node& n) const noexcept { return rrsets_.data() + n.rrset_begin; }
  const uint8_t* rdata(const RRset& s) const noexcept {
    return reinterpret_cast<const uint8_t*>(rdata_.data()) + s.rdata_off;
  }
  // The RRs of an RRset, typed (view/rdata.h): use this rather than walking rdata().
  RdataRange rdatas(const RRset& s) const noexcept { return {rdata(s), s.count}; }
  const uint32_t* targets(const RRset& s) const noexcept {
    return s.targets_off == kNone ? nullptr : targets_.data() + s.targets_off;
  }
  uint32_t apex_node() const noexcept { return 0; }
  const RRset& soa() const noexcept { return rrsets_[soa_rrset_]; }
  uint32_t negative_ttl() const noexcept { return negative_ttl_; }

  // DNSSEC of a signed zone (view/dnssec_index.h).
  const DnssecIndex& dnssec() const noexcept { return dnssec_; }
  bool is_signed() const noexcept { return dnssec_.is_signed; }
  // Online signing of the zone (CompileOptions::signing); null when it is not signed online.
  const dnssec::ZoneSigning* signing() const noexcept { return signing_.get(); }
  // The node whose NSEC matches or covers `lower_name`: the greatest NSEC owner canonically
  // at or before it (the last one when none is: the chain wraps). kNone without NSEC.
  uint32_t nsec_for(std::string_view lower_name) const noexcept;
  // The NSEC3 node whose hashed owner matches (*exact) or covers the hash `label` (base32hex,
  // kNsec3LabelLen octets). kNone without NSEC3.
  uint32_t nsec3_for(const uint8_t* label, bool* exact) const noexcept;

  // RFC 8914 info-code for a name whose A/AAAA answer SERVFAIL (node has kAddrServfail).
  uint16_t servfail_ede(std::string_view name) const noexcept;

  // All records of the view, in canonical order (for export and transfers).
  std::vector<dns::ZoneRecord> records() const;

  // Why a name answers what it does (proxied, flattened, dc-record...); empty for plain names.
  std::vector<std::string> explain(std::string_view name) const;
  // Origins of proxied names (owner wire → addresses), for the edge and for other zones.
  const absl::flat_hash_map<std::string, Origin>& origins() const noexcept { return *origins_; }
  // Names outside this zone the compile looked up (external targets, other zones' names).
  const std::vector<std::string>& external_names() const noexcept { return *external_; }

  // Lineage, for transfers: a unique id per view, and the names (wire) whose data may differ
  // between this view and an earlier one it was patched from, for up to kLineage ancestors
  // (sorted, unique). nullopt: not known (compiled in full since, or too far back): compare
  // everything.
  static constexpr size_t kLineage = 64;
  uint64_t id() const noexcept { return id_; }
  std::optional<std::vector<std::string>> changed_since(uint64_t ancestor_id) const;
  // Sum of node_digest() over the nodes (view/digest.h), kept up to date by patch().
  const std::array<uint64_t, 2>& digest_sum() const noexcept { return digest_sum_; }
  // The zone's Spectrum apps, as compiled (CompileOptions::apps).
  const std::vector<ServedApp>& apps() const noexcept { return apps_; }

 private:
  ZoneView() = default;
  // Adding a member? patch() copies them one by one (zone_builder.cc): add it there too.
  static uint64_t next_id() noexcept;

  std::string apex_;
  std::string source_;
  uint32_t serial_ = 0;
  bool expired_ = false;
  uint32_t negative_ttl_ = 0;
  uint32_t soa_rrset_ = 0;
  size_t record_count_ = 0;
  // Append-only, shared with the views patched from this one (view/append_buffer.h).
  AppendBuffer<char> names_;
  AppendBuffer<char> rdata_;
  std::vector<Node> nodes_;
  AppendBuffer<RRset> rrsets_;
  AppendBuffer<uint32_t> targets_;
  DnssecIndex dnssec_;
  // Name → node: open addressing, linear probing, power-of-two size, at most 70% full when
  // built (rebuilt past 80% live + deleted slots). A slot
  // holds (hash >> 32) << 32 | node, kEmptySlot or kDeletedSlot; keys are the nodes' names. Plain
  // integers, so a patched copy of a view copies it as it is.
  std::vector<uint64_t> index_;
  size_t index_used_ = 0;  // live + deleted slots
  void index_insert(uint32_t node);
  void index_erase(uint32_t node);
  void index_build();
  // Owner-keyed data, shared between a view and the views patched from it until a patch
  // changes them.
  using Notes = absl::flat_hash_map<std::string, std::vector<std::string>>;
  using Origins = absl::flat_hash_map<std::string, Origin>;
  using Servfail = absl::flat_hash_map<std::string, uint16_t>;
  std::shared_ptr<const Notes> notes_ = std::make_shared<Notes>();
  std::shared_ptr<const Origins> origins_ = std::make_shared<Origins>();
  std::shared_ptr<const Servfail> servfail_ = std::make_shared<Servfail>();
  std::shared_ptr<const std::vector<std::string>> external_ = std::make_shared<std::vector<std::string>>();
  std::vector<ServedApp> apps_;
  std::shared_ptr<const dnssec::ZoneSigning> signing_;
  uint64_t id_ = 0;
  std::array<uint64_t, 2> digest_sum_{0, 0};
  void digest_add(uint32_t node, bool remove);
  struct Ancestor {
    uint64_t id;
    std::shared_ptr<const std::vector<std::string>> changed;  // names patched in its child
  };
  std::vector<Ancestor> lineage_;  // nearest first
};

// The rdata of an RRset of `z` (none for nullptr), copied out. Not for the query path.
std::vector<std::string> rrset_rdatas(const ZoneView& z, const RRset* s);

// The set of zones served, looked up by longest matching suffix. Immutable once built.
class Catalog {
 public:
  // `page_rules`: the active page rules of the zones, for the edge (view/page_rules.h); null: none.
  static std::shared_ptr<const Catalog> build(std::vector<std::shared_ptr<const ZoneView>> zones,
                                              std::shared_ptr<const PageRuleSet> page_rules = nullptr);
  static std::shared_ptr<const Catalog> empty() { return build({}); }

  // The zone with the longest apex that `lower_qname` equals or lies below, or nullptr.
  const ZoneView* find_zone(std::string_view lower_qname) const noexcept;
  const std::vector<std::shared_ptr<const ZoneView>>& zones() const noexcept { return zones_; }
  std::shared_ptr<const ZoneView> zone(std::string_view apex) const;
  // The page rules published with the zones; never null.
  const std::shared_ptr<const PageRuleSet>& page_rules() const noexcept { return page_rules_; }

 private:
  std::vector<std::shared_ptr<const ZoneView>> zones_;
  std::shared_ptr<const PageRuleSet> page_rules_;
  absl::flat_hash_map<std::string_view, const ZoneView*> by_apex_;
  std::vector<const ZoneView*> by_length_;  // apexes longest first, for small catalogs
  unsigned max_labels_ = 0;
};

}  // namespace dnsedge::view
