// GET /zones/{zone_id}/mail_doctor (docs/api.md, docs/doctor.md).
#include <algorithm>
#include <ctime>

#include "common/ascii.h"
#include "api/call.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/mail_doctor.h"
#include "api/mail_traffic.h"
#include "doctor/report.h"

namespace dnsedge::api {
namespace {

using json = OJson;
namespace errc = control::errc;

}  // namespace

// GET /zones/{id}/mail_doctor[?selector=S...][&offline=true]: the report of `dnsedge doctor
// --json` in local mode, as `result`. The writer thread only takes the snapshot; the checks
// (which may look names up outside) run on the API server's workers.
HttpResponse get_mail_doctor(Call& x) {
  const control::ZoneInfo& z = *x.zone;
  MailDoctorOptions o;
  o.upstreams = x.options.doctor_upstreams;
  for (const auto& sel : x.query.all("selector")) {
    std::string t = common::ascii_lower(trim(sel));
    if (!t.empty() && t.back() == '.') t.pop_back();
    const bool valid = !t.empty() && t.size() <= 200 && std::all_of(t.begin(), t.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    }) && t.find("..") == std::string::npos && t.front() != '.';
    if (!valid) return fail(Error{"selector \"" + sel + "\" is not a DKIM selector (letters, digits, '-', '_', '.')", kBadQuery});
    if (std::find(o.selectors.begin(), o.selectors.end(), t) == o.selectors.end()) o.selectors.push_back(t);
  }
  if (o.selectors.size() > 20) return fail(Error{"at most 20 selector parameters", kBadQuery});
  if (auto off = x.query.get("offline")) {
    const std::string t = common::ascii_lower(trim(*off));
    if (t == "true" || t == "1") {
      o.offline = true;
    } else if (!(t == "false" || t == "0" || t.empty())) {
      return fail(Error{"offline must be true or false, not \"" + *off + "\"", kBadQuery});
    }
  }
  if (auto d = x.c.dnssec(z.zone.id)) {  // DNSSEC pending/active: findings of the mail doctor
    o.dnssec_status = d->status;
    o.dnssec_ds = d->ds;
  }
  auto st = x.c.doctor_state(z.zone.id);
  if (!st) return fail(st.error());
  HttpResponse later;
  later.deferred = [st = std::move(*st), o = std::move(o), zone_name = z.zone.name]() -> HttpResponse {
    auto report = api::mail_doctor(st, o);
    if (!report) return fail(Error{"mail doctor: " + report.error().message, errc::kInternal});
    json result = json::parse(doctor::to_json(*report));
    // What senders asked in the last hour (DNS analytics), beside the findings.
    if (auto traffic = mail_traffic(analytics::Aggregator::global(), zone_name, time(nullptr) / 60)) {
      result["traffic"] = std::move(*traffic);
    }
    return ok(std::move(result));
  };
  return later;
}

}  // namespace dnsedge::api
