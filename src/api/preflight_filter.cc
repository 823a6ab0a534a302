// The write pre-flight's relevance filter. Why each rule is there, check by check (the doctor
// runs on the zone apex D only; the pre-flight reports a finding of the "after" run only when
// it is an error or proxy.mx/srv_target_proxied and the "before" run has no finding with the
// same id and the same records, api/mail_doctor.cc new_findings):
//
//   mx.*        D's MX (apex), the served MX targets' A/AAAA answers: the targets, the CNAME
//               chains and flattening behind them (walk back: an MX record is reached), the
//               names around them (existence/ENT: below; wildcards).
//   spf.*, proxy.spf_a_mx_edge
//               D's TXT (apex), and the names the SPF tree looks up: include/redirect targets'
//               TXT, a/mx/exists targets' A/AAAA/MX, the MX hosts of mx terms (SPF walk below,
//               through our zone and the other zones we serve), their chains (walk back).
//   dmarc.*, dkim.*, mtasts.*, tlsrpt.*
//               TXT at _dmarc.D, <selector>._domainkey.D (every name under _domainkey.D is a
//               selector), _mta-sts.D, _smtp._tls.D, and the CNAME chains from them: mail
//               underscore labels; chains by the walk back. The organizational domain's and
//               the report destinations' records yield infos/warnings only.
//   proxy.mx_target_proxied / srv_target_proxied
//               every MX/SRV record of the zone (any owner): MX/SRV records themselves (type),
//               the names their targets' chains pass (compile-time: a proxied name on it
//               rewrites the target to a dc-record, whose addresses are that name's origin,
//               i.e. the addresses at the end of the proxied CNAME's own chain): walk back
//               reaches the MX/SRV record.
//   proxy.mail_host_proxied, proxy.txt_name_proxied
//               proxied names with a mail host label or an underscore label: mail names; any
//               record at a proxied underscore name (the finding lists all its A/AAAA/CNAME).
//   proxy.implicit_mx_to_edge  D (apex).
//   proxy.mx_target_edge_ip    D's MX targets' addresses (walk back), edge addresses.
//   proxy.flatten_all_mail_cname
//               flatten-all zones: mail CNAMEs and the chains behind them (the finding lists
//               the flattened addresses).
//   proxy.* warnings/infos (origin_exposed, mail_shares_origin_ip, spf_reveals_origin,
//   flatten_no_address ...), doctor.lookup_failed: never reported on writes.
// Origins of proxied names reach a reported finding only through dc-records (MX/SRV targets),
// so a proxied record nothing mail-related points at is not relevant.
// Wildcards: a wildcard record, a name whose existence changes below one (what it synthesizes
// there changes), and a name a wildcard points at (it stands for every name it synthesizes, MX
// targets among them) are relevant.
//
// Lookups the doctor makes leave our zone (other zones we serve) and may come back: the walk
// back stops as relevant at any name another zone's served CNAME/MX/SRV points at, and the SPF
// walk follows the tree through the other zones. What a recompile of the other zones would
// change is not a write's doing: the pre-flight compares both states against the same other
// zones.

#include "api/preflight_filter.h"

#include <algorithm>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/mutex.h"
#include "dns/name.h"
#include "dns/types.h"
#include "doctor/spf.h"
#include "doctor/util.h"

