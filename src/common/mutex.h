#pragma once
// A std::mutex that clang's thread-safety analysis understands (libstdc++'s own is not
// annotated). Data a mutex guards is declared with Abseil's annotations, and clang
// (`-Wthread-safety`, see CONTRIBUTING.md) checks every access:
//
//   common::Mutex mu_;
//   std::vector<App> apps_ ABSL_GUARDED_BY(mu_);
//   void apply() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);   // callers hold mu_
//
//   common::MutexLock lock(mu_);       // std::lock_guard
//   common::UniqueLock lock(mu_);      // std::unique_lock, for a std::condition_variable:
//   cv_.wait(lock.native(), [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ready_; });
//
// At run time these are exactly std::mutex, std::lock_guard and std::unique_lock.

#include <mutex>

#include "absl/base/thread_annotations.h"

namespace dnsedge::common {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return mu_.try_lock(); }

 private:
  friend class UniqueLock;
  std::mutex mu_;
};

// Holds `mu` for its lifetime.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// Holds `mu` from construction until unlock() or destruction; native() is the
// std::unique_lock a std::condition_variable waits with (it gives the mutex back before
// returning, so the analysis may assume it is held throughout).
class ABSL_SCOPED_LOCKABLE UniqueLock {
 public:
  explicit UniqueLock(Mutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : lock_(mu.mu_) {}
  ~UniqueLock() ABSL_UNLOCK_FUNCTION() {}
  UniqueLock(const UniqueLock&) = delete;
  UniqueLock& operator=(const UniqueLock&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { lock_.lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { lock_.unlock(); }
  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace dnsedge::common
