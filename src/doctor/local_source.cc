#include "doctor/local_source.h"

extern "C" {
#include <libknot/libknot.h>
}

#include <algorithm>

#include "auth/answer.h"
#include "dns/name.h"
#include "dns/types.h"
#include "doctor/live_source.h"
#include "doctor/util.h"

namespace dnsedge::doctor {
namespace {

namespace rrtype = dns::rrtype;
constexpr int kMaxHops = 16;  // CNAME hops across zones and outside

void read_section(const knot_pkt_t* pkt, knot_section_t s, std::vector<dns::ZoneRecord>& out) {
  const knot_pktsection_t* sec = knot_pkt_section(pkt, s);
  for (uint16_t i = 0; i < sec->count; ++i) {
    const knot_rrset_t* rr = knot_pkt_rr(sec, i);
    if (rr->type == KNOT_RRTYPE_OPT) continue;
    const std::string owner =
        ascii_lower(std::string_view(reinterpret_cast<const char*>(rr->owner), knot_dname_size(rr->owner)));
    knot_rdata_t* rd = rr->rrs.rdata;
    for (uint16_t j = 0; j < rr->rrs.count; ++j) {
      dns::ZoneRecord rec;
      rec.owner = owner;
      rec.type = rr->type;
      rec.rclass = rr->rclass;
      rec.ttl = rr->ttl;
      rec.rdata.assign(reinterpret_cast<const char*>(rd->data), rd->len);
      out.push_back(std::move(rec));
      rd = knot_rdataset_next(rd);
    }
  }
}

std::string server_text(const std::string& rdata) {
  return rdata.size() == 4 ? addr_text(rdata) + ":53" : "[" + addr_text(rdata) + "]:53";
}

}  // namespace

struct LocalSource::Answer {
  bool ok = false;
  uint16_t rcode = 0;
  bool aa = false;
  std::vector<dns::ZoneRecord> answer, authority, additional;

