#pragma once
// RFC 1035 master files in and out, through Knot DNS's libzscanner (parsing) and libknot's
// rrset dumper (printing). Supports $ORIGIN, $TTL, $INCLUDE, $GENERATE and every type those
// libraries know, plus RFC 3597 "\# len hex" for the rest.
//
// Cloudflare's per-line attribute comment `; cf_tags=cf-proxied:true,cf-flatten-cname` is read
// from the comment on the line where the record ends and kept in ZoneRecord::cf_tags.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace dnsedge::dns {

struct ZoneRecord {
  std::string owner;   // wire form, absolute, lowercase
  uint16_t type = 0;
  uint16_t rclass = 1;
  uint32_t ttl = 0;
  std::string rdata;   // wire form, uncompressed; embedded names lowercased
  std::vector<std::string> cf_tags;  // e.g. {"cf-proxied:true", "cf-flatten-cname"}
  uint32_t line = 0;   // 1-based line in the source where the record ends (0: not from text)
  // Proxy settings (docs/proxy.md). From a zone file: `cf-proxied:true` sets `proxied`,
  // `cf-flatten-cname` sets `flatten_cname`; the API sets all four from the record object.
  bool proxied = false;
  bool flatten_cname = false;
  bool ipv4_only = false;
  bool ipv6_only = false;

  bool has_tag(std::string_view tag) const;  // exact match of one tag
  bool operator==(const ZoneRecord&) const = default;
};

struct ZoneText {
  std::string origin;  // wire form of the origin the text was parsed with
  std::vector<ZoneRecord> records;  // in file order
};

// Bounds on the work one parse may do.
struct ParseLimits {
  // Records all the $GENERATE directives of one parse may produce together (the file and the
  // files it includes, or one text). A directive that would pass it fails before it generates
  // anything: "path:line: $GENERATE: ...".
  uint64_t max_generate_records = 65536;
};

// Parses a zone file. `origin` (wire form) is the initial $ORIGIN; when empty it is taken from
// the file name ("example.com.zone", "example.com.db", "db.example.com" → example.com.).
// Errors carry "path:line: reason" in Error::message; the first error stops the parse.
Result<ZoneText> parse_zone_file(const std::string& path, std::string_view origin = {},
                                 const ParseLimits& limits = {});
// Same, from text in memory; `source` names it in errors. $INCLUDE is refused.
Result<ZoneText> parse_zone_text(std::string_view text, std::string_view origin,
                                 std::string_view source = "<text>", const ParseLimits& limits = {});

// One RR in presentation form: "owner. TTL IN TYPE rdata" (tab-separated, absolute names),
// followed by " ; cf_tags=..." when the record has tags and `with_tags`.
std::string format_record(const ZoneRecord& rr, bool with_tags = true);
// A whole zone file that parse_zone_text() reads back to the same records: "$ORIGIN" line,
// SOA first, then the rest in the given order.
std::string format_zone(std::string_view origin, const std::vector<ZoneRecord>& records);

// rdata text <-> wire for one type (used by the API and by tests). Relative names in `text` are
// completed with `origin`.
Result<std::string> rdata_from_text(uint16_t type, std::string_view text, std::string_view origin);
Result<std::string> rdata_to_text(uint16_t type, std::string_view rdata);

}  // namespace dnsedge::dns
