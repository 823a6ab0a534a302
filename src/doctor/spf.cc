#include "doctor/spf.h"

#include <algorithm>
#include <cctype>

#include "dns/name.h"
#include "dns/types.h"
#include "doctor/context.h"
#include "doctor/doctor.h"
#include "doctor/util.h"

namespace dnsedge::doctor {
namespace spf {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

std::string mark(std::string_view txt, size_t pos, size_t len) {
  std::string out(txt.substr(0, pos));
  out += ">>";
  out += txt.substr(pos, len);
  out += "<<";
  out += txt.substr(std::min(txt.size(), pos + len));
  return out;
}

Error fail(std::string_view txt, const Term& t, const std::string& what) {
  return make_error(what + " at position " + std::to_string(t.pos + 1) + ": " + mark(txt, t.pos, t.text.size()));
}

// RFC 7208 §7.1 macro-string; `exp` allows c, r, t as well. Returns "" or what is wrong.
std::string check_macro_string(std::string_view s, bool exp, bool* has_macro) {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '%') {
      if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
        return "invalid character in domain";
      }
      continue;
    }
    if (i + 1 >= s.size()) return "'%' at the end (write %% for a literal %)";
    const char n = s[i + 1];
    if (n == '%' || n == '_' || n == '-') {
      ++i;
      continue;
    }
    if (n != '{') return "invalid macro '%" + std::string(1, n) + "' (write %% for a literal %)";
    const size_t close = s.find('}', i + 2);
    if (close == std::string_view::npos) return "unterminated macro";
    const std::string_view body = s.substr(i + 2, close - i - 2);
    if (body.empty()) return "empty macro";
    const char letter = static_cast<char>(std::tolower(static_cast<unsigned char>(body[0])));
    if (std::string_view("slodiphv").find(letter) == std::string_view::npos &&
        !(exp && std::string_view("crt").find(letter) != std::string_view::npos)) {
      return "invalid macro letter '" + std::string(1, body[0]) + "'";
    }
    size_t k = 1;
    while (k < body.size() && is_digit(body[k])) ++k;
    if (k < body.size() && (body[k] == 'r' || body[k] == 'R')) ++k;
    for (; k < body.size(); ++k) {
      if (std::string_view(".-+,/_=").find(body[k]) == std::string_view::npos) return "invalid macro delimiter";
    }
    *has_macro = true;
    i = close;
  }
  return "";
}

// domain-spec = macro-string domain-end; a domain without macros must end in a top label that
// is not all digits (so "1.2.3.4" is not a domain) and have no empty labels.
std::string check_domain_spec(std::string_view s, bool* has_macro) {
  if (s.empty()) return "missing domain";
  if (auto e = check_macro_string(s, false, has_macro); !e.empty()) return e;
  if (*has_macro) return "";
  std::string_view d = s;
  if (d.back() == '.') d.remove_suffix(1);
  if (d.size() > 253) return "domain longer than 253 characters";
  size_t start = 0;
  std::string_view last;
  int labels = 0;
  while (start <= d.size()) {
    const size_t dot = d.find('.', start);
    const std::string_view label =
        d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return "empty label in domain";
    if (label.size() > 63) return "label longer than 63 characters";
    last = label;
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels < 2) return "not a fully qualified domain";
  bool alpha = false;
  for (char c : last) {
    if (!is_alnum(c) && c != '-') return "invalid top label \"" + std::string(last) + "\"";
    alpha = alpha || is_alpha(c);
  }
  if (!alpha || last.front() == '-' || last.back() == '-') return "invalid top label \"" + std::string(last) + "\"";
  return "";
}

// "/24", "//64", "/24//64" → prefixes; false when malformed. `single`: only one length allowed.
bool parse_cidr(std::string_view s, int max4, int max6, bool dual, int* p4, int* p6) {
  auto number = [](std::string_view n, int max, int* out) {
    if (n.empty() || n.size() > 3 || (n.size() > 1 && n[0] == '0')) return false;
    int v = 0;
    for (char c : n) {
      if (!is_digit(c)) return false;
      v = v * 10 + (c - '0');
    }
    if (v > max) return false;
    *out = v;
    return true;
  };
  if (s.empty()) return true;
  if (s[0] != '/') return false;
  if (!dual) return number(s.substr(1), max4, p4);
  if (s.size() >= 2 && s[1] == '/') return number(s.substr(2), max6, p6);
  const size_t dd = s.find("//");
  if (dd == std::string_view::npos) return number(s.substr(1), max4, p4);
  return number(s.substr(1, dd - 1), max4, p4) && number(s.substr(dd + 2), max6, p6);
}

}  // namespace

