#include "app/zones.h"

#include <algorithm>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::app {
namespace {

namespace rrtype = dns::rrtype;
constexpr int kMaxDepth = 16;
constexpr int kSettleRounds = 4;  // cross-zone dependency chains followed at one publish

Result<dns::ZoneText> parse(const std::string& path, const std::string& origin_text) {
  std::string origin;
  if (!origin_text.empty()) {
    std::string t = origin_text;
    if (t.back() != '.') t += '.';
    auto o = dns::name_from_text(t);
    if (!o) return make_error("--origin " + origin_text + ": " + o.error().message);
    origin = *o;
  }
  return dns::parse_zone_file(path, origin);
}

std::string apex_of(const dns::ZoneText& zt) {
  for (const auto& r : zt.records) {
    if (r.type == rrtype::kSOA) return r.owner;
  }
  return zt.origin;
}

view::Flattening flattening_for(const ZoneSetOptions& o, std::string_view apex) {
  return std::find(o.flatten_all.begin(), o.flatten_all.end(), apex) != o.flatten_all.end()
             ? view::Flattening::kAll
             : view::Flattening::kAtRoot;
}

std::vector<std::string> rdatas(const view::ZoneView& z, const view::RRset* s, uint32_t* ttl) {
  std::vector<std::string> out;
  if (s == nullptr) return out;
  *ttl = std::min(*ttl, s->ttl);
  const uint8_t* p = z.rdata(*s);
  for (uint16_t i = 0; i < s->count; ++i) {
    const size_t len = size_t(p[0]) << 8 | p[1];
    out.emplace_back(reinterpret_cast<const char*>(p + 2), len);
    p += 2 + len;
  }
  return out;
}

}  // namespace

std::optional<view::TargetAddrs> CatalogTargets::lookup(std::string_view name) const {
  return lookup(name, 0);
}

std::optional<view::TargetAddrs> CatalogTargets::lookup(std::string_view name, int depth) const {
  const view::ZoneView* zone = nullptr;
  for (const auto& z : zones_) {
    if (dns::is_subdomain(name, z->apex()) && (zone == nullptr || z->apex().size() > zone->apex().size())) {
      zone = z.get();
    }
  }
  if (zone == nullptr) return external_ ? external_->lookup(name) : std::nullopt;
  view::TargetAddrs t;
  t.detail = "(in zone " + dns::name_to_text(zone->apex()) + ")";
  if (depth > kMaxDepth) {
    t.state = view::TargetAddrs::State::kFailed;
    t.detail = "(CNAME chain too long or looping)";
    return t;
  }
  const uint32_t id = zone->find(name);
  if (id == view::kNone) return t;  // no such name: no addresses
  const view::Node& n = zone->node(id);
  if (n.flags & view::node_flag::kAddrServfail) {
    t.state = view::TargetAddrs::State::kFailed;
    return t;
  }
  if (n.flags & view::node_flag::kCname) {
    const view::RRset* c = zone->rrset(n, rrtype::kCNAME);
    const uint8_t* rd = zone->rdata(*c) + 2;
    auto next = lookup(dns::as_view(rd, dns::name_length(rd)), depth + 1);
    if (!next) {
      t.state = view::TargetAddrs::State::kPending;
      return t;
    }
    next->ttl = std::min(next->ttl, c->ttl);
    return next;
  }
  uint32_t ttl = 0xffffffffu;
  t.v4 = rdatas(*zone, zone->rrset(n, rrtype::kA), &ttl);
  t.v6 = rdatas(*zone, zone->rrset(n, rrtype::kAAAA), &ttl);
  t.ttl = ttl;
  const auto& origins = zone->origins();
  if (auto it = origins.find(absl::string_view(name.data(), name.size())); it != origins.end()) {
    t.proxied = true;
    t.origin_v4 = it->second.v4;
    t.origin_v6 = it->second.v6;
  }
  return t;
}

Result<ZoneCheck> check_zone_file(const std::string& path, const std::string& origin_text,
                                  const ZoneSetOptions& options) {
  auto zt = parse(path, origin_text);
  if (!zt) return zt.error();
  const std::string apex = apex_of(*zt);
  auto z = view::ZoneView::compile(apex, zt->records,
                                   view::CompileOptions{.source = path, .edge = &options.edge,
                                                        .flattening = flattening_for(options, apex),
                                                        .targets = options.external});
  if (!z) return z.error();
  ZoneCheck out;
  out.text = dns::format_zone(apex, zt->records);
  out.origin_text = dns::name_to_text(apex);
  out.records = zt->records.size();
  return out;
}

Result<ZoneSet::Zone> ZoneSet::load(const std::string& file) const {
  auto zt = parse(file, {});
  if (!zt) return zt.error();
  Zone z;
  z.file = file;
  z.apex = apex_of(*zt);
  z.records = std::move(zt->records);
  return z;
}

