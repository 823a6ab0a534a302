#include "api/list_query.h"

#include <gtest/gtest.h>

namespace dnsedge::api {
namespace {

zone::Record rec(std::string name, std::string type, std::string content, bool proxied = false, uint32_t ttl = 1) {
  zone::Record r;
  r.id = name + type + content;
  r.name = std::move(name);
  r.type = std::move(type);
  r.content = std::move(content);
  r.proxied = proxied;
  r.ttl = ttl;
  return r;
}

std::vector<zone::Record> sample() {
  return {rec("a.example.com", "A", "192.0.2.1", true), rec("b.example.com", "A", "192.0.2.2", false, 600),
          rec("example.com", "TXT", "\"hello world\""), rec("example.com", "MX", "mail.example.com"),
          rec("www.example.com", "CNAME", "a.example.com")};
}

std::vector<std::string> names(const std::string& qs) {
  auto r = list_records(sample(), Query::parse(qs), "example.com");
  EXPECT_TRUE(r) << qs;
  std::vector<std::string> out;
  if (r) {
    for (const auto& x : r->first) out.push_back(x.name + "/" + x.type);
  }
  return out;
}

TEST(QueryTest, DecodesPercentAndPlus) {
  auto q = Query::parse("name=a%2Eb&content=hello+world&x&name=last");
  EXPECT_EQ(q.get("name"), "last");
  EXPECT_EQ(q.get("content"), "hello world");
  EXPECT_EQ(q.get("x"), "");
  EXPECT_FALSE(q.get("y"));
  EXPECT_EQ(url_decode("%zz%4"), "%zz%4");
}

TEST(ListRecordsTest, Filters) {
  EXPECT_EQ(names("type=A").size(), 2u);
  EXPECT_EQ(names("type=a").size(), 2u);
  EXPECT_EQ(names("name=A.Example.com."), std::vector<std::string>{"a.example.com/A"});
  EXPECT_EQ(names("name=@").size(), 2u);
  EXPECT_EQ(names("name.startswith=www"), std::vector<std::string>{"www.example.com/CNAME"});
  EXPECT_EQ(names("name.endswith=.example.com").size(), 3u);
  EXPECT_EQ(names("content=hello%20world"), std::vector<std::string>{"example.com/TXT"});
  EXPECT_EQ(names("content=%22hello%20world%22"), std::vector<std::string>{"example.com/TXT"});
  EXPECT_EQ(names("content.contains=example"), (std::vector<std::string>{"example.com/MX", "www.example.com/CNAME"}));
  EXPECT_EQ(names("proxied=true"), std::vector<std::string>{"a.example.com/A"});
  EXPECT_EQ(names("type=MX&name=a.example.com").size(), 0u);
  EXPECT_EQ(names("type=MX&name=a.example.com&match=any").size(), 2u);
  EXPECT_EQ(names("search=hello").size(), 1u);
}

TEST(ListRecordsTest, TxtContentMatchesQuotedOrNotWhicheverWayItWasWritten) {
  const std::vector<zone::Record> recs = {rec("p.example.com", "TXT", "say \"hi\" v=spf1 -all"),
                                          rec("q.example.com", "TXT", "\"v=spf1 \" \"include:x -all\"")};
  auto found = [&](const std::string& qs) {
    auto r = list_records(recs, Query::parse(qs), "example.com");
    EXPECT_TRUE(r) << qs;
    std::vector<std::string> out;
    for (const auto& x : r->first) out.push_back(x.name);
    return out;
  };
  const std::vector<std::string> p = {"p.example.com"}, q = {"q.example.com"};
  EXPECT_EQ(found("content=say%20%22hi%22%20v%3Dspf1%20-all"), p);
  EXPECT_EQ(found("content=%22say%20%5C%22hi%5C%22%20v%3Dspf1%20-all%22"), p);
  EXPECT_EQ(found("content=v%3Dspf1%20include%3Ax%20-all"), q);
  EXPECT_EQ(found("content=%22v%3Dspf1%20include%3Ax%20-all%22"), q);
  EXPECT_EQ(found("content.startswith=%22v%3Dspf1%20%22"), q);
  EXPECT_EQ(found("content=nothing"), std::vector<std::string>{});
}

TEST(ListRecordsTest, OrderAndPaging) {
  EXPECT_EQ(names("order=ttl&direction=desc").front(), "b.example.com/A");
  auto r = list_records(sample(), Query::parse("per_page=2&page=3"), "example.com");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first.size(), 1u);
  EXPECT_EQ(r->second["total_pages"], 3);
  EXPECT_EQ(r->second["count"], 1);
  r = list_records(sample(), Query::parse("per_page=2&page=99"), "example.com");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->first.empty());
  EXPECT_EQ(r->second["total_count"], 5);
  EXPECT_FALSE(list_records(sample(), Query::parse("per_page=x"), "example.com"));
  EXPECT_FALSE(list_records(sample(), Query::parse("order=nope"), "example.com"));
  EXPECT_FALSE(list_records(sample(), Query::parse("proxied=maybe"), "example.com"));
}

TEST(ListRecordsTest, PagesOfASharedListLeaveItUnchanged) {
  const std::vector<zone::Record> all = sample();
  auto page = [&](const std::string& qs) {
    auto r = list_records(all, Query::parse(qs), "example.com");
    EXPECT_TRUE(r) << qs;
    std::vector<std::string> out;
    for (const auto& x : r->first) out.push_back(x.name + "/" + x.type);
    return out;
  };
  // Ties keep the list's order; desc is the asc order reversed.
  EXPECT_EQ(page("order=type&per_page=2&page=1"), (std::vector<std::string>{"a.example.com/A", "b.example.com/A"}));
  EXPECT_EQ(page("order=type&per_page=2&page=2"),
            (std::vector<std::string>{"www.example.com/CNAME", "example.com/MX"}));
  EXPECT_EQ(page("order=type&direction=desc&per_page=3"),
            (std::vector<std::string>{"example.com/TXT", "example.com/MX", "www.example.com/CNAME"}));
  EXPECT_EQ(page("direction=desc&per_page=1"), std::vector<std::string>{"www.example.com/CNAME"});
  EXPECT_EQ(page("type=A&match=any&search=hello&per_page=2&page=2"), std::vector<std::string>{"example.com/TXT"});
  EXPECT_EQ(all, sample());
}

}  // namespace
}  // namespace dnsedge::api
