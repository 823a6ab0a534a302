#include "doctor/context.h"

#include <algorithm>

#include "dns/name.h"
#include "dns/types.h"
#include "doctor/util.h"

namespace dnsedge::doctor {

Context::Context(std::string domain, Source& source, const Options& options)
    : domain_(std::move(domain)),
      source_(source),
      options_(options),
      deadline_(std::chrono::steady_clock::now() + options.budget) {}

std::string Context::domain_text() const { return name_text(domain_); }

bool Context::out_of_time() const { return std::chrono::steady_clock::now() >= deadline_; }

const Lookup& Context::lookup(std::string_view name, uint16_t type) {
  auto key = std::make_pair(std::string(name), type);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  Lookup l;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    l.status = Lookup::Status::kTimeout;
    const auto ms = options_.budget.count();
    l.error = "the time limit of " + (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms") +
              " for the whole check was reached first";
    if (!timed_out_) {
      timed_out_ = true;
      not_checked_.push_back("time limit reached: lookups from " + name_text(name) + " " + dns::type_to_string(type) +
                             " on were not made");
    }
  } else {
    try {
      l = source_.lookup(name, type, left);
    } catch (const std::exception& e) {  // boundary: a Source must not throw, but never crash
      l = Lookup{};
      l.status = Lookup::Status::kError;
      l.error = std::string("internal error: ") + e.what();
    }
  }
  return cache_.emplace(std::move(key), std::move(l)).first->second;
}

namespace {

// Sentences that end with a domain name ("... at mail.example.com.") would show two dots.
std::string tidy(std::string s) {
  auto name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.' && i + 1 < s.size() && s[i + 1] == '.' && i > 0 && name_char(s[i - 1]) &&
        (i + 2 >= s.size() || s[i + 2] != '.')) {
      continue;
    }
    out += s[i];
  }
  return out;
}

}  // namespace

void Context::add(Finding f) {
  f.title = tidy(std::move(f.title));
  f.explanation = tidy(std::move(f.explanation));
  f.fix = tidy(std::move(f.fix));
  for (const auto& g : findings_) {
    if (g.id == f.id && g.records == f.records && g.title == f.title) return;
  }
  findings_.push_back(std::move(f));
}

void Context::lookup_failed(std::string_view what, std::string_view name, uint16_t type, const Lookup& l) {
  const auto key = std::make_pair(std::string(name), type);
  if (std::find(failed_.begin(), failed_.end(), key) != failed_.end()) return;
  failed_.push_back(key);
  Finding f;
  f.id = "doctor.lookup_failed";
  f.severity = Severity::kWarning;
  f.title = "Could not check " + std::string(what) + ": " + name_text(name) + " " + dns::type_to_string(type) +
            " lookup failed";
  f.records = {name_text(name) + " " + dns::type_to_string(type) + " -> " + l.failure()};
  f.explanation = "The lookup of " + name_text(name) + " " + dns::type_to_string(type) + " ended with " + l.failure() +
                  ", so " + std::string(what) +
                  " was not checked. Receivers that hit the same failure treat it as a temporary error "
                  "(SPF temperror, deferred delivery).";
  f.fix = "Make sure the name servers for " + name_text(name) + " answer, then run the doctor again.";
  add(std::move(f));
}

void Context::not_checked(std::string why) { not_checked_.push_back(std::move(why)); }

Report Context::finish() {
  Report r;
  r.domain = domain_text();
  r.mode = std::string(source_.mode());
  r.checked_at = options_.checked_at;
  for (Severity s : {Severity::kError, Severity::kWarning, Severity::kInfo}) {
    for (const auto& f : findings_) {
      if (f.severity == s) r.findings.push_back(f);
    }
  }
  r.not_checked = not_checked_;
  r.checked = not_checked_.empty();
  return r;
}

}  // namespace dnsedge::doctor
