#pragma once
// DNS analytics' in-memory aggregate: per-minute counts of answered queries per zone, by
// (query name, query type, rcode, answer kind), with the response time summed, kept for
// kKeepMinutes (7 days) and flushed to the store so they survive a restart.
//
// The aggregator thread takes the slabs the workers' Recorders hand over (analytics/recorder.h)
// every kPassMs and merges them. Counts are exact; only the set of query names is bounded: per
// zone and minute at most Options::names names are kept, chosen by the space-saving heavy-hitters
// algorithm (Metwally et al.): a new name past the bound replaces the name of smallest weight,
// whose counts move to the name "other" (the empty name), so every count stays under its zone
// and minute. The whole aggregate is bounded by Options::max_cells cells (one per name, type,
// rcode and kind): past it, the names of the oldest minutes are folded into "other" first and,
// should that not suffice, the oldest minutes go. Should the newest minute alone reach the cap
// (many query types per name), it is folded too and a query whose (type, rcode, kind) has no
// cell yet is counted under "other" with type 0 (its rcode and kind kept): so the cells never
// exceed the cap by more than one per zone, rcode and kind of that minute.
//
// Memory: stats().bytes adds up what the aggregate holds (map slots by their capacity, cell
// vectors by their capacity, name keys on the heap). Every minute, zone-minute and name holds at
// least one cell, so it is at most cells × kMaxBytesPerCell.
//
// Minutes that are over (older than the previous minute) and changed since they were last
// flushed go to the sink, from the aggregator thread; stop() sends every changed minute.
//
// Thread safety: every method from any thread (one mutex; the query path never takes it: it
// only hands slabs over through their atomic state).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <condition_variable>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace dnsedge::analytics {

class Recorder;
struct Slab;

inline constexpr int64_t kKeepMinutes = 7 * 24 * 60;
inline constexpr int kPassMs = 100;
// The most one cell costs, with its share of a name (a 253-character key on the heap, its hash
// map slot at the lowest load factor), of a zone-minute and of a minute: see Aggregator::stats().
inline constexpr size_t kMaxBytesPerCell = 1536;

struct Cell {
  uint16_t qtype = 0;
  uint16_t rcode = 0;
  uint8_t kind = 0;
  uint64_t count = 0;
  uint64_t time_us = 0;
};

// One stored row: a cell of a name of a zone in a minute. `name` "" is "other".
struct Row {
  int64_t minute = 0;
  std::string zone;  // "example.com" (lowercase, no final dot)
  std::string name;  // "www.example.com", or "" for other
  Cell cell;
};

struct MinuteRows {
  int64_t minute = 0;
  std::vector<Row> rows;  // every row of the minute (it replaces what was stored)
};

struct AggregatorOptions {
  size_t names = 100;          // names kept per zone and minute
  size_t max_cells = 200000;   // cells kept in all
  int64_t keep_minutes = kKeepMinutes;
};

struct AggregatorStats {
  size_t cells = 0;
  size_t names = 0;
  size_t minutes = 0;
  uint64_t queries = 0;       // counted into zones
  uint64_t unattributed = 0;  // found no room in a worker's slab
  uint64_t no_zone = 0;       // in no zone
  uint64_t evicted_names = 0; // names folded into "other" (space-saving replacements and the cap)
  size_t bytes = 0;           // what the aggregate holds: <= cells × kMaxBytesPerCell
  uint64_t overflow = 0;      // queries counted as type 0 because the newest minute was at the cap
};

class Aggregator {
 public:
  // The process's aggregator (the workers' Recorders and the API use it).
  static Aggregator& global();

  // `flush`: called from the aggregator thread with the changed minutes that are over, and the
  // minute before which stored rows are to go (the retention), never while holding the lock.
  using Flush = std::function<void(std::vector<MinuteRows> minutes, int64_t prune_before)>;

  explicit Aggregator(AggregatorOptions options = {});
  ~Aggregator();
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  // Starts the aggregator thread. `clock`: the current minute (tests give their own).
  void start(Flush flush, std::function<int64_t()> clock = {});
  // Stops the thread, merges everything the recorders hold and flushes every changed minute
  // (the current one too). Idempotent. REQUIRES: the recorders' owner threads have stopped
  // (the DNS server stopped first).
  void stop();
  // Adds stored rows (at startup, before start()): they count as flushed.
  void load(const std::vector<Row>& rows);

  void add(Recorder* r);
  void remove(Recorder* r);  // merges everything `r` still holds (its thread has stopped)

  // Merges every slab handed over now (the thread does this every kPassMs).
  void pass();

  // Every cell of `zone` in minutes [since, until]: f(minute, name, cell).
  void scan(std::string_view zone, int64_t since, int64_t until,
            const std::function<void(int64_t, std::string_view, const Cell&)>& f) const;
  AggregatorStats stats() const;
  // Seconds since the last pass merged the recorders' slabs (0 when never started: nothing lags).
  double lag_seconds() const;

 private:
  struct NameStats {
    uint64_t weight = 0;  // space-saving weight (the count plus the error it inherited)
    std::vector<Cell> cells;
  };
  struct ZoneMinute {
    absl::flat_hash_map<std::string, NameStats> names;
    NameStats other;
  };
  struct Minute {
    absl::flat_hash_map<std::string, ZoneMinute> zones;
    size_t cells = 0;
    bool dirty = false;
    bool folded = false;
  };

  void run();
  void merge_slab(Slab& s);
  void add_cell(int64_t minute, const std::string& zone, std::string_view name, const Cell& c, bool dirty);
  static size_t add_to(std::vector<Cell>& cells, const Cell& c);  // returns the cells added (0 or 1)
  void fold_names(Minute& m);
  void enforce_bounds(int64_t now_minute);
  std::vector<MinuteRows> take_dirty(int64_t before);
  int64_t now_minute() const;
  size_t bytes_held() const;  // REQUIRES: mu_ held

  AggregatorOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Recorder*> recorders_;
  std::map<int64_t, Minute> minutes_;
  AggregatorStats stats_;
  Flush flush_;
  std::function<int64_t()> clock_;
  std::thread thread_;
  bool running_ = false;
  bool stopping_ = false;
  int64_t last_pass_us_ = 0;
  std::mutex flush_mu_;  // one flush at a time (the thread's and stop()'s)
};

}  // namespace dnsedge::analytics
