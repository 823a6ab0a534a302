// DnsServer::start: binds every listener, then starts the UDP workers and the TCP thread.

#include "server/server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "common/unique_fd.h"
#include "dnstap/dnstap.h"
#include "server/cookies.h"
#include "server/internal/tcp_server.h"
#include "server/internal/udp_worker.h"
#include "spdlog/spdlog.h"

namespace dnsedge::server {
namespace {

using common::UniqueFd;
using internal::TcpListener;
using internal::UdpSocket;

// Asked for on every UDP socket; the kernel caps it at net.core.{r,w}mem_max.
constexpr int kSocketBuffer = 4 << 20;
// Port 0: how many ephemeral ports to try until one is free for UDP and TCP alike.
constexpr int kEphemeralAttempts = 8;

std::string os_error(int err) { return std::error_code(err, std::generic_category()).message(); }

Error listen_error(const Endpoint& ep, const char* proto, int err) {
  return make_error("cannot listen on " + ep.to_string() + " (" + proto + "): " + os_error(err));
}

bool is_wildcard(const Endpoint& ep) {
  if (ep.family() == AF_INET) {
    sockaddr_in sa;
    std::memcpy(&sa, &ep.addr, sizeof sa);
    return sa.sin_addr.s_addr == htonl(INADDR_ANY);
  }
  sockaddr_in6 sa;
  std::memcpy(&sa, &ep.addr, sizeof sa);
  return IN6_IS_ADDR_UNSPECIFIED(&sa.sin6_addr);
}

bool set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

// A socket, or the errno of the step that failed.
struct Opened {
  UniqueFd fd;
  int err = 0;
};

Opened failed() { return Opened{UniqueFd(), errno}; }

Opened open_udp(const Endpoint& ep, bool reuseport, bool pktinfo) {
  UniqueFd fd(socket(ep.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return failed();
  const bool v6 = ep.family() == AF_INET6;
  if (v6 && !set_int(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1)) return failed();
  if (reuseport && !set_int(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1)) return failed();
  (void)set_int(fd.get(), SOL_SOCKET, SO_RCVBUF, kSocketBuffer);
  (void)set_int(fd.get(), SOL_SOCKET, SO_SNDBUF, kSocketBuffer);
  // Never set DF on answers and ignore path-MTU updates: a forged ICMP "too big" must not make
  // us fragment (as Knot DNS and NSD do). Best effort.
  if (v6) {
    (void)set_int(fd.get(), IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_OMIT);
  } else {
    (void)set_int(fd.get(), IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_OMIT);
  }
  if (pktinfo && !(v6 ? set_int(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
                      : set_int(fd.get(), IPPROTO_IP, IP_PKTINFO, 1))) {
    return failed();
  }
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&ep.addr), ep.len) != 0) return failed();
  return Opened{std::move(fd), 0};
}

Opened open_tcp(const Endpoint& ep) {
  UniqueFd fd(socket(ep.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return failed();
  if (ep.family() == AF_INET6 && !set_int(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1)) return failed();
  // Restarts must not wait for TIME_WAIT; a live listener on the port still makes bind fail.
  if (!set_int(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1)) return failed();
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&ep.addr), ep.len) != 0) return failed();
  if (listen(fd.get(), SOMAXCONN) != 0) return failed();
  return Opened{std::move(fd), 0};
}

struct BoundEndpoint {
  Endpoint bound;               // the port resolved
  std::vector<UdpSocket> udp;   // one per worker
  TcpListener tcp;
};

// Binds one UDP socket per worker and the TCP listener on `ep`, all on the same port.
//
// The first UDP socket binds *without* SO_REUSEPORT and sets it right after: the bind then fails
// if anything holds the port, even another SO_REUSEPORT group of the same user that we would
// otherwise silently share it with; and for port 0, Linux only picks a port nobody uses (with
// SO_REUSEPORT set first it may hand out a port another same-user group already has). The
// other workers then join the group with SO_REUSEPORT.
Result<BoundEndpoint> bind_endpoint(const Endpoint& ep, unsigned workers) {
  const bool ephemeral = ep.port() == 0;
  const bool wildcard = is_wildcard(ep);
  for (int attempt = 1;; ++attempt) {
    BoundEndpoint b;
    Opened first = open_udp(ep, /*reuseport=*/false, wildcard);
    if (first.err != 0) return listen_error(ep, "udp", first.err);
    if (!set_int(first.fd.get(), SOL_SOCKET, SO_REUSEPORT, 1)) return listen_error(ep, "udp", errno);
    b.bound.len = sizeof b.bound.addr;
    if (getsockname(first.fd.get(), reinterpret_cast<sockaddr*>(&b.bound.addr), &b.bound.len) != 0) {
      return listen_error(ep, "udp", errno);
    }
    b.udp.push_back(UdpSocket{std::move(first.fd), wildcard, b.bound.addr});
    for (unsigned i = 1; i < workers; ++i) {
      Opened s = open_udp(b.bound, /*reuseport=*/true, wildcard);
      if (s.err != 0) return listen_error(b.bound, "udp", s.err);
      b.udp.push_back(UdpSocket{std::move(s.fd), wildcard, b.bound.addr});
    }
    Opened t = open_tcp(b.bound);
    if (t.err != 0) {
      // Port 0: the port the kernel gave UDP is taken for TCP; start over with another one.
      if (ephemeral && t.err == EADDRINUSE && attempt < kEphemeralAttempts) continue;
      return listen_error(b.bound, "tcp", t.err);
    }
    b.tcp = TcpListener{std::move(t.fd), ep.family()};
    return b;
  }
}

class DnsServerImpl final : public DnsServer {
 public:
  ~DnsServerImpl() override { stop(); }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    if (stop_fd_.valid()) {
      // Level-triggered and never read: every worker's epoll keeps reporting it.
      const uint64_t one = 1;
      while (write(stop_fd_.get(), &one, sizeof one) < 0 && errno == EINTR) {
      }
    }
    for (auto& w : workers_) w->join();
    if (rotator_.joinable()) rotator_.join();
    if (tcp_) tcp_->stop();
    workers_.clear();  // closes the UDP sockets
    tcp_.reset();      // closes the TCP listener and connections
    dnstap_.reset();   // drains the dnstap queues to the reader
  }

