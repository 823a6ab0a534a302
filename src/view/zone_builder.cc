#include "view/zone_builder.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <type_traits>
#include <string>

#include "dns/name.h"
#include "dns/types.h"
#include "dnssec/sign.h"
#include "view/model.h"
#include "view/record_checks.h"

namespace dnsedge::view {
namespace {

using dns::as_bytes;
using dns::as_view;
namespace rrtype = dns::rrtype;

// Canonical rdata order (RFC 4034 §6.3), as Knot keeps its rdatasets.
bool rdata_less(std::string_view a, std::string_view b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  return c != 0 ? c < 0 : a.size() < b.size();
}

// The node_flag kind bits of a name, from its explain reasons (as view/model.cc words them) and
// whether it is proxied.
uint16_t kind_flags(const std::vector<std::string>& why, bool proxied) {
  uint16_t f = proxied ? node_flag::kProxied : 0;
  for (const std::string& w : why) {
    if (w.starts_with("synthesized for mail: ")) f |= node_flag::kDcRecord;
    if (w.find(": flattened from ") != std::string::npos) {
      f |= node_flag::kFlattened;
      if (w.find(", stale: ") != std::string::npos) f |= node_flag::kStale;
    }
  }
  return f;
}

}  // namespace

Result<std::shared_ptr<const ZoneView>> ZoneView::compile(std::string_view origin,
                                                          const std::vector<dns::ZoneRecord>& records,
                                                          const CompileOptions& options) {
  return compile(origin, std::vector<dns::ZoneRecord>(records), options);
}

Result<std::shared_ptr<const ZoneView>> ZoneView::compile(std::string_view origin, std::vector<dns::ZoneRecord>&& records,
                                                          const CompileOptions& options) {
  // A zone none of the rules touch (no proxied record, no CNAME to flatten, no app) is served as
  // stored: build it straight from the records, without the model's bookkeeping (a one-off
  // compile, e.g. of a zone file, does not keep the model).
  const bool as_stored = (options.apps == nullptr || options.apps->empty()) &&
                         std::none_of(records.begin(), records.end(), [&](const dns::ZoneRecord& r) {
                           return r.proxied || r.flatten_cname ||
                                  (r.type == rrtype::kCNAME &&
                                   (options.flattening == Flattening::kAll || r.owner == origin));
                         });
  if (as_stored) {
    auto z = Builder::build(origin, records, options, nullptr);
    if (!z) return z.error();
    for (uint32_t i = 0; i < (*z)->nodes_.size(); ++i) (*z)->digest_add(i, false);
    return std::shared_ptr<const ZoneView>(std::move(*z));
  }
  auto m = ZoneModel::build(origin, std::move(records), options);
  if (!m) return m.error();
  return (*m)->view();
}

Result<std::shared_ptr<ZoneView>> ZoneView::Builder::served(std::string_view origin,
                                                            const std::vector<ServedRecord>& records,
                                                            const CompileOptions& options, const Served& served) {
  auto z = Builder::build(origin, records, options, &served);
  if (!z) return z.error();
  ZoneView& v = **z;
  for (const auto& [name, ede] : served.servfail) {
    const uint32_t id = v.find(name);
    if (id != kNone) v.nodes_[id].flags |= node_flag::kAddrServfail;
  }
  for (const auto& [name, org] : served.origins) {
    const uint32_t id = v.find(name);
    if (id != kNone) v.nodes_[id].flags |= node_flag::kProxied;
  }
  for (const auto& [name, why] : served.notes) {
    const uint32_t id = v.find(name);
    if (id != kNone) v.nodes_[id].flags |= kind_flags(why, false);
  }
  v.notes_ = std::make_shared<const Notes>(served.notes);
  v.origins_ = std::make_shared<const Origins>(served.origins);
  v.servfail_ = std::make_shared<const Servfail>(served.servfail);
  v.external_ = std::make_shared<const std::vector<std::string>>(served.external);
  if (options.apps != nullptr) v.apps_ = *options.apps;
  for (uint32_t i = 0; i < v.nodes_.size(); ++i) v.digest_add(i, false);
  return z;
}

template <class Rec>
Result<void> ZoneView::Builder::node_rrsets(ZoneView& zv, Node& node, std::string_view name, const std::vector<Rec>& records,
                                      std::vector<uint32_t>& group, const CompileOptions& opt, NodeScratch& sc) {
  node.rrset_begin = static_cast<uint32_t>(zv.rrsets_.size());
  if (group.empty()) return {};
  // By type, stable (records keep their order within a type). Insertion sort: a node has a
  // few records, and std::stable_sort would allocate a buffer for every node.
  for (size_t i = 1; i < group.size(); ++i) {
    const uint32_t v = group[i];
    size_t j = i;
    for (; j > 0 && records[group[j - 1]].type > records[v].type; --j) group[j] = group[j - 1];
    group[j] = v;
  }
  bool has_cname = false, has_other = false;
  const Rec* first_other = nullptr;
  for (size_t g = 0; g < group.size();) {
    const uint16_t type = records[group[g]].type;
    size_t e = g;
    sc.rdatas.clear();
    while (e < group.size() && records[group[e]].type == type) sc.rdatas.emplace_back(records[group[e++]].rdata);
    const Rec& head = records[group[g]];
    std::sort(sc.rdatas.begin(), sc.rdatas.end(), rdata_less);
    sc.rdatas.erase(std::unique(sc.rdatas.begin(), sc.rdatas.end()), sc.rdatas.end());
    if (type == rrtype::kCNAME) {
      if (sc.rdatas.size() > 1) {
        return make_error(where(opt.source, records[group[g + 1]]) + "more than one CNAME record at " +
                          dns::name_to_text(name));
      }
      has_cname = true;
    } else if (type != rrtype::kRRSIG && type != rrtype::kNSEC) {
      has_other = true;
      if (!first_other) first_other = &head;
    }
    if (type == rrtype::kSOA && sc.rdatas.size() > 1) {
      return make_error(where(opt.source, records[group[g + 1]]) + "more than one SOA record");
    }
    RRset set;
    set.type = type;
    set.ttl = head.ttl;
    set.count = static_cast<uint16_t>(std::min<size_t>(sc.rdatas.size(), 0xffff));
    set.rdata_off = static_cast<uint32_t>(zv.rdata_.size());
    for (auto rd : sc.rdatas) {  // at most 65535 octets each (check_record_shape)
      zv.rdata_.push_back(static_cast<char>(rd.size() >> 8));
      zv.rdata_.push_back(static_cast<char>(rd.size() & 0xff));
      zv.rdata_.append(rd);
    }
    set.rdata_len = static_cast<uint32_t>(zv.rdata_.size()) - set.rdata_off;
    if (sc.rdatas.size() > 1 && (type == rrtype::kA || type == rrtype::kAAAA)) {
      // Address sets repeat: every proxied name answers the same edge set. Keep one copy of
      // each (the view of rdata_ stays valid: it was reserved for every record up front).
      // The block just shared is the likeliest match: compare with it before hashing.
      const std::string_view block(zv.rdata_.data() + set.rdata_off, set.rdata_len);
      uint32_t& last = type == rrtype::kA ? sc.last_shared[0] : sc.last_shared[1];
      if (last != kNone && last + set.rdata_len <= set.rdata_off &&
          std::string_view(zv.rdata_.data() + last, set.rdata_len) == block) {
        zv.rdata_.resize(set.rdata_off);
        set.rdata_off = last;
      } else {
        if (sc.use_map) {
          auto [it, inserted] = sc.shared.try_emplace(block, set.rdata_off);
          if (!inserted) {
            zv.rdata_.resize(set.rdata_off);
            set.rdata_off = it->second;
          }
        }
        last = set.rdata_off;
      }
    }
    zv.rrsets_.push_back(set);
    zv.record_count_ += sc.rdatas.size();
    g = e;
  }
  if (has_cname && has_other) {
    return make_error(where(opt.source, *first_other) + "CNAME beside other data at " +
                      dns::name_to_text(name) + " (RFC 1034 §3.6.2)");
  }
  if (has_cname) node.flags |= node_flag::kCname;
  node.rrset_count = static_cast<uint32_t>(zv.rrsets_.size()) - node.rrset_begin;
  return {};
}

template <class Rec>
Result<std::shared_ptr<ZoneView>> ZoneView::Builder::build(std::string_view origin, const std::vector<Rec>& records,
                                                     const CompileOptions& opt, const Served* served) {
  const std::string src = opt.source.empty() ? std::string("<zone>") : opt.source;
  if (origin.empty()) return make_error(src + ": no zone origin");
  std::shared_ptr<ZoneView> z(new ZoneView());
  z->apex_ = std::string(origin);
  z->source_ = opt.source;
  z->expired_ = opt.expired;
  z->signing_ = opt.signing;

  // 1. Owner names → temporary node ids (views into the records' owner strings), with every
  //    ancestor up to the apex present (empty non-terminals).
  SvMap<uint32_t> tmp;
  tmp.reserve(records.size() + 16);
  std::vector<std::string_view> names;
  names.reserve(records.size() + 16);
  std::vector<uint32_t> parent_of;  // node id → its parent's (kNone for the apex)
  parent_of.reserve(records.size() + 16);
  std::vector<uint32_t> rec_node(records.size());
  auto ensure = [&](std::string_view name) -> uint32_t {
    auto [it, inserted] = tmp.try_emplace(name, static_cast<uint32_t>(names.size()));
    if (!inserted) return it->second;
    const uint32_t id = it->second;
    names.push_back(name);
    parent_of.push_back(kNone);
    for (std::string_view p = name; p.size() > origin.size();) {
      p = dns::parent(p);
      auto [pit, pins] = tmp.try_emplace(p, static_cast<uint32_t>(names.size()));
      parent_of.back() = pit->second;
      if (!pins) break;
      names.push_back(p);
      parent_of.push_back(kNone);
    }
    return id;
  };
  ensure(origin);  // node 0 is the apex
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    // Records of one name usually come together (a file's A and AAAA, the edge set of a proxied
    // name): the owner checks and the node id of the last record hold for this one.
    const bool same_owner = i > 0 && std::string_view(records[i - 1].owner) == std::string_view(r.owner);
    if (auto e = check_record_shape(opt.source, origin, r, same_owner); !e) return e.error();
    rec_node[i] = same_owner ? rec_node[i - 1] : ensure(r.owner);
  }
  if (served != nullptr) {
    // Names whose data the rules removed (a flattened CNAME whose target has no addresses, a
    // name that answers SERVFAIL) still exist: they answer NODATA, not NXDOMAIN.
    for (const auto& [name, why] : served->notes) {
      if (dns::is_subdomain(name, origin)) ensure(name);
    }
    for (const auto& [name, org] : served->origins) ensure(name);
  }

