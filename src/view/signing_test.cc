// Online signing of the served view (view/signing.cc): what gets an RRSIG, that every one
// verifies, what a patch signs again, and what is left as it was.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "dnssec/key.h"
#include "dnssec/sign.h"
#include "dnssec/zone_signing.h"
#include "view/digest.h"
#include "view/model.h"
#include "view/zone_builder.h"
#include "view/zone_view.h"

namespace dnsedge::view {
namespace {

namespace rrtype = dns::rrtype;
using dnssec::rrtype::kCDNSKEY;
using dnssec::rrtype::kCDS;

std::string W(const char* t) { return dns::name_from_text(t).value(); }

const dnssec::FakeClock& fake_clock() {
  static const dnssec::FakeClock c(std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)));
  return c;
}

std::shared_ptr<const dnssec::ZoneSigning> signing_for(const std::string& apex) {
  static const dnssec::Key ksk = dnssec::Key::generate(dnssec::kFlagsKsk).value();
  static const dnssec::Key zsk = dnssec::Key::generate(dnssec::kFlagsZsk).value();
  auto s = std::make_shared<dnssec::ZoneSigning>();
  s->apex = apex;
  s->ksks = {ksk};
  s->zsk = zsk;
  s->dnskeys = {ksk, zsk};
  s->dnskey_ttl = 600;
  s->clock = &fake_clock();
  return s;
}

constexpr const char* kZone = R"(
$TTL 3600
@ SOA ns1 hostmaster 7 7200 3600 1209600 300
@ NS ns1
@ MX 10 mail
@ TXT "v=spf1 -all"
ns1 A 192.0.2.53
mail A 192.0.2.25
www CNAME mail
*.wild A 192.0.2.2
sub NS ns.sub
sub DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.sub A 192.0.2.3
)";

std::vector<dns::ZoneRecord> parse(const char* text) {
  auto zt = dns::parse_zone_text(text, W("example.com."), "t.zone");
  EXPECT_TRUE(zt) << zt.error().message;
  return zt->records;
}

std::shared_ptr<const ZoneView> compile(const char* text, std::shared_ptr<const dnssec::ZoneSigning> s) {
  auto z = ZoneView::compile(W("example.com."), parse(text), CompileOptions{.source = "t.zone", .signing = s});
  EXPECT_TRUE(z) << z.error().message;
  return z ? *z : nullptr;
}

std::vector<std::string_view> rdatas_of(const ZoneView& z, const RRset& s) {
  std::vector<std::string_view> out;
  for (const Rdata rd : z.rdatas(s)) out.push_back(rd.bytes());
  return out;
}

uint16_t covered(std::string_view rrsig) {
  return static_cast<uint16_t>(static_cast<uint8_t>(rrsig[0]) << 8 | static_cast<uint8_t>(rrsig[1]));
}

