#include "control/writer.h"

#include <chrono>
#include <exception>

#include "common/thread_priority.h"
#include "metrics/registry.h"

namespace dnsedge::control {

Writer::Writer(common::SnapshotPublisher<view::Catalog>& publisher, Build build,
               std::vector<PublishListener> listeners, size_t max_batch, Log log)
    : publisher_(publisher),
      build_(std::move(build)),
      listeners_(std::move(listeners)),
      max_batch_(max_batch),
      log_(std::move(log)) {}

Writer::~Writer() { stop(); }

void Writer::log(const std::string& text) const {
  if (log_) log_(text);
}

void Writer::start() {
  common::MutexLock lock(mu_);
  if (running_) return;
  stopping_ = false;
  running_ = true;
  worker_ = std::thread([this] {
    common::lower_thread_priority();
    run();
  });
}

void Writer::stop() {
  {
    common::MutexLock lock(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  running_ = false;
}

void Writer::post(Job job) {
  {
    common::MutexLock lock(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Writer::run() {
  for (;;) {
    std::vector<Job> batch;
    {
      common::UniqueLock lock(mu_);
      cv_.wait(lock.native(), [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    in_batch_ = true;
    std::vector<Completion> done;
    done.reserve(batch.size());
    for (auto& job : batch) {
      try {
        done.push_back(job());
      } catch (const std::exception& e) {
        log(std::string("event=job-failed reason=\"") + e.what() + "\"");
      } catch (...) {
        log("event=job-failed reason=unknown");
      }
    }
    in_batch_ = false;
    if (dirty_) publish_now();
    for (auto& c : done) {
      if (!c) continue;
      try {
        c();
      } catch (...) {
        log("event=completion-failed");
      }
    }
  }
}

void Writer::publish() {
  if (in_batch_) {
    dirty_ = true;
  } else {
    publish_now();
  }
}

void Writer::publish_now() {
  dirty_ = false;
  const auto began = std::chrono::steady_clock::now();
  const Published published = build_();
  metrics::Registry::global().publish(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  publisher_.publish(published.catalog);
  for (const auto& listener : listeners_) listener(published);
}

}  // namespace dnsedge::control
