#include "app/xfr_wiring.h"

#include <chrono>

#include "dns/name.h"
#include "xfr/nsec_chain.h"

namespace dnsedge::app {
namespace {

std::string str(const toml::table& t, const char* key) {
  const auto* n = t.get(key);
  return n != nullptr && n->is_string() ? n->as_string()->get() : std::string();
}

}  // namespace

Result<xfr::Config> xfr_config_from_toml(const toml::table& root, const std::string& file) {
  xfr::Config cfg;
  const toml::node* x = root.get("xfr");
  if (x == nullptr) return cfg;
  const toml::table* t = x->as_table();
  if (t == nullptr) return make_error(file + ": 'xfr' must be a table");
  for (const auto& [k, v] : *t) {
    if (k.str() != "journal_max" && k.str() != "tsig" && k.str() != "outgoing" &&
        k.str() != "incoming" && k.str() != "notify_source") {
      return make_error(file + ": unknown setting 'xfr." + std::string(k.str()) + "'");
    }
  }
  if (const auto* n = t->get("journal_max")) {
    if (!n->is_integer() || n->as_integer()->get() < 0) return make_error(file + ": 'xfr.journal_max' must be an integer >= 0");
    cfg.journal_max = static_cast<size_t>(n->as_integer()->get());
  }
  if (const auto* n = t->get("notify_source")) {
    std::vector<std::string> texts;
    if (n->is_string()) texts.push_back(n->as_string()->get());
    if (const toml::array* a = n->as_array()) {
      for (const auto& e : *a) {
        if (e.is_string()) texts.push_back(e.as_string()->get());
      }
    }
    if (texts.empty() || (n->is_array() && texts.size() != n->as_array()->size())) {
      return make_error(file + ": 'xfr.notify_source' must be an address or an array of addresses");
    }
    auto sources = xfr::parse_notify_sources(texts);
    if (!sources) return make_error(file + ": 'xfr.notify_source': " + sources.error().message);
    cfg.notify_source = std::move(*sources);
  }
  if (const auto* n = t->get("tsig")) {
    const toml::array* a = n->as_array();
    if (a == nullptr) return make_error(file + ": 'xfr.tsig' must be an array of tables ([[xfr.tsig]])");
    for (const auto& e : *a) {
      const toml::table* k = e.as_table();
      if (k == nullptr) return make_error(file + ": each [[xfr.tsig]] must be a table");
      auto key = xfr::TsigKey::make(str(*k, "name"), str(*k, "algo"), str(*k, "secret"));
      if (!key) return make_error(file + ": [[xfr.tsig]]: " + key.error().message);
      cfg.keys[(*key)->name_wire()] = *key;
    }
  }
  auto key_named = [&](const std::string& name) -> Result<std::shared_ptr<const xfr::TsigKey>> {
    if (name.empty()) return std::shared_ptr<const xfr::TsigKey>();
    std::string n = name;
    if (n.back() != '.') n += '.';
    auto w = dns::name_from_text(n);
    if (!w) return make_error("TSIG key name '" + name + "': " + w.error().message);
    auto it = cfg.keys.find(*w);
    if (it == cfg.keys.end()) return make_error("TSIG key '" + name + "' is not defined in [[xfr.tsig]]");
    return it->second;
  };
  // A peer table {name, ip, port, tsig}; `where` prefixes errors.
  auto parse_peer = [&](const toml::table& pt, const std::string& where) -> Result<xfr::Peer> {
    xfr::Peer peer;
    peer.ip = str(pt, "ip");
    auto addr = xfr::Prefix::parse(peer.ip);
    if (!addr || peer.ip.find('/') != std::string::npos) return make_error(where + "peer ip '" + peer.ip + "' is not an address");
    peer.address = *addr;
    peer.name = str(pt, "name").empty() ? peer.ip : str(pt, "name");
    peer.id = "config:" + peer.name;
    if (const auto* port = pt.get("port")) {
      if (!port->is_integer() || port->as_integer()->get() < 1 || port->as_integer()->get() > 65535) {
        return make_error(where + "peer port must be 1..65535");
      }
      peer.port = static_cast<uint16_t>(port->as_integer()->get());
    }
    auto k = key_named(str(pt, "tsig"));
    if (!k) return make_error(where + k.error().message);
    peer.key = *k;
    if (const std::string src = str(pt, "notify_source"); !src.empty()) {
      auto s = xfr::SourceAddress::parse(src);
      if (!s) return make_error(where + "notify_source: " + s.error().message);
      peer.notify_source = std::move(*s);
      if (auto c = xfr::check_notify_source(peer, where); !c) return c.error();
    }
    return peer;
  };
  if (const auto* n = t->get("outgoing")) {
    const toml::array* a = n->as_array();
    if (a == nullptr) return make_error(file + ": 'xfr.outgoing' must be an array of tables ([[xfr.outgoing]])");
    for (const auto& e : *a) {
      const toml::table* o = e.as_table();
      if (o == nullptr) return make_error(file + ": each [[xfr.outgoing]] must be a table");
      std::string zone = str(*o, "zone");
      if (zone.empty()) return make_error(file + ": [[xfr.outgoing]] needs 'zone'");
      if (zone.back() != '.') zone += '.';
      auto apex = dns::name_from_text(zone);
      if (!apex) return make_error(file + ": [[xfr.outgoing]] zone '" + zone + "': " + apex.error().message);
      auto& out = cfg.outgoing[*apex];
      const std::string where = file + ": [[xfr.outgoing]] " + zone + ": ";
      if (const auto* p = o->get("peers")) {
        if (!p->is_array()) return make_error(where + "'peers' must be an array of tables");
        for (const auto& pe : *p->as_array()) {
          const toml::table* pt = pe.as_table();
          if (pt == nullptr) return make_error(where + "each peer must be a table {name, ip, port, tsig}");
          auto peer = parse_peer(*pt, where);
          if (!peer) return peer.error();
          out.peers.push_back(std::move(*peer));
        }
      }
      if (const auto* al = o->get("allow")) {
        if (!al->is_array()) return make_error(where + "'allow' must be an array of tables");
        for (const auto& ae : *al->as_array()) {
          const toml::table* at = ae.as_table();
          if (at == nullptr) return make_error(where + "each allow entry must be a table {prefix, tsig}");
          xfr::AllowEntry entry;
          if (const std::string pfx = str(*at, "prefix"); !pfx.empty()) {
            auto pr = xfr::Prefix::parse(pfx);
            if (!pr) return make_error(where + pr.error().message);
            entry.prefix = *pr;
          }
          auto k = key_named(str(*at, "tsig"));
          if (!k) return make_error(where + k.error().message);
          entry.key = *k;
          if (!entry.prefix && !entry.key) return make_error(where + "an allow entry needs a prefix, a tsig key or both");
          out.allow.push_back(std::move(entry));
        }
      }
    }
  }
  if (const auto* n = t->get("incoming")) {
    const toml::array* a = n->as_array();
    if (a == nullptr) return make_error(file + ": 'xfr.incoming' must be an array of tables ([[xfr.incoming]])");
    for (const auto& e : *a) {
      const toml::table* o = e.as_table();
      if (o == nullptr) return make_error(file + ": each [[xfr.incoming]] must be a table");
      const toml::node* zn = o->get("zone");
      if (zn == nullptr || !zn->is_string() || zn->as_string()->get().empty()) {
        return make_error(file + ": [[xfr.incoming]] needs 'zone' (a zone name)");
      }
      std::string zone = zn->as_string()->get();
      if (zone.back() != '.') zone += '.';
      auto apex = dns::name_from_text(zone);
      if (!apex) return make_error(file + ": [[xfr.incoming]] zone '" + zone + "': " + apex.error().message);
      if (*apex == dns::name_from_text(".").value()) return make_error(file + ": [[xfr.incoming]] zone '.': the root cannot be a secondary zone");
      const std::string where = file + ": [[xfr.incoming]] " + zone + ": ";
      for (const auto& [ik, iv] : *o) {
        if (ik.str() != "zone" && ik.str() != "primaries" && ik.str() != "auto_refresh_seconds") {
          return make_error(where + "unknown setting '" + std::string(ik.str()) + "' (zone, primaries, auto_refresh_seconds)");
        }
      }
      if (cfg.incoming.count(*apex)) return make_error(where + "the zone is listed twice in [[xfr.incoming]]");
      xfr::ZoneIncoming in;
      const toml::node* p = o->get("primaries");
      if (p == nullptr || !p->is_array() || p->as_array()->empty()) {
        return make_error(where + "'primaries' is required: an array of at least one {ip, port, tsig}");
      }
      for (const auto& pe : *p->as_array()) {
        const toml::table* pt = pe.as_table();
        if (pt == nullptr) return make_error(where + "each primary must be a table {name, ip, port, tsig}");
        for (const auto& [pk, pv] : *pt) {
          if (pk.str() != "name" && pk.str() != "ip" && pk.str() != "port" && pk.str() != "tsig") {
            return make_error(where + "unknown primary setting '" + std::string(pk.str()) + "' (name, ip, port, tsig)");
          }
        }
        auto peer = parse_peer(*pt, where);
        if (!peer) return peer.error();
        in.primaries.push_back(std::move(*peer));
      }
      if (const auto* r = o->get("auto_refresh_seconds")) {
        const int64_t every = r->is_integer() ? r->as_integer()->get() : -1;
        if (every < 0 || every > 604800) {
          return make_error(where + "'auto_refresh_seconds' must be an integer 1..604800 (0: the SOA's refresh)");
        }
        in.auto_refresh = static_cast<uint32_t>(every);
      }
      cfg.incoming[*apex] = std::move(in);
    }
  }
  return cfg;
}

std::string journal_encode(const view::ZoneView& before, const view::ZoneView& after) {
  // Signed zones: with their NSEC chain's changes, or a barrier (xfr/nsec_chain.h).
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return xfr::encode_diff(xfr::SignedZones::global().diff(before, after, now));
}

Result<std::unique_ptr<StoreJournal>> StoreJournal::open(const std::string& data_dir) {
  auto j = std::make_unique<StoreJournal>();
  j->data_dir_ = data_dir;
  // A store that cannot be read yet (no database file on a full disk) is opened at the first
  // load(); until then IXFR answers with full transfers.
  if (auto rd = store::Store::open_reader(data_dir)) {
    common::MutexLock lock(j->mu_);
    j->store_ = std::move(*rd);
  }
  return j;
}

Result<std::vector<xfr::Diff>> StoreJournal::load(std::string_view apex) {
  std::vector<std::string> blobs;
  {
    common::MutexLock lock(mu_);
    if (!store_) {
      auto rd = store::Store::open_reader(data_dir_);
      if (!rd) return make_error("xfr journal: store " + data_dir_ + ": " + rd.error().message);
      store_ = std::move(*rd);
    }
    auto all = store_->xfr_journal(dns::name_to_text(apex));
    if (!all) return all.error();
    blobs = std::move(*all);
  }
  std::vector<xfr::Diff> out;
  for (const auto& b : blobs) {
    auto d = xfr::decode_diff(b);
    if (!d) return d.error();
    out.push_back(std::move(*d));
  }
  return out;
}

}  // namespace dnsedge::app
