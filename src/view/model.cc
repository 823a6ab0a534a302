#include "view/model.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "dns/name.h"
#include "dns/types.h"
#include "view/record_checks.h"
#include "view/model_state.h"
#include "view/sv_hash.h"
#include "view/zone_builder.h"

namespace dnsedge::view {
namespace {

using namespace model_internal;  // the state and the helpers the rules share with it

constexpr uint32_t kProxiedTtl = 300;   // proxied answers use TTL 300
constexpr int kMaxDepth = 16;           // CNAME hops followed while flattening
constexpr uint16_t kEdeNotReady = 14;   // RFC 8914 §4.15
constexpr uint16_t kEdeNoReachableAuthority = 22;  // RFC 8914 §4.23

template <class List>
std::string list_text(const List& v) {
  std::string s;
  for (std::string_view a : v) {
    if (!s.empty()) s += ", ";
    append_addr(s, a);
  }
  return s.empty() ? "none" : s;
}

absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool is_wildcard(std::string_view name) { return name.size() >= 2 && name[0] == 1 && name[1] == '*'; }

using AddrList = absl::InlinedVector<std::string_view, 2>;  // rdata views

struct Addrs {
  TargetAddrs::State state = TargetAddrs::State::kOk;
  AddrList v4, v6;
  uint32_t ttl = 0xffffffffu;
  bool proxied = false;
  AddrList origin_v4, origin_v6;
  std::string via;  // chain description (only when asked for: it is for explain)
};

}  // namespace

// The rules (on the records of ModelState, view/model_state.h) and what they produced.
struct ZoneModel::Impl : model_internal::ModelState {
  // ===== the rules (docs/proxy.md) =====

  bool local(std::string_view name) const {
    if (!dns::is_subdomain(name, origin)) return false;
    for (const auto& cut : cuts) {
      if (dns::is_subdomain(name, cut)) return false;
    }
    return true;
  }

  // "*.<closest encloser>" when that wildcard exists and would synthesize `name`, else "".
  std::string wildcard_for(std::string_view name) const {
    if (wildcard_parents.empty()) return {};
    std::string_view ce = name;
    while (ce.size() > origin.size()) {
      ce = dns::parent(ce);
      if (exists(ce)) break;
    }
    if (!wildcard_parents.contains(ce)) return {};
    std::string wc("\1*", 2);
    wc.append(ce);
    return wc;
  }

  const std::optional<TargetAddrs>& outside(std::string_view name) {
    auto it = outside_cache.find(av(name));
    if (it == outside_cache.end()) {
      it = outside_cache.emplace(std::string(name), targets ? targets->lookup(name) : std::nullopt).first;
    }
    if (outside_sink != nullptr) outside_sink->push_back(it->first);
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
    const Owner* o = find_owner(name);
    if (o == nullptr || o->count == 0) {
      // RFC 4592: the closest encloser's wildcard, if any, synthesizes the name.
      const Owner* w = nullptr;
      if (o == nullptr) {
        const std::string wc = wildcard_for(name);
        if (!wc.empty()) w = find_owner(wc);
      }
      if (w == nullptr || w->count == 0) {
        if (detail) a.via = text(name) + " (no such name in the zone)";
        return a;
      }
      o = w;
    }
    if (o->proxied) {
      a.proxied = true;
      a.ttl = kProxiedTtl;
      if (!o->ipv6_only) a.v4.assign(edge.v4.begin(), edge.v4.end());
      if (!o->ipv4_only) a.v6.assign(edge.v6.begin(), edge.v6.end());
      origin_of(*o, a.origin_v4, a.origin_v6, depth);
      if (detail) a.via = text(name) + " (proxied: edge addresses)";
      return a;
    }
    if (o->cname) {
      const ZoneRecord* c = first(*o, rrtype::kCNAME);
      Addrs t = resolve(c->rdata, depth + 1, detail);
      t.ttl = std::min(t.ttl, c->ttl);
      if (detail) t.via = text(name) + " → " + t.via;
      return t;
    }
    each(*o, [&](const ZoneRecord& r) {
      if (r.type == rrtype::kA) {
        a.v4.push_back(r.rdata);
        a.ttl = std::min(a.ttl, r.ttl);
      }
    });
    each(*o, [&](const ZoneRecord& r) {
      if (r.type == rrtype::kAAAA) {
        a.v6.push_back(r.rdata);
        a.ttl = std::min(a.ttl, r.ttl);
      }
    });
    if (detail) a.via = text(name);
    return a;
  }