namespace dnsedge::api {
namespace {

namespace rrtype = dns::rrtype;
using control::PreflightChange;

constexpr size_t kMaxWalk = 512;      // names walked back from the changes; more: relevant
constexpr int kMaxHops = 16;          // CNAME hops followed forward (the doctor's limit too)
constexpr int kMaxSpfDepth = 12;      // beyond the doctor's 10 levels / 40 records: relevant
constexpr size_t kMaxSpfNodes = 64;

absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Types whose data the doctor never reads at a name it does not look up for other reasons.
bool inert_type(uint16_t t) {
  switch (t) {
    case rrtype::kA:
    case rrtype::kAAAA:
    case rrtype::kCNAME:
    case rrtype::kTXT:
    case rrtype::kCAA:
    case rrtype::kPTR:
    case rrtype::kSSHFP:
    case rrtype::kTLSA:
    case rrtype::kHTTPS:
    case rrtype::kSVCB:
    case rrtype::kURI:
    case rrtype::kHINFO:
      return true;
    default:
      return false;
  }
}

// Types whose target name the index keeps: what the doctor (or the compiler, for the doctor's
// proxy facts) follows from a name to another.
bool edge_type(uint16_t t) { return t == rrtype::kCNAME || t == rrtype::kMX || t == rrtype::kSRV; }

std::optional<std::string> target_of(const dns::ZoneRecord& r) {
  const int off = dns::rdata_target_offset(r.type);
  if (off < 0 || r.rdata.size() <= static_cast<size_t>(off)) return std::nullopt;
  return common::ascii_lower(std::string_view(r.rdata).substr(static_cast<size_t>(off)));
}

// Names the doctor looks at by their labels (docs/doctor.md): mail hosts, mail-over-HTTP hosts,
// mta-sts, dc-records, and the underscore names of DMARC, DKIM, MTA-STS, TLS-RPT.
bool mail_name(std::string_view name, std::string_view apex) {
  if (name.size() <= apex.size()) return false;
  const std::string first = doctor::first_label(name);
  if (doctor::mail_protocol_label(first) || doctor::mail_web_label(first) || first == "mta-sts" ||
      first.rfind("dc-", 0) == 0) {
    return true;
  }
  for (std::string_view p = name; p.size() > apex.size(); p = dns::parent(p)) {
    const std::string l = doctor::first_label(p);
    if (l == "_dmarc" || l == "_domainkey" || l == "_mta-sts" || l == "_smtp" || l == "_tls" || l == "_report") {
      return true;
    }
  }
  return false;
}

bool wildcard(std::string_view name) { return name.size() >= 2 && name[0] == 1 && name[1] == '*'; }

bool exists(const view::ZoneView& v, std::string_view name) { return v.find(name) != view::kNone; }

bool wildcard_child(const view::ZoneView& v, std::string_view name) {
  const uint32_t i = v.find(name);
  return i != view::kNone && (v.node(i).flags & view::node_flag::kWildcardChild) != 0;
}

// Who points at each name of one zone: target (wire) → (owner, type) of its CNAME/MX/SRV records.
struct RefIndex {
  struct Edge {
    std::string owner;
    uint16_t type = 0;
    bool operator==(const Edge&) const = default;
  };
  using Map = absl::flat_hash_map<std::string, std::vector<Edge>>;
  Map referrers;

  void add(const dns::ZoneRecord& r, std::string_view apex) {
    if (!edge_type(r.type)) return;
    auto t = target_of(r);
    if (!t || !dns::is_subdomain(*t, apex)) return;
    referrers[*t].push_back(Edge{r.owner, r.type});
  }
  void remove(const dns::ZoneRecord& r, std::string_view apex) {
    if (!edge_type(r.type)) return;
    auto t = target_of(r);
    if (!t || !dns::is_subdomain(*t, apex)) return;
    auto it = referrers.find(*t);
    if (it == referrers.end()) return;
    auto& v = it->second;
    if (auto e = std::find(v.begin(), v.end(), Edge{r.owner, r.type}); e != v.end()) v.erase(e);
    if (v.empty()) referrers.erase(it);
  }
  void build(const PreflightChange& c) {
    referrers.clear();
    c.for_each_before([&](const dns::ZoneRecord& r) { add(r, c.apex); });
  }
};

// Names that other zones we serve point at (their served CNAME/MX/SRV targets outside
// themselves, or inside but not served by them: a child zone's), with a count per name; kept
// per view so an unchanged zone is scanned once.
struct ForeignRefs {
  struct Scanned {
    std::shared_ptr<const view::ZoneView> view;  // held: no address reuse
    std::vector<std::string> targets;
    bool seen = false;
  };
  std::unordered_map<const view::ZoneView*, Scanned> views;
  absl::flat_hash_map<std::string, uint32_t> count;

  static std::vector<std::string> scan(const view::ZoneView& v) {
    std::vector<std::string> out;
    for (uint32_t i = 0; i < v.node_count(); ++i) {
      const view::Node& n = v.node(i);
      const view::RRset* s = v.rrsets_begin(n);
      for (uint32_t k = 0; k < n.rrset_count; ++k, ++s) {
        if (!edge_type(s->type)) continue;
        const int off = dns::rdata_target_offset(s->type);
        for (const view::Rdata rd : v.rdatas(*s)) {
          if (rd.size() > off) {
            const std::string t = common::ascii_lower(rd.bytes().substr(static_cast<size_t>(off)));
            if (!dns::is_subdomain(t, v.apex()) || v.find(t) == view::kNone) out.push_back(t);
          }
        }
      }
    }
    return out;
  }

