#include "xfr/nsec_chain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <set>

#include "dns/name.h"
#include "dns/zonefile.h"
#include "dnssec/denial.h"
#include "view/model.h"
#include "xfr/journal.h"

namespace dnsedge::xfr {
namespace {

constexpr int64_t kNow = 1'800'000'000;

std::string W(const char* t) { return dns::name_from_text(t).value(); }

// The views' signatures are made at kNow unless a test gives its own clock.
const dnssec::FakeClock& clock_at_now() {
  static const dnssec::FakeClock c{std::chrono::system_clock::time_point(std::chrono::seconds(kNow))};
  return c;
}

std::shared_ptr<const dnssec::ZoneSigning> signing(const dnssec::Key* zsk = nullptr,
                                                   const dnssec::Clock* clock = &clock_at_now()) {
  auto s = std::make_shared<dnssec::ZoneSigning>();
  s->apex = W("example.com.");
  s->clock = clock;
  auto ksk = dnssec::Key::generate(dnssec::kFlagsKsk);
  EXPECT_TRUE(ksk);
  s->ksks.push_back(*ksk);
  if (zsk != nullptr) {
    s->zsk = *zsk;
  } else {
    auto k = dnssec::Key::generate(dnssec::kFlagsZsk);
    EXPECT_TRUE(k);
    s->zsk = *k;
  }
  s->dnskeys = {s->ksks[0], *s->zsk};
  return s;
}

std::vector<dns::ZoneRecord> records(const std::string& text) {
  auto zt = dns::parse_zone_text(text, W("example.com."), "t.zone");
  EXPECT_TRUE(zt) << zt.error().message;
  return zt ? zt->records : std::vector<dns::ZoneRecord>{};
}

std::shared_ptr<const view::ZoneView> compile(const std::string& text,
                                              std::shared_ptr<const dnssec::ZoneSigning> s = signing()) {
  auto v = view::ZoneView::compile(W("example.com."), records(text), view::CompileOptions{.signing = std::move(s)});
  EXPECT_TRUE(v) << v.error().message;
  return *v;
}

const char* kSoa = "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n";

std::vector<Rr> of_type(const std::vector<Rr>& rrs, uint16_t type) {
  std::vector<Rr> out;
  for (const Rr& r : rrs) {
    if (r.type == type) out.push_back(r);
  }
  return out;
}

std::vector<Rr> chain_rrs(const NsecChain& c) {
  std::vector<Rr> out;
  c.append_records(out);
  return out;
}

// The NSEC rdata's next name and types.
std::pair<std::string, std::string> split_nsec(const std::string& rdata) {
  size_t off = 0;
  while (off < rdata.size() && rdata[off] != 0) off += 1 + static_cast<uint8_t>(rdata[off]);
  ++off;
  return {dns::name_to_text(rdata.substr(0, off)), rdata.substr(off)};
}

std::string bitmap(std::initializer_list<uint16_t> types) {
  std::vector<uint16_t> t(types);
  return dnssec::type_bitmap(t);
}

TEST(NsecChainTest, CanonicalOrderIsRfc4034Section6_1) {
  // The example list of RFC 4034 §6.1, in order (lowercase, as views store names).
  const std::vector<std::string> ordered = {W("example."),
                                            W("a.example."),
                                            W("yljkjljk.a.example."),
                                            W("z.a.example."),
                                            W("zabc.a.example."),
                                            W("z.example."),
                                            std::string("\x01\x01\x01z\x07"
                                                        "example\x00",
                                                        12),
                                            W("*.z.example."),
                                            std::string("\x01\x80\x01z\x07"
                                                        "example\x00",
                                                        12)};
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(canonical_key(ordered[i]), canonical_key(ordered[i + 1])) << i;
  }
  // A label that is a prefix of another sorts first; an octet 0 sorts after the end of a label.
  EXPECT_LT(canonical_key(W("a.example.")), canonical_key(W("ab.example.")));
  EXPECT_LT(canonical_key(W("a.example.")), canonical_key(std::string("\x02"
                                                                      "a\x00\x07"
                                                                      "example\x00",
                                                                      12)));
  EXPECT_LT(canonical_key(std::string("\x02"
                                      "a\x00\x07"
                                      "example\x00",
                                      12)),
            canonical_key(W("a\\001.example.")));
}

TEST(NsecChainTest, ChainCoversAuthoritativeNamesAndDelegationsInOrder) {
  const auto v = compile(std::string(kSoa) +
                         "www A 192.0.2.1\nwww AAAA 2001:db8::1\nmail MX 10 mx\nmx A 192.0.2.2\n"
                         "deep.ent TXT \"x\"\n*.wild A 192.0.2.3\n"
                         "sub NS ns.sub\nns.sub A 192.0.2.4\nsub DS 12345 13 2 "
                         "0000000000000000000000000000000000000000000000000000000000000000\n"
                         "Z TXT \"z\"\n");
  NsecChain c;
  std::vector<Rr> added;
  ASSERT_TRUE(c.update(*v, std::nullopt, kNow, nullptr, &added));
  const std::vector<Rr> all = chain_rrs(c);
  const auto nsecs = of_type(all, 47);
  std::vector<std::string> owners, nexts;
  for (const Rr& r : nsecs) {
    owners.push_back(dns::name_to_text(r.owner));
    nexts.push_back(split_nsec(r.rdata).first);
    EXPECT_EQ(r.ttl, 300u);  // min(SOA TTL, SOA MINIMUM), RFC 9077
  }
  // No NSEC at the empty non-terminals (ent, wild) nor at the glue below the cut (ns.sub).
  const std::vector<std::string> want = {"example.com.",        "deep.ent.example.com.", "mail.example.com.",
                                         "mx.example.com.",     "ns1.example.com.",      "sub.example.com.",
                                         "*.wild.example.com.", "www.example.com.",      "z.example.com."};
  EXPECT_EQ(owners, want);
  for (size_t i = 0; i < owners.size(); ++i) EXPECT_EQ(nexts[i], owners[(i + 1) % owners.size()]) << owners[i];
  std::map<std::string, std::string> bitmaps;
  for (const Rr& r : nsecs) bitmaps[dns::name_to_text(r.owner)] = split_nsec(r.rdata).second;
  EXPECT_EQ(bitmaps["example.com."], bitmap({2, 6, 46, 47, 48, 59, 60}));  // DNSKEY, CDS, CDNSKEY
  EXPECT_EQ(bitmaps["www.example.com."], bitmap({1, 28, 46, 47}));
  EXPECT_EQ(bitmaps["sub.example.com."], bitmap({2, 43, 46, 47}));  // NS, DS at the cut
  EXPECT_EQ(bitmaps["*.wild.example.com."], bitmap({1, 46, 47}));
  // Every NSEC is signed with the ZSK, and what update() reported added is the chain.
  const auto sigs = of_type(all, 46);
  ASSERT_EQ(sigs.size(), nsecs.size());
  for (size_t i = 0; i < nsecs.size(); ++i) {
    const std::string_view rd[1] = {nsecs[i].rdata};
    EXPECT_TRUE(
        dnssec::verify_rrset(dnssec::RRsetRef{nsecs[i].owner, 47, 1, 300, rd}, sigs[i].rdata, *v->signing()->zsk));
    EXPECT_TRUE(dnssec::check_time(sigs[i].rdata, static_cast<uint32_t>(kNow)));
  }
  std::sort(added.begin(), added.end());
  std::vector<Rr> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(added, sorted);
  EXPECT_EQ(c.signatures(), nsecs.size());
}

TEST(NsecChainTest, UnsignedOrKeylessZonesHaveNoChain) {
  auto plain = view::ZoneView::compile(W("example.com."), records(kSoa));
  ASSERT_TRUE(plain);
  NsecChain c;
  EXPECT_FALSE(c.update(**plain, std::nullopt, kNow, nullptr, nullptr));
  auto broken = std::make_shared<dnssec::ZoneSigning>(*signing());
  broken->unusable = "key 3 does not load";
  const auto v = compile(kSoa, broken);
  auto r = c.update(*v, std::nullopt, kNow, nullptr, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("example.com."), std::string::npos);
  auto r2 = SignedZones().chain_records(*v, kNow);
  EXPECT_FALSE(r2);
}

// Random writes through the model (the controller's path): after each, the incremental update
// gives the chain a fresh build gives, re-signs only a few NSECs, and its delta turns the old
// chain into the new one.
TEST(NsecChainTest, IncrementalUpdateEqualsAFreshBuild) {
  std::mt19937 rng(15);
  const auto s = signing();
  std::string text = kSoa;
  for (int i = 0; i < 300; ++i) text += "h" + std::to_string(i) + " A 192.0.2." + std::to_string(i % 250 + 1) + "\n";
  text += "sub NS ns.sub\nns.sub A 192.0.2.9\n";
  auto model = view::ZoneModel::build(W("example.com."), records(text), view::CompileOptions{.signing = s});
  ASSERT_TRUE(model) << model.error().message;
  NsecChain inc;
  ASSERT_TRUE(inc.update(*(*model)->view(), std::nullopt, kNow, nullptr, nullptr));
  for (int round = 0; round < 40; ++round) {
    const auto before = (*model)->view();
    std::vector<view::OwnerChange> changes;
    std::set<std::string> touched;
    for (int k = 0; k < 3; ++k) {
      const std::string label = "n" + std::to_string(rng() % 40) + (rng() % 3 == 0 ? ".deep" : "");
      const std::string owner = W((label + ".example.com.").c_str());
      if (!touched.insert(owner).second) continue;
      view::OwnerChange c{owner, {}};
      switch (rng() % 3) {
        case 0:
          break;  // the name goes (or stays absent)
        case 1:
          c.records = records(label + " A 192.0.2.7\n");
          break;
        default:
          c.records = records(label + " TXT \"t\"\n" + label + " AAAA 2001:db8::7\n");
      }
      changes.push_back(std::move(c));
    }
    auto after = (*model)->update(std::move(changes), nullptr);
    ASSERT_TRUE(after) << after.error().message;
    const auto names = (*after)->changed_since(before->id());
    std::vector<Rr> old = chain_rrs(inc), removed, added;
    const uint64_t signed_before = inc.signatures();
    ASSERT_TRUE(inc.update(**after, names, kNow + round, &removed, &added));
    EXPECT_LE(inc.signatures() - signed_before, 7u);  // the changed names and their predecessors
    NsecChain fresh;
    ASSERT_TRUE(fresh.update(**after, std::nullopt, kNow, nullptr, nullptr));
    EXPECT_EQ(of_type(chain_rrs(inc), 47), of_type(chain_rrs(fresh), 47)) << "round " << round;
    // old - removed + added == new
    std::sort(old.begin(), old.end());
    std::sort(removed.begin(), removed.end());
    std::sort(added.begin(), added.end());
    std::vector<Rr> rest, next, now = chain_rrs(inc);
    std::set_difference(old.begin(), old.end(), removed.begin(), removed.end(), std::back_inserter(rest));
    EXPECT_EQ(rest.size() + removed.size(), old.size());  // every removed RR was there
    std::set_union(rest.begin(), rest.end(), added.begin(), added.end(), std::back_inserter(next));
    std::sort(now.begin(), now.end());
    EXPECT_EQ(next, now) << "round " << round;
  }
}

TEST(NsecChainTest, NewZskOrExpiringSignaturesResignTheChain) {
  const auto v1 = compile(std::string(kSoa) + "a A 192.0.2.1\nb A 192.0.2.2\n");
  NsecChain c;
  ASSERT_TRUE(c.update(*v1, std::nullopt, kNow, nullptr, nullptr));
  EXPECT_EQ(c.signatures(), 4u);
  // The same view a day later: nothing to do.
  std::vector<Rr> removed, added;
  ASSERT_TRUE(c.update(*v1, std::vector<std::string>{}, kNow + 86400, &removed, &added));
  EXPECT_EQ(c.signatures(), 4u);
  EXPECT_TRUE(added.empty());
  // Past three quarters of the validity (14 days): every signature again.
  ASSERT_TRUE(c.update(*v1, std::vector<std::string>{}, kNow + 12 * 86400, &removed, &added));
  EXPECT_EQ(c.signatures(), 8u);
  EXPECT_EQ(removed.size(), 8u);
  EXPECT_EQ(added.size(), 8u);
  // A new ZSK (a rollover): every NSEC signed with it.
  const auto v2 = compile(std::string(kSoa) + "a A 192.0.2.1\nb A 192.0.2.2\n");
  ASSERT_TRUE(c.update(*v2, std::vector<std::string>{}, kNow + 12 * 86400, nullptr, nullptr));
  EXPECT_EQ(c.signatures(), 12u);
  const auto all = chain_rrs(c);
  const auto nsecs = of_type(all, 47), sigs = of_type(all, 46);
  for (size_t i = 0; i < nsecs.size(); ++i) {
    const std::string_view rd[1] = {nsecs[i].rdata};
    EXPECT_TRUE(
        dnssec::verify_rrset(dnssec::RRsetRef{nsecs[i].owner, 47, 1, 300, rd}, sigs[i].rdata, *v2->signing()->zsk));
  }
}

// The view signed anew (its DNSKEY set's RRSIG expires later than the NSECs'): the chain is
// signed again with it, so it never expires before the view's own signatures.
TEST(NsecChainTest, AViewSignedAnewResignsOlderNsecs) {
  dnssec::FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(kNow))};
  const auto s = signing(nullptr, &clock);
  const std::string text = std::string(kSoa) + "a A 192.0.2.1\n";
  const auto v1 = compile(text, s);
  NsecChain c;
  ASSERT_TRUE(c.update(*v1, std::nullopt, kNow, nullptr, nullptr));
  EXPECT_EQ(c.signatures(), 3u);
  // The same view an hour later: nothing to do.
  ASSERT_TRUE(c.update(*v1, std::vector<std::string>{}, kNow + 3600, nullptr, nullptr));
  EXPECT_EQ(c.signatures(), 3u);
  // Ten days later the view is signed again: every NSEC with it.
  clock.set(std::chrono::system_clock::time_point(std::chrono::seconds(kNow + 86400 * 10)));
  const auto later = compile(text, s);
  std::vector<Rr> removed, added;
  ASSERT_TRUE(c.update(*later, std::vector<std::string>{}, kNow + 86400 * 10, &removed, &added));
  EXPECT_EQ(c.signatures(), 6u);
  EXPECT_EQ(of_type(added, 46).size(), 3u);
  // A write right after: only what it changes.
  ASSERT_TRUE(c.update(*later, std::vector<std::string>{}, kNow + 86400 * 10 + 60, nullptr, nullptr));
  EXPECT_EQ(c.signatures(), 6u);
}

