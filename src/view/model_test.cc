// ZoneModel: a zone recompiled name by name after each change serves exactly what a full compile
// of the same records serves (random zones and changes), and a change touches only the names it
// reaches.

#include "view/model.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "dns/name.h"
#include "dns/types.h"
#include "view/digest.h"

namespace dnsedge::view {
namespace {

namespace rrtype = dns::rrtype;

std::string W(const std::string& text) { return dns::name_from_text(text).value(); }
std::string V4(const char* a) { return dns::rdata_from_text(rrtype::kA, a, W(".")).value(); }
std::string V6(const char* a) { return dns::rdata_from_text(rrtype::kAAAA, a, W(".")).value(); }

dns::ZoneRecord R(const std::string& owner, uint16_t type, const std::string& rdata, uint32_t ttl = 300) {
  dns::ZoneRecord r;
  r.owner = W(owner);
  r.type = type;
  r.ttl = ttl;
  r.rdata = rdata;
  return r;
}

std::string mx_rdata(uint16_t pref, const std::string& host) {
  std::string s;
  s += static_cast<char>(pref >> 8);
  s += static_cast<char>(pref & 0xff);
  return s + W(host);
}

std::string srv_rdata(const std::string& host) { return std::string("\0\1\0\1\x13\xc4", 6) + W(host); }

// External names: example.net answers addresses, example.org is not resolved yet.
class Outside : public TargetSource {
 public:
  std::optional<TargetAddrs> lookup(std::string_view name) const override {
    if (dns::is_subdomain(name, W("example.org."))) return std::nullopt;
    TargetAddrs t;
    t.v4 = {V4("198.51.100.7")};
    t.ttl = 120;
    t.detail = "(resolved)";
    return t;
  }
};

struct Canon {
  std::set<std::tuple<std::string, uint16_t, uint32_t, std::string>> records;
  std::map<std::string, std::tuple<uint16_t, std::vector<std::string>, uint16_t>> names;  // flags, explain, ede
  std::map<std::string, std::vector<std::string>> targets;  // "owner/type" → target names
  std::vector<std::string> external;
  std::map<std::string, std::tuple<std::vector<std::string>, std::vector<std::string>, std::string>> origins;
  uint32_t serial = 0, negative_ttl = 0;
  size_t record_count = 0;
  std::string digest;
  bool operator==(const Canon&) const = default;
};

Canon canon(const ZoneView& v) {
  Canon c;
  for (const auto& r : v.records()) c.records.emplace(r.owner, r.type, r.ttl, r.rdata);
  constexpr uint16_t kMask = node_flag::kDelegation | node_flag::kBelowCut | node_flag::kEmptyNonTerminal |
                             node_flag::kWildcardChild | node_flag::kCname | node_flag::kApex | node_flag::kAddrServfail;
  for (uint32_t i = 0; i < v.node_count(); ++i) {
    const Node& n = v.node(i);
    if (n.flags & node_flag::kDead) continue;
    const std::string name(v.node_name(n));
    EXPECT_EQ(v.find(name), i) << dns::name_to_text(name);
    c.names[name] = {static_cast<uint16_t>(n.flags & kMask), v.explain(name), v.servfail_ede(name)};
    const RRset* s = v.rrsets_begin(n);
    for (uint32_t k = 0; k < n.rrset_count; ++k, ++s) {
      const uint32_t* t = v.targets(*s);
      if (t == nullptr) continue;
      auto& out = c.targets[name + "/" + std::to_string(s->type)];
      for (uint16_t j = 0; j < s->count; ++j) {
        out.push_back(t[j] == kNone ? std::string("-") : std::string(v.node_name(v.node(t[j]))));
      }
    }
  }
  c.external = v.external_names();
  for (const auto& [owner, o] : v.origins()) c.origins[owner] = {o.v4, o.v6, o.cname};
  c.serial = v.serial();
  c.negative_ttl = v.negative_ttl();
  c.record_count = v.record_count();
  c.digest = content_digest(v);
  return c;
}

const EdgeAddresses& edge() {
  static const EdgeAddresses e{{V4("203.0.113.1"), V4("203.0.113.2")}, {V6("2001:db8:e::1")}};
  return e;
}

// The names a random zone uses: some under a wildcard's parent, one delegation, names that
// chain, mail hosts.
const std::vector<std::string> kNames = {"example.com.",      "www.example.com.",   "mail.example.com.",
                                         "a.example.com.",    "b.example.com.",     "c.d.example.com.",
                                         "x.w.example.com.",  "*.w.example.com.",   "deep.c.d.example.com.",
                                         "_sip._tcp.example.com.", "e.example.com.", "f.g.h.example.com."};
const std::vector<std::string> kTargets = {"www.example.com.", "mail.example.com.", "a.example.com.",
                                           "b.example.com.",   "c.d.example.com.",  "y.w.example.com.",
                                           "example.com.",     "missing.example.com.", "ext.example.net.",
                                           "slow.example.org.", "f.g.h.example.com.", "ns.sub.example.com."};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  size_t pick(size_t n) { return static_cast<size_t>(rng_() % n); }
  bool coin(int percent) { return static_cast<int>(rng_() % 100) < percent; }

