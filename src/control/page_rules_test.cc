#include "control/page_rules.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "control/controller.h"
#include "control/errors.h"
#include "dns/name.h"

namespace dnsedge::control {
namespace {

const PageRuleZone kZone{"example.com", {"example.com", "www.example.com", "*.wild.example.com"}};

PageRuleInput input(const std::string& pattern, const std::string& url, int64_t status = 301,
                    const std::string& action = "forwarding_url") {
  PageRuleInput in;
  in.targets = std::vector<PageRuleInput::Target>{{"url", "matches", pattern}};
  in.actions = std::vector<PageRuleInput::Action>{{action, true, url, status}};
  in.status = "active";
  return in;
}

// The reason `in` is refused for (the message after the common prefix), or "ok".
std::string refusal(const PageRuleInput& in, const PageRuleZone& zone = kZone) {
  auto r = check_page_rule(zone, in, nullptr);
  if (r) return "ok";
  EXPECT_EQ(r.error().code, errc::kValidation) << r.error().message;
  EXPECT_EQ(http_status(r.error()), 400);
  const std::string prefix = "Page Rule validation failed: ";
  EXPECT_TRUE(r.error().message.starts_with(prefix)) << r.error().message;
  return r.error().message.substr(prefix.size());
}

bool says(const std::string& message, const std::string& part) { return message.find(part) != std::string::npos; }

TEST(PageRuleCheck, NormalizesThePatternAsCloudflareSavesIt) {
  EXPECT_EQ(normalize_pattern(kZone, "Example.COM").value(), "example.com/");
  EXPECT_EQ(normalize_pattern(kZone, "HTTP://WWW.example.com/Path/*").value(), "http://www.example.com/Path/*");
  EXPECT_EQ(normalize_pattern(kZone, "*example.com/*").value(), "*example.com/*");
  EXPECT_EQ(normalize_pattern(kZone, "www.example.com.:8080/a").value(), "www.example.com:8080/a");
}

TEST(PageRuleCheck, AcceptsOctodnsRulesWithDefaults) {
  PageRuleInput in = input("www.example.com/*", "https://example.com/$1", 302);
  in.status.reset();
  auto r = check_page_rule(kZone, in, nullptr);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->pattern, "www.example.com/*");
  EXPECT_EQ(r->url, "https://example.com/$1");
  EXPECT_EQ(r->status_code, 302);
  EXPECT_EQ(r->priority, 1);
  EXPECT_EQ(r->status, "disabled");  // Cloudflare's default
  EXPECT_EQ(refusal(input("example.com/", "https://www.example.com/")), "ok");
  EXPECT_EQ(refusal(input("*.wild.example.com/*", "http://example.com/$1/$2")), "ok");
  EXPECT_EQ(refusal(input("x.wild.example.com/old", "http://example.com/new")), "ok");  // under the wildcard
  EXPECT_EQ(refusal(input("*example.com/*", "https://www.example.com/$2")), "ok");
  EXPECT_EQ(refusal(input("example.com:8080/*", "https://example.com/$1")), "ok");
  EXPECT_EQ(refusal(input("example.com/*", "https://example.com/price-\\$1")), "ok");
}

TEST(PageRuleCheck, RefusesWhatTheEdgeCannotOrMustNotDo) {
  struct Case {
    PageRuleInput in;
    const char* message;
  };
  PageRuleInput two_targets = input("example.com/*", "https://x.example/");
  two_targets.targets->push_back(two_targets.targets->front());
  PageRuleInput two_actions = input("example.com/*", "https://x.example/");
  two_actions.actions->push_back(two_actions.actions->front());
  PageRuleInput mixed = input("example.com/*", "https://x.example/");
  mixed.actions->push_back(PageRuleInput::Action{"always_use_https", false, "", std::nullopt});
  PageRuleInput no_targets = input("example.com/*", "https://x.example/");
  no_targets.targets.reset();
  PageRuleInput no_value = input("example.com/*", "");
  no_value.actions->front().has_value = false;
  PageRuleInput no_code = input("example.com/*", "https://x.example/");
  no_code.actions->front().status_code.reset();
  PageRuleInput bad_target = input("example.com/*", "https://x.example/");
  bad_target.targets->front().target = "header";
  PageRuleInput bad_op = input("example.com/*", "https://x.example/");
  bad_op.targets->front().op = "contains";
  PageRuleInput bad_priority = input("example.com/*", "https://x.example/");
  bad_priority.priority = 0;
  PageRuleInput bad_status = input("example.com/*", "https://x.example/");
  bad_status.status = "paused";
  const Case cases[] = {
      {input("example.com/*", "https://x.example/", 301, "cache_level"), "the action 'cache_level' is not supported"},
      {mixed, "the action 'always_use_https' is not supported"},
      {two_actions, "cannot be combined"},
      {two_targets, "exactly one target"},
      {no_targets, "targets is required"},
      {no_value, "needs a value"},
      {no_code, "needs a status_code"},
      {bad_target, "target 'header' is not supported"},
      {bad_op, "operator 'contains' is not supported"},
      {bad_priority, "priority must be"},
      {bad_status, "status 'paused'"},
      {input("example.com/*", "https://x.example/", 307), "status_code 307"},
      {input("https://example.com/*", "https://www.example.com/$1"), "TLS is passed through"},
      {input("example.com:443/*", "https://www.example.com/$1"), "an HTTPS port"},
      {input("example.com:22/*", "https://www.example.com/$1"), "not one of the proxied HTTP ports"},
      {input("example.com:8*/*", "https://www.example.com/$1"), "not a port number"},
      {input("ftp://example.com/*", "https://www.example.com/$1"), "scheme 'ftp' is not supported"},
      {input("example.org/*", "https://www.example.com/$1"), "is not example.com or a name below it"},
      {input("notexample.com/*", "https://www.example.com/$1"), "is not example.com or a name below it"},
      {input("*/*", "https://www.example.com/$1"), "is not example.com or a name below it"},
      {input("dnsonly.example.com/*", "https://www.example.com/$1"), "no proxied DNS record matches"},
      {input("", "https://www.example.com/"), "is empty"},
      {input("example.com/" + std::string(2000, 'a'), "https://x.example/"), "over the limit of 1024"},
      {input("example.com/" + std::string(1000, '*'), "https://x.example/"), "1000 wildcards"},
      {input("example.com/a b", "https://x.example/"), "visible ASCII"},
      {input("example.com/\r\nX: y", "https://x.example/"), "visible ASCII"},
      {input("example.com/*", "https://x.example/\r\nSet-Cookie: a=1"), "line break"},
      {input("example.com/*", "https://x.example/\x01"), "visible ASCII"},
      {input("example.com/*", "https://x.example/caf\xc3\xa9"), "visible ASCII"},
      {input("example.com/*", "https://x.example/" + std::string(3000, 'a')), "over the limit of 2048"},
      {input("example.com/*", "www.example.com/$1"), "not an absolute http:// or https:// URL"},
      {input("example.com/*", "javascript:alert(1)"), "not an absolute http:// or https:// URL"},
      {input("example.com/*", "http:///path"), "has no host"},
      {input("example.com/*", "https://x.example/$2"), "refers to $2 but the URL pattern has 1"},
      {input("example.com/*", "https://x.example/$0"), "$0"},
      {input("example.com/*", "https://x.example/" + std::string(17, '$') + "1"), "ok"},
      {input("example.com/*", "https://x.example/$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1"), "over the limit of 16"},
      // Loops: the Location is a URL the rule matches again.
      {input("example.com/*", "http://example.com/$1"), "redirect loop"},
      {input("example.com/", "http://EXAMPLE.com/"), "redirect loop"},
      {input("example.com/*", "http://example.com/index.html"), "redirect loop"},
      {input("*example.com/*", "http://www.example.com/$2"), "redirect loop"},
      {input("http://*.wild.example.com/*", "http://$1.wild.example.com/$2"), "redirect loop"},
  };
  for (const auto& c : cases) {
    const std::string why = refusal(c.in);
    if (std::string(c.message) == "ok") {
      EXPECT_EQ(why, "ok") << c.in.targets->front().value.substr(0, 80);
      continue;
    }
    EXPECT_TRUE(says(why, c.message)) << c.in.targets->front().value.substr(0, 80) << " → " << why.substr(0, 300);
  }
  // Not loops: another host, https, another path.
  EXPECT_EQ(refusal(input("example.com/*", "http://www.example.com/$1")), "ok");
  EXPECT_EQ(refusal(input("example.com/*", "https://example.com/$1")), "ok");
  EXPECT_EQ(refusal(input("example.com/old/*", "http://example.com/new/$1")), "ok");
}

TEST(PageRuleCheck, PatchKeepsWhatItDoesNotName) {
  auto base = check_page_rule(kZone, input("example.com/*", "https://www.example.com/$1"), nullptr);
  ASSERT_TRUE(base) << base.error().message;
  PageRuleInput patch;
  patch.priority = 5;
  auto r = check_page_rule(kZone, patch, &*base);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->pattern, base->pattern);
  EXPECT_EQ(r->url, base->url);
  EXPECT_EQ(r->priority, 5);
  EXPECT_EQ(r->status, "active");
  // A patch that would make the rule invalid as a whole is refused.
  PageRuleInput to_loop;
  to_loop.actions = std::vector<PageRuleInput::Action>{{"forwarding_url", true, "http://example.com/$1", 301}};
  auto loop = check_page_rule(kZone, to_loop, &*base);
  ASSERT_FALSE(loop);
  EXPECT_TRUE(says(loop.error().message, "redirect loop"));
}

