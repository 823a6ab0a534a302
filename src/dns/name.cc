#include "dns/name.h"

#include <cctype>
#include <cstring>

namespace dnsedge::dns {

size_t read_name(std::span<const uint8_t> msg, size_t* pos, uint8_t out[kMaxNameLen],
                 bool lower) noexcept {
  size_t p = *pos;
  size_t len = 0;
  size_t end_pos = 0;  // position after the name as it appears at *pos (set at first pointer)
  size_t limit = p;    // a pointer must point strictly before the label that holds it
  bool jumped = false;
  for (int jumps = 0;;) {
    if (p >= msg.size()) return 0;
    const uint8_t c = msg[p];
    if (c == 0) {
      if (len + 1 > kMaxNameLen) return 0;
      out[len++] = 0;
      if (!jumped) end_pos = p + 1;
      *pos = end_pos;
      return len;
    }
    if ((c & 0xC0) == 0xC0) {
      if (p + 1 >= msg.size()) return 0;
      const size_t target = (static_cast<size_t>(c & 0x3F) << 8) | msg[p + 1];
      if (target >= limit || ++jumps > 64) return 0;  // forward or self pointer: loop guard
      if (!jumped) end_pos = p + 2;
      jumped = true;
      limit = target;
      p = target;
      continue;
    }
    if ((c & 0xC0) != 0) return 0;  // 0x40/0x80 label types are reserved (RFC 6891 §5)
    if (p + 1 + c > msg.size() || len + 1 + c + 1 > kMaxNameLen) return 0;
    out[len++] = c;
    const uint8_t* src = msg.data() + p + 1;
    if (lower) {
      for (unsigned i = 0; i < c; ++i) out[len + i] = ascii_lower(src[i]);
    } else {
      std::memcpy(out + len, src, c);
    }
    len += c;
    p += 1 + c;
    if (!jumped) limit = p;
  }
}

size_t name_length(const uint8_t* p) noexcept {
  const uint8_t* s = p;
  while (*p != 0) p += *p + 1;
  return static_cast<size_t>(p - s) + 1;
}

unsigned label_count(const uint8_t* p) noexcept {
  unsigned n = 0;
  while (*p != 0) {
    p += *p + 1;
    ++n;
  }
  return n;
}

bool is_subdomain(std::string_view name, std::string_view zone) noexcept {
  if (zone.size() > name.size()) return false;
  // Walk labels of `name` until the remainder has the zone's length, then compare.
  size_t off = 0;
  while (name.size() - off > zone.size()) off += static_cast<uint8_t>(name[off]) + 1;
  return name.size() - off == zone.size() && name.substr(off) == zone;
}

std::string_view parent(std::string_view name) noexcept {
  if (name.size() <= 1) return name;
  return name.substr(static_cast<uint8_t>(name[0]) + 1);
}

std::string name_to_text(std::string_view wire) {
  std::string out;
  size_t p = 0;
  if (wire.empty() || wire[0] == 0) return ".";
  while (p < wire.size() && wire[p] != 0) {
    const size_t n = static_cast<uint8_t>(wire[p]);
    for (size_t i = 1; i <= n && p + i < wire.size(); ++i) {
      const auto c = static_cast<unsigned char>(wire[p + i]);
      if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' ||
          c == '$') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c <= 0x20 || c >= 0x7f) {
        char buf[5];
        buf[0] = '\\';
        buf[1] = static_cast<char>('0' + c / 100);
        buf[2] = static_cast<char>('0' + (c / 10) % 10);
        buf[3] = static_cast<char>('0' + c % 10);
        buf[4] = 0;
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '.';
    p += n + 1;
  }
  return out;
}

Result<std::string> name_from_text(std::string_view text, std::string_view origin) {
  if (text.empty()) return make_error("empty name");
  if (text == "@") {
    if (origin.empty()) return make_error("'@' used without an origin");
    return std::string(origin);
  }
  if (text == ".") return std::string(1, '\0');
  std::string out;
  std::string label;
  bool absolute = false;
  auto flush = [&]() -> Result<void> {
    if (label.empty()) return make_error("empty label in '" + std::string(text) + "'");
    if (label.size() > kMaxLabelLen) return make_error("label longer than 63 octets in '" + std::string(text) + "'");
    out += static_cast<char>(label.size());
    out += label;
    label.clear();
    return {};
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size()) return make_error("dangling escape in '" + std::string(text) + "'");
      if (i + 3 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
          std::isdigit(static_cast<unsigned char>(text[i + 2])) &&
          std::isdigit(static_cast<unsigned char>(text[i + 3]))) {
        const int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) return make_error("bad escape in '" + std::string(text) + "'");
        label += static_cast<char>(v);
        i += 3;
      } else {
        label += text[++i];
      }
    } else if (c == '.') {
      if (auto r = flush(); !r) return r.error();
      if (i + 1 == text.size()) absolute = true;
    } else {
      label += c;
    }
  }
  if (!label.empty()) {
    if (auto r = flush(); !r) return r.error();
  }
  if (absolute) {
    out += '\0';
  } else {
    if (origin.empty()) return make_error("relative name '" + std::string(text) + "' without an origin");
    out += origin;
  }
  if (out.size() > kMaxNameLen) return make_error("name longer than 255 octets: '" + std::string(text) + "'");
  for (auto& ch : out) ch = static_cast<char>(ascii_lower(static_cast<uint8_t>(ch)));
  // Length octets are < 64, so lowercasing never changes them.
  return out;
}

}  // namespace dnsedge::dns
