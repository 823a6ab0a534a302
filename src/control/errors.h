#pragma once
// Error codes of the control plane: Error::code values that the API answers in
// `errors[].code`. Cloudflare's own codes where one exists (reference/cloudflare-semantics.md
// §5), dnsedge's own (documented in docs/api.md) otherwise. Stable: clients match on them.

namespace dnsedge::control::errc {

// --- dnsedge's own ---
inline constexpr int kInternal = 1000;       // store or I/O failure (HTTP 500)
// The disk of the store is full: the write is refused (HTTP 503). Answered as code 1000
// (api::failure), the code of every store failure; this value only selects the HTTP status.
inline constexpr int kDiskFull = 1503;
inline constexpr int kValidation = 1004;     // "DNS Validation Error": invalid data, no better code
inline constexpr int kFileBacked = 1010;     // the zone comes from a --zone-file: read-only
inline constexpr int kCompile = 1011;        // the zone would not compile with this change
inline constexpr int kImportParse = 1012;    // dns_records/import: the zone file does not parse
inline constexpr int kBadZoneName = 1099;    // POST /zones: not a valid domain name
inline constexpr int kAccountNotFound = 1002;
inline constexpr int kZoneNotFound = 7003;   // unknown or malformed zone id in the path
inline constexpr int kDcRecordMessage = 1100;  // messages[]: an MX/SRV is answered via a dc-record
// messages[] of the write pre-flight (docs/doctor.md): 1110-1119.
inline constexpr int kDoctorErrorMessage = 1110;    // the write adds a mail doctor error finding
inline constexpr int kDoctorWarningMessage = 1111;  // ... proxy.mx_target_proxied / srv_target_proxied
inline constexpr int kDryRunMessage = 1119;         // ?dry_run=true: nothing was stored

// --- Cloudflare's ---
inline constexpr int kZoneExists = 1061;         // "<name> already exists"
inline constexpr int kBadName = 9000;            // "DNS name is invalid."
inline constexpr int kBlockedTarget = 9003;      // "Target ... is not allowed for a proxied record."
inline constexpr int kBadIpv4 = 9005;            // "Content for A record must be a valid IPv4 address."
inline constexpr int kBadIpv6 = 9006;            // "Content for AAAA record must be a valid IPv6 address."
inline constexpr int kBadCname = 9007;           // "Content for CNAME record is invalid."
inline constexpr int kTooLong = 9015;            // record over 4096 wire bytes
inline constexpr int kBadType = 9020;            // unknown or unsupported record type
inline constexpr int kBadTtl = 9021;             // TTL not 1 and not 30..86400
inline constexpr int kNotProxiable = 9041;       // only A, AAAA and CNAME can be proxied
inline constexpr int kAddressConflict = 81053;   // "An A, AAAA, or CNAME record with that host already exists."
inline constexpr int kCnameConflict = 81054;     // "A CNAME record with that host already exists."
inline constexpr int kRecordExists = 81057;      // "Record already exists."
inline constexpr int kIdenticalRecord = 81058;   // "An identical record already exists."
inline constexpr int kRecordNotFound = 81044;    // "Record does not exist."
inline constexpr int kRecordQuota = 81045;       // "Record quota exceeded." (--max-records-per-zone)

}  // namespace dnsedge::control::errc
