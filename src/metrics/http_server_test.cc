#include "metrics/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

namespace dnsedge::metrics {
namespace {

// Sends `request` on a fresh connection and returns everything read until the server closes.
std::string http_exchange(uint16_t port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (;;) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return out;
}

std::string get(uint16_t port, const std::string& method, const std::string& path) {
  return http_exchange(port, method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

TEST(MetricsHttpServer, ReadyHealthMetricsAndRefusals) {
  auto s = HttpServer::start(HttpServerOptions{.listen = "127.0.0.1:0"});
  ASSERT_TRUE(s) << s.error().message;
  const uint16_t port = (*s)->port();
  Registry::global().set_ready(false);
  EXPECT_EQ(get(port, "GET", "/readyz").rfind("HTTP/1.1 503", 0), 0u);
  Registry::global().set_ready(true);
  EXPECT_EQ(get(port, "GET", "/readyz").rfind("HTTP/1.1 200", 0), 0u);
  const std::string health = get(port, "GET", "/healthz");
  EXPECT_EQ(health.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_NE(health.find("\r\n\r\nok\n"), std::string::npos);
  const std::string m = get(port, "GET", "/metrics");
  EXPECT_EQ(m.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_NE(m.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(m.find("# TYPE dnsedge_build_info gauge\n"), std::string::npos);
  EXPECT_EQ(get(port, "POST", "/metrics").rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(get(port, "GET", "/zones").rfind("HTTP/1.1 404", 0), 0u);
  const std::string huge = "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n";
  EXPECT_EQ(http_exchange(port, huge).rfind("HTTP/1.1 431", 0), 0u);
  (*s)->stop();
  (*s)->stop();  // idempotent
  Registry::global().set_ready(false);
}

TEST(MetricsHttpServer, BadAddressIsAClearError) {
  auto s = HttpServer::start(HttpServerOptions{.listen = "nowhere"});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("--metrics-listen"), std::string::npos);
}

}  // namespace
}  // namespace dnsedge::metrics