  // Brings the counts up to the other zones' current views; returns them.
  std::vector<std::shared_ptr<const view::ZoneView>> update(const PreflightChange& c) {
    std::vector<std::shared_ptr<const view::ZoneView>> others;
    if (c.for_each_other) c.for_each_other([&](const std::shared_ptr<const view::ZoneView>& v) { others.push_back(v); });
    for (auto& [p, s] : views) s.seen = false;
    for (const auto& v : others) {
      auto [it, inserted] = views.try_emplace(v.get());
      if (inserted) {
        it->second.view = v;
        it->second.targets = scan(*v);
        for (const auto& t : it->second.targets) ++count[t];
      }
      it->second.seen = true;
    }
    for (auto it = views.begin(); it != views.end();) {
      if (it->second.seen) {
        ++it;
        continue;
      }
      for (const auto& t : it->second.targets) {
        auto ct = count.find(t);
        if (ct != count.end() && --ct->second == 0) count.erase(ct);
      }
      it = views.erase(it);
    }
    return others;
  }
  bool contains(std::string_view name) const { return count.contains(av(name)); }
};

// The names of our zone the apex's SPF tree looks up, in one state of the zone (`ours`), with
// the other zones as they are. nullopt: the tree is larger than we follow (treat as relevant).
class SpfWalk {
 public:
  SpfWalk(std::string_view apex, const view::ZoneView& ours,
          const std::vector<std::shared_ptr<const view::ZoneView>>& others, absl::flat_hash_set<std::string>& names)
      : apex_(apex), ours_(ours), others_(others), names_(names) {}

  bool run() {
    txt_tree(std::string(apex_), 0);
    return !truncated_;
  }

 private:
  const view::ZoneView* zone_of(std::string_view name) const {
    const view::ZoneView* best = dns::is_subdomain(name, apex_) ? &ours_ : nullptr;
    for (const auto& o : others_) {
      if (dns::is_subdomain(name, o->apex()) && (best == nullptr || o->apex().size() > best->apex().size())) {
        best = o.get();
      }
    }
    return best;
  }

  // Follows the served CNAME chain from `name` (recording every name of our zone on it); the
  // view and node at its end, or a null view (outside our zones, or nothing there).
  std::pair<const view::ZoneView*, uint32_t> chase(std::string name) {
    for (int hop = 0; hop < kMaxHops; ++hop) {
      const view::ZoneView* v = zone_of(name);
      if (v == nullptr) return {nullptr, view::kNone};
      if (v == &ours_) names_.insert(name);
      uint32_t node = v->find(name);
      if (node == view::kNone) {
        // RFC 4592: the closest encloser's wildcard answers for it.
        std::string_view ce = name;
        while (node == view::kNone && ce.size() > v->apex().size()) {
          ce = dns::parent(ce);
          node = v->find(ce);
        }
        if (node == view::kNone || !(v->node(node).flags & view::node_flag::kWildcardChild)) return {v, view::kNone};
        std::string wc("\1*", 2);
        wc.append(ce);
        node = v->find(wc);
        if (node == view::kNone) return {v, view::kNone};
      }
      auto cname = view::rrset_rdatas(*v, v->rrset(v->node(node), rrtype::kCNAME));
      if (cname.empty()) return {v, node};
      name = common::ascii_lower(cname.front());
    }
    truncated_ = true;
    return {nullptr, view::kNone};
  }

