#include "common/temp_dir.h"
#include "control/controller.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "control/errors.h"
#include "dns/name.h"
#include "dns/types.h"
#include "view/served.h"

namespace dnsedge::control {
namespace {

namespace rrtype = dns::rrtype;

std::string ip4(const char* text) { return dns::rdata_from_text(rrtype::kA, text, std::string(1, '\0')).value(); }
std::string ip6(const char* text) { return dns::rdata_from_text(rrtype::kAAAA, text, std::string(1, '\0')).value(); }
std::string wire(const char* text) { return dns::name_from_text(text).value(); }

class TempDir : public common::TempDir {
 public:
  TempDir() : common::TempDir("dnsedge-control") {}
};

struct Fixture {
  TempDir dir;
  common::SnapshotPublisher<view::Catalog> publisher{view::Catalog::empty()};
  std::unique_ptr<Controller> c;

  size_t quota = 1000000;
  uint64_t generate = 65536;

  Fixture() { reopen(); }
  void reopen() {
    c.reset();
    ControllerOptions o;
    o.data_dir = dir.path();
    o.max_records_per_zone = quota;
    o.max_generate_records = generate;
    o.store.durability = store::Durability::kNormal;
    o.edge.v4 = {ip4("127.0.0.11"), ip4("127.0.0.12")};
    o.edge.v6 = {ip6("::1")};
    o.nameservers = {wire("ns1.dnsedge.test."), wire("ns2.dnsedge.test.")};
    auto opened = Controller::open(std::move(o), publisher);
    ASSERT_TRUE(opened) << opened.error().message;
    c = std::move(*opened);
  }
  std::string zone(const std::string& name) {
    auto z = c->create_zone(name, "", "");
    EXPECT_TRUE(z) << (z ? "" : z.error().message);
    return z ? z->zone.id : "";
  }
  // The served RRset of (name, type) as text, sorted; empty when none.
  std::vector<std::string> served(const char* name, uint16_t type) {
    auto cat = publisher.current();
    const std::string n = wire(name);
    const view::ZoneView* z = cat->find_zone(n);
    std::vector<std::string> out;
    if (z == nullptr) return out;
    for (const auto& rr : z->records()) {
      if (rr.owner == n && rr.type == type) out.push_back(dns::rdata_to_text(type, rr.rdata).value());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  uint32_t serial(const std::string& id) { return c->zone(id)->zone.serial; }
};

RecordInput rec(std::string name, std::string type, std::string content) {
  RecordInput r;
  r.name = std::move(name);
  r.type = std::move(type);
  r.content = std::move(content);
  return r;
}

TEST(ControllerTest, CreateZoneServesGeneratedSoaAndNs) {
  Fixture f;
  const std::string id = f.zone("example.com");
  EXPECT_EQ(f.served("example.com.", rrtype::kNS),
            (std::vector<std::string>{"ns1.dnsedge.test.", "ns2.dnsedge.test."}));
  auto soa = f.served("example.com.", rrtype::kSOA);
  ASSERT_EQ(soa.size(), 1u);
  EXPECT_EQ(soa[0], "ns1.dnsedge.test. hostmaster.example.com. " + std::to_string(f.serial(id)) +
                        " 10000 2400 604800 1800");
  EXPECT_EQ(f.c->create_zone("EXAMPLE.com.", "", "").error().code, errc::kZoneExists);
  EXPECT_EQ(f.c->create_zone("com", "", "").error().code, errc::kBadZoneName);
}

TEST(ControllerTest, WritesArePublishedAndBumpTheSerial) {
  Fixture f;
  const std::string id = f.zone("example.com");
  const uint32_t s0 = f.serial(id);
  auto w = f.c->create_record(id, rec("www", "A", "192.0.2.1"));
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->serial, s0 + 1);
  EXPECT_EQ(f.served("www.example.com.", rrtype::kA), std::vector<std::string>{"192.0.2.1"});
  RecordInput patch;
  patch.proxied = true;
  auto p = f.c->update_record(id, w->records[0].id, patch, false);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(f.serial(id), s0 + 2);
  EXPECT_EQ(f.served("www.example.com.", rrtype::kA), (std::vector<std::string>{"127.0.0.11", "127.0.0.12"}));
  auto d = f.c->delete_record(id, w->records[0].id);
  ASSERT_TRUE(d);
  EXPECT_TRUE(f.served("www.example.com.", rrtype::kA).empty());
  EXPECT_EQ(f.c->delete_record(id, w->records[0].id).error().code, errc::kRecordNotFound);
  EXPECT_EQ(f.serial(id), s0 + 3);
}

TEST(ControllerTest, ConflictsAndDuplicatesChangeNothing) {
  Fixture f;
  const std::string id = f.zone("example.com");
  ASSERT_TRUE(f.c->create_record(id, rec("www", "CNAME", "web.example.net")));
  const uint32_t s = f.serial(id);
  EXPECT_EQ(f.c->create_record(id, rec("www", "A", "192.0.2.1")).error().code, errc::kAddressConflict);
  EXPECT_EQ(f.c->create_record(id, rec("www", "TXT", "x")).error().code, errc::kCnameConflict);
  EXPECT_EQ(f.c->create_record(id, rec("www", "CNAME", "web.example.net")).error().code, errc::kIdenticalRecord);
  EXPECT_EQ(f.serial(id), s);
  EXPECT_EQ(f.c->records(id)->size(), 1u);
}

TEST(ControllerTest, RefusedWriteLeavesCatalogAndSerialUntouched) {
  Fixture f;
  const std::string id = f.zone("example.com");
  ASSERT_TRUE(f.c->create_record(id, rec("a", "CNAME", "b.example.com")));
  const uint32_t s = f.serial(id);
  auto before = f.publisher.current();
  auto r = f.c->create_record(id, rec("a", "NS", "ns.elsewhere.net"));  // NS beside a CNAME
  ASSERT_FALSE(r);
  EXPECT_EQ(f.serial(id), s);
  EXPECT_EQ(f.publisher.current(), before);
}

TEST(ControllerTest, CompileErrorIsReportedWithItsMessage) {
  TempDir dir;
  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::empty());
  ControllerOptions o;
  o.data_dir = dir.path();
  o.store.durability = store::Durability::kNormal;
  o.edge.v4 = {ip4("127.0.0.11")};  // no IPv6 edge address
  o.nameservers = {wire("ns1.dnsedge.test.")};
  auto c = Controller::open(std::move(o), pub).value();
  auto z = c->create_zone("example.com", "", "").value();
  auto aaaa = rec("www", "AAAA", "2001:db8::1");
  aaaa.proxied = true;
  auto before = pub.current();
  auto r = c->create_record(z.zone.id, aaaa);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kCompile);
  EXPECT_NE(r.error().message.find("edge IPv6"), std::string::npos) << r.error().message;
  EXPECT_EQ(pub.current(), before);
  EXPECT_TRUE(c->records(z.zone.id)->empty());
  EXPECT_EQ(c->zone(z.zone.id)->zone.serial, z.zone.serial);
}

// Regression: a proxied A to 127.0.0.1 was accepted, and the edge then handed the API (on
// 127.0.0.1:8080) to anyone asking for that name. The origin policy refuses such records with
// 9003, and proxied CNAMEs whose target reaches such an address as well.
TEST(ControllerTest, ProxiedOriginsThePolicyProhibitsAre9003) {
  TempDir dir;
  common::SnapshotPublisher<view::Catalog> pub(view::Catalog::empty());
  ControllerOptions o;
  o.data_dir = dir.path();
  o.store.durability = store::Durability::kNormal;
  o.edge.v4 = {ip4("203.0.113.1")};
  view::OriginPolicyOptions po;
  po.edge = o.edge.v4;
  po.own = {ip4("192.0.2.53")};
  o.edge.policy = std::make_shared<const view::OriginPolicy>(po);
  o.nameservers = {wire("ns1.dnsedge.test.")};
  auto c = Controller::open(std::move(o), pub).value();
  const std::string id = c->create_zone("example.com", "", "").value().zone.id;
  auto proxied = [](const char* name, const char* type, const char* content) {
    auto r = rec(name, type, content);
    r.proxied = true;
    return r;
  };
  for (const char* bad : {"127.0.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1", "192.0.2.53"}) {
    auto r = c->create_record(id, proxied("lo", "A", bad));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::kBlockedTarget) << bad;
    EXPECT_TRUE(r.error().message.starts_with("DNS points to prohibited IP: ")) << r.error().message;
  }
  ASSERT_TRUE(c->create_record(id, proxied("www", "A", "10.0.0.80")));  // RFC 1918 stays allowed
  // DNS-only records may hold any address; a proxied CNAME to such a name may not.
  ASSERT_TRUE(c->create_record(id, rec("local", "A", "127.0.0.1")));
  const uint32_t serial = c->zone(id)->zone.serial;
  auto cname = c->create_record(id, proxied("app", "CNAME", "local.example.com"));
  ASSERT_FALSE(cname);
  EXPECT_EQ(cname.error().code, errc::kBlockedTarget);
  EXPECT_NE(cname.error().message.find("127.0.0.1 is a loopback address"), std::string::npos) << cname.error().message;
  EXPECT_EQ(c->zone(id)->zone.serial, serial);
  // Turning a DNS-only record into a proxied one is the same write.
  auto local = c->records(id).value();
  for (const auto& r : local) {
    if (r.name != "local.example.com") continue;
    RecordInput patch;
    patch.proxied = true;
    auto p = c->update_record(id, r.id, patch, false);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, errc::kBlockedTarget);
  }
  // A record the CNAME does not reach is untouched by the check; the model is as before.
  ASSERT_TRUE(c->create_record(id, proxied("app", "CNAME", "www.example.com")));
}

