#pragma once
// DNSSEC keys: ECDSA P-256 with SHA-256 (algorithm 13, RFC 6605) through OpenSSL's EVP.
//
// A Key is a key pair (generated, or loaded from its PKCS#8 PEM) or a public key alone (read
// from DNSKEY rdata, for verification). It gives the DNSKEY rdata (RFC 4034 §2.1: flags,
// protocol 3, algorithm 13, the 64-octet public key X || Y), its key tag (RFC 4034 Appendix B)
// and, for the parent, the DS with a SHA-256 digest (RFC 4509, digest type 2); CDS and CDNSKEY
// (RFC 7344) carry the same rdata as DS and DNSKEY.
//
// The private key never leaves a Key except through private_pem(): nothing here logs it, and
// error messages never quote key material.
//
// Thread safety: a Key is immutable after construction and may be used by many threads at once
// (OpenSSL's EVP_PKEY is safe for concurrent signing from separate contexts). Copies share the
// key.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace dnsedge::dnssec {

inline constexpr uint8_t kAlgorithm = 13;     // ECDSAP256SHA256
inline constexpr uint8_t kProtocol = 3;       // RFC 4034 §2.1.2
inline constexpr uint8_t kDigestSha256 = 2;   // DS digest type (RFC 4509)
inline constexpr uint16_t kFlagsZsk = 256;    // Zone Key
inline constexpr uint16_t kFlagsKsk = 257;    // Zone Key + Secure Entry Point
inline constexpr size_t kPublicKeySize = 64;  // X || Y (RFC 6605 §4)
inline constexpr size_t kSignatureSize = 64;  // r || s (RFC 6605 §4)
inline constexpr size_t kDnskeyRdataSize = 4 + kPublicKeySize;

// Record types this module writes that src/dns does not name.
namespace rrtype {
inline constexpr uint16_t kCDS = 59, kCDNSKEY = 60;  // RFC 7344
inline constexpr uint16_t kNXNAME = 128;             // RFC 9824 §2
}  // namespace rrtype

class Key {
 public:
  // A new P-256 key pair. `flags`: kFlagsZsk or kFlagsKsk.
  [[nodiscard]] static Result<Key> generate(uint16_t flags);
  // A key pair from its PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). Fails with a message that
  // says what is wrong (not PEM, encrypted, not an EC key, another curve, a private part that
  // does not match the public one) and never quotes the input.
  [[nodiscard]] static Result<Key> from_pem(std::string_view pem, uint16_t flags);
  // A public key from DNSKEY rdata (protocol 3, algorithm 13, 64 octets of key, a point on the
  // curve). Signs nothing.
  [[nodiscard]] static Result<Key> from_dnskey(std::string_view rdata);

  Key(const Key&) = default;
  Key& operator=(const Key&) = default;
  Key(Key&&) noexcept = default;
  Key& operator=(Key&&) noexcept = default;
  ~Key();

  bool has_private() const noexcept { return has_private_; }
  uint16_t flags() const noexcept { return flags_; }
  bool ksk() const noexcept { return (flags_ & 1) != 0; }
  uint16_t key_tag() const noexcept { return key_tag_; }
  const std::array<uint8_t, kPublicKeySize>& public_key() const noexcept { return pub_; }
  // The public key in base64, as DNSKEY presentation form and the API show it.
  std::string public_key_base64() const;
  // DNSKEY rdata: flags, 3, 13, X || Y.
  std::string dnskey_rdata() const;
  // The private key as unencrypted PKCS#8 PEM. Fails for a public-only key.
  [[nodiscard]] Result<std::string> private_pem() const;

  // OpenSSL's key, for the signer.
  evp_pkey_st* pkey() const noexcept { return pkey_.get(); }

 private:
  Key() = default;
  static Result<Key> from_pkey(evp_pkey_st* pkey, uint16_t flags, bool has_private);

  std::shared_ptr<evp_pkey_st> pkey_;
  std::array<uint8_t, kPublicKeySize> pub_{};
  uint16_t flags_ = 0;
  uint16_t key_tag_ = 0;
  bool has_private_ = false;
};

// RFC 4034 Appendix B over DNSKEY rdata (any algorithm but 1).
uint16_t key_tag(std::string_view dnskey_rdata) noexcept;

// DS rdata with a SHA-256 digest (RFC 4034 §5.1.4: digest over the owner's canonical wire form
// followed by the DNSKEY rdata): key tag, algorithm, 2, 32 octets. `owner`: wire form.
// REQUIRES: dnskey_rdata is at least 4 octets.
std::string ds_rdata(std::string_view owner, std::string_view dnskey_rdata);
// "<owner>. <ttl> IN DS <key tag> 13 2 <DIGEST IN UPPERCASE HEX>".
std::string ds_text(std::string_view owner, uint32_t ttl, std::string_view dnskey_rdata);
// The digest alone, uppercase hex (the API's `digest`).
std::string ds_digest_hex(std::string_view owner, std::string_view dnskey_rdata);

// CDS and CDNSKEY (RFC 7344 §3): the same rdata as DS and DNSKEY.
inline std::string cds_rdata(std::string_view owner, std::string_view dnskey_rdata) {
  return ds_rdata(owner, dnskey_rdata);
}
inline std::string cdnskey_rdata(const Key& key) { return key.dnskey_rdata(); }
// The "delete DS" forms (RFC 8078 §4): CDS 0 0 0 00 and CDNSKEY 0 3 0 AA==.
std::string cds_delete_rdata();
std::string cdnskey_delete_rdata();

std::string to_hex_upper(std::string_view bytes);
std::string base64_encode(std::string_view bytes);

}  // namespace dnsedge::dnssec
