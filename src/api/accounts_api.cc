// The account endpoints (GET /accounts[/{account_id}], the audit log) and the token endpoints
// (/user/tokens, kept by api/tokens.h's TokenRegistry).
#include <algorithm>

#include "api/audit.h"
#include "api/call.h"
#include "api/handlers.h"
#include "api/json_io.h"

namespace dnsedge::api {
namespace {

using json = OJson;
namespace errc = control::errc;

json account_json(const zone::Account& a) {
  return {{"id", a.id},
          {"name", a.name},
          {"type", "standard"},
          {"settings", {{"enforce_twofactor", false}}},
          {"created_on", a.created_on}};
}

}  // namespace

HttpResponse list_accounts(Call& x) {
  auto all = x.c.accounts();
  if (!all) return fail(all.error());
  std::erase_if(*all, [&](const zone::Account& a) {
    return !x.token.scope.allows(Area::kAccount, Access::kRead, Target{Scope::kAccount, "", a.id});
  });
  auto paging = parse_paging(x.query, 20, 1000);
  if (!paging) return fail(paging.error());
  const auto [b, e] = page_bounds(*paging, all->size());
  json out = json::array();
  for (size_t i = b; i < e; ++i) out.push_back(account_json((*all)[i]));
  const json info = result_info(*paging, e - b, all->size());
  return ok(out, {}, &info);
}

HttpResponse get_account(Call& x) {
  const std::string& id = x.account_id;
  auto all = x.c.accounts();
  if (!all) return fail(all.error());
  for (const auto& a : *all) {
    if (a.id == id) return ok(account_json(a));
  }
  return no_route(x.path);
}

// GET /accounts/{id}/audit_logs (api/audit.h).
HttpResponse audit_logs(Call& x) {
  const std::string& account_id = x.account_id;
  auto all = x.c.accounts();
  if (!all) return fail(all.error());
  if (std::none_of(all->begin(), all->end(), [&](const zone::Account& a) { return a.id == account_id; })) {
    return no_route(x.path);
  }
  Paging paging;
  auto q = audit_query(x.query, account_id, &paging);
  if (!q) return fail(q.error());
  auto page = x.c.store().list_audit(*q);
  if (!page) return fail(Error{"Internal error: the store failed: " + page.error().message, errc::kInternal});
  json out = json::array();
  for (const auto& e : page->entries) out.push_back(audit_json(e));
  const json info = result_info(paging, page->entries.size(), static_cast<size_t>(page->total));
  return ok(out, {}, &info);
}

HttpResponse verify_token(Call& x) { return x.tokens.verify(x.token); }
HttpResponse list_tokens(Call& x) { return x.tokens.list(x.query); }
HttpResponse create_token(Call& x) { return x.tokens.create(x.req.body); }
HttpResponse get_token(Call& x) { return x.tokens.get(x.id); }
HttpResponse put_token(Call& x) { return x.tokens.update(x.id, x.req.body); }
HttpResponse delete_token(Call& x) { return x.tokens.remove(x.id); }
HttpResponse roll_token(Call& x) { return x.tokens.roll(x.id); }
HttpResponse permission_groups(Call& x) { return x.tokens.groups(x.query); }

}  // namespace dnsedge::api
