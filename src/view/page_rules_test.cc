#include "view/page_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "dns/name.h"
#include "view/zone_view.h"

namespace dnsedge::view {
namespace {

ServedPageRule rule(const char* pattern, const char* url, int status = 301) {
  return ServedPageRule{"id", UrlPattern::parse(pattern), url, status};
}

// The Location `r` gives a request for `host` + `target` on `port`, or "-" when it does not match.
std::string redirect(const ServedPageRule& r, std::string_view host, std::string_view target, uint16_t port = 80) {
  std::string scratch, location;
  return apply_rule(r, host, port, target, &scratch, &location) ? location : "-";
}

TEST(UrlPatternTest, SchemePortAndParts) {
  UrlPattern p = UrlPattern::parse("example.com/*");
  EXPECT_EQ(p.scheme, UrlPattern::Scheme::kAny);
  EXPECT_FALSE(p.has_port);
  EXPECT_EQ(p.parts, (std::vector<std::string>{"example.com/", ""}));
  EXPECT_EQ(p.wildcards(), 1u);

  p = UrlPattern::parse("HTTP://*.example.com:8080/a*b?c=*");
  EXPECT_EQ(p.scheme, UrlPattern::Scheme::kHttp);
  EXPECT_TRUE(p.has_port);
  EXPECT_EQ(p.parts, (std::vector<std::string>{"", ".example.com:8080/a", "b?c=", ""}));
  EXPECT_EQ(p.wildcards(), 3u);

  p = UrlPattern::parse("https://example.com/");
  EXPECT_EQ(p.scheme, UrlPattern::Scheme::kHttps);
  EXPECT_EQ(p.wildcards(), 0u);
  // A colon in the path is no port.
  EXPECT_FALSE(UrlPattern::parse("example.com/a:b").has_port);
}

TEST(MatchPartsTest, WildcardsMatchAnyRunNoneIncludedEachAsShortAsItCan) {
  Captures c;
  const auto parts = [](const char* p) { return UrlPattern::parse(p).parts; };
  EXPECT_TRUE(match_parts(parts("example.com/"), "example.com/", &c));
  EXPECT_FALSE(match_parts(parts("example.com/"), "example.com/x", &c));
  // Cloudflare's examples: example.com/t*st matches test, toast, trust.
  for (const char* s : {"example.com/test", "example.com/toast", "example.com/trust"}) {
    EXPECT_TRUE(match_parts(parts("example.com/t*st"), s, &c)) << s;
  }
  // example.com/foo/* does not match example.com/foo, example.com/foo* does.
  EXPECT_FALSE(match_parts(parts("example.com/foo/*"), "example.com/foo", &c));
  EXPECT_TRUE(match_parts(parts("example.com/foo*"), "example.com/foo", &c));
  EXPECT_EQ(c[0], "");
  // The query string is part of what a `*` may take.
  ASSERT_TRUE(match_parts(parts("example.com/*"), "example.com/a/b?x=1", &c));
  EXPECT_EQ(c[0], "a/b?x=1");
  // Leftmost-shortest: the first `*` stops at the first place the rest can follow.
  ASSERT_TRUE(match_parts(parts("*example.com/*"), "www.example.com/a/example.com/b", &c));
  EXPECT_EQ(c[0], "www.");
  EXPECT_EQ(c[1], "a/example.com/b");
  ASSERT_TRUE(match_parts(parts("*.example.com/*/*"), "a.b.example.com/x/y/z", &c));
  EXPECT_EQ(c[0], "a.b");
  EXPECT_EQ(c[1], "x");
  EXPECT_EQ(c[2], "y/z");
  // `*.example.com` needs a label before the zone; `*example.com` also takes the apex.
  EXPECT_FALSE(match_parts(parts("*.example.com/*"), "example.com/", &c));
  EXPECT_TRUE(match_parts(parts("*example.com/*"), "example.com/", &c));
  // The first and last parts are anchored and may not overlap.
  EXPECT_FALSE(match_parts(parts("ab*ba"), "aba", &c));
  EXPECT_TRUE(match_parts(parts("ab*ba"), "abba", &c));
  EXPECT_FALSE(match_parts(parts("a*b*c"), "ac", &c));
  EXPECT_TRUE(match_parts(parts("**"), "", &c));
}

TEST(MatchPartsTest, MoreWildcardsThanCapturesNeverMatch) {
  Captures c;
  EXPECT_TRUE(match_parts(UrlPattern::parse("*/*/*/*").parts, "a/b/c/d", &c));
  EXPECT_FALSE(match_parts(UrlPattern::parse("*/*/*/*/*").parts, "a/b/c/d/e", &c));
  // Thousands of them: refused at once, whatever the subject.
  EXPECT_FALSE(match_parts(UrlPattern::parse(std::string(5000, '*')).parts, std::string(5000, 'a'), &c));
}

TEST(RequestSubjectTest, BuiltThePatternsWay) {
  std::string s;
  ASSERT_TRUE(request_subject(UrlPattern::parse("example.com/*"), "example.com", 8080, "/a?b", &s));
  EXPECT_EQ(s, "example.com/a?b");
  ASSERT_TRUE(request_subject(UrlPattern::parse("http://example.com/*"), "example.com", 80, "/", &s));
  EXPECT_EQ(s, "example.com/");  // the scheme is not matched, only allowed
  ASSERT_TRUE(request_subject(UrlPattern::parse("example.com:8080/*"), "example.com", 8080, "/", &s));
  EXPECT_EQ(s, "example.com:8080/");
  // The edge never sees https: such a pattern has no request URL to match.
  EXPECT_FALSE(request_subject(UrlPattern::parse("https://example.com/*"), "example.com", 80, "/", &s));
}

TEST(UrlReferencesTest, CountsDollarDigitsNotEscapes) {
  UrlReferences r = url_references("https://www.example.com/$1/$2$2");
  EXPECT_EQ(r.highest, 2u);
  EXPECT_EQ(r.count, 3u);
  EXPECT_FALSE(r.zero);
  r = url_references("https://example.com/price\\$5/$");
  EXPECT_EQ(r.highest, 0u);
  EXPECT_EQ(r.count, 0u);
  EXPECT_TRUE(url_references("https://example.com/$0").zero);
  // One digit each: $12 is $1 followed by "2".
  EXPECT_EQ(url_references("https://example.com/$12").highest, 1u);
}

TEST(ExpandUrlTest, SubstitutesEscapesAndRefusesMissingWildcards) {
  Captures c{"cloud", "flare.jpg"};
  std::string out;
  ASSERT_TRUE(expand_url("http://example.com/images/$1/$2", c, 2, &out));
  EXPECT_EQ(out, "http://example.com/images/cloud/flare.jpg");
  ASSERT_TRUE(expand_url("https://example.com/\\$1-$1$", c, 2, &out));
  EXPECT_EQ(out, "https://example.com/$1-cloud$");
  EXPECT_FALSE(expand_url("https://example.com/$3", c, 2, &out));
  EXPECT_FALSE(expand_url("https://example.com/$0", c, 2, &out));
  // What may not appear in a header is percent-encoded: a CR LF cannot end the field.
  Captures bad{"a\r\nSet-Cookie: x=1", "\x80 \x7f"};
  ASSERT_TRUE(expand_url("http://example.com/$1/$2", bad, 2, &out));
  EXPECT_EQ(out, "http://example.com/a%0D%0ASet-Cookie:%20x=1/%80%20%7F");
}

TEST(ApplyRuleTest, CloudflaresDocumentedExamples) {
  // http://*.example.com/* → http://example.com/images/$1/$2.jpg
  const ServedPageRule images = rule("http://*.example.com/*", "http://example.com/images/$1/$2.jpg");
  EXPECT_EQ(redirect(images, "cloud.example.com", "/flare"), "http://example.com/images/cloud/flare.jpg");
  EXPECT_EQ(redirect(images, "example.com", "/flare"), "-");
  // example.com/* → https://www.example.com/$1, with and without a query string.
  const ServedPageRule www = rule("example.com/*", "https://www.example.com/$1", 302);
  EXPECT_EQ(redirect(www, "example.com", "/"), "https://www.example.com/");
  EXPECT_EQ(redirect(www, "example.com", "/abc?q=1"), "https://www.example.com/abc?q=1");
  EXPECT_EQ(redirect(www, "www.example.com", "/abc"), "-");
  // No wildcard: the exact URL only (the query string included).
  const ServedPageRule exact = rule("example.com/old", "https://example.com/new");
  EXPECT_EQ(redirect(exact, "example.com", "/old"), "https://example.com/new");
  EXPECT_EQ(redirect(exact, "example.com", "/old?x"), "-");
  // A port in the pattern: only requests on that port.
  const ServedPageRule port = rule("example.com:8080/*", "https://example.com/$1");
  EXPECT_EQ(redirect(port, "example.com", "/a", 8080), "https://example.com/a");
  EXPECT_EQ(redirect(port, "example.com", "/a", 80), "-");
  // https-only never applies at the edge.
  EXPECT_EQ(redirect(rule("https://example.com/*", "https://www.example.com/$1"), "example.com", "/"), "-");
}

TEST(PageRuleSetTest, FoundByApexAndCarriedByTheCatalog) {
  auto set = std::make_shared<PageRuleSet>();
  const std::string apex = dns::name_from_text("example.com.").value();
  set->zones[apex] = std::make_shared<const ZonePageRules>(ZonePageRules{rule("example.com/", "https://x.example/")});
  ASSERT_NE(set->find(apex), nullptr);
  EXPECT_EQ(set->find(apex)->size(), 1u);
  EXPECT_EQ(set->find(dns::name_from_text("example.net.").value()), nullptr);

  auto catalog = Catalog::build({}, set);
  EXPECT_EQ(catalog->page_rules().get(), set.get());
  // Without rules the catalog carries the empty set, never null.
  ASSERT_NE(Catalog::empty()->page_rules(), nullptr);
  EXPECT_TRUE(Catalog::empty()->page_rules()->zones.empty());
}

}  // namespace
}  // namespace dnsedge::view
