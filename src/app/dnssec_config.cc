#include "app/dnssec_config.h"

#include <CLI/CLI.hpp>
#include <limits>

#include "app/config_file.h"

namespace dnsedge::app {
namespace {

struct Key {
  std::string_view toml;  // in the [dnssec] table
  std::string_view flag;  // "--dnssec-zsk-lifetime"
  std::string DnssecFlags::*value;
};

constexpr Key kKeys[] = {
    {"zsk_lifetime", "--dnssec-zsk-lifetime", &DnssecFlags::zsk_lifetime},
    {"dnskey_ttl", "--dnssec-dnskey-ttl", &DnssecFlags::dnskey_ttl},
    {"propagation_delay", "--dnssec-propagation-delay", &DnssecFlags::propagation_delay},
    {"signature_validity", "--dnssec-signature-validity", &DnssecFlags::signature_validity},
};

// The largest --dnssec-signing-budget: fresh signatures per second, far above what a core signs.
constexpr int64_t kMaxSigningBudget = 10'000'000;

// The longest duration accepted: a signature validity beyond it cannot be written in RRSIG's
// 32-bit serial arithmetic (RFC 4034 §3.1.5), and no key should live longer.
constexpr int64_t kMaxSeconds = std::numeric_limits<int32_t>::max() / 2;

// A TOML value as duration text: integers as seconds, strings as they are.
Result<std::string> toml_duration(const toml::node& n, const std::string& what) {
  if (n.is_integer()) return std::to_string(n.as_integer()->get());
  if (n.is_string()) return n.as_string()->get();
  return make_error(what + " must be a number of seconds or a duration text such as \"90d\"");
}

}  // namespace

Result<std::chrono::seconds> parse_duration(std::string_view text, const std::string& what) {
  auto bad = [&](const std::string& why) {
    return make_error(what + ": '" + std::string(text) + "' " + why +
                      " (a number of seconds, or numbers with units s, m, h, d, w such as \"90d\" or \"1h30m\")");
  };
  if (text.empty()) return bad("is empty");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return bad("is not a duration");
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > kMaxSeconds) return bad("is too long");
      ++i;
    }
    int64_t unit = 1;
    if (i < text.size()) {
      switch (text[i]) {
        case 's':
          unit = 1;
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'd':
          unit = 86400;
          break;
        case 'w':
          unit = 7 * 86400;
          break;
        default:
          return bad("has an unknown unit");
      }
      ++i;
    } else if (total != 0) {
      return bad("has a number without a unit");
    }
    if (n > kMaxSeconds / unit || total + n * unit > kMaxSeconds) return bad("is too long");
    total += n * unit;
  }
  if (total < 1) return bad("is below the minimum of 1 second");
  return std::chrono::seconds(total);
}

void add_dnssec_flags(CLI::App* cmd, DnssecFlags& flags) {
  cmd->add_option("--dnssec-zsk-lifetime", flags.zsk_lifetime,
                  "DNSSEC: how long a ZSK signs before the pre-published successor takes over (default 90d)");
  cmd->add_option("--dnssec-dnskey-ttl", flags.dnskey_ttl,
                  "DNSSEC: TTL of the apex DNSKEY, CDS, CDNSKEY (default 3600s)");
  cmd->add_option("--dnssec-propagation-delay", flags.propagation_delay,
                  "DNSSEC: time a zone change takes to reach every secondary, for the rollover (default 3600s)");
  cmd->add_option("--dnssec-signature-validity", flags.signature_validity,
                  "DNSSEC: how long a signature is valid; re-signed with a quarter left (default 14d)");
  cmd->add_option("--dnssec-signing-budget", flags.signing_budget,
                  "DNSSEC: fresh signatures per second per worker while answers that need none compete "
                  "(default 8000; 0 = no budget)");
}

bool is_dnssec_timing_key(std::string_view key) {
  if (key == "dnssec_signing_budget") return true;
  for (const Key& k : kKeys) {
    if (key.size() == k.toml.size() + 7 && key.substr(0, 7) == "dnssec_" && key.substr(7) == k.toml) return true;
  }
  return false;
}

Result<DnssecTiming> resolve_dnssec_timing(const DnssecFlags& flags, const std::string& config_file) {
  DnssecFlags v;  // the file's values, then the flags over them
  std::optional<int64_t> budget;
  if (!config_file.empty()) {
    auto parsed = read_config_file(config_file);
    if (!parsed) return parsed.error();
    const toml::table& t = *parsed;
    if (const toml::table* d = t["dnssec"].as_table()) {
      for (const auto& [k, n] : *d) {
        if (k.str() == "signing_budget") {
          if (!n.is_integer()) return make_error(config_file + ": 'dnssec.signing_budget' must be an integer");
          budget = n.as_integer()->get();
          continue;
        }
        const Key* key = nullptr;
        for (const Key& kk : kKeys) key = k.str() == kk.toml ? &kk : key;
        if (key == nullptr) return make_error(config_file + ": unknown setting 'dnssec." + std::string(k.str()) + "'");
        auto text = toml_duration(n, config_file + ": 'dnssec." + std::string(k.str()) + "'");
        if (!text) return text.error();
        v.*key->value = *text;
      }
    }
    if (const toml::node* n = t.get("dnssec_signing_budget")) {
      if (!n->is_integer()) return make_error(config_file + ": 'dnssec_signing_budget' must be an integer");
      budget = n->as_integer()->get();
    }
    for (const Key& k : kKeys) {
      const std::string top = "dnssec_" + std::string(k.toml);
      if (const toml::node* n = t.get(top)) {
        auto text = toml_duration(*n, config_file + ": '" + top + "'");
        if (!text) return text.error();
        v.*k.value = *text;
      }
    }
  }
  for (const Key& k : kKeys) {
    if (!(flags.*k.value).empty()) v.*k.value = flags.*k.value;
  }
  DnssecTiming out;
  for (const Key& k : kKeys) {
    if ((v.*k.value).empty()) continue;
    auto s = parse_duration(v.*k.value, std::string(k.flag) + " (" + std::string(k.toml) + ")");
    if (!s) return s.error();
    if (k.value == &DnssecFlags::zsk_lifetime) out.rollover.zsk_lifetime = *s;
    if (k.value == &DnssecFlags::dnskey_ttl) out.rollover.dnskey_ttl = *s;
    if (k.value == &DnssecFlags::propagation_delay) out.rollover.propagation_delay = *s;
    if (k.value == &DnssecFlags::signature_validity) out.validity.validity = *s;
  }
  if (flags.signing_budget) budget = *flags.signing_budget;
  if (budget) {
    if (*budget < 0 || *budget > kMaxSigningBudget) {
      return make_error("--dnssec-signing-budget (signing_budget) must be 0.." + std::to_string(kMaxSigningBudget) +
                        " fresh signatures per second (0: no budget), not " + std::to_string(*budget));
    }
    out.signing_budget = static_cast<uint32_t>(*budget);
  }
  if (out.rollover.dnskey_ttl.count() > 86400) return make_error("--dnssec-dnskey-ttl (dnskey_ttl) must be at most 1d");
  if (auto r = out.rollover.check(); !r) return r.error();
  if (auto r = out.validity.check(); !r) {
    return make_error("--dnssec-signature-validity (signature_validity): " + r.error().message + " (" +
                      std::to_string(out.validity.inception_offset.count()) + "s)");
  }
  return out;
}

}  // namespace dnsedge::app
