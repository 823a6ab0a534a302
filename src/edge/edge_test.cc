// The Edge as a whole: listeners, publishes, Spectrum app changes. Sessions are tested in
// http_proxy_test.cc and stream_proxy_test.cc.

#include "edge/edge.h"

#include <gtest/gtest.h>

#include <thread>

#include "edge/internal/test_support.h"

namespace dnsedge::edge {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): test helpers

using EdgeTest = EdgeFixture;

// Serves one connection: reads a head, answers 200 with the head it received as the body.
std::thread echo_origin(int listen_fd, std::string* seen) {
  return std::thread([listen_fd, seen] {
    Fd c(::accept(listen_fd, nullptr, nullptr));
    if (c.fd < 0) return;
    *seen = read_until(c.fd, "\r\n\r\n");
    send_all(c.fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(seen->size()) + "\r\n\r\n" + *seen);
  });
}

TEST_F(EdgeTest, ReportsItsListeners) {
  const auto l = edge_->listeners();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].kind, ListenerInfo::Kind::kHttp);
  EXPECT_EQ(l[0].endpoint.port, http_port_);
  EXPECT_EQ(l[1].kind, ListenerInfo::Kind::kHttps);
  EXPECT_TRUE(l[0].error.empty());
}

TEST_F(EdgeTest, APublishedChangeReachesTheNextConnection) {
  Fd origin2(listen_on(kOrigin2, http_port_));
  publisher_.publish(catalog_for(kOrigin2));
  std::string seen;
  std::thread t = echo_origin(origin2.fd, &seen);
  const std::string resp = get("www.example.com");
  t.join();
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 200 OK\r\n")) << resp;
}

TEST_F(EdgeTest, SetAppsOpensAndClosesListeners) {
  const uint16_t app_port = free_port();
  auto app = parse_app_spec("tcp/" + std::to_string(app_port) + "=127.0.0.31:1,name=smtp.example.com");
  ASSERT_TRUE(app) << app.error().message;
  auto set = edge_->set_apps({*app});
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ((*set)[0].edge_ips.size(), 1u);
  EXPECT_EQ((*set)[0].edge_ips[0].to_string(), kAppAddr);  // from the pool
  EXPECT_EQ(edge_->apps(), *set);
  EXPECT_EQ(edge_->listeners().size(), 3u);
  {
    Fd c(connect_to(kAppAddr, app_port));
    EXPECT_GE(c.fd, 0);
  }
  ASSERT_TRUE(edge_->set_apps({}));
  Fd refused(connect_to(kAppAddr, app_port));
  EXPECT_LT(refused.fd, 0);  // nothing listens any more
  EXPECT_EQ(edge_->listeners().size(), 2u);
}

TEST_F(EdgeTest, RejectsAppsOnTheProxyPortsOrWithoutAddress) {
  auto app = parse_app_spec("tcp/" + std::to_string(http_port_) + "=127.0.0.1:25,edge_ip=" + kEdgeAddr);
  ASSERT_TRUE(app);
  EXPECT_FALSE(edge_->set_apps({*app}));
  auto a = parse_app_spec("tcp/2525=127.0.0.1:25,name=a.example.com");
  auto b = parse_app_spec("tcp/2526=127.0.0.1:25,name=b.example.com");
  EXPECT_FALSE(edge_->set_apps({*a, *b}));  // a /32 pool has one address for two names
  EXPECT_TRUE(edge_->apps().empty());       // nothing changed
}

