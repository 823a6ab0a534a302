#pragma once
// HTTP/1.1 message heads and body framing for the edge proxy (RFC 9110, RFC 9112).
//
// The edge passes bodies through untouched: it parses only the head, rewrites the request head
// (adds X-Forwarded-For, X-Forwarded-Proto, CF-Connecting-IP), and runs a BodyFramer over the
// body bytes to find where the message ends, so keep-alive and pipelining stay in step with
// both peers. Parsing is strict where laxness allows request smuggling: both Content-Length and
// Transfer-Encoding, differing Content-Lengths, a Transfer-Encoding that does not end in
// chunked, obs-fold, whitespace before the colon, and bare LF line ends are all rejected.
//
// Every function here reads untrusted bytes: all reads are bounds-checked and no function
// allocates except build_upstream_head (into a caller-owned, reused string).
//
// Thread safety: plain values and pure functions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dnsedge::edge::http {

// A head (start line + header fields + empty line) larger than this gets 431 (RFC 6585 §5).
inline constexpr size_t kMaxHead = 32 * 1024;
inline constexpr size_t kMaxHeaders = 128;
// Fields build_upstream_head() may add (X-Forwarded-For, X-Forwarded-Proto, CF-Connecting-IP,
// True-Client-IP, Forwarded, CDN-Loop): a request may carry at most kMaxHeaders - kAddedHeaders,
// so the head the edge forwards stays within the limit it enforces itself (found by
// tests/fuzz/fuzz_http_head.cc).
inline constexpr size_t kAddedHeaders = 6;
// The edge's mark in CDN-Loop (RFC 8586): added to every request it forwards; a request that
// already carries it has been through this edge before (a loop) and gets 508.
inline constexpr std::string_view kCdnLoopMark = "dnsedge";

enum class ParseStatus : uint8_t {
  kOk,
  kBadRequest,      // malformed: 400
  kVersion,         // HTTP/x.y other than 1.0 and 1.1: 505
  kTooManyHeaders,  // more than kMaxHeaders fields (requests: kMaxHeaders - kAddedHeaders): 431
};

enum class BodyKind : uint8_t { kNone, kLength, kChunked, kUntilClose };

struct Header {
  std::string_view name;
  std::string_view value;  // without surrounding whitespace
};

struct RequestHead {
  std::string_view method;
  std::string_view target;
  std::string_view host;  // the Host field, or the authority of an absolute-form target
  uint8_t version_minor = 1;
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;
  bool conn_close = false;
  bool conn_keep_alive = false;
  bool conn_upgrade = false;  // "Connection: upgrade"
  bool has_upgrade = false;   // an Upgrade field (websocket, ...)
  bool expect_continue = false;
  bool looped = false;        // CDN-Loop names kCdnLoopMark
  size_t header_count = 0;
  Header headers[kMaxHeaders];

  // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
  bool keep_alive() const noexcept { return !conn_close && (version_minor == 1 || conn_keep_alive); }
  bool wants_upgrade() const noexcept { return has_upgrade && conn_upgrade; }
};

struct ResponseHead {
  int status = 0;
  uint8_t version_minor = 1;
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;
  bool conn_close = false;
  bool conn_keep_alive = false;

  bool keep_alive() const noexcept {
    return body != BodyKind::kUntilClose && !conn_close && (version_minor == 1 || conn_keep_alive);
  }
};

// Where the head in `data` ends: the offset just past its "\r\n\r\n", or 0 while incomplete.
// `*scanned` carries the search position between calls so that a head arriving byte by byte is
// scanned once in total (start it at 0 for a new head; `data` must start at the same place).
size_t find_head_end(std::string_view data, size_t* scanned) noexcept;

// Empty lines a client may send before a request line (RFC 9112 §2.2): how many octets of
// CR/LF start `data`.
size_t leading_empty_lines(std::string_view data) noexcept;

// `head` is everything up to and including the final "\r\n\r\n". The views in `out` point into
// `head`.
ParseStatus parse_request(std::string_view head, RequestHead* out) noexcept;
// `head_request`: the request was HEAD (no body follows whatever the fields say).
ParseStatus parse_response(std::string_view head, bool head_request, ResponseHead* out) noexcept;

// The head the edge sends to the origin: the request line and fields as received (normalized to
// "Name: value\r\n"), except
//   - CF-Connecting-IP, True-Client-IP and X-Forwarded-Proto are replaced (the client's address,
//     `proto`) and X-Real-IP is dropped: a client cannot claim another address;
//   - the client's address is appended to X-Forwarded-For (RFC 7239 §5.2 practice) and, as
//     `for=` (IPv6 quoted in brackets), to Forwarded (RFC 7239 §4);
//   - the fields the client's Connection field names are dropped (RFC 9110 §7.6.1) — except
//     Host and the framing fields (Content-Length, Transfer-Encoding), which the edge itself
//     framed the request by, and Upgrade on an upgrade request, whose 101 the edge relays; the
//     Connection field keeps only close, keep-alive and upgrade, whose meaning the edge keeps
//     end to end (one origin connection per client connection);
//   - CDN-Loop gets kCdnLoopMark appended (RFC 8586).
// `out` is cleared first and keeps its capacity.
void build_upstream_head(const RequestHead& req, std::string_view client_ip, std::string_view proto,
                         std::string* out);

// Finds the end of a body as its bytes pass by, without copying them (RFC 9112 §6–7).
class BodyFramer {
 public:
  struct Step {
    size_t consumed = 0;  // octets of the input that belong to the body
    bool done = false;    // the body ended within them
    bool error = false;   // malformed chunked framing (nothing more can be forwarded)
  };

  BodyFramer() = default;
  BodyFramer(BodyKind kind, uint64_t length) noexcept { reset(kind, length); }
  void reset(BodyKind kind, uint64_t length) noexcept;

  Step feed(const uint8_t* data, size_t n) noexcept;
  bool done() const noexcept { return state_ == State::kDone; }
  // The body ends when the sender closes (an HTTP/1.0-style response).
  bool until_close() const noexcept { return kind_ == BodyKind::kUntilClose; }

 private:
  enum class State : uint8_t {
    kSize, kExt, kSizeLf, kData, kDataCr, kDataLf, kTrailerStart, kTrailer, kTrailerLf, kFinalLf,
    kLength, kUntilClose, kDone, kError,
  };
  BodyKind kind_ = BodyKind::kNone;
  State state_ = State::kDone;
  uint64_t remaining_ = 0;  // kLength: body octets left; chunked: chunk octets left / size read
  unsigned digits_ = 0;
  size_t line_ = 0;         // octets of the current chunk-ext or trailer section
};

}  // namespace dnsedge::edge::http
