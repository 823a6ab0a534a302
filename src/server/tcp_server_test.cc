// TCP transport (RFC 1035 §4.2.2, RFC 7766), through DnsServer on loopback with the real
// answer engine.

#include "server/internal/test_support.h"

namespace dnsedge::server {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): test helpers
using std::chrono::milliseconds;

class TcpServerTest : public ServerFixture {
 protected:
  std::unique_ptr<DnsServer> start_tcp(milliseconds idle = milliseconds(10000), size_t max_clients = 16) {
    return start(ServerOptions{.listen = {endpoint("127.0.0.1:0")},
                               .tcp_idle_timeout = idle,
                               .tcp_max_clients = max_clients});
  }
};

TEST_F(TcpServerTest, AnswersAQuery) {
  auto server = start_tcp();
  ASSERT_TRUE(server);
  auto r = tcp_ask(server->bound()[0], make_query(0xbeef, "www.example.org", kTypeA));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 0xbeef);
  EXPECT_EQ(r->rcode, 0);
  EXPECT_TRUE(r->flags & 0x0400) << "AA";
  EXPECT_EQ(r->answer_a, std::vector<std::string>{"192.0.2.1"});
}

TEST_F(TcpServerTest, AnswersOverIpv6) {
  common::UniqueFd probe(socket(AF_INET6, SOCK_STREAM, 0));
  if (!probe.valid()) GTEST_SKIP() << "no IPv6";
  auto server = start_on("[::1]:0");
  ASSERT_TRUE(server);
  auto r = tcp_ask(server->bound()[0], make_query(5, "www.example.org", kTypeA));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->answer_a, std::vector<std::string>{"192.0.2.1"});
}

// RFC 7766 §6.2.1.1: queries sent back to back on one connection are all answered; we answer
// them in order.
TEST_F(TcpServerTest, AnswersPipelinedQueriesInOrder) {
  auto server = start_tcp();
  ASSERT_TRUE(server);
  common::UniqueFd fd = tcp_connect(server->bound()[0]);
  Bytes burst;
  for (uint16_t id : {11, 12, 13}) {
    const Bytes f = framed(make_query(id, id == 12 ? "example.org" : "www.example.org",
                                      id == 12 ? kTypeSoa : kTypeA));
    burst.insert(burst.end(), f.begin(), f.end());
  }
  ASSERT_TRUE(send_all(fd.get(), burst));  // one write: all three arrive together
  const auto deadline = Clock::now() + kDeadline;
  for (uint16_t id : {11, 12, 13}) {
    auto reply = tcp_receive(fd.get(), deadline);
    ASSERT_TRUE(reply) << "no answer for " << id;
    auto r = parse_response(*reply);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->id, id);
    EXPECT_EQ(r->ancount, 1);
  }
}

// Length prefix and message split across many writes, even within the length.
TEST_F(TcpServerTest, AnswersAQuerySentInPieces) {
  auto server = start_tcp();
  ASSERT_TRUE(server);
  common::UniqueFd fd = tcp_connect(server->bound()[0]);
  const Bytes f = framed(make_query(21, "www.example.org", kTypeA));
  for (uint8_t byte : f) {
    ASSERT_TRUE(send_all(fd.get(), Bytes{byte}));
    // No sleep needed: with TCP_NODELAY each byte is its own segment most of the time.
  }
  auto reply = tcp_receive(fd.get(), Clock::now() + kDeadline);
  ASSERT_TRUE(reply);
  EXPECT_EQ(parse_response(*reply)->id, 21);
}

// RFC 7766 §6.2.3: a connection with no complete query within the idle timeout is closed.
TEST_F(TcpServerTest, ClosesAnIdleConnection) {
  auto server = start_tcp(milliseconds(200));
  ASSERT_TRUE(server);
  common::UniqueFd fd = tcp_connect(server->bound()[0]);
  const auto t0 = Clock::now();
  ASSERT_TRUE(closed_by_peer(fd.get(), t0 + kDeadline));
  EXPECT_GE(Clock::now() - t0, milliseconds(150));
}

// The timeout counts from the last answer: a connection used within it stays open.
TEST_F(TcpServerTest, IdleTimeoutRestartsAfterEachQuery) {
  auto server = start_tcp(milliseconds(300));
  ASSERT_TRUE(server);
  common::UniqueFd fd = tcp_connect(server->bound()[0]);
  const auto t0 = Clock::now();
  for (uint16_t id = 1; id <= 3; ++id) {
    ASSERT_TRUE(send_all(fd.get(), framed(make_query(id, "www.example.org", kTypeA))));
    auto reply = tcp_receive(fd.get(), Clock::now() + kDeadline);
    ASSERT_TRUE(reply) << "query " << id;
    // Wait on the socket (not a sleep): nothing may arrive for 150 ms, half the timeout.
    EXPECT_FALSE(wait_readable(fd.get(), Clock::now() + milliseconds(150)));
  }
  EXPECT_GE(Clock::now() - t0, milliseconds(400)) << "outlived one timeout";
  EXPECT_TRUE(closed_by_peer(fd.get(), Clock::now() + kDeadline));
}