// Every write signs the apex again (its SOA changed), so the DNSKEY set's signatures of a view
// written a few seconds, or days, later expire that much later: that alone re-signs no NSEC, only
// the names the write changed and their predecessors do.
TEST(NsecChainTest, AWriteSecondsLaterSignsOnlyWhatItChanges) {
  dnssec::FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(kNow))};
  const auto s = signing(nullptr, &clock);
  std::string text = std::string(kSoa) + "a A 192.0.2.1\nm A 192.0.2.2\nz A 192.0.2.3\n";
  const auto v1 = compile(text, s);
  NsecChain c;
  ASSERT_TRUE(c.update(*v1, std::nullopt, kNow, nullptr, nullptr));
  const uint64_t built = c.signatures();
  EXPECT_EQ(built, 5u);  // the apex, a, m, ns1, z
  int64_t at = kNow;
  for (int64_t step : {5, 3600, 86400 * 2}) {
    at += step;
    clock.set(std::chrono::system_clock::time_point(std::chrono::seconds(at)));
    text += "n" + std::to_string(step) + " A 192.0.2.9\n";
    const auto v = compile(text, s);
    const uint64_t before = c.signatures();
    std::vector<Rr> removed, added;
    ASSERT_TRUE(c.update(*v, std::vector<std::string>{W(("n" + std::to_string(step) + ".example.com.").c_str())}, at,
                         &removed, &added));
    EXPECT_EQ(c.signatures() - before, 2u) << "after " << step << " s";  // the new name, m's NSEC
    EXPECT_EQ(of_type(added, 46).size(), 2u);
    EXPECT_EQ(of_type(removed, 47).size(), 1u);
  }
}