TEST(ControllerTest, BatchIsAllOrNothing) {
  Fixture f;
  const std::string id = f.zone("example.com");
  auto a = f.c->create_record(id, rec("a", "A", "192.0.2.1")).value().records[0];
  const uint32_t s = f.serial(id);
  BatchInput b;
  b.deletes = {a.id};
  b.posts = {rec("b", "A", "192.0.2.2"), rec("c", "A", "not-an-ip")};
  auto r = f.c->batch(id, b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kBadIpv4);
  EXPECT_NE(r.error().message.find("posts[1]"), std::string::npos);
  EXPECT_EQ(f.serial(id), s);
  EXPECT_EQ(f.served("a.example.com.", rrtype::kA), std::vector<std::string>{"192.0.2.1"});
  EXPECT_TRUE(f.served("b.example.com.", rrtype::kA).empty());

  b.posts.pop_back();
  RecordInput patch;
  patch.content = "192.0.2.9";
  auto ok = f.c->batch(id, b);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->serial, s + 1);  // one serial for the whole batch
  EXPECT_TRUE(f.served("a.example.com.", rrtype::kA).empty());
  EXPECT_EQ(f.served("b.example.com.", rrtype::kA), std::vector<std::string>{"192.0.2.2"});
}

TEST(ControllerTest, BatchCanSwapContentsThroughPatches) {
  Fixture f;
  const std::string id = f.zone("example.com");
  auto x = f.c->create_record(id, rec("x", "A", "192.0.2.1")).value().records[0];
  auto y = f.c->create_record(id, rec("x", "A", "192.0.2.2")).value().records[0];
  BatchInput b;
  RecordInput px, py;
  px.content = "192.0.2.3";
  py.content = "192.0.2.1";
  b.patches = {{x.id, px}, {y.id, py}};
  auto r = f.c->batch(id, b);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(f.served("x.example.com.", rrtype::kA), (std::vector<std::string>{"192.0.2.1", "192.0.2.3"}));
}

