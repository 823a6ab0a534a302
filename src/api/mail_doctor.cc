#include "api/mail_doctor.h"

#include <algorithm>
#include <deque>

#include "common/mutex.h"
#include "control/errors.h"
#include "dns/zonefile.h"
#include "doctor/doctor.h"
#include "doctor/live_source.h"
#include "doctor/local_source.h"

namespace dnsedge::api {
namespace {

using std::chrono::milliseconds;

// Local checks over our own catalog answer in microseconds; the budget only bounds a bug.
constexpr milliseconds kPreflightBudget{2000};

std::vector<doctor::LocalZone> local_zones(const control::DoctorState& st) {
  std::vector<doctor::LocalZone> out;
  out.reserve(st.zones.size());
  for (const auto& z : st.zones) {
    doctor::LocalZone lz;
    lz.apex = z.apex;
    lz.flatten_all = z.flatten_all;
    if (z.file.empty()) {
      lz.stored = z.stored;
    } else if (auto parsed = dns::parse_zone_file(z.file, z.apex)) {
      lz.stored = std::move(parsed->records);
    }
    out.push_back(std::move(lz));
  }
  return out;
}

// Errors, and the two warnings a write must report ("proxying an MX
// target"): mail still flows through the dc-record, which is why the doctor calls them warnings.
bool reported(const doctor::Finding& f) {
  return f.severity == doctor::Severity::kError || f.id == "proxy.mx_target_proxied" ||
         f.id == "proxy.srv_target_proxied";
}

}  // namespace

Result<doctor::Report> mail_doctor(const control::DoctorState& st, const MailDoctorOptions& o) {
  const milliseconds per_lookup = std::min(o.budget, milliseconds(3000));
  std::unique_ptr<doctor::LiveSource> outside;
  if (!o.offline) {
    auto live = doctor::LiveSource::create(doctor::LiveOptions{.servers = o.upstreams, .timeout = per_lookup});
    if (!live) return live.error();
    outside = std::move(live).value();
  }
  doctor::LocalSource local(st.catalog, local_zones(st),
                            doctor::LocalOptions{.edge = st.edge,
                                                 .external = outside.get(),
                                                 .query_delegations = !o.offline,
                                                 .delegation_timeout = per_lookup});
  doctor::Options opt;
  opt.selectors = o.selectors;
  opt.budget = o.budget;
  opt.checked_at = o.checked_at;
  opt.dnssec_status = o.dnssec_status;
  opt.dnssec_ds = o.dnssec_ds;
  return doctor::check(st.apex, local, opt);
}

std::vector<control::ApiMessage> new_findings(const doctor::Report& before, const doctor::Report& after) {
  std::vector<control::ApiMessage> out;
  for (const auto& f : after.findings) {
    if (!reported(f)) continue;
    const bool known = std::any_of(before.findings.begin(), before.findings.end(), [&](const doctor::Finding& b) {
      return b.id == f.id && b.records == f.records;
    });
    if (known) continue;
    const bool error = f.severity == doctor::Severity::kError;
    out.push_back(control::ApiMessage{
        error ? control::errc::kDoctorErrorMessage : control::errc::kDoctorWarningMessage,
        "Mail doctor " + std::string(doctor::severity_name(f.severity)) + " " + f.id + ": " + f.title +
            ". Fix: " + f.fix});
  }
  return out;
}

namespace {

MailDoctorOptions preflight_options() {
  MailDoctorOptions o;
  o.offline = true;
  o.budget = kPreflightBudget;
  o.checked_at = "-";  // not shown
  return o;
}

bool same_zones(const std::vector<control::DoctorZone>& a, const std::vector<control::DoctorZone>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].apex != b[i].apex || a[i].flatten_all != b[i].flatten_all || a[i].file != b[i].file ||
        a[i].stored != b[i].stored) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<control::ApiMessage> preflight(const control::DoctorState& before, const control::DoctorState& after) {
  const MailDoctorOptions o = preflight_options();
  auto b = mail_doctor(before, o);
  auto a = mail_doctor(after, o);
  if (!a || !b) return {};
  return new_findings(*b, *a);
}

struct CachedPreflight::State {
  struct Entry {
    std::string apex;
    view::EdgeAddresses edge;
    std::vector<std::shared_ptr<const view::ZoneView>> views;  // held: no address reuse
    std::vector<control::DoctorZone> zones;
    doctor::Report report;
  };
  size_t capacity;  // set before the State is shared
  common::Mutex mu;
  std::deque<Entry> entries ABSL_GUARDED_BY(mu);  // most recent first
  size_t hits ABSL_GUARDED_BY(mu) = 0;

  static bool matches(const Entry& e, const control::DoctorState& st) {
    return e.apex == st.apex && e.edge.v4 == st.edge.v4 && e.edge.v6 == st.edge.v6 && st.catalog &&
           e.views == st.catalog->zones() && same_zones(e.zones, st.zones);
  }

  std::optional<doctor::Report> run(const control::DoctorState& st) {
    {
      common::MutexLock lock(mu);
      for (const auto& e : entries) {
        if (matches(e, st)) {
          ++hits;
          return e.report;
        }
      }
    }
    auto r = mail_doctor(st, preflight_options());
    if (!r) return std::nullopt;
    common::MutexLock lock(mu);
    entries.push_front(Entry{st.apex, st.edge, st.catalog->zones(), st.zones, *r});
    while (entries.size() > capacity) entries.pop_back();
    return std::move(*r);
  }
};

CachedPreflight::CachedPreflight(size_t entries) : state_(std::make_shared<State>()) {
  state_->capacity = std::max<size_t>(entries, 2);
}

std::vector<control::ApiMessage> CachedPreflight::operator()(const control::DoctorState& before,
                                                             const control::DoctorState& after) {
  if (!before.catalog || !after.catalog) return {};
  auto b = state_->run(before);
  auto a = state_->run(after);
  if (!a || !b) return {};
  return new_findings(*b, *a);
}

size_t CachedPreflight::hits() const {
  common::MutexLock lock(state_->mu);
  return state_->hits;
}

}  // namespace dnsedge::api
