// Golden cases in-process: each tests/golden/**.case is loaded (zone files → ZoneView, compiled
// with the case's `option` lines as CompileOptions: edge addresses, flatten-all → Catalog), its
// query is built here byte by byte, answered by auth::answer for each transport the
// case names, and the response, parsed by libknot, is compared with the case's expect block.
//
// The comparison rules are those of FORMAT.md and golden.py (the wire runner): rcode (with the
// EDNS extended bits), flags, OPT (payload, version, DO, options), the question echoed byte for
// byte, and each section as a multiset of RRs, or, for the answer of an `order strict` case, as
// a sequence of RRsets. RRs compare by owner (case-insensitive), TTL, class, type and rdata in
// wire form with the names of RFC 4034 §6.2 types lowercased. Expected RR lines are parsed with
// libzscanner, independently of the code under test.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ctime>

extern "C" {
#include <libknot/libknot.h>
#include <libzscanner/scanner.h>
}

#include "auth/answer.h"
#include "dns/zonefile.h"
#include "dnssec/key.h"
#include "dnssec/sign.h"
#include "dnssec/zone_signing.h"
#include "view/zone_view.h"

namespace dnsedge {
namespace {

namespace fs = std::filesystem;

constexpr uint16_t kQueryId = 0x2a2a;
constexpr const char* kSections[] = {"answer", "authority", "additional"};

// --- the case file -------------------------------------------------------------------------

struct EdnsSpec {
  uint16_t size = 1232;
  bool do_bit = false;
  bool co_bit = false;  // Compact Answers OK (RFC 9824 §3): the EDNS flag after DO
  uint8_t version = 0;
  std::vector<std::string> options;  // query: "opt=CODE:HEX"; response: "ede=N" / "opt=CODE"

  std::string text() const {
    std::string out = std::to_string(size);
    if (version != 0) out += " version=" + std::to_string(version);
    out += do_bit ? " do=1" : " do=0";
    if (co_bit) out += " co=1";
    std::vector<std::string> o = options;
    std::sort(o.begin(), o.end());
    for (const auto& t : o) out += " " + t;
    return out;
  }
};

struct Expect {
  std::string rcode = "NOERROR";
  std::vector<std::string> flags;
  std::optional<EdnsSpec> edns;
  bool question = true;
  std::vector<std::string> sections[3];
};

// Zone-set options (`option KEY VALUE` lines): what `dnsedge serve` takes as --edge-ipv4,
// --edge-ipv6 and --flatten-all, passed to view::ZoneView::compile as CompileOptions.
struct Options {
  std::vector<std::string> edge_v4, edge_v6;  // address text, in the order given
  std::vector<std::string> flatten_all;       // zone apexes, text as written

