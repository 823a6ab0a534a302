#pragma once
// Tag-lists, the "name=value; name=value" syntax of DKIM key records (RFC 6376 §3.2), DMARC
// (RFC 7489 §6.4), MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3) records.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace dnsedge::doctor {

struct Tag {
  std::string name;   // as written
  std::string value;  // surrounding whitespace removed
};

// Splits `text` at ';' (a trailing ';' is allowed). Fails, naming the place, for a tag without
// '=', an empty or invalid tag name (ALPHA / DIGIT / "_" / "-" / "."; starting with a letter or
// digit), and a tag that appears twice.
Result<std::vector<Tag>> parse_tags(std::string_view text);

const Tag* find_tag(const std::vector<Tag>& tags, std::string_view name);

// Organizational domain (RFC 7489 §3.2) approximated without the Public Suffix List: the last
// two labels, or three under a two-letter country code whose second level is a common generic
// one (co, com, net, org, gov, edu, ac, ...). Wire form in and out.
std::string org_domain(std::string_view wire);

// Strict base64 (RFC 4648 §4), whitespace inside ignored. nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace dnsedge::doctor
