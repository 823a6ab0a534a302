#pragma once
// CPU priority of control-plane threads (docs/architecture.md "Threads"): the API server, the
// controller's writer, zone transfers and the background resolver run as SCHED_BATCH at nice
// kControlPlaneNice, so that on a core shared with a DNS worker they never preempt it on wakeup
// and get a smaller share when both want the CPU. Query capacity is what a DNS server is for;
// a burst of writes then takes a little longer instead of costing queries. Under no load they
// run as soon as they are woken, as before (writes stay fast on an idle server).
//
// Linux: nice values are per thread (setpriority on the thread id). Failures are ignored: an
// unprivileged container may refuse, and the server works the same, only without the hint.

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace dnsedge::common {

inline constexpr int kControlPlaneNice = 5;

// Call at the start of a control-plane thread.
inline void lower_thread_priority() noexcept {
  sched_param p{};
  p.sched_priority = 0;
  (void)::sched_setscheduler(0, SCHED_BATCH, &p);  // 0: the calling thread
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), kControlPlaneNice);
}

}  // namespace dnsedge::common
