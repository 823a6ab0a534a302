#include "auth/explain.h"

extern "C" {
#include <libknot/libknot.h>
}

#include <cstdlib>
#include <memory>

#include "auth/answer.h"
#include "common/ascii.h"
#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::auth {
namespace {

std::string dump(const knot_rrset_t* rr) {
  size_t cap = 1024;
  char* buf = static_cast<char*>(std::malloc(cap));
  if (buf == nullptr) return {};
  std::string out;
  if (knot_rrset_txt_dump(rr, &buf, &cap, &KNOT_DUMP_STYLE_DEFAULT) >= 0) out = buf;
  std::free(buf);
  // One RR per line; fold libknot's column padding to single tabs.
  std::string line, lines;
  for (char c : out) {
    if (c == '\n') {
      lines += line + '\n';
      line.clear();
    } else {
      line += c;
    }
  }
  return lines;
}

void section(const knot_pkt_t* pkt, knot_section_t s, std::vector<std::string>& out,
             std::vector<std::string>& owners) {
  const knot_pktsection_t* sec = knot_pkt_section(pkt, s);
  for (uint16_t i = 0; i < sec->count; ++i) {
    const knot_rrset_t* rr = knot_pkt_rr(sec, i);
    if (rr->type == KNOT_RRTYPE_OPT) continue;
    std::string text = dump(rr);
    size_t start = 0;
    while (start < text.size()) {
      const size_t nl = text.find('\n', start);
      std::string one = text.substr(start, nl - start);
      // "owner.   300 IN A ..." with runs of blanks: normalize to single spaces.
      std::string norm;
      bool blank = false;
      for (char c : one) {
        if (c == ' ' || c == '\t') {
          blank = true;
          continue;
        }
        if (blank && !norm.empty()) norm += ' ';
        blank = false;
        norm += c;
      }
      if (!norm.empty()) out.push_back(norm);
      start = nl == std::string::npos ? text.size() : nl + 1;
    }
    owners.emplace_back(reinterpret_cast<const char*>(rr->owner), knot_dname_size(rr->owner));
    if (rr->type == KNOT_RRTYPE_MX || rr->type == KNOT_RRTYPE_SRV || rr->type == KNOT_RRTYPE_CNAME) {
      for (uint16_t k = 0; k < rr->rrs.count; ++k) {
        const knot_rdata_t* rd = knot_rdataset_at(&rr->rrs, k);
        const size_t off = rr->type == KNOT_RRTYPE_MX ? 2 : rr->type == KNOT_RRTYPE_SRV ? 6 : 0;
        if (rd->len > off) owners.emplace_back(reinterpret_cast<const char*>(rd->data + off), rd->len - off);
      }
    }
  }
}

}  // namespace

Explanation explain(const view::Catalog& catalog, std::string_view name, uint16_t type, bool dnssec) {
  Explanation e;
  const std::string lower = common::ascii_lower(name);
  e.name = dns::name_to_text(lower);
  e.type = dns::type_to_string(type);
  const view::ZoneView* zone = catalog.find_zone(lower);
  if (zone) e.zone = dns::name_to_text(zone->apex());

  std::vector<uint8_t> q = {0x42, 0x42, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
  q.insert(q.end(), lower.begin(), lower.end());
  q.insert(q.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  q.insert(q.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, static_cast<uint8_t>(dnssec ? 0x80 : 0), 0, 0, 0});
  std::vector<uint8_t> out(kMaxResponse);
  const size_t n = answer(catalog, q, out, Transport::kTcp);
  out.resize(n);
  std::unique_ptr<knot_pkt_t, void (*)(knot_pkt_t*)> pkt(
      knot_pkt_new(out.data(), static_cast<uint16_t>(out.size()), nullptr),
      [](knot_pkt_t* p) { knot_pkt_free(p); });
  if (!pkt || knot_pkt_parse(pkt.get(), 0) != KNOT_EOK) {
    e.rcode = "no answer";
    return e;
  }
  e.rcode = dns::rcode_to_string(static_cast<uint16_t>(knot_pkt_ext_rcode(pkt.get())));
  const uint8_t* w = out.data();
  if (knot_wire_get_qr(w)) e.flags.push_back("qr");
  if (knot_wire_get_aa(w)) e.flags.push_back("aa");
  if (knot_wire_get_tc(w)) e.flags.push_back("tc");
  if (pkt->opt_rr) {
    uint8_t* opt = knot_edns_get_option(pkt->opt_rr, KNOT_EDNS_OPTION_EDE, nullptr);
    if (opt != nullptr && knot_edns_opt_get_length(opt) >= 2) {
      const uint8_t* d = knot_edns_opt_get_data(opt);
      e.ede = static_cast<uint16_t>(d[0] << 8 | d[1]);
    }
  }
  std::vector<std::string> owners = {lower};
  section(pkt.get(), KNOT_ANSWER, e.answer, owners);
  section(pkt.get(), KNOT_AUTHORITY, e.authority, owners);
  section(pkt.get(), KNOT_ADDITIONAL, e.additional, owners);
  std::vector<std::string> seen;
  for (auto& o : owners) {
    o = common::ascii_lower(o);
    bool dup = false;
    for (const auto& s : seen) dup = dup || s == o;
    if (dup) continue;
    seen.push_back(o);
    const view::ZoneView* z = catalog.find_zone(o);
    if (!z) continue;
    for (const auto& why : z->explain(o)) e.why.push_back(dns::name_to_text(o) + ": " + why);
  }
  return e;
}

}  // namespace dnsedge::auth