  bool referral() const {
    if (!ok || rcode != dns::rcode::kNoError || aa || !answer.empty()) return false;
    return std::any_of(authority.begin(), authority.end(), [](const auto& r) { return r.type == rrtype::kNS; });
  }
};

LocalSource::LocalSource(std::shared_ptr<const view::Catalog> catalog, std::vector<LocalZone> zones,
                         LocalOptions options)
    : catalog_(std::move(catalog)), options_(std::move(options)) {
  facts_.edge = options_.edge;
  for (auto& z : zones) {
    ProxyFacts::Zone fz;
    fz.apex = z.apex;
    fz.flatten_all = z.flatten_all;
    fz.stored = std::move(z.stored);
    if (auto v = catalog_->zone(fz.apex)) fz.served = v->records();
    facts_.zones.push_back(std::move(fz));
  }
  for (const auto& v : catalog_->zones()) {
    for (const auto& [owner, origin] : v->origins()) facts_.proxied.push_back({owner, origin});
  }
  // The view keeps origins in a hash map: sort so every run reports in the same order.
  std::sort(facts_.proxied.begin(), facts_.proxied.end(),
            [](const ProxyFacts::Proxied& a, const ProxyFacts::Proxied& b) { return a.owner < b.owner; });
}

LocalSource::~LocalSource() = default;

LocalSource::Answer LocalSource::ask(std::string_view name, uint16_t type) const {
  Answer a;
  std::vector<uint8_t> q = {0x44, 0x44, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
  q.insert(q.end(), name.begin(), name.end());
  q.insert(q.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  q.insert(q.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});  // OPT, 1232, no DO
  std::vector<uint8_t> out(auth::kMaxResponse);
  const size_t n = auth::answer(*catalog_, q, out, auth::Transport::kTcp);
  if (n == 0) return a;
  out.resize(n);
  std::unique_ptr<knot_pkt_t, void (*)(knot_pkt_t*)> pkt(
      knot_pkt_new(out.data(), static_cast<uint16_t>(out.size()), nullptr), [](knot_pkt_t* p) { knot_pkt_free(p); });
  if (!pkt || knot_pkt_parse(pkt.get(), 0) != KNOT_EOK) return a;
  a.ok = true;
  a.rcode = static_cast<uint16_t>(knot_pkt_ext_rcode(pkt.get()));
  a.aa = knot_wire_get_aa(out.data());
  read_section(pkt.get(), KNOT_ANSWER, a.answer);
  read_section(pkt.get(), KNOT_AUTHORITY, a.authority);
  read_section(pkt.get(), KNOT_ADDITIONAL, a.additional);
  return a;
}

Lookup LocalSource::outside(std::string_view name, uint16_t type, std::chrono::milliseconds budget,
                            const std::string& why) {
  if (options_.external == nullptr) {
    Lookup l;
    l.status = Lookup::Status::kError;
    l.error = name_text(name) + " is " + why + " and outside lookups are off (--offline)";
    return l;
  }
  Lookup l = options_.external->lookup(name, type, budget);
  if (l.note.empty()) l.note = why;
  return l;
}

Lookup LocalSource::delegated(std::string_view name, uint16_t type, std::chrono::milliseconds budget,
                              const Answer& referral) {
  std::string cut;
  std::vector<std::string> ns;
  for (const auto& r : referral.authority) {
    if (r.type != rrtype::kNS) continue;
    cut = r.owner;
    ns.push_back(r.rdata);
  }
  const std::string where = "below the delegation " + name_text(cut);
  if (!options_.query_delegations) return outside(name, type, budget, where);
  auto it = delegations_.find(cut);
  if (it == delegations_.end()) {
    std::vector<std::string> servers;
    for (const auto& r : referral.additional) {
      if ((r.type == rrtype::kA || r.type == rrtype::kAAAA) && std::find(ns.begin(), ns.end(), r.owner) != ns.end()) {
        servers.push_back(server_text(r.rdata));
      }
    }
    // Name servers without glue: their addresses from our zones (or outside).
    for (const auto& n : ns) {
      if (dns::is_subdomain(n, cut)) continue;
      Lookup a = lookup(n, rrtype::kA, budget);
      for (const auto& rd : a.rdata(n, rrtype::kA)) servers.push_back(server_text(rd));
    }
    std::unique_ptr<Source> src;
    if (!servers.empty()) {
      auto live = LiveSource::create(LiveOptions{.servers = servers, .timeout = options_.delegation_timeout});
      if (live) src = std::move(live).value();
    }
    it = delegations_.emplace(cut, std::move(src)).first;
  }
  std::string ns_text;
  for (const auto& n : ns) ns_text += (ns_text.empty() ? "" : ", ") + name_text(n);
  if (!it->second) {
    Lookup l;
    l.status = Lookup::Status::kOk;
    l.rcode = dns::rcode::kServFail;
    l.note = where + ": no address for its name servers " + ns_text;
    return l;
  }
  Lookup l = it->second->lookup(name, type, budget);
  l.note = where + ", asked its name servers " + ns_text + " directly";
  return l;
}

Lookup LocalSource::lookup(std::string_view name, uint16_t type, std::chrono::milliseconds budget) {
  Lookup out;
  std::string cur(name);
  for (int hop = 0; hop < kMaxHops; ++hop) {
    Lookup next;
    bool from_outside = false;
    if (catalog_->find_zone(cur) == nullptr) {
      next = outside(cur, type, budget, "outside the local zones");
      from_outside = true;
    } else {
      const Answer a = ask(cur, type);
      if (!a.ok) {
        out.status = Lookup::Status::kError;
        out.error = "no answer from the local zones";
        return out;
      }
      if (a.referral()) {
        next = delegated(cur, type, budget, a);
        from_outside = true;
      } else {
        next.rcode = a.rcode;
        next.records = a.answer;
      }
    }
    for (auto& r : next.records) out.records.push_back(std::move(r));
    out.status = next.status;
    out.rcode = next.rcode;
    out.error = next.error;
    if (!next.note.empty()) out.note = next.note;
    if (from_outside || out.status != Lookup::Status::kOk || out.rcode != dns::rcode::kNoError ||
        type == rrtype::kCNAME) {
      return out;
    }
    const std::string end = out.canonical(name);
    if (end == cur || !out.rrs(name, type).empty()) return out;
    cur = end;  // the chain leaves this zone: follow it
  }
  return out;
}

}  // namespace dnsedge::doctor
