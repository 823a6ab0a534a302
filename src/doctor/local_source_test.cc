// LocalSource: answers are what auth::answer serves (edge addresses, dc-records, TTLs); chains
// and names outside the zones go to the external Source; delegations are asked directly.

#include "doctor/local_source.h"

#include <gtest/gtest.h>

#include "doctor/internal/fake_source.h"
#include "doctor/util.h"

namespace dnsedge::doctor {
namespace {

using namespace testing;
using namespace std::chrono_literals;
namespace rrtype = dns::rrtype;

constexpr const char* kZone = R"(
$TTL 300
@        SOA ns1 hostmaster 1 3600 600 86400 120
@        NS ns1
ns1      A 11.22.33.53
@        MX 10 example.com.
@        A 192.0.2.1 ; cf_tags=cf-proxied:true
www  600 A 192.0.2.2
out      CNAME host.example.net.
sub      NS ns.sub
ns.sub   A 127.0.0.254
)";

TEST(LocalSourceTest, AnswersWhatIsServed) {
  Local local(kZone);
  ASSERT_TRUE(local.source) << local.error;
  auto& s = *local.source;
  const Lookup a = s.lookup(W("example.com"), rrtype::kA, 1s);
  EXPECT_EQ(a.rcode, dns::rcode::kNoError);
  auto v4 = a.rdata(W("example.com"), rrtype::kA);
  std::sort(v4.begin(), v4.end());
  EXPECT_EQ(v4, (std::vector<std::string>{V4("203.0.113.1"), V4("203.0.113.2")}));
  EXPECT_EQ(a.records.front().ttl, 300u);
  const Lookup mx = s.lookup(W("example.com"), rrtype::kMX, 1s);
  ASSERT_EQ(mx.records.size(), 1u);
  const std::string dc = mx.records[0].rdata.substr(2);
  EXPECT_EQ(first_label(dc).substr(0, 3), "dc-");
  EXPECT_EQ(s.lookup(dc, rrtype::kA, 1s).rdata(dc, rrtype::kA), std::vector<std::string>{V4("192.0.2.1")});
  EXPECT_EQ(s.lookup(W("www.example.com"), rrtype::kA, 1s).records.at(0).ttl, 600u);
  EXPECT_TRUE(s.lookup(W("nothing.example.com"), rrtype::kA, 1s).nxdomain());
  const Lookup nodata = s.lookup(W("www.example.com"), rrtype::kTXT, 1s);
  EXPECT_TRUE(nodata.answered());
  EXPECT_FALSE(nodata.nxdomain());
  EXPECT_TRUE(nodata.records.empty());
  EXPECT_EQ(s.mode(), "local");
}

TEST(LocalSourceTest, FactsListProxiedNamesAndServedRecords) {
  Local local(kZone);
  ASSERT_TRUE(local.source) << local.error;
  const ProxyFacts* f = local.source->facts();
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->proxied.size(), 1u);
  EXPECT_EQ(f->proxied[0].owner, W("example.com"));
  EXPECT_EQ(f->proxied[0].origin.v4, std::vector<std::string>{V4("192.0.2.1")});
  ASSERT_EQ(f->zones.size(), 1u);
  bool dc = false;
  for (const auto& r : f->zones[0].served) dc = dc || first_label(r.owner).rfind("dc-", 0) == 0;
  EXPECT_TRUE(dc);
  EXPECT_TRUE(f->is_edge(V4("203.0.113.2")));
}

TEST(LocalSourceTest, OutsideNamesNeedAnExternalSource) {
  Local local(kZone);
  ASSERT_TRUE(local.source) << local.error;
  const Lookup l = local.source->lookup(W("example.org"), rrtype::kA, 1s);
  EXPECT_EQ(l.status, Lookup::Status::kError);
  EXPECT_NE(l.error.find("--offline"), std::string::npos);
  // A chain that leaves the zone keeps its first link.
  const Lookup c = local.source->lookup(W("out.example.com"), rrtype::kA, 1s);
  EXPECT_EQ(c.status, Lookup::Status::kError);
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.records[0].type, rrtype::kCNAME);
}

TEST(LocalSourceTest, ChainsContinueOutside) {
  FakeSource outside("@ SOA ns h 1 1 1 1 1\nhost 60 A 11.22.33.44\n", "example.net.");
  Local local(kZone, false, &outside);
  ASSERT_TRUE(local.source) << local.error;
  const Lookup c = local.source->lookup(W("out.example.com"), rrtype::kA, 1s);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.rdata(W("out.example.com"), rrtype::kA), std::vector<std::string>{V4("11.22.33.44")});
  EXPECT_EQ(c.canonical(W("out.example.com")), W("host.example.net"));
  EXPECT_EQ(outside.lookups, 1);
}

TEST(LocalSourceTest, DelegationsGoOutsideWhenNotAskedDirectly) {
  FakeSource outside("@ SOA ns h 1 1 1 1 1\n", "example.net.");
  outside.servfail("mail.sub.example.com");
  Local local(kZone, false, &outside);
  ASSERT_TRUE(local.source) << local.error;
  const Lookup l = local.source->lookup(W("mail.sub.example.com"), rrtype::kA, 1s);
  EXPECT_EQ(l.rcode, dns::rcode::kServFail);
  EXPECT_NE(l.note.find("below the delegation sub.example.com."), std::string::npos) << l.note;
}

TEST(LocalSourceTest, DelegationWhoseServersDoNotAnswer) {
  auto zt = dns::parse_zone_text(kZone, W("example.com"), "z");
  ASSERT_TRUE(zt);
  const view::EdgeAddresses e = edge();
  auto v = view::ZoneView::compile(W("example.com"), zt->records, view::CompileOptions{.edge = &e});
  ASSERT_TRUE(v) << v.error().message;
  LocalSource s(view::Catalog::build({*v}), {LocalZone{W("example.com"), false, zt->records}},
                LocalOptions{.edge = e, .query_delegations = true, .delegation_timeout = 700ms});
  const auto t0 = std::chrono::steady_clock::now();
  const Lookup l = s.lookup(W("mail.sub.example.com"), rrtype::kA, 2s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  EXPECT_FALSE(l.answered());
  EXPECT_NE(l.note.find("asked its name servers ns.sub.example.com. directly"), std::string::npos) << l.note;
}

}  // namespace
}  // namespace dnsedge::doctor
