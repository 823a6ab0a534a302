// The proxy, flattening and dc-record rules as a pure function: stored records + settings →
// what the zone serves (checked through the compiled view and auth-independent lookups).

#include "view/served.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "view/zone_view.h"

namespace dnsedge::view {
namespace {

namespace rrtype = dns::rrtype;

std::string W(const char* t) { return dns::name_from_text(t).value(); }
std::string V4(const char* t) { return dns::rdata_from_text(rrtype::kA, t, W(".")).value(); }
std::string V6(const char* t) { return dns::rdata_from_text(rrtype::kAAAA, t, W(".")).value(); }

const EdgeAddresses kEdge{{V4("203.0.113.1"), V4("203.0.113.2")}, {V6("2001:db8:e::1"), V6("2001:db8:e::2")}};

class FakeTargets : public TargetSource {
 public:
  std::map<std::string, TargetAddrs> m;
  std::optional<TargetAddrs> lookup(std::string_view name) const override {
    auto it = m.find(std::string(name));
    if (it == m.end()) return std::nullopt;
    return it->second;
  }
};

struct Out {
  std::shared_ptr<const ZoneView> view;
  // "name TYPE" → set of "ttl rdata-text"
  std::set<std::string> rrs(const char* name, uint16_t type) const {
    std::set<std::string> out;
    const uint32_t id = view->find(W(name));
    if (id == kNone) return out;
    const RRset* s = view->rrset(view->node(id), type);
    if (!s) return out;
    const uint8_t* p = view->rdata(*s);
    for (int i = 0; i < s->count; ++i) {
      const size_t len = size_t(p[0]) << 8 | p[1];
      out.insert(std::to_string(s->ttl) + " " +
                 dns::rdata_to_text(type, std::string(reinterpret_cast<const char*>(p + 2), len)).value());
      p += 2 + len;
    }
    return out;
  }
};

Result<Out> compile(const char* text, Flattening f = Flattening::kAtRoot, const TargetSource* t = nullptr,
                    const EdgeAddresses* edge = &kEdge) {
  const std::string origin = W("example.com.");
  auto zt = dns::parse_zone_text(text, origin, "t.zone");
  if (!zt) return zt.error();
  auto v = ZoneView::compile(origin, zt->records,
                             CompileOptions{.source = "t.zone", .edge = edge, .flattening = f, .targets = t});
  if (!v) return v.error();
  return Out{*v};
}

constexpr const char* kSoa = "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n";

TEST(ServedTest, SeedExampleMxToProxiedApexUsesDcRecord) {
  auto o = compile((std::string(kSoa) + "@ MX 10 @\n@ A 192.0.2.1 ; cf_tags=cf-proxied:true\n").c_str());
  ASSERT_TRUE(o) << o.error().message;
  const std::string dc = dns::name_to_text(dc_name(W("example.com."), W("example.com.")));
  EXPECT_EQ(dc.substr(0, 3), "dc-");
  EXPECT_EQ(dc.size(), std::string("dc-12345678.example.com.").size());
  EXPECT_EQ(o->rrs("example.com.", rrtype::kMX), std::set<std::string>{"3600 10 " + dc});
  EXPECT_EQ(o->rrs(dc.c_str(), rrtype::kA), std::set<std::string>{"300 192.0.2.1"});
  EXPECT_EQ(o->rrs("example.com.", rrtype::kA), (std::set<std::string>{"300 203.0.113.1", "300 203.0.113.2"}));
  EXPECT_EQ(o->rrs("example.com.", rrtype::kAAAA),
            (std::set<std::string>{"300 2001:db8:e::1", "300 2001:db8:e::2"}));
  EXPECT_FALSE(o->view->explain(W(dc.c_str())).empty());
  EXPECT_EQ(o->view->origins().at(W("example.com.")).v4, std::vector<std::string>{V4("192.0.2.1")});
}

TEST(ServedTest, DcNameIsDeterministicPerZoneAndTarget) {
  EXPECT_EQ(dc_name(W("example.com."), W("www.example.com.")), dc_name(W("example.com."), W("www.example.com.")));
  EXPECT_NE(dc_name(W("example.com."), W("www.example.com.")), dc_name(W("example.com."), W("web.example.com.")));
  EXPECT_NE(dc_name(W("example.com."), W("example.com.")), dc_name(W("example.net."), W("example.com.")));
}

TEST(ServedTest, MxToDnsOnlyMailNameIsUntouched) {
  auto o = compile((std::string(kSoa) +
                    "@ MX 10 mail\nmail A 192.0.2.25\n@ A 192.0.2.1 ; cf_tags=cf-proxied:true\n").c_str());
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->rrs("example.com.", rrtype::kMX), std::set<std::string>{"3600 10 mail.example.com."});
  EXPECT_EQ(o->rrs("mail.example.com.", rrtype::kA), std::set<std::string>{"3600 192.0.2.25"});
}

TEST(ServedTest, SrvAndCnameChainToProxiedNameGetDcRecord) {
  auto o = compile((std::string(kSoa) +
                    "_imap._tcp SRV 0 5 993 alias\nalias CNAME web\nweb A 192.0.2.7 ; cf_tags=cf-proxied:true\n")
                       .c_str());
  ASSERT_TRUE(o) << o.error().message;
  const std::string dc = dns::name_to_text(dc_name(W("example.com."), W("alias.example.com.")));
  EXPECT_EQ(o->rrs("_imap._tcp.example.com.", rrtype::kSRV), std::set<std::string>{"3600 0 5 993 " + dc});
  EXPECT_EQ(o->rrs(dc.c_str(), rrtype::kA), std::set<std::string>{"300 192.0.2.7"});
  // The DNS-only CNAME is still answered per RFC 1034; its target answers the edge.
  EXPECT_EQ(o->rrs("alias.example.com.", rrtype::kCNAME), std::set<std::string>{"3600 web.example.com."});
}

TEST(ServedTest, AnyProxiedAddressProxiesTheWholeNameAndFamiliesAreHonoured) {
  auto o = compile((std::string(kSoa) +
                    "www A 192.0.2.10 ; cf_tags=cf-proxied:true\nwww A 192.0.2.11\nwww AAAA 2001:db8::10\n").c_str());
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->rrs("www.example.com.", rrtype::kA), (std::set<std::string>{"300 203.0.113.1", "300 203.0.113.2"}));
  EXPECT_EQ(o->rrs("www.example.com.", rrtype::kAAAA),
            (std::set<std::string>{"300 2001:db8:e::1", "300 2001:db8:e::2"}));
}

