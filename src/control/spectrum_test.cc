#include "common/temp_dir.h"
#include "control/spectrum.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "control/controller.h"
#include "control/errors.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::control {
namespace {

using nlohmann::json;

json body(const std::string& protocol = "tcp/25", const std::string& name = "smtp.example.com") {
  return {{"protocol", protocol},
          {"dns", {{"type", "ADDRESS"}, {"name", name}}},
          {"origin_direct", {"tcp://192.0.2.1:25"}},
          {"proxy_protocol", "v1"}};
}

TEST(SpectrumBody, ParsesTheCloudflareShape) {
  auto p = parse_app_body(body(), "example.com");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->port_first, 25);
  EXPECT_EQ(p->port_last, 25);
  EXPECT_EQ(p->app.dns_name, "smtp.example.com");
  EXPECT_EQ(p->app.origin_direct, std::vector<std::string>{"tcp://192.0.2.1:25"});
  EXPECT_EQ(p->app.proxy_protocol, "v1");
  EXPECT_TRUE(p->needs_address);

  json b = body("tcp/1000-1009", "Game.Example.COM.");
  b.erase("origin_direct");
  b["origin_dns"] = {{"name", "origin.example.com"}};
  b["origin_port"] = "2000-2009";
  b["edge_ips"] = {{"type", "static"}, {"ips", {"2001:db8:e:0::70", "192.0.2.70"}}};
  p = parse_app_body(b, "example.com");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->app.dns_name, "game.example.com");
  EXPECT_EQ(p->app.origin_port, "2000-2009");
  EXPECT_FALSE(p->needs_address);
  ASSERT_EQ(p->app.edge_ips.size(), 2u);
  EXPECT_EQ(ip_text(p->app.edge_ips[0]), "2001:db8:e::70");
  // The stored form reads back to the same app.
  auto again = parse_app_body(app_config(p->app), "example.com");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->app, p->app);
}

TEST(SpectrumBody, RefusesBadInputWithTheReason) {
  struct Case {
    json change;
    const char* message;
  };
  const Case cases[] = {
      {{{"protocol", "udp/53"}}, "only TCP"},
      {{{"protocol", "tcp/99999"}}, "1-65535"},
      {{{"protocol", "tcp/20-10"}}, "FIRST <= LAST"},
      {{{"protocol", "tcp/1-2000"}}, "at most 1024"},
      {{{"protocol", 25}}, "protocol is required"},
      {{{"dns", {{"type", "A"}, {"name", "x.example.com"}}}}, "dns.type"},
      {{{"dns", {{"type", "ADDRESS"}, {"name", "x.example.org"}}}}, "outside the zone"},
      {{{"dns", {{"type", "ADDRESS"}, {"name", "notexample.com"}}}}, "outside the zone"},
      {{{"origin_direct", {"192.0.2.1:25"}}}, "tcp://IP:PORT"},
      {{{"origin_direct", {"tcp://2001:db8::1:25"}}}, "tcp://IP:PORT"},
      {{{"origin_direct", {"tcp://[192.0.2.1]:25"}}}, "tcp://IP:PORT"},
      {{{"origin_direct", json::array()}}, "non-empty"},
      {{{"origin_dns", {{"name", "o.example.com"}}}}, "either origin_direct"},
      {{{"proxy_protocol", "v9"}}, "proxy_protocol"},
      {{{"ip_firewall", 1}}, "ip_firewall"},
      {{{"tls", "strict"}}, "tls"},
      {{{"traffic_type", "http"}}, "traffic_type"},
      {{{"edge_ips", {{"type", "static"}, {"ips", {"x"}}}}}, "not an IP"},
      {{{"edge_ips", {{"type", "elastic"}}}}, "edge_ips must be"},
  };
  for (const auto& c : cases) {
    json b = body();
    for (auto& [k, v] : c.change.items()) b[k] = v;
    auto p = parse_app_body(b, "example.com");
    ASSERT_FALSE(p) << c.change.dump();
    EXPECT_EQ(p.error().code, app_errc::kBadApp);
    EXPECT_NE(p.error().message.find(c.message), std::string::npos) << c.change.dump() << ": " << p.error().message;
  }
  json b = body("tcp/1000-1009");
  b.erase("origin_direct");
  b["origin_dns"] = {{"name", "o.example.com"}};
  b["origin_port"] = "1-5";
  auto p = parse_app_body(b, "example.com");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("as large as the edge range"), std::string::npos);
  EXPECT_FALSE(parse_app_body(json::array(), "example.com"));
}

