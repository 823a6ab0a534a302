#pragma once
// The write pre-flight's relevance filter (docs/doctor.md "Pre-flight on writes"): decides, from
// what a write changes, whether the mail doctor's pre-flight can report anything for it. It
// answers false only when new_findings(before report, after report) is guaranteed empty, so
// skipping the two doctor runs changes no write's messages[]. "When in doubt, it is relevant."
//
// Which changes can matter (the reasoning per check is in preflight_filter.cc):
//  - a settings change (flatten_all ...), anything at the apex, any record type other than
//    A/AAAA/CNAME/TXT and a few inert ones (MX, SRV, NS, SPF, DNAME ... always matter),
//    wildcards, mail names (mail/smtp/mx... hosts, webmail/autodiscover..., mta-sts, dc-*,
//    _dmarc/_domainkey/_mta-sts/_smtp/_tls/_report), records at proxied underscore names,
//    mail CNAMEs under flatten-all, A/AAAA holding an edge address;
//  - a name whose existence changes (or whose ancestors' does) below a wildcard;
//  - a changed name from which, walking back along stored CNAME/MX/SRV records (before or
//    after the write), one reaches the apex, an MX or SRV record anywhere in the zone, a
//    wildcard (it stands for the names it synthesizes), a mail name, a name the apex's SPF tree looks up, a mail CNAME under flatten-all, or a name that
//    another zone we serve points at (CNAME/MX/SRV);
// everything else — an ordinary A/AAAA/TXT/CNAME nothing mail-related points at, proxied or
// not — cannot change a reported finding (errors, proxy.mx/srv_target_proxied).
//
// Cost: O(changed records) per write, plus O(zones) to check the other zones' views, once a
// zone's index exists. PreflightFilter keeps, per zone, an index of who points at each name
// (built from PreflightChange::for_each_before the first time, then updated with each write's
// change when that write's candidate becomes the served view; rebuilt when the zone's view
// changed otherwise: a recompile, a write without pre-flight).

#include <memory>

#include "control/preflight_change.h"

namespace dnsedge::api {

// Stateless: builds the zone's index from change.for_each_before (O(zone)). For tests and
// one-off callers; the controller uses PreflightFilter.
bool preflight_needed(const control::PreflightChange& change);

// The same answer, keeping the indexes across writes (a ControllerOptions::preflight_needed).
// Copyable (copies share the state); thread-safe.
class PreflightFilter {
 public:
  explicit PreflightFilter(size_t zones = 16);  // zones whose index is kept (least recently used dropped)
  bool operator()(const control::PreflightChange& change);

  struct Stats {
    size_t calls = 0, skipped = 0, rebuilds = 0;
  };
  Stats stats() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace dnsedge::api
