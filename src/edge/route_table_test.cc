#include "edge/route_table.h"

#include <gtest/gtest.h>

#include "dns/name.h"
#include "dns/zonefile.h"

namespace dnsedge::edge {
namespace {

std::string W(const char* t) { return dns::name_from_text(t).value(); }

std::shared_ptr<const view::Catalog> catalog_of(const char* text) {
  static const view::EdgeAddresses kEdge{{std::string("\xcb\x00\x71\x01", 4)},  // 203.0.113.1
                                         {std::string("\x20\x01\x0d\xb8\x00\x0e", 6) + std::string(9, 0) + "\x01"}};
  const std::string origin = W("example.com.");
  auto zt = dns::parse_zone_text(text, origin, "t.zone");
  EXPECT_TRUE(zt) << zt.error().message;
  auto z = view::ZoneView::compile(origin, zt->records, view::CompileOptions{.source = "t.zone", .edge = &kEdge});
  EXPECT_TRUE(z) << z.error().message;
  return view::Catalog::build({*z});
}

constexpr const char* kZone = R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
@ A 192.0.2.1 ; cf_tags=cf-proxied:true
www A 192.0.2.80 ; cf_tags=cf-proxied:true
www AAAA 2001:db8::80 ; cf_tags=cf-proxied:true
www A 192.0.2.81
plain A 192.0.2.9
alias CNAME plain ; cf_tags=cf-proxied:true
*.wild A 192.0.2.10 ; cf_tags=cf-proxied:true
special.wild A 192.0.2.11 ; cf_tags=cf-proxied:true
txt.wild TXT "exists"
deep.ent.wild TXT "makes ent.wild an empty non-terminal"
dnsonly A 192.0.2.12
)";

std::string first_origin(const Route* r) { return r && !r->origins.empty() ? r->origins.front().to_string() : "-"; }

TEST(RouteTableTest, RoutesProxiedNamesToTheirOrigins) {
  auto cat = catalog_of(kZone);
  auto t = RouteTable::build(*cat);
  const Route* r = t->find("www.example.com");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->name, "www.example.com.");
  ASSERT_EQ(r->origins.size(), 3u);  // all A records of a proxied name, then AAAA
  EXPECT_EQ(r->origins[0].to_string(), "192.0.2.80");
  EXPECT_EQ(r->origins[1].to_string(), "192.0.2.81");
  EXPECT_EQ(r->origins[2].to_string(), "2001:db8::80");
  EXPECT_EQ(first_origin(t->find("example.com")), "192.0.2.1");
}

TEST(RouteTableTest, MarksRoutesWhoseOriginThePolicyProhibits) {
  view::OriginPolicyOptions o;
  o.edge = {std::string("\xcb\x00\x71\x01", 4)};  // 203.0.113.1
  o.deny = {*view::AddressBlock::parse("192.0.2.9/32")};
  const view::OriginPolicy policy(o);
  auto t = RouteTable::build(*catalog_of(kZone), &policy);
  const Route* alias = t->find("alias.example.com");  // a CNAME to plain, which answers 192.0.2.9
  ASSERT_NE(alias, nullptr);
  EXPECT_TRUE(alias->prohibited);
  EXPECT_NE(alias->why.find("DNS points to prohibited IP: 192.0.2.9"), std::string::npos) << alias->why;
  EXPECT_NE(alias->why.find("plain.example.com"), std::string::npos) << alias->why;
  EXPECT_FALSE(t->find("www.example.com")->prohibited);
  EXPECT_FALSE(RouteTable::build(*catalog_of(kZone))->find("alias.example.com")->prohibited);
}

TEST(RouteTableTest, HostMatchingIgnoresCasePortAndTrailingDot) {
  auto t = RouteTable::build(*catalog_of(kZone));
  EXPECT_NE(t->find("WWW.Example.COM"), nullptr);
  EXPECT_NE(t->find("www.example.com:8080"), nullptr);
  EXPECT_NE(t->find("www.example.com."), nullptr);
  EXPECT_NE(t->find("www.example.com.:443"), nullptr);
  EXPECT_EQ(t->find("www.example.com:"), nullptr);
  EXPECT_EQ(t->find("www.example.com:http"), nullptr);
}

TEST(RouteTableTest, NamesNotProxiedHaveNoRoute) {
  auto t = RouteTable::build(*catalog_of(kZone));
  EXPECT_EQ(t->find("plain.example.com"), nullptr);    // DNS-only
  EXPECT_EQ(t->find("dnsonly.example.com"), nullptr);
  EXPECT_EQ(t->find("nothing.example.com"), nullptr);  // absent
  EXPECT_EQ(t->find("www.example.org"), nullptr);      // not our zone
  EXPECT_EQ(t->find(""), nullptr);
}

