#include "api/spectrum_input.h"

#include <gtest/gtest.h>

#include "control/errors.h"

namespace dnsedge::api {
namespace {

using nlohmann::json;

json body(const std::string& protocol = "tcp/25", const std::string& name = "smtp.example.com") {
  return {{"protocol", protocol},
          {"dns", {{"type", "ADDRESS"}, {"name", name}}},
          {"origin_direct", {"tcp://192.0.2.1:25"}},
          {"proxy_protocol", "v1"}};
}

TEST(SpectrumInput, ReadsTheCloudflareShape) {
  auto in = app_input(body(), "example.com");
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->protocol, "tcp/25");
  EXPECT_EQ(in->dns_type, "ADDRESS");
  EXPECT_EQ(in->dns_name, "smtp.example.com");
  EXPECT_EQ(in->origin_direct, std::vector<std::string>{"tcp://192.0.2.1:25"});
  EXPECT_EQ(in->proxy_protocol, "v1");
  EXPECT_EQ(in->tls, "off");
  EXPECT_EQ(in->traffic_type, "direct");
  EXPECT_FALSE(in->ip_firewall);
  EXPECT_FALSE(in->edge_ips);  // one from the pool

  json b = body("tcp/1000-1009", "Game.Example.COM.");
  b.erase("origin_direct");
  b["origin_dns"] = {{"name", "origin.example.com"}};
  b["origin_port"] = "2000-2009";
  b["edge_ips"] = {{"type", "static"}, {"ips", {"2001:db8:e:0::70", "192.0.2.70"}}};
  b["ip_firewall"] = true;
  b["tls"] = "off";
  b["traffic_type"] = "direct";
  b["argo_smart_routing"] = false;  // unknown fields are ignored
  in = app_input(b, "example.com");
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->dns_name, "Game.Example.COM.");  // as given: control::check_app normalizes
  EXPECT_TRUE(in->origin_direct.empty());
  EXPECT_EQ(in->origin_dns, "origin.example.com");
  EXPECT_EQ(in->origin_port, "2000-2009");
  EXPECT_TRUE(in->ip_firewall);
  ASSERT_TRUE(in->edge_ips);
  EXPECT_EQ(*in->edge_ips, (std::vector<std::string>{"2001:db8:e:0::70", "192.0.2.70"}));
  auto checked = control::check_app(*in, "example.com");
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_EQ(checked->app.dns_name, "game.example.com");
  EXPECT_FALSE(checked->needs_address);

  b["origin_port"] = 2000;  // a number is a single port
  in = app_input(b, "example.com");
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->origin_port, "2000");

  b["edge_ips"] = {{"type", "dynamic"}};
  b["proxy_protocol"] = nullptr;  // null is absent
  in = app_input(b, "example.com");
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_FALSE(in->edge_ips);
  EXPECT_EQ(in->proxy_protocol, "off");
}

