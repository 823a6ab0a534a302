#include "view/dc_messages.h"

#include "dns/name.h"
#include "dns/types.h"
#include "view/served.h"

namespace dnsedge::view {
namespace {

namespace rrtype = dns::rrtype;

std::string text_no_dot(std::string_view wire) {
  std::string t = dns::name_to_text(wire);
  if (t.size() > 1 && t.back() == '.') t.pop_back();
  return t;
}

std::string addr_text(const std::string& rdata) {
  auto t = dns::rdata_to_text(rdata.size() == 4 ? rrtype::kA : rrtype::kAAAA, rdata);
  return t ? *t : std::string("?");
}

}  // namespace

std::optional<std::string> dc_record_message(const ZoneView& after, const ZoneView* before, std::string_view zone_name,
                                             std::string_view apex, const DcRecordCheck& r) {
  const uint16_t t = r.rr->type;
  if (t != rrtype::kMX && t != rrtype::kSRV) return std::nullopt;
  const size_t off = static_cast<size_t>(dns::rdata_target_offset(t));
  if (r.rr->rdata.size() <= off) return std::nullopt;
  const std::string target = r.rr->rdata.substr(off);
  const std::string dc = dc_name(apex, target);
  const uint32_t node = after.find(dc);
  if (node == kNone) return std::nullopt;
  const bool is_new = before == nullptr || before->find(dc) == kNone;
  if (!is_new && !r.written) return std::nullopt;
  std::string origin;
  const Node& n = after.node(node);
  for (uint16_t at : {rrtype::kA, rrtype::kAAAA}) {
    for (const auto& rd : rrset_rdatas(after, after.rrset(n, at))) origin += (origin.empty() ? "" : ", ") + addr_text(rd);
  }
  const std::string type(r.type), name(r.name), zone(zone_name);
  const std::string tname = text_no_dot(target);
  return type + " record " + name + " points at " + tname + ", which is proxied: mail cannot pass the edge, so this " +
         type + " is answered with " + text_no_dot(dc) + ", a name that answers the origin address" +
         (origin.find(',') != std::string::npos ? "es " : " ") + (origin.empty() ? std::string("(none)") : origin) +
         " (visible to anyone who looks up the " + type + "). To avoid this: delete the " + type + " record if " + zone +
         " receives no mail, or point it at a DNS-only name such as mail." + zone +
         " (an A record with the mail server's address, proxied: false).";
}

}  // namespace dnsedge::view
