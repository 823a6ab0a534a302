#include "doctor/doctor.h"

#include <ctime>

#include "dns/name.h"
#include "dns/types.h"
#include "doctor/context.h"
#include "doctor/util.h"

namespace dnsedge::doctor {
namespace {

namespace rrtype = dns::rrtype;

std::string now_rfc3339() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Report check(std::string_view domain, Source& source, const Options& options) {
  Options opt = options;
  if (opt.checked_at.empty()) opt.checked_at = now_rfc3339();
  std::string wire;
  if (!domain.empty() && domain.back() == '\0') {
    wire = ascii_lower(domain);
  } else {
    std::string t(domain);
    if (t.empty() || t.back() != '.') t += '.';
    auto w = dns::name_from_text(t);
    if (!w) {
      Report r;
      r.domain = std::string(domain);
      r.mode = std::string(source.mode());
      r.checked_at = opt.checked_at;
      r.checked = false;
      r.not_checked.push_back("\"" + std::string(domain) + "\" is not a domain name: " + w.error().message);
      return r;
    }
    wire = *w;
  }
  Context ctx(wire, source, opt);
  const std::string d = ctx.domain_text();
  // The domain's own MX and TXT answers: without them nothing below means anything.
  const Lookup& mx = ctx.lookup(wire, rrtype::kMX);
  const Lookup& txt = ctx.lookup(wire, rrtype::kTXT);
  if (!mx.answered()) ctx.not_checked("the MX lookup of " + d + " failed: " + mx.failure());
  if (!txt.answered()) ctx.not_checked("the TXT lookup of " + d + " failed: " + txt.failure());
  if (mx.answered() && mx.nxdomain()) ctx.not_checked(d + " does not exist (NXDOMAIN)");
  if (!mx.answered() || !txt.answered() || mx.nxdomain()) return ctx.finish();
  for (auto* step : {&check_mx, &check_spf, &check_dmarc, &check_dkim, &check_mta_sts, &check_proxy, &check_dnssec}) {
    // Boundary (style rule 5): a bug in one check becomes a line in the report, not a crash.
    try {
      step(ctx);
    } catch (const std::exception& e) {
      ctx.not_checked(std::string("internal error in a check: ") + e.what());
    }
  }
  return ctx.finish();
}

}  // namespace dnsedge::doctor
