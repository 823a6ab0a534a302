// DNSSEC and DANE findings: the DS at the parent against the DNSKEYs (RFC 6605's example key
// and DS), signatures expired/expiring/not yet valid, weak algorithms, DNSSEC pending in local
// mode, a TLSA in an unsigned zone, and a TLSA that must follow its MX to the dc-record.
#include <gtest/gtest.h>

#include "doctor/internal/fake_source.h"
#include "doctor/util.h"
#include "view/served.h"

namespace dnsedge::doctor {
namespace {

using namespace testing;  // NOLINT: the doctor's test helpers

// RFC 6605 §6.1: the KSK of example.net and its SHA-256 DS.
constexpr const char* kKsk =
    "@ 3600 DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==\n";
constexpr const char* kDs = "@ 3600 DS 55648 13 2 b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17\n";
constexpr const char* kOtherDs =
    "@ 3600 DS 12345 13 2 0000c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17\n";
constexpr const char* kSig64 =
    "kVh9fDkvUgoRP3MPrCO0ucC6Afi3QlBa2HQ0XWb0VU7tgGpDpxt0MbSKfTr+EX0dSNCn9ydgdK1SYu3B6CAF7Q==";

std::string net_zone(const std::string& extra) {
  return std::string(
             "@ 300 SOA ns1 hostmaster 1 3600 600 86400 300\n@ 300 NS ns1\nns1 300 A 11.22.33.53\n"
             "@ 300 MX 10 mail\nmail 300 A 11.22.33.25\n@ 300 TXT \"v=spf1 mx -all\"\n"
             "_dmarc 300 TXT \"v=DMARC1; p=reject\"\n") +
         extra;
}

std::string rrsig(const char* covered, const char* expiration, const char* inception) {
  return std::string("@ 300 RRSIG ") + covered + " 13 2 300 " + expiration + " " + inception + " 55648 example.net. " +
         kSig64 + "\n";
}

// 2026-01-01T00:00:00Z
constexpr int64_t kNow = 1767225600;

Report run_net(FakeSource& src, int64_t now = kNow) {
  Options o;
  o.now = now;
  return run(src, o, "example.net");
}

TEST(DnssecDoctorTest, DsMatchingTheKskIsFine) {
  FakeSource src(net_zone(std::string(kKsk) + kDs), "example.net.");
  const Report r = run_net(src);
  EXPECT_FALSE(has(r, "dnssec.ds_mismatch")) << dump(r);
  EXPECT_FALSE(has(r, "dnssec.algorithm")) << dump(r);
}

TEST(DnssecDoctorTest, DsMatchingNoDnskeyIsAnErrorWithTheDsToPublish) {
  FakeSource src(net_zone(std::string(kKsk) + kOtherDs), "example.net.");
  const Report r = run_net(src);
  const Finding* f = find(r, "dnssec.ds_mismatch");
  ASSERT_NE(f, nullptr) << dump(r);
  EXPECT_EQ(f->severity, Severity::kError);
  EXPECT_NE(f->fix.find("example.net. 3600 IN DS 55648 13 2 "
                        "B4C8C1FE2E7477127B27115656AD6256F424625BF5C1E2770CE6D6E37DF61D17"),
            std::string::npos)
      << f->fix;
  // A DS left at the parent of a zone that publishes no key at all.
  FakeSource unsigned_zone(net_zone(kOtherDs), "example.net.");
  const Report u = run_net(unsigned_zone);
  const Finding* g = find(u, "dnssec.ds_mismatch");
  ASSERT_NE(g, nullptr) << dump(u);
  EXPECT_NE(g->fix.find("Remove the DS"), std::string::npos) << g->fix;
}

TEST(DnssecDoctorTest, Sha1DigestIsAWarning) {
  FakeSource src(net_zone(std::string(kKsk) + kDs + "@ 3600 DS 55648 13 1 0123456789abcdef0123456789abcdef01234567\n"),
                 "example.net.");
  const Report r = run_net(src);
  EXPECT_TRUE(has(r, "dnssec.ds_digest_sha1")) << dump(r);
  EXPECT_FALSE(has(r, "dnssec.ds_mismatch")) << dump(r);  // the SHA-256 DS matches
}

TEST(DnssecDoctorTest, Signatures) {
  FakeSource valid(net_zone(std::string(kKsk) + rrsig("MX", "20260120000000", "20251220000000")), "example.net.");
  Report r = run_net(valid);
  EXPECT_FALSE(has(r, "dnssec.signature_expired") || has(r, "dnssec.signature_expiring") ||
               has(r, "dnssec.signature_not_yet_valid"))
      << dump(r);

  FakeSource expiring(net_zone(std::string(kKsk) + rrsig("MX", "20260103000000", "20251220000000")), "example.net.");
  r = run_net(expiring);
  const Finding* soon = find(r, "dnssec.signature_expiring");
  ASSERT_NE(soon, nullptr) << dump(r);
  EXPECT_EQ(soon->severity, Severity::kWarning);
  EXPECT_NE(soon->explanation.find("2026-01-03T00:00:00Z"), std::string::npos) << soon->explanation;

  FakeSource expired(net_zone(std::string(kKsk) + rrsig("SOA", "20251231000000", "20251201000000")), "example.net.");
  r = run_net(expired);
  const Finding* gone = find(r, "dnssec.signature_expired");
  ASSERT_NE(gone, nullptr) << dump(r);
  EXPECT_EQ(gone->severity, Severity::kError);

  FakeSource early(net_zone(std::string(kKsk) + rrsig("DNSKEY", "20260201000000", "20260110000000")), "example.net.");
  r = run_net(early);
  EXPECT_TRUE(has(r, "dnssec.signature_not_yet_valid")) << dump(r);

  // The warning time is an option: 1 day does not reach the 2 days left.
  Options o;
  o.now = kNow;
  o.signature_warning = std::chrono::seconds(86400);
  r = run(expiring, o, "example.net");
  EXPECT_FALSE(has(r, "dnssec.signature_expiring")) << dump(r);
}

TEST(DnssecDoctorTest, WeakAlgorithmIsAWarning) {
  FakeSource src(
      net_zone("@ 3600 DNSKEY 257 3 5 "
               "AwEAAc3PQ8Wwc3Nm8Tg8mQ4mS7ZtT2Uu8xLQbq2Zn4rtcV4ZTEhwKbpZf9qG9u5hW5x1Ll8F6p2n7yMZt6S1nV0cAa8=\n"),
      "example.net.");
  const Report r = run_net(src);
  const Finding* f = find(r, "dnssec.algorithm");
  ASSERT_NE(f, nullptr) << dump(r);
  EXPECT_NE(f->explanation.find("RSASHA1"), std::string::npos) << f->explanation;
}

TEST(DnssecDoctorTest, UnsignedZoneHasNoDnssecFindings) {
  FakeSource src(kHealthy);
  const Report r = run(src);
  for (const auto& f : r.findings) {
    EXPECT_NE(f.id.rfind("dnssec.", 0), 0u) << f.id;
    EXPECT_NE(f.id.rfind("dane.", 0), 0u) << f.id;
  }
}

constexpr const char* kTlsa =
    "_25._tcp.mail 300 TLSA 3 1 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1\n";

TEST(DaneDoctorTest, TlsaInAnUnsignedZoneIsUseless) {
  FakeSource src(std::string(kHealthy) + kTlsa);
  const Report r = run(src);
  const Finding* f = find(r, "dane.tlsa_unsigned");
  ASSERT_NE(f, nullptr) << dump(r);
  EXPECT_EQ(f->severity, Severity::kWarning);
  ASSERT_EQ(f->records.size(), 1u);
  EXPECT_NE(f->records[0].find("_25._tcp.mail.example.com."), std::string::npos) << f->records[0];
  EXPECT_NE(f->explanation.find("example.com. is not signed"), std::string::npos) << f->explanation;

  // Signed: the TLSA counts.
  FakeSource signed_zone(std::string(kHealthy) + kTlsa +
                         "@ 3600 DNSKEY 257 3 13 "
                         "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==\n");
  EXPECT_FALSE(has(run(signed_zone), "dane.tlsa_unsigned"));
  // A zone whose DNSSEC the server just turned on counts as signed as well.
  Options o;
  o.dnssec_status = "active";
  EXPECT_FALSE(has(run(src, o), "dane.tlsa_unsigned"));
}

TEST(DaneDoctorTest, TlsaMustFollowTheMxToTheDcRecord) {
  const std::string zone = std::string(kHealthy) + kTlsa;
  // mail is proxied: the served MX points at the dc-record.
  std::string proxied = zone;
  proxied.replace(proxied.find("mail     300 A 11.22.33.25"), std::string("mail     300 A 11.22.33.25").size(),
                  "mail     300 A 11.22.33.25 ; cf_tags=cf-proxied:true");
  Local local(proxied);
  ASSERT_TRUE(local.source) << local.error;
  Options o;
  o.dnssec_status = "active";
  const Report r = run(*local.source, o);
  const Finding* f = find(r, "dane.tlsa_dc_record");
  ASSERT_NE(f, nullptr) << dump(r);
  const std::string dc = name_text(view::dc_name(W("example.com."), W("mail.example.com.")));
  EXPECT_NE(f->fix.find("_25._tcp." + dc +
                        " 300 IN TLSA 3 1 1 "
                        "8CB0FC6C527506A053F4F14C8464BEBBD6DEDE2738D11468DD953D7D6A3021F1"),
            std::string::npos)
      << f->fix;

  // With the TLSA at the dc-record too, nothing to report.
  std::string both =
      proxied + "_25._tcp." + dc + " 300 TLSA 3 1 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1\n";
  Local fixed(both);
  ASSERT_TRUE(fixed.source) << fixed.error;
  EXPECT_FALSE(has(run(*fixed.source, o), "dane.tlsa_dc_record"));
}

TEST(DnssecDoctorTest, PendingInLocalModeIsInformational) {
  Local local(kHealthy);
  ASSERT_TRUE(local.source) << local.error;
  Options o;
  o.dnssec_status = "pending";
  o.dnssec_ds = "example.com. 3600 IN DS 2371 13 2 ABCD";
  const Report r = run(*local.source, o);
  const Finding* f = find(r, "dnssec.ds_pending");
  ASSERT_NE(f, nullptr) << dump(r);
  EXPECT_EQ(f->severity, Severity::kInfo);
  EXPECT_NE(f->fix.find("example.com. 3600 IN DS 2371 13 2 ABCD"), std::string::npos) << f->fix;
  o.dnssec_status = "active";
  EXPECT_FALSE(has(run(*local.source, o), "dnssec.ds_pending"));
}

}  // namespace
}  // namespace dnsedge::doctor
