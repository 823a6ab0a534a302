#pragma once
// `dnsedge zone add|list|rm|import|export` and `dnsedge record add|list|set|rm`: a command-line
// client of the REST API (docs/cli.md). Each command becomes one or a few HTTP requests; the
// mapping (Args → HttpCall) and the table output are pure functions, tested in cli_test.cc.
//
// ZONE is a zone id (32 hex) or a zone name (looked up with GET /zones?name=). RECORD is a record
// id, or a record name (`@`, relative `www`, or full) that, with `--type` if given, must match
// exactly one record of the zone.
//
// Exit status: 0 done; 1 the API refused (its errors[] code and message on stderr) or could not be
// reached; 2 usage error (bad flag value, nothing to change, ...).

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli_client.h"
#include "common/errors.h"
#include "common/result.h"

namespace dnsedge::app::cli {

// The exit statuses of the error model (common/errors.h exit_status()): a usage error's, and
// every other failure's (an API refusal of any kind, an unreachable API).
inline constexpr int kExitUsage = exit_status(ErrorKind::kUsage);
inline constexpr int kExitFailed = exit_status(ErrorKind::kInternal);

enum class Command {
  kNone,
  kZoneAdd,
  kZoneList,
  kZoneRm,
  kZoneImport,
  kZoneExport,
  kRecordAdd,
  kRecordList,
  kRecordSet,
  kRecordRm,
  kExplain /* `explain NAME TYPE --api URL`: zone = NAME, type = TYPE */,
  kDnssec /* `dnssec ZONE`: the DS of the zone's KSK */
};

// What the command line said, after parsing. Optional fields are the flags that were given.
struct Args {
  std::string api = kDefaultApi;
  std::string token;
  bool json = false;
  Command command = Command::kNone;

  std::string zone;    // ZONE (or NAME of `zone add`)
  std::string record;  // RECORD of set/rm
  std::string account, zone_type;  // zone add
  std::string file;                // zone import ("-" = stdin)
  std::optional<std::string> proxied;  // "true"/"false": import, set; add uses proxied_flag
  bool proxied_flag = false;

  std::string name, type;               // record add (positional); list/set/rm filters (--name, --type)
  std::optional<std::string> content;   // record add positional CONTENT / set --content
  std::optional<std::string> ttl;       // N or "auto"
  std::optional<std::string> priority;
  std::optional<std::string> comment;
  std::optional<std::string> data;      // JSON object
  std::optional<std::string> new_name;  // set --new-name

  bool all_pages = false;  // record list --all
  std::optional<std::string> page, per_page;
};

// Registers `zone add|list|rm|import|export` under `zone` (which main.cc owns, with `zone check`)
// and `record ...` under `app`. The returned object fills `args` once parsed.
class CliCommands {
 public:
  CliCommands(CLI::App& app, CLI::App& zone);
  // True when one of these commands was given; then args() is complete.
  bool parsed() const;
  Args args() const;

 private:
  struct Bound;
  std::shared_ptr<Bound> b_;
};

// Runs the command against `transport`, reading `zone import -` from `in`.
int run(const Args& args, ApiTransport& transport, std::istream& in, std::ostream& out, std::ostream& err);
// Builds the transport from args.api / args.token and runs.
int run(const Args& args);

// --- the pure parts (exposed for tests) ---

// "@" → zone; "www" → "www.zone"; "www.zone." → "www.zone"; a name already at or below the zone
// stays as is; anything else is taken as relative ("mail.sub" → "mail.sub.zone").
std::string record_fqdn(const std::string& name, const std::string& zone);
bool looks_like_id(const std::string& s);
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

Result<HttpCall> zone_add_call(const Args& a);
HttpCall zone_lookup_call(const std::string& name);
HttpCall zone_list_call(int page);
Result<HttpCall> record_add_call(const std::string& zone_id, const Args& a);
Result<HttpCall> record_list_call(const std::string& zone_id, const Args& a, int page);
Result<HttpCall> record_set_call(const std::string& zone_id, const std::string& record_id, const Args& a);
HttpCall record_lookup_call(const std::string& zone_id, const std::string& fqdn, const std::string& type);
Result<HttpCall> import_call(const std::string& zone_id, const std::string& file_text,
                             const std::optional<std::string>& proxied);

// Aligned columns, two spaces apart, the last column not padded; one line per row.
std::string format_table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows);
std::vector<std::string> record_columns();
std::vector<std::string> record_row(const nlohmann::ordered_json& record);
std::vector<std::string> zone_columns();
std::vector<std::string> zone_row(const nlohmann::ordered_json& zone);

}  // namespace dnsedge::app::cli
