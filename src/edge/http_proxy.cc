// The HTTP side of the edge: HTTP/1.1 routed by Host (docs/edge.md). One session per client
// connection, with at most one origin connection, reused while requests go to the same route.
//
// Phases of one request (Pingora's names, docs/edge.md):
//   read_request   head within header_timeout, ≤ 32 KiB               → 408 / 431 / 400 / 505
//   request_filter CDN-Loop mark → 508; Host → route (RouteTable of the current catalog)
//                  → 409 (1001/1003); the zone's page rules → 301/302 (edge/page_rules.h);
//                  403 (1000: prohibited origin), 502 (1016)
//   upstream_peer  reuse, or connect with failover over the origins   → 502 (521) / 504 (522)
//   upstream_request  rewritten head; body streamed by a second coroutine (upload)
//   response       1xx passed on; 101 after an Upgrade → splice; head within origin_timeout
//                                                                      → 504 (524) / 502 (520)
//   response body  streamed through one buffer until its framing ends
//   keep-alive     both sides persistent and the body complete → next request

#include <algorithm>
#include <exception>

#include "edge/error.h"
#include "edge/http_head.h"
#include "edge/internal/conn.h"
#include "edge/page_rules.h"
#include "metrics/ops.h"

namespace dnsedge::edge::internal {
namespace {

using asio::redirect_error;
using asio::use_awaitable;

// After the response, an upload still running gets this long to finish before the connection
// is closed (the origin answered without reading the whole body).
constexpr auto kUploadGrace = std::chrono::milliseconds(1000);

// The metrics::OriginError of an error kind, or -1 when the origin is not involved.
int origin_error_of(ErrorKind kind) noexcept {
  using O = metrics::OriginError;
  switch (kind) {
    case ErrorKind::kProhibitedOrigin:
      return static_cast<int>(O::kProhibited);
    case ErrorKind::kOriginUnresolved:
      return static_cast<int>(O::kUnresolved);
    case ErrorKind::kOriginRefused:
      return static_cast<int>(O::kRefused);
    case ErrorKind::kOriginConnectTimeout:
      return static_cast<int>(O::kConnectTimeout);
    case ErrorKind::kOriginTimeout:
      return static_cast<int>(O::kTimeout);
    case ErrorKind::kOriginBadResponse:
      return static_cast<int>(O::kBadResponse);
    case ErrorKind::kOriginReset:
      return static_cast<int>(O::kReset);
    default:
      return -1;
  }
}

enum class Stream : uint8_t { kDone, kTruncated, kBadFraming, kError };

// Forwards one body from `from` (buffered in `buf`) to `to`, as far as `f` says it goes.
awaitable<Stream> stream_body(Conn& c, tcp::socket& from, tcp::socket& to, Buffer& buf, http::BodyFramer& f) {
  error_code ec;
  for (;;) {
    if (f.done()) co_return Stream::kDone;
    if (buf.size() > 0) {
      const auto step = f.feed(buf.head(), buf.size());
      if (step.consumed > 0) {
        co_await asio::async_write(to, asio::buffer(buf.head(), step.consumed), redirect_error(use_awaitable, ec));
        if (ec) co_return Stream::kError;
        buf.consume(step.consumed);
        c.extend_deadline(c.rt.options.idle_timeout);
      }
      if (step.error) co_return Stream::kBadFraming;
      if (step.done) co_return Stream::kDone;
      continue;
    }
    buf.clear();
    const size_t n =
        co_await from.async_read_some(asio::buffer(buf.tail(), buf.space()), redirect_error(use_awaitable, ec));
    if (ec == asio::error::eof) co_return f.until_close() ? Stream::kDone : Stream::kTruncated;
    if (ec) co_return Stream::kError;
    buf.end += n;
    metrics::Ops::global().edge_bytes(
        &from == &c.client ? metrics::EdgeDirection::kFromClient : metrics::EdgeDirection::kFromOrigin, n);
    c.extend_deadline(c.rt.options.idle_timeout);
  }
}

class HttpConn final : public Conn {
 public:
  HttpConn(Runtime& rt, tcp::socket s) : Conn(rt, std::move(s), http::kMaxHead, http::kMaxHead) {}

