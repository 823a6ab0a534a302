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
  std::chrono::seconds idle_timeout{30};  // a whole request must arrive within this
  size_t max_connections = 512;
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
