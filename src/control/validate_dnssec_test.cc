// The DNSSEC record types the API refuses: RRSIG, NSEC, NSEC3, NSEC3PARAM always; DNSKEY, CDS,
// CDNSKEY and an apex DS while the zone's DNSSEC is active or pending. The message names the type.
#include <gtest/gtest.h>

#include "control/errors.h"
#include "control/validate.h"
#include "dns/name.h"

namespace dnsedge::control {
namespace {

ZoneContext ctx(std::string status, int* asked = nullptr) {
  static view::EdgeAddresses edge{{std::string("\xcb\x00\x71\x01", 4)}, {}};
  ZoneContext z{"example.com", dns::name_from_text("example.com.").value(), &edge};
  z.dnssec_status = [status, asked] {
    if (asked != nullptr) ++*asked;
    return status;
  };
  return z;
}

RecordInput in(std::string name, std::string type, std::string content) {
  RecordInput r;
  r.name = std::move(name);
  r.type = std::move(type);
  r.content = std::move(content);
  return r;
}

constexpr const char* kDnskey =
    "256 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==";
constexpr const char* kDs = "2371 13 2 1F987CC6583E92DF0890718C42A5FE65D3D90DDE65B2A0FE0B42FA9E4B5C0F8E";

TEST(DnssecRefusalTest, SignerTypesAreNeverWritable) {
  for (const char* status : {"", "disabled", "pending", "active"}) {
    for (const char* type : {"RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "rrsig", "Nsec3param"}) {
      auto r =
          build_record(ctx(status), in("www", type, "A 13 2 3600 20300101000000 20200101000000 1 example.com. AA=="),
                       nullptr, false);
      ASSERT_FALSE(r) << type << " " << status;
      EXPECT_EQ(r.error().code, errc::kBadType);
      std::string upper(type);
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      EXPECT_EQ(r.error().message.rfind(upper + " records cannot be written", 0), 0u) << r.error().message;
    }
  }
}

TEST(DnssecRefusalTest, KeyTypesAreRefusedInASignedZone) {
  for (const char* status : {"pending", "active"}) {
    auto dnskey = build_record(ctx(status), in("@", "DNSKEY", kDnskey), nullptr, false);
    ASSERT_FALSE(dnskey);
    EXPECT_EQ(dnskey.error().code, errc::kValidation);
    EXPECT_NE(dnskey.error().message.find("DNSKEY records cannot be written in example.com"), std::string::npos)
        << dnskey.error().message;
    EXPECT_NE(dnskey.error().message.find(status), std::string::npos);
    for (const char* type : {"CDS", "CDNSKEY"}) {
      auto r = build_record(ctx(status), in("@", type, kDs), nullptr, false);
      ASSERT_FALSE(r) << type;
      EXPECT_NE(r.error().message.find(std::string(type) + " records cannot be written"), std::string::npos)
          << r.error().message;
    }
    auto apex_ds = build_record(ctx(status), in("example.com.", "DS", kDs), nullptr, false);
    ASSERT_FALSE(apex_ds);
    EXPECT_EQ(apex_ds.error().code, errc::kValidation);
    EXPECT_NE(apex_ds.error().message.find("DS records cannot be added at the apex"), std::string::npos);
    // A DS at a delegation below the apex is the child's: allowed.
    auto child_ds = build_record(ctx(status), in("child", "DS", kDs), nullptr, false);
    EXPECT_TRUE(child_ds) << child_ds.error().message;
  }
}

TEST(DnssecRefusalTest, UnsignedZonesKeepDnskeyAndDs) {
  for (const char* status : {"", "disabled"}) {
    auto dnskey = build_record(ctx(status), in("@", "DNSKEY", kDnskey), nullptr, false);
    EXPECT_TRUE(dnskey) << dnskey.error().message;
    auto ds = build_record(ctx(status), in("@", "DS", kDs), nullptr, false);
    EXPECT_TRUE(ds) << ds.error().message;
    auto cds = build_record(ctx(status), in("@", "CDS", kDs), nullptr, false);
    ASSERT_FALSE(cds);
    EXPECT_EQ(cds.error().code, errc::kBadType);
    EXPECT_NE(cds.error().message.find("CDS records cannot be written"), std::string::npos);
  }
}

TEST(DnssecRefusalTest, StatusAskedOnlyForDnssecTypes) {
  int asked = 0;
  auto a = build_record(ctx("active", &asked), in("www", "A", "192.0.2.1"), nullptr, false);
  ASSERT_TRUE(a) << a.error().message;
  auto txt = build_record(ctx("active", &asked), in("www", "TXT", "hello"), nullptr, false);
  ASSERT_TRUE(txt) << txt.error().message;
  EXPECT_EQ(asked, 0);
  // A PATCH that turns a record into a DNSKEY is refused like a POST.
  RecordInput only_type;
  only_type.type = "DNSKEY";
  only_type.content = kDnskey;
  auto p = build_record(ctx("active", &asked), only_type, &*txt, false);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, errc::kValidation);
  EXPECT_GE(asked, 1);
}

}  // namespace
}  // namespace dnsedge::control
