#include "resolve/flatten_cache.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <condition_variable>
#include <mutex>

#include "dns/name.h"
#include "dns/types.h"
#include "resolve/internal/test_knotd.h"

namespace dnsedge::resolve {
namespace {

using namespace std::chrono_literals;
using State = TargetData::State;
using testing::FakeClock;
using testing::Knotd;

// www: two A (TTL 60), one AAAA (TTL 30). alias: CNAME (TTL 40) to www. txt: TXT only.
std::string ext_zone(int serial, const char* www_a2 = "192.0.2.2", int aaaa_ttl = 30,
                     int a_ttl = 60) {
  return "$ORIGIN ext.example.\n"
         "@     300 SOA ns hostmaster " + std::to_string(serial) + " 3600 600 86400 5\n"
         "@     300 NS ns\n"
         "ns    300 A 127.0.0.1\n"
         "www   " + std::to_string(a_ttl) + " A 192.0.2.1\n"
         "www   " + std::to_string(a_ttl) + " A " + www_a2 + "\n"
         "www   " + std::to_string(aaaa_ttl) + " AAAA 2001:db8::1\n"
         "alias 40 CNAME www\n"
         "txt   60 TXT \"only text\"\n";
}

std::string A(const char* text) {
  std::string out(4, '\0');
  inet_pton(AF_INET, text, out.data());
  return out;
}
std::string AAAA(const char* text) {
  std::string out(16, '\0');
  inet_pton(AF_INET6, text, out.data());
  return out;
}
std::string W(const char* text) { return dns::name_from_text(text).value(); }

// Records on_change calls and events.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<std::string>> changes;  // names per call (text form)
  std::vector<TargetEvent> events;

  void install(TargetCacheOptions& o) {
    o.on_change = [this](std::shared_ptr<const TargetSnapshot>, const std::vector<std::string>& names) {
      std::vector<std::string> t;
      for (const auto& n : names) t.push_back(dns::name_to_text(n));
      std::lock_guard lock(mu);
      changes.push_back(std::move(t));
      cv.notify_all();
    };
    o.on_event = [this](const TargetEvent& e) {
      std::lock_guard lock(mu);
      events.push_back(e);
    };
  }
  size_t calls() {
    std::lock_guard lock(mu);
    return changes.size();
  }
  std::vector<std::string> last() {
    std::lock_guard lock(mu);
    return changes.empty() ? std::vector<std::string>{} : changes.back();
  }
  bool saw(TargetEvent::Kind k, State s) {
    std::lock_guard lock(mu);
    for (const auto& e : events) {
      if (e.kind == k && e.state == s) return true;
    }
    return false;
  }
};

class TargetCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = Knotd::start({{"ext.example.", ext_zone(1)}});
    ASSERT_TRUE(k) << k.error().message;
    knot_ = std::move(k).value();
    auto r = Resolver::create(ResolverOptions{.upstreams = {knot_->address()},
                                              .timeout = 500ms,
                                              .down_retry = 1s});
    ASSERT_TRUE(r) << r.error().message;
    resolver_ = std::move(r).value();
  }

  // Fake clock, 1 s refresh floor, 100 s stale bound.
  TargetCacheOptions fake_options() {
    TargetCacheOptions o;
    o.min_refresh = 1s;
    o.retry_min = 2s;
    o.retry_max = 8s;
    o.stale_bound = 100s;
    o.coalesce = 2s;  // long: the wave's end (nothing in flight) must trigger the call
    o.now = clock_.fn();
    rec_.install(o);
    return o;
  }

  std::unique_ptr<TargetCache> make(TargetCacheOptions o) {
    auto c = TargetCache::create(*resolver_, std::move(o));
    EXPECT_TRUE(c) << c.error().message;
    return c ? std::move(c).value() : nullptr;
  }

  // Moves the fake clock and lets the cache finish everything that became due.
  void advance(std::chrono::seconds d, TargetCache& c) {
    clock_.advance(d);
    ASSERT_TRUE(c.wait_idle(10s));
  }

  std::unique_ptr<Knotd> knot_;
  std::unique_ptr<Resolver> resolver_;
  FakeClock clock_;
  Recorder rec_;
};

