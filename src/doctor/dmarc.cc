// DMARC (RFC 7489): the record at _dmarc.<domain>, its syntax and policy, and the
// authorisation of external report destinations (§7.1).

#include <algorithm>

#include "dns/name.h"
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

// TXT records that are DMARC candidates: "v=DMARC1" in any case (the exact spelling is then
// checked as syntax), leading whitespace included so it can be reported.
Found dmarc_records(const Lookup& l, std::string_view name) {
  Found f;
  for (const auto& r : l.rrs(name, rrtype::kTXT)) {
    auto t = txt_joined(r.rdata);
    if (!t) continue;
    const std::string head = ascii_lower(trim(*t).substr(0, 8));
    if (head == "v=dmarc1") {
      f.text.push_back(*t);
      f.rrs.push_back(r);
    }
  }
  return f;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(trim(s.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

bool valid_policy(const std::string& v) { return v == "none" || v == "quarantine" || v == "reject"; }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct Uri {
  std::string text;
  std::string scheme;       // lowercase
  std::string mail_domain;  // wire, for mailto:
};

// RFC 7489 §6.2: dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ] (commas inside the
// URI must be %-encoded).
Result<Uri> parse_uri(const std::string& s) {
  Uri u;
  u.text = s;
  std::string uri = s;
  if (const size_t bang = uri.rfind('!'); bang != std::string::npos) {
    std::string size = uri.substr(bang + 1);
    if (!size.empty() && std::string("kmgtKMGT").find(size.back()) != std::string::npos) size.pop_back();
    if (!all_digits(size)) return make_error("\"" + s + "\": the size limit after '!' must be a number");
    uri = uri.substr(0, bang);
  }
  const size_t colon = uri.find(':');
  if (colon == std::string::npos || colon == 0) return make_error("\"" + s + "\" is not a URI (mailto:... expected)");
  u.scheme = ascii_lower(uri.substr(0, colon));
  for (char c : u.scheme) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!ok) return make_error("\"" + s + "\" is not a URI (mailto:... expected)");
  }
  if (u.scheme == "mailto") {
    const std::string addr = uri.substr(colon + 1);
    const size_t at = addr.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 >= addr.size()) {
      return make_error("\"" + s + "\": mailto: needs an address user@domain");
    }
    std::string dom = addr.substr(at + 1);
    if (const size_t q = dom.find('?'); q != std::string::npos) dom.resize(q);
    if (dom.back() != '.') dom += '.';
    auto w = dns::name_from_text(dom);
    if (!w || dom.find_first_of(" ,;<>") != std::string::npos) {
      return make_error("\"" + s + "\": \"" + addr.substr(at + 1) + "\" is not a domain");
    }
    u.mail_domain = *w;
  }
  return u;
}

}  // namespace

