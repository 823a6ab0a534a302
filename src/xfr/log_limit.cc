#include "xfr/log_limit.h"

namespace dnsedge::xfr {

LogLimit::Pass LogLimit::pass(Clock::time_point now) {
  common::MutexLock lock(mu_);
  Pass p;
  if (now - window_ >= std::chrono::seconds(1)) {
    window_ = now;
    logged_ = 0;
    p.suppressed = suppressed_;
    suppressed_ = 0;
  }
  if (logged_ < per_second_) {
    ++logged_;
    p.log = true;
  } else {
    ++suppressed_;
  }
  return p;
}

}  // namespace dnsedge::xfr
