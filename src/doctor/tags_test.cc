#include "doctor/tags.h"

#include <gtest/gtest.h>

#include "doctor/internal/fake_source.h"

namespace dnsedge::doctor {
namespace {

using testing::W;

TEST(TagsTest, ParsesTagLists) {
  auto t = parse_tags("v=DKIM1; k=rsa;\tp=AB CD ;");
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[0].name, "v");
  EXPECT_EQ((*t)[0].value, "DKIM1");
  EXPECT_EQ((*t)[2].value, "AB CD");
  EXPECT_EQ(find_tag(*t, "k")->value, "rsa");
  EXPECT_EQ(find_tag(*t, "x"), nullptr);
}

TEST(TagsTest, RejectsMalformedLists) {
  EXPECT_FALSE(parse_tags("v=DMARC1; p"));
  EXPECT_FALSE(parse_tags("v=DMARC1;; p=none"));
  EXPECT_FALSE(parse_tags("v=DMARC1; =none"));
  EXPECT_FALSE(parse_tags("v=DMARC1; p=none; p=reject"));
  EXPECT_FALSE(parse_tags("v=DMARC1; p!x=none"));
  EXPECT_TRUE(parse_tags("v=DMARC1; p=none;  "));
}

TEST(TagsTest, OrganizationalDomain) {
  EXPECT_EQ(org_domain(W("example.com")), W("example.com"));
  EXPECT_EQ(org_domain(W("a.b.example.com")), W("example.com"));
  EXPECT_EQ(org_domain(W("mail.example.co.uk")), W("example.co.uk"));
  EXPECT_EQ(org_domain(W("x.example.com.au")), W("example.com.au"));
  EXPECT_EQ(org_domain(W("x.example.de")), W("example.de"));
  EXPECT_EQ(org_domain(W("com")), W("com"));
}

TEST(TagsTest, Base64) {
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode("aGVs bG8h"), "hello!");
  EXPECT_EQ(base64_decode("aGk="), "hi");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_FALSE(base64_decode("aGVsbG8"));
  EXPECT_FALSE(base64_decode("aG=sbG8="));
  EXPECT_FALSE(base64_decode("a==="));
  EXPECT_FALSE(base64_decode("aGVs!G8="));
}

}  // namespace
}  // namespace dnsedge::doctor
