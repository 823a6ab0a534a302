#include "doctor/dkim.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

#include "dns/name.h"
#include "dns/types.h"
#include "doctor/context.h"
#include "doctor/tags.h"
#include "doctor/util.h"

namespace dnsedge::doctor {
namespace dkim {

Result<KeyInfo> inspect_key(std::string_view k, std::string_view p) {
  auto der = base64_decode(p);
  if (!der) return make_error("p= is not valid base64");
  KeyInfo info;
  info.type = k.empty() ? "rsa" : ascii_lower(k);
  if (info.type == "ed25519") {
    // RFC 8463 §4.2: the raw 32-octet public key.
    if (der->size() != 32)
      return make_error("an ed25519 key must be 32 octets, p= holds " + std::to_string(der->size()));
    info.bits = 256;
    return info;
  }
  if (info.type != "rsa") return make_error("unknown key type k=" + std::string(k) + " (rsa or ed25519)");
  using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
  const auto* in = reinterpret_cast<const unsigned char*>(der->data());
  Key key(d2i_PUBKEY(nullptr, &in, static_cast<long>(der->size())), &EVP_PKEY_free);
  if (!key) {
    in = reinterpret_cast<const unsigned char*>(der->data());
    key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &in, static_cast<long>(der->size())));
  }
  if (!key) return make_error("p= is not an RSA public key (neither SubjectPublicKeyInfo nor RSAPublicKey)");
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return make_error("p= holds a key that is not RSA, but k=rsa");
  info.bits = EVP_PKEY_get_bits(key.get());
  return info;
}

std::string selector_problem(std::string_view selector) {
  if (selector.empty()) return "empty selector";
  size_t start = 0;
  while (start <= selector.size()) {
    size_t dot = selector.find('.', start);
    if (dot == std::string_view::npos) dot = selector.size();
    const std::string_view label = selector.substr(start, dot - start);
    if (label.empty()) return "empty label";
    if (label.size() > 63) return "label longer than 63 characters";
    for (char c : label) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) return "character '" + std::string(1, c) + "' is not allowed (letters, digits, '-')";
    }
    if (label.front() == '-' || label.back() == '-') return "a label may not start or end with '-'";
    if (dot == selector.size()) break;
    start = dot + 1;
  }
  return "";
}

}  // namespace dkim

