#pragma once
// The HTTP request and response as the API handlers see them: no sockets, no Beast types, so
// the handlers are plain functions that unit tests call directly.

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace dnsedge::api {

struct HttpRequest {
  std::string method;         // "GET"
  std::string target;         // "/client/v4/zones?name=example.com"
  std::string authorization;  // the Authorization header, "" when absent
  std::string content_type;
  std::string body;
  std::string remote_address;  // the client's address, "192.0.2.1" or "2001:db8::1"; "" when unknown
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more header fields ("Retry-After")
  // Work that must not hold the controller's writer thread (GET mail_doctor, which may look
  // names up outside): when set, the server runs it on its worker pool and answers its result
  // instead. It must own everything it reads (a snapshot), never the controller.
  std::function<HttpResponse()> deferred;
};

}  // namespace dnsedge::api
