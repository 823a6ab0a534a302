// DnsServer: binding, errors, stop, and snapshot pick-up, on loopback with the real zone-file
// parser, view compiler and answer engine.

#include <atomic>
#include <thread>

#include "server/internal/test_support.h"

namespace dnsedge::server {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): test helpers

class DnsServerTest : public ServerFixture {};

bool has_ipv6() { return common::UniqueFd(socket(AF_INET6, SOCK_DGRAM, 0)).valid(); }

// A socket of `type` bound to 127.0.0.1 on an ephemeral port, without SO_REUSEPORT.
common::UniqueFd plain_socket(int type, Endpoint* bound) {
  const Endpoint any = endpoint("127.0.0.1:0");
  common::UniqueFd fd(socket(AF_INET, type | SOCK_CLOEXEC, 0));
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<const sockaddr*>(&any.addr), any.len), 0);
  if (type == SOCK_STREAM) {
    EXPECT_EQ(listen(fd.get(), 4), 0);
  }
  bound->len = sizeof bound->addr;
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound->addr), &bound->len);
  return fd;
}

bool can_bind(int type, const Endpoint& ep) {
  common::UniqueFd fd(socket(ep.family(), type | SOCK_CLOEXEC, 0));
  return bind(fd.get(), reinterpret_cast<const sockaddr*>(&ep.addr), ep.len) == 0;
}

TEST_F(DnsServerTest, ResolvesEphemeralPortsInBound) {
  ServerOptions options{.listen = {endpoint("127.0.0.1:0")}, .threads = 2};
  if (has_ipv6()) options.listen.push_back(endpoint("[::1]:0"));
  auto server = start(options);
  ASSERT_TRUE(server);
  const std::vector<Endpoint> bound = server->bound();
  ASSERT_EQ(bound.size(), options.listen.size());
  for (size_t i = 0; i < bound.size(); ++i) {
    EXPECT_EQ(bound[i].family(), options.listen[i].family());
    EXPECT_NE(bound[i].port(), 0) << bound[i].to_string();
    // UDP and TCP share the resolved port.
    auto udp = udp_ask(bound[i], make_query(1, "www.example.org", kTypeA));
    auto tcp = tcp_ask(bound[i], make_query(2, "www.example.org", kTypeA));
    ASSERT_TRUE(udp) << bound[i].to_string();
    ASSERT_TRUE(tcp) << bound[i].to_string();
    EXPECT_EQ(udp->answer_a, std::vector<std::string>{"192.0.2.1"});
    EXPECT_EQ(tcp->answer_a, std::vector<std::string>{"192.0.2.1"});
  }
  if (bound.size() == 2) {
    EXPECT_EQ(bound[1].to_string().rfind("[::1]:", 0), 0u);
  }
}

TEST_F(DnsServerTest, FailsWithAClearMessageOnAnAddressItCannotBind) {
  // 192.0.2.1 (TEST-NET-1) is not an address of this host.
  auto server = DnsServer::start(ServerOptions{.listen = {endpoint("192.0.2.1:53")}}, publisher_);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().message, "cannot listen on 192.0.2.1:53 (udp): Cannot assign requested address");
}

TEST_F(DnsServerTest, FailsWhenTheUdpPortIsTaken) {
  Endpoint taken;
  common::UniqueFd holder = plain_socket(SOCK_DGRAM, &taken);
  auto server = DnsServer::start(ServerOptions{.listen = {taken}}, publisher_);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().message,
            "cannot listen on " + taken.to_string() + " (udp): Address already in use");
}

// Also when the holder is an SO_REUSEPORT socket of the same user: we never share a port with
// another server by accident.
TEST_F(DnsServerTest, FailsWhenTheUdpPortIsTakenByAReuseportSocket) {
  const Endpoint any = endpoint("127.0.0.1:0");
  common::UniqueFd holder(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const int one = 1;
  ASSERT_EQ(setsockopt(holder.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one), 0);
  ASSERT_EQ(bind(holder.get(), reinterpret_cast<const sockaddr*>(&any.addr), any.len), 0);
  Endpoint taken;
  taken.len = sizeof taken.addr;
  getsockname(holder.get(), reinterpret_cast<sockaddr*>(&taken.addr), &taken.len);
  auto server = DnsServer::start(ServerOptions{.listen = {taken}, .threads = 2}, publisher_);
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("(udp): Address already in use"), std::string::npos);
}

TEST_F(DnsServerTest, FailsWhenTheTcpPortIsTaken) {
  Endpoint taken;
  common::UniqueFd holder = plain_socket(SOCK_STREAM, &taken);
  auto server = DnsServer::start(ServerOptions{.listen = {taken}}, publisher_);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().message,
            "cannot listen on " + taken.to_string() + " (tcp): Address already in use");
}

