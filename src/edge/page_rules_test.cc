#include "edge/page_rules.h"

#include <gtest/gtest.h>

#include "dns/name.h"
#include "dns/zonefile.h"
#include "edge/route_table.h"
#include "view/zone_view.h"

namespace dnsedge::edge {
namespace {

view::ServedPageRule rule(const char* id, const char* pattern, const char* url, int status = 301) {
  return view::ServedPageRule{id, view::UrlPattern::parse(pattern), url, status};
}

TEST(PageRuleRequestTest, HostAndPathAsRulesSeeThem) {
  EXPECT_EQ(lower_host("WWW.Example.COM:8080"), "www.example.com");
  EXPECT_EQ(lower_host("example.com."), "example.com");
  EXPECT_EQ(target_path("/a/b?c=d"), "/a/b?c=d");
  EXPECT_EQ(target_path("http://example.com:8080/a?b"), "/a?b");
  EXPECT_EQ(target_path("http://example.com"), "");
  EXPECT_EQ(target_path("*"), "");
}

TEST(FindRedirectTest, FirstMatchingRuleInOrderWins) {
  const view::ZonePageRules rules = {rule("a", "example.com/special", "https://example.com/one", 302),
                                     rule("b", "example.com/*", "https://www.example.com/$1")};
  Redirect r;
  ASSERT_EQ(find_redirect(rules, "Example.com:8080", 8080, "/special", &r), RedirectOutcome::kRedirect);
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.location, "https://example.com/one");
  ASSERT_EQ(find_redirect(rules, "example.com", 80, "/x/y?z=1", &r), RedirectOutcome::kRedirect);
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.location, "https://www.example.com/x/y?z=1");
  // Absolute-form targets match by their path; a host of another name matches nothing here.
  ASSERT_EQ(find_redirect(rules, "example.com", 80, "http://example.com/q", &r), RedirectOutcome::kRedirect);
  EXPECT_EQ(r.location, "https://www.example.com/q");
  EXPECT_EQ(find_redirect(rules, "www.example.com", 80, "/x", &r), RedirectOutcome::kNone);
  EXPECT_EQ(find_redirect(rules, "example.com", 80, "*", &r), RedirectOutcome::kNone);
  EXPECT_EQ(find_redirect({}, "example.com", 80, "/", &r), RedirectOutcome::kNone);
}

TEST(FindRedirectTest, ALocationOverTheLimitIsNotSent) {
  const view::ZonePageRules rules = {rule("a", "example.com/*", "https://example.com/$1$1$1$1$1")};
  Redirect r;
  const std::string target = "/" + std::string(4000, 'a');
  EXPECT_EQ(find_redirect(rules, "example.com", 80, target, &r), RedirectOutcome::kTooLong);
  EXPECT_EQ(find_redirect(rules, "example.com", 80, "/short", &r), RedirectOutcome::kRedirect);
}

TEST(RenderRedirectTest, StatusLocationFramingAndConnection) {
  Redirect r;
  r.status = 301;
  r.location = "https://www.example.com/a?b";
  std::string out;
  render_redirect(r, false, true, "00c0ffee00c0ffee", &out);
  ASSERT_TRUE(out.starts_with("HTTP/1.1 301 Moved Permanently\r\n")) << out;
  EXPECT_NE(out.find("\r\nLocation: https://www.example.com/a?b\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\nCF-RAY: 00c0ffee00c0ffee\r\n"), std::string::npos) << out;
  const size_t end = out.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  const std::string body = out.substr(end + 4);
  EXPECT_NE(out.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos) << out;

  r.status = 302;
  std::string get, head;
  render_redirect(r, false, false, "00c0ffee00c0ffee", &get);
  const std::string found_body = get.substr(get.find("\r\n\r\n") + 4);
  render_redirect(r, true, false, "00c0ffee00c0ffee", &head);
  ASSERT_TRUE(head.starts_with("HTTP/1.1 302 Found\r\n")) << head;
  EXPECT_NE(head.find("\r\nConnection: close\r\n"), std::string::npos) << head;
  // HEAD: the same Content-Length as the GET, no body.
  EXPECT_NE(head.find("Content-Length: " + std::to_string(found_body.size()) + "\r\n"), std::string::npos) << head;
  EXPECT_EQ(head, get.substr(0, get.size() - found_body.size()));
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
}

TEST(RouteTablePageRulesTest, RoutesCarryTheirZonesRules) {
  static const view::EdgeAddresses kEdge{{std::string("\xcb\x00\x71\x01", 4)}, {}};
  const std::string apex = dns::name_from_text("example.com.").value();
  auto zt = dns::parse_zone_text(R"(
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
@ A 192.0.2.1 ; cf_tags=cf-proxied:true
*.wild A 192.0.2.10 ; cf_tags=cf-proxied:true
)",
                                 apex, "t.zone");
  ASSERT_TRUE(zt) << zt.error().message;
  auto z = view::ZoneView::compile(apex, zt->records, view::CompileOptions{.source = "t.zone", .edge = &kEdge});
  ASSERT_TRUE(z) << z.error().message;
  auto set = std::make_shared<view::PageRuleSet>();
  set->zones[apex] = std::make_shared<const view::ZonePageRules>(
      view::ZonePageRules{rule("a", "*example.com/*", "https://www.example.com/$2")});
  auto with = RouteTable::build(*view::Catalog::build({*z}, set));
  const Route* apex_route = with->find("example.com");
  ASSERT_NE(apex_route, nullptr);
  ASSERT_NE(apex_route->page_rules, nullptr);
  EXPECT_EQ(apex_route->page_rules->front().id, "a");
  const Route* wild = with->find("x.wild.example.com");
  ASSERT_NE(wild, nullptr);
  EXPECT_NE(wild->page_rules, nullptr);
  // Without rules published, no route carries any.
  auto without = RouteTable::build(*view::Catalog::build({*z}));
  ASSERT_NE(without->find("example.com"), nullptr);
  EXPECT_EQ(without->find("example.com")->page_rules, nullptr);
}

}  // namespace
}  // namespace dnsedge::edge
