#pragma once
// LiveSource: the doctor's view of DNS as the rest of the world sees it, through
// resolve::Resolver (libunbound): forwarding to given servers (`--server`, `--upstream`) or full
// recursion. Knows nothing about proxying (facts() is null).
//
// Each lookup waits at most min(budget, LiveOptions::timeout); a lookup still running then is
// abandoned (its late answer is dropped) and reported as kTimeout.
//
// Thread safety: lookup() from one thread at a time.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "doctor/source.h"
#include "resolve/resolver.h"

namespace dnsedge::doctor {

struct LiveOptions {
  std::vector<std::string> servers;         // "127.0.0.1:5300", ...; empty: full recursion
  std::chrono::milliseconds timeout{3000};  // one lookup
};

class LiveSource : public Source {
 public:
  static Result<std::unique_ptr<LiveSource>> create(const LiveOptions& options);

  Lookup lookup(std::string_view name, uint16_t type, std::chrono::milliseconds budget) override;
  std::string_view mode() const override { return "live"; }
  resolve::Resolver& resolver() { return *resolver_; }

  // Converts a Resolver outcome (exposed for tests).
  static Lookup from_result(const Result<resolve::Answer>& r);

 private:
  LiveSource(std::unique_ptr<resolve::Resolver> r, LiveOptions o) : resolver_(std::move(r)), options_(std::move(o)) {}
  std::unique_ptr<resolve::Resolver> resolver_;
  LiveOptions options_;
};

}  // namespace dnsedge::doctor