namespace {

namespace rrtype = dns::rrtype;

// Selectors below _domainkey.<domain> in the zone (local mode): "<sel>._domainkey.<domain>".
std::vector<std::string> zone_selectors(const Context& ctx) {
  std::vector<std::string> out;
  const ProxyFacts* facts = ctx.facts();
  if (facts == nullptr) return out;
  auto base = prepend("_domainkey", ctx.domain());
  if (!base) return out;
  for (const auto& z : facts->zones) {
    for (const auto* set : {&z.stored, &z.served}) {
      for (const auto& r : *set) {
        if (r.owner.size() <= base->size() || !dns::is_subdomain(r.owner, *base)) continue;
        const std::string rel = r.owner.substr(0, r.owner.size() - base->size()) + std::string(1, '\0');
        std::string text = name_text(rel);
        text.pop_back();  // trailing dot
        if (text == "*" || text.rfind("*.", 0) == 0) continue;
        if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
      }
    }
  }
  return out;
}

void check_selector(Context& ctx, const std::string& sel, bool given) {
  const std::string d = ctx.domain_text();
  if (const std::string bad = dkim::selector_problem(sel); !bad.empty()) {
    ctx.add({"dkim.selector_syntax",
             Severity::kError,
             "DKIM selector \"" + sel + "\" is not valid",
             {},
             bad + ". A selector is one or more DNS labels (RFC 6376 §3.1); signatures using it cannot be verified.",
             "Use the selector exactly as your mail provider shows it (letters, digits, '-', separated by dots)."});
    return;
  }
  auto name = prepend(sel + "._domainkey", ctx.domain());
  if (!name) {
    ctx.add({"dkim.selector_syntax",
             Severity::kError,
             "DKIM selector \"" + sel + "\" is not valid",
             {},
             "\"" + sel + "._domainkey." + d + "\" is not a valid domain name (too long?).",
             "Use a shorter selector."});
    return;
  }
  const std::string n = name_text(*name);
  const Lookup& l = ctx.lookup(*name, rrtype::kTXT);
  if (!l.answered()) {
    ctx.lookup_failed("the DKIM key of selector \"" + sel + "\"", *name, rrtype::kTXT, l);
    return;
  }
  const auto rrs = l.rrs(*name, rrtype::kTXT);
  if (rrs.empty()) {
    std::vector<std::string> recs = {n + " TXT -> " + (l.nxdomain() ? std::string("NXDOMAIN") : std::string("no TXT"))};
    for (const auto& r : l.records) recs.push_back(rr_text(r));
    ctx.add({"dkim.missing", Severity::kError, "No DKIM key at " + n, recs,
             std::string(given ? "The selector \"" + sel + "\" was given, but "
                               : "The zone has records at " + n + ", but ") +
                 "a TXT lookup there returns " + (l.nxdomain() ? "NXDOMAIN" : "no TXT record") +
                 ". Mail signed with this selector fails DKIM (RFC 6376 §6.1.2), and with it DMARC alignment.",
             "Publish the key your mail provider gives you:\n  " + n +
                 " 300 IN TXT \"v=DKIM1; k=rsa; p=<public key>\"\n(or the CNAME the provider asks for, DNS-only and "
                 "not flattened)."});
    return;
  }
  std::vector<std::string> recs;
  for (const auto& r : rrs) recs.push_back(rr_text(r));
  if (rrs.size() > 1) {
    ctx.add({"dkim.multiple", Severity::kWarning, n + " holds " + std::to_string(rrs.size()) + " TXT records", recs,
             "A selector should hold one key record (RFC 6376 §3.6.2.2); verifiers may pick either one, so "
             "signatures fail at random.",
             "Keep one key record per selector; publish a new key under a new selector."});
  }
  for (const auto& r : rrs) {
    const std::vector<std::string> one = {rr_text(r)};
    auto text = txt_joined(r.rdata);
    auto syntax = [&](const std::string& what) {
      ctx.add(
          {"dkim.syntax", Severity::kError, "DKIM key record at " + n + " is invalid", one,
           what + " Verifiers ignore the record, so signatures with selector \"" + sel + "\" fail (RFC 6376 §3.6.1).",
           "Copy the record again exactly as your mail provider shows it: \"v=DKIM1; k=rsa; p=<base64 key>\"."});
    };
    if (!text) {
      syntax("The TXT data is malformed.");
      continue;
    }
    auto tags = parse_tags(*text);
    if (!tags) {
      syntax(tags.error().message + ".");
      continue;
    }
    const Tag* v = find_tag(*tags, "v");
    if (v != nullptr && (&tags->front() != v || v->value != "DKIM1")) {
      syntax("v= must be the first tag and exactly \"DKIM1\".");
      continue;
    }
    const Tag* p = find_tag(*tags, "p");
    if (p == nullptr) {
      syntax("The p= tag (the public key) is missing.");
      continue;
    }
    if (p->value.empty()) {
      ctx.add({"dkim.revoked", Severity::kInfo, "DKIM key of selector \"" + sel + "\" is revoked (empty p=)", one,
               "An empty p= revokes the key (RFC 6376 §3.6.1): signatures with this selector fail.",
               "Nothing to do if the selector is retired; otherwise publish the current key."});
      continue;
    }
    const Tag* k = find_tag(*tags, "k");
    auto key = dkim::inspect_key(k ? k->value : "", p->value);
    if (!key) {
      syntax(key.error().message + ".");
      continue;
    }
    if (key->type == "rsa" && key->bits < 1024) {
      ctx.add({"dkim.key_too_short", Severity::kError,
               "DKIM key of selector \"" + sel + "\" is only " + std::to_string(key->bits) + " bits", one,
               "RFC 8301 §3.2: verifiers must not accept RSA keys shorter than 1024 bits; signatures with this key "
               "fail.",
               "Generate a 2048-bit key, publish it under a new selector and switch signing to it."});
    } else if (key->type == "rsa" && key->bits < 2048) {
      ctx.add({"dkim.key_1024", Severity::kWarning,
               "DKIM key of selector \"" + sel + "\" is " + std::to_string(key->bits) + " bits", one,
               "Keys under 2048 bits still verify, but RFC 8301 §3.2 recommends 2048 and some receivers already "
               "treat 1024-bit keys as weak.",
               "Rotate to a 2048-bit key under a new selector."});
    }
    if (const Tag* t = find_tag(*tags, "t"); t != nullptr) {
      for (size_t i = 0; i < t->value.size(); ++i) {
        if (t->value[i] != 'y') continue;
        const bool alone = (i == 0 || t->value[i - 1] == ':' || t->value[i - 1] == ' ') &&
                           (i + 1 == t->value.size() || t->value[i + 1] == ':' || t->value[i + 1] == ' ');
        if (!alone) continue;
        ctx.add({"dkim.testing", Severity::kInfo, "DKIM key of selector \"" + sel + "\" is in testing mode (t=y)", one,
                 "With t=y verifiers treat failed signatures as unsigned (RFC 6376 §3.6.1).",
                 "Remove t=y once signing works."});
        break;
      }
    }
    if (const Tag* h = find_tag(*tags, "h");
        h != nullptr && ascii_lower(h->value).find("sha256") == std::string::npos) {
      ctx.add({"dkim.sha1_only", Severity::kWarning,
               "DKIM key of selector \"" + sel + "\" allows only SHA-1 (h=" + h->value + ")", one,
               "RFC 8301 §3.1: signers must use SHA-256 and verifiers must not accept SHA-1; signatures under "
               "this key fail.",
               "Remove h= (or set h=sha256) and sign with rsa-sha256."});
    }
  }
}

}  // namespace

void check_dkim(Context& ctx) {
  std::vector<std::pair<std::string, bool>> selectors;  // selector, given by the user
  for (const auto& s : ctx.options().selectors) selectors.emplace_back(s, true);
  for (const auto& s : zone_selectors(ctx)) {
    bool dup = false;
    for (const auto& [have, given] : selectors) dup = dup || ascii_lower(have) == ascii_lower(s);
    if (!dup) selectors.emplace_back(s, false);
  }
  if (selectors.empty()) {
    ctx.add({"dkim.no_selector",
             Severity::kInfo,
             "No DKIM selector to check",
             {},
             ctx.facts() != nullptr
                 ? "The zone has no names under _domainkey." + ctx.domain_text() +
                       " and no selector was given. DKIM keys can only be found by selector (RFC 6376 §3.6.2.1)."
                 : "DKIM keys can only be found by selector (RFC 6376 §3.6.2.1), and none was given.",
             "Give the selectors your mail providers use with --selector (e.g. --selector google --selector "
             "selector1), or publish the key your provider gives you."});
    return;
  }
  for (const auto& [s, given] : selectors) check_selector(ctx, s, given);
}

}  // namespace dnsedge::doctor
