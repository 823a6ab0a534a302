#pragma once
// The API's HTTP/1.1 server: Boost.Beast with C++20 coroutines on one I/O thread. It parses
// requests (headers up to 16 KiB, bodies up to ApiServerOptions::max_body: a larger one gets a
// 413 error envelope), answers `Expect: 100-continue`, keeps connections alive, and hands each
// request to the controller's writer thread, where Api::handle() runs; the response is written
// once the job's batch is published (so an acknowledged write is already served by DNS).
// Responses with HttpResponse::deferred work (GET mail_doctor) are finished on two worker
// threads, so slow lookups never hold up the writer; stop() waits for a running one (bounded by
// the doctor's 10 s budget) and drops queued ones.
//
// Fair sharing: at max_connections, a new connection is admitted by closing the waiting one
// (idle keep-alive, request not complete, or response not taken in) that has waited longest,
// of the new client's own address first (common/conn_table.h); only when every connection has
// a request in the controller is the new one accepted and closed. A whole request (head and
// body) must arrive within idle_timeout, a response be taken in within write_timeout. The
// responses held for clients are capped in total (max_pending_response_bytes): above it the
// connection whose response has waited longest for its reader is closed. Per connection at most
// one response is held: the next request is not read before the response is written.
//
// Thread safety: start() and stop() from one controlling thread. The Controller must be
// running, and outlive the server; stop the server before the controller.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/api.h"
#include "common/result.h"
#include "control/controller.h"

namespace dnsedge::api {

struct ApiServerOptions {
  std::string listen = "127.0.0.1:8080";  // "ADDR:PORT" or "[ADDR]:PORT"; port 0 = ephemeral
  size_t max_body = 1 << 20;              // 1 MiB
  // A whole request (head and body) must arrive within this, from accept or the previous response.
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};  // the client must take a response in by then
  size_t max_connections = 512;
  size_t max_pending_response_bytes = size_t{64} << 20;  // responses held for clients, in total
};

class ApiServer {
 public:
  // Binds and listens before returning (so the API accepts connections once this returns), then
  // serves on its own thread. Fails with the address and the OS reason.
  [[nodiscard]] static Result<std::unique_ptr<ApiServer>> start(const ApiServerOptions& options,
                                                                control::Controller& controller, Api& api);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Stops accepting and closes every connection; joins the thread. Idempotent.
  void stop();
  // The bound address, "127.0.0.1:8080" (the real port when 0 was asked).
  std::string address() const;
  uint16_t port() const;

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnsedge::api