const Term* Record::find(Kind k) const {
  for (const auto& t : terms) {
    if (t.kind == k) return &t;
  }
  return nullptr;
}

bool is_spf(std::string_view txt) {
  if (txt.size() < 6) return false;
  if (ascii_lower(txt.substr(0, 6)) != "v=spf1") return false;
  return txt.size() == 6 || txt[6] == ' ';
}

Result<Record> parse(std::string_view txt) {
  Record rec;
  size_t i = 6;
  int redirects = 0, exps = 0;
  while (i < txt.size()) {
    if (txt[i] != ' ') {
      Term t;
      t.pos = i;
      t.text = std::string(1, txt[i]);
      return fail(
          txt, t,
          "terms must be separated by spaces (" + std::string(txt[i] == '\t' ? "tab" : "character") + " found)");
    }
    while (i < txt.size() && txt[i] == ' ') ++i;
    if (i >= txt.size()) break;
    size_t end = txt.find(' ', i);
    if (end == std::string_view::npos) end = txt.size();
    Term t;
    t.pos = i;
    t.text = std::string(txt.substr(i, end - i));
    i = end;
    if (const size_t tab = t.text.find_first_of("\t\r\n"); tab != std::string::npos) {
      Term at = t;
      at.pos = t.pos + tab;
      at.text = t.text.substr(tab, 1);
      return fail(txt, at, "terms must be separated by spaces (tab or line break found)");
    }
    std::string_view body = t.text;
    // Modifier: name "=" value, where name = ALPHA *(ALPHA / DIGIT / "-" / "_" / ".").
    const size_t eq = body.find('=');
    const size_t colon = body.find(':');
    const size_t slash = body.find('/');
    if (eq != std::string_view::npos && (colon == std::string_view::npos || eq < colon) &&
        (slash == std::string_view::npos || eq < slash)) {
      const std::string name = ascii_lower(body.substr(0, eq));
      const std::string_view value = body.substr(eq + 1);
      if (name.empty() || !is_alpha(name[0]) || !std::all_of(name.begin(), name.end(), [](char c) {
            return is_alnum(c) || c == '-' || c == '_' || c == '.';
          })) {
        return fail(txt, t, "invalid modifier name");
      }
      bool macro = false;
      if (name == "redirect" || name == "exp") {
        t.kind = name == "redirect" ? Kind::kRedirect : Kind::kExp;
        if (auto e = check_domain_spec(value, &macro); !e.empty()) return fail(txt, t, name + "=: " + e);
        if (++(name == "redirect" ? redirects : exps) > 1) {
          return fail(txt, t, "more than one " + name + "= modifier (RFC 7208 §6)");
        }
        t.domain = std::string(value);
        t.macro = macro;
      } else {
        t.kind = Kind::kModifier;
        if (auto e = check_macro_string(value, false, &macro); !e.empty()) return fail(txt, t, e);
      }
      rec.terms.push_back(std::move(t));
      continue;
    }
    if (body[0] == '+' || body[0] == '-' || body[0] == '~' || body[0] == '?') {
      t.qualifier = body[0];
      body.remove_prefix(1);
    }
    size_t name_end = 0;
    while (name_end < body.size() && body[name_end] != ':' && body[name_end] != '/') ++name_end;
    const std::string mech = ascii_lower(body.substr(0, name_end));
    std::string_view arg = body.substr(name_end);  // ":..." or "/..." or ""
    bool macro = false;
    auto need_domain = [&](std::string_view spec) -> Result<void> {
      if (auto e = check_domain_spec(spec, &macro); !e.empty()) return fail(txt, t, mech + ": " + e);
      t.domain = std::string(spec);
      t.macro = macro;
      return {};
    };
    if (mech == "all") {
      if (!arg.empty()) return fail(txt, t, "\"all\" takes no argument");
      t.kind = Kind::kAll;
    } else if (mech == "include" || mech == "exists") {
      t.kind = mech == "include" ? Kind::kInclude : Kind::kExists;
      if (arg.empty() || arg[0] != ':') return fail(txt, t, mech + " needs a domain (" + mech + ":example.com)");
      if (auto r = need_domain(arg.substr(1)); !r) return r.error();
    } else if (mech == "a" || mech == "mx") {
      t.kind = mech == "a" ? Kind::kA : Kind::kMx;
      std::string_view spec, cidr = arg;
      if (!arg.empty() && arg[0] == ':') {
        const size_t s = arg.find('/');
        spec = arg.substr(1, s == std::string_view::npos ? std::string_view::npos : s - 1);
        cidr = s == std::string_view::npos ? std::string_view() : arg.substr(s);
        if (auto r = need_domain(spec); !r) return r.error();
      }
      int p4 = -1, p6 = -1;
      if (!parse_cidr(cidr, 32, 128, true, &p4, &p6)) return fail(txt, t, "invalid CIDR length");
    } else if (mech == "ptr") {
      t.kind = Kind::kPtr;
      if (!arg.empty()) {
        if (arg[0] != ':') return fail(txt, t, "ptr takes no CIDR length");
        if (auto r = need_domain(arg.substr(1)); !r) return r.error();
      }
    } else if (mech == "ip4" || mech == "ip6") {
      t.kind = mech == "ip4" ? Kind::kIp4 : Kind::kIp6;
      if (arg.empty() || arg[0] != ':') return fail(txt, t, mech + " needs an address (" + mech + ":...)");
      std::string_view v = arg.substr(1);
      const size_t s = v.find('/');
      const std::string_view addr = v.substr(0, s);
      if (addr.find('%') != std::string_view::npos) return fail(txt, t, "macros are not allowed in " + mech);
      auto a = parse_addr(addr, t.kind == Kind::kIp4 ? 4 : 6);
      if (!a) return fail(txt, t, "invalid " + std::string(t.kind == Kind::kIp4 ? "IPv4" : "IPv6") + " address");
      t.network = *a;
      int p = -1, unused = -1;
      if (s != std::string_view::npos &&
          !parse_cidr(v.substr(s), t.kind == Kind::kIp4 ? 32 : 128, 0, false, &p, &unused)) {
        return fail(txt, t, "invalid CIDR length");
      }
      t.prefix = p;
    } else {
      std::string what = "unknown mechanism \"" + mech + "\"";
      if (mech.size() > 3 && mech.ends_with("all")) what += " (\"all\" must be separated from the previous term)";
      return fail(txt, t, what);
    }
    rec.terms.push_back(std::move(t));
  }
  return rec;
}

}  // namespace spf

