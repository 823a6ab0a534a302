// The store's Spectrum apps and API tokens: reads (Reader) and writes (Transaction). See store.h.

#include "store/store.h"

#include "store/store_db.h"

namespace dnsedge::store {

using namespace internal;

Result<std::vector<zone::SpectrumApp>> Reader::list_apps(std::string_view zone_id) {
  Query q(db(),
          "SELECT id, zone_id, config, created_on, modified_on FROM spectrum_apps"
          " WHERE zone_id = ?1 ORDER BY id",
          what("list apps of zone", zone_id));
  q.bind(zone_id);
  return collect<zone::SpectrumApp>(q, read_app);
}

Result<std::vector<zone::SpectrumApp>> Reader::list_all_apps() {
  Query q(db(),
          "SELECT id, zone_id, config, created_on, modified_on FROM spectrum_apps"
          " ORDER BY zone_id, id",
          "list apps");
  return collect<zone::SpectrumApp>(q, read_app);
}

Result<std::optional<zone::SpectrumApp>> Reader::get_app(std::string_view zone_id,
                                                         std::string_view id) {
  Query q(db(),
          "SELECT id, zone_id, config, created_on, modified_on FROM spectrum_apps"
          " WHERE id = ?1 AND zone_id = ?2",
          what("get app", id));
  q.bind(id, zone_id);
  return first<zone::SpectrumApp>(q, read_app);
}

Result<std::vector<zone::ApiToken>> Reader::list_tokens() {
  static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM api_tokens ORDER BY created_on, id";
  Query q(db(), sql.c_str(), "list tokens");
  return collect<zone::ApiToken>(q, read_token);
}

Result<std::optional<zone::ApiToken>> Reader::get_token(std::string_view id) {
  static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE id = ?1";
  Query q(db(), sql.c_str(), what("get token", id));
  q.bind(id);
  return first<zone::ApiToken>(q, read_token);
}

Result<std::optional<zone::ApiToken>> Reader::get_token_by_hash(std::string_view secret_hash) {
  static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE secret_hash = ?1";
  Query q(db(), sql.c_str(), "get token by hash");
  q.bind(secret_hash);
  return first<zone::ApiToken>(q, read_token);
}

Result<void> Transaction::insert_app(const zone::SpectrumApp& a) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "INSERT INTO spectrum_apps (id, zone_id, config, created_on, modified_on)"
          " VALUES (?1, ?2, ?3, ?4, ?5)",
          what("insert app", a.id));
  auto r = q.bind(a.id, a.zone_id, a.config_json, a.created_on, a.modified_on).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::update_app(const zone::SpectrumApp& a) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "UPDATE spectrum_apps SET config = ?3, modified_on = ?4 WHERE id = ?1 AND zone_id = ?2",
          what("update app", a.id));
  return expect_one(q.bind(a.id, a.zone_id, a.config_json, a.modified_on).run(),
                    StoreErrc::kNotFound, "app " + a.id + " not found in zone " + a.zone_id);
}

Result<void> Transaction::delete_app(std::string_view zone_id, std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM spectrum_apps WHERE id = ?1 AND zone_id = ?2", what("delete app", id));
  return expect_one(q.bind(id, zone_id).run(), StoreErrc::kNotFound,
                    "app " + std::string(id) + " not found in zone " + std::string(zone_id));
}

Result<void> Transaction::insert_token(const zone::ApiToken& t) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "INSERT INTO api_tokens (id, name, secret_hash, status, created_on, policies, condition,"
          " not_before, expires_on, modified_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
          what("insert token", t.id));
  auto r = q.bind(t.id, t.name, t.secret_hash, t.status, t.created_on, t.policies_json, t.condition_json,
                  t.not_before, t.expires_on, t.modified_on)
               .run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::update_token(const zone::ApiToken& t) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_,
          "UPDATE api_tokens SET name = ?2, status = ?3, policies = ?4, condition = ?5, not_before = ?6,"
          " expires_on = ?7, modified_on = ?8, secret_hash = ?9 WHERE id = ?1",
          what("update token", t.id));
  return expect_one(q.bind(t.id, t.name, t.status, t.policies_json, t.condition_json, t.not_before, t.expires_on,
                           t.modified_on, t.secret_hash)
                        .run(),
                    StoreErrc::kNotFound, "token " + t.id + " not found");
}

Result<void> Transaction::delete_token(std::string_view id) {
  if (auto ok = still_open(db_); !ok) return ok;
  Query q(*db_, "DELETE FROM api_tokens WHERE id = ?1", what("delete token", id));
  return expect_one(q.bind(id).run(), StoreErrc::kNotFound,
                    "token " + std::string(id) + " not found");
}

}  // namespace dnsedge::store
