#include "api/list_query.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "common/ascii.h"

namespace dnsedge::api {
namespace {

using common::ascii_lower;
using nlohmann::json;

Result<int64_t> to_int(const std::string& key, const std::string& v) {
  if (v.empty() || v.size() > 12 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Error{key + " must be a positive integer", kBadQuery};
  }
  return std::stoll(v);
}

// "exact" | "contains" | "startswith" | "endswith" on lowercase text.
bool op_match(const std::string& op, const std::string& have, const std::string& want) {
  if (op == "contains") return have.find(want) != std::string::npos;
  if (op == "startswith" || op == "starts_with") return have.starts_with(want);
  if (op == "endswith" || op == "ends_with") return have.ends_with(want);
  return have == want;
}

std::string unquote(const std::string& s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

// TXT content as the text it carries: quoted character-strings ("\"v=spf1 \" \"-all\"") are
// unescaped (\X, \DDD) and joined ("v=spf1 -all"); unquoted content is that text already.
std::string txt_text(const std::string& s) {
  if (!s.starts_with('"')) return s;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '\t') {
      ++i;
      continue;
    }
    const bool quoted = s[i] == '"';
    if (quoted) ++i;
    while (i < s.size() && (quoted ? s[i] != '"' : s[i] != ' ' && s[i] != '\t')) {
      if (s[i] != '\\' || i + 1 == s.size()) {
        out += s[i++];
      } else if (i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
                 std::isdigit(static_cast<unsigned char>(s[i + 2])) && std::isdigit(static_cast<unsigned char>(s[i + 3]))) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 3)) & 0xff);
        i += 4;
      } else {
        out += s[i + 1];
        i += 2;
      }
    }
    if (quoted) ++i;  // the closing quote
  }
  return out;
}

std::string strip_dot(std::string s) {
  if (s.size() > 1 && s.back() == '.') s.pop_back();
  return s;
}

using Predicate = std::function<bool(const zone::Record&)>;

}  // namespace

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Query Query::parse(std::string_view qs) {
  Query q;
  size_t i = 0;
  while (i <= qs.size()) {
    size_t amp = qs.find('&', i);
    if (amp == std::string_view::npos) amp = qs.size();
    std::string_view item = qs.substr(i, amp - i);
    if (!item.empty()) {
      const size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        q.items_.emplace_back(url_decode(item), "");
      } else {
        q.items_.emplace_back(url_decode(item.substr(0, eq)), url_decode(item.substr(eq + 1)));
      }
    }
    i = amp + 1;
  }
  return q;
}

std::optional<std::string> Query::get(std::string_view key) const {
  std::optional<std::string> out;
  for (const auto& [k, v] : items_) {
    if (k == key) out = v;
  }
  return out;
}

