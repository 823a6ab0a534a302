#include "dns/types.h"

#include <array>
#include <cctype>
#include <string>

extern "C" {
#include <libknot/descriptor.h>
}

namespace dnsedge::dns {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// RFC 3597 §5: "TYPE" followed by the decimal type number. Strict: 1-5 digits, no sign, no
// spaces, at most 65535 (libknot's parser is more lenient: it accepts "TYPE 1" and "TYPE+1").
std::optional<uint16_t> parse_generic_type(std::string_view text) {
  constexpr std::string_view kPrefix = "TYPE";
  if (text.size() <= kPrefix.size() || text.size() > kPrefix.size() + 5 ||
      !iequals(text.substr(0, kPrefix.size()), kPrefix)) {
    return std::nullopt;
  }
  uint32_t value = 0;
  for (char c : text.substr(kPrefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 0xFFFF) return std::nullopt;
  return static_cast<uint16_t>(value);
}

struct RcodeName {
  uint16_t rcode;
  std::string_view name;
};

// RFC 1035 §4.1.1, RFC 2136 §2.2 (NOTAUTH), RFC 6891 §9 (BADVERS).
constexpr std::array<RcodeName, 8> kRcodeNames{{
    {rcode::kNoError, "NOERROR"},
    {rcode::kFormErr, "FORMERR"},
    {rcode::kServFail, "SERVFAIL"},
    {rcode::kNxDomain, "NXDOMAIN"},
    {rcode::kNotImp, "NOTIMP"},
    {rcode::kRefused, "REFUSED"},
    {rcode::kNotAuth, "NOTAUTH"},
    {rcode::kBadVers, "BADVERS"},
}};

}  // namespace

std::string type_to_string(uint16_t type) {
  // libknot prints the mnemonic when it has one and "TYPEnnn" otherwise.
  std::array<char, 32> buf{};
  if (knot_rrtype_to_string(type, buf.data(), buf.size()) > 0) return std::string(buf.data());
  return "TYPE" + std::to_string(type);
}

std::optional<uint16_t> type_from_string(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  if (auto generic = parse_generic_type(text)) return generic;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '-') return std::nullopt;
  }
  const std::string name(text);
  uint16_t type = 0;
  if (knot_rrtype_from_string(name.c_str(), &type) != 0) return std::nullopt;
  return type;
}

std::string rcode_to_string(uint16_t rcode) {
  for (const auto& entry : kRcodeNames) {
    if (entry.rcode == rcode) return std::string(entry.name);
  }
  return "RCODE" + std::to_string(rcode);
}

}  // namespace dnsedge::dns
