#include "xfr/service.h"

extern "C" {
#include <libknot/libknot.h>
}

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <set>

#include "dns/name.h"
#include "dns/zonefile.h"
#include "view/model.h"
#include "xfr/journal.h"
#include "xfr/nsec_chain.h"
#include "xfr/tsig.h"
#include "xfr/wire.h"

namespace dnsedge::xfr {
namespace {

constexpr const char* kSecret = "Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy";  // base64

std::string W(const char* t) { return dns::name_from_text(t).value(); }

std::shared_ptr<const view::ZoneView> zone(const std::string& text) {
  const std::string origin = W("example.com.");
  auto zt = dns::parse_zone_text(text, origin, "t.zone");
  EXPECT_TRUE(zt) << zt.error().message;
  auto v = view::ZoneView::compile(origin, zt->records, view::CompileOptions{.source = "t.zone"});
  EXPECT_TRUE(v) << v.error().message;
  return *v;
}

std::string zone_text(uint32_t serial, int hosts) {
  std::string t = "$TTL 3600\n@ SOA ns1 hostmaster " + std::to_string(serial) + " 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n";
  for (int i = 0; i < hosts; ++i) t += "h" + std::to_string(i) + " A 192.0.2." + std::to_string(i % 250 + 1) + "\n";
  return t;
}

sockaddr_storage addr(const char* ip) {
  sockaddr_storage s{};
  auto& a = reinterpret_cast<sockaddr_in&>(s);
  a.sin_family = AF_INET;
  inet_pton(AF_INET, ip, &a.sin_addr);
  return s;
}

// A query: header, question, optional SOA in authority (IXFR).
std::vector<uint8_t> query(uint16_t qtype, const char* name = "example.com.", std::optional<uint32_t> ixfr_serial = {}) {
  std::vector<uint8_t> q = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  const std::string n = W(name);
  q.insert(q.end(), n.begin(), n.end());
  q.push_back(static_cast<uint8_t>(qtype >> 8));
  q.push_back(static_cast<uint8_t>(qtype));
  q.push_back(0);
  q.push_back(1);
  if (ixfr_serial) {
    q[9] = 1;  // NSCOUNT
    q.insert(q.end(), n.begin(), n.end());
    const uint32_t s = *ixfr_serial;
    const uint8_t tail[] = {0, 6, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0, static_cast<uint8_t>(s >> 24),
                            static_cast<uint8_t>(s >> 16), static_cast<uint8_t>(s >> 8), static_cast<uint8_t>(s),
                            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    q.insert(q.end(), std::begin(tail), std::end(tail));
  }
  return q;
}

struct Parsed {
  uint8_t rcode = 0;
  std::vector<std::pair<uint16_t, std::string>> rrs;  // type, owner text
  bool tsig = false;
  std::vector<uint8_t> wire;
};

Parsed parse(std::vector<uint8_t> msg) {
  Parsed p;
  p.wire = msg;
  knot_pkt_t* pkt = knot_pkt_new(msg.data(), msg.size(), nullptr);
  EXPECT_EQ(knot_pkt_parse(pkt, 0), KNOT_EOK);
  p.rcode = knot_wire_get_rcode(pkt->wire);
  p.tsig = pkt->tsig_rr != nullptr;
  const knot_pktsection_t* an = knot_pkt_section(pkt, KNOT_ANSWER);
  for (uint16_t i = 0; i < an->count; ++i) {
    const knot_rrset_t* rr = knot_pkt_rr(an, i);
    for (uint16_t k = 0; k < rr->rrs.count; ++k) {
      p.rrs.emplace_back(rr->type, dns::name_to_text(std::string(reinterpret_cast<const char*>(rr->owner), knot_dname_size(rr->owner))));
    }
  }
  knot_pkt_free(pkt);
  return p;
}

std::vector<Parsed> all(std::unique_ptr<MessageStream> s) {
  std::vector<Parsed> out;
  while (s) {
    auto m = s->next();
    if (!m) break;
    out.push_back(parse(std::move(*m)));
  }
  return out;
}

std::shared_ptr<Config> allow_loopback() {
  auto cfg = std::make_shared<Config>();
  AllowEntry e;
  e.prefix = Prefix::parse("127.0.0.0/8").value();
  cfg->outgoing[W("example.com.")].allow.push_back(e);
  return cfg;
}

class MemJournal : public JournalReader {
 public:
  Result<void> append(std::string_view apex, const Diff& d, size_t keep) {
    auto& v = diffs[std::string(apex)];
    v.push_back(d);
    while (v.size() > keep) v.erase(v.begin());
    return {};
  }
  Result<std::vector<Diff>> load(std::string_view apex) override { return diffs[std::string(apex)]; }
  std::map<std::string, std::vector<Diff>> diffs;
};

// The classification the server dispatches on: the query parser's, in its one pass.
Kind classify(std::span<const uint8_t> m, bool tcp) {
  dns::Query q;
  (void)dns::parse_query(m, q);
  return dns::kind(q, tcp);
}

TEST(XfrClassifyTest, HandsOverTransfersNotifyAndSignedQueries) {
  EXPECT_EQ(classify(query(252), true), Kind::kTransfer);
  EXPECT_EQ(classify(query(252), false), Kind::kAnswer);  // AXFR over UDP: auth::answer's NOTIMP
  EXPECT_EQ(classify(query(251), false), Kind::kTransfer);
  EXPECT_EQ(classify(query(1), false), Kind::kAnswer);
  auto n = query(6);
  n[2] = 4 << 3;
  EXPECT_EQ(classify(n, false), Kind::kNotify);
  auto key = TsigKey::make("k1.", "hmac-sha256.", kSecret).value();
  auto s = query(6);
  ASSERT_TRUE(sign_request(s, *key));
  EXPECT_EQ(classify(s, false), Kind::kSigned);
  // Garbage is the answer engine's to judge.
  const uint8_t junk[] = {1, 2, 3};
  EXPECT_EQ(classify(junk, true), Kind::kAnswer);
  auto cut = query(252);
  cut.resize(20);
  EXPECT_EQ(classify(cut, true), Kind::kAnswer);
}

TEST(XfrSerialTest, Rfc1982) {
  EXPECT_TRUE(serial_newer(2, 1));
  EXPECT_FALSE(serial_newer(1, 2));
  EXPECT_FALSE(serial_newer(5, 5));
  EXPECT_TRUE(serial_newer(0, 0xffffffffu));  // wraps
  EXPECT_FALSE(serial_newer(0xffffffffu, 0));
}

TEST(XfrTsigTest, RejectsUnsupportedAlgorithmsAndBadSecrets) {
  EXPECT_FALSE(TsigKey::make("k1.", "hmac-md5.", kSecret));
  EXPECT_FALSE(TsigKey::make("k1.", "hmac-sha256.", "!!!not base64"));
  EXPECT_FALSE(TsigKey::make("", "hmac-sha256.", kSecret));
  auto k = TsigKey::make("K1", "HMAC-SHA512", kSecret);
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ((*k)->name(), "k1.");
  EXPECT_EQ((*k)->algorithm(), "hmac-sha512");
}

TEST(XfrAclTest, PeerWithKeyMustUseIt) {
  auto key = TsigKey::make("k1.", "hmac-sha256.", kSecret).value();
  auto other = TsigKey::make("k2.", "hmac-sha256.", kSecret).value();
  Config cfg;
  Peer p;
  p.name = "sec";
  p.address = Prefix::parse("192.0.2.7").value();
  p.key = key;
  cfg.outgoing[W("example.com.")].peers.push_back(p);
  const auto apex = W("example.com.");
  EXPECT_TRUE(check_transfer(cfg, apex, addr("192.0.2.7"), key.get()).allowed);
  EXPECT_FALSE(check_transfer(cfg, apex, addr("192.0.2.7"), nullptr).allowed);
  EXPECT_FALSE(check_transfer(cfg, apex, addr("192.0.2.7"), other.get()).allowed);
  EXPECT_FALSE(check_transfer(cfg, apex, addr("192.0.2.8"), key.get()).allowed);
  EXPECT_FALSE(check_transfer(cfg, W("other.com."), addr("192.0.2.7"), key.get()).allowed);
}

// A zone signed online: the full transfer carries its NSEC chain, signed, before the closing
// SOA; a zone whose keys do not load is not transferred (SERVFAIL) rather than sent unsigned.
TEST(XfrServiceTest, AxfrOfASignedZoneCarriesItsNsecChain) {
  auto signing = std::make_shared<dnssec::ZoneSigning>();
  signing->apex = W("example.com.");
  signing->ksks.push_back(dnssec::Key::generate(dnssec::kFlagsKsk).value());
  signing->zsk = dnssec::Key::generate(dnssec::kFlagsZsk).value();
  signing->dnskeys = {signing->ksks[0], *signing->zsk};
  auto parsed = dns::parse_zone_text(zone_text(7, 3), W("example.com."), "t.zone");
  ASSERT_TRUE(parsed);
  auto v = view::ZoneView::compile(W("example.com."), parsed->records, view::CompileOptions{.signing = signing});
  ASSERT_TRUE(v) << v.error().message;
  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::build({*v}));
  SignedZones zones;
  Service s(pub, ServiceOptions{.signed_zones = &zones});
  s.set_config(allow_loopback());
  auto msgs = all(s.handle(query(252), addr("127.0.0.1"), true));
  std::vector<std::pair<uint16_t, std::string>> rrs;
  for (const auto& m : msgs) rrs.insert(rrs.end(), m.rrs.begin(), m.rrs.end());
  // The zone's RRsets each with its RRSIG (hosts, ns1 A, NS, SOA, the apex DNSKEY, CDS and
  // CDNSKEY), then NSEC+RRSIG at 5 names, then the closing SOA.
  std::set<std::pair<uint16_t, std::string>> sets;
  size_t rrsigs = 0;
  for (size_t i = 0; i + 11 < rrs.size(); ++i) {
    if (rrs[i].first == 46) {
      ++rrsigs;
    } else {
      sets.insert(rrs[i]);
    }
  }
  EXPECT_EQ(sets.size(), 3u + 1 + 1 + 1 + 3);
  EXPECT_EQ(rrsigs, sets.size());
  EXPECT_EQ(rrs.back().first, 6);
  const std::vector<std::pair<uint16_t, std::string>> tail(rrs.end() - 11, rrs.end() - 1);
  EXPECT_EQ(tail.front(), (std::pair<uint16_t, std::string>{47, "example.com."}));
  EXPECT_EQ(tail.back(), (std::pair<uint16_t, std::string>{46, "ns1.example.com."}));

  auto broken = std::make_shared<dnssec::ZoneSigning>(*signing);
  broken->unusable = "the ZSK does not load";
  auto b = view::ZoneView::compile(W("example.com."), parsed->records, view::CompileOptions{.signing = broken});
  ASSERT_TRUE(b);
  pub.publish(view::Catalog::build({*b}));
  auto refused = all(s.handle(query(252), addr("127.0.0.1"), true));
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].rcode, 2);  // SERVFAIL
}

