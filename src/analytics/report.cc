#include "analytics/report.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>

#include "common/ascii.h"
#include "common/errors.h"
#include "dns/types.h"

namespace dnsedge::analytics {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kDimNames[] = {"queryName", "queryType", "responseCode", "coloName", "answerKind"};
constexpr std::string_view kMetricNames[] = {"queryCount", "uncachedCount", "staleCount", "responseTimeAvg"};
constexpr std::string_view kKindNames[] = {"static", "proxied", "flattened", "dc-record", "stale", "servfail"};
constexpr std::string_view kOther = "(other)";

Error bad(std::string message) { return Error{std::move(message), errc::kBadQuery}; }

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t i = s.find(sep, start);
    out.push_back(trim(s.substr(start, i == std::string_view::npos ? std::string_view::npos : i - start)));
    if (i == std::string_view::npos) return out;
    start = i + 1;
  }
}

// Replaces " AND " and " OR " (any case, surrounded by spaces) by ';' and ','.
std::string keywords(std::string_view s) {
  std::string out;
  const std::string lower = common::ascii_lower(s);
  for (size_t i = 0; i < s.size();) {
    if (lower.compare(i, 5, " and ") == 0) {
      out += ';';
      i += 5;
    } else if (lower.compare(i, 4, " or ") == 0) {
      out += ',';
      i += 4;
    } else {
      out += s[i++];
    }
  }
  return out;
}

std::optional<Dim> dim_of(std::string_view name) {
  for (size_t i = 0; i < std::size(kDimNames); ++i) {
    if (kDimNames[i] == name) return static_cast<Dim>(i);
  }
  return std::nullopt;
}

std::optional<Metric> metric_of(std::string_view name) {
  for (size_t i = 0; i < std::size(kMetricNames); ++i) {
    if (kMetricNames[i] == name) return static_cast<Metric>(i);
  }
  return std::nullopt;
}

std::string list_of(const std::string_view* names, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? ", " : "") + std::string(names[i]);
  return out;
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};

Civil civil(int64_t seconds) {
  const time_t t = static_cast<time_t>(seconds);
  tm g{};
  gmtime_r(&t, &g);
  return Civil{g.tm_year + 1900, static_cast<unsigned>(g.tm_mon + 1), static_cast<unsigned>(g.tm_mday)};
}

// The start of the interval of `unit` that holds `t`, and the start of the next one.
std::pair<int64_t, int64_t> interval_of(std::string_view unit, int64_t t) {
  const auto fixed = [&](int64_t len, int64_t offset) {
    const int64_t s = (t - offset) / len * len + offset;
    return std::pair{s, s + len};
  };
  if (unit == "minute") return fixed(60, 0);
  if (unit == "dekaminute") return fixed(600, 0);
  if (unit == "hour") return fixed(3600, 0);
  if (unit == "day") return fixed(86400, 0);
  if (unit == "week") return fixed(7 * 86400, 4 * 86400);  // 1970-01-05 was a Monday
  const Civil c = civil(t);
  if (unit == "month") {
    const int64_t s = days_from_civil(c.y, c.m, 1) * 86400;
    const int64_t e = (c.m == 12 ? days_from_civil(c.y + 1, 1, 1) : days_from_civil(c.y, c.m + 1, 1)) * 86400;
    return {s, e};
  }
  if (unit == "quarter") {
    const unsigned q = (c.m - 1) / 3 * 3 + 1;
    const int64_t s = days_from_civil(c.y, q, 1) * 86400;
    const int64_t e = (q == 10 ? days_from_civil(c.y + 1, 1, 1) : days_from_civil(c.y, q + 3, 1)) * 86400;
    return {s, e};
  }
  return {days_from_civil(c.y, 1, 1) * 86400, days_from_civil(c.y + 1, 1, 1) * 86400};  // year
}

