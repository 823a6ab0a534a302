#include "common/mutex.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <thread>
#include <vector>

namespace dnsedge::common {
namespace {

struct Counter {
  Mutex mu;
  std::condition_variable cv;
  int value ABSL_GUARDED_BY(mu) = 0;
  bool ready ABSL_GUARDED_BY(mu) = false;
};

TEST(MutexTest, MutexLockExcludesOtherThreads) {
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10000; ++i) {
        MutexLock lock(c.mu);
        ++c.value;
      }
    });
  }
  for (auto& t : threads) t.join();
  MutexLock lock(c.mu);
  EXPECT_EQ(c.value, 40000);
}

TEST(MutexTest, UniqueLockWaitsOnAConditionVariable) {
  Counter c;
  std::thread setter([&c] {
    MutexLock lock(c.mu);
    c.ready = true;
    c.value = 7;
    c.cv.notify_all();
  });
  UniqueLock lock(c.mu);
  c.cv.wait(lock.native(), [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(c.mu) { return c.ready; });
  EXPECT_EQ(c.value, 7);
  lock.unlock();
  setter.join();
  lock.lock();
  EXPECT_TRUE(c.ready);
}

TEST(MutexTest, TryLockFailsWhileHeld) {
  Mutex mu;
  MutexLock lock(mu);
  bool got = true;
  std::thread other([&] {
    got = false;
    if (mu.try_lock()) {
      got = true;
      mu.unlock();
    }
  });
  other.join();
  EXPECT_FALSE(got);
}

}  // namespace
}  // namespace dnsedge::common
