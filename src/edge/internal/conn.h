#pragma once
// Internals of the edge shared by its sessions: the per-thread Runtime, the connection base
// (two sockets, two buffers, one deadline), and the helpers every session uses (connect with
// failover, splice, lingering close). Only the edge's own .cc files include this (it pulls in
// Boost.Asio).
//
// Thread safety: everything here lives on the edge thread; nothing is shared with other threads
// except through Runtime::publisher (SnapshotPublisher is thread-safe).

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include "common/conn_table.h"
#include "common/snapshot.h"
#include "edge/address.h"
#include "edge/edge.h"
#include "edge/route_table.h"
#include "view/origin_policy.h"
#include "view/zone_view.h"

namespace dnsedge::edge::internal {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

class Conn;

// What sessions need from the edge; owned by the edge implementation, used on its thread only.
struct Runtime {
  Runtime(const EdgeOptions& o, const common::SnapshotPublisher<view::Catalog>& pub)
      : options(o), publisher(pub), reader(pub), table(o.max_connections), policy(policy_of(o)) {}

  // options.origin_policy, or one of the edge addresses and pools alone.
  static std::shared_ptr<const view::OriginPolicy> policy_of(const EdgeOptions& o);
  // Whether the edge may connect to `a`: the origin policy allows it (`loopback_listener`: for a
  // connection that came in on a loopback address; view/origin_policy.h) and no Spectrum app
  // listens on it. Otherwise `*why` says why (for the log).
  bool origin_allowed(const IpAddress& a, bool loopback_listener, std::string* why) const;
  // Logs an error page's details under its request id; at most kErrorLogBurst lines per second,
  // then one line with the number left out.
  void log_error(std::string_view ray, int status, int code, std::string_view host, const IpEndpoint& client,
                 std::string_view detail);

  // The route table of the current catalog: rebuilt once per published generation, on the
  // edge thread, then shared by every request until the next publish.
  const std::shared_ptr<const RouteTable>& routes();
  // The current catalog (for Spectrum origin_dns). Valid until the next routes()/catalog().
  const view::Catalog& catalog() noexcept { return reader.get(); }

  EdgeOptions options;
  const common::SnapshotPublisher<view::Catalog>& publisher;
  common::SnapshotReader<view::Catalog> reader;
  uint64_t route_generation = 0;
  std::shared_ptr<const RouteTable> route_table;
  size_t round_robin = 0;
  // Every open client connection. At options.max_connections a new one is admitted by closing
  // the waiting one (idle keep-alive, head or ClientHello not complete) that has waited longest,
  // of the newcomer's own address first (common/conn_table.h); shutdown closes them all.
  common::ConnTable<Conn*> table;
  size_t shed = 0;  // connections closed to admit new ones since the last log line
  Clock::time_point last_shed_log{};
  bool shutting_down = false;
  std::shared_ptr<const view::OriginPolicy> policy;  // never null
  std::vector<IpAddress> app_addresses;  // every address a Spectrum app listens on (edge thread)
  Clock::time_point log_window{};
  unsigned logged_in_window = 0;
  uint64_t log_suppressed = 0;
};

inline constexpr unsigned kErrorLogBurst = 50;

// A fixed-size byte buffer: [begin, end) holds data not yet consumed.
struct Buffer {
  explicit Buffer(size_t capacity) : data(std::make_unique_for_overwrite<uint8_t[]>(capacity)), cap(capacity) {}
  size_t size() const noexcept { return end - begin; }
  const uint8_t* head() const noexcept { return data.get() + begin; }
  std::string_view view() const noexcept { return {reinterpret_cast<const char*>(head()), size()}; }
  uint8_t* tail() noexcept { return data.get() + end; }
  size_t space() const noexcept { return cap - end; }
  void consume(size_t n) noexcept {
    begin += n;
    if (begin == end) begin = end = 0;
  }
  void clear() noexcept { begin = end = 0; }
  // An idle connection gives its memory back (release) and takes it again before the next use
  // (ensure); capacity stays. REQUIRES for release(): nothing buffered.
  void release() noexcept {
    data.reset();
    begin = end = 0;
  }
  void ensure() {
    if (!data) data = std::make_unique_for_overwrite<uint8_t[]>(cap);
  }
  // Moves the data to the front so space() is as large as it can be.
  void compact() noexcept;

