#include "edge/http_head.h"

#include <cstring>
#include <limits>

namespace dnsedge::edge::http {
namespace {

constexpr size_t kMaxChunkExt = 4096;      // chunk-ext octets on one size line
constexpr size_t kMaxTrailers = kMaxHead;  // the whole trailer section

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// RFC 9110 §5.5: field-value octets are HTAB, SP, VCHAR and obs-text.
bool is_field_value(std::string_view s) noexcept {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c != '\t' && (c < 0x20 || c == 0x7f)) return false;
  }
  return true;
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(token) for each element of a comma-separated list (empty elements skipped).
template <typename F>
void for_each_token(std::string_view list, F&& f) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view t = trim(list.substr(0, comma));
    if (!t.empty()) f(t);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

bool parse_u64(std::string_view s, uint64_t* out) noexcept {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

// "HTTP/1.1" → 1, "HTTP/1.0" → 0; -1 for another well-formed version, -2 for garbage.
int parse_version(std::string_view v) noexcept {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' || v[7] < '0' ||
      v[7] > '9') {
    return -2;
  }
  if (v[5] == '1' && (v[7] == '0' || v[7] == '1')) return v[7] - '0';
  return -1;
}

// What the header fields say about framing and the connection; shared by both directions.
struct Fields {
  bool have_length = false;
  uint64_t length = 0;
  bool have_te = false;
  bool te_chunked_last = false;  // the last transfer coding is chunked, and only that one is
  bool conn_close = false, conn_keep_alive = false, conn_upgrade = false;
  bool has_upgrade = false, expect_continue = false;
  size_t host_count = 0;
  std::string_view host;
};

// Splits the field lines of `block` (each ending in CRLF, the empty line excluded) and records
// them. False for a malformed line, differing Content-Lengths or a bad Transfer-Encoding list.
bool parse_fields(std::string_view block, Header* headers, size_t* count, Fields* f, bool* too_many) noexcept {
  *count = 0;
  while (!block.empty()) {
    const size_t eol = block.find("\r\n");
    if (eol == std::string_view::npos) return false;
    const std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol + 2);
    if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos) return false;
    if (line.empty() || line.front() == ' ' || line.front() == '\t') return false;  // obs-fold (RFC 9112 §5.2)
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    const std::string_view name = line.substr(0, colon);  // no whitespace allowed before ':' (§5.1)
    const std::string_view value = trim(line.substr(colon + 1));
    if (!is_token(name) || !is_field_value(value)) return false;
    if (*count == kMaxHeaders) {
      *too_many = true;
      return false;
    }
    headers[(*count)++] = Header{name, value};

    if (iequals(name, "content-length")) {
      uint64_t v = 0;
      if (!parse_u64(value, &v)) return false;
      if (f->have_length && v != f->length) return false;
      f->have_length = true;
      f->length = v;
    } else if (iequals(name, "transfer-encoding")) {
      bool ok = true;
      for_each_token(value, [&](std::string_view t) {
        if (f->te_chunked_last) ok = false;  // chunked must be the last coding, applied once
        f->te_chunked_last = iequals(t, "chunked");
      });
      if (!ok) return false;
      f->have_te = true;
    } else if (iequals(name, "connection")) {
      for_each_token(value, [&](std::string_view t) {
        if (iequals(t, "close")) f->conn_close = true;
        if (iequals(t, "keep-alive")) f->conn_keep_alive = true;
        if (iequals(t, "upgrade")) f->conn_upgrade = true;
      });
    } else if (iequals(name, "upgrade")) {
      f->has_upgrade = !value.empty();
    } else if (iequals(name, "expect")) {
      f->expect_continue = iequals(value, "100-continue");
    } else if (iequals(name, "host")) {
      ++f->host_count;
      f->host = value;
    }
  }
  return true;
}

// The authority of an absolute-form target ("http://Host:80/path" → "Host:80"), or "".
std::string_view absolute_authority(std::string_view target) noexcept {
  size_t scheme = 0;
  if (target.size() > 7 && iequals(target.substr(0, 7), "http://")) scheme = 7;
  else if (target.size() > 8 && iequals(target.substr(0, 8), "https://")) scheme = 8;
  else return {};
  std::string_view rest = target.substr(scheme);
  const size_t end = rest.find_first_of("/?#");
  return rest.substr(0, end);
}

}  // namespace

