#pragma once
// DNS over TCP (RFC 1035 §4.2.2, RFC 7766): one thread running a Boost.Asio io_context with a
// C++20 coroutine per listener and per connection. Boost.Asio is included by tcp_server.cc
// only; this header keeps it out of every other translation unit.
//
// Per connection: 2-byte length, then the message; a message shorter than a DNS header closes
// the connection. Queries are answered one after the other, so pipelined queries (RFC 7766
// §6.2.1.1) get their answers in order. A connection that does not deliver a complete query
// within the idle timeout is closed (RFC 7766 §6.2.3), as is one whose peer does not take an
// answer within the same time; the timeout bounds the whole query, from accept or the end of the
// previous answer to its last byte, not the gaps between bytes. At max_clients connections, a
// new one is admitted by closing the idle or incomplete connection that has waited longest, one
// of the newcomer's own address first (common/conn_table.h); only when every connection is busy
// answering is the new one accepted and closed at once.
//
// Thread safety: create(), start() and stop() from the controlling thread.

#include <chrono>
#include <memory>
#include <vector>

#include "common/result.h"
#include "common/snapshot.h"
#include "common/unique_fd.h"
#include "dnstap/dnstap.h"
#include "server/cookies.h"
#include "view/zone_view.h"
#include "xfr/handler.h"

namespace dnsedge::server::internal {

struct TcpListener {
  common::UniqueFd fd;  // bound and listening
  int family = 0;       // AF_INET or AF_INET6
};

struct TcpOptions {
  std::chrono::milliseconds idle_timeout{10000};  // --tcp-query-timeout
  size_t max_clients = 1024;                       // --tcp-max-connections
  // The TCP thread refreshes its snapshot at least this often, even without traffic.
  std::chrono::milliseconds idle_refresh{1000};
  xfr::Handler* xfr = nullptr;  // transfers, NOTIFY, signed queries (see server.h)
  const CookieSecrets* cookies = nullptr;  // DNS cookies: answers carry a server cookie; may be null
  dnstap::Writer* dnstap = nullptr;        // the TCP thread's dnstap queue (null: off)
  // Fresh DNSSEC signatures per second while other answers compete (auth::OnlineSigner; 0: none).
  uint32_t signing_budget = 8000;
};

class TcpServer {
 public:
  static Result<std::unique_ptr<TcpServer>> create(
      std::vector<TcpListener> listeners, const TcpOptions& options,
      const common::SnapshotPublisher<view::Catalog>& catalog);
  virtual ~TcpServer() = default;
  virtual Result<void> start() = 0;
  // Stops the io_context and joins the thread; open connections are closed. Idempotent.
  virtual void stop() = 0;
};

}  // namespace dnsedge::server::internal
