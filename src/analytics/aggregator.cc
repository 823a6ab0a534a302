#include "analytics/aggregator.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include "analytics/recorder.h"
#include "dns/name.h"

namespace dnsedge::analytics {
namespace {

std::string wire_text(const uint8_t* wire, size_t len) {
  std::string t = dns::name_to_text(std::string_view(reinterpret_cast<const char*>(wire), len));
  if (t.size() > 1 && t.back() == '.') t.pop_back();
  return t;
}

int64_t wall_minute() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec / 60;
}

int64_t mono_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Aggregator& Aggregator::global() {
  static Aggregator* a = new Aggregator();  // never destroyed: workers may outlive main's statics
  return *a;
}

Aggregator::Aggregator(AggregatorOptions options) : options_(options) {}

Aggregator::~Aggregator() { stop(); }

int64_t Aggregator::now_minute() const { return clock_ ? clock_() : wall_minute(); }

void Aggregator::start(Flush flush, std::function<int64_t()> clock) {
  std::lock_guard l(mu_);
  if (running_) return;
  flush_ = std::move(flush);
  clock_ = std::move(clock);
  running_ = true;
  stopping_ = false;
  last_pass_us_ = mono_us();
  thread_ = std::thread([this] { run(); });
}

void Aggregator::stop() {
  {
    std::lock_guard l(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<MinuteRows> dirty;
  int64_t prune = 0;
  {
    std::lock_guard l(mu_);
    // The recorders' threads have stopped: what they were filling is merged too.
    for (Recorder* r : recorders_) {
      for (int i = 0; i < 2; ++i) merge_slab(*r->slab(i));
    }
    enforce_bounds(now_minute());
    dirty = take_dirty(std::numeric_limits<int64_t>::max());
    prune = now_minute() - options_.keep_minutes;
    running_ = false;
  }
  std::lock_guard f(flush_mu_);
  if (flush_ && (!dirty.empty() || prune > 0)) flush_(std::move(dirty), prune);
}

void Aggregator::run() {
  std::unique_lock l(mu_);
  while (!stopping_) {
    cv_.wait_for(l, std::chrono::milliseconds(kPassMs));
    if (stopping_) break;
    l.unlock();
    pass();
    l.lock();
    // Minutes before the previous one are over: a worker hands over within kHandoffMs.
    const int64_t now = now_minute();
    std::vector<MinuteRows> dirty = take_dirty(now - 1);
    if (dirty.empty()) continue;
    l.unlock();
    {
      std::lock_guard f(flush_mu_);
      if (flush_) flush_(std::move(dirty), now - options_.keep_minutes);
    }
    l.lock();
  }
}

void Aggregator::load(const std::vector<Row>& rows) {
  std::lock_guard l(mu_);
  for (const Row& r : rows) add_cell(r.minute, r.zone, r.name, r.cell, false);
  enforce_bounds(now_minute());
}

void Aggregator::add(Recorder* r) {
  std::lock_guard l(mu_);
  recorders_.push_back(r);
}

void Aggregator::remove(Recorder* r) {
  std::lock_guard l(mu_);
  recorders_.erase(std::remove(recorders_.begin(), recorders_.end(), r), recorders_.end());
  for (int i = 0; i < 2; ++i) merge_slab(*r->slab(i));
}

void Aggregator::pass() {
  std::lock_guard l(mu_);
  for (Recorder* r : recorders_) {
    while (Slab* s = r->ready()) merge_slab(*s);
  }
  enforce_bounds(now_minute());
  last_pass_us_ = mono_us();
}

void Aggregator::merge_slab(Slab& s) {
  if (s.used > 0) {
    std::string zone;
    for (SlabEntry& x : s.entries) {
      if (x.hash == 0) continue;
      const uint8_t* apex = x.name + (x.name_len - x.zone_len);
      zone = wire_text(apex, x.zone_len);
      const std::string name = x.other ? std::string() : wire_text(x.name, x.name_len);
      add_cell(x.minute, zone, name, Cell{x.qtype, x.rcode, x.kind, x.count, x.time_us}, true);
      x.hash = 0;
    }
  }
  stats_.unattributed += s.unattributed;
  stats_.no_zone += s.no_zone;
  s.used = 0;
  s.unattributed = 0;
  s.no_zone = 0;
  if (s.state.load(std::memory_order_relaxed) == Slab::kReady) s.state.store(Slab::kFree, std::memory_order_release);
}

size_t Aggregator::add_to(std::vector<Cell>& cells, const Cell& c) {
  for (Cell& x : cells) {
    if (x.qtype == c.qtype && x.rcode == c.rcode && x.kind == c.kind) {
      x.count += c.count;
      x.time_us += c.time_us;
      return 0;
    }
  }
  cells.push_back(c);
  return 1;
}

void Aggregator::add_cell(int64_t minute, const std::string& zone, std::string_view name, const Cell& c,
                          bool dirty) {
  Minute& m = minutes_[minute];
  m.dirty = m.dirty || dirty;
  ZoneMinute& z = m.zones[zone];
  stats_.queries += c.count;
  if (m.cells >= options_.max_cells) {
    // This minute alone fills the cap (older minutes are folded and dropped first): its names
    // fold into "other", and a combination with no cell yet is counted as type 0.
    if (!m.folded) fold_names(m);
    Cell x = c;
    const auto same = [&](const Cell& y) { return y.qtype == c.qtype && y.rcode == c.rcode && y.kind == c.kind; };
    if (std::none_of(z.other.cells.begin(), z.other.cells.end(), same)) {
      x.qtype = 0;
      stats_.overflow += c.count;
    }
    const size_t added = add_to(z.other.cells, x);
    stats_.cells += added;
    m.cells += added;
    return;
  }
  if (name.empty() || m.folded || options_.names == 0) {
    const size_t added = add_to(z.other.cells, c);
    stats_.cells += added;
    m.cells += added;
    return;
  }
  auto it = z.names.find(absl::string_view(name.data(), name.size()));
  if (it != z.names.end()) {
    it->second.weight += c.count;
    const size_t added = add_to(it->second.cells, c);
    stats_.cells += added;
    m.cells += added;
    return;
  }
  uint64_t weight = c.count;
  if (z.names.size() >= options_.names) {
    // Space-saving: the new name takes the place of the lightest one and inherits its weight;
    // the lightest one's counts go to "other".
    auto min = z.names.begin();
    for (auto i = z.names.begin(); i != z.names.end(); ++i) {
      if (i->second.weight < min->second.weight) min = i;
    }
    weight += min->second.weight;
    for (const Cell& x : min->second.cells) {
      const size_t added = add_to(z.other.cells, x);
      stats_.cells += added;
      m.cells += added;
    }
    stats_.cells -= min->second.cells.size();
    m.cells -= min->second.cells.size();
    z.names.erase(min);
    --stats_.names;
    ++stats_.evicted_names;
  }
  NameStats& n = z.names[std::string(name)];
  ++stats_.names;
  n.weight = weight;
  n.cells.push_back(c);
  ++stats_.cells;
  ++m.cells;
}

void Aggregator::fold_names(Minute& m) {
  for (auto& [zone, z] : m.zones) {
    for (auto& [name, n] : z.names) {
      for (const Cell& x : n.cells) {
        const size_t added = add_to(z.other.cells, x);
        stats_.cells += added;
        m.cells += added;
      }
      stats_.cells -= n.cells.size();
      m.cells -= n.cells.size();
      ++stats_.evicted_names;
    }
    stats_.names -= z.names.size();
    absl::flat_hash_map<std::string, NameStats>().swap(z.names);  // gives the slots back too
  }
  m.folded = true;
  m.dirty = true;
}

void Aggregator::enforce_bounds(int64_t now) {
  const auto drop = [&](std::map<int64_t, Minute>::iterator it) {
    stats_.cells -= it->second.cells;
    for (auto& [zone, z] : it->second.zones) stats_.names -= z.names.size();
    return minutes_.erase(it);
  };
  while (!minutes_.empty() && minutes_.begin()->first < now - options_.keep_minutes) drop(minutes_.begin());
  stats_.minutes = minutes_.size();
  if (stats_.cells <= options_.max_cells) return;
  for (auto it = minutes_.begin(); it != minutes_.end() && stats_.cells > options_.max_cells; ++it) {
    if (!it->second.folded) fold_names(it->second);
  }
  while (stats_.cells > options_.max_cells && minutes_.size() > 1) drop(minutes_.begin());
  stats_.minutes = minutes_.size();
}

std::vector<MinuteRows> Aggregator::take_dirty(int64_t before) {
  std::vector<MinuteRows> out;
  for (auto& [minute, m] : minutes_) {
    if (minute >= before) break;
    if (!m.dirty) continue;
    m.dirty = false;
    MinuteRows mr;
    mr.minute = minute;
    for (const auto& [zone, z] : m.zones) {
      for (const auto& [name, n] : z.names) {
        for (const Cell& c : n.cells) mr.rows.push_back(Row{minute, zone, name, c});
      }
      for (const Cell& c : z.other.cells) mr.rows.push_back(Row{minute, zone, std::string(), c});
    }
    out.push_back(std::move(mr));
  }
  return out;
}

void Aggregator::scan(std::string_view zone, int64_t since, int64_t until,
                      const std::function<void(int64_t, std::string_view, const Cell&)>& f) const {
  std::lock_guard l(mu_);
  for (auto it = minutes_.lower_bound(since); it != minutes_.end() && it->first <= until; ++it) {
    auto z = it->second.zones.find(absl::string_view(zone.data(), zone.size()));
    if (z == it->second.zones.end()) continue;
    for (const auto& [name, n] : z->second.names) {
      for (const Cell& c : n.cells) f(it->first, name, c);
    }
    for (const Cell& c : z->second.other.cells) f(it->first, std::string_view(), c);
  }
}

AggregatorStats Aggregator::stats() const {
  std::lock_guard l(mu_);
  AggregatorStats s = stats_;
  s.minutes = minutes_.size();
  s.bytes = bytes_held();
  return s;
}

namespace {

// What one heap block of `n` bytes takes from glibc's malloc: 8 bytes of header, rounded up to
// 16, at least 32.
size_t heap_block(size_t n) { return n == 0 ? 0 : std::max<size_t>(32, (n + 8 + 15) / 16 * 16); }

// A key's heap block (libstdc++ keeps up to 15 characters in the string itself).
size_t key_heap(const std::string& s) { return s.capacity() > 15 ? heap_block(s.capacity() + 1) : 0; }

// An absl flat hash map's one allocation: a control byte per slot plus a group's worth (16) of
// cloned ones, then (aligned) the slots.
template <typename Map>
size_t table_heap(const Map& m) {
  if (m.capacity() == 0) return 0;
  return heap_block(m.capacity() + 16 + 8 + m.capacity() * sizeof(typename Map::value_type));
}

}  // namespace

size_t Aggregator::bytes_held() const {
  // A std::map node: the tree node's header (32 bytes) and the value.
  size_t bytes = minutes_.size() * heap_block(32 + sizeof(std::pair<const int64_t, Minute>));
  for (const auto& [minute, m] : minutes_) {
    bytes += table_heap(m.zones);
    for (const auto& [zone, z] : m.zones) {
      bytes += key_heap(zone) + table_heap(z.names) + heap_block(z.other.cells.capacity() * sizeof(Cell));
      for (const auto& [name, n] : z.names) bytes += key_heap(name) + heap_block(n.cells.capacity() * sizeof(Cell));
    }
  }
  return bytes;
}

double Aggregator::lag_seconds() const {
  std::lock_guard l(mu_);
  if (!running_) return 0;
  return static_cast<double>(mono_us() - last_pass_us_) / 1e6 + static_cast<double>(kHandoffMs) / 1000.0;
}

}  // namespace dnsedge::analytics
