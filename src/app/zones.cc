#include "app/zones.h"

#include <algorithm>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "view/digest.h"
#include "view/view_targets.h"

namespace dnsedge::app {
namespace {

namespace rrtype = dns::rrtype;
constexpr int kSettleRounds = 4;  // cross-zone dependency chains followed at one publish

Result<dns::ZoneText> parse(const std::string& path, const std::string& origin_text, const dns::ParseLimits& limits) {
  std::string origin;
  if (!origin_text.empty()) {
    std::string t = origin_text;
    if (t.back() != '.') t += '.';
    auto o = dns::name_from_text(t);
    if (!o) return make_error("--origin " + origin_text + ": " + o.error().message);
    origin = *o;
  }
  return dns::parse_zone_file(path, origin, limits);
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

}  // namespace

Result<ZoneCheck> check_zone_file(const std::string& path, const std::string& origin_text,
                                  const ZoneSetOptions& options) {
  auto zt = parse(path, origin_text, options.limits);
  if (!zt) return zt.error();
  const std::string apex = apex_of(*zt);
  // A proxied record is valid data; only serving it needs edge addresses. Without them the zone
  // is checked against stand-in edge addresses (ones no record of the file holds) and each
  // proxied record that `serve` would refuse gets a note.
  view::EdgeAddresses edge = options.edge;
  ZoneCheck out;
  const bool no_v4 = edge.v4.empty(), no_v6 = edge.v6.empty();
  for (const auto& r : zt->records) {
    if (!r.proxied) continue;
    const bool needs = (r.type == rrtype::kA && no_v4 && !r.ipv6_only) ||
                       (r.type == rrtype::kAAAA && no_v6 && !r.ipv4_only) ||
                       (r.type == rrtype::kCNAME && no_v4 && no_v6);
    if (needs) {
      out.notes.push_back(path + ":" + std::to_string(r.line) + ": " + dns::name_to_text(r.owner) + " " +
                          dns::type_to_string(r.type) + " proxied: needs --edge-ipv4/--edge-ipv6 to serve");
    }
  }
  auto unused = [&](std::string addr) {
    // 240.0.0.0/4 (reserved) and 100::/64 (discard-only): bump the last octet past any record's data.
    while (std::any_of(zt->records.begin(), zt->records.end(), [&](const auto& r) { return r.rdata == addr; })) {
      addr.back() = static_cast<char>(addr.back() + 1);
    }
    return addr;
  };
  if (no_v4) edge.v4.push_back(unused(std::string("\xf0\x00\x00\x01", 4)));
  if (no_v6) {
    std::string v6(16, '\0');  // 100::1
    v6[0] = v6[15] = '\x01';
    edge.v6.push_back(unused(std::move(v6)));
  }
  auto z = view::ZoneView::compile(apex, zt->records,
                                   view::CompileOptions{.source = path, .edge = &edge,
                                                        .flattening = flattening_for(options, apex),
                                                        .targets = options.external});
  if (!z) return z.error();
  out.text = dns::format_zone(apex, zt->records);
  out.origin_text = dns::name_to_text(apex);
  out.records = zt->records.size();
  return out;
}

Result<ZoneSet::Zone> ZoneSet::load(const std::string& file) const {
  auto zt = parse(file, {}, options_.limits);
  if (!zt) return zt.error();
  Zone z;
  z.file = file;
  z.apex = apex_of(*zt);
  z.records = std::move(zt->records);
  return z;
}

Result<std::shared_ptr<const view::ZoneView>> ZoneSet::compile(const Zone& z) const {
  std::vector<const view::ZoneView*> all;
  for (const auto& v : views()) all.push_back(v.get());
  view::ViewTargets targets(std::move(all), options_.external);
  const auto sg = signing_.find(z.apex);
  if (sg != signing_.end()) {
    // A zone signed online ([[dnssec]]) gets its signatures, denial and keys from dnsedge: a file
    // that brings its own (signed offline) is refused, not half served.
    for (const auto& r : z.records) {
      const uint16_t t = r.type;
      const bool nsec3param = t == 51;
      if (t == dns::rrtype::kRRSIG || t == dns::rrtype::kNSEC || t == dns::rrtype::kNSEC3 || nsec3param ||
          (t == dns::rrtype::kDNSKEY && r.owner == z.apex)) {
        return make_error(z.file + ":" + std::to_string(r.line) + ": zone " + dns::name_to_text(z.apex) +
                          " is signed online ([[dnssec]] in the config file), so its file must not carry " +
                          dns::type_to_string(t) +
                          " records (dnsedge makes the zone's RRSIG, NSEC and DNSKEY itself): "
                          "remove them, or remove the zone from [[dnssec]] to serve it as signed offline");
      }
    }
  }
  return view::ZoneView::compile(z.apex, z.records,
                                 view::CompileOptions{.source = z.file,
                                                      .edge = &options_.edge,
                                                      .flattening = flattening_for(options_, z.apex),
                                                      .targets = &targets,
                                                      .signing = sg == signing_.end() ? nullptr : sg->second});
}

bool ZoneSet::serves(std::string_view apex) const {
  return std::any_of(zones_.begin(), zones_.end(), [&](const Zone& z) { return z.apex == apex; });
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
      // The served data, not its signatures (made anew at each compile of a signed zone).
      if (view::content_digest(**v) != view::content_digest(*z.view)) again = true;
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
  return recompile_if([](const view::ZoneView& v) { return !v.external_names().empty(); });
}

ZoneSet::Reload ZoneSet::resign() {
  return recompile_if([this](const view::ZoneView& v) { return signing_.count(std::string(v.apex())) != 0; });
}

ZoneSet::Reload ZoneSet::recompile_if(const std::function<bool(const view::ZoneView&)>& which) {
  Reload out;
  for (auto& z : zones_) {
    if (!z.view || !which(*z.view)) continue;
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