  const ZoneRecord* first(const Owner& o, uint16_t type) const {
    for (uint32_t i = o.head; i != kNil; i = next[i]) {
      if (pool[i].type == type) return &pool[i];
    }
    return nullptr;
  }

  // Origin addresses of a proxied owner: its A/AAAA, or what its CNAME leads to.
  void origin_of(const Owner& o, AddrList& v4, AddrList& v6, int depth) {
    if (o.cname) {
      Addrs t = resolve(first(o, rrtype::kCNAME)->rdata, depth + 1, false);
      v4 = t.proxied ? std::move(t.origin_v4) : std::move(t.v4);
      v6 = t.proxied ? std::move(t.origin_v6) : std::move(t.v6);
      return;
    }
    each(o, [&](const ZoneRecord& r) {
      if (r.type == rrtype::kA) v4.push_back(r.rdata);
    });
    each(o, [&](const ZoneRecord& r) {
      if (r.type == rrtype::kAAAA) v6.push_back(r.rdata);
    });
  }

  static ServedRecord as_served(const ZoneRecord& r) {
    return ServedRecord{.owner = r.owner, .rdata = r.rdata, .type = r.type, .rclass = r.rclass, .ttl = r.ttl,
                        .line = r.line};
  }

  std::string_view keep(std::string s) {
    return arena.emplace_back(std::move(s));
  }

