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

AppInput body(const std::string& protocol = "tcp/25", const std::string& name = "smtp.example.com") {
  AppInput in;
  in.protocol = protocol;
  in.dns_type = "ADDRESS";
  in.dns_name = name;
  in.origin_direct = {"tcp://192.0.2.1:25"};
  in.proxy_protocol = "v1";
  return in;
}

// The request body's JSON is read in api/spectrum_input.cc (its tests: api/spectrum_input_test.cc);
// these are the rules on the typed input.
TEST(SpectrumApp, ChecksAndNormalizesTheInput) {
  auto p = check_app(body(), "example.com");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->port_first, 25);
  EXPECT_EQ(p->port_last, 25);
  EXPECT_EQ(p->app.dns_name, "smtp.example.com");
  EXPECT_EQ(p->app.origin_direct, std::vector<std::string>{"tcp://192.0.2.1:25"});
  EXPECT_EQ(p->app.proxy_protocol, "v1");
  EXPECT_TRUE(p->needs_address);

  AppInput b = body("tcp/1000-1009", "Game.Example.COM.");
  b.origin_direct.clear();
  b.origin_dns = "origin.example.com";
  b.origin_port = "2000-2009";
  b.edge_ips = {"2001:db8:e:0::70", "192.0.2.70", "192.0.2.70"};
  p = check_app(b, "example.com");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->app.dns_name, "game.example.com");
  EXPECT_EQ(p->app.origin_port, "2000-2009");
  EXPECT_FALSE(p->needs_address);
  ASSERT_EQ(p->app.edge_ips.size(), 2u);  // duplicates dropped
  EXPECT_EQ(ip_text(p->app.edge_ips[0]), "2001:db8:e::70");
  // The stored form reads back to the same app.
  auto stored = app_input_from_config(app_config(p->app));
  ASSERT_TRUE(stored) << stored.error().message;
  auto again = check_app(*stored, "example.com");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->app, p->app);

  b.origin_port = "2000";  // one origin port for the whole edge range
  p = check_app(b, "example.com");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->app.origin_port, "2000");
  auto one = app_input_from_config(app_config(p->app));  // stored as the number 2000
  ASSERT_TRUE(one);
  EXPECT_EQ(one->origin_port, "2000");
}

TEST(SpectrumApp, RefusesBadValuesWithTheReason) {
  struct Case {
    void (*change)(AppInput&);
    const char* message;
  };
  const Case cases[] = {
      {[](AppInput& a) { a.protocol = "udp/53"; }, "only TCP"},
      {[](AppInput& a) { a.protocol = "tcp/99999"; }, "1-65535"},
      {[](AppInput& a) { a.protocol = "tcp/20-10"; }, "FIRST <= LAST"},
      {[](AppInput& a) { a.protocol = "tcp/1-2000"; }, "at most 1024"},
      {[](AppInput& a) { a.protocol = ""; }, "expected tcp/PORT"},
      {[](AppInput& a) { a.dns_type = "A"; }, "dns.type"},
      {[](AppInput& a) { a.dns_name = ""; }, "dns.name must be a host name"},
      {[](AppInput& a) { a.dns_name = "x.example.org"; }, "outside the zone"},
      {[](AppInput& a) { a.dns_name = "notexample.com"; }, "outside the zone"},
      {[](AppInput& a) { a.dns_name = "bad..name.example.com"; }, "not a valid host name"},
      {[](AppInput& a) { a.origin_direct = {"192.0.2.1:25"}; }, "tcp://IP:PORT"},
      {[](AppInput& a) { a.origin_direct = {"tcp://2001:db8::1:25"}; }, "tcp://IP:PORT"},
      {[](AppInput& a) { a.origin_direct = {"tcp://[192.0.2.1]:25"}; }, "tcp://IP:PORT"},
      {[](AppInput& a) { a.origin_direct.clear(); }, "either origin_direct"},
      {[](AppInput& a) { a.origin_dns = "o.example.com"; }, "either origin_direct"},
      {[](AppInput& a) { a.origin_port = "25"; }, "origin_port goes with origin_dns"},
      {[](AppInput& a) {
         a.origin_direct.clear();
         a.origin_dns = "o.example.com";
       },
       "needs origin_port"},
      {[](AppInput& a) { a.proxy_protocol = "v9"; }, "proxy_protocol"},
      {[](AppInput& a) { a.proxy_protocol = "simple"; }, "UDP apps"},
      {[](AppInput& a) { a.tls = "strict"; }, "tls"},
      {[](AppInput& a) { a.traffic_type = "http"; }, "traffic_type"},
      {[](AppInput& a) { a.edge_ips = std::vector<std::string>{"x"}; }, "edge_ips.ips entry \"x\" is not an IP"},
      {[](AppInput& a) { a.edge_ips = std::vector<std::string>{}; }, "needs \"ips\""},
  };
  for (const auto& c : cases) {
    AppInput b = body();
    c.change(b);
    auto p = check_app(b, "example.com");
    ASSERT_FALSE(p) << c.message;
    EXPECT_EQ(p.error().code, app_errc::kBadApp);
    EXPECT_NE(p.error().message.find(c.message), std::string::npos) << c.message << ": " << p.error().message;
  }
  AppInput b = body("tcp/1000-1009");
  b.origin_direct.clear();
  b.origin_dns = "o.example.com";
  b.origin_port = "1-5";
  auto p = check_app(b, "example.com");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("as large as the edge range"), std::string::npos);
}