// Batches and imports check conflicts through a name index (Controller::Pending::by_name); it must
// follow renames and deletes made earlier in the same batch.
TEST(ControllerTest, BatchConflictChecksFollowRenamesAndDeletes) {
  Fixture f;
  const std::string id = f.zone("example.com");
  auto a = f.c->create_record(id, rec("a", "A", "192.0.2.1")).value().records[0];
  auto d = f.c->create_record(id, rec("d", "A", "192.0.2.4")).value().records[0];
  BatchInput b;
  RecordInput rename;
  rename.name = "b";
  b.deletes = {d.id};
  b.patches = {{a.id, rename}};
  b.posts = {rec("a", "CNAME", "target.example.net"), rec("d", "CNAME", "target.example.net"),
             rec("b", "CNAME", "target.example.net")};
  auto r = f.c->batch(id, b);
  ASSERT_FALSE(r);  // b holds the renamed A now
  EXPECT_EQ(r.error().code, errc::kAddressConflict) << r.error().message;
  EXPECT_NE(r.error().message.find("posts[2]"), std::string::npos) << r.error().message;
  // The failed batch left the records as they were (Pending puts back what it changed).
  auto kept = f.c->records(id);
  ASSERT_TRUE(kept);
  ASSERT_EQ(kept->size(), 2u);
  EXPECT_EQ((*kept)[0].id, a.id);
  EXPECT_EQ((*kept)[0].name, "a.example.com");
  EXPECT_EQ((*kept)[1].id, d.id);
  EXPECT_EQ(f.c->record(id, a.id)->content, "192.0.2.1");
  b.posts.pop_back();
  auto ok = f.c->batch(id, b);
  ASSERT_TRUE(ok) << ok.error().message;  // a and d are free once renamed / deleted
  EXPECT_EQ(f.served("b.example.com.", rrtype::kA), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(f.served("a.example.com.", rrtype::kCNAME), std::vector<std::string>{"target.example.net."});

  // An import sees the records it added before: a CNAME beside an imported A is refused.
  auto imp = f.c->import_zone(id, "x 300 IN A 192.0.2.7\nx 300 IN CNAME target.example.net.\n", std::nullopt);
  ASSERT_FALSE(imp);
  EXPECT_EQ(imp.error().code, errc::kAddressConflict) << imp.error().message;
  EXPECT_NE(imp.error().message.find("import:2"), std::string::npos) << imp.error().message;
}

TEST(ControllerTest, MxToProxiedApexUsesDcRecordAndSaysSo) {
  Fixture f;
  const std::string id = f.zone("example.com");
  auto a = rec("@", "A", "192.0.2.1");
  a.proxied = true;
  ASSERT_TRUE(f.c->create_record(id, a));
  auto w = f.c->create_record(id, rec("@", "MX", "10 example.com"));
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_EQ(w->messages.size(), 1u);
  EXPECT_EQ(w->messages[0].code, errc::kDcRecordMessage);
  const std::string dc = dns::name_to_text(view::dc_name(wire("example.com."), wire("example.com.")));
  EXPECT_NE(w->messages[0].message.find("192.0.2.1"), std::string::npos) << w->messages[0].message;
  EXPECT_NE(w->messages[0].message.find("mail.example.com"), std::string::npos);
  EXPECT_EQ(f.served("example.com.", rrtype::kMX), std::vector<std::string>{"10 " + dc});
  EXPECT_EQ(f.served(dc.c_str(), rrtype::kA), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(f.served("example.com.", rrtype::kA), (std::vector<std::string>{"127.0.0.11", "127.0.0.12"}));
  // Not a stored record.
  const auto stored = f.c->records(id).value();
  for (const auto& r : stored) EXPECT_EQ(r.name.find("dc-"), std::string::npos);
}

TEST(ControllerTest, DataSurvivesReopen) {
  Fixture f;
  const std::string id = f.zone("example.com");
  ASSERT_TRUE(f.c->create_record(id, rec("www", "A", "192.0.2.1")));
  DnsSettingsPatch body;
  body.flatten_all = true;
  body.ns_ttl = 3600;
  ASSERT_TRUE(f.c->update_dns_settings(id, body));
  const uint32_t s = f.serial(id);
  f.reopen();
  EXPECT_EQ(f.serial(id), s);
  EXPECT_EQ(f.c->records(id)->size(), 1u);
  EXPECT_TRUE(f.c->dns_settings(id)->flatten_all);
  EXPECT_EQ(f.c->dns_settings(id)->ns_ttl, 3600u);
  EXPECT_EQ(f.served("www.example.com.", rrtype::kA), std::vector<std::string>{"192.0.2.1"});
}

TEST(ControllerTest, SettingsValidateRanges) {
  Fixture f;
  const std::string id = f.zone("example.com");
  DnsSettingsPatch refresh, ns_ttl, min_ttl;
  refresh.soa.emplace().refresh = 5;
  ns_ttl.ns_ttl = 10;
  min_ttl.soa.emplace().min_ttl = 300;
  min_ttl.soa->rname = "dns.example.com";
  EXPECT_EQ(f.c->update_dns_settings(id, refresh).error().code, errc::kValidation);
  EXPECT_EQ(f.c->update_dns_settings(id, ns_ttl).error().code, errc::kValidation);
  ASSERT_TRUE(f.c->update_dns_settings(id, min_ttl));
  auto soa = f.served("example.com.", rrtype::kSOA);
  ASSERT_EQ(soa.size(), 1u);
  EXPECT_NE(soa[0].find("dns.example.com."), std::string::npos);
  EXPECT_TRUE(soa[0].ends_with(" 300"));
}

TEST(ControllerTest, ImportAndExportRoundTrip) {
  Fixture f;
  const std::string id = f.zone("example.com");
  const std::string text =
      "$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 2 3 4 5\n@ IN NS ns1.other.net.\n"
      "www IN A 192.0.2.1 ; cf_tags=cf-proxied:true\n@ IN MX 10 mail\nmail IN A 192.0.2.25\n"
      "@ IN TXT \"v=spf1 mx -all\"\n_sip._tcp IN SRV 10 5 5060 sip\n";
  auto r = f.c->import_zone(id, text, false);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->added, 5u);
  EXPECT_EQ(r->parsed, 5u);
  auto again = f.c->import_zone(id, text, false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->added, 0u);  // identical records are skipped
  auto out = f.c->export_zone(id).value();
  EXPECT_NE(out.find("www.example.com.\t300\tIN\tA\t192.0.2.1 ; cf_tags=cf-proxied:true"), std::string::npos) << out;
  EXPECT_NE(out.find("example.com.\t3600\tIN\tMX\t10 mail.example.com."), std::string::npos) << out;
  // Into a fresh zone: the same records.
  Fixture g;
  const std::string gid = g.zone("example.com");
  auto back = g.c->import_zone(gid, out, std::nullopt);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->added, 5u);
  EXPECT_EQ(g.c->export_zone(gid).value(), out);
}

