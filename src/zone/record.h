#pragma once
// The plain data model shared by store, control and api: zones, accounts, records, zone
// settings, Spectrum-style apps, API tokens and audit-log entries, plus the two helpers
// every writer needs to stamp a new object: a random id and an RFC 3339 timestamp.
//
// These are value types with no behaviour and no validation: a Record here may hold anything.
// Validation (names, content per type, proxiable, TTL range, Cloudflare error codes) belongs to
// the zone validator and the API; the store only enforces integrity (ids, lowercase names, JSON
// well-formedness, uniqueness; see store/store.h).
//
// Text conventions, as the Cloudflare v4 API shows them:
//   - ids are 32 lowercase hex digits ("023e105f4ecef8ad9ca31a8372d0c353"), see new_id();
//   - names are lowercase FQDNs without the trailing dot ("www.example.com");
//   - timestamps are RFC 3339 UTC with microseconds ("2026-11-26T08:00:00.123456Z");
//   - *_json fields hold JSON text; an empty string means JSON null / absent where the field is
//     nullable (Record::data_json, Record::comment), and the store maps it to SQL NULL.
//
// Thread safety: the structs are plain values. new_id() and now_rfc3339() may be called from any
// thread. A FakeClock may be read from any thread while one thread sets or advances it.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace dnsedge::zone {

// An owner of zones. A default one is created when none exists (Store::ensure_default_account).
struct Account {
  std::string id;
  std::string name;
  std::string created_on;

  bool operator==(const Account&) const = default;
};

inline constexpr std::string_view kZoneTypeFull = "full";
inline constexpr std::string_view kZoneTypeSecondary = "secondary";
inline constexpr std::string_view kZoneStatusActive = "active";

struct Zone {
  std::string id;
  std::string name;  // "example.com": lowercase, no trailing dot; never changes
  std::string account_id;
  std::string status{kZoneStatusActive};  // initializing | pending | active | moved
  std::string type{kZoneTypeFull};        // full | secondary
  // The SOA serial the store keeps for this zone. Written only by insert_zone (initial value)
  // and Transaction::bump_serial; update_zone ignores it.
  uint32_t serial = 1;
  std::string created_on;
  std::string modified_on;

  bool operator==(const Zone&) const = default;
};

// One record as the API shows it. SOA and apex NS of API zones are generated, never stored.
struct Record {
  std::string id;
  std::string zone_id;
  std::string name;     // FQDN, lowercase, no trailing dot: "www.example.com"
  std::string type;     // uppercase mnemonic: "A", "MX", "TYPE65534"
  std::string content;  // presentation text as the API shows it (SRV: "weight port target")
  uint32_t ttl = 1;     // 1 = automatic (300 s)
  bool proxied = false;
  std::optional<uint16_t> priority;  // MX, SRV, URI
  std::string data_json;             // structured types (SRV, CAA, ...); "" = null
  std::string settings_json = "{}";  // {"ipv4_only":..,"ipv6_only":..,"flatten_cname":..}
  std::string comment;               // "" = null
  std::string tags_json = "[]";      // JSON array of "name:value" strings
  std::string created_on;
  std::string modified_on;

  bool operator==(const Record&) const = default;
};

// One zone setting: key -> JSON value text. The value is JSON, so a string is stored quoted:
// key "cname_flattening", value_json "\"flatten_all\"".
struct ZoneSetting {
  std::string zone_id;
  std::string key;
  std::string value_json;
  std::string modified_on;

  bool operator==(const ZoneSetting&) const = default;
};

// A Spectrum-style TCP app (docs/edge.md). The store keeps its configuration as one JSON object
// ({"protocol":"tcp/25","dns":{...},"origin_direct":[...],"proxy_protocol":"v1",...}); the api
// and edge modules own its shape.
struct SpectrumApp {
  std::string id;
  std::string zone_id;
  std::string config_json = "{}";
  std::string created_on;
  std::string modified_on;

  bool operator==(const SpectrumApp&) const = default;
};

inline constexpr std::string_view kTokenStatusActive = "active";

