#pragma once
// What the DNS server hands to the transfer module (docs/architecture.md: "server hands AXFR/IXFR and
// NOTIFY to xfr"). The server knows only this interface; xfr::Service implements it.
//
//  - kind(): called for every query on the fast path with the query parser's classification
//    (dns::kind); says where the query goes. Must not allocate, lock or block.
//  - tcp(): a query over TCP that kind() did not call kAnswer: returns the messages to send, in
//    order (an AXFR is many), produced one at a time so a big zone is never held twice.
//  - udp(): the same over UDP; the handler queues it (a bounded, lock-free queue: never
//    allocates or blocks; a full queue drops the query, as an overloaded server does) and
//    answers later from its own thread through `fd`, from the address the query was sent to.

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "xfr/wire.h"

namespace dnsedge::xfr {

class MessageStream {
 public:
  virtual ~MessageStream() = default;
  // The next message, or nullopt when the reply is complete (or must be cut short).
  virtual std::optional<std::vector<uint8_t>> next() = 0;
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual Kind kind(Kind parsed) const noexcept = 0;
  virtual std::unique_ptr<MessageStream> tcp(std::span<const uint8_t> query, const sockaddr_storage& peer) = 0;
  virtual bool udp(int fd, std::span<const uint8_t> query, const sockaddr_storage& peer, socklen_t peer_len,
                   const void* control, size_t control_len) noexcept = 0;
};

}  // namespace dnsedge::xfr
