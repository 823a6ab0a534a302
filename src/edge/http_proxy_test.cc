// The HTTP session in-process: a scripted origin on a thread, raw requests from the test.

#include <gtest/gtest.h>

#include <thread>

#include "edge/internal/test_support.h"

namespace dnsedge::edge {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): test helpers

using HttpProxyTest = EdgeFixture;

// Serves one connection; for each head received, answers with `responses[i]` (the head seen
// goes to `seen`). Stops after the list or when the edge closes.
std::thread scripted_origin(int listen_fd, std::vector<std::string> responses, std::vector<std::string>* seen) {
  return std::thread([listen_fd, responses = std::move(responses), seen] {
    Fd c(::accept(listen_fd, nullptr, nullptr));
    if (c.fd < 0) return;
    std::string pending;
    for (const std::string& r : responses) {
      while (pending.find("\r\n\r\n") == std::string::npos) {
        char buf[4096];
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        pending.append(buf, static_cast<size_t>(n));
      }
      const size_t end = pending.find("\r\n\r\n") + 4;
      seen->push_back(pending.substr(0, end));
      pending.erase(0, end);
      send_all(c.fd, r);
    }
  });
}

TEST_F(HttpProxyTest, ForwardsWithForwardingHeaders) {
  Fd origin(listen_on(kOrigin1, http_port_));
  std::vector<std::string> seen;
  std::thread t = scripted_origin(origin.fd, {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}, &seen);
  const std::string resp = get("WWW.example.com:" + std::to_string(http_port_));
  t.join();
  EXPECT_EQ(resp, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].find("X-Forwarded-For: 127.0.0.1\r\n"), std::string::npos) << seen[0];
  EXPECT_NE(seen[0].find("CF-Connecting-IP: 127.0.0.1\r\n"), std::string::npos);
  EXPECT_NE(seen[0].find("X-Forwarded-Proto: http\r\n"), std::string::npos);
}

TEST_F(HttpProxyTest, KeepAliveReusesOneOriginConnection) {
  Fd origin(listen_on(kOrigin1, http_port_));
  std::vector<std::string> seen;
  std::thread t = scripted_origin(origin.fd,
                                  {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
                                   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"},
                                  &seen);
  Fd c(connect_to(kEdgeAddr, http_port_));
  send_all(c.fd, "GET /1 HTTP/1.1\r\nHost: www.example.com\r\n\r\nGET /2 HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
  const std::string resp = read_until(c.fd, "\r\n\r\nb");
  t.join();
  EXPECT_EQ(resp,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
  ASSERT_EQ(seen.size(), 2u);  // both on the one origin connection the thread accepted
}

TEST_F(HttpProxyTest, InterimResponsesPassAndUpgradeSplices) {
  Fd origin(listen_on(kOrigin1, http_port_));
  std::thread t([&] {
    Fd o(::accept(origin.fd, nullptr, nullptr));
    read_until(o.fd, "\r\n\r\n");
    send_all(o.fd, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nfrom-origin");
    const std::string got = read_until(o.fd, "from-client");
    send_all(o.fd, got == "from-client" ? "ok" : "bad");
  });
  Fd c(connect_to(kEdgeAddr, http_port_));
  send_all(c.fd, "GET /ws HTTP/1.1\r\nHost: www.example.com\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n");
  EXPECT_EQ(read_until(c.fd, "from-origin"),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nfrom-origin");
  send_all(c.fd, "from-client");
  EXPECT_EQ(read_until(c.fd, "ok"), "ok");
  t.join();
}

TEST_F(HttpProxyTest, ErrorPages) {
  EXPECT_NE(get("mail.example.com").find("error code: 1001"), std::string::npos);  // DNS-only
  EXPECT_NE(get("127.0.0.21").find("error code: 1003"), std::string::npos);
  EXPECT_NE(get("www.example.com").find("error code: 521"), std::string::npos);  // origin down
  EXPECT_TRUE(exchange("BAD\r\n\r\n").starts_with("HTTP/1.1 400 "));
  EXPECT_TRUE(exchange("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(40000, 'x') + "\r\n\r\n")
                  .starts_with("HTTP/1.1 431 "));
  EXPECT_TRUE(exchange("GET / HTTP/1.1\r\nHost: www.exa").starts_with("HTTP/1.1 408 "));  // 0.5 s here
  EXPECT_EQ(exchange(""), "");  // silent clients are closed silently
}

// Regression: a request that came back to the edge (its origin points at the edge) was
// forwarded again and again; the edge's CDN-Loop mark stops it at once.
TEST_F(HttpProxyTest, ARequestWithTheEdgesMarkIs508) {
  Fd origin(listen_on(kOrigin1, http_port_));
  const std::string resp =
      exchange("GET / HTTP/1.1\r\nHost: www.example.com\r\nCDN-Loop: dnsedge\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 508 Loop Detected\r\n")) << resp;
  EXPECT_NE(resp.find("\r\nCF-RAY: "), std::string::npos);
}

TEST_F(HttpProxyTest, ForwardsTheEdgesMark) {
  Fd origin(listen_on(kOrigin1, http_port_));
  std::vector<std::string> seen;
  std::thread t = scripted_origin(origin.fd, {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}, &seen);
  get("www.example.com");
  t.join();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].find("\r\nCDN-Loop: dnsedge\r\n"), std::string::npos) << seen[0];
}

// Regression: a proxied CNAME whose target answered the edge address looped through the edge.
// The edge checks each route's origins against its policy (here: the edge address) → 1000.
TEST_F(HttpProxyTest, AnOriginOnTheEdgeIsError1000) {
  static const view::EdgeAddresses kEdge{{std::string("\x7f\x00\x00\x15", 4)}, {}};  // 127.0.0.21
  const std::string apex = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text("$TTL 300\n@ SOA ns hm 1 1 1 1 1\n@ NS ns\nns A 192.0.2.53\n"
                                 "www CNAME back ; cf_tags=cf-proxied:true\nback A 127.0.0.21\n",
                                 apex);
  auto z = view::ZoneView::compile(apex, zt.value().records, view::CompileOptions{.edge = &kEdge});
  ASSERT_TRUE(z) << z.error().message;
  publisher_.publish(view::Catalog::build({z.value()}));
  const std::string resp = get("www.example.com");
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 403 Forbidden\r\n")) << resp;
  EXPECT_NE(resp.find("error code: 1000"), std::string::npos) << resp;
  EXPECT_NE(resp.find("DNS points to prohibited IP"), std::string::npos) << resp;
  EXPECT_EQ(resp.find("127.0.0.21"), std::string::npos) << resp;
  EXPECT_EQ(resp.find("back.example.com"), std::string::npos) << resp;
}

TEST_F(HttpProxyTest, SlowOriginIs504AndResetIs502) {
  Fd origin(listen_on(kOrigin1, http_port_));
  std::thread t([&] {
    Fd o(::accept(origin.fd, nullptr, nullptr));
    read_until(o.fd, "\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // origin timeout is 0.5 s
  });
  EXPECT_NE(get("www.example.com").find("error code: 524"), std::string::npos);
  t.join();
  std::thread t2([&] {
    Fd o(::accept(origin.fd, nullptr, nullptr));
    read_until(o.fd, "\r\n\r\n");
    send_all(o.fd, "HTTP/1.1 200 OK\r\nContent");  // then close: no complete head
  });
  const std::string resp = get("www.example.com");
  t2.join();
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 502 ")) << resp;
}

}  // namespace
}  // namespace dnsedge::edge