// The policies_json of a token that holds every permission on every resource: the --api-token's,
// and tokens stored before tokens had policies.
inline constexpr std::string_view kAllPolicies = "\"all\"";

// An API token. Only the SHA-256 of the secret is kept (64 lowercase hex digits); the secret is
// shown once at creation and never stored. Its scope (Cloudflare's token model) is kept as JSON
// the api module owns: policies_json is a JSON array of policies ({id, effect, permission_groups,
// resources}) or kAllPolicies; condition_json a JSON object ({"request_ip": {"in", "not_in"}}).
struct ApiToken {
  std::string id;
  std::string name;
  std::string secret_hash;                 // SHA-256 of the secret, 64 lowercase hex digits
  std::string status{kTokenStatusActive};  // active | disabled | expired
  std::string created_on;
  std::string policies_json{"[]"};
  std::string condition_json{"{}"};
  std::string not_before;   // RFC 3339; "" = no lower bound
  std::string expires_on;   // RFC 3339; "" = never expires
  std::string modified_on;  // "" = never modified (created_on)

  bool operator==(const ApiToken&) const = default;
};

// One entry of the audit log: a write through the API (what, by which token, from where, with
// what outcome) or a failed authentication. `metadata_json` is a JSON object.
struct AuditEntry {
  int64_t seq = 0;          // assigned by the store, increasing
  std::string id;           // 32 lowercase hex digits
  std::string time;         // RFC 3339 (format_rfc3339)
  std::string account_id;   // the account it belongs to
  std::string action;       // "create" | "update" | "delete" | "authenticate"
  bool result = false;      // the request succeeded
  int status = 0;           // HTTP status answered
  std::string actor_id;     // token id; "" when no token was recognized
  std::string actor_ip;     // the client's address
  std::string method;       // "POST"
  std::string path;         // "/client/v4/zones/.../dns_records"
  std::string zone_id;      // "" when not zone-scoped
  std::string resource_type;
  std::string resource_id;
  std::string metadata_json{"{}"};

  bool operator==(const AuditEntry&) const = default;
};

// --- ids ---------------------------------------------------------------------------------------

// Fills buf with n bytes from the kernel CSPRNG (getrandom(2), retried on EINTR and short reads).
// Aborts the process if the kernel cannot provide randomness (ENOSYS on pre-3.17 kernels):
// ids and token secrets must never come from a weak source.
void random_bytes(void* buf, size_t n);

// n random bytes as 2n lowercase hex digits.
std::string random_hex(size_t n);

// A new object id: 128 random bits as 32 lowercase hex digits, e.g.
// "9a7806061c88ada191ed06f989cc3dac".
std::string new_id();

// True if s is exactly 32 lowercase hex digits.
bool is_id(std::string_view s) noexcept;

// --- time --------------------------------------------------------------------------------------

// Wall-clock time source; code that stamps objects takes a Clock& so tests can inject FakeClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

// A clock that only moves when told to. Microsecond resolution.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start) { set(start); }
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(
        std::chrono::microseconds(micros_.load(std::memory_order_acquire)));
  }
  void set(std::chrono::system_clock::time_point t) {
    micros_.store(
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count(),
        std::memory_order_release);
  }
  void advance(std::chrono::microseconds d) {
    micros_.fetch_add(d.count(), std::memory_order_acq_rel);
  }

 private:
  std::atomic<int64_t> micros_{0};
};

// RFC 3339 UTC with exactly six fractional digits, truncated (not rounded) to the microsecond:
// 2026-11-26 08:00:00.1234567 UTC -> "2026-11-26T08:00:00.123456Z".
// REQUIRES: t lies in years 0000..9999.
std::string format_rfc3339(std::chrono::system_clock::time_point t);

// Parses exactly the form format_rfc3339 writes ("YYYY-MM-DDTHH:MM:SS.ffffffZ"), plus
// "YYYY-MM-DDTHH:MM:SSZ" without a fraction. Other offsets and forms are rejected.
Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

std::string now_rfc3339(const Clock& clock);
std::string now_rfc3339();  // system clock

}  // namespace dnsedge::zone
