// The store's DNS analytics (migration 7): reads (Reader) and writes (Transaction). See store.h.

#include "store/store.h"

#include "store/store_db.h"

namespace dnsedge::store {

using namespace internal;

Result<std::vector<AnalyticsRow>> Reader::analytics_rows(int64_t since_minute) {
  Query q(db(),
          "SELECT minute, zone, name, qtype, rcode, kind, count, time_us FROM dns_analytics WHERE minute >= ?1"
          " ORDER BY minute",
          "read DNS analytics");
  q.bind(since_minute);
  return collect<AnalyticsRow>(q, [](const Query& r) {
    AnalyticsRow a;
    a.minute = r.i64(0);
    a.zone = r.text(1);
    a.name = r.text(2);
    a.qtype = r.i64(3);
    a.rcode = r.i64(4);
    a.kind = r.i64(5);
    a.count = r.i64(6);
    a.time_us = r.i64(7);
    return a;
  });
}

Result<void> Transaction::replace_analytics_minute(int64_t minute, const std::vector<AnalyticsRow>& rows) {
  if (auto ok = still_open(db_); !ok) return ok;
  {
    Query q(*db_, "DELETE FROM dns_analytics WHERE minute = ?1", "replace DNS analytics minute");
    auto n = q.bind(minute).run();
    if (!n) return n.error();
  }
  for (const AnalyticsRow& r : rows) {
    Query q(*db_,
            "INSERT INTO dns_analytics (minute, zone, name, qtype, rcode, kind, count, time_us)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            "insert DNS analytics row");
    auto n = q.bind(minute, r.zone, r.name, r.qtype, r.rcode, r.kind, r.count, r.time_us).run();
    if (!n) return n.error();
  }
  return {};
}

Result<int64_t> Transaction::prune_analytics(int64_t before_minute) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "DELETE FROM dns_analytics WHERE minute < ?1", "prune DNS analytics");
  return q.bind(before_minute).run();
}

}  // namespace dnsedge::store
