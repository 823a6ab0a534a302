// The commit pipeline of a record or settings write (see controller.h): a WriteBatch goes
//
//   diff → compile → pre-flight → persist (one store Transaction) → swap in → announce
//
// commit() runs the steps in that order; each is one function below. A step that fails leaves
// everything as it was: not the store, not the memory, not DNS.

#include <algorithm>

#include <nlohmann/json.hpp>

#include "control/controller.h"
#include "control/errors.h"
#include "dns/name.h"
#include "view/digest.h"

namespace dnsedge::control {
namespace {

Error err(int code, std::string message) { return Error{std::move(message), code}; }

}  // namespace

// ---- compiling a zone ------------------------------------------------------------------------

Result<std::shared_ptr<view::ZoneModel>> Controller::compile_model(const StoreZone& z,
                                                                   const RecordMap& records,
                                                                   const DnsSettings& settings, uint32_t serial,
                                                                   const std::map<std::string, AppInfo>* apps) const {
  auto gen = generated_records(z.zone.name, z.apex, serial, settings, options_.nameservers);
  if (!gen) return gen.error();
  std::vector<dns::ZoneRecord> rrs = std::move(*gen);
  rrs.reserve(rrs.size() + records.size());
  for (const auto& [id, e] : records) rrs.push_back(e.rr);
  const view::ViewTargets targets = targets_for(z);
  std::vector<view::ServedApp> served_apps;
  for (const auto& [id, a] : apps ? *apps : z.apps) served_apps.push_back(a.app);
  auto m = view::ZoneModel::build(
      z.apex, std::move(rrs),
      view::CompileOptions{.source = "zone " + z.zone.name,
                           .edge = &options_.edge,
                           .flattening = settings.flatten_all ? view::Flattening::kAll : view::Flattening::kAtRoot,
                           .targets = &targets,
                           .apps = &served_apps,
                           .signing = z.signing});
  if (!m) return m.error();
  return std::shared_ptr<view::ZoneModel>(std::move(*m));
}

Result<std::shared_ptr<const view::ZoneView>> Controller::compile(const StoreZone& z,
                                                                  const RecordMap& records,
                                                                  const DnsSettings& settings, uint32_t serial,
                                                                  const std::map<std::string, AppInfo>* apps) const {
  auto m = compile_model(z, records, settings, serial, apps);
  if (!m) return m.error();
  return (*m)->view();
}

Result<std::shared_ptr<const view::ZoneView>> Controller::compile_candidate(StoreZone& z, const WriteBatch& p,
                                                                            uint32_t serial,
                                                                            std::shared_ptr<view::ZoneModel>* model,
                                                                            std::vector<view::OwnerChange>* undo) const {
  undo->clear();
  if (p.settings_changed() || !z.model || z.model->view() != z.view) {
    auto m = compile_model(z, p.records(), p.settings(), serial);
    if (!m) return m.error();
    *model = *m;
    return (*m)->view();
  }
  // The names the change touched (where each touched record was and is), and the apex: the
  // serial moves with every write.
  std::vector<std::string> owners{z.apex};
  for (const auto& [id, was] : p.before()) {
    if (was) owners.push_back(was->rr.owner);
    if (const StoredRecord* e = p.find(id)) owners.push_back(e->rr.owner);
  }
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
  std::vector<view::OwnerChange> changes;
  changes.reserve(owners.size());
  for (const auto& owner : owners) {
    view::OwnerChange c{owner, {}};
    if (owner == z.apex) {
      auto gen = generated_records(z.zone.name, z.apex, serial, p.settings(), options_.nameservers);
      if (!gen) return gen.error();
      c.records = std::move(*gen);
    }
    for (const auto& id : p.ids_at(owner)) c.records.push_back(p.find(id)->rr);
    undo->push_back(view::OwnerChange{owner, z.model->records_of(owner)});
    changes.push_back(std::move(c));
  }
  const view::ViewTargets targets = targets_for(z);
  auto v = z.model->update(std::move(changes), &targets);
  if (!v) {
    undo->clear();  // nothing changed
    return v.error();
  }
  *model = z.model;
  return v;
}

// ---- the IXFR journal -------------------------------------------------------------------------

Result<void> Controller::journal(store::Transaction& tx, const std::string& apex, const view::ZoneView* before,
                                 const view::ZoneView& after) const {
  if (!options_.journal_encode || before == nullptr) return {};
  // Only a serial that moved forward (RFC 1982) starts a delta a secondary can ask for.
  const uint32_t d = after.serial() - before->serial();
  if (d == 0 || d >= 0x80000000u) return {};
  return tx.append_xfr_journal(dns::name_to_text(apex), before->serial(), after.serial(),
                               options_.journal_encode(*before, after), options_.journal_keep);
}

// ---- the pipeline ----------------------------------------------------------------------------

Result<uint32_t> Controller::commit(StoreZone& z, WriteBatch& p, std::vector<ApiMessage>* messages,
                                    const WriteOptions& opt) {
  const WriteBatch::Changes changes = p.changes();
  if (changes.empty() && !p.settings_changed()) return unchanged(z, messages, opt);
  Candidate c;
  if (auto r = compile_write(z, p, changes, &c); !r) return r.error();
  // Until the write is stored, a failure puts the zone's model back as it was.
  struct Undo {
    const Controller* self;
    StoreZone& z;
    Candidate& c;
    ~Undo() { self->undo_candidate(z, c); }
  } undo{this, z, c};
  if (messages != nullptr) preflight_write(z, p, &c);
  if (opt.dry_run) return dry_run(z, p, c, changes, messages);
  if (auto r = persist(z, p, changes, &c); !r) return r.error();
  swap_in(z, p, &c);
  announce(z, c, changes, messages);
  return z.zone.serial;
}

ApiMessage Controller::dry_run_note(const StoreZone& z) {
  return ApiMessage{errc::kDryRunMessage, "Dry run: nothing was stored or published; the zone keeps serial " +
                                              std::to_string(z.zone.serial) + "."};
}

Result<uint32_t> Controller::unchanged(const StoreZone& z, std::vector<ApiMessage>* messages,
                                       const WriteOptions& opt) const {
  if (opt.dry_run && messages != nullptr) messages->push_back(dry_run_note(z));
  return z.zone.serial;
}

// compile: the candidate view with the next serial (RFC 1982 §3.1; wraps like
// Transaction::bump_serial), and the proxied CNAMEs written now checked against prohibited
// origins (view/origin_policy.h).
Result<void> Controller::compile_write(StoreZone& z, const WriteBatch& p, const WriteBatch::Changes& changes,
                                       Candidate* c) const {
  c->serial = z.zone.serial + 1;
  auto v = compile_candidate(z, p, c->serial, &c->model, &c->undo);
  if (!v) {
    const int code = v.error().code;  // a blocked target, or a name a Spectrum app holds: their own codes
    return err(code == errc::kBlockedTarget || code == errc::kAddressConflict ? code : errc::kCompile,
               v.error().message);
  }
  c->view = *v;
  std::vector<const zone::Record*> recs;
  for (const auto& id : changes.written) recs.push_back(&p.find(id)->rec);
  if (auto o = check_proxied_origins(context(z), *c->view, recs); !o) {
    undo_candidate(z, *c);
    return o.error();
  }
  return {};
}

void Controller::undo_candidate(StoreZone& z, Candidate& c) const {
  if (c.undo.empty()) return;
  const view::ViewTargets targets = targets_for(z);
  if (z.model->update(std::move(c.undo), &targets)) {
    z.model->rebase(z.view);
  } else {
    z.model.reset();  // cannot happen (those records compiled before); compile in full next time
  }
  c.undo.clear();
}

// pre-flight: the mail doctor on the zone before and after (local checks only, no network).
void Controller::preflight_write(StoreZone& z, const WriteBatch& p, Candidate* c) const {
  c->doctor = preflight(z, p, c->view, &c->doctor_after);
  c->doctor_ran = true;
}

Result<uint32_t> Controller::dry_run(const StoreZone& z, const WriteBatch& p, const Candidate& c,
                                     const WriteBatch::Changes& changes, std::vector<ApiMessage>* messages) const {
  if (messages == nullptr) return z.zone.serial;
  StoreZone candidate;
  candidate.zone = z.zone;
  candidate.apex = z.apex;
  candidate.records = p.records();
  candidate.view = c.view;
  auto m = dc_messages(candidate, z.view.get(), changes.written);
  messages->insert(messages->end(), m.begin(), m.end());
  messages->insert(messages->end(), c.doctor.begin(), c.doctor.end());
  messages->push_back(dry_run_note(z));
  return z.zone.serial;
}

// persist: records, settings, the serial, the journal and the served view's digest in one store
// Transaction, committed (fsync) before anything is swapped in.
Result<void> Controller::persist(const StoreZone& z, const WriteBatch& p, const WriteBatch::Changes& changes,
                                 Candidate* c) {
  c->stamp = now();
  auto tx = store_->begin();
  if (!tx) return store_error(tx.error());
  for (const auto& id : changes.removed) {
    if (auto r = tx->delete_record(z.zone.id, id); !r) return store_error(r.error());
  }
  for (const auto& id : changes.written) {
    if (auto r = tx->insert_record(p.find(id)->rec); !r) return store_error(r.error());
  }
  if (p.settings_changed()) {
    for (const auto& row : settings_rows(z.zone.id, p.settings(), c->stamp)) {
      if (auto r = tx->put_setting(row); !r) return store_error(r.error());
    }
  }
  auto bumped = tx->bump_serial(z.zone.id);
  if (!bumped) return store_error(bumped.error());
  if (*bumped != c->serial) {
    // The store's serial went elsewhere (it wraps): the apex again, with that one.
    c->serial = *bumped;
    auto m = compile_model(z, p.records(), p.settings(), c->serial);
    if (!m) return err(errc::kCompile, m.error().message);
    c->model = *m;
    c->view = c->model->view();
  }
  if (auto r = tx->put_served_view(z.zone.name, c->serial, view::content_digest(*c->view)); !r) {
    return store_error(r.error());
  }
  if (served_from_store(z.apex)) {
    if (auto r = journal(*tx, z.apex, z.view.get(), *c->view); !r) return store_error(r.error());
  }
  if (auto r = tx->commit(); !r) return store_error(r.error());
  return {};
}

// swap in: the stored change becomes the zone's state (records, index, model, settings, serial,
// view); the model is no longer undone.
void Controller::swap_in(StoreZone& z, WriteBatch& p, Candidate* c) {
  c->undo.clear();
  c->before = z.view;
  p.update_index(z.by_owner);
  z.records = p.take_records();
  z.model = std::move(c->model);
  if (p.settings_changed()) {
    z.settings = p.settings();
    z.settings.modified_on = c->stamp;
  }
  z.zone.serial = c->serial;
  z.zone.modified_on = c->stamp;
  z.view = c->view;
  if (c->doctor_ran && !c->doctor_after.empty()) {
    z.doctor_rrs = std::move(c->doctor_after);
    z.doctor_serial = c->serial;
  } else {
    z.doctor_rrs.clear();
    z.doctor_serial.reset();
  }
}

// announce: the write's messages[] (dc-records, the pre-flight's findings), the zones that
// depend on this one recompiled (cross_zone.cc), and the publish.
void Controller::announce(StoreZone& z, const Candidate& c, const WriteBatch::Changes& changes,
                          std::vector<ApiMessage>* messages) {
  if (messages != nullptr) {
    // The MX/SRV records that can have a new dc-record: those at names the view rewrote (all of
    // them when it was compiled in full).
    std::vector<std::string> ids;
    const auto changed = c.before ? z.view->changed_since(c.before->id()) : std::nullopt;
    if (changed) {
      for (const auto& name : *changed) {
        if (auto it = z.by_owner.find(name); it != z.by_owner.end()) ids.insert(ids.end(), it->second.begin(), it->second.end());
      }
      std::sort(ids.begin(), ids.end());
    }
    auto m = dc_messages(z, c.before.get(), changes.written, changed ? &ids : nullptr);
    messages->insert(messages->end(), m.begin(), m.end());
    messages->insert(messages->end(), c.doctor.begin(), c.doctor.end());
  }
  recompile_dependents(z);
  publish();
  if (c.before && c.before->external_names() != z.view->external_names()) external_changed_ = true;
}

}  // namespace dnsedge::control