Result<std::shared_ptr<const view::ZoneView>> ZoneSet::compile(const Zone& z) const {
  const auto all = views();
  CatalogTargets targets(all, options_.external);
  return view::ZoneView::compile(z.apex, z.records,
                                 view::CompileOptions{.source = z.file, .edge = &options_.edge,
                                                      .flattening = flattening_for(options_, z.apex),
                                                      .targets = &targets});
}

std::vector<std::shared_ptr<const view::ZoneView>> ZoneSet::views() const {
  std::vector<std::shared_ptr<const view::ZoneView>> out;
  for (const auto& z : zones_) {
    if (z.view) out.push_back(z.view);
  }
  return out;
}

std::shared_ptr<const view::Catalog> ZoneSet::catalog() const { return view::Catalog::build(views()); }

void ZoneSet::settle(std::vector<std::string>* errors) {
  // Zones that looked up names in other zones we serve are compiled again once those zones
  // have views, a few rounds deep (A flattens into B, which flattens into C...).
  for (int round = 0; round < kSettleRounds; ++round) {
    bool again = false;
    for (auto& z : zones_) {
      if (!z.view || z.view->external_names().empty()) continue;
      bool cross = false;
      for (const auto& n : z.view->external_names()) {
        for (const auto& other : zones_) cross = cross || (other.view && dns::is_subdomain(n, other.apex));
      }
      if (!cross) continue;
      auto v = compile(z);
      if (!v) {
        if (errors) errors->push_back(v.error().message);
        continue;
      }
      if ((*v)->records() != z.view->records()) again = true;
      z.view = *v;
    }
    if (!again) break;
  }
  for (auto& z : zones_) {
    if (z.view && z.view->external_names().empty()) {
      std::vector<dns::ZoneRecord>().swap(z.records);  // static zone: the view is enough
    }
  }
}

Result<std::shared_ptr<const view::Catalog>> ZoneSet::load_all() {
  zones_.clear();
  for (const auto& f : files_) {
    auto z = load(f);
    if (!z) return z.error();
    for (const auto& other : zones_) {
      if (other.apex == z->apex) {
        return make_error(f + ": zone " + dns::name_to_text(z->apex) + " is already loaded from " + other.file);
      }
    }
    zones_.push_back(std::move(*z));
  }
  for (auto& z : zones_) {
    auto v = compile(z);
    if (!v) return v.error();
    z.view = *v;
  }
  std::vector<std::string> errors;
  settle(&errors);
  if (!errors.empty()) return make_error(errors.front());
  return catalog();
}

ZoneSet::Reload ZoneSet::reload() {
  Reload out;
  for (size_t i = 0; i < files_.size(); ++i) {
    auto z = load(files_[i]);
    if (z) {
      for (size_t j = 0; j < zones_.size(); ++j) {
        if (j != i && zones_[j].apex == z->apex) {
          z = make_error(files_[i] + ": zone " + dns::name_to_text(z->apex) + " is already served from another file");
        }
      }
    }
    if (z) {
      auto v = compile(*z);
      if (v) {
        z->view = *v;
        zones_[i] = std::move(*z);
        ++out.reloaded;
        continue;
      }
      z = v.error();
    }
    out.errors.push_back(z.error().message);
  }
  settle(&out.errors);
  out.catalog = catalog();
  return out;
}

ZoneSet::Reload ZoneSet::recompile() {
  Reload out;
  for (auto& z : zones_) {
    if (!z.view || z.view->external_names().empty()) continue;
    auto v = compile(z);
    if (!v) {
      out.errors.push_back(v.error().message);
      continue;
    }
    z.view = *v;
    ++out.reloaded;
  }
  settle(&out.errors);
  out.catalog = catalog();
  return out;
}

std::vector<std::string> ZoneSet::external_names() const {
  std::vector<std::string> out;
  for (const auto& z : zones_) {
    if (!z.view) continue;
    for (const auto& n : z.view->external_names()) {
      bool ours = false;
      for (const auto& o : zones_) ours = ours || dns::is_subdomain(n, o.apex);
      if (!ours) out.push_back(n);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<dns::ZoneRecord> ZoneSet::stored_records(std::string_view name) const {
  std::vector<dns::ZoneRecord> out;
  for (const auto& z : zones_) {
    if (!dns::is_subdomain(name, z.apex)) continue;
    std::vector<dns::ZoneRecord> tmp;
    const std::vector<dns::ZoneRecord>* recs = &z.records;
    if (recs->empty()) {
      auto again = load(z.file);
      if (!again) continue;
      tmp = std::move(again->records);
      recs = &tmp;
    }
    for (const auto& r : *recs) {
      if (r.owner == name) out.push_back(r);
    }
  }
  return out;
}

}  // namespace dnsedge::app
