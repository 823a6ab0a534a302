#include "view/served.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "dns/name.h"
#include "dns/types.h"

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

std::string addr_text(const std::string& rdata) {
  char buf[64];
  if (rdata.size() == 4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", uint8_t(rdata[0]), uint8_t(rdata[1]),
                  uint8_t(rdata[2]), uint8_t(rdata[3]));
    return buf;
  }
  auto r = dns::rdata_to_text(rrtype::kAAAA, rdata);
  return r ? *r : std::string("?");
}

std::string list_text(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : ", ") + addr_text(a);
  return s.empty() ? "none" : s;
}

std::string_view cname_target(const ZoneRecord& r) { return r.rdata; }

// A name's stored records, by type.
struct Group {
  std::vector<const ZoneRecord*> a, aaaa, cname, other;
  bool proxied = false;  // any A/AAAA/CNAME proxied
  bool ipv4_only = false, ipv6_only = false;
};

struct Addrs {
  TargetAddrs::State state = TargetAddrs::State::kOk;
  std::vector<std::string> v4, v6;
  uint32_t ttl = 0xffffffffu;
  bool proxied = false;
  std::vector<std::string> origin_v4, origin_v6;
  std::string via;  // chain description
};

class Server {
 public:
  Server(std::string_view origin, const std::vector<ZoneRecord>& records, const ServeOptions& o)
      : origin_(origin), records_(records), o_(o) {}