size_t find_head_end(std::string_view data, size_t* scanned) noexcept {
  size_t from = *scanned >= 3 ? *scanned - 3 : 0;
  for (;;) {
    const void* p = std::memchr(data.data() + from, '\n', data.size() - from);
    if (p == nullptr) break;
    const size_t i = static_cast<size_t>(static_cast<const char*>(p) - data.data());
    if (i >= 3 && data[i - 1] == '\r' && data[i - 2] == '\n' && data[i - 3] == '\r') {
      *scanned = i + 1;
      return i + 1;
    }
    from = i + 1;
  }
  *scanned = data.size();
  return 0;
}

size_t leading_empty_lines(std::string_view data) noexcept {
  size_t i = 0;
  while (i < data.size() && (data[i] == '\r' || data[i] == '\n')) ++i;
  return i;
}

ParseStatus parse_request(std::string_view head, RequestHead* out) noexcept {
  *out = RequestHead{};
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n") return ParseStatus::kBadRequest;
  const size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return ParseStatus::kBadRequest;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return ParseStatus::kBadRequest;
  }
  out->method = line.substr(0, sp1);
  out->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!is_token(out->method) || out->target.empty()) return ParseStatus::kBadRequest;
  for (char ch : out->target) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return ParseStatus::kBadRequest;
  }
  const int v = parse_version(line.substr(sp2 + 1));
  if (v == -2) return ParseStatus::kBadRequest;
  if (v == -1) return ParseStatus::kVersion;
  out->version_minor = static_cast<uint8_t>(v);

  Fields f;
  bool too_many = false;
  if (!parse_fields(head.substr(eol + 2, head.size() - eol - 4), out->headers, &out->header_count, &f, &too_many)) {
    return too_many ? ParseStatus::kTooManyHeaders : ParseStatus::kBadRequest;
  }
  if (out->header_count > kMaxHeaders - kAddedHeaders) return ParseStatus::kTooManyHeaders;
  // RFC 9112 §3.2: HTTP/1.1 requests carry exactly one Host.
  if (f.host_count > 1 || (out->version_minor == 1 && f.host_count == 0)) return ParseStatus::kBadRequest;
  out->host = f.host;
  if (const std::string_view a = absolute_authority(out->target); !a.empty()) out->host = a;  // §3.2.2
  // §6.1: Transfer-Encoding in an HTTP/1.0 request, or together with Content-Length, or not
  // ending in chunked, is a framing error.
  if (f.have_te) {
    if (out->version_minor == 0 || f.have_length || !f.te_chunked_last) return ParseStatus::kBadRequest;
    out->body = BodyKind::kChunked;
  } else if (f.have_length && f.length > 0) {
    out->body = BodyKind::kLength;
    out->content_length = f.length;
  }
  out->conn_close = f.conn_close;
  out->conn_keep_alive = f.conn_keep_alive;
  out->conn_upgrade = f.conn_upgrade;
  out->has_upgrade = f.has_upgrade;
  out->expect_continue = f.expect_continue;
  // RFC 8586 §2: cdn-info = cdn-id *( OWS ";" OWS parameter ); this edge's cdn-id is its mark.
  for (size_t i = 0; i < out->header_count; ++i) {
    if (!iequals(out->headers[i].name, "cdn-loop")) continue;
    for_each_token(out->headers[i].value, [&](std::string_view t) {
      if (iequals(trim(t.substr(0, t.find(';'))), kCdnLoopMark)) out->looped = true;
    });
  }
  return ParseStatus::kOk;
}