TEST(SpectrumInput, RefusesBadInputWithTheReason) {
  struct Case {
    json change;
    const char* message;
  };
  const Case cases[] = {
      // bad values
      {{{"protocol", "udp/53"}}, "protocol 'udp/53': only TCP apps are supported (tcp/PORT or tcp/FIRST-LAST)"},
      {{{"protocol", "tcp/99999"}}, "protocol 'tcp/99999': ports must be 1-65535 with FIRST <= LAST"},
      {{{"protocol", "tcp/20-10"}}, "protocol 'tcp/20-10': ports must be 1-65535 with FIRST <= LAST"},
      {{{"protocol", "http/80"}}, "protocol 'http/80': expected tcp/PORT or tcp/FIRST-LAST, e.g. tcp/25"},
      {{{"dns", {{"type", "A"}, {"name", "x.example.com"}}}}, "dns.type must be \"ADDRESS\" or \"CNAME\""},
      {{{"dns", {{"type", "ADDRESS"}, {"name", "x.example.org"}}}},
       "dns.name x.example.org is outside the zone example.com"},
      {{{"dns", {{"type", "ADDRESS"}, {"name", "notexample.com"}}}},
       "dns.name notexample.com is outside the zone example.com"},
      {{{"dns", {{"type", "ADDRESS"}, {"name", "bad..name.example.com"}}}},
       "dns.name 'bad..name.example.com' is not a valid host name"},
      {{{"origin_direct", {"192.0.2.1:25"}}},
       "origin_direct entry '192.0.2.1:25' is not tcp://IP:PORT (IPv6: tcp://[IP]:PORT)"},
      {{{"origin_direct", {"tcp://2001:db8::1:25"}}},
       "origin_direct entry 'tcp://2001:db8::1:25' is not tcp://IP:PORT"},
      {{{"origin_direct", {"tcp://[192.0.2.1]:25"}}},
       "origin_direct entry 'tcp://[192.0.2.1]:25' is not tcp://IP:PORT"},
      {{{"origin_direct", {"tcp://192.0.2.1:0"}}}, "origin_direct entry 'tcp://192.0.2.1:0' is not tcp://IP:PORT"},
      {{{"origin_dns", {{"name", "o.example.com"}}}}, "give either origin_direct ([\"tcp://IP:PORT\"]) or origin_dns"},
      {{{"origin_port", 25}}, "origin_port goes with origin_dns; origin_direct entries carry their port"},
      {{{"proxy_protocol", "v9"}}, "proxy_protocol must be \"off\", \"v1\" or \"v2\""},
      {{{"proxy_protocol", "simple"}}, "proxy_protocol \"simple\" is for UDP apps; a TCP app takes off, v1 or v2"},
      {{{"tls", "strict"}}, "tls must be \"off\": the edge passes TCP through without terminating TLS"},
      {{{"traffic_type", "http"}},
       "traffic_type must be \"direct\" (HTTP and HTTPS names are proxied by proxied records)"},
      {{{"edge_ips", {{"type", "static"}, {"ips", {"x"}}}}}, "edge_ips.ips entry \"x\" is not an IP address"},
      {{{"edge_ips", {{"type", "elastic"}}}},
       "edge_ips must be {\"type\": \"static\", \"ips\": [...]} or {\"type\": \"dynamic\"}"},
      // wrong types
      {{{"protocol", 25}}, "protocol is required: \"tcp/25\" or \"tcp/1000-2000\""},
      {{{"dns", "smtp.example.com"}},
       "dns is required: {\"type\": \"ADDRESS\" or \"CNAME\", \"name\": \"app.<zone>\"}"},
      {{{"dns", {{"type", 1}, {"name", "x.example.com"}}}}, "dns.type must be \"ADDRESS\" or \"CNAME\""},
      {{{"dns", {{"type", "CNAME"}, {"name", 1}}}}, "dns.name must be a host name"},
      {{{"origin_direct", "tcp://192.0.2.1:25"}}, "origin_direct must be a non-empty array of \"tcp://IP:PORT\""},
      {{{"origin_direct", {25}}}, "origin_direct entry 25 is not tcp://IP:PORT (IPv6: tcp://[IP]:PORT)"},
      {{{"origin_direct", {{{"ip", "192.0.2.1"}}}}}, "origin_direct entry {\"ip\":\"192.0.2.1\"} is not tcp://IP:PORT"},
      {{{"proxy_protocol", 1}}, "proxy_protocol must be \"off\", \"v1\" or \"v2\""},
      {{{"ip_firewall", 1}}, "ip_firewall must be true or false"},
      {{{"ip_firewall", "yes"}}, "ip_firewall must be true or false"},
      {{{"tls", false}}, "tls must be \"off\""},
      {{{"traffic_type", 1}}, "traffic_type must be \"direct\""},
      {{{"edge_ips", "static"}}, "edge_ips must be {\"type\": \"static\", \"ips\": [...]} or {\"type\": \"dynamic\"}"},
      {{{"edge_ips", {{"type", "static"}, {"ips", "192.0.2.1"}}}},
       "edge_ips {\"type\": \"static\"} needs \"ips\": [\"IP\", ...]"},
      {{{"edge_ips", {{"type", "static"}, {"ips", {1}}}}}, "edge_ips.ips entry 1 is not an IP address"},
      // missing required fields
      {{{"protocol", nullptr}}, "protocol is required"},
      {{{"dns", nullptr}}, "dns is required"},
      {{{"dns", json::object()}}, "dns.type must be \"ADDRESS\" or \"CNAME\""},
      {{{"dns", {{"type", "ADDRESS"}}}}, "dns.name must be a host name"},
      {{{"origin_direct", nullptr}}, "give either origin_direct"},
      {{{"edge_ips", {{"type", "static"}}}}, "edge_ips {\"type\": \"static\"} needs \"ips\""},
      {{{"edge_ips", {{"type", "static"}, {"ips", json::array()}}}}, "needs \"ips\""},
      // too many / too large
      {{{"protocol", "tcp/1-2000"}}, "protocol 'tcp/1-2000': an app spans at most 1024 ports"},
      {{{"protocol", "tcp/" + std::string(5000, '9')}}, "ports must be 1-65535"},
      {{{"dns", {{"type", "ADDRESS"}, {"name", std::string(70, 'a') + ".example.com"}}}}, "is not a valid host name"},
      // the first bad field in the order they are checked wins
      {{{"protocol", "udp/53"}, {"dns", 5}}, "only TCP"},
      {{{"dns", {{"type", "MX"}, {"name", 5}}}, {"ip_firewall", 1}}, "dns.type"},
      {{{"origin_direct", {"bad", 5}}}, "origin_direct entry 'bad'"},
      {{{"origin_direct", {5, "bad"}}}, "origin_direct entry 5 "},
      {{{"proxy_protocol", "v9"}, {"ip_firewall", 1}}, "proxy_protocol must be"},
      {{{"ip_firewall", 1}, {"tls", "full"}}, "ip_firewall"},
      {{{"edge_ips", {{"type", "static"}, {"ips", {"x", 1}}}}}, "entry \"x\""},
  };
  for (const auto& c : cases) {
    json b = body();
    for (auto& [k, v] : c.change.items()) b[k] = v;
    auto p = app_input(b, "example.com");
    ASSERT_FALSE(p) << c.change.dump();
    EXPECT_EQ(p.error().code, control::app_errc::kBadApp);
    EXPECT_NE(p.error().message.find(c.message), std::string::npos) << c.change.dump() << ": " << p.error().message;
  }
  json b = body("tcp/1000-1009");
  b.erase("origin_direct");
  b["origin_dns"] = {{"name", "o.example.com"}};
  for (const auto& [port, message] : std::vector<std::pair<json, std::string>>{
           {"1-5", "origin_port range 1-5 must be one port or as large as the edge range (10 ports)"},
           {nullptr, "origin_dns needs origin_port: a port (1-65535) or \"FIRST-LAST\""},
           {0, "origin_dns needs origin_port: a port (1-65535) or \"FIRST-LAST\""},
           {65536, "origin_dns needs origin_port: a port (1-65535) or \"FIRST-LAST\""},
           {-25, "origin_dns needs origin_port: a port (1-65535) or \"FIRST-LAST\""},
           {25.0, "origin_dns needs origin_port: a port (1-65535) or \"FIRST-LAST\""},
           {"25-x", "origin_dns needs origin_port: a port (1-65535) or \"FIRST-LAST\""}}) {
    b["origin_port"] = port;
    auto p = app_input(b, "example.com");
    ASSERT_FALSE(p) << port.dump();
    EXPECT_EQ(p.error().message, message) << port.dump();
  }
  b["origin_port"] = 25;
  b["origin_dns"] = "o.example.com";
  EXPECT_EQ(app_input(b, "example.com").error().message,
            "origin_dns must be an object {\"name\": \"origin.example.com\"}");
  b["origin_dns"] = {{"name", 7}};
  EXPECT_EQ(app_input(b, "example.com").error().message, "origin_dns.name must be a host name");
  for (const json& not_object : {json::array(), json("x"), json(nullptr)}) {
    auto p = app_input(not_object, "example.com");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message, "the body must be a JSON object");
  }
}

