#pragma once
// DNS analytics reports in the shape of Cloudflare's GET /zones/{id}/dns_analytics/report and
// /report/bytime: parameters parsed and checked (parse_report), then answered from the
// aggregate (run_report) as `result`: data[] = {dimensions, metrics} in the order requested,
// totals, min, max, rows, data_lag, query (the parameters as understood) and, by time,
// time_intervals.
//
// Dimensions: queryName ("(other)" for the names past the heavy-hitters bound), queryType,
// responseCode (mnemonics), coloName (the server's name), answerKind (static, proxied,
// flattened, dc-record, stale, servfail). Metrics: queryCount, uncachedCount (every answer of an
// authoritative server is uncached: equal to queryCount), staleCount, responseTimeAvg (ms).
// Filters: `dim==v` / `dim!=v`, `;` or " AND " for and, `,` or " OR " for or, and before or.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analytics/aggregator.h"
#include "common/result.h"
#include "nlohmann/json.hpp"

namespace dnsedge::analytics {

inline constexpr int64_t kDefaultLimit = 10000;
inline constexpr int64_t kMaxLimit = 10000;
inline constexpr int64_t kDefaultRangeMinutes = 6 * 60;
inline constexpr size_t kMaxIntervals = 1440;

enum class Dim : uint8_t { kQueryName, kQueryType, kResponseCode, kColoName, kAnswerKind };
enum class Metric : uint8_t { kQueryCount, kUncachedCount, kStaleCount, kResponseTimeAvg };

struct Term {
  Dim dim;
  bool equal;         // == or !=
  std::string value;  // compared case-insensitively with the dimension's value
};

struct ReportSpec {
  std::vector<Dim> dims;
  std::vector<Metric> metrics;
  std::vector<std::vector<Term>> filters;  // or of ands; empty: everything
  std::string filters_text;
  struct SortKey {
    bool metric;  // else a dimension
    size_t index; // into metrics or dims
    bool descending;
  };
  std::vector<SortKey> sort;
  std::vector<std::string> sort_text;
  int64_t since_s = 0, until_s = 0;  // seconds since the epoch; until exclusive
  int64_t limit = kDefaultLimit;
  bool by_time = false;
  std::string time_delta = "all";
  std::vector<std::pair<int64_t, int64_t>> intervals;  // by time: [start, end) seconds
};

// The request's parameters (absent: the default).
struct ReportParams {
  std::optional<std::string> dimensions, metrics, since, until, filters, sort, limit, time_delta;
};

// Fails with errc::kBadQuery, naming the parameter. `now_s`: the current time (seconds).
Result<ReportSpec> parse_report(const ReportParams& p, bool by_time, int64_t now_s);

// Answers `spec` for `zone` ("example.com") from `agg`; `colo`: the coloName value.
nlohmann::ordered_json run_report(const ReportSpec& spec, const Aggregator& agg, const std::string& zone,
                                  const std::string& colo);

// "2026-12-06T19:00:00Z".
std::string iso8601(int64_t seconds);
// Accepts "YYYY-MM-DDTHH:MM[:SS[.frac]](Z|+HH:MM|-HH:MM)" (also "YYYY-MM-DD"); nullopt otherwise.
std::optional<int64_t> parse_iso8601(std::string_view text);

std::string_view kind_name(uint8_t kind);

}  // namespace dnsedge::analytics
