#pragma once
// The HTTP side of the `dnsedge zone|record` commands: the API base URL, one request/reply pair,
// and the transport that sends it (Boost.Beast, plain HTTP/1.1, one connection per request).
//
// The token is sent as `Authorization: Bearer ...` and never appears in an error message.
//
// Thread safety: an ApiTransport is used by one thread at a time.

#include <chrono>
#include <string>

#include "common/result.h"

namespace dnsedge::app::cli {

inline constexpr const char* kDefaultApi = "http://127.0.0.1:8080/client/v4";

// `http://HOST[:PORT][/PREFIX]`; HOST may be a name, an IPv4 address or `[IPv6]`.
// Example: "http://[::1]:8080/client/v4/" → {host "::1", port "8080", prefix "/client/v4"}.
struct ApiUrl {
  std::string host;
  std::string port = "80";
  std::string prefix;  // no final '/'
  std::string text;    // as given, for messages
};
// Fails (code 2, a usage error) for anything but http:// (https is not supported by the CLI).
Result<ApiUrl> parse_api_url(const std::string& text);

struct HttpCall {
  std::string method;        // GET POST PATCH PUT DELETE
  std::string target;        // below the prefix, with the query string: "/zones?name=example.com"
  std::string body;          // empty: no body
  std::string content_type;  // of the body
};

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

class ApiTransport {
 public:
  virtual ~ApiTransport() = default;
  // The server's reply whatever its status; an Error only when no reply arrived (cannot
  // connect, timeout, connection closed), with a message that names the URL.
  virtual Result<HttpReply> send(const HttpCall& call) = 0;
};

class BeastTransport final : public ApiTransport {
 public:
  BeastTransport(ApiUrl url, std::string token, std::chrono::seconds timeout = std::chrono::seconds(120))
      : url_(std::move(url)), token_(std::move(token)), timeout_(timeout) {}
  Result<HttpReply> send(const HttpCall& call) override;

 private:
  ApiUrl url_;
  std::string token_;
  std::chrono::seconds timeout_;
};

// Percent-encodes a query-string value (RFC 3986 unreserved characters stay).
std::string url_encode(const std::string& value);

}  // namespace dnsedge::app::cli