Result<int64_t> parse_time(const std::string& name, const std::string& text, int64_t now_s) {
  const std::string t = trim(text);
  if (t == "now") return now_s;
  // Relative: a negative number of minutes (as Cloudflare's analytics accept), e.g. -360.
  if (!t.empty() && t[0] == '-' && t.size() <= 12 &&
      std::all_of(t.begin() + 1, t.end(), [](char c) { return c >= '0' && c <= '9'; }) && t.size() > 1) {
    return now_s - std::stoll(t.substr(1)) * 60;
  }
  if (auto v = parse_iso8601(t)) return *v;
  return bad(name + " \"" + text + "\" is not an ISO 8601 time (2026-12-06T19:00:00Z) or a negative number of minutes");
}

std::string dim_value(Dim d, std::string_view name, const Cell& c, const std::string& colo) {
  switch (d) {
    case Dim::kQueryName:
      return name.empty() ? std::string(kOther) : std::string(name);
    case Dim::kQueryType:
      return dns::type_to_string(c.qtype);
    case Dim::kResponseCode:
      return dns::rcode_to_string(c.rcode);
    case Dim::kColoName:
      return colo;
    case Dim::kAnswerKind:
      return std::string(kind_name(c.kind));
  }
  return {};
}

bool matches(const ReportSpec& spec, std::string_view name, const Cell& c, const std::string& colo) {
  if (spec.filters.empty()) return true;
  for (const auto& conj : spec.filters) {
    bool all = true;
    for (const Term& t : conj) {
      const bool eq = common::ascii_lower(dim_value(t.dim, name, c, colo)) == common::ascii_lower(t.value);
      if (eq != t.equal) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

struct Acc {
  uint64_t count = 0, stale = 0, time_us = 0;
  void add(const Cell& c) {
    count += c.count;
    time_us += c.time_us;
    if (c.kind == 4) stale += c.count;
  }
  void add(const Acc& a) {
    count += a.count;
    stale += a.stale;
    time_us += a.time_us;
  }
  double value(Metric m) const {
    switch (m) {
      case Metric::kQueryCount:
      case Metric::kUncachedCount:
        return static_cast<double>(count);
      case Metric::kStaleCount:
        return static_cast<double>(stale);
      case Metric::kResponseTimeAvg:
        return count == 0 ? 0.0 : static_cast<double>(time_us) / static_cast<double>(count) / 1000.0;
    }
    return 0;
  }
};

json number(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) return static_cast<int64_t>(v);
  return v;
}

}  // namespace

std::string_view kind_name(uint8_t kind) { return kind < std::size(kKindNames) ? kKindNames[kind] : "static"; }

std::string iso8601(int64_t seconds) {
  const time_t t = static_cast<time_t>(seconds);
  tm g{};
  gmtime_r(&t, &g);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", g.tm_year + 1900, g.tm_mon + 1, g.tm_mday,
                g.tm_hour, g.tm_min, g.tm_sec);
  return buf;
}