  // What owner `id` serves, into a fresh Out (nullopt: its records, as stored).
  std::optional<Out> compute(uint32_t id) {
    const Owner& o = owners[id];
    Out out;
    outside_sink = &out.outside;
    bool special = false;
    const bool rules = rules_records != 0;
    bool noted = false;
    each(o, [&](const ZoneRecord& r) {
      if (o.proxied && (r.type == rrtype::kA || r.type == rrtype::kAAAA || r.type == rrtype::kCNAME)) {
        special = true;
        return;
      }
      if (r.type == rrtype::kCNAME && flattened(r)) {
        special = true;
        return;
      }
      if (rules && (r.type == rrtype::kMX || r.type == rrtype::kSRV)) {
        const size_t off = static_cast<size_t>(dns::rdata_target_offset(r.type));
        if (r.rdata.size() > off) {
          const std::string_view target = std::string_view(r.rdata).substr(off);
          const Addrs t = resolve(target, 1, false);
          if (t.proxied) {
            const std::string dc = dc_name(origin, target);
            ServedRecord copy = as_served(r);
            copy.rdata = keep(r.rdata.substr(0, off) + dc);
            out.recs.push_back(copy);
            out.mail.emplace_back(target, r.type);
            out.notes.push_back(std::string(r.type == rrtype::kMX ? "MX" : "SRV") + " " + text(target) +
                                " rewritten to " + text(dc) + " because the target is proxied (mail cannot pass the edge)");
            noted = special = true;
            return;
          }
        }
      }
      out.recs.push_back(as_served(r));
    });
    each_app(o, [&](const ZoneRecord& r) { out.recs.push_back(as_served(r)); });
    if (o.proxied) {
      const ZoneRecord* head = first(o, rrtype::kCNAME);
      if (head == nullptr) head = first(o, rrtype::kA);
      if (head == nullptr) head = first(o, rrtype::kAAAA);
      Origin org;
      if (o.cname) {
        org.cname = head->rdata;
        AddrList v4, v6;
        origin_of(o, v4, v6, 0);
        org.v4.assign(v4.begin(), v4.end());
        org.v6.assign(v6.begin(), v6.end());
      } else {
        each(o, [&](const ZoneRecord& r) {
          if (r.type == rrtype::kA) org.v4.push_back(r.rdata);
        });
        each(o, [&](const ZoneRecord& r) {
          if (r.type == rrtype::kAAAA) org.v6.push_back(r.rdata);
        });
      }
      org.ipv4_only = o.ipv4_only;
      org.ipv6_only = o.ipv6_only;
      out.origin = std::move(org);
      // The reasons are proxied_notes(origin), made when asked; mark their place after those
      // already noted for this owner (its MX/SRV rewrites).
      if (noted) out.notes.emplace_back();
      if (!o.ipv6_only) add_addrs(out, *head, o.name, rrtype::kA, edge.v4, kProxiedTtl);
      if (!o.ipv4_only) add_addrs(out, *head, o.name, rrtype::kAAAA, edge.v6, kProxiedTtl);
    } else if (o.cname && flattened(*first(o, rrtype::kCNAME))) {
      const ZoneRecord& c = *first(o, rrtype::kCNAME);
      const Addrs t = resolve(c.rdata, 1, true);
      const std::string reason = o.name == origin ? "CNAME at the apex (always flattened)"
                                 : c.flatten_cname ? "flatten_cname on this record"
                                                   : "flatten_all on this zone";
      if (t.state != TargetAddrs::State::kOk) {
        out.servfail = t.state == TargetAddrs::State::kPending ? kEdeNotReady : kEdeNoReachableAuthority;
        out.notes.push_back(reason + ": target " + text(c.rdata) + " has no usable data (" + t.via +
                            "); A/AAAA answer SERVFAIL, other types keep answering");
      } else {
        const uint32_t ttl = std::min(c.ttl, t.ttl);
        std::vector<std::string_view> v4, v6;
        for (auto a : t.v4) v4.push_back(keep(std::string(a)));
        for (auto a : t.v6) v6.push_back(keep(std::string(a)));
        add_addrs(out, c, o.name, rrtype::kA, v4, ttl);
        add_addrs(out, c, o.name, rrtype::kAAAA, v6, ttl);
        out.notes.push_back(reason + ": flattened from " + text(c.rdata) + " (" + t.via + "), TTL " +
                            std::to_string(ttl) + " = min(CNAME " + std::to_string(c.ttl) + ", target " +
                            (t.ttl == 0xffffffffu ? std::string("-") : std::to_string(t.ttl)) + ")" +
                            (t.v4.empty() && t.v6.empty() ? "; the target has no A/AAAA: NOERROR with no data" : ""));
      }
    }
    if (o.app_head != kNil) {
      for (const ServedApp& a : apps) {
        auto name = dns::name_from_text(a.dns_name + ".");
        if (name && *name == o.name) {
          out.notes.push_back("Spectrum app " + a.protocol + " (" + a.id +
                              "): the name answers the app's edge address; the edge carries the connection to its origin");
        }
      }
      special = true;
    }
    outside_sink = nullptr;
    special = special || !out.outside.empty() || !out.notes.empty();
    if (!special) return std::nullopt;
    return out;
  }

  template <class List>
  static void add_addrs(Out& out, const ZoneRecord& from, std::string_view owner, uint16_t type, const List& rdatas,
                        uint32_t ttl) {
    for (const auto& rd : rdatas) {
      out.recs.push_back(ServedRecord{.owner = owner, .rdata = rd, .type = type, .rclass = dns::rrclass::kIN,
                                      .ttl = ttl, .line = from.line});
    }
  }