// A view keeps a node's signatures as one RRSIG set with one TTL; in a transfer each RRSIG has
// the TTL of the RRset it covers (its original TTL field, RFC 4034 §3), as answers give it.
TEST(XfrServiceTest, EachRrsigIsTransferredWithTheTtlOfTheRrsetItCovers) {
  auto signing = std::make_shared<dnssec::ZoneSigning>();
  signing->apex = W("example.com.");
  signing->ksks.push_back(dnssec::Key::generate(dnssec::kFlagsKsk).value());
  signing->zsk = dnssec::Key::generate(dnssec::kFlagsZsk).value();
  signing->dnskeys = {signing->ksks[0], *signing->zsk};
  const std::string text = zone_text(7, 1) + "@ 300 TXT \"apex\"\nh0 60 TXT \"host\"\nh0 86400 MX 10 h0\n";
  auto parsed = dns::parse_zone_text(text, W("example.com."), "t.zone");
  ASSERT_TRUE(parsed);
  auto v = view::ZoneView::compile(W("example.com."), parsed->records, view::CompileOptions{.signing = signing});
  ASSERT_TRUE(v) << v.error().message;
  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::build({*v}));
  SignedZones zones;
  Service s(pub, ServiceOptions{.signed_zones = &zones});
  s.set_config(allow_loopback());
  auto stream = s.handle(query(252), addr("127.0.0.1"), true);
  // (owner, type) → TTL of the RRset; (owner, type covered) → TTLs of its RRSIGs.
  std::map<std::pair<std::string, uint16_t>, uint32_t> set_ttl;
  std::map<std::pair<std::string, uint16_t>, std::set<uint32_t>> sig_ttl;
  size_t sigs = 0;
  while (stream) {
    auto m = stream->next();
    if (!m) break;
    knot_pkt_t* pkt = knot_pkt_new(m->data(), m->size(), nullptr);
    ASSERT_EQ(knot_pkt_parse(pkt, 0), KNOT_EOK);
    const knot_pktsection_t* an = knot_pkt_section(pkt, KNOT_ANSWER);
    for (uint16_t i = 0; i < an->count; ++i) {
      const knot_rrset_t* rr = knot_pkt_rr(an, i);
      const std::string owner(reinterpret_cast<const char*>(rr->owner), knot_dname_size(rr->owner));
      for (uint16_t k = 0; k < rr->rrs.count; ++k) {
        const knot_rdata_t* rd = knot_rdataset_at(&rr->rrs, k);
        if (rr->type == 46) {
          EXPECT_EQ(rr->ttl, knot_rrsig_original_ttl(rd));
          sig_ttl[{owner, knot_rrsig_type_covered(rd)}].insert(rr->ttl);
          ++sigs;
        } else {
          set_ttl[{owner, rr->type}] = rr->ttl;
        }
      }
    }
    knot_pkt_free(pkt);
  }
  EXPECT_GT(sigs, 10u);
  for (const auto& [key, ttls] : sig_ttl) {
    ASSERT_TRUE(set_ttl.count(key)) << dns::name_to_text(key.first) << " " << key.second;
    EXPECT_EQ(ttls, std::set<uint32_t>{set_ttl[key]}) << dns::name_to_text(key.first) << " " << key.second;
  }
  const std::pair<std::string, uint16_t> mx{W("h0.example.com."), 15}, txt{W("h0.example.com."), 16},
      ns{W("example.com."), 2};
  EXPECT_EQ(sig_ttl[mx], std::set<uint32_t>{86400});
  EXPECT_EQ(sig_ttl[txt], std::set<uint32_t>{60});
  EXPECT_EQ(sig_ttl[ns], std::set<uint32_t>{3600});

  // The journal's deltas list them the same way.
  std::set<uint32_t> journal_ttls;
  for_each_rr(**v, [&](std::string_view o, uint16_t t, uint32_t ttl, std::string_view) {
    if (t == 46 && o == W("h0.example.com.")) journal_ttls.insert(ttl);
  });
  EXPECT_EQ(journal_ttls, (std::set<uint32_t>{60, 3600, 86400}));
}

