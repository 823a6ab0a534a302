#pragma once
// A bound on log lines that strangers can trigger (rejected NOTIFYs, bad TSIG, refused
// transfers): at most `per_second` lines in each one-second window; the lines held back are
// counted, and the first call of a later window reports how many, so the caller can log one
// "suppressed K similar messages" line.
//
// Thread safety: any thread (a mutex; this is not the query path).

#include <chrono>
#include <cstdint>

#include "common/mutex.h"

namespace dnsedge::xfr {

class LogLimit {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogLimit(unsigned per_second) : per_second_(per_second) {}

  struct Pass {
    bool log = false;         // this line may be logged
    uint64_t suppressed = 0;  // lines held back since the last report: log that first
  };
  Pass pass(Clock::time_point now = Clock::now());

 private:
  common::Mutex mu_;
  const unsigned per_second_;
  Clock::time_point window_ ABSL_GUARDED_BY(mu_){};
  unsigned logged_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace dnsedge::xfr