// A partial query does not keep a connection open past the timeout either.
TEST_F(TcpServerTest, ClosesAConnectionStuckInTheMiddleOfAQuery) {
  auto server = start_tcp(milliseconds(200));
  ASSERT_TRUE(server);
  common::UniqueFd fd = tcp_connect(server->bound()[0]);
  Bytes f = framed(make_query(1, "www.example.org", kTypeA));
  f.resize(f.size() - 3);
  ASSERT_TRUE(send_all(fd.get(), f));
  EXPECT_TRUE(closed_by_peer(fd.get(), Clock::now() + kDeadline));
}

TEST_F(TcpServerTest, ClosesOnAMessageShorterThanAHeader) {
  auto server = start_tcp();
  ASSERT_TRUE(server);
  common::UniqueFd fd = tcp_connect(server->bound()[0]);
  ASSERT_TRUE(send_all(fd.get(), framed(Bytes{1, 2, 3, 4, 5})));
  EXPECT_TRUE(closed_by_peer(fd.get(), Clock::now() + kDeadline));
}

// RFC 7766 §6.2.3: at the limit the idle connection that has waited longest is closed to admit
// the new one; a new client is never locked out by idle connections.
TEST_F(TcpServerTest, AtTheLimitClosesTheOldestIdleConnectionForANewOne) {
  auto server = start_tcp(milliseconds(10000), /*max_clients=*/2);
  ASSERT_TRUE(server);
  const Endpoint ep = server->bound()[0];
  common::UniqueFd first = tcp_connect(ep);
  ASSERT_TRUE(send_all(first.get(), framed(make_query(1, "www.example.org", kTypeA))));
  ASSERT_TRUE(tcp_receive(first.get(), Clock::now() + kDeadline));  // served, now idle
  common::UniqueFd second = tcp_connect(ep);
  ASSERT_TRUE(send_all(second.get(), framed(make_query(2, "www.example.org", kTypeA))));
  ASSERT_TRUE(tcp_receive(second.get(), Clock::now() + kDeadline));  // idle, younger

  common::UniqueFd third = tcp_connect(ep);
  ASSERT_TRUE(send_all(third.get(), framed(make_query(3, "www.example.org", kTypeA))));
  auto reply = tcp_receive(third.get(), Clock::now() + kDeadline);
  ASSERT_TRUE(reply) << "the newcomer is served";
  EXPECT_EQ(parse_response(*reply)->id, 3);
  EXPECT_TRUE(closed_by_peer(first.get(), Clock::now() + kDeadline)) << "the oldest idle one was shed";
  ASSERT_TRUE(send_all(second.get(), framed(make_query(4, "www.example.org", kTypeA))));
  EXPECT_TRUE(tcp_receive(second.get(), Clock::now() + kDeadline)) << "the younger one stays";
}

// A query trickling in byte by byte does not extend the timeout: it bounds the whole query.
TEST_F(TcpServerTest, TheTimeoutBoundsTheWholeQueryNotTheGaps) {
  auto server = start_tcp(milliseconds(400));
  ASSERT_TRUE(server);
  common::UniqueFd fd = tcp_connect(server->bound()[0]);
  const Bytes f = framed(make_query(1, "www.example.org", kTypeA));
  ASSERT_GT(f.size(), 20u);
  bool closed = false;
  for (size_t i = 0; i < f.size() && !closed; ++i) {
    (void)send_all(fd.get(), Bytes{f[i]});
    // 100 ms between bytes, each gap far below the timeout; the whole query takes longer.
    closed = wait_readable(fd.get(), Clock::now() + milliseconds(100));
  }
  EXPECT_TRUE(closed) << "closed before the trickled query was complete";
  EXPECT_TRUE(closed_by_peer(fd.get(), Clock::now() + kDeadline)) << "and not answered";
}

TEST_F(TcpServerTest, StopClosesOpenConnections) {
  auto server = start_tcp();
  ASSERT_TRUE(server);
  common::UniqueFd fd = tcp_connect(server->bound()[0]);
  ASSERT_TRUE(send_all(fd.get(), framed(make_query(1, "www.example.org", kTypeA))));
  ASSERT_TRUE(tcp_receive(fd.get(), Clock::now() + kDeadline));
  server->stop();
  EXPECT_TRUE(closed_by_peer(fd.get(), Clock::now() + kDeadline));
}

}  // namespace
}  // namespace dnsedge::server
