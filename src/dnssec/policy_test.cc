#include "dnssec/policy.h"

#include <gtest/gtest.h>

#include <chrono>

namespace dnsedge::dnssec {
namespace {

using std::chrono::seconds;

TEST(ValidityPolicyTest, WindowAndRefresh) {
  ValidityPolicy p;
  p.validity = std::chrono::hours(24 * 7);
  ASSERT_TRUE(p.check());
  const int64_t now = 1800000000;
  const Validity v = p.at(now);
  EXPECT_EQ(v.inception, now - 3600);
  EXPECT_EQ(v.expiration, now + 7 * 86400);
  EXPECT_FALSE(p.needs_refresh(v, now));
  // The whole period is 7 days + 1 hour; a quarter of it is 42.25 hours.
  const int64_t quarter = (7 * 86400 + 3600) / 4;
  EXPECT_FALSE(p.needs_refresh(v, v.expiration - quarter - 1));
  EXPECT_TRUE(p.needs_refresh(v, v.expiration - quarter + 1));
  EXPECT_TRUE(p.needs_refresh(v, v.expiration + 1));
  EXPECT_TRUE(p.needs_refresh(v, v.inception - 1));
  ValidityPolicy bad;
  bad.validity = seconds(10);
  EXPECT_FALSE(bad.check());
  bad = ValidityPolicy{};
  bad.refresh_fraction = 1.5;
  EXPECT_FALSE(bad.check());
}

TEST(RolloverSettingsTest, Minimums) {
  RolloverSettings s;
  EXPECT_TRUE(s.check());
  s = {seconds(20), seconds(2), seconds(1), seconds(3)};  // second-scale settings are allowed
  EXPECT_TRUE(s.check());
  s.dnskey_ttl = seconds(0);
  EXPECT_NE(s.check().error().message.find("DNSKEY TTL"), std::string::npos);
  s = {seconds(3), seconds(2), seconds(1), seconds(3)};  // lifetime not above Ipub
  EXPECT_NE(s.check().error().message.find("must exceed"), std::string::npos);
}

// A whole pre-publication rollover on a fake clock: at each step, which keys are in the DNSKEY
// set and which one signs.
TEST(RolloverTest, FullPrePublicationRollover) {
  const RolloverSettings s{seconds(1000), seconds(60), seconds(40), seconds(300)};
  ASSERT_TRUE(s.check());
  // Ipub = 100 s, Iret = 340 s.
  FakeClock clock(std::chrono::system_clock::time_point(seconds(1800000000)));
  const int64_t t0 = unix_seconds(clock);
  std::vector<ZskState> keys;
  int made = 0;
  // What the caller does: advance, create a key when asked, advance again.
  auto tick = [&] {
    RolloverStep st = advance(keys, unix_seconds(clock), s);
    if (st.need_new_key) {
      keys.push_back({"zsk" + std::to_string(++made), KeyPhase::kCreated, unix_seconds(clock)});
      st = advance(keys, unix_seconds(clock), s);
      EXPECT_FALSE(st.need_new_key);
    }
    return st;
  };
  using V = std::vector<std::string>;

  // Signing starts: the first ZSK is published and signs at once.
  EXPECT_TRUE(tick().changed);
  EXPECT_EQ(dnskey_set(keys), (V{"zsk1"}));
  EXPECT_EQ(signing_key(keys), "zsk1");
  EXPECT_EQ(next_event(keys, s), t0 + 1000 - 100);

  // Nothing happens until the successor is due (lifetime - Ipub).
  clock.advance(seconds(899));
  EXPECT_FALSE(tick().changed);
  EXPECT_EQ(dnskey_set(keys), (V{"zsk1"}));

  // Pre-publication: zsk2 is in the DNSKEY set; zsk1 still signs.
  clock.advance(seconds(1));
  EXPECT_TRUE(tick().changed);
  EXPECT_EQ(dnskey_set(keys), (V{"zsk1", "zsk2"}));
  EXPECT_EQ(signing_key(keys), "zsk1");
  EXPECT_EQ(keys[1].phase, KeyPhase::kPublished);
  EXPECT_EQ(next_event(keys, s), t0 + 1000);

  // Before zsk1's lifetime ends, nothing moves.
  clock.advance(seconds(99));
  EXPECT_FALSE(tick().changed);
  EXPECT_EQ(signing_key(keys), "zsk1");

  // The switch: zsk2 signs, zsk1 is retired but stays published for cached signatures.
  clock.advance(seconds(1));
  EXPECT_TRUE(tick().changed);
  EXPECT_EQ(signing_key(keys), "zsk2");
  EXPECT_EQ(dnskey_set(keys), (V{"zsk1", "zsk2"}));
  EXPECT_EQ(keys[0].phase, KeyPhase::kRetired);
  EXPECT_EQ(keys[0].retired, t0 + 1000);
  EXPECT_EQ(next_event(keys, s), t0 + 1000 + 340);

  clock.advance(seconds(339));
  EXPECT_FALSE(tick().changed);
  EXPECT_EQ(dnskey_set(keys), (V{"zsk1", "zsk2"}));

  // Iret later zsk1 leaves the DNSKEY set.
  clock.advance(seconds(1));
  EXPECT_TRUE(tick().changed);
  EXPECT_EQ(dnskey_set(keys), (V{"zsk2"}));
  EXPECT_EQ(keys[0].phase, KeyPhase::kRemoved);
  EXPECT_EQ(keys[0].removed, t0 + 1340);
  EXPECT_EQ(signing_key(keys), "zsk2");

  // The next cycle starts from zsk2's activation: its successor comes at t0 + 1000 + 900.
  clock.set(std::chrono::system_clock::time_point(seconds(t0 + 1899)));
  EXPECT_FALSE(tick().changed);
  clock.advance(seconds(1));
  EXPECT_TRUE(tick().changed);
  EXPECT_EQ(dnskey_set(keys), (V{"zsk2", "zsk3"}));
  EXPECT_EQ(signing_key(keys), "zsk2");
  // Every phase time of zsk1 was recorded.
  EXPECT_EQ(keys[0].created, t0);
  EXPECT_EQ(keys[0].published, t0);
  EXPECT_EQ(keys[0].active, t0);
}

TEST(RolloverTest, ClockJumpRunsEveryDueStepInOrder) {
  const RolloverSettings s{seconds(1000), seconds(60), seconds(40), seconds(300)};
  std::vector<ZskState> keys{{"a", KeyPhase::kCreated, 100}};
  ASSERT_TRUE(advance(keys, 100, s).changed);
  // A server down for a long time: the successor must still be pre-published for Ipub before
  // it signs, never switched in unannounced.
  RolloverStep st = advance(keys, 100000, s);
  ASSERT_TRUE(st.need_new_key);
  keys.push_back({"b", KeyPhase::kCreated, 100000});
  advance(keys, 100000, s);
  EXPECT_EQ(signing_key(keys), "a");
  EXPECT_EQ(keys[1].phase, KeyPhase::kPublished);
  advance(keys, 100099, s);
  EXPECT_EQ(signing_key(keys), "a");
  advance(keys, 100100, s);
  EXPECT_EQ(signing_key(keys), "b");
}

}  // namespace
}  // namespace dnsedge::dnssec
