#pragma once
// Helpers for the edge's in-process tests: blocking loopback sockets, a one-zone catalog, and a
// fixture that runs an Edge on 127.0.0.21 with an origin address 127.0.0.31 (and .32) sharing
// its port numbers. Test-only; never linked into the server.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <string_view>

#include "dns/name.h"
#include "dns/zonefile.h"
#include "edge/edge.h"

namespace dnsedge::edge::testing {

inline constexpr const char* kEdgeAddr = "127.0.0.21";
inline constexpr const char* kAppAddr = "127.0.0.22";
inline constexpr const char* kOrigin1 = "127.0.0.31";
inline constexpr const char* kOrigin2 = "127.0.0.32";

inline sockaddr_in sa(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

inline int listen_on(const char* ip, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in a = sa(ip, port);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A port free on every address the tests use.
inline uint16_t free_port() {
  for (int i = 0; i < 50; ++i) {
    Fd probe(listen_on(kEdgeAddr, 0));
    const uint16_t p = port_of(probe.fd);
    bool ok = true;
    for (const char* ip : {kAppAddr, kOrigin1, kOrigin2}) {
      Fd f(listen_on(ip, p));
      ok = ok && f.fd >= 0;
    }
    if (ok) return p;
  }
  return 0;
}

inline int connect_to(const char* ip, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const sockaddr_in a = sa(ip, port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline void send_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    s.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads until `stop` appears (or EOF/timeout when stop is empty or never comes).
inline std::string read_until(int fd, std::string_view stop = {}) {
  std::string out;
  char buf[4096];
  while (stop.empty() || out.find(stop) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// A minimal TLS 1.3-style ClientHello record carrying `sni` (no SNI extension when empty).
inline std::string client_hello(const std::string& sni) {
  auto u8 = [](std::string& s, unsigned v) { s.push_back(static_cast<char>(v)); };
  auto u16 = [&](std::string& s, unsigned v) {
    u8(s, v >> 8);
    u8(s, v & 0xff);
  };
  std::string ext;
  if (!sni.empty()) {
    u16(ext, 0);
    u16(ext, static_cast<unsigned>(sni.size() + 5));
    u16(ext, static_cast<unsigned>(sni.size() + 3));
    u8(ext, 0);
    u16(ext, static_cast<unsigned>(sni.size()));
    ext += sni;
  }
  std::string body;
  u16(body, 0x0303);
  body.append(32, 'r');
  u8(body, 0);
  u16(body, 2);
  u16(body, 0x1301);
  u8(body, 1);
  u8(body, 0);
  u16(body, static_cast<unsigned>(ext.size()));
  body += ext;
  std::string hs;
  u8(hs, 1);
  u8(hs, 0);
  u16(hs, static_cast<unsigned>(body.size()));
  hs += body;
  std::string rec;
  u8(rec, 22);
  u16(rec, 0x0301);
  u16(rec, static_cast<unsigned>(hs.size()));
  return rec + hs;
}

// example.com with www proxied to `origin_ip` and mail DNS-only.
inline std::shared_ptr<const view::Catalog> catalog_for(const char* origin_ip) {
  static const view::EdgeAddresses kEdge{{std::string("\x7f\x00\x00\x15", 4)}, {}};  // 127.0.0.21
  const std::string text = std::string("$TTL 300\n@ SOA ns hm 1 1 1 1 1\n@ NS ns\nns A 192.0.2.53\n") + "www A " +
                           origin_ip + " ; cf_tags=cf-proxied:true\nmail A " + kOrigin1 + "\n";
  const std::string apex = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text(text, apex);
  auto z = view::ZoneView::compile(apex, zt.value().records, view::CompileOptions{.edge = &kEdge});
  return view::Catalog::build({z.value()});
}

// An Edge with one HTTP and one HTTPS port on kEdgeAddr and the pool kAppAddr/32.
class EdgeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    http_port_ = free_port();
    https_port_ = free_port();
    ASSERT_NE(http_port_, 0);
    ASSERT_NE(https_port_, 0);
    EdgeOptions o;
    o.addresses = {*IpAddress::parse(kEdgeAddr)};
    o.http_ports = {http_port_};
    o.https_ports = {https_port_};
    o.spectrum_pools = {*IpPrefix::parse("127.0.0.22/32")};
    o.connect_timeout = std::chrono::milliseconds(1000);
    o.header_timeout = std::chrono::milliseconds(500);
    o.origin_timeout = std::chrono::milliseconds(500);
    auto e = Edge::start(o, publisher_);
    ASSERT_TRUE(e) << e.error().message;
    edge_ = std::move(*e);
  }
  void TearDown() override {
    if (edge_) edge_->stop();
  }

  // One request on a fresh connection; everything until close.
  std::string exchange(std::string_view raw) {
    Fd c(connect_to(kEdgeAddr, http_port_));
    if (c.fd < 0) return "connect failed";
    send_all(c.fd, raw);
    return read_until(c.fd);
  }
  std::string get(const std::string& host) {
    return exchange("GET /x HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
  }

  common::SnapshotPublisher<view::Catalog> publisher_{catalog_for(kOrigin1)};
  std::unique_ptr<Edge> edge_;
  uint16_t http_port_ = 0;
  uint16_t https_port_ = 0;
};

}  // namespace dnsedge::edge::testing
