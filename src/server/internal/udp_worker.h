#pragma once
// One UDP worker thread: an epoll loop over its own socket for each listen endpoint (the
// sockets of all workers share each port through SO_REUSEPORT, so the kernel spreads clients
// over the workers) plus the server's stop eventfd.
//
// When a socket is readable the worker drains it with recvmmsg(MSG_DONTWAIT) in batches of
// kBatch datagrams, answers each with auth::answer over the catalog snapshot it holds, and
// sends the batch's replies with one sendmmsg. Every buffer is allocated once, in the
// constructor; the loop itself allocates nothing, takes no lock and does not log.
//
// Each answer carries a fresh server cookie when the query had a COOKIE (the secrets are
// copied once per batch, when they were rotated), and goes through response rate limiting:
// a client with a valid server cookie is exempt, the others' responses over the rate are
// slipped (sent truncated) or dropped (server/rrl.h).
//
// Thread safety: construct and start() from the controlling thread; after start() only the
// worker thread touches the object until join() returns.

#include <memory>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/snapshot.h"
#include "analytics/recorder.h"
#include "common/unique_fd.h"
#include "dnstap/dnstap.h"
#include "metrics/dns_counters.h"
#include "server/cookies.h"
#include "server/rrl.h"
#include "view/zone_view.h"
#include "xfr/handler.h"

namespace dnsedge::server::internal {

struct UdpSocket {
  common::UniqueFd fd;
  // Bound to a wildcard address: IP_PKTINFO / IPV6_RECVPKTINFO are on, and replies carry the
  // query's destination address as their source (a multi-homed host must answer from the
  // address it was asked on).
  bool pktinfo = false;
  sockaddr_storage local{};  // the address bound (dnstap's response address)
};

class UdpWorker {
 public:
  static constexpr unsigned kBatch = 32;        // datagrams per recvmmsg/sendmmsg
  static constexpr size_t kQueryBuffer = 4096;  // larger datagrams are dropped (MSG_TRUNC)
  // After this long without traffic the worker wakes to refresh its snapshot, so an idle
  // worker does not keep an old catalog alive.
  static constexpr int kIdleRefreshMs = 1000;

  // `stop_fd` is an eventfd owned by the caller; once it is readable the worker exits.
  // `cookies` (DNS cookie secrets) and `rrl` (the shared rate limiting table) may be null (no
  // cookies, no rate limiting); both must outlive the worker.
  UdpWorker(std::vector<UdpSocket> sockets, const common::SnapshotPublisher<view::Catalog>& catalog,
            int stop_fd, xfr::Handler* xfr = nullptr, const CookieSecrets* cookies = nullptr,
            RrlTable* rrl = nullptr);
  ~UdpWorker();
  UdpWorker(const UdpWorker&) = delete;
  UdpWorker& operator=(const UdpWorker&) = delete;

  // This worker's dnstap queue (dnstap/dnstap.h); before start(). Null (the default): off.
  void set_dnstap(dnstap::Writer* writer) noexcept { dnstap_ = writer; }
  // This worker's budget of fresh DNSSEC signatures per second while other answers compete
  // (auth::OnlineSigner, --dnssec-signing-budget; 0: none); before start(). Default 8000.
  void set_signing_budget(uint32_t per_second) noexcept;
  // Creates the epoll set and starts the thread.
  Result<void> start();
  // Waits for the thread to exit (after the stop eventfd was signalled). Idempotent.
  void join();
  // This worker's rate limiting counters (any thread).
  RrlCounters rrl_counters() const noexcept { return slip_.counters(); }

 private:
  struct Buffers;
  void run() noexcept;
  void drain(const UdpSocket& socket) noexcept;

  std::vector<UdpSocket> sockets_;
  common::SnapshotReader<view::Catalog> reader_;
  int stop_fd_;
  xfr::Handler* xfr_;  // transfers, NOTIFY, signed queries: queued to it (never answered here)
  const CookieSecrets* cookies_;
  CookieSecrets::Pair secrets_;          // the worker's copy, taken at ...
  uint64_t secrets_generation_ = ~uint64_t{0};  // ... this generation
  RrlTable* rrl_;
  RrlSlip slip_;
  metrics::DnsCounters metrics_;  // this worker's own counters (metrics/dns_counters.h)
  dnstap::Writer* dnstap_ = nullptr;
  analytics::Recorder analytics_;  // this worker's analytics slabs (analytics/recorder.h)
  common::UniqueFd epoll_;
  std::unique_ptr<Buffers> buffers_;
  std::thread thread_;
};

}  // namespace dnsedge::server::internal