  // 2. Group records by node (counting sort), then by type with rdata in canonical order.
  const size_t n_nodes = names.size();
  std::vector<uint32_t> start(n_nodes + 1, 0);
  for (uint32_t id : rec_node) start[id + 1]++;
  for (size_t i = 0; i < n_nodes; ++i) start[i + 1] += start[i];
  std::vector<uint32_t> order(records.size());
  {
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (uint32_t i = 0; i < records.size(); ++i) order[fill[rec_node[i]]++] = i;
  }

  size_t name_bytes = 0;
  for (auto n : names) name_bytes += n.size();
  z->names_.reserve(name_bytes);
  z->nodes_.resize(n_nodes);
  z->rrsets_.reserve(records.size());
  size_t rdata_bytes = 0;
  for (const auto& r : records) rdata_bytes += r.rdata.size() + 2;
  z->rdata_.reserve(rdata_bytes);

  std::vector<uint32_t> group;
  NodeScratch scratch;
  for (uint32_t id = 0; id < n_nodes; ++id) {
    Node& node = z->nodes_[id];
    node.name_off = static_cast<uint32_t>(z->names_.size());
    node.name_len = static_cast<uint8_t>(names[id].size());
    node.labels = static_cast<uint8_t>(dns::label_count(as_bytes(names[id])));
    z->names_.append(names[id]);
    group.assign(order.begin() + start[id], order.begin() + start[id + 1]);
    if (auto r = node_rrsets(*z, node, names[id], records, group, opt, scratch); !r) return r.error();
    if (group.empty() && id != 0) node.flags |= node_flag::kEmptyNonTerminal;
    if (id != 0 && z->rrset(node, rrtype::kNSEC3) != nullptr) node.flags |= node_flag::kNsec3;
  }

