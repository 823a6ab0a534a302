#include "control/validate.h"

#include <gtest/gtest.h>

#include "control/errors.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::control {
namespace {

ZoneContext ctx() {
  static view::EdgeAddresses edge{{std::string("\xcb\x00\x71\x01", 4)}, {}};
  return ZoneContext{"example.com", dns::name_from_text("example.com.").value(), &edge};
}

RecordInput in(std::string name, std::string type, std::string content) {
  RecordInput r;
  r.name = std::move(name);
  r.type = std::move(type);
  r.content = std::move(content);
  return r;
}

int code_of(const Result<zone::Record>& r) { return r ? 0 : r.error().code; }

TEST(NormalizeRecordNameTest, AcceptsRelativeApexAndFullNames) {
  const auto z = ctx();
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"@", "example.com"},
      {"www", "www.example.com"},
      {"WWW", "www.example.com"},
      {"www.example.com", "www.example.com"},
      {"www.Example.COM.", "www.example.com"},
      {"example.com", "example.com"},
      {"*.example.com", "*.example.com"},
      {"*", "*.example.com"},
      {"_sip._tcp", "_sip._tcp.example.com"},
      {"s1._domainkey", "s1._domainkey.example.com"},
      {"bücher", "xn--bcher-kva.example.com"},
  };
  for (const auto& c : cases) {
    auto r = normalize_record_name(z, c.in);
    ASSERT_TRUE(r) << c.in << ": " << r.error().message;
    EXPECT_EQ(*r, c.out) << c.in;
  }
}

TEST(NormalizeRecordNameTest, RefusesNamesOutsideTheZoneAndBadLabels) {
  const auto z = ctx();
  for (const char* bad : {"", "www.other.com", "www.other.com.", "com.", "notexample.com", "a..b", "a b", "-x!y",
                          "www.example.com.evil.org"}) {
    auto r = normalize_record_name(z, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::kBadName) << bad;
  }
  EXPECT_FALSE(normalize_record_name(z, std::string(64, 'a')));
}

TEST(NormalizeZoneNameTest, LowercasesAndRequiresTwoLabels) {
  EXPECT_EQ(normalize_zone_name("Example.COM.").value(), "example.com");
  EXPECT_EQ(normalize_zone_name("münchen.de").value(), "xn--mnchen-3ya.de");
  EXPECT_FALSE(normalize_zone_name("com"));
  EXPECT_FALSE(normalize_zone_name("exa mple.com"));
  EXPECT_FALSE(normalize_zone_name("-bad.com"));
}

TEST(BuildRecordTest, ValidatesContentPerTypeWithCloudflareCodes) {
  const auto z = ctx();
  EXPECT_EQ(code_of(build_record(z, in("www", "A", "192.0.2.1"), nullptr, false)), 0);
  EXPECT_EQ(code_of(build_record(z, in("www", "A", "1.1"), nullptr, false)), errc::kBadIpv4);
  EXPECT_EQ(code_of(build_record(z, in("www", "A", "2001:db8::1"), nullptr, false)), errc::kBadIpv4);
  EXPECT_EQ(code_of(build_record(z, in("www", "AAAA", "192.0.2.1"), nullptr, false)), errc::kBadIpv6);
  EXPECT_EQ(code_of(build_record(z, in("www", "CNAME", "bad name"), nullptr, false)), errc::kBadCname);
  EXPECT_EQ(code_of(build_record(z, in("www", "CNAME", "192.0.2.1"), nullptr, false)), errc::kBadCname);
  EXPECT_EQ(code_of(build_record(z, in("www", "CNAME", "www.example.com"), nullptr, false)), errc::kBadCname);
  EXPECT_EQ(code_of(build_record(z, in("www", "BOGUS", "x"), nullptr, false)), errc::kBadType);
  EXPECT_EQ(code_of(build_record(z, in("www", "SOA", "x"), nullptr, false)), errc::kBadType);
  EXPECT_EQ(code_of(build_record(z, in("@", "NS", "ns.example.net"), nullptr, false)), errc::kValidation);
  EXPECT_EQ(code_of(build_record(z, in("x.y.other.org", "A", "192.0.2.1"), nullptr, false)), errc::kBadName);
  EXPECT_EQ(code_of(build_record(z, in("@", "MX", "mail.example.com"), nullptr, false)), errc::kValidation);
}

