// The zone endpoints: GET/POST /zones, GET/PATCH/DELETE /zones/{zone_id} (docs/api.md).
#include <algorithm>
#include <functional>

#include "common/ascii.h"
#include "api/call.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "dns/types.h"

namespace dnsedge::api {
namespace {

using json = OJson;
using errc::kAuthFailed;
namespace errc = control::errc;

bool may_see(const Call& x, const control::ZoneInfo& z) {
  return x.token.scope.allows(std::nullopt, Access::kRead, Target{Scope::kZone, z.zone.id, z.zone.account_id});
}

zone::Account account_of(Call& x, const std::string& id) {
  if (!x.accounts) {
    auto all = x.c.accounts();
    x.accounts = all ? *all : std::vector<zone::Account>{};
  }
  for (const auto& a : *x.accounts) {
    if (a.id == id) return a;
  }
  return x.c.default_account();
}

std::vector<std::string> name_servers(Call& x, const control::ZoneInfo& z) {
  if (!z.file_backed) return x.c.nameservers_text();
  std::vector<std::string> out;
  auto v = x.c.served_view(z.zone.id);
  if (!v || !*v) return out;
  const view::RRset* ns = (*v)->rrset((*v)->node((*v)->apex_node()), dns::rrtype::kNS);
  if (ns == nullptr) return out;
  for (const view::Rdata rd : (*v)->rdatas(*ns)) out.push_back(text_no_dot(rd.bytes()));
  return out;
}

json zone_object(Call& x, const control::ZoneInfo& z) { return zone_json(z, account_of(x, z.zone.account_id), name_servers(x, z)); }

}  // namespace

HttpResponse list_zones(Call& x) {
  auto zones = x.c.zones();
  std::erase_if(zones, [&](const control::ZoneInfo& z) { return !may_see(x, z); });
  std::vector<std::function<bool(const control::ZoneInfo&)>> preds;
  if (auto n = x.query.get("name")) {
    std::string v = common::ascii_lower(*n);
    std::string op = "equal";
    for (const char* o : {"contains", "starts_with", "ends_with", "equal", "not_equal"}) {
      const std::string prefix = std::string(o) + ":";
      if (v.rfind(prefix, 0) == 0) {
        op = o;
        v = v.substr(prefix.size());
      }
    }
    if (v.size() > 1 && v.back() == '.') v.pop_back();
    auto ascii = control::to_ascii_name(v);
    if (ascii) v = *ascii;
    preds.push_back([op, v](const control::ZoneInfo& z) {
      const std::string& n = z.zone.name;
      if (op == "contains") return n.find(v) != std::string::npos;
      if (op == "starts_with") return n.starts_with(v);
      if (op == "ends_with") return n.ends_with(v);
      if (op == "not_equal") return n != v;
      return n == v;
    });
  }
  if (auto s = x.query.get("status")) preds.push_back([v = common::ascii_lower(*s)](const control::ZoneInfo& z) { return z.zone.status == v; });
  if (auto a = x.query.get("account.id")) preds.push_back([v = *a](const control::ZoneInfo& z) { return z.zone.account_id == v; });
  const bool any = common::ascii_lower(x.query.get("match").value_or("all")) == "any";
  if (!preds.empty()) {
    std::erase_if(zones, [&](const control::ZoneInfo& z) {
      if (any) return std::none_of(preds.begin(), preds.end(), [&](auto& p) { return p(z); });
      return !std::all_of(preds.begin(), preds.end(), [&](auto& p) { return p(z); });
    });
  }
  if (common::ascii_lower(x.query.get("direction").value_or("asc")) == "desc") std::reverse(zones.begin(), zones.end());
  auto paging = parse_paging(x.query, 20, 1000);
  if (!paging) return fail(paging.error());
  const auto [b, e] = page_bounds(*paging, zones.size());
  json out = json::array();
  for (size_t i = b; i < e; ++i) out.push_back(zone_object(x, zones[i]));
  const json info = result_info(*paging, e - b, zones.size());
  return ok(out, {}, &info);
}

HttpResponse create_zone(Call& x) {
  auto b = json_body(x);
  if (!b) return fail(b.error());
  std::string account_id;
  if (auto a = b->find("account"); a != b->end() && !a->is_null()) {
    if (!a->is_object()) return fail(Error{"Request body is invalid: account must be an object", kInvalidBody});
    if (auto id = a->find("id"); id != a->end() && !id->is_null()) {
      if (!id->is_string()) return fail(Error{"Request body is invalid: account.id must be a string", kInvalidBody});
      account_id = id->get<std::string>();
    }
  }
  // Creating a zone needs Zone Write on every zone of the account it goes into.
  const std::string target_account = account_id.empty() ? x.c.default_account().id : account_id;
  if (!x.token.scope.allows(Area::kZone, Access::kWrite, Target{Scope::kZone, "*", target_account})) {
    return fail(Error{"Authentication error", kAuthFailed});
  }
  auto name = b->find("name");
  if (name == b->end() || name->is_null()) return fail(Error{"Request body is invalid: name is required", kInvalidBody});
  if (!name->is_string()) return fail(Error{"Request body is invalid: name must be a string", kInvalidBody});
  std::string type;
  if (auto t = b->find("type"); t != b->end() && !t->is_null()) {
    if (!t->is_string()) return fail(Error{"Request body is invalid: type must be a string", kInvalidBody});
    type = t->get<std::string>();
  }
  auto z = x.c.create_zone(name->get<std::string>(), account_id, type);
  if (!z) return fail(z.error());
  return ok(zone_object(x, *z));
}

HttpResponse get_zone(Call& x) { return ok(zone_object(x, *x.zone)); }

HttpResponse patch_zone(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto b = json_body(x);
  if (!b) return fail(b.error());
  std::optional<std::string> type;
  if (auto t = b->find("type"); t != b->end() && !t->is_null()) {
    if (!t->is_string()) return fail(Error{"Request body is invalid: type must be a string", kInvalidBody});
    type = t->get<std::string>();
  }
  if (auto p = b->find("paused"); p != b->end() && !p->is_null()) {
    if (!p->is_boolean()) return fail(Error{"Request body is invalid: paused must be a boolean", kInvalidBody});
    if (p->get<bool>()) return fail(Error{"Pausing a zone is not supported by dnsedge", errc::kValidation});
  }
  auto r = x.c.update_zone(z.zone.id, type);
  if (!r) return fail(r.error());
  return ok(zone_object(x, *r));
}

HttpResponse delete_zone(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  auto r = x.c.delete_zone(z.zone.id);
  if (!r) return fail(r.error());
  return ok(json{{"id", z.zone.id}});
}

}  // namespace dnsedge::api