  void txt_tree(const std::string& domain, int depth) {
    if (depth > kMaxSpfDepth || ++nodes_ > kMaxSpfNodes) {
      truncated_ = true;
      return;
    }
    if (!stack_.insert(domain).second) return;  // a loop: the doctor stops there too
    auto [v, node] = chase(domain);
    if (v != nullptr && node != view::kNone) {
      for (const auto& rd : view::rrset_rdatas(*v, v->rrset(v->node(node), rrtype::kTXT))) {
        auto txt = doctor::txt_joined(rd);
        if (!txt || !doctor::spf::is_spf(*txt)) continue;
        auto rec = doctor::spf::parse(*txt);
        if (!rec) continue;  // a syntax error: the doctor follows nothing of it either
        for (const auto& t : rec->terms) {
          if (!t.counts() || t.macro) continue;
          std::string target = domain;
          if (!t.domain.empty()) {
            std::string d = t.domain;
            if (d.back() != '.') d += '.';
            auto w = dns::name_from_text(d);
            if (!w) continue;
            target = common::ascii_lower(*w);
          }
          if (t.kind == doctor::spf::Kind::kInclude || t.kind == doctor::spf::Kind::kRedirect) {
            txt_tree(target, depth + 1);
            if (truncated_) return;
            continue;
          }
          auto [tv, tn] = chase(target);
          if (t.kind == doctor::spf::Kind::kMx && tv != nullptr && tn != view::kNone) {
            for (const auto& mx : view::rrset_rdatas(*tv, tv->rrset(tv->node(tn), rrtype::kMX))) {
              if (mx.size() > 3) chase(common::ascii_lower(std::string_view(mx).substr(2)));
            }
          }
        }
      }
    }
    stack_.erase(domain);
  }

  std::string_view apex_;
  const view::ZoneView& ours_;
  const std::vector<std::shared_ptr<const view::ZoneView>>& others_;
  absl::flat_hash_set<std::string>& names_;
  std::unordered_set<std::string> stack_;
  size_t nodes_ = 0;
  bool truncated_ = false;
};

bool needed(const PreflightChange& c, const RefIndex& ix, const ForeignRefs& foreign,
            const std::vector<std::shared_ptr<const view::ZoneView>>& others) {
  if (c.settings_changed || c.flatten_all_before != c.flatten_all_after) return true;
  if (!c.before || !c.after) return true;
  const std::string& apex = c.apex;
  const bool flatten_all = c.flatten_all_before || c.flatten_all_after;
  const view::ZoneView& vb = *c.before;
  const view::ZoneView& va = *c.after;

  // 1. Each touched record on its own.
  std::vector<std::string> owners;
  auto is_edge_addr = [&](const dns::ZoneRecord& r) {
    if (c.edge == nullptr || (r.type != rrtype::kA && r.type != rrtype::kAAAA)) return false;
    const auto& fam = r.type == rrtype::kA ? c.edge->v4 : c.edge->v6;
    return std::find(fam.begin(), fam.end(), r.rdata) != fam.end();
  };
  for (const auto* set : {&c.removed, &c.added}) {
    for (const auto& r : *set) {
      if (!inert_type(r.type) || r.owner == apex || !dns::is_subdomain(r.owner, apex)) return true;
      if (wildcard(r.owner) || mail_name(r.owner, apex) || is_edge_addr(r)) return true;
      // A name is proxied when any of its A/AAAA/CNAME is: a DNS-only record beside a proxied one
      // changes the records proxy.txt_name_proxied lists.
      const bool proxied_name = r.proxied || vb.origins().contains(av(r.owner)) || va.origins().contains(av(r.owner));
      if (doctor::has_underscore_label(r.owner, apex) && (proxied_name || (flatten_all && r.type == rrtype::kCNAME))) {
        return true;
      }
      if (r.type == rrtype::kCNAME && flatten_all) {
        auto t = target_of(r);
        if (!t || doctor::mail_cname(r.owner, *t, apex)) return true;
      }
      owners.push_back(r.owner);
    }
  }
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());

  // 2. Names whose existence changes (the owner, or ancestors that become or stop being empty
  //    non-terminals): NXDOMAIN vs NODATA for them, and a wildcard above them stops or starts
  //    synthesizing names below them.
  std::vector<std::string> start;
  for (const auto& n : owners) {
    start.push_back(n);
    bool changed = exists(vb, n) != exists(va, n);
    for (std::string_view p = dns::parent(n); p.size() > apex.size(); p = dns::parent(p)) {
      if (exists(vb, p) != exists(va, p)) {
        changed = true;
        start.emplace_back(p);
      }
    }
    if (!changed) continue;
    for (std::string_view p = dns::parent(n);; p = dns::parent(p)) {
      if (wildcard_child(vb, p) || wildcard_child(va, p)) return true;
      if (p.size() <= apex.size()) break;
    }
  }

  // 3. The names the apex's SPF tree looks up, before and after.
  absl::flat_hash_set<std::string> spf_names;
  for (const view::ZoneView* v : {&vb, &va}) {
    if (!SpfWalk(apex, *v, others, spf_names).run()) return true;
  }

