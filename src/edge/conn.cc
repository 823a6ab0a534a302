// The edge's connection base and shared helpers (see internal/conn.h).

#include <algorithm>
#include <cstring>
#include <exception>

#include "edge/internal/conn.h"
#include "metrics/ops.h"
#include "spdlog/spdlog.h"

namespace dnsedge::edge::internal {
namespace {

using asio::redirect_error;
using asio::use_awaitable;

// The watchdog never sleeps longer than this, so a "no deadline" state needs no special case.
constexpr auto kWatchdogMaxSleep = std::chrono::hours(1);
constexpr auto kLingerTime = std::chrono::milliseconds(2000);
constexpr size_t kLingerMaxBytes = 1 << 20;

// The splice direction task, spawned for client → origin.
awaitable<bool> pump(Conn& c, tcp::socket& from, tcp::socket& to, Buffer& buf) {
  error_code ec;
  for (;;) {
    if (buf.size() > 0) {
      co_await asio::async_write(to, asio::buffer(buf.head(), buf.size()), redirect_error(use_awaitable, ec));
      if (ec) co_return false;
      buf.clear();
      c.extend_deadline(c.rt.options.idle_timeout);
    }
    const size_t n =
        co_await from.async_read_some(asio::buffer(buf.tail(), buf.space()), redirect_error(use_awaitable, ec));
    if (ec == asio::error::eof) {
      to.shutdown(tcp::socket::shutdown_send, ec);  // pass the half-close on
      co_return true;
    }
    if (ec) co_return false;
    buf.end += n;
    metrics::Ops::global().edge_bytes(
        &from == &c.client ? metrics::EdgeDirection::kFromClient : metrics::EdgeDirection::kFromOrigin, n);
    c.extend_deadline(c.rt.options.idle_timeout);
  }
}

awaitable<void> pump_upstream(std::shared_ptr<Conn> c, std::shared_ptr<Event> done) {
  try {
    if (!co_await pump(*c, c->client, c->origin, c->cin)) c->abort();
  } catch (const std::exception&) {
    c->abort();
  }
  done->set();
}

}  // namespace

std::shared_ptr<const view::OriginPolicy> Runtime::policy_of(const EdgeOptions& o) {
  if (o.origin_policy) return o.origin_policy;
  view::OriginPolicyOptions p;
  for (const IpAddress& a : o.addresses) p.edge.emplace_back(a.rdata());
  for (const IpPrefix& pool : o.spectrum_pools) {
    p.pools.push_back(view::AddressBlock{std::string(pool.base.rdata()), pool.length});
  }
  return std::make_shared<const view::OriginPolicy>(std::move(p));
}

bool Runtime::origin_allowed(const IpAddress& a, bool loopback_listener, std::string* why) const {
  if (const view::OriginVerdict v = policy->check(a.rdata(), loopback_listener); v != view::OriginVerdict::kAllowed) {
    *why = view::OriginPolicy::message(a.rdata(), v);
    return false;
  }
  if (std::find(app_addresses.begin(), app_addresses.end(), a) != app_addresses.end()) {
    *why = std::string(view::kProhibitedOrigin) + ": " + a.to_string() + " is the address of a Spectrum app";
    return false;
  }
  return true;
}

void Runtime::log_error(std::string_view ray, int status, int code, std::string_view host, const IpEndpoint& client,
                        std::string_view detail) {
  const auto now = Clock::now();
  if (now - log_window >= std::chrono::seconds(1)) {
    if (log_suppressed > 0) spdlog::warn("edge: {} error page log lines left out in the last second", log_suppressed);
    log_window = now;
    logged_in_window = 0;
    log_suppressed = 0;
  }
  if (logged_in_window >= kErrorLogBurst) {
    ++log_suppressed;
    return;
  }
  ++logged_in_window;
  spdlog::warn("edge: ray {} {} error {} host '{}' client {}: {}", ray, status, code, host.substr(0, 256),
               client.to_string(), detail.empty() ? std::string_view("-") : detail);
}

const std::shared_ptr<const RouteTable>& Runtime::routes() {
  // Read the generation first: if a publish lands in between, the table is built from the newer
  // catalog under the older number and simply rebuilt once more on the next call.
  const uint64_t g = publisher.generation();
  const view::Catalog& catalog = reader.get();
  if (g != route_generation || !route_table) {
    route_table = RouteTable::build(catalog, policy.get());
    route_generation = g;
  }
  return route_table;
}

void Buffer::compact() noexcept {
  if (begin == 0) return;
  std::memmove(data.get(), data.get() + begin, end - begin);
  end -= begin;
  begin = 0;
}

awaitable<void> Event::wait(std::chrono::milliseconds limit) {
  if (fired_) co_return;
  timer_.expires_after(limit);
  error_code ec;
  co_await timer_.async_wait(redirect_error(use_awaitable, ec));
}

Conn::Conn(Runtime& runtime, tcp::socket s, size_t in_size, size_t out_size)
    : rt(runtime),
      client(std::move(s)),
      origin(client.get_executor()),
      cin(in_size),
      oin(out_size),
      timer_(client.get_executor()) {
  error_code ec;
  const auto remote = client.remote_endpoint(ec);
  if (!ec) client_ep = from_asio(remote);
  const auto local = client.local_endpoint(ec);
  if (!ec) local_ep = from_asio(local);
}

void Conn::launch(std::shared_ptr<Conn> c, bool waiting) {
  const auto ex = c->client.get_executor();
  const IpAddress& a = c->client_ep.addr;
  c->entry_ = c->rt.table.add(a.family == 6 ? common::PeerAddress::v6(a.bytes.data())
                                            : common::PeerAddress::v4(a.bytes.data()),
                              c.get());
  c->set_waiting(waiting);
  asio::co_spawn(ex, c->watchdog(c), asio::detached);
  asio::co_spawn(ex, c->serve(c), asio::detached);
}

void Conn::set_deadline(std::chrono::milliseconds d) noexcept {
  const auto t = Clock::now() + d;
  expired = false;
  const bool earlier = t < deadline_;
  deadline_ = t;
  if (earlier) timer_.cancel();  // the watchdog re-arms with the new deadline
}

void Conn::extend_deadline(std::chrono::milliseconds d) noexcept {
  const auto t = Clock::now() + d;
  if (t > deadline_ || deadline_ == Clock::time_point::max()) deadline_ = t;
}

void Conn::set_waiting(bool waiting) noexcept {
  if (entry_ != nullptr) rt.table.set_waiting(entry_, waiting);
}

void Conn::shed() noexcept {
  if (entry_ != nullptr) rt.table.remove(entry_);
  entry_ = nullptr;
  abort();
}

void Conn::abort() noexcept {
  error_code ec;
  client.close(ec);
  origin.close(ec);
}

awaitable<void> Conn::serve(std::shared_ptr<Conn> /*self: keeps the connection alive*/) {
  try {
    co_await run();
  } catch (...) {  // NOLINT(bugprone-empty-catch): the connection boundary; closing is the handling
  }
  finished_ = true;
  timer_.cancel();
  abort();
  if (entry_ != nullptr) rt.table.remove(entry_);
  entry_ = nullptr;
}

awaitable<void> Conn::watchdog(std::shared_ptr<Conn> /*self*/) {
  error_code ec;
  try {
    while (!finished_) {
      const auto now = Clock::now();
      const auto wake = deadline_ - now > kWatchdogMaxSleep ? now + kWatchdogMaxSleep : deadline_;
      timer_.expires_at(wake);
      co_await timer_.async_wait(redirect_error(use_awaitable, ec));
      if (finished_) break;
      if (Clock::now() >= deadline_) {
        expired = true;
        deadline_ = Clock::time_point::max();
        client.cancel(ec);
        origin.cancel(ec);
      }
    }
  } catch (const std::exception&) {
    abort();  // without its watchdog a connection could hang forever
  }
}

tcp::endpoint to_asio(const IpAddress& a, uint16_t port) {
  if (a.family == 4) {
    asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), a.bytes.data(), 4);
    return {asio::ip::address_v4(b), port};
  }
  asio::ip::address_v6::bytes_type b;
  std::memcpy(b.data(), a.bytes.data(), 16);
  return {asio::ip::address_v6(b), port};
}

