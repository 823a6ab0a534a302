// The store's accounts, zones (and their serials), records and zone settings: reads (Reader)
// and writes (Transaction). See store.h.

#include "store/store.h"

#include "store/store_db.h"

namespace dnsedge::store {

using namespace internal;

Result<std::vector<zone::Account>> Reader::list_accounts() {
  Query q(db(), "SELECT id, name, created_on FROM accounts ORDER BY created_on, id",
          "list accounts");
  return collect<zone::Account>(q, read_account);
}

Result<std::optional<zone::Account>> Reader::get_account(std::string_view id) {
  Query q(db(), "SELECT id, name, created_on FROM accounts WHERE id = ?1", what("get account", id));
  q.bind(id);
  return first<zone::Account>(q, read_account);
}

Result<std::vector<zone::Zone>> Reader::list_zones(const ZoneQuery& zq) {
  Query q(db(),
          "SELECT id, name, account_id, status, type, serial, created_on, modified_on FROM zones"
          " WHERE (?1 IS NULL OR name = ?1) AND (?2 IS NULL OR account_id = ?2)"
          " AND (?3 IS NULL OR status = ?3) ORDER BY name",
          "list zones");
  q.bind(NullIfEmpty{zq.name ? std::string_view(*zq.name) : std::string_view()},
         NullIfEmpty{zq.account_id ? std::string_view(*zq.account_id) : std::string_view()},
         NullIfEmpty{zq.status ? std::string_view(*zq.status) : std::string_view()});
  return collect<zone::Zone>(q, read_zone);
}

Result<std::optional<zone::Zone>> Reader::get_zone(std::string_view id) {
  Query q(db(),
          "SELECT id, name, account_id, status, type, serial, created_on, modified_on FROM zones "
          "WHERE id = ?1",
          what("get zone", id));
  q.bind(id);
  return first<zone::Zone>(q, read_zone);
}

Result<std::optional<zone::Zone>> Reader::get_zone_by_name(std::string_view name) {
  Query q(db(),
          "SELECT id, name, account_id, status, type, serial, created_on, modified_on FROM zones "
          "WHERE name = ?1",
          what("get zone", name));
  q.bind(name);
  return first<zone::Zone>(q, read_zone);
}

Result<std::vector<zone::Record>> Reader::list_records(std::string_view zone_id) {
  Query q(db(),
          "SELECT id, zone_id, name, type, content, ttl, proxied, priority, data, settings,"
          " comment, tags, created_on, modified_on FROM records WHERE zone_id = ?1"
          " ORDER BY name, type, content, ifnull(priority, -1)",
          what("list records of zone", zone_id));
  q.bind(zone_id);
  return collect<zone::Record>(q, read_record);
}

Result<std::vector<zone::Record>> Reader::find_records(std::string_view zone_id,
                                                       std::string_view name,
                                                       std::string_view type) {
  if (type.empty()) {
    Query q(db(),
            "SELECT id, zone_id, name, type, content, ttl, proxied, priority, data, settings,"
            " comment, tags, created_on, modified_on FROM records WHERE zone_id = ?1 AND name = ?2"
            " ORDER BY name, type, content, ifnull(priority, -1)",
            what("find records", name));
    q.bind(zone_id, name);
    return collect<zone::Record>(q, read_record);
  }
  Query q(db(),
          "SELECT id, zone_id, name, type, content, ttl, proxied, priority, data, settings,"
          " comment, tags, created_on, modified_on FROM records WHERE zone_id = ?1 AND name = ?2"
          " AND type = ?3 ORDER BY name, type, content, ifnull(priority, -1)",
          what("find records", name));
  q.bind(zone_id, name, type);
  return collect<zone::Record>(q, read_record);
}

Result<std::optional<zone::Record>> Reader::get_record(std::string_view zone_id,
                                                       std::string_view id) {
  Query q(db(),
          "SELECT id, zone_id, name, type, content, ttl, proxied, priority, data, settings,"
          " comment, tags, created_on, modified_on FROM records WHERE id = ?1 AND zone_id = ?2",
          what("get record", id));
  q.bind(id, zone_id);
  return first<zone::Record>(q, read_record);
}

Result<int64_t> Reader::count_records(std::string_view zone_id) {
  Query q(db(), "SELECT count(*) FROM records WHERE zone_id = ?1", what("count records", zone_id));
  auto r = q.bind(zone_id).step();
  if (!r) return r.error();
  return q.i64(0);
}

Result<std::vector<zone::ZoneSetting>> Reader::list_settings(std::string_view zone_id) {
  Query q(db(),
          "SELECT zone_id, key, value, modified_on FROM zone_settings WHERE zone_id = ?1"
          " ORDER BY key",
          what("list settings of zone", zone_id));
  q.bind(zone_id);
  return collect<zone::ZoneSetting>(q, read_setting);
}

Result<std::optional<zone::ZoneSetting>> Reader::get_setting(std::string_view zone_id,
                                                             std::string_view key) {
  Query q(db(),
          "SELECT zone_id, key, value, modified_on FROM zone_settings"
          " WHERE zone_id = ?1 AND key = ?2",
          what("get setting", key));
  q.bind(zone_id, key);
  return first<zone::ZoneSetting>(q, read_setting);
}

Result<void> Transaction::insert_account(const zone::Account& a) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "INSERT INTO accounts (id, name, created_on) VALUES (?1, ?2, ?3)",
          what("insert account", a.id));
  auto r = q.bind(a.id, a.name, a.created_on).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::update_account(const zone::Account& a) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "UPDATE accounts SET name = ?2 WHERE id = ?1", what("update account", a.id));
  return expect_one(q.bind(a.id, a.name).run(), StoreErrc::kNotFound,
                    "account " + a.id + " not found");
}