  // Replaces owner `id`'s output; returns the MX/SRV targets whose dc-records it affects.
  void recompute(uint32_t id, std::vector<std::string_view>& dc_touched) {
    Owner& o = owners[id];
    if (o.out != kNil) {
      Out& old = outs[o.out];
      for (const auto& [t, type] : old.mail) {
        if (auto it = dcs.find(t); it != dcs.end()) {
          uint32_t& n = type == rrtype::kMX ? it->second.mx : it->second.srv;
          if (n > 0) --n;
          dc_touched.push_back(it->first);
        }
      }
      for (std::string_view n : old.outside) {
        auto it = outside_count.find(av(n));
        if (it != outside_count.end() && --it->second == 0) {
          outside_count.erase(it);
          external_changed = true;
        }
      }
      arena_garbage += old.kept;
      old = Out{};
      free_outs.push_back(o.out);
      o.out = kNil;
    }
    if (!o.exists()) return;
    const size_t arena_before = arena.size();
    std::optional<Out> out = compute(id);
    if (!out) {
      arena_garbage += arena.size() - arena_before;
      return;
    }
    out->kept = arena.size() - arena_before;
    for (const auto& [t, type] : out->mail) {
      Dc& d = dcs[t];
      (type == rrtype::kMX ? d.mx : d.srv)++;
      dc_touched.push_back(t);
    }
    std::sort(out->outside.begin(), out->outside.end());
    out->outside.erase(std::unique(out->outside.begin(), out->outside.end()), out->outside.end());
    for (std::string_view& n : out->outside) {
      auto [it, inserted] = outside_count.try_emplace(std::string(n), 0);
      if (inserted) external_changed = true;
      ++it->second;
      n = it->first;  // the views pointed into the per-call cache; the count's key is stable
    }
    if (free_outs.empty()) {
      o.out = static_cast<uint32_t>(outs.size());
      outs.push_back(std::move(*out));
    } else {
      o.out = free_outs.back();
      free_outs.pop_back();
      outs[o.out] = std::move(*out);
    }
  }

  // Rebuilds the dc-record of MX/SRV target `t`. Returns its name when it appeared, went or changed.
  std::string_view refresh_dc(std::string_view t, std::vector<std::string_view>* existence) {
    auto it = dcs.find(t);
    if (it == dcs.end()) return {};
    Dc& d = it->second;
    if (d.mx == 0 && d.srv == 0) {
      const std::string_view name = d.name;
      if (!name.empty()) {
        count_name(name, -1, existence);
        dc_by_name.erase(name);
      }
      dcs.erase(it);
      return name;
    }
    const bool is_new = d.name.empty();
    if (is_new) {
      d.name = keep(dc_name(origin, t));
      dc_by_name[d.name] = t;
      count_name(d.name, +1, existence);
    }
    Addrs a = resolve(t, 1, false);
    d.v4.assign(a.origin_v4.begin(), a.origin_v4.end());
    d.v6.assign(a.origin_v6.begin(), a.origin_v6.end());
    d.recs.clear();
    add_addrs_dc(d);
    std::string why;
    if (d.mx != 0) why = "MX target " + text(t) + " is proxied";
    if (d.srv != 0) why += std::string(why.empty() ? "" : "; ") + "SRV target " + text(t) + " is proxied";
    d.note = "synthesized for mail: " + why + "; answers the origin " + list_text(d.v4) +
             (d.v6.empty() ? "" : " / " + list_text(d.v6)) + " (the origin is exposed to anyone who looks up the MX/SRV)";
    return d.name;
  }
  static void add_addrs_dc(Dc& d) {
    for (const auto& rd : d.v4) {
      d.recs.push_back(ServedRecord{.owner = d.name, .rdata = rd, .type = rrtype::kA, .rclass = dns::rrclass::kIN,
                                    .ttl = kProxiedTtl, .line = 0});
    }
    for (const auto& rd : d.v6) {
      d.recs.push_back(ServedRecord{.owner = d.name, .rdata = rd, .type = rrtype::kAAAA, .rclass = dns::rrclass::kIN,
                                    .ttl = kProxiedTtl, .line = 0});
    }
  }

  std::shared_ptr<const std::vector<std::string>> external_names() const {
    auto v = std::make_shared<std::vector<std::string>>();
    v->reserve(outside_count.size());
    for (const auto& [n, c] : outside_count) v->push_back(n);
    std::sort(v->begin(), v->end());
    return v;
  }