// API apps arrive in the published catalog (view::ZoneView::apps()); sync_catalog() applies
// them beside the flag apps, and an app that clashes with a flag app is skipped.
TEST_F(EdgeTest, CatalogAppsOpenAndCloseListenersWithEachPublish) {
  const uint16_t app_port = free_port();
  const std::string apex = dns::name_from_text("example.com.").value();
  auto publish_with = [&](std::vector<view::ServedApp> apps) {
    auto zt = dns::parse_zone_text("$TTL 300\n@ SOA ns hm 1 1 1 1 1\n@ NS ns\nns A 192.0.2.53\n", apex);
    auto z = view::ZoneView::compile(apex, zt.value().records, view::CompileOptions{.apps = &apps});
    ASSERT_TRUE(z) << z.error().message;
    publisher_.publish(view::Catalog::build({*z}));
    edge_->sync_catalog();
  };
  view::ServedApp api;
  api.id = "0123456789abcdef0123456789abcdef";
  api.protocol = "tcp/" + std::to_string(app_port);
  api.dns_name = "smtp.example.com";
  api.origin_direct = {"tcp://127.0.0.31:1"};
  api.proxy_protocol = "v1";
  api.edge_ips = {std::string("\x7f\x00\x00\x16", 4)};  // kAppAddr
  publish_with({api});
  ASSERT_EQ(edge_->apps().size(), 1u);
  EXPECT_EQ(edge_->apps()[0].id, api.id);
  EXPECT_EQ(edge_->apps()[0].proxy_protocol, ProxyProtocol::kV1);
  {
    Fd c(connect_to(kAppAddr, app_port));
    EXPECT_GE(c.fd, 0);
  }
  // A flag app on the same address and port wins; the API app is skipped, not fatal.
  auto flag = parse_app_spec("tcp/" + std::to_string(app_port) + "=127.0.0.31:2,edge_ip=" + kAppAddr);
  ASSERT_TRUE(flag);
  auto set = edge_->set_apps({*flag});
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->size(), 1u);
  EXPECT_EQ((*set)[0].id, "");
  ASSERT_TRUE(edge_->set_apps({}));
  EXPECT_EQ(edge_->apps().size(), 1u);  // the API app is back
  publish_with({});
  EXPECT_TRUE(edge_->apps().empty());
  Fd refused(connect_to(kAppAddr, app_port));
  EXPECT_LT(refused.fd, 0);
  edge_->sync_catalog();  // nothing changed: no effect
  EXPECT_TRUE(edge_->apps().empty());
}

// Regression: an API app whose listener could not bind was stored and answered 200, and apps
// could hold more ports than the process has file descriptors.
TEST_F(EdgeTest, PrepareAppBindsFirstAndCapsThePorts) {
  view::ServedApp api;
  api.id = "0123456789abcdef0123456789abcdef";
  api.dns_name = "smtp.example.com";
  api.origin_direct = {"tcp://127.0.0.31:1"};
  api.edge_ips = {std::string("\x7f\x00\x00\x16", 4)};  // kAppAddr

  Fd taken(listen_on(kAppAddr, 0));
  api.protocol = "tcp/" + std::to_string(port_of(taken.fd));
  auto busy = edge_->prepare_app(api);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, app_check::kCannotListen);
  EXPECT_NE(busy.error().message.find("Address already in use"), std::string::npos) << busy.error().message;

  api.protocol = "tcp/1000-1999";  // on 5 addresses: more than the 4096 ports allowed in total
  for (char last = 0x17; last <= 0x1a; ++last) api.edge_ips.push_back(std::string("\x7f\x00\x00", 3) + last);
  auto many = edge_->prepare_app(api);
  api.edge_ips.resize(1);
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code, app_check::kTooManyPorts);

  for (const char* origin : {"tcp://127.0.0.22:25", "tcp://127.0.0.21:80", "tcp://0.0.0.0:25"}) {
    api.protocol = "tcp/2525";
    api.origin_direct = {origin};
    auto self = edge_->prepare_app(api);
    ASSERT_FALSE(self) << origin;
    EXPECT_EQ(self.error().code, app_check::kProhibitedOrigin) << origin;
  }

  // A free port: bound by prepare_app (connections queue), then run by the next sync.
  const uint16_t port = free_port();
  api.protocol = "tcp/" + std::to_string(port);
  api.origin_direct = {"tcp://127.0.0.31:1"};
  ASSERT_TRUE(edge_->prepare_app(api));
  Fd bound(listen_on(kAppAddr, port));
  EXPECT_LT(bound.fd, 0);  // the edge holds it
  edge_->sync_catalog();   // the app was not stored (no publish): the listener is closed again
  Fd free_again(listen_on(kAppAddr, port));
  EXPECT_GE(free_again.fd, 0);
}