// Every RRSIG of the view, checked against the apex DNSKEY set: covered type → owner → count.
// Fails the test on a signature that does not verify or an RRset without one.
std::map<std::string, std::vector<uint16_t>> check_signatures(const ZoneView& z) {
  std::map<std::string, std::vector<uint16_t>> seen;
  const RRset* dnskey = z.rrset(z.node(0), rrtype::kDNSKEY);
  EXPECT_NE(dnskey, nullptr);
  if (dnskey == nullptr) return seen;
  std::vector<dnssec::Key> keys;
  for (const Rdata rd : z.rdatas(*dnskey)) keys.push_back(dnssec::Key::from_dnskey(rd.bytes()).value());
  for (uint32_t id = 0; id < z.node_count(); ++id) {
    const Node& n = z.node(id);
    if (n.flags & node_flag::kDead) continue;
    const std::string owner(z.node_name(n));
    const RRset* sigs = z.rrset(n, rrtype::kRRSIG);
    const RRset* s = z.rrsets_begin(n);
    for (uint32_t k = 0; k < n.rrset_count; ++k, ++s) {
      if (s->type == rrtype::kRRSIG) continue;
      const auto rds = rdatas_of(z, *s);
      const dnssec::RRsetRef ref{.owner = owner, .type = s->type, .ttl = s->ttl, .rdatas = rds};
      int ok = 0;
      if (sigs != nullptr) {
        for (const Rdata sig : z.rdatas(*sigs)) {
          if (covered(sig.bytes()) != s->type) continue;
          bool verified = false;
          for (const auto& key : keys) verified = verified || dnssec::verify_rrset(ref, sig.bytes(), key).has_value();
          EXPECT_TRUE(verified) << dns::name_to_text(owner) << " type " << s->type;
          EXPECT_TRUE(dnssec::check_time(sig.bytes(), 1'800'000'000u).has_value());
          ++ok;
        }
      }
      if (ok > 0) seen[owner].push_back(s->type);
    }
  }
  return seen;
}

TEST(SigningTest, EveryAuthoritativeRRsetIsSignedAndVerifies) {
  auto z = compile(kZone, signing_for(W("example.com.")));
  ASSERT_TRUE(z);
  EXPECT_TRUE(z->is_signed());
  EXPECT_TRUE(z->dnssec().online);
  const auto seen = check_signatures(*z);
  using V = std::vector<uint16_t>;
  EXPECT_EQ(seen.at(W("example.com.")),
            (V{rrtype::kNS, rrtype::kSOA, rrtype::kMX, rrtype::kTXT, rrtype::kDNSKEY, kCDS, kCDNSKEY}));
  EXPECT_EQ(seen.at(W("ns1.example.com.")), V{rrtype::kA});
  EXPECT_EQ(seen.at(W("www.example.com.")), V{rrtype::kCNAME});
  EXPECT_EQ(seen.at(W("*.wild.example.com.")), V{rrtype::kA});
  // At the cut only the DS; glue never.
  EXPECT_EQ(seen.at(W("sub.example.com.")), V{rrtype::kDS});
  EXPECT_EQ(seen.count(W("ns.sub.example.com.")), 0u);
  // The apex keys: DNSKEY (KSK and ZSK), CDS and CDNSKEY of the KSK, TTL from the signing.
  const RRset* dnskey = z->rrset(z->node(0), rrtype::kDNSKEY);
  ASSERT_NE(dnskey, nullptr);
  EXPECT_EQ(dnskey->count, 2);
  EXPECT_EQ(dnskey->ttl, 600u);
  const RRset* cds = z->rrset(z->node(0), kCDS);
  ASSERT_NE(cds, nullptr);
  const auto& ksk = signing_for(W("example.com."))->ksks.front();
  EXPECT_EQ(rdatas_of(*z, *cds).front(), dnssec::cds_rdata(W("example.com."), ksk.dnskey_rdata()));
  // The KSK signs the DNSKEY set, the ZSK the rest.
  const RRset* sigs = z->rrset(z->node(0), rrtype::kRRSIG);
  for (const Rdata sig : z->rdatas(*sigs)) {
    const uint8_t* p = sig.data();
    const uint16_t tag = static_cast<uint16_t>(p[16] << 8 | p[17]);
    const uint16_t t = covered(sig.bytes());
    EXPECT_EQ(tag,
              t == rrtype::kDNSKEY || t == kCDS || t == kCDNSKEY ? ksk.key_tag() : signing_for("")->zsk->key_tag());
  }
}

// Without DO nothing changes but the apex additions: the view's other records are the unsigned
// compile's, its digest moves only by the DNSKEY, CDS and CDNSKEY.
TEST(SigningTest, UnsignedDataIsUnchanged) {
  auto plain = compile(kZone, nullptr);
  auto sig = compile(kZone, signing_for(W("example.com.")));
  ASSERT_TRUE(plain && sig);
  std::vector<dns::ZoneRecord> rest;
  for (auto& r : sig->records()) {
    if (r.type != rrtype::kRRSIG && r.type != rrtype::kDNSKEY && r.type != kCDS && r.type != kCDNSKEY)
      rest.push_back(r);
  }
  const auto want = plain->records();
  ASSERT_EQ(rest.size(), want.size());
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].owner, want[i].owner);
    EXPECT_EQ(rest[i].type, want[i].type);
    EXPECT_EQ(rest[i].ttl, want[i].ttl);
    EXPECT_EQ(rest[i].rdata, want[i].rdata);
  }
  EXPECT_EQ(sig->serial(), plain->serial());
  // Two signed compiles: other signatures (ECDSA), the same digest.
  auto again = compile(kZone, signing_for(W("example.com.")));
  EXPECT_EQ(content_digest(*again), content_digest(*sig));
  EXPECT_NE(content_digest(*plain), content_digest(*sig));
}

