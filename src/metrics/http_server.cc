// The metrics listener (the only translation unit of the metrics module that includes Boost).

#include "metrics/http_server.h"

#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/tcp_listen.h"

#include "spdlog/spdlog.h"

namespace dnsedge::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using boost::system::error_code;

struct Reply {
  http::status status;
  std::string content_type;
  std::string body;
};

}  // namespace

struct HttpServer::Impl {
  Impl(const HttpServerOptions& o, Registry& r) : options(o), registry(r), acceptor(ioc) {}

  HttpServerOptions options;
  Registry& registry;
  asio::io_context ioc{1};
  tcp::acceptor acceptor;
  size_t connections = 0;  // I/O thread only
  uint64_t refused = 0;
  std::thread thread;
  bool stopped = false;

  Reply route(http::verb method, std::string_view target) const {
    const size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const bool known = path == "/metrics" || path == "/healthz" || path == "/readyz";
    if (!known) return {http::status::not_found, "text/plain; charset=utf-8", "not found\n"};
    if (method != http::verb::get && method != http::verb::head) {
      return {http::status::method_not_allowed, "text/plain; charset=utf-8", "method not allowed\n"};
    }
    if (path == "/healthz") return {http::status::ok, "text/plain; charset=utf-8", "ok\n"};
    if (path == "/readyz") {
      if (registry.ready()) return {http::status::ok, "text/plain; charset=utf-8", "ready\n"};
      return {http::status::service_unavailable, "text/plain; charset=utf-8", "not ready\n"};
    }
    return {http::status::ok, std::string(kContentType), registry.scrape()};
  }

  awaitable<void> write(beast::tcp_stream& stream, unsigned version, const Reply& r, bool head, bool keep_alive,
                        error_code& ec) {
    http::response<http::string_body> res{r.status, version};
    res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    if (r.status == http::status::method_not_allowed) res.set(http::field::allow, "GET, HEAD");
    res.keep_alive(keep_alive);
    if (head) {
      res.content_length(r.body.size());
    } else {
      res.body() = r.body;
      res.prepare_payload();
    }
    stream.expires_after(options.request_timeout);
    if (head) {
      http::response_serializer<http::string_body> sr{res};
      co_await http::async_write_header(stream, sr, asio::redirect_error(use_awaitable, ec));
    } else {
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    }
  }

  awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer(options.max_header + 1024);
    for (;;) {
      error_code ec;
      http::request_parser<http::empty_body> parser;
      parser.header_limit(static_cast<uint32_t>(options.max_header));
      stream.expires_after(options.request_timeout);
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
        break;
      }
      if (ec) {
        Reply bad{http::status::bad_request, "text/plain; charset=utf-8", "bad request\n"};
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
          bad = {http::status::request_header_fields_too_large, "text/plain; charset=utf-8",
                 "request header too large\n"};
        } else if (ec == http::error::unexpected_body) {
          bad = {http::status::payload_too_large, "text/plain; charset=utf-8", "no request body accepted\n"};
        }
        error_code wec;
        co_await write(stream, 11, bad, false, false, wec);
        break;
      }
      const auto& req = parser.get();
      const auto target = req.target();
      const Reply r = route(req.method(), std::string_view(target.data(), target.size()));
      const bool keep_alive = req.keep_alive();
      co_await write(stream, req.version(), r, req.method() == http::verb::head, keep_alive, ec);
      if (ec || !keep_alive) break;
    }
    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
    --connections;
  }

  awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        // Out of descriptors or the like: wait a little rather than spin.
        asio::steady_timer backoff(ioc, std::chrono::milliseconds(50));
        co_await backoff.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      if (connections >= options.max_connections) {
        if (refused++ % 1000 == 0) {
          spdlog::warn("metrics: {} connections (the limit): closing new ones", options.max_connections);
        }
        socket.close(ec);
        continue;
      }
      ++connections;
      asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
    }
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& options, Registry& registry) {
  auto ep = common::parse_tcp_listen(options.listen);
  if (!ep) return make_error("--metrics-listen " + ep.error().message);
  auto impl = std::make_unique<Impl>(options, registry);
  error_code ec;
  impl->acceptor.open(ep->protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(*ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error("metrics: cannot listen on " + options.listen + ": " + ec.message());
  asio::co_spawn(impl->ioc, impl->accept_loop(), asio::detached);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    for (;;) {
      try {
        raw->ioc.run();
        return;
      } catch (...) {
        // keep serving: a failure escaped a handler
      }
    }
  });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  asio::post(impl_->ioc, [raw = impl_.get()] {
    error_code ec;
    raw->acceptor.close(ec);
  });
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string HttpServer::address() const {
  error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  if (ec) return impl_->options.listen;
  const std::string a = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(ep.port());
}

uint16_t HttpServer::port() const {
  error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace dnsedge::metrics
