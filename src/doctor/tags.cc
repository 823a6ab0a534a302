#include "doctor/tags.h"

#include <array>

#include "doctor/util.h"

namespace dnsedge::doctor {

Result<std::vector<Tag>> parse_tags(std::string_view text) {
  std::vector<Tag> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view spec = trim(text.substr(start, end - start));
    const bool last = end >= text.size();
    if (spec.empty()) {
      // Only a trailing ";" (or an empty record) may leave an empty spec.
      if (!last && !trim(text.substr(end + 1)).empty()) {
        return make_error("empty tag at position " + std::to_string(start + 1));
      }
      break;
    }
    const size_t eq = spec.find('=');
    if (eq == std::string_view::npos) {
      return make_error("\"" + std::string(spec) + "\" is not name=value");
    }
    Tag t;
    t.name = std::string(trim(spec.substr(0, eq)));
    t.value = std::string(trim(spec.substr(eq + 1)));
    if (t.name.empty()) return make_error("tag without a name before \"=" + t.value + "\"");
    for (size_t i = 0; i < t.name.size(); ++i) {
      const char c = t.name[i];
      const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '_' && c != '-' && c != '.'))) {
        return make_error("invalid tag name \"" + t.name + "\"");
      }
    }
    if (find_tag(out, t.name) != nullptr) return make_error("tag \"" + t.name + "\" appears twice");
    out.push_back(std::move(t));
    if (last) break;
    start = end + 1;
  }
  return out;
}

const Tag* find_tag(const std::vector<Tag>& tags, std::string_view name) {
  for (const auto& t : tags) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string org_domain(std::string_view wire) {
  std::vector<std::string_view> labels;  // each with its length octet
  size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    const size_t len = static_cast<uint8_t>(wire[i]);
    labels.push_back(wire.substr(i, len + 1));
    i += len + 1;
  }
  if (labels.size() <= 2) return std::string(wire);
  static constexpr std::array<std::string_view, 14> kSecond = {"co", "com", "net", "org", "gov", "edu", "ac",
                                                               "or", "ne",  "go",  "gv",  "mil", "nom", "ltd"};
  size_t keep = 2;
  const std::string tld = ascii_lower(labels.back().substr(1));
  const std::string second = ascii_lower(labels[labels.size() - 2].substr(1));
  if (tld.size() == 2 && labels.size() >= 3) {
    for (auto s : kSecond) keep = second == s ? 3 : keep;
  }
  std::string out;
  for (size_t k = labels.size() - keep; k < labels.size(); ++k) out += labels[k];
  out += '\0';
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    clean += c;
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < clean.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = clean[i + static_cast<size_t>(k)];
      if (c == '=') {
        if (i + 4 != clean.size() || k < 2) return std::nullopt;
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[k] = val(c);
      if (v[k] < 0) return std::nullopt;
    }
    const uint32_t n = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out += static_cast<char>(n >> 16 & 0xff);
    if (pad < 2) out += static_cast<char>(n >> 8 & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

}  // namespace dnsedge::doctor
