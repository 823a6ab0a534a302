#include "doctor/source.h"

#include <algorithm>

#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::doctor {

bool Lookup::answered() const noexcept {
  return status == Status::kOk && (rcode == dns::rcode::kNoError || rcode == dns::rcode::kNxDomain);
}

std::string Lookup::canonical(std::string_view qname) const {
  std::string cur(qname);
  for (size_t step = 0; step <= records.size(); ++step) {
    auto it = std::find_if(records.begin(), records.end(),
                           [&](const dns::ZoneRecord& r) { return r.type == dns::rrtype::kCNAME && r.owner == cur; });
    if (it == records.end()) break;
    cur = it->rdata;
  }
  return cur;
}

std::vector<dns::ZoneRecord> Lookup::rrs(std::string_view qname, uint16_t type) const {
  const std::string end = type == dns::rrtype::kCNAME ? std::string(qname) : canonical(qname);
  std::vector<dns::ZoneRecord> out;
  for (const auto& r : records) {
    if (r.type == type && r.owner == end) out.push_back(r);
  }
  // An RRset has no order (RFC 2181 §5): sort, so reports do not depend on the server's order.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.rdata < b.rdata; });
  return out;
}

std::vector<std::string> Lookup::rdata(std::string_view qname, uint16_t type) const {
  std::vector<std::string> out;
  for (auto& r : rrs(qname, type)) out.push_back(std::move(r.rdata));
  return out;
}

std::string Lookup::failure() const {
  if (status != Status::kOk) return error.empty() ? std::string("no answer") : error;
  std::string s = dns::rcode_to_string(rcode);
  if (!note.empty()) s += " (" + note + ")";
  return s;
}

const ProxyFacts::Zone* ProxyFacts::zone_of(std::string_view name) const {
  const Zone* best = nullptr;
  for (const auto& z : zones) {
    if (dns::is_subdomain(name, z.apex) && (best == nullptr || z.apex.size() > best->apex.size())) best = &z;
  }
  return best;
}

const ProxyFacts::Proxied* ProxyFacts::find_proxied(std::string_view owner) const {
  for (const auto& p : proxied) {
    if (p.owner == owner) return &p;
  }
  return nullptr;
}

bool ProxyFacts::is_edge(const std::string& rdata) const {
  const auto& v = rdata.size() == 4 ? edge.v4 : edge.v6;
  return std::find(v.begin(), v.end(), rdata) != v.end();
}

}  // namespace dnsedge::doctor
