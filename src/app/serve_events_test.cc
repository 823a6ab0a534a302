// The main thread's wake-ups in `dnsedge serve`: signals through a signalfd, external-target
// changes and re-sign requests through eventfds, bursts coalesced.

#include "app/serve_events.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <thread>
#include <vector>

namespace dnsedge::app {
namespace {

ServeEvents open_events() {
  auto ev = ServeEvents::open();
  EXPECT_TRUE(ev) << (ev ? "" : ev.error().message);
  return std::move(*ev);
}

TEST(ServeEventsTest, ABurstOfChangesFromOtherThreadsIsOneWakeUp) {
  ServeEvents ev = open_events();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&ev] {
      for (int i = 0; i < 100; ++i) ev.external_changed();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ev.wait().kind, ServeEvents::Kind::kExternalChanged);
  // Nothing else is pending: the next event is the signal sent now, not a second wake-up.
  ASSERT_EQ(pthread_kill(pthread_self(), SIGHUP), 0);
  const auto next = ev.wait();
  EXPECT_EQ(next.kind, ServeEvents::Kind::kReload);
  EXPECT_EQ(next.signal, SIGHUP);
}

TEST(ServeEventsTest, AWakeUpReachesAThreadAlreadyWaiting) {
  ServeEvents ev = open_events();
  std::thread notifier([&ev] { ev.external_changed(); });
  EXPECT_EQ(ev.wait().kind, ServeEvents::Kind::kExternalChanged);
  notifier.join();
}

TEST(ServeEventsTest, SignalsComeBeforeAPendingChange) {
  ServeEvents ev = open_events();
  ev.external_changed();
  ASSERT_EQ(pthread_kill(pthread_self(), SIGTERM), 0);
  auto e = ev.wait();
  EXPECT_EQ(e.kind, ServeEvents::Kind::kStop);
  EXPECT_EQ(e.signal, SIGTERM);
  EXPECT_EQ(ev.wait().kind, ServeEvents::Kind::kExternalChanged);
  ASSERT_EQ(pthread_kill(pthread_self(), SIGINT), 0);
  e = ev.wait();
  EXPECT_EQ(e.kind, ServeEvents::Kind::kStop);
  EXPECT_EQ(e.signal, SIGINT);
}

// The rollover timer's request to sign the zone files again: its own event, bursts coalesced,
// after signals and before a pending external change.
TEST(ServeEventsTest, AResignRequestIsItsOwnEvent) {
  ServeEvents ev = open_events();
  ev.external_changed();
  std::thread timer([&ev] {
    for (int i = 0; i < 10; ++i) ev.resign_files();
  });
  timer.join();
  ASSERT_EQ(pthread_kill(pthread_self(), SIGHUP), 0);
  EXPECT_EQ(ev.wait().kind, ServeEvents::Kind::kReload);
  EXPECT_EQ(ev.wait().kind, ServeEvents::Kind::kResignFiles);
  EXPECT_EQ(ev.wait().kind, ServeEvents::Kind::kExternalChanged);
  ev.resign_files();
  EXPECT_EQ(ev.wait().kind, ServeEvents::Kind::kResignFiles);
}

TEST(ServeEventsTest, SIGUSR1IsNotOneOfItsSignals) {
  // The change wake-up is not a signal: SIGUSR1 stays unblocked (its default action).
  ServeEvents ev = open_events();
  sigset_t now;
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, nullptr, &now), 0);
  EXPECT_EQ(sigismember(&now, SIGHUP), 1);
  EXPECT_EQ(sigismember(&now, SIGTERM), 1);
  EXPECT_EQ(sigismember(&now, SIGINT), 1);
  EXPECT_EQ(sigismember(&now, SIGUSR1), 0);
}

}  // namespace
}  // namespace dnsedge::app
