#pragma once
// Findings and the report of one doctor run, and their two renderings (JSON, human text).
// The ids are stable: they are the contract with scripts and are listed in docs/doctor.md.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnsedge::doctor {

// error: mail fails or a record is ignored; warning: mail works but is exposed or fragile;
// info: everything else worth knowing.
enum class Severity : uint8_t { kError, kWarning, kInfo };

std::string_view severity_name(Severity s) noexcept;  // "error", "warning", "info"

struct Finding {
  std::string id;  // "mx.target_cname"
  Severity severity = Severity::kInfo;
  std::string title;                 // one line
  std::vector<std::string> records;  // the records involved, presentation form, one RR each
  std::string explanation;           // plain language; may hold several lines (an SPF tree)
  std::string fix;                   // the exact change, with the records to publish or delete
};

struct Report {
  std::string domain;             // presentation form, "example.com."
  std::string mode;               // "local" | "live"
  std::string checked_at;         // RFC 3339 UTC, "2026-01-02T03:04:05Z"
  std::vector<Finding> findings;  // errors first, then warnings, then infos; stable order
  // False when the checks could not run (the domain's own MX/TXT lookups failed, the time limit
  // ran out before they were asked): then `not_checked` says why and the exit status is 2.
  bool checked = true;
  std::vector<std::string> not_checked;

  size_t count(Severity s) const noexcept;
};

// {"domain","mode","checked_at","findings":[{id,severity,title,records,explanation,fix}],
//  "summary":{"error","warning","info"},"checked","not_checked"}
std::string to_json(const Report& report);
// Grouped by severity; ANSI colours only when `color`.
std::string to_text(const Report& report, bool color);

// 0: no errors; 1: errors found; 2: could not check.
int exit_status(const Report& report) noexcept;

}  // namespace dnsedge::doctor
