// HTTPS passthrough and Spectrum apps in-process.

#include <gtest/gtest.h>

#include <thread>

#include "edge/internal/test_support.h"

namespace dnsedge::edge {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): test helpers

using StreamProxyTest = EdgeFixture;

TEST_F(StreamProxyTest, ClientHelloIsPassedThroughUntouched) {
  Fd origin(listen_on(kOrigin1, https_port_));
  const std::string hello = client_hello("www.example.com");
  std::string seen;
  std::thread t([&] {
    Fd o(::accept(origin.fd, nullptr, nullptr));
    seen = read_until(o.fd, "tail");
    send_all(o.fd, "server bytes");
  });
  Fd c(connect_to(kEdgeAddr, https_port_));
  send_all(c.fd, hello + "tail");
  EXPECT_EQ(read_until(c.fd, "server bytes"), "server bytes");
  t.join();
  EXPECT_EQ(seen, hello + "tail");
}

TEST_F(StreamProxyTest, UnknownNameGetsAnAlertAndNoSniACleanClose) {
  Fd c(connect_to(kEdgeAddr, https_port_));
  send_all(c.fd, client_hello("nothing.example.org"));
  EXPECT_EQ(read_until(c.fd), std::string("\x15\x03\x03\x00\x02\x02\x70", 7));  // unrecognized_name
  Fd c2(connect_to(kEdgeAddr, https_port_));
  send_all(c2.fd, client_hello(""));
  EXPECT_EQ(read_until(c2.fd), "");
  Fd c3(connect_to(kEdgeAddr, https_port_));
  send_all(c3.fd, client_hello("www.example.com"));  // origin down
  EXPECT_EQ(read_until(c3.fd), std::string("\x15\x03\x03\x00\x02\x02\x50", 7));  // internal_error
}

// A prohibited origin (here: the edge's own address) is never connected to over TLS either.
TEST_F(StreamProxyTest, AProhibitedOriginGetsAnAlertAndNoConnection) {
  Fd origin(listen_on(kEdgeAddr, 0));  // would be reached if the edge connected
  static const view::EdgeAddresses kEdge{{std::string("\x7f\x00\x00\x15", 4)}, {}};  // 127.0.0.21
  const std::string apex = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text("$TTL 300\n@ SOA ns hm 1 1 1 1 1\n@ NS ns\nns A 192.0.2.53\n"
                                 "www CNAME back ; cf_tags=cf-proxied:true\nback A 127.0.0.21\n",
                                 apex);
  auto z = view::ZoneView::compile(apex, zt.value().records, view::CompileOptions{.edge = &kEdge});
  ASSERT_TRUE(z) << z.error().message;
  publisher_.publish(view::Catalog::build({z.value()}));
  Fd c(connect_to(kEdgeAddr, https_port_));
  send_all(c.fd, client_hello("www.example.com"));
  EXPECT_EQ(read_until(c.fd), std::string("\x15\x03\x03\x00\x02\x02\x50", 7));  // internal_error
}

TEST_F(StreamProxyTest, SpectrumAppCarriesBytesAfterAProxyHeader) {
  Fd origin(listen_on(kOrigin1, 0));
  const uint16_t app_port = free_port();
  for (const char* version : {"v1", "v2"}) {
    auto app = parse_app_spec("tcp/" + std::to_string(app_port) + "=" + kOrigin1 + ":" +
                              std::to_string(port_of(origin.fd)) + ",proxy=" + version + ",name=smtp.example.com");
    ASSERT_TRUE(app) << app.error().message;
    ASSERT_TRUE(edge_->set_apps({*app}));
    std::string seen;
    std::thread t([&] {
      Fd o(::accept(origin.fd, nullptr, nullptr));
      send_all(o.fd, "220 origin ready\r\n");
      seen = read_until(o.fd, "QUIT\r\n");
      send_all(o.fd, "221 bye\r\n");
    });
    {
      Fd c(connect_to(kAppAddr, app_port));
      ASSERT_GE(c.fd, 0);
      EXPECT_EQ(read_until(c.fd, "\r\n"), "220 origin ready\r\n");
      send_all(c.fd, "QUIT\r\n");
      EXPECT_EQ(read_until(c.fd, "\r\n"), "221 bye\r\n");
    }
    t.join();
    if (std::string_view(version) == "v1") {
      EXPECT_TRUE(seen.starts_with("PROXY TCP4 127.0.0.1 127.0.0.22 ")) << seen;
      EXPECT_TRUE(seen.ends_with(" " + std::to_string(app_port) + "\r\nQUIT\r\n")) << seen;
    } else {
      ASSERT_EQ(seen.size(), 28u + 6u);
      EXPECT_EQ(seen.substr(0, 12), std::string("\r\n\r\n\0\r\nQUIT\n", 12));
      EXPECT_EQ(seen.substr(16, 8), std::string("\x7f\x00\x00\x01\x7f\x00\x00\x16", 8));
    }
  }
}

}  // namespace
}  // namespace dnsedge::edge