Result<void> Transaction::delete_account(std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM accounts WHERE id = ?1", what("delete account", id));
  return expect_one(q.bind(id).run(), StoreErrc::kNotFound,
                    "account " + std::string(id) + " not found");
}

Result<uint32_t> Transaction::insert_zone(const zone::Zone& z) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  const std::string label = what("insert zone", z.name);
  uint32_t serial = z.serial;
  {
    Query q(*db_, "SELECT serial FROM zone_serial_floors WHERE name = ?1", label);
    auto row = q.bind(z.name).step();
    if (!row) return row.error();
    if (*row) {
      const auto floor = static_cast<uint32_t>(q.i64(0));
      if (!serial_after(serial, floor)) serial = floor + 1;  // wraps mod 2^32 (RFC 1982)
    }
  }
  {
    Query q(
        *db_,
        "INSERT INTO zones (id, name, account_id, status, type, serial, created_on, modified_on)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        label);
    auto r =
        q.bind(z.id, z.name, z.account_id, z.status, z.type, serial, z.created_on, z.modified_on)
            .run();
    if (!r) return r.error();
  }
  Query q(*db_, "DELETE FROM zone_serial_floors WHERE name = ?1", label);
  auto r = q.bind(z.name).run();
  if (!r) return r.error();
  return serial;
}

Result<void> Transaction::update_zone(const zone::Zone& z) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(
      *db_,
      "UPDATE zones SET account_id = ?2, status = ?3, type = ?4, modified_on = ?5 WHERE id = ?1",
      what("update zone", z.id));
  return expect_one(q.bind(z.id, z.account_id, z.status, z.type, z.modified_on).run(),
                    StoreErrc::kNotFound, "zone " + z.id + " not found");
}

Result<void> Transaction::delete_zone(std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  const std::string label = what("delete zone", id);
  {
    Query q(*db_,
            "INSERT INTO zone_serial_floors (name, serial) SELECT name, serial FROM zones"
            " WHERE id = ?1 ON CONFLICT (name) DO UPDATE SET serial = excluded.serial",
            label);
    auto r = q.bind(id).run();
    if (!r) return r.error();
  }
  Query q(*db_, "DELETE FROM zones WHERE id = ?1", label);
  return expect_one(q.bind(id).run(), StoreErrc::kNotFound,
                    "zone " + std::string(id) + " not found");
}