TEST(PageRuleCheck, ServedRulesAreTheActiveOnesInTheirOrder) {
  std::map<std::string, store::PageRuleRow> rows;
  auto add = [&](const char* id, int64_t priority, const char* status, const char* created) {
    store::PageRuleRow r;
    r.id = id;
    r.pattern = "example.com/*";
    r.url = "https://x.example/";
    r.priority = priority;
    r.status = status;
    r.created_on = created;
    rows[id] = r;
  };
  EXPECT_EQ(served_page_rules(rows), nullptr);
  add("a", 1, "active", "2026-01-01T00:00:02Z");
  add("b", 1, "active", "2026-01-01T00:00:01Z");
  add("c", 9, "active", "2026-01-01T00:00:03Z");
  add("d", 99, "disabled", "2026-01-01T00:00:00Z");
  auto served = served_page_rules(rows);
  ASSERT_NE(served, nullptr);
  std::vector<std::string> ids;
  for (const auto& r : *served) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"c", "b", "a"}));
}

// ---- through the Controller: store, publish, no serial change ----

struct Fixture {
  common::TempDir dir{"dnsedge-pagerules"};
  common::SnapshotPublisher<view::Catalog> publisher{view::Catalog::empty()};
  std::unique_ptr<Controller> c;
  std::string zid;