// ---------------------------------------------------------------------------------------------
// The check: RFC 7208 §4.6.4 limits over the whole include/redirect tree, evaluated statically
// (every DNS-querying term counts, as receivers may reach each of them).

namespace {

namespace rrtype = dns::rrtype;
using spf::Kind;

struct Found {
  std::vector<std::string> spf;  // joined strings of SPF records
  std::vector<dns::ZoneRecord> rrs;
};

Found spf_records(const Lookup& l, std::string_view name) {
  Found f;
  for (const auto& r : l.rrs(name, rrtype::kTXT)) {
    auto t = txt_joined(r.rdata);
    if (t && spf::is_spf(*t)) {
      f.spf.push_back(*t);
      f.rrs.push_back(r);
    }
  }
  return f;
}

struct AddrUse {
  std::string term;  // "a:mail.example.com" as written, with the record's domain
  std::string name;  // wire
  std::string rdata;
};

struct NetUse {
  std::string term;
  std::string domain;  // wire: whose record holds it
  std::string network;
  int prefix;
};

class Walker {
 public:
  explicit Walker(Context& ctx) : ctx_(ctx) {}

  void run(const std::string& domain, const spf::Record& rec, const std::string& text) {
    tree_.push_back(name_text(domain) + "  \"" + text + "\"");
    stack_.push_back(domain);
    visit(domain, rec, 1);
  }

  int lookups = 0;
  int voids = 0;
  std::string over;  // the term that took the count past 10, with its place in the tree
  std::vector<std::string> void_terms;
  std::vector<std::pair<std::string, int>> top_cost;  // top-level DNS terms and their cost
  std::vector<AddrUse> addrs;
  std::vector<NetUse> nets;
  bool cut = false;  // tree larger than we follow

 private:
  std::string where() const {
    std::string w;
    for (auto it = via_.rbegin(); it != via_.rend(); ++it) w += ", inside " + *it;
    return w;
  }