Result<uint32_t> Transaction::bump_serial(std::string_view zone_id) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_,
          "UPDATE zones SET serial = (serial + 1) & 4294967295 WHERE id = ?1 RETURNING serial",
          what("bump serial of zone", zone_id));
  auto row = q.bind(zone_id).step();
  if (!row) return row.error();
  if (!*row) {
    return store_error(StoreErrc::kNotFound, "zone " + std::string(zone_id) + " not found");
  }
  const auto serial = static_cast<uint32_t>(q.i64(0));
  auto done = q.step();
  if (!done) return done.error();
  return serial;
}

namespace {

// Turns SQLite's "UNIQUE constraint failed: index 'records_identity'" into the API's words.
Error record_error(Error e, const zone::Record& r) {
  if (is(e, StoreErrc::kDuplicate) && e.message.find("records_identity") != std::string::npos) {
    std::string m = "an identical record already exists: " + r.name + " " + r.type + " ";
    if (r.priority) m += std::to_string(*r.priority) + " ";
    m += r.content + " (" + e.message + ")";
    e.message = std::move(m);
  }
  return e;
}

}  // namespace

Result<void> Transaction::insert_record(const zone::Record& r) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "INSERT INTO records (id, zone_id, name, type, content, ttl, proxied, priority, data,"
          " settings, comment, tags, created_on, modified_on) VALUES"
          " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
          what("insert record", r.id));
  auto res = q.bind(r.id, r.zone_id, r.name, r.type, r.content, r.ttl, r.proxied, r.priority,
                    NullIfEmpty{r.data_json}, r.settings_json, NullIfEmpty{r.comment}, r.tags_json,
                    r.created_on, r.modified_on)
                 .run();
  if (!res) return record_error(res.error(), r);
  return {};
}

Result<void> Transaction::update_record(const zone::Record& r) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "UPDATE records SET name = ?3, type = ?4, content = ?5, ttl = ?6, proxied = ?7,"
          " priority = ?8, data = ?9, settings = ?10, comment = ?11, tags = ?12, modified_on = ?13"
          " WHERE id = ?1 AND zone_id = ?2",
          what("update record", r.id));
  auto res = q.bind(r.id, r.zone_id, r.name, r.type, r.content, r.ttl, r.proxied, r.priority,
                    NullIfEmpty{r.data_json}, r.settings_json, NullIfEmpty{r.comment}, r.tags_json,
                    r.modified_on)
                 .run();
  if (!res) return record_error(res.error(), r);
  return expect_one(res, StoreErrc::kNotFound,
                    "record " + r.id + " not found in zone " + r.zone_id);
}

Result<void> Transaction::delete_record(std::string_view zone_id, std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM records WHERE id = ?1 AND zone_id = ?2", what("delete record", id));
  return expect_one(q.bind(id, zone_id).run(), StoreErrc::kNotFound,
                    "record " + std::string(id) + " not found in zone " + std::string(zone_id));
}

Result<int64_t> Transaction::delete_all_records(std::string_view zone_id) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "DELETE FROM records WHERE zone_id = ?1", what("delete records of zone", zone_id));
  return q.bind(zone_id).run();
}

Result<void> Transaction::put_setting(const zone::ZoneSetting& s) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "INSERT INTO zone_settings (zone_id, key, value, modified_on) VALUES (?1, ?2, ?3, ?4)"
          " ON CONFLICT (zone_id, key) DO UPDATE SET value = excluded.value,"
          " modified_on = excluded.modified_on",
          what("put setting", s.key));
  auto r = q.bind(s.zone_id, s.key, s.value_json, s.modified_on).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::delete_setting(std::string_view zone_id, std::string_view key) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM zone_settings WHERE zone_id = ?1 AND key = ?2",
          what("delete setting", key));
  return expect_one(q.bind(zone_id, key).run(), StoreErrc::kNotFound,
                    "setting " + std::string(key) + " not found in zone " + std::string(zone_id));
}

}  // namespace dnsedge::store