// At start the NOTIFYs of what is served wait for serving() (the DNS listeners are up), so a
// secondary's SOA query after one is answered; then they go out.
TEST(XfrServiceTest, NotifiesWaitUntilServing) {
  const int peer = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(peer, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(peer, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(peer, reinterpret_cast<sockaddr*>(&a), &len), 0);
  timeval tv{0, 200 * 1000};
  ASSERT_EQ(::setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);

  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::build({zone(zone_text(5, 1))}));
  auto cfg = allow_loopback();
  Peer p;
  p.name = "secondary";
  p.ip = "127.0.0.1";
  p.address = Prefix::parse("127.0.0.1/32").value();
  p.port = ntohs(a.sin_port);
  cfg->outgoing[W("example.com.")].peers.push_back(p);
  Service s(pub, ServiceOptions{.watch_interval = std::chrono::milliseconds(10), .notify_when_serving = true});
  s.set_config(cfg);
  ASSERT_TRUE(s.start());
  uint8_t buf[512];
  // Not serving yet: several receive timeouts pass with nothing sent (the watcher runs every 10 ms).
  for (int i = 0; i < 3; ++i) EXPECT_LT(::recv(peer, buf, sizeof buf, 0), 0);
  EXPECT_EQ(s.stats().notifies_sent.load(), 0u);
  s.serving();
  ssize_t n = -1;
  for (int i = 0; i < 50 && n < 0; ++i) n = ::recv(peer, buf, sizeof buf, 0);
  ASSERT_GT(n, 12);
  EXPECT_EQ((buf[2] >> 3) & 0x0f, 4);  // opcode NOTIFY
  s.stop();
  ::close(peer);
}

