#pragma once
// Query strings and record lists: URL decoding, the filters, order and paging of
// `GET /zones/{id}/dns_records` (docs/api.md, list query parameters) and of
// `GET /zones`.
//
// Record filters: type; name, name.exact, name.contains, name.startswith, name.endswith;
// content (same operators; a TXT content matches with or without its surrounding quotes);
// comment (same operators, plus comment.present / comment.absent); tag (name:value),
// tag.present, tag.absent; proxied (true|false); search (name or content contains). They are
// combined with match=all (default) or match=any. Comparisons ignore case. order = type, name,
// content, ttl, proxied; direction = asc|desc; page (from 1), per_page (default 100, 1..50000).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/errors.h"
#include "common/result.h"
#include "zone/record.h"

namespace dnsedge::api {

using errc::kBadQuery;  // errors[].code of an invalid query parameter

// Percent-decoding with '+' as space (application/x-www-form-urlencoded).
std::string url_decode(std::string_view s);

class Query {
 public:
  static Query parse(std::string_view query_string);  // without the '?'
  // The last value of `key`, if present.
  std::optional<std::string> get(std::string_view key) const;
  std::vector<std::string> all(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Paging {
  int64_t page = 1;
  int64_t per_page = 100;
};

// page / per_page from the query; error kBadQuery for values that are not integers.
Result<Paging> parse_paging(const Query& q, int64_t default_per_page, int64_t max_per_page);

// The slice of `total` items on `p`, and its result_info.
nlohmann::ordered_json result_info(const Paging& p, size_t count, size_t total);
std::pair<size_t, size_t> page_bounds(const Paging& p, size_t total);  // [begin, end)

// Filters, orders and pages `records` of zone `zone_name` ("example.com").
// Only the page is copied from `records`.
Result<std::pair<std::vector<zone::Record>, nlohmann::ordered_json>> list_records(
    const std::vector<zone::Record>& records, const Query& q, const std::string& zone_name);

}  // namespace dnsedge::api