std::optional<int64_t> parse_iso8601(std::string_view s) {
  const auto digits = [&](size_t at, size_t n) -> std::optional<int> {
    if (at + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  if (!y || !mo || !d || s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (*mo < 1 || *mo > 12 || *d < 1 || *d > 31) return std::nullopt;
  int64_t t = days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86400;
  if (s.size() == 10) return t;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  auto h = digits(11, 2), mi = digits(14, 2);
  if (!h || !mi || s.size() < 16 || s[13] != ':' || *h > 23 || *mi > 59) return std::nullopt;
  t += *h * 3600 + *mi * 60;
  size_t i = 16;
  if (i < s.size() && s[i] == ':') {
    auto sec = digits(17, 2);
    if (!sec || *sec > 60) return std::nullopt;
    t += *sec;
    i = 19;
    if (i < s.size() && s[i] == '.') {
      ++i;
      const size_t f = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      if (i == f) return std::nullopt;
    }
  }
  if (i == s.size()) return std::nullopt;  // a time needs its zone
  if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) return t;
  if ((s[i] == '+' || s[i] == '-') && i + 6 == s.size() && s[i + 3] == ':') {
    auto oh = digits(i + 1, 2), om = digits(i + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    const int64_t off = *oh * 3600 + *om * 60;
    return s[i] == '+' ? t - off : t + off;
  }
  return std::nullopt;
}

Result<ReportSpec> parse_report(const ReportParams& p, bool by_time, int64_t now_s) {
  ReportSpec spec;
  spec.by_time = by_time;
  if (p.dimensions && !trim(*p.dimensions).empty()) {
    for (const std::string& d : split(*p.dimensions, ',')) {
      auto dim = dim_of(d);
      if (!dim) {
        return bad("dimensions: unknown dimension \"" + d + "\" (known: " + list_of(kDimNames, std::size(kDimNames)) + ")");
      }
      if (std::find(spec.dims.begin(), spec.dims.end(), *dim) != spec.dims.end()) {
        return bad("dimensions: \"" + d + "\" is given twice");
      }
      spec.dims.push_back(*dim);
    }
  }
  if (p.metrics && !trim(*p.metrics).empty()) {
    for (const std::string& m : split(*p.metrics, ',')) {
      auto metric = metric_of(m);
      if (!metric) {
        return bad("metrics: unknown metric \"" + m + "\" (known: " + list_of(kMetricNames, std::size(kMetricNames)) + ")");
      }
      if (std::find(spec.metrics.begin(), spec.metrics.end(), *metric) != spec.metrics.end()) {
        return bad("metrics: \"" + m + "\" is given twice");
      }
      spec.metrics.push_back(*metric);
    }
  } else {
    spec.metrics.push_back(Metric::kQueryCount);
  }

  // Time range: default the last 6 hours up to now (the current minute included); at most 7 days
  // back (what is kept); until never past now.
  spec.until_s = now_s;
  if (p.until) {
    auto u = parse_time("until", *p.until, now_s);
    if (!u) return u.error();
    spec.until_s = std::min(*u, now_s);
  }
  spec.since_s = spec.until_s - kDefaultRangeMinutes * 60;
  if (p.since) {
    auto s = parse_time("since", *p.since, now_s);
    if (!s) return s.error();
    spec.since_s = *s;
  }
  if (spec.since_s >= spec.until_s) {
    return bad("since (" + iso8601(spec.since_s) + ") must be before until (" + iso8601(spec.until_s) + ")");
  }
  spec.since_s = std::max(spec.since_s, now_s - kKeepMinutes * 60);
  if (spec.since_s >= spec.until_s) return bad("the time range ends before the data kept (7 days)");

  if (p.limit) {
    const std::string t = trim(*p.limit);
    if (t.empty() || t.size() > 18 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad("limit \"" + *p.limit + "\" is not a positive integer");
    }
    const int64_t v = std::stoll(t);
    if (v < 1) return bad("limit must be at least 1");
    spec.limit = std::min(v, kMaxLimit);
  }

  if (p.filters && !trim(*p.filters).empty()) {
    spec.filters_text = *p.filters;
    if (p.filters->size() > 4096) return bad("filters: longer than 4096 characters");
    for (const std::string& alt : split(keywords(*p.filters), ',')) {
      std::vector<Term> conj;
      for (const std::string& term : split(alt, ';')) {
        const size_t eq = term.find("==");
        const size_t ne = term.find("!=");
        if (eq == std::string::npos && ne == std::string::npos) {
          for (const char* op : {">=", "<=", ">", "<"}) {
            if (term.find(op) != std::string::npos) {
              return bad(std::string("filters: operator ") + op + " is not supported on \"" + term +
                         "\" (the dimensions are names: use == or !=)");
            }
          }
          return bad("filters: \"" + term + "\" is not dimension==value or dimension!=value");
        }
        const size_t at = eq != std::string::npos ? eq : ne;
        const std::string name = trim(term.substr(0, at));
        const std::string value = trim(term.substr(at + 2));
        auto dim = dim_of(name);
        if (!dim) return bad("filters: unknown dimension \"" + name + "\" in \"" + term + "\"");
        if (value.empty()) return bad("filters: no value in \"" + term + "\"");
        conj.push_back(Term{*dim, eq != std::string::npos, value});
      }
      spec.filters.push_back(std::move(conj));
    }
    if (spec.filters.size() > 64) return bad("filters: at most 64 alternatives");
  }

  if (p.sort && !trim(*p.sort).empty()) {
    for (const std::string& s0 : split(*p.sort, ',')) {
      std::string s = s0;
      bool desc = false;
      if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        desc = s[0] == '-';
        s = trim(s.substr(1));
      }
      ReportSpec::SortKey k{};
      k.descending = desc;
      bool found = false;
      if (auto m = metric_of(s)) {
        auto it = std::find(spec.metrics.begin(), spec.metrics.end(), *m);
        if (it != spec.metrics.end()) {
          k.metric = true;
          k.index = static_cast<size_t>(it - spec.metrics.begin());
          found = true;
        }
      } else if (auto d = dim_of(s)) {
        auto it = std::find(spec.dims.begin(), spec.dims.end(), *d);
        if (it != spec.dims.end()) {
          k.metric = false;
          k.index = static_cast<size_t>(it - spec.dims.begin());
          found = true;
        }
      }
      if (!found) return bad("sort: \"" + s0 + "\" is not one of the requested metrics or dimensions");
      spec.sort.push_back(k);
      spec.sort_text.push_back(s0);
    }
  }

  if (by_time) {
    std::string delta = p.time_delta ? trim(*p.time_delta) : "auto";
    static constexpr std::string_view kDeltas[] = {"all",  "auto", "year", "quarter", "month",
                                                   "week", "day",  "hour", "dekaminute", "minute"};
    if (std::find(std::begin(kDeltas), std::end(kDeltas), delta) == std::end(kDeltas)) {
      return bad("time_delta \"" + delta + "\" is not one of " + list_of(kDeltas, std::size(kDeltas)));
    }
    const int64_t span = spec.until_s - spec.since_s;
    if (delta == "auto") {
      delta = span <= 3 * 3600 ? "minute" : span <= 24 * 3600 ? "dekaminute" : span <= 7 * 86400 ? "hour" : "day";
    }
    spec.time_delta = delta;
    if (delta == "all") {
      spec.intervals.push_back({spec.since_s, spec.until_s});
    } else {
      for (int64_t t = spec.since_s; t < spec.until_s;) {
        auto [s, e] = interval_of(delta, t);
        spec.intervals.push_back({std::max(s, spec.since_s), std::min(e, spec.until_s)});
        if (spec.intervals.size() > kMaxIntervals) {
          return bad("time_delta " + delta + " gives more than " + std::to_string(kMaxIntervals) +
                     " intervals over this time range: choose a larger one");
        }
        t = e;
      }
    }
  }
  return spec;
}

json run_report(const ReportSpec& spec, const Aggregator& agg, const std::string& zone, const std::string& colo) {
  const size_t n_int = spec.by_time ? spec.intervals.size() : 1;
  struct Group {
    std::vector<std::string> dims;
    std::vector<Acc> acc;  // one per interval
    Acc total;
  };
  std::map<std::vector<std::string>, Group> groups;
  Acc totals;
  // Minutes overlapping [since, until): a minute's data counts when the minute starts in it, and
  // the minute holding `since` too (the current minute is included).
  const int64_t first = spec.since_s / 60, last = (spec.until_s - 1) / 60;
  std::vector<std::string> key(spec.dims.size());
  agg.scan(zone, first, last, [&](int64_t minute, std::string_view name, const Cell& c) {
    if (!matches(spec, name, c, colo)) return;
    for (size_t i = 0; i < spec.dims.size(); ++i) key[i] = dim_value(spec.dims[i], name, c, colo);
    Group& g = groups[key];
    if (g.acc.empty()) {
      g.dims = key;
      g.acc.resize(n_int);
    }
    size_t at = 0;
    if (spec.by_time) {
      const int64_t t = std::max(minute * 60, spec.since_s);
      auto it = std::upper_bound(spec.intervals.begin(), spec.intervals.end(), t,
                                 [](int64_t v, const std::pair<int64_t, int64_t>& iv) { return v < iv.first; });
      at = it == spec.intervals.begin() ? 0 : static_cast<size_t>(it - spec.intervals.begin()) - 1;
    }
    g.acc[at].add(c);
    g.total.add(c);
    totals.add(c);
  });

  std::vector<const Group*> rows;
  rows.reserve(groups.size());
  for (const auto& [k, g] : groups) rows.push_back(&g);
  std::vector<ReportSpec::SortKey> sort = spec.sort;
  if (sort.empty()) sort.push_back({true, 0, true});  // the first metric, largest first
  std::stable_sort(rows.begin(), rows.end(), [&](const Group* a, const Group* b) {
    for (const auto& k : sort) {
      if (k.metric) {
        const double x = a->total.value(spec.metrics[k.index]), y = b->total.value(spec.metrics[k.index]);
        if (x != y) return k.descending ? x > y : x < y;
      } else {
        const std::string &x = a->dims[k.index], &y = b->dims[k.index];
        if (x != y) return k.descending ? x > y : x < y;
      }
    }
    return false;
  });
  if (rows.size() > static_cast<size_t>(spec.limit)) rows.resize(static_cast<size_t>(spec.limit));

  json data = json::array();
  json mins = json::object(), maxs = json::object(), tot = json::object();
  for (Metric m : spec.metrics) tot[std::string(kMetricNames[static_cast<size_t>(m)])] = number(totals.value(m));
  for (const Group* g : rows) {
    json metrics = json::array();
    for (Metric m : spec.metrics) {
      const std::string mn(kMetricNames[static_cast<size_t>(m)]);
      const double v = g->total.value(m);
      if (!mins.contains(mn) || v < mins[mn].get<double>()) mins[mn] = number(v);
      if (!maxs.contains(mn) || v > maxs[mn].get<double>()) maxs[mn] = number(v);
      if (spec.by_time) {
        json series = json::array();
        for (const Acc& a : g->acc) series.push_back(number(a.value(m)));
        metrics.push_back(std::move(series));
      } else {
        metrics.push_back(number(v));
      }
    }
    data.push_back(json{{"dimensions", g->dims}, {"metrics", std::move(metrics)}});
  }

  json query = json::object();
  json dims = json::array(), mets = json::array();
  for (Dim d : spec.dims) dims.push_back(std::string(kDimNames[static_cast<size_t>(d)]));
  for (Metric m : spec.metrics) mets.push_back(std::string(kMetricNames[static_cast<size_t>(m)]));
  query["dimensions"] = dims;
  query["metrics"] = mets;
  query["since"] = iso8601(spec.since_s);
  query["until"] = iso8601(spec.until_s);
  query["limit"] = spec.limit;
  if (!spec.filters_text.empty()) query["filters"] = spec.filters_text;
  if (!spec.sort_text.empty()) query["sort"] = spec.sort_text;
  if (spec.by_time) query["time_delta"] = spec.time_delta;

  json result = json::object();
  result["rows"] = rows.size();
  result["data"] = std::move(data);
  result["data_lag"] = number(std::ceil(agg.lag_seconds()));
  result["min"] = std::move(mins);
  result["max"] = std::move(maxs);
  result["totals"] = std::move(tot);
  result["query"] = std::move(query);
  if (spec.by_time) {
    json iv = json::array();
    for (const auto& [s, e] : spec.intervals) iv.push_back(json::array({iso8601(s), iso8601(e)}));
    result["time_intervals"] = std::move(iv);
  }
  return result;
}

}  // namespace dnsedge::analytics
