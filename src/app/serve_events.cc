#include "app/serve_events.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace dnsedge::app {

Result<ServeEvents> ServeEvents::open() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGHUP);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  if (const int e = pthread_sigmask(SIG_BLOCK, &sigs, nullptr); e != 0) {
    return make_error(std::string("pthread_sigmask: ") + std::strerror(e));
  }
  ServeEvents ev;
  ev.signal_fd_.reset(::signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!ev.signal_fd_.valid()) return make_error(std::string("signalfd: ") + std::strerror(errno));
  ev.wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!ev.wake_fd_.valid()) return make_error(std::string("eventfd: ") + std::strerror(errno));
  ev.resign_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!ev.resign_fd_.valid()) return make_error(std::string("eventfd: ") + std::strerror(errno));
  return ev;
}

namespace {

void wake(int fd) noexcept {
  const uint64_t one = 1;
  // EAGAIN only when the counter is about to overflow: a wake-up is pending anyway.
  while (::write(fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

}  // namespace

void ServeEvents::external_changed() const noexcept { wake(wake_fd_.get()); }

void ServeEvents::resign_files() const noexcept { wake(resign_fd_.get()); }

ServeEvents::Event ServeEvents::wait() {
  for (;;) {
    signalfd_siginfo si{};
    const ssize_t n = ::read(signal_fd_.get(), &si, sizeof si);
    if (n == static_cast<ssize_t>(sizeof si)) {
      const int sig = static_cast<int>(si.ssi_signo);
      return Event{sig == SIGHUP ? Kind::kReload : Kind::kStop, sig};
    }
    uint64_t count = 0;
    if (::read(resign_fd_.get(), &count, sizeof count) == static_cast<ssize_t>(sizeof count)) {
      return Event{Kind::kResignFiles};
    }
    if (::read(wake_fd_.get(), &count, sizeof count) == static_cast<ssize_t>(sizeof count)) {
      return Event{Kind::kExternalChanged};
    }
    pollfd fds[3] = {{signal_fd_.get(), POLLIN, 0}, {resign_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
    (void)::poll(fds, 3, -1);  // EINTR: look again
  }
}

}  // namespace dnsedge::app
