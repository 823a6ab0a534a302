#pragma once
// TSIG (RFC 8945) over libknot's implementation (knot_tsig_server_check, knot_tsig_sign,
// knot_tsig_sign_next, knot_tsig_client_check[_next]): keys, a keyring, verification of a
// request and signing of one or many response messages (a multi-message AXFR is signed
// message by message, each MAC chained to the previous one).
//
// Algorithms: hmac-sha256 and hmac-sha512 (what Knot, NSD and BIND secondaries use; others are refused with a clear
// error when a key is configured).
//
// Thread safety: a TsigKey and a Keyring are immutable after construction; a Signer belongs to
// one transfer.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"



namespace dnsedge::xfr {

// TSIG error codes carried in the TSIG RR (RFC 8945 §5.3).
namespace tsig_error {
inline constexpr uint16_t kNone = 0, kBadSig = 16, kBadKey = 17, kBadTime = 18, kBadTrunc = 22;
}

class TsigKey {
 public:
  // `name`: "k1." or "k1"; `algorithm`: "hmac-sha256", "hmac-sha256." or "hmac-sha512[.]";
  // `secret_b64`: the shared secret in base64. Errors say which part is wrong.
  static Result<std::shared_ptr<const TsigKey>> make(std::string_view name, std::string_view algorithm,
                                                     std::string_view secret_b64);
  ~TsigKey();
  TsigKey(const TsigKey&) = delete;
  TsigKey& operator=(const TsigKey&) = delete;

  const std::string& name() const noexcept { return name_; }            // "k1." lowercase text
  const std::string& name_wire() const noexcept { return name_wire_; }  // lowercase wire
  const std::string& algorithm() const noexcept { return algorithm_; }  // "hmac-sha256"
  const std::string& secret() const noexcept { return secret_; }        // base64 as given
  const void* raw() const noexcept { return raw_.get(); }               // knot_tsig_key_t*
  size_t max_wire_size() const noexcept;                                // room a TSIG RR needs

 private:
  TsigKey() = default;
  std::string name_, name_wire_, algorithm_, secret_;
  std::shared_ptr<void> raw_;
};

using Keyring = std::map<std::string, std::shared_ptr<const TsigKey>>;  // by name_wire()

// The outcome of checking a request's TSIG.
struct TsigCheck {
  enum class Status : uint8_t { kUnsigned, kOk, kBadKey, kBadSig, kBadTime, kBadTrunc };
  Status status = Status::kUnsigned;
  std::shared_ptr<const TsigKey> key;  // kOk, kBadSig, kBadTime: the key named in the request
  std::string key_name;                // the name in the request's TSIG (text), for logs
  std::vector<uint8_t> mac;            // the request MAC (signing the reply chains to it)
  uint64_t time_signed = 0;
  uint16_t error() const noexcept;     // the TSIG error code of the status
  const char* text() const noexcept;   // "BADSIG", ...
};

// Signs the messages of one reply. The first sign() chains to the request MAC, the next ones
// to the previous message's MAC (RFC 8945 §5.3.1).
class Signer {
 public:
  Signer(std::shared_ptr<const TsigKey> key, std::vector<uint8_t> request_mac)
      : key_(std::move(key)), prev_(std::move(request_mac)) {}
  // Appends the TSIG RR to `msg` (a complete message without TSIG). `tsig_rcode`/`time_signed`
  // for a BADTIME reply (signed with the server's time, RFC 8945 §5.2.3).
  Result<void> sign(std::vector<uint8_t>& msg, uint16_t tsig_rcode = 0, uint64_t time_signed = 0);
  size_t reserve() const noexcept { return key_ ? key_->max_wire_size() : 0; }
  bool active() const noexcept { return key_ != nullptr; }

 private:
  std::shared_ptr<const TsigKey> key_;
  std::vector<uint8_t> prev_;
  unsigned count_ = 0;
};

// Appends an unsigned TSIG RR carrying `tsig_rcode` (BADKEY/BADSIG replies, RFC 8945 §5.3.2)
// that copies the request's key name, algorithm and times.
Result<void> add_unsigned_tsig(std::vector<uint8_t>& msg, const void* request_tsig, uint16_t tsig_rcode);

// Verifies `tsig_rr` (from knot_pkt_parse, which strips it from `wire` and decrements ARCOUNT)
// over `wire` with the key the keyring holds under its name.
TsigCheck check_request(const void* tsig_rr, std::span<const uint8_t> wire, const Keyring& keys);

// Client side (requests we send: NOTIFY, SOA and transfer queries). sign_request() appends the
// TSIG and returns the request MAC; check_response() verifies a reply (first = the first
// message of the reply; afterwards pass the previous MAC). Replies are parsed by the caller.
Result<std::vector<uint8_t>> sign_request(std::vector<uint8_t>& msg, const TsigKey& key);
Result<void> check_response(const void* tsig_rr, std::span<const uint8_t> wire, const TsigKey& key,
                            std::vector<uint8_t>& mac, bool first);

}  // namespace dnsedge::xfr