  if (z->rdata_.capacity() - z->rdata_.size() > 4096) z->rdata_.shrink_to_fit();  // shared address sets

  // 3. Index.
  z->index_build();
  z->id_ = ZoneView::next_id();

  // 4. Apex facts: SOA, negative TTL (RFC 2308 §5), serial.
  if (auto r = apex_facts(*z, src); !r) return r.error();
  if (auto r = dnssec_facts(*z, src); !r) return r.error();

  // 5. Zone cuts: process nodes by depth so a parent's cut is known before its children's.
  //    (A counting sort by label count: at most 128 labels.)
  std::vector<uint32_t> by_depth(n_nodes);
  {
    std::vector<uint32_t> at(130, 0);
    for (const Node& n : z->nodes_) at[n.labels + 1u]++;
    for (size_t d = 1; d < at.size(); ++d) at[d] += at[d - 1];
    for (uint32_t i = 0; i < n_nodes; ++i) by_depth[at[z->nodes_[i].labels]++] = i;
  }
  for (uint32_t id : by_depth) {
    if (id == 0) continue;
    Node& node = z->nodes_[id];
    const std::string_view name = z->node_name(node);
    const Node& par = z->nodes_[parent_of[id]];
    if (par.cut != kNone) {
      node.cut = par.cut;
      node.flags |= node_flag::kBelowCut;
    } else if (z->rrset(node, rrtype::kNS)) {
      node.cut = id;
      node.flags |= node_flag::kDelegation;
    }
    if (name.size() >= 2 && name[0] == 1 && name[1] == '*') {
      z->nodes_[parent_of[id]].flags |= node_flag::kWildcardChild;
    }
  }

