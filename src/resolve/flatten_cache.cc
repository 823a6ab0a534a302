#include "resolve/flatten_cache.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <limits>
#include <set>
#include <thread>
#include <utility>

#include "common/mutex.h"
#include "common/thread_priority.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::resolve {

namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;
using State = TargetData::State;

bool has_data(State s) { return s == State::kOk || s == State::kStale; }

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string describe_failure(const Result<Answer>& r, const char* qtype) {
  if (!r) return std::string(qtype) + ": " + r.error().message;
  return std::string(qtype) + ": " + dns::rcode_to_string(static_cast<uint16_t>(r->rcode));
}

bool usable(const Result<Answer>& r) {
  return r && (r->rcode == dns::rcode::kNoError || r->rcode == dns::rcode::kNxDomain);
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string seconds_since_epoch(SystemTime t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace

bool TargetData::same_served(const TargetData& o) const noexcept {
  return state == o.state && ttl == o.ttl && rcode == o.rcode && a_rdata == o.a_rdata &&
         aaaa_rdata == o.aaaa_rdata;
}

std::string_view state_name(TargetData::State s) noexcept {
  switch (s) {
    case State::kPending: return "pending";
    case State::kOk: return "ok";
    case State::kStale: return "stale";
    case State::kFailed: return "failed";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------

struct TargetCache::Impl : std::enable_shared_from_this<TargetCache::Impl> {
  struct Entry {
    TargetData data;
    uint64_t gen = 0;         // identity: results for an older generation are dropped
    int outstanding = 0;      // lookups of the current refresh still in flight (0..2)
    std::optional<Result<Answer>> a, aaaa;
    bool confirm_ttl = false; // a lower TTL with the same data awaits confirmation
  };

  Impl(Resolver& r, TargetCacheOptions o) : resolver(r), opt(std::move(o)) {}

  Resolver& resolver;
  const TargetCacheOptions opt;
  std::thread thread;

  mutable common::Mutex mu;
  std::condition_variable cv;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  uint64_t kicks ABSL_GUARDED_BY(mu) = 0;  // bumped to make the thread run a pass
  uint64_t passes_asked ABSL_GUARDED_BY(mu) = 0;
  uint64_t passes_done ABSL_GUARDED_BY(mu) = 0;
  uint64_t next_gen ABSL_GUARDED_BY(mu) = 1;
  uint64_t in_flight ABSL_GUARDED_BY(mu) = 0;  // lookups in flight, all entries
  bool notifying ABSL_GUARDED_BY(mu) = false;
  std::map<std::string, Entry> entries ABSL_GUARDED_BY(mu);
  std::set<std::string> changed ABSL_GUARDED_BY(mu);
  std::vector<TargetEvent> events ABSL_GUARDED_BY(mu);
  SteadyClock::time_point first_change ABSL_GUARDED_BY(mu){};
  mutable std::shared_ptr<const TargetSnapshot> snap ABSL_GUARDED_BY(mu);  // null: rebuild on demand
  TargetCacheStats st ABSL_GUARDED_BY(mu);

  SystemTime now() const { return opt.now ? opt.now() : std::chrono::system_clock::now(); }

  std::shared_ptr<const TargetSnapshot> snapshot_locked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (!snap) {
      auto m = std::make_shared<TargetSnapshot>();
      for (const auto& [name, e] : entries) m->emplace(name, e.data);
      snap = std::move(m);
    }
    return snap;
  }

  void note_change(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (changed.empty() && events.empty()) first_change = SteadyClock::now();
    changed.insert(name);
    ++st.changes;
  }

  void note_event(TargetEvent::Kind kind, const std::string& name, const TargetData& d, std::string detail)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (changed.empty() && events.empty()) first_change = SteadyClock::now();
    static constexpr std::string_view kNames[] = {"changed", "recovered", "refresh-failed",
                                                  "expired"};
    std::string text = "event=" + std::string(kNames[static_cast<int>(kind)]) +
                       " target=" + dns::name_to_text(name) +
                       " state=" + std::string(state_name(d.state));
    if (!detail.empty()) text += " " + detail;
    events.push_back(TargetEvent{kind, name, d.state, std::move(text)});
  }

  static std::string data_text(const TargetData& d) {
    std::string s = "a=" + std::to_string(d.a_rdata.size()) +
                    " aaaa=" + std::to_string(d.aaaa_rdata.size()) + " ttl=" + std::to_string(d.ttl);
    if (d.rcode != dns::rcode::kNoError) s += " rcode=" + dns::rcode_to_string(static_cast<uint16_t>(d.rcode));
    return s;
  }

  milliseconds clamp_ms(milliseconds v, milliseconds lo, milliseconds hi) const {
    return std::clamp(v, lo, std::max(lo, hi));
  }

  // A refresh ended (both lookups).
  void apply(const std::string& name, Entry& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    const SystemTime t = now();
    TargetData& d = e.data;
    const TargetData before = d;
    Result<Answer>& a = *e.a;
    Result<Answer>& aaaa = *e.aaaa;

    if (!usable(a) || !usable(aaaa)) {
      ++st.failures;
      ++d.failures;
      d.last_error = !usable(a) ? describe_failure(a, "A") : describe_failure(aaaa, "AAAA");
      milliseconds retry = opt.retry_min;
      for (uint64_t i = 1; i < d.failures && retry < opt.retry_max; ++i) retry *= 2;
      d.next_refresh = t + clamp_ms(retry, opt.retry_min, opt.retry_max);
      e.confirm_ttl = false;
      TargetEvent::Kind kind = TargetEvent::Kind::kRefreshFailed;
      if (has_data(d.state) && t < d.stale_until) {
        d.state = State::kStale;  // RFC 8767: keep answering with the last good data
        ++st.stale_serves;
      } else {
        if (has_data(d.state)) {
          ++st.expirations;
          kind = TargetEvent::Kind::kExpired;
        }
        d.state = State::kFailed;
        d.a_rdata.clear();
        d.aaaa_rdata.clear();
      }
      std::string detail = "failures=" + std::to_string(d.failures) + " error=" + quote(d.last_error);
      if (d.state == State::kStale) detail += " stale_until=" + seconds_since_epoch(d.stale_until);
      note_event(kind, name, d, std::move(detail));
      if (!d.same_served(before)) note_change(name);
      return;
    }

    ++st.successes;
    std::vector<std::string> v4 = sorted_unique(a->rdata(dns::rrtype::kA));
    std::vector<std::string> v6 = sorted_unique(aaaa->rdata(dns::rrtype::kAAAA));
    const int rcode = (a->rcode == dns::rcode::kNxDomain || aaaa->rcode == dns::rcode::kNxDomain)
                          ? dns::rcode::kNxDomain
                          : dns::rcode::kNoError;
    // Stable TTL: smallest TTL of the positive data (chain + addresses) as received; with no
    // RR at all, the smaller negative TTL. The schedule follows every TTL, negative included.
    uint32_t ttl = std::numeric_limits<uint32_t>::max();
    for (const auto* ans : {&*a, &*aaaa}) {
      for (const auto& r : ans->records) ttl = std::min(ttl, r.ttl);
    }
    if (ttl == std::numeric_limits<uint32_t>::max()) ttl = std::min(a->min_ttl, aaaa->min_ttl);
    const uint32_t schedule_ttl = std::min({ttl, a->min_ttl, aaaa->min_ttl});

    const bool same_data = has_data(d.state) && d.a_rdata == v4 && d.aaaa_rdata == v6 && d.rcode == rcode;
    uint32_t valid_for = ttl;
    milliseconds next = clamp_ms(
        milliseconds(static_cast<int64_t>(1000.0 * opt.refresh_fraction * schedule_ttl)),
        opt.min_refresh, opt.max_refresh);
    if (same_data && ttl < d.ttl && !e.confirm_ttl) {
      // Possibly a cache counting down: keep the published TTL, ask again once it ran out.
      e.confirm_ttl = true;
      ttl = d.ttl;
      next = clamp_ms(std::chrono::seconds(schedule_ttl) + std::chrono::seconds(1), opt.min_refresh,
                      opt.max_refresh);
    } else {
      e.confirm_ttl = false;
    }

    const bool recovered = d.failures > 0 && before.state != State::kPending;
    d.state = State::kOk;
    d.a_rdata = std::move(v4);
    d.aaaa_rdata = std::move(v6);
    d.ttl = ttl;
    d.rcode = rcode;
    d.canonical_name = a->canonical_name;
    d.resolved_at = t;
    d.expires_at = t + std::chrono::seconds(valid_for);
    d.stale_until = d.expires_at + opt.stale_bound;
    d.next_refresh = t + next;
    d.last_error.clear();
    d.failures = 0;
    if (!d.same_served(before)) {
      note_change(name);
      note_event(recovered ? TargetEvent::Kind::kRecovered : TargetEvent::Kind::kChanged, name, d,
                 data_text(d));
    } else if (recovered) {
      note_event(TargetEvent::Kind::kRecovered, name, d, data_text(d));
    }
  }

  // Runs on the Resolver's thread.
  void on_answer(const std::string& name, uint64_t gen, uint16_t qtype, Result<Answer> r) {
    common::MutexLock lock(mu);
    if (in_flight > 0) --in_flight;
    auto it = entries.find(name);
    if (it != entries.end() && it->second.gen == gen && it->second.outstanding > 0) {
      Entry& e = it->second;
      (qtype == dns::rrtype::kA ? e.a : e.aaaa) = std::move(r);
      if (--e.outstanding == 0) {
        apply(name, e);
        e.a.reset();
        e.aaaa.reset();
        snap.reset();
      }
    }
    cv.notify_all();
  }

  void start_lookups(const std::vector<std::pair<std::string, uint64_t>>& due) {
    auto self = shared_from_this();
    for (const auto& [name, gen] : due) {
      for (uint16_t qtype : {dns::rrtype::kA, dns::rrtype::kAAAA}) {
        auto started = resolver.resolve_async(
            name, qtype, [self, name = name, gen = gen, qtype](Result<Answer> r) {
              self->on_answer(name, gen, qtype, std::move(r));
            });
        if (!started) on_answer(name, gen, qtype, started.error());
      }
    }
  }

  // One pass over the schedule. Holds mu on entry and on return, not while starting lookups.
  void pass() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    const uint64_t asked = passes_asked;
    const SystemTime t = now();
    std::vector<std::pair<std::string, uint64_t>> due;
    for (auto& [name, e] : entries) {
      if (e.outstanding > 0) continue;
      if (e.data.state == State::kStale && t >= e.data.stale_until) {
        const TargetData before = e.data;
        e.data.state = State::kFailed;
        e.data.a_rdata.clear();
        e.data.aaaa_rdata.clear();
        ++st.expirations;
        note_event(TargetEvent::Kind::kExpired, name, e.data,
                   "failures=" + std::to_string(e.data.failures) + " error=" + quote(e.data.last_error));
        if (!e.data.same_served(before)) note_change(name);
        snap.reset();
      }
      if (e.data.next_refresh <= t) {
        e.outstanding = 2;
        in_flight += 2;
        ++st.refreshes;
        due.emplace_back(name, e.gen);
      }
    }
    if (!due.empty()) {
      mu.unlock();
      start_lookups(due);
      mu.lock();
    }
    passes_done = std::max(passes_done, asked);
    cv.notify_all();  // wait_idle() callers
  }

  // Delivers pending notifications when due. Holds mu on entry and on return, not while the
  // hooks run.
  void maybe_notify() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (changed.empty() && events.empty()) return;
    if (in_flight > 0 && SteadyClock::now() - first_change < opt.coalesce) return;
    std::vector<std::string> names(changed.begin(), changed.end());
    std::vector<TargetEvent> evs = std::move(events);
    changed.clear();
    events.clear();
    std::shared_ptr<const TargetSnapshot> s = snapshot_locked();
    notifying = true;
    if (!names.empty()) ++st.notifications;
    mu.unlock();
    // Thread boundary (style rule 5): nothing thrown by a hook escapes.
    try {
      if (opt.on_event) {
        for (const auto& ev : evs) opt.on_event(ev);
      }
      if (!names.empty() && opt.on_change) opt.on_change(s, names);
    } catch (...) {
    }
    mu.lock();
    notifying = false;
    cv.notify_all();
  }

  // How long the thread may sleep.
  milliseconds sleep_time() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    milliseconds wait{1000};  // also bounds the effect of a clock that jumps
    const SystemTime t = now();
    for (const auto& [name, e] : entries) {
      if (e.outstanding > 0) continue;
      SystemTime when = e.data.next_refresh;
      if (e.data.state == State::kStale) when = std::min(when, e.data.stale_until);
      if (when <= t) return milliseconds(0);  // (also: no overflow for SystemTime::min())
      wait = std::min(wait, std::chrono::ceil<milliseconds>(when - t));
    }
    if (!changed.empty() || !events.empty()) {
      wait = std::min(wait, std::chrono::ceil<milliseconds>(first_change + opt.coalesce - SteadyClock::now()));
    }
    return std::max(wait, milliseconds(0));
  }

  void run() {
    common::UniqueLock lock(mu);
    uint64_t seen = kicks;
    while (!stopping) {
      seen = kicks;
      pass();
      maybe_notify();
      if (stopping) break;
      const milliseconds wait = sleep_time();
      if (wait.count() == 0 && (changed.empty() && events.empty())) continue;
      cv.wait_for(lock.native(), wait, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
        return stopping || kicks != seen ||
               ((!changed.empty() || !events.empty()) && in_flight == 0);
      });
    }
  }

  void kick() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    ++kicks;
    cv.notify_all();
  }
};

