#include "app/xfr_wiring.h"

#include <gtest/gtest.h>

#include "dns/name.h"

namespace dnsedge::app {
namespace {

std::string W(const char* t) { return dns::name_from_text(t).value(); }

constexpr const char* kKeys = R"(
[[xfr.tsig]]
name = "k1."
algo = "hmac-sha256."
secret = "Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy"
)";

Result<xfr::Config> parse(const std::string& text) {
  toml::table t = toml::parse(text);
  return xfr_config_from_toml(t, "dnsedge.toml");
}

std::string error_of(const std::string& text) {
  auto c = parse(text);
  EXPECT_FALSE(c) << text;
  return c ? std::string() : c.error().message;
}

TEST(XfrIncomingToml, ParsesSecondaryZones) {
  auto c = parse(std::string(kKeys) + R"(
[[xfr.incoming]]
zone = "Example.ORG"
primaries = [{ ip = "192.0.2.1", port = 5353, tsig = "k1." }, { name = "b", ip = "2001:db8::2" }]
auto_refresh_seconds = 900
[[xfr.incoming]]
zone = "two.test."
primaries = [{ ip = "198.51.100.7" }]
)");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->incoming.size(), 2u);
  const auto& in = c->incoming.at(W("example.org."));
  EXPECT_EQ(in.auto_refresh, 900u);
  ASSERT_EQ(in.primaries.size(), 2u);
  EXPECT_EQ(in.primaries[0].ip, "192.0.2.1");
  EXPECT_EQ(in.primaries[0].port, 5353);
  ASSERT_NE(in.primaries[0].key, nullptr);
  EXPECT_EQ(in.primaries[0].key->name_wire(), W("k1."));
  EXPECT_EQ(in.primaries[1].name, "b");
  EXPECT_EQ(in.primaries[1].port, 53);
  EXPECT_EQ(in.primaries[1].key, nullptr);
  EXPECT_EQ(in.primaries[1].address.family, AF_INET6);
  const auto& two = c->incoming.at(W("two.test."));
  EXPECT_EQ(two.auto_refresh, 0u);  // the SOA's refresh
  EXPECT_TRUE(two.zone_id.empty());  // filled in at start, from the store
  EXPECT_TRUE(c->outgoing.empty());
}

TEST(XfrIncomingToml, RejectsBadTables) {
  const std::string k = kKeys;
  EXPECT_NE(error_of("[xfr]\nincoming = 3\n").find("dnsedge.toml: 'xfr.incoming' must be an array of tables"), std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nprimaries = [{ ip = \"192.0.2.1\" }]\n").find("needs 'zone'"), std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = 5\nprimaries = [{ ip = \"192.0.2.1\" }]\n").find("needs 'zone'"),
            std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \"a..b\"\nprimaries = [{ ip = \"192.0.2.1\" }]\n").find("zone 'a..b.'"),
            std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \".\"\nprimaries = [{ ip = \"192.0.2.1\" }]\n").find("root"), std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \"a.test\"\n").find("'primaries' is required"), std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \"a.test\"\nprimaries = []\n").find("'primaries' is required"), std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \"a.test\"\nprimaries = [\"192.0.2.1\"]\n").find("each primary must be a table"),
            std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \"a.test\"\nprimaries = [{ ip = \"192.0.2.0/24\" }]\n").find("is not an address"),
            std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \"a.test\"\nprimaries = [{ ip = \"192.0.2.1\", port = 0 }]\n")
                .find("port must be 1..65535"),
            std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \"a.test\"\nprimaries = [{ ip = \"192.0.2.1\", tsig = \"k2.\" }]\n" + k)
                .find("TSIG key 'k2.' is not defined in [[xfr.tsig]]"),
            std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \"a.test\"\nprimaries = [{ ip = \"192.0.2.1\", key = \"k1.\" }]\n")
                .find("unknown primary setting 'key'"),
            std::string::npos);
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \"a.test\"\nprimaries = [{ ip = \"192.0.2.1\" }]\nrefresh = 5\n")
                .find("unknown setting 'refresh'"),
            std::string::npos);
  for (const char* bad : {"-1", "604801", "\"60\"", "1.5"}) {
    EXPECT_NE(error_of(std::string("[[xfr.incoming]]\nzone = \"a.test\"\nprimaries = [{ ip = \"192.0.2.1\" }]\n"
                                   "auto_refresh_seconds = ") + bad + "\n")
                  .find("'auto_refresh_seconds' must be an integer 1..604800"),
              std::string::npos)
        << bad;
  }
  EXPECT_NE(error_of("[[xfr.incoming]]\nzone = \"a.test\"\nprimaries = [{ ip = \"192.0.2.1\" }]\n"
                     "[[xfr.incoming]]\nzone = \"A.TEST.\"\nprimaries = [{ ip = \"192.0.2.2\" }]\n")
                .find("dnsedge.toml: [[xfr.incoming]] A.TEST.: the zone is listed twice"),
            std::string::npos);
}

}  // namespace
}  // namespace dnsedge::app
