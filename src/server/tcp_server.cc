// DNS over TCP with Boost.Asio and C++20 coroutines (the only translation unit that includes
// Boost.Asio, to keep compile times down).

#include "server/internal/tcp_server.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio.hpp>

#include "analytics/recorder.h"
#include "auth/answer.h"
#include "auth/online_sign.h"
#include "common/conn_table.h"
#include "dns/message.h"
#include "dns/types.h"
#include "metrics/dns_counters.h"
#include "spdlog/spdlog.h"

namespace dnsedge::server::internal {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using boost::system::error_code;

// RFC 1035 §4.2.2: every message is preceded by a two-octet length.
constexpr size_t kLengthPrefix = 2;
constexpr size_t kMaxMessage = 65535;
// After a failed accept (EMFILE, ENOBUFS, …) wait this long before trying again.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
// Shedding at the connection limit is logged at most this often.
constexpr auto kShedLogInterval = std::chrono::seconds(60);

struct Connection;
using Table = common::ConnTable<Connection*>;

common::PeerAddress peer_address(const tcp::endpoint& ep) {
  const auto a = ep.address();
  if (a.is_v4()) return common::PeerAddress::v4(a.to_v4().to_bytes().data());
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return common::PeerAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes().data());
  return common::PeerAddress::v6(v6.to_bytes().data());
}

struct Connection {
  Connection(tcp::socket s, std::chrono::milliseconds idle)
      : socket(std::move(s)),
        deadline(socket.get_executor()),
        in(std::make_unique_for_overwrite<uint8_t[]>(kLengthPrefix + kMaxMessage)),
        out(std::make_unique_for_overwrite<uint8_t[]>(kLengthPrefix + auth::kMaxResponse)) {
    deadline.expires_after(idle);
  }

  tcp::socket socket;
  // When it expires the watchdog closes the socket: set for each query (a complete query must
  // arrive in time) and for each answer (the peer must take it in time).
  asio::steady_timer deadline;
  // in[begin, end) holds received bytes not yet consumed; a whole maximal message always fits
  // once the buffer is compacted.
  std::unique_ptr<uint8_t[]> in;
  size_t begin = 0;
  size_t end = 0;
  std::unique_ptr<uint8_t[]> out;  // length prefix + answer
  // Its place in the connection table; nullptr once shed (closed to make room).
  Table::Entry* entry = nullptr;
  sockaddr_storage peer{};  // the client's address, taken once at accept
  sockaddr_storage local{};  // the address it connected to (dnstap)
};

class TcpServerImpl final : public TcpServer {
 public:
  TcpServerImpl(const TcpOptions& options, const common::SnapshotPublisher<view::Catalog>& catalog)
      : options_(options), reader_(catalog), table_(options.max_clients) {}

  ~TcpServerImpl() override { stop(); }

  Result<void> init(std::vector<TcpListener> listeners) {
    for (TcpListener& l : listeners) {
      tcp::acceptor acceptor(ioc_);
      error_code ec;
      acceptor.assign(l.family == AF_INET6 ? tcp::v6() : tcp::v4(), l.fd.get(), ec);
      if (ec) return make_error("tcp listener: " + ec.message());
      (void)l.fd.release();  // owned by the acceptor now
      acceptors_.push_back(std::move(acceptor));
    }
    return {};
  }

  Result<void> start() override {
    try {
      auto guard = asio::make_work_guard(ioc_);
      thread_ = std::thread([this] { run(); });
      for (tcp::acceptor& a : acceptors_) asio::co_spawn(ioc_, accept_loop(a), asio::detached);
      asio::co_spawn(ioc_, refresh_loop(), asio::detached);
    } catch (const std::exception& e) {
      stop();
      return make_error(std::string("cannot start the TCP thread: ") + e.what());
    }
    return {};
  }

  void stop() override {
    if (!thread_.joinable()) return;
    // Close the listeners and every connection on the TCP thread; run() returns once every
    // coroutine has finished.
    asio::post(ioc_, [this] { shutdown(); });
    thread_.join();
  }

