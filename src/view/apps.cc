#include "view/apps.h"

#include <algorithm>
#include <set>

#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::view {

Result<std::vector<dns::ZoneRecord>> add_app_records(std::string_view origin,
                                                     const std::vector<dns::ZoneRecord>& records,
                                                     const std::vector<ServedApp>& apps,
                                                     const std::string& source) {
  const std::string src = source.empty() ? std::string("<zone>") : source;
  // (owner wire, rdata) of every app address, in a stable order.
  std::set<std::pair<std::string, std::string>> wanted;
  for (const ServedApp& a : apps) {
    auto name = dns::name_from_text(a.dns_name + ".");
    if (!name) return make_error(src + ": spectrum app " + a.id + ": '" + a.dns_name + "' is not a valid name");
    if (!dns::is_subdomain(*name, origin)) {
      return make_error(src + ": spectrum app " + a.id + ": " + a.dns_name + " is outside the zone " +
                        dns::name_to_text(origin));
    }
    for (const auto& r : records) {
      if (r.owner != *name) continue;
      if (r.type == dns::rrtype::kA || r.type == dns::rrtype::kAAAA || r.type == dns::rrtype::kCNAME) {
        return make_error(src + ": " + a.dns_name + " is the name of Spectrum app " + a.protocol + " (" + a.id +
                              "), which provisions its own A/AAAA: an A, AAAA, or CNAME record with that host "
                              "already exists.",
                          kAppNameConflict);
      }
    }
    for (const auto& ip : a.edge_ips) {
      if (ip.size() != 4 && ip.size() != 16) return make_error(src + ": spectrum app " + a.id + ": bad edge address");
      wanted.emplace(*name, ip);
    }
  }
  std::vector<dns::ZoneRecord> out;
  out.reserve(records.size() + wanted.size());
  out = records;
  for (const auto& [owner, ip] : wanted) {
    dns::ZoneRecord r;
    r.owner = owner;
    r.type = ip.size() == 4 ? dns::rrtype::kA : dns::rrtype::kAAAA;
    r.ttl = kAppTtl;
    r.rdata = ip;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace dnsedge::view
