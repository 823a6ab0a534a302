#include "api/api.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "api/json_io.h"
#include "api/list_query.h"
#include "api/mail_doctor.h"
#include "api/multipart.h"
#include "api/routes.h"
#include "api/secondary_dns.h"
#include "api/sha256.h"
#include "api/spectrum_api.h"
#include "control/errors.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::api {
namespace {

using json = OJson;           // answers
using InJson = nlohmann::json;  // request bodies
namespace errc = control::errc;

using errc::kAuthFailed;
using errc::kAuthMissing;
using errc::kBadSetting;
using errc::kMethodNotAllowed;
using errc::kNoRoute;
using errc::kTooManyFailures;
using errc::kUnauthorized;

HttpResponse reply(int status, const json& body) {
  return HttpResponse{status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

HttpResponse ok(json result, const std::vector<control::ApiMessage>& messages = {}, const json* info = nullptr) {
  return reply(200, success(std::move(result), messages, info));
}

HttpResponse fail(const Error& e) { return reply(http_status(e), failure({e})); }

HttpResponse no_route(const std::string& path) {
  return reply(404, failure({Error{"Could not route to " + path + ", perhaps your object identifier is invalid?",
                                   errc::kZoneNotFound},
                             Error{"No route for that URI", kNoRoute}}));
}

HttpResponse method_not_allowed() {
  return reply(405, failure({Error{"Method not allowed for this endpoint", kMethodNotAllowed}}));
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > i) out.push_back(url_decode(path.substr(i, slash - i)));
    i = slash + 1;
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return std::string(s);
}

std::string text_no_dot(std::string_view wire) {
  std::string t = dns::name_to_text(wire);
  if (t.size() > 1 && t.back() == '.') t.pop_back();
  return t;
}

// What every request shares: the controller, the options and the API's own state.
struct Shared {
  control::Controller& c;
  const ApiOptions& o;
  SecondaryDns& sd;
  TokenRegistry& tokens;
  AuthThrottle& throttle;
  LogLimiter& auth_log;
};

bool is_write(const std::string& m) { return m == "POST" || m == "PATCH" || m == "PUT" || m == "DELETE"; }

// One request being handled: the parsed request plus the controller.
class Handler {
 public:
  Handler(const Shared& s, const HttpRequest& req)
      : c_(s.c), o_(s.o), sd_(s.sd), s_(s), req_(req) {
    const size_t q = req.target.find('?');
    path_ = req.target.substr(0, q);
    query_ = Query::parse(q == std::string::npos ? std::string_view() : std::string_view(req.target).substr(q + 1));
  }

  HttpResponse run() {
    if (!path_.starts_with(kPrefix) || (path_.size() > kPrefix.size() && path_[kPrefix.size()] != '/')) {
      return reply(404, failure({Error{"No route for that URI", kNoRoute}}));
    }
    const auto steady = std::chrono::steady_clock::now();
    if (const int64_t wait = s_.throttle.retry_after(req_.remote_address, steady); wait > 0) {
      HttpResponse r = reply(429, failure({Error{"Too many failed authentication attempts from " + req_.remote_address +
                                                     "; retry after " + std::to_string(wait) + " s",
                                                 kTooManyFailures}}));
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      return r;
    }
    if (auto a = authenticate(); !a) {
      auth_failed(a.error(), steady);
      return fail(a.error());
    }
    const auto seg = split_path(std::string_view(path_).substr(kPrefix.size()));
    const auto match = match_route(req_.method, seg);
    if (!is_write(req_.method)) {
      if (auto ok = authorize(match); !ok) return fail(ok.error());
      return route(seg);
    }
    // A write: its audit entry is staged so that the write's own transaction stores it; if
    // nothing was stored (refused, invalid, dry run), it is written here with the answer.
    c_.store().stage_audit(audit_entry(match, 200));
    HttpResponse r;
    try {
      auto ok = authorize(match);
      r = ok ? route(seg) : fail(ok.error());
    } catch (...) {
      (void)c_.store().unstage_audit();
      throw;
    }
    for (auto& e : c_.store().unstage_audit()) {
      e.status = r.status;
      e.result = r.status < 400;
      write_audit(e);
    }
    return r;
  }

 private:
  // The routes below /client/v4 (the permission is already checked).
  HttpResponse route(const std::vector<std::string>& seg) {
    const std::string& m = req_.method;
    if (seg.empty()) return no_route(path_);

    if (seg[0] == "user" && seg.size() >= 2 && seg[1] == "tokens") {
      return s_.tokens.route(m, {seg.begin() + 2, seg.end()}, query_, req_.body, *token_);
    }
    if (seg[0] == "accounts") {
      if (seg.size() == 1) return m == "GET" ? list_accounts() : method_not_allowed();
      if (seg.size() == 2) return m == "GET" ? get_account(seg[1]) : method_not_allowed();
      if (seg[2] == "secondary_dns") return sd_.account(m, seg[1], {seg.begin() + 3, seg.end()}, req_.body);
      if (seg[2] == "audit_logs" && seg.size() == 3) return m == "GET" ? audit_logs(seg[1]) : method_not_allowed();
      return no_route(path_);
    }
    if (seg[0] != "zones") return no_route(path_);
    const bool write = m == "POST" || m == "PATCH" || m == "PUT" || m == "DELETE";
    if (write) {
      auto d = dry_run();
      if (!d) return fail(d.error());
      write_.dry_run = *d;
    }
    // Zone creation, change and deletion have no dry run: refuse rather than really do it.
    if (write_.dry_run && seg.size() <= 2) {
      return fail(Error{"dry_run is supported on dns_records, dns_settings and cname_flattening writes only",
                        kBadQuery});
    }
    if (seg.size() == 1) {
      if (m == "GET") return list_zones();
      if (m == "POST") return create_zone();
      return method_not_allowed();
    }
    const std::string& zid = seg[1];
    if (!zone::is_id(zid)) return no_route(path_);
    auto info = c_.zone(zid);
    if (!info) return fail(info.error());
    if (seg.size() == 2) {
      if (m == "GET") return ok(zone_object(*info));
      if (m == "PATCH") return patch_zone(*info);
      if (m == "DELETE") return delete_zone(*info);
      return method_not_allowed();
    }
    if (seg[2] == "mail_doctor" && seg.size() == 3) return m == "GET" ? mail_doctor(*info) : method_not_allowed();
    if (seg[2] == "dns_settings" && seg.size() == 3) {
      if (m == "GET") return dns_settings(*info);
      if (m == "PATCH") return patch_dns_settings(*info);
      return method_not_allowed();
    }
    if (seg[2] == "settings" && seg.size() == 4 && seg[3] == "cname_flattening") {
      if (m == "GET") return flattening(*info);
      if (m == "PATCH") return patch_flattening(*info);
      return method_not_allowed();
    }
    if (seg[2] == "spectrum") return spectrum_route(c_, req_, query_, *info, seg);  // api/spectrum_api.h
    if (seg[2] == "firewall") return access_rules_route(c_, req_, *info, seg);     // (ip_firewall)
    if (seg[2] == "secondary_dns") return sd_.zone(m, *info, {seg.begin() + 3, seg.end()}, req_.body);
    if (seg[2] != "dns_records") return no_route(path_);
    if (seg.size() == 3) {
      if (m == "GET") return list_records(*info);
      if (m == "POST") return create_record(*info);
      return method_not_allowed();
    }
    if (seg.size() != 4) return no_route(path_);
    const std::string& rid = seg[3];
    if (rid == "batch") return m == "POST" ? batch(*info) : method_not_allowed();
    if (rid == "import") return m == "POST" ? import(*info) : method_not_allowed();
    if (rid == "export") return m == "GET" ? export_zone(*info) : method_not_allowed();
    if (rid == "served") return m == "GET" ? served(*info) : method_not_allowed();
    if (!zone::is_id(rid)) return no_route(path_);
    if (m == "GET") {
      auto r = c_.record(zid, rid);
      if (!r) return fail(r.error());
      return ok(record_json(*r, info->file_backed));
    }
    if (m == "PATCH" || m == "PUT") return update_record(*info, rid, m == "PUT");
    if (m == "DELETE") {
      auto r = c_.delete_record(zid, rid, write_);
      if (!r) return fail(r.error());
      return ok(json{{"id", rid}}, r->messages);
    }
    return method_not_allowed();
  }

  Result<void> authenticate() {
    const std::string h = trim(req_.authorization);
    if (h.empty()) {
      refusal_ = "no Authorization header";
      return Error{"Missing X-Auth-Key, X-Auth-Email or Authorization headers", kAuthMissing};
    }
    refusal_ = "not a Bearer token";
    if (h.size() < 7 || lower(h.substr(0, 7)) != "bearer ") return Error{"Authentication error", kAuthFailed};
    const std::string secret = trim(std::string_view(h).substr(7));
    if (secret.empty()) return Error{"Authentication error", kAuthFailed};
    Refusal why = Refusal::kUnknown;
    const CachedToken* t = s_.tokens.authenticate(sha256_hex(secret), req_.remote_address,
                                                  std::chrono::system_clock::now(), &why);
    refused_token_ = t;
    refusal_ = std::string(refusal_text(why));
    if (t == nullptr || why != Refusal::kNone) return Error{"Authentication error", kAuthFailed};
    token_ = t;
    return {};
  }

  // A failed authentication: counted against its source (a presented token only: a request
  // without one guesses nothing), logged at a bounded rate and audited.
  void auth_failed(const Error& e, std::chrono::steady_clock::time_point now) {
    const std::string& addr = req_.remote_address;
    if (e.code == kAuthFailed) s_.throttle.failure(addr, now);
    uint64_t skipped = 0;
    if (o_.log && s_.auth_log.allow(now, &skipped)) {
      std::string line = "authentication failed from " + (addr.empty() ? std::string("?") : addr) + ": " + refusal_ +
                         " (" + req_.method + " " + path_ + ")";
      if (skipped > 0) line += "; " + std::to_string(skipped) + " more failure(s) not logged";
      o_.log(line);
    }
    zone::AuditEntry a = base_entry("authenticate", e.code == kAuthMissing ? 403 : http_status(e));
    a.result = false;
    a.resource_type = "token";
    if (refused_token_ != nullptr) {
      a.actor_id = refused_token_->row.id;
      a.resource_id = refused_token_->row.id;
    }
    a.account_id = c_.default_account().id;
    OJson meta{{"reason", refusal_}, {"method", req_.method}, {"path", path_}};
    a.metadata_json = meta.dump();
    write_audit(a);
  }

  zone::AuditEntry base_entry(const char* action, int status) const {
    zone::AuditEntry a;
    a.id = zone::new_id();
    a.time = zone::now_rfc3339();
    a.action = action;
    a.status = status;
    a.result = status < 400;
    a.actor_ip = req_.remote_address;
    a.method = req_.method;
    a.path = path_.substr(0, 512);
    return a;
  }

  // The audit entry of this write: the token, the zone or account, the object the path names.
  zone::AuditEntry audit_entry(const std::optional<RouteMatch>& match, int status) {
    const std::string& m = req_.method;
    zone::AuditEntry a = base_entry(m == "POST" ? "create" : m == "DELETE" ? "delete" : "update", status);
    a.actor_id = token_->row.id;
    a.account_id = c_.default_account().id;
    const auto seg = split_path(std::string_view(path_).substr(std::min(path_.size(), kPrefix.size())));
    for (auto it = seg.rbegin(); it != seg.rend(); ++it) {
      if (zone::is_id(*it)) {
        if (a.resource_id.empty()) a.resource_id = *it;
        continue;
      }
      a.resource_type = *it;
      break;
    }
    if (match && zone::is_id(match->zone_id)) {
      a.zone_id = match->zone_id;
      if (auto z = c_.zone(match->zone_id)) a.account_id = z->zone.account_id;
    } else if (match && zone::is_id(match->account_id)) {
      a.account_id = match->account_id;
    }
    OJson meta{{"token_name", token_->row.name}, {"method", m}, {"path", path_}};
    if (!query_.items().empty()) meta["query"] = req_.target.substr(std::min(req_.target.size(), path_.size() + 1), 512);
    a.metadata_json = meta.dump();
    return a;
  }

  void write_audit(const zone::AuditEntry& a) {
    auto tx = c_.store().begin();
    if (!tx) return;
    if (auto r = tx->insert_audit(a); !r) return;
    // A full disk is logged once per episode by the store ("disk is full"), not once per entry.
    if (auto r = tx->commit(); !r && o_.log && !store::is(r.error(), store::StoreErrc::kFull)) {
      o_.log("audit: cannot store an entry: " + r.error().message);
    }
  }

  // The token's permission for this route (api/routes.h). A route the table does not know is
  // refused to all but tokens with every permission. Unknown zones are left to routing (404).
  Result<void> authorize(const std::optional<RouteMatch>& match) {
    const TokenScope& scope = token_->scope;
    if (scope.is_all()) return {};
    const Error denied{"Authentication error", kAuthFailed};
    if (!match) return denied;
    const RoutePermission& rule = *match->rule;
    Target t;
    switch (rule.on) {
      case On::kToken:
      case On::kNewZone:  // checked against the body's account: create_zone()
      case On::kListZones:
      case On::kListAccounts:
        return {};
      case On::kUser:
        t.scope = Scope::kUser;
        if (scope.allows(rule.area, rule.access, t)) return {};
        return Error{"Unauthorized to access requested resource", kUnauthorized};
      case On::kAccount:
        t.scope = Scope::kAccount;
        t.account_id = match->account_id;
        break;
      case On::kZone: {
        if (!zone::is_id(match->zone_id)) return {};
        auto z = c_.zone(match->zone_id);
        if (!z) return {};
        t.scope = Scope::kZone;
        t.zone_id = match->zone_id;
        t.account_id = z->zone.account_id;
        break;
      }
    }
    if (scope.allows(rule.area, rule.access, t)) return {};
    return denied;
  }

  bool may_see(const control::ZoneInfo& z) const {
    return token_->scope.allows(std::nullopt, Access::kRead, Target{Scope::kZone, z.zone.id, z.zone.account_id});
  }

  // GET /accounts/{id}/audit_logs (api/audit.h).
  HttpResponse audit_logs(const std::string& account_id) {
    auto all = c_.accounts();
    if (!all) return fail(all.error());
    if (std::none_of(all->begin(), all->end(), [&](const zone::Account& a) { return a.id == account_id; })) {
      return no_route(path_);
    }
    Paging paging;
    auto q = audit_query(query_, account_id, &paging);
    if (!q) return fail(q.error());
    auto page = c_.store().list_audit(*q);
    if (!page) return fail(Error{"Internal error: the store failed: " + page.error().message, errc::kInternal});
    json out = json::array();
    for (const auto& e : page->entries) out.push_back(audit_json(e));
    const json info = result_info(paging, page->entries.size(), static_cast<size_t>(page->total));
    return ok(out, {}, &info);
  }

  // ?dry_run=true|false on the write endpoints (docs/api.md).
  Result<bool> dry_run() const {
    auto v = query_.get("dry_run");
    if (!v) return false;
    const std::string t = lower(trim(*v));
    if (t == "true" || t == "1") return true;
    if (t == "false" || t == "0" || t.empty()) return false;
    return Error{"dry_run must be true or false, not \"" + *v + "\"", kBadQuery};
  }

  // GET /zones/{id}/mail_doctor[?selector=S...][&offline=true]: the report of `dnsedge doctor
  // --json` in local mode, as `result`. The writer thread only takes the snapshot; the checks
  // (which may look names up outside) run on the API server's workers.
  HttpResponse mail_doctor(const control::ZoneInfo& z) {
    MailDoctorOptions o;
    o.upstreams = o_.doctor_upstreams;
    for (const auto& sel : query_.all("selector")) {
      std::string t = lower(trim(sel));
      if (!t.empty() && t.back() == '.') t.pop_back();
      const bool valid = !t.empty() && t.size() <= 200 && std::all_of(t.begin(), t.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      }) && t.find("..") == std::string::npos && t.front() != '.';
      if (!valid) return fail(Error{"selector \"" + sel + "\" is not a DKIM selector (letters, digits, '-', '_', '.')", kBadQuery});
      if (std::find(o.selectors.begin(), o.selectors.end(), t) == o.selectors.end()) o.selectors.push_back(t);
    }
    if (o.selectors.size() > 20) return fail(Error{"at most 20 selector parameters", kBadQuery});
    if (auto off = query_.get("offline")) {
      const std::string t = lower(trim(*off));
      if (t == "true" || t == "1") {
        o.offline = true;
      } else if (!(t == "false" || t == "0" || t.empty())) {
        return fail(Error{"offline must be true or false, not \"" + *off + "\"", kBadQuery});
      }
    }
    auto st = c_.doctor_state(z.zone.id);
    if (!st) return fail(st.error());
    HttpResponse later;
    later.deferred = [st = std::move(*st), o = std::move(o)]() -> HttpResponse {
      auto report = api::mail_doctor(st, o);
      if (!report) return fail(Error{"mail doctor: " + report.error().message, errc::kInternal});
      return ok(json::parse(doctor::to_json(*report)));
    };
    return later;
  }

  Result<InJson> body() {
    if (trim(req_.body).empty()) return Error{"Malformed JSON in request body: the body is empty", kMalformedJson};
    return parse_body(req_.body);
  }

  // ---- user, accounts ----

  static json account_json(const zone::Account& a) {
    return {{"id", a.id},
            {"name", a.name},
            {"type", "standard"},
            {"settings", {{"enforce_twofactor", false}}},
            {"created_on", a.created_on}};
  }

  HttpResponse list_accounts() {
    auto all = c_.accounts();
    if (!all) return fail(all.error());
    std::erase_if(*all, [&](const zone::Account& a) {
      return !token_->scope.allows(Area::kAccount, Access::kRead, Target{Scope::kAccount, "", a.id});
    });
    auto paging = parse_paging(query_, 20, 1000);
    if (!paging) return fail(paging.error());
    const auto [b, e] = page_bounds(*paging, all->size());
    json out = json::array();
    for (size_t i = b; i < e; ++i) out.push_back(account_json((*all)[i]));
    const json info = result_info(*paging, e - b, all->size());
    return ok(out, {}, &info);
  }

  HttpResponse get_account(const std::string& id) {
    auto all = c_.accounts();
    if (!all) return fail(all.error());
    for (const auto& a : *all) {
      if (a.id == id) return ok(account_json(a));
    }
    return no_route(path_);
  }

  // ---- zones ----

  zone::Account account_of(const std::string& id) {
    if (!accounts_) {
      auto all = c_.accounts();
      accounts_ = all ? *all : std::vector<zone::Account>{};
    }
    for (const auto& a : *accounts_) {
      if (a.id == id) return a;
    }
    return c_.default_account();
  }

  std::vector<std::string> name_servers(const control::ZoneInfo& z) {
    if (!z.file_backed) return c_.nameservers_text();
    std::vector<std::string> out;
    auto v = c_.served_view(z.zone.id);
    if (!v || !*v) return out;
    const view::RRset* ns = (*v)->rrset((*v)->node((*v)->apex_node()), dns::rrtype::kNS);
    if (ns == nullptr) return out;
    const uint8_t* p = (*v)->rdata(*ns);
    for (uint16_t i = 0; i < ns->count; ++i) {
      const size_t len = size_t(p[0]) << 8 | p[1];
      out.push_back(text_no_dot(std::string_view(reinterpret_cast<const char*>(p + 2), len)));
      p += 2 + len;
    }
    return out;
  }

  json zone_object(const control::ZoneInfo& z) { return zone_json(z, account_of(z.zone.account_id), name_servers(z)); }

  HttpResponse list_zones() {
    auto zones = c_.zones();
    std::erase_if(zones, [&](const control::ZoneInfo& z) { return !may_see(z); });
    std::vector<std::function<bool(const control::ZoneInfo&)>> preds;
    if (auto n = query_.get("name")) {
      std::string v = lower(*n);
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
    if (auto s = query_.get("status")) preds.push_back([v = lower(*s)](const control::ZoneInfo& z) { return z.zone.status == v; });
    if (auto a = query_.get("account.id")) preds.push_back([v = *a](const control::ZoneInfo& z) { return z.zone.account_id == v; });
    const bool any = lower(query_.get("match").value_or("all")) == "any";
    if (!preds.empty()) {
      std::erase_if(zones, [&](const control::ZoneInfo& z) {
        if (any) return std::none_of(preds.begin(), preds.end(), [&](auto& p) { return p(z); });
        return !std::all_of(preds.begin(), preds.end(), [&](auto& p) { return p(z); });
      });
    }
    if (lower(query_.get("direction").value_or("asc")) == "desc") std::reverse(zones.begin(), zones.end());
    auto paging = parse_paging(query_, 20, 1000);
    if (!paging) return fail(paging.error());
    const auto [b, e] = page_bounds(*paging, zones.size());
    json out = json::array();
    for (size_t i = b; i < e; ++i) out.push_back(zone_object(zones[i]));
    const json info = result_info(*paging, e - b, zones.size());
    return ok(out, {}, &info);
  }

  HttpResponse create_zone() {
    auto b = body();
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
    const std::string target_account = account_id.empty() ? c_.default_account().id : account_id;
    if (!token_->scope.allows(Area::kZone, Access::kWrite, Target{Scope::kZone, "*", target_account})) {
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
    auto z = c_.create_zone(name->get<std::string>(), account_id, type);
    if (!z) return fail(z.error());
    return ok(zone_object(*z));
  }

  HttpResponse patch_zone(const control::ZoneInfo& z) {
    auto b = body();
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
    auto r = c_.update_zone(z.zone.id, type);
    if (!r) return fail(r.error());
    return ok(zone_object(*r));
  }

  HttpResponse delete_zone(const control::ZoneInfo& z) {
    auto r = c_.delete_zone(z.zone.id);
    if (!r) return fail(r.error());
    return ok(json{{"id", z.zone.id}});
  }

  // ---- settings ----

  json dns_settings_json(const control::ZoneInfo& z, const control::DnsSettings& s) {
    json soa = control::soa_json(z.zone.name, s, {});
    if (!z.file_backed && s.soa.mname.empty()) {
      const auto ns = c_.nameservers_text();
      soa["mname"] = ns.empty() ? "" : ns.front();
    }
    return {{"flatten_all_cnames", s.flatten_all},
            {"foundation_dns", false},
            {"multi_provider", false},
            {"ns_ttl", s.ns_ttl},
            {"secondary_overrides", false},
            {"soa", soa},
            {"zone_mode", "standard"},
            {"nameservers", {{"type", z.file_backed ? "custom.zone" : "custom.account"}, {"ns_set", 1}}},
            {"internal_dns", {{"reference_zone_id", nullptr}}}};
  }

  HttpResponse dns_settings(const control::ZoneInfo& z) {
    auto s = c_.dns_settings(z.zone.id);
    if (!s) return fail(s.error());
    return ok(dns_settings_json(z, *s));
  }

  HttpResponse patch_dns_settings(const control::ZoneInfo& z) {
    auto b = body();
    if (!b) return fail(b.error());
    std::vector<control::ApiMessage> messages;
    auto s = c_.update_dns_settings(z.zone.id, *b, &messages, write_);
    if (!s) return fail(s.error());
    return ok(dns_settings_json(z, *s), messages);
  }

  json flattening_json(const control::ZoneInfo& z, const control::DnsSettings& s) {
    return {{"id", "cname_flattening"},
            {"value", s.flatten_all ? "flatten_all" : "flatten_at_root"},
            {"editable", !z.file_backed},
            {"modified_on", s.flattening_modified_on.empty() ? json(nullptr) : json(s.flattening_modified_on)}};
  }

  HttpResponse flattening(const control::ZoneInfo& z) {
    auto s = c_.dns_settings(z.zone.id);
    if (!s) return fail(s.error());
    return ok(flattening_json(z, *s));
  }

  HttpResponse patch_flattening(const control::ZoneInfo& z) {
    auto b = body();
    if (!b) return fail(b.error());
    auto v = b->find("value");
    if (v == b->end() || !v->is_string()) {
      return fail(Error{"Request body is invalid: value must be \"flatten_at_root\" or \"flatten_all\"", kInvalidBody});
    }
    const std::string value = v->get<std::string>();
    bool all;
    if (value == "flatten_all" || value == "on") {
      all = true;
    } else if (value == "flatten_at_root" || value == "off" || value == "apex") {
      all = false;
    } else {
      return fail(Error{"Invalid value for zone setting cname_flattening: \"" + value +
                            "\" (flatten_at_root or flatten_all)",
                        kBadSetting});
    }
    std::vector<control::ApiMessage> messages;
    auto s = c_.update_dns_settings(z.zone.id, InJson{{"flatten_all_cnames", all}}, &messages, write_);
    if (!s) return fail(s.error());
    return ok(flattening_json(z, *s), messages);
  }

  // ---- records ----

  HttpResponse list_records(const control::ZoneInfo& z) {
    auto all = c_.records(z.zone.id);
    if (!all) return fail(all.error());
    auto page = api::list_records(std::move(*all), query_, z.zone.name);
    if (!page) return fail(page.error());
    json out = json::array();
    for (const auto& r : page->first) out.push_back(record_json(r, z.file_backed));
    return ok(out, {}, &page->second);
  }

  HttpResponse create_record(const control::ZoneInfo& z) {
    auto b = body();
    if (!b) return fail(b.error());
    auto in = record_input(*b);
    if (!in) return fail(in.error());
    auto r = c_.create_record(z.zone.id, *in, write_);
    if (!r) return fail(r.error());
    return ok(record_json(r->records.front()), r->messages);
  }

  HttpResponse update_record(const control::ZoneInfo& z, const std::string& rid, bool replace) {
    auto b = body();
    if (!b) return fail(b.error());
    auto in = record_input(*b);
    if (!in) return fail(in.error());
    auto r = c_.update_record(z.zone.id, rid, *in, replace, write_);
    if (!r) return fail(r.error());
    return ok(record_json(r->records.front()), r->messages);
  }

  HttpResponse batch(const control::ZoneInfo& z) {
    auto b = body();
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
    auto r = c_.batch(z.zone.id, in, write_);
    if (!r) return fail(r.error());
    auto arr = [&](const std::vector<zone::Record>& v) {
      json a = json::array();
      for (const auto& rec : v) a.push_back(record_json(rec));
      return a;
    };
    return ok(json{{"deletes", arr(r->deletes)}, {"patches", arr(r->patches)}, {"puts", arr(r->puts)}, {"posts", arr(r->posts)}},
              r->messages);
  }

  HttpResponse import(const control::ZoneInfo& z) {
    std::string file;
    std::optional<std::string> proxied_text = query_.get("proxied");
    const std::string boundary = multipart_boundary(req_.content_type);
    if (!boundary.empty()) {
      auto parts = parse_multipart(req_.body, boundary);
      if (!parts) return fail(Error{"Request body is invalid: " + parts.error().message, kInvalidBody});
      auto f = parts->find("file");
      if (f == parts->end()) return fail(Error{"Request body is invalid: the form has no 'file' part", kInvalidBody});
      file = f->second;
      if (auto p = parts->find("proxied"); p != parts->end()) proxied_text = p->second;
    } else if (lower(req_.content_type).rfind("application/json", 0) == 0) {
      return fail(Error{"Request body is invalid: send the zone file as multipart/form-data with a 'file' part",
                        kInvalidBody});
    } else {
      file = req_.body;
    }
    std::optional<bool> proxied;
    if (proxied_text) {
      const std::string p = lower(trim(*proxied_text));
      if (p == "true") {
        proxied = true;
      } else if (p == "false") {
        proxied = false;
      } else if (!p.empty()) {
        return fail(Error{"Request body is invalid: proxied must be \"true\" or \"false\"", kInvalidBody});
      }
    }
    auto r = c_.import_zone(z.zone.id, file, proxied, write_);
    if (!r) return fail(r.error());
    return ok(json{{"recs_added", r->added}, {"total_records_parsed", r->parsed}}, r->messages);
  }

  HttpResponse export_zone(const control::ZoneInfo& z) {
    auto text = c_.export_zone(z.zone.id);
    if (!text) return fail(text.error());
    return HttpResponse{200, "text/plain; charset=utf-8", std::move(*text)};
  }

  HttpResponse served(const control::ZoneInfo& z) {
    auto v = c_.served_view(z.zone.id);
    if (!v) return fail(v.error());
    if (!*v) return fail(Error{"zone " + z.zone.name + " is not being served", errc::kInternal});
    const view::ZoneView& view = **v;
    std::optional<std::string> only;
    if (auto n = query_.get("name")) {
      std::string t = lower(*n);
      if (t == "@") t = z.zone.name;
      if (t.empty() || t.back() != '.') t += '.';
      auto w = dns::name_from_text(t);
      if (!w) return fail(Error{"name: " + w.error().message, kBadQuery});
      only = *w;
    }
    json records = json::array();
    json explain = json::object();
    std::vector<std::string> owners;
    for (const auto& rr : view.records()) {
      if (only && rr.owner != *only) continue;
      auto text = dns::rdata_to_text(rr.type, rr.rdata);
      records.push_back({{"name", text_no_dot(rr.owner)},
                         {"type", dns::type_to_string(rr.type)},
                         {"ttl", rr.ttl},
                         {"content", text ? *text : std::string("?")}});
      if (owners.empty() || owners.back() != rr.owner) owners.push_back(rr.owner);
    }
    json dc = json::array();
    for (const auto& o : owners) {
      auto why = view.explain(o);
      if (!why.empty()) explain[text_no_dot(o)] = why;
      const std::string label = text_no_dot(o);
      if (label.rfind("dc-", 0) == 0 && !why.empty() && why.front().rfind("synthesized for mail", 0) == 0) dc.push_back(label);
    }
    return ok(json{{"zone", z.zone.name},
                   {"id", z.zone.id},
                   {"serial", view.serial()},
                   {"file_backed", z.file_backed},
                   {"records", records},
                   {"explain", explain},
                   {"dc_records", dc}});
  }

  control::Controller& c_;
  const ApiOptions& o_;
  SecondaryDns& sd_;
  const Shared& s_;
  const HttpRequest& req_;
  std::string path_;
  Query query_;
  const CachedToken* token_ = nullptr;          // the authenticated token
  const CachedToken* refused_token_ = nullptr;  // a known token that was refused
  std::string refusal_;
  std::optional<std::vector<zone::Account>> accounts_;
  control::WriteOptions write_;
};

}  // namespace

HttpResponse error_response(int status, int code, const std::string& message) {
  return reply(status, failure({Error{message, code}}));
}

Api::Api(control::Controller& controller, ApiOptions options, std::function<void()> on_secondary_dns_change)
    : controller_(controller),
      options_(std::move(options)),
      secondary_dns_(std::make_unique<SecondaryDns>(controller, std::move(on_secondary_dns_change), options_.config_incoming)),
      tokens_(controller) {}

Api::~Api() = default;

Result<void> Api::bootstrap_token(const std::string& secret_hash) { return tokens_.bootstrap(secret_hash); }

bool Api::no_tokens() { return tokens_.empty(); }

HttpResponse Api::dispatch(const HttpRequest& request) {
  const Shared shared{controller_, options_, *secondary_dns_, tokens_, throttle_, auth_log_};
  return Handler(shared, request).run();
}

HttpResponse Api::handle(const HttpRequest& request) noexcept {
  try {
    return dispatch(request);
  } catch (const std::exception& e) {
    try {
      return error_response(500, errc::kInternal, std::string("Internal error: ") + e.what());
    } catch (...) {
    }
  } catch (...) {
  }
  return HttpResponse{500, "application/json",
                      R"({"success":false,"errors":[{"code":1000,"message":"Internal error"}],"messages":[],"result":null})"};
}

}  // namespace dnsedge::api