// The journal: the first delta after a start is a barrier; the next ones carry the chain's
// changes, and applying them to what a full transfer gave yields the next full transfer.
TEST(SignedZonesTest, DeltasCarryTheChainAndStartWithABarrier) {
  SignedZones zones;
  const auto s = signing();
  std::string text = kSoa;
  for (int i = 0; i < 50; ++i) text += "h" + std::to_string(i) + " A 192.0.2.1\n";
  auto model = view::ZoneModel::build(W("example.com."), records(text), view::CompileOptions{.signing = s});
  ASSERT_TRUE(model);
  auto write = [&](uint32_t serial, const std::string& label, const std::string& rr) {
    std::vector<view::OwnerChange> changes;
    changes.push_back({W("example.com."), records("@ SOA ns1 hostmaster " + std::to_string(serial) +
                                                  " 7200 3600 1209600 300\n@ NS ns1\n")});
    changes.push_back(
        {W((label + ".example.com.").c_str()), rr.empty() ? std::vector<dns::ZoneRecord>{} : records(rr)});
    auto v = (*model)->update(std::move(changes), nullptr);
    EXPECT_TRUE(v) << v.error().message;
    return *v;
  };
  auto transfer = [&](const view::ZoneView& v) {
    std::vector<Rr> out;
    for_each_rr(v, [&](std::string_view o, uint16_t t, uint32_t ttl, std::string_view rd) {
      out.push_back(Rr{std::string(o), t, ttl, std::string(rd)});
    });
    auto c = zones.chain_records(v, kNow);
    EXPECT_TRUE(c);
    out.insert(out.end(), c->begin(), c->end());
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto v1 = (*model)->view();
  const auto axfr1 = transfer(*v1);
  EXPECT_EQ(of_type(axfr1, 47).size(), 52u);  // apex, ns1, h0..h49, and nothing else
  const auto v2 = write(2, "h7", "");
  const Diff d1 = zones.diff(*v1, *v2, kNow);
  EXPECT_TRUE(d1.full);  // the first delta since the start
  // A process that made no transfer yet (no chain): the barrier builds the chain for v2 at once,
  // so the next write signs only what it changes, not the whole chain.
  SignedZones fresh;
  EXPECT_TRUE(fresh.diff(*v1, *v2, kNow).full);
  const uint64_t at_barrier = fresh.signatures(W("example.com."));
  EXPECT_EQ(at_barrier, 51u);  // apex, ns1, h0..h49 but h7
  auto back = decode_diff(encode_diff(d1));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->full);
  EXPECT_EQ(back->from, 1u);
  EXPECT_EQ(back->to, 2u);
  const auto v3 = write(3, "new", "new TXT \"x\"\n");
  const Diff d2 = zones.diff(*v2, *v3, kNow);
  ASSERT_FALSE(d2.full);
  const auto axfr2 = transfer(*v2);  // a transfer of v2 taken after the chain moved on to v3
  std::vector<Rr> removed = d2.removed, added = d2.added, rest, applied;
  std::sort(removed.begin(), removed.end());
  std::sort(added.begin(), added.end());
  std::set_difference(axfr2.begin(), axfr2.end(), removed.begin(), removed.end(), std::back_inserter(rest));
  EXPECT_EQ(rest.size() + removed.size(), axfr2.size());  // the delta removes only what v2 had
  std::set_union(rest.begin(), rest.end(), added.begin(), added.end(), std::back_inserter(applied));
  EXPECT_EQ(applied, transfer(*v3));
  EXPECT_EQ(of_type(d2.added, 47).size(), 2u);  // new, and its predecessor h9 (now pointing at new)
  EXPECT_FALSE(fresh.diff(*v2, *v3, kNow).full);
  EXPECT_EQ(fresh.signatures(W("example.com.")) - at_barrier, 2u);
  auto enc = decode_diff(encode_diff(d2));
  ASSERT_TRUE(enc);
  EXPECT_FALSE(enc->full);
  // IXFR from 1 crosses the barrier: a full transfer; from 2 it is a delta.
  EXPECT_TRUE(chain({d1, d2}, 1, 3).empty());
  EXPECT_EQ(chain({d1, d2}, 2, 3).size(), 1u);
  // Signing turned off: a barrier, and the chain is gone.
  auto plain = view::ZoneView::compile(W("example.com."), records(kSoa));
  const Diff off = zones.diff(*v3, **plain, kNow);
  EXPECT_TRUE(off.full);
}

