#pragma once
// RRSIG over an RRset (RFC 4034 §3.1.8.1, ECDSA P-256/SHA-256 as RFC 6605 §4) and its check.
//
// What is signed: the RRSIG rdata without its signature, then every RR of the set in canonical
// form (RFC 4034 §6.2) and canonical order (§6.3): owner lowercased (a wildcard-expanded owner
// replaced by "*." and the rightmost `labels` labels), type, class, the original TTL, rdata
// length, rdata with the domain names of the types §6.2 lists lowercased (not NSEC's, RFC 6840
// §5.1), duplicates removed, sorted as octet strings. The labels field counts the owner's labels
// without the root and without a leading "*" (RFC 4034 §3.1.3).
//
// Allocation. A Signer owns everything a signature needs: an EVP_MD_CTX for SHA-256, an
// EVP_PKEY_CTX for the last key it signed with (made again only when the key changes) and a
// scratch area for the canonical rdata. Signing writes into the caller's buffer. Once the scratch
// is as large as the largest RRset the Signer has seen, sign() makes no allocation of its own
// (operator new; sign_test.cc checks). OpenSSL's ECDSA itself still takes a few small
// allocations per signature for its bignum temporaries (CRYPTO_malloc, not operator new); the
// DER signature OpenSSL produces is converted to r || s here without any.
//
// Thread safety: a Signer is for one thread at a time (keep one per thread); Keys are shared.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dnssec/key.h"

struct evp_md_ctx_st;
struct evp_pkey_ctx_st;

namespace dnsedge::dnssec {

// One RRset as the signer reads it: names uncompressed wire form (any case), rdata uncompressed.
struct RRsetRef {
  std::string_view owner;
  uint16_t type = 0;
  uint16_t rclass = 1;  // IN
  uint32_t ttl = 0;     // the original TTL (RFC 4034 §3.1.4)
  std::span<const std::string_view> rdatas;
};

// Validity of a signature, seconds since the epoch mod 2^32 (RFC 4034 §3.1.5).
struct Validity {
  uint32_t inception = 0;
  uint32_t expiration = 0;
};

// Octets of the RRSIG rdata for a signer name of `signer_len` octets.
constexpr size_t rrsig_rdata_size(size_t signer_len) { return 18 + signer_len + kSignatureSize; }

// The labels field of a signature over `owner` (wire): its label count without a leading "*".
unsigned rrsig_labels(std::string_view owner) noexcept;

// Writes `rdata` in canonical form (RFC 4034 §6.2) to `out`; returns its length, or 0 if the
// rdata is malformed for its type (a name running past the end). REQUIRES: out.size() >=
// rdata.size().
size_t canonical_rdata(uint16_t type, std::string_view rdata, std::span<uint8_t> out) noexcept;

class Signer {
 public:
  Signer();
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // Writes the RRSIG rdata over `rrset` made with `key` into `out` and returns its length.
  // `signer`: the zone apex (wire). Fails when the key has no private part, `out` is smaller
  // than rrsig_rdata_size(signer.size()), the rrset is empty or an rdata is malformed.
  [[nodiscard]] Result<size_t> sign(const RRsetRef& rrset, const Key& key, std::string_view signer, Validity v,
                                    std::span<uint8_t> out);
  // Checks `rrsig` (RRSIG rdata) over `rrset` with `key` (public part): type covered,
  // algorithm, key tag, labels and signature. Not the validity period: see check_time().
  [[nodiscard]] Result<void> verify(const RRsetRef& rrset, std::string_view rrsig, const Key& key);

 private:
  // The SHA-256 of the signed data: `rrsig_head` (RRSIG rdata up to the signature) then the
  // canonical RRs, their owner built from `labels`.
  Result<void> digest(const RRsetRef& rrset, std::span<const uint8_t> rrsig_head, unsigned labels, uint8_t out[32]);

  evp_md_ctx_st* md_ = nullptr;
  evp_pkey_ctx_st* sign_ctx_ = nullptr;
  evp_pkey_st* sign_key_ = nullptr;  // the key sign_ctx_ was made for
  std::vector<uint8_t> canon_;       // canonical rdata, back to back
  struct Span {
    uint32_t off, len;
  };
  std::vector<Span> order_;
};

// Whether `now` lies in [inception, expiration] in serial number arithmetic (RFC 4034 §3.1.5).
[[nodiscard]] Result<void> check_time(std::string_view rrsig, uint32_t now);

// Conveniences over a thread-local Signer (tests, the mail doctor, the CLI).
[[nodiscard]] Result<std::string> sign_rrset(const RRsetRef& rrset, const Key& key, std::string_view signer,
                                             Validity v);
[[nodiscard]] Result<void> verify_rrset(const RRsetRef& rrset, std::string_view rrsig, const Key& key);

// ECDSA signatures: DER (ECDSA-Sig-Value, what OpenSSL produces) to the 64-octet r || s of
// RFC 6605 §4, and back. der_to_rs returns false on malformed DER or an integer over 32 octets.
bool der_to_rs(std::span<const uint8_t> der, uint8_t rs[kSignatureSize]) noexcept;
// Writes DER into `der` (at least 72 octets); returns its length.
size_t rs_to_der(const uint8_t rs[kSignatureSize], uint8_t* der) noexcept;

}  // namespace dnsedge::dnssec