TEST(SpectrumInput, AccessRules) {
  auto r =
      access_rule_input({{"mode", "block"}, {"configuration", {{"target", "ip_range"}, {"value", "192.0.2.7/24"}}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mode, "block");
  EXPECT_EQ(r->target, "ip_range");
  EXPECT_EQ(r->value, "192.0.2.7/24");  // as given: control::check_access_rule normalizes
  EXPECT_EQ(r->notes, "");
  auto w = access_rule_input({{"mode", "whitelist"},
                              {"configuration", {{"target", "ip6"}, {"value", "2001:DB8::1"}}},
                              {"notes", "office"},
                              {"scope", {{"type", "zone"}}}});  // unknown fields are ignored
  ASSERT_TRUE(w);
  EXPECT_EQ(w->notes, "office");
  struct Case {
    json body;
    const char* message;
  };
  const Case cases[] = {
      {{{"mode", "challenge"}, {"configuration", {{"target", "ip"}, {"value", "192.0.2.1"}}}},
       "mode 'challenge' is not supported: the edge carries TCP and cannot challenge a client; use block or whitelist"},
      {{{"mode", "js_challenge"}}, "mode 'js_challenge' is not supported"},
      {{{"mode", 1}}, "mode must be \"block\" or \"whitelist\""},
      {{{"configuration", {{"target", "ip"}, {"value", "192.0.2.1"}}}}, "mode must be \"block\" or \"whitelist\""},
      {{{"mode", "block"}}, "configuration is required: {\"target\": \"ip\" | \"ip6\" | \"ip_range\", \"value\": ...}"},
      {{{"mode", "block"}, {"configuration", "192.0.2.1"}}, "configuration is required"},
      {{{"mode", "block"}, {"configuration", {{"target", "asn"}, {"value", "AS13335"}}}},
       "configuration.target 'asn' is not supported: dnsedge has no ASN or country data"},
      {{{"mode", "block"}, {"configuration", {{"target", "ip"}, {"value", "::1"}}}},
       "configuration.value '::1' is not an IPv4 address"},
      {{{"mode", "block"}, {"configuration", {{"target", "ip6"}, {"value", 1}}}},
       "configuration.value '' is not an IPv6 address"},
      {{{"mode", "block"}, {"configuration", {{"target", "ip_range"}, {"value", "192.0.2.0/99"}}}},
       "configuration.value '192.0.2.0/99' is not an address range (e.g. 192.0.2.0/24)"},
      {{{"mode", "block"}, {"configuration", {{"target", 4}, {"value", "192.0.2.1"}}}},
       "configuration.target must be \"ip\", \"ip6\" or \"ip_range\""},
      {{{"mode", "block"}, {"configuration", {{"target", "ip"}, {"value", "192.0.2.1"}}}, {"notes", 5}},
       "notes must be a string"},
      {{{"mode", "block"}, {"configuration", {{"target", "ip"}, {"value", "192.0.2.1" + std::string(1000, ' ')}}}},
       "is not an IPv4 address"},
      {json::array(), "the body must be a JSON object"},
  };
  for (const auto& c : cases) {
    auto e = access_rule_input(c.body);
    ASSERT_FALSE(e) << c.body.dump();
    EXPECT_EQ(e.error().code, control::app_errc::kBadRule);
    EXPECT_NE(e.error().message.find(c.message), std::string::npos) << c.body.dump() << ": " << e.error().message;
  }
}

}  // namespace
}  // namespace dnsedge::api
