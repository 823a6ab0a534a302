#pragma once
// DNSSEC timing of `dnsedge serve` (docs/dnssec.md "Key rollover"): flags over the config file.
//
//   --dnssec-zsk-lifetime        zsk_lifetime        how long a ZSK signs (default 90d)
//   --dnssec-dnskey-ttl          dnskey_ttl          TTL of the apex DNSKEY/CDS/CDNSKEY (default 3600s)
//   --dnssec-propagation-delay   propagation_delay   time a change takes to reach every secondary
//                                                    (default 3600s)
//   --dnssec-signature-validity  signature_validity  how long a signature is valid (default 14d)
//   --dnssec-signing-budget      signing_budget      fresh signatures per second per worker (and
//                                                    for the TCP thread) while answers that need
//                                                    none compete; 0 = no budget (default 8000;
//                                                    auth/online_sign.h)
//
// In the config file the keys sit in a [dnssec] table, or at top level with a "dnssec_" prefix
// (dnssec_zsk_lifetime = "90d") for files whose "dnssec" is the [[dnssec]] list of signed zone
// files. A duration is a number of seconds or a text of numbers with units s, m, h, d, w
// ("90d", "1h30m", "3600"); each is at least 1 second, and the lifetime must exceed propagation
// delay + DNSKEY TTL. The signing budget is an integer 0..10000000.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dnssec/policy.h"

namespace CLI {
class App;
}  // namespace CLI

namespace dnsedge::app {

struct DnssecFlags {  // as given on the command line ("" = not given)
  std::string zsk_lifetime, dnskey_ttl, propagation_delay, signature_validity;
  std::optional<long> signing_budget;
};

struct DnssecTiming {
  dnssec::RolloverSettings rollover;
  dnssec::ValidityPolicy validity;
  uint32_t signing_budget = 8000;  // fresh signatures/s while other answers compete; 0 = none
};

void add_dnssec_flags(CLI::App* cmd, DnssecFlags& flags);
// Whether `key` is a top-level config key this module reads ("dnssec_zsk_lifetime", ...).
bool is_dnssec_timing_key(std::string_view key);
[[nodiscard]] Result<DnssecTiming> resolve_dnssec_timing(const DnssecFlags& flags, const std::string& config_file);
// "90d" → 7776000 s. Errors name `what` and say what is allowed.
[[nodiscard]] Result<std::chrono::seconds> parse_duration(std::string_view text, const std::string& what);

}  // namespace dnsedge::app