// The served view of a proxied zone: edge addresses, the flattened apex CNAME and the dc-record
// of a rewritten MX are signed like any RRset.
TEST(SigningTest, ProxiedAndRewrittenAnswersAreSigned) {
  auto recs = parse(R"(
$TTL 300
@ SOA ns1 hostmaster 7 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
@ A 198.51.100.1
www A 198.51.100.2
@ MX 10 www
txt TXT "hello"
)");
  for (auto& r : recs) {
    if (r.type == rrtype::kA && r.owner != W("ns1.example.com.")) r.proxied = true;
  }
  EdgeAddresses edge;
  edge.v4 = {std::string("\xcb\x00\x71\x0a", 4)};  // 203.0.113.10
  edge.v6 = {std::string("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x10", 16)};
  auto m = ZoneModel::build(W("example.com."), recs,
                            CompileOptions{.source = "t", .edge = &edge, .signing = signing_for(W("example.com."))});
  ASSERT_TRUE(m) << m.error().message;
  const ZoneView& z = *(*m)->view();
  const auto seen = check_signatures(z);
  // The apex answers the edge addresses, signed.
  const RRset* a = z.rrset(z.node(0), rrtype::kA);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(rdatas_of(z, *a).front(), std::string("\xcb\x00\x71\x0a", 4));
  const auto& apex = seen.at(W("example.com."));
  EXPECT_NE(std::find(apex.begin(), apex.end(), rrtype::kA), apex.end());
  EXPECT_NE(std::find(apex.begin(), apex.end(), rrtype::kMX), apex.end());
  // The MX points at a dc-record now, itself signed.
  const RRset* mx = z.rrset(z.node(0), rrtype::kMX);
  const std::string target(rdatas_of(z, *mx).front().substr(2));
  EXPECT_NE(target, W("www.example.com."));
  EXPECT_TRUE(seen.count(target)) << dns::name_to_text(target);
  EXPECT_TRUE(seen.count(W("txt.example.com.")));
}

// A write signs the names it rewrites (and the apex): every other signature stays as it was.
TEST(SigningTest, PatchSignsOnlyWhatChanged) {
  auto recs = parse(kZone);
  auto m = ZoneModel::build(W("example.com."), recs,
                            CompileOptions{.source = "t", .signing = signing_for(W("example.com."))});
  ASSERT_TRUE(m) << m.error().message;
  auto before = (*m)->view();
  auto sig_bytes = [](const ZoneView& z, const char* name) {
    const uint32_t id = z.find(W(name));
    const RRset* s = id == kNone ? nullptr : z.rrset(z.node(id), rrtype::kRRSIG);
    return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(z.rdata(*s)), s->rdata_len);
  };
  // mail's address changes; the apex gets its next serial.
  auto apex_recs = (*m)->records_of(W("example.com."));
  for (auto& r : apex_recs) {
    if (r.type == rrtype::kSOA) r.rdata[r.rdata.size() - 17] = 8;  // serial 7 → 8
  }
  std::vector<OwnerChange> ch;
  ch.push_back({W("example.com."), apex_recs});
  auto mail = (*m)->records_of(W("mail.example.com."));
  mail.front().rdata = std::string("\xc0\x00\x02\x1a", 4);
  ch.push_back({W("mail.example.com."), mail});
  auto after = (*m)->update(std::move(ch), nullptr);
  ASSERT_TRUE(after) << after.error().message;
  ASSERT_FALSE((*m)->last_stats().full);
  const ZoneView& z = **after;
  EXPECT_EQ(z.serial(), 8u);
  check_signatures(z);
  EXPECT_NE(sig_bytes(z, "mail.example.com."), sig_bytes(*before, "mail.example.com."));
  EXPECT_NE(sig_bytes(z, "example.com."), sig_bytes(*before, "example.com."));
  // Untouched names: the very same signatures (a new one would differ: ECDSA is randomized).
  for (const char* n : {"ns1.example.com.", "*.wild.example.com.", "sub.example.com."}) {
    EXPECT_FALSE(sig_bytes(z, n).empty()) << n;
    EXPECT_EQ(sig_bytes(z, n), sig_bytes(*before, n)) << n;
  }
  // Over the whole zone: a node's signatures changed exactly when the patch rewrote it (mail,
  // the apex, and www whose CNAME names mail).
  const auto changed = z.changed_since(before->id());
  ASSERT_TRUE(changed.has_value());
  size_t resigned = 0;
  for (uint32_t id = 0; id < z.node_count(); ++id) {
    const std::string name(z.node_name(z.node(id)));
    const bool rewritten = std::binary_search(changed->begin(), changed->end(), name);
    const bool differs =
        sig_bytes(z, dns::name_to_text(name).c_str()) != sig_bytes(*before, dns::name_to_text(name).c_str());
    EXPECT_EQ(differs, rewritten && !sig_bytes(z, dns::name_to_text(name).c_str()).empty()) << dns::name_to_text(name);
    resigned += differs;
  }
  EXPECT_EQ(resigned, 3u);
  EXPECT_EQ((*m)->last_stats().patched_names, 3u);
  // The digest kept by the patch is a full compile's.
  auto full = ZoneModel::build(
      W("example.com."),
      [&] {
        std::vector<dns::ZoneRecord> all;
        for (const auto& r : z.records()) all.push_back(r);
        return all;
      }(),
      CompileOptions{.source = "t", .signing = signing_for(W("example.com."))});
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(content_digest(z), content_digest(*(*full)->view()));
}