  // 4. Walk back from the changed names along CNAME/MX/SRV records (before and after).
  RefIndex::Map added_edges;
  for (const auto& r : c.added) {
    if (!edge_type(r.type)) continue;
    if (auto t = target_of(r); t && dns::is_subdomain(*t, apex)) added_edges[*t].push_back({r.owner, r.type});
  }
  absl::flat_hash_set<std::string> seen(start.begin(), start.end());
  std::deque<std::string> queue(start.begin(), start.end());
  while (!queue.empty()) {
    const std::string t = std::move(queue.front());
    queue.pop_front();
    // A wildcard stands for every name it synthesizes (an MX target among them): relevant.
    if (t == apex || wildcard(t) || mail_name(t, apex) || spf_names.contains(t) || foreign.contains(t)) return true;
    const RefIndex::Map* maps[] = {&ix.referrers, &added_edges};
    for (const RefIndex::Map* map : maps) {
      auto it = map->find(t);
      if (it == map->end()) continue;
      for (const auto& e : it->second) {
        if (e.type != rrtype::kCNAME) return true;  // an MX or SRV record points (through CNAMEs) here
        if (flatten_all && doctor::mail_cname(e.owner, t, apex)) return true;
        if (seen.insert(e.owner).second) {
          if (seen.size() > kMaxWalk) return true;
          queue.push_back(e.owner);
        }
      }
    }
  }
  return false;
}

}  // namespace

bool preflight_needed(const PreflightChange& c) {
  if (!c.for_each_before) return true;
  RefIndex ix;
  ix.build(c);
  ForeignRefs foreign;
  const auto others = foreign.update(c);
  return needed(c, ix, foreign, others);
}

struct PreflightFilter::State {
  struct Zone {
    std::shared_ptr<const view::ZoneView> view;  // the served view the index mirrors (held)
    RefIndex index;
    // The last change asked about: applied once its candidate is the served view.
    std::shared_ptr<const view::ZoneView> pending_view;
    std::vector<dns::ZoneRecord> pending_removed, pending_added;
    std::string apex;
  };
  size_t capacity = 16;  // set before the State is shared
  common::Mutex mu;
  std::list<std::string> lru ABSL_GUARDED_BY(mu);  // zone ids, most recent first
  std::unordered_map<std::string, Zone> zones ABSL_GUARDED_BY(mu);
  ForeignRefs foreign ABSL_GUARDED_BY(mu);
  Stats stats ABSL_GUARDED_BY(mu);

  Zone& zone(const PreflightChange& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto it = zones.find(c.zone_id);
    if (it != zones.end()) {
      lru.remove(c.zone_id);
    } else {
      it = zones.emplace(c.zone_id, Zone{}).first;
    }
    lru.push_front(c.zone_id);
    while (lru.size() > capacity) {
      zones.erase(lru.back());
      lru.pop_back();
    }
    return it->second;
  }

  bool run(const PreflightChange& c) {
    common::MutexLock lock(mu);
    ++stats.calls;
    if (!c.before || !c.after || !c.for_each_before) return true;
    Zone& z = zone(c);
    if (z.pending_view && z.pending_view == c.before && z.apex == c.apex) {
      for (const auto& r : z.pending_removed) z.index.remove(r, c.apex);
      for (const auto& r : z.pending_added) z.index.add(r, c.apex);
      z.view = z.pending_view;
    }
    if (z.view != c.before || z.apex != c.apex) {
      z.apex = c.apex;
      z.index.build(c);
      z.view = c.before;
      ++stats.rebuilds;
    }
    z.pending_view = c.after;
    z.pending_removed = c.removed;
    z.pending_added = c.added;
    const auto others = foreign.update(c);
    const bool need = needed(c, z.index, foreign, others);
    if (!need) ++stats.skipped;
    return need;
  }
};

PreflightFilter::PreflightFilter(size_t zones) : state_(std::make_shared<State>()) {
  state_->capacity = std::max<size_t>(zones, 1);
}

bool PreflightFilter::operator()(const PreflightChange& c) { return state_->run(c); }

PreflightFilter::Stats PreflightFilter::stats() const {
  common::MutexLock lock(state_->mu);
  return state_->stats;
}

}  // namespace dnsedge::api
