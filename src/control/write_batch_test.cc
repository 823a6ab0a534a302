#include "control/write_batch.h"

#include <gtest/gtest.h>

#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::control {
namespace {

StoredRecord a_record(const std::string& id, const std::string& name, const std::string& ip) {
  StoredRecord e;
  e.rec.id = id;
  e.rec.name = name;
  e.rec.type = "A";
  e.rec.content = ip;
  e.rr.owner = dns::name_from_text(name + ".").value();
  e.rr.type = dns::rrtype::kA;
  e.rr.ttl = 300;
  e.rr.rdata = dns::rdata_from_text(dns::rrtype::kA, ip, e.rr.owner).value();
  return e;
}

// A zone with www (id 1) and mail (id 2), indexed by owner.
struct Zone {
  RecordMap records;
  OwnerIndex by_owner;
  Zone() {
    for (auto e : {a_record("1", "www.example.com", "192.0.2.1"), a_record("2", "mail.example.com", "192.0.2.2")}) {
      by_owner[e.rr.owner].push_back(e.rec.id);
      records.emplace(e.rec.id, std::move(e));
    }
  }
};

std::string wire(const char* name) { return dns::name_from_text(name).value(); }

TEST(WriteBatchTest, TakesTheRecordsAndPutsThemBackUntouchedWhenDropped) {
  Zone z;
  {
    WriteBatch b(z.records, z.by_owner, DnsSettings{}, "batch");
    EXPECT_TRUE(z.records.empty());  // moved, not copied
    EXPECT_EQ(b.size(), 2u);
    b.put(a_record("3", "new.example.com", "192.0.2.3"));
    b.put(a_record("1", "www.example.com", "198.51.100.1"));
    EXPECT_TRUE(b.erase("2"));
    EXPECT_FALSE(b.erase("2"));
    EXPECT_FALSE(b.erase("9"));
    EXPECT_EQ(b.size(), 2u);
  }
  ASSERT_EQ(z.records.size(), 2u);
  EXPECT_EQ(z.records.at("1").rec.content, "192.0.2.1");
  EXPECT_EQ(z.records.at("2").rec.content, "192.0.2.2");
}

TEST(WriteBatchTest, ChangesListOnlyWhatDiffersFromTheStoredState) {
  Zone z;
  WriteBatch b(z.records, z.by_owner, DnsSettings{}, "batch");
  b.put(a_record("3", "new.example.com", "192.0.2.3"));      // created
  b.put(a_record("1", "www.example.com", "198.51.100.1"));   // changed
  b.put(a_record("2", "mail.example.com", "192.0.2.2"));     // put back as it was
  b.put(a_record("4", "gone.example.com", "192.0.2.4"));     // created, then deleted
  EXPECT_TRUE(b.erase("4"));
  const auto c = b.changes();
  EXPECT_EQ(c.removed, (std::vector<std::string>{"1"}));
  EXPECT_EQ(c.written, (std::vector<std::string>{"1", "3"}));
  EXPECT_FALSE(c.empty());
  EXPECT_FALSE(b.settings_changed());
  EXPECT_EQ(b.op(), "batch");
  ASSERT_EQ(b.before().size(), 4u);
  EXPECT_FALSE(b.before().at("3").has_value());
  EXPECT_EQ(b.before().at("1")->rec.content, "192.0.2.1");
}

TEST(WriteBatchTest, AnEmptyBatchChangesNothing) {
  Zone z;
  WriteBatch b(z.records, z.by_owner, DnsSettings{}, "create");
  EXPECT_TRUE(b.changes().empty());
  DnsSettings s;
  s.flatten_all = true;
  b.set_settings(s);
  EXPECT_TRUE(b.settings_changed());
  EXPECT_TRUE(b.settings().flatten_all);
  EXPECT_TRUE(b.changes().empty());  // records only: settings are settings_changed()
}

TEST(WriteBatchTest, IdsAtSeesTheCandidateAtOneName) {
  Zone z;
  WriteBatch b(z.records, z.by_owner, DnsSettings{}, "batch");
  b.put(a_record("3", "www.example.com", "192.0.2.3"));  // a second record at www
  b.put(a_record("2", "www.example.com", "192.0.2.2"));  // mail moved to www
  EXPECT_EQ(b.ids_at(wire("www.example.com.")), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_TRUE(b.ids_at(wire("mail.example.com.")).empty());
  EXPECT_TRUE(b.erase("1"));
  EXPECT_EQ(b.ids_at(wire("www.example.com.")), (std::vector<std::string>{"2", "3"}));
}

TEST(WriteBatchTest, OriginalRrsAreTheZoneAsItWasInIdOrder) {
  Zone z;
  WriteBatch b(z.records, z.by_owner, DnsSettings{}, "batch");
  b.put(a_record("0", "first.example.com", "192.0.2.9"));
  b.put(a_record("1", "www.example.com", "198.51.100.1"));
  EXPECT_TRUE(b.erase("2"));
  const auto rrs = b.original_rrs();
  ASSERT_EQ(rrs.size(), 2u);
  EXPECT_EQ(rrs[0].owner, wire("www.example.com."));
  EXPECT_EQ(rrs[0].rdata, a_record("1", "www.example.com", "192.0.2.1").rr.rdata);
  EXPECT_EQ(rrs[1].owner, wire("mail.example.com."));
}

TEST(WriteBatchTest, TakenRecordsAndTheUpdatedIndexAreTheCandidate) {
  Zone z;
  {
    WriteBatch b(z.records, z.by_owner, DnsSettings{}, "batch");
    b.put(a_record("3", "www.example.com", "192.0.2.3"));
    b.put(a_record("2", "www.example.com", "192.0.2.2"));
    b.update_index(z.by_owner);
    z.records = b.take_records();
  }
  EXPECT_EQ(z.records.size(), 3u);
  EXPECT_EQ(z.records.at("2").rec.name, "www.example.com");
  EXPECT_EQ(z.by_owner.at(wire("www.example.com.")), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(z.by_owner.count(wire("mail.example.com.")), 0u);
}

}  // namespace
}  // namespace dnsedge::control
