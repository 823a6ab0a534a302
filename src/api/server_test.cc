#include "api/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "api/sha256.h"
#include "dns/name.h"

namespace dnsedge::api {
namespace {

// Sends `request` to 127.0.0.1:port and returns everything the server answers until it closes.
std::string exchange(uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return {};
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t off = 0;
  while (off < request.size()) {
    const ssize_t n = ::send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dnsedge-apisrv-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    control::ControllerOptions o;
    o.data_dir = dir_;
    o.store.durability = store::Durability::kNormal;
    o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
    controller_ = control::Controller::open(std::move(o), publisher_).value();
    ASSERT_TRUE(controller_->ensure_token("t", sha256_hex("tok")));
    controller_->start();
    api_ = std::make_unique<Api>(*controller_);
    auto s = ApiServer::start(ApiServerOptions{.listen = "127.0.0.1:0", .max_body = 1024}, *controller_, *api_);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->stop();
    controller_->stop();
    server_.reset();
    api_.reset();
    controller_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  common::SnapshotPublisher<view::Catalog> publisher_{view::Catalog::empty()};
  std::unique_ptr<control::Controller> controller_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(ApiServerTest, ServesRequestsWithKeepAlive) {
  ASSERT_NE(server_->port(), 0);
  const std::string req = "GET /client/v4/user/tokens/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n\r\n";
  const std::string out = exchange(server_->port(), req + req);
  size_t n = 0;
  for (size_t p = out.find("HTTP/1.1 200"); p != std::string::npos; p = out.find("HTTP/1.1 200", p + 1)) ++n;
  EXPECT_EQ(n, 2u) << out;
  EXPECT_NE(out.find("application/json"), std::string::npos);
}

TEST_F(ApiServerTest, OversizedBodyGets413Envelope) {
  const std::string body(4096, 'x');
  const std::string out = exchange(server_->port(), "POST /client/v4/zones HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                                        std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  EXPECT_NE(out.find("\"success\":false"), std::string::npos);
}

TEST_F(ApiServerTest, GarbageGets400AndServerLives) {
  const std::string out = exchange(server_->port(), "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  const std::string ok = exchange(server_->port(), "GET /client/v4/zones HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                                   "Authorization: Bearer tok\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
}

TEST_F(ApiServerTest, RefusesABusyAddress) {
  auto again = ApiServer::start(ApiServerOptions{.listen = server_->address()}, *controller_, *api_);
  EXPECT_FALSE(again);
  EXPECT_FALSE(ApiServer::start(ApiServerOptions{.listen = "nonsense"}, *controller_, *api_));
}

// At max_connections the idle connection that has waited longest is closed to admit a new one;
// idle connections never lock a new client out.
TEST_F(ApiServerTest, AtTheLimitClosesTheOldestIdleConnectionForANewOne) {
  server_->stop();
  auto s = ApiServer::start(ApiServerOptions{.listen = "127.0.0.1:0", .max_connections = 3}, *controller_, *api_);
  ASSERT_TRUE(s) << s.error().message;
  server_ = std::move(*s);
  std::vector<int> idle;
  for (int i = 0; i < 5; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(server_->port());
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    idle.push_back(fd);
  }
  const std::string ok = exchange(server_->port(), "GET /client/v4/zones HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                                   "Authorization: Bearer tok\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  // The first idle connection was shed: the server closed it.
  timeval tv{5, 0};
  ::setsockopt(idle[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c = 0;
  EXPECT_EQ(::recv(idle[0], &c, 1, 0), 0);
  for (int fd : idle) ::close(fd);
}

}  // namespace
}  // namespace dnsedge::api