  bool empty() const { return edge_v4.empty() && edge_v6.empty() && flatten_all.empty(); }
  std::string key() const {
    std::string k;
    for (const auto& a : edge_v4) k += "4:" + a + ";";
    for (const auto& a : edge_v6) k += "6:" + a + ";";
    auto f = flatten_all;
    std::sort(f.begin(), f.end());
    for (const auto& z : f) k += "F:" + z + ";";
    return k;
  }
};

// `sign APEX KSK ZSK`: the zone is signed online with the keys of these PEM files.
struct SignSpec {
  std::string apex;  // text as written
  fs::path ksk, zsk;
};

struct Case {
  std::string name;  // "auth/wildcard-nodata"
  fs::path path;
  std::vector<std::pair<std::string, fs::path>> zones;  // apex text, file
  Options options;
  std::vector<SignSpec> sign;
  std::optional<int64_t> clock;  // `clock`: unix seconds signatures are made at
  std::string qname, qtype, qclass = "IN";
  std::optional<EdnsSpec> edns;
  std::vector<std::string> qflags;
  std::vector<auth::Transport> transports{auth::Transport::kUdp, auth::Transport::kTcp};
  bool order_strict = false;
  std::optional<Expect> expect;
};

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string wire_name(const std::string& text, bool lower);

// Returns an error message, or "" on success.
std::string parse_edns(const std::vector<std::string>& tok, size_t from,
                       std::optional<EdnsSpec>* out) {
  if (tok.size() == from + 1 && tok[from] == "none") {
    out->reset();
    return "";
  }
  if (tok.size() <= from || tok[from].find_first_not_of("0123456789") != std::string::npos) {
    return "edns wants 'none' or '<size> [do=0|1] [version=N]'";
  }
  EdnsSpec e;
  e.size = static_cast<uint16_t>(std::stoul(tok[from]));
  for (size_t i = from + 1; i < tok.size(); ++i) {
    const std::string& t = tok[i];
    if (t == "do=0" || t == "do=1") {
      e.do_bit = t == "do=1";
    } else if (t == "co=0" || t == "co=1") {
      e.co_bit = t == "co=1";
    } else if (t.rfind("version=", 0) == 0) {
      e.version = static_cast<uint8_t>(std::stoul(t.substr(8)));
    } else if (t.rfind("opt=", 0) == 0 || t.rfind("ede=", 0) == 0) {
      e.options.push_back(t);
    } else {
      return "bad edns token '" + t + "'";
    }
  }
  *out = e;
  return "";
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// `option edge-ipv4 A[,B...]`, `option edge-ipv6 A[,B...]`, `option flatten-all ZONE`; each
// repeatable (addresses and zones accumulate). Returns an error message, or "" on success.
std::string parse_option(const std::string& key, const std::string& value, Options* o) {
  if (key == "edge-ipv4" || key == "edge-ipv6") {
    const bool v6 = key == "edge-ipv6";
    for (const auto& a : split_commas(value)) {
      uint8_t buf[16];
      if (inet_pton(v6 ? AF_INET6 : AF_INET, a.c_str(), buf) != 1) {
        return "option " + key + ": '" + a + "' is not an IPv" + (v6 ? "6" : "4") + " address";
      }
      (v6 ? o->edge_v6 : o->edge_v4).push_back(a);
    }
    return "";
  }
  if (key == "flatten-all") {
    if (value.empty() || value.back() != '.') return "option flatten-all wants an absolute zone name";
    o->flatten_all.push_back(value);
    return "";
  }
  return "unknown option '" + key + "' (edge-ipv4, edge-ipv6, flatten-all)";
}

// "2026-12-01T00:00:00Z" → unix seconds.
std::optional<int64_t> parse_clock(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

// Returns an error message, or "" on success.
std::string parse_case(const fs::path& root, const fs::path& path, Case* c) {
  std::ifstream in(path);
  if (!in) return "cannot open";
  c->path = path;
  c->name = fs::relative(path, root).replace_extension().string();
  std::string line;
  int n = 0;
  bool in_expect = false;
  int section = -1;
  while (std::getline(in, line)) {
    ++n;
    const std::string where = path.string() + ":" + std::to_string(n) + ": ";
    line = trim_right(line);
    if (n == 1 && line.rfind("# ", 0) != 0) return where + "a case starts with '# <why>'";
    if (!in_expect) {
      if (line == "== expect") {
        in_expect = true;
        c->expect.emplace();
        continue;
      }
      if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
      auto tok = split_ws(line);
      if (tok.empty()) continue;
      if (tok[0] == "zone" && tok.size() == 3) {
        c->zones.emplace_back(tok[1], fs::weakly_canonical(root / tok[2]));
      } else if (tok[0] == "query" && (tok.size() == 3 || tok.size() == 4)) {
        c->qname = tok[1];
        c->qtype = upper(tok[2]);
        if (tok.size() == 4) c->qclass = upper(tok[3]);
      } else if (tok[0] == "edns") {
        if (auto e = parse_edns(tok, 1, &c->edns); !e.empty()) return where + e;
      } else if (tok[0] == "qflags") {
        c->qflags.assign(tok.begin() + 1, tok.end());
      } else if (tok[0] == "transport" && tok.size() == 2) {
        if (tok[1] == "udp") {
          c->transports = {auth::Transport::kUdp};
        } else if (tok[1] == "tcp") {
          c->transports = {auth::Transport::kTcp};
        } else if (tok[1] != "both") {
          return where + "transport is udp, tcp or both";
        }
      } else if (tok[0] == "order" && tok.size() == 2 && tok[1] == "strict") {
        c->order_strict = true;
      } else if (tok[0] == "option" && tok.size() == 3) {
        if (auto e = parse_option(tok[1], tok[2], &c->options); !e.empty()) return where + e;
      } else if (tok[0] == "sign" && tok.size() == 4) {
        c->sign.push_back({tok[1], fs::weakly_canonical(root / tok[2]), fs::weakly_canonical(root / tok[3])});
      } else if (tok[0] == "clock" && tok.size() == 2) {
        auto t = parse_clock(tok[1]);
        if (!t) return where + "clock wants YYYY-MM-DDTHH:MM:SSZ, not '" + tok[1] + "'";
        c->clock = *t;
      } else {
        return where + "cannot read '" + line + "'";
      }
      continue;
    }
    Expect& e = *c->expect;
    if (line.empty() || line[0] == '#') continue;
    bool is_section = false;
    for (int s = 0; s < 3; ++s) {
      if (line == std::string(kSections[s]) + ":") {
        section = s;
        is_section = true;
      }
    }
    if (is_section) continue;
    if (section >= 0) {
      e.sections[section].push_back(line);
      continue;
    }
    auto tok = split_ws(line);
    if (tok[0] == "rcode" && tok.size() == 2) {
      e.rcode = upper(tok[1]);
    } else if (tok[0] == "flags") {
      e.flags.assign(tok.begin() + 1, tok.end());
    } else if (tok[0] == "edns") {
      if (auto err = parse_edns(tok, 1, &e.edns); !err.empty()) return where + err;
    } else if (tok.size() == 2 && tok[0] == "question" && tok[1] == "none") {
      e.question = false;
    } else {
      return where + "cannot read expect line '" + line + "'";
    }
  }
  if (c->zones.empty() || c->qname.empty()) return path.string() + ": needs 'zone' and 'query'";
  for (const auto& f : c->options.flatten_all) {
    bool found = false;
    for (const auto& [apex, file] : c->zones) {
      found = found || wire_name(apex, /*lower=*/true) == wire_name(f, /*lower=*/true);
    }
    if (!found) return path.string() + ": option flatten-all " + f + ": not one of the case's zones";
  }
  for (const auto& s : c->sign) {
    bool found = false;
    for (const auto& [apex, file] : c->zones) {
      found = found || wire_name(apex, /*lower=*/true) == wire_name(s.apex, /*lower=*/true);
    }
    if (!found) return path.string() + ": sign " + s.apex + ": not one of the case's zones";
  }
  if (c->sign.empty() != !c->clock) return path.string() + ": 'sign' and 'clock' go together";
  if (!c->expect) return path.string() + ": no '== expect' block";
  return "";
}

std::vector<std::string> case_files() {
  std::vector<std::string> out;
  const fs::path root(DNSEDGE_GOLDEN_DIR);
  for (const auto& ent : fs::recursive_directory_iterator(root)) {
    if (ent.is_regular_file() && ent.path().extension() == ".case") {
      out.push_back(fs::relative(ent.path(), root).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// --- names, RRs ------------------------------------------------------------------------------

std::string wire_name(const std::string& text, bool lower) {
  knot_dname_t* d = knot_dname_from_str_alloc(text.c_str());
  if (d == nullptr) return "";
  if (lower) knot_dname_to_lower(d);
  std::string out(reinterpret_cast<const char*>(d), knot_dname_size(d));
  free(d);
  return out;
}

// One RR in comparable form.
struct RrKey {
  std::string owner;  // lowercase wire
  uint32_t ttl = 0;
  uint16_t rclass = 0, type = 0;
  std::string rdata;  // canonical wire
  auto tie() const { return std::tie(owner, type, rclass, ttl, rdata); }
  bool operator<(const RrKey& o) const { return tie() < o.tie(); }
  bool operator==(const RrKey& o) const { return tie() == o.tie(); }
};

// Key of the single RR in `rr` (a copy is lowercased per RFC 4034 §6.2).
RrKey key_of(const knot_rrset_t* rr) {
  knot_rrset_t* copy = knot_rrset_copy(rr, nullptr);
  RrKey k;
  if (copy == nullptr) return k;
  knot_rrset_rr_to_canonical(copy);
  k.owner.assign(reinterpret_cast<const char*>(copy->owner), knot_dname_size(copy->owner));
  k.ttl = copy->ttl;
  k.rclass = copy->rclass;
  k.type = copy->type;
  const knot_rdata_t* rd = copy->rrs.rdata;
  k.rdata.assign(reinterpret_cast<const char*>(rd->data), rd->len);
  knot_rrset_free(copy, nullptr);
  return k;
}

// One RR as a case-file line: "owner<TAB>ttl<TAB>class<TAB>type<TAB>rdata".
std::string dump(const knot_rrset_t* rr) {
  knot_dump_style_t style = KNOT_DUMP_STYLE_DEFAULT;
  style.show_class = true;
  style.original_ttl = false;  // an RRSIG's own TTL, not its original TTL field
  size_t size = 1024;
  char* buf = static_cast<char*>(malloc(size));
  int n = knot_rrset_txt_dump(rr, &buf, &size, &style);
  std::string raw = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "<dump failed>";
  free(buf);
  while (!raw.empty() && raw.back() == '\n') raw.pop_back();
  // libknot pads the owner with spaces; the case files use single tabs between the 4 fields.
  std::string out;
  int fields = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    const bool ws = raw[i] == ' ' || raw[i] == '\t';
    if (ws && fields < 4) {
      while (i + 1 < raw.size() && (raw[i + 1] == ' ' || raw[i + 1] == '\t')) ++i;
      out += '\t';
      ++fields;
    } else {
      out += raw[i];
    }
  }
  return out;
}

// Parses one expected RR line ("owner ttl class type rdata", absolute names) with libzscanner.
std::optional<RrKey> parse_rr_line(const std::string& line, std::string* err) {
  auto s = std::make_unique<zs_scanner_t>();
  if (zs_init(s.get(), ".", KNOT_CLASS_IN, 0) != 0) {
    *err = "zs_init failed";
    return std::nullopt;
  }
  const std::string text = line + "\n";
  std::optional<RrKey> out;
  if (zs_set_input_string(s.get(), text.data(), text.size()) == 0 && zs_parse_record(s.get()) == 0 &&
      s->state == ZS_STATE_DATA) {
    knot_rrset_t* rr = knot_rrset_new(s->r_owner, s->r_type, s->r_class, s->r_ttl, nullptr);
    if (rr != nullptr &&
        knot_rrset_add_rdata(rr, s->r_data, static_cast<uint16_t>(s->r_data_length), nullptr) ==
            KNOT_EOK) {
      out = key_of(rr);
    }
    knot_rrset_free(rr, nullptr);
  }
  if (!out) {
    *err = std::string("cannot parse expected RR '") + line + "': " +
           (s->error.code != 0 ? zs_strerror(s->error.code) : "no record");
  }
  zs_deinit(s.get());
  return out;
}

// --- the query -------------------------------------------------------------------------------

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v & 0xff));
}

std::optional<std::vector<uint8_t>> build_query(const Case& c, std::string* err) {
  std::vector<uint8_t> q;
  put16(q, kQueryId);
  uint16_t flags = 0;
  for (const auto& f : c.qflags) {
    if (f == "rd") flags |= 0x0100;
    else if (f == "cd") flags |= 0x0010;
    else if (f == "ad") flags |= 0x0020;
    else if (f == "aa") flags |= 0x0400;
    else if (f == "tc") flags |= 0x0200;
    else if (f == "ra") flags |= 0x0080;
    else {
      *err = "unknown query flag " + f;
      return std::nullopt;
    }
  }
  put16(q, flags);
  put16(q, 1);
  put16(q, 0);
  put16(q, 0);
  put16(q, c.edns ? 1 : 0);
  const std::string qname = wire_name(c.qname, /*lower=*/false);
  uint16_t qtype = 0, qclass = 0;
  if (qname.empty() || knot_rrtype_from_string(c.qtype.c_str(), &qtype) != 0 ||
      knot_rrclass_from_string(c.qclass.c_str(), &qclass) != 0) {
    *err = "bad question " + c.qname + " " + c.qclass + " " + c.qtype;
    return std::nullopt;
  }
  q.insert(q.end(), qname.begin(), qname.end());
  put16(q, qtype);
  put16(q, qclass);
  if (c.edns) {
    std::vector<uint8_t> opts;
    for (const auto& o : c.edns->options) {
      // "opt=CODE:HEX"
      auto colon = o.find(':');
      if (o.rfind("opt=", 0) != 0 || colon == std::string::npos) {
        *err = "query option must be opt=CODE:HEX, not " + o;
        return std::nullopt;
      }
      const std::string hex = o.substr(colon + 1);
      put16(opts, static_cast<uint16_t>(std::stoul(o.substr(4, colon - 4))));
      put16(opts, static_cast<uint16_t>(hex.size() / 2));
      for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        opts.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
      }
    }
    q.push_back(0);  // root owner
    put16(q, KNOT_RRTYPE_OPT);
    put16(q, c.edns->size);
    q.push_back(0);  // extended rcode
    q.push_back(c.edns->version);
    put16(q, static_cast<uint16_t>((c.edns->do_bit ? 0x8000 : 0) | (c.edns->co_bit ? 0x4000 : 0)));
    put16(q, static_cast<uint16_t>(opts.size()));
    q.insert(q.end(), opts.begin(), opts.end());
  }
  return q;
}

// Length of the question section of the query built for `c`.
size_t question_length(const Case& c) { return wire_name(c.qname, /*lower=*/false).size() + 4; }

// --- the catalog -----------------------------------------------------------------------------

// Edge addresses as rdata (4 or 16 octets), from the text of `option edge-ipv4/6` lines.
view::EdgeAddresses edge_addresses(const Options& o) {
  view::EdgeAddresses e;
  for (const auto& a : o.edge_v4) {
    uint8_t buf[4];
    if (inet_pton(AF_INET, a.c_str(), buf) == 1) e.v4.emplace_back(reinterpret_cast<char*>(buf), 4);
  }
  for (const auto& a : o.edge_v6) {
    uint8_t buf[16];
    if (inet_pton(AF_INET6, a.c_str(), buf) == 1) e.v6.emplace_back(reinterpret_cast<char*>(buf), 16);
  }
  return e;
}

// What the compiler learns about names outside the zone it compiles. The golden tests have no
// reachable resolver (test_golden_wire.py gives `dnsedge serve` an upstream that never
// answers): every name outside the case's zones has failed to resolve. Names inside another
// zone of the case (cross-zone flattening, which `serve` answers from that zone's view) are
// not modelled here: compiling such a case fails, so that it is not silently answered wrong.
class NoResolver : public view::TargetSource {
 public:
  explicit NoResolver(std::vector<std::string> apexes) : apexes_(std::move(apexes)) {}
  std::optional<view::TargetAddrs> lookup(std::string_view name) const override {
    for (const auto& apex : apexes_) {
      if (name.size() >= apex.size() && name.substr(name.size() - apex.size()) == apex &&
          (name.size() == apex.size() || apex.size() == 1 ||
           is_label_start(name, name.size() - apex.size()))) {
        cross_.emplace_back(name);
        return std::nullopt;
      }
    }
    view::TargetAddrs t;
    t.state = view::TargetAddrs::State::kFailed;
    t.detail = "(no resolver in the golden tests)";
    return t;
  }
  const std::vector<std::string>& cross() const { return cross_; }

 private:
  // True when a label of the wire name `name` starts at `off`.
  static bool is_label_start(std::string_view name, size_t off) {
    for (size_t i = 0; i < name.size() && name[i] != 0; i += 1 + static_cast<uint8_t>(name[i])) {
      if (i == off) return true;
    }
    return false;
  }
  std::vector<std::string> apexes_;  // lowercase wire
  mutable std::vector<std::string> cross_;
};

// What the case's `sign` lines sign with: per zone (lowercase wire apex) its ZoneSigning, keys
// from the PEM files the case names, DNSKEY TTL and validity policy the defaults of `dnsedge
// serve`, signatures made at the case's `clock`. Built once per distinct sign set and clock.
struct Signing {
  std::unique_ptr<zone::FakeClock> clock;
  std::map<std::string, std::shared_ptr<const dnssec::ZoneSigning>> zones;
};

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const Signing* signing_for(const Case& c, std::string* err) {
  static std::map<std::string, std::unique_ptr<Signing>> cache;
  if (c.sign.empty()) return nullptr;
  std::string key = std::to_string(*c.clock);
  for (const auto& s : c.sign) key += ";" + s.apex + "=" + s.ksk.string() + "," + s.zsk.string();
  if (auto it = cache.find(key); it != cache.end()) return it->second.get();
  auto out = std::make_unique<Signing>();
  out->clock = std::make_unique<zone::FakeClock>(std::chrono::system_clock::from_time_t(*c.clock));
  for (const auto& s : c.sign) {
    auto zs = std::make_shared<dnssec::ZoneSigning>();
    zs->apex = wire_name(s.apex, /*lower=*/true);
    zs->clock = out->clock.get();
    for (const auto& [file, flags] : {std::pair{s.ksk, dnssec::kFlagsKsk}, std::pair{s.zsk, dnssec::kFlagsZsk}}) {
      auto pem = read_file(file);
      if (!pem) {
        *err = "cannot read key file " + file.string();
        return nullptr;
      }
      auto k = dnssec::Key::from_pem(*pem, flags);
      if (!k) {
        *err = "key file " + file.string() + ": " + k.error().message;
        return nullptr;
      }
      if (flags == dnssec::kFlagsKsk) {
        zs->ksks.push_back(*k);
      } else {
        zs->zsk = *k;
      }
    }
    zs->dnskeys = {zs->ksks.front(), *zs->zsk};
    out->zones[zs->apex] = zs;
  }
  return (cache[key] = std::move(out)).get();
}

// Catalogs are built once per distinct zone set and options, and shared by the cases that use
// them. Like `dnsedge serve`, flatten-all applies to the zones it names; the edge addresses to
// every zone.
std::shared_ptr<const view::Catalog> catalog_for(const Case& c, std::string* err) {
  static std::map<std::string, std::shared_ptr<const view::Catalog>> cache;
  static std::map<std::string, std::unique_ptr<view::EdgeAddresses>> edges;
  std::vector<std::string> keys;
  for (const auto& [apex, file] : c.zones) keys.push_back(apex + "=" + file.string());
  std::sort(keys.begin(), keys.end());
  std::string key;
  for (const auto& k : keys) key += k + ";";
  key += "|" + c.options.key();
  const Signing* signing = signing_for(c, err);
  if (!c.sign.empty() && signing == nullptr) return nullptr;
  if (signing != nullptr) {
    key += "|clock=" + std::to_string(*c.clock);
    for (const auto& s : c.sign) key += ";" + s.apex + "=" + s.ksk.string() + "," + s.zsk.string();
  }
  if (auto it = cache.find(key); it != cache.end()) return it->second;

  auto& edge = edges[key];
  edge = std::make_unique<view::EdgeAddresses>(edge_addresses(c.options));
  std::vector<std::string> apexes;
  for (const auto& [apex, file] : c.zones) apexes.push_back(wire_name(apex, /*lower=*/true));
  const NoResolver targets(apexes);
  std::vector<std::shared_ptr<const view::ZoneView>> zones;
  for (const auto& [apex, file] : c.zones) {
    const std::string origin = wire_name(apex, /*lower=*/true);
    auto text = dns::parse_zone_file(file.string(), origin);
    if (!text) {
      *err = "parse_zone_file: " + text.error().message;
      return nullptr;
    }
    view::Flattening flattening = view::Flattening::kAtRoot;
    for (const auto& f : c.options.flatten_all) {
      if (wire_name(f, /*lower=*/true) == origin) flattening = view::Flattening::kAll;
    }
    std::shared_ptr<const dnssec::ZoneSigning> zs;
    if (signing != nullptr) {
      if (auto it = signing->zones.find(origin); it != signing->zones.end()) zs = it->second;
    }
    auto z = view::ZoneView::compile(
        origin, text->records,
        view::CompileOptions{
            .source = file.string(), .edge = edge.get(), .flattening = flattening, .targets = &targets, .signing = zs});
    if (!z) {
      *err = "ZoneView::compile: " + z.error().message;
      return nullptr;
    }
    zones.push_back(*z);
  }
  if (!targets.cross().empty()) {
    *err = "the zones look up a name of a zone of the case (" + targets.cross().front().substr(1) +
           "...): cross-zone flattening is answered by `dnsedge serve` only, not in-process";
    return nullptr;
  }
  auto cat = view::Catalog::build(std::move(zones));
  cache[key] = cat;
  return cat;
}

// --- the response ----------------------------------------------------------------------------

std::string rcode_name(unsigned rc) {
  static const std::map<unsigned, std::string> names = {
      {0, "NOERROR"},  {1, "FORMERR"},  {2, "SERVFAIL"}, {3, "NXDOMAIN"}, {4, "NOTIMP"},
      {5, "REFUSED"},  {6, "YXDOMAIN"}, {7, "YXRRSET"},  {8, "NXRRSET"},  {9, "NOTAUTH"},
      {10, "NOTZONE"}, {16, "BADVERS"}, {23, "BADCOOKIE"}};
  auto it = names.find(rc);
  return it != names.end() ? it->second : std::to_string(rc);
}

struct Got {
  Expect exp;                        // canonical summary (sections hold dumped text)
  std::vector<RrKey> keys[3];        // in packet order
  std::string question_error;        // "" when the question is echoed exactly
  std::vector<std::string> sig_errors;  // RRSIGs of signed zones that do not verify
};

// --- signatures of signed cases ----------------------------------------------------------------
//
// ECDSA signatures are random, so an expected RRSIG of a zone the case signs ends with the
// mark `<signature>` instead of the signature. Every such RRSIG of the response is
// verified (dnssec::verify_rrset) with the case's key of its key tag, over the RRset it covers:
// the RRs of that owner and type in the same section or, when the section has none (qtype
// RRSIG), the answer to a DO=1 query for them. A verified RRSIG compares with its signature
// replaced by the mark (in the comparison: 64 zero octets); one that does not verify is
// a failure of its own and keeps its signature, so it matches no expected line either.

constexpr char kSignatureMark[] = "<signature>";
const std::string kZeroSignatureB64 = std::string(86, 'A') + "==";  // 64 zero octets

// `line` with a trailing mark replaced by the base64 of 64 zero octets.
std::string with_zero_signature(const std::string& line) {
  const size_t n = std::strlen(kSignatureMark);
  if (line.size() > n && line.compare(line.size() - n, n, kSignatureMark) == 0) {
    return line.substr(0, line.size() - n) + kZeroSignatureB64;
  }
  return line;
}

// The RRs (canonical form) of `owner` and `type` in the answer to a DO=1 query for them over TCP.
std::vector<RrKey> ask_rrset(const view::Catalog& cat, const std::string& owner, uint16_t type) {
  std::vector<uint8_t> q = {0x2a, 0x2b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
  q.insert(q.end(), owner.begin(), owner.end());
  put16(q, type);
  put16(q, KNOT_CLASS_IN);
  q.insert(q.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0});
  std::vector<uint8_t> out(auth::kMaxResponse);
  const size_t n = auth::answer(cat, q, out, auth::Transport::kTcp);
  std::vector<RrKey> rrs;
  knot_pkt_t* pkt = knot_pkt_new(out.data(), static_cast<uint16_t>(n), nullptr);
  if (pkt == nullptr) return rrs;
  if (knot_pkt_parse(pkt, 0) == KNOT_EOK) {
    const knot_pktsection_t* sec = knot_pkt_section(pkt, KNOT_ANSWER);
    for (uint16_t i = 0; i < sec->count; ++i) {
      RrKey k = key_of(knot_pkt_rr(sec, i));
      if (k.owner == owner && k.type == type) rrs.push_back(std::move(k));
    }
  }
  knot_pkt_free(pkt);
  return rrs;
}

// Verifies the RRSIGs of section `keys` whose signer the case signs (see above). `rrs` are the
// packet's RRs of that section, `text` their dumped lines; both are rewritten for verified ones.
void check_signatures(const Signing& signing, const view::Catalog& cat, std::vector<RrKey>& keys,
                      const std::vector<const knot_rrset_t*>& rrs, std::vector<std::string>& text,
                      std::vector<std::string>& errors) {
  const std::vector<RrKey> section = keys;
  for (size_t i = 0; i < keys.size(); ++i) {
    RrKey& k = keys[i];
    if (k.type != KNOT_RRTYPE_RRSIG || k.rdata.size() < 18) continue;
    const auto* rd = reinterpret_cast<const uint8_t*>(k.rdata.data());
    const std::string signer(k.rdata.data() + 18, knot_dname_size(rd + 18));
    auto zone = signing.zones.find(signer);
    if (zone == signing.zones.end()) continue;
    const std::string where = "RRSIG " + text[i] + ": ";
    const size_t sig_at = 18 + signer.size();
    const uint16_t covered = static_cast<uint16_t>(rd[0] << 8 | rd[1]);
    const uint32_t orig_ttl = static_cast<uint32_t>(rd[4]) << 24 | rd[5] << 16 | rd[6] << 8 | rd[7];
    const uint16_t tag = static_cast<uint16_t>(rd[16] << 8 | rd[17]);
    const dnssec::ZoneSigning& zs = *zone->second;
    const dnssec::Key* key = nullptr;
    for (const dnssec::Key& cand : zs.dnskeys) {
      if (cand.key_tag() == tag) key = &cand;
    }
    if (key == nullptr) {
      errors.push_back(where + "no key of the case has tag " + std::to_string(tag));
      continue;
    }
    std::vector<RrKey> set;
    for (const RrKey& o : section) {
      if (o.owner == k.owner && o.type == covered && o.rclass == k.rclass) set.push_back(o);
    }
    if (set.empty()) set = ask_rrset(cat, k.owner, covered);
    if (set.empty()) {
      errors.push_back(where + "the RRset it covers is neither in its section nor answered");
      continue;
    }
    std::vector<std::string_view> rdatas;
    for (const RrKey& o : set) rdatas.push_back(o.rdata);
    const dnssec::RRsetRef ref{
        .owner = k.owner, .type = covered, .rclass = k.rclass, .ttl = orig_ttl, .rdatas = rdatas};
    if (auto v = dnssec::verify_rrset(ref, k.rdata, *key); !v) {
      errors.push_back(where + "does not verify: " + v.error().message);
      continue;
    }
    std::fill(k.rdata.begin() + static_cast<std::ptrdiff_t>(sig_at), k.rdata.end(), '\0');
    // The line as it would read with a zero signature, the mark in its place.
    knot_rrset_t* copy = knot_rrset_copy(rrs[i], nullptr);
    if (copy == nullptr) continue;
    knot_rdata_t* crd = copy->rrs.rdata;
    if (crd->len > sig_at) std::memset(crd->data + sig_at, 0, crd->len - sig_at);
    std::string line = dump(copy);
    knot_rrset_free(copy, nullptr);
    if (auto at = line.find(kZeroSignatureB64); at != std::string::npos) {
      line.replace(at, kZeroSignatureB64.size(), kSignatureMark);
    }
    text[i] = line;
  }
}

std::optional<Got> parse_response(const Case& c, const std::vector<uint8_t>& query, std::vector<uint8_t>& resp,
                                  const Signing* signing, const view::Catalog& cat, std::string* err) {
  knot_pkt_t* pkt = knot_pkt_new(resp.data(), static_cast<uint16_t>(resp.size()), nullptr);
  if (pkt == nullptr) {
    *err = "knot_pkt_new failed";
    return std::nullopt;
  }
  std::unique_ptr<knot_pkt_t, void (*)(knot_pkt_t*)> guard(pkt, [](knot_pkt_t* p) {
    knot_pkt_free(p);
  });
  if (int r = knot_pkt_parse(pkt, 0); r != KNOT_EOK) {
    *err = std::string("libknot cannot parse the response: ") + knot_strerror(r);
    return std::nullopt;
  }
  Got g;
  const uint8_t* w = pkt->wire;
  if (knot_wire_get_id(w) != kQueryId) {
    *err = "response id differs from the query's";
    return std::nullopt;
  }
  unsigned rc = knot_wire_get_rcode(w);
  if (pkt->opt_rr != nullptr) rc |= static_cast<unsigned>(knot_edns_get_ext_rcode(pkt->opt_rr)) << 4;
  g.exp.rcode = rcode_name(rc);
  const std::pair<const char*, bool> flags[] = {
      {"qr", knot_wire_get_qr(w) != 0}, {"aa", knot_wire_get_aa(w) != 0},
      {"tc", knot_wire_get_tc(w) != 0}, {"rd", knot_wire_get_rd(w) != 0},
      {"ra", knot_wire_get_ra(w) != 0}, {"ad", knot_wire_get_ad(w) != 0},
      {"cd", knot_wire_get_cd(w) != 0}};
  for (const auto& [name, on] : flags) {
    if (on) g.exp.flags.push_back(name);
  }
  if (const knot_rrset_t* opt = pkt->opt_rr; opt != nullptr) {
    EdnsSpec e;
    e.size = knot_edns_get_payload(opt);
    e.version = knot_edns_get_version(opt);
    e.do_bit = knot_edns_do(opt);
    e.co_bit = (opt->ttl & 0x4000) != 0;
    const knot_rdata_t* rd = opt->rrs.rdata;
    for (size_t i = 0; rd != nullptr && i + 4 <= rd->len;) {
      const uint16_t code = static_cast<uint16_t>(rd->data[i] << 8 | rd->data[i + 1]);
      const uint16_t len = static_cast<uint16_t>(rd->data[i + 2] << 8 | rd->data[i + 3]);
      if (code == KNOT_EDNS_OPTION_EDE && len >= 2 && i + 6 <= rd->len) {
        e.options.push_back("ede=" + std::to_string(rd->data[i + 4] << 8 | rd->data[i + 5]));
      } else {
        e.options.push_back("opt=" + std::to_string(code));
      }
      i += 4u + len;
    }
    g.exp.edns = e;
  }
  // The question: exactly the query's bytes (qname case included), or absent.
  const uint16_t qd = knot_wire_get_qdcount(w);
  g.exp.question = qd != 0;
  if (qd != 0) {
    const size_t qlen = question_length(c);
    if (qd != 1 || resp.size() < 12 + qlen ||
        std::memcmp(resp.data() + 12, query.data() + 12, qlen) != 0) {
      g.question_error = "question not echoed exactly (qname case, type, class)";
    }
  }
  const knot_section_t ids[] = {KNOT_ANSWER, KNOT_AUTHORITY, KNOT_ADDITIONAL};
  for (int s = 0; s < 3; ++s) {
    const knot_pktsection_t* sec = knot_pkt_section(pkt, ids[s]);
    std::vector<const knot_rrset_t*> rrs;
    for (uint16_t i = 0; i < sec->count; ++i) {
      const knot_rrset_t* rr = knot_pkt_rr(sec, i);
      if (rr->type == KNOT_RRTYPE_OPT || rr->type == KNOT_RRTYPE_TSIG) continue;
      g.keys[s].push_back(key_of(rr));
      g.exp.sections[s].push_back(dump(rr));
      rrs.push_back(rr);
    }
    if (signing != nullptr) check_signatures(*signing, cat, g.keys[s], rrs, g.exp.sections[s], g.sig_errors);
  }
  return g;
}

// Groups a section into RRsets in order of appearance: (owner, type, class) with sorted members.
std::vector<std::vector<RrKey>> rrset_sequence(const std::vector<RrKey>& keys) {
  std::vector<std::vector<RrKey>> out;
  for (const auto& k : keys) {
    if (out.empty() || out.back().front().owner != k.owner || out.back().front().type != k.type ||
        out.back().front().rclass != k.rclass) {
      out.emplace_back();
    }
    out.back().push_back(k);
  }
  for (auto& set : out) std::sort(set.begin(), set.end());
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Returns readable differences ("" when equal).
std::string compare(const Case& c, const Got& g) {
  const Expect& want = *c.expect;
  std::ostringstream d;
  if (want.rcode != g.exp.rcode) d << "rcode: want " << want.rcode << ", got " << g.exp.rcode << "\n";
  auto wf = want.flags, gf = g.exp.flags;
  std::sort(wf.begin(), wf.end());
  std::sort(gf.begin(), gf.end());
  if (wf != gf) {
    d << "flags: want [" << join(want.flags, " ") << "], got [" << join(g.exp.flags, " ") << "]\n";
  }
  const std::string we = want.edns ? want.edns->text() : "none";
  const std::string ge = g.exp.edns ? g.exp.edns->text() : "none";
  if (we != ge) d << "edns: want " << we << ", got " << ge << "\n";
  if (want.question != g.exp.question) {
    d << "question: want " << (want.question ? "present" : "none") << ", got "
      << (g.exp.question ? "present" : "none") << "\n";
  }
  if (!g.question_error.empty()) d << g.question_error << "\n";
  for (const auto& e : g.sig_errors) d << e << "\n";
  for (int s = 0; s < 3; ++s) {
    std::vector<RrKey> wk;
    for (const auto& line : want.sections[s]) {
      std::string err;
      auto k = parse_rr_line(with_zero_signature(line), &err);
      if (!k) {
        d << kSections[s] << ": " << err << "\n";
        continue;
      }
      wk.push_back(*k);
    }
    bool same;
    if (c.order_strict && s == 0) {
      same = rrset_sequence(wk) == rrset_sequence(g.keys[s]);
    } else {
      auto a = wk, b = g.keys[s];
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      same = a == b;
    }
    if (!same) {
      d << kSections[s] << " section differs" << (c.order_strict && s == 0 ? " (order strict)" : "")
        << ":\n";
      for (const auto& l : want.sections[s]) d << "  want " << l << "\n";
      for (const auto& l : g.exp.sections[s]) d << "  got  " << l << "\n";
    }
  }
  return d.str();
}

std::string render(const Got& g) {
  std::ostringstream o;
  o << "rcode  " << g.exp.rcode << "\nflags  " << join(g.exp.flags, " ") << "\nedns   "
    << (g.exp.edns ? g.exp.edns->text() : "none") << "\n";
  if (!g.exp.question) o << "question none\n";
  for (int s = 0; s < 3; ++s) {
    o << kSections[s] << ":\n";
    for (const auto& l : g.exp.sections[s]) o << l << "\n";
  }
  return o.str();
}

// --- the test --------------------------------------------------------------------------------

class GoldenCase : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCase, MatchesExpectation) {
  const fs::path root(DNSEDGE_GOLDEN_DIR);
  Case c;
  const std::string perr = parse_case(root, root / GetParam(), &c);
  ASSERT_TRUE(perr.empty()) << perr;
  std::string err;
  auto cat = catalog_for(c, &err);
  ASSERT_NE(cat, nullptr) << c.name << ": " << err;
  auto query = build_query(c, &err);
  ASSERT_TRUE(query.has_value()) << c.name << ": " << err;

  std::vector<uint8_t> out(auth::kMaxResponse);
  for (auth::Transport t : c.transports) {
    const char* tname = t == auth::Transport::kUdp ? "udp" : "tcp";
    SCOPED_TRACE(std::string(c.name) + " over " + tname);
    const size_t n = auth::answer(*cat, *query, out, t);
    ASSERT_GT(n, 0u) << "auth::answer dropped the query";
    ASSERT_LE(n, out.size());
    if (t == auth::Transport::kUdp) {
      size_t limit = 512;
      if (c.edns) limit = std::clamp<size_t>(c.edns->size, 512, 1232);
      EXPECT_LE(n, limit) << "UDP response larger than the negotiated size";
    }
    std::vector<uint8_t> resp(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
    auto got = parse_response(c, *query, resp, signing_for(c, &err), *cat, &err);
    ASSERT_TRUE(got.has_value()) << err;
    const std::string diffs = compare(c, *got);
    EXPECT_TRUE(diffs.empty()) << c.path.string() << " (" << tname << "): " << c.qname << " "
                               << c.qtype << "\n"
                               << diffs << "--- got, in full:\n"
                               << render(*got);
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = fs::path(info.param).replace_extension().string();
  for (auto& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenCase, ::testing::ValuesIn(case_files()), test_name);

}  // namespace
}  // namespace dnsedge
