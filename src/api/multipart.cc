#include "api/multipart.h"

#include "common/ascii.h"

namespace dnsedge::api {
namespace {

using common::ascii_lower;

// The value of `param` (e.g. "name") in a header value like `form-data; name="file"`.
std::string header_param(std::string_view value, std::string_view param) {
  size_t i = 0;
  while (i < value.size()) {
    size_t semi = value.find(';', i);
    if (semi == std::string_view::npos) semi = value.size();
    std::string_view item = value.substr(i, semi - i);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos && ascii_lower(item.substr(0, eq)) == param) {
      std::string_view v = item.substr(eq + 1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (v.size() >= 2 && v.front() == '"') {
        std::string out;
        for (size_t k = 1; k + 1 < v.size(); ++k) {
          if (v[k] == '\\' && k + 2 < v.size()) ++k;
          out += v[k];
        }
        return out;
      }
      return std::string(v);
    }
    // A quoted value may hold ';': skip to the end of the quotes.
    i = semi + 1;
  }
  return {};
}

}  // namespace

std::string multipart_boundary(std::string_view content_type) {
  const std::string ct = ascii_lower(content_type);
  if (ct.rfind("multipart/", 0) != 0) return {};
  return header_param(content_type, "boundary");
}

Result<std::map<std::string, std::string>> parse_multipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty() || boundary.size() > 200) return make_error("multipart body without a usable boundary");
  const std::string delim = "--" + std::string(boundary);
  std::map<std::string, std::string> out;
  size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return make_error("multipart body: boundary not found");
  pos += delim.size();
  for (;;) {
    if (body.substr(pos, 2) == "--") return out;  // closing delimiter
    // Skip the rest of the delimiter line.
    const size_t eol = body.find('\n', pos);
    if (eol == std::string_view::npos) return make_error("multipart body: truncated part");
    pos = eol + 1;
    // Headers end at an empty line.
    std::string name;
    for (;;) {
      size_t end = body.find('\n', pos);
      if (end == std::string_view::npos) return make_error("multipart body: truncated headers");
      std::string_view line = body.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos = end + 1;
      if (line.empty()) break;
      const size_t colon = line.find(':');
      if (colon != std::string_view::npos && ascii_lower(line.substr(0, colon)) == "content-disposition") {
        name = header_param(line.substr(colon + 1), "name");
      }
    }
    // Content runs to the next delimiter, which starts on its own line.
    size_t next = body.find(delim, pos);
    while (next != std::string_view::npos && next > pos && body[next - 1] != '\n') next = body.find(delim, next + 1);
    if (next == std::string_view::npos) return make_error("multipart body: missing closing boundary");
    size_t content_end = next;
    if (content_end > pos && body[content_end - 1] == '\n') --content_end;
    if (content_end > pos && body[content_end - 1] == '\r') --content_end;
    if (!name.empty() && !out.count(name)) out.emplace(name, std::string(body.substr(pos, content_end - pos)));
    pos = next + delim.size();
  }
}

}  // namespace dnsedge::api
