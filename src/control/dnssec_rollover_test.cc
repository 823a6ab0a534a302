// ZSK rollover and signature refresh over the store, driven by a fake clock: a whole rollover
// (created → published → active → retired → removed), the DNSKEY set always holding the key of
// every signature a cache may hold, signatures re-signed before they need refresh, and zones
// without signing status left alone.
#include "control/dnssec_rollover.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/temp_dir.h"
#include "control/controller.h"
#include "dns/name.h"
#include "dns/zonefile.h"
#include "dnssec/key.h"
#include "view/zone_view.h"

namespace dnsedge::control {
namespace {

using std::chrono::seconds;

constexpr int64_t kStart = 1'800'000'000;

struct RolloverFixture {
  common::TempDir dir{"dnsedge-control-rollover"};
  common::SnapshotPublisher<view::Catalog> publisher{view::Catalog::empty()};
  zone::FakeClock clock{std::chrono::system_clock::time_point(seconds(kStart))};
  std::vector<std::string> logs;
  std::vector<std::pair<int64_t, std::string>> resigns;  // (time, zone)
  std::unique_ptr<Controller> c;
  std::unique_ptr<DnssecRollover> roll;

  explicit RolloverFixture(dnssec::RolloverSettings s, dnssec::ValidityPolicy v = {}) {
    ControllerOptions o;
    o.data_dir = dir.path();
    o.store.durability = store::Durability::kNormal;
    o.nameservers = {dns::name_from_text("ns1.dnsedge.test.").value()};
    o.clock = &clock;
    o.log = [this](const std::string& line) { logs.push_back(line); };
    auto opened = Controller::open(std::move(o), publisher);
    EXPECT_TRUE(opened) << opened.error().message;
    c = std::move(*opened);
    RolloverOptions ro;
    ro.settings = s;
    ro.validity = v;
    ro.clock = &clock;
    ro.resign = [this](const std::string& zone) -> Result<void> {
      resigns.emplace_back(now(), zone);
      return {};
    };
    ro.log = [this](const std::string& line) { logs.push_back(line); };
    roll = std::make_unique<DnssecRollover>(*c, std::move(ro));
  }
  int64_t now() const { return dnssec::unix_seconds(clock); }
  void set(int64_t t) { clock.set(std::chrono::system_clock::time_point(seconds(t))); }
  std::vector<store::DnssecKeyRow> zsks(const std::string& zone) {
    std::vector<store::DnssecKeyRow> out;
    auto rows = c->store().dnssec_keys(zone);
    EXPECT_TRUE(rows) << rows.error().message;
    if (!rows) return out;
    for (auto& k : *rows) {
      if (k.role == "zsk") out.push_back(k);
    }
    return out;
  }
};

dnssec::RolloverSettings short_settings() {
  dnssec::RolloverSettings s;
  s.zsk_lifetime = seconds(1000);
  s.dnskey_ttl = seconds(10);
  s.propagation_delay = seconds(10);
  return s;
}

// The published ZSKs (ids) and the signer in the store now.
struct KeyState {
  std::set<std::string> published;
  std::string signer;
};
KeyState state_of(const std::vector<store::DnssecKeyRow>& rows) {
  KeyState s;
  for (const auto& r : rows) {
    if (r.phase == "published" || r.phase == "active" || r.phase == "retired") s.published.insert(r.id);
    if (r.phase == "active") s.signer = r.id;
  }
  return s;
}

TEST(DnssecRolloverTest, WholeRolloverNeverLeavesACachedSignatureWithoutItsKey) {
  RolloverFixture f(short_settings());
  auto z = f.c->create_zone("example.com", "", "");
  ASSERT_TRUE(z);
  ASSERT_TRUE(f.c->set_dnssec(z->zone.id, true));
  // The zone's data caches at most this long: its SOA TTL is the largest of its TTLs.
  const int64_t max_ttl = DnssecRollover::max_ttl_of(*f.c, z->zone.id, 10);
  EXPECT_EQ(max_ttl, 86400);  // the apex NS TTL default
  DnsSettingsPatch p;
  p.ns_ttl = 60;
  ASSERT_TRUE(f.c->update_dns_settings(z->zone.id, p));
  ASSERT_EQ(DnssecRollover::max_ttl_of(*f.c, z->zone.id, 10), 3600);  // the SOA TTL now
  const int64_t ipub = 20, iret = 10 + 3600;

  // Drive the clock the way the timer does: from one due time to the next.
  std::vector<std::pair<int64_t, KeyState>> history;
  std::map<std::string, std::string> phases_seen;  // id → its phases in order: "published>active>..."
  std::map<std::string, std::string> last_phase;
  int64_t t = kStart;
  for (int i = 0; i < 200 && t < kStart + 6000; ++i) {
    f.set(t);
    std::vector<RolloverZoneReport> reps;
    const int64_t next = f.roll->run_once(&reps);
    ASSERT_EQ(reps.size(), 1u);
    EXPECT_TRUE(reps[0].error.empty()) << reps[0].error;
    auto rows = f.zsks("example.com");
    for (const auto& r : rows) {
      if (last_phase[r.id] == r.phase) continue;
      auto& seen = phases_seen[r.id];
      seen += (seen.empty() ? "" : ">") + r.phase;
      last_phase[r.id] = r.phase;
    }
    history.emplace_back(t, state_of(rows));
    ASSERT_GT(next, t) << "the next pass is due after this one";
    t = next;
  }
  ASSERT_GE(t, kStart + 6000) << "the timer kept waking up";

  // The first key: active at once (the zone was not signed before), retired after its lifetime
  // and removed once its signatures left the caches. Its successor went through every phase
  // (created and published in the same pass: nothing waits between the two).
  const auto rows = f.zsks("example.com");
  ASSERT_GE(rows.size(), 4u);
  EXPECT_EQ(phases_seen[rows[0].id], "active>retired>removed");
  EXPECT_EQ(phases_seen[rows[1].id], "published>active>retired>removed");
  EXPECT_EQ(rows[1].created, kStart + 1000 - ipub);
  EXPECT_EQ(rows[1].published, kStart + 1000 - ipub);
  EXPECT_EQ(rows[1].active, kStart + 1000);
  EXPECT_EQ(rows[1].retired, kStart + 2000);
  EXPECT_EQ(rows[1].removed, kStart + 2000 + iret);
  EXPECT_EQ(rows[0].removed, kStart + 1000 + iret);
  for (const auto& r : rows) {
    auto key = dnssec::Key::from_pem(r.private_pem, dnssec::kFlagsZsk);
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(key->key_tag(), r.key_tag);
  }

  // Every new signer was published at least Ipub before it signs (a validator's cached DNSKEY
  // set has it); every key stays published while signatures it made may be cached (Iret after
  // it last signed). The state is constant between two passes, so checking at each pass covers
  // all times.
  std::map<std::string, int64_t> first_published, signed_until;
  for (size_t i = 0; i < history.size(); ++i) {
    const auto& [time, st] = history[i];
    ASSERT_FALSE(st.signer.empty()) << "no signing key at " << time;
    for (const auto& id : st.published) first_published.emplace(id, time);
    signed_until[st.signer] = time;
    if (i > 0 && history[i - 1].second.signer != st.signer) {
      signed_until[history[i - 1].second.signer] = time;
      EXPECT_GE(time - first_published[st.signer], ipub) << "signer published too late";
    }
    for (const auto& [id, until] : signed_until) {
      if (time < until + iret) {
        EXPECT_TRUE(st.published.count(id)) << "key " << id << " left the DNSKEY set at " << time
                                            << " while signatures made until " << until << " may be cached";
      }
    }
  }
  // Each change of the DNSKEY set or of the signer re-signed the zone at that moment.
  std::set<int64_t> resign_times;
  for (const auto& [time, zone] : f.resigns) {
    EXPECT_EQ(zone, "example.com");
    resign_times.insert(time);
  }
  for (size_t i = 1; i < history.size(); ++i) {
    if (history[i].second.published != history[i - 1].second.published ||
        history[i].second.signer != history[i - 1].second.signer) {
      EXPECT_TRUE(resign_times.count(history[i].first)) << "no re-sign at " << history[i].first;
    }
  }
}

TEST(DnssecRolloverTest, SignaturesAreRefreshedBeforeTheyExpire) {
  dnssec::RolloverSettings s;  // 90 days: no rollover in this test
  dnssec::ValidityPolicy v;
  v.inception_offset = seconds(10);
  v.validity = seconds(200);
  v.refresh_fraction = 0.25;
  RolloverFixture f(s, v);
  auto z = f.c->create_zone("example.com", "", "");
  ASSERT_TRUE(z);
  ASSERT_TRUE(f.c->set_dnssec(z->zone.id, true));

  int64_t t = kStart;
  int64_t signed_at = kStart - DnssecRollover::kMaxSleep.count();  // compiled before the first pass
  for (int i = 0; i < 20; ++i) {
    f.set(t);
    const size_t before = f.resigns.size();
    const int64_t next = f.roll->run_once();
    if (f.resigns.size() > before) signed_at = t;
    // The signatures served now are valid, and not yet in need of refresh once a pass is due.
    const dnssec::Validity made = v.at(signed_at);
    EXPECT_LT(static_cast<int64_t>(made.inception), t);
    EXPECT_GT(static_cast<int64_t>(made.expiration), next) << "signatures would expire before the next pass";
    EXPECT_FALSE(v.needs_refresh(made, next - 1));
    ASSERT_GT(next, t);
    t = next;
  }
  EXPECT_GE(f.resigns.size(), 10u);
  // Never re-signed for keys: the key set did not change.
  for (const auto& line : f.logs) EXPECT_EQ(line.find("reason=keys"), std::string::npos) << line;
}

// A zone file signed online ([[dnssec]]) keeps its first ZSK, but its signatures are refreshed
// like a store zone's: the pass asks the app to sign the zone files again (resign_files).
TEST(DnssecRolloverTest, SignedZoneFilesAreRefreshedThroughTheApp) {
  dnssec::ValidityPolicy v;
  v.inception_offset = seconds(10);
  v.validity = seconds(200);
  v.refresh_fraction = 0.25;
  RolloverFixture f(short_settings(), v);
  const std::string apex = dns::name_from_text("files.test.").value();
  auto parsed = dns::parse_zone_text("$TTL 300\n@ SOA ns1 host 7 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.53\n", apex);
  ASSERT_TRUE(parsed) << parsed.error().message;
  f.c->set_file_zones({view::ZoneView::compile(apex, parsed->records).value()});
  ASSERT_TRUE(f.c->file_zone_signing(apex));
  const auto keys = f.zsks("files.test");
  int asked = 0, store_resigns = 0;
  RolloverOptions ro;
  ro.settings = short_settings();
  ro.validity = v;
  ro.clock = &f.clock;
  ro.resign = [&](const std::string&) -> Result<void> {
    ++store_resigns;
    return {};
  };
  ro.resign_files = [&] { ++asked; };
  DnssecRollover r(*f.c, std::move(ro));
  f.set(kStart);
  const int64_t due = r.run_once();
  EXPECT_EQ(asked, 0) << "signed at most a sleep ago: not due yet";
  ASSERT_GT(due, kStart);
  f.set(due);
  std::vector<RolloverZoneReport> reps;
  const int64_t next = r.run_once(&reps);
  EXPECT_EQ(asked, 1);
  ASSERT_EQ(reps.size(), 1u);
  EXPECT_TRUE(reps[0].resigned);
  EXPECT_GT(next, due);
  // Far past the ZSK lifetime: refreshed again, but no successor key for a zone file.
  f.set(kStart + 5000);
  r.run_once();
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(store_resigns, 0);
  EXPECT_EQ(f.zsks("files.test"), keys);
}

TEST(DnssecRolloverTest, ZonesNotSigningAreLeftAlone) {
  RolloverFixture f(short_settings());
  auto on = f.c->create_zone("signed.example", "", "");
  auto off = f.c->create_zone("plain.example", "", "");
  auto disabled = f.c->create_zone("disabled.example", "", "");
  ASSERT_TRUE(on && off && disabled);
  ASSERT_TRUE(f.c->set_dnssec(on->zone.id, true));
  ASSERT_TRUE(f.c->set_dnssec(disabled->zone.id, true));
  ASSERT_TRUE(f.c->set_dnssec(disabled->zone.id, false));
  const auto before = f.zsks("disabled.example");
  f.set(kStart + 990);
  std::vector<RolloverZoneReport> reps;
  f.roll->run_once(&reps);
  ASSERT_EQ(reps.size(), 1u);
  EXPECT_EQ(reps[0].zone, "signed.example");
  EXPECT_EQ(reps[0].created.size(), 1u);
  EXPECT_EQ(f.zsks("disabled.example"), before);
  EXPECT_TRUE(f.zsks("plain.example").empty());
}

TEST(DnssecRolloverTest, AFailedResignIsRetriedSoonAndNamesTheZone) {
  RolloverFixture f(short_settings());
  auto z = f.c->create_zone("example.com", "", "");
  ASSERT_TRUE(z);
  ASSERT_TRUE(f.c->set_dnssec(z->zone.id, true));
  RolloverOptions ro;
  ro.settings = short_settings();
  ro.clock = &f.clock;
  int calls = 0;
  ro.resign = [&](const std::string&) -> Result<void> {
    ++calls;
    return make_error("keys do not load");
  };
  ro.log = [&](const std::string& line) { f.logs.push_back(line); };
  DnssecRollover failing(*f.c, std::move(ro));
  f.set(kStart + 985);  // the successor is due: the DNSKEY set changes
  const int64_t next = failing.run_once();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(next, kStart + 985 + DnssecRollover::kRetrySeconds);
  bool logged = false;
  for (const auto& l : f.logs) {
    logged = logged || (l.find("dnssec_rollover_failed zone=example.com") != std::string::npos &&
                        l.find("keys do not load") != std::string::npos);
  }
  EXPECT_TRUE(logged);
  // The phase change is stored; the next pass re-signs because the signature is still owed.
  f.set(kStart + 990);
  failing.run_once();
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace dnsedge::control