// An IXFR whose way from the client's serial crosses a barrier is answered with the whole zone.
TEST(XfrServiceTest, IxfrAcrossABarrierIsAFullTransfer) {
  auto v = zone(zone_text(9, 5));
  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::build({v}));
  MemJournal j;
  Diff barrier;
  barrier.from = 7;
  barrier.to = 8;
  barrier.full = true;
  auto d = decode_diff(encode_diff(diff_views(*zone(zone_text(8, 4)), *v)));
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_TRUE(j.append(W("example.com."), barrier, 10));
  ASSERT_TRUE(j.append(W("example.com."), *d, 10));
  Service s(pub, ServiceOptions{.journal = &j});
  s.set_config(allow_loopback());
  auto from7 = all(s.handle(query(251, "example.com.", 7), addr("127.0.0.1"), true));
  size_t n = 0;
  for (const auto& m : from7) n += m.rrs.size();
  EXPECT_EQ(n, 5u + 1 + 1 + 2);  // the whole zone
  EXPECT_EQ(s.stats().ixfr_as_axfr.load(), 1u);
  auto from8 = all(s.handle(query(251, "example.com.", 8), addr("127.0.0.1"), true));
  n = 0;
  for (const auto& m : from8) n += m.rrs.size();
  EXPECT_EQ(n, 5u);  // SOA 9, SOA 8, SOA 9 + h4 A, SOA 9
  EXPECT_EQ(s.stats().ixfr.load(), 1u);
}