  std::vector<Endpoint> bound() const override { return bound_; }

  RrlCounters rrl_counters() const override {
    RrlCounters sum;
    for (const auto& w : workers_) {
      const RrlCounters c = w->rrl_counters();
      sum.limited += c.limited;
      sum.slipped += c.slipped;
      sum.dropped += c.dropped;
      sum.cookie_exempt += c.cookie_exempt;
    }
    return sum;
  }

  // Replaces the cookie secret every `period` until the stop eventfd is signalled.
  void rotate_cookies(std::chrono::seconds period) {
    const long ms = std::chrono::duration_cast<std::chrono::milliseconds>(period).count();
    const int timeout = static_cast<int>(std::clamp<long>(ms, 1000, 24L * 3600 * 1000));
    pollfd p{stop_fd_.get(), POLLIN, 0};
    for (;;) {
      const int r = poll(&p, 1, timeout);
      if (r > 0) return;
      if (r < 0) {
        if (errno == EINTR) continue;
        spdlog::error("dns cookies: poll: {}; the secret is no longer rotated", os_error(errno));
        return;
      }
      auto next = CookieSecrets::random_secret();
      if (!next) {
        spdlog::error("{}; the previous secret stays in use", next.error().message);
        continue;
      }
      cookies_->rotate(*next);
    }
  }

  std::vector<Endpoint> bound_;
  UniqueFd stop_fd_;
  // Declared before the workers, which use them until they are joined.
  std::unique_ptr<CookieSecrets> cookies_;
  std::unique_ptr<RrlTable> rrl_;
  std::unique_ptr<dnstap::Sink> dnstap_;  // one writer per UDP worker, the last for TCP
  std::thread rotator_;
  std::vector<std::unique_ptr<internal::UdpWorker>> workers_;
  std::unique_ptr<internal::TcpServer> tcp_;
  bool stopped_ = false;
};

