// The DNSSEC timing settings: durations, the [dnssec] table and its dnssec_ top-level form, flags
// over the file, minimums and the lifetime against propagation delay + DNSKEY TTL.
#include "app/dnssec_config.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <fstream>

namespace dnsedge::app {
namespace {

using std::chrono::seconds;

struct TomlFile {
  std::string path;
  explicit TomlFile(const std::string& text) {
    char name[] = "/tmp/dnsedge-dnssec-config-XXXXXX";
    const int fd = ::mkstemp(name);
    EXPECT_GE(fd, 0);
    ::close(fd);
    path = name;
    std::ofstream(path) << text;
  }
  ~TomlFile() { std::remove(path.c_str()); }
};

TEST(DnssecConfigTest, Durations) {
  EXPECT_EQ(parse_duration("90d", "x").value(), seconds(90 * 86400));
  EXPECT_EQ(parse_duration("3600", "x").value(), seconds(3600));
  EXPECT_EQ(parse_duration("1h30m", "x").value(), seconds(5400));
  EXPECT_EQ(parse_duration("2w", "x").value(), seconds(14 * 86400));
  EXPECT_EQ(parse_duration("5s", "x").value(), seconds(5));
  for (const char* bad : {"", "0", "0s", "-5", "1y", "d", "1h30", "99999999999999999999", "1.5h", " 5"}) {
    auto r = parse_duration(bad, "--dnssec-zsk-lifetime");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("--dnssec-zsk-lifetime"), std::string::npos) << r.error().message;
  }
}

TEST(DnssecConfigTest, DefaultsWithoutFlagsOrFile) {
  auto t = resolve_dnssec_timing({}, "");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->rollover.zsk_lifetime, seconds(90 * 86400));
  EXPECT_EQ(t->rollover.dnskey_ttl, seconds(3600));
  EXPECT_EQ(t->rollover.propagation_delay, seconds(3600));
  EXPECT_EQ(t->validity.validity, seconds(14 * 86400));
}

TEST(DnssecConfigTest, TableThenFlags) {
  TomlFile f("[dnssec]\nzsk_lifetime = \"30d\"\ndnskey_ttl = 600\npropagation_delay = \"5m\"\n");
  auto t = resolve_dnssec_timing({}, f.path);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->rollover.zsk_lifetime, seconds(30 * 86400));
  EXPECT_EQ(t->rollover.dnskey_ttl, seconds(600));
  EXPECT_EQ(t->rollover.propagation_delay, seconds(300));
  DnssecFlags flags;
  flags.zsk_lifetime = "20s";
  flags.dnskey_ttl = "2s";
  flags.propagation_delay = "2";
  auto over = resolve_dnssec_timing(flags, f.path);
  ASSERT_TRUE(over) << over.error().message;
  EXPECT_EQ(over->rollover.zsk_lifetime, seconds(20));
  EXPECT_EQ(over->rollover.dnskey_ttl, seconds(2));
  EXPECT_EQ(over->rollover.propagation_delay, seconds(2));
}

TEST(DnssecConfigTest, TopLevelKeysBesideASignedZoneList) {
  TomlFile f("dnssec_zsk_lifetime = \"1d\"\n[[dnssec]]\nzone = \"example.com\"\n");
  EXPECT_TRUE(is_dnssec_timing_key("dnssec_zsk_lifetime"));
  EXPECT_FALSE(is_dnssec_timing_key("dnssec_bogus"));
  EXPECT_FALSE(is_dnssec_timing_key("zsk_lifetime"));
  auto t = resolve_dnssec_timing({}, f.path);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->rollover.zsk_lifetime, seconds(86400));
}

TEST(DnssecConfigTest, BadValuesNameTheSetting) {
  TomlFile unknown("[dnssec]\nksk_lifetime = \"1d\"\n");
  auto r = resolve_dnssec_timing({}, unknown.path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("dnssec.ksk_lifetime"), std::string::npos) << r.error().message;

  TomlFile wrong_type("[dnssec]\ndnskey_ttl = true\n");
  r = resolve_dnssec_timing({}, wrong_type.path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("dnssec.dnskey_ttl"), std::string::npos) << r.error().message;

  DnssecFlags zero;
  zero.propagation_delay = "0s";
  r = resolve_dnssec_timing(zero, "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--dnssec-propagation-delay"), std::string::npos) << r.error().message;

  DnssecFlags short_life;  // the successor would be due before its predecessor is ready
  short_life.zsk_lifetime = "10s";
  short_life.dnskey_ttl = "5s";
  short_life.propagation_delay = "5s";
  r = resolve_dnssec_timing(short_life, "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("zsk lifetime"), std::string::npos) << r.error().message;

  DnssecFlags validity;
  validity.signature_validity = "30m";  // not above the inception offset of an hour
  r = resolve_dnssec_timing(validity, "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--dnssec-signature-validity"), std::string::npos) << r.error().message;
}

TEST(DnssecConfigTest, SigningBudgetFromTableTopLevelOrFlag) {
  auto d = resolve_dnssec_timing({}, "");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->signing_budget, 8000u);
  TomlFile table("[dnssec]\nsigning_budget = 50\n");
  auto t = resolve_dnssec_timing({}, table.path);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->signing_budget, 50u);
  TomlFile top("dnssec_signing_budget = 0\n[[dnssec]]\nzone = \"example.com\"\n");
  EXPECT_TRUE(is_dnssec_timing_key("dnssec_signing_budget"));
  t = resolve_dnssec_timing({}, top.path);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->signing_budget, 0u);  // no budget
  DnssecFlags flags;
  flags.signing_budget = 16000;
  t = resolve_dnssec_timing(flags, table.path);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->signing_budget, 16000u);

  flags.signing_budget = -1;
  auto r = resolve_dnssec_timing(flags, "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--dnssec-signing-budget"), std::string::npos) << r.error().message;
  TomlFile text("[dnssec]\nsigning_budget = \"lots\"\n");
  r = resolve_dnssec_timing({}, text.path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("dnssec.signing_budget"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace dnsedge::app