TEST(XfrServiceTest, AxfrIsTheWholeViewBetweenTwoSoas) {
  auto v = zone(zone_text(7, 8000));  // more than one 64 KiB message
  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::build({v}));
  Service s(pub, {});
  s.set_config(allow_loopback());
  auto msgs = all(s.handle(query(252), addr("127.0.0.1"), true));
  ASSERT_GT(msgs.size(), 1u);
  size_t rrs = 0;
  for (const auto& m : msgs) {
    EXPECT_EQ(m.rcode, 0);
    rrs += m.rrs.size();
  }
  EXPECT_EQ(rrs, 8000u + 2 + 1 + 1);  // hosts, ns1 A, NS, two SOAs
  EXPECT_EQ(msgs.front().rrs.front().first, 6);
  EXPECT_EQ(msgs.back().rrs.back().first, 6);
  EXPECT_EQ(s.stats().axfr.load(), 1u);
}

TEST(XfrServiceTest, RefusesUnlistedPeersAndUnknownZones) {
  auto v = zone(zone_text(7, 2));
  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::build({v}));
  Service s(pub, {});
  s.set_config(allow_loopback());
  auto refused = all(s.handle(query(252), addr("192.0.2.1"), true));
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].rcode, 5);
  auto notauth = all(s.handle(query(252, "other.org."), addr("127.0.0.1"), true));
  ASSERT_EQ(notauth.size(), 1u);
  EXPECT_EQ(notauth[0].rcode, 9);
  auto noserial = all(s.handle(query(251), addr("127.0.0.1"), true));  // IXFR without the SOA
  ASSERT_EQ(noserial.size(), 1u);
  EXPECT_EQ(noserial[0].rcode, 1);
}

