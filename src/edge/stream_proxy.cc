// The byte-stream sides of the edge: HTTPS passthrough routed by SNI, and Spectrum TCP apps.
//
// HTTPS: read the ClientHello (never terminating TLS), route its server_name like a Host, then
// send the very bytes received to the origin and splice. A ClientHello without SNI, or one that
// does not parse, is closed cleanly; a name not proxied here gets the unrecognized_name alert,
// an origin that cannot be reached internal_error.
//
// Spectrum: connect to the app's origin (origin_direct round-robin with failover, or origin_dns
// from the current catalog), send the PROXY protocol header if configured, then splice.

#include <exception>

#include "edge/client_hello.h"
#include "edge/error.h"
#include "edge/internal/conn.h"
#include "edge/proxy_protocol.h"

namespace dnsedge::edge::internal {
namespace {

using asio::redirect_error;
using asio::use_awaitable;

constexpr size_t kTlsInBuffer = 32 * 1024;  // holds a ClientHello up to tls::kMaxClientHello
constexpr size_t kStreamBuffer = 16 * 1024;
// Spectrum apps carry bulk TCP: bigger reads and writes, a quarter of the system calls
// (bench/edge_bench.py --only tcp).
constexpr size_t kAppBuffer = 64 * 1024;
constexpr unsigned char kAlertUnrecognizedName = 112;  // RFC 6066 §3
constexpr unsigned char kAlertInternalError = 80;      // RFC 8446 §6.2

class TlsConn final : public Conn {
 public:
  TlsConn(Runtime& rt, tcp::socket s) : Conn(rt, std::move(s), kTlsInBuffer, kStreamBuffer) {}

 protected:
  awaitable<void> run() override {
    set_deadline(rt.options.header_timeout);
    std::string_view sni;
    error_code ec;
    for (;;) {
      const tls::HelloStatus st = tls::parse_client_hello(cin.view(), &scratch_, &sni);
      if (st == tls::HelloStatus::kOk) break;
      if (st != tls::HelloStatus::kIncomplete || cin.space() == 0) {
        co_await lingering_close(*this, {});  // no SNI, or not TLS: a clean close
        co_return;
      }
      const size_t n =
          co_await client.async_read_some(asio::buffer(cin.tail(), cin.space()), redirect_error(use_awaitable, ec));
      if (ec) co_return;
      cin.end += n;
    }
    const HostName host = parse_host(sni);
    const std::shared_ptr<const RouteTable> table = rt.routes();
    const Route* route = table->find(host);
    if (route == nullptr) {
      co_await lingering_close(*this, tls::fatal_alert(kAlertUnrecognizedName));
      co_return;
    }
    std::string detail;
    if (route->prohibited) {
      rt.log_error(new_ray_id(), 0, 1000, sni, client_ep, route->why);
      co_await lingering_close(*this, tls::fatal_alert(kAlertInternalError));
      co_return;
    }
    if (co_await connect_origin(*this, route->origins, local_ep.port, &detail) != ConnectOutcome::kOk) {
      co_await lingering_close(*this, tls::fatal_alert(kAlertInternalError));
      co_return;
    }
    co_await splice(shared_from_this());  // the buffered ClientHello goes first, untouched
  }

 private:
  std::string scratch_;  // a ClientHello split over several records, reassembled
};

class AppConn final : public Conn {
 public:
  AppConn(Runtime& rt, tcp::socket s, std::shared_ptr<const SpectrumApp> app)
      : Conn(rt, std::move(s), kAppBuffer, kAppBuffer), app_(std::move(app)) {}

 protected:
  awaitable<void> run() override {
    const SpectrumApp& app = *app_;
    std::string detail;
    ConnectOutcome co = ConnectOutcome::kRefused;
    // Never the edge itself or a prohibited address: checked on every connect, since origin_dns
    // addresses and the apps' own addresses change with publishes.
    std::string refused;
    const bool local = view::OriginPolicy::loopback(local_ep.addr.rdata());
    if (!app.origin_direct.empty()) {
      // Round-robin over the origins, each with its own port; failover to the next.
      const size_t n = app.origin_direct.size();
      const size_t start = rt.round_robin++ % n;
      for (size_t k = 0; k < n && co != ConnectOutcome::kOk; ++k) {
        const IpEndpoint& o = app.origin_direct[(start + k) % n];
        if (!rt.origin_allowed(o.addr, local, &refused)) continue;
        co = co_await connect_origin(*this, std::span<const IpAddress>(&o.addr, 1),
                                     app.origin_port(local_ep.port, o.port), &detail);
      }
    } else {
      const HostName name = parse_host(app.origin_dns);
      std::vector<IpAddress> addrs = addresses_in_catalog(rt.catalog(), name.view());
      std::erase_if(addrs, [&](const IpAddress& a) { return !rt.origin_allowed(a, local, &refused); });
      if (!addrs.empty()) co = co_await connect_origin(*this, addrs, app.origin_port(local_ep.port, 0), &detail);
    }
    if (co != ConnectOutcome::kOk) {  // Spectrum has no error page: the connection closes
      if (!refused.empty()) rt.log_error(new_ray_id(), 0, 1000, app.dns_name, client_ep, refused + " (" + app.protocol + ")");
      co_return;
    }
    if (app.proxy_protocol != ProxyProtocol::kOff) {
      const std::string hdr = proxy_header(app.proxy_protocol, client_ep, local_ep);
      set_deadline(rt.options.connect_timeout);
      if (!co_await write_all(origin, hdr.data(), hdr.size())) co_return;
    }
    co_await splice(shared_from_this());
  }

 private:
  std::shared_ptr<const SpectrumApp> app_;  // the app as it was when the connection came in
};

}  // namespace

std::shared_ptr<Conn> make_tls_conn(Runtime& rt, tcp::socket s) { return std::make_shared<TlsConn>(rt, std::move(s)); }

std::shared_ptr<Conn> make_app_conn(Runtime& rt, tcp::socket s, std::shared_ptr<const SpectrumApp> app) {
  return std::make_shared<AppConn>(rt, std::move(s), std::move(app));
}

}  // namespace dnsedge::edge::internal