TEST(ControllerTest, RecordQuotaRefusesEveryWriteThatAddsOneMore) {
  Fixture f;
  f.quota = 3;
  f.reopen();
  const std::string id = f.zone("example.com");
  std::vector<std::string> ids;
  for (const char* n : {"a", "b", "c"}) ids.push_back(f.c->create_record(id, rec(n, "A", "192.0.2.1"))->records[0].id);
  const uint32_t serial = f.serial(id);
  const auto quota_exceeded = [](const Error& e) {
    EXPECT_EQ(e.code, errc::kRecordQuota);
    EXPECT_TRUE(e.message.ends_with("Record quota exceeded.")) << e.message;  // batch: "posts[0]: ..."
    EXPECT_EQ(http_status(e.code), 400);
  };
  // POST, batch posts, import: refused, nothing changes.
  quota_exceeded(f.c->create_record(id, rec("d", "A", "192.0.2.1")).error());
  BatchInput two;
  two.posts = {rec("d", "A", "192.0.2.1")};
  quota_exceeded(f.c->batch(id, two).error());
  auto imp = f.c->import_zone(id, "d A 192.0.2.1\ne A 192.0.2.1\n", std::nullopt);
  ASSERT_FALSE(imp);
  EXPECT_EQ(imp.error().code, errc::kRecordQuota);
  EXPECT_EQ(f.serial(id), serial);
  EXPECT_EQ(f.c->records(id)->size(), 3u);
  EXPECT_TRUE(f.served("d.example.com.", rrtype::kA).empty());
  // Writes that add nothing pass: PUT, PATCH, an import of what is there, a batch that deletes first.
  ASSERT_TRUE(f.c->update_record(id, ids[0], rec("a", "A", "192.0.2.9"), true));
  ASSERT_TRUE(f.c->import_zone(id, "b A 192.0.2.1\n", std::nullopt));
  BatchInput swap;
  swap.deletes = {ids[1]};
  swap.posts = {rec("d", "A", "192.0.2.4")};
  ASSERT_TRUE(f.c->batch(id, swap));
  EXPECT_EQ(f.served("d.example.com.", rrtype::kA), std::vector<std::string>{"192.0.2.4"});
  // Deletes make room again.
  ASSERT_TRUE(f.c->delete_record(id, ids[2]));
  ASSERT_TRUE(f.c->create_record(id, rec("e", "A", "192.0.2.5")));
  EXPECT_EQ(f.c->records(id)->size(), 3u);
}

