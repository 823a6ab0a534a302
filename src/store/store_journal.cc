// The store's zone-transfer tables (xfr objects, the IXFR journal, served views, secondary
// data): reads (Reader) and writes (Transaction). See store.h.

#include "store/store.h"

#include "store/store_db.h"

namespace dnsedge::store {

using namespace internal;

// ---- zone transfers (migration 2) -----------------------------------------------------------

Result<std::vector<XfrObject>> Reader::list_xfr_objects(std::string_view kind) {
  Query q(db(), "SELECT kind, id, scope, body FROM xfr_objects WHERE kind = ?1 ORDER BY rowid",
          what("list xfr objects", kind));
  q.bind(kind);
  return collect<XfrObject>(q, [](const Query& row) { return XfrObject{row.text(0), row.text(1), row.text(2), row.text(3)}; });
}

Result<std::vector<std::string>> Reader::xfr_journal(std::string_view zone) {
  Query q(db(), "SELECT diff FROM xfr_journal WHERE zone = ?1 ORDER BY seq", what("read xfr journal of", zone));
  q.bind(zone);
  return collect<std::string>(q, [](const Query& row) { return row.blob(0); });
}

Result<std::optional<ServedView>> Reader::served_view(std::string_view zone) {
  Query q(db(), "SELECT serial, digest FROM served_views WHERE zone = ?1", what("read served view of", zone));
  q.bind(zone);
  return first<ServedView>(q, [](const Query& row) { return ServedView{static_cast<uint32_t>(row.i64(0)), row.text(1)}; });
}

Result<void> Transaction::put_xfr_object(const XfrObject& o) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "INSERT OR REPLACE INTO xfr_objects (kind, id, scope, body) VALUES (?1, ?2, ?3, ?4)",
          what("put xfr object", o.id));
  auto r = q.bind(o.kind, o.id, o.scope, o.body).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::delete_xfr_object(std::string_view kind, std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "DELETE FROM xfr_objects WHERE kind = ?1 AND id = ?2", what("delete xfr object", id));
  auto r = q.bind(kind, id).run();
  if (!r) return r.error();
  if (*r == 0) return store_error(StoreErrc::kNotFound, std::string(kind) + " " + std::string(id) + " not found");
  return {};
}

Result<void> Transaction::append_xfr_journal(std::string_view zone, uint32_t from, uint32_t to, std::string_view diff,
                                             size_t keep) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  {
    Query q(*db_, "INSERT INTO xfr_journal (zone, serial_from, serial_to, diff) VALUES (?1, ?2, ?3, ?4)",
            what("append xfr journal of", zone));
    auto r = q.bind(zone, from, to, Blob{diff}).run();
    if (!r) return r.error();
  }
  // Keeps the zone's newest `keep` entries: everything up to the (keep+1)-th newest goes. The
  // bound is one walk down the (zone, seq) index, cheap enough for every write's transaction.
  Query q(*db_,
          "DELETE FROM xfr_journal WHERE zone = ?1 AND seq <="
          " (SELECT seq FROM xfr_journal WHERE zone = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
          what("compact xfr journal of", zone));
  auto r = q.bind(zone, static_cast<int64_t>(keep)).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::put_served_view(std::string_view zone, uint32_t serial, std::string_view digest) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "INSERT OR REPLACE INTO served_views (zone, serial, digest) VALUES (?1, ?2, ?3)",
          what("put served view of", zone));
  auto r = q.bind(zone, serial, digest).run();
  if (!r) return r.error();
  return {};
}

Result<std::optional<SecondaryData>> Reader::secondary_data(std::string_view zone_id) {
  Query q(db(), "SELECT serial, data, confirmed_on FROM secondary_data WHERE zone_id = ?1",
          what("read secondary data of zone", zone_id));
  q.bind(zone_id);
  return first<SecondaryData>(q, [](const Query& row) {
    return SecondaryData{static_cast<uint32_t>(row.i64(0)), row.text(1), row.i64(2)};
  });
}

Result<void> Transaction::put_secondary_data(std::string_view zone_id, const SecondaryData& d) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "INSERT OR REPLACE INTO secondary_data (zone_id, serial, data, confirmed_on) VALUES (?1, ?2, ?3, ?4)",
          what("put secondary data of zone", zone_id));
  auto r = q.bind(zone_id, d.serial, d.text, d.confirmed_on).run();
  if (!r) return r.error();
  return {};
}

}  // namespace dnsedge::store
