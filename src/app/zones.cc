#include "app/zones.h"

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::app {
namespace {

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
    if (r.type == dns::rrtype::kSOA) return r.owner;
  }
  return zt.origin;
}

}  // namespace

Result<std::shared_ptr<const view::ZoneView>> load_zone_file(const std::string& path,
                                                             const std::string& origin_text) {
  auto zt = parse(path, origin_text);
  if (!zt) return zt.error();
  const std::string apex = apex_of(*zt);
  return view::ZoneView::compile(apex, zt->records, view::CompileOptions{.source = path});
}

Result<ZoneCheck> check_zone_file(const std::string& path, const std::string& origin_text) {
  auto zt = parse(path, origin_text);
  if (!zt) return zt.error();
  const std::string apex = apex_of(*zt);
  auto z = view::ZoneView::compile(apex, zt->records, view::CompileOptions{.source = path});
  if (!z) return z.error();
  ZoneCheck out;
  out.text = dns::format_zone(apex, zt->records);
  out.origin_text = dns::name_to_text(apex);
  out.records = zt->records.size();
  return out;
}

Result<std::shared_ptr<const view::Catalog>> ZoneSet::load_all() {
  current_.clear();
  for (const auto& f : files_) {
    auto z = load_zone_file(f);
    if (!z) return z.error();
    for (const auto& other : current_) {
      if (other->apex() == (*z)->apex()) {
        return make_error(f + ": zone " + dns::name_to_text((*z)->apex()) + " is already loaded from " +
                          other->source());
      }
    }
    current_.push_back(*z);
  }
  return view::Catalog::build(current_);
}

ZoneSet::Reload ZoneSet::reload() {
  Reload out;
  for (size_t i = 0; i < files_.size(); ++i) {
    auto z = load_zone_file(files_[i]);
    if (!z) {
      out.errors.push_back(z.error().message);
      continue;
    }
    bool clash = false;
    for (size_t j = 0; j < current_.size(); ++j) {
      if (j != i && current_[j]->apex() == (*z)->apex()) clash = true;
    }
    if (clash) {
      out.errors.push_back(files_[i] + ": zone " + dns::name_to_text((*z)->apex()) +
                           " is already served from another file");
      continue;
    }
    current_[i] = *z;
    ++out.reloaded;
  }
  out.catalog = view::Catalog::build(current_);
  return out;
}

}  // namespace dnsedge::app