Result<std::unique_ptr<DnsServer>> start_impl(const ServerOptions& options,
                                              const common::SnapshotPublisher<view::Catalog>& catalog) {
  if (options.listen.empty()) return make_error("no listen address configured");
  // 0 threads: one UDP worker per CPU.
  const unsigned threads =
      options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());

  std::vector<BoundEndpoint> bound;
  for (const Endpoint& ep : options.listen) {
    if (ep.family() != AF_INET && ep.family() != AF_INET6) {
      return make_error("cannot listen on an endpoint without an address family");
    }
    auto b = bind_endpoint(ep, threads);
    if (!b) return b.error();  // sockets bound so far close as `bound` goes out of scope
    bound.push_back(std::move(b).value());
  }

  auto server = std::make_unique<DnsServerImpl>();
  server->stop_fd_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!server->stop_fd_.valid()) return make_error("eventfd: " + os_error(errno));

  auto first_secret = CookieSecrets::random_secret();
  if (!first_secret) return first_secret.error();
  server->cookies_ = std::make_unique<CookieSecrets>(*first_secret);
  if (options.rrl.rate != 0) {
    auto hash_key = CookieSecrets::random_secret();  // the bucket hash is keyed at random too
    if (!hash_key) return hash_key.error();
    server->rrl_ = std::make_unique<RrlTable>(options.rrl, *hash_key);
  }

  if (!options.dnstap.socket_path.empty()) {
    auto sink = dnstap::Sink::open(options.dnstap, threads + 1);
    if (!sink) return sink.error();
    server->dnstap_ = std::move(sink).value();
  }

  std::vector<TcpListener> listeners;
  for (BoundEndpoint& b : bound) {
    server->bound_.push_back(b.bound);
    listeners.push_back(std::move(b.tcp));
  }
  for (unsigned w = 0; w < threads; ++w) {
    std::vector<UdpSocket> sockets;
    for (BoundEndpoint& b : bound) sockets.push_back(std::move(b.udp[w]));
    server->workers_.push_back(
        std::make_unique<internal::UdpWorker>(std::move(sockets), catalog, server->stop_fd_.get(), options.xfr,
                                              server->cookies_.get(), server->rrl_.get()));
    if (server->dnstap_) server->workers_.back()->set_dnstap(server->dnstap_->writer(w));
    server->workers_.back()->set_signing_budget(options.signing_budget);
  }
  auto tcp = internal::TcpServer::create(
      std::move(listeners),
      internal::TcpOptions{.idle_timeout = options.tcp_idle_timeout,
                           .max_clients = options.tcp_max_clients,
                           .xfr = options.xfr,
                           .cookies = server->cookies_.get(),
                           .dnstap = server->dnstap_ ? server->dnstap_->writer(threads) : nullptr,
                           .signing_budget = options.signing_budget},
      catalog);
  if (!tcp) return tcp.error();
  server->tcp_ = std::move(tcp).value();

  // From here on a failure stops what already runs (the destructor of `server`).
  for (auto& w : server->workers_) {
    if (auto r = w->start(); !r) return r.error();
  }
  if (auto r = server->tcp_->start(); !r) return r.error();
  try {
    server->rotator_ = std::thread([s = server.get(), period = options.cookie_rotation] { s->rotate_cookies(period); });
  } catch (const std::system_error& e) {
    return make_error(std::string("cannot start the cookie secret rotation: ") + e.what());
  }

  std::string where;
  for (const Endpoint& ep : server->bound_) {
    if (!where.empty()) where += ", ";
    where += ep.to_string();
  }
  spdlog::info("listening on {} (udp, {} workers) and tcp", where, threads);
  if (options.rrl.rate != 0) {
    spdlog::info("response rate limiting: {} responses/s per /{} (IPv4) and /{} (IPv6) prefix, slip {}",
                 options.rrl.rate, options.rrl.ipv4_prefix, options.rrl.ipv6_prefix, options.rrl.slip);
  } else {
    spdlog::info("response rate limiting: off");
  }
  return std::unique_ptr<DnsServer>(std::move(server));
}

}  // namespace

Result<std::unique_ptr<DnsServer>> DnsServer::start(
    const ServerOptions& options, const common::SnapshotPublisher<view::Catalog>& catalog) {
  try {
    return start_impl(options, catalog);
  } catch (const std::exception& e) {  // allocation or thread creation: fail start cleanly
    return make_error(std::string("cannot start the DNS server: ") + e.what());
  }
}

}  // namespace dnsedge::server