TEST(ControllerTest, ImportGenerateCapStopsTheImport) {
  Fixture f;
  f.generate = 50;
  f.reopen();
  const std::string id = f.zone("example.com");
  auto r = f.c->import_zone(id, "$GENERATE 1-30 a$ A 192.0.2.1\n$GENERATE 1-30 b$ A 192.0.2.1\n", std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kImportParse);
  EXPECT_NE(r.error().message.find("import:2: $GENERATE"), std::string::npos) << r.error().message;
  EXPECT_TRUE(f.c->records(id)->empty());
}

TEST(ControllerTest, FileZonesAreListedAndReadOnly) {
  Fixture f;
  TempDir d;
  const std::string file = d.path() + "/files.test.zone";
  std::ofstream(file) << "$ORIGIN files.test.\n$TTL 300\n@ SOA ns1 host 7 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.53\n"
                         "www A 192.0.2.80\n";
  auto parsed = dns::parse_zone_file(file).value();
  auto v = view::ZoneView::compile(wire("files.test."), parsed.records, view::CompileOptions{.source = file}).value();
  f.c->set_file_zones({v});
  auto zones = f.c->zones();
  ASSERT_EQ(zones.size(), 1u);
  EXPECT_TRUE(zones[0].file_backed);
  EXPECT_EQ(zones[0].zone.name, "files.test");
  const std::string id = zones[0].zone.id;
  EXPECT_EQ(f.c->records(id)->size(), 3u);  // NS + 2 A, no SOA
  EXPECT_EQ(f.c->create_record(id, rec("x", "A", "192.0.2.1")).error().code, errc::kFileBacked);
  EXPECT_EQ(f.c->create_zone("files.test", "", "").error().code, errc::kZoneExists);
  EXPECT_EQ(f.served("www.files.test.", rrtype::kA), std::vector<std::string>{"192.0.2.80"});
  // Same id after a reload.
  f.c->set_file_zones({v});
  EXPECT_EQ(f.c->zones()[0].zone.id, id);
}

