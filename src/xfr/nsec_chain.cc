#include "xfr/nsec_chain.h"

#include <algorithm>
#include <iterator>
#include <set>

#include "dns/name.h"
#include "dnssec/denial.h"

namespace dnsedge::xfr {
namespace {

constexpr uint16_t kTypeNs = 2, kTypeDs = 43, kTypeRrsig = 46, kTypeNsec = 47, kTypeNsec3 = 50;

// Serial-number order of two signature expirations (RFC 4034 §3.1.5).
bool earlier(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }

bool same_policy(const dnssec::ValidityPolicy& a, const dnssec::ValidityPolicy& b) {
  return a.inception_offset == b.inception_offset && a.validity == b.validity &&
         a.refresh_fraction == b.refresh_fraction;
}

std::string zone_text(std::string_view apex) { return dns::name_to_text(apex); }

// The latest expiration of the view's signatures over its apex DNSKEY set (0: none). The view is
// signed again as a whole (a refresh, a rollover) when that set is; NSEC signatures that expire
// more than the refresh window before it are older than that re-sign and are made again with it,
// so the chain is refreshed with the view. (Every write signs the apex again, its SOA changed:
// signatures a few seconds newer are no re-sign of the whole view.)
uint32_t dnskey_signature_expiration(const view::ZoneView& z) {
  const view::RRset* sigs = z.rrset(z.node(z.apex_node()), kTypeRrsig);
  if (sigs == nullptr) return 0;
  uint32_t latest = 0;
  for (const view::Rdata rd : z.rdatas(*sigs)) {
    const std::string_view b = rd.bytes();
    if (b.size() < 12 || (static_cast<uint8_t>(b[0]) << 8 | static_cast<uint8_t>(b[1])) != 48) continue;
    uint32_t exp = 0;
    for (size_t i = 8; i < 12; ++i) exp = exp << 8 | static_cast<uint8_t>(b[i]);
    if (latest == 0 || earlier(latest, exp)) latest = exp;
  }
  return latest;
}

}  // namespace

std::string canonical_key(std::string_view name) {
  size_t offs[128];
  size_t n = 0;
  for (size_t off = 0; off < name.size() && name[off] != 0 && n < std::size(offs);
       off += 1 + static_cast<uint8_t>(name[off])) {
    offs[n++] = off;
  }
  std::string key;
  key.reserve(name.size() + 2 * n);
  while (n > 0) {
    const size_t off = offs[--n];
    const size_t len = static_cast<uint8_t>(name[off]);
    for (const char c : name.substr(off + 1, len)) {
      key.push_back(c);
      if (c == 0) key.push_back(1);
    }
    key.push_back(0);
    key.push_back(0);
  }
  return key;
}

std::optional<std::vector<uint16_t>> nsec_types(const view::ZoneView& z, uint32_t node) {
  namespace flag = view::node_flag;
  if (node == view::kNone) return std::nullopt;
  const view::Node& n = z.node(node);
  if ((n.flags & (flag::kDead | flag::kBelowCut | flag::kEmptyNonTerminal | flag::kNsec3)) != 0 || n.rrset_count == 0)
    return std::nullopt;
  const bool cut = (n.flags & flag::kDelegation) != 0;
  std::vector<uint16_t> types;
  const view::RRset* s = z.rrsets_begin(n);
  for (uint32_t k = 0; k < n.rrset_count; ++k, ++s) {
    if (s->type == kTypeNsec || s->type == kTypeNsec3) continue;
    if (cut && s->type != kTypeNs && s->type != kTypeDs) continue;  // occluded at a zone cut
    types.push_back(s->type);
  }
  if (types.empty()) return std::nullopt;
  types.push_back(kTypeRrsig);
  types.push_back(kTypeNsec);
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  return types;
}

// ---- NsecChain --------------------------------------------------------------------------------

NsecChain::NsecChain() = default;
NsecChain::~NsecChain() = default;

void NsecChain::emit(const Entry& e, std::vector<Rr>* out) const {
  if (out == nullptr || e.rrsig.empty()) return;
  out->push_back(Rr{e.owner, kTypeNsec, e.ttl, e.rdata});
  out->push_back(Rr{e.owner, kTypeRrsig, e.ttl, e.rrsig});
}

Result<void> NsecChain::update(const view::ZoneView& z, const std::optional<std::vector<std::string>>& names,
                               int64_t now, std::vector<Rr>* removed, std::vector<Rr>* added) {
  const dnssec::ZoneSigning* s = z.signing();
  if (s == nullptr) return make_error("zone " + zone_text(z.apex()) + " is not signed: no NSEC chain");
  if (!s->unusable.empty()) return make_error("zone " + zone_text(z.apex()) + ": keys unusable: " + s->unusable);
  if (!s->zsk) return make_error("zone " + zone_text(z.apex()) + " has no ZSK to sign its NSEC chain");
  zsk_ = &*s->zsk;
  const std::string zsk = s->zsk->dnskey_rdata();
  const bool resign_all = !built_ || zsk != zsk_dnskey_ || z.apex() != signer_name_ || z.negative_ttl() != ttl_ ||
                          !same_policy(s->validity, policy_);
  signer_name_ = std::string(z.apex());
  zsk_dnskey_ = zsk;
  ttl_ = z.negative_ttl();
  policy_ = s->validity;
  now_validity_ = policy_.at(now);

  std::set<std::string> dirty;
  auto mark_before = [&](std::map<std::string, Entry>::iterator at) {
    if (entries_.empty()) return;
    auto p = at == entries_.begin() ? std::prev(entries_.end()) : std::prev(at);
    dirty.insert(p->first);
  };
  auto visit = [&](std::string_view name) {
    std::string key = canonical_key(name);
    auto types = nsec_types(z, z.find(name));
    auto it = entries_.find(key);
    if (!types) {
      if (it == entries_.end()) return;
      emit(it->second, removed);
      mark_before(entries_.erase(it));
      return;
    }
    std::string bitmap = dnssec::type_bitmap(*types);
    if (it == entries_.end()) {
      it = entries_.emplace(key, Entry{std::string(name), {}, {}, {}, 0, {}}).first;
      mark_before(it);
    }
    if (it->second.bitmap != bitmap || it->second.rrsig.empty()) {
      it->second.bitmap = std::move(bitmap);
      dirty.insert(std::move(key));
    }
  };
  visit(z.apex());
  if (names) {
    for (const auto& name : *names) visit(name);
  } else {
    for (uint32_t i = 0; i < z.node_count(); ++i) {
      if ((z.node(i).flags & view::node_flag::kDead) == 0) visit(z.node_name(z.node(i)));
    }
    std::vector<std::string> gone;
    for (const auto& [key, e] : entries_) {
      if (z.find(e.owner) == view::kNone) gone.push_back(e.owner);
    }
    for (const auto& name : gone) visit(name);
  }

  const uint32_t view_signed = dnskey_signature_expiration(z);
  const auto window = static_cast<uint32_t>(
      policy_.refresh_fraction *
      static_cast<double>(static_cast<uint32_t>(now_validity_.expiration - now_validity_.inception)));
  auto stale = [&](const dnssec::Validity& v) {
    return policy_.needs_refresh(v, now) || (view_signed != 0 && earlier(v.expiration + window, view_signed));
  };
  const bool refresh = !resign_all && stale(oldest_);
  for (auto it = entries_.begin(); (resign_all || refresh) && it != entries_.end(); ++it) {
    if (resign_all || stale(it->second.validity)) dirty.insert(it->first);
  }
  for (const auto& key : dirty) {
    auto it = entries_.find(key);
    if (it == entries_.end()) continue;
    auto next = std::next(it);
    if (next == entries_.end()) next = entries_.begin();  // the last NSEC points at the apex
    Entry& e = it->second;
    std::string rdata = next->second.owner + e.bitmap;
    if (!resign_all && rdata == e.rdata && !e.rrsig.empty() && e.ttl == ttl_ && !stale(e.validity)) {
      continue;
    }
    emit(e, removed);
    e.rdata = std::move(rdata);
    e.rrsig.clear();
    if (auto r = sign(e); !r) return r;
    emit(e, added);
  }
  if (resign_all) {
    oldest_ = now_validity_;
  } else if (refresh) {
    oldest_ = now_validity_;
    for (const auto& [key, e] : entries_) {
      if (earlier(e.validity.expiration, oldest_.expiration)) oldest_ = e.validity;
    }
  }
  built_ = true;
  return {};
}

Result<void> NsecChain::sign(Entry& e) {
  const std::string_view rd[1] = {e.rdata};
  const dnssec::RRsetRef set{e.owner, kTypeNsec, 1, ttl_, rd};
  std::string out(dnssec::rrsig_rdata_size(signer_name_.size()), '\0');
  auto n = signer_.sign(set, *zsk_, signer_name_, now_validity_,
                        std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  if (!n)
    return make_error("zone " + zone_text(signer_name_) + ": signing the NSEC at " + dns::name_to_text(e.owner) + ": " +
                      n.error().message);
  out.resize(*n);
  e.rrsig = std::move(out);
  e.ttl = ttl_;
  e.validity = now_validity_;
  ++signatures_;
  return {};
}

void NsecChain::append_records(std::vector<Rr>& out) const {
  out.reserve(out.size() + 2 * entries_.size());
  for (const auto& [key, e] : entries_) emit(e, &out);
}

// ---- SignedZones ------------------------------------------------------------------------------

SignedZones& SignedZones::global() {
  static SignedZones* zones = new SignedZones();  // never destroyed: used until exit
  return *zones;
}

void SignedZones::clear() {
  common::MutexLock lock(mu_);
  zones_.clear();
}

Result<void> SignedZones::advance(Zone& zone, const view::ZoneView& v, std::optional<std::vector<std::string>> names,
                                  int64_t now, Step* step) {
  if (zone.view == v.id()) return {};
  Step s;
  s.from_view = zone.view;
  if (auto r = zone.chain.update(v, names, now, &s.removed, &s.added); !r) return r;
  zone.view = v.id();
  if (s.from_view == 0 || s.removed.size() + s.added.size() > 1024 + zone.chain.size() / 4) {
    zone.steps.clear();  // a first build or a re-sign: not worth keeping to undo
  } else {
    zone.steps.push_back(s);
    if (zone.steps.size() > kSteps) zone.steps.pop_front();
  }
  if (step != nullptr) *step = std::move(s);
  return {};
}

uint64_t SignedZones::signatures(std::string_view apex) {
  common::MutexLock lock(mu_);
  const auto it = zones_.find(std::string(apex));
  return it == zones_.end() ? 0 : it->second.chain.signatures();
}

Diff SignedZones::diff(const view::ZoneView& before, const view::ZoneView& after, int64_t now) {
  if (before.signing() == nullptr && after.signing() == nullptr) return diff_views(before, after);
  Diff barrier;
  barrier.from = before.serial();
  barrier.to = after.serial();
  barrier.full = true;
  const std::string apex(after.apex());
  common::MutexLock lock(mu_);
  if (after.signing() == nullptr) {
    zones_.erase(apex);  // signing turned off: the chain goes, secondaries take the zone anew
    return barrier;
  }
  Zone& zone = zones_[apex];
  // The delta can describe what secondaries hold only when `before` is the view this process
  // journaled last: then a secondary at its serial got it from this process, by a full transfer
  // (made with the chain as it is kept here) or by a delta made here.
  const bool trusted = before.signing() != nullptr && zone.journaled_view == before.id();
  zone.journaled_view = after.id();
  if (!trusted) {
    // A full transfer follows. The chain is brought to `after` now (as that transfer would bring
    // it), so the first write after DNSSEC is turned on or after a start advances the chain by
    // what it changed instead of building it whole.
    std::optional<std::vector<std::string>> names;
    if (zone.view != 0) names = after.changed_since(zone.view);
    if (auto r = advance(zone, after, std::move(names), now, nullptr); !r) zones_.erase(apex);
    return barrier;
  }
  if (zone.view != before.id()) {
    // No transfer made the chain for `before`, so no secondary holds it: make it now.
    std::optional<std::vector<std::string>> names;
    if (zone.view != 0) names = before.changed_since(zone.view);
    if (auto r = advance(zone, before, std::move(names), now, nullptr); !r) {
      zones_.erase(apex);
      return barrier;
    }
  }
  Step step;
  if (auto r = advance(zone, after, after.changed_since(before.id()), now, &step); !r) {
    zones_.erase(apex);
    return barrier;
  }
  Diff d = diff_views(before, after);
  std::move(step.removed.begin(), step.removed.end(), std::back_inserter(d.removed));
  std::move(step.added.begin(), step.added.end(), std::back_inserter(d.added));
  // A delta larger than the zone (every signature made again) is better sent as the zone.
  if (d.removed.size() + d.added.size() > after.record_count() + 2 * zone.chain.size()) return barrier;
  return d;
}

Result<std::vector<Rr>> SignedZones::chain_records(const view::ZoneView& z, int64_t now) {
  std::vector<Rr> out;
  if (z.signing() == nullptr) return out;
  const std::string apex(z.apex());
  common::MutexLock lock(mu_);
  Zone& zone = zones_[apex];
  // A view the chain has moved past: the chain as it was then, undoing the steps since.
  for (size_t i = zone.steps.size(); zone.view != z.id() && i > 0; --i) {
    if (zone.steps[i - 1].from_view != z.id()) continue;
    zone.chain.append_records(out);
    std::sort(out.begin(), out.end());
    for (size_t k = zone.steps.size(); k-- > i - 1;) {
      std::vector<Rr> added = zone.steps[k].added, removed = zone.steps[k].removed, rest;
      std::sort(added.begin(), added.end());
      std::sort(removed.begin(), removed.end());
      std::set_difference(out.begin(), out.end(), added.begin(), added.end(), std::back_inserter(rest));
      out.clear();
      std::set_union(rest.begin(), rest.end(), removed.begin(), removed.end(), std::back_inserter(out));
    }
    return out;
  }
  if (zone.view != z.id()) {
    std::optional<std::vector<std::string>> names;
    if (zone.view != 0) names = z.changed_since(zone.view);
    if (auto r = advance(zone, z, std::move(names), now, nullptr); !r) {
      zones_.erase(apex);
      return r.error();
    }
  }
  zone.chain.append_records(out);
  return out;
}

}  // namespace dnsedge::xfr
