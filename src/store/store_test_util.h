#pragma once
// Helpers of the store tests (store_*_test.cc): temporary directories, a fixed clock, rows to
// insert, raw SQLite access to check what is on disk, and a store with one account and one zone.

#include "common/temp_dir.h"
#include "store/store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "common/unique_fd.h"

namespace dnsedge::store {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TempDir : public common::TempDir {
 public:
  TempDir() : common::TempDir("dnsedge-store") {}
};

inline zone::FakeClock& test_clock() {
  static zone::FakeClock clock(std::chrono::system_clock::time_point(std::chrono::sys_days{
                                   std::chrono::year{2026} / std::chrono::November / 26}) +
                               8h);
  return clock;
}

inline std::string stamp() {
  test_clock().advance(1us);
  return zone::now_rfc3339(test_clock());
}

inline std::unique_ptr<Store> open_ok(const std::string& dir, const StoreOptions& options = {}) {
  auto s = Store::open(dir, options);
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  if (!s) return nullptr;
  return std::move(*s);
}

template <typename T>
inline void expect_ok(const Result<T>& r) {
  EXPECT_TRUE(r) << r.error().message;
}

inline void expect_err(const Error& e, StoreErrc c, std::string_view needle = {}) {
  EXPECT_EQ(e.code, code(c)) << e.message;
  if (!needle.empty()) {
    EXPECT_NE(e.message.find(needle), std::string::npos) << e.message;
  }
}

template <typename T>
inline void expect_fails(const Result<T>& r, StoreErrc c, std::string_view needle = {}) {
  ASSERT_FALSE(r) << "expected failure " << code(c);
  expect_err(r.error(), c, needle);
}

inline zone::Account make_account(std::string name = "default") {
  const std::string t = stamp();
  return {zone::new_id(), std::move(name), t};
}

inline zone::Zone make_zone(const zone::Account& a, std::string name, uint32_t serial = 1) {
  const std::string t = stamp();
  zone::Zone z;
  z.id = zone::new_id();
  z.name = std::move(name);
  z.account_id = a.id;
  z.serial = serial;
  z.created_on = t;
  z.modified_on = t;
  return z;
}

inline zone::Record make_record(const zone::Zone& z, std::string name, std::string type,
                         std::string content) {
  const std::string t = stamp();
  zone::Record r;
  r.id = zone::new_id();
  r.zone_id = z.id;
  r.name = std::move(name);
  r.type = std::move(type);
  r.content = std::move(content);
  r.created_on = t;
  r.modified_on = t;
  return r;
}

// Raw SQLite access to check what is really on disk.
class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    const std::string path = dir + "/dnsedge.db";
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &h_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(h_); }
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(h_, sql.c_str(), -1, &st, nullptr), SQLITE_OK)
        << sqlite3_errmsg(h_);
    std::string out;
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        if (!out.empty() && i == 0) out += '\n';
        if (i > 0) out += '|';
        const auto* p = sqlite3_column_text(st, i);
        out += p == nullptr ? "NULL" : reinterpret_cast<const char*>(p);
      }
    }
    sqlite3_finalize(st);
    return out;
  }
  void exec(const std::string& sql) {
    EXPECT_EQ(sqlite3_exec(h_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(h_);
  }

 private:
  sqlite3* h_ = nullptr;
};

// A store with one account and one zone, the usual starting point.
struct Fixture {
  TempDir dir;
  std::unique_ptr<Store> store = open_ok(dir.path());
  zone::Account account = make_account();
  zone::Zone zone = make_zone(account, "example.com");

  Fixture() {
    auto tx = store->begin();
    EXPECT_TRUE(tx);
    expect_ok(tx->insert_account(account));
    expect_ok(tx->insert_zone(zone));
    expect_ok(tx->commit());
  }
};

}  // namespace dnsedge::store
