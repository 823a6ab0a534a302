#pragma once
// DNS transport: UDP workers (SO_REUSEPORT, recvmmsg/sendmmsg) and TCP (RFC 7766: length
// framing, pipelined queries answered in order, idle timeout). Framing only: every answer comes
// from auth::answer over the catalog snapshot the worker holds.
//
// Thread safety: start() and stop() from one controlling thread. Workers each own a
// SnapshotReader, so publishing a new Catalog never blocks or drops a query.

#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/snapshot.h"
#include "dnstap/options.h"
#include "server/rrl.h"
#include "view/zone_view.h"
#include "xfr/handler.h"

namespace dnsedge::server {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  // "127.0.0.1:5353" or "[::1]:5353". Port 0 binds an ephemeral port.
  static Result<Endpoint> parse(std::string_view text);
  std::string to_string() const;
  int family() const noexcept { return addr.ss_family; }
  uint16_t port() const noexcept;
};

struct ServerOptions {
  std::vector<Endpoint> listen;
  unsigned threads = 1;  // UDP worker threads (each serves every UDP listener)
  std::chrono::milliseconds tcp_idle_timeout{10000};
  size_t tcp_max_clients = 1024;
  // Zone transfers, NOTIFY and TSIG-signed queries go to this handler (null: auth::answer
  // answers everything: transfers REFUSED, NOTIFY NOTIMP). Must outlive the server.
  xfr::Handler* xfr = nullptr;
  // Response rate limiting of UDP answers (server/rrl.h); rrl.rate = 0 turns it off.
  RrlOptions rrl;
  // DNS cookies: the server secret is replaced this often (the previous one stays accepted).
  std::chrono::seconds cookie_rotation{3600};
  // dnstap query logging (dnstap/dnstap.h); an empty socket path turns it off.
  dnstap::Options dnstap;
  // Fresh DNSSEC signatures per second per worker (and for the TCP thread) while answers that
  // need none compete (auth::OnlineSigner); 0: no budget.
  uint32_t signing_budget = 8000;
};

class DnsServer {
 public:
  // Binds every listener (UDP and TCP on each endpoint) and starts the workers. Fails, with the
  // address and the OS reason, if any bind fails; nothing is left running then.
  static Result<std::unique_ptr<DnsServer>> start(const ServerOptions& options,
                                                  const common::SnapshotPublisher<view::Catalog>& catalog);
  virtual ~DnsServer() = default;
  // Stops accepting, finishes in-flight answers, joins every thread. Idempotent.
  virtual void stop() = 0;
  // The endpoints actually bound (ports resolved when 0 was asked).
  virtual std::vector<Endpoint> bound() const = 0;
  // Rate limiting counters, summed over the UDP workers (any thread).
  virtual RrlCounters rrl_counters() const = 0;
};

}  // namespace dnsedge::server
