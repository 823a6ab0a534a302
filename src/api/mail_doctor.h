#pragma once
// The mail doctor over a zone the control plane serves (docs/doctor.md): the local mode of
// `dnsedge doctor` run on a control::DoctorState (the served catalog plus the stored records),
// for `GET /zones/{id}/mail_doctor`, `dnsedge doctor --data DIR`, and the write pre-flight.
//
// Names outside our zones (SPF includes, DMARC report authorisation, external MX targets) are
// looked up as the file-based local mode does: through `upstreams` (full recursion when empty),
// names below a delegation by asking its servers; `offline` turns both off, and such lookups
// then end as doctor.lookup_failed warnings. The pre-flight is always offline.
//
// Thread safety: mail_doctor() and preflight() may run concurrently on different states; the
// state is not modified.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "control/controller.h"
#include "doctor/report.h"

namespace dnsedge::api {

struct MailDoctorOptions {
  std::vector<std::string> selectors;  // DKIM selectors, like --selector
  std::vector<std::string> upstreams;  // "ADDR:PORT" for names outside our zones; empty: recursion
  bool offline = false;                // no lookups outside our zones at all
  std::chrono::milliseconds budget{10000};
  std::string checked_at;  // "" = now
  // The zone's DNSSEC as the controller has it (Controller::dnssec): status and the DS for the
  // registrar, for the dnssec.ds_pending and DANE findings. "" = off.
  std::string dnssec_status, dnssec_ds;
};

// Local mode over `state`, checking state.apex. Fails only when the outside resolver cannot be
// set up; a file-backed zone whose file no longer parses is checked without its stored records.
[[nodiscard]] Result<doctor::Report> mail_doctor(const control::DoctorState& state, const MailDoctorOptions& options);

// The pre-flight's messages[]: the findings of `after` that `before` does not have (no finding
// there with the same id and the same records), of severity error (code 1110), and the warnings
// proxy.mx_target_proxied / proxy.srv_target_proxied (code 1111: an MX/SRV target proxied).
std::vector<control::ApiMessage> new_findings(const doctor::Report& before, const doctor::Report& after);

// A control::Preflight: both states checked offline with a short budget, then new_findings().
std::vector<control::ApiMessage> preflight(const control::DoctorState& before, const control::DoctorState& after);

// The same, remembering the last few reports: a write's "before" is usually the previous write's
// "after" (same views, same stored records), so most writes run the doctor once, not twice. A
// report is reused only for identical input (the very same compiled views, equal stored records
// and settings), so the answer is exactly preflight()'s. Copyable (copies share the memory);
// thread-safe.
class CachedPreflight {
 public:
  explicit CachedPreflight(size_t entries = 2);  // 2: a write's before and after
  std::vector<control::ApiMessage> operator()(const control::DoctorState& before, const control::DoctorState& after);
  size_t hits() const;  // reports reused so far (for tests)

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace dnsedge::api
