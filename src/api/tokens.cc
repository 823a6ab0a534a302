#include "api/tokens.h"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "api/json_io.h"
#include "api/reply.h"
#include "api/sha256.h"
#include "control/errors.h"

namespace dnsedge::api {
namespace {

using InJson = nlohmann::json;
namespace errc = control::errc;

constexpr int kTokenNotFound = errc::kObjectNotFound;  // a token id that does not exist
using errc::kBadToken;
using errc::kMethodNotAllowed;
using errc::kNoRoute;

constexpr std::string_view kZoneKey = "com.cloudflare.api.account.zone.";
constexpr std::string_view kAccountKey = "com.cloudflare.api.account.";
constexpr std::string_view kUserKey = "com.cloudflare.api.user.";

// Cloudflare's ids where Cloudflare has the group; write includes read.
constexpr PermissionGroup kGroups[] = {
    {"c8fed203ed3043cba015a93ad1616f1f", "Zone Read", "Grants read access to zone management", Scope::kZone,
     Area::kZone, Access::kRead},
    {"e6d2666161e84845a636613608cee8d5", "Zone Write", "Grants write access to zone management", Scope::kZone,
     Area::kZone, Access::kWrite},
    {"82e64a83756745bbbb1c9c2701bf816b", "DNS Read", "Grants read access to DNS", Scope::kZone, Area::kDns,
     Access::kRead},
    {"4755a26eedb94da69e1066d98aa820be", "DNS Write", "Grants write access to DNS", Scope::kZone, Area::kDns,
     Access::kWrite},
    {"0a6cfe8cd3ed445e918579e2fb13087b", "Zone DNS Settings Read", "Grants read access to Zone DNS Settings",
     Scope::kZone, Area::kDnsSettings, Access::kRead},
    {"c4df38be41c247b3b4b7702e76eadae0", "Zone DNS Settings Write", "Grants write access to Zone DNS Settings",
     Scope::kZone, Area::kDnsSettings, Access::kWrite},
    {"517b21aee92c4d89936c976ba6e4be55", "Zone Settings Read",
     "Grants read access to zone settings (dnsedge: also Spectrum apps)", Scope::kZone, Area::kZoneSettings,
     Access::kRead},
    {"3030687196b94b638145a3953da2b699", "Zone Settings Write",
     "Grants write access to zone settings (dnsedge: also Spectrum apps)", Scope::kZone, Area::kZoneSettings,
     Access::kWrite},
    {"4ec32dfcb35641c5bb32d5ef1ab963b4", "Firewall Services Read", "Grants read access to Firewall resources",
     Scope::kZone, Area::kFirewall, Access::kRead},
    {"43137f8d07884d3198dc0ee77ca6e79b", "Firewall Services Write", "Grants write access to Firewall resources",
     Scope::kZone, Area::kFirewall, Access::kWrite},
    {"9c88f9c5bce24ce7af9a958ba9c504db", "Analytics Read", "Grants read access to analytics (dnsedge: DNS analytics)",
     Scope::kZone, Area::kAnalytics, Access::kRead},
    {"c1fde68c7bcc44588cbb6ddbc16d6480", "Account Settings Read",
     "Grants read access to Account resources and the account's audit logs", Scope::kAccount, Area::kAccount,
     Access::kRead},
    {"1af1fa2adc104452b74a9a3364202f20", "Account Settings Write", "Grants write access to Account resources",
     Scope::kAccount, Area::kAccount, Access::kWrite},
    {"cfa964bcdafc4ab39704e7476154e41b", "Account DNS Settings Read",
     "Grants read access to Account DNS Settings (dnsedge: secondary_dns TSIG keys and peers)", Scope::kAccount,
     Area::kAccountDns, Access::kRead},
    {"dc44f27f48ab405392a5f69fe822bd01", "Account DNS Settings Write",
     "Grants write access to Account DNS Settings (dnsedge: secondary_dns TSIG keys and peers)", Scope::kAccount,
     Area::kAccountDns, Access::kWrite},
    {"0cc3a61731504c89b99ec1be78b77aa0", "API Tokens Read", "Grants read access to user's API Tokens", Scope::kUser,
     Area::kTokens, Access::kRead},
    {"686d18d5ac6c441c867cbf6771e58a0a", "API Tokens Write", "Grants write access to user's API Tokens", Scope::kUser,
     Area::kTokens, Access::kWrite},
};

HttpResponse bad(const std::string& message) { return fail(kBadToken, message); }
// Any store failure, a full disk too: 500.
HttpResponse store_fail(const Error& e) { return fail(errc::kInternal, "Internal error: the store failed: " + e.message); }

bool is_hex_id(std::string_view s) { return zone::is_id(s); }

// "YYYY-MM-DDTHH:MM:SSZ", Cloudflare's form of token times.
std::string seconds_text(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string now_text() { return seconds_text(std::chrono::system_clock::now()); }

Result<std::optional<std::chrono::system_clock::time_point>> time_field(const InJson& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<std::chrono::system_clock::time_point>();
  if (!it->is_string()) return Error{std::string(key) + " must be a string (YYYY-MM-DDTHH:MM:SSZ)", kBadToken};
  auto t = parse_api_time(it->get<std::string>());
  if (!t) {
    return Error{std::string(key) + " \"" + it->get<std::string>() + "\" is not a time (YYYY-MM-DDTHH:MM:SSZ)",
                 kBadToken};
  }
  return std::optional<std::chrono::system_clock::time_point>(*t);
}

// A group that applies to a resource of scope s.
bool scope_matches(Scope s, int kind_scope) { return static_cast<int>(s) == kind_scope; }

}  // namespace

std::span<const PermissionGroup> permission_groups() { return kGroups; }

const PermissionGroup* find_permission_group(std::string_view id) {
  for (const auto& g : kGroups) {
    if (g.id == id) return &g;
  }
  return nullptr;
}

std::string_view scope_name(Scope s) {
  switch (s) {
    case Scope::kZone:
      return "com.cloudflare.api.account.zone";
    case Scope::kAccount:
      return "com.cloudflare.api.account";
    case Scope::kUser:
      return "com.cloudflare.api.user";
  }
  return "";
}

std::string_view refusal_text(Refusal r) {
  switch (r) {
    case Refusal::kNone:
      return "accepted";
    case Refusal::kUnknown:
      return "unknown token";
    case Refusal::kDisabled:
      return "token disabled";
    case Refusal::kExpired:
      return "token expired";
    case Refusal::kNotYetValid:
      return "token not valid yet (not_before)";
    case Refusal::kAddress:
      return "address not allowed by the token's request_ip condition";
  }
  return "";
}

// ---- policies ---------------------------------------------------------------------------------

namespace {

struct ParsedResource {
  int scope;  // static_cast<int>(Scope)
  int kind;   // TokenScope's Kind
  std::string id, account;
};

// Cloudflare's resource forms (tokens.h). Kinds: 0 zone, 1 all zones, 2 zones of an account,
// 3 account, 4 all accounts, 5 user.
Result<std::vector<ParsedResource>> parse_resources(const InJson& res, const std::string& where) {
  if (!res.is_object() || res.empty()) {
    return Error{where + ".resources must be a non-empty object", kBadToken};
  }
  std::vector<ParsedResource> out;
  const auto star = [&](const InJson& v, const std::string& key) -> Result<void> {
    if (!v.is_string() || v.get<std::string>() != "*") {
      return Error{where + ".resources[\"" + key + "\"] must be \"*\"", kBadToken};
    }
    return {};
  };
  for (const auto& [key, value] : res.items()) {
    const std::string_view k = key;
    if (k.starts_with(kZoneKey)) {
      if (auto s = star(value, key); !s) return s.error();
      const std::string_view id = k.substr(kZoneKey.size());
      if (id == "*") {
        out.push_back({static_cast<int>(Scope::kZone), 1, "", ""});
      } else if (is_hex_id(id)) {
        out.push_back({static_cast<int>(Scope::kZone), 0, std::string(id), ""});
      } else {
        return Error{where + ".resources: \"" + key + "\" does not name a zone id or *", kBadToken};
      }
    } else if (k.starts_with(kAccountKey)) {
      const std::string_view acct = k.substr(kAccountKey.size());
      if (acct != "*" && !is_hex_id(acct)) {
        return Error{where + ".resources: \"" + key + "\" does not name an account id or *", kBadToken};
      }
      if (value.is_object()) {  // zones of the account
        if (value.empty()) return Error{where + ".resources[\"" + key + "\"] is an empty object", kBadToken};
        for (const auto& [zkey, zval] : value.items()) {
          const std::string_view zk = zkey;
          if (!zk.starts_with(kZoneKey)) {
            return Error{where + ".resources[\"" + key + "\"]: \"" + zkey + "\" is not a zone resource", kBadToken};
          }
          if (auto s = star(zval, zkey); !s) return s.error();
          const std::string_view zid = zk.substr(kZoneKey.size());
          if (zid == "*") {
            out.push_back({static_cast<int>(Scope::kZone), acct == "*" ? 1 : 2, std::string(acct), ""});
          } else if (is_hex_id(zid)) {
            out.push_back({static_cast<int>(Scope::kZone), 0, std::string(zid), acct == "*" ? "" : std::string(acct)});
          } else {
            return Error{where + ".resources: \"" + zkey + "\" does not name a zone id or *", kBadToken};
          }
        }
      } else {
        if (auto s = star(value, key); !s) return s.error();
        out.push_back({static_cast<int>(Scope::kAccount), acct == "*" ? 4 : 3, acct == "*" ? "" : std::string(acct), ""});
      }
    } else if (k.starts_with(kUserKey) && k.size() > kUserKey.size()) {
      if (auto s = star(value, key); !s) return s.error();
      out.push_back({static_cast<int>(Scope::kUser), 5, "", ""});
    } else {
      return Error{where + ".resources: \"" + key +
                       "\" is not a resource (com.cloudflare.api.account.zone.<id>, com.cloudflare.api.account.<id>, "
                       "com.cloudflare.api.user.<id>, or * in place of an id)",
                   kBadToken};
    }
  }
  return out;
}

// Validates a request's policies into their canonical (stored) form.
Result<OJson> canonical_policies(const InJson& in) {
  if (!in.is_array() || in.empty()) return Error{"policies must be a non-empty array", kBadToken};
  if (in.size() > 100) return Error{"at most 100 policies", kBadToken};
  OJson out = OJson::array();
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string where = "policies[" + std::to_string(i) + "]";
    const InJson& p = in[i];
    if (!p.is_object()) return Error{where + " must be an object", kBadToken};
    auto eff = p.find("effect");
    if (eff == p.end() || !eff->is_string() || (*eff != "allow" && *eff != "deny")) {
      return Error{where + ".effect must be \"allow\" or \"deny\"", kBadToken};
    }
    auto pg = p.find("permission_groups");
    if (pg == p.end() || !pg->is_array() || pg->empty()) {
      return Error{where + ".permission_groups must be a non-empty array of {id}", kBadToken};
    }
    auto res = p.find("resources");
    if (res == p.end()) return Error{where + ".resources is required", kBadToken};
    auto resources = parse_resources(*res, where);
    if (!resources) return resources.error();
    OJson groups = OJson::array();
    for (size_t j = 0; j < pg->size(); ++j) {
      const InJson& g = (*pg)[j];
      const std::string gw = where + ".permission_groups[" + std::to_string(j) + "]";
      if (!g.is_object() || !g.contains("id") || !g["id"].is_string()) return Error{gw + ".id must be a string", kBadToken};
      const std::string id = g["id"].get<std::string>();
      const PermissionGroup* group = find_permission_group(id);
      if (group == nullptr) {
        return Error{gw + ": unknown permission group \"" + id + "\" (GET /user/tokens/permission_groups lists them)",
                     kBadToken};
      }
      const bool applies = std::any_of(resources->begin(), resources->end(), [&](const ParsedResource& r) {
        return scope_matches(group->scope, r.scope);
      });
      if (!applies) {
        return Error{gw + ": \"" + std::string(group->name) + "\" applies to " + std::string(scope_name(group->scope)) +
                         " resources, and the policy names none",
                     kBadToken};
      }
      groups.push_back(OJson{{"id", group->id}, {"name", group->name}});
    }
    OJson resources_out = OJson::parse(res->dump());
    out.push_back(OJson{{"id", zone::new_id()},
                        {"effect", eff->get<std::string>()},
                        {"permission_groups", groups},
                        {"resources", resources_out}});
  }
  return out;
}

// Validates a request's condition into its canonical (stored) form.
Result<OJson> canonical_condition(const InJson& body) {
  auto it = body.find("condition");
  if (it == body.end() || it->is_null()) return OJson::object();
  if (!it->is_object()) return Error{"condition must be an object", kBadToken};
  OJson out = OJson::object();
  auto ri = it->find("request_ip");
  if (ri == it->end() || ri->is_null()) return out;
  if (!ri->is_object()) return Error{"condition.request_ip must be an object {in, not_in}", kBadToken};
  OJson rip = OJson::object();
  for (const char* key : {"in", "not_in"}) {
    auto l = ri->find(key);
    if (l == ri->end() || l->is_null()) continue;
    if (!l->is_array()) return Error{std::string("condition.request_ip.") + key + " must be an array of CIDRs", kBadToken};
    if (l->size() > 1000) return Error{std::string("condition.request_ip.") + key + ": at most 1000 entries", kBadToken};
    OJson arr = OJson::array();
    for (const auto& c : *l) {
      if (!c.is_string() || !Cidr::parse(c.get<std::string>())) {
        return Error{std::string("condition.request_ip.") + key + ": " + c.dump() +
                         " is not an IPv4/IPv6 address or CIDR block",
                     kBadToken};
      }
      arr.push_back(c.get<std::string>());
    }
    rip[key] = arr;
  }
  out["request_ip"] = rip;
  return out;
}

}  // namespace

TokenScope TokenScope::all() {
  TokenScope s;
  s.all_ = true;
  return s;
}

Result<TokenScope> TokenScope::parse(std::string_view policies_json) {
  if (policies_json == zone::kAllPolicies) return all();
  InJson in = InJson::parse(policies_json, nullptr, false);
  if (in.is_discarded() || !in.is_array()) return Error{"stored token policies are not a JSON array", errc::kInternal};
  TokenScope s;
  for (size_t i = 0; i < in.size(); ++i) {
    const InJson& p = in[i];
    if (!p.is_object()) return Error{"stored token policy is not an object", errc::kInternal};
    Policy pol;
    pol.allow = p.value("effect", std::string()) == "allow";
    if (auto g = p.find("permission_groups"); g != p.end() && g->is_array()) {
      for (const auto& e : *g) {
        if (!e.is_object() || !e.contains("id") || !e["id"].is_string()) continue;
        if (const PermissionGroup* pg = find_permission_group(e["id"].get<std::string>())) pol.groups.push_back(pg);
      }
    }
    auto res = parse_resources(p.value("resources", InJson::object()), "policies[" + std::to_string(i) + "]");
    if (!res) return res.error();
    for (const auto& r : *res) pol.resources.push_back({static_cast<Kind>(r.kind), r.id, r.account});
    s.policies_.push_back(std::move(pol));
  }
  return s;
}

bool TokenScope::covers(const Resource& r, const Target& t) {
  switch (t.scope) {
    case Scope::kZone:
      switch (r.kind) {
        case Kind::kZone:
          return t.zone_id != "*" && r.id == t.zone_id && (r.account.empty() || r.account == t.account_id);
        case Kind::kAllZones:
          return true;
        case Kind::kAccountZones:
          return r.id == t.account_id;
        default:
          return false;
      }
    case Scope::kAccount:
      return (r.kind == Kind::kAccount && r.id == t.account_id) || r.kind == Kind::kAllAccounts;
    case Scope::kUser:
      return r.kind == Kind::kUser;
  }
  return false;
}

bool TokenScope::allows(std::optional<Area> area, Access access, const Target& t) const {
  if (all_) return true;
  if (!area) {  // any area: allowed on one of them
    for (const auto& g : kGroups) {
      if (g.scope == t.scope && allows(g.area, access, t)) return true;
    }
    return false;
  }
  const auto applies = [&](const Policy& p) {
    for (const PermissionGroup* g : p.groups) {
      if (g->scope != t.scope || g->area != *area) continue;
      // An allow of write grants read; a deny of read takes write away too.
      if (p.allow ? g->access < access : g->access > access) continue;
      for (const auto& r : p.resources) {
        if (covers(r, t)) return true;
      }
    }
    return false;
  };
  bool allowed = false;
  for (const auto& p : policies_) {
    if (p.allow && !allowed) allowed = applies(p);
  }
  if (!allowed) return false;
  return std::none_of(policies_.begin(), policies_.end(), [&](const Policy& p) { return !p.allow && applies(p); });
}

// ---- CIDR -------------------------------------------------------------------------------------

std::optional<Cidr> Cidr::parse(std::string_view text) {
  Cidr c;
  std::string addr(text);
  std::optional<unsigned> len;
  if (const size_t slash = addr.find('/'); slash != std::string::npos) {
    const std::string l = addr.substr(slash + 1);
    addr.resize(slash);
    if (l.empty() || l.size() > 3 || l.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    len = static_cast<unsigned>(std::stoul(l));
  }
  if (inet_pton(AF_INET, addr.c_str(), c.bytes) == 1) {
    c.family = 4;
  } else if (inet_pton(AF_INET6, addr.c_str(), c.bytes) == 1) {
    c.family = 6;
  } else {
    return std::nullopt;
  }
  const unsigned max = c.family == 4 ? 32 : 128;
  c.length = len.value_or(max);
  if (c.length > max) return std::nullopt;
  return c;
}

bool Cidr::contains(std::string_view address) const {
  uint8_t a[16] = {};
  int fam = 0;
  const std::string text(address);
  if (inet_pton(AF_INET, text.c_str(), a) == 1) {
    fam = 4;
  } else if (inet_pton(AF_INET6, text.c_str(), a) == 1) {
    fam = 6;
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a, kMapped, 12) == 0) {
      std::memmove(a, a + 12, 4);
      fam = 4;
    }
  } else {
    return false;
  }
  if (fam != family) return false;
  const unsigned full = length / 8, rest = length % 8;
  if (std::memcmp(a, bytes, full) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (bytes[full] & mask);
}

// ---- tokens -----------------------------------------------------------------------------------

Result<std::chrono::system_clock::time_point> parse_api_time(std::string_view text) {
  const bool year_ok = text.size() >= 4 && text.substr(0, 4) >= "1970" && text.substr(0, 4) <= "2261";
  if (!year_ok) return make_error("\"" + std::string(text) + "\" is not a time of the years 1970..2261");
  return zone::parse_rfc3339(text);
}

std::string new_token_secret() {
  uint8_t raw[30];
  zone::random_bytes(raw, sizeof raw);
  unsigned char out[41] = {};
  EVP_EncodeBlock(out, raw, sizeof raw);  // 40 characters, no padding for 30 bytes
  std::string s(reinterpret_cast<const char*>(out), 40);
  for (char& ch : s) {
    if (ch == '+') ch = '-';
    if (ch == '/') ch = '_';
  }
  return s;
}

OJson token_json(const CachedToken& t, std::chrono::system_clock::time_point now) {
  const auto& r = t.row;
  std::string status = r.status;
  if (status == zone::kTokenStatusActive && t.expires_on && *t.expires_on <= now) status = "expired";
  OJson j{{"id", r.id}, {"name", r.name}, {"status", status}, {"issued_on", r.created_on},
          {"modified_on", r.modified_on.empty() ? r.created_on : r.modified_on}, {"last_used_on", nullptr}};
  if (!r.not_before.empty()) j["not_before"] = r.not_before;
  if (!r.expires_on.empty()) j["expires_on"] = r.expires_on;
  if (t.scope.is_all()) {
    OJson pols = OJson::array();
    for (Scope s : {Scope::kZone, Scope::kAccount, Scope::kUser}) {
      OJson groups = OJson::array();
      for (const auto& g : kGroups) {
        if (g.scope == s) groups.push_back(OJson{{"id", g.id}, {"name", g.name}});
      }
      const std::string key = std::string(scope_name(s)) + ".*";
      pols.push_back(OJson{{"id", sha256_hex(r.id + key).substr(0, 32)},
                           {"effect", "allow"},
                           {"permission_groups", groups},
                           {"resources", OJson{{key, "*"}}}});
    }
    j["policies"] = pols;
  } else {
    OJson p = OJson::parse(r.policies_json, nullptr, false);
    j["policies"] = p.is_discarded() ? OJson::array() : p;
  }
  OJson c = OJson::parse(r.condition_json, nullptr, false);
  j["condition"] = c.is_discarded() ? OJson::object() : c;
  return j;
}

Result<CachedToken> TokenRegistry::cache_entry(const zone::ApiToken& row) const {
  CachedToken t;
  t.row = row;
  auto scope = TokenScope::parse(row.policies_json);
  if (!scope) return scope.error();
  t.scope = std::move(*scope);
  InJson cond = InJson::parse(row.condition_json, nullptr, false);
  if (!cond.is_discarded() && cond.is_object()) {
    if (auto ri = cond.find("request_ip"); ri != cond.end() && ri->is_object()) {
      for (auto [key, dest] : {std::pair{"in", &t.ip_in}, std::pair{"not_in", &t.ip_not_in}}) {
        auto l = ri->find(key);
        if (l == ri->end() || !l->is_array()) continue;
        for (const auto& c : *l) {
          if (!c.is_string()) continue;
          if (auto cidr = Cidr::parse(c.get<std::string>())) dest->push_back(*cidr);
        }
      }
    }
  }
  if (!row.not_before.empty()) {
    if (auto nb = zone::parse_rfc3339(row.not_before)) t.not_before = *nb;
  }
  if (!row.expires_on.empty()) {
    if (auto ex = zone::parse_rfc3339(row.expires_on)) t.expires_on = *ex;
  }
  return t;
}

Result<void> TokenRegistry::load() {
  if (loaded_) return {};
  auto rows = c_.store().list_tokens();
  if (!rows) return rows.error();
  for (const auto& row : *rows) {
    auto t = cache_entry(row);
    if (!t) continue;  // a token this binary cannot read grants nothing
    by_hash_[row.secret_hash] = std::move(*t);
  }
  loaded_ = true;
  return {};
}

bool TokenRegistry::empty() {
  (void)load();
  return by_hash_.empty();
}

Result<void> TokenRegistry::store_token(const zone::ApiToken& t, bool insert) {
  auto tx = c_.store().begin();
  if (!tx) return tx.error();
  if (auto r = insert ? tx->insert_token(t) : tx->update_token(t); !r) return r.error();
  return tx->commit();
}

Result<void> TokenRegistry::bootstrap(const std::string& secret_hash) {
  if (auto l = load(); !l) return l;
  zone::ApiToken t;
  bool insert = true;
  if (auto it = by_hash_.find(secret_hash); it != by_hash_.end()) {
    t = it->second.row;
    if (t.status == zone::kTokenStatusActive && t.policies_json == zone::kAllPolicies && t.not_before.empty() &&
        t.expires_on.empty() && t.condition_json == "{}") {
      return {};
    }
    insert = false;
    t.modified_on = now_text();
  } else {
    t.id = zone::new_id();
    t.name = "api-token";
    t.secret_hash = secret_hash;
    t.created_on = now_text();
  }
  t.status = std::string(zone::kTokenStatusActive);
  t.policies_json = std::string(zone::kAllPolicies);
  t.condition_json = "{}";
  t.not_before.clear();
  t.expires_on.clear();
  if (auto r = store_token(t, insert); !r) return r;
  auto entry = cache_entry(t);
  if (!entry) return entry.error();
  by_hash_[secret_hash] = std::move(*entry);
  return {};
}

const CachedToken* TokenRegistry::authenticate(const std::string& secret_hash, const std::string& address,
                                               std::chrono::system_clock::time_point now, Refusal* why) {
  (void)load();
  auto it = by_hash_.find(secret_hash);
  Refusal r = Refusal::kNone;
  const CachedToken* t = nullptr;
  if (it == by_hash_.end()) {
    r = Refusal::kUnknown;
  } else {
    t = &it->second;
    if (t->row.status == "expired") {
      r = Refusal::kExpired;
    } else if (t->row.status != zone::kTokenStatusActive) {
      r = Refusal::kDisabled;
    } else if (t->not_before && now < *t->not_before) {
      r = Refusal::kNotYetValid;
    } else if (t->expires_on && now >= *t->expires_on) {
      r = Refusal::kExpired;
    } else if (!t->ip_in.empty() && std::none_of(t->ip_in.begin(), t->ip_in.end(),
                                                  [&](const Cidr& c) { return c.contains(address); })) {
      r = Refusal::kAddress;
    } else if (std::any_of(t->ip_not_in.begin(), t->ip_not_in.end(),
                           [&](const Cidr& c) { return c.contains(address); })) {
      r = Refusal::kAddress;
    }
  }
  if (why != nullptr) *why = r;
  return t;
}

const CachedToken* TokenRegistry::by_id(const std::string& id) const {
  for (const auto& [h, t] : by_hash_) {
    if (t.row.id == id) return &t;
  }
  return nullptr;
}

HttpResponse TokenRegistry::verify(const CachedToken& self) {
  const auto now = std::chrono::system_clock::now();
  OJson r{{"id", self.row.id}, {"status", token_json(self, now)["status"]}};
  if (!self.row.not_before.empty()) r["not_before"] = self.row.not_before;
  if (!self.row.expires_on.empty()) r["expires_on"] = self.row.expires_on;
  return ok(r, {control::ApiMessage{10000, "This API Token is valid and active"}});
}

namespace {

// The fields create and update share; fills t. Errors name the field.
Result<void> token_fields(const InJson& b, zone::ApiToken& t) {
  auto name = b.find("name");
  if (name == b.end() || !name->is_string() || name->get<std::string>().empty()) {
    return Error{"name is required (a non-empty string)", kBadToken};
  }
  if (name->get<std::string>().size() > 120) return Error{"name: at most 120 characters", kBadToken};
  auto pol = b.find("policies");
  if (pol == b.end()) return Error{"policies is required", kBadToken};
  auto policies = canonical_policies(*pol);
  if (!policies) return policies.error();
  auto cond = canonical_condition(b);
  if (!cond) return cond.error();
  auto nb = time_field(b, "not_before");
  if (!nb) return nb.error();
  auto ex = time_field(b, "expires_on");
  if (!ex) return ex.error();
  if (*nb && *ex && **ex <= **nb) return Error{"expires_on must come after not_before", kBadToken};
  t.name = name->get<std::string>();
  t.policies_json = policies->dump();
  t.condition_json = cond->dump();
  t.not_before = *nb ? seconds_text(**nb) : std::string();
  t.expires_on = *ex ? seconds_text(**ex) : std::string();
  return {};
}

}  // namespace

HttpResponse TokenRegistry::create(const std::string& body) {
  auto b = parse_body(body);
  if (!b) return fail(b.error());
  zone::ApiToken t;
  if (auto f = token_fields(*b, t); !f) return bad(f.error().message);
  const std::string secret = new_token_secret();
  t.id = zone::new_id();
  t.secret_hash = sha256_hex(secret);
  t.created_on = now_text();
  t.modified_on = t.created_on;
  if (auto r = store_token(t, true); !r) return store_fail(r.error());
  auto entry = cache_entry(t);
  if (!entry) return store_fail(entry.error());
  auto [it, _] = by_hash_.insert_or_assign(t.secret_hash, std::move(*entry));
  OJson j = token_json(it->second, std::chrono::system_clock::now());
  j["value"] = secret;
  return ok(j);
}

HttpResponse TokenRegistry::update(const std::string& id, const std::string& body) {
  const CachedToken* cur = by_id(id);
  if (cur == nullptr) return fail(kTokenNotFound, "Token " + id + " not found");
  auto b = parse_body(body);
  if (!b) return fail(b.error());
  zone::ApiToken t = cur->row;
  if (auto f = token_fields(*b, t); !f) return bad(f.error().message);
  if (auto s = b->find("status"); s != b->end() && !s->is_null()) {
    if (!s->is_string() || (*s != "active" && *s != "disabled" && *s != "expired")) {
      return bad("status must be \"active\", \"disabled\" or \"expired\"");
    }
    t.status = s->get<std::string>();
  }
  t.modified_on = now_text();
  if (auto r = store_token(t, false); !r) return store_fail(r.error());
  auto entry = cache_entry(t);
  if (!entry) return store_fail(entry.error());
  auto [it, _] = by_hash_.insert_or_assign(t.secret_hash, std::move(*entry));
  return ok(token_json(it->second, std::chrono::system_clock::now()));
}

HttpResponse TokenRegistry::roll(const std::string& id) {
  const CachedToken* cur = by_id(id);
  if (cur == nullptr) return fail(kTokenNotFound, "Token " + id + " not found");
  zone::ApiToken t = cur->row;
  const std::string old_hash = t.secret_hash;
  const std::string secret = new_token_secret();
  t.secret_hash = sha256_hex(secret);
  t.modified_on = now_text();
  if (auto r = store_token(t, false); !r) return store_fail(r.error());
  auto entry = cache_entry(t);
  if (!entry) return store_fail(entry.error());
  by_hash_.erase(old_hash);
  by_hash_.insert_or_assign(t.secret_hash, std::move(*entry));
  return ok(secret);
}

HttpResponse TokenRegistry::remove(const std::string& id) {
  const CachedToken* cur = by_id(id);
  if (cur == nullptr) return fail(kTokenNotFound, "Token " + id + " not found");
  const std::string hash = cur->row.secret_hash;
  auto tx = c_.store().begin();
  if (!tx) return store_fail(tx.error());
  if (auto r = tx->delete_token(id); !r) return store_fail(r.error());
  if (auto r = tx->commit(); !r) return store_fail(r.error());
  by_hash_.erase(hash);
  return ok(OJson{{"id", id}});
}

HttpResponse TokenRegistry::get(const std::string& id) {
  const CachedToken* cur = by_id(id);
  if (cur == nullptr) return fail(kTokenNotFound, "Token " + id + " not found");
  return ok(token_json(*cur, std::chrono::system_clock::now()));
}

HttpResponse TokenRegistry::list(const Query& query) {
  std::vector<const CachedToken*> all;
  for (const auto& [h, t] : by_hash_) all.push_back(&t);
  std::sort(all.begin(), all.end(), [](const CachedToken* a, const CachedToken* b) {
    return std::tie(a->row.created_on, a->row.id) < std::tie(b->row.created_on, b->row.id);
  });
  if (auto d = query.get("direction"); d && *d == "desc") std::reverse(all.begin(), all.end());
  auto paging = parse_paging(query, 20, 1000);
  if (!paging) return fail(paging.error());
  const auto [b, e] = page_bounds(*paging, all.size());
  const auto now = std::chrono::system_clock::now();
  OJson out = OJson::array();
  for (size_t i = b; i < e; ++i) out.push_back(token_json(*all[i], now));
  const OJson info = result_info(*paging, e - b, all.size());
  return ok(out, {}, &info);
}

HttpResponse TokenRegistry::groups(const Query& query) {
  const auto name = query.get("name");
  const auto scope = query.get("scope");
  OJson out = OJson::array();
  for (const auto& g : kGroups) {
    if (name && *name != g.name) continue;
    if (scope && *scope != scope_name(g.scope)) continue;
    out.push_back(OJson{{"id", g.id},
                        {"name", g.name},
                        {"description", g.description},
                        {"scopes", OJson::array({scope_name(g.scope)})}});
  }
  return ok(out);
}

}  // namespace dnsedge::api