TEST(XfrServiceTest, TsigSignsEveryMessageAndRejectsBadSignatures) {
  auto v = zone(zone_text(7, 8000));
  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::build({v}));
  Service s(pub, {});
  auto key = TsigKey::make("k1.", "hmac-sha256.", kSecret).value();
  auto cfg = std::make_shared<Config>();
  cfg->keys[key->name_wire()] = key;
  Peer p;
  p.name = "sec";
  p.address = Prefix::parse("127.0.0.1").value();
  p.key = key;
  cfg->outgoing[W("example.com.")].peers.push_back(p);
  s.set_config(cfg);

  auto q = query(252);
  auto mac = sign_request(q, *key);
  ASSERT_TRUE(mac);
  auto msgs = all(s.handle(q, addr("127.0.0.1"), true));
  ASSERT_GT(msgs.size(), 1u);
  std::vector<uint8_t> prev = *mac;
  for (size_t i = 0; i < msgs.size(); ++i) {
    ASSERT_TRUE(msgs[i].tsig) << "message " << i;
    std::vector<uint8_t> w = msgs[i].wire;
    knot_pkt_t* pkt = knot_pkt_new(w.data(), w.size(), nullptr);
    ASSERT_EQ(knot_pkt_parse(pkt, 0), KNOT_EOK);
    auto r = check_response(pkt->tsig_rr, std::span<const uint8_t>(pkt->wire, pkt->size), *key, prev, i == 0);
    EXPECT_TRUE(r) << "message " << i << ": " << r.error().message;
    knot_pkt_free(pkt);
  }

  // Unsigned from a peer that has a key: REFUSED.
  auto unsigned_msgs = all(s.handle(query(252), addr("127.0.0.1"), true));
  ASSERT_EQ(unsigned_msgs.size(), 1u);
  EXPECT_EQ(unsigned_msgs[0].rcode, 5);
  // Same key name, other secret: NOTAUTH + BADSIG.
  auto wrong = TsigKey::make("k1.", "hmac-sha256.", "d3Jvbmd3cm9uZ3dyb25nd3Jvbmc=").value();
  auto bad = query(252);
  ASSERT_TRUE(sign_request(bad, *wrong));
  auto badsig = all(s.handle(bad, addr("127.0.0.1"), true));
  ASSERT_EQ(badsig.size(), 1u);
  EXPECT_EQ(badsig[0].rcode, 9);
  EXPECT_TRUE(badsig[0].tsig);
  // Unknown key: NOTAUTH + BADKEY.
  auto unknown = TsigKey::make("nokey.", "hmac-sha256.", kSecret).value();
  auto uq = query(252);
  ASSERT_TRUE(sign_request(uq, *unknown));
  auto badkey = all(s.handle(uq, addr("127.0.0.1"), true));
  ASSERT_EQ(badkey.size(), 1u);
  EXPECT_EQ(badkey[0].rcode, 9);
  EXPECT_EQ(s.stats().tsig_errors.load(), 2u);
}

TEST(XfrServiceTest, IxfrFromTheJournalAndFallbacks) {
  auto v1 = zone(zone_text(1, 10));
  auto v2 = zone(zone_text(2, 11));
  auto v3 = zone(zone_text(3, 12));
  MemJournal j;
  ASSERT_TRUE(j.append(W("example.com."), diff_views(*v1, *v2), 10));
  ASSERT_TRUE(j.append(W("example.com."), diff_views(*v2, *v3), 10));
  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::build({v3}));
  Service s(pub, ServiceOptions{.journal = &j});
  s.set_config(allow_loopback());
  // From 1: SOA3, SOA1, SOA2, h10, SOA2, SOA3, h11, SOA3.
  auto m = all(s.handle(query(251, "example.com.", 1), addr("127.0.0.1"), true));
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].rrs.size(), 8u);
  EXPECT_EQ(m[0].rrs[0].first, 6);
  EXPECT_EQ(m[0].rrs[3].second, "h10.example.com.");
  EXPECT_EQ(m[0].rrs[6].second, "h11.example.com.");
  // Current: SOA only.
  auto cur = all(s.handle(query(251, "example.com.", 3), addr("127.0.0.1"), true));
  ASSERT_EQ(cur.size(), 1u);
  EXPECT_EQ(cur[0].rrs.size(), 1u);
  // Not in the journal: a full transfer over TCP, the SOA alone over UDP.
  auto old = all(s.handle(query(251, "example.com.", 0), addr("127.0.0.1"), true));
  size_t n = 0;
  for (auto& x : old) n += x.rrs.size();
  EXPECT_EQ(n, 12u + 4);
  auto udp = all(s.handle(query(251, "example.com.", 0), addr("127.0.0.1"), false));
  ASSERT_EQ(udp.size(), 1u);
  EXPECT_EQ(udp[0].rrs.size(), 1u);
  // Over UDP from the journal when it fits.
  auto udp_delta = all(s.handle(query(251, "example.com.", 2), addr("127.0.0.1"), false));
  ASSERT_EQ(udp_delta.size(), 1u);
  EXPECT_EQ(udp_delta[0].rrs.size(), 5u);
}