TEST(BuildRecordTest, NormalizesContent) {
  const auto z = ctx();
  auto aaaa = build_record(z, in("v6", "AAAA", "2001:DB8:0:0::1"), nullptr, false);
  EXPECT_EQ(aaaa->content, "2001:db8::1");
  auto cname = build_record(z, in("www", "CNAME", "Target.Example.NET."), nullptr, false);
  EXPECT_EQ(cname->content, "target.example.net");
  // TXT content is kept as written, quoted or not.
  auto txt = build_record(z, in("@", "TXT", "v=spf1 -all"), nullptr, false);
  EXPECT_EQ(txt->content, "v=spf1 -all");
  auto quoted = build_record(z, in("@", "TXT", "\"already\""), nullptr, false);
  EXPECT_EQ(quoted->content, "\"already\"");
  auto longtxt = build_record(z, in("@", "TXT", std::string(300, 'k')), nullptr, false);
  ASSERT_TRUE(longtxt);
  EXPECT_EQ(longtxt->content, std::string(300, 'k'));
  auto mx_in = in("@", "MX", "Mail.Example.com.");
  mx_in.priority = 10;
  auto mx = build_record(z, mx_in, nullptr, false);
  EXPECT_EQ(mx->content, "mail.example.com");
  EXPECT_EQ(mx->priority, 10);
  auto mx2 = build_record(z, in("@", "MX", "20 mx2.example.com"), nullptr, false);
  EXPECT_EQ(mx2->content, "mx2.example.com");
  EXPECT_EQ(mx2->priority, 20);
}

TEST(BuildRecordTest, StructuredTypesFromDataOrContent) {
  const auto z = ctx();
  RecordInput srv;
  srv.name = "_sip._tcp";
  srv.type = "SRV";
  srv.data = nlohmann::json{{"priority", 10}, {"weight", 5}, {"port", 5060}, {"target", "sip.example.com"}};
  auto r = build_record(z, srv, nullptr, false);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->content, "5 5060 sip.example.com");
  EXPECT_EQ(r->priority, 10);
  EXPECT_EQ(nlohmann::json::parse(r->data_json)["port"], 5060);

  auto srv2 = in("_sip._udp", "SRV", "1 5060 sip.example.com");
  srv2.priority = 3;
  auto r2 = build_record(z, srv2, nullptr, false);
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(r2->priority, 3);
  EXPECT_EQ(r2->content, "1 5060 sip.example.com");

  RecordInput caa;
  caa.name = "@";
  caa.type = "CAA";
  caa.data = nlohmann::json{{"flags", 0}, {"tag", "issue"}, {"value", "letsencrypt.org"}};
  auto c = build_record(z, caa, nullptr, false);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->content, "0 issue \"letsencrypt.org\"");
  EXPECT_EQ(nlohmann::json::parse(c->data_json)["value"], "letsencrypt.org");
}

TEST(BuildRecordTest, TtlAndProxiedRules) {
  const auto z = ctx();
  auto a = in("www", "A", "192.0.2.1");
  a.ttl = 29;
  EXPECT_EQ(code_of(build_record(z, a, nullptr, false)), errc::kBadTtl);
  a.ttl = 86401;
  EXPECT_EQ(code_of(build_record(z, a, nullptr, false)), errc::kBadTtl);
  a.ttl = 30;
  EXPECT_EQ(build_record(z, a, nullptr, false)->ttl, 30u);
  a.ttl = 3600;
  a.proxied = true;
  EXPECT_EQ(build_record(z, a, nullptr, false)->ttl, 1u);  // proxied: always automatic

  auto mx = in("@", "MX", "mail.example.com");
  mx.priority = 10;
  mx.proxied = true;
  EXPECT_EQ(code_of(build_record(z, mx, nullptr, false)), errc::kNotProxiable);
  auto txt = in("@", "TXT", "x");
  txt.proxied = true;
  EXPECT_EQ(code_of(build_record(z, txt, nullptr, false)), errc::kNotProxiable);

  auto edge = in("www", "A", "203.0.113.1");
  edge.proxied = true;
  EXPECT_EQ(code_of(build_record(z, edge, nullptr, false)), errc::kBlockedTarget);
  auto dkim = in("s1._domainkey", "CNAME", "s1.dkim.example.net");
  dkim.proxied = true;
  EXPECT_EQ(code_of(build_record(z, dkim, nullptr, false)), errc::kBlockedTarget);
  auto ses = in("x", "CNAME", "abc.dkim.amazonses.com");
  ses.proxied = true;
  EXPECT_EQ(code_of(build_record(z, ses, nullptr, false)), errc::kBlockedTarget);
}

