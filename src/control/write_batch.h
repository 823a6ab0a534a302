#pragma once
// WriteBatch: the pending change of one store zone, as a value that can be built, inspected and
// tested on its own (LevelDB's WriteBatch is the model). A write stages its records into a
// batch (put, erase, set_settings) and the controller's commit pipeline then reads it: changes()
// is the diff against the stored state, records() the candidate's records, ids_at() the
// candidate's records at one name.
//
// The zone's records are moved into the batch, not copied (a write to a big zone must not copy
// every record), and changed in place; the batch keeps the first-seen state of every record it
// touches (before()), so the diff costs O(touched records). Unless take_records() was called,
// the destructor puts the zone's records back as they were. Nothing may read the zone's record
// map while a batch for it lives.
//
// Thread safety: a plain value; the controller uses it on its writer thread only.

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/zone_settings.h"
#include "dns/zonefile.h"
#include "zone/record.h"

namespace dnsedge::control {

// A stored record and its wire form.
struct StoredRecord {
  zone::Record rec;
  dns::ZoneRecord rr;
};
using RecordMap = std::map<std::string, StoredRecord>;  // by record id
// Record ids by owner (wire), each list in id order.
using OwnerIndex = std::unordered_map<std::string, std::vector<std::string>>;

class WriteBatch {
 public:
  // Takes `zone_records` (left empty until the batch ends); `by_owner` indexes them and must
  // stay unchanged while the batch lives. `op` names the write ("create", "batch", "settings"...).
  WriteBatch(RecordMap& zone_records, const OwnerIndex& by_owner, DnsSettings settings, std::string op);
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  // ---- building ---------------------------------------------------------------------------
  // Creates or replaces the record e.rec.id.
  void put(StoredRecord e);
  // Removes a record; false when the candidate has no such record.
  bool erase(const std::string& id);
  // Replaces the zone's settings.
  void set_settings(DnsSettings s);

  // ---- inspecting -------------------------------------------------------------------------
  const RecordMap& records() const noexcept { return records_; }
  const StoredRecord* find(const std::string& id) const;
  size_t size() const noexcept { return records_.size(); }
  const DnsSettings& settings() const noexcept { return settings_; }
  bool settings_changed() const noexcept { return settings_changed_; }
  const std::string& op() const noexcept { return op_; }
  // Every record touched, as it was before the batch (nullopt: it did not exist), by id.
  const std::map<std::string, std::optional<StoredRecord>>& before() const noexcept { return before_; }
  // The ids the candidate holds at `owner` (wire), in id order.
  std::vector<std::string> ids_at(const std::string& owner) const;
  // The zone's records as they were before the batch, in id order (copies of the rrs only).
  std::vector<dns::ZoneRecord> original_rrs() const;

  // What the batch changes against the stored state, in id order: `removed` the records to
  // delete, `written` those to insert. A record changed in place is in both (rewritten as delete
  // + insert: uniqueness holds on the end state); one put back unchanged is in neither.
  struct Changes {
    std::vector<std::string> removed, written;
    bool empty() const noexcept { return removed.empty() && written.empty(); }
  };
  Changes changes() const;

  // ---- committing -------------------------------------------------------------------------
  // Moves the index entries of every touched record to where the candidate has it.
  void update_index(OwnerIndex& by_owner) const;
  // The candidate's records, for the zone to keep: the batch no longer puts anything back.
  RecordMap take_records();

 private:
  // Call before changing or erasing records_[id].
  void touch(const std::string& id);

  RecordMap* home_;
  const OwnerIndex* by_owner_;
  RecordMap records_;
  DnsSettings settings_;
  bool settings_changed_ = false;
  std::string op_;
  std::map<std::string, std::optional<StoredRecord>> before_;
  bool taken_ = false;
  // Ids staged (created or changed) by this batch, by the owner (wire) they were staged at;
  // with by_owner_ this gives the candidate's records at a name (ids_at()).
  std::unordered_map<std::string, std::vector<std::string>> staged_at_;
};

}  // namespace dnsedge::control
