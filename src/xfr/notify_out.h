#pragma once
// NOTIFY out (RFC 1996): the messages a primary sends its secondaries after a zone changes,
// retried with a doubling interval until each secondary answers (RFC 1996 §3.6). Owned and
// driven by Service's watch thread only; not thread-safe.

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "view/zone_view.h"
#include "xfr/config.h"
#include "xfr/service.h"

namespace dnsedge::xfr {

struct Service::Notifier {
  using Clock = std::chrono::steady_clock;

  struct Pending {
    std::string apex;
    uint32_t serial = 0;
    Peer peer;
    sockaddr_storage to{};
    socklen_t to_len = 0;
    uint16_t id = 0;
    unsigned attempts = 0;
    Clock::time_point due;
    std::vector<uint8_t> msg;
    std::optional<SourceAddress> source;  // unset: the kernel chooses
  };
  // One socket per source: "" and "6" are unbound IPv4/IPv6 sockets, others bound to the address.
  struct Socket {
    common::UniqueFd fd;
    bool failed = false;  // bind failed: logged once, tried again on the next attempt
  };
  std::map<std::string, Socket> sockets;
  std::vector<Pending> pending;
  std::mt19937 rng{std::random_device{}()};
  ServiceOptions options;
  Stats* stats = nullptr;

  // Replaces what is pending for `z` with a NOTIFY of its current serial to each of its peers.
  void queue(const view::ZoneView& z, const ZoneOutgoing& out, const std::vector<SourceAddress>& sources);
  // Sends what is due; gives up on a peer after options.notify_attempts attempts.
  void tick();
  // The socket NOTIFY to `p` leaves from, opened (and bound to its source) on first use.
  common::UniqueFd& socket_for(const Pending& p);
  // Reads the answers that arrived and drops what they acknowledge.
  void receive();
  std::vector<pollfd> poll_fds() const;
};

}  // namespace dnsedge::xfr
