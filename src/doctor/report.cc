#include "doctor/report.h"

#include <nlohmann/json.hpp>

namespace dnsedge::doctor {

std::string_view severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "info";
  }
  return "info";
}

size_t Report::count(Severity s) const noexcept {
  size_t n = 0;
  for (const auto& f : findings) n += f.severity == s ? 1 : 0;
  return n;
}

std::string to_json(const Report& report) {
  nlohmann::ordered_json j;
  j["domain"] = report.domain;
  j["mode"] = report.mode;
  j["checked_at"] = report.checked_at;
  j["findings"] = nlohmann::ordered_json::array();
  for (const auto& f : report.findings) {
    nlohmann::ordered_json o;
    o["id"] = f.id;
    o["severity"] = severity_name(f.severity);
    o["title"] = f.title;
    o["records"] = f.records;
    o["explanation"] = f.explanation;
    o["fix"] = f.fix;
    j["findings"].push_back(std::move(o));
  }
  j["summary"] = {{"error", report.count(Severity::kError)},
                  {"warning", report.count(Severity::kWarning)},
                  {"info", report.count(Severity::kInfo)}};
  j["checked"] = report.checked;
  j["not_checked"] = report.not_checked;
  // Invalid UTF-8 in a record (TXT data is arbitrary octets) is replaced, never thrown about.
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

namespace {

std::string indent(const std::string& text, const std::string& pad) {
  std::string out = pad;
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\n' && i + 1 < text.size()) out += pad;
  }
  return out;
}

}  // namespace

std::string to_text(const Report& report, bool color) {
  auto paint = [&](const char* code, std::string_view s) {
    return color ? std::string("\033[") + code + "m" + std::string(s) + "\033[0m" : std::string(s);
  };
  std::string out = "Mail doctor for " + report.domain + " (" + report.mode + " mode, " + report.checked_at + ")\n";
  if (!report.checked) {
    out += paint("1;31", "COULD NOT CHECK") + "\n";
    for (const auto& w : report.not_checked) out += "  - " + w + "\n";
  }
  struct Group {
    Severity s;
    const char* heading;
    const char* colour;
  };
  for (const Group g : {Group{Severity::kError, "ERRORS", "1;31"}, Group{Severity::kWarning, "WARNINGS", "1;33"},
                        Group{Severity::kInfo, "INFO", "1;36"}}) {
    if (report.count(g.s) == 0) continue;
    out += "\n" + paint(g.colour, std::string(g.heading) + " (" + std::to_string(report.count(g.s)) + ")") + "\n";
    for (const auto& f : report.findings) {
      if (f.severity != g.s) continue;
      out += "\n  " + paint(g.colour, "[" + f.id + "]") + " " + f.title + "\n";
      for (const auto& r : f.records) out += "      " + r + "\n";
      if (!f.explanation.empty()) out += indent(f.explanation, "    ") + "\n";
      if (!f.fix.empty()) out += indent("Fix: " + f.fix, "    ") + "\n";
    }
  }
  if (report.checked && report.not_checked.empty() && report.findings.empty()) out += "\nNo findings.\n";
  out += "\nSummary: " + std::to_string(report.count(Severity::kError)) + " error(s), " +
         std::to_string(report.count(Severity::kWarning)) + " warning(s), " +
         std::to_string(report.count(Severity::kInfo)) + " info\n";
  return out;
}

int exit_status(const Report& report) noexcept {
  if (!report.checked) return 2;
  return report.count(Severity::kError) > 0 ? 1 : 0;
}

}  // namespace dnsedge::doctor
