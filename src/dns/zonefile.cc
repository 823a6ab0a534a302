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
#include "dns/zonefile_internal.h"

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

using namespace zonefile_internal;

// Used when the text has no $TTL and a record no TTL of its own.
constexpr uint32_t kDefaultTtl = 3600;
// Nesting limit for $INCLUDE (a file including itself must not recurse forever).
constexpr int kMaxIncludeDepth = 8;
// A $GENERATE line is handed to zscanner as "$INCLUDE <kGenerateMarker><index>": zscanner then
// stops at exactly that point and reports its current origin and default TTL, which the
// expansion needs. The path can never name a real file (/dev/null is not a directory).
constexpr std::string_view kGenerateMarker = "/dev/null/dnsedge-generate/";

bool iequals_prefix(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != ascii_lower(prefix[i])) return false;
  }
  return true;
}

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

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

}  // namespace dnsedge::dns
