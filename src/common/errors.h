#pragma once
// The error model of the control plane: every API error code (Error::code, answered in
// `errors[].code`), the kind of failure each one is, and the HTTP status and command-line exit
// status of each kind. kCodes below is the one table that maps a code to its kind; docs/api.md
// "Error codes" lists the same codes (errors_test.cc checks both). Cloudflare's own codes where
// one exists, dnsedge's own otherwise. Stable: clients match on them.
//
// A new error: add its constant and its kCodes row, and its line in docs/api.md. An Error
// without an explicit kind takes its code's kind; a code not in the table is kInvalid (400).

#include <array>
#include <string_view>

#include "common/result.h"

namespace dnsedge {

namespace errc {

// --- dnsedge's own ---
inline constexpr int kInternal = 1000;         // store or I/O failure (HTTP 500; 503 with kUnavailable)
inline constexpr int kAccountNotFound = 1002;  // POST /zones account.id, secondary_dns account
inline constexpr int kObjectNotFound = 1003;   // a token, tsig, peer, zone transfer config or page rule
inline constexpr int kValidation = 1004;       // "DNS Validation Error": invalid data, no better code;
                                               // "Page Rule validation failed"
inline constexpr int kTooLarge = 1005;         // the request body is over the limit (413)
inline constexpr int kBadRequest = 1006;       // the HTTP request does not parse
inline constexpr int kBadSetting = 1007;       // invalid value for a zone setting (cname_flattening)
inline constexpr int kBadQuery = 1008;         // an invalid query parameter
inline constexpr int kFileBacked = 1010;       // the zone comes from a --zone-file: read-only
inline constexpr int kCompile = 1011;          // the zone would not compile with this change
inline constexpr int kImportParse = 1012;      // dns_records/import: the zone file does not parse
inline constexpr int kInUse = 1015;            // deleting a tsig or peer that something still uses
inline constexpr int kBadZoneName = 1099;      // POST /zones: not a valid domain name
inline constexpr int kMalformedJson = 6007;    // the body is not JSON (or not an object)
inline constexpr int kNoRoute = 7000;          // no route for that path
inline constexpr int kMethodNotAllowed = 7001;  // the path has no route for that method
inline constexpr int kZoneNotFound = 7003;     // unknown or malformed zone id in the path
// Spectrum apps and IP access rules.
inline constexpr int kBadApp = 11000;          // a field of an app is missing or invalid
inline constexpr int kAppOverlap = 11001;      // protocol/port overlaps another app on the same address
inline constexpr int kPoolExhausted = 11002;   // no free address in --spectrum-pool (or no pool)
inline constexpr int kAppNotFound = 11003;
inline constexpr int kTooManyPorts = 11004;    // the ports of all apps over --spectrum-max-ports
inline constexpr int kCannotListen = 11005;    // a listener of the app cannot bind
inline constexpr int kBadRule = 11010;         // an IP access rule is invalid or unsupported
inline constexpr int kRuleNotFound = 11011;

// --- Cloudflare's ---
inline constexpr int kBadToken = 400;             // an invalid token body (/user/tokens)
inline constexpr int kTooManyFailures = 971;      // too many failed authentications from the source
inline constexpr int kZoneExists = 1061;          // "<name> already exists"
inline constexpr int kBadName = 9000;             // "DNS name is invalid."
inline constexpr int kBlockedTarget = 9003;       // "Target ... is not allowed for a proxied record."
                                                  // and "DNS points to prohibited IP"
inline constexpr int kBadIpv4 = 9005;             // "Content for A record must be a valid IPv4 address."
inline constexpr int kBadIpv6 = 9006;             // "Content for AAAA record must be a valid IPv6 address."
inline constexpr int kBadCname = 9007;            // "Content for CNAME record is invalid."
inline constexpr int kTooLong = 9015;             // record over 4096 wire bytes
inline constexpr int kBadType = 9020;             // unknown or unsupported record type
inline constexpr int kBadTtl = 9021;              // TTL not 1 and not 30..86400
inline constexpr int kNotProxiable = 9041;        // only A, AAAA and CNAME can be proxied
inline constexpr int kAuthMissing = 9106;         // no Authorization header
inline constexpr int kUnauthorized = 9109;        // the token lacks the permission (token management)
inline constexpr int kInvalidBody = 9207;         // a field of the body has the wrong JSON type
inline constexpr int kAuthFailed = 10000;         // authentication error; also: the token lacks the
                                                  // permission for a zone or account route
inline constexpr int kRecordNotFound = 81044;     // "Record does not exist."
inline constexpr int kRecordQuota = 81045;        // "Record quota exceeded." (--max-records-per-zone)
inline constexpr int kAddressConflict = 81053;    // "An A, AAAA, or CNAME record with that host already exists."
inline constexpr int kCnameConflict = 81054;      // "A CNAME record with that host already exists."
inline constexpr int kRecordExists = 81057;       // "Record already exists."
inline constexpr int kIdenticalRecord = 81058;    // "An identical record already exists."

// Codes of `messages[]` entries of a successful write (notes, not errors).
inline constexpr int kDcRecordMessage = 1100;       // an MX/SRV is answered via a dc-record
// messages[] of the write pre-flight (docs/doctor.md): 1110-1119.
inline constexpr int kDoctorErrorMessage = 1110;    // the write adds a mail doctor error finding
inline constexpr int kDoctorWarningMessage = 1111;  // ... proxy.mx_target_proxied / srv_target_proxied
inline constexpr int kDryRunMessage = 1119;         // ?dry_run=true: nothing was stored

}  // namespace errc

// The HTTP status of each kind of failure.
constexpr int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kMethodNotAllowed:
      return 405;
    case ErrorKind::kTooLarge:
      return 413;
    case ErrorKind::kUnauthorized:
    case ErrorKind::kForbidden:
      return 403;
    case ErrorKind::kRateLimited:
      return 429;
    case ErrorKind::kInternal:
      return 500;
    case ErrorKind::kUnavailable:
      return 503;
    case ErrorKind::kFromCode:  // (resolved by kind_of() before it gets here)
    case ErrorKind::kInvalid:
    case ErrorKind::kConflict:  // duplicates are 400, never 409 (as Cloudflare)
    case ErrorKind::kInUse:
    case ErrorKind::kLimit:
    case ErrorKind::kReadOnly:
    case ErrorKind::kUsage:
      break;
  }
  return 400;
}

