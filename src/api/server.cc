// The API's HTTP server (the only translation unit of the api module that includes Boost).

#include "api/server.h"

#include <list>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/dashboard.h"
#include "api/reply.h"
#include "api/routes.h"
#include "common/conn_table.h"
#include "common/tcp_listen.h"
#include "common/thread_priority.h"
#include "control/errors.h"
#include "metrics/registry.h"
#include "spdlog/spdlog.h"

namespace dnsedge::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kHeaderLimit = 16 * 1024;
using errc::kBadRequest;  // errors[].code of an unparsable HTTP request
using errc::kTooLarge;    // errors[].code of a 413
// After a 413 the rest of the body is read and dropped (so the client sees the answer, not a
// reset), up to this much and this long.
constexpr size_t kDrainLimit = 64u << 20;
constexpr auto kDrainTime = std::chrono::seconds(5);
// Shedding (connection limit, pending response bytes) is logged at most this often.
constexpr auto kShedLogInterval = std::chrono::seconds(60);

common::PeerAddress peer_address(const tcp::endpoint& ep) {
  const auto a = ep.address();
  if (a.is_v4()) return common::PeerAddress::v4(a.to_v4().to_bytes().data());
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return common::PeerAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes().data());
  return common::PeerAddress::v6(v6.to_bytes().data());
}

std::string endpoint_text(const tcp::endpoint& ep) {
  const std::string a = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(ep.port());
}

// The labels of a request in dnsedge_api_requests_total: its method (one of the HTTP methods,
// else "other") and the route table's pattern its path matches ("other" when none), never the
// raw path, so the label sets stay bounded.
std::string_view method_label(std::string_view m) {
  for (std::string_view k : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (m == k) return k;
  }
  return "other";
}

std::string_view route_label(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  constexpr std::string_view kPrefix = "/client/v4/";
  if (!path.starts_with(kPrefix)) return "other";
  path.remove_prefix(kPrefix.size());
  std::vector<std::string> segments;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view seg = path.substr(0, slash);
    if (!seg.empty()) segments.emplace_back(seg);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  const auto m = match_path(segments);
  return m ? m->rule->pattern : std::string_view("other");
}

HttpResponse run_deferred(std::function<HttpResponse()>& work) {
  try {
    return work();
  } catch (const std::exception& e) {
    return fail(errc::kInternal, std::string("Internal error: ") + e.what());
  } catch (...) {
    return fail(errc::kInternal, "Internal error");
  }
}

}  // namespace

struct ApiServer::Impl {
  Impl(const ApiServerOptions& o, control::Controller& c, Api& a)
      : options(o), controller(c), api(a), table(o.max_connections), acceptor(ioc) {}

  // One connection, on the I/O thread.
  struct Session {
    explicit Session(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    common::ConnTable<Session*>::Entry* entry = nullptr;  // nullptr once shed or ended
    bool writing = false;  // in `writers`, its response counted in pending_bytes
    size_t pending = 0;    // bytes of the response being written
    std::list<Session*>::iterator writer;
  };

  ApiServerOptions options;
  control::Controller& controller;
  Api& api;
  // Connection bookkeeping, I/O thread only. Declared before ioc: the coroutine frames that
  // point into them go first.
  common::ConnTable<Session*> table;
  std::list<Session*> writers;  // sessions writing a response, oldest first
  size_t pending_bytes = 0;     // sum of their responses' sizes
  size_t shed_connections = 0;  // since the last log line
  size_t shed_writers = 0;
  std::chrono::steady_clock::time_point last_shed_log{};
  asio::io_context ioc{1};
  tcp::acceptor acceptor;
  std::thread thread;
  // Deferred handlers (HttpResponse::deferred). Declared after ioc: joined before it goes.
  asio::thread_pool workers{2};
  bool stopped = false;

