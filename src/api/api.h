#pragma once
// The REST API under /client/v4, shaped like Cloudflare's v4 API (docs/api.md lists the
// endpoints, the error codes and the dnsedge additions). Api::handle() turns one HTTP request
// into one response: authentication (Bearer token, SHA-256 looked up in the store; its
// validity, source-address condition and the per-source failure throttle, api/audit.h), the
// token's permission for the route, routing by the route table (api/routes.h: each endpoint's
// method, path, handler and permission; the handlers are declared in api/handlers.h, grouped by
// resource), and the audit log entry of every write and every failed authentication (written in
// the write's own store transaction when it stores anything).
//
// Thread safety: handle() must run on the controller's writer thread (ApiServer posts every
// request there as a job), because it calls the controller's writer-thread methods. It never
// throws: anything that escapes a handler becomes a 500 envelope. A response whose `deferred`
// is set (GET mail_doctor) is not the answer yet: the caller runs `deferred` off the writer
// thread and answers its result (ApiServer does; unit tests call it directly).

#include <functional>
#include <memory>
#include <string>

#include <vector>

#include "api/audit.h"
#include "api/http.h"
#include "api/tokens.h"
#include "control/controller.h"

namespace dnsedge::api {

inline constexpr std::string_view kPrefix = "/client/v4";

struct ApiOptions {
  // GET mail_doctor: resolvers for names outside our zones (serve's --upstream; empty: full
  // recursion), as `dnsedge doctor` local mode uses them.
  std::vector<std::string> doctor_upstreams;
  // Zones ("example.org") whose incoming transfers come from the config file ([[xfr.incoming]]):
  // secondary_dns/incoming refuses to change them (the file is their source of truth).
  std::vector<std::string> config_incoming;
  // Warnings ("authentication failed from ADDR"); may be empty.
  std::function<void(const std::string&)> log;
};

class SecondaryDns;

class Api {
 public:
  // `on_secondary_dns_change`: called (on the writer thread) after a secondary_dns object changed.
  explicit Api(control::Controller& controller, ApiOptions options = {},
               std::function<void()> on_secondary_dns_change = {});
  ~Api();
  HttpResponse handle(const HttpRequest& request) noexcept;

  // Writer thread. Makes the token with this secret hash (the --api-token) exist, active, with
  // every permission on every resource.
  [[nodiscard]] Result<void> bootstrap_token(const std::string& secret_hash);
  // Writer thread. True when no token is stored (every request is refused).
  bool no_tokens();

 private:
  HttpResponse dispatch(const HttpRequest& request);
  control::Controller& controller_;
  ApiOptions options_;
  std::unique_ptr<SecondaryDns> secondary_dns_;
  TokenRegistry tokens_;
  AuthThrottle throttle_;
  LogLimiter auth_log_;
};

}  // namespace dnsedge::api