  void count(const spf::Term& t, const std::string& domain) {
    ++lookups;
    if (lookups == 11 && over.empty()) over = "\"" + t.text + "\" in the record of " + name_text(domain) + where();
  }

  void add_void(const spf::Term& t, const std::string& domain, const std::string& why) {
    ++voids;
    void_terms.push_back("\"" + t.text + "\" (" + name_text(domain) + "): " + why);
  }

  void line(int depth, const std::string& s) { tree_.push_back(std::string(static_cast<size_t>(depth) * 2, ' ') + s); }

  // The domain a term refers to: its domain-spec, or the current domain.
  std::optional<std::string> target(const spf::Term& t, const std::string& domain) {
    if (t.domain.empty()) return domain;
    std::string d = t.domain;
    if (d.back() != '.') d += '.';
    auto w = dns::name_from_text(d);
    if (!w) return std::nullopt;
    return *w;
  }

  void visit(const std::string& domain, const spf::Record& rec, int depth) {
    const bool has_all = rec.find(Kind::kAll) != nullptr;
    std::vector<const spf::Term*> order;
    for (const auto& t : rec.terms) {
      if (t.kind != Kind::kRedirect) order.push_back(&t);
    }
    // RFC 7208 §6.1: redirect is evaluated after all mechanisms, and never when "all" is present.
    if (const spf::Term* r = rec.find(Kind::kRedirect); r != nullptr && !has_all) order.push_back(r);
    for (const spf::Term* tp : order) {
      const spf::Term& t = *tp;
      if (!t.counts()) {
        if (t.kind == Kind::kIp4 || t.kind == Kind::kIp6) nets.push_back({t.text, domain, t.network, t.prefix});
        continue;
      }
      const int before = lookups;
      count(t, domain);
      const std::string tag = "[" + std::to_string(lookups) + "] ";
      if (t.macro) {
        line(depth, tag + t.text + "  (macro: expanded per message, not followed)");
      } else if (t.kind == Kind::kInclude || t.kind == Kind::kRedirect) {
        follow(t, domain, depth, tag);
      } else if (t.kind == Kind::kA || t.kind == Kind::kMx || t.kind == Kind::kExists) {
        resolve_addrs(t, domain, depth, tag);
      } else {
        line(depth, tag + t.text + "  (reverse lookup of the sender's address)");
      }
      if (depth == 1) top_cost.emplace_back(t.text, lookups - before);
    }
  }

