#pragma once
// Test helpers for the doctor (tests only; header-only):
//  - FakeSource: answers from records parsed from zone text, like an authoritative server
//    would (CNAME chains, NXDOMAIN vs NODATA, empty non-terminals), with failures injected per
//    (name, type), and optional proxy facts;
//  - run(): check() over it, and small accessors for the report.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "doctor/doctor.h"
#include "doctor/local_source.h"
#include "doctor/source.h"
#include "view/zone_view.h"

namespace dnsedge::doctor::testing {

inline std::string W(const std::string& text) {
  std::string t = text;
  if (t.empty() || t.back() != '.') t += '.';
  return dns::name_from_text(t).value();
}

class FakeSource : public Source {
 public:
  // `zone_text`: records in zone-file syntax; names relative to example.com.
  explicit FakeSource(const std::string& zone_text, const std::string& origin = "example.com.") {
    auto zt = dns::parse_zone_text(zone_text, W(origin), "fake.zone");
    EXPECT_TRUE(zt.has_value()) << (zt ? "" : zt.error().message);
    if (zt) records_ = zt->records;
  }

  // Makes lookups of (name, type) end like `l` (type 0: every type).
  void fail(const std::string& name, uint16_t type, Lookup l) { failures_[{W(name), type}] = std::move(l); }
  void servfail(const std::string& name, uint16_t type = 0) {
    Lookup l;
    l.rcode = dns::rcode::kServFail;
    fail(name, type, l);
  }
  void timeout(const std::string& name, uint16_t type = 0) {
    Lookup l;
    l.status = Lookup::Status::kTimeout;
    l.error = "timed out";
    fail(name, type, l);
  }

  Lookup lookup(std::string_view name, uint16_t type, std::chrono::milliseconds) override {
    ++lookups;
    Lookup out;
    std::string cur(name);
    for (int hop = 0; hop < 16; ++hop) {
      for (auto key : {std::make_pair(cur, type), std::make_pair(cur, uint16_t(0))}) {
        if (auto it = failures_.find(key); it != failures_.end()) {
          Lookup f = it->second;
          f.records.insert(f.records.begin(), out.records.begin(), out.records.end());
          return f;
        }
      }
      bool exists = false;
      const dns::ZoneRecord* cname = nullptr;
      std::vector<dns::ZoneRecord> data;
      for (const auto& r : records_) {
        if (dns::is_subdomain(r.owner, cur)) exists = true;
        if (r.owner != cur) continue;
        if (r.type == dns::rrtype::kCNAME) cname = &r;
        if (r.type == type) data.push_back(r);
      }
      if (!exists) {
        out.rcode = dns::rcode::kNxDomain;
        return out;
      }
      if (cname != nullptr && type != dns::rrtype::kCNAME) {
        out.records.push_back(*cname);
        cur = cname->rdata;
        continue;
      }
      out.records.insert(out.records.end(), data.begin(), data.end());
      return out;
    }
    out.rcode = dns::rcode::kServFail;
    return out;
  }
  std::string_view mode() const override { return "live"; }
  const ProxyFacts* facts() const override { return facts_ ? &*facts_ : nullptr; }

  std::optional<ProxyFacts> facts_;
  int lookups = 0;

 private:
  std::vector<dns::ZoneRecord> records_;
  std::map<std::pair<std::string, uint16_t>, Lookup> failures_;
};

inline Report run(Source& s, Options o = {}, const std::string& domain = "example.com") {
  o.checked_at = "2026-01-01T00:00:00Z";
  return check(domain, s, o);
}

inline std::vector<std::string> ids(const Report& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.push_back(f.id);
  return out;
}

inline const Finding* find(const Report& r, const std::string& id) {
  for (const auto& f : r.findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

inline bool has(const Report& r, const std::string& id) { return find(r, id) != nullptr; }

inline std::string dump(const Report& r) { return to_text(r, false); }

// A baseline zone with no findings other than the DKIM "no selector" info.
inline constexpr const char* kHealthy = R"(
@        300 SOA ns1 hostmaster 1 3600 600 86400 300
@        300 NS ns1
ns1      300 A 11.22.33.53
@        300 MX 10 mail
mail     300 A 11.22.33.25
@        300 TXT "v=spf1 mx -all"
_dmarc   300 TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
)";

inline std::string V4(const char* t) { return dns::rdata_from_text(dns::rrtype::kA, t, W(".")).value(); }
inline std::string V6(const char* t) { return dns::rdata_from_text(dns::rrtype::kAAAA, t, W(".")).value(); }

// Edge addresses of the examples in docs/proxy.md.
inline view::EdgeAddresses edge() {
  return {{V4("203.0.113.1"), V4("203.0.113.2")}, {V6("2001:db8:e::1"), V6("2001:db8:e::2")}};
}

// A LocalSource over one zone compiled from text (proxy flags from cf_tags comments).
struct Local {
  std::unique_ptr<LocalSource> source;
  std::string error;

  explicit Local(const std::string& zone_text, bool flatten_all = false, Source* external = nullptr,
                 const std::string& origin = "example.com.") {
    auto zt = dns::parse_zone_text(zone_text, W(origin), "local.zone");
    if (!zt) {
      error = zt.error().message;
      return;
    }
    const view::EdgeAddresses e = edge();
    auto v = view::ZoneView::compile(
        W(origin), zt->records,
        view::CompileOptions{.source = "local.zone",
                             .edge = &e,
                             .flattening = flatten_all ? view::Flattening::kAll : view::Flattening::kAtRoot});
    if (!v) {
      error = v.error().message;
      return;
    }
    std::vector<LocalZone> zones = {LocalZone{W(origin), flatten_all, zt->records}};
    source = std::make_unique<LocalSource>(view::Catalog::build({*v}), std::move(zones),
                                           LocalOptions{.edge = e, .external = external});
  }
};

}  // namespace dnsedge::doctor::testing
