#pragma once
// GET /zones/{zone_id}/dns_analytics/report and /report/bytime (analytics_api.cc): DNS analytics
// reports (analytics/report.h). Listed in api/routes.cc beside api/handlers.h's handlers.

#include "api/http.h"

namespace dnsedge::api {

struct Call;

HttpResponse get_dns_analytics_report(Call& x);
HttpResponse get_dns_analytics_bytime(Call& x);

}  // namespace dnsedge::api