// The exit status of a command-line tool that failed with an error of this kind: 2 when the
// command line itself is wrong (nothing was sent), 1 for every other failure.
constexpr int exit_status(ErrorKind kind) { return kind == ErrorKind::kUsage ? 2 : 1; }

struct ErrorCode {
  int code;
  ErrorKind kind;
};

// Every error code and its kind: the one table of the error model.
inline constexpr std::array kCodes = {
    ErrorCode{errc::kInternal, ErrorKind::kInternal},
    ErrorCode{errc::kAccountNotFound, ErrorKind::kNotFound},
    ErrorCode{errc::kObjectNotFound, ErrorKind::kNotFound},
    ErrorCode{errc::kValidation, ErrorKind::kInvalid},
    ErrorCode{errc::kTooLarge, ErrorKind::kTooLarge},
    ErrorCode{errc::kBadRequest, ErrorKind::kInvalid},
    ErrorCode{errc::kBadSetting, ErrorKind::kInvalid},
    ErrorCode{errc::kBadQuery, ErrorKind::kInvalid},
    ErrorCode{errc::kFileBacked, ErrorKind::kReadOnly},
    ErrorCode{errc::kCompile, ErrorKind::kInvalid},
    ErrorCode{errc::kImportParse, ErrorKind::kInvalid},
    ErrorCode{errc::kInUse, ErrorKind::kInUse},
    ErrorCode{errc::kBadZoneName, ErrorKind::kInvalid},
    ErrorCode{errc::kMalformedJson, ErrorKind::kInvalid},
    ErrorCode{errc::kNoRoute, ErrorKind::kNotFound},
    ErrorCode{errc::kMethodNotAllowed, ErrorKind::kMethodNotAllowed},
    ErrorCode{errc::kZoneNotFound, ErrorKind::kNotFound},
    ErrorCode{errc::kBadApp, ErrorKind::kInvalid},
    ErrorCode{errc::kAppOverlap, ErrorKind::kConflict},
    ErrorCode{errc::kPoolExhausted, ErrorKind::kLimit},
    ErrorCode{errc::kAppNotFound, ErrorKind::kNotFound},
    ErrorCode{errc::kTooManyPorts, ErrorKind::kLimit},
    ErrorCode{errc::kCannotListen, ErrorKind::kConflict},
    ErrorCode{errc::kBadRule, ErrorKind::kInvalid},
    ErrorCode{errc::kRuleNotFound, ErrorKind::kNotFound},
    ErrorCode{errc::kBadToken, ErrorKind::kInvalid},
    ErrorCode{errc::kTooManyFailures, ErrorKind::kRateLimited},
    ErrorCode{errc::kZoneExists, ErrorKind::kConflict},
    ErrorCode{errc::kBadName, ErrorKind::kInvalid},
    ErrorCode{errc::kBlockedTarget, ErrorKind::kInvalid},
    ErrorCode{errc::kBadIpv4, ErrorKind::kInvalid},
    ErrorCode{errc::kBadIpv6, ErrorKind::kInvalid},
    ErrorCode{errc::kBadCname, ErrorKind::kInvalid},
    ErrorCode{errc::kTooLong, ErrorKind::kInvalid},
    ErrorCode{errc::kBadType, ErrorKind::kInvalid},
    ErrorCode{errc::kBadTtl, ErrorKind::kInvalid},
    ErrorCode{errc::kNotProxiable, ErrorKind::kInvalid},
    ErrorCode{errc::kAuthMissing, ErrorKind::kUnauthorized},
    ErrorCode{errc::kUnauthorized, ErrorKind::kForbidden},
    ErrorCode{errc::kInvalidBody, ErrorKind::kInvalid},
    ErrorCode{errc::kAuthFailed, ErrorKind::kUnauthorized},
    ErrorCode{errc::kRecordNotFound, ErrorKind::kNotFound},
    ErrorCode{errc::kRecordQuota, ErrorKind::kLimit},
    ErrorCode{errc::kAddressConflict, ErrorKind::kConflict},
    ErrorCode{errc::kCnameConflict, ErrorKind::kConflict},
    ErrorCode{errc::kRecordExists, ErrorKind::kConflict},
    ErrorCode{errc::kIdenticalRecord, ErrorKind::kConflict},
};

// The codes of messages[] (never an error's code).
inline constexpr std::array kMessageCodes = {errc::kDcRecordMessage, errc::kDoctorErrorMessage,
                                             errc::kDoctorWarningMessage, errc::kDryRunMessage};

// The kind of an error code (kInvalid for a code not in the table).
constexpr ErrorKind kind_of(int code) {
  for (const ErrorCode& c : kCodes) {
    if (c.code == code) return c.kind;
  }
  return ErrorKind::kInvalid;
}

// The kind of an error: its own when it names one, else its code's.
constexpr ErrorKind kind_of(const Error& e) { return e.kind != ErrorKind::kFromCode ? e.kind : kind_of(e.code); }

constexpr int http_status(int code) { return http_status(kind_of(code)); }
constexpr int http_status(const Error& e) { return http_status(kind_of(e)); }
constexpr int exit_status(const Error& e) { return exit_status(kind_of(e)); }

}  // namespace dnsedge