ParseStatus parse_response(std::string_view head, bool head_request, ResponseHead* out) noexcept {
  *out = ResponseHead{};
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n") return ParseStatus::kBadRequest;
  const size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); a missing
  // SP before an empty reason is tolerated.
  if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) return ParseStatus::kBadRequest;
  const int v = parse_version(line.substr(0, 8));
  if (v < 0) return ParseStatus::kBadRequest;
  out->version_minor = static_cast<uint8_t>(v);
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return ParseStatus::kBadRequest;
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || status > 599) return ParseStatus::kBadRequest;
  if (!is_field_value(line.substr(12))) return ParseStatus::kBadRequest;
  out->status = status;

  Fields f;
  Header scratch[kMaxHeaders];
  size_t count = 0;
  bool too_many = false;
  if (!parse_fields(head.substr(eol + 2, head.size() - eol - 4), scratch, &count, &f, &too_many)) {
    return ParseStatus::kBadRequest;
  }
  out->conn_close = f.conn_close;
  out->conn_keep_alive = f.conn_keep_alive;
  // RFC 9112 §6.3: no body after HEAD, 1xx, 204 and 304; chunked last → chunked; another
  // Transfer-Encoding → until close; else Content-Length; else until close.
  if (head_request || status < 200 || status == 204 || status == 304) {
    out->body = BodyKind::kNone;
  } else if (f.have_te) {
    out->body = f.te_chunked_last ? BodyKind::kChunked : BodyKind::kUntilClose;
  } else if (f.have_length) {
    out->body = f.length > 0 ? BodyKind::kLength : BodyKind::kNone;
    out->content_length = f.length;
  } else {
    out->body = BodyKind::kUntilClose;
  }
  return ParseStatus::kOk;
}

