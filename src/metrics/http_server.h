#pragma once
// The metrics listener (`--metrics-listen ADDR:PORT`): a small HTTP/1.1 server on its own
// thread (Boost.Beast, C++20 coroutines) answering
//   GET /metrics  the registry's scrape, Prometheus text format 0.0.4
//   GET /healthz  200 "ok" while the process runs
//   GET /readyz   200 "ready" once the registry is ready (zones loaded, store open), else 503
// (HEAD too). Any other path is 404, any other method on these paths 405. It serves nothing
// else: no zone contents, no tokens, no configuration.
//
// Bounded: a request head over max_header bytes or with a body is refused (431/413) and the
// connection closed; a whole request must arrive within request_timeout and a response be taken
// in within it too; at max_connections a new connection is closed at once (a scraper retries),
// so a flood of slow clients holds at most max_connections descriptors for request_timeout.
//
// Thread safety: start() and stop() from one controlling thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "metrics/registry.h"

namespace dnsedge::metrics {

struct HttpServerOptions {
  std::string listen;  // "ADDR:PORT" or "[ADDR]:PORT"; port 0 = ephemeral
  size_t max_header = 8 * 1024;
  size_t max_connections = 32;
  std::chrono::milliseconds request_timeout{10'000};
};

class HttpServer {
 public:
  // Binds and listens before returning, then serves on its own thread.
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& options,
                                                                 Registry& registry = Registry::global());
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Closes the listener and every connection; joins the thread. Idempotent.
  void stop();
  std::string address() const;  // "127.0.0.1:9153" (the real port when 0 was asked)
  uint16_t port() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnsedge::metrics
