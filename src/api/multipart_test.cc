#include "api/multipart.h"

#include <gtest/gtest.h>

namespace dnsedge::api {
namespace {

TEST(MultipartTest, ReadsFilePartsAndPlainFields) {
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"z.txt\"\r\nContent-Type: text/plain\r\n\r\n"
      "www 300 IN A 192.0.2.1\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"proxied\"\r\n\r\ntrue\r\n--XyZ--\r\n";
  auto parts = parse_multipart(body, "XyZ");
  ASSERT_TRUE(parts) << parts.error().message;
  EXPECT_EQ(parts->at("file"), "www 300 IN A 192.0.2.1\r\n");
  EXPECT_EQ(parts->at("proxied"), "true");
}

TEST(MultipartTest, BoundaryFromContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=x; boundary=\"a b\""), "a b");
  EXPECT_EQ(multipart_boundary("text/plain"), "");
}

TEST(MultipartTest, RefusesTruncatedBodies) {
  EXPECT_FALSE(parse_multipart("--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", "XyZ"));
  EXPECT_FALSE(parse_multipart("no boundary here", "XyZ"));
  EXPECT_FALSE(parse_multipart("", ""));
}

TEST(MultipartTest, EmptyPartAndBoundaryLookalikeInContent) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nline --b inside\r\n--b\r\n"
      "Content-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n--b--";
  auto parts = parse_multipart(body, "b");
  ASSERT_TRUE(parts) << parts.error().message;
  EXPECT_EQ(parts->at("file"), "line --b inside");
  EXPECT_EQ(parts->at("empty"), "");
}

}  // namespace
}  // namespace dnsedge::api