 private:
  void run() noexcept {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        // Connection coroutines catch their own exceptions; this is a last resort.
        spdlog::error("tcp: unexpected exception: {}", e.what());
      }
    }
  }

  void shutdown() {
    shutting_down_ = true;
    error_code ec;
    for (tcp::acceptor& a : acceptors_) a.close(ec);
    refresh_timer_.cancel();
    table_.for_each([&](Connection* c) {
      c->socket.close(ec);
      c->deadline.cancel();
    });
  }

  awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    asio::steady_timer backoff(ioc_);
    bool pause = false;
    while (!shutting_down_) {
      try {
        error_code ec;
        if (pause) {
          pause = false;
          backoff.expires_after(kAcceptBackoff);
          co_await backoff.async_wait(asio::redirect_error(use_awaitable, ec));
          continue;
        }
        tcp::socket socket =
            co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
        if (shutting_down_ || ec == asio::error::operation_aborted) co_return;
        if (ec) {
          pause = ec != asio::error::connection_aborted;  // EMFILE, ENOBUFS, …: back off
          continue;
        }
        const tcp::endpoint peer = socket.remote_endpoint(ec);
        if (ec) continue;  // already gone
        const common::PeerAddress from = peer_address(peer);
        if (table_.full() && !shed(from)) {
          socket.close(ec);  // every connection is busy: accept and close at once
          continue;
        }
        socket.set_option(tcp::no_delay(true), ec);  // pipelined answers must not wait for ACKs
        auto c = std::make_shared<Connection>(std::move(socket), options_.idle_timeout);
        if (peer.size() <= sizeof c->peer) std::memcpy(&c->peer, peer.data(), peer.size());
        if (const tcp::endpoint local = c->socket.local_endpoint(ec); !ec && local.size() <= sizeof c->local) {
          std::memcpy(&c->local, local.data(), local.size());
        }
        c->entry = table_.add(from, c.get());  // serve() removes it when the connection ends
        asio::co_spawn(ioc_, serve(std::move(c)), asio::detached);
      } catch (const std::exception&) {
        pause = true;  // out of memory: the new connection (if any) was closed by its destructor
      }
    }
  }

  // At the limit (RFC 7766 §6.2.3): closes the idle or incomplete connection that has waited
  // longest, of the newcomer's own address first. False when every connection is busy.
  bool shed(const common::PeerAddress& from) {
    Table::Entry* victim = table_.victim(from);
    if (victim == nullptr) return false;
    Connection* v = victim->value();
    table_.remove(victim);
    v->entry = nullptr;
    error_code ec;
    v->socket.close(ec);
    v->deadline.cancel();
    ++shed_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_shed_log_ >= kShedLogInterval) {
      spdlog::warn("tcp: {} connections (the limit): closed {} idle or incomplete connection(s) to admit new ones",
                   table_.limit(), shed_);
      last_shed_log_ = now;
      shed_ = 0;
    }
    return true;
  }

  // The connection boundary: nothing escapes it, the connection is closed whatever happens.
  awaitable<void> serve(std::shared_ptr<Connection> c) {
    try {
      asio::co_spawn(ioc_, watchdog(c), asio::detached);
      co_await session(*c);
    } catch (...) {  // NOLINT(bugprone-empty-catch): closing the connection is the handling
    }
    error_code ec;
    c->socket.close(ec);
    c->deadline.cancel();
    if (c->entry != nullptr) table_.remove(c->entry);
    c->entry = nullptr;
  }

  // Idle or incomplete (sheddable at the limit) or busy (answering); not once shed.
  void set_waiting(Connection& c, bool waiting) noexcept {
    if (c.entry != nullptr) table_.set_waiting(c.entry, waiting);
  }

  awaitable<void> watchdog(std::shared_ptr<Connection> c) {
    error_code ec;
    try {
      while (c->socket.is_open()) {
        co_await c->deadline.async_wait(asio::redirect_error(use_awaitable, ec));
        if (c->deadline.expiry() <= asio::steady_timer::clock_type::now()) break;
      }
    } catch (const std::exception&) {
      // Without its watchdog a connection could stay forever: close it.
    }
    c->socket.close(ec);
  }

  // Makes at least `need` unconsumed bytes available in c.in. False: the peer closed, an error,
  // or the watchdog closed the socket.
  awaitable<bool> fill(Connection& c, size_t need) {
    if (c.begin > 0) {
      std::memmove(c.in.get(), c.in.get() + c.begin, c.end - c.begin);
      c.end -= c.begin;
      c.begin = 0;
    }
    while (c.end < need) {
      error_code ec;
      const size_t n = co_await c.socket.async_read_some(
          asio::buffer(c.in.get() + c.end, kLengthPrefix + kMaxMessage - c.end),
          asio::redirect_error(use_awaitable, ec));
      if (ec) co_return false;
      c.end += n;
    }
    co_return true;
  }

  // The length of the query at c.in[begin] when it is wholly buffered, else 0.
  static size_t buffered_query(const Connection& c) noexcept {
    if (c.end - c.begin < kLengthPrefix) return 0;
    const uint8_t* p = c.in.get() + c.begin;
    const size_t len = (size_t{p[0]} << 8) | p[1];
    return c.end - c.begin >= kLengthPrefix + len ? len : 0;
  }

  awaitable<void> session(Connection& c) {
    for (;;) {
      // RFC 7766 §6.2.3: the whole query, from the end of the previous answer (or from accept)
      // to its last byte, must arrive within the timeout; bytes that trickle in do not extend
      // it. Pipelined queries already buffered are answered without re-arming. While waiting,
      // the connection may be shed to admit a new one at the connection limit.
      size_t len = buffered_query(c);
      if (len == 0) {
        set_waiting(c, true);
        c.deadline.expires_after(options_.idle_timeout);
        if (!co_await fill(c, kLengthPrefix)) co_return;
        const uint8_t* p = c.in.get() + c.begin;
        len = (size_t{p[0]} << 8) | p[1];
        if (len < dns::kHeaderSize) co_return;  // not a DNS message: close
        if (!co_await fill(c, kLengthPrefix + len)) co_return;
      }
      if (len < dns::kHeaderSize) co_return;
      set_waiting(c, false);

      const auto received = std::chrono::steady_clock::now();  // the whole query is in (latency histogram)
      const std::span<const uint8_t> query(c.in.get() + c.begin + kLengthPrefix, len);
      // Parsed once: the classification picks the handler, the answer engine reads the rest.
      dns::Query q;
      const dns::ParseStatus st = dns::parse_query(query, q);
      if (options_.xfr != nullptr && options_.xfr->kind(dns::kind(q, true)) != xfr::Kind::kAnswer) {
        // Transfers (many messages), NOTIFY, signed queries: the xfr handler builds the reply
        // from its own snapshot; each message is written before the next is built.
        metrics_.handoff(metrics::Transport::kTcp, static_cast<uint8_t>(options_.xfr->kind(dns::kind(q, true))));
        auto stream = options_.xfr->tcp(query, c.peer);
        c.begin += kLengthPrefix + len;
        if (c.begin == c.end) c.begin = c.end = 0;
        bool any = false;
        while (stream) {
          auto msg = stream->next();
          if (!msg || msg->empty() || msg->size() > kMaxMessage) break;
          any = true;
          const uint8_t prefix[kLengthPrefix] = {static_cast<uint8_t>(msg->size() >> 8), static_cast<uint8_t>(msg->size())};
          c.deadline.expires_after(options_.idle_timeout);
          error_code ec;
          const std::array<asio::const_buffer, 2> bufs{asio::buffer(prefix), asio::buffer(*msg)};
          co_await asio::async_write(c.socket, bufs, asio::redirect_error(use_awaitable, ec));
          if (ec) co_return;
        }
        if (!any) co_return;
        continue;
      }
      // One snapshot per query; nothing is awaited between get() and the end of answer().
      const view::Catalog& catalog = reader_.get();
      // DNS cookies as over UDP (TCP answers are never rate limited, so only the cookie itself).
      auth::CookieContext cookie_ctx;
      CookieSecrets::Pair secrets;
      if (options_.cookies != nullptr) {
        secrets = options_.cookies->read();
        cookie_ctx.current = &secrets.current;
        cookie_ctx.previous = secrets.has_previous ? &secrets.previous : nullptr;
        cookie_ctx.client_ip = address_octets(c.peer);
        cookie_ctx.now = static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
      }
      const uint64_t began_us = analytics_.enabled() ? analytics::monotonic_us() : 0;
      online_.set_monotonic_ms(auth::OnlineSigner::monotonic_coarse_ms());  // its budget's window
      auth::AnswerInfo info;
      const size_t n =
          auth::answer(catalog, q, st, query, std::span<uint8_t>(c.out.get() + kLengthPrefix, auth::kMaxResponse),
                       auth::Transport::kTcp, options_.cookies != nullptr ? &cookie_ctx : nullptr, &info, &online_);
      c.begin += kLengthPrefix + len;
      if (c.begin == c.end) c.begin = c.end = 0;
      // A message the answer engine drops (unparseable question, a response) ends the
      // connection, as Knot DNS does: the stream is not a DNS client's.
      if (n == 0 || n > kMaxMessage) {
        metrics_.drop(metrics::Transport::kTcp, metrics::Drop::kUnanswerable);
        co_return;
      }
      const uint8_t* reply = c.out.get() + kLengthPrefix;
      const uint16_t rcode = metrics::response_rcode(reply, n, info.opt_begin);
      metrics_.response(metrics::Transport::kTcp, q.qtype, rcode, n, (reply[2] & 0x02) != 0);
      if (options_.dnstap != nullptr) options_.dnstap->log(catalog, q, st, true, c.peer, c.local, query, {reply, n});
      metrics_.answer(static_cast<uint8_t>(info.kind));
      if (info.zone != nullptr) metrics_.zone(metrics::zone_key(info.zone->apex()));
      if (analytics_.enabled()) {
        const uint64_t now_us = analytics::monotonic_us();
        const uint32_t minute = analytics::minute_now();
        analytics_.record(analytics::Event{q.qname, q.qname_len, info.zone_len, q.qtype, rcode,
                                           static_cast<uint8_t>(info.kind), static_cast<uint32_t>(now_us - began_us)},
                          minute);
        analytics_.tick(now_us / 1000, minute);
      }

      c.out[0] = static_cast<uint8_t>(n >> 8);
      c.out[1] = static_cast<uint8_t>(n);
      c.deadline.expires_after(options_.idle_timeout);  // the peer must read the answer in time
      error_code ec;
      co_await asio::async_write(c.socket, asio::buffer(c.out.get(), kLengthPrefix + n),
                                 asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      metrics_.latency(metrics::Transport::kTcp,
                       static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                 std::chrono::steady_clock::now() - received)
                                                 .count()),
                       1);
    }
  }

  // Keeps the TCP thread's snapshot fresh while no query comes in.
  awaitable<void> refresh_loop() {
    try {
      while (!shutting_down_) {
        (void)reader_.get();
        if (analytics_.enabled()) analytics_.tick(analytics::monotonic_us() / 1000, analytics::minute_now());
        refresh_timer_.expires_after(options_.idle_refresh);
        error_code ec;
        co_await refresh_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
      }
    } catch (const std::exception&) {
      // Out of memory: queries still refresh the snapshot, only the idle refresh stops.
    }
  }

  // Declaration order matters for destruction: the io_context goes before the state its
  // coroutines refer to, the acceptors and timer before the io_context.
  TcpOptions options_;
  common::SnapshotReader<view::Catalog> reader_;
  bool shutting_down_ = false;
  Table table_;  // every open connection (RFC 7766 §6.2.3 shedding at options_.max_clients)
  size_t shed_ = 0;  // since the last log line
  std::chrono::steady_clock::time_point last_shed_log_{};
  metrics::DnsCounters metrics_;  // the TCP thread's own counters (metrics/dns_counters.h)
  analytics::Recorder analytics_;  // the TCP thread's analytics slabs (analytics/recorder.h)
  // The TCP thread's signatures made at query time, with the workers' budget.
  auth::OnlineSigner online_{
      auth::OnlineSignerOptions{.fresh_per_second = options_.signing_budget, .burst = options_.signing_budget}};
  asio::io_context ioc_{1};
  std::vector<tcp::acceptor> acceptors_;
  asio::steady_timer refresh_timer_{ioc_};
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<TcpServer>> TcpServer::create(
    std::vector<TcpListener> listeners, const TcpOptions& options,
    const common::SnapshotPublisher<view::Catalog>& catalog) {
  try {
    auto server = std::make_unique<TcpServerImpl>(options, catalog);
    if (auto r = server->init(std::move(listeners)); !r) return r.error();
    return std::unique_ptr<TcpServer>(std::move(server));
  } catch (const std::exception& e) {
    return make_error(std::string("cannot set up TCP: ") + e.what());
  }
}

}  // namespace dnsedge::server::internal
