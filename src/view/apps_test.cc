#include "view/apps.h"

#include <gtest/gtest.h>

#include "dns/name.h"
#include "dns/types.h"
#include "view/zone_view.h"

namespace dnsedge::view {
namespace {

std::string wire(const char* t) { return dns::name_from_text(t).value(); }

std::vector<dns::ZoneRecord> zone_records() {
  return dns::parse_zone_text(R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.80
)", wire("example.com.")).value().records;
}

ServedApp app(const char* id, const char* name, std::string ip) {
  ServedApp a;
  a.id = id;
  a.protocol = "tcp/25";
  a.dns_name = name;
  a.origin_direct = {"tcp://192.0.2.1:25"};
  a.edge_ips = {std::move(ip)};
  return a;
}

TEST(Apps, NamesAnswerTheirEdgeAddressesAndTheViewCarriesThem) {
  const std::string v4("\x7f\x00\x00\x40", 4), v4b("\x7f\x00\x00\x41", 4);
  std::vector<ServedApp> apps = {app("a", "smtp.example.com", v4), app("b", "smtp.example.com", v4b)};
  apps[1].protocol = "tcp/587";
  auto z = ZoneView::compile(wire("example.com."), zone_records(), CompileOptions{.apps = &apps});
  ASSERT_TRUE(z) << z.error().message;
  EXPECT_EQ((*z)->apps(), apps);
  const uint32_t n = (*z)->find(wire("smtp.example.com."));
  ASSERT_NE(n, kNone);
  const RRset* a = (*z)->rrset((*z)->node(n), dns::rrtype::kA);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->count, 2);
  EXPECT_EQ(a->ttl, kAppTtl);
  EXPECT_FALSE((*z)->explain(wire("smtp.example.com.")).empty());
}

TEST(Apps, ClashesAndOutsideNamesFail) {
  const std::string v4("\x7f\x00\x00\x40", 4);
  std::vector<ServedApp> clash = {app("a", "www.example.com", v4)};
  auto z = ZoneView::compile(wire("example.com."), zone_records(), CompileOptions{.source = "zone example.com", .apps = &clash});
  ASSERT_FALSE(z);
  EXPECT_EQ(z.error().code, kAppNameConflict);
  EXPECT_NE(z.error().message.find("www.example.com"), std::string::npos);
  std::vector<ServedApp> outside = {app("a", "smtp.example.org", v4)};
  z = ZoneView::compile(wire("example.com."), zone_records(), CompileOptions{.apps = &outside});
  ASSERT_FALSE(z);
  EXPECT_NE(z.error().message.find("outside the zone"), std::string::npos);
}

}  // namespace
}  // namespace dnsedge::view
