#include "dns/zonefile.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "common/unique_fd.h"
#include "dns/types.h"

extern "C" {
#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <libknot/errcode.h>
#include <libknot/rrset-dump.h>
#include <libknot/rrset.h>
#include <libzscanner/scanner.h>
}

namespace dnsedge::dns {

namespace {

// Used when the text has no $TTL and a record no TTL of its own.
constexpr uint32_t kDefaultTtl = 3600;
// Nesting limit for $INCLUDE (a file including itself must not recurse forever).
constexpr int kMaxIncludeDepth = 8;
// A $GENERATE line is handed to zscanner as "$INCLUDE <kGenerateMarker><index>": zscanner then
// stops at exactly that point and reports its current origin and default TTL, which the
// expansion needs. The path can never name a real file (/dev/null is not a directory).
constexpr std::string_view kGenerateMarker = "/dev/null/dnsedge-generate/";
constexpr std::string_view kTagKey = "cf_tags=";

const uint8_t* as_u8(const char* p) noexcept { return reinterpret_cast<const uint8_t*>(p); }
const char* as_chars(const uint8_t* p) noexcept { return reinterpret_cast<const char*>(p); }

char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals_prefix(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != ascii_lower(prefix[i])) return false;
  }
  return true;
}

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

// ---------------------------------------------------------------------------------------------
// Wire names

// Length of the uncompressed wire name at the start of `wire`, or 0 when it is not one.
size_t wire_name_length(std::string_view wire) noexcept {
  if (wire.empty()) return 0;
  const int len =
      knot_dname_wire_check(as_u8(wire.data()), as_u8(wire.data()) + wire.size(), nullptr);
  return len > 0 ? static_cast<size_t>(len) : 0;
}

// Lowercases the ASCII letters of the labels of the wire name at rdata[pos, pos + len).
void lowercase_name_at(std::string& bytes, size_t pos, size_t len) noexcept {
  const size_t end = pos + len;
  while (pos < end) {
    const auto label = static_cast<uint8_t>(bytes[pos]);
    if (label == 0) break;
    for (size_t i = pos + 1; i <= pos + label && i < end; ++i) bytes[i] = ascii_lower(bytes[i]);
    pos += 1 + label;
  }
}

// Presentation form with RFC 1035 §5.1 escapes, absolute ("example.com."); nullopt when `wire`
// is not exactly one well-formed uncompressed name.
std::optional<std::string> wire_to_text(std::string_view wire) {
  if (wire.empty() || wire_name_length(wire) != wire.size()) return std::nullopt;
  std::array<char, KNOT_DNAME_TXT_MAXLEN + 1> buf{};
  if (knot_dname_to_str(buf.data(), as_u8(wire.data()), buf.size()) == nullptr) {
    return std::nullopt;
  }
  return std::string(buf.data());
}

// ---------------------------------------------------------------------------------------------
// Names inside rdata, located with libknot's rdata descriptors.

bool is_dname_block(int block) noexcept {
  return block == KNOT_RDATA_WF_FIXED_DNAME || block == KNOT_RDATA_WF_COMPRESSIBLE_DNAME ||
         block == KNOT_RDATA_WF_DECOMPRESSIBLE_DNAME;
}

// Walks `rdata` along the descriptor of `type`, calling on_name(offset, length) for every
// embedded domain name. Returns true when the rdata has exactly the shape the descriptor
// describes (fixed blocks complete, names well formed, nothing left over).
template <typename OnName>
bool walk_rdata(uint16_t type, std::string_view rdata, OnName&& on_name) {
  const knot_rdata_descriptor_t* desc = knot_get_rdata_descriptor(type);
  if (desc == nullptr) return true;
  const size_t size = rdata.size();
  size_t pos = 0;
  for (int block : desc->block_types) {
    if (block == KNOT_RDATA_WF_END) break;
    if (block > 0) {
      if (size - pos < static_cast<size_t>(block)) return false;
      pos += static_cast<size_t>(block);
    } else if (is_dname_block(block)) {
      const size_t len = wire_name_length(rdata.substr(pos));
      if (len == 0) return false;
      on_name(pos, len);
      pos += len;
    } else if (block == KNOT_RDATA_WF_NAPTR_HEADER) {
      // RFC 3403 §4.1: ORDER, PREFERENCE, then FLAGS, SERVICES, REGEXP character-strings.
      if (size - pos < 4) return false;
      pos += 4;
      for (int i = 0; i < 3; ++i) {
        if (pos >= size) return false;
        const size_t len = static_cast<uint8_t>(rdata[pos]);
        if (size - pos < 1 + len) return false;
        pos += 1 + len;
      }
    } else if (block == KNOT_RDATA_WF_REMAINDER) {
      pos = size;
    } else {
      return false;
    }
  }
  return pos == size;
}

// Lowercases every domain name embedded in `rdata` (RFC 4343: names compare case-insensitively;
// dnsedge stores them lowercase).
void lowercase_rdata_names(uint16_t type, std::string& rdata) {
  (void)walk_rdata(type, rdata,
                   [&](size_t pos, size_t len) { lowercase_name_at(rdata, pos, len); });
  // libknot describes SVCB/HTTPS rdata as one opaque block; its TargetName follows the 2-octet
  // SvcPriority (RFC 9460 §2.2).
  if ((type == rrtype::kSVCB || type == rrtype::kHTTPS) && rdata.size() > 2) {
    const size_t len = wire_name_length(std::string_view(rdata).substr(2));
    if (len > 0) lowercase_name_at(rdata, 2, len);
  }
}