TEST_F(DnsServerTest, ReleasesEverythingWhenAListenerFails) {
  Endpoint free_ep;
  { common::UniqueFd probe = plain_socket(SOCK_STREAM, &free_ep); }  // a port just released
  Endpoint taken;
  common::UniqueFd holder = plain_socket(SOCK_DGRAM, &taken);
  auto server =
      DnsServer::start(ServerOptions{.listen = {free_ep, taken}, .threads = 2}, publisher_);
  ASSERT_FALSE(server);
  // The sockets bound on the first endpoint were closed again.
  EXPECT_TRUE(can_bind(SOCK_DGRAM, free_ep));
  EXPECT_TRUE(can_bind(SOCK_STREAM, free_ep));
}

TEST_F(DnsServerTest, RejectsAnEmptyListenList) {
  auto server = DnsServer::start(ServerOptions{}, publisher_);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().message, "no listen address configured");
}

TEST_F(DnsServerTest, StopIsIdempotentAndReleasesThePort) {
  auto server = start_on("127.0.0.1:0", 2);
  ASSERT_TRUE(server);
  const Endpoint ep = server->bound()[0];
  server->stop();
  server->stop();
  EXPECT_TRUE(can_bind(SOCK_DGRAM, ep));
  EXPECT_TRUE(can_bind(SOCK_STREAM, ep));
  server.reset();  // the destructor stops again
}

// A catalog published while queries flow is picked up by the UDP workers and the TCP thread,
// and a worker never goes back to the old one.
TEST_F(DnsServerTest, PicksUpACatalogPublishedWhileQueriesFlow) {
  // Rate limiting off: one client asks the same name as fast as it is answered.
  auto server = start(ServerOptions{.listen = {endpoint("127.0.0.1:0")}, .threads = 2, .rrl = RrlOptions{.rate = 0}});
  ASSERT_TRUE(server);
  const Endpoint ep = server->bound()[0];

  std::atomic<bool> done{false};
  std::atomic<int> seen_new{0};
  std::atomic<int> regressions{0};
  std::atomic<int> answered{0};
  std::thread client([&] {
    common::UniqueFd fd = udp_client(ep);  // one source address: always the same worker
    bool saw_new = false;
    for (uint16_t id = 0; !done.load(); ++id) {
      const Bytes q = make_query(id, "www.example.org", kTypeA);
      if (send(fd.get(), q.data(), q.size(), 0) < 0) continue;
      for (;;) {
        auto reply = udp_receive(fd.get(), Clock::now() + kDeadline);
        if (!reply) return;
        auto r = parse_response(*reply);
        if (!r || r->id != id) continue;
        ++answered;
        if (r->answer_a == std::vector<std::string>{"192.0.2.2"}) {
          saw_new = true;
          ++seen_new;
        } else if (saw_new) {
          ++regressions;
        }
        break;
      }
    }
  });

  const auto deadline = Clock::now() + kDeadline;
  while (answered.load() < 20 && Clock::now() < deadline) std::this_thread::yield();
  ASSERT_GE(answered.load(), 20);
  publisher_.publish(make_catalog(zone_text("192.0.2.2", 2)));
  while (seen_new.load() < 20 && Clock::now() < deadline) std::this_thread::yield();
  done = true;
  client.join();
  EXPECT_GE(seen_new.load(), 20);
  EXPECT_EQ(regressions.load(), 0);

  auto tcp = tcp_ask(ep, make_query(1, "www.example.org", kTypeA));
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->answer_a, std::vector<std::string>{"192.0.2.2"});
  // Every worker, not only the one the client hit: fresh source ports spread over both.
  for (uint16_t id = 0; id < 16; ++id) {
    auto udp = udp_ask(ep, make_query(id, "www.example.org", kTypeA));
    ASSERT_TRUE(udp);
    EXPECT_EQ(udp->answer_a, std::vector<std::string>{"192.0.2.2"});
  }
}

// An idle worker refreshes on its periodic wake-up, so the old catalog is released without any
// query arriving.
TEST_F(DnsServerTest, IdleWorkersReleaseTheOldCatalog) {
  auto first = make_catalog(zone_text("192.0.2.1"));
  std::weak_ptr<const view::Catalog> old = first;
  common::SnapshotPublisher<view::Catalog> publisher(std::move(first));
  auto result = DnsServer::start(ServerOptions{.listen = {endpoint("127.0.0.1:0")}, .threads = 2},
                                 publisher);
  ASSERT_TRUE(result) << result.error().message;
  std::unique_ptr<DnsServer> server = std::move(result).value();
  // Two publishes: the publisher itself keeps the previous snapshot until the next one.
  publisher.publish(make_catalog(zone_text("192.0.2.2", 2)));
  publisher.publish(make_catalog(zone_text("192.0.2.3", 3)));
  const auto deadline = Clock::now() + kDeadline;
  while (!old.expired() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a weak_ptr
  }
  EXPECT_TRUE(old.expired());
}

}  // namespace
}  // namespace dnsedge::server
