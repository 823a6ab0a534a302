#pragma once
// The web dashboard's static files, served on the API's listener outside /client/v4. The files
// (web/, bundled by esbuild) are compiled into the binary (cmake/web_assets.cmake generates
// assets()); nothing is read from the file system. serve() answers a request from that table:
//   - GET and HEAD only (anything else: 405 with `Allow: GET, HEAD`);
//   - an exact path of the table (its query string ignored); `/` is index.html;
//   - a route of the single-page app (`/zones/ID/dns`: segments of letters, digits, `-` and `_`
//     only, no dot, no percent-escape, not under /assets/ or /client) gets index.html, so reloading a page
//     or following a link works; anything else (a dot segment, an escape, an unknown asset, a
//     path over kMaxPath bytes) is 404 or 414 and never any other file;
//   - every answer carries a strict Content-Security-Policy (scripts and styles from the page's
//     own origin only, no inline code, no framing), nosniff and no-referrer; hashed asset names
//     are cached for a year, index.html is revalidated;
//   - the precompressed copy when the client accepts gzip.
// The page holds no secret: the API token is typed in and kept in the tab's session storage.
//
// Thread safety: serve() and assets() are pure; call them from any thread.

#include <cstddef>
#include <span>
#include <string_view>

#include "api/http.h"

namespace dnsedge::api::dashboard {

struct Asset {
  std::string_view path;  // "/index.html", "/assets/main-HASH.js"
  std::string_view content_type;
  std::string_view body;
  std::string_view gzip;  // the same, gzip-compressed
  bool immutable;         // a content-hashed name
};

// The embedded files (generated at build time).
std::span<const Asset> assets();

inline constexpr size_t kMaxPath = 1024;
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// True for targets the dashboard answers: everything outside /client/v4.
bool handles(std::string_view target);

// The answer for `method` and `target` (path and query). `accept_encoding` is the request's
// Accept-Encoding header. For HEAD the body is the GET's (the server sends only its length).
HttpResponse serve(std::string_view method, std::string_view target, std::string_view accept_encoding);

}  // namespace dnsedge::api::dashboard
