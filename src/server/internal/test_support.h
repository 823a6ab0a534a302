#pragma once
// Helpers for the server tests (server_test.cc, udp_worker_test.cc, tcp_server_test.cc): a small
// zone compiled with the real compiler, hand-made query bytes, a hand-written response parser
// and blocking loopback clients with deadlines. Test-only; never included by library code.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/snapshot.h"
#include "common/unique_fd.h"
#include "dns/name.h"
#include "dns/zonefile.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "view/zone_view.h"

namespace dnsedge::server::test_support {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<uint8_t>;
inline constexpr std::chrono::seconds kDeadline{5};  // generous: only reached on failure

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeSoa = 6;

// example.org. with www A <www_address>.
inline std::string zone_text(std::string_view www_address, uint32_t serial = 1) {
  return "$ORIGIN example.org.\n"
         "$TTL 300\n"
         "@\tIN\tSOA\tns1 hostmaster " +
         std::to_string(serial) +
         " 7200 3600 1209600 300\n"
         "@\tIN\tNS\tns1\n"
         "ns1\tIN\tA\t192.0.2.53\n"
         "www\tIN\tA\t" +
         std::string(www_address) + "\n";
}

// Compiles `text` (origin example.org.) with the real zone-file parser and view compiler.
inline std::shared_ptr<const view::Catalog> make_catalog(const std::string& text) {
  auto origin = dns::name_from_text("example.org.");
  EXPECT_TRUE(origin) << origin.error().message;
  auto parsed = dns::parse_zone_text(text, *origin);
  EXPECT_TRUE(parsed) << parsed.error().message;
  auto zone = view::ZoneView::compile(*origin, parsed->records);
  EXPECT_TRUE(zone) << zone.error().message;
  return view::Catalog::build({*zone});
}

// A query for `name` (presentation form, absolute) and `qtype`, RD clear, optionally with an
// EDNS(0) OPT advertising 1232 bytes.
inline Bytes make_query(uint16_t id, std::string_view name, uint16_t qtype, bool edns = false) {
  Bytes q = {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x00, 0x00, 0, 1, 0, 0,
             0, 0, 0, static_cast<uint8_t>(edns ? 1 : 0)};
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    q.push_back(static_cast<uint8_t>(dot - start));
    q.insert(q.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
             name.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  q.push_back(0);
  q.insert(q.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  if (edns) q.insert(q.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});
  return q;
}

struct Response {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint16_t rcode = 0;
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  std::vector<std::string> answer_a;  // A rdata of the answer section, as text
};

// Parses a response by hand. Returns nullopt on anything malformed.
inline std::optional<Response> parse_response(const Bytes& m) {
  if (m.size() < 12) return std::nullopt;
  auto u16 = [&](size_t p) { return static_cast<uint16_t>((m[p] << 8) | m[p + 1]); };
  Response r;
  r.id = u16(0);
  r.flags = u16(2);
  r.rcode = r.flags & 0x0f;
  r.qdcount = u16(4);
  r.ancount = u16(6);
  r.nscount = u16(8);
  r.arcount = u16(10);
  size_t p = 12;
  auto skip_name = [&]() -> bool {
    while (p < m.size()) {
      const uint8_t len = m[p];
      if ((len & 0xc0) == 0xc0) {
        p += 2;
        return p <= m.size();
      }
      p += 1 + len;
      if (len == 0) return p <= m.size();
    }
    return false;
  };
  for (uint16_t i = 0; i < r.qdcount; ++i) {
    if (!skip_name() || p + 4 > m.size()) return std::nullopt;
    p += 4;
  }
  for (uint16_t i = 0; i < r.ancount; ++i) {
    if (!skip_name() || p + 10 > m.size()) return std::nullopt;
    const uint16_t type = u16(p);
    const uint16_t rdlen = u16(p + 8);
    p += 10;
    if (p + rdlen > m.size()) return std::nullopt;
    if (type == kTypeA && rdlen == 4) {
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, m.data() + p, text, sizeof text);
      r.answer_a.emplace_back(text);
    }
    p += rdlen;
  }
  return r;
}

inline int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits until `fd` is readable or the deadline passes.
inline bool wait_readable(int fd, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, remaining_ms(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

inline Endpoint endpoint(std::string_view text) {
  auto ep = Endpoint::parse(text);
  EXPECT_TRUE(ep) << ep.error().message;
  return *ep;
}

// A connected UDP client socket.
inline common::UniqueFd udp_client(const Endpoint& server) {
  common::UniqueFd fd(socket(server.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(connect(fd.get(), reinterpret_cast<const sockaddr*>(&server.addr), server.len), 0)
      << std::strerror(errno);
  return fd;
}

inline std::optional<Bytes> udp_receive(int fd, Clock::time_point deadline) {
  if (!wait_readable(fd, deadline)) return std::nullopt;
  Bytes buf(65535);
  const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  return buf;
}

// One query over UDP from a fresh socket; nullopt when no answer came before the deadline.
inline std::optional<Response> udp_ask(const Endpoint& server, const Bytes& query) {
  common::UniqueFd fd = udp_client(server);
  if (send(fd.get(), query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) {
    return std::nullopt;
  }
  auto reply = udp_receive(fd.get(), Clock::now() + kDeadline);
  if (!reply) return std::nullopt;
  return parse_response(*reply);
}

inline common::UniqueFd tcp_connect(const Endpoint& server) {
  common::UniqueFd fd(socket(server.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(connect(fd.get(), reinterpret_cast<const sockaddr*>(&server.addr), server.len), 0)
      << std::strerror(errno);
  const int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

inline Bytes framed(const Bytes& message) {
  Bytes out = {static_cast<uint8_t>(message.size() >> 8), static_cast<uint8_t>(message.size())};
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

inline bool send_all(int fd, const Bytes& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads exactly `n` bytes; false on EOF, error or deadline.
inline bool read_exact(int fd, uint8_t* out, size_t n, Clock::time_point deadline) {
  size_t got = 0;
  while (got < n) {
    if (!wait_readable(fd, deadline)) return false;
    const ssize_t r = recv(fd, out + got, n - got, 0);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return false;
    }
    got += static_cast<size_t>(r);
  }
  return true;
}

// Reads one length-prefixed message.
inline std::optional<Bytes> tcp_receive(int fd, Clock::time_point deadline) {
  uint8_t len[2];
  if (!read_exact(fd, len, 2, deadline)) return std::nullopt;
  Bytes msg(static_cast<size_t>((len[0] << 8) | len[1]));
  if (!read_exact(fd, msg.data(), msg.size(), deadline)) return std::nullopt;
  return msg;
}

inline std::optional<Response> tcp_ask(const Endpoint& server, const Bytes& query) {
  common::UniqueFd fd = tcp_connect(server);
  if (!send_all(fd.get(), framed(query))) return std::nullopt;
  auto reply = tcp_receive(fd.get(), Clock::now() + kDeadline);
  if (!reply) return std::nullopt;
  return parse_response(*reply);
}

// True when the peer closed the connection (EOF or reset) before the deadline.
inline bool closed_by_peer(int fd, Clock::time_point deadline) {
  uint8_t buf[512];
  for (;;) {
    if (!wait_readable(fd, deadline)) return false;
    const ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r == 0) return true;
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno == ECONNRESET;
    }
  }
}

// Starts a server on `listen` serving www.example.org A 192.0.2.1.
class ServerFixture : public ::testing::Test {
 protected:
  ServerFixture() : publisher_(make_catalog(zone_text("192.0.2.1"))) {}

  std::unique_ptr<DnsServer> start(ServerOptions options) {
    auto server = DnsServer::start(options, publisher_);
    EXPECT_TRUE(server) << server.error().message;
    if (!server) return nullptr;
    return std::move(server).value();
  }

  std::unique_ptr<DnsServer> start_on(std::string_view listen, unsigned threads = 1) {
    return start(ServerOptions{.listen = {endpoint(listen)}, .threads = threads});
  }

  common::SnapshotPublisher<view::Catalog> publisher_;
};

}  // namespace dnsedge::server::test_support