// Bounds-checked cursor over rdata, for the checks below.
class RdataCursor {
 public:
  explicit RdataCursor(std::string_view data) noexcept : data_(data) {}
  size_t left() const noexcept { return data_.size() - pos_; }
  bool skip(size_t n) noexcept {
    if (left() < n) return false;
    pos_ += n;
    return true;
  }
  std::optional<uint8_t> u8() noexcept {
    if (left() < 1) return std::nullopt;
    return static_cast<uint8_t>(data_[pos_++]);
  }
  std::optional<uint16_t> u16() noexcept {
    if (left() < 2) return std::nullopt;
    const auto hi = static_cast<uint8_t>(data_[pos_]);
    const auto lo = static_cast<uint8_t>(data_[pos_ + 1]);
    pos_ += 2;
    return static_cast<uint16_t>(hi << 8 | lo);
  }
  bool name() noexcept {
    const size_t len = wire_name_length(data_.substr(pos_));
    return len > 0 && skip(len);
  }
  std::string_view take(size_t n) noexcept {
    const std::string_view out = data_.substr(pos_, std::min(n, left()));
    pos_ += out.size();
    return out;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// RFC 4034 §4.1.2 type bitmap: windows in increasing order, 1-32 octets each.
bool valid_type_bitmap(RdataCursor& c) {
  int last_window = -1;
  while (c.left() > 0) {
    const auto window = c.u8();
    const auto len = c.u8();
    if (!window || !len || *window <= last_window || *len == 0 || *len > 32 || !c.skip(*len)) {
      return false;
    }
    last_window = *window;
  }
  return true;
}

// RFC 9460 §2.2: SvcParams as key/length/value, keys strictly increasing; the values of the
// keys libknot prints specially must have the shape it expects.
bool valid_svc_params(RdataCursor& c) {
  int last_key = -1;
  while (c.left() > 0) {
    const auto key = c.u16();
    const auto len = c.u16();
    if (!key || !len || static_cast<int>(*key) <= last_key || c.left() < *len) return false;
    last_key = *key;
    RdataCursor value(c.take(*len));
    switch (*key) {
      case 0:  // mandatory: a non-empty list of keys
        if (*len == 0 || *len % 2 != 0) return false;
        break;
      case 1:  // alpn: non-empty list of non-empty character-strings
        if (*len == 0) return false;
        while (value.left() > 0) {
          const auto n = value.u8();
          if (!n || *n == 0 || !value.skip(*n)) return false;
        }
        break;
      case 2:  // no-default-alpn
        if (*len != 0) return false;
        break;
      case 3:  // port
        if (*len != 2) return false;
        break;
      case 4:  // ipv4hint
        if (*len == 0 || *len % 4 != 0) return false;
        break;
      case 5:  // ech
        if (*len == 0) return false;
        break;
      case 6:  // ipv6hint
        if (*len == 0 || *len % 16 != 0) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

// True when libknot's presentation dumper can be given this rdata. libknot 3.2's dumper trusts
// lengths inside the rdata of several types and reads past the end of malformed rdata (found by
// fuzzing with a guard page: KEY, CERT, DS, SSHFP, IPSECKEY, DNSKEY, NSEC3, NSEC3PARAM, TLSA,
// SMIMEA, CDS, CDNSKEY, ZONEMD, SVCB, HTTPS, TSIG, CAA), and libzscanner accepts any octets for
// a known type written in the RFC 3597 form. Anything that fails here is printed in the generic
// "\# len hex" form instead.
bool printable_rdata(uint16_t type, std::string_view rdata) {
  if (!walk_rdata(type, rdata, [](size_t, size_t) {})) return false;
  RdataCursor c(rdata);
  switch (type) {
    case 25:  // KEY
    case rrtype::kDNSKEY:
    case 60:  // CDNSKEY: flags, protocol, algorithm, key
      return c.skip(4) && c.left() > 0;
    case 37:  // CERT: type, key tag, algorithm, certificate
      return c.skip(5) && c.left() > 0;
    case rrtype::kDS:
    case 59:  // CDS: key tag, algorithm, digest type, digest
      return c.skip(4) && c.left() > 0;
    case rrtype::kSSHFP:  // algorithm, type, fingerprint
      return c.skip(2) && c.left() > 0;
    case rrtype::kTLSA:
    case 53:  // SMIMEA: usage, selector, matching type, data
      return c.skip(3) && c.left() > 0;
    case 63:  // ZONEMD: serial, scheme, algorithm, digest
      return c.skip(6) && c.left() > 0;
    case 45: {  // IPSECKEY (RFC 4025 §2)
      if (!c.skip(1)) return false;
      const auto gateway_type = c.u8();
      if (!gateway_type || !c.skip(1)) return false;
      switch (*gateway_type) {
        case 0:
          break;
        case 1:
          if (!c.skip(4)) return false;
          break;
        case 2:
          if (!c.skip(16)) return false;
          break;
        case 3:
          if (!c.name()) return false;
          break;
        default:
          return false;
      }
      return c.left() > 0;
    }
    case rrtype::kNSEC3: {  // RFC 5155 §3.2
      if (!c.skip(4)) return false;
      const auto salt = c.u8();
      if (!salt || !c.skip(*salt)) return false;
      const auto hash = c.u8();
      if (!hash || *hash == 0 || !c.skip(*hash)) return false;
      return valid_type_bitmap(c);
    }
    case 51: {  // NSEC3PARAM (RFC 5155 §4.2)
      if (!c.skip(4)) return false;
      const auto salt = c.u8();
      return salt && c.skip(*salt) && c.left() == 0;
    }
    case rrtype::kNSEC:  // next name, bitmap
      return c.name() && valid_type_bitmap(c);
    case 62:  // CSYNC: serial, flags, bitmap
      return c.skip(6) && valid_type_bitmap(c);
    case rrtype::kSVCB:
    case rrtype::kHTTPS:
      return c.skip(2) && c.name() && valid_svc_params(c);
    case rrtype::kTSIG: {  // RFC 8945 §4.2
      if (!c.name() || !c.skip(8)) return false;
      const auto mac = c.u16();
      if (!mac || !c.skip(*mac) || !c.skip(4)) return false;
      const auto other = c.u16();
      return other && c.skip(*other) && c.left() == 0;
    }
    case rrtype::kCAA: {  // RFC 8659 §4.1: flags, tag length, tag, value
      if (!c.skip(1)) return false;
      const auto tag_len = c.u8();
      if (!tag_len || *tag_len == 0) return false;
      const std::string_view tag = c.take(*tag_len);
      return tag.size() == *tag_len && std::all_of(tag.begin(), tag.end(), [](char ch) {
               return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9');
             });
    }
    default:
      return true;
  }
}

// Rdata given in the RFC 3597 form ("\\# 3 010203") reaches us unchecked even for known types;
// it must at least have the layout libknot's descriptor gives the type (names well formed,
// fixed fields complete), because the wire writer compresses and decompresses those names.
bool well_formed_rdata(uint16_t type, const char* data, size_t len) {
  return walk_rdata(type, std::string_view(data, len), [](size_t, size_t) {});
}

std::string malformed_reason(uint16_t type) {
  return "malformed rdata for type " + type_to_string(type);
}

// ---------------------------------------------------------------------------------------------
// Source text: lines, comments, logical entries.

struct LineInfo {
  std::string_view text;     // the whole line, without its '\n'
  std::string_view content;  // the line up to (not including) its comment
  std::string_view comment;  // after the ';' that starts the comment; empty when none
  uint32_t entry_end = 0;    // last line (1-based) of the entry this line belongs to
  bool entry_start = false;  // the line starts an entry (it does not continue a "( ... )")
};

struct OpenParen {
  uint32_t line = 0;  // line of a '(' that is never closed; 0 when all are closed
};

// Splits `text` into lines and finds, per line, where its comment starts and which logical
// entry (a record or directive, possibly spread over lines by parentheses, RFC 1035 §5.1) it
// belongs to. A ';' inside a quoted string or escaped with '\' does not start a comment.
std::vector<LineInfo> analyze_lines(std::string_view text, OpenParen* open_paren) {
  std::vector<LineInfo> lines;
  size_t line_start = 0;
  size_t comment_pos = std::string_view::npos;
  size_t entry_first = 0;  // index into `lines` of the first line of the current entry
  bool in_quote = false;
  int depth = 0;
  uint32_t paren_line = 0;

  auto finish_line = [&](size_t end) {
    LineInfo info;
    info.text = text.substr(line_start, end - line_start);
    if (comment_pos == std::string_view::npos) {
      info.content = info.text;
    } else {
      info.content = text.substr(line_start, comment_pos - line_start);
      info.comment = text.substr(comment_pos + 1, end - comment_pos - 1);
    }
    info.entry_start = lines.size() == entry_first;
    lines.push_back(info);
    if (depth == 0) {
      in_quote = false;
      for (size_t i = entry_first; i < lines.size(); ++i) {
        lines[i].entry_end = static_cast<uint32_t>(lines.size());
      }
      entry_first = lines.size();
    }
    comment_pos = std::string_view::npos;
    line_start = end + 1;
  };

  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      finish_line(i);
      continue;
    }
    if (comment_pos != std::string_view::npos) continue;
    if (c == '\\') {
      if (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (in_quote) {
      if (c == '"') in_quote = false;
      continue;
    }
    switch (c) {
      case '"':
        in_quote = true;
        break;
      case ';':
        comment_pos = i;
        break;
      case '(':
        if (depth++ == 0) paren_line = static_cast<uint32_t>(lines.size() + 1);
        break;
      case ')':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  if (line_start < text.size()) finish_line(text.size());
  for (size_t i = entry_first; i < lines.size(); ++i) {
    lines[i].entry_end = static_cast<uint32_t>(lines.size());
  }
  if (open_paren != nullptr) open_paren->line = depth > 0 ? paren_line : 0;
  return lines;
}

// "; hello cf_tags=cf-proxied:true,cf-flatten-cname" -> {"cf-proxied:true", "cf-flatten-cname"}.
// The value runs from "cf_tags=" to the next blank or the end of the comment.
std::vector<std::string> parse_cf_tags(std::string_view comment) {
  size_t pos = 0;
  while ((pos = comment.find(kTagKey, pos)) != std::string_view::npos) {
    if (pos == 0 || is_blank(comment[pos - 1]) || comment[pos - 1] == ';') break;
    ++pos;
  }
  std::vector<std::string> tags;
  if (pos == std::string_view::npos) return tags;
  std::string_view value = comment.substr(pos + kTagKey.size());
  const size_t end = value.find_first_of(" \t");
  if (end != std::string_view::npos) value = value.substr(0, end);
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view tag = value.substr(0, comma);
    if (!tag.empty()) tags.emplace_back(tag);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return tags;
}

std::vector<std::string_view> split_blanks(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (is_blank(text[i]) || text[i] == '(' || text[i] == ')')) ++i;
    const size_t start = i;
    while (i < text.size() && !is_blank(text[i]) && text[i] != '(' && text[i] != ')') ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  return tokens;
}

// libzscanner accepts only printable ASCII in names and text; other octets (UTF-8 in a TXT
// string, say) are handed over as RFC 1035 §5.1 "\DDD" escapes, which mean the same octets.
void append_escaping_non_ascii(std::string& out, std::string_view text) {
  bool ascii = true;
  for (char c : text) ascii &= static_cast<uint8_t>(c) < 0x80;
  if (ascii) {  // the common case: one append
    out.append(text);
    return;
  }
  for (char c : text) {
    const auto u = static_cast<uint8_t>(c);
    if (u < 0x80) {
      out.push_back(c);
      continue;
    }
    out.push_back('\\');
    out.push_back(static_cast<char>('0' + u / 100));
    out.push_back(static_cast<char>('0' + u / 10 % 10));
    out.push_back(static_cast<char>('0' + u % 10));
  }
}

std::string normalize_newlines(std::string_view text) {
  if (text.find('\r') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out.push_back(text[i]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// $GENERATE (BIND 9 syntax): $GENERATE start-stop[/step] lhs [ttl] [class] type rhs
// "$" in lhs and rhs is the iterator, "${offset[,width[,base]]}" formats it (base d, o, x, X,
// n, N: nibble labels), "$$" is a literal dollar sign and escapes ("\$") pass through.

struct Generate {
  uint32_t line = 0;         // 1-based source line of the directive
  std::string_view content;  // the directive without its comment
};

struct Range {
  uint64_t start = 0, stop = 0, step = 1;
};

std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

std::optional<Range> parse_range(std::string_view text) {
  constexpr uint64_t kMax = 0x7FFFFFFF;
  Range range;
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    auto step = parse_decimal(text.substr(slash + 1), kMax);
    if (!step || *step == 0) return std::nullopt;
    range.step = *step;
    text = text.substr(0, slash);
  }
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto start = parse_decimal(text.substr(0, dash), kMax);
  auto stop = parse_decimal(text.substr(dash + 1), kMax);
  if (!start || !stop || *start > *stop) return std::nullopt;
  range.start = *start;
  range.stop = *stop;
  return range;
}

// BIND's nibble mode: hex digits from the least significant, dot-separated; `width` counts the
// output characters including the dots.
std::string nibbles(uint64_t value, uint64_t width, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  do {
    out.push_back(digits[value & 0xF]);
    value >>= 4;
    if (width > 0) --width;
    if (width > 0 || value != 0) {
      out.push_back('.');
      if (width > 0) --width;
    }
  } while (value != 0 || width > 0);
  return out;
}

std::string format_number(uint64_t value, uint64_t width, char base) {
  if (base == 'n' || base == 'N') return nibbles(value, width, base == 'N');
  std::string digits;
  const uint64_t radix = base == 'o' ? 8 : (base == 'x' || base == 'X') ? 16 : 10;
  const char* alphabet = base == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits.push_back(alphabet[value % radix]);
    value /= radix;
  } while (value != 0);
  while (digits.size() < width) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::optional<std::string> substitute(std::string_view tmpl, uint64_t iterator) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    const char c = tmpl[i];
    if (c == '\\' && i + 1 < tmpl.size()) {
      // Escapes pass through untouched ("\$" stays an escaped dollar sign for the name parser).
      out.push_back(c);
      out.push_back(tmpl[++i]);
      continue;
    }
    if (c != '$') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < tmpl.size() && tmpl[i + 1] == '$') {  // "$$" is a literal '$'
      out.push_back('$');
      ++i;
      continue;
    }
    if (i + 1 >= tmpl.size() || tmpl[i + 1] != '{') {
      out += std::to_string(iterator);
      continue;
    }
    const size_t close = tmpl.find('}', i + 2);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view spec = tmpl.substr(i + 2, close - i - 2);
    i = close;
    // offset[,width[,base]]
    std::array<std::string_view, 3> parts{};
    for (size_t k = 0; k < parts.size(); ++k) {
      const size_t comma = spec.find(',');
      parts[k] = spec.substr(0, comma);
      if (comma == std::string_view::npos) {
        spec = {};
        break;
      }
      spec.remove_prefix(comma + 1);
      if (k == parts.size() - 1) return std::nullopt;  // too many fields
    }
    bool negative = false;
    std::string_view offset_text = parts[0];
    if (!offset_text.empty() && (offset_text[0] == '-' || offset_text[0] == '+')) {
      negative = offset_text[0] == '-';
      offset_text.remove_prefix(1);
    }
    const auto offset = parse_decimal(offset_text, 0x7FFFFFFF);
    const auto width = parts[1].empty() ? std::optional<uint64_t>(0) : parse_decimal(parts[1], 255);
    const char base = parts[2].empty() ? 'd' : parts[2][0];
    if (!offset || !width || parts[2].size() > 1 ||
        std::string_view("doxXnN").find(base) == std::string_view::npos) {
      return std::nullopt;
    }
    if (negative && *offset > iterator) return std::nullopt;
    const uint64_t value = negative ? iterator - *offset : iterator + *offset;
    out += format_number(value, *width, base);
  }
  return out;
}

// Expands one $GENERATE directive into master-file lines; on failure returns the reason.
// `*used` counts the records the parse generated so far, `limit` bounds it: a range that would
// pass the limit fails before anything is generated.
Result<std::string> expand_generate(std::string_view content, uint64_t limit, uint64_t* used) {
  auto tokens = split_blanks(content);
  if (tokens.size() < 5) return make_error("$GENERATE: expected range, lhs, type and rhs");
  const auto range = parse_range(tokens[1]);
  if (!range) return make_error("$GENERATE: invalid range '" + std::string(tokens[1]) + "'");
  const uint64_t count = (range->stop - range->start) / range->step + 1;
  if (count > limit - std::min(*used, limit)) {
    std::string why = "$GENERATE: the range makes " + std::to_string(count) + " records";
    if (*used > 0) why += ", " + std::to_string(*used) + " were generated before it";
    return make_error(why + ": more than the limit of " + std::to_string(limit) +
                      " generated records per zone file or import");
  }
  *used += count;
  const std::string_view lhs = tokens[2];
  // Everything after lhs ([ttl] [class] type rhs) is substituted as one template.
  const size_t rest_pos = static_cast<size_t>(lhs.data() + lhs.size() - content.data());
  std::string_view rest = content.substr(rest_pos);
  while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
  while (!rest.empty() && is_blank(rest.back())) rest.remove_suffix(1);

  std::string out;
  for (uint64_t i = range->start; i <= range->stop; i += range->step) {
    auto owner = substitute(lhs, i);
    auto data = substitute(rest, i);
    if (!owner || !data) return make_error("$GENERATE: invalid ${offset,width,base} modifier");
    out += *owner;
    out += ' ';
    out += *data;
    out += '\n';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Files

struct FileText {
  std::string text;
  int error = 0;  // errno when reading failed
};

FileText read_file(const std::string& path) {
  FileText result;
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    result.error = errno;
    return result;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    result.error = errno;
    return result;
  }
  if (S_ISDIR(st.st_mode)) {
    result.error = EISDIR;
    return result;
  }
  std::array<char, 65536> buf{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      result.error = errno;
      return result;
    }
    if (n == 0) break;
    result.text.append(buf.data(), static_cast<size_t>(n));
  }
  return result;
}

std::string dir_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// "zones/example.com.zone", "example.com.db", "db.example.com" -> "example.com."
std::string origin_from_file_name(std::string_view path) {
  const size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (std::string_view suffix : {".zone", ".db", ".txt"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      name.remove_suffix(suffix.size());
      break;
    }
  }
  if (name.size() > 3 && name.starts_with("db.")) name.remove_prefix(3);
  if (name.empty()) return {};
  std::string origin(name);
  if (origin.back() != '.') origin.push_back('.');
  return origin;
}

// ---------------------------------------------------------------------------------------------
// The scanner

// Owns a zscanner context (about 200 KiB, so on the heap) and deinitializes it.
class Scanner {
 public:
  Scanner() : s_(std::make_unique_for_overwrite<zs_scanner_t>()) {}
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;
  ~Scanner() {
    if (initialized_) zs_deinit(s_.get());
  }

  bool init(const std::string& origin_text, uint32_t default_ttl) {
    initialized_ = true;
    return zs_init(s_.get(), origin_text.c_str(), KNOT_CLASS_IN, default_ttl) == 0;
  }
  // Directory that relative $INCLUDE paths are resolved against.
  bool set_include_dir(const std::string& dir) {
    char* copy = ::strdup(dir.c_str());
    if (copy == nullptr) return false;
    std::free(s_->path);
    s_->path = copy;
    return true;
  }
  zs_scanner_t* operator->() const noexcept { return s_.get(); }
  zs_scanner_t* get() const noexcept { return s_.get(); }

 private:
  std::unique_ptr<zs_scanner_t> s_;
  bool initialized_ = false;
};

std::string line_prefix(std::string_view source, uint32_t line) {
  std::string out(source);
  out += ':';
  out += std::to_string(line);
  out += ": ";
  return out;
}

bool is_class_token(std::string_view token) {
  for (std::string_view name : {"IN", "CH", "HS", "NONE", "ANY"}) {
    if (token.size() == name.size() && iequals_prefix(token, name)) return true;
  }
  return token.size() > 5 && iequals_prefix(token, "CLASS");
}

// zscanner reports an unknown type mnemonic as "invalid number" (it then expects a TTL) or
// "unsupported record type". When the type position of the line holds an unknown mnemonic,
// say so instead.
std::optional<std::string> unknown_type_reason(const LineInfo& line) {
  if (!line.entry_start || line.text.empty() || line.text.front() == '$') return std::nullopt;
  const auto tokens = split_blanks(line.content);
  size_t k = is_blank(line.text.front()) ? 0 : 1;  // skip the owner
  for (int i = 0; i < 2 && k < tokens.size(); ++i) {
    const std::string_view t = tokens[k];
    if ((t[0] >= '0' && t[0] <= '9') || is_class_token(t)) ++k;
  }
  if (k >= tokens.size() || type_from_string(tokens[k])) return std::nullopt;
  return "unknown record type '" + std::string(tokens[k]) + "'";
}

// The reason for a zscanner error; `line` is the line it happened on, when known.
std::string describe_error(int code, const LineInfo* line) {
  std::string reason = zs_strerror(code);
  if (line == nullptr) return reason;
  if (code == ZS_BAD_NUMBER || code == ZS_UNSUPPORTED_TYPE) {
    if (auto better = unknown_type_reason(*line)) return *better;
  }
  if (line->entry_start && !line->text.empty() && line->text.front() == '$' &&
      reason.find('$') == std::string::npos) {
    const auto tokens = split_blanks(line->content);
    if (!tokens.empty()) reason = std::string(tokens[0]) + ": " + reason;
  }
  return reason;
}

struct Unit {
  std::string_view source;  // names the text in errors
  std::string_view text;    // newlines normalized
  std::string origin_text;  // initial $ORIGIN, presentation form
  uint32_t default_ttl = kDefaultTtl;
  std::string include_dir;  // empty: $INCLUDE is refused
  int depth = 0;
  // For the expansion of a $GENERATE: every record and error belongs to this parent line and
  // every record carries these tags.
  uint32_t fixed_line = 0;
  const std::vector<std::string>* fixed_tags = nullptr;
};

class ZoneParser {
 public:
  ZoneParser(std::vector<ZoneRecord>* out, const ParseLimits& limits) : out_(out), limits_(limits) {}

  // Parses `unit`, appending records. `origin_wire`, when set, receives the initial origin.
  Result<void> parse(const Unit& unit, std::string* origin_wire) {
    OpenParen open_paren;
    const std::vector<LineInfo> lines = analyze_lines(unit.text, &open_paren);

    // Replace each $GENERATE line by a marker $INCLUDE (same line count, see kGenerateMarker).
    std::vector<Generate> generates;
    std::string scan_text;
    scan_text.reserve(unit.text.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      const LineInfo& line = lines[i];
      if (line.entry_start && iequals_prefix(line.text, "$GENERATE") &&
          (line.text.size() == 9 || is_blank(line.text[9]))) {
        scan_text += "$INCLUDE ";
        scan_text += kGenerateMarker;
        scan_text += std::to_string(generates.size());
        generates.push_back({static_cast<uint32_t>(i + 1), line.content});
      } else {
        append_escaping_non_ascii(scan_text, line.text);
      }
      if (i + 1 < lines.size() || unit.text.ends_with('\n')) scan_text += '\n';
    }

    Scanner s;
    if (!s.init(unit.origin_text, unit.default_ttl)) {
      return make_error(std::string(unit.source) + ": invalid origin '" + unit.origin_text +
                        "': " + zs_strerror(s->error.code));
    }
    if (origin_wire != nullptr) {
      origin_wire->assign(as_chars(s->zone_origin), s->zone_origin_length);
      lowercase_name_at(*origin_wire, 0, origin_wire->size());
    }
    if (!unit.include_dir.empty() && !s.set_include_dir(unit.include_dir)) {
      return make_error(std::string(unit.source) + ": out of memory");
    }
    if (zs_set_input_string(s.get(), scan_text.data(), scan_text.size()) != 0) {
      return make_error(std::string(unit.source) + ": " + zs_strerror(s->error.code));
    }

    const auto line_count = static_cast<uint32_t>(lines.size());
    // zscanner's line counter can point one or two lines past the end (it appends a final
    // newline of its own); errors are reported on a line that exists.
    auto current_line = [&]() -> uint32_t {
      const uint64_t line = s->line_counter;
      return static_cast<uint32_t>(
          std::clamp<uint64_t>(line, 1, std::max<uint32_t>(line_count, 1)));
    };
    auto where = [&](uint32_t line) {
      return line_prefix(unit.source, unit.fixed_line != 0 ? unit.fixed_line : line);
    };

    for (;;) {
      const int ret = zs_parse_record(s.get());
      if (ret != 0 || s->state == ZS_STATE_ERROR) {
        uint32_t line = current_line();
        if (s->error.code == ZS_UNCLOSED_MULTILINE && open_paren.line != 0) line = open_paren.line;
        const LineInfo* info = line <= line_count ? &lines[line - 1] : nullptr;
        return make_error(where(line) + describe_error(s->error.code, info));
      }
      switch (s->state) {
        case ZS_STATE_DATA:
          if (!well_formed_rdata(s->r_type, as_chars(s->r_data), s->r_data_length)) {
            return make_error(where(current_line()) + malformed_reason(s->r_type));
          }
          add_record(unit, s.get(), lines, current_line());
          break;
        case ZS_STATE_INCLUDE: {
          const uint32_t line = current_line();
          auto included = include(unit, s.get(), generates, lines, line);
          if (!included) {
            // Errors from a nested unit already carry their location.
            return included;
          }
          break;
        }
        case ZS_STATE_EOF:
        case ZS_STATE_STOP:
          return {};
        default:
          return make_error(where(current_line()) + "unexpected scanner state");
      }
    }
  }

 private:
  void add_record(const Unit& unit, const zs_scanner_t* s, const std::vector<LineInfo>& lines,
                  uint32_t line) {
    ZoneRecord rr;
    rr.owner.assign(as_chars(s->r_owner), s->r_owner_length);
    lowercase_name_at(rr.owner, 0, rr.owner.size());
    rr.type = s->r_type;
    rr.rclass = s->r_class;
    rr.ttl = s->r_ttl;
    rr.rdata.assign(as_chars(s->r_data), s->r_data_length);
    lowercase_rdata_names(rr.type, rr.rdata);
    if (unit.fixed_line != 0) {
      rr.line = unit.fixed_line;
      if (unit.fixed_tags != nullptr) rr.cf_tags = *unit.fixed_tags;
    } else if (line >= 1 && line <= lines.size()) {
      // zscanner reports the line where the rdata ended; a closing ")" and the comment with
      // the tags may follow on a later line of the same entry.
      rr.line = lines[line - 1].entry_end;
      rr.cf_tags = parse_cf_tags(lines[rr.line - 1].comment);
    } else {
      rr.line = line;
    }
    rr.proxied = rr.has_tag("cf-proxied:true");
    rr.flatten_cname = rr.has_tag("cf-flatten-cname");
    out_->push_back(std::move(rr));
  }

  Result<void> include(const Unit& unit, const zs_scanner_t* s,
                       const std::vector<Generate>& generates, const std::vector<LineInfo>& lines,
                       uint32_t line) {
    const std::string_view file(s->include_filename);
    const std::string origin_text(as_chars(s->buffer));
    const std::string where =
        line_prefix(unit.source, unit.fixed_line != 0 ? unit.fixed_line : line);

    if (file.starts_with(kGenerateMarker)) {
      const auto index = parse_decimal(file.substr(kGenerateMarker.size()), 0xFFFFFFFF);
      if (!index || *index >= generates.size() || generates[*index].line != line) {
        return make_error(where + "invalid filename in include directive");
      }
      const Generate& gen = generates[*index];
      auto text = expand_generate(gen.content, limits_.max_generate_records, &generated_);
      if (!text) return make_error(where + text.error().message);
      const std::vector<std::string> tags = parse_cf_tags(lines[gen.line - 1].comment);
      Unit sub;
      sub.source = unit.source;
      sub.text = *text;
      sub.origin_text = origin_text;
      sub.default_ttl = s->default_ttl;
      sub.depth = unit.depth + 1;
      sub.fixed_line = unit.fixed_line != 0 ? unit.fixed_line : gen.line;
      sub.fixed_tags = &tags;
      return parse(sub, nullptr);
    }

    if (unit.include_dir.empty()) return make_error(where + "$INCLUDE is not allowed here");
    if (unit.depth >= kMaxIncludeDepth) return make_error(where + "$INCLUDE nested too deeply");
    const std::string path(file);
    const FileText content = read_file(path);
    if (content.error != 0) {
      return make_error(where + "$INCLUDE " + path +
                        ": cannot open: " + std::strerror(content.error));
    }
    const std::string text = normalize_newlines(content.text);
    Unit sub;
    sub.source = path;
    sub.text = text;
    sub.origin_text = origin_text;
    sub.default_ttl = s->default_ttl;
    sub.include_dir = dir_name(path);
    sub.depth = unit.depth + 1;
    return parse(sub, nullptr);
  }

  std::vector<ZoneRecord>* out_;
  ParseLimits limits_;
  uint64_t generated_ = 0;  // records expanded from $GENERATE so far, in every unit
};

Result<ZoneText> parse_top(std::string_view source, std::string_view raw_text,
                           std::string origin_text, std::string include_dir, const ParseLimits& limits) {
  ZoneText zone;
  const std::string text = normalize_newlines(raw_text);
  Unit unit;
  unit.source = source;
  unit.text = text;
  unit.origin_text = std::move(origin_text);
  unit.include_dir = std::move(include_dir);
  ZoneParser parser(&zone.records, limits);
  auto parsed = parser.parse(unit, &zone.origin);
  if (!parsed) return parsed.error();
  return zone;
}

std::optional<std::string> origin_to_text(std::string_view origin) {
  if (origin.empty()) return std::string(".");
  return wire_to_text(origin);
}

// ---------------------------------------------------------------------------------------------
// Printing

knot_dump_style_t dump_style(bool generic) {
  knot_dump_style_t style = KNOT_DUMP_STYLE_DEFAULT;
  style.wrap = false;
  style.show_class = true;
  style.show_ttl = true;
  style.verbose = false;
  style.empty_ttl = false;
  style.human_ttl = false;
  // RRSIG times as plain numbers (RFC 4034 §3.2 allows both): libknot prints some 32-bit values
  // as dates before 1970, which libzscanner then refuses.
  style.human_timestamp = false;
  style.generic = generic;
  style.hide_crypto = false;
  style.ascii_to_idn = nullptr;
  style.color = nullptr;
  return style;
}

// Types for which libknot can print well-formed rdata as text that libzscanner refuses or reads
// differently (found by fuzzing: out-of-range LOC and APL values, bitmaps naming types such as
// NULL, SvcParams breaking the "mandatory" rules). Their text is checked by reading it back.
bool needs_read_back(uint16_t type) noexcept {
  switch (type) {
    case 29:  // LOC
    case 42:  // APL
    case rrtype::kNSEC:
    case rrtype::kNSEC3:
    case 62:  // CSYNC
    case rrtype::kSVCB:
    case rrtype::kHTTPS:
      return true;
    default:
      return false;
  }
}

// Prints rdata in presentation form, always as text that reads back to the same octets: rdata
// that libknot cannot print faithfully is printed in the RFC 3597 generic form ("\# 3 010203").
// Keeps one scanner for read-back checks, so printing a whole zone allocates it once.
class RdataPrinter {
 public:
  std::optional<std::string> print(uint16_t type, std::string_view rdata) {
    if (rdata.size() > 0xFFFF) return std::nullopt;
    if (printable_rdata(type, rdata)) {
      auto text = dump(type, rdata, false);
      if (text && (!needs_read_back(type) || reads_back(type, *text, rdata))) return text;
    }
    return dump(type, rdata, true);
  }

 private:
  static std::optional<std::string> dump(uint16_t type, std::string_view rdata, bool generic) {
    std::array<uint8_t, 1> root{0};
    knot_rrset_t rrset;
    knot_rrset_init(&rrset, root.data(), type, KNOT_CLASS_IN, 0);
    if (knot_rrset_add_rdata(&rrset, as_u8(rdata.data()), static_cast<uint16_t>(rdata.size()),
                             nullptr) != KNOT_EOK) {
      return std::nullopt;
    }
    const knot_dump_style_t style = dump_style(generic);
    std::optional<std::string> result;
    std::string buf;
    int len = KNOT_ESPACE;
    for (size_t capacity = 256 + rdata.size() * 4;
         len == KNOT_ESPACE && capacity <= (size_t{1} << 22); capacity *= 2) {
      buf.assign(capacity, '\0');
      len = knot_rrset_txt_dump_data(&rrset, 0, buf.data(), buf.size(), &style);
    }
    if (len >= 0) {
      buf.resize(static_cast<size_t>(len));
      while (!buf.empty() && (buf.back() == ' ' || buf.back() == '\t' || buf.back() == '\n')) {
        buf.pop_back();
      }
      result = std::move(buf);
    }
    knot_rdataset_clear(&rrset.rrs, nullptr);
    return result;
  }

  bool reads_back(uint16_t type, const std::string& text, std::string_view rdata) {
    if (!scanner_) {
      scanner_ = std::make_unique<Scanner>();
      if (!scanner_->init(".", 0)) {
        scanner_.reset();
        return false;
      }
    }
    zs_scanner_t* s = scanner_->get();
    const std::string line = ". 0 IN " + type_to_string(type) + " " + text + "\n";
    bool same = false;
    int records = 0;
    if (zs_set_input_string(s, line.data(), line.size()) == 0) {
      while (zs_parse_record(s) == 0 && s->state == ZS_STATE_DATA) {
        ++records;
        same =
            s->r_type == type && std::string_view(as_chars(s->r_data), s->r_data_length) == rdata;
      }
    }
    if (s->state != ZS_STATE_EOF) {
      scanner_.reset();  // an error may leave it mid-line; start afresh next time
      return false;
    }
    return same && records == 1;
  }

  std::unique_ptr<Scanner> scanner_;
};

std::string class_to_string(uint16_t rclass) {
  std::array<char, 32> buf{};
  if (knot_rrclass_to_string(rclass, buf.data(), buf.size()) > 0) return std::string(buf.data());
  return "CLASS" + std::to_string(rclass);
}

std::string format_record_with(RdataPrinter& printer, const ZoneRecord& rr, bool with_tags) {
  std::string out = wire_to_text(rr.owner).value_or("<invalid-owner>");
  out += '\t';
  out += std::to_string(rr.ttl);
  out += '\t';
  out += class_to_string(rr.rclass);
  out += '\t';
  out += type_to_string(rr.type);
  out += '\t';
  out += printer.print(rr.type, rr.rdata).value_or("<invalid-rdata>");
  if (with_tags && !rr.cf_tags.empty()) {
    out += " ; ";
    out += kTagKey;
    for (size_t i = 0; i < rr.cf_tags.size(); ++i) {
      if (i > 0) out += ',';
      out += rr.cf_tags[i];
    }
  }
  return out;
}

}  // namespace

bool ZoneRecord::has_tag(std::string_view tag) const {
  return std::find(cf_tags.begin(), cf_tags.end(), tag) != cf_tags.end();
}

Result<ZoneText> parse_zone_file(const std::string& path, std::string_view origin, const ParseLimits& limits) {
  std::string origin_text;
  if (origin.empty()) {
    origin_text = origin_from_file_name(path);
    if (origin_text.empty()) {
      return make_error(path + ": cannot derive the origin from the file name");
    }
  } else {
    auto text = origin_to_text(origin);
    if (!text) return make_error(path + ": invalid origin");
    origin_text = std::move(*text);
  }
  const FileText content = read_file(path);
  if (content.error != 0) {
    return make_error(path + ": cannot open: " + std::strerror(content.error));
  }
  return parse_top(path, content.text, std::move(origin_text), dir_name(path), limits);
}

Result<ZoneText> parse_zone_text(std::string_view text, std::string_view origin,
                                 std::string_view source, const ParseLimits& limits) {
  auto origin_text = origin_to_text(origin);
  if (!origin_text) return make_error(std::string(source) + ": invalid origin");
  return parse_top(source, text, std::move(*origin_text), {}, limits);
}

std::string format_record(const ZoneRecord& rr, bool with_tags) {
  RdataPrinter printer;
  return format_record_with(printer, rr, with_tags);
}

std::string format_zone(std::string_view origin, const std::vector<ZoneRecord>& records) {
  RdataPrinter printer;
  std::string out = "$ORIGIN " + origin_to_text(origin).value_or(".") + "\n";
  for (const ZoneRecord& rr : records) {
    if (rr.type == rrtype::kSOA) out += format_record_with(printer, rr, true) + "\n";
  }
  for (const ZoneRecord& rr : records) {
    if (rr.type != rrtype::kSOA) out += format_record_with(printer, rr, true) + "\n";
  }
  return out;
}

namespace {

// A and AAAA in their plain forms ("192.0.2.1", "2001:db8::1"), without the scanner: setting one
// up clears about 200 KiB, which made it most of the cost of an API write of an address record.
// Anything else (other spellings, comments, several fields) takes the scanner's path.
std::optional<std::string> plain_address(uint16_t type, std::string_view text) {
  if (type != rrtype::kA && type != rrtype::kAAAA) return std::nullopt;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty() || text.size() > 45) return std::nullopt;
  if (type == rrtype::kA) {
    // Four decimal octets, no leading zeros.
    int dots = 0;
    size_t run = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '.') {
        if (run == 0) return std::nullopt;
        ++dots;
        run = 0;
      } else if (c >= '0' && c <= '9') {
        if (run == 1 && text[i - 1] == '0') return std::nullopt;
        if (++run > 3) return std::nullopt;
      } else {
        return std::nullopt;
      }
    }
    if (dots != 3 || run == 0) return std::nullopt;
  } else {
    for (char c : text) {
      const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
      if (!ok) return std::nullopt;
    }
  }
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char out[16];
  if (inet_pton(type == rrtype::kA ? AF_INET : AF_INET6, buf, out) != 1) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out), type == rrtype::kA ? 4 : 16);
}

}  // namespace

