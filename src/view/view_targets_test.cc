#include "view/view_targets.h"

#include <gtest/gtest.h>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::view {
namespace {

std::string W(const char* t) { return dns::name_from_text(t).value(); }
std::string V4(const char* t) { return dns::rdata_from_text(dns::rrtype::kA, t, W(".")).value(); }

std::shared_ptr<const ZoneView> zone(const char* apex, const char* text, const EdgeAddresses* edge = nullptr) {
  auto zt = dns::parse_zone_text(text, W(apex));
  EXPECT_TRUE(zt) << zt.error().message;
  auto z = ZoneView::compile(W(apex), zt->records, CompileOptions{.edge = edge});
  EXPECT_TRUE(z) << z.error().message;
  return *z;
}

class Fixed : public TargetSource {
 public:
  std::optional<TargetAddrs> lookup(std::string_view name) const override {
    if (name != W("lb.example.org.")) return std::nullopt;
    return TargetAddrs{.v4 = {V4("198.51.100.9")}, .ttl = 30};
  }
};

TEST(ViewTargetsTest, FollowsCnamesAcrossZonesThenAsksExternal) {
  const EdgeAddresses edge{{V4("203.0.113.1")}, {}};
  auto net = zone("example.net.", R"(
$TTL 600
@ SOA ns h 1 2 3 4 5
@ NS ns
ns A 192.0.2.53
hop 120 CNAME lb.example.org.
web A 192.0.2.7 ; cf_tags=cf-proxied:true
plain 90 A 192.0.2.8
)", &edge);
  Fixed external;
  ViewTargets t({net.get()}, &external);

  auto hop = t.lookup(W("hop.example.net."));
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->v4, std::vector<std::string>{V4("198.51.100.9")});
  EXPECT_EQ(hop->ttl, 30u);  // min(CNAME 120, external 30)

  auto web = t.lookup(W("web.example.net."));
  ASSERT_TRUE(web);
  EXPECT_TRUE(web->proxied);
  EXPECT_EQ(web->v4, std::vector<std::string>{V4("203.0.113.1")});
  EXPECT_EQ(web->origin_v4, std::vector<std::string>{V4("192.0.2.7")});

  auto plain = t.lookup(W("plain.example.net."));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->ttl, 90u);
  EXPECT_FALSE(plain->proxied);

  auto missing = t.lookup(W("nope.example.net."));
  ASSERT_TRUE(missing);  // in one of our zones: known to have no addresses
  EXPECT_TRUE(missing->v4.empty());
  EXPECT_FALSE(t.lookup(W("unknown.example.com.")));  // outside every zone, not resolved
}

}  // namespace
}  // namespace dnsedge::view