TEST(EdgeStartTest, AListenerThatCannotBindIsReportedNotFatal) {
  Fd taken(listen_on(kEdgeAddr, 0));
  const uint16_t port = port_of(taken.fd);
  common::SnapshotPublisher<view::Catalog> pub(catalog_for(kOrigin1));
  EdgeOptions o;
  o.addresses = {*IpAddress::parse(kEdgeAddr)};
  o.http_ports = {port};
  o.https_ports = {};
  auto e = Edge::start(o, pub);
  ASSERT_TRUE(e) << e.error().message;
  const auto l = (*e)->listeners();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_FALSE(l[0].error.empty());
  (*e)->stop();
  (*e)->stop();  // idempotent
}

// Regression: with no edge address and no app the edge's io_context had no work, its thread
// ended at once, and the first API app's sync_catalog() waited for it forever (the API hung).
TEST(EdgeStartTest, DoesNotListenWhereTheApiDoes) {
  Fd api(listen_on(kEdgeAddr, 0));
  const uint16_t port = port_of(api.fd);
  common::SnapshotPublisher<view::Catalog> pub(catalog_for(kOrigin1));
  EdgeOptions o;
  o.addresses = {*IpAddress::parse(kEdgeAddr)};
  o.http_ports = {port};
  o.https_ports = {};
  o.reserved = {*IpEndpoint::parse(std::string("0.0.0.0:") + std::to_string(port))};
  auto e = Edge::start(o, pub);
  ASSERT_TRUE(e) << e.error().message;
  const auto l = (*e)->listeners();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_NE(l[0].error.find("API or metrics"), std::string::npos) << l[0].error;
  (*e)->stop();
}

TEST(EdgeStartTest, FlagAppsOverTheCapOrOnTheEdgeDoNotStart) {
  common::SnapshotPublisher<view::Catalog> pub(catalog_for(kOrigin1));
  EdgeOptions o;
  o.addresses = {*IpAddress::parse(kEdgeAddr)};
  o.http_ports = {};
  o.https_ports = {};
  o.spectrum_max_ports = 4;
  auto wide = parse_app_spec("tcp/3000-3009=127.0.0.31:3000,name=a.example.com,edge_ip=127.0.0.22");
  ASSERT_TRUE(wide);
  auto e = Edge::start(o, pub, {*wide});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("--spectrum-max-ports"), std::string::npos) << e.error().message;
  auto self = parse_app_spec("tcp/3000=127.0.0.22:3000,name=a.example.com,edge_ip=127.0.0.22");
  ASSERT_TRUE(self);
  auto e2 = Edge::start(o, pub, {*self});
  ASSERT_FALSE(e2);
  EXPECT_NE(e2.error().message.find("DNS points to prohibited IP"), std::string::npos) << e2.error().message;
}

TEST(EdgeStartTest, RunsWithNothingToListenOnAndTakesCatalogAppsLater) {
  common::SnapshotPublisher<view::Catalog> pub(catalog_for(kOrigin1));
  EdgeOptions o;
  o.http_ports = {};
  o.https_ports = {};
  auto e = Edge::start(o, pub);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_TRUE((*e)->listeners().empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the thread would have ended by now
  const uint16_t port = free_port();
  std::vector<view::ServedApp> apps(1);
  apps[0].id = "0123456789abcdef0123456789abcdef";
  apps[0].protocol = "tcp/" + std::to_string(port);
  apps[0].dns_name = "smtp.example.com";
  apps[0].origin_direct = {"tcp://127.0.0.31:1"};
  apps[0].edge_ips = {std::string("\x7f\x00\x00\x16", 4)};  // kAppAddr
  const std::string apex = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text("$TTL 300\n@ SOA ns hm 1 1 1 1 1\n@ NS ns\nns A 192.0.2.53\n", apex);
  auto z = view::ZoneView::compile(apex, zt.value().records, view::CompileOptions{.apps = &apps});
  ASSERT_TRUE(z) << z.error().message;
  pub.publish(view::Catalog::build({*z}));
  (*e)->sync_catalog();
  ASSERT_EQ((*e)->listeners().size(), 1u);
  Fd c(connect_to(kAppAddr, port));
  EXPECT_GE(c.fd, 0);
  (*e)->stop();
}

}  // namespace
}  // namespace dnsedge::edge
