#include "common/ascii.h"
#include "control/validate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "control/errors.h"
#include "control/txt_content.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::control {
namespace {

namespace rrtype = dns::rrtype;
using nlohmann::json;

constexpr size_t kMaxNameText = 253;  // presentation length without the final dot
constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxRdata = 4096;    // Cloudflare's limit: 4,096 wire bytes a record

const std::string& root_wire() {
  static const std::string kRoot(1, '\0');
  return kRoot;
}

Error err(int code, std::string message) { return Error{std::move(message), code}; }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return out;
}

std::vector<std::string_view> labels_of(std::string_view name) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t dot = name.find('.', start);
    out.push_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool ends_with_label_suffix(std::string_view name, std::string_view zone) {
  return name == zone || (name.size() > zone.size() && name.ends_with(zone) &&
                          name[name.size() - zone.size() - 1] == '.');
}

// Host-name-like label: letters, digits, '-', '_' ; or exactly "*".
bool record_label_ok(std::string_view l) {
  if (l.empty() || l.size() > kMaxLabel) return false;
  if (l == "*") return true;
  return std::all_of(l.begin(), l.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool host_label_ok(std::string_view l) {  // RFC 1123 §2.1, plus '_' (service labels)
  if (l.empty() || l.size() > kMaxLabel) return false;
  return std::all_of(l.begin(), l.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool is_ipv4(std::string_view s) {
  in_addr a{};
  const std::string t(s);
  return ::inet_pton(AF_INET, t.c_str(), &a) == 1;
}
bool is_ipv6(std::string_view s) {
  in6_addr a{};
  const std::string t(s);
  return ::inet_pton(AF_INET6, t.c_str(), &a) == 1;
}

// --- punycode (RFC 3492) ---------------------------------------------------------------------

Result<std::u32string> utf8_decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    int n = 0;
    char32_t cp = 0;
    if (c < 0x80) { cp = c; n = 1; }
    else if ((c & 0xe0) == 0xc0) { cp = c & 0x1f; n = 2; }
    else if ((c & 0xf0) == 0xe0) { cp = c & 0x0f; n = 3; }
    else if ((c & 0xf8) == 0xf0) { cp = c & 0x07; n = 4; }
    else return make_error("invalid UTF-8");
    if (i + n > s.size()) return make_error("invalid UTF-8");
    for (int k = 1; k < n; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return make_error("invalid UTF-8");
      cp = (cp << 6) | (cc & 0x3f);
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

char32_t unicode_lower(char32_t c) {
  if (c < 0x80) return dns::ascii_lower(static_cast<uint8_t>(c));
  // Latin-1 supplement and Latin Extended-A, the common cases; others pass as they are.
  if (c >= 0xc0 && c <= 0xde && c != 0xd7) return c + 0x20;
  if (c >= 0x100 && c <= 0x17f && (c % 2) == 0) return c + 1;
  if (c >= 0x391 && c <= 0x3a9) return c + 0x20;  // Greek
  if (c >= 0x410 && c <= 0x42f) return c + 0x20;  // Cyrillic
  return c;
}

std::string punycode_label(const std::u32string& in) {
  constexpr uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;
  auto adapt = [&](uint32_t delta, uint32_t numpoints, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / numpoints;
    uint32_t k = 0;
    while (delta > ((kBase - kTmin) * kTmax) / 2) {
      delta /= kBase - kTmin;
      k += kBase;
    }
    return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
  };
  auto digit = [](uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
  std::string out;
  for (char32_t c : in) {
    if (c < 0x80) out += static_cast<char>(c);
  }
  const uint32_t b = static_cast<uint32_t>(out.size());
  uint32_t h = b;
  if (b > 0) out += '-';
  uint32_t n = 0x80, delta = 0, bias = 72;
  while (h < in.size()) {
    uint32_t m = 0xffffffffu;
    for (char32_t c : in) {
      if (c >= n && c < m) m = c;
    }
    delta += (m - n) * (h + 1);
    n = m;
    for (char32_t c : in) {
      if (c < n) ++delta;
      if (c == n) {
        uint32_t q = delta;
        for (uint32_t k = kBase;; k += kBase) {
          const uint32_t t = k <= bias ? kTmin : (k >= bias + kTmax ? kTmax : k - bias);
          if (q < t) break;
          out += digit(t + (q - t) % (kBase - t));
          q = (q - t) / (kBase - t);
        }
        out += digit(q);
        bias = adapt(delta, h + 1, h == b);
        delta = 0;
        ++h;
      }
    }
    ++delta;
    ++n;
  }
  return "xn--" + out;
}

// --- rdata text helpers ----------------------------------------------------------------------

std::string strip_dot(std::string s) {
  if (s.size() > 1 && s.back() == '.') s.pop_back();
  return s;
}

Result<int64_t> json_int(const json& j, const char* field) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_unsigned()) return static_cast<int64_t>(std::min<uint64_t>(j.get<uint64_t>(), INT64_MAX));
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (!s.empty() && s.size() < 19 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::stoll(s);
    }
  }
  return err(errc::kValidation, std::string("data.") + field + " must be an integer");
}

Result<std::string> json_text(const json& j, const char* field) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number()) return j.dump();
  return err(errc::kValidation, std::string("data.") + field + " must be a string");
}

// The rdata text of a structured type from its `data` object (docs/api.md).
Result<std::string> text_from_data(std::string_view type, const json& d, std::optional<int64_t> priority) {
  if (!d.is_object()) return err(errc::kValidation, "data must be an object");
  auto need = [&](const char* f) -> Result<const json*> {
    auto it = d.find(f);
    if (it == d.end() || it->is_null()) {
      return err(errc::kValidation, std::string("data.") + f + " is required for " + std::string(type) + " records");
    }
    return &*it;
  };
  std::vector<std::string> parts;
  auto num = [&](const char* f) -> Result<void> {
    auto j = need(f);
    if (!j) return j.error();
    auto v = json_int(**j, f);
    if (!v) return v.error();
    parts.push_back(std::to_string(*v));
    return {};
  };
  auto str = [&](const char* f, bool quoted) -> Result<void> {
    auto j = need(f);
    if (!j) return j.error();
    auto v = json_text(**j, f);
    if (!v) return v.error();
    parts.push_back(quoted ? quote_string(*v) : *v);
    return {};
  };
  auto prio = [&]() -> Result<void> {
    if (d.contains("priority") && !d["priority"].is_null()) return num("priority");
    if (priority) {
      parts.push_back(std::to_string(*priority));
      return {};
    }
    return err(errc::kValidation, std::string(type) + " records need a priority");
  };
  Result<void> r;
  if (type == "SRV") {
    for (auto step : {0, 1, 2, 3}) {
      r = step == 0 ? prio() : step == 1 ? num("weight") : step == 2 ? num("port") : str("target", false);
      if (!r) return r.error();
    }
  } else if (type == "URI") {
    if (!(r = prio()) || !(r = num("weight")) || !(r = str("target", true))) return r.error();
  } else if (type == "CAA") {
    if (!(r = num("flags")) || !(r = str("tag", false)) || !(r = str("value", true))) return r.error();
  } else if (type == "TLSA" || type == "SMIMEA") {
    if (!(r = num("usage")) || !(r = num("selector")) || !(r = num("matching_type")) ||
        !(r = str("certificate", false))) {
      return r.error();
    }
  } else if (type == "SSHFP") {
    if (!(r = num("algorithm")) || !(r = num("type")) || !(r = str("fingerprint", false))) return r.error();
  } else if (type == "DS") {
    if (!(r = num("key_tag")) || !(r = num("algorithm")) || !(r = num("digest_type")) || !(r = str("digest", false))) {
      return r.error();
    }
  } else if (type == "DNSKEY") {
    if (!(r = num("flags")) || !(r = num("protocol")) || !(r = num("algorithm")) || !(r = str("public_key", false))) {
      return r.error();
    }
  } else if (type == "CERT") {
    if (!(r = num("type")) || !(r = num("key_tag")) || !(r = num("algorithm")) || !(r = str("certificate", false))) {
      return r.error();
    }
  } else if (type == "HTTPS" || type == "SVCB") {
    if (!(r = num("priority")) || !(r = str("target", false))) return r.error();
    if (d.contains("value") && d["value"].is_string()) parts.push_back(d["value"].get<std::string>());
  } else if (type == "NAPTR") {
    if (!(r = num("order")) || !(r = num("preference")) || !(r = str("flags", true)) || !(r = str("service", true)) ||
        !(r = str("regex", true)) || !(r = str("replacement", false))) {
      return r.error();
    }
  } else {
    return err(errc::kValidation, "data is not used by " + std::string(type) + " records; send content");
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out;
}

bool has_data_form(std::string_view type) {
  for (std::string_view t : {"SRV", "URI", "CAA", "TLSA", "SMIMEA", "SSHFP", "DS", "DNSKEY", "CERT", "HTTPS", "SVCB", "NAPTR"}) {
    if (t == type) return true;
  }
  return false;
}

bool uses_priority(std::string_view type) { return type == "MX" || type == "SRV" || type == "URI"; }

// data as Cloudflare shows it, from the canonical text (with the priority for SRV/URI).
json data_from_text(std::string_view type, std::string_view full_text) {
  const auto t = split_rdata_text(full_text);
  auto n = [&](size_t i) -> json {
    if (i >= t.size()) return nullptr;
    try {
      return std::stoll(t[i]);
    } catch (...) {
      return t[i];
    }
  };
  auto s = [&](size_t i) -> json { return i < t.size() ? json(t[i]) : json(nullptr); };
  if (type == "SRV") return {{"priority", n(0)}, {"weight", n(1)}, {"port", n(2)}, {"target", json(strip_dot(t.size() > 3 ? t[3] : ""))}};
  if (type == "URI") return {{"weight", n(1)}, {"target", s(2)}};
  if (type == "CAA") return {{"flags", n(0)}, {"tag", s(1)}, {"value", s(2)}};
  if (type == "TLSA" || type == "SMIMEA") return {{"usage", n(0)}, {"selector", n(1)}, {"matching_type", n(2)}, {"certificate", s(3)}};
  if (type == "SSHFP") return {{"algorithm", n(0)}, {"type", n(1)}, {"fingerprint", s(2)}};
  if (type == "DS") return {{"key_tag", n(0)}, {"algorithm", n(1)}, {"digest_type", n(2)}, {"digest", s(3)}};
  if (type == "DNSKEY") return {{"flags", n(0)}, {"protocol", n(1)}, {"algorithm", n(2)}, {"public_key", s(3)}};
  if (type == "CERT") return {{"type", n(0)}, {"key_tag", n(1)}, {"algorithm", n(2)}, {"certificate", s(3)}};
  if (type == "HTTPS" || type == "SVCB") {
    std::string value;
    for (size_t i = 2; i < t.size(); ++i) value += (value.empty() ? "" : " ") + t[i];
    return {{"priority", n(0)}, {"target", s(1)}, {"value", value}};
  }
  if (type == "NAPTR") {
    return {{"order", n(0)}, {"preference", n(1)}, {"flags", s(2)}, {"service", s(3)}, {"regex", s(4)}, {"replacement", s(5)}};
  }
  return nullptr;
}

Error content_error(std::string_view type, const std::string& why) {
  if (type == "A") return err(errc::kBadIpv4, "Content for A record must be a valid IPv4 address.");
  if (type == "AAAA") return err(errc::kBadIpv6, "Content for AAAA record must be a valid IPv6 address.");
  if (type == "CNAME") return err(errc::kBadCname, "Content for CNAME record is invalid.");
  return err(errc::kValidation, "Content for " + std::string(type) + " record is invalid: " + why);
}

bool host_name_ok(std::string_view name) {  // presentation form, no final dot
  if (name.empty() || name.size() > kMaxNameText) return false;
  for (auto l : labels_of(name)) {
    if (!record_label_ok(l)) return false;
  }
  return true;
}

// Record types the API accepts (docs/api.md), SOA excepted: it is generated.
bool supported_type(std::string_view t) {
  for (std::string_view s : {"A", "AAAA", "CAA", "CERT", "CNAME", "DNSKEY", "DS", "HTTPS", "LOC", "MX", "NAPTR", "NS",
                             "OPENPGPKEY", "PTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI", "SPF"}) {
    if (s == t) return true;
  }
  return false;
}

Result<bool> setting_bool(const json& s, const char* key, bool dflt) {
  auto it = s.find(key);
  if (it == s.end() || it->is_null()) return dflt;
  if (!it->is_boolean()) return err(errc::kValidation, std::string("settings.") + key + " must be a boolean");
  return it->get<bool>();
}

json parse_json_or(const std::string& text, json fallback) {
  if (text.empty()) return fallback;
  try {
    return json::parse(text);
  } catch (...) {
    return fallback;
  }
}

}  // namespace

bool proxiable(std::string_view type) { return type == "A" || type == "AAAA" || type == "CNAME"; }

std::vector<std::string> split_rdata_text(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size()) break;
    std::string tok;
    if (text[i] == '"') {
      ++i;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size()) {
          // \" and \\ lose their backslash; \DDD stays as written.
          if (text[i + 1] == '"' || text[i + 1] == '\\') {
            tok += text[i + 1];
            i += 2;
            continue;
          }
        }
        tok += text[i++];
      }
      ++i;  // closing quote
    } else {
      while (i < text.size() && text[i] != ' ' && text[i] != '\t') tok += text[i++];
    }
    out.push_back(std::move(tok));
  }
  return out;
}

