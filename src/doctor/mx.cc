// MX checks: RFC 5321 §5.1 (MX targets must be host names with addresses; no MX = implicit MX),
// RFC 2181 §10.3 (no aliases), RFC 7505 (null MX).

#include <algorithm>

#include "dns/name.h"
#include "dns/types.h"
#include "doctor/context.h"
#include "doctor/util.h"

namespace dnsedge::doctor {
namespace {

namespace rrtype = dns::rrtype;
constexpr size_t kMaxTargets = 20;  // distinct MX targets examined

bool is_ldh_label(std::string_view l) {
  if (l.empty() || l.front() == '-' || l.back() == '-') return false;
  for (char c : l) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> labels(std::string_view wire) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    const size_t len = static_cast<uint8_t>(wire[i]);
    out.emplace_back(wire.substr(i + 1, len));
    i += 1 + len;
  }
  return out;
}

// "192.0.2.1." as a name: four numeric labels 0..255 (RFC 5321 §5.1: MX must be a name).
bool looks_like_ipv4(const std::vector<std::string>& ls) {
  if (ls.size() != 4) return false;
  for (const auto& l : ls) {
    if (l.empty() || l.size() > 3) return false;
    for (char c : l) {
      if (c < '0' || c > '9') return false;
    }
    if (std::stoi(l) > 255) return false;
  }
  return true;
}

std::string mx_target(const dns::ZoneRecord& r) { return r.rdata.size() > 2 ? r.rdata.substr(2) : std::string(); }
uint16_t mx_pref(const dns::ZoneRecord& r) {
  return r.rdata.size() >= 2 ? static_cast<uint16_t>(uint8_t(r.rdata[0]) << 8 | uint8_t(r.rdata[1])) : 0;
}

std::vector<std::string> texts(const std::vector<dns::ZoneRecord>& rrs) {
  std::vector<std::string> out;
  for (const auto& r : rrs) out.push_back(rr_text(r));
  return out;
}

void check_target(Context& ctx, const dns::ZoneRecord& mx) {
  const std::string target = mx_target(mx);
  const std::string t = name_text(target);
  const std::string d = ctx.domain_text();
  const auto ls = labels(target);
  if (looks_like_ipv4(ls)) {
    ctx.add({"mx.target_ip_literal",
             Severity::kError,
             "MX target " + t + " is an IP address, not a host name",
             {rr_text(mx)},
             "An MX record must name a host (RFC 5321 §5.1); senders look " + t +
                 " up as a name, find nothing and cannot deliver. An address literal is only allowed in a mail "
                 "address, never in DNS.",
             "Publish a host name for the mail server and point the MX at it:\n  mail." + d + " 300 IN A " +
                 t.substr(0, t.size() - 1) + "\n  " + d + " 300 IN MX " + std::to_string(mx_pref(mx)) + " mail." + d});
    return;
  }
  for (const auto& l : ls) {
    if (!is_ldh_label(l)) {
      ctx.add({"mx.target_syntax",
               Severity::kWarning,
               "MX target " + t + " is not a valid host name",
               {rr_text(mx)},
               "Host names use letters, digits and hyphens only (RFC 1123 §2.1, RFC 5321 §2.3.5); the label \"" + l +
                   "\" is not one. Many senders refuse such a target, and no public CA issues a certificate for it.",
               "Point the MX at a host name made of letters, digits and hyphens."});
      break;
    }
  }
  const Lookup& a = ctx.lookup(target, rrtype::kA);
  const Lookup& aaaa = ctx.lookup(target, rrtype::kAAAA);
  for (const Lookup* l : {&a, &aaaa}) {
    if (l->answered()) continue;
    if (l->status == Lookup::Status::kError || ctx.out_of_time()) {
      ctx.lookup_failed("the MX target", target, l == &a ? rrtype::kA : rrtype::kAAAA, *l);
      return;
    }
    std::string where = l->note.empty() ? "" : " (" + l->note + ")";
    ctx.add({"mx.target_unresolvable",
             Severity::kError,
             "MX target " + t + " cannot be resolved",
             {rr_text(mx), t + " " + (l == &a ? "A" : "AAAA") + " -> " + l->failure()},
             "Looking up the addresses of " + t + where + " fails with " + l->failure() +
                 ". Senders get the same failure, keep the mail queued and bounce it after a few days. When " + t +
                 " lies in a delegated zone, its name servers do not answer.",
             "Make the name servers of the zone holding " + t +
                 " answer (check the delegation's NS and glue records), or point the MX at a host whose zone "
                 "works."});
    return;
  }
  // RFC 2181 §10.3: the MX target must be the canonical name.
  std::vector<dns::ZoneRecord> chain;
  for (const Lookup* l : {&a, &aaaa}) {
    for (const auto& r : l->records) {
      if (r.type == rrtype::kCNAME && std::find(chain.begin(), chain.end(), r) == chain.end()) chain.push_back(r);
    }
  }
  if (!chain.empty()) {
    std::vector<std::string> recs = {rr_text(mx)};
    for (const auto& c : chain) recs.push_back(rr_text(c));
    const std::string canonical = name_text(a.canonical(target));
    ctx.add({"mx.target_cname", Severity::kError, "MX target " + t + " is a CNAME", recs,
             "An MX target must not be an alias (RFC 2181 §10.3, RFC 5321 §5.1): " + t + " is a CNAME for " +
                 canonical +
                 ". Many senders follow it anyway, but others reject or defer the mail, and DANE/MTA-STS "
                 "checks the name in the MX, not the canonical one.",
             "Point the MX straight at the canonical host:\n  " + d + " " + std::to_string(mx.ttl) + " IN MX " +
                 std::to_string(mx_pref(mx)) + " " + canonical});
  }
  const auto v4 = a.rdata(target, rrtype::kA);
  const auto v6 = aaaa.rdata(target, rrtype::kAAAA);
  if (v4.empty() && v6.empty()) {
    const bool nx = a.nxdomain() && aaaa.nxdomain();
    ctx.add({"mx.target_no_address",
             Severity::kError,
             "MX target " + t + (nx ? " does not exist" : " has no A or AAAA record"),
             {rr_text(mx), t + " A/AAAA -> " + (nx ? std::string("NXDOMAIN") : std::string("NOERROR, no data"))},
             "Senders look the MX target up for A and AAAA records and find " +
                 std::string(nx ? "no such name (NXDOMAIN)" : "none") + ", so mail to " + d +
                 " cannot be delivered to this host (RFC 5321 §5.1).",
             "Publish the mail server's address at " + t +
                 " (a DNS-only A/AAAA record), or fix the MX target if it "
                 "is a typo."});
    return;
  }
  std::vector<std::string> bad;
  std::string what;
  for (const auto* v : {&v4, &v6}) {
    for (const auto& rd : *v) {
      const std::string range = special_range(rd);
      if (range.empty()) continue;
      bad.push_back(t + " " + (rd.size() == 4 ? "A " : "AAAA ") + addr_text(rd));
      if (what.empty()) what = addr_text(rd) + " is in the " + range + " range";
    }
  }
  if (!bad.empty()) {
    // Local mode: a dc-record (docs/proxy.md) is synthesized, nobody can publish at its name.
    const ProxyFacts* facts = ctx.facts();
    const ProxyFacts::Zone* zone = facts ? facts->zone_of(target) : nullptr;
    const bool synthesized =
        zone != nullptr && first_label(target).rfind("dc-", 0) == 0 &&
        std::none_of(zone->stored.begin(), zone->stored.end(), [&](const auto& r) { return r.owner == target; });
    bad.insert(bad.begin(), rr_text(mx));
    ctx.add({"mx.target_bogon", Severity::kWarning, "MX target " + t + " has a non-public address", bad,
             what + ": senders on the Internet cannot reach a mail server there (only hosts on the same private "
                    "network, or nobody at all for documentation and loopback addresses).",
             synthesized ? "The dc-record answers the origin of the proxied MX target: point the MX at a DNS-only "
                           "mail host with the mail server's public address."
                         : "Publish the mail server's public address at " + t + "."});
  }
}

}  // namespace