TEST_F(TargetCacheTest, FirstResolutionFillsAddressesAndNotifiesOnce) {
  auto c = make(fake_options());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->watch("www.ext.example."));
  ASSERT_TRUE(c->watch(W("alias.ext.example.")));
  ASSERT_TRUE(c->wait_idle(10s));

  const SystemTime t0 = clock_.now();
  auto snap = c->snapshot();
  ASSERT_EQ(snap->size(), 2u);
  const TargetData& www = snap->at(W("www.ext.example."));
  EXPECT_EQ(www.state, State::kOk);
  EXPECT_EQ(www.a_rdata, (std::vector<std::string>{A("192.0.2.1"), A("192.0.2.2")}));
  EXPECT_EQ(www.aaaa_rdata, std::vector<std::string>{AAAA("2001:db8::1")});
  EXPECT_EQ(www.ttl, 30u);  // min(A 60, AAAA 30)
  EXPECT_EQ(www.rcode, 0);
  EXPECT_EQ(www.resolved_at, t0);
  EXPECT_EQ(www.expires_at, t0 + 30s);
  EXPECT_EQ(www.stale_until, t0 + 130s);
  EXPECT_EQ(www.next_refresh, t0 + 25500ms);  // 0.85 × 30 s

  const TargetData& alias = snap->at(W("alias.ext.example."));
  EXPECT_EQ(alias.state, State::kOk);
  EXPECT_EQ(alias.a_rdata, www.a_rdata);
  EXPECT_EQ(alias.aaaa_rdata, www.aaaa_rdata);
  EXPECT_EQ(alias.canonical_name, W("www.ext.example."));
  EXPECT_EQ(alias.ttl, 30u);

  // Both names changed in one wave: one call naming both.
  ASSERT_EQ(rec_.calls(), 1u);
  auto names = rec_.last();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"alias.ext.example.", "www.ext.example."}));
  EXPECT_TRUE(rec_.saw(TargetEvent::Kind::kChanged, State::kOk));

  const auto st = c->stats();
  EXPECT_EQ(st.refreshes, 2u);
  EXPECT_EQ(st.successes, 2u);
  EXPECT_EQ(st.failures, 0u);
  EXPECT_EQ(st.watched, 2u);
  EXPECT_EQ(st.ok, 2u);
  EXPECT_EQ(st.notifications, 1u);
}

TEST_F(TargetCacheTest, TargetWithoutAddressesIsOkAndEmpty) {
  auto c = make(fake_options());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->set_watched({"txt.ext.example.", "missing.ext.example."}));
  ASSERT_TRUE(c->wait_idle(10s));
  auto txt = c->get("txt.ext.example.");
  ASSERT_TRUE(txt);
  EXPECT_EQ(txt->state, State::kOk);
  EXPECT_EQ(txt->rcode, dns::rcode::kNoError);
  EXPECT_TRUE(txt->a_rdata.empty());
  EXPECT_TRUE(txt->aaaa_rdata.empty());
  EXPECT_EQ(txt->ttl, 5u);  // negative TTL: min(SOA TTL 300, MINIMUM 5)

  auto nx = c->get("missing.ext.example.");
  ASSERT_TRUE(nx);
  EXPECT_EQ(nx->state, State::kOk);
  EXPECT_EQ(nx->rcode, dns::rcode::kNxDomain);
  EXPECT_TRUE(nx->a_rdata.empty());
  EXPECT_EQ(c->stats().failures, 0u);
}

TEST_F(TargetCacheTest, UnchangedDataKeepsItsTtlAndDoesNotNotify) {
  auto c = make(fake_options());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->watch("www.ext.example."));
  ASSERT_TRUE(c->wait_idle(10s));
  ASSERT_EQ(rec_.calls(), 1u);
  auto before = *c->get("www.ext.example.");

  for (int i = 0; i < 3; ++i) advance(26s, *c);

  auto after = *c->get("www.ext.example.");
  EXPECT_EQ(c->stats().refreshes, 4u);
  EXPECT_EQ(rec_.calls(), 1u);  // no churn
  EXPECT_TRUE(after.same_served(before));
  EXPECT_EQ(after.ttl, 30u);
  EXPECT_EQ(after.resolved_at, before.resolved_at + 78s);
}

TEST_F(TargetCacheTest, RefreshPicksUpAChange) {
  auto c = make(fake_options());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->set_watched({"www.ext.example.", "alias.ext.example."}));
  ASSERT_TRUE(c->wait_idle(10s));
  ASSERT_EQ(rec_.calls(), 1u);

  ASSERT_TRUE(knot_->set_zone("ext.example.", ext_zone(2, "192.0.2.3")));
  advance(10s, *c);  // not due yet
  EXPECT_EQ(c->get("www.ext.example.")->a_rdata[1], A("192.0.2.2"));
  advance(16s, *c);

  ASSERT_EQ(rec_.calls(), 2u);
  auto names = rec_.last();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"alias.ext.example.", "www.ext.example."}));
  for (const char* n : {"www.ext.example.", "alias.ext.example."}) {
    auto d = c->get(n);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->a_rdata, (std::vector<std::string>{A("192.0.2.1"), A("192.0.2.3")})) << n;
    EXPECT_EQ(d->state, State::kOk);
  }
}

