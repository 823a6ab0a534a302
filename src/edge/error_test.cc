#include "edge/error.h"

#include <gtest/gtest.h>

namespace dnsedge::edge {
namespace {

TEST(ErrorTest, StatusesFollowTheSpec) {
  EXPECT_EQ(describe(ErrorKind::kNotProxied).status, 409);
  EXPECT_EQ(describe(ErrorKind::kNotProxied).code, 1001);
  EXPECT_EQ(describe(ErrorKind::kDirectIpAccess).code, 1003);
  EXPECT_EQ(describe(ErrorKind::kOriginRefused).status, 502);
  EXPECT_EQ(describe(ErrorKind::kOriginReset).status, 502);
  EXPECT_EQ(describe(ErrorKind::kOriginTimeout).status, 504);
  EXPECT_EQ(describe(ErrorKind::kOriginConnectTimeout).status, 504);
  EXPECT_EQ(describe(ErrorKind::kHeadTooLarge).status, 431);
  EXPECT_EQ(describe(ErrorKind::kHeadTimeout).status, 408);
  EXPECT_EQ(describe(ErrorKind::kBadRequest).status, 400);
  EXPECT_EQ(describe(ErrorKind::kClientGone).status, 0);
  EXPECT_EQ(source_of(ErrorKind::kOriginReset), ErrorSource::kUpstream);
  EXPECT_EQ(source_of(ErrorKind::kBadRequest), ErrorSource::kDownstream);
  EXPECT_EQ(describe(ErrorKind::kProhibitedOrigin).status, 403);
  EXPECT_EQ(describe(ErrorKind::kProhibitedOrigin).code, 1000);
  EXPECT_EQ(describe(ErrorKind::kProhibitedOrigin).title, "DNS points to prohibited IP");
  EXPECT_EQ(describe(ErrorKind::kLoopDetected).status, 508);
}

// Regression: 521/522 pages printed the origin's IP:port and 1016 the CNAME target. A page
// shows the request id instead; what failed goes to the log only.
TEST(ErrorTest, OriginErrorsNeverShowTheirContext) {
  for (ErrorKind k : {ErrorKind::kOriginRefused, ErrorKind::kOriginConnectTimeout, ErrorKind::kOriginUnresolved,
                      ErrorKind::kOriginTimeout, ErrorKind::kOriginReset, ErrorKind::kOriginBadResponse,
                      ErrorKind::kProhibitedOrigin}) {
    std::string out;
    render_error(ProxyError{k, source_of(k), false, "192.0.2.31:8080: Connection refused (target.example.net)"},
                 "www.example.com", "00c0ffee00c0ffee", &out);
    EXPECT_EQ(out.find("192.0.2.31"), std::string::npos) << out;
    EXPECT_EQ(out.find("target.example.net"), std::string::npos) << out;
    EXPECT_NE(out.find("\r\nCF-RAY: 00c0ffee00c0ffee\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find("Ray ID: 00c0ffee00c0ffee"), std::string::npos) << out;
  }
}

TEST(ErrorTest, RayIdsAreSixteenHexDigitsAndDiffer) {
  const std::string a = new_ray_id(), b = new_ray_id();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(ErrorTest, PageIsACompleteResponse) {
  std::string out;
  render_error(ProxyError{ErrorKind::kNotProxied, ErrorSource::kDownstream, false, "ctx <b>"}, "evil<script>",
               "0123456789abcdef", &out);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 409 Conflict\r\n"));
  EXPECT_NE(out.find("X-Edge-Error: 1001\r\n"), std::string::npos);
  EXPECT_NE(out.find("error code: 1001"), std::string::npos);
  EXPECT_NE(out.find("evil&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(out.find("<script>"), std::string::npos);
  const size_t body = out.find("\r\n\r\n") + 4;
  EXPECT_NE(out.find("Content-Length: " + std::to_string(out.size() - body) + "\r\n"), std::string::npos);
}

}  // namespace
}  // namespace dnsedge::edge