// A damaged barrier in the journal is an error, never a delta or an empty step.
TEST(SignedZonesTest, DamagedBarriersAreRejected) {
  Diff b;
  b.from = 1;
  b.to = 2;
  b.full = true;
  const std::string blob = encode_diff(b);
  EXPECT_EQ(blob.size(), 12u);
  EXPECT_FALSE(decode_diff(blob + "x"));                                   // trailing bytes
  EXPECT_FALSE(decode_diff(blob.substr(0, 8)));                            // cut short
  EXPECT_FALSE(decode_diff(std::string("\0\0\0\3", 4) + blob.substr(4)));  // unknown format
}

// A full re-sign (a new ZSK) gives a delta larger than the zone: a barrier.
TEST(SignedZonesTest, AResignIsABarrier) {
  SignedZones zones;
  const std::string text = std::string(kSoa) + "a A 192.0.2.1\n";
  const auto v1 = compile(text);
  const auto v2 = compile(std::string(kSoa) + "a A 192.0.2.1\n");
  ASSERT_TRUE(zones.chain_records(*v1, kNow));
  (void)zones.diff(*v1, *v1, kNow);  // v1 counts as journaled
  const Diff d = zones.diff(*v1, *v2, kNow);
  EXPECT_TRUE(d.full);
}