TEST(AddressPool, EnumeratesAndContains) {
  auto p = AddressPool::parse("127.0.0.70/29");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->text(), "127.0.0.64/29");
  EXPECT_EQ(p->size(), 8u);
  EXPECT_EQ(ip_text(p->at(7)), "127.0.0.71");
  EXPECT_TRUE(p->contains(*ip_rdata("127.0.0.65")));
  EXPECT_FALSE(p->contains(*ip_rdata("127.0.0.72")));
  auto v6 = AddressPool::parse("2001:db8:e::ff/120");
  ASSERT_TRUE(v6);
  EXPECT_EQ(ip_text(v6->at(255)), "2001:db8:e::ff");
  EXPECT_EQ(AddressPool::parse("2001:db8::/0")->size(), uint64_t{1} << 32);  // capped
  EXPECT_FALSE(AddressPool::parse("127.0.0.1"));
  EXPECT_FALSE(AddressPool::parse("127.0.0.1/33"));
  EXPECT_FALSE(AddressPool::parse("nonsense/8"));
}

// ---- through the Controller: store, view, pool ----

class TempDir : public common::TempDir {
 public:
  TempDir() : common::TempDir("dnsedge-spectrum") {}
};

struct Fixture {
  TempDir dir;
  common::SnapshotPublisher<view::Catalog> publisher{view::Catalog::empty()};
  std::unique_ptr<Controller> c;
  int publishes = 0;

  Fixture() { reopen(); }
  void reopen() {
    c.reset();
    ControllerOptions o;
    o.data_dir = dir.path();
    o.store.durability = store::Durability::kNormal;
    o.edge.v4 = {*ip_rdata("127.0.0.11")};
    o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
    o.spectrum_pools = {"127.0.0.64/31"};
    o.spectrum_reserved = {"127.0.0.64"};  // held by an app from the command line
    o.publish_listeners.push_back([this](const auto&) { ++publishes; });
    auto opened = Controller::open(std::move(o), publisher);
    ASSERT_TRUE(opened) << opened.error().message;
    c = std::move(*opened);
  }
  std::vector<std::string> a_of(const char* name) {
    const std::string n = dns::name_from_text(name).value();
    std::vector<std::string> out;
    const view::ZoneView* z = publisher.current()->find_zone(n);
    if (z == nullptr) return out;
    for (const auto& rr : z->records())
      if (rr.owner == n && rr.type == dns::rrtype::kA) out.push_back(ip_text(rr.rdata));
    return out;
  }
};

TEST(ControllerApps, CreateServesPersistsAndDeletes) {
  Fixture f;
  const std::string zid = f.c->create_zone("example.com", "", "")->zone.id;
  const uint32_t serial = f.c->zone(zid)->zone.serial;
  const int before = f.publishes;
  auto a = f.c->create_app(zid, body());
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_GT(f.publishes, before);  // the edge hook ran
  ASSERT_EQ(a->app.edge_ips.size(), 1u);
  EXPECT_EQ(ip_text(a->app.edge_ips[0]), "127.0.0.65");  // .64 is reserved
  EXPECT_EQ(f.a_of("smtp.example.com."), std::vector<std::string>{"127.0.0.65"});
  EXPECT_EQ(f.c->zone(zid)->zone.serial, serial + 1);
  const auto& apps = f.publisher.current()->find_zone(dns::name_from_text("example.com.").value())->apps();
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].id, a->row.id);

  // The pool has no other free address for another name.
  auto b = f.c->create_app(zid, body("tcp/26", "other.example.com"));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, app_errc::kPoolExhausted);
  // The same name shares the address; overlapping ports are refused there.
  auto overlap = f.c->create_app(zid, body("tcp/20-30"));
  ASSERT_FALSE(overlap);
  EXPECT_EQ(overlap.error().code, app_errc::kOverlap);
  // A record at the app's name is refused and changes nothing.
  RecordInput r;
  r.name = "smtp.example.com";
  r.type = "A";
  r.content = "192.0.2.9";
  auto rec = f.c->create_record(zid, r);
  ASSERT_FALSE(rec);
  EXPECT_EQ(rec.error().code, errc::kAddressConflict);
  EXPECT_EQ(f.a_of("smtp.example.com."), std::vector<std::string>{"127.0.0.65"});

  f.reopen();  // the address is stored with the app
  auto again = f.c->app(zid, a->row.id);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->app, a->app);
  EXPECT_EQ(f.a_of("smtp.example.com."), std::vector<std::string>{"127.0.0.65"});

  ASSERT_TRUE(f.c->delete_app(zid, a->row.id));
  EXPECT_TRUE(f.a_of("smtp.example.com.").empty());
  auto gone = f.c->app(zid, a->row.id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, app_errc::kAppNotFound);
  EXPECT_EQ(http_status(gone.error().code), 404);
  EXPECT_FALSE(f.c->delete_app(zid, a->row.id));
}

