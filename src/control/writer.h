#pragma once
// The control plane's writer thread and its queue: every change to the controller's state runs
// as a job on this one thread, in the order posted.
//
// Batching. The thread takes every queued job at once (at most max_batch), runs them, and then
// publishes one Catalog for the whole batch (bursts are coalesced). Each job returns a
// Completion that runs only after that publish, so an acknowledgement sent from a completion
// means what the job wrote is served.
//
// Publishing. publish() asks for a publish: inside a batch it is done once, at the batch's end;
// outside one (before start(), after stop(), in unit tests) at once. A publish builds the
// Catalog (build), hands it to the SnapshotPublisher the query path reads, and then calls
// every publish listener in the order registered, still on the writer thread and before the
// batch's completions run: a listener's work (the edge opening an app's port, zone transfers
// sending NOTIFY) is done when the write is acknowledged.
//
// Thread safety: post(), call(), start(), stop() and running() from any thread; publish() and
// publish_now() on the writer thread only (or, while the thread is not running, on the owner's).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "common/mutex.h"
#include "common/snapshot.h"
#include "control/unique_function.h"
#include "view/zone_view.h"

namespace dnsedge::control {

using Completion = UniqueFunction<void()>;
using Job = UniqueFunction<Completion()>;

// What one publish hands its listeners.
struct Published {
  std::shared_ptr<const view::Catalog> catalog;  // what DNS now answers from
  // The external names (outside every zone we serve) the store zones need resolved, when they
  // may have changed since the last publish; nullopt when they did not.
  std::optional<std::vector<std::string>> external_names;
};

// Called on the writer thread after each publish, before the batch's writes are acknowledged.
// Must not block for long (it delays every acknowledgement) and must not post() and wait (the
// writer would wait for itself).
using PublishListener = std::function<void(const Published& published)>;

class Writer {
 public:
  using Build = std::function<Published()>;
  using Log = std::function<void(const std::string&)>;

  Writer(common::SnapshotPublisher<view::Catalog>& publisher, Build build,
         std::vector<PublishListener> listeners, size_t max_batch, Log log);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Starts the writer thread. From then on, use post()/call().
  void start();
  // Runs the queued jobs, then joins the writer thread. Idempotent.
  void stop();
  bool running() const noexcept { return running_.load(); }

  // Queues a job for the writer thread. Jobs run in order. Thread-safe.
  void post(Job job);

  // Runs f on the writer thread and returns its result once the batch it ran in is published.
  // Runs f inline when the thread is not running. Thread-safe; never call it from a job.
  template <typename F>
  auto call(F f) -> std::invoke_result_t<F&> {
    using R = std::invoke_result_t<F&>;
    if (!running_) return f();
    std::promise<R> p;
    auto fut = p.get_future();
    post([&f, &p]() -> Completion {
      try {
        if constexpr (std::is_void_v<R>) {
          f();
          return [&p]() { p.set_value(); };
        } else {
          auto r = std::make_shared<R>(f());
          return [&p, r]() { p.set_value(std::move(*r)); };
        }
      } catch (...) {
        return [&p, e = std::current_exception()]() { p.set_exception(e); };
      }
    });
    return fut.get();
  }

  // ---- writer thread ---------------------------------------------------------------------
  // Publishes now, or once the running batch ends.
  void publish();
  // Builds and publishes the Catalog, then calls the listeners.
  void publish_now();

 private:
  void run();
  void log(const std::string& text) const;

  common::SnapshotPublisher<view::Catalog>& publisher_;
  Build build_;
  std::vector<PublishListener> listeners_;
  size_t max_batch_;
  Log log_;

  common::Mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> running_{false};
  bool in_batch_ = false;  // writer thread
  bool dirty_ = false;     // writer thread
  std::thread worker_;
};

}  // namespace dnsedge::control