TEST(XfrJournalTest, DiffRoundTripAndChain) {
  auto v1 = zone(zone_text(1, 3));
  auto v2 = zone(zone_text(2, 4));
  Diff d = diff_views(*v1, *v2);
  EXPECT_EQ(d.from, 1u);
  EXPECT_EQ(d.to, 2u);
  ASSERT_EQ(d.removed.size(), 1u);  // the old SOA
  ASSERT_EQ(d.added.size(), 2u);    // the new SOA and h3
  auto back = decode_diff(encode_diff(d));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->added, d.added);
  EXPECT_FALSE(decode_diff(encode_diff(d).substr(0, 20)));
  EXPECT_EQ(chain({d}, 1, 2).size(), 1u);
  EXPECT_TRUE(chain({d}, 1, 3).empty());  // a gap
  EXPECT_TRUE(chain({d}, 0, 2).empty());  // older than the journal
}

// A view patched from another (an API write) is diffed over the names the patch lists only, and
// the result is the same as comparing the whole zones.
TEST(XfrJournalTest, DiffOfAPatchedViewEqualsTheFullDiff) {
  auto parsed = dns::parse_zone_text(zone_text(1, 200), W("example.com."), "t.zone");
  ASSERT_TRUE(parsed);
  auto model = view::ZoneModel::build(W("example.com."), parsed->records, {});
  ASSERT_TRUE(model) << model.error().message;
  const auto v1 = (*model)->view();
  auto next = dns::parse_zone_text(zone_text(2, 200) + "h5 TXT \"new\"\nextra A 192.0.2.99\n", W("example.com."), "t.zone");
  ASSERT_TRUE(next);
  std::vector<view::OwnerChange> changes;
  for (const char* n : {"example.com.", "h5.example.com.", "h7.example.com.", "extra.example.com."}) {
    view::OwnerChange c{W(n), {}};
    for (const auto& r : next->records) {
      if (r.owner == c.owner && std::string(n) != "h7.example.com.") c.records.push_back(r);  // h7 goes
    }
    changes.push_back(std::move(c));
  }
  auto v2 = (*model)->update(changes, nullptr);
  ASSERT_TRUE(v2) << v2.error().message;
  ASSERT_TRUE((*v2)->changed_since(v1->id()));
  std::vector<dns::ZoneRecord> all;
  for (const auto& r : next->records) {
    if (r.owner != W("h7.example.com.")) all.push_back(r);
  }
  auto full = view::ZoneView::compile(W("example.com."), all);  // no lineage: the whole zones compared
  ASSERT_TRUE(full);
  ASSERT_FALSE((*full)->changed_since(v1->id()));
  const Diff quick = diff_views(*v1, **v2), slow = diff_views(*v1, **full);
  auto sorted = [](std::vector<Rr> v) {
    std::sort(v.begin(), v.end(), [](const Rr& a, const Rr& b) {
      return std::tie(a.owner, a.type, a.rdata, a.ttl) < std::tie(b.owner, b.type, b.rdata, b.ttl);
    });
    return v;
  };
  EXPECT_EQ(sorted(quick.removed), sorted(slow.removed));
  EXPECT_EQ(sorted(quick.added), sorted(slow.added));
  EXPECT_EQ(quick.removed.size(), 2u);  // SOA 1, h7 A
  EXPECT_EQ(quick.added.size(), 3u);    // SOA 2, h5 TXT, extra A
  EXPECT_EQ(quick.removed.front().type, 6);
  EXPECT_EQ(quick.added.front().type, 6);
}

}  // namespace
}  // namespace dnsedge::xfr
