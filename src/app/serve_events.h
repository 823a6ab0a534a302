#pragma once
// What the main thread of `dnsedge serve` waits for: the signals it handles (SIGHUP: reload the
// zone files; SIGTERM, SIGINT: stop), read from a signalfd, and wake-ups from other threads, read
// from an eventfd. The resolver's target cache calls external_changed() when an external name's
// served data changed; the main thread then recompiles what depends on external names. No signal
// is sent for that: a wake-up costs the notifying thread one write(2) and never blocks it.
//
// Thread safety: external_changed() from any thread; everything else from the thread that
// opened it (the main thread).

#include <signal.h>

#include "common/result.h"
#include "common/unique_fd.h"

namespace dnsedge::app {

class ServeEvents {
 public:
  enum class Kind { kReload, kStop, kExternalChanged, kResignFiles };
  struct Event {
    Kind kind;
    int signal = 0;  // kReload, kStop: the signal received
  };

  // Blocks SIGHUP, SIGTERM and SIGINT in the calling thread (threads it starts afterwards inherit
  // the mask, so these signals reach only the signalfd) and opens the descriptors.
  [[nodiscard]] static Result<ServeEvents> open();

  // Wakes the main thread: the next wait() returns kExternalChanged. Every call made before that
  // wait() reads them is one event (a burst of changes is one recompile). Never blocks.
  void external_changed() const noexcept;

  // Wakes the main thread: a next wait() returns kResignFiles (the signatures of the zone files
  // signed online are due for a refresh). Calls before that wait() are one event. Never blocks.
  void resign_files() const noexcept;

  // Blocks until an event is there. Signals come first, then a re-sign, then an external change.
  Event wait();

 private:
  ServeEvents() = default;
  common::UniqueFd signal_fd_;
  common::UniqueFd wake_fd_;
  common::UniqueFd resign_fd_;
};

}  // namespace dnsedge::app
