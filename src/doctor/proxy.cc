// Proxy interplay (docs/proxy.md, docs/doctor.md): what proxying and CNAME
// flattening do to mail. Needs the served view's facts, so it runs in local mode only.

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "dns/name.h"
#include "dns/types.h"
#include "doctor/context.h"
#include "doctor/util.h"
#include "view/served.h"

namespace dnsedge::doctor {
namespace {

namespace rrtype = dns::rrtype;

std::vector<dns::ZoneRecord> at(const std::vector<dns::ZoneRecord>& set, std::string_view owner, uint16_t type) {
  std::vector<dns::ZoneRecord> out;
  for (const auto& r : set) {
    if (r.owner == owner && r.type == type) out.push_back(r);
  }
  return out;
}

std::vector<dns::ZoneRecord> stored_proxied(const ProxyFacts& facts, std::string_view owner) {
  std::vector<dns::ZoneRecord> out;
  for (const auto& z : facts.zones) {
    for (const auto& r : z.stored) {
      if (r.owner == owner && (r.type == rrtype::kA || r.type == rrtype::kAAAA || r.type == rrtype::kCNAME)) {
        out.push_back(r);
      }
    }
  }
  return out;
}

std::string origin_text(const view::Origin& o) {
  std::string s;
  for (const auto* fam : {&o.v4, &o.v6}) {
    for (const auto& a : *fam) s += (s.empty() ? "" : ", ") + addr_text(a);
  }
  if (s.empty()) s = o.cname.empty() ? "none" : "what " + name_text(o.cname) + " resolves to";
  return s;
}

void push_all(std::vector<std::string>& out, const std::vector<dns::ZoneRecord>& rrs) {
  for (const auto& r : rrs) {
    const std::string t = rr_text(r);
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
}

// MX/SRV whose target is proxied: the served view points them at a dc-record (docs/proxy.md).
void mail_targets(Context& ctx, const ProxyFacts& facts, const ProxyFacts::Zone& zone) {
  const std::string& domain = ctx.domain();
  for (const auto& r : zone.stored) {
    if ((r.type != rrtype::kMX && r.type != rrtype::kSRV) || !dns::is_subdomain(r.owner, domain)) continue;
    const size_t off = static_cast<size_t>(dns::rdata_target_offset(r.type));
    if (r.rdata.size() <= off) continue;
    const std::string target = r.rdata.substr(off);
    const std::string dc = view::dc_name(zone.apex, target);
    dns::ZoneRecord rewritten;
    bool found = false;
    for (const auto& s : at(zone.served, r.owner, r.type)) {
      if (s.rdata == r.rdata.substr(0, off) + dc) {
        rewritten = s;
        found = true;
      }
    }
    if (!found) continue;
    const bool mx = r.type == rrtype::kMX;
    const std::string t = name_text(target), o = name_text(r.owner), dct = name_text(dc);
    std::vector<std::string> recs = {rr_text(r)};
    push_all(recs, stored_proxied(facts, target));
    recs.push_back(rr_text(rewritten) + " ; served");
    auto v4 = at(zone.served, dc, rrtype::kA), v6 = at(zone.served, dc, rrtype::kAAAA);
    for (auto& x : v4) recs.push_back(rr_text(x) + " ; served, synthesized");
    for (auto& x : v6) recs.push_back(rr_text(x) + " ; served, synthesized");
    std::string origin;
    for (const auto* set : {&v4, &v6}) {
      for (const auto& x : *set) origin += (origin.empty() ? "" : ", ") + addr_text(x.rdata);
    }
    if (origin.empty()) origin = "no address";
    const std::string kind = mx ? "MX" : "SRV";
    const std::string zt = name_text(zone.apex);
    std::string fix;
    if (mx) {
      fix = "Either delete the MX record \"" + rr_text(r) + "\" (if " + o +
            " receives no mail, publish the null MX \"" + o +
            " 300 IN MX 0 .\" instead), or point it at a DNS-only mail host:\n  mail." + zt + " 300 IN A " +
            (v4.empty() ? std::string("<mail server IPv4>") : addr_text(v4.front().rdata)) +
            "   (DNS-only, not proxied)\n  " + o + " " + std::to_string(r.ttl) + " IN MX " +
            std::to_string(uint8_t(r.rdata[0]) << 8 | uint8_t(r.rdata[1])) + " mail." + zt + "\nand delete the MX to " +
            t +
            ". The dc-record then disappears. Running mail on another address than "
            "the web origin keeps the origin hidden as well.";
    } else {
      fix = "Point the SRV record at a DNS-only host (for example mail." + zt +
            " with the server's A/AAAA, not "
            "proxied), or delete it if the service is not offered. The dc-record then disappears.";
    }
    ctx.add({mx ? "proxy.mx_target_proxied" : "proxy.srv_target_proxied", Severity::kWarning,
             kind + " target " + t + " is proxied: served through " + dct + ", exposing the origin " + origin, recs,
             t +
                 " is proxied, but the edge carries web traffic only: SMTP, IMAP and the other mail ports are not "
                 "proxied. So dnsedge answers this " +
                 kind + " with the synthesized dc-record " + dct + ", whose A/AAAA is the origin (" + origin +
                 "). Mail keeps flowing, but anyone who looks up the " + kind +
                 " learns the origin address the proxy is meant to hide. The dc-record is not a stored "
                 "record: it cannot be edited, and its name will not match an MTA-STS mx: pattern, the mail "
                 "server's certificate or its PTR name.",
             fix});
  }
}

void mail_hosts(Context& ctx, const ProxyFacts& facts) {
  const std::string& domain = ctx.domain();
  for (const auto& p : facts.proxied) {
    if (!dns::is_subdomain(p.owner, domain)) continue;
    const std::string label = first_label(p.owner);
    const std::string n = name_text(p.owner);
    const bool txt_name = has_underscore_label(p.owner, domain);
    if (!txt_name && (p.owner == domain || !mail_protocol_label(label)) && !mail_web_label(label)) continue;
    // Only for the names reported: stored_proxied() scans every stored record.
    std::vector<std::string> recs;
    push_all(recs, stored_proxied(facts, p.owner));
    if (txt_name) {
      ctx.add({"proxy.txt_name_proxied", Severity::kError, n + " is proxied, so it answers no TXT", recs,
               "A proxied name answers only the edge addresses: the TXT data mail looks up there (DMARC, DKIM, "
               "MTA-STS, TLS-RPT, provider verification) can never be seen.",
               "Make " + n + " DNS-only (turn proxying off)."});
      continue;
    }
    if (p.owner != domain && mail_protocol_label(label)) {
      ctx.add({"proxy.mail_host_proxied", Severity::kError, "Mail host " + n + " is proxied", recs,
               n +
                   " answers the edge addresses, and the edge carries only HTTP and HTTPS. Mail clients and servers "
                   "connecting to " +
                   n +
                   " for SMTP (25, 465, 587), IMAP (143, 993) or POP (110, 995) reach the "
                   "edge, where nothing accepts them.",
               "Make " + n + " DNS-only (turn proxying off) so it answers the mail server's own address " +
                   origin_text(p.origin) + "."});
    } else if (mail_web_label(label)) {
      ctx.add({"proxy.mail_client_host_proxied", Severity::kWarning, "Mail client host " + n + " is proxied", recs,
               "Its HTTPS part (webmail, autodiscover/autoconfig) passes the edge, but mail clients often use the "
               "same name for IMAP/SMTP, and autodiscover/autoconfig answers that hand out " +
                   n + " as the mail server send clients to the edge.",
               "Keep the web part proxied only if the mail server names given to clients are other, DNS-only "
               "names; otherwise make " +
                   n + " DNS-only."});
    }
  }
}

void implicit_mx(Context& ctx, const ProxyFacts& facts) {
  const std::string& domain = ctx.domain();
  const ProxyFacts::Proxied* p = facts.find_proxied(domain);
  if (p == nullptr) return;
  const Lookup& mx = ctx.lookup(domain, rrtype::kMX);
  if (!mx.answered() || !mx.rrs(domain, rrtype::kMX).empty()) return;
  const std::string d = ctx.domain_text();
  std::vector<std::string> recs;
  push_all(recs, stored_proxied(facts, domain));
  ctx.add({"proxy.implicit_mx_to_edge", Severity::kError, d + " has no MX and is proxied: mail goes to the edge", recs,
           "Without an MX, senders deliver to the domain's own A/AAAA (the implicit MX, RFC 5321 §5.1). " + d +
               " is proxied, so that is the edge, which does not accept SMTP on port 25: mail is queued and bounced "
               "days later.",
           "Publish an MX for a DNS-only mail host:\n  mail." + d + " 300 IN A <mail server address>   (DNS-only)\n  " +
               d + " 300 IN MX 10 mail." + d + "\nor, if " + d + " receives no mail, the null MX:\n  " + d +
               " 300 IN MX 0 ."});
}

// Served MX targets: their addresses against the edge and the proxied origins.
void mx_addresses(Context& ctx, const ProxyFacts& facts) {
  const std::string& domain = ctx.domain();
  const Lookup& mx = ctx.lookup(domain, rrtype::kMX);
  if (!mx.answered()) return;
  for (const auto& r : mx.rrs(domain, rrtype::kMX)) {
    if (r.rdata.size() <= 3) continue;
    const std::string host = r.rdata.substr(2);
    const std::string h = name_text(host);
    // Hosts of the checked zone are covered by exposed_origins(); others (other zones, outside).
    const bool ours = dns::is_subdomain(host, domain) && facts.zone_of(host) == facts.zone_of(domain);
    for (uint16_t type : {rrtype::kA, rrtype::kAAAA}) {
      const Lookup& l = ctx.lookup(host, type);
      for (const auto& a : l.rrs(host, type)) {
        if (facts.is_edge(a.rdata)) {
          ctx.add({"proxy.mx_target_edge_ip",
                   Severity::kError,
                   "MX target " + h + " answers an edge address",
                   {rr_text(r), rr_text(a)},
                   addr_text(a.rdata) +
                       " is one of the edge addresses. The edge does not accept SMTP, so mail sent "
                       "to " +
                       h +
                       " is refused or times out. (A DNS-only record copied from what a proxied name "
                       "answers does this.)",
                   "Give " + h + " the mail server's own address (DNS-only), not an edge address."});
          continue;
        }
        for (const auto& p : facts.proxied) {
          for (const auto* fam : {&p.origin.v4, &p.origin.v6}) {
            for (const auto& o : *fam) {
              if (o == a.rdata && !ours) {
                ctx.add({"proxy.mail_shares_origin_ip",
                         Severity::kWarning,
                         "Mail host " + h + " has the address of the proxied origin of " + name_text(p.owner),
                         {rr_text(r), rr_text(a)},
                         "The MX is public, and " + addr_text(o) + " is also the origin behind proxied " +
                             name_text(p.owner) + ": anyone can bypass the edge and reach the web server directly.",
                         "Host mail on a different address than the web origin (or send through an outbound relay)."});
              } else if (o != a.rdata && same_neighbourhood(o, a.rdata)) {
                ctx.add({"proxy.mail_near_origin",
                         Severity::kInfo,
                         "Mail host " + h + " is in the same /" + std::string(o.size() == 4 ? "24" : "48") +
                             " as the proxied origin of " + name_text(p.owner),
                         {rr_text(r), rr_text(a)},
                         addr_text(a.rdata) + " and the origin " + addr_text(o) +
                             " are neighbours: scanning the mail host's network finds the origin.",
                         "Put the web origin in an address range unrelated to the mail server."});
              }
            }
          }
        }
      }
    }
  }
}

// DNS-only names of the zone that answer a proxied origin address (dc-records included).
void exposed_origins(Context& ctx, const ProxyFacts& facts, const ProxyFacts::Zone& zone) {
  const std::string& domain = ctx.domain();
  std::set<std::string> mail_hosts;
  const Lookup& mx = ctx.lookup(domain, rrtype::kMX);
  for (const auto& r : mx.rrs(domain, rrtype::kMX)) {
    if (r.rdata.size() > 2) mail_hosts.insert(r.rdata.substr(2));
  }
  std::set<std::string> reported;
  // Indexes, so the scan is linear in the zone, not zone x proxied names: the proxied owners,
  // and each origin address with the first proxied name (in facts.proxied order) using it.
  std::set<std::string_view> proxied_owners;
  std::map<std::string_view, const ProxyFacts::Proxied*> by_origin;
  for (const auto& p : facts.proxied) {
    proxied_owners.insert(p.owner);
    for (const auto* fam : {&p.origin.v4, &p.origin.v6}) {
      for (const auto& a : *fam) by_origin.emplace(a, &p);
    }
  }
  for (const auto& s : zone.served) {
    if ((s.type != rrtype::kA && s.type != rrtype::kAAAA) || !dns::is_subdomain(s.owner, domain)) continue;
    if (proxied_owners.count(s.owner) != 0 || reported.count(s.owner) != 0) continue;
    auto hit = by_origin.find(s.rdata);
    if (hit == by_origin.end()) continue;
    {
      const ProxyFacts::Proxied& p = *hit->second;
      reported.insert(s.owner);
      const std::string n = name_text(s.owner);
      const bool dc = first_label(s.owner).rfind("dc-", 0) == 0 && at(zone.stored, s.owner, s.type).empty();
      const bool mail = dc || mail_hosts.count(s.owner) != 0;
      std::vector<std::string> recs = {rr_text(s) + (dc ? " ; served, synthesized" : "")};
      push_all(recs, stored_proxied(facts, p.owner));
      std::string why = dc ? n + " is the dc-record dnsedge synthesizes because an MX/SRV target is proxied (see "
                                 "proxy.mx_target_proxied); it answers the origin."
                           : n + " is DNS-only" + std::string(mail ? " and is a mail host" : "") + ".";
      ctx.add(
          {"proxy.origin_exposed", Severity::kWarning,
           std::string(mail ? "Mail host " : "DNS-only name ") + n + " reveals the origin " + addr_text(s.rdata) +
               " of proxied " + name_text(p.owner),
           recs,
           why + " Anyone can look it up and reach " + addr_text(s.rdata) +
               " directly, past the edge that "
               "proxied " +
               name_text(p.owner) + " is meant to hide it behind.",
           dc ? "Remove the reason for the dc-record: delete the MX/SRV record, or point it at a DNS-only mail host "
                "(mail." +
                    name_text(zone.apex) +
                    " A <address>, not proxied); use a mail server address other "
                    "than the web origin to keep the origin hidden."
              : "Give " + n +
                    " an address other than the web origin (move mail/other services to another "
                    "server), or proxy " +
                    n + " too if it only serves HTTP(S)."});
    }
  }
}

void flattening(Context& ctx, const ProxyFacts& facts, const ProxyFacts::Zone& zone) {
  const std::string& domain = ctx.domain();
  // The served A/AAAA by owner, once: with flatten-all every CNAME is flattened, and scanning the
  // served records for each would cost CNAMEs x records.
  std::multimap<std::string_view, const dns::ZoneRecord*> served_addrs;
  for (const auto& s : zone.served) {
    if (s.type == rrtype::kA || s.type == rrtype::kAAAA) served_addrs.emplace(s.owner, &s);
  }
  for (const auto& c : zone.stored) {
    if (c.type != rrtype::kCNAME || c.proxied || !dns::is_subdomain(c.owner, domain)) continue;
    if (facts.find_proxied(c.owner) != nullptr) continue;
    const bool flat = c.owner == zone.apex || c.flatten_cname || zone.flatten_all;
    if (!flat) continue;
    const std::string n = name_text(c.owner), t = name_text(c.rdata);
    std::vector<std::string> recs = {rr_text(c)};
    const auto [first, last] = served_addrs.equal_range(c.owner);
    for (auto it = first; it != last; ++it) recs.push_back(rr_text(*it->second) + " ; served");
    if (zone.flatten_all && c.owner != zone.apex && !c.flatten_cname && mail_cname(c.owner, c.rdata, domain)) {
      ctx.add({"proxy.flatten_all_mail_cname", Severity::kError,
               "Flatten-all hides the CNAME " + n + " that mail needs", recs,
               name_text(zone.apex) + " flattens every CNAME: " + n + " never answers its CNAME to " + t +
                   ", only the target's A/AAAA. A TXT lookup at " + n +
                   " (DKIM key, DMARC, MTA-STS, TLS-RPT or "
                   "provider verification) does not follow the target and finds nothing, so the key or "
                   "verification record vanishes.",
               "Switch " + name_text(zone.apex) + " back to flattening at the root only (drop --flatten-all " +
                   name_text(zone.apex) + "), or publish the TXT data itself at " + n + " instead of the CNAME."});
      continue;
    }
    const Lookup& a = ctx.lookup(c.owner, rrtype::kA);
    const Lookup& aaaa = ctx.lookup(c.owner, rrtype::kAAAA);
    if (a.status != Lookup::Status::kOk || aaaa.status != Lookup::Status::kOk) continue;
    const bool failed = a.rcode == dns::rcode::kServFail || aaaa.rcode == dns::rcode::kServFail;
    const bool empty = a.rrs(c.owner, rrtype::kA).empty() && aaaa.rrs(c.owner, rrtype::kAAAA).empty();
    if (!failed && !empty) continue;
    recs.push_back(n + " A/AAAA -> " + (failed ? std::string("SERVFAIL") : std::string("NOERROR, no data")));
    ctx.add({"proxy.flatten_no_address", Severity::kWarning, "Flattened CNAME " + n + " answers no address", recs,
             n + " is flattened (" +
                 (c.owner == zone.apex ? std::string("a CNAME at the apex")
                  : c.flatten_cname    ? std::string("flatten_cname on the record")
                                       : std::string("flatten-all on the zone")) +
                 "): it answers the A/AAAA of " + t + " under its own name, and " + t +
                 (failed ? " could not be resolved, so A/AAAA queries get SERVFAIL."
                         : " has none, so it answers NOERROR with no data — which looks like a record that has not "
                           "propagated. Anything that expected the CNAME (a TXT or verification lookup) fails."),
             "Point the CNAME at a name that has A/AAAA records, or, if only its other data matters, stop "
             "flattening it" +
                 std::string(zone.flatten_all ? " (drop --flatten-all " + name_text(zone.apex) + ")" : "") + "."});
  }
}

}  // namespace

void check_proxy(Context& ctx) {
  const ProxyFacts* facts = ctx.facts();
  if (facts == nullptr) return;
  const ProxyFacts::Zone* zone = facts->zone_of(ctx.domain());
  if (zone == nullptr) return;
  mail_targets(ctx, *facts, *zone);
  mail_hosts(ctx, *facts);
  implicit_mx(ctx, *facts);
  mx_addresses(ctx, *facts);
  exposed_origins(ctx, *facts, *zone);
  flattening(ctx, *facts, *zone);
}

}  // namespace dnsedge::doctor
