#pragma once
// The state of the zone model (view/model.h) and its records half: the configuration, every
// record the model was given per owner, the indexes over them (names below each name,
// references to targets, cuts, wildcards), the rules' outputs and dc-records, and the checks
// each record and each name must pass. ZoneModel::Impl (model.cc) adds the rules on top.
// Internal to view/model.cc.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "view/record_checks.h"
#include "view/served.h"
#include "view/sv_hash.h"
#include "view/zone_view.h"

namespace dnsedge::view::model_internal {

namespace rrtype = dns::rrtype;
using dns::ZoneRecord;

inline constexpr uint32_t kNil = 0xffffffffu;

inline std::string text(std::string_view wire) { return dns::name_to_text(wire); }

// Appends the text of an A (dotted quad, formatted here: no snprintf per address) or AAAA rdata.
inline void append_addr(std::string& s, std::string_view rdata) {
  if (rdata.size() == 4) {
    for (int k = 0; k < 4; ++k) {
      if (k) s += '.';
      const unsigned v = static_cast<uint8_t>(rdata[static_cast<size_t>(k)]);
      if (v >= 100) s += static_cast<char>('0' + v / 100);
      if (v >= 10) s += static_cast<char>('0' + v / 10 % 10);
      s += static_cast<char>('0' + v % 10);
    }
    return;
  }
  auto r = dns::rdata_to_text(rrtype::kAAAA, rdata);
  s += r ? *r : std::string("?");
}

inline std::string addr_text(std::string_view rdata) {
  std::string s;
  append_addr(s, rdata);
  return s;
}

inline bool under_domainkey(std::string_view owner) {
  for (std::string_view p = owner; p.size() > 1; p = dns::parent(p)) {
    if (p.size() >= 11 && static_cast<uint8_t>(p[0]) == 10 && p.substr(1, 10) == "_domainkey") return true;
  }
  return false;
}

// The name an NS/MX/SRV/CNAME record points at (wire, a view into its rdata), or "".
inline std::string_view target_of(const ZoneRecord& r) {
  if (r.type != rrtype::kCNAME && r.type != rrtype::kMX && r.type != rrtype::kSRV && r.type != rrtype::kNS) return {};
  const size_t off = static_cast<size_t>(dns::rdata_target_offset(r.type));
  if (r.rdata.size() <= off) return {};
  return std::string_view(r.rdata).substr(off);
}

struct ModelState {
  // ---- configuration ----
  std::string origin;
  std::string source;
  EdgeAddresses edge;
  Flattening flattening = Flattening::kAtRoot;
  std::vector<ServedApp> apps;
  bool expired = false;
  std::shared_ptr<const dnssec::ZoneSigning> signing;  // CompileOptions::signing

  // ---- records ----
  // Every record the model was given, never moved (views point into it). Records an owner no
  // longer has stay until the next full compile (`garbage`).
  std::deque<ZoneRecord> pool;
  std::vector<uint32_t> next;  // per pool record: the next record of its owner, or kNil
  size_t garbage = 0;          // pool records no owner has
  std::deque<std::string> arena;  // names and rdata the rules made; also garbage-collected by a full compile
  size_t arena_garbage = 0;       // arena strings no output uses any more

  struct Out {
    size_t kept = 0;  // strings it put in the arena (garbage once it is replaced)
    std::vector<ServedRecord> recs;
    std::vector<std::string> notes;
    std::optional<Origin> origin;
    uint16_t servfail = 0;
    std::vector<std::string_view> outside;  // names looked up through the TargetSource
    std::vector<std::pair<std::string_view, uint16_t>> mail;  // MX/SRV targets rewritten to dc-records (type)
  };
  struct Owner {
    std::string_view name;
    uint32_t head = kNil, tail = kNil, count = 0;
    uint32_t app_head = kNil;  // Spectrum app A/AAAA records (pool), in a list of their own
    bool proxied = false, ipv4_only = false, ipv6_only = false, cname = false;
    uint32_t out = kNil;       // index into outs when the rules change what it serves
    bool exists() const { return count != 0 || app_head != kNil; }
  };
  SvMap<uint32_t> owner_ids;  // name → owners index (kept for names that lost every record)
  std::vector<Owner> owners;
  std::vector<Out> outs;
  std::vector<uint32_t> free_outs;

  // Names at or below each name (owners with records, dc-records): > 0 means the node exists.
  SvMap<uint32_t> below;
  // Target name → owners whose CNAME/MX/SRV/NS data names it (once per record).
  SvMap<absl::InlinedVector<std::string_view, 1>> refs;
  std::vector<std::string_view> cuts;  // owners of NS records below the apex
  SvMap<uint32_t> wildcard_parents;    // P of every "*.P" owner
  size_t rules_records = 0;  // proxied records and CNAMEs to flatten: 0 → served as stored, nothing resolved