void build_upstream_head(const RequestHead& req, std::string_view client_ip, std::string_view proto,
                         std::string* out) {
  out->clear();
  out->append(req.method).append(" ").append(req.target).append(req.version_minor ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
  // Connection options the edge keeps end to end; every other token names a field to drop.
  auto hop_option = [](std::string_view t) {
    return iequals(t, "close") || iequals(t, "keep-alive") || iequals(t, "upgrade");
  };
  constexpr size_t kMaxNominated = 32;
  std::string_view nominated[kMaxNominated];
  size_t n_nominated = 0;
  bool more_nominated = false;  // beyond the array: look them up in the Connection fields
  for (size_t i = 0; i < req.header_count; ++i) {
    if (!iequals(req.headers[i].name, "connection")) continue;
    for_each_token(req.headers[i].value, [&](std::string_view t) {
      if (hop_option(t)) return;
      if (n_nominated < kMaxNominated) {
        nominated[n_nominated++] = t;
      } else {
        more_nominated = true;
      }
    });
  }
  auto dropped = [&](std::string_view name) {
    if (n_nominated == 0) return false;
    // The fields the edge framed and routed the request by stay, whatever the client names.
    if (iequals(name, "host") || iequals(name, "content-length") || iequals(name, "transfer-encoding")) return false;
    for (size_t i = 0; i < n_nominated; ++i)
      if (iequals(nominated[i], name)) return true;
    if (!more_nominated) return false;
    bool found = false;
    for (size_t i = 0; i < req.header_count && !found; ++i) {
      if (!iequals(req.headers[i].name, "connection")) continue;
      for_each_token(req.headers[i].value, [&](std::string_view t) { found = found || iequals(t, name); });
    }
    return found;
  };

  constexpr size_t kMaxKept = 8;  // values kept of each list the edge appends to
  std::string_view xff[kMaxKept], fwd[kMaxKept], loop[kMaxKept];
  size_t n_xff = 0, n_fwd = 0, n_loop = 0;
  for (size_t i = 0; i < req.header_count; ++i) {
    const Header& h = req.headers[i];
    if (iequals(h.name, "cf-connecting-ip") || iequals(h.name, "true-client-ip") ||
        iequals(h.name, "x-forwarded-proto") || iequals(h.name, "x-real-ip")) {
      continue;  // the edge says who the client is, never the client
    }
    if (iequals(h.name, "connection")) {
      bool any = false;
      for_each_token(h.value, [&](std::string_view t) {
        if (!hop_option(t)) return;
        out->append(any ? ", " : "Connection: ").append(t);
        any = true;
      });
      if (any) out->append("\r\n");
      continue;
    }
    if (dropped(h.name)) continue;
    if (iequals(h.name, "x-forwarded-for")) {
      if (n_xff < kMaxKept && !h.value.empty()) xff[n_xff++] = h.value;
      continue;
    }
    if (iequals(h.name, "forwarded")) {
      if (n_fwd < kMaxKept && !h.value.empty()) fwd[n_fwd++] = h.value;
      continue;
    }
    if (iequals(h.name, "cdn-loop")) {
      if (n_loop < kMaxKept && !h.value.empty()) loop[n_loop++] = h.value;
      continue;
    }
    out->append(h.name).append(": ").append(h.value).append("\r\n");
  }
  out->append("X-Forwarded-For: ");
  for (size_t i = 0; i < n_xff; ++i) out->append(xff[i]).append(", ");
  out->append(client_ip).append("\r\nX-Forwarded-Proto: ").append(proto);
  out->append("\r\nCF-Connecting-IP: ").append(client_ip);
  out->append("\r\nTrue-Client-IP: ").append(client_ip);
  out->append("\r\nForwarded: ");
  for (size_t i = 0; i < n_fwd; ++i) out->append(fwd[i]).append(", ");
  // RFC 7239 §6: an IPv6 node is "[...]" and then must be a quoted-string.
  if (client_ip.find(':') != std::string_view::npos) {
    out->append("for=\"[").append(client_ip).append("]\"");
  } else {
    out->append("for=").append(client_ip);
  }
  out->append(";proto=").append(proto);
  out->append("\r\nCDN-Loop: ");
  for (size_t i = 0; i < n_loop; ++i) out->append(loop[i]).append(", ");
  out->append(kCdnLoopMark).append("\r\n\r\n");
}

void BodyFramer::reset(BodyKind kind, uint64_t length) noexcept {
  kind_ = kind;
  remaining_ = 0;
  digits_ = 0;
  line_ = 0;
  switch (kind) {
    case BodyKind::kNone: state_ = State::kDone; break;
    case BodyKind::kLength:
      state_ = length == 0 ? State::kDone : State::kLength;
      remaining_ = length;
      break;
    case BodyKind::kChunked: state_ = State::kSize; break;
    case BodyKind::kUntilClose: state_ = State::kUntilClose; break;
  }
}

BodyFramer::Step BodyFramer::feed(const uint8_t* data, size_t n) noexcept {
  Step s;
  size_t i = 0;
  auto fail = [&] {
    state_ = State::kError;
    s.error = true;
    s.consumed = i;
    return s;
  };
  while (i < n) {
    switch (state_) {
      case State::kDone:
        s.consumed = i;
        s.done = true;
        return s;
      case State::kError:
        return fail();
      case State::kUntilClose:
        s.consumed = n;
        return s;
      case State::kLength: {
        const size_t take = remaining_ < n - i ? static_cast<size_t>(remaining_) : n - i;
        i += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kDone;
        break;
      }
      case State::kData: {
        const size_t take = remaining_ < n - i ? static_cast<size_t>(remaining_) : n - i;
        i += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kSize: {
        const uint8_t c = data[i];
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d >= 0) {
          if (remaining_ > (std::numeric_limits<uint64_t>::max() >> 4)) return fail();  // overflow
          remaining_ = (remaining_ << 4) | static_cast<uint64_t>(d);
          ++digits_;
          ++i;
        } else if (digits_ > 0 && (c == ';' || c == ' ' || c == '\t')) {
          state_ = State::kExt;
          line_ = 0;
        } else if (digits_ > 0 && c == '\r') {
          state_ = State::kSizeLf;
          ++i;
        } else {
          return fail();
        }
        break;
      }
      case State::kExt: {
        const uint8_t c = data[i++];
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if ((c < 0x20 && c != '\t') || c == 0x7f || ++line_ > kMaxChunkExt) {
          return fail();
        }
        break;
      }
      case State::kSizeLf:
        if (data[i++] != '\n') return fail();
        if (remaining_ == 0) {
          state_ = State::kTrailerStart;
          line_ = 0;
        } else {
          state_ = State::kData;
        }
        digits_ = 0;
        break;
      case State::kDataCr:
        if (data[i++] != '\r') return fail();
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (data[i++] != '\n') return fail();
        state_ = State::kSize;
        remaining_ = 0;
        break;
      case State::kTrailerStart:
        if (data[i] == '\r') {
          ++i;
          state_ = State::kFinalLf;
        } else {
          state_ = State::kTrailer;
        }
        break;
      case State::kTrailer: {
        const uint8_t c = data[i++];
        if (c == '\r') state_ = State::kTrailerLf;
        else if (c == '\n' || ++line_ > kMaxTrailers) return fail();
        break;
      }
      case State::kTrailerLf:
        if (data[i++] != '\n') return fail();
        state_ = State::kTrailerStart;
        break;
      case State::kFinalLf:
        if (data[i++] != '\n') return fail();
        state_ = State::kDone;
        break;
    }
  }
  s.consumed = i;
  s.done = state_ == State::kDone;
  return s;
}

}  // namespace dnsedge::edge::http