// Regression: an app whose origin was the API (127.0.0.1:<api port>) or an edge listener was
// stored, and tunnelled raw TCP to it (or to itself, until file descriptors ran out).
TEST(ControllerApps, OriginsOnTheEdgeOrProhibitedAreRefused) {
  Fixture f;
  const std::string zid = f.c->create_zone("example.com", "", "")->zone.id;
  const uint32_t serial = f.c->zone(zid)->zone.serial;
  for (const char* origin : {"tcp://127.0.0.64:25", "tcp://127.0.0.65:2525", "tcp://127.0.0.11:80"}) {
    json b = body();
    b["origin_direct"] = {origin};
    auto a = f.c->create_app(zid, b);
    ASSERT_FALSE(a) << origin;
    EXPECT_EQ(a.error().code, errc::kBlockedTarget) << origin;
    EXPECT_NE(a.error().message.find("DNS points to prohibited IP"), std::string::npos) << a.error().message;
  }
  EXPECT_EQ(f.c->zone(zid)->zone.serial, serial);
  EXPECT_TRUE(f.c->apps(zid)->empty());
}

TEST(ControllerApps, TheEdgeMayRefuseAnAppBeforeItIsStored) {
  Fixture f;
  f.c.reset();
  ControllerOptions o;
  o.data_dir = f.dir.path();
  o.store.durability = store::Durability::kNormal;
  o.edge.v4 = {*ip_rdata("127.0.0.11")};
  o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
  o.spectrum_pools = {"127.0.0.64/31"};
  int asked = 0;
  o.prepare_app = [&](const view::ServedApp& a) -> Result<void> {
    ++asked;
    EXPECT_EQ(a.edge_ips.size(), 1u);  // the address is chosen before the edge is asked
    return Error{"cannot listen on 127.0.0.64:25: Address already in use", 11005};
  };
  auto opened = Controller::open(std::move(o), f.publisher);
  ASSERT_TRUE(opened) << opened.error().message;
  f.c = std::move(*opened);
  const std::string zid = f.c->create_zone("example.com", "", "")->zone.id;
  auto a = f.c->create_app(zid, body());
  ASSERT_FALSE(a);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(a.error().code, 11005);
  EXPECT_EQ(http_status(a.error().code), 400);
  EXPECT_TRUE(f.c->apps(zid)->empty());
}

}  // namespace
}  // namespace dnsedge::control

namespace dnsedge::control {
namespace {

TEST(AccessRules, ParseAndApply) {
  auto r = parse_access_rule({{"mode", "block"}, {"configuration", {{"target", "ip_range"}, {"value", "192.0.2.7/24"}}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["configuration"]["value"], "192.0.2.0/24");
  auto w = parse_access_rule({{"mode", "whitelist"}, {"configuration", {{"target", "ip6"}, {"value", "2001:DB8::1"}}}});
  ASSERT_TRUE(w);
  EXPECT_EQ((*w)["configuration"]["value"], "2001:db8::1");
  for (const auto& bad : {nlohmann::json{{"mode", "challenge"}, {"configuration", {{"target", "ip"}, {"value", "192.0.2.1"}}}},
                          nlohmann::json{{"mode", "block"}, {"configuration", {{"target", "asn"}, {"value", "AS13335"}}}},
                          nlohmann::json{{"mode", "block"}, {"configuration", {{"target", "ip"}, {"value", "::1"}}}},
                          nlohmann::json{{"mode", "block"}}}) {
    auto e = parse_access_rule(bad);
    ASSERT_FALSE(e) << bad.dump();
    EXPECT_EQ(e.error().code, app_errc::kBadRule);
  }
  view::ServedApp a;
  nlohmann::json rules = nlohmann::json::array({*r, *w});
  apply_access_rules(a, rules);
  EXPECT_TRUE(a.allow.empty() && a.deny.empty());  // ip_firewall off
  a.ip_firewall = true;
  apply_access_rules(a, rules);
  EXPECT_EQ(a.deny, std::vector<std::string>{"192.0.2.0/24"});
  EXPECT_EQ(a.allow, std::vector<std::string>{"2001:db8::1/128"});
}

}  // namespace
}  // namespace dnsedge::control
