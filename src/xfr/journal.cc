#include "xfr/journal.h"

#include <algorithm>

namespace dnsedge::xfr {
namespace {

void put32(std::string& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<char>(v >> s));
}
void put_str(std::string& b, std::string_view s) {
  put32(b, static_cast<uint32_t>(s.size()));
  b.append(s);
}

struct Reader {
  std::string_view in;
  bool ok = true;
  uint32_t u32() {
    if (in.size() < 4) {
      ok = false;
      return 0;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
    in.remove_prefix(4);
    return v;
  }
  std::string str() {
    const uint32_t n = u32();
    if (!ok || in.size() < n) {
      ok = false;
      return {};
    }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

uint32_t soa_serial(std::string_view rdata) {
  // SOA rdata: mname, rname (uncompressed), then serial.
  size_t off = 0;
  for (int names = 0; names < 2; ++names) {
    while (off < rdata.size() && rdata[off] != 0) off += 1 + static_cast<uint8_t>(rdata[off]);
    ++off;
  }
  if (off + 4 > rdata.size()) return 0;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<uint8_t>(rdata[off + static_cast<size_t>(i)]);
  return v;
}

using Key = std::tuple<std::string_view, uint16_t, std::string_view, uint32_t>;

std::vector<Key> keys(const view::ZoneView& z) {
  std::vector<Key> out;
  out.reserve(z.record_count() + 1);
  for_each_rr(z, [&](std::string_view o, uint16_t t, uint32_t ttl, std::string_view rd) { out.emplace_back(o, t, rd, ttl); });
  std::sort(out.begin(), out.end());
  return out;
}

// The RRs of the nodes named in `names` only (the SOA with the apex).
std::vector<Key> keys_at(const view::ZoneView& z, const std::vector<std::string>& names) {
  std::vector<Key> out;
  for (const auto& name : names) {
    const uint32_t id = z.find(name);
    if (id == view::kNone) continue;
    const view::Node& n = z.node(id);
    const view::RRset* s = z.rrsets_begin(n);
    for (uint32_t k = 0; k < n.rrset_count; ++k, ++s) {
      for (const view::Rdata rd : z.rdatas(*s)) {
        out.emplace_back(z.node_name(n), s->type, rd.bytes(), rr_ttl(s->type, s->ttl, rd.bytes()));
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

size_t Diff::bytes() const noexcept {
  size_t n = 0;
  for (const auto* v : {&removed, &added}) {
    for (const Rr& r : *v) n += r.owner.size() + 10 + r.rdata.size();
  }
  return n;
}

Diff diff_views(const view::ZoneView& before, const view::ZoneView& after) {
  Diff d;
  d.from = before.serial();
  d.to = after.serial();
  // A view patched from `before` (view/model.h) says which names changed: compare only those.
  std::vector<Key> a, b;
  if (auto changed = after.changed_since(before.id())) {
    std::vector<std::string> names = std::move(*changed);
    if (std::find(names.begin(), names.end(), std::string(after.apex())) == names.end()) names.emplace_back(after.apex());
    a = keys_at(before, names);
    b = keys_at(after, names);
  } else {
    a = keys(before);
    b = keys(after);
  }
  std::vector<Key> gone, came;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(gone));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(came));
  auto emit = [](const std::vector<Key>& from, std::vector<Rr>& to) {
    for (const auto& [o, t, rd, ttl] : from) {
      Rr r{std::string(o), t, ttl, std::string(rd)};
      if (t == 6) {
        to.insert(to.begin(), std::move(r));  // the SOA leads its half of the delta
      } else {
        to.push_back(std::move(r));
      }
    }
  };
  emit(gone, d.removed);
  emit(came, d.added);
  return d;
}

std::string encode_diff(const Diff& d) {
  std::string b;
  if (d.full) {
    put32(b, 2);  // a barrier: the serials only
    put32(b, d.from);
    put32(b, d.to);
    return b;
  }
  put32(b, 1);  // format version
  put32(b, d.from);
  put32(b, d.to);
  for (const auto* v : {&d.removed, &d.added}) {
    put32(b, static_cast<uint32_t>(v->size()));
    for (const Rr& r : *v) {
      put_str(b, r.owner);
      put32(b, r.type);
      put32(b, r.ttl);
      put_str(b, r.rdata);
    }
  }
  return b;
}

Result<Diff> decode_diff(std::string_view blob) {
  Reader r{blob};
  Diff d;
  const uint32_t version = r.u32();
  if (version != 1 && version != 2) return make_error("journal: unknown diff format");
  d.from = r.u32();
  d.to = r.u32();
  if (version == 2) {
    if (!r.ok || !r.in.empty()) return make_error("journal: malformed barrier");
    d.full = true;
    return d;
  }
  for (auto* v : {&d.removed, &d.added}) {
    const uint32_t n = r.u32();
    if (!r.ok || n > blob.size()) return make_error("journal: truncated diff");
    v->reserve(n);
    for (uint32_t i = 0; i < n && r.ok; ++i) {
      Rr rr;
      rr.owner = r.str();
      rr.type = static_cast<uint16_t>(r.u32());
      rr.ttl = r.u32();
      rr.rdata = r.str();
      v->push_back(std::move(rr));
    }
  }
  if (!r.ok || !r.in.empty()) return make_error("journal: malformed diff");
  if (d.removed.empty() || d.added.empty() || d.removed[0].type != 6 || d.added[0].type != 6 ||
      soa_serial(d.removed[0].rdata) != d.from || soa_serial(d.added[0].rdata) != d.to) {
    return make_error("journal: diff without its SOAs");
  }
  return d;
}

std::vector<Diff> chain(std::vector<Diff> all, uint32_t serial, uint32_t current) {
  std::vector<Diff> out;
  size_t i = 0;
  while (i < all.size() && all[i].from != serial) ++i;
  uint32_t at = serial;
  for (; i < all.size() && at != current; ++i) {
    if (all[i].from != at || all[i].full) return {};  // a gap (a publish that was not journaled)
    at = all[i].to;
    out.push_back(std::move(all[i]));
  }
  if (at != current) return {};
  return out;
}

}  // namespace dnsedge::xfr
