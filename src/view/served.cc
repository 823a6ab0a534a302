#include "view/served.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "dns/name.h"
#include "dns/types.h"
#include "view/sv_hash.h"

namespace dnsedge::view {
namespace {

namespace rrtype = dns::rrtype;
using dns::ZoneRecord;

constexpr uint32_t kProxiedTtl = 300;   // SPEC §1: proxied answers use TTL 300
constexpr int kMaxDepth = 16;           // CNAME hops followed while flattening
constexpr uint16_t kEdeNotReady = 14;   // RFC 8914 §4.15
constexpr uint16_t kEdeNoReachableAuthority = 22;  // RFC 8914 §4.23

std::string where(const ServeOptions& o, const ZoneRecord& r) {
  std::string s = o.source.empty() ? std::string("<zone>") : o.source;
  if (r.line != 0) s += ":" + std::to_string(r.line);
  return s + ": ";
}

std::string text(std::string_view wire) { return dns::name_to_text(wire); }

// Appends the text of an A (dotted quad, formatted here: no snprintf per address) or AAAA rdata.
void append_addr(std::string& s, std::string_view rdata) {
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

std::string addr_text(std::string_view rdata) {
  std::string s;
  append_addr(s, rdata);
  return s;
}

template <class List>
std::string list_text(const List& v) {
  std::string s;
  for (std::string_view a : v) {
    if (!s.empty()) s += ", ";
    append_addr(s, a);
  }
  return s.empty() ? "none" : s;
}

std::string_view cname_target(const ZoneRecord& r) { return r.rdata; }

constexpr uint32_t kNil = 0xffffffffu;

// Heterogeneous lookups in the string-keyed maps take absl::string_view.
absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A name's stored records, by kind: singly linked lists (Server::next_) of record indices, in
// file order. No allocation per name.
enum Kind : uint8_t { kKindA, kKindAAAA, kKindCname, kKindOther };

struct Group {
  uint32_t head[4] = {kNil, kNil, kNil, kNil};
  uint32_t tail[4] = {kNil, kNil, kNil, kNil};
  bool proxied = false;  // any A/AAAA/CNAME proxied
  bool ipv4_only = false, ipv6_only = false;
  bool noted = false;    // Served::notes has reasons for this owner (its MX/SRV were rewritten)
  bool has(Kind k) const { return head[k] != kNil; }
};

using AddrList = absl::InlinedVector<std::string_view, 2>;  // rdata views

struct Addrs {
  TargetAddrs::State state = TargetAddrs::State::kOk;
  AddrList v4, v6;
  uint32_t ttl = 0xffffffffu;
  bool proxied = false;
  AddrList origin_v4, origin_v6;
  std::string via;  // chain description (only when asked for: it is for explain)
};

std::vector<std::string> strings(const AddrList& v) { return std::vector<std::string>(v.begin(), v.end()); }


class Server {
 public:
  Server(std::string_view origin, const std::vector<ZoneRecord>& records, const ServeOptions& o)
      : origin_(origin), records_(records), o_(o) {}

  Result<Served> run() {
    Served out;
    out_ = &out;
    next_.assign(records_.size(), kNil);
    rec_group_.resize(records_.size());
    gid_.reserve(records_.size());
    groups_.reserve(records_.size());
    owners_.reserve(records_.size());
    for (uint32_t i = 0; i < records_.size(); ++i) {
      const ZoneRecord& r = records_[i];
      // Records of one name usually come together: reuse the last group rather than hash again.
      if (i > 0 && records_[i - 1].owner == r.owner) {
        rec_group_[i] = rec_group_[i - 1];
      } else {
        auto [it, inserted] = gid_.try_emplace(std::string_view(r.owner), static_cast<uint32_t>(groups_.size()));
        if (inserted) {
          groups_.emplace_back();
          owners_.emplace_back(r.owner);
        }
        rec_group_[i] = it->second;
      }
      Group& g = groups_[rec_group_[i]];
      const Kind k = r.type == rrtype::kA      ? kKindA
                     : r.type == rrtype::kAAAA ? kKindAAAA
                     : r.type == rrtype::kCNAME ? kKindCname
                                                : kKindOther;
      if (g.head[k] == kNil) {
        g.head[k] = i;
      } else {
        next_[g.tail[k]] = i;
      }
      g.tail[k] = i;
      if (r.type == rrtype::kNS && r.owner != origin_) cuts_.push_back(r.owner);
      if (auto e = validate(r); !e) return e.error();
      if (r.proxied) g.proxied = true;
      g.ipv4_only |= r.ipv4_only;
      g.ipv6_only |= r.ipv6_only;
    }
    size_t n_proxied = 0;
    for (uint32_t id = 0; id < groups_.size(); ++id) {
      const Group& g = groups_[id];
      n_proxied += g.proxied;
      if (g.has(kKindCname) && owners_[id] != origin_ && (g.has(kKindA) || g.has(kKindAAAA) || g.has(kKindOther))) {
        const ZoneRecord& r = records_[g.has(kKindA) ? g.head[kKindA] : g.has(kKindAAAA) ? g.head[kKindAAAA] : g.head[kKindOther]];
        return make_error(where(o_, r) + "CNAME beside other data at " + text(owners_[id]) + " (RFC 1034 §3.6.2)");
      }
    }
    out.records.reserve(records_.size() + n_proxied * (o_.edge->v4.size() + o_.edge->v6.size()) + 16);
    out.origins.reserve(n_proxied);
    for (uint32_t i = 0; i < records_.size(); ++i) {
      const ZoneRecord& r = records_[i];
      const Group& g = groups_[rec_group_[i]];
      if (g.proxied && (r.type == rrtype::kA || r.type == rrtype::kAAAA || r.type == rrtype::kCNAME)) continue;
      if (r.type == rrtype::kCNAME && flattened(r)) continue;
      if (r.type == rrtype::kMX || r.type == rrtype::kSRV) {
        out.records.push_back(rewrite_mail_target(r, rec_group_[i]));
        continue;
      }
      out.records.push_back(as_served(r));
    }
    // Proxied names: the edge addresses.
    for (uint32_t id = 0; id < groups_.size(); ++id) {
      const Group& g = groups_[id];
      if (!g.proxied) continue;
      const std::string_view owner = owners_[id];
      const ZoneRecord& head = records_[g.has(kKindCname) ? g.head[kKindCname]
                                        : g.has(kKindA)   ? g.head[kKindA]
                                                          : g.head[kKindAAAA]];
      Origin& org = out.origins.try_emplace(std::string(owner)).first->second;
      if (g.has(kKindCname)) {
        org.cname = std::string(cname_target(records_[g.head[kKindCname]]));
        const Addrs t = resolve(org.cname, 1, false);
        org.v4 = strings(t.proxied ? t.origin_v4 : t.v4);
        org.v6 = strings(t.proxied ? t.origin_v6 : t.v6);
      } else {
        for (uint32_t i = g.head[kKindA]; i != kNil; i = next_[i]) org.v4.push_back(records_[i].rdata);
        for (uint32_t i = g.head[kKindAAAA]; i != kNil; i = next_[i]) org.v6.push_back(records_[i].rdata);
      }
      org.ipv4_only = g.ipv4_only;
      org.ipv6_only = g.ipv6_only;
      // The reasons are proxied_notes(org), made when asked; mark their place after those
      // already noted for this owner (its MX/SRV rewrites).
      if (g.noted) out.notes.find(av(owner))->second.emplace_back();
      if (!g.ipv6_only) add_addrs(head, owner, rrtype::kA, o_.edge->v4, kProxiedTtl);
      if (!g.ipv4_only) add_addrs(head, owner, rrtype::kAAAA, o_.edge->v6, kProxiedTtl);
    }
    // Flattened CNAMEs: the target's addresses under the CNAME's name.
    for (uint32_t id = 0; id < groups_.size(); ++id) {
      const Group& g = groups_[id];
      if (g.proxied || !g.has(kKindCname) || !flattened(records_[g.head[kKindCname]])) continue;
      const std::string_view owner = owners_[id];
      const ZoneRecord& c = records_[g.head[kKindCname]];
      const Addrs t = resolve(cname_target(c), 1, true);
      std::vector<std::string>& why = out.notes[av(owner)];
      const std::string reason = owner == origin_ ? "CNAME at the apex (always flattened)"
                                 : c.flatten_cname ? "flatten_cname on this record"
                                                   : "flatten_all on this zone";
      if (t.state != TargetAddrs::State::kOk) {
        const uint16_t ede = t.state == TargetAddrs::State::kPending ? kEdeNotReady : kEdeNoReachableAuthority;
        out.servfail[av(owner)] = ede;
        why.push_back(reason + ": target " + text(cname_target(c)) + " has no usable data (" + t.via +
                      "); A/AAAA answer SERVFAIL, other types keep answering");
        continue;
      }
      const uint32_t ttl = std::min(c.ttl, t.ttl);
      add_addrs(c, owner, rrtype::kA, t.v4, ttl);
      add_addrs(c, owner, rrtype::kAAAA, t.v6, ttl);
      why.push_back(reason + ": flattened from " + text(cname_target(c)) + " (" + t.via + "), TTL " +
                    std::to_string(ttl) + " = min(CNAME " + std::to_string(c.ttl) + ", target " +
                    (t.ttl == 0xffffffffu ? std::string("-") : std::to_string(t.ttl)) + ")" +
                    (t.v4.empty() && t.v6.empty() ? "; the target has no A/AAAA: NOERROR with no data" : ""));
    }
    for (auto& [name, addrs] : dc_) {
      const std::string_view owner = out.arena.emplace_back(name);
      add_addrs(*addrs.from, owner, rrtype::kA, addrs.v4, kProxiedTtl);
      add_addrs(*addrs.from, owner, rrtype::kAAAA, addrs.v6, kProxiedTtl);
      out.notes[name].push_back("synthesized for mail: " + addrs.why + "; answers the origin " +
                                list_text(addrs.v4) + (addrs.v6.empty() ? "" : " / " + list_text(addrs.v6)) +
                                " (the origin is exposed to anyone who looks up the MX/SRV)");
    }
    out.external.reserve(out.outside.size());
    for (const auto& [name, t] : out.outside) out.external.push_back(name);
    std::sort(out.external.begin(), out.external.end());
    out_ = nullptr;
    return out;
  }

 private:
  Result<void> validate(const ZoneRecord& r) {
    if (!r.proxied) return {};
    if (r.type != rrtype::kA && r.type != rrtype::kAAAA && r.type != rrtype::kCNAME) {
      return make_error(where(o_, r) + dns::type_to_string(r.type) +
                        " records cannot be proxied (only A, AAAA and CNAME)");
    }
    const EdgeAddresses& e = *o_.edge;
    const auto& fam = r.type == rrtype::kAAAA ? e.v6 : e.v4;
    if (r.type != rrtype::kCNAME && std::find(fam.begin(), fam.end(), r.rdata) != fam.end()) {
      return make_error(where(o_, r) + "proxied record " + text(r.owner) + " points at the edge address " +
                        addr_text(r.rdata));
    }
    if (r.type == rrtype::kA && e.v4.empty() && !r.ipv6_only) {
      return make_error(where(o_, r) + "proxied A record " + text(r.owner) +
                        " needs an edge IPv4 address (--edge-ipv4); it never falls back to the origin");
    }
    if (r.type == rrtype::kAAAA && e.v6.empty() && !r.ipv4_only) {
      return make_error(where(o_, r) + "proxied AAAA record " + text(r.owner) +
                        " needs an edge IPv6 address (--edge-ipv6); it never falls back to the origin");
    }
    if (r.type == rrtype::kCNAME) {
      if (e.v4.empty() && e.v6.empty()) {
        return make_error(where(o_, r) + "proxied CNAME " + text(r.owner) +
                          " needs edge addresses (--edge-ipv4/--edge-ipv6); it never falls back to the origin");
      }
      const std::string_view t = cname_target(r);
      if (is_blocked_proxy_target(t) || under_domainkey(r.owner)) {
        return make_error(where(o_, r) + "Target " + text(t) +
                          " is not allowed for a proxied record (a proxied CNAME answers no TXT: the key would vanish)",
                          9003);
      }
    }
    return {};
  }

  static bool under_domainkey(std::string_view owner) {
    for (std::string_view p = owner; p.size() > 1; p = dns::parent(p)) {
      if (p.size() >= 11 && static_cast<uint8_t>(p[0]) == 10 && p.substr(1, 10) == "_domainkey") return true;
    }
    return false;
  }

  static ServedRecord as_served(const ZoneRecord& r) {
    return ServedRecord{.owner = r.owner, .rdata = r.rdata, .type = r.type, .rclass = r.rclass, .ttl = r.ttl,
                        .line = r.line};
  }

  // "*.<closest encloser>" when that wildcard exists and would synthesize `name`, else "".
  std::string wildcard_for(std::string_view name) {
    if (names_.empty()) {
      for (const std::string_view owner : owners_) {
        for (std::string_view p = owner; p.size() >= origin_.size(); p = dns::parent(p)) {
          if (!names_.insert(p).second || p.size() == origin_.size()) break;
        }
      }
    }
    std::string_view ce = name;
    while (ce.size() > origin_.size()) {
      ce = dns::parent(ce);
      if (names_.contains(ce)) break;
    }
    std::string wc("\1*", 2);
    wc.append(ce);
    return gid_.contains(wc) ? wc : std::string();
  }

  bool flattened(const ZoneRecord& c) const {
    return c.owner == origin_ || c.flatten_cname || o_.flattening == Flattening::kAll;
  }

  bool local(std::string_view name) const {
    if (!dns::is_subdomain(name, origin_)) return false;
    for (const auto& cut : cuts_) {
      if (dns::is_subdomain(name, cut)) return false;
    }
    return true;
  }

  // `owner` and `rdatas` must outlive the Served (stored records, edge addresses, its arena or
  // its `outside` map).
  template <class List>
  void add_addrs(const ZoneRecord& from, std::string_view owner, uint16_t type, const List& rdatas, uint32_t ttl) {
    for (const auto& rd : rdatas) {
      out_->records.push_back(ServedRecord{.owner = owner, .rdata = rd, .type = type, .rclass = dns::rrclass::kIN,
                                           .ttl = ttl, .line = from.line});
    }
  }

  // What the TargetSource says about a name outside the zone, asked once per compile.
  const std::optional<TargetAddrs>& outside(std::string_view name) {
    auto it = out_->outside.find(av(name));
    if (it == out_->outside.end()) {
      it = out_->outside.emplace(std::string(name), o_.targets ? o_.targets->lookup(name) : std::nullopt).first;
    }
    return it->second;
  }

  // The A/AAAA data `name` leads to (RFC 1034 chase through CNAMEs, any zone, external).
  // `detail`: also describe the chain (Addrs::via), for explain.
  Addrs resolve(std::string_view name, int depth, bool detail) {
    Addrs a;
    if (depth > kMaxDepth) {
      a.state = TargetAddrs::State::kFailed;
      a.via = "CNAME chain longer than 16 or a loop";
      return a;
    }
    if (!local(name)) {
      const std::optional<TargetAddrs>& t = outside(name);
      if (!t) {
        a.state = TargetAddrs::State::kPending;
        if (detail) a.via = text(name) + " not resolved yet";
        return a;
      }
      a.state = t->state;
      a.v4.assign(t->v4.begin(), t->v4.end());
      a.v6.assign(t->v6.begin(), t->v6.end());
      a.ttl = t->ttl;
      a.proxied = t->proxied;
      a.origin_v4.assign(t->origin_v4.begin(), t->origin_v4.end());
      a.origin_v6.assign(t->origin_v6.begin(), t->origin_v6.end());
      if (detail) a.via = text(name) + (t->detail.empty() ? "" : " " + t->detail);
      return a;
    }
    auto it = gid_.find(name);
    if (it == gid_.end()) {
      // RFC 4592: the closest encloser's wildcard, if any, synthesizes the name.
      const std::string wc = wildcard_for(name);
      if (!wc.empty()) it = gid_.find(wc);
      if (it == gid_.end()) {
        if (detail) a.via = text(name) + " (no such name in the zone)";
        return a;
      }
    }
    const Group& g = groups_[it->second];
    if (g.proxied) {
      a.proxied = true;
      a.ttl = kProxiedTtl;
      if (!g.ipv6_only) a.v4.assign(o_.edge->v4.begin(), o_.edge->v4.end());
      if (!g.ipv4_only) a.v6.assign(o_.edge->v6.begin(), o_.edge->v6.end());
      if (g.has(kKindCname)) {
        Addrs t = resolve(cname_target(records_[g.head[kKindCname]]), depth + 1, false);
        a.origin_v4 = t.proxied ? std::move(t.origin_v4) : std::move(t.v4);
        a.origin_v6 = t.proxied ? std::move(t.origin_v6) : std::move(t.v6);
      } else {
        for (uint32_t i = g.head[kKindA]; i != kNil; i = next_[i]) a.origin_v4.push_back(records_[i].rdata);
        for (uint32_t i = g.head[kKindAAAA]; i != kNil; i = next_[i]) a.origin_v6.push_back(records_[i].rdata);
      }
      if (detail) a.via = text(name) + " (proxied: edge addresses)";
      return a;
    }
    if (g.has(kKindCname)) {
      const ZoneRecord& c = records_[g.head[kKindCname]];
      Addrs t = resolve(cname_target(c), depth + 1, detail);
      t.ttl = std::min(t.ttl, c.ttl);
      if (detail) t.via = text(name) + " → " + t.via;
      return t;
    }
    for (uint32_t i = g.head[kKindA]; i != kNil; i = next_[i]) {
      a.v4.push_back(records_[i].rdata);
      a.ttl = std::min(a.ttl, records_[i].ttl);
    }
    for (uint32_t i = g.head[kKindAAAA]; i != kNil; i = next_[i]) {
      a.v6.push_back(records_[i].rdata);
      a.ttl = std::min(a.ttl, records_[i].ttl);
    }
    if (detail) a.via = text(name);
    return a;
  }

  // MX/SRV whose target is proxied (directly or through CNAMEs): point it at a dc-record.
  ServedRecord rewrite_mail_target(const ZoneRecord& r, uint32_t group) {
    const size_t off = static_cast<size_t>(dns::rdata_target_offset(r.type));
    if (r.rdata.size() <= off) return as_served(r);
    const std::string_view target = std::string_view(r.rdata).substr(off);
    const Addrs t = resolve(target, 1, false);
    if (!t.proxied) return as_served(r);
    std::string dc = dc_name(origin_, target);
    ServedRecord copy = as_served(r);
    copy.rdata = out_->arena.emplace_back(r.rdata.substr(0, off) + dc);
    DcData& d = dc_[dc];
    d.from = &r;
    d.v4 = t.origin_v4;
    d.v6 = t.origin_v6;
    const std::string type = r.type == rrtype::kMX ? "MX" : "SRV", target_text = text(target);
    const std::string why = type + " target " + target_text + " is proxied";
    if (d.why.find(why) == std::string::npos) d.why += (d.why.empty() ? "" : "; ") + why;
    groups_[group].noted = true;
    out_->notes[r.owner].push_back(type + " " + target_text + " rewritten to " + text(dc) +
                                   " because the target is proxied (mail cannot pass the edge)");
    return copy;
  }

  struct DcData {
    const ZoneRecord* from = nullptr;
    AddrList v4, v6;
    std::string why;
  };

  std::string origin_;
  const std::vector<ZoneRecord>& records_;
  const ServeOptions& o_;
  Served* out_ = nullptr;
  SvMap<uint32_t> gid_;  // owner (views the records) → group
  std::vector<Group> groups_;                             // in order of first appearance
  std::vector<std::string_view> owners_;                  // per group
  std::vector<uint32_t> next_;                            // per record: next of its group and kind
  std::vector<uint32_t> rec_group_;                       // per record: its group
  std::vector<std::string> cuts_;
  std::map<std::string, DcData> dc_;
  SvSet names_;  // owners and empty non-terminals (for wildcard matching)
};

}  // namespace

bool served_as_stored(std::string_view origin, const std::vector<dns::ZoneRecord>& records,
                      Flattening flattening) {
  for (const auto& r : records) {
    if (r.proxied || r.flatten_cname) return false;
    if (r.type == rrtype::kCNAME && (flattening == Flattening::kAll || r.owner == origin)) return false;
  }
  return true;
}

Result<Served> serve(std::string_view origin, const std::vector<dns::ZoneRecord>& records,
                     const ServeOptions& options) {
  static const EdgeAddresses kNoEdge;
  ServeOptions o = options;
  if (o.edge == nullptr) o.edge = &kNoEdge;
  return Server(origin, records, o).run();
}

std::vector<std::string> proxied_notes(const Origin& org) {
  std::vector<std::string> why;
  if (!org.cname.empty()) {
    why.push_back("proxied CNAME to " + text(org.cname) + ": never shown; answers the edge addresses");
  } else {
    why.push_back("proxied: A answers the edge IPv4 set, AAAA the edge IPv6 set, TTL 300; origin " +
                  list_text(org.v4) + (org.v6.empty() ? "" : " / " + list_text(org.v6)) + " is never answered");
  }
  if (org.ipv4_only) why.push_back("ipv4_only: no AAAA");
  if (org.ipv6_only) why.push_back("ipv6_only: no A");
  return why;
}

std::string dc_name(std::string_view zone, std::string_view target) {
  uint32_t h = 2166136261u;  // FNV-1a 32
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 16777619u;
    }
  };
  mix(zone);
  mix(target);
  std::string out;
  out.reserve(12 + zone.size());
  out += static_cast<char>(11);
  out += "dc-";
  for (int shift = 28; shift >= 0; shift -= 4) out += "0123456789abcdef"[(h >> shift) & 0xf];
  out.append(zone);
  return out;
}

bool is_blocked_proxy_target(std::string_view target) {
  // reference/cloudflare-semantics.md §1: exact names, names and their subdomains, subdomains.
  struct Lists {
    std::vector<std::string> exact, self_or_below, below;  // wire form
  };
  static const Lists kLists = [] {
    Lists l;
    for (const char* e : {"dkim2.mcsv.net.", "dkim3.mcsv.net.", "zmverify.zoho.com.", "dkim.infusionmail.com."}) {
      l.exact.push_back(dns::name_from_text(e).value());
    }
    l.self_or_below.push_back(dns::name_from_text("dkim.amazonses.com.").value());
    for (const char* e : {"onmicrosoft.com.", "dkim.intercom.io.", "acm-validations.aws."}) {
      l.below.push_back(dns::name_from_text(e).value());
    }
    return l;
  }();
  for (const auto& e : kLists.exact) {
    if (target == e) return true;
  }
  for (const auto& e : kLists.self_or_below) {
    if (dns::is_subdomain(target, e)) return true;
  }
  for (const auto& z : kLists.below) {
    if (target != z && dns::is_subdomain(target, z)) return true;
  }
  return false;
}

}  // namespace dnsedge::view
