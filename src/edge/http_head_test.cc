#include "edge/http_head.h"

#include <gtest/gtest.h>

#include <random>

namespace dnsedge::edge::http {
namespace {

ParseStatus req(std::string_view text, RequestHead* out) { return parse_request(text, out); }

TEST(HttpHeadTest, FindsTheEndOfAHeadArrivingByteByByte) {
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\nrest";
  size_t scanned = 0;
  size_t end = 0;
  for (size_t n = 1; n <= head.size() && end == 0; ++n) end = find_head_end(std::string_view(head).substr(0, n), &scanned);
  EXPECT_EQ(end, head.size() - 4);
  scanned = 0;
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\nHost: a\n\n", &scanned), 0u);  // bare LF is not a head end
  EXPECT_EQ(leading_empty_lines("\r\n\r\nGET"), 4u);
}

TEST(HttpHeadTest, ParsesARequest) {
  RequestHead r;
  ASSERT_EQ(req("POST /up?x=1 HTTP/1.1\r\nHost: WWW.example.com:8080\r\nContent-Length: 5\r\n"
                "Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nExpect: 100-continue\r\n\r\n",
                &r),
            ParseStatus::kOk);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/up?x=1");
  EXPECT_EQ(r.host, "WWW.example.com:8080");
  EXPECT_EQ(r.body, BodyKind::kLength);
  EXPECT_EQ(r.content_length, 5u);
  EXPECT_TRUE(r.wants_upgrade());
  EXPECT_TRUE(r.expect_continue);
  EXPECT_TRUE(r.keep_alive());
  EXPECT_EQ(r.header_count, 5u);
}

TEST(HttpHeadTest, AbsoluteFormTargetGivesTheHost) {
  RequestHead r;
  ASSERT_EQ(req("GET http://Other.example/x HTTP/1.1\r\nHost: www.example.com\r\n\r\n", &r), ParseStatus::kOk);
  EXPECT_EQ(r.host, "Other.example");
}

TEST(HttpHeadTest, KeepAliveFollowsTheVersion) {
  RequestHead r;
  ASSERT_EQ(req("GET / HTTP/1.0\r\n\r\n", &r), ParseStatus::kOk);  // 1.0 may omit Host
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(r.host.empty());
  ASSERT_EQ(req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r), ParseStatus::kOk);
  EXPECT_TRUE(r.keep_alive());
  ASSERT_EQ(req("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &r), ParseStatus::kOk);
  EXPECT_FALSE(r.keep_alive());
}

TEST(HttpHeadTest, ChunkedRequestBody) {
  RequestHead r;
  ASSERT_EQ(req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &r), ParseStatus::kOk);
  EXPECT_EQ(r.body, BodyKind::kChunked);
}

TEST(HttpHeadTest, RejectsMalformedAndAmbiguousRequests) {
  RequestHead r;
  const char* bad[] = {
      "GET / HTTP/1.1\r\n\r\n",                                             // no Host
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",                       // two Hosts
      "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",                                 // double space
      "GET /\r\nHost: a\r\n\r\n",                                           // no version
      "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n",                                // extra token
      "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",                                  // bad method
      "GET / HTTP/1.1\r\nHost : a\r\n\r\n",                                 // space before colon
      "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",                       // obs-fold
      "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n",                            // bare LF
      "GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n",                       // control octet
      "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",  // smuggling
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HELLO\r\n\r\n",
      "\x16\x03\x01\x02\x00\r\n\r\n",
  };
  for (const char* b : bad) EXPECT_EQ(req(b, &r), ParseStatus::kBadRequest) << b;
  EXPECT_EQ(req("GET / HTTP/2.0\r\nHost: a\r\n\r\n", &r), ParseStatus::kVersion);
  EXPECT_EQ(req("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &r), ParseStatus::kVersion);
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (size_t i = 0; i < kMaxHeaders; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(req(many + "\r\n", &r), ParseStatus::kTooManyHeaders);
}

// Regression (fuzz_http_head): a request with 126 fields was accepted, and the head forwarded
// with the edge's 3 added fields had 129, more than the edge itself accepts.
TEST(HttpHeadTest, TheForwardedHeadStaysWithinTheFieldLimit) {
  static RequestHead r;
  std::string most = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (size_t i = 1; i < kMaxHeaders - kAddedHeaders; ++i) most += "X-" + std::to_string(i) + ": v\r\n";
  most += "\r\n";
  ASSERT_EQ(req(most, &r), ParseStatus::kOk);
  EXPECT_EQ(r.header_count, kMaxHeaders - kAddedHeaders);
  std::string up;
  build_upstream_head(r, "192.0.2.1", "http", &up);
  size_t lines = 0;
  for (size_t p = up.find("\r\n"); p != std::string::npos; p = up.find("\r\n", p + 2)) ++lines;
  EXPECT_EQ(lines, 1 + kMaxHeaders + 1);  // request line, exactly kMaxHeaders fields, empty line
  const std::string one_more = most.substr(0, most.size() - 2) + "X-last: v\r\n\r\n";
  EXPECT_EQ(req(one_more, &r), ParseStatus::kTooManyHeaders);
}

std::string forwarded(const std::string& head, std::string_view client_ip = "192.0.2.7") {
  static RequestHead r;
  EXPECT_EQ(req(head, &r), ParseStatus::kOk) << head;
  std::string up;
  build_upstream_head(r, client_ip, "http", &up);
  return up;
}

// Regression: CF-Connecting-IP was replaced, but a client-supplied True-Client-IP and X-Real-IP
// reached the origin as if the edge had vouched for them.
TEST(HttpHeadTest, ClientAddressFieldsAreTheEdgesToSay) {
  const std::string up = forwarded(
      "GET / HTTP/1.1\r\nHost: a\r\nCF-Connecting-IP: 6.6.6.6\r\nTrue-Client-IP: 6.6.6.6\r\n"
      "X-Real-IP: 6.6.6.6\r\nx-real-ip: 6.6.6.7\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n");
  EXPECT_EQ(up.find("6.6.6."), std::string::npos) << up;
  EXPECT_EQ(up.find("Real-IP"), std::string::npos) << up;
  EXPECT_NE(up.find("\r\nCF-Connecting-IP: 192.0.2.7\r\n"), std::string::npos) << up;
  EXPECT_NE(up.find("\r\nTrue-Client-IP: 192.0.2.7\r\n"), std::string::npos) << up;
  EXPECT_NE(up.find("\r\nX-Forwarded-For: 10.0.0.1, 192.0.2.7\r\n"), std::string::npos) << up;
}

TEST(HttpHeadTest, ForwardedIsAppendedWithIpv6InBrackets) {
  EXPECT_NE(forwarded("GET / HTTP/1.1\r\nHost: a\r\n\r\n").find("\r\nForwarded: for=192.0.2.7;proto=http\r\n"),
            std::string::npos);
  const std::string up = forwarded("GET / HTTP/1.1\r\nHost: a\r\nForwarded: for=198.51.100.1\r\n\r\n", "2001:db8::7");
  EXPECT_NE(up.find("\r\nForwarded: for=198.51.100.1, for=\"[2001:db8::7]\";proto=http\r\n"), std::string::npos) << up;
}

// Regression: fields named in the client's Connection field (RFC 9110 §7.6.1) were forwarded.
TEST(HttpHeadTest, FieldsNamedInConnectionAreDropped) {
  const std::string up = forwarded(
      "POST / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret, Host, Content-Length\r\n"
      "X-Secret: s\r\nx-secret: t\r\nX-Kept: k\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(up.find("ecret"), std::string::npos) << up;
  EXPECT_NE(up.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << up;
  EXPECT_NE(up.find("\r\nHost: a\r\n"), std::string::npos) << up;  // framing and routing stay
  EXPECT_NE(up.find("\r\nContent-Length: 2\r\n"), std::string::npos) << up;
  EXPECT_NE(up.find("\r\nX-Kept: k\r\n"), std::string::npos) << up;
  const std::string ws = forwarded("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
  EXPECT_NE(ws.find("\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"), std::string::npos) << ws;
  // More names than the edge keeps at hand: the rest are looked up in the field itself.
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close";
  for (int i = 0; i < 40; ++i) many += ", x-" + std::to_string(i);
  many += "\r\nX-39: gone\r\nX-0: gone\r\nX-40: kept\r\n\r\n";
  const std::string up2 = forwarded(many);
  EXPECT_EQ(up2.find("gone"), std::string::npos) << up2;
  EXPECT_NE(up2.find("\r\nConnection: close\r\n"), std::string::npos) << up2;
  EXPECT_NE(up2.find("X-40: kept"), std::string::npos) << up2;
}

TEST(HttpHeadTest, CdnLoopMarksAndDetectsTheEdge) {
  static RequestHead r;
  ASSERT_EQ(req("GET / HTTP/1.1\r\nHost: a\r\nCDN-Loop: other; x=1\r\n\r\n", &r), ParseStatus::kOk);
  EXPECT_FALSE(r.looped);
  std::string up;
  build_upstream_head(r, "192.0.2.7", "http", &up);
  EXPECT_NE(up.find("\r\nCDN-Loop: other; x=1, dnsedge\r\n"), std::string::npos) << up;
  ASSERT_EQ(req(up, &r), ParseStatus::kOk);  // the forwarded request, back at the edge
  EXPECT_TRUE(r.looped);
  ASSERT_EQ(req("GET / HTTP/1.1\r\nHost: a\r\ncdn-loop: foo, DNSEDGE ; v=2\r\n\r\n", &r), ParseStatus::kOk);
  EXPECT_TRUE(r.looped);
  ASSERT_EQ(req("GET / HTTP/1.1\r\nHost: a\r\nCDN-Loop: dnsedge-other\r\n\r\n", &r), ParseStatus::kOk);
  EXPECT_FALSE(r.looped);
}

TEST(HttpHeadTest, ResponseFraming) {
  ResponseHead r;
  ASSERT_EQ(parse_response("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", false, &r), ParseStatus::kOk);
  EXPECT_EQ(r.body, BodyKind::kLength);
  EXPECT_EQ(r.content_length, 12u);
  EXPECT_TRUE(r.keep_alive());
  ASSERT_EQ(parse_response("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", true, &r), ParseStatus::kOk);
  EXPECT_EQ(r.body, BodyKind::kNone);  // HEAD
  ASSERT_EQ(parse_response("HTTP/1.1 204 No Content\r\nContent-Length: 12\r\n\r\n", false, &r), ParseStatus::kOk);
  EXPECT_EQ(r.body, BodyKind::kNone);
  ASSERT_EQ(parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, &r), ParseStatus::kOk);
  EXPECT_EQ(r.body, BodyKind::kChunked);
  ASSERT_EQ(parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, &r), ParseStatus::kOk);
  EXPECT_EQ(r.body, BodyKind::kUntilClose);
  EXPECT_FALSE(r.keep_alive());
  ASSERT_EQ(parse_response("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false, &r), ParseStatus::kOk);
  EXPECT_FALSE(r.keep_alive());
  ASSERT_EQ(parse_response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", false, &r),
            ParseStatus::kOk);
  EXPECT_EQ(r.status, 101);
  ASSERT_EQ(parse_response("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, &r), ParseStatus::kOk);
  EXPECT_EQ(r.body, BodyKind::kNone);
  for (const char* bad : {"HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 099 x\r\n\r\n", "HTTX/1.1 200 OK\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "junk\r\n\r\n"}) {
    EXPECT_EQ(parse_response(bad, false, &r), ParseStatus::kBadRequest) << bad;
  }
}

TEST(HttpHeadTest, UpstreamHeadAddsForwardingFields) {
  RequestHead r;
  ASSERT_EQ(req("GET /p HTTP/1.1\r\nHost: www.example.com\r\nX-Forwarded-For: 198.51.100.1\r\n"
                "CF-Connecting-IP: 6.6.6.6\r\nx-forwarded-proto: https\r\nAccept:   */*  \r\n\r\n",
                &r),
            ParseStatus::kOk);
  std::string out;
  build_upstream_head(r, "192.0.2.7", "http", &out);
  EXPECT_EQ(out,
            "GET /p HTTP/1.1\r\nHost: www.example.com\r\nAccept: */*\r\n"
            "X-Forwarded-For: 198.51.100.1, 192.0.2.7\r\nX-Forwarded-Proto: http\r\n"
            "CF-Connecting-IP: 192.0.2.7\r\nTrue-Client-IP: 192.0.2.7\r\n"
            "Forwarded: for=192.0.2.7;proto=http\r\nCDN-Loop: dnsedge\r\n\r\n");
}

// Feeds `body` in pieces of `step` octets; returns {consumed total, done, error}.
std::tuple<size_t, bool, bool> feed_all(BodyFramer& f, std::string_view body, size_t step) {
  size_t total = 0;
  for (size_t i = 0; i < body.size(); i += step) {
    const std::string_view piece = body.substr(i, step);
    const auto s = f.feed(reinterpret_cast<const uint8_t*>(piece.data()), piece.size());
    total += s.consumed;
    if (s.error) return {total, false, true};
    if (s.done) return {total, true, false};
  }
  return {total, f.done(), false};
}

TEST(BodyFramerTest, ChunkedInAnySlicing) {
  const std::string body = "4;ext=\"v\"\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n";
  for (size_t step : {1u, 2u, 3u, 7u, 1000u}) {
    BodyFramer f(BodyKind::kChunked, 0);
    auto [consumed, done, error] = feed_all(f, body + "NEXT REQUEST", step);
    EXPECT_FALSE(error) << step;
    EXPECT_TRUE(done) << step;
    EXPECT_EQ(consumed, body.size()) << step;
  }
}

TEST(BodyFramerTest, ChunkedErrors) {
  for (const char* bad : {"x\r\n", "\r\n", "4\r\nWikiX\r\n", "4\n", "10000000000000000\r\n", "0\r\nbad\nline\r\n\r\n",
                          "4;\x01\r\n"}) {
    BodyFramer f(BodyKind::kChunked, 0);
    auto [consumed, done, error] = feed_all(f, bad, 1);
    EXPECT_TRUE(error) << bad;
    EXPECT_FALSE(done) << bad;
  }
}

TEST(BodyFramerTest, LengthNoneAndUntilClose) {
  BodyFramer f(BodyKind::kLength, 5);
  auto [c, d, e] = feed_all(f, "helloGET", 3);
  EXPECT_EQ(c, 5u);
  EXPECT_TRUE(d);
  EXPECT_FALSE(e);
  BodyFramer none(BodyKind::kNone, 0);
  EXPECT_TRUE(none.done());
  BodyFramer until(BodyKind::kUntilClose, 0);
  auto [c2, d2, e2] = feed_all(until, "anything at all", 4);
  EXPECT_EQ(c2, 15u);
  EXPECT_FALSE(d2);
  EXPECT_TRUE(until.until_close());
}

TEST(HttpHeadTest, RandomInputNeverCrashes) {
  std::mt19937 rng(42);
  const std::string seed = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  RequestHead r;
  ResponseHead rr;
  for (int i = 0; i < 20000; ++i) {
    std::string s = seed;
    for (int k = 0; k < 3; ++k) s[rng() % s.size()] = static_cast<char>(rng());
    s += "\r\n\r\n";
    (void)parse_request(s, &r);
    (void)parse_response(s, false, &rr);
    BodyFramer f(BodyKind::kChunked, 0);
    (void)f.feed(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
}

}  // namespace
}  // namespace dnsedge::edge::http
