// DNSSEC and DANE for mail (docs/doctor.md "DNSSEC and DANE").
//
// Live mode: the DS the parent publishes must match a DNSKEY of the zone (RFC 4035 §5: a DS
// matching none makes every answer of the zone bogus), the apex signatures must be valid now and
// not about to expire, and the algorithms should be the ones RFC 8624 recommends. Local mode:
// what the server knows of the zone's DNSSEC (status pending: the DS is not confirmed at the
// parent yet).
//
// DANE for SMTP (RFC 7672): a TLSA record at _25._tcp.<MX host> counts only in a signed zone
// (§2.2: senders ignore TLSA records that do not validate), and senders look it up at the MX
// host they connect to, so an MX rewritten to a dc-record (proxied MX target) needs the TLSA at
// _25._tcp.<dc-record> too.

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>

#include "dns/name.h"
#include "dns/types.h"
#include "doctor/context.h"
#include "doctor/util.h"
#include "view/served.h"

namespace dnsedge::doctor {
namespace {

namespace rrtype = dns::rrtype;

constexpr uint16_t kSepFlag = 1;  // DNSKEY flags bit 15 (RFC 4034 §2.1.1)

uint16_t u16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) << 8 | static_cast<uint8_t>(s[at + 1]));
}
uint32_t u32(std::string_view s, size_t at) { return static_cast<uint32_t>(u16(s, at)) << 16 | u16(s, at + 2); }

// RFC 4034 Appendix B.
uint16_t key_tag(std::string_view dnskey) {
  uint32_t ac = 0;
  for (size_t i = 0; i < dnskey.size(); ++i) {
    ac += (i & 1) ? static_cast<uint8_t>(dnskey[i]) : static_cast<uint32_t>(static_cast<uint8_t>(dnskey[i])) << 8;
  }
  ac += (ac >> 16) & 0xFFFF;
  return static_cast<uint16_t>(ac & 0xFFFF);
}

// The DS digest of a DNSKEY (RFC 4034 §5.1.4) for digest types 1, 2, 4; "" for other types.
std::string ds_digest(std::string_view owner, std::string_view dnskey, uint8_t digest_type) {
  const EVP_MD* md = digest_type == 1   ? EVP_sha1()
                     : digest_type == 2 ? EVP_sha256()
                     : digest_type == 4 ? EVP_sha384()
                                        : nullptr;
  if (md == nullptr) return {};
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* c = EVP_MD_CTX_new();
  if (c == nullptr) return {};
  const std::string o = ascii_lower(owner);
  const bool ok = EVP_DigestInit_ex(c, md, nullptr) == 1 && EVP_DigestUpdate(c, o.data(), o.size()) == 1 &&
                  EVP_DigestUpdate(c, dnskey.data(), dnskey.size()) == 1 && EVP_DigestFinal_ex(c, out, &len) == 1;
  EVP_MD_CTX_free(c);
  return ok ? std::string(reinterpret_cast<const char*>(out), len) : std::string();
}

