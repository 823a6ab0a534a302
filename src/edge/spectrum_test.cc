#include "edge/spectrum.h"

#include <gtest/gtest.h>

namespace dnsedge::edge {
namespace {

TEST(SpectrumAppTest, ParsesTheFlagForm) {
  auto a = parse_app_spec("tcp/25=127.0.0.1:2525,proxy=v1,name=SMTP.Example.com.");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->protocol, "tcp/25");
  EXPECT_EQ(a->port_first, 25);
  EXPECT_EQ(a->port_last, 25);
  EXPECT_EQ(a->dns_name, "smtp.example.com");
  ASSERT_EQ(a->origin_direct.size(), 1u);
  EXPECT_EQ(a->origin_direct[0].to_string(), "127.0.0.1:2525");
  EXPECT_EQ(a->proxy_protocol, ProxyProtocol::kV1);

  auto b = parse_app_spec("tcp/1000-1009=tcp://192.0.2.1:2000,[2001:db8::1]:2000,edge_ip=203.0.113.70,ip_firewall=on");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->origin_direct.size(), 2u);
  EXPECT_EQ(b->edge_ips.size(), 1u);
  EXPECT_TRUE(b->ip_firewall);
  EXPECT_EQ(b->origin_port(1000, 2000), 2000);
  EXPECT_EQ(b->origin_port(1009, 2000), 2009);  // same offset in the range

  auto c = parse_app_spec("tcp/25,origin_dns=mail.example.com,origin_port=2525,proxy=v2,name=smtp.example.com");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->origin_dns, "mail.example.com");
  EXPECT_EQ(c->origin_port(25, 0), 2525);
}

TEST(SpectrumAppTest, RejectsBadSpecs) {
  for (const char* bad : {"udp/53=127.0.0.1:53", "tcp/0=127.0.0.1:25", "tcp/70000=127.0.0.1:25", "tcp/30-20=127.0.0.1:25",
                          "tcp/1-2000=127.0.0.1:25", "tcp/25", "tcp/25=127.0.0.1", "tcp/25=localhost:25",
                          "tcp/25=127.0.0.1:25,proxy=v3", "tcp/25=127.0.0.1:25,color=blue",
                          "tcp/25=127.0.0.1:25,origin_dns=x.example", "tcp/25,origin_dns=x.example",
                          "tcp/25-26,origin_dns=x.example,origin_port=1-3", "tcp/25=127.0.0.1:25,edge_ip=nope"}) {
    EXPECT_FALSE(parse_app_spec(bad)) << bad;
  }
}

TEST(SpectrumAppTest, AssignsStableAddressesFromThePool) {
  auto pool = IpPrefix::parse("127.0.0.64/28");
  std::vector<SpectrumApp> apps = {*parse_app_spec("tcp/25=127.0.0.1:25,name=smtp.example.com"),
                                   *parse_app_spec("tcp/587=127.0.0.1:587,name=smtp.example.com"),
                                   *parse_app_spec("tcp/22=127.0.0.1:22,name=ssh.example.com")};
  auto r = assign_edge_ips(apps, {*pool});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ((*r)[0].edge_ips.size(), 1u);
  EXPECT_EQ((*r)[0].edge_ips, (*r)[1].edge_ips);  // one name, one address
  EXPECT_NE((*r)[0].edge_ips, (*r)[2].edge_ips);
  EXPECT_TRUE(pool->contains((*r)[2].edge_ips[0]));
  // The same name keeps its address when another app comes and goes.
  auto alone = assign_edge_ips({apps[0]}, {*pool});
  ASSERT_TRUE(alone);
  EXPECT_EQ((*alone)[0].edge_ips, (*r)[0].edge_ips);
  EXPECT_FALSE(assign_edge_ips(apps, {}));  // no pool
  // Two apps on one address and port.
  auto dup = assign_edge_ips({apps[0], apps[0]}, {*pool});
  EXPECT_FALSE(dup);
  auto tiny = IpPrefix::parse("127.0.0.64/32");
  EXPECT_FALSE(assign_edge_ips(apps, {*tiny}));  // two names, one address
}

TEST(SpectrumAppTest, DescribeNamesEverything) {
  auto a = parse_app_spec("tcp/25=127.0.0.1:2525,proxy=v1,name=smtp.example.com,edge_ip=127.0.0.64");
  ASSERT_TRUE(a);
  EXPECT_EQ(describe_app(*a), "tcp/25 smtp.example.com -> 127.0.0.1:2525 (proxy_protocol v1) on 127.0.0.64");
}

TEST(SpectrumFromView, ConvertsTheApiForm) {
  view::ServedApp v;
  v.id = "abc";
  v.protocol = "tcp/1000-1009";
  v.dns_name = "game.example.com";
  v.origin_dns = "origin.example.com";
  v.origin_port = "2000-2009";
  v.proxy_protocol = "v2";
  v.edge_ips = {std::string(16, '\0')};
  auto a = app_from_view(v);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->port_first, 1000);
  EXPECT_EQ(a->origin_port(1005, 0), 2005);
  EXPECT_EQ(a->proxy_protocol, ProxyProtocol::kV2);
  EXPECT_EQ(a->edge_ips[0].to_string(), "::");
  v.edge_ips.clear();
  EXPECT_FALSE(app_from_view(v));  // no address
  v.edge_ips = {std::string(4, '\1')};
  v.proxy_protocol = "v3";
  EXPECT_FALSE(app_from_view(v));
}

TEST(SpectrumFirewall, MostSpecificRuleDecidesBlockWinsTies) {
  SpectrumApp a;
  auto ip = [](const char* t) { return *IpAddress::parse(t); };
  a.deny = {*IpPrefix::parse("192.0.2.0/24"), *IpPrefix::parse("198.51.100.7/32")};
  a.allow = {*IpPrefix::parse("192.0.2.9/32"), *IpPrefix::parse("198.51.100.7/32")};
  EXPECT_TRUE(a.admits(ip("192.0.2.1")));  // ip_firewall off: rules do not apply
  a.ip_firewall = true;
  EXPECT_FALSE(a.admits(ip("192.0.2.1")));    // the /24 block
  EXPECT_TRUE(a.admits(ip("192.0.2.9")));     // a /32 whitelist is more specific
  EXPECT_FALSE(a.admits(ip("198.51.100.7")));  // equally specific: block wins
  EXPECT_TRUE(a.admits(ip("203.0.113.1")));   // no rule: admitted
  EXPECT_TRUE(a.admits(ip("2001:db8::1")));
}

}  // namespace
}  // namespace dnsedge::edge
