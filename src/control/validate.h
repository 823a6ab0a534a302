#pragma once
// Record validation for API-managed zones: what the API accepts, in what normal form it is
// stored, and the Cloudflare error code of every refusal (docs/api.md).
//
// Normal form of a stored record (zone::Record):
//   - name: FQDN, lowercase, punycode (IDNA), no trailing dot ("www.example.com");
//   - content: the rdata's presentation text as libknot prints it, with these Cloudflare
//     conventions: names without the trailing dot (CNAME/NS/PTR content, the MX and SRV
//     targets; the root stays "."), MX/SRV/URI without the priority (it is `priority`), SRV as
//     "weight port target", TXT quoted ("\"v=spf1 -all\"": quotes are added when the input has
//     none, long text is split into 255-octet strings), AAAA in RFC 5952 form;
//   - data_json: for structured types (SRV, CAA, URI, TLSA, SMIMEA, SSHFP, DS, DNSKEY, CERT,
//     HTTPS, SVCB, NAPTR) the fields Cloudflare shows, derived from the content; "" otherwise;
//   - ttl: 1 (automatic, served as 300) or 30..86400; proxied records always 1;
//   - settings_json: {"ipv4_only","ipv6_only"} for A/AAAA, plus "flatten_cname" for CNAME,
//     "{}" for the rest.
//
// Record names in input: "@" is the apex; a name without dots is relative ("www"); a name with
// dots is the full name and must be the apex or below it ("www.example.com", with or without
// the final dot) — except that a name whose last label starts with "_" is relative
// ("_sip._tcp", "s1._domainkey"). Anything else is outside the zone: 9000.
//
// Thread safety: pure functions.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "control/txt_content.h"
#include "dns/zonefile.h"
#include "view/served.h"
#include "view/zone_view.h"
#include "zone/record.h"

namespace dnsedge::control {

// A record as a client sent it (POST, PUT, PATCH, batch items, import lines). Unset fields
// keep the existing value (PATCH) or take their default (POST, PUT).
struct RecordInput {
  std::optional<std::string> name, type, content;
  std::optional<int64_t> ttl;
  std::optional<bool> proxied;
  std::optional<int64_t> priority;
  std::optional<nlohmann::json> data;      // an object
  std::optional<nlohmann::json> settings;  // an object
  std::optional<std::optional<std::string>> comment;  // set to nullopt: clear it
  std::optional<std::vector<std::string>> tags;
};

// The zone a record goes into.
struct ZoneContext {
  std::string name;  // "example.com"
  std::string apex;  // wire form, lowercase
  const view::EdgeAddresses* edge = nullptr;
  // The zone's DNSSEC status ("active", "pending", "disabled", "" when never turned on), asked
  // only for the types a signed zone refuses (null: not signed).
  std::function<std::string()> dnssec_status;
};

inline constexpr uint32_t kAutoTtl = 1;
inline constexpr uint32_t kAutoTtlSeconds = 300;  // ttl 1 = automatic = 300 s
inline constexpr uint32_t kMinTtl = 30;
inline constexpr uint32_t kMaxTtl = 86400;

// True for A, AAAA and CNAME (the only types that can be proxied).
bool proxiable(std::string_view type);

// Record name in API input → stored form (see the header comment). Error 9000.
Result<std::string> normalize_record_name(const ZoneContext& z, std::string_view input);

// Zone name for POST /zones: "Example.COM." → "example.com"; at least two labels, each a
// host name label (RFC 1123) or punycode. Error errc::kBadZoneName.
Result<std::string> normalize_zone_name(std::string_view input);

// Unicode labels → punycode ("bücher.example" → "xn--bcher-kva.example"), lowercased.
// ASCII input is only lowercased. Fails on invalid UTF-8.
Result<std::string> to_ascii_name(std::string_view utf8);

// Types the API never stores: the signer makes RRSIG, NSEC, NSEC3 and NSEC3PARAM, signed zone or
// not (9020, the message names the type). A zone whose DNSSEC status is active or pending also
// refuses DNSKEY, CDS, CDNSKEY and a DS at its apex (1004): dnsedge publishes its own keys there.
Result<void> check_dnssec_type(const ZoneContext& z, std::string_view type, std::string_view name);

// Builds the record to store from `in`: POST (`base` null), PATCH (`base` set, `replace`
// false: unset fields keep the base's values), PUT (`base` set, `replace` true: unset fields
// take their defaults). The id and timestamps are the caller's. Validates everything that
// concerns the record alone (name, type, content, TTL, proxiable, blocked proxy targets,
// settings); check_conflicts() covers the other records at the name.
Result<zone::Record> build_record(const ZoneContext& z, const RecordInput& in,
                                  const zone::Record* base, bool replace);

// A stored record in the form the view compiler takes. TTL 1 becomes 300.
Result<dns::ZoneRecord> to_zone_record(const zone::Record& r);

// A record read from a zone file (import) as API input: name, type, content, priority, ttl.
// TXT content is the rdata's presentation form (quoted strings), or, for a line tagged
// kTxtUnquotedTag whose strings are one text split at 255 octets, that text unquoted.
RecordInput input_from_zone_record(const dns::ZoneRecord& rr);

// Refuses `r` when it cannot live beside the records already at its name (`same_name`, which
// must not contain `r` itself): duplicates (81057/81058), a CNAME beside A/AAAA/CNAME (81053)
// or beside other data below the apex (81054), NS at a delegation beside other data (1004).
Result<void> check_conflicts(const ZoneContext& z, const zone::Record& r,
                             const std::vector<const zone::Record*>& same_name);

// Refuses a write whose proxied CNAMEs (among `written`) reach origin addresses the origin
// policy prohibits (z.edge->policy; view/origin_policy.h), as the candidate view `v` compiled
// them: 9003. Targets not resolved yet pass; the edge checks again when it connects.
Result<void> check_proxied_origins(const ZoneContext& z, const view::ZoneView& v,
                                   const std::vector<const zone::Record*>& written);

// Presentation-form tokens of rdata text, quotes removed and escapes kept as written
// ("0 issue \"ca.example\"" → {"0", "issue", "ca.example"}).
std::vector<std::string> split_rdata_text(std::string_view text);

}  // namespace dnsedge::control