  struct Dc {
    std::string_view name;
    uint32_t mx = 0, srv = 0;  // rewritten records that point at the target
    std::vector<std::string> v4, v6;
    std::vector<ServedRecord> recs;
    std::string note;
  };
  absl::node_hash_map<std::string_view, Dc, SvHash> dcs;   // by target
  SvMap<std::string_view> dc_by_name;                      // dc name → target

  absl::node_hash_map<std::string, uint32_t> outside_count;  // external names → owners that looked them up
  bool external_changed = false;

  // ---- per call ----
  const TargetSource* targets = nullptr;
  absl::node_hash_map<std::string, std::optional<TargetAddrs>> outside_cache;
  std::vector<std::string_view>* outside_sink = nullptr;  // the owner being computed looks these up

  // ===== records =====

  uint32_t owner_id(std::string_view name) {
    auto it = owner_ids.find(name);
    if (it != owner_ids.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(owners.size());
    owners.emplace_back();
    owners.back().name = name;
    owner_ids.emplace(name, id);
    return id;
  }
  const Owner* find_owner(std::string_view name) const {
    auto it = owner_ids.find(name);
    if (it == owner_ids.end() || !owners[it->second].exists()) return nullptr;
    return &owners[it->second];
  }
  template <class F>
  void each(const Owner& o, F&& f) const {
    for (uint32_t i = o.head; i != kNil; i = next[i]) f(pool[i]);
  }
  template <class F>
  void each_app(const Owner& o, F&& f) const {
    for (uint32_t i = o.app_head; i != kNil; i = next[i]) f(pool[i]);
  }

  bool flattened(const ZoneRecord& c) const {
    return c.owner == origin || c.flatten_cname || flattening == Flattening::kAll;
  }
  bool rules_record(const ZoneRecord& r) const {
    return r.proxied || r.flatten_cname || (r.type == rrtype::kCNAME && flattened(r));
  }

  void count_name(std::string_view name, int delta, std::vector<std::string_view>* existence) {
    for (std::string_view p = name;; p = dns::parent(p)) {
      auto [it, inserted] = below.try_emplace(p, 0);
      const uint32_t was = it->second;
      it->second = static_cast<uint32_t>(static_cast<int64_t>(was) + delta);
      if (existence != nullptr && (was == 0) != (it->second == 0)) existence->push_back(p);
      if (it->second == 0) below.erase(it);
      if (p.size() <= origin.size()) break;
    }
  }
  bool exists(std::string_view name) const { return below.contains(name); }

  // Links records (appended to the pool) to owner `id` and indexes them.
  void attach(uint32_t id, std::vector<ZoneRecord>& recs) {
    Owner& o = owners[id];
    for (ZoneRecord& r : recs) {
      const uint32_t i = static_cast<uint32_t>(pool.size());
      pool.push_back(std::move(r));
      next.push_back(kNil);
      if (o.head == kNil) {
        o.head = i;
      } else {
        next[o.tail] = i;
      }
      o.tail = i;
      ++o.count;
      index_record(o, pool[i], +1);
    }
    o.name = pool[o.head].owner;
    flags_of(o);
  }
  void detach(uint32_t id) {
    Owner& o = owners[id];
    each(o, [&](const ZoneRecord& r) { index_record(o, r, -1); });
    garbage += o.count;
    o.head = o.tail = kNil;
    o.count = 0;
    flags_of(o);
  }
  void index_record(const Owner& o, const ZoneRecord& r, int delta) {
    if (const std::string_view t = target_of(r); !t.empty()) {
      if (delta > 0) {
        refs[t].push_back(o.name);
      } else if (auto it = refs.find(t); it != refs.end()) {
        auto& v = it->second;
        if (auto f = std::find(v.begin(), v.end(), std::string_view(r.owner)); f != v.end()) v.erase(f);
        if (v.empty()) refs.erase(it);
      }
    }
    if (rules_record(r)) rules_records = static_cast<size_t>(static_cast<int64_t>(rules_records) + delta);
  }
  void flags_of(Owner& o) const {
    o.proxied = o.ipv4_only = o.ipv6_only = o.cname = false;
    each(o, [&](const ZoneRecord& r) {
      o.proxied |= r.proxied;
      o.ipv4_only |= r.ipv4_only;
      o.ipv6_only |= r.ipv6_only;
      o.cname |= r.type == rrtype::kCNAME;
    });
  }

  // ===== validation =====

  std::string where(const ZoneRecord& r) const { return view::where(source, r); }

  Result<void> check_record(const ZoneRecord& r) const {
    if (auto e = check_record_shape(source, origin, r); !e) return e.error();
    if (!r.proxied) return {};
    if (r.type != rrtype::kA && r.type != rrtype::kAAAA && r.type != rrtype::kCNAME) {
      return make_error(where(r) + dns::type_to_string(r.type) + " records cannot be proxied (only A, AAAA and CNAME)");
    }
    const auto& fam = r.type == rrtype::kAAAA ? edge.v6 : edge.v4;
    if (r.type != rrtype::kCNAME && std::find(fam.begin(), fam.end(), r.rdata) != fam.end()) {
      return make_error(where(r) + "proxied record " + text(r.owner) + " points at the edge address " +
                        addr_text(r.rdata));
    }
    if (edge.policy && r.type != rrtype::kCNAME) {
      if (const OriginVerdict v = edge.policy->check(r.rdata); v != OriginVerdict::kAllowed) {
        return make_error(where(r) + OriginPolicy::message(r.rdata, v) + " (proxied record " + text(r.owner) + ")",
                          kProhibitedOriginCode);
      }
    }
    if (r.type == rrtype::kA && edge.v4.empty() && !r.ipv6_only) {
      return make_error(where(r) + "proxied A record " + text(r.owner) +
                        " needs an edge IPv4 address (--edge-ipv4); it never falls back to the origin");
    }
    if (r.type == rrtype::kAAAA && edge.v6.empty() && !r.ipv4_only) {
      return make_error(where(r) + "proxied AAAA record " + text(r.owner) +
                        " needs an edge IPv6 address (--edge-ipv6); it never falls back to the origin");
    }
    if (r.type == rrtype::kCNAME) {
      if (edge.v4.empty() && edge.v6.empty()) {
        return make_error(where(r) + "proxied CNAME " + text(r.owner) +
                          " needs edge addresses (--edge-ipv4/--edge-ipv6); it never falls back to the origin");
      }
      if (is_blocked_proxy_target(r.rdata) || under_domainkey(r.owner)) {
        return make_error(where(r) + "Target " + text(r.rdata) +
                              " is not allowed for a proxied record (a proxied CNAME answers no TXT: the key would vanish)",
                          9003);
      }
    }
    return {};
  }

  // The checks that look at all records of one name (`recs`, in order; `apps`: its app records).
  template <class Recs>
  Result<void> check_owner(std::string_view name, const Recs& recs, bool has_apps, bool apex_checks = true) const {
    const ZoneRecord* cname = nullptr;
    const ZoneRecord* other = nullptr;
    const ZoneRecord* soa = nullptr;
    bool has_ns = false;
    for (const ZoneRecord* r : recs) {
      if (r->type == rrtype::kCNAME) {
        if (cname != nullptr && cname->rdata != r->rdata) {
          return make_error(where(*r) + "more than one CNAME record at " + text(name));
        }
        cname = r;
      } else if (r->type != rrtype::kRRSIG && r->type != rrtype::kNSEC) {
        if (other == nullptr) other = r;
      }
      if (r->type == rrtype::kSOA) {
        if (soa != nullptr && soa->rdata != r->rdata) return make_error(where(*r) + "more than one SOA record");
        soa = r;
      }
      has_ns |= r->type == rrtype::kNS;
      if (has_apps && (r->type == rrtype::kA || r->type == rrtype::kAAAA || r->type == rrtype::kCNAME)) {
        for (const ServedApp& a : apps) {
          auto an = dns::name_from_text(a.dns_name + ".");
          if (an && *an == name) {
            return make_error(where(*r) + a.dns_name + " is the name of Spectrum app " + a.protocol + " (" + a.id +
                                  "), which provisions its own A/AAAA: an A, AAAA, or CNAME record with that host "
                                  "already exists.",
                              kAppNameConflict);
          }
        }
      }
    }
    if (cname != nullptr && other != nullptr && name != origin) {
      return make_error(where(*other) + "CNAME beside other data at " + text(name) + " (RFC 1034 §3.6.2)");
    }
    if (name == origin && apex_checks) {
      const std::string src = source.empty() ? std::string("<zone>") : source;
      if (soa == nullptr) return make_error(src + ": no SOA record at the zone apex " + text(origin));
      if (!has_ns) return make_error(src + ": no NS record at the zone apex " + text(origin));
    }
    return {};
  }
};

}  // namespace dnsedge::view::model_internal
