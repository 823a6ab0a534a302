#pragma once
// Scoped API tokens, as Cloudflare's token model (docs/api.md "Tokens and permissions"):
//
//   - permission groups with stable ids (Cloudflare's own where it has one): each grants read or
//     write on one area (DNS records, zone, zone settings, ...) of one kind of resource (a zone,
//     an account, the user); write includes read;
//   - a token holds policies {effect: allow|deny, permission_groups, resources}; resources name
//     one zone ("com.cloudflare.api.account.zone.<id>"), every zone ("...account.zone.*"), every
//     zone of an account ("com.cloudflare.api.account.<id>": {"com.cloudflare.api.account.zone.*":
//     "*"}), an account ("com.cloudflare.api.account.<id>" or "...account.*") or the user
//     ("com.cloudflare.api.user.<id>" or "...user.*"; dnsedge has one user);
//   - a request is allowed when an allow policy grants it on the target and no deny policy
//     takes it away (a denied read also denies the write);
//   - not_before, expires_on and condition.request_ip ({in, not_in} CIDR lists) bound when and
//     from where the token is accepted.
//
// Tokens (the store's api_tokens rows) are cached by TokenRegistry, which also serves
// /user/tokens[/{id}] and /user/tokens/permission_groups.
//
// Thread safety: TokenRegistry runs on the controller's writer thread only (like Api::handle()).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http.h"
#include "api/list_query.h"
#include "common/result.h"
#include "control/controller.h"
#include "zone/record.h"

namespace dnsedge::api {

enum class Access : uint8_t { kRead, kWrite };
// What a permission group is about.
// kAnalytics is read-only (Cloudflare has no Analytics Write).
enum class Area : uint8_t {
  kZone,
  kDns,
  kDnsSettings,
  kZoneSettings,
  kFirewall,
  kAccount,
  kAccountDns,
  kTokens,
  kAnalytics
};
// The kind of resource a permission group applies to.
enum class Scope : uint8_t { kZone, kAccount, kUser };

struct PermissionGroup {
  std::string_view id;
  std::string_view name;
  std::string_view description;
  Scope scope;
  Area area;
  Access access;
};

std::span<const PermissionGroup> permission_groups();
const PermissionGroup* find_permission_group(std::string_view id);
// "com.cloudflare.api.account.zone", "com.cloudflare.api.account", "com.cloudflare.api.user".
std::string_view scope_name(Scope s);

// What a request acts on. Zone targets carry the zone's account; a zone target with zone_id
// "*" stands for every zone of account_id (creating a zone there).
struct Target {
  Scope scope = Scope::kUser;
  std::string zone_id;
  std::string account_id;
};

// A parsed policies_json.
class TokenScope {
 public:
  // From a stored policies_json (a JSON array of canonical policies, or zone::kAllPolicies).
  static Result<TokenScope> parse(std::string_view policies_json);
  // Every permission on every resource.
  static TokenScope all();

  // `area` nullopt: any area of the target's scope (zone visibility).
  bool allows(std::optional<Area> area, Access access, const Target& t) const;
  bool is_all() const noexcept { return all_; }

 private:
  enum class Kind : uint8_t { kZone, kAllZones, kAccountZones, kAccount, kAllAccounts, kUser };
  struct Resource {
    Kind kind;
    std::string id;       // zone id (kZone), account id (kAccountZones, kAccount)
    std::string account;  // kZone given under an account key: that account
  };
  struct Policy {
    bool allow = true;
    std::vector<const PermissionGroup*> groups;
    std::vector<Resource> resources;
  };
  static bool covers(const Resource& r, const Target& t);
  bool all_ = false;
  std::vector<Policy> policies_;
};

// An IPv4 or IPv6 block, "192.0.2.0/24", "2001:db8::/32" (a bare address is a /32 or /128).
struct Cidr {
  int family = 4;
  uint8_t bytes[16] = {};
  unsigned length = 0;
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(std::string_view address) const;  // textual address; IPv4-mapped IPv6 counts as IPv4
};

// A stored token with what authentication needs, parsed once.
struct CachedToken {
  zone::ApiToken row;
  TokenScope scope;
  std::vector<Cidr> ip_in, ip_not_in;
  std::optional<std::chrono::system_clock::time_point> not_before, expires_on;
};

// Why a presented token is refused.
enum class Refusal : uint8_t { kNone, kUnknown, kDisabled, kExpired, kNotYetValid, kAddress };
std::string_view refusal_text(Refusal r);

class TokenRegistry {
 public:
  explicit TokenRegistry(control::Controller& c) : c_(c) {}

  // Makes the token with this secret hash exist, active, with every permission (the
  // --api-token): created as "api-token" when missing.
  [[nodiscard]] Result<void> bootstrap(const std::string& secret_hash);
  bool empty();

  // The token whose secret hashes to `secret_hash` (nullptr: none); `*why` says whether it may
  // be used now from `address` (Refusal::kNone) or why not.
  const CachedToken* authenticate(const std::string& secret_hash, const std::string& address,
                                  std::chrono::system_clock::time_point now, Refusal* why);

  // The /user/tokens endpoints (api/routes.h routes them here; the tokens are loaded by
  // authenticate()). `id`: a token id (32 hex). `self`: the token in use.
  HttpResponse verify(const CachedToken& self);
  HttpResponse list(const Query& query);
  HttpResponse create(const std::string& body);
  HttpResponse get(const std::string& id);
  HttpResponse update(const std::string& id, const std::string& body);
  HttpResponse remove(const std::string& id);
  HttpResponse roll(const std::string& id);
  HttpResponse groups(const Query& query);

 private:
  Result<void> load();
  Result<CachedToken> cache_entry(const zone::ApiToken& row) const;
  const CachedToken* by_id(const std::string& id) const;
  Result<void> store_token(const zone::ApiToken& t, bool insert);

  control::Controller& c_;
  bool loaded_ = false;
  std::map<std::string, CachedToken> by_hash_;
};

// The token object of the API (no secret): id, name, status, issued_on, modified_on,
// not_before, expires_on, last_used_on, policies, condition.
nlohmann::ordered_json token_json(const CachedToken& t, std::chrono::system_clock::time_point now);

// An RFC 3339 time as zone::parse_rfc3339 reads it, in the years 1970..2261 (what the system
// clock holds: a later year would overflow it).
Result<std::chrono::system_clock::time_point> parse_api_time(std::string_view text);

// A new token secret: 40 characters of [A-Za-z0-9_-] (240 random bits), as long as Cloudflare's.
std::string new_token_secret();

}  // namespace dnsedge::api