void check_mx(Context& ctx) {
  const std::string& domain = ctx.domain();
  const std::string d = ctx.domain_text();
  const Lookup& l = ctx.lookup(domain, rrtype::kMX);
  if (!l.answered()) return;  // check() reported the domain as not checked
  const auto mxs = l.rrs(domain, rrtype::kMX);
  if (mxs.empty()) {
    const Lookup& a = ctx.lookup(domain, rrtype::kA);
    const Lookup& aaaa = ctx.lookup(domain, rrtype::kAAAA);
    std::vector<dns::ZoneRecord> addrs = a.rrs(domain, rrtype::kA);
    for (auto& r : aaaa.rrs(domain, rrtype::kAAAA)) addrs.push_back(std::move(r));
    if (!addrs.empty()) {
      ctx.add({"mx.none", Severity::kWarning, d + " has no MX record: mail goes to its A/AAAA address", texts(addrs),
               "Without an MX record senders deliver to the domain's own address (the implicit MX, RFC 5321 "
               "§5.1). That works only if the web host also runs the mail server; otherwise mail is queued and "
               "bounced days later.",
               "Publish an MX for your mail host:\n  " + d + " 300 IN MX 10 mail." + d + "\n  mail." + d +
                   " 300 IN A <your mail server's address>   (DNS-only)\nor, if " + d +
                   " receives no mail, a null MX (RFC 7505):\n  " + d + " 300 IN MX 0 ."});
    } else if (a.answered() && aaaa.answered()) {
      ctx.add({"mx.none_no_address",
               Severity::kInfo,
               d + " receives no mail (no MX and no address)",
               {},
               "There is neither an MX nor an A/AAAA record, so nobody can send mail to " + d + ".",
               "If that is intended, say so explicitly with a null MX (RFC 7505):\n  " + d +
                   " 300 IN MX 0 .\nOtherwise publish an MX for your mail host."});
    }
    return;
  }
  bool has_null = false;
  for (const auto& r : mxs) has_null = has_null || mx_target(r) == std::string(1, '\0');
  if (has_null) {
    if (mxs.size() > 1) {
      ctx.add({"mx.null_mixed", Severity::kError, "Null MX published together with other MX records", texts(mxs),
               "A null MX (\"MX 0 .\") says the domain accepts no mail; it must be the only MX record (RFC 7505 §3). "
               "Mixed with real MX records, senders cannot tell what is meant: some bounce, some deliver.",
               "Keep either the real MX records (delete \"" + d + " MX 0 .\") or only the null MX."});
    }
    for (const auto& r : mxs) {
      if (mx_target(r) == std::string(1, '\0') && mx_pref(r) != 0) {
        ctx.add({"mx.null_nonzero_pref",
                 Severity::kWarning,
                 "Null MX with a preference other than 0",
                 {rr_text(r)},
                 "RFC 7505 §3 defines the null MX as preference 0 with the root as target.",
                 "Replace it with:\n  " + d + " " + std::to_string(r.ttl) + " IN MX 0 ."});
      }
    }
    if (mxs.size() == 1 && mx_pref(mxs.front()) == 0) {
      ctx.add({"mx.null", Severity::kInfo, d + " declares that it accepts no mail (null MX)", texts(mxs),
               "Senders bounce mail to " + d + " at once (RFC 7505). Receivers may also reject mail that uses " + d +
                   " as its sender domain (RFC 7505 §4.2).",
               "Nothing to do if the domain receives no mail."});
    }
  }
  // Duplicate targets (RFC 5321 §5.1 lets senders try each once; duplicates only add noise).
  std::vector<std::string> seen;
  std::vector<const dns::ZoneRecord*> targets;
  for (const auto& r : mxs) {
    const std::string t = mx_target(r);
    if (t.empty() || t == std::string(1, '\0')) continue;
    if (std::find(seen.begin(), seen.end(), t) != seen.end()) {
      std::vector<std::string> recs;
      for (const auto& o : mxs) {
        if (mx_target(o) == t) recs.push_back(rr_text(o));
      }
      ctx.add({"mx.duplicate", Severity::kInfo, "MX target " + name_text(t) + " appears more than once", recs,
               "The same host is listed in several MX records; senders try it once anyway.",
               "Keep one MX record for " + name_text(t) + "."});
      continue;
    }
    seen.push_back(t);
    targets.push_back(&r);
  }
  for (size_t i = 0; i < targets.size() && i < kMaxTargets; ++i) check_target(ctx, *targets[i]);
}

}  // namespace dnsedge::doctor