TEST(BuildRecordTest, PatchKeepsAndPutResetsUnsetFields) {
  const auto z = ctx();
  auto a = in("www", "A", "192.0.2.1");
  a.ttl = 3600;
  a.comment = std::optional<std::string>("web");
  auto base = build_record(z, a, nullptr, false).value();
  base.id = "0123456789abcdef0123456789abcdef";
  RecordInput patch;
  patch.content = "192.0.2.2";
  auto p = build_record(z, patch, &base, false).value();
  EXPECT_EQ(p.id, base.id);
  EXPECT_EQ(p.content, "192.0.2.2");
  EXPECT_EQ(p.ttl, 3600u);
  EXPECT_EQ(p.comment, "web");
  RecordInput put = in("www", "A", "192.0.2.3");
  auto u = build_record(z, put, &base, true).value();
  EXPECT_EQ(u.ttl, 1u);
  EXPECT_EQ(u.comment, "");
}

TEST(CheckConflictsTest, CnameExclusivityAndDuplicates) {
  const auto z = ctx();
  auto a = build_record(z, in("www", "A", "192.0.2.1"), nullptr, false).value();
  auto cname = build_record(z, in("www", "CNAME", "x.example.net"), nullptr, false).value();
  auto txt = build_record(z, in("www", "TXT", "hi"), nullptr, false).value();
  auto apex_cname = build_record(z, in("@", "CNAME", "x.example.net"), nullptr, false).value();
  auto apex_mx = build_record(z, in("@", "MX", "10 mail.example.com"), nullptr, false).value();
  EXPECT_EQ(check_conflicts(z, cname, {&a}).error().code, errc::kAddressConflict);
  EXPECT_EQ(check_conflicts(z, a, {&cname}).error().code, errc::kAddressConflict);
  EXPECT_EQ(check_conflicts(z, txt, {&cname}).error().code, errc::kCnameConflict);
  EXPECT_EQ(check_conflicts(z, cname, {&txt}).error().code, errc::kCnameConflict);
  EXPECT_TRUE(check_conflicts(z, apex_cname, {&apex_mx}));  // flattened at the apex
  EXPECT_EQ(check_conflicts(z, a, {&a}).error().code, errc::kIdenticalRecord);
  auto a_ttl = a;
  a_ttl.ttl = 600;
  EXPECT_EQ(check_conflicts(z, a_ttl, {&a}).error().code, errc::kRecordExists);
  auto a2 = build_record(z, in("www", "A", "192.0.2.2"), nullptr, false).value();
  EXPECT_TRUE(check_conflicts(z, a2, {&a}));
}

TEST(ToZoneRecordTest, AutomaticTtlIsThreeHundredAndFlagsCarryOver) {
  const auto z = ctx();
  auto a = in("www", "A", "192.0.2.1");
  a.proxied = true;
  a.settings = nlohmann::json{{"ipv4_only", true}};
  auto r = build_record(z, a, nullptr, false).value();
  auto rr = to_zone_record(r).value();
  EXPECT_EQ(rr.ttl, 300u);
  EXPECT_TRUE(rr.proxied);
  EXPECT_TRUE(rr.ipv4_only);
  EXPECT_EQ(rr.owner, dns::name_from_text("www.example.com.").value());
  auto mx = build_record(z, in("@", "MX", "10 mail.example.com"), nullptr, false).value();
  auto mrr = to_zone_record(mx).value();
  EXPECT_EQ(dns::rdata_to_text(dns::rrtype::kMX, mrr.rdata).value(), "10 mail.example.com.");
}