TEST(ServedTest, ProxiedCnameIsNeverShown) {
  auto o = compile((std::string(kSoa) + "shop CNAME shops.example.net. ; cf_tags=cf-proxied:true\nshop TXT \"x\"\n").c_str());
  ASSERT_FALSE(o);  // CNAME beside other data, even proxied
  auto p = compile((std::string(kSoa) + "shop CNAME shops.example.net. ; cf_tags=cf-proxied:true\n").c_str());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->rrs("shop.example.com.", rrtype::kCNAME).empty());
  EXPECT_EQ(p->rrs("shop.example.com.", rrtype::kA).size(), 2u);
}

TEST(ServedTest, ValidationErrors) {
  struct Case {
    const char* rr;
    const char* want;
  } cases[] = {
      {"@ MX 10 mail ; cf_tags=cf-proxied:true", "t.zone:5: MX records cannot be proxied"},
      {"@ TXT \"v=spf1\" ; cf_tags=cf-proxied:true", "t.zone:5: TXT records cannot be proxied"},
      {"www A 203.0.113.1 ; cf_tags=cf-proxied:true", "points at the edge address 203.0.113.1"},
      {"sel._domainkey CNAME sel.dkim.example.net. ; cf_tags=cf-proxied:true", "is not allowed for a proxied record"},
      {"k CNAME x.dkim.amazonses.com. ; cf_tags=cf-proxied:true", "is not allowed for a proxied record"},
      {"k CNAME tenant.onmicrosoft.com. ; cf_tags=cf-proxied:true", "is not allowed for a proxied record"},
  };
  for (const auto& c : cases) {
    auto o = compile((std::string(kSoa) + c.rr + "\n").c_str());
    ASSERT_FALSE(o) << c.rr;
    EXPECT_NE(o.error().message.find(c.want), std::string::npos) << o.error().message;
  }
}

TEST(ServedTest, FailsClosedWithoutEdgeAddresses) {
  const EdgeAddresses none;
  auto o = compile((std::string(kSoa) + "www A 192.0.2.10 ; cf_tags=cf-proxied:true\n").c_str(),
                   Flattening::kAtRoot, nullptr, &none);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("t.zone:5: proxied A record www.example.com. needs an edge IPv4 address"),
            std::string::npos)
      << o.error().message;
  const EdgeAddresses v4only{{V4("203.0.113.1")}, {}};
  auto p = compile((std::string(kSoa) + "www A 192.0.2.10 ; cf_tags=cf-proxied:true\n").c_str(),
                   Flattening::kAtRoot, nullptr, &v4only);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->rrs("www.example.com.", rrtype::kAAAA).empty());  // no fallback to anything
}