TEST(ControllerTest, WriterThreadRunsJobsAndPublishesBeforeCompleting) {
  Fixture f;
  const std::string id = f.zone("example.com");
  f.c->start();
  std::vector<std::future<void>> waits;
  std::atomic<int> seen_after_publish{0};
  for (int i = 0; i < 20; ++i) {
    auto p = std::make_shared<std::promise<void>>();
    waits.push_back(p->get_future());
    f.c->post([&f, &id, i, p, &seen_after_publish]() -> Completion {
      auto w = f.c->create_record(id, rec("h" + std::to_string(i), "A", "192.0.2.1"));
      EXPECT_TRUE(w);
      const std::string name = "h" + std::to_string(i) + ".example.com.";
      return [&f, name, p, &seen_after_publish]() {
        if (!f.served(name.c_str(), rrtype::kA).empty()) ++seen_after_publish;
        p->set_value();
      };
    });
  }
  for (auto& w : waits) w.wait();
  EXPECT_EQ(seen_after_publish.load(), 20);
  EXPECT_EQ(f.c->call([&] { return f.c->records(id)->size(); }), 20u);
  f.c->stop();
}

TEST(ControllerTest, TokensAreStoredOnce) {
  Fixture f;
  const std::string h(64, 'a');
  EXPECT_TRUE(f.c->ensure_token("bootstrap", h).value());
  EXPECT_FALSE(f.c->ensure_token("bootstrap", h).value());
  EXPECT_TRUE(f.c->token_by_hash(h));
  EXPECT_FALSE(f.c->token_by_hash(std::string(64, 'b')));
  f.reopen();
  EXPECT_TRUE(f.c->token_by_hash(h));
}