Result<std::string> to_ascii_name(std::string_view utf8) {
  if (std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<uint8_t>(c) < 0x80; })) return common::ascii_lower(utf8);
  std::string out;
  for (auto label : labels_of(utf8)) {
    if (!out.empty() || label.data() != utf8.data()) out += '.';
    auto cps = utf8_decode(label);
    if (!cps) return cps.error();
    bool ascii = true;
    for (auto& c : *cps) {
      c = unicode_lower(c);
      ascii = ascii && c < 0x80;
    }
    if (ascii) {
      out += common::ascii_lower(label);
    } else {
      out += punycode_label(*cps);
    }
  }
  return out;
}

Result<std::string> normalize_zone_name(std::string_view input) {
  auto bad = [&]() { return err(errc::kBadZoneName, "Invalid domain name: '" + std::string(input) + "'"); };
  std::string_view s = input;
  if (s.ends_with('.')) s.remove_suffix(1);
  auto ascii = to_ascii_name(s);
  if (!ascii) return bad();
  const std::string name = *ascii;
  if (name.empty() || name.size() > kMaxNameText) return bad();
  const auto labels = labels_of(name);
  if (labels.size() < 2) return bad();
  for (auto l : labels) {
    if (!host_label_ok(l) || l.front() == '-' || l.back() == '-') return bad();
  }
  return name;
}

