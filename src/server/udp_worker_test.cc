// UDP transport, through DnsServer on loopback with the real answer engine.

#include <set>

#include "server/internal/test_support.h"

namespace dnsedge::server {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): test helpers

class UdpWorkerTest : public ServerFixture {};

TEST_F(UdpWorkerTest, AnswersAQuery) {
  auto server = start_on("127.0.0.1:0");
  ASSERT_TRUE(server);
  auto r = udp_ask(server->bound()[0], make_query(0x1234, "www.example.org", kTypeA));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 0x1234);
  EXPECT_TRUE(r->flags & 0x8000) << "QR";
  EXPECT_TRUE(r->flags & 0x0400) << "AA";
  EXPECT_EQ(r->rcode, 0);
  EXPECT_EQ(r->ancount, 1);
  EXPECT_EQ(r->answer_a, std::vector<std::string>{"192.0.2.1"});
}

TEST_F(UdpWorkerTest, AnswersOverIpv6) {
  common::UniqueFd probe(socket(AF_INET6, SOCK_DGRAM, 0));
  if (!probe.valid()) GTEST_SKIP() << "no IPv6";
  auto server = start_on("[::1]:0");
  ASSERT_TRUE(server);
  auto r = udp_ask(server->bound()[0], make_query(7, "www.example.org", kTypeA, /*edns=*/true));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 7);
  EXPECT_EQ(r->answer_a, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(r->arcount, 1) << "OPT echoed";
}

// Many clients, each sending a burst back to back: the workers read them in recvmmsg batches
// and answer every one.
TEST_F(UdpWorkerTest, AnswersEveryQueryOfABurst) {
  // Rate limiting off: this burst of one answer to one /24 is far over the default rate.
  auto server = start(ServerOptions{.listen = {endpoint("127.0.0.1:0")}, .threads = 2, .rrl = RrlOptions{.rate = 0}});
  ASSERT_TRUE(server);
  const Endpoint ep = server->bound()[0];
  constexpr int kClients = 8;
  constexpr int kPerClient = 100;
  std::vector<common::UniqueFd> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(udp_client(ep));
    const int size = 1 << 20;
    setsockopt(clients.back().get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  for (int c = 0; c < kClients; ++c) {
    for (int i = 0; i < kPerClient; ++i) {
      const Bytes q = make_query(static_cast<uint16_t>(c * kPerClient + i), "www.example.org", kTypeA);
      ASSERT_EQ(send(clients[c].get(), q.data(), q.size(), 0), static_cast<ssize_t>(q.size()));
    }
  }
  const auto deadline = Clock::now() + kDeadline;
  for (int c = 0; c < kClients; ++c) {
    std::set<uint16_t> ids;
    while (ids.size() < kPerClient) {
      auto reply = udp_receive(clients[c].get(), deadline);
      ASSERT_TRUE(reply) << "client " << c << " got " << ids.size() << " of " << kPerClient;
      auto r = parse_response(*reply);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->answer_a, std::vector<std::string>{"192.0.2.1"});
      ids.insert(r->id);
    }
    EXPECT_EQ(*ids.begin(), c * kPerClient);
    EXPECT_EQ(*ids.rbegin(), c * kPerClient + kPerClient - 1);
  }
}

// Bound to the wildcard address, the reply must come from the address the query was sent to
// (IP_PKTINFO); 127.0.0.2 is local but the route back to 127.0.0.1 would pick 127.0.0.1, and a
// connected client socket drops datagrams from any other source.
TEST_F(UdpWorkerTest, RepliesFromTheAddressQueried) {
  auto server = start_on("0.0.0.0:0");
  ASSERT_TRUE(server);
  const uint16_t port = server->bound()[0].port();
  ASSERT_NE(port, 0);
  const Endpoint target = endpoint("127.0.0.2:" + std::to_string(port));
  const Endpoint local = endpoint("127.0.0.1:0");
  common::UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(bind(fd.get(), reinterpret_cast<const sockaddr*>(&local.addr), local.len), 0);
  ASSERT_EQ(connect(fd.get(), reinterpret_cast<const sockaddr*>(&target.addr), target.len), 0);
  const Bytes q = make_query(99, "www.example.org", kTypeA);
  ASSERT_EQ(send(fd.get(), q.data(), q.size(), 0), static_cast<ssize_t>(q.size()));
  auto reply = udp_receive(fd.get(), Clock::now() + kDeadline);
  ASSERT_TRUE(reply) << "no reply from 127.0.0.2";
  EXPECT_EQ(parse_response(*reply)->id, 99);
}