IpEndpoint from_asio(const tcp::endpoint& ep) {
  IpEndpoint out;
  out.port = ep.port();
  const auto addr = ep.address();
  if (addr.is_v4()) {
    out.addr.family = 4;
    const auto b = addr.to_v4().to_bytes();
    std::memcpy(out.addr.bytes.data(), b.data(), 4);
  } else {
    const auto v6 = addr.to_v6();
    if (v6.is_v4_mapped()) {
      out.addr.family = 4;
      const auto b = asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes();
      std::memcpy(out.addr.bytes.data(), b.data(), 4);
    } else {
      out.addr.family = 6;
      const auto b = v6.to_bytes();
      std::memcpy(out.addr.bytes.data(), b.data(), 16);
    }
  }
  return out;
}

awaitable<ConnectOutcome> connect_origin(Conn& c, std::span<const IpAddress> addrs, uint16_t port,
                                         std::string* detail) {
  const size_t n = addrs.size();
  if (n == 0) {
    *detail = "no origin address";
    co_return ConnectOutcome::kRefused;
  }
  c.set_waiting(false);  // its head or ClientHello is complete: no longer sheddable
  const size_t start = c.rt.round_robin++ % n;
  bool timed_out = false;
  for (size_t k = 0; k < n; ++k) {
    const tcp::endpoint ep = to_asio(addrs[(start + k) % n], port);
    error_code ec;
    c.origin.close(ec);
    c.origin.open(ep.protocol(), ec);
    if (!ec) {
      c.set_deadline(c.rt.options.connect_timeout);
      co_await c.origin.async_connect(ep, redirect_error(use_awaitable, ec));
    }
    if (!ec) {
      c.origin.set_option(tcp::no_delay(true), ec);
      c.origin_ep = from_asio(ep);
      co_return ConnectOutcome::kOk;
    }
    const bool slow = c.expired;
    timed_out = timed_out || slow;
    *detail = from_asio(ep).to_string() + ": " + (slow ? std::string("connection timed out") : ec.message());
  }
  error_code ec;
  c.origin.close(ec);
  co_return timed_out ? ConnectOutcome::kTimeout : ConnectOutcome::kRefused;
}