void check_dmarc(Context& ctx) {
  const std::string d = ctx.domain_text();
  auto name = prepend("_dmarc", ctx.domain());
  if (!name) return;
  const Lookup& l = ctx.lookup(*name, rrtype::kTXT);
  if (!l.answered()) {
    ctx.lookup_failed("DMARC", *name, rrtype::kTXT, l);
    return;
  }
  // A DMARC record published at the domain itself instead of _dmarc has no effect.
  const Lookup& apex = ctx.lookup(ctx.domain(), rrtype::kTXT);
  const Found at_apex = dmarc_records(apex, ctx.domain());
  if (!at_apex.rrs.empty()) {
    ctx.add({"dmarc.at_apex",
             Severity::kWarning,
             "DMARC record published at " + d + " instead of _dmarc." + d,
             {rr_text(at_apex.rrs.front())},
             "Receivers look for DMARC only at _dmarc." + d + " (RFC 7489 §6.1); this record is ignored.",
             "Move it: publish the same TXT at _dmarc." + d + " and delete it from " + d + "."});
  }
  const Found f = dmarc_records(l, *name);
  const std::string dn = name_text(*name);
  if (f.rrs.empty()) {
    // RFC 7489 §6.6.3: without a record at the domain, receivers use the organizational domain's.
    const std::string org = org_domain(ctx.domain());
    if (org != ctx.domain()) {
      if (auto oname = prepend("_dmarc", org)) {
        const Lookup& ol = ctx.lookup(*oname, rrtype::kTXT);
        const Found of = dmarc_records(ol, *oname);
        if (of.rrs.size() == 1) {
          ctx.add({"dmarc.inherited",
                   Severity::kInfo,
                   d + " uses the DMARC policy of " + name_text(org),
                   {rr_text(of.rrs.front())},
                   "There is no record at " + dn +
                       ", so receivers apply the organizational domain's record "
                       "(its sp= policy when present, RFC 7489 §6.6.3).",
                   "Nothing to do unless " + d + " needs its own policy."});
          return;
        }
      }
    }
    ctx.add({"dmarc.none",
             Severity::kWarning,
             d + " has no DMARC record",
             {},
             "Without DMARC (RFC 7489), receivers have no policy for mail that fails SPF and DKIM alignment, and "
             "you get no reports about who sends mail as " +
                 d +
                 ". Large mailbox providers require DMARC from "
                 "bulk senders.",
             "Start by monitoring:\n  _dmarc." + d + " 300 IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@" +
                 d.substr(0, d.size() - 1) +
                 "\"\nand move to p=quarantine, then p=reject, once the reports are clean."});
    return;
  }
  std::vector<std::string> recs;
  for (const auto& r : f.rrs) recs.push_back(rr_text(r));
  if (f.rrs.size() > 1) {
    ctx.add({"dmarc.multiple", Severity::kError, dn + " holds " + std::to_string(f.rrs.size()) + " DMARC records", recs,
             "RFC 7489 §6.6.3: when more than one DMARC record is found, receivers apply none of them.",
             "Keep exactly one TXT record starting with \"v=DMARC1\" at " + dn + "."});
    return;
  }
  const std::string& text = f.text.front();
  auto syntax = [&](const std::string& what) {
    ctx.add({"dmarc.syntax", Severity::kError, "DMARC record of " + d + " has a syntax error", recs,
             what + "\nRFC 7489 §6.6.3: receivers ignore a record that does not parse, as if there were none.",
             "Correct the record; the shape is \"v=DMARC1; p=quarantine; rua=mailto:reports@" +
                 d.substr(0, d.size() - 1) + "\" (tags separated by \";\")."});
  };
  if (text.front() == ' ' || text.front() == '\t') return syntax("The record starts with whitespace.");
  auto tags = parse_tags(text);
  if (!tags) return syntax(tags.error().message + ".");
  if (tags->empty() || tags->front().name != "v" || tags->front().value != "DMARC1") {
    return syntax("The record must start with \"v=DMARC1\" exactly (RFC 7489 §6.4).");
  }
  for (const auto& t : *tags) {
    const std::string v = t.value;
    if ((t.name == "p" || t.name == "sp") && !valid_policy(v)) {
      return syntax(t.name + "=" + v + ": the policy must be none, quarantine or reject.");
    }
    if ((t.name == "adkim" || t.name == "aspf") && v != "r" && v != "s") {
      return syntax(t.name + "=" + v + ": alignment must be r (relaxed) or s (strict).");
    }
    if (t.name == "pct" && (!all_digits(v) || v.size() > 3 || std::stoi(v) > 100)) {
      return syntax("pct=" + v + ": must be a whole number from 0 to 100.");
    }
    if (t.name == "ri" && (!all_digits(v) || v.size() > 10))
      return syntax("ri=" + v + ": must be a number of seconds.");
    if (t.name == "fo") {
      for (const auto& o : split(v, ':')) {
        if (o != "0" && o != "1" && o != "d" && o != "s") return syntax("fo=" + v + ": options are 0, 1, d and s.");
      }
    }
    if (t.name == "rf") {
      for (const auto& o : split(v, ':')) {
        if (ascii_lower(o) != "afrf") return syntax("rf=" + v + ": the only report format is afrf.");
      }
    }
  }
  const Tag* p = find_tag(*tags, "p");
  const Tag* rua = find_tag(*tags, "rua");
  const Tag* ruf = find_tag(*tags, "ruf");
  if (p == nullptr) {
    ctx.add({"dmarc.p_missing", Severity::kWarning, "DMARC record of " + d + " has no p= policy", recs,
             std::string("RFC 7489 §6.3 requires p= right after v=. ") +
                 (rua != nullptr ? "Receivers treat this record as p=none (§6.6.3, it has rua=)."
                                 : "Without p= and rua=, receivers discard the record (§6.6.3)."),
             "Add a policy: \"v=DMARC1; p=none; ...\" to monitor, p=quarantine or p=reject to enforce."});
  } else if (p->value == "none") {
    ctx.add({"dmarc.policy_none", Severity::kWarning, "DMARC policy of " + d + " is p=none (monitoring only)", recs,
             "p=none asks receivers to deliver mail that fails DMARC as usual: it gives reports but no protection "
             "against spoofing of " +
                 d + ".",
             "Once the aggregate reports show all your senders passing, change to p=quarantine, then p=reject."});
  } else if (const Tag* sp = find_tag(*tags, "sp"); sp != nullptr && sp->value == "none") {
    ctx.add({"dmarc.subdomain_policy_none", Severity::kInfo, "DMARC of " + d + " does not protect subdomains (sp=none)",
             recs, "sp=none lets mail from any subdomain of " + d + " that fails DMARC through.",
             "Remove sp=none (subdomains then inherit p=" + p->value + ") or set sp=quarantine/reject."});
  }
  if (const Tag* pct = find_tag(*tags, "pct");
      pct != nullptr && pct->value != "100" && p != nullptr && p->value != "none") {
    ctx.add({"dmarc.pct_partial", Severity::kInfo,
             "DMARC policy of " + d + " applies to " + pct->value + "% of failing mail", recs,
             "pct=" + pct->value + " applies p=" + p->value +
                 " to that share only; the rest is treated as one "
                 "step weaker.",
             "Raise pct to 100 (or remove it) when you are confident."});
  }
  if (rua == nullptr) {
    ctx.add({"dmarc.no_rua", Severity::kInfo, "DMARC record of " + d + " asks for no aggregate reports", recs,
             "Without rua=, nobody learns which servers send mail as " + d + " or whether they pass.",
             "Add rua=mailto:<address that collects DMARC reports>."});
  }
  std::vector<std::string> checked_dest;
  for (const Tag* t : {rua, ruf}) {
    if (t == nullptr) continue;
    for (const auto& item : split(t->value, ',')) {
      auto u = parse_uri(item);
      if (!u) {
        ctx.add({"dmarc.bad_uri", Severity::kError, "DMARC " + t->name + "= holds an invalid URI", recs,
                 u.error().message + ". Receivers skip it, so reports are not sent there (RFC 7489 §6.2).",
                 "Write report addresses as mailto:user@domain, separated by commas."});
        continue;
      }
      if (u->scheme != "mailto") {
        ctx.add(
            {"dmarc.uri_not_mailto", Severity::kWarning, "DMARC " + t->name + "= uses a " + u->scheme + ": URI", recs,
             "Receivers are only required to support mailto: (RFC 7489 §6.2); most send nothing to \"" + item + "\".",
             "Use a mailto: address."});
        continue;
      }
      // RFC 7489 §7.1: a destination outside the organizational domain must authorise it.
      if (org_domain(u->mail_domain) == org_domain(ctx.domain())) continue;
      if (std::find(checked_dest.begin(), checked_dest.end(), u->mail_domain) != checked_dest.end()) continue;
      checked_dest.push_back(u->mail_domain);
      const std::string auth_text = name_text(ctx.domain()).substr(0, d.size() - 1) + "._report._dmarc";
      auto auth = prepend(auth_text, u->mail_domain);
      if (!auth) continue;
      const Lookup& al = ctx.lookup(*auth, rrtype::kTXT);
      if (!al.answered()) {
        ctx.lookup_failed("the DMARC report authorisation", *auth, rrtype::kTXT, al);
        continue;
      }
      bool ok = false;
      for (const auto& r : al.rrs(*auth, rrtype::kTXT)) {
        auto txt = txt_joined(r.rdata);
        ok = ok || (txt && txt->rfind("v=DMARC1", 0) == 0);
      }
      if (!ok) {
        ctx.add({"dmarc.external_unauthorized",
                 Severity::kWarning,
                 "DMARC reports for " + d + " go to " + name_text(u->mail_domain) + ", which has not authorised them",
                 {rr_text(f.rrs.front()),
                  name_text(*auth) + " TXT -> " +
                      (al.nxdomain() ? std::string("NXDOMAIN") : std::string("no v=DMARC1 record"))},
                 "RFC 7489 §7.1: before sending reports to a domain outside " + name_text(org_domain(ctx.domain())) +
                     ", receivers check that it publishes " + name_text(*auth) +
                     " TXT \"v=DMARC1\"; without it the reports for \"" + item + "\" are not sent.",
                 "The owner of " + name_text(u->mail_domain) + " publishes:\n  " + name_text(*auth) +
                     " 300 IN TXT \"v=DMARC1\"\n(or *._report._dmarc." + name_text(u->mail_domain) +
                     " for every domain), or use a report address inside " + d + "."});
      }
    }
  }
}

}  // namespace dnsedge::doctor
