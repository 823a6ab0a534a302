// GET /zones/{zone_id}/dns_analytics/report and /report/bytime (docs/api.md, docs/observability.md
// "DNS analytics"): Cloudflare's DNS analytics reports, answered from the process's aggregate.
#include <unistd.h>

#include <ctime>

#include "analytics/aggregator.h"
#include "analytics/report.h"
#include "api/analytics_api.h"
#include "api/call.h"
#include "api/json_io.h"

namespace dnsedge::api {
namespace {

// coloName: the name of the server that answered (its host name).
std::string colo_name() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "dnsedge";
  return host;
}

HttpResponse report(Call& x, bool by_time) {
  analytics::ReportParams p;
  p.dimensions = x.query.get("dimensions");
  p.metrics = x.query.get("metrics");
  p.since = x.query.get("since");
  p.until = x.query.get("until");
  p.filters = x.query.get("filters");
  p.sort = x.query.get("sort");
  p.limit = x.query.get("limit");
  if (by_time) p.time_delta = x.query.get("time_delta");
  auto spec = analytics::parse_report(p, by_time, static_cast<int64_t>(time(nullptr)));
  if (!spec) return fail(spec.error());
  return ok(analytics::run_report(*spec, analytics::Aggregator::global(), x.zone->zone.name, colo_name()));
}

}  // namespace

HttpResponse get_dns_analytics_report(Call& x) { return report(x, false); }
HttpResponse get_dns_analytics_bytime(Call& x) { return report(x, true); }

}  // namespace dnsedge::api
