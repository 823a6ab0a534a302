#pragma once
// What the mail doctor says about traffic (docs/doctor.md "Traffic"): from DNS analytics
// (analytics/aggregator.h), the mail-relevant queries this server answered for a zone in the
// last hour: MX queries, the mail policy TXT names (SPF at any name, _dmarc, _domainkey),
// dc-record answers, and the SERVFAIL or stale answers of flattened names, so "why does mail
// fail" shows whether senders asked at all.

#include <cstdint>
#include <optional>
#include <string>

#include "analytics/aggregator.h"
#include "nlohmann/json.hpp"

namespace dnsedge::api {

// `traffic` of GET mail_doctor for `zone` ("example.com") over the 60 minutes up to `now_minute`
// (included): {window_minutes, mx_queries, mail_txt_queries, dc_record_answers,
// flattened_failures, names: {mx, dc_record, flattened_failures: {name: count}}, summary};
// nullopt when analytics is off. Kept apart from the findings, which `dnsedge doctor` (another
// process, without the live counts) reports the same.
std::optional<nlohmann::ordered_json> mail_traffic(const analytics::Aggregator& agg, const std::string& zone,
                                            int64_t now_minute);

}  // namespace dnsedge::api
