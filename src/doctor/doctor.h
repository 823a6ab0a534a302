#pragma once
// The mail doctor: checks what a domain's DNS tells mail senders and receivers (MX, SPF, DMARC,
// DKIM, MTA-STS, TLS-RPT, DNSSEC, DANE) and, when the Source knows them, how proxying and CNAME
// flattening interfere with mail (dc-records, exposed origins, proxied mail hosts). Every finding carries a
// stable id (docs/doctor.md), a severity, the records involved, an explanation and the fix.
//
// Bounded: the whole run ends within about Options::budget; lookups that fail or time out
// become findings ("could not check ... because ..."), never hangs or exceptions. SPF trees are
// cut at kMaxSpfDepth levels and kMaxSpfNodes records.
//
// Thread safety: check() may run concurrently on different Sources.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "doctor/report.h"
#include "doctor/source.h"

namespace dnsedge::doctor {

inline constexpr int kMaxSpfDepth = 10;  // include/redirect nesting followed
inline constexpr int kMaxSpfNodes = 40;  // SPF records fetched in one tree

struct Options {
  // DKIM selectors to check, presentation form relative to the domain ("s1", "google").
  // Local mode also checks every selector found under _domainkey in the zone.
  std::vector<std::string> selectors;
  // The whole run.
  std::chrono::milliseconds budget{10000};
  // RFC 3339 time stamp for the report; "" = now.
  std::string checked_at;
  // Signature checks (live mode): the time they are checked at (unix seconds; 0 = now) and how
  // close an expiration is reported (dnssec.signature_expiring).
  int64_t now = 0;
  std::chrono::seconds signature_warning{7 * 86400};
  // What the server knows of the domain's DNSSEC (local mode): its status ("active",
  // "pending", ...; "" = off or unknown) and the DS to give the registrar.
  std::string dnssec_status;
  std::string dnssec_ds;
};

// Checks `domain` (presentation "example.com" / "example.com." or wire form).
Report check(std::string_view domain, Source& source, const Options& options = {});

// The checks by area; each adds its findings to the run. Exposed for the unit tests.
class Context;
void check_mx(Context& ctx);
void check_spf(Context& ctx);
void check_dmarc(Context& ctx);
void check_dkim(Context& ctx);
void check_mta_sts(Context& ctx);  // MTA-STS and TLS-RPT records
void check_proxy(Context& ctx);    // needs Source::facts(); does nothing without them
void check_dnssec(Context& ctx);   // DNSSEC (live: DS, signatures, algorithms) and DANE for SMTP

}  // namespace dnsedge::doctor