TEST_F(TargetCacheTest, LowerTtlWithSameDataIsAdoptedOnlyWhenConfirmed) {
  auto c = make(fake_options());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->watch("www.ext.example."));
  ASSERT_TRUE(c->wait_idle(10s));

  ASSERT_TRUE(knot_->set_zone("ext.example.", ext_zone(2, "192.0.2.2", /*aaaa_ttl=*/10)));
  advance(26s, *c);
  auto d = *c->get("www.ext.example.");
  EXPECT_EQ(d.ttl, 30u);  // could be a cache counting down: kept
  EXPECT_EQ(d.next_refresh, clock_.now() + 11s);  // asked again when that countdown is over
  EXPECT_EQ(rec_.calls(), 1u);

  advance(11s, *c);
  d = *c->get("www.ext.example.");
  EXPECT_EQ(d.ttl, 10u);  // confirmed
  EXPECT_EQ(rec_.calls(), 2u);

  // A higher TTL is adopted at once.
  ASSERT_TRUE(knot_->set_zone("ext.example.", ext_zone(3, "192.0.2.2", /*aaaa_ttl=*/50)));
  advance(9s, *c);
  EXPECT_EQ(c->get("www.ext.example.")->ttl, 50u);
  EXPECT_EQ(rec_.calls(), 3u);
}

TEST_F(TargetCacheTest, FailureServesStaleThenFailsThenRecovers) {
  auto c = make(fake_options());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->watch("www.ext.example."));
  ASSERT_TRUE(c->wait_idle(10s));
  const SystemTime t0 = clock_.now();
  const auto good = *c->get("www.ext.example.");
  ASSERT_EQ(good.state, State::kOk);

  knot_->stop();
  advance(26s, *c);  // refresh fails: last good data stays, as stale
  auto d = *c->get("www.ext.example.");
  EXPECT_EQ(d.state, State::kStale);
  EXPECT_EQ(d.a_rdata, good.a_rdata);
  EXPECT_EQ(d.aaaa_rdata, good.aaaa_rdata);
  EXPECT_EQ(d.ttl, good.ttl);
  EXPECT_EQ(d.failures, 1u);
  EXPECT_FALSE(d.last_error.empty());
  EXPECT_EQ(d.next_refresh, clock_.now() + 2s);  // retry_min
  EXPECT_EQ(rec_.calls(), 2u);  // ok → stale
  EXPECT_TRUE(rec_.saw(TargetEvent::Kind::kRefreshFailed, State::kStale));

  advance(2s, *c);  // second failure: backoff doubles, nothing served changes
  d = *c->get("www.ext.example.");
  EXPECT_EQ(d.state, State::kStale);
  EXPECT_EQ(d.failures, 2u);
  EXPECT_EQ(d.next_refresh, clock_.now() + 4s);
  EXPECT_EQ(rec_.calls(), 2u);

  // Past expires_at + stale_bound (t0 + 130 s): no data any more.
  clock_.advance(t0 + 131s - clock_.now());
  ASSERT_TRUE(c->wait_idle(10s));
  d = *c->get("www.ext.example.");
  EXPECT_EQ(d.state, State::kFailed);
  EXPECT_TRUE(d.a_rdata.empty());
  EXPECT_TRUE(d.aaaa_rdata.empty());
  EXPECT_EQ(rec_.calls(), 3u);
  EXPECT_TRUE(rec_.saw(TargetEvent::Kind::kExpired, State::kFailed));

  auto st = c->stats();
  EXPECT_GE(st.failures, 2u);
  EXPECT_GE(st.stale_serves, 2u);
  EXPECT_EQ(st.expirations, 1u);
  EXPECT_EQ(st.failed, 1u);

  // The upstream comes back; libunbound retries it after down_retry (1 s real time).
  ASSERT_TRUE(knot_->restart());
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (c->get("www.ext.example.")->state != State::kOk && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(200ms);
    advance(8s, *c);
  }
  d = *c->get("www.ext.example.");
  EXPECT_EQ(d.state, State::kOk);
  EXPECT_EQ(d.a_rdata, good.a_rdata);
  EXPECT_EQ(d.failures, 0u);
  EXPECT_TRUE(rec_.saw(TargetEvent::Kind::kRecovered, State::kOk));
}