  std::vector<dns::ZoneRecord> records_for(const std::string& name, uint32_t serial) {
    std::vector<dns::ZoneRecord> out;
    if (name == "example.com.") {
      out.push_back(R(name, rrtype::kSOA,
                      W("ns1.example.com.") + W("h.example.com.") +
                          std::string{static_cast<char>(serial >> 24), static_cast<char>(serial >> 16),
                                      static_cast<char>(serial >> 8), static_cast<char>(serial)} +
                          std::string("\0\0\x1c\x20\0\0\x0e\x10\0\x12\x75\0\0\0\x01\x2c", 16),
                      3600));
      out.push_back(R(name, rrtype::kNS, W("ns1.example.com."), 3600));
    }
    const int kind = static_cast<int>(pick(10));
    const int n = static_cast<int>(pick(3));
    if (kind <= 1 && name != "example.com.") {  // a CNAME alone
      auto r = R(name, rrtype::kCNAME, W(kTargets[pick(kTargets.size())]));
      r.proxied = coin(30) && !dns::is_subdomain(r.owner, W("_sip._tcp.example.com."));
      r.flatten_cname = !r.proxied && coin(30);
      out.push_back(r);
      return out;
    }
    if (kind == 2 && name == "example.com.") {  // apex CNAME (flattened)
      out.push_back(R(name, rrtype::kCNAME, W(kTargets[pick(kTargets.size())])));
    }
    const bool proxied = coin(35);
    for (int i = 0; i < n; ++i) {
      switch (pick(6)) {
        case 0:
        case 1: {
          auto r = R(name, rrtype::kA, V4(("192.0.2." + std::to_string(1 + pick(20))).c_str()), 60 + 60 * pick(3));
          r.proxied = proxied;
          out.push_back(r);
          break;
        }
        case 2: {
          auto r = R(name, rrtype::kAAAA, V6(("2001:db8::" + std::to_string(1 + pick(9))).c_str()));
          r.proxied = proxied;
          r.ipv4_only = proxied && coin(20);
          out.push_back(r);
          break;
        }
        case 3: out.push_back(R(name, rrtype::kMX, mx_rdata(10, kTargets[pick(kTargets.size())]))); break;
        case 4: out.push_back(R(name, rrtype::kSRV, srv_rdata(kTargets[pick(kTargets.size())]))); break;
        default: out.push_back(R(name, rrtype::kTXT, std::string("\x03txt", 4))); break;
      }
    }
    if (!out.empty() && name != "example.com." && coin(5)) {
      out.push_back(R(name, rrtype::kCNAME, W("a.example.com.")));  // beside other data: refused
    }
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

std::vector<dns::ZoneRecord> flatten(const std::map<std::string, std::vector<dns::ZoneRecord>>& zone) {
  std::vector<dns::ZoneRecord> all;
  for (const auto& [n, recs] : zone) all.insert(all.end(), recs.begin(), recs.end());
  return all;
}

TEST(ZoneModelTest, IncrementalEqualsFullCompileOnRandomZonesAndChanges) {
  const Outside outside;
  size_t patched = 0, full = 0, errors = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Gen g(seed);
    CompileOptions opt{.source = "zone example.com", .edge = &edge(),
                       .flattening = g.coin(30) ? Flattening::kAll : Flattening::kAtRoot, .targets = &outside};
    // Start: apex, a delegation with glue, and a random half of the names.
    std::map<std::string, std::vector<dns::ZoneRecord>> zone;
    uint32_t serial = 1;
    zone[W("example.com.")] = g.records_for("example.com.", serial);
    zone[W("sub.example.com.")] = {R("sub.example.com.", rrtype::kNS, W("ns.sub.example.com."))};
    zone[W("ns.sub.example.com.")] = {R("ns.sub.example.com.", rrtype::kA, V4("192.0.2.53"))};
    for (const auto& n : kNames) {
      if (n != "example.com." && g.coin(50)) zone[W(n)] = g.records_for(n, serial);
    }
    auto model = ZoneModel::build(W("example.com."), flatten(zone), opt);
    while (!model) {  // a random start may not compile (a CNAME beside other data): drop the name it names
      bool dropped = false;
      for (auto it = zone.begin(); it != zone.end(); ++it) {
        if (it->first != W("example.com.") &&
            model.error().message.find(dns::name_to_text(it->first)) != std::string::npos) {
          zone.erase(it);
          dropped = true;
          break;
        }
      }
      ASSERT_TRUE(dropped) << model.error().message;
      model = ZoneModel::build(W("example.com."), flatten(zone), opt);
    }
    for (int step = 0; step < 40; ++step) {
      std::vector<OwnerChange> changes;
      auto next = zone;
      const size_t k = 1 + g.pick(2);
      std::set<std::string> owners;
      for (size_t i = 0; i < k; ++i) owners.insert(W(kNames[g.pick(kNames.size())]));
      if (g.coin(50)) owners.insert(W("example.com."));  // the serial moves, as on every API write
      ++serial;
      for (const auto& o : owners) {
        auto recs = g.coin(25) && o != W("example.com.") ? std::vector<dns::ZoneRecord>{}
                                                          : g.records_for(dns::name_to_text(o), serial);
        if (recs.empty()) {
          next.erase(o);
        } else {
          next[o] = recs;
        }
        changes.push_back(OwnerChange{o, recs});
      }
      const Canon before = canon(*(*model)->view());
      auto inc = (*model)->update(changes, &outside);
      auto ref = ZoneView::compile(W("example.com."), flatten(next), opt);
      ASSERT_EQ(static_cast<bool>(inc), static_cast<bool>(ref)) << "seed " << seed << " step " << step << ": "
                                    << (inc ? ref.error().message : inc.error().message);
      if (!inc) {
        ++errors;
        EXPECT_EQ(inc.error().message, ref.error().message);
        EXPECT_EQ(canon(*(*model)->view()), before) << "a failed update changed the model";
        continue;
      }
      ((*model)->last_stats().full ? full : patched)++;
      zone = std::move(next);
      const Canon a = canon(**inc), b = canon(**ref);
      std::string what;  // for the failure messages
      for (const auto& c : changes) what += dns::name_to_text(c.owner) + "(" + std::to_string(c.records.size()) + ") ";
      ASSERT_EQ(a.records, b.records) << "seed " << seed << " step " << step << " full " << (*model)->last_stats().full
                                      << " patched " << (*model)->last_stats().patched_names << " changes " << what;
      ASSERT_EQ(a.names, b.names) << "seed " << seed << " step " << step << " changes " << what;
      ASSERT_EQ(a.targets, b.targets) << "seed " << seed << " step " << step;
      ASSERT_EQ(a.origins, b.origins) << "seed " << seed << " step " << step;
      ASSERT_EQ(a.external, b.external) << "seed " << seed << " step " << step;
      ASSERT_EQ(a.serial, b.serial);
      ASSERT_EQ(a.negative_ttl, b.negative_ttl);
      ASSERT_EQ(a.record_count, b.record_count);
      ASSERT_EQ(a.digest, b.digest) << "seed " << seed << " step " << step << " changes " << what;
    }
  }
  // Most changes are patched, not compiled in full; some are refused like a full compile refuses them.
  EXPECT_GT(patched, 4 * full) << patched << " patched, " << full << " full";
  EXPECT_GT(errors, 0u);
  std::printf("model: %zu patched, %zu full, %zu refused\n", patched, full, errors);
}

TEST(ZoneModelTest, OneChangeInABigZoneRewritesOnlyItsNames) {
  std::vector<dns::ZoneRecord> recs = {
      R("example.com.", rrtype::kSOA, W("ns1.example.com.") + W("h.example.com.") + std::string(20, '\1'), 3600),
      R("example.com.", rrtype::kNS, W("ns1.example.com."), 3600),
      R("example.com.", rrtype::kMX, mx_rdata(10, "mail.example.com.")),
  };
  auto mail = R("mail.example.com.", rrtype::kA, V4("192.0.2.25"));
  recs.push_back(mail);
  for (int i = 0; i < 5000; ++i) {
    auto r = R("h" + std::to_string(i) + ".example.com.", rrtype::kA, V4("192.0.2.1"));
    r.proxied = i % 3 == 0;
    recs.push_back(r);
  }
  auto model = ZoneModel::build(W("example.com."), recs, CompileOptions{.edge = &edge()});
  ASSERT_TRUE(model) << model.error().message;
  // A plain new name: just it.
  auto v = (*model)->update({OwnerChange{W("new.example.com."), {R("new.example.com.", rrtype::kA, V4("192.0.2.9"))}}},
                            nullptr);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_FALSE((*model)->last_stats().full);
  EXPECT_EQ((*model)->last_stats().patched_names, 1u);
  EXPECT_NE((*v)->find(W("new.example.com.")), kNone);
  // Proxying the mail host: the apex (its MX now names a dc-record), the host and the dc-record.
  mail.proxied = true;
  v = (*model)->update({OwnerChange{W("mail.example.com."), {mail}}}, nullptr);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_FALSE((*model)->last_stats().full);
  EXPECT_EQ((*model)->last_stats().patched_names, 3u);
  const std::string dc = dc_name(W("example.com."), W("mail.example.com."));
  ASSERT_NE((*v)->find(dc), kNone);
  const RRset* a = (*v)->rrset((*v)->node((*v)->find(dc)), rrtype::kA);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>((*v)->rdata(*a) + 2), 4), V4("192.0.2.25"));
  // The view it was patched from knows what changed since.
  EXPECT_FALSE((*v)->changed_since((*model)->view()->id()));  // a view is no ancestor of itself
  auto v2 = (*model)->update({OwnerChange{W("h1.example.com."), {}}}, nullptr);
  ASSERT_TRUE(v2);
  ASSERT_TRUE((*v2)->changed_since((*v)->id()));
  EXPECT_EQ(*(*v2)->changed_since((*v)->id()), std::vector<std::string>{W("h1.example.com.")});
  EXPECT_EQ((*v2)->find(W("h1.example.com.")), kNone);
}

