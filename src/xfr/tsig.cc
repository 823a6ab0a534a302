#include "xfr/tsig.h"

extern "C" {
#include <libknot/libknot.h>
}

#include <cstring>

#include "common/ascii.h"
#include "dns/name.h"

namespace dnsedge::xfr {
namespace {

std::string knot_message(int rc) { return knot_strerror(rc); }

using common::ascii_lower;

}  // namespace

Result<std::shared_ptr<const TsigKey>> TsigKey::make(std::string_view name_in, std::string_view algorithm_in,
                                                     std::string_view secret_b64) {
  std::string name = ascii_lower(name_in);
  if (name.empty()) return make_error("TSIG key: the name is empty");
  if (name.back() != '.') name += '.';
  auto wire = dns::name_from_text(name);
  if (!wire) return make_error("TSIG key name '" + std::string(name_in) + "': " + wire.error().message);
  std::string algo = ascii_lower(algorithm_in);
  if (!algo.empty() && algo.back() == '.') algo.pop_back();
  if (algo != "hmac-sha256" && algo != "hmac-sha512") {
    return make_error("TSIG key " + name + ": algorithm '" + std::string(algorithm_in) +
                      "' is not supported (use hmac-sha256. or hmac-sha512.)");
  }
  if (secret_b64.empty()) return make_error("TSIG key " + name + ": the secret is empty");
  auto* raw = new knot_tsig_key_t{};
  const std::string secret(secret_b64);
  const int rc = knot_tsig_key_init(raw, algo.c_str(), name.c_str(), secret.c_str());
  if (rc != KNOT_EOK) {
    delete raw;
    return make_error("TSIG key " + name + ": the secret is not valid base64 (" + knot_message(rc) + ")");
  }
  if (raw->secret.size == 0) {
    knot_tsig_key_deinit(raw);
    delete raw;
    return make_error("TSIG key " + name + ": the secret is empty");
  }
  std::shared_ptr<TsigKey> k(new TsigKey());
  k->name_ = name;
  k->name_wire_ = *wire;
  k->algorithm_ = algo;
  k->secret_ = secret;
  k->raw_ = std::shared_ptr<void>(raw, [](void* p) {
    auto* key = static_cast<knot_tsig_key_t*>(p);
    knot_tsig_key_deinit(key);
    delete key;
  });
  return std::shared_ptr<const TsigKey>(std::move(k));
}

TsigKey::~TsigKey() = default;

size_t TsigKey::max_wire_size() const noexcept {
  return knot_tsig_wire_maxsize(static_cast<const knot_tsig_key_t*>(raw_.get()));
}

uint16_t TsigCheck::error() const noexcept {
  switch (status) {
    case Status::kBadKey: return tsig_error::kBadKey;
    case Status::kBadSig: return tsig_error::kBadSig;
    case Status::kBadTime: return tsig_error::kBadTime;
    case Status::kBadTrunc: return tsig_error::kBadTrunc;
    default: return tsig_error::kNone;
  }
}

const char* TsigCheck::text() const noexcept {
  switch (status) {
    case Status::kUnsigned: return "unsigned";
    case Status::kOk: return "ok";
    case Status::kBadKey: return "BADKEY";
    case Status::kBadSig: return "BADSIG";
    case Status::kBadTime: return "BADTIME";
    case Status::kBadTrunc: return "BADTRUNC";
  }
  return "?";
}

TsigCheck check_request(const void* tsig_rr, std::span<const uint8_t> wire, const Keyring& keys) {
  TsigCheck out;
  if (tsig_rr == nullptr) return out;
  const auto* rr = static_cast<const knot_rrset_t*>(tsig_rr);
  const size_t owner_len = knot_dname_size(rr->owner);
  std::string owner(reinterpret_cast<const char*>(rr->owner), owner_len);
  owner = ascii_lower(owner);  // wire labels: ASCII lowercasing leaves the length octets alone
  out.key_name = dns::name_to_text(owner);
  out.time_signed = knot_tsig_rdata_time_signed(rr);
  if (const uint8_t* mac = knot_tsig_rdata_mac(rr); mac != nullptr) {
    out.mac.assign(mac, mac + knot_tsig_rdata_mac_length(rr));
  }
  auto it = keys.find(owner);
  if (it == keys.end()) {
    out.status = TsigCheck::Status::kBadKey;
    return out;
  }
  out.key = it->second;
  const auto* key = static_cast<const knot_tsig_key_t*>(it->second->raw());
  const int rc = knot_tsig_server_check(rr, wire.data(), wire.size(), key);
  switch (rc) {
    case KNOT_EOK: out.status = TsigCheck::Status::kOk; break;
    case KNOT_TSIG_EBADTIME: out.status = TsigCheck::Status::kBadTime; break;
    case KNOT_TSIG_EBADKEY: out.status = TsigCheck::Status::kBadKey; out.key = nullptr; break;
    case KNOT_TSIG_EBADTRUNC: out.status = TsigCheck::Status::kBadTrunc; break;
    default: out.status = TsigCheck::Status::kBadSig; break;
  }
  return out;
}

Result<void> Signer::sign(std::vector<uint8_t>& msg, uint16_t tsig_rcode, uint64_t time_signed) {
  if (!key_) return {};
  const auto* key = static_cast<const knot_tsig_key_t*>(key_->raw());
  size_t len = msg.size();
  msg.resize(len + key_->max_wire_size());
  uint8_t digest[64];  // SHA-512, the largest we accept
  size_t digest_len = sizeof digest;
  int rc;
  if (count_ == 0) {
    rc = knot_tsig_sign(msg.data(), &len, msg.size(), prev_.data(), prev_.size(), digest, &digest_len, key,
                        tsig_rcode, time_signed);
  } else {
    std::vector<uint8_t> to_sign(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(len));
    rc = knot_tsig_sign_next(msg.data(), &len, msg.size(), prev_.data(), prev_.size(), digest, &digest_len, key,
                             to_sign.data(), to_sign.size());
  }
  if (rc != KNOT_EOK) {
    msg.resize(msg.size() - key_->max_wire_size());
    return make_error("TSIG signing failed: " + knot_message(rc));
  }
  msg.resize(len);
  prev_.assign(digest, digest + digest_len);
  ++count_;
  return {};
}

Result<void> add_unsigned_tsig(std::vector<uint8_t>& msg, const void* request_tsig, uint16_t tsig_rcode) {
  if (request_tsig == nullptr) return {};
  size_t len = msg.size();
  msg.resize(len + 512);
  const int rc = knot_tsig_add(msg.data(), &len, msg.size(), tsig_rcode, static_cast<const knot_rrset_t*>(request_tsig));
  if (rc != KNOT_EOK) {
    msg.resize(msg.size() - 512);
    return make_error("TSIG: cannot add the error record: " + knot_message(rc));
  }
  msg.resize(len);
  return {};
}

Result<std::vector<uint8_t>> sign_request(std::vector<uint8_t>& msg, const TsigKey& key) {
  const auto* k = static_cast<const knot_tsig_key_t*>(key.raw());
  size_t len = msg.size();
  msg.resize(len + key.max_wire_size());
  uint8_t digest[64];
  size_t digest_len = sizeof digest;
  const int rc = knot_tsig_sign(msg.data(), &len, msg.size(), nullptr, 0, digest, &digest_len, k, 0, 0);
  if (rc != KNOT_EOK) {
    msg.resize(msg.size() - key.max_wire_size());
    return make_error("TSIG signing failed: " + knot_message(rc));
  }
  msg.resize(len);
  return std::vector<uint8_t>(digest, digest + digest_len);
}

Result<void> check_response(const void* tsig_rr, std::span<const uint8_t> wire, const TsigKey& key,
                            std::vector<uint8_t>& mac, bool first) {
  const auto* k = static_cast<const knot_tsig_key_t*>(key.raw());
  const auto* rr = static_cast<const knot_rrset_t*>(tsig_rr);
  if (rr == nullptr) {
    if (first) return make_error("the reply is not signed (TSIG missing)");
    return {};  // RFC 8945 §5.3.1: not every message of a multi-message reply must be signed
  }
  const int rc = first ? knot_tsig_client_check(rr, wire.data(), wire.size(), mac.data(), mac.size(), k, 0)
                       : knot_tsig_client_check_next(rr, wire.data(), wire.size(), mac.data(), mac.size(), k, 0);
  if (rc != KNOT_EOK) return make_error(std::string("TSIG check of the reply failed: ") + knot_message(rc));
  const uint8_t* m = knot_tsig_rdata_mac(rr);
  mac.assign(m, m + knot_tsig_rdata_mac_length(rr));
  return {};
}

}  // namespace dnsedge::xfr