TEST(SpectrumApp, StoredFormThatIsNotAnObjectIsRefused) {
  EXPECT_FALSE(app_input_from_config("not json"));
  EXPECT_FALSE(app_input_from_config("[]"));
  // A stored app without an address needs one from the pool (load_apps skips it).
  auto in = app_input_from_config(R"({"protocol":"tcp/25","dns":{"type":"ADDRESS","name":"a.example.com"},)"
                                  R"("origin_direct":["tcp://192.0.2.1:25"]})");
  ASSERT_TRUE(in);
  auto p = check_app(*in, "example.com");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->needs_address);
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
    AppInput b = body();
    b.origin_direct = {origin};
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

// The rule body's JSON is read in api/spectrum_input.cc (api/spectrum_input_test.cc).
TEST(AccessRules, CheckApplyAndStore) {
  auto r = check_access_rule({"block", "ip_range", "192.0.2.7/24", ""});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->value, "192.0.2.0/24");
  auto w = check_access_rule({"whitelist", "ip6", "2001:DB8::1", "office"});
  ASSERT_TRUE(w);
  EXPECT_EQ(w->value, "2001:db8::1");
  EXPECT_EQ(w->notes, "office");
  const std::pair<AccessRuleInput, const char*> bad[] = {
      {{"challenge", "ip", "192.0.2.1", ""}, "cannot challenge"},
      {{"", "ip", "192.0.2.1", ""}, "mode must be"},
      {{"block", "asn", "AS13335", ""}, "no ASN or country data"},
      {{"block", "country", "NL", ""}, "no ASN or country data"},
      {{"block", "ip", "::1", ""}, "not an IPv4 address"},
      {{"block", "ip6", "192.0.2.1", ""}, "not an IPv6 address"},
      {{"block", "ip_range", "192.0.2.0/33", ""}, "not an address range"},
      {{"block", "", "192.0.2.1", ""}, "configuration.target must be"},
  };
  for (const auto& [in, message] : bad) {
    auto e = check_access_rule(in);
    ASSERT_FALSE(e) << message;
    EXPECT_EQ(e.error().code, app_errc::kBadRule);
    EXPECT_NE(e.error().message.find(message), std::string::npos) << e.error().message;
  }
  const std::vector<AccessRule> rules = {{"1", "block", "ip_range", r->value, "", "t1", "t1"},
                                         {"2", "whitelist", "ip6", w->value, "office", "t2", "t2"}};
  view::ServedApp a;
  apply_access_rules(a, rules);
  EXPECT_TRUE(a.allow.empty() && a.deny.empty());  // ip_firewall off
  a.ip_firewall = true;
  apply_access_rules(a, rules);
  EXPECT_EQ(a.deny, std::vector<std::string>{"192.0.2.0/24"});
  EXPECT_EQ(a.allow, std::vector<std::string>{"2001:db8::1/128"});
  // The stored form (the ip_access_rules setting) reads back to the same rules.
  const std::string text = access_rules_text(rules);
  EXPECT_TRUE(text.starts_with(R"([{"configuration":{"target":"ip_range","value":"192.0.2.0/24"},"created_on":"t1",)"
                               R"("id":"1","mode":"block","modified_on":"t1","notes":""},)"))
      << text;
  EXPECT_EQ(access_rules_from_text(text), rules);
  EXPECT_FALSE(access_rules_from_text("{}"));
  EXPECT_FALSE(access_rules_from_text("not json"));
}

}  // namespace
}  // namespace dnsedge::control