TEST(ServedTest, ApexCnameIsFlattenedFromInZoneTarget) {
  auto o = compile((std::string(kSoa) + "@ CNAME web\n@ MX 10 mail\nmail A 192.0.2.25\nweb 600 A 192.0.2.80\n").c_str());
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_TRUE(o->rrs("example.com.", rrtype::kCNAME).empty());
  EXPECT_EQ(o->rrs("example.com.", rrtype::kA), std::set<std::string>{"600 192.0.2.80"});
  EXPECT_EQ(o->rrs("example.com.", rrtype::kMX).size(), 1u);
}

TEST(ServedTest, FlattenAllUsesExternalTargetsAndMinTtl) {
  FakeTargets t;
  t.m[W("lb.example.net.")] = TargetAddrs{.v4 = {V4("198.51.100.7")}, .v6 = {}, .ttl = 120};
  t.m[W("txtonly.example.net.")] = TargetAddrs{.ttl = 3600};
  auto o = compile((std::string(kSoa) + "app CNAME lb.example.net.\nkey CNAME txtonly.example.net.\n").c_str(),
                   Flattening::kAll, &t);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_TRUE(o->rrs("app.example.com.", rrtype::kCNAME).empty());
  EXPECT_EQ(o->rrs("app.example.com.", rrtype::kA), std::set<std::string>{"120 198.51.100.7"});
  // A target with no A/AAAA: the name exists with no data (NOERROR/NODATA).
  const uint32_t key = o->view->find(W("key.example.com."));
  ASSERT_NE(key, kNone);
  EXPECT_EQ(o->view->node(key).rrset_count, 0u);
  EXPECT_EQ(o->view->external_names().size(), 2u);
}

TEST(ServedTest, PerRecordFlattenAndAtRootLeaveOtherCnamesAlone) {
  FakeTargets t;
  t.m[W("lb.example.net.")] = TargetAddrs{.v4 = {V4("198.51.100.7")}, .ttl = 7200};
  auto o = compile((std::string(kSoa) + "a CNAME lb.example.net. ; cf_tags=cf-flatten-cname\nb CNAME lb.example.net.\n").c_str(),
                   Flattening::kAtRoot, &t);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->rrs("a.example.com.", rrtype::kA), std::set<std::string>{"3600 198.51.100.7"});
  EXPECT_EQ(o->rrs("b.example.com.", rrtype::kCNAME), std::set<std::string>{"3600 lb.example.net."});
}

TEST(ServedTest, UnresolvedTargetServfailsAddressesOnly) {
  FakeTargets t;
  t.m[W("down.example.net.")] = TargetAddrs{.state = TargetAddrs::State::kFailed};
  auto o = compile((std::string(kSoa) + "@ CNAME down.example.net.\n@ MX 10 mail\nmail A 192.0.2.25\n").c_str(),
                   Flattening::kAtRoot, &t);
  ASSERT_TRUE(o) << o.error().message;
  const uint32_t apex = o->view->find(W("example.com."));
  EXPECT_TRUE(o->view->node(apex).flags & node_flag::kAddrServfail);
  EXPECT_EQ(o->view->servfail_ede(W("example.com.")), 22);
  EXPECT_EQ(o->rrs("example.com.", rrtype::kMX).size(), 1u);
  auto pending = compile((std::string(kSoa) + "@ CNAME notyet.example.net.\n").c_str(), Flattening::kAtRoot, &t);
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->view->servfail_ede(W("example.com.")), 14);
}

TEST(ServedTest, CnameLoopWhileFlatteningIsAFailureNotACrash) {
  auto o = compile((std::string(kSoa) + "a CNAME b\nb CNAME a\n").c_str(), Flattening::kAll);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_TRUE(o->view->node(o->view->find(W("a.example.com."))).flags & node_flag::kAddrServfail);
}