  // What name `n` serves now, for a patch.
  NodePatch node_patch(std::string_view n) const {
    NodePatch p;
    p.name = n;
    p.exists = exists(n);
    if (!p.exists) return p;
    if (auto it = owner_ids.find(n); it != owner_ids.end() && owners[it->second].exists()) {
      const Owner& o = owners[it->second];
      if (o.out != kNil) {
        const Out& out = outs[o.out];
        p.records = out.recs;
        p.notes = out.notes;
        p.origin = out.origin ? &*out.origin : nullptr;
        p.servfail = out.servfail;
      } else {
        each(o, [&](const ZoneRecord& r) { p.records.push_back(as_served(r)); });
      }
    }
    if (auto it = dc_by_name.find(n); it != dc_by_name.end()) {
      const Dc& d = dcs.find(it->second)->second;
      p.records.insert(p.records.end(), d.recs.begin(), d.recs.end());
      p.notes.push_back(d.note);
    }
    return p;
  }
};

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

Result<std::shared_ptr<const ZoneView>> ZoneModel::full_view(Impl& m, const CompileOptions& options) {
  std::vector<std::string_view> touched;
  for (uint32_t id = 0; id < m.owners.size(); ++id) m.recompute(id, touched);
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (std::string_view t : touched) m.refresh_dc(t, nullptr);
  m.external_changed = false;
  Served served;
  size_t n = 0;
  for (const auto& o : m.owners) n += o.count + (o.out != kNil ? 4 : 0);
  served.records.reserve(n + 16);
  for (const auto& o : m.owners) {
    if (!o.exists()) continue;
    if (o.out == kNil) {
      m.each(o, [&](const ZoneRecord& r) { served.records.push_back(Impl::as_served(r)); });
      continue;
    }
    const auto& out = m.outs[o.out];
    served.records.insert(served.records.end(), out.recs.begin(), out.recs.end());
    if (!out.notes.empty()) served.notes[std::string(o.name)] = out.notes;
    if (out.origin) served.origins[std::string(o.name)] = *out.origin;
    if (out.servfail != 0) served.servfail[std::string(o.name)] = out.servfail;
  }
  for (const auto& [t, d] : m.dcs) {
    served.records.insert(served.records.end(), d.recs.begin(), d.recs.end());
    served.notes[std::string(d.name)].push_back(d.note);
  }
  served.external = *m.external_names();
  CompileOptions o = options;
  o.apps = &m.apps;
  auto v = ZoneView::Builder::served(m.origin, served.records, o, served);
  if (!v) return v.error();
  return std::shared_ptr<const ZoneView>(std::move(*v));
}

ZoneModel::ZoneModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZoneModel::~ZoneModel() = default;

Result<std::unique_ptr<ZoneModel>> ZoneModel::build(std::string_view origin, std::vector<dns::ZoneRecord> records,
                                                    const CompileOptions& options) {
  auto m = std::make_unique<Impl>();
  m->origin = std::string(origin);
  m->source = options.source;
  if (options.edge != nullptr) m->edge = *options.edge;
  m->flattening = options.flattening;
  if (options.apps != nullptr) m->apps = *options.apps;
  m->expired = options.expired;
  m->signing = options.signing;
  m->targets = options.targets;
  const std::string src = options.source.empty() ? std::string("<zone>") : options.source;
  if (origin.empty()) return make_error(src + ": no zone origin");

  // Per record, in the order given: the first bad record is the one reported.
  for (const ZoneRecord& r : records) {
    if (auto e = m->check_record(r); !e) return e.error();
  }
  if (auto e = check_presigned(origin, records, options); !e) return e.error();
  // Group by owner (records of one name usually come together: reuse the last owner).
  m->pool.resize(0);
  m->next.assign(records.size(), kNil);
  m->owners.reserve(records.size() / 2 + 16);
  m->owner_ids.reserve(records.size() / 2 + 16);
  uint32_t last = kNil;
  for (ZoneRecord& r : records) {
    m->pool.push_back(std::move(r));
    const uint32_t i = static_cast<uint32_t>(m->pool.size() - 1);
    const ZoneRecord& pr = m->pool[i];
    const uint32_t id = last != kNil && m->owners[last].name == std::string_view(pr.owner) ? last : m->owner_id(pr.owner);
    auto& o = m->owners[id];
    if (o.head == kNil) {
      o.head = i;
      o.name = pr.owner;
    } else {
      m->next[o.tail] = i;
    }
    o.tail = i;
    ++o.count;
    last = id;
  }
  // Spectrum apps: their names answer their edge addresses (view/apps.h), from a list of their own.
  if (!m->apps.empty()) {
    auto app_recs = add_app_records(origin, {}, m->apps, options.source);
    if (!app_recs) return app_recs.error();
    std::vector<uint32_t> app_tail;
    for (ZoneRecord& r : *app_recs) {
      m->pool.push_back(std::move(r));
      m->next.push_back(kNil);
      const uint32_t i = static_cast<uint32_t>(m->pool.size() - 1);
      const uint32_t id = m->owner_id(m->pool[i].owner);
      if (app_tail.size() <= id) app_tail.resize(id + 1, kNil);
      auto& o = m->owners[id];
      if (o.app_head == kNil) {
        o.app_head = i;
      } else {
        m->next[app_tail[id]] = i;
      }
      app_tail[id] = i;
    }
  }
  std::vector<const ZoneRecord*> recs;
  for (uint32_t id = 0; id < m->owners.size(); ++id) {
    auto& o = m->owners[id];
    recs.clear();
    m->each(o, [&](const ZoneRecord& r) { recs.push_back(&r); });
    if (auto e = m->check_owner(o.name, recs, o.app_head != kNil, false); !e) return e.error();
    m->flags_of(o);
    m->each(o, [&](const ZoneRecord& r) { m->index_record(o, r, +1); });
    if (o.exists()) m->count_name(o.name, +1, nullptr);
    if (o.name != m->origin && m->first(o, rrtype::kNS) != nullptr) m->cuts.push_back(o.name);
    if (is_wildcard(o.name) && o.exists()) m->wildcard_parents[dns::parent(o.name)]++;
  }
  {
    const Impl::Owner* apex = m->find_owner(m->origin);
    if (apex == nullptr) return make_error(src + ": no SOA record at the zone apex " + text(origin));
    recs.clear();
    m->each(*apex, [&](const ZoneRecord& r) { recs.push_back(&r); });
    if (auto e = m->check_owner(m->origin, recs, false); !e) return e.error();
  }
  auto v = full_view(*m, options);
  m->targets = nullptr;
  m->outside_cache.clear();
  if (!v) return v.error();
  std::unique_ptr<ZoneModel> model(new ZoneModel(std::move(m)));
  model->view_ = std::move(*v);
  model->stats_ = Stats{.patched_names = 0, .recomputed_owners = model->impl_->owners.size(), .full = true};
  return model;
}

std::vector<dns::ZoneRecord> ZoneModel::records_of(std::string_view owner) const {
  std::vector<dns::ZoneRecord> out;
  if (const auto* o = impl_->find_owner(owner)) impl_->each(*o, [&](const ZoneRecord& r) { out.push_back(r); });
  return out;
}

Result<std::shared_ptr<const ZoneView>> ZoneModel::rebuild(std::vector<OwnerChange> changes, const TargetSource* targets) {
  Impl& m = *impl_;
  // Every live record, with the changes applied, compiled from scratch.
  std::vector<ZoneRecord> all;
  all.reserve(m.pool.size() - m.garbage + changes.size());
  absl::flat_hash_set<std::string_view, SvHash> changed;
  for (const OwnerChange& c : changes) changed.insert(c.owner);
  for (const auto& o : m.owners) {
    if (o.count == 0 || changed.contains(o.name)) continue;
    m.each(o, [&](const ZoneRecord& r) { all.push_back(r); });
  }
  for (OwnerChange& c : changes) {
    for (ZoneRecord& r : c.records) all.push_back(std::move(r));
  }
  CompileOptions o{.source = m.source, .edge = &m.edge, .flattening = m.flattening, .targets = targets,
                   .apps = &m.apps, .expired = m.expired, .signing = m.signing};
  auto fresh = ZoneModel::build(m.origin, std::move(all), o);
  if (!fresh) return fresh.error();
  impl_ = std::move((*fresh)->impl_);
  view_ = (*fresh)->view_;
  stats_ = Stats{.patched_names = 0, .recomputed_owners = impl_->owners.size(), .full = true};
  return view_;
}

Result<std::shared_ptr<const ZoneView>> ZoneModel::update(std::vector<OwnerChange> changes, const TargetSource* targets) {
  Impl& m = *impl_;
  stats_ = Stats{};
  // 1. Validate, changing nothing.
  bool full = false;
  int64_t rules_delta = 0;
  std::vector<const ZoneRecord*> recs;
  for (const OwnerChange& c : changes) {
    recs.clear();
    for (const ZoneRecord& r : c.records) {
      if (r.owner != c.owner) return make_error("internal: record of " + text(r.owner) + " in the change of " + text(c.owner));
      if (auto e = m.check_record(r); !e) return e.error();
      recs.push_back(&r);
    }
    const Impl::Owner* o = m.find_owner(c.owner);
    const bool apps = o != nullptr && o->app_head != kNil;
    if (auto e = m.check_owner(c.owner, recs, apps); !e) return e.error();
    // Structure every name depends on: compile in full.
    const bool was = o != nullptr && o->count != 0, now = !c.records.empty();
    if (is_wildcard(c.owner) && was != now) full = true;
    const bool ns_now = std::any_of(c.records.begin(), c.records.end(), [](const ZoneRecord& r) { return r.type == rrtype::kNS; });
    if (c.owner != m.origin && (ns_now || (o != nullptr && m.first(*o, rrtype::kNS) != nullptr))) full = true;
    if (was != now && !m.wildcard_parents.empty()) {
      // A name appearing or going right under a wildcard's parent changes what it synthesizes:
      // the nearest ancestor that exists without it is the closest encloser of names below it.
      for (std::string_view p = c.owner; p.size() > m.origin.size();) {
        p = dns::parent(p);
        auto b = m.below.find(p);
        const uint32_t others = b == m.below.end() ? 0 : b->second - (was ? 1 : 0);
        if (others > 0 || p.size() <= m.origin.size()) {
          full = full || m.wildcard_parents.contains(p);
          break;
        }
      }
    }
    if (o != nullptr) m.each(*o, [&](const ZoneRecord& r) { rules_delta -= m.rules_record(r); });
    for (const ZoneRecord& r : c.records) rules_delta += m.rules_record(r);
  }
  // Zones with no proxied record and no CNAME to flatten are served as stored, nothing
  // resolved: crossing that line changes every MX/SRV owner.
  if ((m.rules_records == 0) != (static_cast<int64_t>(m.rules_records) + rules_delta == 0)) full = true;
  if (m.garbage > 1024 && m.garbage > m.pool.size() / 2) full = true;
  if (m.arena_garbage > 1024 && m.arena_garbage > m.arena.size() / 2) full = true;
  if (changes.size() > 64 && changes.size() * 4 > m.owners.size()) full = true;  // most of the zone: compile it

  if (full) return rebuild(std::move(changes), targets);

  // 2. Apply.
  m.targets = targets;
  std::vector<std::string_view> existence;  // names whose node appears or goes
  std::vector<std::string_view> reach;      // names whose answers others depend on changed
  std::vector<uint32_t> changed_ids;
  // What others see of a name: its A/AAAA/CNAME data and proxy flags.
  auto signature = [&](const Impl::Owner& ow) {
    std::string sig = ow.count != 0 ? "+" : "-";  // a name with records, or none (explain tells them apart)
    m.each(ow, [&](const ZoneRecord& r) {
      if (r.type != rrtype::kA && r.type != rrtype::kAAAA && r.type != rrtype::kCNAME) return;
      sig += std::to_string(r.type) + "/" + std::to_string(r.ttl) + "/" + (r.proxied ? "p" : "") +
             (r.ipv4_only ? "4" : "") + (r.ipv6_only ? "6" : "") + "/" + r.rdata + "|";
    });
    return sig;
  };
  for (OwnerChange& c : changes) {
    auto known = m.owner_ids.find(c.owner);
    if (known == m.owner_ids.end() && c.records.empty()) continue;
    uint32_t id;
    std::string before;
    bool was = false;
    if (known != m.owner_ids.end()) {
      id = known->second;
      before = signature(m.owners[id]);
      was = m.owners[id].exists();
      m.detach(id);
    } else {
      // A new owner: its name (the map key) views its first record in the pool.
      m.pool.push_back(c.records.front());
      m.next.push_back(kNil);
      ++m.garbage;  // a copy for the name only
      id = m.owner_id(m.pool.back().owner);
    }
    if (!c.records.empty()) m.attach(id, c.records);
    const bool now = m.owners[id].exists();
    if (was != now) m.count_name(m.owners[id].name, now ? +1 : -1, &existence);
    if (signature(m.owners[id]) != before) reach.push_back(m.owners[id].name);
    changed_ids.push_back(id);
  }
  for (std::string_view n : existence) reach.push_back(n);

  // 3. Who depends on what changed: referrers, through CNAME chains.
  absl::flat_hash_set<uint32_t> reached(changed_ids.begin(), changed_ids.end());
  {
    absl::flat_hash_set<std::string_view, SvHash> seen(reach.begin(), reach.end());
    std::vector<std::string_view> queue = reach;
    while (!queue.empty()) {
      const std::string_view q = queue.back();
      queue.pop_back();
      if (is_wildcard(q)) {
        // A wildcard's answers reach names that exist nowhere but in other records' data:
        // compile in full (the model already holds the new records).
        m.targets = nullptr;
        m.outside_cache.clear();
        return rebuild({}, targets);
      }
      auto it = m.refs.find(q);
      if (it == m.refs.end()) continue;
      for (std::string_view r : it->second) {
        auto oid = m.owner_ids.find(r);
        if (oid == m.owner_ids.end()) continue;
        reached.insert(oid->second);
        if (m.owners[oid->second].cname && seen.insert(r).second) queue.push_back(r);
      }
    }
  }
  // 4. Recompute them, then the dc-records of the MX/SRV targets involved.
  std::vector<std::string_view> dc_touched;
  for (uint32_t id : reached) m.recompute(id, dc_touched);
  std::sort(dc_touched.begin(), dc_touched.end());
  dc_touched.erase(std::unique(dc_touched.begin(), dc_touched.end()), dc_touched.end());
  std::vector<std::string_view> dirty;
  for (std::string_view t : dc_touched) {
    const std::string_view name = m.refresh_dc(t, &existence);
    if (name.empty()) continue;
    dirty.push_back(name);
    // Stored data that names a dc-record points at its node (additional data).
    if (auto it = m.refs.find(name); it != m.refs.end()) dirty.insert(dirty.end(), it->second.begin(), it->second.end());
  }
  m.targets = nullptr;
  m.outside_cache.clear();

  // 5. Patch the view: every recomputed owner, every name that appeared or went.
  for (uint32_t id : reached) dirty.push_back(m.owners[id].name);
  for (std::string_view n : existence) dirty.push_back(n);
  std::sort(dirty.begin(), dirty.end());
  dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
  std::vector<NodePatch> patches;
  patches.reserve(dirty.size());
  for (std::string_view n : dirty) patches.push_back(m.node_patch(n));
  std::shared_ptr<const std::vector<std::string>> external;
  if (m.external_changed) {
    external = m.external_names();
    m.external_changed = false;
  }
  auto v = ZoneView::patch(*view_, std::move(patches), std::move(external));
  if (!v) return v.error();
  view_ = std::move(*v);
  stats_ = Stats{.patched_names = dirty.size(), .recomputed_owners = reached.size(), .full = false};
  return view_;
}

}  // namespace dnsedge::view
