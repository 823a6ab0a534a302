#include "doctor/source.h"

#include <gtest/gtest.h>

#include "doctor/internal/fake_source.h"

namespace dnsedge::doctor {
namespace {

using testing::V4;
using testing::W;

dns::ZoneRecord rr(const char* owner, uint16_t type, std::string rdata) {
  dns::ZoneRecord r;
  r.owner = W(owner);
  r.type = type;
  r.ttl = 300;
  r.rdata = std::move(rdata);
  return r;
}

TEST(LookupTest, FollowsTheChain) {
  Lookup l;
  l.records = {rr("a.example.com", dns::rrtype::kCNAME, W("b.example.com")),
               rr("b.example.com", dns::rrtype::kCNAME, W("c.example.com")),
               rr("c.example.com", dns::rrtype::kA, V4("192.0.2.1"))};
  EXPECT_EQ(l.canonical(W("a.example.com")), W("c.example.com"));
  EXPECT_EQ(l.rdata(W("a.example.com"), dns::rrtype::kA), std::vector<std::string>{V4("192.0.2.1")});
  EXPECT_EQ(l.rrs(W("a.example.com"), dns::rrtype::kCNAME).size(), 1u);
  EXPECT_TRUE(l.answered());
}

TEST(LookupTest, LoopingChainEnds) {
  Lookup l;
  l.records = {rr("a.example.com", dns::rrtype::kCNAME, W("b.example.com")),
               rr("b.example.com", dns::rrtype::kCNAME, W("a.example.com"))};
  EXPECT_TRUE(l.rdata(W("a.example.com"), dns::rrtype::kA).empty());
}

TEST(LookupTest, Failures) {
  Lookup l;
  l.rcode = dns::rcode::kServFail;
  EXPECT_FALSE(l.answered());
  EXPECT_EQ(l.failure(), "SERVFAIL");
  l.note = "below the delegation sub.example.com.";
  EXPECT_EQ(l.failure(), "SERVFAIL (below the delegation sub.example.com.)");
  Lookup t;
  t.status = Lookup::Status::kTimeout;
  t.error = "timed out after 3000 ms";
  EXPECT_FALSE(t.answered());
  EXPECT_EQ(t.failure(), "timed out after 3000 ms");
  Lookup nx;
  nx.rcode = dns::rcode::kNxDomain;
  EXPECT_TRUE(nx.answered());
  EXPECT_TRUE(nx.nxdomain());
}

TEST(ProxyFactsTest, Lookups) {
  ProxyFacts f;
  f.edge.v4 = {V4("203.0.113.1")};
  f.zones.resize(2);
  f.zones[0].apex = W("example.com");
  f.zones[1].apex = W("sub.example.com");
  f.proxied.push_back({W("www.example.com"), {}});
  EXPECT_EQ(f.zone_of(W("a.sub.example.com")), &f.zones[1]);
  EXPECT_EQ(f.zone_of(W("a.example.com")), &f.zones[0]);
  EXPECT_EQ(f.zone_of(W("example.net")), nullptr);
  EXPECT_NE(f.find_proxied(W("www.example.com")), nullptr);
  EXPECT_EQ(f.find_proxied(W("example.com")), nullptr);
  EXPECT_TRUE(f.is_edge(V4("203.0.113.1")));
  EXPECT_FALSE(f.is_edge(V4("203.0.113.2")));
}

}  // namespace
}  // namespace dnsedge::doctor
