#include "view/zone_view.h"

#include <gtest/gtest.h>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::view {
namespace {

std::string W(const char* t) { return dns::name_from_text(t).value(); }

Result<std::shared_ptr<const ZoneView>> compile_text(const char* text) {
  const std::string origin = W("example.com.");
  auto zt = dns::parse_zone_text(text, origin, "t.zone");
  if (!zt) return zt.error();
  return ZoneView::compile(origin, zt->records, CompileOptions{.source = "t.zone"});
}

constexpr const char* kZone = R"(
$TTL 3600
@ SOA ns1 hostmaster 7 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
a.b.c A 192.0.2.1
*.wild A 192.0.2.2
sub NS ns.sub
ns.sub A 192.0.2.3
deep.sub A 192.0.2.4
mx MX 10 a.b.c
)";

TEST(ZoneViewTest, BuildsNodesWithEmptyNonTerminals) {
  auto z = compile_text(kZone);
  ASSERT_TRUE(z) << z.error().message;
  const ZoneView& v = **z;
  EXPECT_EQ(v.serial(), 7u);
  EXPECT_EQ(v.negative_ttl(), 300u);
  const uint32_t c = v.find(W("c.example.com."));
  ASSERT_NE(c, kNone);
  EXPECT_TRUE(v.node(c).flags & node_flag::kEmptyNonTerminal);
  EXPECT_NE(v.find(W("b.c.example.com.")), kNone);
  EXPECT_EQ(v.find(W("nope.example.com.")), kNone);
  EXPECT_EQ(v.record_count(), 9u);
}

TEST(ZoneViewTest, FlagsCutsGlueAndWildcards) {
  auto z = compile_text(kZone);
  ASSERT_TRUE(z) << z.error().message;
  const ZoneView& v = **z;
  const uint32_t sub = v.find(W("sub.example.com."));
  const uint32_t glue = v.find(W("ns.sub.example.com."));
  ASSERT_NE(sub, kNone);
  ASSERT_NE(glue, kNone);
  EXPECT_TRUE(v.node(sub).flags & node_flag::kDelegation);
  EXPECT_EQ(v.node(sub).cut, sub);
  EXPECT_TRUE(v.node(glue).flags & node_flag::kBelowCut);
  EXPECT_EQ(v.node(glue).cut, sub);
  EXPECT_TRUE(v.node(v.find(W("wild.example.com."))).flags & node_flag::kWildcardChild);
  EXPECT_EQ(v.node(v.apex_node()).cut, kNone);  // apex NS is not a cut
}

TEST(ZoneViewTest, ResolvesAdditionalTargets) {
  auto z = compile_text(kZone);
  ASSERT_TRUE(z) << z.error().message;
  const ZoneView& v = **z;
  const RRset* mx = v.rrset(v.node(v.find(W("mx.example.com."))), dns::rrtype::kMX);
  ASSERT_NE(mx, nullptr);
  ASSERT_NE(v.targets(*mx), nullptr);
  EXPECT_EQ(v.targets(*mx)[0], v.find(W("a.b.c.example.com.")));
}

TEST(ZoneViewTest, RejectsCnameBesideOtherDataWithLine) {
  auto z = compile_text("@ SOA ns1 h 1 2 3 4 5\nx CNAME y\nx A 192.0.2.1\n");
  ASSERT_FALSE(z);
  EXPECT_EQ(z.error().message.rfind("t.zone:3: CNAME beside other data", 0), 0u) << z.error().message;
}

TEST(ZoneViewTest, RejectsTwoCnamesMissingSoaAndOutOfZone) {
  auto two = compile_text("@ SOA ns1 h 1 2 3 4 5\nx CNAME y\nx CNAME z\n");
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("t.zone:3: more than one CNAME"), std::string::npos) << two.error().message;
  auto nons = compile_text("@ SOA ns1 h 1 2 3 4 5\nx A 192.0.2.1\n");
  ASSERT_FALSE(nons);
  EXPECT_NE(nons.error().message.find("no NS record at the zone apex"), std::string::npos);
  auto nosoa = compile_text("x A 192.0.2.1\n");
  ASSERT_FALSE(nosoa);
  EXPECT_NE(nosoa.error().message.find("no SOA"), std::string::npos);
  auto out = compile_text("@ SOA ns1 h 1 2 3 4 5\nwww.example.net. A 192.0.2.1\n");
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("t.zone:2: record owner www.example.net. is outside the zone"),
            std::string::npos)
      << out.error().message;
}

TEST(ZoneViewTest, DeduplicatesAndSortsRdata) {
  auto z = compile_text("@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nx A 192.0.2.9\nx A 192.0.2.1\nx A 192.0.2.9\n");
  ASSERT_TRUE(z) << z.error().message;
  const RRset* a = (*z)->rrset((*z)->node((*z)->find(W("x.example.com."))), dns::rrtype::kA);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->count, 2);
  EXPECT_EQ((*z)->rdata(*a)[2 + 3], 1);  // 192.0.2.1 first
}

TEST(CatalogTest, LongestSuffixWins) {
  auto parent = ZoneView::compile(W("example.com."), dns::parse_zone_text("@ SOA ns h 1 2 3 4 5\n@ NS ns\n", W("example.com.")).value().records);
  auto child = ZoneView::compile(W("sub.example.com."), dns::parse_zone_text("@ SOA ns h 1 2 3 4 5\n@ NS ns\n", W("sub.example.com.")).value().records);
  ASSERT_TRUE(parent && child);
  auto cat = Catalog::build({*parent, *child});
  EXPECT_EQ(cat->find_zone(W("a.sub.example.com.")), child->get());
  EXPECT_EQ(cat->find_zone(W("a.example.com.")), parent->get());
  EXPECT_EQ(cat->find_zone(W("example.org.")), nullptr);
  EXPECT_EQ(cat->find_zone(W("com.")), nullptr);
}

}  // namespace
}  // namespace dnsedge::view

namespace dnsedge::view {
namespace {

TEST(ZoneViewTest, WithSerialChangesOnlyTheSerial) {
  auto z = compile_text(kZone);
  ASSERT_TRUE(z) << z.error().message;
  auto s = (*z)->with_serial(4000000000u);
  EXPECT_EQ(s->serial(), 4000000000u);
  EXPECT_EQ((*z)->serial(), 7u);
  auto a = (*z)->records();
  auto b = s->records();
  ASSERT_EQ(a.size(), b.size());
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += !(a[i] == b[i]);
  EXPECT_EQ(differ, 1u);  // the SOA
  EXPECT_NE(s->find(W("a.b.c.example.com.")), kNone);  // the index works on the copy
  EXPECT_EQ(s->find(W("a.b.c.example.com.")), (*z)->find(W("a.b.c.example.com.")));
}

}  // namespace
}  // namespace dnsedge::view
