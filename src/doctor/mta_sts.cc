// MTA-STS discovery record (RFC 8461 §3.1) and TLS reporting record (RFC 8460 §3), when
// present. The HTTPS policy file of MTA-STS is not fetched.

#include <algorithm>

#include "dns/types.h"
#include "doctor/context.h"
#include "doctor/tags.h"
#include "doctor/util.h"

namespace dnsedge::doctor {
namespace {

namespace rrtype = dns::rrtype;

struct Found {
  std::vector<std::string> text;
  std::vector<dns::ZoneRecord> rrs;
};

Found with_prefix(const Lookup& l, std::string_view name, std::string_view prefix) {
  Found f;
  for (const auto& r : l.rrs(name, rrtype::kTXT)) {
    auto t = txt_joined(r.rdata);
    if (t && ascii_lower(*t).rfind(ascii_lower(prefix), 0) == 0) {
      f.text.push_back(*t);
      f.rrs.push_back(r);
    }
  }
  return f;
}

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 8461 §3.1: "v=STSv1" first, id = 1*32(ALPHA / DIGIT); extension names 1*32 of
// ALPHA / DIGIT / "_" / "-" / "."; values of visible characters other than ";" and "=".
std::string sts_problem(const std::string& text) {
  auto tags = parse_tags(text);
  if (!tags) return tags.error().message;
  if (tags->empty() || tags->front().name != "v" || tags->front().value != "STSv1") {
    return "the record must start with \"v=STSv1\" exactly";
  }
  const Tag* id = find_tag(*tags, "id");
  if (id == nullptr) return "the id= tag is missing";
  if (id->value.empty() || id->value.size() > 32 || !std::all_of(id->value.begin(), id->value.end(), alnum)) {
    return "id=" + id->value + ": must be 1 to 32 letters and digits";
  }
  for (const auto& t : *tags) {
    if (t.name.size() > 32) return "tag name \"" + t.name + "\" is longer than 32 characters";
    for (char c : t.value) {
      if (c <= 0x20 || c > 0x7e || c == '=' || c == ';') return "tag " + t.name + ": invalid character in the value";
    }
  }
  return "";
}

// RFC 8460 §3: "v=TLSRPTv1" first, rua= with one or more mailto: or https: URIs.
std::string tlsrpt_problem(const std::string& text) {
  auto tags = parse_tags(text);
  if (!tags) return tags.error().message;
  if (tags->empty() || tags->front().name != "v" || tags->front().value != "TLSRPTv1") {
    return "the record must start with \"v=TLSRPTv1\" exactly";
  }
  const Tag* rua = find_tag(*tags, "rua");
  if (rua == nullptr) return "the rua= tag (where reports go) is missing";
  size_t start = 0;
  const std::string& v = rua->value;
  while (start <= v.size()) {
    size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    const std::string uri = ascii_lower(std::string(trim(std::string_view(v).substr(start, end - start))));
    if (uri.rfind("mailto:", 0) == 0) {
      const size_t at = uri.find('@');
      if (at == std::string::npos || at == 7 || at + 1 >= uri.size())
        return "rua: \"" + uri + "\" is not mailto:user@domain";
    } else if (uri.rfind("https://", 0) == 0) {
      if (uri.size() <= 8) return "rua: \"" + uri + "\" has no host";
    } else {
      return "rua: \"" + uri + "\" must be a mailto: or https: URI";
    }
    if (end == v.size()) break;
    start = end + 1;
  }
  return "";
}

void check_one(Context& ctx, std::string_view label, std::string_view prefix, const char* id_multiple,
               const char* id_syntax, const std::string& rfc, const std::string& example,
               std::string (*problem)(const std::string&), const std::string& consequence) {
  auto name = prepend(label, ctx.domain());
  if (!name) return;
  const Lookup& l = ctx.lookup(*name, rrtype::kTXT);
  if (!l.answered()) {
    ctx.lookup_failed(std::string(label) + " record", *name, rrtype::kTXT, l);
    return;
  }
  const Found f = with_prefix(l, *name, prefix);
  if (f.rrs.empty()) return;  // not published: nothing to check
  const std::string n = name_text(*name);
  std::vector<std::string> recs;
  for (const auto& r : f.rrs) recs.push_back(rr_text(r));
  if (f.rrs.size() > 1) {
    ctx.add({id_multiple, Severity::kError,
             n + " holds " + std::to_string(f.rrs.size()) + " " + std::string(prefix) + " records", recs,
             rfc + ": with more than one record, senders act as if there were none; " + consequence,
             "Keep exactly one record:\n  " + n + " 300 IN TXT \"" + example + "\""});
    return;
  }
  if (const std::string p = problem(f.text.front()); !p.empty()) {
    ctx.add({id_syntax, Severity::kError, "The record at " + n + " is invalid", recs,
             p + ". " + rfc + ": senders ignore an invalid record; " + consequence,
             "Publish it in this shape:\n  " + n + " 300 IN TXT \"" + example + "\""});
  }
}

}  // namespace

void check_mta_sts(Context& ctx) {
  check_one(ctx, "_mta-sts", "v=STSv1", "mtasts.multiple", "mtasts.syntax", "RFC 8461 §3.1",
            "v=STSv1; id=20260101T000000", sts_problem, "the MTA-STS policy is not applied.");
  const std::string d = ctx.domain_text();
  check_one(ctx, "_smtp._tls", "v=TLSRPTv1", "tlsrpt.multiple", "tlsrpt.syntax", "RFC 8460 §3",
            "v=TLSRPTv1; rua=mailto:tls-reports@" + d.substr(0, d.size() - 1), tlsrpt_problem,
            "no TLS reports are sent.");
}

}  // namespace dnsedge::doctor
