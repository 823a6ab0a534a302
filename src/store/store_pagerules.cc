// The store's page rules (migration 6): reads (Reader) and writes (Transaction). See store.h.

#include "store/store.h"

#include "store/store_db.h"

namespace dnsedge::store {

using namespace internal;

namespace {

constexpr const char* kColumns = "id, zone_id, pattern, url, status_code, priority, status, created_on, modified_on";

PageRuleRow read_page_rule(const Query& q) {
  PageRuleRow r;
  r.id = q.text(0);
  r.zone_id = q.text(1);
  r.pattern = q.text(2);
  r.url = q.text(3);
  r.status_code = static_cast<int>(q.i64(4));
  r.priority = q.i64(5);
  r.status = q.text(6);
  r.created_on = q.text(7);
  r.modified_on = q.text(8);
  return r;
}

}  // namespace

Result<std::vector<PageRuleRow>> Reader::list_page_rules(std::string_view zone_id) {
  static const std::string sql =
      std::string("SELECT ") + kColumns + " FROM page_rules WHERE zone_id = ?1 ORDER BY created_on, id";
  Query q(db(), sql.c_str(), what("list page rules of zone", zone_id));
  q.bind(zone_id);
  return collect<PageRuleRow>(q, read_page_rule);
}

Result<void> Transaction::insert_page_rule(const PageRuleRow& r) {
  if (auto ok = still_open(db_); !ok) return ok;
  static const std::string sql =
      std::string("INSERT INTO page_rules (") + kColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
  Query q(*db_, sql.c_str(), what("insert page rule", r.id));
  auto n =
      q.bind(r.id, r.zone_id, r.pattern, r.url, r.status_code, r.priority, r.status, r.created_on, r.modified_on).run();
  if (!n) return n.error();
  return {};
}

Result<void> Transaction::update_page_rule(const PageRuleRow& r) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "UPDATE page_rules SET pattern = ?3, url = ?4, status_code = ?5, priority = ?6, status = ?7,"
          " modified_on = ?8 WHERE id = ?1 AND zone_id = ?2",
          what("update page rule", r.id));
  return expect_one(q.bind(r.id, r.zone_id, r.pattern, r.url, r.status_code, r.priority, r.status, r.modified_on).run(),
                    StoreErrc::kNotFound, "page rule " + r.id + " not found in zone " + r.zone_id);
}

Result<void> Transaction::delete_page_rule(std::string_view zone_id, std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM page_rules WHERE id = ?1 AND zone_id = ?2", what("delete page rule", id));
  return expect_one(q.bind(id, zone_id).run(), StoreErrc::kNotFound,
                    "page rule " + std::string(id) + " not found in zone " + std::string(zone_id));
}

}  // namespace dnsedge::store