  void log_shedding() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_shed_log < kShedLogInterval) return;
    if (shed_connections > 0) {
      spdlog::warn("api: {} connections (the limit): closed {} idle or incomplete connection(s) to admit new ones",
                   table.limit(), shed_connections);
    }
    if (shed_writers > 0) {
      spdlog::warn("api: responses waiting for their readers reached {} bytes (the limit): closed {} connection(s)",
                   options.max_pending_response_bytes, shed_writers);
    }
    last_shed_log = now;
    shed_connections = shed_writers = 0;
  }

  // Closes a connection to make room; its coroutine ends when it next resumes.
  void close_session(Session* s) {
    if (s->entry != nullptr) table.remove(s->entry);
    s->entry = nullptr;
    end_write(*s);
    error_code ec;
    s->stream.socket().close(ec);
  }

  void set_waiting(Session& s, bool waiting) {
    if (s.entry != nullptr) table.set_waiting(s.entry, waiting);
  }

  // Accounts a response about to be written; above the cap, closes the connections whose
  // responses have waited longest for their readers until it fits.
  void begin_write(Session& s, size_t bytes) {
    while (!writers.empty() && pending_bytes + bytes > options.max_pending_response_bytes) {
      close_session(writers.front());
      ++shed_writers;
      log_shedding();
    }
    s.writer = writers.insert(writers.end(), &s);
    s.writing = true;
    s.pending = bytes;
    pending_bytes += bytes;
  }

  void end_write(Session& s) {
    if (!s.writing) return;
    pending_bytes -= s.pending;
    s.pending = 0;
    s.writing = false;
    writers.erase(s.writer);
  }

  awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        asio::steady_timer backoff(ioc, std::chrono::milliseconds(100));
        co_await backoff.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      const tcp::endpoint peer = socket.remote_endpoint(ec);
      if (ec) continue;  // already gone
      const common::PeerAddress from = peer_address(peer);
      if (table.full()) {
        // The waiting connection that has waited longest, the newcomer's own address first;
        // when every connection has a request in the controller, the newcomer is closed.
        auto* victim = table.victim(from);
        if (victim == nullptr) continue;  // socket closes here
        close_session(victim->value());
        ++shed_connections;
        log_shedding();
      }
      try {
        auto s = std::make_shared<Session>(std::move(socket));
        s->entry = table.add(from, s.get());
        asio::co_spawn(ioc, serve(std::move(s)), asio::detached);
      } catch (const std::exception&) {
        // out of memory: the connection closes
      }
    }
  }

  // Note on g++ 12 (PR 99576): inside a co_await expression, never pass a class by value or a
  // temporary to a coroutine: its destructor may run twice. Locals are passed by reference.
  awaitable<void> serve(std::shared_ptr<Session> s) {
    try {
      co_await session(*s);
    } catch (...) {
      // a connection's failure never reaches the server
    }
    end_write(*s);
    if (s->entry != nullptr) table.remove(s->entry);
    s->entry = nullptr;
  }

  // Initiates one request on the controller's writer thread; the completion handler runs on
  // the handler's executor with the response. A named type, not a lambda with init-captures
  // inside a co_await expression (g++ 12 miscompiles those).
  struct DispatchOp {
    Impl* self;
    std::shared_ptr<HttpRequest> req;
    template <typename Handler>
    void operator()(Handler handler) const {
      // The handler moves along (job → completion → I/O thread) and is invoked and destroyed
      // on the I/O thread only: resuming a coroutine while another thread still holds its
      // handler would race.
      auto ex = asio::get_associated_executor(handler);
      Api* api = &self->api;
      std::shared_ptr<HttpRequest> r = req;
      auto* workers = &self->workers;
      self->controller.post([api, r, ex, workers, handler = std::move(handler)]() mutable -> control::Completion {
        HttpResponse resp = api->handle(*r);
        return [ex, workers, handler = std::move(handler), resp = std::move(resp)]() mutable {
          if (!resp.deferred) {
            asio::post(ex, [handler = std::move(handler), resp = std::move(resp)]() mutable {
              std::move(handler)(std::move(resp));
            });
            return;
          }
          // Off the writer thread: the worker pool runs it, the I/O thread answers.
          asio::post(*workers, [ex, handler = std::move(handler), work = std::move(resp.deferred)]() mutable {
            HttpResponse done = run_deferred(work);
            asio::post(ex, [handler = std::move(handler), done = std::move(done)]() mutable {
              std::move(handler)(std::move(done));
            });
          });
        };
      });
    }
  };

  // Runs the request on the controller's writer thread; resumes here with its response.
  awaitable<HttpResponse> dispatch(const std::shared_ptr<HttpRequest>& req) {
    DispatchOp op{this, req};
    co_return co_await asio::async_initiate<decltype(use_awaitable), void(HttpResponse)>(op, use_awaitable);
  }

  // Writes the response (its body is moved out of `r`). The client must take it in within the
  // write timeout.
  awaitable<bool> write(beast::tcp_stream& stream, unsigned version, HttpResponse& r, bool keep_alive,
                        bool head_only = false) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "dnsedge");
    res.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res.set(name, value);
    res.keep_alive(keep_alive);
    res.body() = std::move(r.body);
    res.prepare_payload();
    if (head_only) res.body().clear();  // HEAD: the GET's Content-Length, no body
    error_code ec;
    stream.expires_after(options.write_timeout);
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    co_return !ec;
  }

  // Answers an error and closes, reading what the client still sends so it gets the answer.
  awaitable<void> refuse(beast::tcp_stream& stream, const HttpResponse& response) {
    HttpResponse copy = response;
    co_await write(stream, 11, copy, false);
    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(kDrainTime);
    std::array<char, 16384> sink;
    size_t drained = 0;
    while (drained < kDrainLimit) {
      const size_t n = co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      drained += n;
    }
    stream.socket().close(ec);
  }

  awaitable<void> session(Session& s) {
    beast::tcp_stream& stream = s.stream;
    beast::flat_buffer buffer;
    const HttpResponse too_large = fail(kTooLarge, "Request body too large (the limit is " + std::to_string(options.max_body) + " bytes)");
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(options.max_body);
      error_code ec;
      // Idle or receiving: sheddable at the connection limit, youngest from here. The timeout
      // bounds the whole request, head and body, whatever the gaps between its bytes.
      set_waiting(s, false);
      set_waiting(s, true);
      stream.expires_after(options.idle_timeout);
      co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec == http::error::body_limit) {
        co_await refuse(stream, too_large);
        co_return;
      }
      if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
          ec == beast::error::timeout || ec == asio::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        const HttpResponse bad = fail(kBadRequest, "Malformed HTTP request: " + ec.message());
        co_await refuse(stream, bad);
        co_return;
      }
      const auto& head = parser.get();
      if (head[http::field::expect] == "100-continue") {
        http::response<http::empty_body> cont{http::status::continue_, head.version()};
        co_await http::async_write(stream, cont, asio::redirect_error(use_awaitable, ec));
        if (ec) co_return;
      }
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec == http::error::body_limit) {
        co_await refuse(stream, too_large);
        co_return;
      }
      if (ec) {
        if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::eof) {
          const HttpResponse bad = fail(kBadRequest, "Malformed HTTP request: " + ec.message());
          co_await refuse(stream, bad);
        }
        co_return;
      }
      auto msg = parser.release();
      auto req = std::make_shared<HttpRequest>();
      req->method = std::string(msg.method_string());
      req->target = std::string(msg.target());
      req->authorization = std::string(msg[http::field::authorization]);
      req->content_type = std::string(msg[http::field::content_type]);
      req->body = std::move(msg.body());
      if (const auto peer = stream.socket().remote_endpoint(ec); !ec) req->remote_address = peer.address().to_string();
      const bool keep_alive = msg.keep_alive();
      const unsigned version = msg.version();
      HttpResponse resp;
      const bool head_only = dashboard::handles(req->target) && req->method == "HEAD";
      if (dashboard::handles(req->target)) {
        // The dashboard's embedded files, outside /client/v4: answered here, no controller.
        resp = dashboard::serve(req->method, req->target, std::string(msg[http::field::accept_encoding]));
      } else {
        set_waiting(s, false);  // in the controller's hands
        const auto began = std::chrono::steady_clock::now();
        resp = co_await dispatch(req);
        metrics::Registry::global().api_request(
            method_label(req->method), route_label(req->target), resp.status,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
        if (s.entry == nullptr) co_return;  // shed meanwhile
      }
      // Waiting for the client to read: sheddable again, and counted in the pending bytes.
      set_waiting(s, true);
      begin_write(s, resp.body.size());
      const bool written = co_await write(stream, version, resp, keep_alive, head_only);
      end_write(s);
      if (!written) co_return;
      if (!keep_alive) {
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        co_return;
      }
    }
  }
};

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::start(const ApiServerOptions& options, control::Controller& controller,
                                                    Api& api) {
  auto ep = common::parse_tcp_listen(options.listen);
  if (!ep) return make_error("--api-listen " + ep.error().message);
  auto impl = std::make_unique<Impl>(options, controller, api);
  error_code ec;
  impl->acceptor.open(ep->protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(*ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error("API: cannot listen on " + options.listen + ": " + ec.message());
  asio::co_spawn(impl->ioc, impl->accept_loop(), asio::detached);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    common::lower_thread_priority();
    for (;;) {
      try {
        raw->ioc.run();
        return;
      } catch (...) {
        // keep serving: a failure escaped a handler
      }
    }
  });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

void ApiServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  asio::post(impl_->ioc, [raw = impl_.get()] {
    error_code ec;
    raw->acceptor.close(ec);
  });
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->workers.stop();  // queued deferred work is dropped; running work ends within its budget
  impl_->workers.join();
}

std::string ApiServer::address() const {
  error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? impl_->options.listen : endpoint_text(ep);
}

uint16_t ApiServer::port() const {
  error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace dnsedge::api