// A new serial on a signed view (file zones' serial discipline) signs the SOA again.
TEST(SigningTest, WithSerialSignsTheSoaAgain) {
  auto z = compile(kZone, signing_for(W("example.com.")));
  ASSERT_TRUE(z);
  auto next = z->with_serial(99);
  EXPECT_EQ(next->serial(), 99u);
  check_signatures(*next);
}

// A zone of `names` names of every kind the signing treats apart: addresses, CNAMEs, MX, TXT,
// delegations with a DS and glue, a delegation without a DS, wildcards, empty non-terminals.
std::string large_zone(int names) {
  std::string z =
      "$TTL 3600\n@ SOA ns1 hostmaster 7 7200 3600 1209600 300\n@ NS ns1\n@ MX 10 mail\n"
      "ns1 A 192.0.2.53\nmail A 192.0.2.25\n*.wild A 192.0.2.2\n";
  for (int i = 0; i < names; ++i) {
    const std::string h = "h" + std::to_string(i);
    const std::string a = "192.0.2." + std::to_string(i % 250);
    switch (i % 8) {
      case 0:
        z += h + " A " + a + "\n";
        break;
      case 1:
        z += h + " AAAA 2001:db8::" + std::to_string(i % 9999) + "\n" + h + " A " + a + "\n";
        break;
      case 2:
        z += h + " CNAME h" + std::to_string(i - 2) + "\n";
        break;
      case 3:
        z += h + " MX 10 mail\n" + h + " TXT \"t" + std::to_string(i) + "\"\n";
        break;
      case 4:
        z += h + " NS ns." + h + "\n" + h + " DS 12345 13 2 " + std::string(64, 'A') + "\nns." + h + " A " + a + "\n";
        break;
      case 5:
        z += h + " NS ns.example.net.\n";
        break;
      case 6:
        z += "_sip._tcp." + h + " SRV 0 5 5060 mail\n";
        break;
      default:
        z += "*." + h + " TXT \"w\"\n";
        break;
    }
  }
  return z;
}

// The RRSIG rdata up to the signature: type covered, algorithm, labels, TTL, validity, key tag,
// signer. What two signings of the same RRset share (ECDSA signatures are randomized).
std::string rrsig_head(std::string_view rrsig) { return std::string(rrsig.substr(0, rrsig.size() - 64)); }

