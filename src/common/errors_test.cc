#include "common/errors.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace dnsedge {
namespace {

TEST(ErrorTableTest, NoCodeIsDefinedTwice) {
  std::set<int> seen;
  for (const ErrorCode& c : kCodes) EXPECT_TRUE(seen.insert(c.code).second) << "code " << c.code << " is in the table twice";
  for (int m : kMessageCodes) EXPECT_TRUE(seen.insert(m).second) << "message code " << m << " is also an error code";
}

TEST(ErrorTableTest, EveryCodeHasAKindAndOneStatus) {
  for (const ErrorCode& c : kCodes) {
    EXPECT_NE(c.kind, ErrorKind::kFromCode) << c.code;
    EXPECT_NE(c.kind, ErrorKind::kUsage) << c.code;  // a command-line error, never an API answer
    EXPECT_EQ(kind_of(c.code), c.kind) << c.code;
    EXPECT_EQ(http_status(c.code), http_status(c.kind)) << c.code;
    EXPECT_EQ(http_status(Error{"x", c.code}), http_status(c.kind)) << c.code;
  }
}

TEST(ErrorTableTest, StatusesOfTheKinds) {
  EXPECT_EQ(http_status(errc::kValidation), 400);
  EXPECT_EQ(http_status(errc::kIdenticalRecord), 400);  // duplicates are 400, never 409
  EXPECT_EQ(http_status(errc::kFileBacked), 400);
  EXPECT_EQ(http_status(errc::kRecordQuota), 400);
  EXPECT_EQ(http_status(errc::kZoneNotFound), 404);
  EXPECT_EQ(http_status(errc::kRecordNotFound), 404);
  EXPECT_EQ(http_status(errc::kAccountNotFound), 404);
  EXPECT_EQ(http_status(errc::kAppNotFound), 404);
  EXPECT_EQ(http_status(errc::kRuleNotFound), 404);
  EXPECT_EQ(http_status(errc::kObjectNotFound), 404);
  EXPECT_EQ(http_status(errc::kNoRoute), 404);
  EXPECT_EQ(http_status(errc::kMethodNotAllowed), 405);
  EXPECT_EQ(http_status(errc::kAuthMissing), 403);
  EXPECT_EQ(http_status(errc::kAuthFailed), 403);
  EXPECT_EQ(http_status(errc::kUnauthorized), 403);
  EXPECT_EQ(http_status(errc::kTooManyFailures), 429);
  EXPECT_EQ(http_status(errc::kInternal), 500);
  EXPECT_EQ(http_status(12345), 400);  // a code outside the table: invalid input
  // A full disk: the store's code 1000, of its own kind.
  const Error full{"disk is full", errc::kInternal, ErrorKind::kUnavailable};
  EXPECT_EQ(http_status(full), 503);
}

TEST(ErrorTableTest, TooLargeAndInUseAreTwoCodes) {
  EXPECT_NE(errc::kTooLarge, errc::kInUse);
  EXPECT_EQ(errc::kTooLarge, 1005);
  EXPECT_EQ(http_status(errc::kTooLarge), 413);
  EXPECT_EQ(http_status(errc::kInUse), 400);
  EXPECT_EQ(kind_of(errc::kInUse), ErrorKind::kInUse);
}

TEST(ErrorTableTest, ExitStatuses) {
  EXPECT_EQ(exit_status(ErrorKind::kUsage), 2);
  EXPECT_EQ(exit_status(Error{"bad flag", 2, ErrorKind::kUsage}), 2);
  for (const ErrorCode& c : kCodes) EXPECT_EQ(exit_status(c.kind), 1) << c.code;
}

// docs/api.md "Error codes" lists every code of the table with its HTTP status, and no other.
TEST(ErrorTableTest, MatchesTheDocumentedCodes) {
  std::ifstream in(std::string(DNSEDGE_SOURCE_DIR) + "/docs/api.md");
  ASSERT_TRUE(in) << "docs/api.md";
  std::string line;
  bool inside = false;
  const std::regex row(R"(^\| ([0-9, ]+) \| ([0-9]+|—) \|)");
  std::map<int, std::set<std::string>> documented;
  while (std::getline(in, line)) {
    if (line.starts_with("## ")) inside = line == "## Error codes";
    std::smatch m;
    if (!inside || !std::regex_search(line, m, row)) continue;
    std::stringstream codes(m[1].str());
    for (std::string c; std::getline(codes, c, ',');) documented[std::stoi(c)].insert(m[2].str());
  }
  ASSERT_GT(documented.size(), 40u);
  for (const ErrorCode& c : kCodes) {
    ASSERT_TRUE(documented.count(c.code)) << "code " << c.code << " is not in docs/api.md";
    for (const std::string& status : documented[c.code]) {
      const bool full_disk = c.code == errc::kInternal && status == std::to_string(http_status(ErrorKind::kUnavailable));
      EXPECT_TRUE(status == std::to_string(http_status(c.kind)) || full_disk)
          << "code " << c.code << ": docs/api.md says HTTP " << status << ", the table " << http_status(c.kind);
    }
  }
  for (int m : kMessageCodes) EXPECT_EQ(documented[m], std::set<std::string>{"—"}) << m;
  for (const auto& [code, statuses] : documented) {
    bool listed = false;
    for (const ErrorCode& c : kCodes) listed = listed || c.code == code;
    for (int m : kMessageCodes) listed = listed || m == code;
    EXPECT_TRUE(listed) << "docs/api.md lists code " << code << ", the table does not";
  }
}

}  // namespace
}  // namespace dnsedge