  void follow(const spf::Term& t, const std::string& domain, int depth, const std::string& tag) {
    const bool inc = t.kind == Kind::kInclude;
    auto tgt = target(t, domain);
    if (!tgt) {
      line(depth, tag + t.text + "  (invalid domain)");
      return;
    }
    if (std::find(stack_.begin(), stack_.end(), *tgt) != stack_.end()) {
      line(depth, tag + t.text + "  LOOP: " + name_text(*tgt) + " is already being evaluated");
      std::string path;
      for (const auto& s : stack_) path += name_text(s) + " -> ";
      ctx_.add({"spf.loop",
                Severity::kError,
                "SPF include/redirect loop through " + name_text(*tgt),
                {},
                "Evaluating the SPF record of " + ctx_.domain_text() + " comes back to " + name_text(*tgt) + " (" +
                    path + name_text(*tgt) +
                    "). Receivers stop at the 10-lookup limit and return permerror: the record is ignored.",
                "Remove \"" + t.text + "\" from the record of " + name_text(domain) + "."});
      return;
    }
    if (depth > kMaxSpfDepth || nodes_ >= kMaxSpfNodes) {
      cut = true;
      line(depth, tag + t.text + "  (not followed: the tree is deeper or larger than the doctor follows)");
      return;
    }
    ++nodes_;
    const Lookup& l = ctx_.lookup(*tgt, rrtype::kTXT);
    if (!l.answered()) {
      line(depth, tag + t.text + "  (lookup failed: " + l.failure() + ")");
      ctx_.lookup_failed("the SPF " + std::string(inc ? "include " : "redirect ") + t.text, *tgt, rrtype::kTXT, l);
      return;
    }
    const Found f = spf_records(l, *tgt);
    const bool empty = l.rrs(*tgt, rrtype::kTXT).empty();
    if (empty) add_void(t, domain, l.nxdomain() ? "NXDOMAIN" : "no TXT records");
    if (f.spf.empty()) {
      line(depth, tag + t.text + "  (no SPF record: permerror)");
      ctx_.add(
          {inc ? "spf.include_no_spf" : "spf.redirect_no_spf",
           Severity::kError,
           "SPF " + std::string(inc ? "include" : "redirect") + " target " + name_text(*tgt) + " has no SPF record",
           {name_text(*tgt) + " TXT -> " +
            (l.nxdomain() ? std::string("NXDOMAIN")
             : empty      ? "no TXT"
                          : "no v=spf1 record")},
           "\"" + t.text + "\" in the record of " + name_text(domain) + where() + " points at " + name_text(*tgt) +
               ", which publishes no SPF record. RFC 7208 §5.2/§6.1: that is a permerror, "
               "so receivers treat the whole SPF record of " +
               ctx_.domain_text() + " as broken.",
           "Remove \"" + t.text +
               "\" or correct the domain (check your provider's documentation for the right "
               "include)."});
      return;
    }
    if (f.spf.size() > 1) {
      line(depth, tag + t.text + "  (" + std::to_string(f.spf.size()) + " SPF records: permerror)");
      std::vector<std::string> recs;
      for (const auto& r : f.rrs) recs.push_back(rr_text(r));
      ctx_.add({"spf.multiple", Severity::kError,
                name_text(*tgt) + " (reached through \"" + t.text + "\") publishes " + std::to_string(f.spf.size()) +
                    " SPF records",
                recs,
                "RFC 7208 §4.5: more than one SPF record is a permerror, so \"" + t.text +
                    "\" fails and with it "
                    "the SPF record of " +
                    ctx_.domain_text() + ".",
                "The owner of " + name_text(*tgt) + " must merge them into one record."});
      return;
    }
    auto rec = spf::parse(f.spf.front());
    if (!rec) {
      line(depth, tag + t.text + "  (syntax error: permerror)");
      ctx_.add({"spf.syntax",
                Severity::kError,
                "SPF record of " + name_text(*tgt) + " (reached through \"" + t.text + "\") has a syntax error",
                {rr_text(f.rrs.front())},
                rec.error().message +
                    "\nRFC 7208 §4.6: a syntax error anywhere in the tree is a permerror; receivers "
                    "ignore the SPF record of " +
                    ctx_.domain_text() + ".",
                "Fix the marked term, or remove \"" + t.text + "\"."});
      return;
    }
    line(depth, tag + t.text + "  \"" + f.spf.front() + "\"");
    stack_.push_back(*tgt);
    via_.push_back("\"" + t.text + "\"");
    visit(*tgt, *rec, depth + 1);
    via_.pop_back();
    stack_.pop_back();
  }

  void resolve_addrs(const spf::Term& t, const std::string& domain, int depth, const std::string& tag) {
    auto tgt = target(t, domain);
    if (!tgt) {
      line(depth, tag + t.text + "  (invalid domain)");
      return;
    }
    if (t.kind == Kind::kMx) {
      const Lookup& l = ctx_.lookup(*tgt, rrtype::kMX);
      if (!l.answered()) {
        line(depth, tag + t.text + "  (lookup failed: " + l.failure() + ")");
        ctx_.lookup_failed("the SPF term \"" + t.text + "\"", *tgt, rrtype::kMX, l);
        return;
      }
      const auto mx = l.rrs(*tgt, rrtype::kMX);
      if (mx.empty()) {
        add_void(t, domain, l.nxdomain() ? "NXDOMAIN" : "no MX records");
        line(depth, tag + t.text + "  (void: no MX)");
        return;
      }
      if (mx.size() > 10) {
        ctx_.add({"spf.mx_too_many",
                  Severity::kError,
                  "SPF \"" + t.text + "\" covers more than 10 MX hosts",
                  {},
                  name_text(*tgt) + " has " + std::to_string(mx.size()) +
                      " MX records; RFC 7208 §4.6.4 allows at most 10 for the mx mechanism, so receivers return "
                      "permerror.",
                  "Replace \"" + t.text + "\" with ip4:/ip6: terms for the hosts that send mail."});
      }
      std::string hosts;
      for (size_t i = 0; i < mx.size() && i < 10; ++i) {
        const std::string host = mx[i].rdata.size() > 2 ? mx[i].rdata.substr(2) : std::string();
        if (host.size() <= 1) continue;
        hosts += (hosts.empty() ? "" : ", ") + name_text(host);
        collect(t, host);
      }
      line(depth, tag + t.text + "  (MX: " + (hosts.empty() ? std::string("null MX") : hosts) + ")");
      return;
    }
    const Lookup& a = ctx_.lookup(*tgt, rrtype::kA);
    const Lookup& aaaa = t.kind == Kind::kA ? ctx_.lookup(*tgt, rrtype::kAAAA) : a;
    if (!a.answered() || !aaaa.answered()) {
      const Lookup& bad = a.answered() ? aaaa : a;
      line(depth, tag + t.text + "  (lookup failed: " + bad.failure() + ")");
      ctx_.lookup_failed("the SPF term \"" + t.text + "\"", *tgt, &bad == &a ? rrtype::kA : rrtype::kAAAA, bad);
      return;
    }
    if (a.rdata(*tgt, rrtype::kA).empty() && aaaa.rdata(*tgt, rrtype::kAAAA).empty()) {
      add_void(t, domain, a.nxdomain() ? "NXDOMAIN" : "no address records");
      line(depth, tag + t.text + "  (void: no addresses)");
      return;
    }
    if (t.kind == Kind::kA) collect(t, *tgt);
    line(depth, tag + t.text);
  }

