#include "api/dashboard.h"

#include <string>

#include <gtest/gtest.h>

namespace dnsedge::api::dashboard {
namespace {

std::string header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

const Asset& index_html() {
  for (const Asset& a : assets()) {
    if (a.path == "/index.html") return a;
  }
  throw std::runtime_error("no index.html embedded");
}

TEST(Dashboard, EmbedsIndexScriptStyleAndFavicon) {
  bool js = false, css = false, icon = false;
  for (const Asset& a : assets()) {
    EXPECT_FALSE(a.body.empty()) << a.path;
    EXPECT_FALSE(a.gzip.empty()) << a.path;
    js = js || (a.path.starts_with("/assets/") && a.path.ends_with(".js") && a.immutable);
    css = css || (a.path.starts_with("/assets/") && a.path.ends_with(".css") && a.immutable);
    icon = icon || a.path == "/favicon.svg";
  }
  EXPECT_TRUE(js && css && icon);
  EXPECT_FALSE(index_html().immutable);
  // index.html loads scripts and styles from files only (the CSP allows no inline code).
  EXPECT_EQ(index_html().body.find("<script>"), std::string_view::npos);
  EXPECT_EQ(index_html().body.find("<style"), std::string_view::npos);
  EXPECT_EQ(index_html().body.find("style="), std::string_view::npos);
}

TEST(Dashboard, RootIsIndexWithStrictHeaders) {
  const HttpResponse r = serve("GET", "/", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body, index_html().body);
  const std::string csp = header(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(r, "Content-Encoding"), "");
}

TEST(Dashboard, HashedAssetsAreImmutableAndGzipWhenAccepted) {
  for (const Asset& a : assets()) {
    if (!a.immutable) continue;
    const HttpResponse r = serve("GET", std::string(a.path) + "?v=1", "br, gzip;q=0.8");
    EXPECT_EQ(r.status, 200) << a.path;
    EXPECT_EQ(r.body, a.gzip);
    EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
    EXPECT_EQ(header(r, "Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(serve("GET", a.path, "gzip;q=0").body, a.body);
    EXPECT_EQ(serve("GET", a.path, "identity").body, a.body);
  }
}

TEST(Dashboard, ClientRoutesGetIndex) {
  for (const char* route : {"/signin", "/zones", "/zones/", "/zones/0123abcd/dns", "/zones/x/records/y", "/z?x=/../"}) {
    const HttpResponse r = serve("GET", route, "");
    EXPECT_EQ(r.status, 200) << route;
    EXPECT_EQ(r.body, index_html().body) << route;
  }
}

TEST(Dashboard, HostilePathsNeverLeaveTheEmbeddedSet) {
  for (const char* path : {"/../etc/passwd",
                           "/assets/../index.html",
                           "/%2e%2e/etc/passwd",
                           "/assets/%2e%2e%2findex.html",
                           "/zones%2f..",
                           "/..",
                           "/.",
                           "/./index.html",
                           "//etc/passwd",
                           "/assets/nope.js",
                           "/assets/",
                           "/assets/x",
                           "/index.html/",
                           "/favicon.ico",
                           "/zones/a.b",
                           "/zones\\..\\x",
                           "/.git/config",
                           "/zones/%00",
                           "/etc/passwd%00.html",
                           "/client/v4x",
                           "/client"}) {
    const HttpResponse r = serve("GET", path, "gzip");
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "text/plain; charset=utf-8") << path;
    EXPECT_EQ(r.body, "404 not found\n") << path;
    EXPECT_FALSE(header(r, "Content-Security-Policy").empty()) << path;
  }
  EXPECT_EQ(serve("GET", "relative", "").status, 400);
  EXPECT_EQ(serve("GET", "", "").status, 400);
}

TEST(Dashboard, VeryLongPathsAre414) {
  EXPECT_EQ(serve("GET", "/" + std::string(kMaxPath, 'a'), "").status, 414);
  EXPECT_EQ(serve("GET", "/" + std::string(100000, '/'), "").status, 414);
  EXPECT_EQ(serve("GET", "/" + std::string(kMaxPath - 1, 'a'), "").status, 200);  // a route, just under
}

TEST(Dashboard, OnlyGetAndHead) {
  EXPECT_EQ(serve("HEAD", "/", "").status, 200);
  for (const char* m : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "get", "BREW"}) {
    const HttpResponse r = serve(m, "/index.html", "");
    EXPECT_EQ(r.status, 405) << m;
    EXPECT_EQ(header(r, "Allow"), "GET, HEAD") << m;
  }
}

TEST(Dashboard, HandlesEverythingButTheApi) {
  EXPECT_FALSE(handles("/client/v4"));
  EXPECT_FALSE(handles("/client/v4/zones"));
  EXPECT_FALSE(handles("/client/v4?x=1"));
  EXPECT_TRUE(handles("/"));
  EXPECT_TRUE(handles("/client/v4x"));
  EXPECT_TRUE(handles("/client"));
  EXPECT_TRUE(handles("/zones"));
}

}  // namespace
}  // namespace dnsedge::api::dashboard
