// The store's DNSSEC state and keys (migration 4): reads (Reader), writes (Transaction) and the
// file modes that keep the private keys to the server's user (Store::protect_secrets). See store.h.

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/store.h"
#include "store/store_db.h"

namespace dnsedge::store {

using namespace internal;

namespace {

constexpr const char* kKeyColumns =
    "zone, id, role, key_tag, dnskey, private_pem, phase, created, published, active, retired, removed";

DnssecKeyRow read_key(const Query& q) {
  DnssecKeyRow k;
  k.zone = q.text(0);
  k.id = q.text(1);
  k.role = q.text(2);
  k.key_tag = static_cast<uint16_t>(q.i64(3));
  k.dnskey = q.blob(4);
  k.private_pem = q.text(5);
  k.phase = q.text(6);
  k.created = q.i64(7);
  k.published = q.i64(8);
  k.active = q.i64(9);
  k.retired = q.i64(10);
  k.removed = q.i64(11);
  return k;
}

}  // namespace

Result<std::optional<DnssecState>> Reader::dnssec_state(std::string_view zone) {
  Query q(db(), "SELECT zone, status, modified_on FROM dnssec_zones WHERE zone = ?1",
          what("read dnssec state of", zone));
  q.bind(zone);
  return first<DnssecState>(q, [](const Query& row) { return DnssecState{row.text(0), row.text(1), row.text(2)}; });
}

Result<std::vector<DnssecKeyRow>> Reader::dnssec_keys(std::string_view zone) {
  static const std::string sql =
      std::string("SELECT ") + kKeyColumns + " FROM dnssec_keys WHERE zone = ?1 ORDER BY created, id";
  Query q(db(), sql.c_str(), what("read dnssec keys of", zone));
  q.bind(zone);
  return collect<DnssecKeyRow>(q, read_key);
}

Result<void> Transaction::put_dnssec_state(const DnssecState& s) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  Query q(*db_, "INSERT OR REPLACE INTO dnssec_zones (zone, status, modified_on) VALUES (?1, ?2, ?3)",
          what("put dnssec state of", s.zone));
  auto r = q.bind(s.zone, s.status, s.modified_on).run();
  if (!r) return r.error();
  return {};
}

Result<void> Transaction::put_dnssec_key(const DnssecKeyRow& k) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  static const std::string sql = std::string("INSERT OR REPLACE INTO dnssec_keys (") + kKeyColumns +
                                 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
  // The message names the key, never its private part.
  Query q(*db_, sql.c_str(), what("put dnssec key of " + k.zone, k.id));
  auto r = q.bind(k.zone, k.id, k.role, static_cast<int64_t>(k.key_tag), Blob{k.dnskey}, k.private_pem, k.phase,
                  k.created, k.published, k.active, k.retired, k.removed)
               .run();
  if (!r) return r.error();
  return {};
}

Result<int64_t> Transaction::delete_dnssec(std::string_view zone) {
  if (auto ok = still_open(db_); !ok) return ok.error();
  int64_t n = 0;
  for (const char* sql : {"DELETE FROM dnssec_keys WHERE zone = ?1", "DELETE FROM dnssec_zones WHERE zone = ?1"}) {
    Query q(*db_, sql, what("delete dnssec of", zone));
    auto r = q.bind(zone).run();
    if (!r) return r.error();
    n += *r;
  }
  return n;
}

Result<bool> Store::protect_secrets() {
  namespace fs = std::filesystem;
  bool changed = false;
  auto restrict_mode = [&](const std::string& p, mode_t keep) -> Result<void> {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) {
      if (errno == ENOENT) return {};
      return make_error("stat " + p + ": " + std::strerror(errno), code(StoreErrc::kIo));
    }
    const mode_t mode = st.st_mode & 07777;
    if ((mode & ~keep) == 0) return {};
    if (::chmod(p.c_str(), mode & keep) != 0) {
      return make_error("chmod " + p + ": " + std::strerror(errno), code(StoreErrc::kIo));
    }
    changed = true;
    return {};
  };
  if (!data_dir_.empty()) {
    if (auto r = restrict_mode(data_dir_, 0700); !r) return r.error();
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (auto r = restrict_mode(path_ + suffix, 0600); !r) return r.error();
  }
  return changed;
}

}  // namespace dnsedge::store