// One character-string per 255 octets of `text`, in wire form.
std::string txt_wire(std::string_view text) {
  std::string out;
  for (size_t i = 0; i == 0 || i < text.size(); i += 255) {
    const std::string_view s = text.substr(i, 255);
    out += static_cast<char>(s.size());
    out += s;
  }
  return out;
}

TEST(TxtContentTest, UnquotedIsOneStringSplitAt255QuotedIsCharacterStrings) {
  const auto z = ctx();
  const std::string long_text = "v=DKIM1; p=" + std::string(289, 'k');
  for (const auto& [content, wire] : std::vector<std::pair<std::string, std::string>>{
           {"v=spf1 mx -all", txt_wire("v=spf1 mx -all")},
           {"say \"hi\" \\ there", txt_wire("say \"hi\" \\ there")},
           {"", txt_wire("")},
           {long_text, txt_wire(long_text.substr(0, 255)) + txt_wire(long_text.substr(255))},
           {"\"a\" \"b c\"", txt_wire("a") + txt_wire("b c")},
           {"\"say \\\"hi\\\"\"", txt_wire("say \"hi\"")}}) {
    auto r = build_record(z, in("t", "TXT", content), nullptr, false);
    ASSERT_TRUE(r) << content << ": " << r.error().message;
    EXPECT_EQ(r->content, content);
    auto rr = to_zone_record(*r);
    ASSERT_TRUE(rr) << content;
    EXPECT_EQ(rr->rdata, wire) << content;
  }
  // A row stored before content was kept as written (quoted) answers as it always did.
  zone::Record old;
  old.name = "t.example.com";
  old.type = "TXT";
  old.content = "\"v=spf1 mx -all\"";
  EXPECT_EQ(to_zone_record(old)->rdata, txt_wire("v=spf1 mx -all"));
}

TEST(TxtContentTest, QuotedAndUnquotedFormsOfOneTextAreOneRecord) {
  const auto z = ctx();
  auto plain = build_record(z, in("t", "TXT", "v=spf1 mx -all"), nullptr, false).value();
  auto quoted = build_record(z, in("t", "TXT", "\"v=spf1 mx -all\""), nullptr, false).value();
  auto other = build_record(z, in("t", "TXT", "\"v=spf1\" \"mx -all\""), nullptr, false).value();
  EXPECT_EQ(check_conflicts(z, quoted, {&plain}).error().code, errc::kIdenticalRecord);
  EXPECT_EQ(check_conflicts(z, plain, {&quoted}).error().code, errc::kIdenticalRecord);
  EXPECT_TRUE(check_conflicts(z, other, {&plain}));
}

TEST(TxtContentTest, ImportGivesUnquotedContentBackOnlyForTaggedLines) {
  const auto z = ctx();
  const std::string long_text(300, 'x');
  for (const std::string& content : {std::string("v=spf1 mx -all"), long_text, std::string("a \"b\"")}) {
    auto r = build_record(z, in("t", "TXT", content), nullptr, false).value();
    ASSERT_TRUE(txt_unquoted(r));
    auto rr = to_zone_record(r).value();
    EXPECT_EQ(*input_from_zone_record(rr).content, dns::rdata_to_text(rr.type, rr.rdata).value());
    rr.cf_tags.emplace_back(kTxtUnquotedTag);
    EXPECT_EQ(*input_from_zone_record(rr).content, content);
  }
  // Strings that are not one text split at 255 octets stay quoted, tag or not.
  auto two = to_zone_record(build_record(z, in("t", "TXT", "\"a\" \"b\""), nullptr, false).value()).value();
  two.cf_tags.emplace_back(kTxtUnquotedTag);
  EXPECT_EQ(*input_from_zone_record(two).content, "\"a\" \"b\"");
  EXPECT_FALSE(txt_unquoted(build_record(z, in("t", "TXT", "\"a\""), nullptr, false).value()));
}

TEST(SplitRdataTextTest, HandlesQuotes) {
  auto t = split_rdata_text("0 issue \"a \\\"b\\\" c\"");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[2], "a \"b\" c");
}

}  // namespace
}  // namespace dnsedge::control
