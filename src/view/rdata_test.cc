#include "view/rdata.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "view/zone_view.h"

namespace dnsedge::view {
namespace {

namespace rrtype = dns::rrtype;

std::string W(const char* t) { return dns::name_from_text(t).value(); }

std::shared_ptr<const ZoneView> compile_zone() {
  const std::string origin = W("example.com.");
  auto zt = dns::parse_zone_text(R"(
$TTL 3600
@ SOA ns1 hostmaster 7 7200 3600 1209600 300
@ NS ns1
@ MX 20 mail2
@ MX 10 mail
ns1 A 192.0.2.53
mail A 192.0.2.25
mail2 A 192.0.2.26
www A 192.0.2.80
www A 192.0.2.81
www AAAA 2001:db8::80
alias CNAME www
_sip._tcp SRV 0 5 5060 sip
sip A 192.0.2.5
)", origin, "t.zone");
  EXPECT_TRUE(zt);
  return ZoneView::compile(origin, zt->records).value();
}

RdataRange rrs(const ZoneView& z, const char* name, uint16_t type) {
  const uint32_t id = z.find(W(name));
  EXPECT_NE(id, kNone) << name;
  const RRset* s = z.rrset(z.node(id), type);
  EXPECT_NE(s, nullptr) << name << " " << type;
  return s == nullptr ? RdataRange() : z.rdatas(*s);
}

TEST(RdataTest, SoaFields) {
  auto z = compile_zone();
  const RdataRange soa = z->rdatas(z->soa());
  ASSERT_EQ(soa.size(), 1u);
  const SoaFields f = soa.front().soa();
  EXPECT_EQ(f.mname, W("ns1.example.com."));
  EXPECT_EQ(f.rname, W("hostmaster.example.com."));
  EXPECT_EQ(f.serial, 7u);
  EXPECT_EQ(f.refresh, 7200u);
  EXPECT_EQ(f.retry, 3600u);
  EXPECT_EQ(f.expire, 1209600u);
  EXPECT_EQ(f.minimum, 300u);
  EXPECT_EQ(f.serial_offset + 20, soa.front().size());
}

TEST(RdataTest, MxPreferenceAndTargetInCanonicalOrder) {
  auto z = compile_zone();
  std::vector<std::pair<uint16_t, std::string>> got;
  for (const Rdata r : rrs(*z, "example.com.", rrtype::kMX)) got.emplace_back(r.mx_preference(), r.target(rrtype::kMX));
  const std::vector<std::pair<uint16_t, std::string>> want = {{10, W("mail.example.com.")},
                                                              {20, W("mail2.example.com.")}};
  EXPECT_EQ(got, want);
}

TEST(RdataTest, TargetsOfNsCnameAndSrv) {
  auto z = compile_zone();
  EXPECT_EQ(rrs(*z, "example.com.", rrtype::kNS).front().target(rrtype::kNS), W("ns1.example.com."));
  EXPECT_EQ(rrs(*z, "alias.example.com.", rrtype::kCNAME).front().target(rrtype::kCNAME), W("www.example.com."));
  const Rdata srv = rrs(*z, "_sip._tcp.example.com.", rrtype::kSRV).front();
  EXPECT_EQ(srv.target(rrtype::kSRV), W("sip.example.com."));
  EXPECT_EQ(srv.size(), 6 + W("sip.example.com.").size());
  // Types without a target name have none.
  EXPECT_TRUE(rrs(*z, "www.example.com.", rrtype::kA).front().target(rrtype::kA).empty());
}

TEST(RdataTest, AddressBytesOfEveryRr) {
  auto z = compile_zone();
  std::vector<std::string> v4;
  for (const Rdata r : rrs(*z, "www.example.com.", rrtype::kA)) v4.emplace_back(r.bytes());
  EXPECT_EQ(v4, (std::vector<std::string>{std::string("\xc0\x00\x02\x50", 4), std::string("\xc0\x00\x02\x51", 4)}));
  const RdataRange v6 = rrs(*z, "www.example.com.", rrtype::kAAAA);
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_EQ(v6.front().size(), 16u);
  EXPECT_EQ(v6.front().data()[0], 0x20);
  // The range agrees with the copying helper, entry for entry.
  const RRset* s = z->rrset(z->node(z->find(W("www.example.com."))), rrtype::kA);
  EXPECT_EQ(rrset_rdatas(*z, s), v4);
}

TEST(RdataTest, EmptyRange) {
  EXPECT_TRUE(RdataRange().empty());
  EXPECT_EQ(RdataRange().begin(), RdataRange().end());
}

}  // namespace
}  // namespace dnsedge::view