std::string hex_upper(std::string_view b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  for (unsigned char c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

// RFC 8624 §3.1: what a signer should use. 8 and 13 are the recommended ones; 14, 15, 16 are
// fine; RSAMD5 (1), DSA (3, 6), RSASHA1 (5, 7), RSASHA512 (10) and GOST (12) are not.
std::string algorithm_problem(uint8_t alg) {
  switch (alg) {
    case 8:
    case 13:
    case 14:
    case 15:
    case 16:
      return {};
    case 1:
      return "RSAMD5 (1) must not be used (RFC 8624)";
    case 3:
    case 6:
      return "DSA (" + std::to_string(alg) + ") must not be used (RFC 8624)";
    case 5:
    case 7:
      return "RSASHA1 (" + std::to_string(alg) +
             ") is not recommended (RFC 8624): many validators treat it as insecure";
    case 10:
      return "RSASHA512 (10) is not recommended (RFC 8624)";
    case 12:
      return "ECC-GOST (12) must not be used (RFC 8624)";
    default:
      return "algorithm " + std::to_string(alg) + " is not one validators support (RFC 8624)";
  }
}

std::string ds_text(std::string_view owner, uint32_t ttl, std::string_view dnskey) {
  return name_text(owner) + " " + std::to_string(ttl) + " IN DS " + std::to_string(key_tag(dnskey)) + " " +
         std::to_string(static_cast<uint8_t>(dnskey[3])) + " 2 " + hex_upper(ds_digest(owner, dnskey, 2));
}

std::string utc_text(uint32_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t now_of(const Options& o) {
  if (o.now != 0) return o.now;
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The DS at the parent against the zone's DNSKEYs, the algorithms of both.
void check_ds(Context& ctx, const std::vector<dns::ZoneRecord>& dnskeys) {
  const std::string& domain = ctx.domain();
  const std::string d = ctx.domain_text();
  const Lookup& ds = ctx.lookup(domain, rrtype::kDS);
  if (!ds.answered()) return;  // DNSSEC is optional: a failed lookup is no finding
  const auto dss = ds.rrs(domain, rrtype::kDS);
  if (dss.empty()) return;  // not signed as far as the parent is concerned
  bool any_match = false;
  std::vector<std::string> recs;
  for (const auto& r : dss) {
    recs.push_back(rr_text(r));
    if (r.rdata.size() < 5) continue;
    const uint16_t tag = u16(r.rdata, 0);
    const auto alg = static_cast<uint8_t>(r.rdata[2]);
    const auto dtype = static_cast<uint8_t>(r.rdata[3]);
    for (const auto& k : dnskeys) {
      if (k.rdata.size() < 4 || key_tag(k.rdata) != tag || static_cast<uint8_t>(k.rdata[3]) != alg) continue;
      const std::string digest = ds_digest(domain, k.rdata, dtype);
      if (!digest.empty() && digest == r.rdata.substr(4)) any_match = true;
    }
    if (dtype == 1) {
      ctx.add({"dnssec.ds_digest_sha1",
               Severity::kWarning,
               "The DS of " + d + " uses a SHA-1 digest",
               {rr_text(r)},
               "Digest type 1 (SHA-1) is no longer recommended for DS records (RFC 8624 §3.3); validators may "
               "stop accepting it.",
               "Give the registrar a DS with digest type 2 (SHA-256) for the same key and remove the SHA-1 one."});
    }
  }
  if (any_match) return;
  for (const auto& k : dnskeys) recs.push_back(rr_text(k));
  std::string fix;
  std::vector<std::string> wanted;
  for (const auto& k : dnskeys) {
    if (k.rdata.size() >= 4 && (u16(k.rdata, 0) & kSepFlag) != 0) wanted.push_back(ds_text(domain, 3600, k.rdata));
  }
  if (wanted.empty()) {
    fix = "Remove the DS record(s) of " + d +
          " at the registrar (the zone publishes no key they could match), or "
          "turn DNSSEC on again with the key the DS was made from.";
  } else {
    fix = "Replace the DS at the registrar with:";
    for (const auto& w : wanted) fix += "\n  " + w;
  }
  ctx.add({"dnssec.ds_mismatch", Severity::kError, "The DS at the parent of " + d + " matches no DNSKEY of the zone",
           recs,
           "Validating resolvers follow the DS at the parent to the zone's keys. No DNSKEY of " + d +
               " matches it, so every answer of the zone is bogus for them: mail senders that validate get "
               "SERVFAIL for the MX and cannot deliver.",
           fix});
}

// Signatures of the apex SOA, MX and DNSKEY sets: valid now, not expiring within the warning time.
void check_signatures(Context& ctx) {
  const std::string& domain = ctx.domain();
  const std::string d = ctx.domain_text();
  const Lookup& sigs = ctx.lookup(domain, rrtype::kRRSIG);
  if (!sigs.answered()) return;  // many resolvers do not answer RRSIG queries: nothing to conclude
  const int64_t now = now_of(ctx.options());
  const int64_t warn = ctx.options().signature_warning.count();
  std::vector<std::string> expired, expiring, early;
  int64_t first_expiry = 0;
  for (const auto& r : sigs.rrs(domain, rrtype::kRRSIG)) {
    if (r.rdata.size() < 18) continue;
    const uint16_t covered = u16(r.rdata, 0);
    if (covered != rrtype::kSOA && covered != rrtype::kMX && covered != rrtype::kDNSKEY && covered != rrtype::kTXT) {
      continue;
    }
    const uint32_t expiration = u32(r.rdata, 8), inception = u32(r.rdata, 12);
    // Serial number arithmetic (RFC 4034 §3.1.5): the 32-bit times wrap.
    const auto left = static_cast<int32_t>(expiration - static_cast<uint32_t>(now));
    const auto since = static_cast<int32_t>(static_cast<uint32_t>(now) - inception);
    const std::string line = rr_text(r) + " ; expires " + utc_text(expiration);
    if (left < 0) {
      expired.push_back(line);
    } else if (since < 0) {
      early.push_back(rr_text(r) + " ; valid from " + utc_text(inception));
    } else if (left < warn) {
      expiring.push_back(line);
      first_expiry = first_expiry == 0 ? expiration : std::min<int64_t>(first_expiry, expiration);
    }
  }
  const std::string fix =
      "Re-sign the zone now (with dnsedge: its signatures are renewed automatically while it runs; check that "
      "the server that answers for " +
      d +
      " is running and that its clock is right), and make the signer "
      "renew signatures well before they expire.";
  if (!expired.empty()) {
    ctx.add({"dnssec.signature_expired", Severity::kError, "Signatures of " + d + " have expired", expired,
             "Validating resolvers reject answers whose signature has expired: the MX of " + d +
                 " is SERVFAIL for them and mail to the domain stops.",
             fix});
  }
  if (!early.empty()) {
    ctx.add({"dnssec.signature_not_yet_valid", Severity::kError, "Signatures of " + d + " are not valid yet", early,
             "The inception time lies in the future: validators reject them until then. The signer's clock is "
             "probably ahead.",
             "Set the signer's clock right and re-sign the zone."});
  }
  if (!expiring.empty()) {
    ctx.add({"dnssec.signature_expiring", Severity::kWarning,
             "Signatures of " + d + " expire within " + std::to_string(warn / 86400) + " days", expiring,
             "The first expires at " + utc_text(static_cast<uint32_t>(first_expiry)) +
                 "; unless the zone is re-signed before, validating senders stop delivering mail to " + d + ".",
             fix});
  }
}

void check_algorithms(Context& ctx, const std::vector<dns::ZoneRecord>& dnskeys) {
  for (const auto& k : dnskeys) {
    if (k.rdata.size() < 4) continue;
    const std::string why = algorithm_problem(static_cast<uint8_t>(k.rdata[3]));
    if (why.empty()) continue;
    ctx.add({"dnssec.algorithm",
             Severity::kWarning,
             "A DNSKEY of " + ctx.domain_text() + " uses a weak algorithm",
             {rr_text(k)},
             why + ".",
             "Roll the zone to ECDSAP256SHA256 (13) or RSASHA256 (8): new keys, then a new DS at the registrar "
             "(RFC 6781 §4.1.4 algorithm rollover)."});
  }
}

// The apex of the zone holding `name`: the facts' zone in local mode, else the nearest name at
// or above it that has an SOA of its own.
std::string zone_apex(Context& ctx, const std::string& name) {
  if (const ProxyFacts* f = ctx.facts()) {
    if (const auto* z = f->zone_of(name)) return z->apex;
  }
  std::string n = name;
  for (int i = 0; i < 6 && !n.empty() && n != std::string(1, '\0'); ++i) {
    const Lookup& soa = ctx.lookup(n, rrtype::kSOA);
    if (soa.answered() && !soa.rrs(n, rrtype::kSOA).empty()) return n;
    n = n.substr(static_cast<uint8_t>(n[0]) + 1);
  }
  return {};
}

bool zone_signed(Context& ctx, const std::string& apex) {
  if (apex == ctx.domain() && (ctx.options().dnssec_status == "active" || ctx.options().dnssec_status == "pending")) {
    return true;
  }
  const Lookup& k = ctx.lookup(apex, rrtype::kDNSKEY);
  return k.answered() && !k.rrs(apex, rrtype::kDNSKEY).empty();
}

// TLSA of a stored MX target that the served view rewrote to a dc-record: the dc-record needs it too.
void check_dane_dc(Context& ctx) {
  const ProxyFacts* facts = ctx.facts();
  if (facts == nullptr) return;
  const ProxyFacts::Zone* zone = facts->zone_of(ctx.domain());
  if (zone == nullptr) return;
  for (const auto& r : zone->stored) {
    if (r.type != rrtype::kMX || r.owner != ctx.domain() || r.rdata.size() <= 2) continue;
    const std::string target = r.rdata.substr(2);
    const std::string dc = view::dc_name(zone->apex, target);
    bool rewritten = false;
    for (const auto& s : zone->served) {
      rewritten = rewritten || (s.owner == r.owner && s.type == rrtype::kMX && s.rdata == r.rdata.substr(0, 2) + dc);
    }
    if (!rewritten) continue;
    auto at_target = prepend("_25._tcp", target);
    auto at_dc = prepend("_25._tcp", dc);
    if (!at_target || !at_dc) continue;
    const Lookup& have = ctx.lookup(*at_target, rrtype::kTLSA);
    const auto tlsa = have.rrs(*at_target, rrtype::kTLSA);
    if (tlsa.empty()) continue;
    const Lookup& there = ctx.lookup(*at_dc, rrtype::kTLSA);
    const auto present = there.rrs(*at_dc, rrtype::kTLSA);
    std::vector<std::string> missing;
    std::vector<std::string> recs;
    for (const auto& t : tlsa) {
      recs.push_back(rr_text(t));
      const bool found =
          std::any_of(present.begin(), present.end(), [&](const dns::ZoneRecord& p) { return p.rdata == t.rdata; });
      if (found) continue;
      dns::ZoneRecord add = t;
      add.owner = *at_dc;
      add.proxied = false;
      missing.push_back(rr_text(add));
    }
    if (missing.empty()) continue;
    recs.push_back(rr_text(r) + " ; stored");
    std::string fix = "Add at _25._tcp." + name_text(dc) + ":";
    for (const auto& m : missing) fix += "\n  " + m;
    fix += "\n(or make " + name_text(target) + " DNS-only, so that the MX keeps pointing at it).";
    ctx.add({"dane.tlsa_dc_record", Severity::kWarning,
             "The TLSA of " + name_text(target) + " does not follow its MX to the dc-record " + name_text(dc), recs,
             "The MX of " + ctx.domain_text() + " names " + name_text(target) +
                 ", which is proxied, so dnsedge serves the MX pointing at the dc-record " + name_text(dc) +
                 ". Sending servers look up the TLSA at _25._tcp of the MX host they connect to (RFC 7672 §2.2.1), "
                 "find none there and deliver without DANE authentication.",
             fix});
  }
}

void check_dane(Context& ctx) {
  const std::string& domain = ctx.domain();
  check_dane_dc(ctx);
  const Lookup& mx = ctx.lookup(domain, rrtype::kMX);
  std::set<std::string> seen;
  for (const auto& r : mx.rrs(domain, rrtype::kMX)) {
    if (r.rdata.size() <= 3) continue;  // the null MX "." has no host
    const std::string host = r.rdata.substr(2);
    if (!seen.insert(host).second) continue;
    auto owner = prepend("_25._tcp", host);
    if (!owner) continue;
    const Lookup& t = ctx.lookup(*owner, rrtype::kTLSA);
    const auto tlsa = t.rrs(*owner, rrtype::kTLSA);
    if (tlsa.empty()) continue;
    const std::string apex = zone_apex(ctx, host);
    if (apex.empty() || zone_signed(ctx, apex)) continue;
    std::vector<std::string> recs;
    for (const auto& x : tlsa) recs.push_back(rr_text(x));
    const bool ours = ctx.facts() != nullptr && ctx.facts()->zone_of(host) != nullptr;
    ctx.add({"dane.tlsa_unsigned", Severity::kWarning,
             "The TLSA of the mail host " + name_text(host) + " is in an unsigned zone", recs,
             "DANE for SMTP (RFC 7672) uses a TLSA record only when its answer validates with DNSSEC; the zone " +
                 name_text(apex) + " is not signed, so every sender ignores this TLSA and STARTTLS to " +
                 name_text(host) + " stays unauthenticated.",
             ours ? "Turn DNSSEC on for " + name_text(apex) +
                        " (PATCH /zones/{id}/dnssec {\"status\":\"active\"}) and give the registrar the DS it shows."
                  : "Sign the zone " + name_text(apex) + " and publish its DS at the parent, or delete the TLSA."});
  }
}

}  // namespace

void check_dnssec(Context& ctx) {
  const std::string& domain = ctx.domain();
  const std::string d = ctx.domain_text();
  if (ctx.mode() == "live") {
    const Lookup& keys = ctx.lookup(domain, rrtype::kDNSKEY);
    if (keys.answered()) {  // DNSSEC is optional: a failed lookup is no finding
      const auto dnskeys = keys.rrs(domain, rrtype::kDNSKEY);
      check_ds(ctx, dnskeys);
      if (!dnskeys.empty()) {
        check_algorithms(ctx, dnskeys);
        check_signatures(ctx);
      }
    }
  } else if (ctx.options().dnssec_status == "pending") {
    std::vector<std::string> recs;
    if (!ctx.options().dnssec_ds.empty()) recs.push_back(ctx.options().dnssec_ds);
    ctx.add({"dnssec.ds_pending", Severity::kInfo, "DNSSEC of " + d + " waits for its DS at the parent", recs,
             "DNSSEC is on for " + d +
                 " (status pending): the zone has its keys, but the parent does not "
                 "publish the DS yet, so validators treat the zone as unsigned and DANE (TLSA) is not used yet.",
             recs.empty() ? "Add the DS that GET /zones/{id}/dnssec shows at the registrar."
                          : "Add this DS at the registrar:\n  " + recs.front()});
  }
  check_dane(ctx);
}

}  // namespace dnsedge::doctor