  Fixture() {
    reopen();
    zid = c->create_zone("example.com", "", "")->zone.id;
    RecordInput r;
    r.name = "www.example.com";
    r.type = "A";
    r.content = "192.0.2.1";
    r.proxied = true;
    auto rec = c->create_record(zid, r);
    EXPECT_TRUE(rec) << rec.error().message;
  }
  void reopen() {
    c.reset();
    ControllerOptions o;
    o.data_dir = dir.path();
    o.store.durability = store::Durability::kNormal;
    o.edge.v4 = {std::string("\x7f\x00\x00\x0b", 4)};
    o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
    auto opened = Controller::open(std::move(o), publisher);
    ASSERT_TRUE(opened) << opened.error().message;
    c = std::move(*opened);
  }
  // The rules the published catalog carries for example.com.
  std::vector<std::string> published_ids() {
    std::vector<std::string> out;
    auto rules = publisher.current()->page_rules()->find(dns::name_from_text("example.com.").value());
    if (rules) {
      for (const auto& r : *rules) out.push_back(r.id);
    }
    return out;
  }
};

TEST(ControllerPageRules, WritesArePublishedStoredAndLeaveDnsAlone) {
  Fixture f;
  const uint32_t serial = f.c->zone(f.zid)->zone.serial;
  auto a = f.c->create_page_rule(f.zid, input("www.example.com/*", "https://example.com/$1"));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->zone_id, f.zid);
  EXPECT_FALSE(a->created_on.empty());
  EXPECT_EQ(f.published_ids(), std::vector<std::string>{a->id});
  EXPECT_EQ(f.c->zone(f.zid)->zone.serial, serial);  // no DNS change, no new serial

  // Disabled: stored, not published.
  PageRuleInput off;
  off.status = "disabled";
  auto b = f.c->update_page_rule(f.zid, a->id, off, false);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->url, a->url);
  EXPECT_EQ(b->created_on, a->created_on);
  EXPECT_TRUE(f.published_ids().empty());

  // A dry run validates and stores nothing.
  std::vector<ApiMessage> messages;
  auto dry =
      f.c->create_page_rule(f.zid, input("www.example.com/x", "https://example.com/"), {.dry_run = true}, &messages);
  ASSERT_TRUE(dry) << dry.error().message;
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].code, errc::kDryRunMessage);
  EXPECT_EQ(f.c->page_rules(f.zid)->size(), 1u);

  // A refused write changes nothing.
  auto bad = f.c->update_page_rule(f.zid, a->id, input("www.example.com/*", "http://www.example.com/$1"), true);
  ASSERT_FALSE(bad);
  EXPECT_EQ(f.c->page_rule(f.zid, a->id)->url, "https://example.com/$1");

  // PUT replaces: the status takes its default again.
  auto put = f.c->update_page_rule(f.zid, a->id, input("www.example.com/old", "https://example.com/new", 302), true);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->status, "active");
  EXPECT_EQ(put->status_code, 302);

  f.reopen();  // persisted, and published again at load
  auto again = f.c->page_rule(f.zid, a->id);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *put);
  EXPECT_EQ(f.published_ids(), std::vector<std::string>{a->id});

  ASSERT_TRUE(f.c->delete_page_rule(f.zid, a->id));
  EXPECT_TRUE(f.published_ids().empty());
  auto gone = f.c->page_rule(f.zid, a->id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, errc::kObjectNotFound);
  EXPECT_EQ(http_status(gone.error()), 404);
  EXPECT_FALSE(f.c->delete_page_rule(f.zid, a->id));
  EXPECT_EQ(f.c->zone(f.zid)->zone.serial, serial);

  // Deleting the zone takes its rules off the edge.
  ASSERT_TRUE(f.c->create_page_rule(f.zid, input("www.example.com/*", "https://example.com/$1")));
  EXPECT_EQ(f.published_ids().size(), 1u);
  ASSERT_TRUE(f.c->delete_zone(f.zid));
  EXPECT_TRUE(f.published_ids().empty());
}

TEST(ControllerPageRules, AZoneHoldsAtMostItsLimit) {
  Fixture f;
  for (size_t i = 0; i < view::kMaxPageRulesPerZone; ++i) {
    auto r = f.c->create_page_rule(f.zid, input("www.example.com/" + std::to_string(i), "https://example.com/"));
    ASSERT_TRUE(r) << i << ": " << r.error().message;
  }
  auto over = f.c->create_page_rule(f.zid, input("www.example.com/over", "https://example.com/"));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, errc::kValidation);
  EXPECT_TRUE(says(over.error().message, "the most it may hold (125)")) << over.error().message;
  EXPECT_EQ(f.c->page_rules(f.zid)->size(), view::kMaxPageRulesPerZone);
  // Unknown zones are 7003.
  auto unknown = f.c->page_rules(std::string(32, 'a'));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, errc::kZoneNotFound);
}

}  // namespace
}  // namespace dnsedge::control
