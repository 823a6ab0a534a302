#include "view/zone_view.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iterator>
#include <type_traits>
#include <string>

#include "dns/name.h"
#include "dns/types.h"
#include "view/digest.h"
#include "view/sv_hash.h"
#include "view/zone_builder.h"

namespace dnsedge::view {

uint64_t ZoneView::next_id() noexcept {
  static std::atomic<uint64_t> ids{0};
  return ids.fetch_add(1, std::memory_order_relaxed) + 1;
}

std::shared_ptr<const ZoneView> ZoneView::with_serial(uint32_t serial) const {
  std::shared_ptr<ZoneView> z(new ZoneView(*this));
  z->serial_ = serial;
  const RRset& soa = z->rrsets_[z->soa_rrset_];
  const size_t off = soa.rdata_off + 2 + z->rdatas(soa).front().soa().serial_offset;  // past the rdlength
  if (off + 4 <= z->rdata_.size()) {
    for (int k = 0; k < 4; ++k) z->rdata_.mut(off + static_cast<size_t>(k)) = static_cast<char>(serial >> (24 - 8 * k));
  }
  z->id_ = next_id();
  z->lineage_.clear();  // the serial differs from every ancestor's
  if (z->dnssec_.online && !z->dnssec_.unusable) {
    // The SOA changed: the apex is signed again (the keys signed it before, so they still can).
    const std::vector<uint32_t> apex{0};
    (void)Builder::sign(*z, &apex);
  }
  return z;
}

void ZoneView::digest_add(uint32_t node, bool remove) {
  const auto h = node_digest(*this, node);
  for (int k = 0; k < 2; ++k) digest_sum_[k] = remove ? digest_sum_[k] - h[k] : digest_sum_[k] + h[k];
}

uint16_t ZoneView::servfail_ede(std::string_view name) const noexcept {
  auto it = servfail_->find(absl::string_view(name.data(), name.size()));
  return it == servfail_->end() ? 0 : it->second;
}

std::vector<std::string> ZoneView::explain(std::string_view name) const {
  const absl::string_view key(name.data(), name.size());
  auto it = notes_->find(key);
  auto org = origins_->find(key);
  std::vector<std::string> out;
  bool placed = org == origins_->end();
  if (!placed && (it == notes_->end() || std::find(it->second.begin(), it->second.end(), "") == it->second.end())) {
    out = proxied_notes(org->second);  // a proxied owner's reasons come first
    placed = true;
  }
  if (it == notes_->end()) return out;
  for (const auto& why : it->second) {
    if (!why.empty()) {
      out.push_back(why);
    } else if (!placed) {  // where serve() marked them
      auto p = proxied_notes(org->second);
      out.insert(out.end(), p.begin(), p.end());
      placed = true;
    }
  }
  return out;
}

namespace {
constexpr uint64_t kEmptySlot = ~uint64_t{0};
constexpr uint64_t kDeletedSlot = ~uint64_t{0} - 1;
inline uint64_t name_hash(std::string_view s) noexcept { return SvHash{}(s); }
}  // namespace

uint32_t ZoneView::find(std::string_view lower_name) const noexcept {
  if (index_.empty()) return kNone;
  const uint64_t h = name_hash(lower_name);
  const uint64_t tag = h >> 32 << 32;
  const size_t mask = index_.size() - 1;
  for (size_t i = static_cast<size_t>(h) & mask;; i = (i + 1) & mask) {
    const uint64_t slot = index_[i];
    if (slot == kEmptySlot) return kNone;
    if (slot == kDeletedSlot || (slot & 0xffffffff00000000ull) != tag) continue;
    const uint32_t id = static_cast<uint32_t>(slot);
    if (node_name(nodes_[id]) == lower_name) return id;
  }
}

void ZoneView::index_insert(uint32_t node) {
  if ((index_used_ + 1) * 5 > index_.size() * 4) {  // past 80% live + deleted
    // Grow (or sweep deleted slots): the rebuild indexes every live node, `node` included.
    index_build();
    return;
  }
  const std::string_view name = node_name(nodes_[node]);
  const uint64_t h = name_hash(name);
  const size_t mask = index_.size() - 1;
  size_t i = static_cast<size_t>(h) & mask;
  while (index_[i] != kEmptySlot && index_[i] != kDeletedSlot) i = (i + 1) & mask;
  if (index_[i] == kEmptySlot) ++index_used_;
  index_[i] = (h >> 32 << 32) | node;
}

void ZoneView::index_erase(uint32_t node) {
  const std::string_view name = node_name(nodes_[node]);
  const uint64_t h = name_hash(name);
  const size_t mask = index_.size() - 1;
  for (size_t i = static_cast<size_t>(h) & mask;; i = (i + 1) & mask) {
    if (index_[i] == kEmptySlot) return;
    if (index_[i] != kDeletedSlot && static_cast<uint32_t>(index_[i]) == node) {
      index_[i] = kDeletedSlot;
      return;
    }
  }
}

void ZoneView::index_build() {
  size_t live = 0;
  for (const Node& n : nodes_) live += !(n.flags & (node_flag::kDead | node_flag::kNsec3));
  size_t cap = 16;
  while ((live + 1) * 10 > cap * 7) cap <<= 1;  // at most 70% full after a build
  index_.assign(cap, kEmptySlot);
  index_used_ = 0;
  const size_t mask = cap - 1;
  for (uint32_t id = 0; id < nodes_.size(); ++id) {
    if (nodes_[id].flags & (node_flag::kDead | node_flag::kNsec3)) continue;
    const uint64_t h = name_hash(node_name(nodes_[id]));
    size_t i = static_cast<size_t>(h) & mask;
    while (index_[i] != kEmptySlot) i = (i + 1) & mask;
    index_[i] = (h >> 32 << 32) | id;
    ++index_used_;
  }
}

std::optional<std::vector<std::string>> ZoneView::changed_since(uint64_t ancestor_id) const {
  constexpr size_t kMaxChanged = 4096;  // beyond that, comparing everything is as cheap
  std::vector<std::string> out;
  for (const Ancestor& a : lineage_) {
    out.insert(out.end(), a.changed->begin(), a.changed->end());
    if (out.size() > kMaxChanged) return std::nullopt;
    if (a.id == ancestor_id) {
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      return out;
    }
  }
  return std::nullopt;
}

const RRset* ZoneView::rrset(const Node& n, uint16_t type) const noexcept {
  const RRset* s = rrsets_.data() + n.rrset_begin;
  const RRset* e = s + n.rrset_count;
  for (; s != e; ++s) {
    if (s->type == type) return s;
    if (s->type > type) break;
  }
  return nullptr;
}

std::vector<dns::ZoneRecord> ZoneView::records() const {
  std::vector<dns::ZoneRecord> out;
  out.reserve(record_count_);
  for (const Node& n : nodes_) {
    const RRset* s = rrsets_begin(n);
    for (uint32_t k = 0; k < n.rrset_count; ++k, ++s) {
      for (const Rdata rd : rdatas(*s)) {
        dns::ZoneRecord r;
        r.owner = std::string(node_name(n));
        r.type = s->type;
        r.ttl = s->ttl;
        r.rdata.assign(rd.bytes());
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

std::vector<std::string> rrset_rdatas(const ZoneView& z, const RRset* s) {
  std::vector<std::string> out;
  if (s == nullptr) return out;
  for (const Rdata rd : z.rdatas(*s)) out.emplace_back(rd.bytes());
  return out;
}

// --- Catalog ---

std::shared_ptr<const Catalog> Catalog::build(std::vector<std::shared_ptr<const ZoneView>> zones,
                                              std::shared_ptr<const PageRuleSet> page_rules) {
  auto c = std::make_shared<Catalog>();
  c->zones_ = std::move(zones);
  c->page_rules_ = page_rules ? std::move(page_rules) : PageRuleSet::empty();
  for (const auto& z : c->zones_) {
    c->by_apex_[z->apex()] = z.get();
    c->max_labels_ = std::max(c->max_labels_, dns::label_count(dns::as_bytes(z->apex())));
    c->by_length_.push_back(z.get());
  }
  std::sort(c->by_length_.begin(), c->by_length_.end(),
            [](const ZoneView* a, const ZoneView* b) { return a->apex().size() > b->apex().size(); });
  return c;
}

const ZoneView* Catalog::find_zone(std::string_view qname) const noexcept {
  if (by_apex_.empty()) return nullptr;
  if (by_length_.size() <= 8) {
    // A few zones: compare suffixes directly (longest apex first), cheaper than hashing.
    for (const ZoneView* z : by_length_) {
      if (dns::is_subdomain(qname, z->apex())) return z;
    }
    return nullptr;
  }
  unsigned labels = dns::label_count(dns::as_bytes(qname));
  std::string_view s = qname;
  while (labels > max_labels_) {
    s = dns::parent(s);
    --labels;
  }
  for (;;) {
    if (auto it = by_apex_.find(s); it != by_apex_.end()) return it->second;
    if (s.size() <= 1) return nullptr;
    s = dns::parent(s);
  }
}

std::shared_ptr<const ZoneView> Catalog::zone(std::string_view apex) const {
  for (const auto& z : zones_) {
    if (z->apex() == apex) return z;
  }
  return nullptr;
}

}  // namespace dnsedge::view