// Writes recompile name by name (view/model.h); whatever sequence of writes, failed writes and
// dry runs, the served view is what a full compile of the stored records serves, and a restart
// (a full compile) serves the same.
TEST(ControllerTest, IncrementalWritesServeWhatAFullCompileServes) {
  Fixture f;
  const std::string id = f.zone("example.com");
  auto rows = [&] {
    auto cat = f.publisher.current();
    std::vector<std::tuple<std::string, uint16_t, uint32_t, std::string>> out;
    for (const auto& rr : cat->find_zone(wire("example.com."))->records()) {
      if (rr.type != rrtype::kSOA) out.emplace_back(rr.owner, rr.type, rr.ttl, rr.rdata);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  auto mx = rec("example.com", "MX", "mail.example.com");
  mx.priority = 10;
  ASSERT_TRUE(f.c->create_record(id, mx));
  auto mail = f.c->create_record(id, rec("mail", "A", "192.0.2.25"));
  ASSERT_TRUE(mail);
  ASSERT_TRUE(f.c->create_record(id, rec("www", "CNAME", "mail.example.com")));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(f.c->create_record(id, rec("h" + std::to_string(i), "A", "192.0.2.1")));
  // Proxy the mail host: the MX gets a dc-record; a dry run and a refused write change nothing.
  RecordInput proxy;
  proxy.proxied = true;
  auto dry = f.c->update_record(id, mail->records[0].id, proxy, false, WriteOptions{.dry_run = true});
  ASSERT_TRUE(dry) << dry.error().message;
  EXPECT_TRUE(f.served("mail.example.com.", rrtype::kA) == std::vector<std::string>{"192.0.2.25"});
  EXPECT_FALSE(f.c->create_record(id, rec("www", "A", "192.0.2.7")));  // CNAME beside other data
  ASSERT_TRUE(f.c->update_record(id, mail->records[0].id, proxy, false));
  const std::string dc = dns::name_to_text(view::dc_name(wire("example.com."), wire("mail.example.com.")));
  EXPECT_EQ(f.served(dc.c_str(), rrtype::kA), std::vector<std::string>{"192.0.2.25"});
  EXPECT_EQ(f.served("mail.example.com.", rrtype::kA), (std::vector<std::string>{"127.0.0.11", "127.0.0.12"}));
  // Delete a host, rename another (its old name goes, the new one comes).
  auto all = f.c->records(id);
  ASSERT_TRUE(all);
  for (const auto& r : *all) {
    if (r.name == "h3.example.com") {
      ASSERT_TRUE(f.c->delete_record(id, r.id));
    }
    if (r.name == "h4.example.com") {
      auto moved = f.c->update_record(id, r.id, rec("moved.deep.example.com", "A", "192.0.2.4"), true);
      ASSERT_TRUE(moved) << moved.error().message;
    }
  }
  EXPECT_TRUE(f.served("h3.example.com.", rrtype::kA).empty());
  EXPECT_EQ(f.served("moved.deep.example.com.", rrtype::kA), std::vector<std::string>{"192.0.2.4"});
  const auto incremental = rows();
  const uint32_t serial = f.serial(id);
  f.reopen();  // compiles every zone in full
  EXPECT_EQ(rows(), incremental);
  EXPECT_EQ(f.serial(id), serial);  // the same digest: no serial bump at load
}

TEST(ControllerTest, SortedRecordsAreSortedOnceAndSharedUntilTheZoneChanges) {
  Fixture f;
  const std::string id = f.zone("example.com");
  ASSERT_TRUE(f.c->create_record(id, rec("b", "A", "192.0.2.2")));
  const std::string a = f.c->create_record(id, rec("a", "A", "192.0.2.1"))->records[0].id;
  auto first = f.c->sorted_records(id);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ((*first)->size(), 2u);
  EXPECT_EQ((*first)->at(0).name, "a.example.com");
  EXPECT_EQ((*first)->at(1).name, "b.example.com");
  EXPECT_EQ(**first, *f.c->records(id));
  // Unchanged zone (a dry run changes nothing): the same list, not sorted again.
  ASSERT_TRUE(f.c->create_record(id, rec("c", "A", "192.0.2.3"), WriteOptions{.dry_run = true}));
  EXPECT_EQ(f.c->sorted_records(id)->get(), first->get());
  // A write that changes only a comment: a new list that has it; the old one is left as it was.
  RecordInput comment;
  comment.comment = std::optional<std::string>("first");
  ASSERT_TRUE(f.c->update_record(id, a, comment, false));
  auto second = f.c->sorted_records(id);
  ASSERT_TRUE(second);
  EXPECT_NE(second->get(), first->get());
  EXPECT_EQ((*second)->at(0).comment, "first");
  EXPECT_EQ((*first)->at(0).comment, "");
  ASSERT_TRUE(f.c->delete_record(id, a));
  ASSERT_EQ((*f.c->sorted_records(id))->size(), 1u);
  EXPECT_EQ((*f.c->sorted_records(id))->at(0).name, "b.example.com");
  // One record by id, without a list; unknown ids and zones are errors.
  EXPECT_EQ(f.c->record(id, (*f.c->sorted_records(id))->at(0).id)->content, "192.0.2.2");
  EXPECT_EQ(f.c->record(id, a).error().code, errc::kRecordNotFound);
  EXPECT_FALSE(f.c->sorted_records("0123456789abcdef0123456789abcdef"));
  // A deleted zone has no list.
  ASSERT_TRUE(f.c->delete_zone(id));
  EXPECT_FALSE(f.c->sorted_records(id));
}

}  // namespace
}  // namespace dnsedge::control
