#include "api/mail_traffic.h"

#include <map>

#include "analytics/recorder.h"
#include "analytics/report.h"
#include "dns/types.h"

namespace dnsedge::api {

std::optional<nlohmann::ordered_json> mail_traffic(const analytics::Aggregator& agg, const std::string& zone,
                                            int64_t now_minute) {
  if (!analytics::enabled()) return std::nullopt;
  constexpr uint16_t kMx = 15, kTxt = 16;
  constexpr uint8_t kFlattened = 2, kDcRecord = 3, kStale = 4, kServfail = 5;
  constexpr uint16_t kServFailRcode = 2;
  uint64_t mx = 0, txt = 0, dc = 0, bad = 0;
  std::map<std::string, uint64_t> mx_names, dc_names, bad_names;
  agg.scan(zone, now_minute - 59, now_minute, [&](int64_t, std::string_view name, const analytics::Cell& c) {
    const std::string n = name.empty() ? "(other names)" : std::string(name);
    if (c.qtype == kMx) {
      mx += c.count;
      mx_names[n] += c.count;
    }
    if (c.qtype == kTxt && (name.empty() || name == zone || name.starts_with("_dmarc.") ||
                            name.find("._domainkey.") != std::string_view::npos)) {
      txt += c.count;
    }
    if (c.kind == kDcRecord) {
      dc += c.count;
      dc_names[n] += c.count;
    }
    if (c.kind == kStale || c.kind == kServfail || (c.kind == kFlattened && c.rcode == kServFailRcode)) {
      bad += c.count;
      bad_names[n + " (" + std::string(analytics::kind_name(c.kind)) + ")"] += c.count;
    }
  });
  nlohmann::ordered_json t;
  t["window_minutes"] = 60;
  t["mx_queries"] = mx;
  t["mail_txt_queries"] = txt;
  t["dc_record_answers"] = dc;
  t["flattened_failures"] = bad;
  t["names"] = {{"mx", mx_names}, {"dc_record", dc_names}, {"flattened_failures", bad_names}};
  std::string summary;
  if (mx == 0 && txt == 0 && dc == 0 && bad == 0) {
    summary = "No mail-related queries at all in the last hour: this server answered no MX query, no "
              "SPF/DMARC/DKIM TXT query and no dc-record query for " + zone +
              ", so no sender asked it about the domain's mail. If mail to the domain fails, check that the "
              "parent zone delegates to this server and that senders reach it.";
  } else {
    summary = std::to_string(mx) + " MX quer" + (mx == 1 ? "y" : "ies") + ", " + std::to_string(txt) +
              " SPF/DMARC/DKIM TXT quer" + (txt == 1 ? "y" : "ies") + ", " + std::to_string(dc) +
              " dc-record answer" + (dc == 1 ? "" : "s") + " and " + std::to_string(bad) +
              " SERVFAIL or stale answer" + (bad == 1 ? "" : "s") + " of flattened names in the last hour.";
    if (mx == 0) summary += " No MX query at all: senders did not ask this server where to deliver.";
  }
  t["summary"] = summary;
  return t;
}

}  // namespace dnsedge::api
