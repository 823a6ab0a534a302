#pragma once
// TXT (and SPF) content as the API stores it, and its wire form.
//
// TXT content is stored as written. Content that starts with '"' is character-strings
// in presentation form ("\"a\" \"b\"", kept in the form a zone file prints it); any other
// content is one text that goes on the wire as one character-string split at 255 octets
// ("v=spf1 mx -all"). The export writes every TXT quoted and escaped; it tags the lines of
// unquoted content with kTxtUnquotedTag (`; cf_tags=dnsedge-txt-unquoted`) so that an import
// gives back the same content.

#include <optional>
#include <string>
#include <string_view>

#include "zone/record.h"

namespace dnsedge::control {

inline constexpr std::string_view kTxtUnquotedTag = "dnsedge-txt-unquoted";

// True for the types whose content is TXT character-strings: TXT and SPF.
bool is_txt_type(std::string_view type);

// True for a TXT or SPF record whose content was written without quotes.
bool txt_unquoted(const zone::Record& r);

// `s` as one quoted character-string in presentation form: "say \"hi\"" for say "hi".
std::string quote_string(std::string_view s);

// The rdata text of TXT content as stored: content that starts with '"' as it is; any other
// content as one string split at 255 octets, quoted and escaped ("v=spf1 -all" → "\"v=spf1 -all\"").
std::string txt_rdata_text(std::string_view content);

// The concatenated strings of TXT rdata (wire form) when it is exactly what txt_rdata_text()
// makes of unquoted content (every string but the last 255 octets long); nullopt otherwise.
std::optional<std::string> txt_plain_from_rdata(std::string_view rdata);

// Whether two records of the same type hold the same data: TXT compares the strings it puts on
// the wire (`v=spf1 -all` and `"v=spf1 -all"` are the same record), other types their content.
bool same_content(const zone::Record& a, const zone::Record& b);

}  // namespace dnsedge::control
