#include "api/audit.h"

#include "api/tokens.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace dnsedge::api {

std::string source_key(const std::string& address) {
  uint8_t a[16];
  if (inet_pton(AF_INET6, address.c_str(), a) != 1) return address;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a, kMapped, 12) == 0) {
    char buf[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, a + 12, buf, sizeof buf) != nullptr ? std::string(buf) : address;
  }
  std::memset(a + 8, 0, 8);
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, a, buf, sizeof buf) == nullptr) return address;
  return std::string(buf) + "/64";
}

int64_t AuthThrottle::retry_after(const std::string& address, Clock::time_point now) const {
  auto it = by_source_.find(source_key(address));
  if (it == by_source_.end() || it->second.failures < limit_) return 0;
  const auto end = it->second.window_start + window_;
  if (now >= end) return 0;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now).count();
  return (left + 999) / 1000;
}

void AuthThrottle::failure(const std::string& address, Clock::time_point now) {
  // Bounded memory: sources whose window ended are forgotten when the table grows large.
  constexpr size_t kMaxSources = 65536;
  if (by_source_.size() >= kMaxSources) {
    std::erase_if(by_source_, [&](const auto& kv) { return now >= kv.second.window_start + window_; });
    if (by_source_.size() >= kMaxSources) by_source_.clear();
  }
  Entry& e = by_source_[source_key(address)];
  if (e.failures == 0 || now >= e.window_start + window_) {
    e.window_start = now;
    e.failures = 0;
  }
  ++e.failures;
}

bool LogLimiter::allow(Clock::time_point now, uint64_t* skipped) {
  if (now >= window_start_ + std::chrono::minutes(1)) {
    window_start_ = now;
    written_ = 0;
  }
  if (written_ >= per_minute_) {
    ++skipped_;
    return false;
  }
  ++written_;
  *skipped = std::exchange(skipped_, 0);
  return true;
}

OJson audit_json(const zone::AuditEntry& e) {
  OJson meta = OJson::parse(e.metadata_json, nullptr, false);
  if (meta.is_discarded() || !meta.is_object()) meta = OJson::object();
  return OJson{{"id", e.id},
               {"when", e.time},
               {"action", {{"type", e.action}, {"result", e.result}}},
               {"actor", {{"id", e.actor_id}, {"type", "token"}, {"ip", e.actor_ip}}},
               {"interface", "API"},
               {"owner", {{"id", e.account_id}}},
               {"resource", {{"id", e.resource_id}, {"type", e.resource_type}}},
               {"metadata", meta}};
}

namespace {

// An RFC 3339 time or a YYYY-MM-DD date (its midnight, UTC), as format_rfc3339 writes it.
Result<std::string> time_param(const std::string& name, const std::string& v) {
  std::string t = v;
  if (t.size() == 10) t += "T00:00:00Z";
  auto p = parse_api_time(t);
  if (!p) return Error{name + " must be an RFC 3339 time (2026-12-06T10:00:00Z) or a date (2026-12-06), not \"" + v + "\"",
                       kBadQuery};
  return zone::format_rfc3339(*p);
}

}  // namespace

Result<store::AuditQuery> audit_query(const Query& q, const std::string& account_id, Paging* paging) {
  store::AuditQuery aq;
  aq.account_id = account_id;
  if (auto s = q.get("since")) {
    auto t = time_param("since", *s);
    if (!t) return t.error();
    aq.since = *t;
  }
  if (auto b = q.get("before")) {
    auto t = time_param("before", *b);
    if (!t) return t.error();
    aq.before = *t;
  }
  if (auto d = q.get("direction")) {
    if (*d != "asc" && *d != "desc") return Error{"direction must be asc or desc, not \"" + *d + "\"", kBadQuery};
    aq.newest_first = *d == "desc";
  }
  auto p = parse_paging(q, 100, 1000);
  if (!p) return p.error();
  *paging = *p;
  aq.limit = p->per_page;
  aq.offset = std::min<int64_t>(p->page - 1, INT64_MAX / p->per_page) * p->per_page;
  return aq;
}

}  // namespace dnsedge::api