awaitable<bool> write_all(tcp::socket& s, const void* data, size_t n) {
  error_code ec;
  co_await asio::async_write(s, asio::buffer(data, n), redirect_error(use_awaitable, ec));
  co_return !ec;
}

awaitable<void> splice(std::shared_ptr<Conn> c) {
  c->set_deadline(c->rt.options.idle_timeout);
  auto done = std::make_shared<Event>(c->client.get_executor());
  asio::co_spawn(c->client.get_executor(), pump_upstream(c, done), asio::detached);
  if (!co_await pump(*c, c->origin, c->client, c->oin)) c->abort();
  // Wait for the other direction (a half-closed client may still be sending).
  while (!done->fired()) co_await done->wait(std::chrono::hours(1));
}

awaitable<void> lingering_close(Conn& c, std::string_view last) {
  error_code ec;
  c.origin.close(ec);
  c.set_deadline(kLingerTime);
  if (!last.empty() && !co_await write_all(c.client, last.data(), last.size())) co_return;
  c.client.shutdown(tcp::socket::shutdown_send, ec);
  c.cin.clear();
  size_t drained = 0;
  while (drained < kLingerMaxBytes) {
    const size_t n = co_await c.client.async_read_some(asio::buffer(c.cin.tail(), c.cin.space()),
                                                       redirect_error(use_awaitable, ec));
    if (ec) break;
    drained += n;
  }
  c.client.close(ec);
}

}  // namespace dnsedge::edge::internal
