// The DNS record endpoints: /zones/{zone_id}/dns_records[/{record_id}], batch, import, export
// and the served view (docs/api.md).
#include <algorithm>

#include "common/ascii.h"
#include "api/call.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/multipart.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::api {
namespace {

using json = OJson;
using InJson = nlohmann::json;
namespace errc = control::errc;

HttpResponse update_record(Call& x, const std::string& rid, bool replace) {
  const control::ZoneInfo& z = *x.zone;
  auto b = json_body(x);
  if (!b) return fail(b.error());
  auto in = record_input(*b);
  if (!in) return fail(in.error());
  auto r = x.c.update_record(z.zone.id, rid, *in, replace, x.write);
  if (!r) return fail(r.error());
  return ok(record_json(r->records.front()), r->messages);
}

}  // namespace

HttpResponse list_dns_records(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto all = x.c.sorted_records(z.zone.id);
  if (!all) return fail(all.error());
  auto page = api::list_records(**all, x.query, z.zone.name);
  if (!page) return fail(page.error());
  json out = json::array();
  for (const auto& r : page->first) out.push_back(record_json(r, z.file_backed));
  return ok(out, {}, &page->second);
}

HttpResponse create_record(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto b = json_body(x);
  if (!b) return fail(b.error());
  auto in = record_input(*b);
  if (!in) return fail(in.error());
  auto r = x.c.create_record(z.zone.id, *in, x.write);
  if (!r) return fail(r.error());
  return ok(record_json(r->records.front()), r->messages);
}

HttpResponse get_record(Call& x) {
  auto r = x.c.record(x.zone->zone.id, x.id);
  if (!r) return fail(r.error());
  return ok(record_json(*r, x.zone->file_backed));
}

HttpResponse patch_record(Call& x) { return update_record(x, x.id, false); }

HttpResponse put_record(Call& x) { return update_record(x, x.id, true); }

HttpResponse delete_record(Call& x) {
  auto r = x.c.delete_record(x.zone->zone.id, x.id, x.write);
  if (!r) return fail(r.error());
  return ok(json{{"id", x.id}}, r->messages);
}

HttpResponse batch_records(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto b = json_body(x);
  if (!b) return fail(b.error());
  control::BatchInput in;
  auto list = [&](const char* key) -> Result<const InJson*> {
    auto it = b->find(key);
    if (it == b->end() || it->is_null()) return static_cast<const InJson*>(nullptr);
    if (!it->is_array()) return Error{std::string("Request body is invalid: ") + key + " must be an array", kInvalidBody};
    return &*it;
  };
  auto id_of = [&](const InJson& item, const std::string& where) -> Result<std::string> {
    if (!item.is_object()) return Error{"Request body is invalid: " + where + " must be an object", kInvalidBody};
    auto id = item.find("id");
    if (id == item.end() || !id->is_string()) {
      return Error{"Request body is invalid: " + where + ".id is required (a string)", kInvalidBody};
    }
    return id->get<std::string>();
  };
  auto item_error = [](const std::string& where, const Error& e) {
    std::string m = e.message;
    const std::string prefix = "Request body is invalid: ";
    if (m.rfind(prefix, 0) == 0) m = prefix + where + "." + m.substr(prefix.size());
    return Error{m, e.code};
  };
  for (const char* key : {"deletes", "patches", "puts", "posts"}) {
    auto l = list(key);
    if (!l) return fail(l.error());
    if (*l == nullptr) continue;
    size_t i = 0;
    for (const auto& item : **l) {
      const std::string where = std::string(key) + "[" + std::to_string(i++) + "]";
      const std::string k = key;
      if (k == "deletes") {
        auto id = id_of(item, where);
        if (!id) return fail(id.error());
        in.deletes.push_back(*id);
        continue;
      }
      if (k != "posts") {
        auto id = id_of(item, where);
        if (!id) return fail(id.error());
        auto r = record_input(item);
        if (!r) return fail(item_error(where, r.error()));
        (k == "patches" ? in.patches : in.puts).emplace_back(*id, std::move(*r));
        continue;
      }
      auto r = record_input(item);
      if (!r) return fail(item_error(where, r.error()));
      in.posts.push_back(std::move(*r));
    }
  }
  auto r = x.c.batch(z.zone.id, in, x.write);
  if (!r) return fail(r.error());
  auto arr = [&](const std::vector<zone::Record>& v) {
    json a = json::array();
    for (const auto& rec : v) a.push_back(record_json(rec));
    return a;
  };
  return ok(json{{"deletes", arr(r->deletes)}, {"patches", arr(r->patches)}, {"puts", arr(r->puts)}, {"posts", arr(r->posts)}},
            r->messages);
}