TEST(ServedTest, ExplainSaysWhyInOrder) {
  auto o = compile((std::string(kSoa) +
                    "@ MX 10 @\n@ A 192.0.2.1 ; cf_tags=cf-proxied:true\n@ AAAA 2001:db8::1 ; cf_tags=cf-proxied:true\n"
                    "www CNAME @ ; cf_tags=cf-proxied:true\nflat CNAME www ; cf_tags=cf-flatten-cname\n")
                       .c_str());
  ASSERT_TRUE(o) << o.error().message;
  const std::string dc = dns::name_to_text(dc_name(W("example.com."), W("example.com.")));
  // The owner's MX rewrite first, then why it is proxied (made from its origin when asked).
  EXPECT_EQ(o->view->explain(W("example.com.")),
            (std::vector<std::string>{
                "MX example.com. rewritten to " + dc + " because the target is proxied (mail cannot pass the edge)",
                "proxied: A answers the edge IPv4 set, AAAA the edge IPv6 set, TTL 300; origin 192.0.2.1 / "
                "2001:db8::1 is never answered"}));
  EXPECT_EQ(o->view->explain(W("www.example.com.")),
            std::vector<std::string>{"proxied CNAME to example.com.: never shown; answers the edge addresses"});
  EXPECT_EQ(o->view->explain(W("flat.example.com.")),
            std::vector<std::string>{"flatten_cname on this record: flattened from www.example.com. "
                                     "(www.example.com. (proxied: edge addresses)), TTL 300 = min(CNAME 3600, target 300)"});
  EXPECT_EQ(o->view->explain(W(dc.c_str())),
            std::vector<std::string>{"synthesized for mail: MX target example.com. is proxied; answers the origin "
                                     "192.0.2.1 / 2001:db8::1 (the origin is exposed to anyone who looks up the MX/SRV)"});
  EXPECT_TRUE(o->view->explain(W("ns1.example.com.")).empty());
  EXPECT_EQ(o->view->origins().at(W("www.example.com.")).cname, W("example.com."));
  EXPECT_EQ(o->view->origins().at(W("www.example.com.")).v6, std::vector<std::string>{V6("2001:db8::1")});
}

TEST(ServedTest, ProxiedNamesShareOneEdgeSetInTheView) {
  auto o = compile((std::string(kSoa) + "www A 192.0.2.10 ; cf_tags=cf-proxied:true\n"
                                        "api AAAA 2001:db8::10 ; cf_tags=cf-proxied:true\n"
                                        "lb A 203.0.113.1\nlb A 203.0.113.2\n")
                       .c_str());
  ASSERT_TRUE(o) << o.error().message;
  const ZoneView& v = *o->view;
  for (uint16_t type : {rrtype::kA, rrtype::kAAAA}) {
    const RRset* a = v.rrset(v.node(v.find(W("www.example.com."))), type);
    const RRset* b = v.rrset(v.node(v.find(W("api.example.com."))), type);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->count, 2u);
    EXPECT_EQ(a->rdata_off, b->rdata_off);  // one copy of the edge set's rdata
    EXPECT_EQ(a->rdata_len, b->rdata_len);
  }
  // A stored set with the same addresses shares it too (same bytes); its TTL stays its own.
  const RRset* lb = v.rrset(v.node(v.find(W("lb.example.com."))), rrtype::kA);
  ASSERT_TRUE(lb);
  EXPECT_EQ(lb->rdata_off, v.rrset(v.node(v.find(W("www.example.com."))), rrtype::kA)->rdata_off);
  EXPECT_EQ(lb->ttl, 3600u);
  EXPECT_EQ(o->rrs("lb.example.com.", rrtype::kA), (std::set<std::string>{"3600 203.0.113.1", "3600 203.0.113.2"}));
  EXPECT_EQ(o->rrs("www.example.com.", rrtype::kA), (std::set<std::string>{"300 203.0.113.1", "300 203.0.113.2"}));
}

TEST(ServedTest, MailTargetsThroughWildcardsAndOtherZonesGetDcRecords) {
  FakeTargets t;
  t.m[W("www.example.net.")] = TargetAddrs{.v4 = {V4("203.0.113.1")}, .ttl = 300, .proxied = true,
                                           .origin_v4 = {V4("198.51.100.44")}, .detail = "(in zone example.net.)"};
  auto o = compile((std::string(kSoa) + "*.wild A 192.0.2.9 ; cf_tags=cf-proxied:true\n"
                                        "@ MX 10 mx.wild\n@ MX 20 www.example.net.\n")
                       .c_str(),
                   Flattening::kAtRoot, &t);
  ASSERT_TRUE(o) << o.error().message;
  const std::string dc1 = dns::name_to_text(dc_name(W("example.com."), W("mx.wild.example.com.")));
  const std::string dc2 = dns::name_to_text(dc_name(W("example.com."), W("www.example.net.")));
  EXPECT_EQ(o->rrs("example.com.", rrtype::kMX), (std::set<std::string>{"3600 10 " + dc1, "3600 20 " + dc2}));
  EXPECT_EQ(o->rrs(dc1.c_str(), rrtype::kA), std::set<std::string>{"300 192.0.2.9"});
  EXPECT_EQ(o->rrs(dc2.c_str(), rrtype::kA), std::set<std::string>{"300 198.51.100.44"});
  EXPECT_EQ(o->view->external_names(), std::vector<std::string>{W("www.example.net.")});
  EXPECT_EQ(o->view->explain(W("example.com.")).size(), 2u);  // both rewrites, in file order
  EXPECT_NE(o->view->explain(W("example.com."))[0].find("mx.wild.example.com."), std::string::npos);
}

}  // namespace
}  // namespace dnsedge::view
