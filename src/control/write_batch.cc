#include "control/write_batch.h"

#include <algorithm>

namespace dnsedge::control {

WriteBatch::WriteBatch(RecordMap& zone_records, const OwnerIndex& by_owner, DnsSettings settings, std::string op)
    : home_(&zone_records),
      by_owner_(&by_owner),
      records_(std::move(zone_records)),
      settings_(std::move(settings)),
      op_(std::move(op)) {
  zone_records.clear();
}

WriteBatch::~WriteBatch() {
  if (taken_) return;
  for (auto& [id, was] : before_) {
    if (was) {
      records_.insert_or_assign(id, std::move(*was));
    } else {
      records_.erase(id);
    }
  }
  *home_ = std::move(records_);
}

void WriteBatch::touch(const std::string& id) {
  if (before_.count(id)) return;
  auto it = records_.find(id);
  before_.emplace(id, it == records_.end() ? std::nullopt : std::optional<StoredRecord>(it->second));
}

void WriteBatch::put(StoredRecord e) {
  const std::string id = e.rec.id;
  touch(id);
  auto& staged = staged_at_[e.rr.owner];
  if (std::find(staged.begin(), staged.end(), id) == staged.end()) staged.push_back(id);
  records_[id] = std::move(e);
}

bool WriteBatch::erase(const std::string& id) {
  auto it = records_.find(id);
  if (it == records_.end()) return false;
  touch(id);
  records_.erase(id);
  return true;
}

void WriteBatch::set_settings(DnsSettings s) {
  settings_ = std::move(s);
  settings_changed_ = true;
}

const StoredRecord* WriteBatch::find(const std::string& id) const {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

std::vector<std::string> WriteBatch::ids_at(const std::string& owner) const {
  std::vector<std::string> out;
  // Committed records at the name that this batch has not touched, and those it staged there.
  if (auto it = by_owner_->find(owner); it != by_owner_->end()) {
    for (const auto& id : it->second) {
      if (!before_.count(id)) out.push_back(id);
    }
  }
  if (auto it = staged_at_.find(owner); it != staged_at_.end()) {
    for (const auto& id : it->second) {
      auto e = records_.find(id);
      if (e != records_.end() && e->second.rr.owner == owner) out.push_back(id);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<dns::ZoneRecord> WriteBatch::original_rrs() const {
  // A merge of records_ and before_ (both ordered by id), so the result is in the order the
  // zone's own record map had: the same vector a copy of the unchanged zone's rrs gives (the
  // pre-flight cache compares them). No copy of the record map: this runs on every write.
  std::vector<dns::ZoneRecord> out;
  out.reserve(records_.size() + before_.size());
  auto it = records_.begin();
  auto bt = before_.begin();
  while (it != records_.end() || bt != before_.end()) {
    if (bt == before_.end() || (it != records_.end() && it->first < bt->first)) {
      out.push_back(it->second.rr);
      ++it;
      continue;
    }
    if (bt->second) out.push_back(bt->second->rr);
    if (it != records_.end() && it->first == bt->first) ++it;
    ++bt;
  }
  return out;
}

WriteBatch::Changes WriteBatch::changes() const {
  // Only the records the batch touched can differ from the stored state.
  Changes c;
  for (const auto& [id, was] : before_) {
    auto it = records_.find(id);
    if (!was) {
      if (it != records_.end()) c.written.push_back(id);
    } else if (it == records_.end()) {
      c.removed.push_back(id);
    } else if (!(it->second.rec == was->rec)) {
      c.removed.push_back(id);
      c.written.push_back(id);
    }
  }
  return c;
}

void WriteBatch::update_index(OwnerIndex& by_owner) const {
  for (const auto& [id, was] : before_) {
    if (was) std::erase(by_owner[was->rr.owner], id);
    if (auto it = records_.find(id); it != records_.end()) {
      auto& ids = by_owner[it->second.rr.owner];
      ids.insert(std::lower_bound(ids.begin(), ids.end(), id), id);
    }
    if (was && by_owner[was->rr.owner].empty()) by_owner.erase(was->rr.owner);
  }
}

RecordMap WriteBatch::take_records() {
  taken_ = true;
  return std::move(records_);
}

}  // namespace dnsedge::control