HttpResponse import_records(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  std::string file;
  std::optional<std::string> proxied_text = x.query.get("proxied");
  const std::string boundary = multipart_boundary(x.req.content_type);
  if (!boundary.empty()) {
    auto parts = parse_multipart(x.req.body, boundary);
    if (!parts) return fail(Error{"Request body is invalid: " + parts.error().message, kInvalidBody});
    auto f = parts->find("file");
    if (f == parts->end()) return fail(Error{"Request body is invalid: the form has no 'file' part", kInvalidBody});
    file = f->second;
    if (auto p = parts->find("proxied"); p != parts->end()) proxied_text = p->second;
  } else if (common::ascii_lower(x.req.content_type).rfind("application/json", 0) == 0) {
    return fail(Error{"Request body is invalid: send the zone file as multipart/form-data with a 'file' part",
                      kInvalidBody});
  } else {
    file = x.req.body;
  }
  std::optional<bool> proxied;
  if (proxied_text) {
    const std::string p = common::ascii_lower(trim(*proxied_text));
    if (p == "true") {
      proxied = true;
    } else if (p == "false") {
      proxied = false;
    } else if (!p.empty()) {
      return fail(Error{"Request body is invalid: proxied must be \"true\" or \"false\"", kInvalidBody});
    }
  }
  auto r = x.c.import_zone(z.zone.id, file, proxied, x.write);
  if (!r) return fail(r.error());
  return ok(json{{"recs_added", r->added}, {"total_records_parsed", r->parsed}}, r->messages);
}

HttpResponse export_records(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto text = x.c.export_zone(z.zone.id);
  if (!text) return fail(text.error());
  return HttpResponse{200, "text/plain; charset=utf-8", std::move(*text)};
}

HttpResponse served_records(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto v = x.c.served_view(z.zone.id);
  if (!v) return fail(v.error());
  if (!*v) return fail(Error{"zone " + z.zone.name + " is not being served", errc::kInternal});
  const view::ZoneView& view = **v;
  std::optional<std::string> only;
  if (auto n = x.query.get("name")) {
    std::string t = common::ascii_lower(*n);
    if (t == "@") t = z.zone.name;
    if (t.empty() || t.back() != '.') t += '.';
    auto w = dns::name_from_text(t);
    if (!w) return fail(Error{"name: " + w.error().message, kBadQuery});
    only = *w;
  }
  json records = json::array();
  json explain = json::object();
  // Each node's name is unique: its explanation is appended without the object's key search
  // (an ordered_json object is a vector, a search per name would cost O(names^2)).
  auto& explained = static_cast<json::object_t::Container&>(explain.get_ref<json::object_t&>());
  json dc = json::array();
  // One node of the view: its records (in the view's order), its explanation, and whether it
  // is a dc-record. `?name=` reads that one node (found through the view's index); without it
  // every node, in the view's canonical order.
  auto add_node = [&](uint32_t i) {
    const view::Node& n = view.node(i);
    const std::string label = text_no_dot(view.node_name(n));
    bool any = false;
    const view::RRset* set = view.rrsets_begin(n);
    for (uint32_t k = 0; k < n.rrset_count; ++k, ++set) {
      for (const view::Rdata rd : view.rdatas(*set)) {
        auto text = dns::rdata_to_text(set->type, rd.bytes());
        records.push_back({{"name", label},
                           {"type", dns::type_to_string(set->type)},
                           {"ttl", set->ttl},
                           {"content", text ? *text : std::string("?")}});
        any = true;
      }
    }
    if (!any) return;
    auto why = view.explain(view.node_name(n));
    if (!why.empty()) explained.emplace_back(label, why);
    if (label.rfind("dc-", 0) == 0 && !why.empty() && why.front().rfind("synthesized for mail", 0) == 0)
      dc.push_back(label);
  };
  if (only) {
    if (const uint32_t i = view.find(*only); i != view::kNone) add_node(i);
  } else {
    for (uint32_t i = 0; i < view.node_count(); ++i) add_node(i);
  }
  return ok(json{{"zone", z.zone.name},
                 {"id", z.zone.id},
                 {"serial", view.serial()},
                 {"file_backed", z.file_backed},
                 {"records", records},
                 {"explain", explain},
                 {"dc_records", dc}});
}

}  // namespace dnsedge::api