// A full compile signed on several threads is the sequential one but for the signature bytes:
// the same nodes, RRsets, records and digest, the same RRSIG heads in the same places, and every
// signature verifies. More names than one batch, so batches and chunks meet mid-zone.
TEST(SigningTest, ParallelFullCompileEqualsSequential) {
  const std::string text = large_zone(12000);
  auto recs = parse(text.c_str());
  const auto s = signing_for(W("example.com."));
  EXPECT_EQ(ZoneView::Builder::sign_threads(100, 0), 1u);
  EXPECT_GE(ZoneView::Builder::sign_threads(1'000'000, 0), 1u);
  EXPECT_EQ(ZoneView::Builder::sign_threads(10, 3), 3u);
  auto seq = ZoneView::compile(W("example.com."), recs, CompileOptions{.source = "t", .signing = s, .sign_threads = 1});
  auto par = ZoneView::compile(W("example.com."), recs, CompileOptions{.source = "t", .signing = s, .sign_threads = 3});
  ASSERT_TRUE(seq && par);
  const ZoneView& a = **seq;
  const ZoneView& b = **par;
  ASSERT_EQ(a.node_count(), b.node_count());
  EXPECT_GT(a.node_count(), 12000u);
  size_t sigs = 0;
  for (uint32_t id = 0; id < a.node_count(); ++id) {
    const Node& na = a.node(id);
    const Node& nb = b.node(id);
    ASSERT_EQ(a.node_name(na), b.node_name(nb));
    EXPECT_EQ(na.flags, nb.flags);
    ASSERT_EQ(na.rrset_count, nb.rrset_count) << dns::name_to_text(a.node_name(na));
    EXPECT_EQ(na.rrset_begin, nb.rrset_begin);
    const RRset* sa = a.rrsets_begin(na);
    const RRset* sb = b.rrsets_begin(nb);
    for (uint32_t k = 0; k < na.rrset_count; ++k, ++sa, ++sb) {
      ASSERT_EQ(sa->type, sb->type);
      EXPECT_EQ(sa->ttl, sb->ttl);
      ASSERT_EQ(sa->count, sb->count);
      EXPECT_EQ(sa->rdata_off, sb->rdata_off);
      EXPECT_EQ(sa->rdata_len, sb->rdata_len);
      const auto ra = rdatas_of(a, *sa);
      const auto rb = rdatas_of(b, *sb);
      for (size_t i = 0; i < ra.size(); ++i) {
        if (sa->type != rrtype::kRRSIG) {
          EXPECT_EQ(ra[i], rb[i]);
        } else if (!(na.flags & node_flag::kApex)) {  // the apex's KSK signatures sort by their bytes
          EXPECT_EQ(rrsig_head(ra[i]), rrsig_head(rb[i])) << dns::name_to_text(a.node_name(na));
          EXPECT_NE(ra[i], rb[i]);  // made anew (ECDSA): the test compares two signings
          ++sigs;
        }
      }
    }
  }
  EXPECT_GT(sigs, 12000u);
  EXPECT_EQ(a.record_count(), b.record_count());
  EXPECT_EQ(content_digest(a), content_digest(b));
  const auto seen_a = check_signatures(a);
  const auto seen_b = check_signatures(b);
  EXPECT_EQ(seen_a, seen_b);
}

// Keys that do not load: the view is marked unusable (the answer path answers SERVFAIL), never
// served unsigned.
TEST(SigningTest, UnusableKeysMarkTheView) {
  auto s = std::make_shared<dnssec::ZoneSigning>();
  s->apex = W("example.com.");
  s->unusable = "DNSSEC key k1 (zsk, tag 1) does not load: not PEM";
  auto z = compile(kZone, s);
  ASSERT_TRUE(z);
  EXPECT_TRUE(z->dnssec().unusable);
  EXPECT_FALSE(z->is_signed());
  // A signing without a private ZSK is an error, not an unsigned view.
  auto bad = std::make_shared<dnssec::ZoneSigning>(*signing_for(W("example.com.")));
  bad->zsk.reset();
  auto r = ZoneView::compile(W("example.com."), parse(kZone), CompileOptions{.source = "t.zone", .signing = bad});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("example.com"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace dnsedge::view