Result<std::string> rdata_from_text(uint16_t type, std::string_view text, std::string_view origin) {
  if (auto addr = plain_address(type, text)) return std::move(*addr);
  auto origin_text = origin_to_text(origin);
  if (!origin_text) return make_error("invalid origin");
  std::string line = "@ " + std::to_string(kDefaultTtl) + " IN " + type_to_string(type) + " ";
  append_escaping_non_ascii(line, text);
  line += '\n';
  const auto lines = analyze_lines(line, nullptr);

  Scanner s;
  if (!s.init(*origin_text, kDefaultTtl)) return make_error("invalid origin");
  if (zs_set_input_string(s.get(), line.data(), line.size()) != 0) {
    return make_error(zs_strerror(s->error.code));
  }
  std::optional<std::string> rdata;
  for (;;) {
    const int ret = zs_parse_record(s.get());
    if (ret != 0 || s->state == ZS_STATE_ERROR) {
      const uint64_t n = s->line_counter;
      const LineInfo* info = n >= 1 && n <= lines.size() ? &lines[n - 1] : nullptr;
      return make_error(describe_error(s->error.code, info));
    }
    if (s->state == ZS_STATE_DATA) {
      if (rdata || s->r_type != type) return make_error("unexpected data after the rdata");
      if (!well_formed_rdata(type, as_chars(s->r_data), s->r_data_length)) {
        return make_error(malformed_reason(type));
      }
      rdata.emplace(as_chars(s->r_data), s->r_data_length);
      lowercase_rdata_names(type, *rdata);
    } else if (s->state == ZS_STATE_INCLUDE) {
      return make_error("unexpected data after the rdata");
    } else {
      break;
    }
  }
  if (!rdata) return make_error("no rdata");
  return std::move(*rdata);
}

Result<std::string> rdata_to_text(uint16_t type, std::string_view rdata) {
  auto text = RdataPrinter().print(type, rdata);
  if (!text) return make_error("cannot print rdata of type " + type_to_string(type));
  return std::move(*text);
}

}  // namespace dnsedge::dns