  // 6. Targets of NS/MX/SRV/CNAME rdata → node index in this zone (exact, or the wildcard that
  //    would synthesize it), for additional data and chasing without a lookup at query time.
  for (size_t i = 0; i < z->rrsets_.size(); ++i) set_targets(*z, z->rrsets_.mut(i));
  // 7. Online signing: every authoritative RRset gets its RRSIG (view/signing.cc).
  if (opt.signing) {
    if (auto r = sign(*z, nullptr, opt.sign_threads); !r) return r.error();
  }
  // rrsets_ was reserved for one RRset per record; a view lives long, keep only what it uses.
  z->rrsets_.shrink_to_fit();
  z->targets_.shrink_to_fit();
  return z;
}

Result<void> ZoneView::Builder::apex_facts(ZoneView& zv, const std::string& src) {
  const std::string_view origin = zv.apex_;
  Node& apex = zv.nodes_[0];
  apex.flags |= node_flag::kApex;
  apex.flags &= static_cast<uint16_t>(~node_flag::kEmptyNonTerminal);
  const RRset* soa = zv.rrset(apex, rrtype::kSOA);
  if (!soa) return make_error(src + ": no SOA record at the zone apex " + dns::name_to_text(origin));
  zv.soa_rrset_ = static_cast<uint32_t>(soa - zv.rrsets_.data());
  {
    const Rdata rd = zv.rdatas(*soa).front();
    const SoaFields f = rd.soa();
    if (f.serial_offset + 20 != rd.size()) return make_error(src + ": malformed SOA rdata");
    zv.serial_ = f.serial;
    zv.negative_ttl_ = std::min(soa->ttl, f.minimum);
  }
  if (zv.rrset(apex, rrtype::kNS) == nullptr) {
    return make_error(src + ": no NS record at the zone apex " + dns::name_to_text(origin));
  }
  if (apex.flags & node_flag::kCname) {
    return make_error(src + ": CNAME at the zone apex " + dns::name_to_text(origin));
  }
  return {};
}

void ZoneView::Builder::set_targets(ZoneView& zv, RRset& set) {
  // PTR targets need no additional data or chasing.
  const int toff = set.type == rrtype::kPTR ? -1 : dns::rdata_target_offset(set.type);
  if (toff < 0) return;
  const std::string_view origin = zv.apex_;
  set.targets_off = static_cast<uint32_t>(zv.targets_.size());
  for (const Rdata rd : zv.rdatas(set)) {
    uint32_t target = kNone;
    if (const std::string_view tname = rd.target(set.type); !tname.empty()) {
      if (dns::is_subdomain(tname, origin)) {
        target = zv.find(tname);
        if (target == kNone) {
          // Closest encloser, then its wildcard child (RFC 4592).
          std::string_view ce = tname;
          uint32_t ce_id = kNone;
          while (ce_id == kNone && ce.size() > origin.size()) {
            ce = dns::parent(ce);
            ce_id = zv.find(ce);
          }
          if (ce_id != kNone && (zv.nodes_[ce_id].flags & node_flag::kWildcardChild)) {
            std::string wc("\1*", 2);
            wc.append(ce);
            target = zv.find(wc);
          }
        }
      }
    }
    zv.targets_.push_back(target);
  }
}

