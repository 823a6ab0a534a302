#include "control/txt_content.h"

#include <cstdint>

#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::control {
namespace {

constexpr size_t kTxtChunk = 255;  // RFC 1035 §3.3: a character-string holds 255 octets

// TXT content without quotes → one or more quoted character-strings of at most 255 octets.
std::string txt_from_plain(std::string_view s) {
  if (s.empty()) return "\"\"";
  std::string out;
  for (size_t i = 0; i < s.size(); i += kTxtChunk) {
    if (!out.empty()) out += ' ';
    out += quote_string(s.substr(i, kTxtChunk));
  }
  return out;
}

}  // namespace

bool is_txt_type(std::string_view type) { return type == "TXT" || type == "SPF"; }

bool txt_unquoted(const zone::Record& r) { return is_txt_type(r.type) && !r.content.starts_with('"'); }

std::string quote_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string txt_rdata_text(std::string_view content) {
  return content.starts_with('"') ? std::string(content) : txt_from_plain(content);
}

std::optional<std::string> txt_plain_from_rdata(std::string_view rdata) {
  if (rdata.empty()) return std::nullopt;
  std::string out;
  size_t i = 0;
  while (i < rdata.size()) {
    const size_t len = static_cast<uint8_t>(rdata[i]);
    if (i + 1 + len > rdata.size()) return std::nullopt;
    const bool last = i + 1 + len == rdata.size();
    if (!last && len != kTxtChunk) return std::nullopt;
    out.append(rdata.substr(i + 1, len));
    i += 1 + len;
  }
  return out;
}

bool same_content(const zone::Record& a, const zone::Record& b) {
  if (a.content == b.content) return true;
  if (!is_txt_type(a.type)) return false;
  const auto type = dns::type_from_string(a.type);
  if (!type) return false;
  const std::string root(1, '\0');
  auto wa = dns::rdata_from_text(*type, txt_rdata_text(a.content), root);
  auto wb = dns::rdata_from_text(*type, txt_rdata_text(b.content), root);
  return wa && wb && *wa == *wb;
}

}  // namespace dnsedge::control
