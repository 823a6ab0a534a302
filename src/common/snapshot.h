#pragma once
// Publication of immutable snapshots to many readers without locks on the read path.
//
// SnapshotPublisher<T> holds the current std::shared_ptr<const T> and a generation counter.
// Each reader thread owns a SnapshotReader<T>, which caches a shared_ptr and refreshes it only
// when the generation changed (PowerDNS's GlobalStateHolder/LocalStateHolder idea). The steady
// state of get() is one acquire load and a compare: no lock, no refcount traffic.
// (std::atomic<std::shared_ptr> is not lock-free with libstdc++ 12, hence this scheme.)
//
// Retired snapshots are released by the reader on its next refresh; the publisher keeps the
// previous snapshot alive until the next publish so a destructor of a big zone set normally runs
// on the publishing thread, not on a query thread.
//
// Thread safety: publish() and current() may be called from any thread (they take a mutex);
// a SnapshotReader must only be used by the one thread that owns it.

#include <atomic>
#include <cstdint>
#include <memory>

#include "common/mutex.h"

namespace dnsedge::common {

template <typename T>
class SnapshotPublisher {
 public:
  explicit SnapshotPublisher(std::shared_ptr<const T> initial) : current_(std::move(initial)) {}
  SnapshotPublisher(const SnapshotPublisher&) = delete;
  SnapshotPublisher& operator=(const SnapshotPublisher&) = delete;

  // Replaces the current snapshot. Readers see it on their next get().
  void publish(std::shared_ptr<const T> next) {
    std::shared_ptr<const T> old;
    {
      MutexLock lock(mu_);
      old = std::move(retired_);
      retired_ = std::move(current_);
      current_ = std::move(next);
      generation_.fetch_add(1, std::memory_order_release);
    }
    // `old` (two publishes ago) is released here, on the publisher's thread, unless a slow
    // reader still holds it.
  }

  std::shared_ptr<const T> current() const {
    MutexLock lock(mu_);
    return current_;
  }

  uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

 private:
  mutable Mutex mu_;
  std::shared_ptr<const T> current_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const T> retired_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{1};
};

template <typename T>
class SnapshotReader {
 public:
  explicit SnapshotReader(const SnapshotPublisher<T>& pub) : pub_(&pub) {}

  // The current snapshot. Valid until the next call to get() on this reader.
  const T& get() noexcept {
    const uint64_t g = pub_->generation();
    if (g != seen_) [[unlikely]] {
      local_ = pub_->current();
      seen_ = g;
    }
    return *local_;
  }

 private:
  const SnapshotPublisher<T>* pub_;
  std::shared_ptr<const T> local_;
  uint64_t seen_ = 0;
};

}  // namespace dnsedge::common