  void collect(const spf::Term& t, const std::string& host) {
    for (uint16_t type : {rrtype::kA, rrtype::kAAAA}) {
      const Lookup& l = ctx_.lookup(host, type);
      for (const auto& rd : l.rdata(host, type)) addrs.push_back({t.text, host, rd});
    }
  }

  Context& ctx_;
  std::vector<std::string> stack_;  // domains being evaluated (loop detection)
  std::vector<std::string> via_;    // include terms leading here
  int nodes_ = 0;

 public:
  std::vector<std::string> tree_;
};

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

void check_spf(Context& ctx) {
  const std::string& domain = ctx.domain();
  const std::string d = ctx.domain_text();
  // RFC 7208 §3.1/§14.1: the SPF RR type (99) is discontinued.
  const Lookup& t99 = ctx.lookup(domain, rrtype::kSPF);
  if (t99.answered()) {
    const auto rrs = t99.rrs(domain, rrtype::kSPF);
    if (!rrs.empty()) {
      std::vector<std::string> recs;
      for (const auto& r : rrs) recs.push_back(rr_text(r));
      ctx.add({"spf.type99", Severity::kWarning, d + " publishes an SPF-type (99) record", recs,
               "RFC 7208 §3.1 and §14.1: SPF is published only as TXT; the SPF record type is discontinued and "
               "receivers do not look at it.",
               "Delete the SPF-type record; keep (or create) the same text as a TXT record at " + d + "."});
    }
  }
  const Lookup& l = ctx.lookup(domain, rrtype::kTXT);
  if (!l.answered()) return;  // check() reported it
  const Found f = spf_records(l, domain);
  if (f.spf.empty()) {
    const Lookup& mx = ctx.lookup(domain, rrtype::kMX);
    const auto mxs = mx.rrs(domain, rrtype::kMX);
    const bool no_mail = mxs.size() == 1 && mxs.front().rdata.substr(2) == std::string(1, '\0');
    ctx.add({"spf.none",
             Severity::kWarning,
             d + " has no SPF record",
             {},
             "Without SPF, receivers cannot tell which servers may send mail as " + d +
                 "; anyone can, and many receivers score such mail as spam.",
             no_mail ? "The domain sends no mail, so say so:\n  " + d + " 300 IN TXT \"v=spf1 -all\""
                     : "Publish one TXT record listing your senders, for example:\n  " + d +
                           " 300 IN TXT \"v=spf1 mx ~all\"\n(add include: terms for mail providers that send for you; "
                           "a domain that sends no mail publishes \"v=spf1 -all\")."});
    return;
  }
  std::vector<std::string> recs;
  for (const auto& r : f.rrs) recs.push_back(rr_text(r));
  if (f.spf.size() > 1) {
    ctx.add({"spf.multiple", Severity::kError, d + " publishes " + std::to_string(f.spf.size()) + " SPF records", recs,
             "RFC 7208 §3.2 and §4.5: a domain must have exactly one SPF record; with several, receivers return "
             "permerror and ignore all of them.",
             "Merge them into one TXT record starting with \"v=spf1\" (keep every include/ip4/ip6 term once, one "
             "\"all\" at the end) and delete the others."});
    return;
  }
  auto rec = spf::parse(f.spf.front());
  if (!rec) {
    ctx.add({"spf.syntax", Severity::kError, "SPF record of " + d + " has a syntax error", recs,
             rec.error().message + "\nRFC 7208 §4.6: a record that does not parse is a permerror; receivers ignore it.",
             "Fix the marked term (RFC 7208 §12 grammar)."});
    return;
  }
  Walker w(ctx);
  w.run(domain, *rec, f.spf.front());
  const std::string tree = join(w.tree_, "\n");
  std::string costs;
  for (const auto& [term, cost] : w.top_cost) costs += (costs.empty() ? "" : ", ") + term + " " + std::to_string(cost);
  if (w.lookups > 10) {
    ctx.add({"spf.too_many_lookups", Severity::kError,
             "SPF record of " + d + " needs " + std::to_string(w.lookups) + " DNS lookups (limit 10)", recs,
             "RFC 7208 §4.6.4: evaluating SPF may cause at most 10 DNS lookups (include, a, mx, ptr, exists, "
             "redirect); beyond that receivers return permerror and the record is ignored. The 11th lookup is " +
                 w.over + ".\nLookups per term: " + costs + ".\nTree ([n] = running count):\n" + tree,
             "Remove includes you no longer use, replace a/mx terms with ip4:/ip6: ranges, or move senders to "
             "their own subdomains so each domain stays within 10 lookups."});
  } else if (w.lookups >= 8) {
    ctx.add({"spf.lookups_near_limit", Severity::kInfo,
             "SPF record of " + d + " needs " + std::to_string(w.lookups) + " of the 10 allowed DNS lookups", recs,
             "Providers change their own includes; a few more lookups would push the record over the limit "
             "(RFC 7208 §4.6.4).\nLookups per term: " +
                 costs + ".\nTree:\n" + tree,
             "Keep some headroom: replace a/mx terms with ip4:/ip6: where you can."});
  }
  if (w.voids > 2) {
    ctx.add({"spf.too_many_void_lookups", Severity::kError,
             "SPF record of " + d + " causes " + std::to_string(w.voids) + " void lookups (limit 2)", recs,
             "RFC 7208 §4.6.4: more than two lookups that return NXDOMAIN or no records make receivers return "
             "permerror. Void terms:\n  " +
                 join(w.void_terms, "\n  "),
             "Remove the terms that point at names without records."});
  }
  if (w.cut) {
    ctx.add({"spf.tree_truncated", Severity::kWarning, "SPF tree of " + d + " is too deep or too large to follow", recs,
             "The doctor follows at most " + std::to_string(kMaxSpfDepth) + " levels and " +
                 std::to_string(kMaxSpfNodes) + " records; the rest was not checked.\nTree:\n" + tree,
             "Flatten the record: fewer nested includes."});
  }
  // Terms anywhere that receivers discourage.
  for (const auto& t : rec->terms) {
    if (t.kind == Kind::kPtr) {
      ctx.add({"spf.ptr", Severity::kWarning, "SPF record of " + d + " uses \"" + t.text + "\"", recs,
               "RFC 7208 §5.5: ptr SHOULD NOT be used; it is slow, unreliable, and some receivers skip it, so the "
               "senders it was meant to authorise fail SPF.",
               "Replace \"" + t.text + "\" with ip4:/ip6: ranges of the sending servers."});
    }
  }
  // The final "all" (through redirect= when the record has none).
  const spf::Term* all = rec->find(Kind::kAll);
  const spf::Term* redirect = rec->find(Kind::kRedirect);
  if (all != nullptr && redirect != nullptr) {
    ctx.add({"spf.redirect_ignored", Severity::kWarning, "SPF record of " + d + " has both \"all\" and redirect=", recs,
             "RFC 7208 §6.1: redirect= applies only when no mechanism matched; \"" + all->text +
                 "\" always matches, so \"" + redirect->text + "\" is never used.",
             "Remove \"" + all->text + "\" (to use the redirect) or the redirect."});
  }
  if (all != nullptr) {
    for (const auto& t : rec->terms) {
      if (t.pos > all->pos && t.kind != Kind::kExp && t.kind != Kind::kModifier && t.kind != Kind::kRedirect) {
        ctx.add({"spf.after_all", Severity::kWarning, "SPF record of " + d + " has terms after \"" + all->text + "\"",
                 recs,
                 "Evaluation stops at \"all\", which always matches; \"" + t.text + "\" and later terms are ignored.",
                 "Move \"" + all->text + "\" to the end of the record."});
        break;
      }
    }
  }
  if (all == nullptr && redirect == nullptr) {
    ctx.add({"spf.all_missing", Severity::kWarning, "SPF record of " + d + " does not end with an \"all\" term", recs,
             "Without \"all\", mail from servers not listed gets the neutral result (RFC 7208 §4.7): receivers "
             "treat it as if there were no SPF.",
             "End the record with \"~all\" (soft fail) or \"-all\" (fail)."});
  } else if (all != nullptr && all->qualifier == '+') {
    ctx.add({"spf.all_pass", Severity::kError,
             "SPF record of " + d + " ends with \"" + all->text + "\": anyone may send", recs,
             "\"" + all->text + "\" authorises every server on the Internet to send mail as " + d +
                 "; SPF then protects nothing, and receivers treat it as a spam signal.",
             "Replace \"" + all->text + "\" with \"~all\" or \"-all\"."});
  } else if (all != nullptr && all->qualifier == '?') {
    ctx.add({"spf.all_neutral", Severity::kWarning, "SPF record of " + d + " ends with \"?all\"", recs,
             "\"?all\" gives unlisted senders the neutral result: receivers treat the record as saying nothing "
             "about them.",
             "Replace \"?all\" with \"~all\" or \"-all\" once all your senders are listed."});
  }
  // Proxy interplay (local mode): SPF terms that resolve to edge addresses or reveal an origin.
  const ProxyFacts* facts = ctx.facts();
  if (facts == nullptr) return;
  std::vector<std::string> edge_hits;
  std::vector<std::string> terms_hit;
  for (const auto& a : w.addrs) {
    if (!facts->is_edge(a.rdata)) continue;
    edge_hits.push_back("\"" + a.term + "\": " + name_text(a.name) + " -> " + addr_text(a.rdata));
    if (std::find(terms_hit.begin(), terms_hit.end(), a.term) == terms_hit.end()) terms_hit.push_back(a.term);
  }
  if (!edge_hits.empty()) {
    ctx.add({"proxy.spf_a_mx_edge", Severity::kError,
             "SPF \"" + join(terms_hit, "\", \"") + "\" resolves to edge addresses", recs,
             "These names are proxied, so they answer the edge addresses, not the server that sends the mail: "
             "the real sender is not authorised (its mail fails SPF) while the edge is.\n  " +
                 join(edge_hits, "\n  "),
             "Authorise the sending server by address (\"ip4:<mail server address>\") or by a DNS-only name, "
             "and remove \"" +
                 join(terms_hit, "\", \"") + "\"."});
  }
  std::vector<std::string> reveals;
  for (const auto& p : facts->proxied) {
    for (const auto* fam : {&p.origin.v4, &p.origin.v6}) {
      for (const auto& o : *fam) {
        for (const auto& n : w.nets) {
          if (in_prefix(o, n.network, n.prefix < 0 ? static_cast<int>(n.network.size() * 8) : n.prefix)) {
            reveals.push_back("\"" + n.term + "\" (" + name_text(n.domain) + ") covers " + addr_text(o) +
                              ", the origin of proxied " + name_text(p.owner));
          }
        }
        for (const auto& a : w.addrs) {
          if (a.rdata == o) {
            reveals.push_back("\"" + a.term + "\": " + name_text(a.name) + " -> " + addr_text(o) +
                              ", the origin of proxied " + name_text(p.owner));
          }
        }
      }
    }
  }
  if (!reveals.empty()) {
    std::sort(reveals.begin(), reveals.end());
    reveals.erase(std::unique(reveals.begin(), reveals.end()), reveals.end());
    ctx.add({"proxy.spf_reveals_origin", Severity::kWarning, "SPF record of " + d + " reveals a proxied origin", recs,
             "Anyone can read the SPF record; it names the address the proxy is meant to hide, so attackers can "
             "reach the origin directly, past the edge:\n  " +
                 join(reveals, "\n  "),
             "Send mail from another address than the web origin (or through an outbound relay) and list that "
             "address instead."});
  }
}

}  // namespace dnsedge::doctor
