#pragma once
// The state of one doctor run shared by the checks: the domain, the Source behind a memo and a
// deadline, and the findings collected so far. Internal to the doctor module.
//
// Thread safety: one run, one thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "doctor/doctor.h"
#include "doctor/report.h"
#include "doctor/source.h"

namespace dnsedge::doctor {

class Context {
 public:
  Context(std::string domain, Source& source, const Options& options);

  const std::string& domain() const noexcept { return domain_; }  // wire, lowercase
  std::string domain_text() const;
  const Options& options() const noexcept { return options_; }
  const ProxyFacts* facts() const { return source_.facts(); }
  std::string_view mode() const { return source_.mode(); }

  // Memoized lookup bounded by the overall deadline: once it has passed, every lookup ends at
  // once with kTimeout ("time limit of N s reached").
  const Lookup& lookup(std::string_view name, uint16_t type);
  bool out_of_time() const;

  void add(Finding f);
  // A lookup a check needed failed: a `doctor.lookup_failed` warning naming what could not be
  // checked (once per name and type).
  void lookup_failed(std::string_view what, std::string_view name, uint16_t type, const Lookup& l);
  // The domain itself could not be checked (exit status 2).
  void not_checked(std::string why);

  // The findings sorted (errors, warnings, infos; then in the order added), duplicates merged.
  Report finish();

 private:
  std::string domain_;
  Source& source_;
  Options options_;
  std::chrono::steady_clock::time_point deadline_;
  std::map<std::pair<std::string, uint16_t>, Lookup> cache_;
  std::vector<std::pair<std::string, uint16_t>> failed_;
  std::vector<Finding> findings_;
  std::vector<std::string> not_checked_;
  bool timed_out_ = false;
};

}  // namespace dnsedge::doctor