TEST_F(UdpWorkerTest, DropsResponsesAndRunts) {
  auto server = start_on("127.0.0.1:0");
  ASSERT_TRUE(server);
  common::UniqueFd fd = udp_client(server->bound()[0]);
  Bytes response = make_query(1, "www.example.org", kTypeA);
  response[2] |= 0x80;  // QR: a response, never answered
  Bytes runt = {0, 2, 0};
  Bytes query = make_query(2, "www.example.org", kTypeA);
  for (const Bytes* b : {&response, &runt, &query}) {
    ASSERT_EQ(send(fd.get(), b->data(), b->size(), 0), static_cast<ssize_t>(b->size()));
  }
  auto reply = udp_receive(fd.get(), Clock::now() + kDeadline);
  ASSERT_TRUE(reply);
  EXPECT_EQ(parse_response(*reply)->id, 2);
}

TEST_F(UdpWorkerTest, RefusesNamesOutsideItsZones) {
  auto server = start_on("127.0.0.1:0");
  ASSERT_TRUE(server);
  auto r = udp_ask(server->bound()[0], make_query(3, "www.example.net", kTypeA));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rcode, 5);  // REFUSED
}

// Past the rate, every second limited response is sent truncated (TC, no answer) and the
// others are dropped; the counters say so. The workers share one table: two threads.
TEST_F(UdpWorkerTest, RateLimitsABurstOfIdenticalQueries) {
  auto server = start(ServerOptions{.listen = {endpoint("127.0.0.1:0")}, .threads = 2,
                                    .rrl = RrlOptions{.rate = 20, .slip = 2}});
  ASSERT_TRUE(server);
  constexpr int kQueries = 300;
  std::vector<common::UniqueFd> clients;  // several source ports: spread over both workers
  for (int c = 0; c < 4; ++c) clients.push_back(udp_client(server->bound()[0]));
  for (int i = 0; i < kQueries; ++i) {
    const Bytes q = make_query(static_cast<uint16_t>(i), "www.example.org", kTypeA);
    ASSERT_EQ(send(clients[i % 4].get(), q.data(), q.size(), 0), static_cast<ssize_t>(q.size()));
  }
  int full = 0, truncated = 0;
  const auto deadline = Clock::now() + kDeadline;
  // Every query is either answered, slipped or dropped; read until all are accounted for.
  for (;;) {
    for (auto& fd : clients) {
      while (auto reply = udp_receive(fd.get(), Clock::now() + std::chrono::milliseconds(20))) {
        auto r = parse_response(*reply);
        ASSERT_TRUE(r);
        if (r->flags & 0x0200) {
          EXPECT_EQ(r->ancount, 0);
          ++truncated;
        } else {
          EXPECT_EQ(r->answer_a, std::vector<std::string>{"192.0.2.1"});
          ++full;
        }
      }
    }
    const RrlCounters c = server->rrl_counters();
    if (full + c.limited == static_cast<uint64_t>(kQueries) && static_cast<uint64_t>(truncated) == c.slipped) break;
    if (Clock::now() > deadline) break;
  }
  const RrlCounters c = server->rrl_counters();
  EXPECT_EQ(c.limited, static_cast<uint64_t>(kQueries - full));
  EXPECT_EQ(c.slipped, static_cast<uint64_t>(truncated));
  EXPECT_EQ(c.dropped, c.limited - c.slipped);
  EXPECT_LT(full, kQueries / 2) << "at 20/s most of the burst is limited";
  EXPECT_GE(full, 19);
  EXPECT_GT(truncated, 0);
  EXPECT_GT(c.dropped, 0u);
}

}  // namespace
}  // namespace dnsedge::server
