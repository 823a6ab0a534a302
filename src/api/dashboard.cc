#include "api/dashboard.h"

#include <string>

#include "api/api.h"

namespace dnsedge::api::dashboard {
namespace {

bool route_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// "/zones/ID/dns": segments of route characters (an empty last one allowed: "/zones/").
bool route_like(std::string_view path) {
  if (path.starts_with("/assets/") || path.starts_with("/client")) return false;  // files and API typos
  for (size_t i = 1; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '/') {
      if (path[i - 1] == '/') return false;  // an empty segment
      continue;
    }
    if (!route_char(c)) return false;
  }
  return true;
}

const Asset* find(std::string_view path) {
  for (const Asset& a : assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

// True when the Accept-Encoding header lists gzip without q=0.
bool accepts_gzip(std::string_view header) {
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view item = header.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const size_t semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding == "gzip" || coding == "x-gzip") {
      if (semi == std::string_view::npos) return true;
      std::string params(item.substr(semi + 1));
      std::erase(params, ' ');
      return !(params == "q=0" || params == "q=0.0" || params == "q=0.00" || params == "q=0.000");
    }
    pos = end + 1;
  }
  return false;
}

void security_headers(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
}

HttpResponse plain(int status, std::string text) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(text);
  security_headers(r);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

bool handles(std::string_view target) {
  if (!target.starts_with(kPrefix)) return true;
  const std::string_view rest = target.substr(kPrefix.size());
  return !(rest.empty() || rest.front() == '/' || rest.front() == '?');
}

HttpResponse serve(std::string_view method, std::string_view target, std::string_view accept_encoding) {
  if (method != "GET" && method != "HEAD") {
    HttpResponse r = plain(405, "405 method not allowed: the dashboard's files answer GET and HEAD only\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (path.size() > kMaxPath) return plain(414, "414 path too long\n");
  if (path.empty() || path.front() != '/') return plain(400, "400 the path must start with /\n");
  if (path == "/") path = "/index.html";
  const Asset* asset = find(path);
  if (asset == nullptr && route_like(path)) asset = find("/index.html");
  if (asset == nullptr) return plain(404, "404 not found\n");

  HttpResponse r;
  r.content_type = std::string(asset->content_type);
  const bool gz = accepts_gzip(accept_encoding);
  r.body = std::string(gz ? asset->gzip : asset->body);
  security_headers(r);
  if (gz) r.headers.emplace_back("Content-Encoding", "gzip");
  r.headers.emplace_back("Vary", "Accept-Encoding");
  r.headers.emplace_back("Cache-Control", asset->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

}  // namespace dnsedge::api::dashboard