std::vector<std::string> Query::all(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : items_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

Result<Paging> parse_paging(const Query& q, int64_t default_per_page, int64_t max_per_page) {
  Paging p;
  p.per_page = default_per_page;
  if (auto v = q.get("page")) {
    auto n = to_int("page", *v);
    if (!n) return n.error();
    p.page = std::max<int64_t>(1, *n);
  }
  if (auto v = q.get("per_page")) {
    auto n = to_int("per_page", *v);
    if (!n) return n.error();
    p.per_page = std::clamp<int64_t>(*n, 1, max_per_page);
  }
  return p;
}

std::pair<size_t, size_t> page_bounds(const Paging& p, size_t total) {
  const auto per = static_cast<size_t>(p.per_page);
  const auto page = static_cast<size_t>(p.page);
  if (page - 1 > total / per) return {total, total};
  const size_t begin = std::min(total, (page - 1) * per);
  return {begin, std::min(total, begin + per)};
}

nlohmann::ordered_json result_info(const Paging& p, size_t count, size_t total) {
  const size_t pages = (total + static_cast<size_t>(p.per_page) - 1) / static_cast<size_t>(p.per_page);
  return {{"page", p.page}, {"per_page", p.per_page}, {"count", count}, {"total_count", total}, {"total_pages", pages}};
}

Result<std::pair<std::vector<zone::Record>, nlohmann::ordered_json>> list_records(const std::vector<zone::Record>& all,
                                                                                  const Query& q,
                                                                                  const std::string& zone_name) {
  std::vector<Predicate> preds;
  auto name_value = [&](std::string v) {
    v = strip_dot(ascii_lower(v));
    if (v == "@") return zone_name;
    return v;
  };
  for (const auto& [key, raw] : q.items()) {
    const std::string v = ascii_lower(raw);
    if (key == "type") {
      preds.push_back([v](const zone::Record& r) { return ascii_lower(r.type) == v; });
    } else if (key == "name" || key.rfind("name.", 0) == 0) {
      std::string op = key == "name" ? "exact" : key.substr(5);
      std::string want = op == "exact" ? name_value(raw) : v;
      if (op == "exact" && want.find('.') == std::string::npos && want != zone_name) want += "." + zone_name;
      preds.push_back([op, want](const zone::Record& r) { return op_match(op, r.name, want); });
    } else if (key == "content" || key.rfind("content.", 0) == 0) {
      std::string op = key == "content" ? "exact" : key.substr(8);
      preds.push_back([op, v](const zone::Record& r) {
        const std::string have = ascii_lower(r.content);
        const bool txt = r.type == "TXT" || r.type == "SPF";
        for (const std::string& h : {have, txt ? unquote(have) : have, txt ? txt_text(have) : have}) {
          for (const std::string& w : {v, txt ? unquote(v) : v, txt ? txt_text(v) : v}) {
            if (op_match(op, h, w)) return true;
          }
        }
        return false;
      });
    } else if (key == "comment.present") {
      preds.push_back([](const zone::Record& r) { return !r.comment.empty(); });
    } else if (key == "comment.absent") {
      preds.push_back([](const zone::Record& r) { return r.comment.empty(); });
    } else if (key == "comment" || key.rfind("comment.", 0) == 0) {
      std::string op = key == "comment" ? "exact" : key.substr(8);
      preds.push_back([op, v](const zone::Record& r) { return op_match(op, ascii_lower(r.comment), v); });
    } else if (key == "tag" || key.rfind("tag.", 0) == 0) {
      std::string op = key == "tag" ? "exact" : key.substr(4);
      preds.push_back([op, v](const zone::Record& r) {
        json tags;
        try {
          tags = json::parse(r.tags_json);
        } catch (...) {
          return false;
        }
        bool any = false;
        for (const auto& t : tags) {
          if (!t.is_string()) continue;
          const std::string tag = ascii_lower(t.get<std::string>());
          const std::string tname = tag.substr(0, tag.find(':'));
          if (op == "present" || op == "absent") {
            any = any || tname == v;
          } else {
            any = any || op_match(op, tag, v);
          }
        }
        return op == "absent" ? !any : any;
      });
    } else if (key == "proxied") {
      if (v != "true" && v != "false") return Error{"proxied must be true or false", kBadQuery};
      const bool want = v == "true";
      preds.push_back([want](const zone::Record& r) { return r.proxied == want; });
    } else if (key == "search") {
      preds.push_back([v](const zone::Record& r) {
        return ascii_lower(r.name).find(v) != std::string::npos || ascii_lower(r.content).find(v) != std::string::npos;
      });
    }
  }
  const std::string match = ascii_lower(q.get("match").value_or("all"));
  if (match != "all" && match != "any") return Error{"match must be all or any", kBadQuery};
  // The records are filtered and ordered as pointers: only the page is copied.
  std::vector<const zone::Record*> records;
  records.reserve(all.size());
  for (const auto& r : all) {
    if (!preds.empty()) {
      const bool keep = match == "any"
                            ? std::any_of(preds.begin(), preds.end(), [&](const Predicate& p) { return p(r); })
                            : std::all_of(preds.begin(), preds.end(), [&](const Predicate& p) { return p(r); });
      if (!keep) continue;
    }
    records.push_back(&r);
  }
  const std::string order = ascii_lower(q.get("order").value_or(""));
  const std::string direction = ascii_lower(q.get("direction").value_or("asc"));
  if (direction != "asc" && direction != "desc") return Error{"direction must be asc or desc", kBadQuery};
  if (!order.empty()) {
    std::function<bool(const zone::Record*, const zone::Record*)> less;
    if (order == "type") {
      less = [](const zone::Record* a, const zone::Record* b) { return a->type < b->type; };
    } else if (order == "name") {
      less = [](const zone::Record* a, const zone::Record* b) { return a->name < b->name; };
    } else if (order == "content") {
      less = [](const zone::Record* a, const zone::Record* b) { return a->content < b->content; };
    } else if (order == "ttl") {
      less = [](const zone::Record* a, const zone::Record* b) { return a->ttl < b->ttl; };
    } else if (order == "proxied") {
      less = [](const zone::Record* a, const zone::Record* b) { return a->proxied < b->proxied; };
    } else {
      return Error{"order must be one of type, name, content, ttl, proxied", kBadQuery};
    }
    std::stable_sort(records.begin(), records.end(), less);
  }
  if (direction == "desc") std::reverse(records.begin(), records.end());
  auto paging = parse_paging(q, 100, 50000);
  if (!paging) return paging.error();
  const auto [b, e] = page_bounds(*paging, records.size());
  const size_t total = records.size();
  std::vector<zone::Record> page;
  page.reserve(e - b);
  for (size_t i = b; i < e; ++i) page.push_back(*records[i]);
  nlohmann::ordered_json info = result_info(*paging, page.size(), total);
  return std::make_pair(std::move(page), std::move(info));
}

}  // namespace dnsedge::api
