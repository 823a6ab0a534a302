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
}

TEST(ErrorTest, PageIsACompleteResponse) {
  std::string out;
  render_error(ProxyError{ErrorKind::kNotProxied, ErrorSource::kDownstream, false, "ctx <b>"}, "evil<script>", &out);
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