Result<std::string> normalize_record_name(const ZoneContext& z, std::string_view input) {
  auto bad = [&](const std::string& why) {
    return err(errc::kBadName, "DNS name is invalid: '" + std::string(input) + "' " + why);
  };
  if (input.empty()) return bad("(empty)");
  if (input == "@") return z.name;
  std::string_view s = input;
  const bool absolute = s.ends_with('.');
  if (absolute) s.remove_suffix(1);
  auto ascii = to_ascii_name(s);
  if (!ascii) return bad("(not valid UTF-8)");
  std::string name = *ascii;
  if (name.empty()) return bad("(empty)");
  if (name.ends_with(".@")) name = name.substr(0, name.size() - 2) + "." + z.name;
  if (!ends_with_label_suffix(name, z.name)) {
    const auto labels = labels_of(name);
    const bool relative = !absolute && (labels.size() == 1 || labels.back().starts_with('_'));
    if (!relative) return bad("is outside the zone " + z.name);
    name += "." + z.name;
  }
  if (name.size() > kMaxNameText) return bad("(longer than 253 characters)");
  for (auto l : labels_of(name)) {
    if (!record_label_ok(l)) {
      return bad(l.empty() ? "(empty label)" : l.size() > kMaxLabel ? "(label longer than 63 characters)"
                                                                     : "(label '" + std::string(l) + "' has invalid characters)");
    }
  }
  return name;
}