// Cost of one write on a large signed zone: the incremental update against a fresh build of the
// chain (reported, not asserted: the signatures made are).
TEST(NsecChainTest, OneWriteOnALargeZoneSignsAFewNsecs) {
  const char* env = std::getenv("NSEC_CHAIN_NAMES");
  const int n = env != nullptr ? std::atoi(env) : 5000;
  std::string text = kSoa;
  text.reserve(static_cast<size_t>(n) * 24);
  for (int i = 0; i < n; ++i) text += "h" + std::to_string(i) + " A 192.0.2.1\n";
  auto model = view::ZoneModel::build(W("example.com."), records(text), view::CompileOptions{.signing = signing()});
  ASSERT_TRUE(model);
  const auto v1 = (*model)->view();
  NsecChain c;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.update(*v1, std::nullopt, kNow, nullptr, nullptr));
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<view::OwnerChange> changes;
  changes.push_back({W("h77x.example.com."), records("h77x A 192.0.2.2\n")});
  auto v2 = (*model)->update(std::move(changes), nullptr);
  ASSERT_TRUE(v2);
  const uint64_t before = c.signatures();
  const auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.update(**v2, (*v2)->changed_since(v1->id()), kNow, nullptr, nullptr));
  const auto t3 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.signatures() - before, 2u);  // h77x and h77
  const double build = std::chrono::duration<double, std::micro>(t1 - t0).count();
  const double write = std::chrono::duration<double, std::micro>(t3 - t2).count();
  std::printf("nsec chain, %d names: full build %.0f us, one write %.0f us, ratio %.0fx\n", n, build, write,
              build / write);
}

}  // namespace
}  // namespace dnsedge::xfr
