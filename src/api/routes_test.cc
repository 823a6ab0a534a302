#include "api/routes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace dnsedge::api {
namespace {

// "/zones/{id}/dns_records/{rid}" -> "/zones/{zone_id}/dns_records/{id}": the parameter after
// zones and accounts names the resource, any other is an id.
std::string normalized(const std::string& path) {
  std::stringstream in(path);
  std::string out, seg, prev;
  std::getline(in, seg, '/');  // before the first '/'
  while (std::getline(in, seg, '/')) {
    if (seg.starts_with('{')) seg = prev == "zones" ? "{zone_id}" : prev == "accounts" ? "{account_id}" : "{id}";
    out += "/" + seg;
    prev = seg;
  }
  return out;
}

// The endpoints of docs/api.md's two endpoint tables ("Endpoints", "Zone transfers"), in order:
// "METHOD /path", one per method of a "GET/POST /path" entry.
std::vector<std::string> documented_endpoints() {
  std::ifstream in(std::string(DNSEDGE_SOURCE_DIR) + "/docs/api.md");
  EXPECT_TRUE(in) << "docs/api.md";
  const std::regex entry(R"(`([A-Z]+(?:/[A-Z]+)*) (/[^`\s]*)`)");
  std::vector<std::string> out;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## ")) inside = line == "## Endpoints" || line.starts_with("## Zone transfers");
    if (!inside || !line.starts_with("| `")) continue;
    const std::string first = line.substr(1, line.find('|', 1) - 1);
    for (std::sregex_iterator it(first.begin(), first.end(), entry), end; it != end; ++it) {
      std::stringstream methods((*it)[1].str());
      for (std::string m; std::getline(methods, m, '/');) out.push_back(m + " " + normalized((*it)[2].str()));
    }
  }
  return out;
}

TEST(RouteTableTest, IsDocsApiMdInItsOrder) {
  const auto documented = documented_endpoints();
  ASSERT_GT(documented.size(), 40u);
  std::vector<std::string> table;
  for (const auto& r : routes()) table.push_back(std::string(r.method) + " " + normalized(std::string(r.pattern)));
  EXPECT_EQ(table, documented);
  EXPECT_EQ(std::set<std::string>(table.begin(), table.end()).size(), table.size()) << "a route is in the table twice";
}

TEST(RouteTableTest, EveryRouteHasAHandler) {
  for (const auto& r : routes()) EXPECT_NE(r.handler, nullptr) << r.method << " " << r.pattern;
}

TEST(RouteTableTest, TheMostSpecificPatternWins) {
  const std::string id(32, 'a');
  auto groups = match_route("GET", {"user", "tokens", "permission_groups"});
  ASSERT_TRUE(groups);
  EXPECT_EQ(groups->rule->pattern, "/user/tokens/permission_groups");
  auto token = match_route("GET", {"user", "tokens", id});
  ASSERT_TRUE(token);
  EXPECT_EQ(token->rule->pattern, "/user/tokens/{token_id}");
  EXPECT_EQ(token->id, id);
  // Whatever the method: the path names /dns_records/batch, whose only method is POST.
  auto batch = match_path({"zones", id, "dns_records", "batch"});
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->rule->pattern, "/zones/{zone_id}/dns_records/batch");
  EXPECT_EQ(route_of(batch->rule->pattern, "GET"), nullptr);
  EXPECT_NE(route_of(batch->rule->pattern, "POST"), nullptr);
  auto record = match_path({"zones", id, "dns_records", "x"});
  ASSERT_TRUE(record);
  EXPECT_EQ(record->rule->pattern, "/zones/{zone_id}/dns_records/{record_id}");
  EXPECT_EQ(record->zone_id, id);
  EXPECT_EQ(record->id, "x");
  EXPECT_FALSE(match_path({"zones", id, "dns_records", "x", "y"}));
}

}  // namespace
}  // namespace dnsedge::api