TEST(ZoneModelTest, AFailedUpdateChangesNothing) {
  std::vector<dns::ZoneRecord> recs = {
      R("example.com.", rrtype::kSOA, W("ns1.example.com.") + W("h.example.com.") + std::string(20, '\1'), 3600),
      R("example.com.", rrtype::kNS, W("ns1.example.com."), 3600), R("www.example.com.", rrtype::kA, V4("192.0.2.1"))};
  auto model = ZoneModel::build(W("example.com."), recs, CompileOptions{.edge = &edge()});
  ASSERT_TRUE(model);
  const auto view = (*model)->view();
  auto bad = R("www.example.com.", rrtype::kCNAME, W("a.example.com."));
  auto r = (*model)->update({OwnerChange{W("www.example.com."), {recs[2], bad}}}, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("CNAME beside other data"), std::string::npos) << r.error().message;
  EXPECT_EQ((*model)->view(), view);
  auto proxied_mx = R("www.example.com.", rrtype::kMX, mx_rdata(1, "a.example.com."));
  proxied_mx.proxied = true;
  r = (*model)->update({OwnerChange{W("www.example.com."), {proxied_mx}}}, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cannot be proxied"), std::string::npos);
  EXPECT_EQ((*model)->records_of(W("www.example.com.")).size(), 1u);
}

}  // namespace
}  // namespace dnsedge::view