TEST_F(TargetCacheTest, FirstResolutionFailureIsFailedNotPending) {
  knot_->stop();
  auto c = make(fake_options());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->watch("www.ext.example."));
  ASSERT_TRUE(c->wait_idle(10s));
  auto d = *c->get("www.ext.example.");
  EXPECT_EQ(d.state, State::kFailed);
  EXPECT_EQ(d.failures, 1u);
  EXPECT_EQ(rec_.calls(), 1u);  // pending → failed
}

TEST_F(TargetCacheTest, UnwatchForgetsTheName) {
  auto c = make(fake_options());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->set_watched({"www.ext.example.", "alias.ext.example."}));
  ASSERT_TRUE(c->wait_idle(10s));
  ASSERT_TRUE(c->unwatch("www.ext.example."));
  EXPECT_FALSE(c->get("www.ext.example."));
  EXPECT_EQ(c->snapshot()->count(W("www.ext.example.")), 0u);
  EXPECT_EQ(c->stats().watched, 1u);

  const uint64_t lookups = resolver_->stats().lookups;
  advance(26s, *c);
  EXPECT_EQ(resolver_->stats().lookups, lookups + 2);  // alias only

  ASSERT_TRUE(c->set_watched({}));
  advance(26s, *c);
  EXPECT_EQ(resolver_->stats().lookups, lookups + 2);
  EXPECT_TRUE(c->snapshot()->empty());

  // Unwatched while its lookups are in flight: their results are dropped.
  ASSERT_TRUE(c->watch("www.ext.example."));
  ASSERT_TRUE(c->unwatch("www.ext.example."));
  ASSERT_TRUE(c->wait_idle(10s));
  EXPECT_TRUE(c->snapshot()->empty());
  EXPECT_FALSE(c->unwatch("bad..name"));
}

TEST_F(TargetCacheTest, RefreshesInTheBackgroundWithTheRealClock) {
  ASSERT_TRUE(knot_->set_zone("ext.example.", ext_zone(2, "192.0.2.2", 2, 2)));
  TargetCacheOptions o;
  o.min_refresh = 200ms;
  o.coalesce = 50ms;
  rec_.install(o);
  auto c = make(std::move(o));
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->watch("www.ext.example."));
  {
    std::unique_lock lock(rec_.mu);
    ASSERT_TRUE(rec_.cv.wait_for(lock, 5s, [&] { return rec_.changes.size() == 1; }));
  }
  EXPECT_EQ(c->get("www.ext.example.")->ttl, 2u);
  ASSERT_TRUE(knot_->set_zone("ext.example.", ext_zone(3, "192.0.2.9", 2, 2)));
  {
    std::unique_lock lock(rec_.mu);
    ASSERT_TRUE(rec_.cv.wait_for(lock, 5s, [&] { return rec_.changes.size() == 2; }));
  }
  EXPECT_EQ(c->get("www.ext.example.")->a_rdata,
            (std::vector<std::string>{A("192.0.2.1"), A("192.0.2.9")}));
  EXPECT_GE(c->stats().refreshes, 2u);
}

TEST_F(TargetCacheTest, RefreshAllIgnoresTheSchedule) {
  auto c = make(fake_options());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->watch("www.ext.example."));
  ASSERT_TRUE(c->wait_idle(10s));
  c->refresh_all();
  ASSERT_TRUE(c->wait_idle(10s));
  EXPECT_EQ(c->stats().refreshes, 2u);
}

TEST(TargetCacheOptionsTest, RejectsBadIntervals) {
  auto r = Resolver::create(ResolverOptions{.upstreams = {"127.0.0.1:9"}});
  ASSERT_TRUE(r);
  EXPECT_FALSE(TargetCache::create(**r, TargetCacheOptions{.refresh_fraction = 0}));
  EXPECT_FALSE(TargetCache::create(**r, TargetCacheOptions{.min_refresh = 0ms}));
  EXPECT_FALSE(TargetCache::create(**r, TargetCacheOptions{.min_refresh = 10s, .max_refresh = 1s}));
  EXPECT_TRUE(TargetCache::create(**r, TargetCacheOptions{}));
}

TEST(TargetDataTest, SameServedIgnoresBookkeeping) {
  TargetData a;
  a.state = State::kOk;
  a.a_rdata = {A("192.0.2.1")};
  a.ttl = 60;
  TargetData b = a;
  b.resolved_at = SystemTime(100s);
  b.next_refresh = SystemTime(200s);
  b.failures = 3;
  b.last_error = "x";
  EXPECT_TRUE(a.same_served(b));
  b.ttl = 61;
  EXPECT_FALSE(a.same_served(b));
  b = a;
  b.state = State::kStale;
  EXPECT_FALSE(a.same_served(b));
  EXPECT_EQ(state_name(State::kStale), "stale");
}

}  // namespace
}  // namespace dnsedge::resolve