// ---------------------------------------------------------------------------------------------

TargetCache::TargetCache(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

TargetCache::~TargetCache() {
  {
    common::MutexLock lock(impl_->mu);
    impl_->stopping = true;
    impl_->cv.notify_all();
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  // Resolver callbacks still in flight hold their own reference to impl_.
}

Result<std::unique_ptr<TargetCache>> TargetCache::create(Resolver& resolver,
                                                         TargetCacheOptions options) {
  if (!(options.refresh_fraction > 0.0 && options.refresh_fraction <= 1.0)) {
    return make_error("refresh_fraction must be in (0, 1]", static_cast<int>(ErrorCode::kBadOption));
  }
  if (options.min_refresh.count() <= 0 || options.retry_min.count() <= 0 ||
      options.max_refresh < options.min_refresh || options.retry_max < options.retry_min ||
      options.stale_bound.count() < 0 || options.coalesce.count() < 0) {
    return make_error("bad TargetCache intervals", static_cast<int>(ErrorCode::kBadOption));
  }
  auto impl = std::make_shared<Impl>(resolver, std::move(options));
  try {
    impl->thread = std::thread([raw = impl.get()] {
      common::lower_thread_priority();
      raw->run();
    });
  } catch (const std::system_error& e) {
    return make_error(std::string("cannot start target cache thread: ") + e.what(),
                      static_cast<int>(ErrorCode::kUnbound));
  }
  return std::unique_ptr<TargetCache>(new TargetCache(std::move(impl)));
}

Result<void> TargetCache::watch(std::string_view name) {
  auto w = to_wire_name(name);
  if (!w) return w.error();
  common::MutexLock lock(impl_->mu);
  auto [it, added] = impl_->entries.try_emplace(std::move(w).value());
  if (added) {
    it->second.gen = impl_->next_gen++;
    it->second.data.next_refresh = SystemTime::min();
    impl_->snap.reset();
    impl_->kick();
  }
  return {};
}

Result<void> TargetCache::unwatch(std::string_view name) {
  auto w = to_wire_name(name);
  if (!w) return w.error();
  common::MutexLock lock(impl_->mu);
  if (impl_->entries.erase(*w) > 0) impl_->snap.reset();
  impl_->changed.erase(*w);
  return {};
}

Result<void> TargetCache::set_watched(const std::vector<std::string>& names) {
  std::set<std::string> want;
  for (const auto& n : names) {
    auto w = to_wire_name(n);
    if (!w) return w.error();
    want.insert(std::move(w).value());
  }
  common::MutexLock lock(impl_->mu);
  auto& entries = impl_->entries;
  for (auto it = entries.begin(); it != entries.end();) {
    if (want.count(it->first) == 0) {
      impl_->changed.erase(it->first);
      it = entries.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& n : want) {
    auto [it, added] = entries.try_emplace(n);
    if (added) {
      it->second.gen = impl_->next_gen++;
      it->second.data.next_refresh = SystemTime::min();
    }
  }
  impl_->snap.reset();
  impl_->kick();
  return {};
}

std::shared_ptr<const TargetSnapshot> TargetCache::snapshot() const {
  common::MutexLock lock(impl_->mu);
  return impl_->snapshot_locked();
}

std::optional<TargetData> TargetCache::get(std::string_view name) const {
  auto w = to_wire_name(name);
  if (!w) return std::nullopt;
  common::MutexLock lock(impl_->mu);
  auto it = impl_->entries.find(*w);
  if (it == impl_->entries.end()) return std::nullopt;
  return it->second.data;
}

TargetCacheStats TargetCache::stats() const {
  common::MutexLock lock(impl_->mu);
  TargetCacheStats s = impl_->st;
  s.watched = impl_->entries.size();
  for (const auto& [name, e] : impl_->entries) {
    switch (e.data.state) {
      case State::kPending: ++s.pending; break;
      case State::kOk: ++s.ok; break;
      case State::kStale: ++s.stale; break;
      case State::kFailed: ++s.failed; break;
    }
  }
  return s;
}

void TargetCache::wake() {
  common::MutexLock lock(impl_->mu);
  impl_->kick();
}

void TargetCache::refresh_all() {
  common::MutexLock lock(impl_->mu);
  for (auto& [name, e] : impl_->entries) e.data.next_refresh = SystemTime::min();
  impl_->kick();
}

bool TargetCache::wait_idle(std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  common::UniqueLock lock(m.mu);
  const uint64_t target = ++m.passes_asked;
  m.kick();
  return m.cv.wait_for(lock.native(), timeout, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(m.mu) {
    return m.stopping || (m.passes_done >= target && m.in_flight == 0 && m.changed.empty() &&
                          m.events.empty() && !m.notifying);
  });
}

}  // namespace dnsedge::resolve