Result<zone::Record> build_record(const ZoneContext& z, const RecordInput& in, const zone::Record* base,
                                  bool replace) {
  const bool keep = base != nullptr && !replace;  // PATCH
  zone::Record r;
  if (base != nullptr) {
    r.id = base->id;
    r.zone_id = base->zone_id;
    r.created_on = base->created_on;
    r.modified_on = base->modified_on;
  }

  // type
  std::string type;
  if (in.type) {
    type = upper(*in.type);
  } else if (base != nullptr) {
    type = base->type;
  } else {
    return err(errc::kBadType, "DNS record type is required.");
  }
  if (type == "SOA") return err(errc::kBadType, "SOA records are generated by dnsedge from the zone's dns_settings.");
  if (auto d = check_dnssec_type(z, type, {}); !d) return d.error();
  if (!supported_type(type)) return err(errc::kBadType, "Invalid or unsupported DNS record type '" + type + "'.");
  const bool type_changed = base != nullptr && base->type != type;
  r.type = type;

  // name
  if (in.name) {
    auto n = normalize_record_name(z, *in.name);
    if (!n) return n.error();
    r.name = *n;
  } else if (base != nullptr) {
    r.name = base->name;
  } else {
    return err(errc::kBadName, "DNS name is invalid: a name is required.");
  }
  if (type == "DS" && r.name == z.name) {
    if (auto d = check_dnssec_type(z, type, r.name); !d) return d.error();
  }
  if (type == "NS" && r.name == z.name) {
    return err(errc::kValidation,
               "NS records at the zone apex are generated by dnsedge from its configured name servers; "
               "they cannot be added (delegate a subdomain with NS records below the apex).");
  }

  // priority
  std::optional<int64_t> priority = in.priority;
  if (!priority && keep && base->priority && !type_changed) priority = base->priority;
  if (priority && (*priority < 0 || *priority > 65535)) {
    return err(errc::kValidation, "priority must be between 0 and 65535");
  }

  // content → the rdata text
  std::string text;
  std::optional<std::string> txt_as_written;  // unquoted TXT content, stored as the client wrote it
  const bool data_given = in.data && !in.data->is_null();
  if (data_given && has_data_form(type) && !in.content) {
    auto t = text_from_data(type, *in.data, priority);
    if (!t) return t.error();
    text = *t;
  } else {
    std::string content;
    if (in.content) {
      content = *in.content;
    } else if (keep && !type_changed) {
      content = base->content;
    } else if (data_given && has_data_form(type)) {
      auto t = text_from_data(type, *in.data, priority);
      if (!t) return t.error();
      content = *t;
    } else {
      return content_error(type, "content is required");
    }
    if (type == "A") {
      if (!is_ipv4(content)) return content_error(type, "");
      text = content;
    } else if (type == "AAAA") {
      if (!is_ipv6(content)) return content_error(type, "");
      text = content;
    } else if (type == "CNAME" || type == "NS" || type == "PTR") {
      std::string target = content == "@" ? z.name : common::ascii_lower(content);
      if (target.ends_with('.')) target.pop_back();
      auto ascii = to_ascii_name(target);
      if (!ascii || !host_name_ok(*ascii) || is_ipv4(*ascii) || is_ipv6(target)) return content_error(type, "not a host name");
      if (type == "CNAME" && *ascii == r.name) return content_error(type, "a CNAME cannot point at itself");
      text = *ascii + ".";
    } else if (type == "MX") {
      const auto toks = split_rdata_text(content);
      std::string target = content;
      if (toks.size() == 2 && !toks[0].empty() && std::all_of(toks[0].begin(), toks[0].end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (!in.priority) priority = std::stoll(toks[0].substr(0, 6));
        target = toks[1];
      }
      if (!priority) return err(errc::kValidation, "MX records need a priority (0..65535).");
      if (target == "@") target = z.name;
      target = common::ascii_lower(target);
      if (target != "." && target.ends_with('.')) target.pop_back();
      auto ascii = to_ascii_name(target);
      if (!ascii || (*ascii != "." && (!host_name_ok(*ascii) || is_ipv4(*ascii)))) {
        return content_error(type, "the mail server must be a host name");
      }
      text = std::to_string(*priority) + " " + (*ascii == "." ? std::string(".") : *ascii + ".");
    } else if (type == "SRV" || type == "URI") {
      const auto toks = split_rdata_text(content);
      const size_t want = type == "SRV" ? 3 : 2;
      if (toks.size() == want + 1) {
        // The priority is included; an explicit `priority` field wins over it.
        text = in.priority ? std::to_string(*priority) + " " + content.substr(content.find(toks[1], toks[0].size()))
                           : content;
      } else if (toks.size() == want) {
        if (!priority) return err(errc::kValidation, type + " records need a priority (0..65535).");
        text = std::to_string(*priority) + " " + content;
      } else {
        return content_error(type, type == "SRV" ? "expected \"weight port target\"" : "expected \"weight \\\"target\\\"\"");
      }
    } else if (type == "TXT" || type == "SPF") {
      text = txt_rdata_text(content);
      if (!content.starts_with('"')) txt_as_written = content;
    } else {
      text = content;
    }
  }
  if (text.find('\n') != std::string::npos || text.find('\r') != std::string::npos) {
    return content_error(type, "line breaks are not allowed");
  }
  const auto type_code = dns::type_from_string(type);
  auto rdata = dns::rdata_from_text(*type_code, text, root_wire());
  if (!rdata) return content_error(type, rdata.error().message);
  if (rdata->size() > kMaxRdata) {
    return err(errc::kTooLong, "Record content exceeds the allowed length of 4096 wire format bytes.");
  }
  auto canonical = dns::rdata_to_text(*type_code, *rdata);
  if (!canonical) return content_error(type, canonical.error().message);
  std::string full = *canonical;
  r.priority.reset();
  r.data_json.clear();
  if (type == "MX" || type == "SRV" || type == "URI") {
    const size_t sp = full.find(' ');
    r.priority = static_cast<uint16_t>(std::stoul(full.substr(0, sp)));
    std::string rest = full.substr(sp + 1);
    if (type == "MX") rest = strip_dot(rest);
    if (type == "SRV") {
      const size_t last = rest.rfind(' ');
      rest = rest.substr(0, last + 1) + strip_dot(rest.substr(last + 1));
    }
    r.content = rest;
  } else if (type == "CNAME" || type == "NS" || type == "PTR") {
    r.content = strip_dot(full);
  } else if (txt_as_written) {
    r.content = std::move(*txt_as_written);
  } else {
    r.content = full;
  }
  if (has_data_form(type)) r.data_json = data_from_text(type, full).dump();

  // proxied
  bool proxied = false;
  if (in.proxied) {
    proxied = *in.proxied;
  } else if (keep) {
    proxied = base->proxied && proxiable(type);
  }
  if (proxied && !proxiable(type)) {
    return err(errc::kNotProxiable, type + " records cannot be proxied (only A, AAAA and CNAME can).");
  }
  r.proxied = proxied;
  if (proxied && z.edge != nullptr) {
    const auto& fam = type == "AAAA" ? z.edge->v6 : z.edge->v4;
    if (type != "CNAME" && std::find(fam.begin(), fam.end(), *rdata) != fam.end()) {
      return err(errc::kBlockedTarget, "Target " + r.content + " is not allowed for a proxied record (it is an edge address).");
    }
    if (type != "CNAME" && z.edge->policy) {
      if (const auto v = z.edge->policy->check(*rdata); v != view::OriginVerdict::kAllowed) {
        return err(errc::kBlockedTarget, view::OriginPolicy::message(*rdata, v));
      }
    }
  }
  if (proxied && type == "CNAME") {
    bool under_domainkey = false;
    for (auto l : labels_of(r.name)) under_domainkey = under_domainkey || l == "_domainkey";
    if (under_domainkey || view::is_blocked_proxy_target(*rdata)) {
      return err(errc::kBlockedTarget, "Target " + r.content +
                                           " is not allowed for a proxied record (a proxied CNAME answers no TXT: "
                                           "the DKIM key or verification record would vanish).");
    }
  }

  // ttl
  int64_t ttl = kAutoTtl;
  if (in.ttl) {
    ttl = *in.ttl;
  } else if (keep) {
    ttl = base->ttl;
  }
  if (ttl != kAutoTtl && (ttl < kMinTtl || ttl > kMaxTtl)) {
    return err(errc::kBadTtl, "TTL must be between 30 and 86400 seconds, or 1 for Automatic.");
  }
  r.ttl = proxied ? kAutoTtl : static_cast<uint32_t>(ttl);

  // settings
  json s = json::object();
  if (in.settings && !in.settings->is_null()) {
    if (!in.settings->is_object()) return err(errc::kValidation, "settings must be an object");
    s = *in.settings;
  } else if (keep) {
    s = parse_json_or(base->settings_json, json::object());
  }
  json settings = json::object();
  if (proxiable(type)) {
    auto v4 = setting_bool(s, "ipv4_only", false);
    if (!v4) return v4.error();
    auto v6 = setting_bool(s, "ipv6_only", false);
    if (!v6) return v6.error();
    if (*v4 && *v6) return err(errc::kValidation, "settings.ipv4_only and settings.ipv6_only cannot both be true");
    settings["ipv4_only"] = *v4;
    settings["ipv6_only"] = *v6;
    if (type == "CNAME") {
      auto f = setting_bool(s, "flatten_cname", false);
      if (!f) return f.error();
      if (*f && proxied) {
        return err(errc::kValidation, "settings.flatten_cname is unavailable for proxied records: they are always flattened");
      }
      settings["flatten_cname"] = *f;
    }
  }
  r.settings_json = settings.dump();

  // comment, tags
  if (in.comment) {
    r.comment = in.comment->value_or("");
  } else if (keep) {
    r.comment = base->comment;
  }
  if (r.comment.find('\n') != std::string::npos || r.comment.find('\r') != std::string::npos) {
    return err(errc::kValidation, "comment may not contain line breaks");
  }
  if (in.tags) {
    r.tags_json = json(*in.tags).dump();
  } else if (keep) {
    r.tags_json = base->tags_json;
  } else {
    r.tags_json = "[]";
  }
  return r;
}

Result<dns::ZoneRecord> to_zone_record(const zone::Record& r) {
  dns::ZoneRecord rr;
  auto owner = dns::name_from_text(r.name + ".");
  if (!owner) return make_error("record " + r.id + ": bad name " + r.name);
  rr.owner = *owner;
  const auto type = dns::type_from_string(r.type);
  if (!type) return make_error("record " + r.id + ": unknown type " + r.type);
  rr.type = *type;
  rr.ttl = r.ttl == kAutoTtl ? kAutoTtlSeconds : r.ttl;
  std::string text = is_txt_type(r.type) ? txt_rdata_text(r.content) : r.content;
  if (r.priority && uses_priority(r.type)) text = std::to_string(*r.priority) + " " + text;
  auto rdata = dns::rdata_from_text(*type, text, root_wire());
  if (!rdata) return make_error("record " + r.id + " (" + r.name + " " + r.type + "): " + rdata.error().message);
  rr.rdata = std::move(*rdata);
  rr.proxied = r.proxied;
  const json s = parse_json_or(r.settings_json, json::object());
  auto flag = [&](const char* k) { return s.is_object() && s.contains(k) && s[k].is_boolean() && s[k].get<bool>(); };
  rr.ipv4_only = flag("ipv4_only");
  rr.ipv6_only = flag("ipv6_only");
  rr.flatten_cname = flag("flatten_cname");
  return rr;
}

RecordInput input_from_zone_record(const dns::ZoneRecord& rr) {
  RecordInput in;
  in.name = dns::name_to_text(rr.owner);
  in.type = dns::type_to_string(rr.type);
  auto printed = dns::rdata_to_text(rr.type, rr.rdata);
  std::string text = printed ? *printed : std::string();
  if (rr.type == rrtype::kMX || rr.type == rrtype::kSRV || rr.type == rrtype::kURI) {
    const size_t sp = text.find(' ');
    const std::string first = text.substr(0, sp);
    if (!first.empty() && first.size() <= 5 && first.find_first_not_of("0123456789") == std::string::npos) {
      in.priority = std::stoll(first);
      text = sp == std::string::npos ? "" : text.substr(sp + 1);
    }
  }
  in.content = text;
  if (rr.has_tag(kTxtUnquotedTag) && (rr.type == rrtype::kTXT || rr.type == rrtype::kSPF)) {
    if (auto plain = txt_plain_from_rdata(rr.rdata)) in.content = *plain;
  }
  in.ttl = std::clamp<int64_t>(rr.ttl, kMinTtl, kMaxTtl);
  if (rr.flatten_cname) in.settings = json{{"flatten_cname", true}};
  return in;
}

Result<void> check_conflicts(const ZoneContext& z, const zone::Record& r,
                             const std::vector<const zone::Record*>& same_name) {
  const bool addr = r.type == "A" || r.type == "AAAA";
  for (const zone::Record* o : same_name) {
    if (o->type == r.type && o->priority == r.priority && same_content(*o, r)) {
      if (o->ttl == r.ttl && o->proxied == r.proxied) {
        return err(errc::kIdenticalRecord, "An identical record already exists.");
      }
      return err(errc::kRecordExists, "Record already exists.");
    }
  }
  for (const zone::Record* o : same_name) {
    const bool o_addr = o->type == "A" || o->type == "AAAA";
    if ((r.type == "CNAME" && (o_addr || o->type == "CNAME")) || (addr && o->type == "CNAME")) {
      return err(errc::kAddressConflict, "An A, AAAA, or CNAME record with that host already exists.");
    }
    if (r.name != z.name) {  // at the apex a CNAME is flattened and may sit beside other data
      if (o->type == "CNAME") return err(errc::kCnameConflict, "A CNAME record with that host already exists.");
      if (r.type == "CNAME") {
        return err(errc::kCnameConflict,
                   "A record with that host already exists: a CNAME cannot share its name with other records (RFC 1034).");
      }
      if ((r.type == "NS" && o->type != "NS" && o->type != "DS") || (o->type == "NS" && r.type != "DS" && r.type != "NS")) {
        return err(errc::kValidation,
                   "NS records at " + r.name + " delegate it: only NS and DS records may share that name.");
      }
    }
  }
  return {};
}

Result<void> check_proxied_origins(const ZoneContext& z, const view::ZoneView& v,
                                   const std::vector<const zone::Record*>& written) {
  if (z.edge == nullptr || !z.edge->policy) return {};
  for (const zone::Record* r : written) {
    if (!r->proxied || r->type != "CNAME") continue;
    auto owner = dns::name_from_text(r->name + ".");
    if (!owner) continue;
    auto it = v.origins().find(*owner);
    if (it == v.origins().end()) continue;
    for (const auto* list : {&it->second.v4, &it->second.v6}) {
      for (const std::string& a : *list) {
        if (const auto verdict = z.edge->policy->check(a); verdict != view::OriginVerdict::kAllowed) {
          return err(errc::kBlockedTarget, view::OriginPolicy::message(a, verdict) + " (the address " + r->content +
                                               " resolves to, for the proxied CNAME " + r->name + ")");
        }
      }
    }
  }
  return {};
}

}  // namespace dnsedge::control
