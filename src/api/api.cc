#include "common/ascii.h"
#include "api/api.h"

#include <algorithm>
#include <chrono>

#include "api/call.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/list_query.h"
#include "api/reply.h"
#include "api/routes.h"
#include "api/secondary_dns.h"
#include "api/sha256.h"
#include "control/errors.h"
#include "dns/name.h"

namespace dnsedge::api {
namespace {

namespace errc = control::errc;

using errc::kAuthFailed;
using errc::kAuthMissing;
using errc::kNoRoute;
using errc::kTooManyFailures;
using errc::kUnauthorized;

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

}  // namespace

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

Result<nlohmann::json> json_body(const Call& x) {
  if (trim(x.req.body).empty()) return Error{"Malformed JSON in request body: the body is empty", kMalformedJson};
  return parse_body(x.req.body);
}

namespace {

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
      return dispatch(seg);
    }
    // A write: its audit entry is staged so that the write's own transaction stores it; if
    // nothing was stored (refused, invalid, dry run), it is written here with the answer.
    c_.store().stage_audit(audit_entry(match, 200));
    HttpResponse r;
    try {
      auto ok = authorize(match);
      r = ok ? dispatch(seg) : fail(ok.error());
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
  // Routes the request by the table (api/routes.h); the permission is already checked.
  HttpResponse dispatch(const std::vector<std::string>& seg) {
    Call x{c_, o_, sd_, s_.tokens, req_, path_, query_, seg, *token_};
    std::optional<control::ZoneInfo> zone_info;
    if (!seg.empty() && seg[0] == "zones") {
      // Below /zones: the dry run of a write, then the zone of {zone_id}, whatever follows.
      if (is_write(req_.method)) {
        auto d = dry_run();
        if (!d) return fail(d.error());
        x.write.dry_run = *d;
      }
      // Zone creation, change and deletion have no dry run: refuse rather than really do it.
      if (x.write.dry_run && seg.size() <= 2) {
        return fail(Error{"dry_run is supported on dns_records, dns_settings and cname_flattening writes only",
                          kBadQuery});
      }
      if (seg.size() >= 2) {
        if (!zone::is_id(seg[1])) return no_route(path_);
        auto info = c_.zone(seg[1]);
        if (!info) return fail(info.error());
        zone_info = std::move(*info);
        x.zone = &*zone_info;
      }
    }
    // The secondary_dns objects answer every method of their paths themselves.
    if (seg.size() >= 3 && seg[2] == "secondary_dns") {
      if (seg[0] == "accounts") return secondary_dns_account(x);
      if (seg[0] == "zones") return secondary_dns_zone(x);
    }
    const auto at = match_path(seg);
    if (!at) return no_route_for(seg);
    x.id = at->id;
    x.account_id = at->account_id;
    if (auto bad = bad_id(*at->rule, x.id)) return *bad;
    const Route* route = route_of(at->rule->pattern, req_.method);
    if (route == nullptr) return method_not_allowed();
    return route->handler(x);
  }

  // The answer for an {…_id} of the path that is no id, as its resource answers a missing object.
  std::optional<HttpResponse> bad_id(const Route& route, const std::string& id) const {
    if (zone::is_id(id)) return std::nullopt;
    const std::string_view p = route.pattern;
    if (p.ends_with("{record_id}")) return no_route(path_);
    if (p.find("{token_id}") != std::string_view::npos) return no_route();
    if (p.ends_with("{app_id}")) {
      return fail(Error{"Spectrum app " + id + " does not exist in this zone.", errc::kAppNotFound});
    }
    return std::nullopt;
  }

  // 404 for a path no route has, as each resource has always answered it.
  HttpResponse no_route_for(const std::vector<std::string>& seg) const {
    if (seg.size() >= 2 && seg[0] == "user" && seg[1] == "tokens") return no_route();
    if (seg.size() >= 3 && seg[0] == "zones" && (seg[2] == "spectrum" || seg[2] == "firewall")) {
      return fail(Error{"No route for that URI: " + req_.target, kNoRoute});
    }
    return no_route(path_);
  }

  Result<void> authenticate() {
    const std::string h = trim(req_.authorization);
    if (h.empty()) {
      refusal_ = "no Authorization header";
      return Error{"Missing X-Auth-Key, X-Auth-Email or Authorization headers", kAuthMissing};
    }
    refusal_ = "not a Bearer token";
    if (h.size() < 7 || common::ascii_lower(h.substr(0, 7)) != "bearer ") return Error{"Authentication error", kAuthFailed};
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
    const Route& rule = *match->rule;
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

  // ?dry_run=true|false on the write endpoints (docs/api.md).
  Result<bool> dry_run() const {
    auto v = query_.get("dry_run");
    if (!v) return false;
    const std::string t = common::ascii_lower(trim(*v));
    if (t == "true" || t == "1") return true;
    if (t == "false" || t == "0" || t.empty()) return false;
    return Error{"dry_run must be true or false, not \"" + *v + "\"", kBadQuery};
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
};

}  // namespace

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
      return fail(errc::kInternal, std::string("Internal error: ") + e.what());
    } catch (...) {
    }
  } catch (...) {
  }
  return HttpResponse{500, "application/json",
                      R"({"success":false,"errors":[{"code":1000,"message":"Internal error"}],"messages":[],"result":null})"};
}

}  // namespace dnsedge::api
