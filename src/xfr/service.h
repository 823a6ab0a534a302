#pragma once
// The transfer service: everything the DNS server hands over (xfr::Handler) plus the work that
// follows a publish.
//
//  Outgoing transfers (RFC 5936 AXFR over TCP; RFC 1995 IXFR over TCP and UDP) of the served
//  view: every transfer reads one Catalog snapshot, taken when the request arrives, so it never
//  mixes two versions. IXFR answers from the journal of view diffs when it covers the client's
//  serial (over UDP only when the whole reply fits; otherwise the SOA alone, RFC 1995 §2),
//  falls back to a full transfer over TCP otherwise, and answers the SOA alone to a client
//  that is current.
//
//  TSIG (RFC 8945): a signed request is verified against the keyring; every reply to it is
//  signed (each message of an AXFR). A bad key, signature or time gets NOTAUTH with
//  BADKEY/BADSIG/BADTIME in the TSIG RR. Signed ordinary queries are answered by auth::answer
//  and signed here (the UDP ones on the service's thread, off the query path).
//
//  RCODEs: a zone we do not serve → NOTAUTH (as Knot DNS); not allowed by the zone's ACL →
//  REFUSED; AXFR over UDP → NOTIMP (answered by auth::answer; RFC 5936 §4.2 leaves it undefined);
//  IXFR without the client's SOA in the authority section → FORMERR.
//
//  After a publish (published(), a publish listener; handled on the service's thread): each zone
//  whose serial changed gets a NOTIFY (RFC 1996) sent to its peers, retried with exponential
//  backoff until a matching reply arrives. The zones served when the service starts are
//  notified too. (The diffs IXFR answers from were journaled with the change itself.)
//
// Thread safety: kind(), tcp(), udp() and set_config() may be called from any thread.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "common/mutex.h"
#include "common/result.h"
#include "common/snapshot.h"
#include "common/unique_fd.h"
#include "view/zone_view.h"
#include "xfr/config.h"
#include "xfr/handler.h"
#include "xfr/journal.h"
#include "xfr/log_limit.h"
#include "xfr/nsec_chain.h"

namespace dnsedge::xfr {

struct ServiceOptions {
  JournalReader* journal = nullptr;  // null: no IXFR deltas (IXFR answers with full transfers)
  // The NSEC chains of online-signed zones, sent with their full transfers (xfr/nsec_chain.h).
  SignedZones* signed_zones = &SignedZones::global();
  std::chrono::milliseconds notify_first_retry{1000};
  unsigned notify_attempts = 6;  // 1 s, 2 s, 4 s, ... between attempts
  std::chrono::milliseconds watch_interval{50};  // NOTIFY retries and replies are checked this often
  // A NOTIFY from a primary of a secondary zone (Config::incoming) was accepted: check the zone.
  std::function<void(const std::string& apex)> on_notify;
  // Log lines about rejected requests (bad TSIG, refused NOTIFY or transfer, malformed) per
  // second; the rest are summed up in one "suppressed" line.
  unsigned rejection_logs_per_second = 10;
  // NOTIFYs wait for serving() (the DNS listeners are up): a secondary that asks for the SOA at
  // once must find a server that answers it. False: they go out from start().
  bool notify_when_serving = false;
};

class Service final : public Handler {
 public:
  Service(const common::SnapshotPublisher<view::Catalog>& catalog, ServiceOptions options);
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  Result<void> start();
  void stop();

  void set_config(std::shared_ptr<const Config> config);
  // A publish listener (control/writer.h): hands the catalog just published to the service's
  // thread, which sends the NOTIFYs. Any thread; also before start().
  void published(std::shared_ptr<const view::Catalog> catalog);
  // The DNS listeners answer now: NOTIFYs held back (notify_when_serving) go out. Any thread.
  void serving();
  std::shared_ptr<const Config> config() const;

  Kind kind(Kind parsed) const noexcept override;
  std::unique_ptr<MessageStream> tcp(std::span<const uint8_t> query, const sockaddr_storage& peer) override;
  bool udp(int fd, std::span<const uint8_t> query, const sockaddr_storage& peer, socklen_t peer_len,
           const void* control, size_t control_len) noexcept override;

  // Counters (for tests and the log).
  struct Stats {
    std::atomic<uint64_t> axfr{0}, ixfr{0}, ixfr_as_axfr{0}, refused{0}, tsig_errors{0}, notifies_sent{0},
        notifies_acked{0}, udp_dropped{0};
  };
  const Stats& stats() const noexcept { return stats_; }

  // Builds the reply to one request (all messages). Public for unit tests; the server uses
  // tcp()/udp().
  std::unique_ptr<MessageStream> handle(std::span<const uint8_t> query, const sockaddr_storage& peer, bool tcp);

 private:
  struct UdpQueue;
  struct Notifier;
  void udp_loop();
  void watch_loop();
  void on_publish(const view::Catalog& next);
  // True when a line about a rejected request may be logged now (see rejection_logs_per_second).
  bool log_rejection();

  const common::SnapshotPublisher<view::Catalog>& catalog_;
  ServiceOptions options_;
  mutable common::Mutex mu_;
  std::shared_ptr<const Config> config_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> has_incoming_{false};  // NOTIFY is ours only when we have secondary zones
  Stats stats_;
  LogLimit rejection_log_;
  std::unique_ptr<UdpQueue> queue_;
  std::unique_ptr<Notifier> notifier_;
  common::UniqueFd wake_;  // eventfd: UDP work queued, or stop
  common::UniqueFd watch_wake_;  // eventfd: a catalog was published, or stop
  common::Mutex published_mu_;
  std::shared_ptr<const view::Catalog> published_ ABSL_GUARDED_BY(published_mu_);
  bool serving_ ABSL_GUARDED_BY(published_mu_) = false;
  std::atomic<bool> stopping_{false};
  std::thread udp_thread_, watch_thread_;
  // watch thread
  std::map<std::string, std::shared_ptr<const view::ZoneView>> seen_;
};

}  // namespace dnsedge::xfr
