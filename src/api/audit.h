#pragma once
// The API's audit trail and its defences against token guessing (docs/api.md "Audit log"):
//
//   - AuthThrottle: failed authentications counted per source (an IPv4 address, an IPv6 /64);
//     kAuthFailureLimit failures within kAuthFailureWindow block that source until the window
//     ends: every request from it is answered 429 with Retry-After, valid token or not (so a
//     guesser learns nothing from the answers).
//   - LogLimiter: "authentication failed from ADDR" lines at most kLogLinesPerMinute a minute;
//     the next line says how many were left out.
//   - audit_logs_json(): the store's audit_log entries in Cloudflare's audit log shape, for
//     GET /accounts/{account_id}/audit_logs.
//
// Thread safety: none; the controller's writer thread only (like Api::handle()).

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "api/json_io.h"
#include "api/list_query.h"
#include "common/result.h"
#include "store/store.h"

namespace dnsedge::api {

inline constexpr uint32_t kAuthFailureLimit = 10;
inline constexpr std::chrono::seconds kAuthFailureWindow{60};
inline constexpr uint32_t kLogLinesPerMinute = 10;

class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit AuthThrottle(uint32_t limit = kAuthFailureLimit, Clock::duration window = kAuthFailureWindow)
      : limit_(limit), window_(window) {}

  // Whole seconds until `address` may be heard again (rounded up); 0 when it may now.
  int64_t retry_after(const std::string& address, Clock::time_point now) const;
  void failure(const std::string& address, Clock::time_point now);
  size_t tracked() const noexcept { return by_source_.size(); }

 private:
  struct Entry {
    Clock::time_point window_start;
    uint32_t failures = 0;
  };
  uint32_t limit_;
  Clock::duration window_;
  std::unordered_map<std::string, Entry> by_source_;
};

// The throttling key of an address: itself for IPv4 (and IPv4-mapped IPv6), its /64 for IPv6.
std::string source_key(const std::string& address);

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogLimiter(uint32_t per_minute = kLogLinesPerMinute) : per_minute_(per_minute) {}
  // True if a line may be written now; `*skipped` is then the number of lines left out since the
  // last one written.
  bool allow(Clock::time_point now, uint64_t* skipped);

 private:
  uint32_t per_minute_;
  Clock::time_point window_start_{};
  uint32_t written_ = 0;
  uint64_t skipped_ = 0;
};

// One audit entry in Cloudflare's shape: {id, when, action: {type, result}, actor: {id, type:
// "token", ip}, interface: "API", owner: {id}, resource: {id, type}, metadata}.
OJson audit_json(const zone::AuditEntry& e);

// The query of GET /accounts/{id}/audit_logs (since, before: RFC 3339 times or YYYY-MM-DD dates;
// direction desc (default) | asc; page; per_page 1..1000, default 100) as a store query;
// kBadQuery names the parameter that is wrong.
Result<store::AuditQuery> audit_query(const Query& q, const std::string& account_id, Paging* paging);

}  // namespace dnsedge::api