  Result<Served> run() {
    for (const auto& r : records_) {
      Group& g = groups_[r.owner];
      switch (r.type) {
        case rrtype::kA: g.a.push_back(&r); break;
        case rrtype::kAAAA: g.aaaa.push_back(&r); break;
        case rrtype::kCNAME: g.cname.push_back(&r); break;
        default: g.other.push_back(&r); break;
      }
      if (r.type == rrtype::kNS && r.owner != origin_) cuts_.push_back(r.owner);
      if (auto e = validate(r); !e) return e.error();
      if (r.proxied) g.proxied = true;
      g.ipv4_only |= r.ipv4_only;
      g.ipv6_only |= r.ipv6_only;
    }
    for (const auto& [owner, g] : groups_) {
      if (!g.cname.empty() && owner != origin_ && (!g.a.empty() || !g.aaaa.empty() || !g.other.empty())) {
        const ZoneRecord& r = g.a.empty() ? (g.aaaa.empty() ? *g.other.front() : *g.aaaa.front()) : *g.a.front();
        return make_error(where(o_, r) + "CNAME beside other data at " + text(owner) + " (RFC 1034 §3.6.2)");
      }
    }
    Served out;
    out.records.reserve(records_.size() + 8);
    for (const auto& r : records_) {
      const Group& g = groups_[r.owner];
      if (g.proxied && (r.type == rrtype::kA || r.type == rrtype::kAAAA || r.type == rrtype::kCNAME)) continue;
      if (r.type == rrtype::kCNAME && flattened(r)) continue;
      if (r.type == rrtype::kMX || r.type == rrtype::kSRV) {
        out.records.push_back(rewrite_mail_target(r, out));
        continue;
      }
      out.records.push_back(r);
    }
    // Proxied names: the edge addresses.
    for (const auto& [owner, g] : groups_) {
      if (!g.proxied) continue;
      const ZoneRecord& head = g.cname.empty() ? (g.a.empty() ? *g.aaaa.front() : *g.a.front()) : *g.cname.front();
      Origin& org = out.origins[owner];
      std::vector<std::string>& why = out.notes[owner];
      if (!g.cname.empty()) {
        org.cname = std::string(cname_target(*g.cname.front()));
        const Addrs t = resolve(org.cname, 1);
        org.v4 = t.proxied ? t.origin_v4 : t.v4;
        org.v6 = t.proxied ? t.origin_v6 : t.v6;
        why.push_back("proxied CNAME to " + text(org.cname) + ": never shown; answers the edge addresses");
      } else {
        for (auto* r : g.a) org.v4.push_back(r->rdata);
        for (auto* r : g.aaaa) org.v6.push_back(r->rdata);
        why.push_back("proxied: A answers the edge IPv4 set, AAAA the edge IPv6 set, TTL 300; origin " +
                      list_text(org.v4) + (org.v6.empty() ? "" : " / " + list_text(org.v6)) + " is never answered");
      }
      if (!g.ipv6_only) add_addrs(out, head, owner, rrtype::kA, o_.edge->v4, kProxiedTtl);
      if (!g.ipv4_only) add_addrs(out, head, owner, rrtype::kAAAA, o_.edge->v6, kProxiedTtl);
      if (g.ipv4_only) why.push_back("ipv4_only: no AAAA");
      if (g.ipv6_only) why.push_back("ipv6_only: no A");
    }
    // Flattened CNAMEs: the target's addresses under the CNAME's name.
    for (const auto& [owner, g] : groups_) {
      if (g.proxied || g.cname.empty() || !flattened(*g.cname.front())) continue;
      const ZoneRecord& c = *g.cname.front();
      const Addrs t = resolve(cname_target(c), 1);
      std::vector<std::string>& why = out.notes[owner];
      const std::string reason = owner == origin_ ? "CNAME at the apex (always flattened)"
                                 : c.flatten_cname ? "flatten_cname on this record"
                                                   : "flatten_all on this zone";
      if (t.state != TargetAddrs::State::kOk) {
        const uint16_t ede = t.state == TargetAddrs::State::kPending ? kEdeNotReady : kEdeNoReachableAuthority;
        out.servfail[owner] = ede;
        why.push_back(reason + ": target " + text(cname_target(c)) + " has no usable data (" + t.via +
                      "); A/AAAA answer SERVFAIL, other types keep answering");
        continue;
      }
      const uint32_t ttl = std::min(c.ttl, t.ttl);
      add_addrs(out, c, owner, rrtype::kA, t.v4, ttl);
      add_addrs(out, c, owner, rrtype::kAAAA, t.v6, ttl);
      why.push_back(reason + ": flattened from " + text(cname_target(c)) + " (" + t.via + "), TTL " +
                    std::to_string(ttl) + " = min(CNAME " + std::to_string(c.ttl) + ", target " +
                    (t.ttl == 0xffffffffu ? std::string("-") : std::to_string(t.ttl)) + ")" +
                    (t.v4.empty() && t.v6.empty() ? "; the target has no A/AAAA: NOERROR with no data" : ""));
    }
    for (auto& [name, addrs] : dc_) {
      add_addrs(out, *addrs.from, name, rrtype::kA, addrs.v4, kProxiedTtl);
      add_addrs(out, *addrs.from, name, rrtype::kAAAA, addrs.v6, kProxiedTtl);
      out.notes[name].push_back("synthesized for mail: " + addrs.why + "; answers the origin " +
                                list_text(addrs.v4) + (addrs.v6.empty() ? "" : " / " + list_text(addrs.v6)) +
                                " (the origin is exposed to anyone who looks up the MX/SRV)");
    }
    std::sort(external_.begin(), external_.end());
    external_.erase(std::unique(external_.begin(), external_.end()), external_.end());
    out.external = std::move(external_);
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

  // "*.<closest encloser>" when that wildcard exists and would synthesize `name`, else "".
  std::string wildcard_for(std::string_view name) {
    if (names_.empty()) {
      for (const auto& [owner, g] : groups_) {
        for (std::string_view p = owner; p.size() >= origin_.size(); p = dns::parent(p)) {
          if (!names_.insert(std::string(p)).second || p.size() == origin_.size()) break;
        }
      }
    }
    std::string_view ce = name;
    while (ce.size() > origin_.size()) {
      ce = dns::parent(ce);
      if (names_.count(std::string(ce))) break;
    }
    std::string wc("\1*", 2);
    wc.append(ce);
    return groups_.count(wc) ? wc : std::string();
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

  void add_addrs(Served& out, const ZoneRecord& from, std::string_view owner, uint16_t type,
                 const std::vector<std::string>& rdatas, uint32_t ttl) {
    for (const auto& rd : rdatas) {
      ZoneRecord r;
      r.owner = std::string(owner);
      r.type = type;
      r.ttl = ttl;
      r.rdata = rd;
      r.line = from.line;
      out.records.push_back(std::move(r));
    }
  }

  // The A/AAAA data `name` leads to (RFC 1034 chase through CNAMEs, any zone, external).
  Addrs resolve(std::string_view name, int depth) {
    Addrs a;
    if (depth > kMaxDepth) {
      a.state = TargetAddrs::State::kFailed;
      a.via = "CNAME chain longer than 16 or a loop";
      return a;
    }
    if (!local(name)) {
      std::optional<TargetAddrs> t = o_.targets ? o_.targets->lookup(name) : std::nullopt;
      external_.emplace_back(name);
      if (!t) {
        a.state = TargetAddrs::State::kPending;
        a.via = text(name) + " not resolved yet";
        return a;
      }
      a.state = t->state;
      a.v4 = t->v4;
      a.v6 = t->v6;
      a.ttl = t->ttl;
      a.proxied = t->proxied;
      a.origin_v4 = t->origin_v4;
      a.origin_v6 = t->origin_v6;
      a.via = text(name) + (t->detail.empty() ? "" : " " + t->detail);
      return a;
    }
    auto it = groups_.find(absl::string_view(name.data(), name.size()));
    if (it == groups_.end()) {
      // RFC 4592: the closest encloser's wildcard, if any, synthesizes the name.
      const std::string wc = wildcard_for(name);
      if (!wc.empty()) it = groups_.find(wc);
      if (it == groups_.end()) {
        a.via = text(name) + " (no such name in the zone)";
        return a;
      }
    }
    const Group& g = it->second;
    if (g.proxied) {
      a.proxied = true;
      a.ttl = kProxiedTtl;
      if (!g.ipv6_only) a.v4 = o_.edge->v4;
      if (!g.ipv4_only) a.v6 = o_.edge->v6;
      if (!g.cname.empty()) {
        const Addrs t = resolve(cname_target(*g.cname.front()), depth + 1);
        a.origin_v4 = t.proxied ? t.origin_v4 : t.v4;
        a.origin_v6 = t.proxied ? t.origin_v6 : t.v6;
      } else {
        for (auto* r : g.a) a.origin_v4.push_back(r->rdata);
        for (auto* r : g.aaaa) a.origin_v6.push_back(r->rdata);
      }
      a.via = text(name) + " (proxied: edge addresses)";
      return a;
    }
    if (!g.cname.empty()) {
      const ZoneRecord& c = *g.cname.front();
      Addrs t = resolve(cname_target(c), depth + 1);
      t.ttl = std::min(t.ttl, c.ttl);
      t.via = text(name) + " → " + t.via;
      return t;
    }
    for (auto* r : g.a) {
      a.v4.push_back(r->rdata);
      a.ttl = std::min(a.ttl, r->ttl);
    }
    for (auto* r : g.aaaa) {
      a.v6.push_back(r->rdata);
      a.ttl = std::min(a.ttl, r->ttl);
    }
    a.via = text(name);
    return a;
  }

  // MX/SRV whose target is proxied (directly or through CNAMEs): point it at a dc-record.
  ZoneRecord rewrite_mail_target(const ZoneRecord& r, Served& out) {
    const size_t off = static_cast<size_t>(dns::rdata_target_offset(r.type));
    if (r.rdata.size() <= off) return r;
    const std::string target = r.rdata.substr(off);
    const Addrs t = resolve(target, 1);
    if (!t.proxied) return r;
    std::string dc = dc_name(origin_, target);
    ZoneRecord copy = r;
    copy.rdata = r.rdata.substr(0, off) + dc;
    DcData& d = dc_[dc];
    d.from = &r;
    d.v4 = t.origin_v4;
    d.v6 = t.origin_v6;
    const std::string why = dns::type_to_string(r.type) + " target " + text(target) + " is proxied";
    if (d.why.find(why) == std::string::npos) d.why += (d.why.empty() ? "" : "; ") + why;
    out.notes[r.owner].push_back(dns::type_to_string(r.type) + " " + text(target) + " rewritten to " + text(dc) +
                                 " because the target is proxied (mail cannot pass the edge)");
    return copy;
  }

  struct DcData {
    const ZoneRecord* from = nullptr;
    std::vector<std::string> v4, v6;
    std::string why;
  };

  std::string origin_;
  const std::vector<ZoneRecord>& records_;
  const ServeOptions& o_;
  absl::flat_hash_map<std::string, Group> groups_;
  std::vector<std::string> cuts_;
  std::vector<std::string> external_;
  std::map<std::string, DcData> dc_;
  std::set<std::string> names_;  // owners and empty non-terminals (for wildcard matching)
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
  char label[12];
  std::snprintf(label, sizeof label, "dc-%08x", h);
  std::string out;
  out += static_cast<char>(11);
  out.append(label, 11);
  out.append(zone);
  return out;
}

bool is_blocked_proxy_target(std::string_view target) {
  // reference/cloudflare-semantics.md §1: exact names, names and their subdomains, subdomains.
  static const char* const kExact[] = {"dkim2.mcsv.net.", "dkim3.mcsv.net.", "zmverify.zoho.com.",
                                       "dkim.infusionmail.com."};
  static const char* const kSelfOrBelow[] = {"dkim.amazonses.com."};
  static const char* const kBelow[] = {"onmicrosoft.com.", "dkim.intercom.io.", "acm-validations.aws."};
  for (const char* e : kExact) {
    if (target == dns::name_from_text(e).value()) return true;
  }
  for (const char* e : kSelfOrBelow) {
    if (dns::is_subdomain(target, dns::name_from_text(e).value())) return true;
  }
  for (const char* e : kBelow) {
    const std::string z = dns::name_from_text(e).value();
    if (target != z && dns::is_subdomain(target, z)) return true;
  }
  return false;
}

}  // namespace dnsedge::view