 protected:
  awaitable<void> run() override;

 private:
  enum class Head : uint8_t { kOk, kClosed, kTimeout, kTooLarge, kEmptyEof, kReset, kUpgrade, kBad, kBadBody };

  awaitable<Head> read_request_head(bool first, size_t* head_len);
  awaitable<Head> read_response_head(bool head_request, bool upgrade, size_t* head_len);
  awaitable<void> upload(std::shared_ptr<HttpConn> self, http::BodyKind kind, uint64_t length);
  // Sends the error page for `kind` (unless a response has started or the client is gone) and
  // closes the connection.
  awaitable<void> fail(ErrorKind kind, std::string context = {});
  bool upload_running() const noexcept { return upload_done_ && !upload_done_->fired(); }

  // On the heap (kMaxHeaders fields: over 4 KiB), and given back while the connection is idle.
  std::unique_ptr<http::RequestHead> req_ = std::make_unique<http::RequestHead>();
  http::ResponseHead resp_;
  std::string out_;            // the upstream head, or an error page
  std::string host_;           // the request's Host, for error pages
  std::string origin_route_;   // the route the open origin connection belongs to
  std::string client_ip_;
  Redirect redirect_;  // a page rule's answer (its buffers reused)
  std::shared_ptr<Event> upload_done_;
  bool upload_ok_ = true;
  bool upload_bad_body_ = false;
  bool awaiting_response_ = false;
  bool response_started_ = false;
};

awaitable<HttpConn::Head> HttpConn::read_request_head(bool first, size_t* head_len) {
  bool started = cin.size() > 0;  // a pipelined request may be here already
  set_deadline(first || started ? rt.options.header_timeout : rt.options.keepalive_timeout);
  set_waiting(true);  // idle or incomplete: may be shed at the connection limit
  size_t scanned = 0;
  error_code ec;
  for (;;) {
    if (const size_t skip = http::leading_empty_lines(cin.view()); skip > 0) {
      cin.consume(skip);
      scanned = 0;
    }
    if (const size_t end = http::find_head_end(cin.view(), &scanned); end > 0) {
      *head_len = end;
      set_waiting(false);
      co_return Head::kOk;
    }
    if (cin.size() >= http::kMaxHead) co_return Head::kTooLarge;
    if (cin.space() == 0) cin.compact();
    size_t n = 0;
    if (cin.size() == 0 && oin.size() == 0) {
      // Between requests: read what is there; when nothing is, wait with both buffers given
      // back, so an idle keep-alive connection holds no buffer memory (bench/README.md).
      if (!client.non_blocking()) client.non_blocking(true, ec);  // once per connection
      n = client.read_some(asio::buffer(cin.tail(), cin.space()), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        cin.release();
        oin.release();
        req_.reset();
        co_await client.async_wait(tcp::socket::wait_read, redirect_error(use_awaitable, ec));
        cin.ensure();
        oin.ensure();
        req_ = std::make_unique<http::RequestHead>();
        if (ec) co_return expired ? Head::kTimeout : Head::kClosed;
        continue;
      }
    } else {
      n = co_await client.async_read_some(asio::buffer(cin.tail(), cin.space()), redirect_error(use_awaitable, ec));
    }
    if (ec) co_return expired ? Head::kTimeout : Head::kClosed;
    cin.end += n;
    metrics::Ops::global().edge_bytes(metrics::EdgeDirection::kFromClient, n);
    if (!started && cin.size() > 0) {
      started = true;
      // After a keep-alive wait the head's clock starts with its first byte; the first head's
      // started at accept. Later bytes never move it (slowloris).
      if (!first) set_deadline(rt.options.header_timeout);
    }
  }
}

awaitable<HttpConn::Head> HttpConn::read_response_head(bool head_request, bool upgrade, size_t* head_len) {
  error_code ec;
  bool any = oin.size() > 0;
  for (;;) {
    size_t scanned = 0;
    size_t end = 0;
    while ((end = http::find_head_end(oin.view(), &scanned)) == 0) {
      if (oin.size() >= http::kMaxHead) co_return Head::kBad;
      if (oin.space() == 0) oin.compact();
      const size_t n =
          co_await origin.async_read_some(asio::buffer(oin.tail(), oin.space()), redirect_error(use_awaitable, ec));
      if (ec) {
        if (upload_bad_body_) co_return Head::kBadBody;
        if (expired) co_return Head::kTimeout;
        co_return (ec == asio::error::eof && !any) ? Head::kEmptyEof : Head::kReset;
      }
      any = true;
      oin.end += n;
      metrics::Ops::global().edge_bytes(metrics::EdgeDirection::kFromOrigin, n);
    }
    if (http::parse_response(oin.view().substr(0, end), head_request, &resp_) != http::ParseStatus::kOk) {
      co_return Head::kBad;
    }
    if (resp_.status == 101) {
      *head_len = end;
      co_return upgrade ? Head::kUpgrade : Head::kBad;
    }
    if (resp_.status >= 200) {
      *head_len = end;
      co_return Head::kOk;
    }
    // 1xx (100 Continue, 103 Early Hints): pass it on and wait for the final response.
    if (!co_await write_all(client, oin.head(), end)) co_return Head::kReset;
    oin.consume(end);
  }
}

awaitable<void> HttpConn::upload(std::shared_ptr<HttpConn> /*self: keeps the connection alive*/, http::BodyKind kind, uint64_t length) {
  try {
    http::BodyFramer f(kind, length);
    const Stream s = co_await stream_body(*this, client, origin, cin, f);
    if (s == Stream::kBadFraming) {
      upload_bad_body_ = true;
      error_code ec;
      origin.close(ec);  // the exchange cannot continue; the response side reports 400
    } else if (s != Stream::kDone) {
      upload_ok_ = false;
      abort();  // the client went away mid-body
    } else if (awaiting_response_) {
      set_deadline(rt.options.origin_timeout);  // the origin's clock starts when it has the request
    }
  } catch (const std::exception&) {
    upload_ok_ = false;
    abort();
  }
  upload_done_->set();
}

awaitable<void> HttpConn::fail(ErrorKind kind, std::string context) {
  const ErrorResponse r = describe(kind);
  if (const int e = origin_error_of(kind); e >= 0) {
    metrics::Ops::global().origin_error(static_cast<metrics::OriginError>(e));
  }
  if (response_started_ || r.status == 0) {
    abort();
    co_return;
  }
  const std::string ray = new_ray_id();
  rt.log_error(ray, r.status, r.code, host_, client_ep, context);
  render_error(ProxyError{kind, source_of(kind), false, std::move(context)}, host_, ray, &out_);
  if (upload_running()) {
    // The upload coroutine still reads from the client: send the page and close, no draining.
    error_code ec;
    origin.close(ec);
    set_deadline(std::chrono::milliseconds(2000));
    co_await write_all(client, out_.data(), out_.size());
    abort();
    co_return;
  }
  co_await lingering_close(*this, out_);
}

awaitable<void> HttpConn::run() {
  client_ip_ = client_ep.addr.to_string();
  for (bool first = true;; first = false) {
    // --- read_request ---
    response_started_ = false;
    upload_done_.reset();
    upload_ok_ = true;
    upload_bad_body_ = false;
    host_.clear();
    size_t head_len = 0;
    switch (co_await read_request_head(first, &head_len)) {
      case Head::kOk: break;
      case Head::kTimeout:
        if (cin.size() > 0) co_await fail(ErrorKind::kHeadTimeout);
        co_return;  // an idle connection just closes
      case Head::kTooLarge: co_await fail(ErrorKind::kHeadTooLarge); co_return;
      default: co_return;  // the client closed
    }
    const auto ps = http::parse_request(cin.view().substr(0, head_len), req_.get());
    metrics::Ops::global().edge_request();
    if (ps != http::ParseStatus::kOk) {
      co_await fail(ps == http::ParseStatus::kVersion          ? ErrorKind::kVersionNotSupported
                    : ps == http::ParseStatus::kTooManyHeaders ? ErrorKind::kHeadTooLarge
                                                               : ErrorKind::kBadRequest);
      co_return;
    }
    host_.assign(req_->host);
    if (req_->method == "CONNECT") {
      co_await fail(ErrorKind::kBadRequest, "CONNECT is not supported: this is a reverse proxy");
      co_return;
    }

    if (req_->looped) {
      co_await fail(ErrorKind::kLoopDetected, "the request carries this edge's CDN-Loop mark");
      co_return;
    }

    // --- request_filter: Host → route ---
    const HostName host = parse_host(req_->host);
    if (req_->host.empty() || host.kind == HostName::Kind::kIpLiteral) {
      co_await fail(ErrorKind::kDirectIpAccess, "use the name of a proxied site, not an IP address");
      co_return;
    }
    if (host.kind != HostName::Kind::kName) {
      co_await fail(ErrorKind::kBadRequest, "invalid Host header");
      co_return;
    }
    const std::shared_ptr<const RouteTable> table = rt.routes();  // kept alive for `route`
    const Route* route = table->find(host);
    if (route == nullptr) {
      co_await fail(ErrorKind::kNotProxied, "no proxied DNS record for this name points at this edge");
      co_return;
    }
    // --- request_filter: page rules (forwarding_url) answer before any origin is involved ---
    if (route->page_rules) {
      const RedirectOutcome ro = find_redirect(*route->page_rules, req_->host, local_ep.port, req_->target, &redirect_);
      if (ro == RedirectOutcome::kTooLong) {
        co_await fail(ErrorKind::kUriTooLong, "the page rule's Location would be over 16 KiB");
        co_return;
      }
      if (ro == RedirectOutcome::kRedirect) {
        // A request body is not read: the connection closes after the answer (lingering).
        const bool keep_alive = req_->keep_alive() && req_->body == http::BodyKind::kNone;
        render_redirect(redirect_, req_->method == "HEAD", keep_alive, new_ray_id(), &out_);
        cin.consume(head_len);
        response_started_ = true;
        if (!keep_alive) {
          co_await lingering_close(*this, out_);
          co_return;
        }
        if (!co_await write_all(client, out_.data(), out_.size())) co_return;
        continue;
      }
    }
    if (route->prohibited) {
      co_await fail(ErrorKind::kProhibitedOrigin, route->why);
      co_return;
    }
    if (route->origins.empty()) {
      co_await fail(ErrorKind::kOriginUnresolved, route->name + " is a CNAME to " + route->cname +
                                                      ", which has no address yet");
      co_return;
    }

    // --- upstream_request ---
    http::build_upstream_head(*req_, client_ip_, "http", &out_);
    const bool head_request = req_->method == "HEAD";
    const bool upgrade = req_->wants_upgrade() && req_->body == http::BodyKind::kNone;
    const bool client_keep_alive = req_->keep_alive();
    const http::BodyKind body = req_->body;
    const uint64_t body_length = req_->content_length;
    cin.consume(head_len);  // req_'s views are dead from here on

    Head h = Head::kOk;
    size_t resp_head_len = 0;
    for (int attempt = 0;; ++attempt) {
      // upstream_peer: reuse the open connection of the same route while its address is still
      // one of the route's origins (a publish may have changed them), else connect with failover.
      const bool reused = origin.is_open() && origin_route_ == route->name &&
                          std::find(route->origins.begin(), route->origins.end(), origin_ep.addr) !=
                              route->origins.end();
      if (!reused) {
        std::string detail;
        const ConnectOutcome co = co_await connect_origin(*this, route->origins, local_ep.port, &detail);
        if (co != ConnectOutcome::kOk) {
          co_await fail(co == ConnectOutcome::kTimeout ? ErrorKind::kOriginConnectTimeout : ErrorKind::kOriginRefused,
                        detail);
          co_return;
        }
        origin_route_ = route->name;
        oin.clear();
      }
      set_deadline(rt.options.origin_timeout);
      if (!co_await write_all(origin, out_.data(), out_.size())) {
        error_code ec;
        origin.close(ec);
        if (reused && attempt == 0) continue;  // a kept-alive connection the origin had closed
        co_await fail(expired ? ErrorKind::kOriginTimeout : ErrorKind::kOriginReset, "sending the request failed");
        co_return;
      }
      if (body != http::BodyKind::kNone) {
        upload_done_ = std::make_shared<Event>(client.get_executor());
        asio::co_spawn(client.get_executor(),
                       upload(std::static_pointer_cast<HttpConn>(shared_from_this()), body, body_length),
                       asio::detached);
      }
      // --- response ---
      awaiting_response_ = true;
      h = co_await read_response_head(head_request, upgrade, &resp_head_len);
      awaiting_response_ = false;
      if (h == Head::kEmptyEof && reused && attempt == 0 && body == http::BodyKind::kNone) {
        error_code ec;
        origin.close(ec);  // retry once on a fresh connection (RFC 9110 §9.2.2: no body was sent)
        continue;
      }
      break;
    }
    switch (h) {
      case Head::kOk: break;
      case Head::kUpgrade: {
        // 101 Switching Protocols (WebSocket, RFC 6455 §4): from here on, bytes both ways.
        response_started_ = true;
        if (!co_await write_all(client, oin.head(), resp_head_len)) co_return;
        oin.consume(resp_head_len);
        co_await splice(shared_from_this());
        co_return;
      }
      case Head::kTimeout: co_await fail(ErrorKind::kOriginTimeout, "no response head within the origin timeout"); co_return;
      case Head::kBad: co_await fail(ErrorKind::kOriginBadResponse, "the response head is malformed or too large"); co_return;
      case Head::kBadBody: co_await fail(ErrorKind::kBadBody, "malformed chunked encoding"); co_return;
      default:
        if (!upload_ok_) {
          abort();
          co_return;
        }
        co_await fail(ErrorKind::kOriginReset, "the origin closed or reset the connection");
        co_return;
    }

    // --- response body ---
    // The head and the part of the body that came with it go out in one write: one system call
    // for a small response (bench/edge_bench.py --only http).
    response_started_ = true;
    http::BodyFramer framer(resp_.body, resp_.content_length);
    http::BodyFramer::Step first;
    if (!framer.done() && oin.size() > resp_head_len) {
      first = framer.feed(oin.head() + resp_head_len, oin.size() - resp_head_len);
    }
    if (!co_await write_all(client, oin.head(), resp_head_len + first.consumed)) co_return;
    oin.consume(resp_head_len + first.consumed);
    if (first.error) co_return;  // malformed chunked framing: nothing more can be forwarded, close
    set_deadline(rt.options.idle_timeout);
    if (co_await stream_body(*this, origin, client, oin, framer) != Stream::kDone) co_return;  // cannot signal: close

    // --- keep-alive ---
    if (upload_done_) {
      if (!upload_done_->fired()) co_await upload_done_->wait(kUploadGrace);
      if (!upload_done_->fired() || !upload_ok_) co_return;
    }
    if (!resp_.keep_alive() || oin.size() > 0) {
      error_code ec;
      origin.close(ec);
      origin_route_.clear();
    }
    if (!client_keep_alive || !resp_.keep_alive()) {
      error_code ec;
      client.shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
  }
}

}  // namespace

std::shared_ptr<Conn> make_http_conn(Runtime& rt, tcp::socket s) {
  return std::make_shared<HttpConn>(rt, std::move(s));
}

}  // namespace dnsedge::edge::internal
