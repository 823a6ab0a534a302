#pragma once
// SPF records (RFC 7208): parsing to terms, and the check that walks the include/redirect tree
// counting DNS-querying terms (§4.6.4: at most 10) and void lookups (at most 2).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace dnsedge::doctor::spf {

enum class Kind : uint8_t { kAll, kInclude, kA, kMx, kPtr, kIp4, kIp6, kExists, kRedirect, kExp, kModifier };

struct Term {
  Kind kind = Kind::kAll;
  char qualifier = '+';  // '+', '-', '~', '?'
  std::string text;      // as written
  std::string domain;    // domain-spec as written ("" = the current domain)
  bool macro = false;    // domain-spec holds a macro (%{...}): not followed
  std::string network;   // ip4/ip6: 4 or 16 octets
  int prefix = -1;       // ip4/ip6 CIDR, -1 = host
  size_t pos = 0;        // offset in the record

  // True for the terms that cost a DNS lookup (RFC 7208 §4.6.4).
  bool counts() const noexcept {
    return kind == Kind::kInclude || kind == Kind::kA || kind == Kind::kMx || kind == Kind::kPtr ||
           kind == Kind::kExists || kind == Kind::kRedirect;
  }
};

struct Record {
  std::vector<Term> terms;
  const Term* find(Kind k) const;
};

// True when `txt` is an SPF record: "v=spf1" (any case) followed by a space or the end.
bool is_spf(std::string_view txt);

// Parses a record that is_spf(). The error message names the problem and marks the place:
//   "unknown mechanism \"foo\" at position 12: v=spf1 ... >>foo<< ..."
Result<Record> parse(std::string_view txt);

}  // namespace dnsedge::doctor::spf
