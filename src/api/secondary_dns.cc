#include "api/secondary_dns.h"

#include <algorithm>

#include "api/call.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/reply.h"
#include "control/errors.h"
#include "dns/name.h"
#include "xfr/tsig.h"

namespace dnsedge::api {
namespace {

using InJson = nlohmann::json;
namespace errc = control::errc;

using errc::kInUse;             // deleting a tsig or peer that something still uses
using errc::kObjectNotFound;    // a tsig, peer or zone config that does not exist

HttpResponse bad(const std::string& message) { return fail(errc::kValidation, message); }
HttpResponse store_fail(const Error& e) {
  if (store::is(e, store::StoreErrc::kFull)) {  // as control::Controller answers a full disk
    return fail(Error{"disk is full: writes are refused until space is freed (" + e.message + ")", errc::kInternal,
                      ErrorKind::kUnavailable});
  }
  return fail(errc::kInternal, "Internal error: the store failed: " + e.message);
}
HttpResponse not_allowed() { return method_not_allowed(); }

const char* kind_of(const std::string& seg) {
  if (seg == "tsigs") return "tsig";
  if (seg == "peers") return "peer";
  return nullptr;
}

std::string fqdn(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  if (s.empty() || s.back() != '.') s += '.';
  return s;
}

std::vector<store::XfrObject> list(control::Controller& c, const char* kind) {
  auto all = c.xfr_objects(kind);
  return all ? std::move(*all) : std::vector<store::XfrObject>{};
}

std::optional<store::XfrObject> find(control::Controller& c, const char* kind, const std::string& id) {
  for (auto& o : list(c, kind)) {
    if (o.id == id) return o;
  }
  return std::nullopt;
}

// Validates a body into the stored object's JSON (without "id"). Errors name the field.
Result<InJson> tsig_body(const InJson& in) {
  if (!in.is_object()) return Error{"the body must be a JSON object", kMalformedJson};
  for (const char* f : {"name", "algo", "secret"}) {
    if (!in.contains(f) || !in[f].is_string()) return Error{std::string("'") + f + "' is required and must be a string", kInvalidBody};
  }
  auto key = xfr::TsigKey::make(in["name"].get<std::string>(), in["algo"].get<std::string>(), in["secret"].get<std::string>());
  if (!key) return Error{key.error().message, errc::kValidation};
  return InJson{{"name", (*key)->name()}, {"algo", (*key)->algorithm() + "."}, {"secret", (*key)->secret()}};
}

Result<InJson> peer_body(control::Controller& c, const std::string& account, const InJson& in) {
  if (!in.is_object()) return Error{"the body must be a JSON object", kMalformedJson};
  if (!in.contains("name") || !in["name"].is_string() || in["name"].get<std::string>().empty()) {
    return Error{"'name' is required and must be a non-empty string", kInvalidBody};
  }
  InJson out{{"name", in["name"]}};
  if (!in.contains("ip") || !in["ip"].is_string()) return Error{"'ip' is required and must be a string", kInvalidBody};
  const std::string ip = in["ip"].get<std::string>();
  if (ip.find('/') != std::string::npos || !xfr::Prefix::parse(ip)) {
    return Error{"'ip': '" + ip + "' is not an IPv4 or IPv6 address", errc::kValidation};
  }
  out["ip"] = ip;
  int64_t port = 53;
  if (in.contains("port") && !in["port"].is_null()) {
    if (!in["port"].is_number_integer()) return Error{"'port' must be an integer", kInvalidBody};
    port = in["port"].get<int64_t>();
    if (port < 1 || port > 65535) return Error{"'port' must be 1..65535", errc::kValidation};
  }
  out["port"] = port;
  if (in.contains("tsig_id") && !in["tsig_id"].is_null() && !(in["tsig_id"].is_string() && in["tsig_id"].get<std::string>().empty())) {
    if (!in["tsig_id"].is_string()) return Error{"'tsig_id' must be a string", kInvalidBody};
    const std::string tid = in["tsig_id"].get<std::string>();
    auto t = find(c, "tsig", tid);
    if (!t || t->scope != account) return Error{"'tsig_id': TSIG " + tid + " does not exist in this account", errc::kValidation};
    out["tsig_id"] = tid;
  } else {
    out["tsig_id"] = nullptr;
  }
  out["notify_source"] = nullptr;  // NOTIFY to this peer leaves from here (default: --notify-source)
  if (in.contains("notify_source") && !in["notify_source"].is_null()) {
    if (!in["notify_source"].is_string()) return Error{"'notify_source' must be a string (an address of this host)", kInvalidBody};
    auto src = xfr::SourceAddress::parse(in["notify_source"].get<std::string>());
    if (!src) return Error{"'notify_source': " + src.error().message, errc::kValidation};
    xfr::Peer p{.ip = ip, .address = *xfr::Prefix::parse(ip), .notify_source = *src};
    if (auto fam = xfr::check_notify_source(p, ""); !fam) return Error{fam.error().message, errc::kValidation};
    out["notify_source"] = src->text;
  }
  return out;
}

OJson object_json(const store::XfrObject& o) {
  OJson j;
  j["id"] = o.id;
  const auto body = OJson::parse(o.body, nullptr, false);
  if (body.is_object()) {
    for (auto it = body.begin(); it != body.end(); ++it) j[it.key()] = it.value();
  }
  return j;
}

}  // namespace

HttpResponse SecondaryDns::account(const std::string& method, const std::string& account_id,
                                   const std::vector<std::string>& rest, const std::string& body) {
  if (rest.empty() || rest.size() > 2) return no_route();
  const char* kind = kind_of(rest[0]);
  if (kind == nullptr) return no_route();
  auto acct = c_.account(account_id);
  if (!acct) return store_fail(acct.error());
  if (!*acct) return fail(errc::kAccountNotFound, "Account " + account_id + " does not exist.");
  const bool is_tsig = std::string(kind) == "tsig";

  if (rest.size() == 1) {
    if (method == "GET") {
      OJson arr = OJson::array();
      for (const auto& o : list(c_, kind)) {
        if (o.scope == account_id) arr.push_back(object_json(o));
      }
      return ok(arr);
    }
    if (method != "POST") return not_allowed();
  }
  std::string id;
  std::optional<store::XfrObject> existing;
  if (rest.size() == 2) {
    id = rest[1];
    existing = find(c_, kind, id);
    if (!existing || existing->scope != account_id) return fail(kObjectNotFound, std::string(kind) + " " + id + " does not exist.");
    if (method == "GET") return ok(object_json(*existing));
    if (method == "DELETE") {
      // Refuse to delete what is still referenced.
      if (is_tsig) {
        for (const auto& p : list(c_, "peer")) {
          const auto b = InJson::parse(p.body, nullptr, false);
          if (b.is_object() && b.value("tsig_id", InJson()) == id) {
            return fail(kInUse, "TSIG " + id + " is used by peer " + p.id + "; change or delete the peer first.");
          }
        }
      } else {
        for (const auto& o : list(c_, "outgoing")) {
          const auto b = InJson::parse(o.body, nullptr, false);
          const auto peers = b.is_object() ? b.value("peers", InJson::array()) : InJson::array();
          if (std::find(peers.begin(), peers.end(), InJson(id)) != peers.end()) {
            return fail(kInUse, "Peer " + id + " is used by the outgoing transfers of zone " + o.scope + ".");
          }
        }
      }
      if (auto r = c_.delete_xfr_object(kind, id); !r) return store_fail(r.error());
      if (on_change_) on_change_();
      return ok(OJson{{"id", id}});
    }
    if (method != "PUT" && method != "PATCH") return not_allowed();
  }
  auto in = parse_body(body);
  if (!in) return fail(in.error());
  InJson merged = *in;
  if (existing && method == "PATCH") {
    merged = InJson::parse(existing->body, nullptr, false);
    if (!merged.is_object()) merged = InJson::object();
    merged.update(*in);
  }
  auto b = is_tsig ? tsig_body(merged) : peer_body(c_, account_id, merged);
  if (!b) return fail(b.error());
  store::XfrObject o{kind, existing ? id : zone::new_id(), account_id, b->dump()};
  if (auto r = c_.put_xfr_object(o); !r) return store_fail(r.error());
  if (on_change_) on_change_();
  return ok(object_json(o));
}

HttpResponse SecondaryDns::zone(const std::string& method, const control::ZoneInfo& info,
                                const std::vector<std::string>& rest, const std::string& body) {
  if (rest.size() != 1 || (rest[0] != "outgoing" && rest[0] != "incoming")) return no_route();
  const std::string kind = rest[0];
  const bool incoming = kind == "incoming";
  const std::string what = incoming ? "incoming" : "outgoing";
  if (incoming && info.zone.type != zone::kZoneTypeSecondary && method != "GET" && method != "DELETE") {
    return fail(errc::kValidation,
                "Zone " + info.zone.name + " is not a secondary zone: incoming transfers need a zone created with "
                "\"type\": \"secondary\".");
  }
  if (incoming && method != "GET" &&
      std::find(config_incoming_.begin(), config_incoming_.end(), info.zone.name) != config_incoming_.end()) {
    return fail(errc::kValidation,
                "The incoming transfers of zone " + info.zone.name +
                    " are defined in the config file ([[xfr.incoming]]): change them there and restart dnsedge.");
  }
  std::optional<store::XfrObject> existing;
  for (auto& o : list(c_, kind.c_str())) {
    if (o.scope == info.zone.id) existing = o;
  }
  if (method == "GET") {
    if (!existing) return fail(kObjectNotFound, "Zone " + info.zone.name + " has no " + what + " transfer configuration.");
    return ok(object_json(*existing));
  }
  if (method == "DELETE") {
    if (!existing) return fail(kObjectNotFound, "Zone " + info.zone.name + " has no " + what + " transfer configuration.");
    if (auto r = c_.delete_xfr_object(kind, existing->id); !r) return store_fail(r.error());
    if (on_change_) on_change_();
    return ok(OJson{{"id", existing->id}});
  }
  if (method != "POST" && method != "PUT" && method != "PATCH") return not_allowed();
  if (method == "POST" && existing) {
    return fail(errc::kValidation, "Zone " + info.zone.name + " already has an " + what + " transfer configuration; use PUT.");
  }
  if (method != "POST" && !existing) {
    return fail(kObjectNotFound, "Zone " + info.zone.name + " has no " + what + " transfer configuration.");
  }
  auto in = parse_body(body);
  if (!in) return fail(in.error());
  InJson merged = *in;
  if (existing && method == "PATCH") {
    merged = InJson::parse(existing->body, nullptr, false);
    merged.update(*in);
  }
  const std::string zone_fqdn = fqdn(info.zone.name);
  if (merged.contains("name") && !merged["name"].is_null()) {
    if (!merged["name"].is_string() || fqdn(merged["name"].get<std::string>()) != zone_fqdn) {
      return bad("'name' must be the zone's name, " + zone_fqdn);
    }
  }
  if (!merged.contains("peers") || !merged["peers"].is_array()) return fail(kInvalidBody, "'peers' is required and must be an array of peer ids");
  std::vector<std::string> peers;
  for (const auto& p : merged["peers"]) {
    if (!p.is_string()) return fail(kInvalidBody, "'peers' must be an array of peer ids (strings)");
    const std::string pid = p.get<std::string>();
    auto peer = find(c_, "peer", pid);
    if (!peer || peer->scope != info.zone.account_id) {
      return bad("'peers': peer " + pid + " does not exist in the zone's account");
    }
    if (std::find(peers.begin(), peers.end(), pid) == peers.end()) peers.push_back(pid);
  }
  InJson stored{{"name", zone_fqdn}, {"peers", peers}};
  if (incoming) {
    if (peers.empty()) return bad("'peers': a secondary zone needs at least one primary");
    int64_t every = 0;
    if (merged.contains("auto_refresh_seconds") && !merged["auto_refresh_seconds"].is_null()) {
      if (!merged["auto_refresh_seconds"].is_number_integer()) return fail(kInvalidBody, "'auto_refresh_seconds' must be an integer");
      every = merged["auto_refresh_seconds"].get<int64_t>();
      if (every != 0 && (every < 1 || every > 604800)) return bad("'auto_refresh_seconds' must be 1..604800 (0: the SOA's refresh)");
    }
    stored["auto_refresh_seconds"] = every;
  }
  store::XfrObject o{kind, existing ? existing->id : zone::new_id(), info.zone.id, stored.dump()};
  if (auto r = c_.put_xfr_object(o); !r) return store_fail(r.error());
  if (on_change_) on_change_();
  return ok(object_json(o));
}

xfr::Config secondary_dns_config(control::Controller& c, const xfr::Config& base) {
  xfr::Config cfg = base;
  std::map<std::string, std::shared_ptr<const xfr::TsigKey>> keys_by_id;
  for (const auto& o : list(c, "tsig")) {
    const auto b = InJson::parse(o.body, nullptr, false);
    if (!b.is_object()) continue;
    auto k = xfr::TsigKey::make(b.value("name", ""), b.value("algo", ""), b.value("secret", ""));
    if (!k) continue;
    keys_by_id[o.id] = *k;
    cfg.keys[(*k)->name_wire()] = *k;
  }
  std::map<std::string, xfr::Peer> peers;
  for (const auto& o : list(c, "peer")) {
    const auto b = InJson::parse(o.body, nullptr, false);
    if (!b.is_object()) continue;
    xfr::Peer p;
    p.id = o.id;
    p.name = b.value("name", "");
    p.ip = b.value("ip", "");
    auto addr = xfr::Prefix::parse(p.ip);
    if (!addr) continue;
    p.address = *addr;
    p.port = static_cast<uint16_t>(b.value("port", 53));
    if (b.contains("tsig_id") && b["tsig_id"].is_string()) {
      auto k = keys_by_id.find(b["tsig_id"].get<std::string>());
      if (k != keys_by_id.end()) p.key = k->second;
    }
    if (b.contains("notify_source") && b["notify_source"].is_string()) {
      // Checked when stored; an address this host has lost since fails at send time (logged).
      auto s = xfr::SourceAddress::parse(b["notify_source"].get<std::string>(), /*must_bind=*/false);
      if (s) p.notify_source = std::move(*s);
    }
    peers[o.id] = p;
  }
  for (const char* kind : {"outgoing", "incoming"}) {
    for (const auto& o : list(c, kind)) {
      auto z = c.zone(o.scope);
      if (!z) continue;
      auto apex = dns::name_from_text(fqdn(z->zone.name));
      if (!apex) continue;
      const auto b = InJson::parse(o.body, nullptr, false);
      if (!b.is_object()) continue;
      std::vector<xfr::Peer> list_peers;
      for (const auto& pid : b.value("peers", InJson::array())) {
        if (!pid.is_string()) continue;
        if (auto it = peers.find(pid.get<std::string>()); it != peers.end()) list_peers.push_back(it->second);
      }
      if (std::string(kind) == "outgoing") {
        auto& out = cfg.outgoing[*apex];
        out.peers.insert(out.peers.end(), list_peers.begin(), list_peers.end());
      } else if (z->zone.type == zone::kZoneTypeSecondary) {
        if (base.incoming.count(*apex)) continue;  // [[xfr.incoming]] of the config file wins
        auto& in = cfg.incoming[*apex];
        in.zone_id = z->zone.id;
        in.primaries = std::move(list_peers);
        in.auto_refresh = static_cast<uint32_t>(b.value("auto_refresh_seconds", int64_t{0}));
      }
    }
  }
  return cfg;
}

HttpResponse secondary_dns_account(Call& x) {
  return x.secondary_dns.account(x.req.method, x.seg[1], {x.seg.begin() + 3, x.seg.end()}, x.req.body);
}

HttpResponse secondary_dns_zone(Call& x) {
  return x.secondary_dns.zone(x.req.method, *x.zone, {x.seg.begin() + 3, x.seg.end()}, x.req.body);
}

}  // namespace dnsedge::api
