#pragma once
// The HTTP request and response as the API handlers see them: no sockets, no Beast types, so
// the handlers are plain functions that unit tests call directly.

#include <string>

namespace dnsedge::api {

struct HttpRequest {
  std::string method;         // "GET"
  std::string target;         // "/client/v4/zones?name=example.com"
  std::string authorization;  // the Authorization header, "" when absent
  std::string content_type;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

}  // namespace dnsedge::api