Result<std::shared_ptr<const ZoneView>> ZoneView::patch(const ZoneView& prev, std::vector<NodePatch> nodes,
                                                        std::shared_ptr<const std::vector<std::string>> external) {
  // A copy of prev whose arrays already have room for what the patch appends (a plain copy has
  // no spare capacity: the first append would copy each array a second time).
  size_t add_names = 0, add_sets = 0, add_rdata = 0;
  for (const NodePatch& np : nodes) {
    add_names += np.name.size();
    add_sets += np.records.size();
    for (const ServedRecord& r : np.records) add_rdata += r.rdata.size() + 2;
  }
  std::shared_ptr<ZoneView> z(new ZoneView());
  // Every member of ZoneView, in declaration order (keep in step with zone_view.h).
  z->apex_ = prev.apex_;
  z->source_ = prev.source_;
  z->serial_ = prev.serial_;
  z->expired_ = prev.expired_;
  z->negative_ttl_ = prev.negative_ttl_;
  z->soa_rrset_ = prev.soa_rrset_;
  z->record_count_ = prev.record_count_;
  // The append-only arrays are shared with prev (view/append_buffer.h): the patch appends past
  // prev's part. With online signing each rewritten node is appended a second time with its
  // RRSIG set (view/signing.cc), the apex with its key sets and their KSK signatures.
  if (prev.signing_) {
    const size_t stride = 2 + dnssec::rrsig_rdata_size(prev.apex_.size());
    for (const NodePatch& np : nodes) add_rdata += (np.records.size() + 2) * 2 * stride;
    add_rdata += 16 * 1024;  // the apex's DNSKEY, CDS and CDNSKEY sets and their signatures
    add_sets += add_sets + 2 * nodes.size() + 8;
  }
  z->names_ = prev.names_;
  z->names_.reserve(prev.names_.size() + add_names);
  z->rdata_ = prev.rdata_;
  z->rdata_.reserve(prev.rdata_.size() + add_rdata);
  z->nodes_.reserve(prev.nodes_.size() + nodes.size());
  z->nodes_.assign(prev.nodes_.begin(), prev.nodes_.end());
  z->rrsets_ = prev.rrsets_;
  z->rrsets_.reserve(prev.rrsets_.size() + add_sets);
  z->targets_ = prev.targets_;
  z->targets_.reserve(prev.targets_.size() + add_sets);
  z->dnssec_ = prev.dnssec_;
  z->index_ = prev.index_;
  z->index_used_ = prev.index_used_;
  z->notes_ = prev.notes_;
  z->origins_ = prev.origins_;
  z->servfail_ = prev.servfail_;
  z->external_ = prev.external_;
  z->apps_ = prev.apps_;
  z->signing_ = prev.signing_;
  z->digest_sum_ = prev.digest_sum_;
  z->id_ = next_id();
  const CompileOptions opt{.source = prev.source_};
  const std::string src = prev.source_.empty() ? std::string("<zone>") : prev.source_;
  // Parents before children: a new name's node takes its zone-cut state from its parent's.
  std::sort(nodes.begin(), nodes.end(), [](const NodePatch& a, const NodePatch& b) {
    return a.name.size() != b.name.size() ? a.name.size() < b.name.size() : a.name < b.name;
  });
  Notes* notes = nullptr;
  Origins* origins = nullptr;
  Servfail* servfail = nullptr;
  auto own = [](auto& shared, auto*& mine) {
    using M = std::remove_const_t<typename std::remove_reference_t<decltype(shared)>::element_type>;
    if (mine == nullptr) {
      auto copy = std::make_shared<M>(*shared);
      mine = copy.get();
      shared = std::move(copy);
    }
    return mine;
  };
  auto key = [](std::string_view s) { return absl::string_view(s.data(), s.size()); };
  const size_t first_new_set = z->rrsets_.size();
  std::vector<uint32_t> group;
  Builder::NodeScratch scratch;
  scratch.use_map = false;  // rdata_ may move as it grows: no views into it
  std::vector<std::string> changed;
  changed.reserve(nodes.size());
  std::vector<uint32_t> rewritten;  // nodes that exist after the patch, rewritten
  rewritten.reserve(nodes.size());
  for (NodePatch& np : nodes) {
    changed.emplace_back(np.name);
    uint32_t id = z->find(np.name);
    if (id != kNone) {
      // Out with the old data.
      z->digest_add(id, true);
      Node& n = z->nodes_[id];
      const RRset* s = z->rrsets_begin(n);
      for (uint32_t k = 0; k < n.rrset_count; ++k) z->record_count_ -= s[k].count;
      n.rrset_count = 0;
      n.flags &= static_cast<uint16_t>(
          ~(node_flag::kCname | node_flag::kAddrServfail | node_flag::kEmptyNonTerminal | node_flag::kKindFlags));
      if (!np.exists) {
        if (id == 0) return make_error(src + ": the zone apex cannot be removed");
        z->index_erase(id);
        n.flags = node_flag::kDead;
      }
    } else if (np.exists) {
      if (np.name.size() > 255 || !dns::is_subdomain(np.name, prev.apex_)) {
        return make_error(src + ": record owner " + dns::name_to_text(np.name) + " is outside the zone");
      }
      Node n;
      n.name_off = static_cast<uint32_t>(z->names_.size());
      n.name_len = static_cast<uint8_t>(np.name.size());
      n.labels = static_cast<uint8_t>(dns::label_count(as_bytes(np.name)));
      z->names_.append(np.name);
      const uint32_t par = z->find(dns::parent(np.name));
      if (par == kNone) return make_error(src + ": internal: no parent node for " + dns::name_to_text(np.name));
      if (z->nodes_[par].cut != kNone) {
        n.cut = z->nodes_[par].cut;
        n.flags |= node_flag::kBelowCut;
      }
      id = static_cast<uint32_t>(z->nodes_.size());
      z->nodes_.push_back(n);
      z->index_insert(id);
    }
    // Owner-keyed data: set (value) or remove (nullptr) the name's entry in each shared map; a
    // map is copied (once per patch) only when an entry really changes.
    const auto k = key(np.name);
    auto set_entry = [&](auto& shared, auto*& mine, const auto* value) {
      const auto it = shared->find(k);
      if (it == shared->end() ? value == nullptr : value != nullptr && it->second == *value) return;
      auto* m = own(shared, mine);
      if (value != nullptr) {
        (*m)[std::string(np.name)] = *value;
      } else {
        m->erase(k);
      }
    };
    set_entry(z->notes_, notes, np.exists && !np.notes.empty() ? &np.notes : nullptr);
    set_entry(z->origins_, origins, np.exists ? np.origin : nullptr);
    set_entry(z->servfail_, servfail, np.exists && np.servfail != 0 ? &np.servfail : nullptr);
    if (!np.exists) continue;
    Node& n = z->nodes_[id];
    group.resize(np.records.size());
    for (uint32_t i = 0; i < group.size(); ++i) group[i] = i;
    if (auto r = Builder::node_rrsets(*z, n, np.name, np.records, group, opt, scratch); !r) return r.error();
    if (np.records.empty() && id != 0) n.flags |= node_flag::kEmptyNonTerminal;
    if (np.servfail != 0) n.flags |= node_flag::kAddrServfail;
    n.flags |= kind_flags(np.notes, np.origin != nullptr);
    rewritten.push_back(id);
  }
  // Targets: the rewritten RRsets', against the final index. Sets of untouched nodes keep
  // theirs: a name that appears or goes is patched together with the names that point at it.
  for (size_t i = first_new_set; i < z->rrsets_.size(); ++i) Builder::set_targets(*z, z->rrsets_.mut(i));
  if (auto r = Builder::apex_facts(*z, src); !r) return r.error();
  // Online signing: the rewritten nodes only (the apex among them when its serial moved).
  if (z->signing_) {
    if (auto r = Builder::sign(*z, &rewritten); !r) return r.error();
  }
  for (uint32_t id : rewritten) z->digest_add(id, false);
  if (prev.dnssec_.is_signed && !prev.dnssec_.online) {
    if (auto r = Builder::dnssec_facts(*z, src); !r) return r.error();
  }
  if (external) z->external_ = std::move(external);
  // Lineage: the names this patch changed, then what changed since each older ancestor.
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  std::vector<Ancestor> lineage;
  lineage.reserve(std::min(prev.lineage_.size() + 1, kLineage));
  lineage.push_back(Ancestor{prev.id_, std::make_shared<const std::vector<std::string>>(std::move(changed))});
  for (const Ancestor& a : prev.lineage_) {
    if (lineage.size() >= kLineage) break;
    lineage.push_back(a);
  }
  z->lineage_ = std::move(lineage);
  return std::shared_ptr<const ZoneView>(std::move(z));
}

}  // namespace dnsedge::view