  std::unique_ptr<uint8_t[]> data;
  size_t cap;
  size_t begin = 0;
  size_t end = 0;
};

// A one-shot signal between two coroutines of one connection.
class Event {
 public:
  explicit Event(const asio::any_io_executor& ex) : timer_(ex) {}
  void set() noexcept {
    fired_ = true;
    timer_.cancel();
  }
  bool fired() const noexcept { return fired_; }
  // Returns when set() was called or `limit` passed (check fired()).
  awaitable<void> wait(std::chrono::milliseconds limit);

 private:
  asio::steady_timer timer_;
  bool fired_ = false;
};

// One client connection and its origin connection. A session derives from it and implements
// run(); launch() registers it, starts its watchdog and runs it at the connection boundary:
// whatever run() does or throws, both sockets are closed afterwards.
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(Runtime& rt, tcp::socket client, size_t in_size, size_t out_size);
  virtual ~Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Registers it in rt.table (waiting: its head or ClientHello may be shed at the limit; busy:
  // a Spectrum stream, never shed). REQUIRES: rt.table is not full.
  static void launch(std::shared_ptr<Conn> c, bool waiting = true);
  // Waiting for a request head or ClientHello (sheddable at the connection limit) or busy.
  // Going back to waiting makes it the youngest waiter.
  void set_waiting(bool waiting) noexcept;
  // Closes it to admit a new connection at the limit, and forgets it in rt.table.
  void shed() noexcept;

  // The deadline: when it passes, `expired` is set and every pending operation on both sockets
  // is cancelled. set_deadline() replaces it (and clears `expired`); extend_deadline() only
  // moves it later.
  void set_deadline(std::chrono::milliseconds d) noexcept;
  void extend_deadline(std::chrono::milliseconds d) noexcept;
  // Closes both sockets now (shutdown, or a fatal error in one direction).
  void abort() noexcept;

  Runtime& rt;
  tcp::socket client;
  tcp::socket origin;
  Buffer cin;   // bytes from the client
  Buffer oin;   // bytes from the origin
  IpEndpoint client_ep;  // the client's address and port
  IpEndpoint local_ep;   // the edge address and port it connected to
  IpEndpoint origin_ep;  // the origin address of the last successful connect_origin()
  bool expired = false;

 protected:
  virtual awaitable<void> run() = 0;

 private:
  awaitable<void> serve(std::shared_ptr<Conn> self);
  awaitable<void> watchdog(std::shared_ptr<Conn> self);

  asio::steady_timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool finished_ = false;
  common::ConnTable<Conn*>::Entry* entry_ = nullptr;  // nullptr once shed or finished
};

tcp::endpoint to_asio(const IpAddress& a, uint16_t port);
IpEndpoint from_asio(const tcp::endpoint& ep);

enum class ConnectOutcome : uint8_t { kOk, kRefused, kTimeout };

// Connects c.origin to one of `addrs` on `port`, starting at a round-robin position and trying
// the next address when one refuses, is unreachable or times out (options.connect_timeout
// each). `*detail` describes the last failure ("127.0.0.31:8080: Connection refused").
awaitable<ConnectOutcome> connect_origin(Conn& c, std::span<const IpAddress> addrs, uint16_t port,
                                         std::string* detail);

// The sessions (http_proxy.cc, stream_proxy.cc).
std::shared_ptr<Conn> make_http_conn(Runtime& rt, tcp::socket s);
std::shared_ptr<Conn> make_tls_conn(Runtime& rt, tcp::socket s);
std::shared_ptr<Conn> make_app_conn(Runtime& rt, tcp::socket s, std::shared_ptr<const SpectrumApp> app);

// Writes all of [data, data+n) to `s`. False on error (including a cancelled, expired write).
awaitable<bool> write_all(tcp::socket& s, const void* data, size_t n);

// Carries bytes both ways until both directions have ended: first what is already buffered
// (cin → origin, oin → client), then whatever arrives. An EOF in one direction is passed on as
// a half-close (shutdown of the send side); an error in either closes both. Re-arms the idle
// timeout on every transfer.
awaitable<void> splice(std::shared_ptr<Conn> c);

// Sends `last` (an error page, a TLS alert, or nothing) to the client, then shuts down the send
// side and reads and discards what the client still sends, for at most 2 s, so the response is
// not lost to a reset; then closes.
awaitable<void> lingering_close(Conn& c, std::string_view last);

}  // namespace dnsedge::edge::internal
