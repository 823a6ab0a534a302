// AnswerInfo::kind: what kind of data answered, from the node flags the view compiler sets.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "auth/answer.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::auth {
namespace {

std::string W(const char* t) { return dns::name_from_text(t).value(); }

// External flattening targets: "fresh.ext." resolved, "old.ext." stale, "gone.ext." failed.
class Targets : public view::TargetSource {
 public:
  std::optional<view::TargetAddrs> lookup(std::string_view name) const override {
    view::TargetAddrs t;
    t.v4 = {std::string("\xc6\x33\x64\x07", 4)};
    t.ttl = 300;
    if (name == W("fresh.ext.")) {
      t.detail = "(resolved at 2026-01-01T00:00:00Z)";
    } else if (name == W("old.ext.")) {
      t.detail = "(resolved at 2026-01-01T00:00:00Z, stale: refresh failing: timeout)";
    } else if (name == W("gone.ext.")) {
      t = view::TargetAddrs{.state = view::TargetAddrs::State::kFailed, .detail = "(resolution failed: timeout)"};
    } else {
      return std::nullopt;
    }
    return t;
  }
};

std::vector<uint8_t> query(const char* qname, uint16_t qtype) {
  std::vector<uint8_t> p = {0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  const std::string n = W(qname);
  p.insert(p.end(), n.begin(), n.end());
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  return p;
}

TEST(AnswerKind, EachKindOfDataIsReported) {
  const std::string origin = W("example.com.");
  auto zt = dns::parse_zone_text(
      "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n"
      "@ CNAME fresh.ext.\n"
      "www A 192.0.2.80 ; cf_tags=cf-proxied:true\n"
      "@ MX 10 www\n"
      "flat CNAME fresh.ext. ; cf_tags=cf-flatten-cname\n"
      "old CNAME old.ext. ; cf_tags=cf-flatten-cname\n"
      "gone CNAME gone.ext. ; cf_tags=cf-flatten-cname\n"
      "plain A 192.0.2.1\n",
      origin);
  ASSERT_TRUE(zt) << zt.error().message;
  const view::EdgeAddresses edge{.v4 = {std::string("\xcb\x00\x71\x01", 4)}};
  const Targets targets;
  auto z = view::ZoneView::compile(origin, zt->records, view::CompileOptions{.edge = &edge, .targets = &targets});
  ASSERT_TRUE(z) << z.error().message;
  const auto cat = view::Catalog::build({*z});
  std::string dc;
  for (const auto& r : (*z)->records()) {
    if (r.type == dns::rrtype::kMX) dc = dns::name_to_text(r.rdata.substr(2));
  }
  ASSERT_EQ(dc.rfind("dc-", 0), 0u) << dc;

  auto kind = [&](const std::string& name, uint16_t qtype, const view::ZoneView** zone = nullptr) {
    const auto q = query(name.c_str(), qtype);
    std::vector<uint8_t> out(kMaxResponse);
    AnswerInfo info;
    EXPECT_GT(answer(*cat, q, out, Transport::kUdp, nullptr, &info), 0u) << name;
    if (zone != nullptr) *zone = info.zone;
    return info.kind;
  };
  const view::ZoneView* zone = nullptr;
  EXPECT_EQ(kind("plain.example.com.", dns::rrtype::kA, &zone), AnswerKind::kStatic);
  EXPECT_EQ(zone, z->get());
  EXPECT_EQ(kind("www.example.com.", dns::rrtype::kA), AnswerKind::kProxied);
  EXPECT_EQ(kind("example.com.", dns::rrtype::kA), AnswerKind::kFlattened);
  EXPECT_EQ(kind("flat.example.com.", dns::rrtype::kA), AnswerKind::kFlattened);
  EXPECT_EQ(kind("old.example.com.", dns::rrtype::kA), AnswerKind::kStale);
  EXPECT_EQ(kind("gone.example.com.", dns::rrtype::kA), AnswerKind::kServfail);
  EXPECT_EQ(kind(dc, dns::rrtype::kA), AnswerKind::kDcRecord);
  EXPECT_EQ(kind("nothing.example.com.", dns::rrtype::kA), AnswerKind::kStatic);  // NXDOMAIN: stored data
  EXPECT_EQ(kind("example.net.", dns::rrtype::kA, &zone), AnswerKind::kStatic);   // REFUSED
  EXPECT_EQ(zone, nullptr);
}

}  // namespace
}  // namespace dnsedge::auth