TEST(RouteTableTest, ProxiedCnameGoesToTheTargetsAddresses) {
  auto t = RouteTable::build(*catalog_of(kZone));
  const Route* r = t->find("alias.example.com");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->cname, "plain.example.com.");
  EXPECT_EQ(first_origin(r), "192.0.2.9");
}

TEST(RouteTableTest, WildcardsFollowDnsClosestEncloser) {
  auto t = RouteTable::build(*catalog_of(kZone));
  EXPECT_EQ(first_origin(t->find("a.wild.example.com")), "192.0.2.10");
  EXPECT_EQ(first_origin(t->find("x.y.z.wild.example.com")), "192.0.2.10");  // no closer name
  EXPECT_EQ(first_origin(t->find("special.wild.example.com")), "192.0.2.11");  // exact wins
  // A name that exists (any type) stops the wildcard for itself and below (RFC 4592 §2.2.1).
  EXPECT_EQ(t->find("txt.wild.example.com"), nullptr);
  EXPECT_EQ(t->find("below.txt.wild.example.com"), nullptr);
  EXPECT_EQ(t->find("ent.wild.example.com"), nullptr);  // an empty non-terminal exists too
  EXPECT_EQ(t->find("other.ent.wild.example.com"), nullptr);
  EXPECT_EQ(t->find("below.special.wild.example.com"), nullptr);
  EXPECT_EQ(t->find("wild.example.com"), nullptr);  // the wildcard's parent itself
}

TEST(RouteTableTest, EmptyCatalogHasNoRoutes) {
  auto t = RouteTable::build(*view::Catalog::empty());
  EXPECT_EQ(t->size(), 0u);
  EXPECT_EQ(t->find("www.example.com"), nullptr);
  EXPECT_EQ(RouteTable::empty()->find("www.example.com"), nullptr);
}

TEST(ParseHostTest, ClassifiesHosts) {
  EXPECT_EQ(parse_host("192.0.2.1").kind, HostName::Kind::kIpLiteral);
  EXPECT_EQ(parse_host("192.0.2.1:80").kind, HostName::Kind::kIpLiteral);
  EXPECT_EQ(parse_host("[2001:db8::1]").kind, HostName::Kind::kIpLiteral);
  EXPECT_EQ(parse_host("[2001:db8::1]:443").kind, HostName::Kind::kIpLiteral);
  EXPECT_EQ(parse_host("[2001:db8::1").kind, HostName::Kind::kInvalid);
  EXPECT_EQ(parse_host("[::1]x").kind, HostName::Kind::kInvalid);
  EXPECT_EQ(parse_host("a..b").kind, HostName::Kind::kInvalid);
  EXPECT_EQ(parse_host(".").kind, HostName::Kind::kInvalid);
  EXPECT_EQ(parse_host("a b").kind, HostName::Kind::kInvalid);
  EXPECT_EQ(parse_host("ex\xc3\xa4mple.com").kind, HostName::Kind::kInvalid);
  EXPECT_EQ(parse_host(std::string(64, 'a') + ".com").kind, HostName::Kind::kInvalid);
  EXPECT_EQ(parse_host(std::string(63, 'a') + ".com").kind, HostName::Kind::kName);
  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcd.";
  long_name += "com";  // 253 characters
  EXPECT_EQ(parse_host(long_name).kind, HostName::Kind::kName);
  EXPECT_EQ(parse_host("x" + long_name).kind, HostName::Kind::kInvalid);
  const HostName h = parse_host("WwW.Example.com:80");
  ASSERT_EQ(h.kind, HostName::Kind::kName);
  EXPECT_EQ(h.view(), W("www.example.com."));
}

TEST(AddressesInCatalogTest, UsesOriginsForProxiedNamesAndRecordsOtherwise) {
  auto cat = catalog_of(kZone);
  auto a = addresses_in_catalog(*cat, W("www.example.com."));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].to_string(), "192.0.2.80");  // the origin, not the edge address
  a = addresses_in_catalog(*cat, W("plain.example.com."));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].to_string(), "192.0.2.9");
  EXPECT_TRUE(addresses_in_catalog(*cat, W("nothing.example.com.")).empty());
  EXPECT_TRUE(addresses_in_catalog(*cat, W("www.example.org.")).empty());
}

}  // namespace
}  // namespace dnsedge::edge
