// libFuzzer target for the edge's HTTP/1.1 head parser and body framer (src/edge/http_head.h):
// bytes a client or an origin sends before the edge knows anything about them.
// Build and run: `make fuzz` (clang, -fsanitize=fuzzer,address,undefined).
//
// Input layout: byte 0 picks the mode bits (request/response, HEAD, framer chunking); the rest
// is the stream. Checked beyond "no crash, no sanitizer report": every view the parser returns
// lies inside the input, counts stay within their limits, the framer never consumes more than
// it was given, and a head rebuilt for the origin parses again to the same method, target and
// host.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edge/http_head.h"

namespace http = dnsedge::edge::http;

namespace {

bool inside(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void frame(http::BodyKind kind, uint64_t length, const uint8_t* data, size_t n, unsigned step) {
  http::BodyFramer f(kind, length);
  size_t off = 0;
  while (off < n && !f.done()) {
    const size_t chunk = std::min<size_t>(n - off, step);
    const auto s = f.feed(data + off, chunk);
    check(s.consumed <= chunk);
    if (s.error) return;
    if (s.done) check(f.done());
    if (s.consumed == 0 && !s.done) return;  // framer wants nothing more from this input
    off += s.consumed;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const unsigned step = 1u + (mode >> 4);  // framer feed size 1..16

  // Head end: all at once, and byte by byte with the carried scan position, must agree.
  size_t scanned = 0;
  const size_t end = http::find_head_end(in, &scanned);
  check(end <= in.size());
  size_t scanned2 = 0, end2 = 0;
  for (size_t i = 1; i <= in.size() && end2 == 0; ++i) end2 = http::find_head_end(in.substr(0, i), &scanned2);
  check(end == end2);
  check(http::leading_empty_lines(in) <= in.size());

  const std::string_view head = end ? in.substr(0, end) : in;
  const std::string_view rest = end ? in.substr(end) : std::string_view();
  if (mode & 1) {
    static http::RequestHead req;  // big (kMaxHeaders fields): not on the stack each run
    req = http::RequestHead{};
    if (http::parse_request(head, &req) == http::ParseStatus::kOk) {
      check(req.header_count <= http::kMaxHeaders);
      check(inside(req.method, head) && inside(req.target, head));
      for (size_t i = 0; i < req.header_count; ++i) {
        check(inside(req.headers[i].name, head) && inside(req.headers[i].value, head));
      }
      static std::string up;
      http::build_upstream_head(req, "192.0.2.1", "http", &up);
      // The forwarded head never has more fields than the edge accepts (kMaxHeaders); when it
      // has no more than a client may send, it parses back to the same request line.
      size_t fields = 0;
      for (size_t p = up.find("\r\n"); p != std::string::npos && p + 2 < up.size(); p = up.find("\r\n", p + 2)) ++fields;
      check(fields - 1 <= http::kMaxHeaders);  // minus the empty line's CRLF pair
      if (up.size() <= http::kMaxHead && fields - 1 <= http::kMaxHeaders - http::kAddedHeaders) {
        static http::RequestHead again;
        again = http::RequestHead{};
        size_t sc = 0;
        check(http::find_head_end(up, &sc) == up.size());
        check(http::parse_request(up, &again) == http::ParseStatus::kOk);
        check(again.method == req.method && again.target == req.target);
      }
      frame(req.body, req.content_length, reinterpret_cast<const uint8_t*>(rest.data()), rest.size(), step);
    }
  } else {
    http::ResponseHead resp;
    if (http::parse_response(head, (mode & 2) != 0, &resp) == http::ParseStatus::kOk) {
      check(resp.status >= 100 && resp.status <= 999);
      frame(resp.body, resp.content_length, reinterpret_cast<const uint8_t*>(rest.data()), rest.size(), step);
    }
  }
  return 0;
}
