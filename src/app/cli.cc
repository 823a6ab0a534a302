#include "app/cli.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <sstream>

#include "common/ascii.h"

namespace dnsedge::app::cli {
namespace {

using common::ascii_lower;
using json = nlohmann::ordered_json;

constexpr int kListPerPage = 100;    // record list without --per-page (the API's default)
constexpr int kAllPerPage = 5000;    // record list --all, zone list: fewer round trips
constexpr int kLookupPerPage = 50000;  // the API's maximum
constexpr char kNotYet[] = "do not give this DS to the registrar yet (docs/dnssec.md)\n";

Error usage(std::string message) { return Error{std::move(message), kExitUsage, ErrorKind::kUsage}; }

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string strip_dot(std::string s) {
  if (s.size() > 1 && s.back() == '.') s.pop_back();
  return s;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<int> parse_int(const std::string& flag, const std::string& v, long lo, long hi) {
  if (!all_digits(v) || std::stol(v) < lo || std::stol(v) > hi) {
    return usage(flag + " " + v + ": expected a number " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<int>(std::stol(v));
}

Result<int> parse_ttl(const std::string& v) {
  if (ascii_lower(v) == "auto") return 1;
  // The API decides the range (1, or 30..86400); the CLI only checks that it is a number.
  if (!all_digits(v)) return usage("--ttl " + v + ": expected a number of seconds or 'auto'");
  return static_cast<int>(std::stol(v));
}

Result<bool> parse_bool(const std::string& flag, const std::string& v) {
  const std::string l = ascii_lower(v);
  if (l == "true") return true;
  if (l == "false") return false;
  return usage(flag + " " + v + ": expected true or false");
}

Result<json> parse_data(const std::string& v) {
  json d = json::parse(v, nullptr, false);
  if (d.is_discarded() || !d.is_object()) return usage("--data " + v + ": expected a JSON object, e.g. '{\"port\":443}'");
  return d;
}

// Adds the record fields shared by add and set (content, ttl, priority, comment, data) to body.
Result<void> add_record_fields(const Args& a, json& body) {
  if (a.content) body["content"] = *a.content;
  if (a.ttl) {
    auto t = parse_ttl(*a.ttl);
    if (!t) return t.error();
    body["ttl"] = *t;
  }
  if (a.priority) {
    auto p = parse_int("--priority", *a.priority, 0, 65535);
    if (!p) return p.error();
    body["priority"] = *p;
  }
  if (a.comment) body["comment"] = *a.comment;
  if (a.data) {
    auto d = parse_data(*a.data);
    if (!d) return d.error();
    body["data"] = *d;
  }
  return {};
}

HttpCall json_call(std::string method, std::string target, const json& body) {
  return HttpCall{std::move(method), std::move(target), body.dump(), "application/json"};
}

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

// One row per value, for the table cells: control characters shown as '?' so a cell is one line.
std::string cell(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return s;
}

struct Reply {
  json envelope;
  std::string text;  // text/plain replies (export)
};

class Runner {
 public:
  Runner(const Args& a, ApiTransport& t, std::istream& in, std::ostream& out, std::ostream& err)
      : a_(a), t_(t), in_(in), out_(out), err_(err) {}

  int run() {
    switch (a_.command) {
      case Command::kZoneAdd: return zone_add();
      case Command::kZoneList: return zone_list();
      case Command::kZoneRm: return zone_rm();
      case Command::kZoneImport: return zone_import();
      case Command::kZoneExport: return zone_export();
      case Command::kRecordAdd: return record_add();
      case Command::kRecordList: return record_list();
      case Command::kRecordSet: return record_set();
      case Command::kRecordRm: return record_rm();
      case Command::kExplain: return explain();
      case Command::kDnssec:
        return dnssec();
      case Command::kNone: break;
    }
    err_ << "dnsedge: no command\n";
    return kExitUsage;
  }

 private:
  int usage_error(const Error& e) {
    err_ << "dnsedge: " << e.message << "\n";
    return exit_status(e);
  }

  // Sends one request. On failure prints the reason (the API's errors[] code and message) and
  // returns nothing; on success prints the API's messages[] to stderr.
  std::optional<Reply> exchange(const HttpCall& call, bool text_ok = false) {
    auto r = t_.send(call);
    if (!r) {
      err_ << "dnsedge: " << r.error().message << "\n";
      return std::nullopt;
    }
    const bool is_json = r->content_type.rfind("application/json", 0) == 0;
    if (text_ok && r->status == 200 && !is_json) return Reply{json(), std::move(r->body)};
    json env = json::parse(r->body, nullptr, false);
    if (env.is_discarded() || !env.is_object()) {
      err_ << "dnsedge: unexpected reply from the API at " << a_.api << " (HTTP " << r->status << ", "
           << (r->content_type.empty() ? "no content type" : r->content_type) << "): " << cell(r->body.substr(0, 200))
           << "\n";
      return std::nullopt;
    }
    const bool success = env.contains("success") && env["success"].is_boolean() && env["success"].get<bool>();
    if (r->status >= 300 || !success) {
      bool auth = false;
      if (env.contains("errors") && env["errors"].is_array() && !env["errors"].empty()) {
        for (const auto& e : env["errors"]) {
          const std::string code = str(e, "code");
          auth = auth || code == "9106" || code == "10000";
          err_ << "dnsedge: error " << code << ": " << str(e, "message") << "\n";
        }
      } else {
        err_ << "dnsedge: the API answered HTTP " << r->status << " without an error message\n";
      }
      if (auth) err_ << "dnsedge: (the API token comes from --token or DNSEDGE_API_TOKEN)\n";
      return std::nullopt;
    }
    if (env.contains("messages") && env["messages"].is_array()) {
      for (const auto& m : env["messages"]) {
        if (m.is_object()) {
          err_ << "dnsedge: note " << str(m, "code") << ": " << str(m, "message") << "\n";
        } else if (m.is_string()) {
          err_ << "dnsedge: note: " << m.get<std::string>() << "\n";
        }
      }
    }
    return Reply{std::move(env), ""};
  }

  void print_result(const json& result) { out_ << result.dump(2) << "\n"; }

  // The zone's id and name. `zone` is an id (its name is fetched only when `need_name`) or a name.
  struct ZoneRef {
    std::string id, name;
  };
  std::optional<ZoneRef> resolve_zone(const std::string& zone, bool need_name) {
    if (looks_like_id(zone)) {
      if (!need_name) return ZoneRef{ascii_lower(zone), ""};
      auto r = exchange(HttpCall{"GET", "/zones/" + ascii_lower(zone), "", ""});
      if (!r) return std::nullopt;
      return ZoneRef{ascii_lower(zone), str(r->envelope["result"], "name")};
    }
    const std::string name = strip_dot(ascii_lower(zone));
    auto r = exchange(zone_lookup_call(name));
    if (!r) return std::nullopt;
    const json& res = r->envelope["result"];
    for (const auto& z : res) {
      if (str(z, "name") == name) return ZoneRef{str(z, "id"), name};
    }
    err_ << "dnsedge: no zone named " << name << " (dnsedge zone list shows the zones)\n";
    return std::nullopt;
  }

  // The id of one record: `record` is an id, or a name that (with --type) matches one record.
  std::optional<std::string> resolve_record(const ZoneRef& z, const std::string& record) {
    if (looks_like_id(record)) return ascii_lower(record);
    const std::string fqdn = record_fqdn(record, z.name);
    auto r = exchange(record_lookup_call(z.id, fqdn, a_.type));
    if (!r) return std::nullopt;
    const json& res = r->envelope["result"];
    const std::string what = fqdn + (a_.type.empty() ? "" : " " + upper(a_.type));
    if (!res.is_array() || res.empty()) {
      err_ << "dnsedge: no record " << what << " in zone " << z.name << "\n";
      return std::nullopt;
    }
    if (res.size() > 1) {
      err_ << "dnsedge: " << what << " matches " << res.size() << " records; give the record id"
           << (a_.type.empty() ? " or --type" : "") << ":\n";
      std::vector<std::vector<std::string>> rows;
      for (const auto& rec : res) rows.push_back(record_row(rec));
      err_ << format_table(record_columns(), rows);
      return std::nullopt;
    }
    return str(res[0], "id");
  }

  // `explain NAME TYPE --api URL`: the served view of NAME from the running server
  // (GET /zones/{id}/dns_records/served?name=), in the zone that is NAME's longest suffix.
  int explain() {
    const std::string name = strip_dot(ascii_lower(a_.zone));
    const std::string type = upper(a_.type.empty() ? std::string("A") : a_.type);
    std::optional<ZoneRef> zone;
    for (std::string cand = name; !cand.empty() && !zone;) {
      auto r = exchange(zone_lookup_call(cand));
      if (!r) return kExitFailed;
      for (const auto& z : r->envelope["result"]) {
        if (str(z, "name") == cand) zone = ZoneRef{str(z, "id"), cand};
      }
      const size_t dot = cand.find('.');
      cand = dot == std::string::npos ? std::string() : cand.substr(dot + 1);
    }
    if (!zone) {
      err_ << "dnsedge: no zone at the API " << a_.api << " holds " << name << " (dnsedge zone list shows the zones)\n";
      return kExitFailed;
    }
    const std::string target = "/zones/" + zone->id + "/dns_records/served" + query_string({{"name", name}});
    auto r = exchange(HttpCall{"GET", target, "", ""});
    if (!r) return kExitFailed;
    const json& res = r->envelope["result"];
    json records = json::array(), other = json::array(), why = json::array();
    if (res.contains("records") && res["records"].is_array()) {
      for (const auto& rec : res["records"]) {
        (type == "ANY" || str(rec, "type") == type ? records : other).push_back(rec);
      }
    }
    if (res.contains("explain") && res["explain"].is_object() && res["explain"].contains(name)) {
      why = res["explain"][name];
    }
    if (a_.json) {
      json o = {{"name", name}, {"type", type}, {"zone", zone->name}, {"source", "api " + a_.api},
                {"served", records}, {"other_types", other}, {"why", why}};
      out_ << o.dump(2) << "\n";
      return 0;
    }
    auto line = [](const json& rec) {
      return str(rec, "name") + ". " + std::to_string(rec.value("ttl", 0)) + " IN " + str(rec, "type") + " " +
             str(rec, "content");
    };
    out_ << name << ". " << type << "  (zone " << zone->name << ", served view of the API at " << a_.api << ")\n";
    out_ << "served:\n";
    if (records.empty()) {
      out_ << "  (no " << type << " record served at this name"
           << (other.empty() ? "; no data at all: DNS answers from a wildcard, a delegation or NXDOMAIN" : "") << ")\n";
    }
    for (const auto& rec : records) out_ << "  " << line(rec) << "\n";
    for (const auto& rec : other) out_ << "  (other type) " << line(rec) << "\n";
    out_ << "why:\n";
    if (why.empty() && !records.empty()) out_ << "  served as stored (no proxying, flattening or dc-record involved)\n";
    for (const auto& w : why) out_ << "  - " << (w.is_string() ? w.get<std::string>() : w.dump()) << "\n";
    return 0;
  }

  // `dnssec ZONE`: the DS record of the zone's KSK (GET /zones/{id}/dnssec), to give the registrar.
  int dnssec() {
    auto z = resolve_zone(a_.zone, true);
    auto r = z ? exchange(HttpCall{"GET", "/zones/" + z->id + "/dnssec", "", ""}) : std::nullopt;
    if (!r) return kExitFailed;
    const json& res = r->envelope["result"];
    if (a_.json) {
      print_result(res);
      return 0;
    }
    const std::string ds = str(res, "ds"), status = str(res, "status");
    if (ds.empty()) {
      err_ << "dnsedge: DNSSEC is " << status << " for zone " << z->name << " (turn it on: PATCH /zones/" << z->id
           << "/dnssec {\"status\": \"active\"})\n";
      return kExitFailed;
    }
    out_ << ds << "\n";
    if (status == "pending") err_ << "dnsedge: note: status pending: DNS answers are not signed yet; " << kNotYet;
    return 0;
  }

  int zone_add() {
    auto call = zone_add_call(a_);
    if (!call) return usage_error(call.error());
    auto r = exchange(*call);
    if (!r) return kExitFailed;
    if (a_.json) {
      print_result(r->envelope["result"]);
    } else {
      out_ << format_table(zone_columns(), {zone_row(r->envelope["result"])});
    }
    return 0;
  }

  int zone_list() {
    json all = json::array();
    for (int page = 1;; ++page) {
      auto r = exchange(zone_list_call(page));
      if (!r) return kExitFailed;
      const json& res = r->envelope["result"];
      if (!res.is_array() || res.empty()) break;
      for (const auto& z : res) all.push_back(z);
      const json& info = r->envelope["result_info"];
      if (!info.is_object() || !info.contains("total_pages") || page >= info["total_pages"].get<int>()) break;
    }
    if (a_.json) {
      print_result(all);
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& z : all) rows.push_back(zone_row(z));
    out_ << format_table(zone_columns(), rows);
    return 0;
  }

  int zone_rm() {
    auto z = resolve_zone(a_.zone, false);
    if (!z) return kExitFailed;
    auto r = exchange(HttpCall{"DELETE", "/zones/" + z->id, "", ""});
    if (!r) return kExitFailed;
    if (a_.json) {
      print_result(r->envelope["result"]);
    } else {
      out_ << "deleted zone " << (z->name.empty() ? z->id : z->name + " (" + z->id + ")") << "\n";
    }
    return 0;
  }

  int zone_import() {
    std::string text;
    if (a_.file == "-") {
      text.assign(std::istreambuf_iterator<char>(in_), std::istreambuf_iterator<char>());
    } else {
      std::ifstream f(a_.file, std::ios::binary);
      if (!f) {
        err_ << "dnsedge: cannot read " << a_.file << ": " << std::strerror(errno) << "\n";
        return kExitUsage;
      }
      text.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    auto call = import_call("", text, a_.proxied);  // validates --proxied before any request
    if (!call) return usage_error(call.error());
    auto z = resolve_zone(a_.zone, false);
    if (!z) return kExitFailed;
    call = import_call(z->id, text, a_.proxied);
    auto r = exchange(*call);
    if (!r) return kExitFailed;
    const json& res = r->envelope["result"];
    if (a_.json) {
      print_result(res);
    } else {
      out_ << "imported " << str(res, "recs_added") << " new record(s) of " << str(res, "total_records_parsed")
           << " parsed into " << (z->name.empty() ? z->id : z->name) << "\n";
    }
    return 0;
  }

  int zone_export() {
    auto z = resolve_zone(a_.zone, false);
    if (!z) return kExitFailed;
    auto r = exchange(HttpCall{"GET", "/zones/" + z->id + "/dns_records/export", "", ""}, true);
    if (!r) return kExitFailed;
    out_ << r->text;
    return 0;
  }

  int record_add() {
    auto z = resolve_zone(a_.zone, false);
    if (!z) return kExitFailed;
    auto call = record_add_call(z->id, a_);
    if (!call) return usage_error(call.error());
    auto r = exchange(*call);
    if (!r) return kExitFailed;
    return print_record(r->envelope["result"]);
  }

  int print_record(const json& rec) {
    if (a_.json) {
      print_result(rec);
    } else {
      out_ << format_table(record_columns(), {record_row(rec)});
    }
    return 0;
  }

  int record_list() {
    auto first = record_list_call("0", a_, 1);  // validates the flags before any request
    if (!first) return usage_error(first.error());
    auto z = resolve_zone(a_.zone, !a_.name.empty());
    if (!z) return kExitFailed;
    Args a = a_;
    if (!a.name.empty()) a.name = record_fqdn(a.name, z->name);  // `_sip._tcp` is relative too
    json all = json::array();
    int page = 1;
    if (a_.page && !a_.all_pages) page = std::stoi(*a_.page);
    for (;; ++page) {
      auto call = record_list_call(z->id, a, page);
      auto r = exchange(*call);
      if (!r) return kExitFailed;
      const json& res = r->envelope["result"];
      for (const auto& rec : res) all.push_back(rec);
      const json& info = r->envelope["result_info"];
      const int total_pages = info.is_object() && info.contains("total_pages") ? info["total_pages"].get<int>() : 0;
      if (!a_.all_pages) {
        if (page < total_pages) {
          err_ << "dnsedge: page " << page << " of " << total_pages << " (" << str(info, "total_count")
               << " records); --all lists every page\n";
        }
        break;
      }
      if (res.empty() || page >= total_pages) break;
    }
    if (a_.json) {
      print_result(all);
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& rec : all) rows.push_back(record_row(rec));
    out_ << format_table(record_columns(), rows);
    return 0;
  }

  int record_set() {
    auto check = record_set_call("0", "0", a_);  // validates the flags before any request
    if (!check) return usage_error(check.error());
    auto z = resolve_zone(a_.zone, !looks_like_id(a_.record));
    if (!z) return kExitFailed;
    auto id = resolve_record(*z, a_.record);
    if (!id) return kExitFailed;
    auto r = exchange(*record_set_call(z->id, *id, a_));
    if (!r) return kExitFailed;
    return print_record(r->envelope["result"]);
  }

  int record_rm() {
    auto z = resolve_zone(a_.zone, !looks_like_id(a_.record));
    if (!z) return kExitFailed;
    auto id = resolve_record(*z, a_.record);
    if (!id) return kExitFailed;
    auto r = exchange(HttpCall{"DELETE", "/zones/" + z->id + "/dns_records/" + *id, "", ""});
    if (!r) return kExitFailed;
    if (a_.json) {
      print_result(r->envelope["result"]);
    } else {
      out_ << "deleted record " << *id << "\n";
    }
    return 0;
  }

  const Args& a_;
  ApiTransport& t_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
};

}  // namespace

// --- pure parts ---

bool looks_like_id(const std::string& s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string record_fqdn(const std::string& name, const std::string& zone) {
  const std::string n = strip_dot(ascii_lower(name));
  const std::string z = strip_dot(ascii_lower(zone));
  if (n == "@" || n.empty()) return z;
  if (z.empty() || n == z) return n;
  if (n.size() > z.size() && n.compare(n.size() - z.size(), z.size(), z) == 0 && n[n.size() - z.size() - 1] == '.') {
    return n;
  }
  return n + "." + z;
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    q += (q.empty() ? "?" : "&") + url_encode(k) + "=" + url_encode(v);
  }
  return q;
}

Result<HttpCall> zone_add_call(const Args& a) {
  if (a.zone.empty()) return usage("zone add: NAME is required");
  json body = {{"name", a.zone}};
  if (!a.account.empty()) body["account"] = {{"id", a.account}};
  if (!a.zone_type.empty()) {
    const std::string t = ascii_lower(a.zone_type);
    if (t != "full" && t != "secondary") return usage("--type " + a.zone_type + ": expected full or secondary");
    body["type"] = t;
  }
  return json_call("POST", "/zones", body);
}

HttpCall zone_lookup_call(const std::string& name) {
  return HttpCall{"GET", "/zones" + query_string({{"name", name}}), "", ""};
}

HttpCall zone_list_call(int page) {
  return HttpCall{"GET", "/zones" + query_string({{"page", std::to_string(page)}, {"per_page", "1000"}}), "", ""};
}

Result<HttpCall> record_add_call(const std::string& zone_id, const Args& a) {
  if (a.name.empty() || a.type.empty()) return usage("record add: ZONE NAME TYPE [CONTENT] are required");
  if (!a.content && !a.data) return usage("record add: give CONTENT, or --data for structured types (SRV, CAA, ...)");
  json body = {{"name", a.name}, {"type", upper(a.type)}};
  if (auto f = add_record_fields(a, body); !f) return f.error();
  if (a.proxied_flag) body["proxied"] = true;
  return json_call("POST", "/zones/" + zone_id + "/dns_records", body);
}

Result<HttpCall> record_list_call(const std::string& zone_id, const Args& a, int page) {
  std::vector<std::pair<std::string, std::string>> q;
  if (!a.type.empty()) q.emplace_back("type", upper(a.type));
  if (!a.name.empty()) q.emplace_back("name", a.name);
  int per_page = a.all_pages ? kAllPerPage : kListPerPage;
  if (a.per_page) {
    auto p = parse_int("--per-page", *a.per_page, 1, 50000);
    if (!p) return p.error();
    per_page = *p;
  }
  if (a.page) {
    auto p = parse_int("--page", *a.page, 1, 1000000000);
    if (!p) return p.error();
    if (a.all_pages) return usage("record list: --page and --all exclude each other");
  }
  q.emplace_back("page", std::to_string(page));
  q.emplace_back("per_page", std::to_string(per_page));
  return HttpCall{"GET", "/zones/" + zone_id + "/dns_records" + query_string(q), "", ""};
}

Result<HttpCall> record_set_call(const std::string& zone_id, const std::string& record_id, const Args& a) {
  json body = json::object();
  if (auto f = add_record_fields(a, body); !f) return f.error();
  if (a.proxied) {
    auto p = parse_bool("--proxied", *a.proxied);
    if (!p) return p.error();
    body["proxied"] = *p;
  }
  if (a.new_name) body["name"] = *a.new_name;
  if (body.empty()) {
    return usage("record set: nothing to change (give --content, --ttl, --proxied, --priority, --comment, --data or --new-name)");
  }
  return json_call("PATCH", "/zones/" + zone_id + "/dns_records/" + record_id, body);
}

HttpCall record_lookup_call(const std::string& zone_id, const std::string& fqdn, const std::string& type) {
  std::vector<std::pair<std::string, std::string>> q{{"name", fqdn}};
  if (!type.empty()) q.emplace_back("type", upper(type));
  q.emplace_back("per_page", std::to_string(kLookupPerPage));
  return HttpCall{"GET", "/zones/" + zone_id + "/dns_records" + query_string(q), "", ""};
}

Result<HttpCall> import_call(const std::string& zone_id, const std::string& file_text,
                             const std::optional<std::string>& proxied) {
  if (proxied) {
    auto p = parse_bool("--proxied", *proxied);
    if (!p) return p.error();
  }
  // A boundary that does not occur in the file (RFC 2046 §5.1.1).
  std::mt19937_64 rng(std::hash<std::string>{}(file_text));
  std::string boundary;
  do {
    std::ostringstream b;
    b << "dnsedge-cli-" << std::hex << rng() << rng();
    boundary = b.str();
  } while (file_text.find(boundary) != std::string::npos);
  std::string body;
  body += "--" + boundary + "\r\n";
  body += "Content-Disposition: form-data; name=\"file\"; filename=\"zone.txt\"\r\n";
  body += "Content-Type: text/plain\r\n\r\n";
  body += file_text;
  body += "\r\n";
  if (proxied) {
    body += "--" + boundary + "\r\n";
    body += "Content-Disposition: form-data; name=\"proxied\"\r\n\r\n";
    body += ascii_lower(*proxied) + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return HttpCall{"POST", "/zones/" + zone_id + "/dns_records/import", std::move(body),
                  "multipart/form-data; boundary=" + boundary};
}

std::string format_table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(head.size(), 0);
  auto measure = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  };
  measure(head);
  for (const auto& r : rows) measure(r);
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    std::string l;
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string v = i < r.size() ? r[i] : "";
      l += v;
      if (i + 1 < width.size()) l += std::string(width[i] - v.size() + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(head);
  for (const auto& r : rows) line(r);
  return out;
}

std::vector<std::string> record_columns() { return {"ID", "NAME", "TYPE", "CONTENT", "PRIO", "TTL", "PROXIED"}; }

std::vector<std::string> record_row(const json& r) {
  std::string ttl = str(r, "ttl");
  if (ttl == "1") ttl = "auto";
  std::string proxied = "-";
  if (r.contains("proxiable") && r["proxiable"].is_boolean() && r["proxiable"].get<bool>()) {
    proxied = r.contains("proxied") && r["proxied"].is_boolean() && r["proxied"].get<bool>() ? "yes" : "no";
  }
  return {str(r, "id"), cell(str(r, "name")), str(r, "type"), cell(str(r, "content")), str(r, "priority"), ttl, proxied};
}

std::vector<std::string> zone_columns() { return {"ID", "NAME", "STATUS", "SOURCE"}; }

std::vector<std::string> zone_row(const json& z) {
  std::string source = "api";
  if (z.contains("meta") && z["meta"].is_object()) {
    const json& m = z["meta"];
    if (m.contains("file_backed") && m["file_backed"].is_boolean() && m["file_backed"].get<bool>()) {
      source = "file " + str(m, "file");
    }
  }
  return {str(z, "id"), cell(str(z, "name")), str(z, "status"), cell(source)};
}

// --- running ---

int run(const Args& args, ApiTransport& transport, std::istream& in, std::ostream& out, std::ostream& err) {
  return Runner(args, transport, in, out, err).run();
}

int run(const Args& args) {
  auto url = parse_api_url(args.api);
  if (!url) {
    std::cerr << "dnsedge: " << url.error().message << "\n";
    return kExitUsage;
  }
  BeastTransport transport(*url, args.token);
  return run(args, transport, std::cin, std::cout, std::cerr);
}

// --- command-line registration ---

struct CliCommands::Bound {
  Args args;
  std::vector<std::pair<CLI::App*, Command>> commands;
  // Optional values: bound to strings, copied into args when their option was given.
  struct Opt {
    CLI::Option* option;
    std::string value;
    std::optional<std::string> Args::*field;
  };
  std::vector<std::unique_ptr<Opt>> opts;
  std::string api, token;
  std::vector<CLI::Option*> api_options, token_options;

  void optional(CLI::App* cmd, const std::string& flag, std::optional<std::string> Args::*field, const std::string& help) {
    auto o = std::make_unique<Opt>();
    o->option = cmd->add_option(flag, o->value, help);
    o->field = field;
    opts.push_back(std::move(o));
  }
};

CliCommands::CliCommands(CLI::App& app, CLI::App& zone) : b_(std::make_shared<Bound>()) {
  Args& a = b_->args;
  // --api/--token fall back to the environment in args() (not CLI11's envname: `zone` and
  // `record` both declare them, and the environment must not override a flag given to either).
  auto globals = [&](CLI::App* cmd) {
    b_->api_options.push_back(
        cmd->add_option("--api", b_->api, "API base URL (default http://127.0.0.1:8080/client/v4, env DNSEDGE_API)"));
    b_->token_options.push_back(cmd->add_option("--token", b_->token, "API token (env DNSEDGE_API_TOKEN)"));
    cmd->add_flag("--json", a.json, "print the API's result JSON instead of a table");
  };
  auto leaf = [&](CLI::App* parent, const char* name, const char* help, Command c) {
    CLI::App* cmd = parent->add_subcommand(name, help);
    cmd->fallthrough();  // --api/--token/--json may follow the command
    cmd->footer("Also: --api URL (env DNSEDGE_API), --token T (env DNSEDGE_API_TOKEN), --json. See docs/cli.md.");
    b_->commands.emplace_back(cmd, c);
    return cmd;
  };
  globals(&zone);
  CLI::App* record = app.add_subcommand("record", "Record commands over the REST API (docs/cli.md)");
  record->require_subcommand(1);
  globals(record);

  auto* zadd = leaf(&zone, "add", "Create an API zone", Command::kZoneAdd);
  zadd->add_option("name", a.zone, "zone name")->required();
  zadd->add_option("--account", a.account, "account id (default: the default account)");
  zadd->add_option("--type", a.zone_type, "full (default) or secondary");
  leaf(&zone, "list", "List the zones (API and file-backed)", Command::kZoneList);
  auto* zrm = leaf(&zone, "rm", "Delete a zone and its records", Command::kZoneRm);
  zrm->add_option("zone", a.zone, "zone name or id")->required();
  auto* zimp = leaf(&zone, "import", "Import a zone file's records (all or nothing)", Command::kZoneImport);
  zimp->add_option("zone", a.zone, "zone name or id")->required();
  zimp->add_option("file", a.file, "zone file, - for stdin")->required();
  b_->optional(zimp, "--proxied", &Args::proxied, "true|false: proxy A/AAAA/CNAME lines without a cf-proxied tag");
  auto* zexp = leaf(&zone, "export", "Print the zone's records as a zone file", Command::kZoneExport);
  zexp->add_option("zone", a.zone, "zone name or id")->required();

  auto* dnssec = leaf(&app, "dnssec", "Print the DS record of a zone's DNSSEC key (docs/dnssec.md)", Command::kDnssec);
  dnssec->add_option("zone", a.zone, "zone name or id")->required();
  globals(dnssec);

  auto* radd = leaf(record, "add", "Create a record", Command::kRecordAdd);
  radd->add_option("zone", a.zone, "zone name or id")->required();
  radd->add_option("name", a.name, "record name: @, relative (www) or full")->required();
  radd->add_option("type", a.type, "record type (A, AAAA, CNAME, MX, TXT, SRV, CAA, ...)")->required();
  b_->optional(radd, "content", &Args::content, "content (optional with --data)");
  b_->optional(radd, "--ttl", &Args::ttl, "seconds (30..86400) or auto (default)");
  radd->add_flag("--proxied", a.proxied_flag, "proxy the record (A, AAAA, CNAME)");
  b_->optional(radd, "--priority", &Args::priority, "MX/SRV/URI priority");
  b_->optional(radd, "--comment", &Args::comment, "comment");
  b_->optional(radd, "--data", &Args::data, "structured data as a JSON object (SRV, CAA, ...)");

  auto* rlist = leaf(record, "list", "List a zone's records", Command::kRecordList);
  rlist->add_option("zone", a.zone, "zone name or id")->required();
  rlist->add_option("--type", a.type, "only this type");
  rlist->add_option("--name", a.name, "only this name (@, relative or full)");
  rlist->add_flag("--all", a.all_pages, "every page, not only the first");
  b_->optional(rlist, "--page", &Args::page, "page number (from 1)");
  b_->optional(rlist, "--per-page", &Args::per_page, "records per page (default 100)");

  auto* rset = leaf(record, "set", "Change fields of a record (PATCH)", Command::kRecordSet);
  rset->add_option("zone", a.zone, "zone name or id")->required();
  rset->add_option("record", a.record, "record id, or name (with --type when the name has several)")->required();
  rset->add_option("--type", a.type, "type of the record to change, when RECORD is a name");
  b_->optional(rset, "--content", &Args::content, "new content");
  b_->optional(rset, "--ttl", &Args::ttl, "seconds or auto");
  b_->optional(rset, "--proxied", &Args::proxied, "true|false");
  b_->optional(rset, "--priority", &Args::priority, "MX/SRV/URI priority");
  b_->optional(rset, "--comment", &Args::comment, "comment");
  b_->optional(rset, "--data", &Args::data, "structured data as a JSON object");
  b_->optional(rset, "--new-name", &Args::new_name, "rename the record");

  auto* rrm = leaf(record, "rm", "Delete a record", Command::kRecordRm);
  rrm->add_option("zone", a.zone, "zone name or id")->required();
  rrm->add_option("record", a.record, "record id, or name (with --type when the name has several)")->required();
  rrm->add_option("--type", a.type, "type of the record to delete, when RECORD is a name");
}

bool CliCommands::parsed() const {
  return std::any_of(b_->commands.begin(), b_->commands.end(), [](const auto& c) { return c.first->parsed(); });
}

Args CliCommands::args() const {
  Args a = b_->args;
  for (const auto& [cmd, c] : b_->commands) {
    if (cmd->parsed()) a.command = c;
  }
  for (const auto& o : b_->opts) {
    if (o->option->count() > 0) a.*(o->field) = o->value;
  }
  auto given = [](const std::vector<CLI::Option*>& opts) {
    return std::any_of(opts.begin(), opts.end(), [](const CLI::Option* o) { return o->count() > 0; });
  };
  const char* env_api = std::getenv("DNSEDGE_API");
  const char* env_token = std::getenv("DNSEDGE_API_TOKEN");
  a.api = given(b_->api_options) ? b_->api : (env_api != nullptr && *env_api != '\0' ? env_api : kDefaultApi);
  a.token = given(b_->token_options) ? b_->token : (env_token != nullptr ? env_token : "");
  return a;
}

}  // namespace dnsedge::app::cli
