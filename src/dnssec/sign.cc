#include "dnssec/sign.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::dnssec {
namespace {

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 |
         p[3];
}

// Lowercases the uncompressed name at p[*pos] in place and moves *pos past it. False when the
// name is malformed or runs past `len`.
bool lower_name(uint8_t* p, size_t len, size_t* pos) noexcept {
  size_t i = *pos;
  size_t total = 0;
  for (;;) {
    if (i >= len) return false;
    const uint8_t l = p[i];
    if (l > 63) return false;  // compression pointers and reserved label types are not canonical
    total += l + 1u;
    if (total > dns::kMaxNameLen) return false;
    if (i + 1 + l > len) return false;
    for (size_t k = i + 1; k <= i + l; ++k) p[k] = dns::ascii_lower(p[k]);
    i += 1 + l;
    if (l == 0) break;
  }
  *pos = i;
  return true;
}

bool skip(size_t n, size_t len, size_t* pos) noexcept {
  if (*pos + n > len) return false;
  *pos += n;
  return true;
}

bool skip_char_string(const uint8_t* p, size_t len, size_t* pos) noexcept {
  if (*pos >= len) return false;
  return skip(1u + p[*pos], len, pos);
}

// Lowercases the names of rdata of `type` (the list of RFC 4034 §6.2 less NSEC, RFC 6840 §5.1).
bool lower_rdata_names(uint16_t type, uint8_t* p, size_t len) noexcept {
  size_t pos = 0;
  switch (type) {
    case 2:
    case 3:
    case 4:
    case 5:
    case 7:
    case 8:
    case 9:
    case 12:
    case 39:  // NS MD MF CNAME MB MG MR PTR DNAME
      return lower_name(p, len, &pos) && pos == len;
    case 6:  // SOA: mname rname, 20 octets
      return lower_name(p, len, &pos) && lower_name(p, len, &pos) && pos + 20 == len;
    case 14:
    case 17:  // MINFO, RP
      return lower_name(p, len, &pos) && lower_name(p, len, &pos) && pos == len;
    case 15:
    case 18:
    case 21:
    case 36:  // MX AFSDB RT KX
      return skip(2, len, &pos) && lower_name(p, len, &pos) && pos == len;
    case 26:  // PX
      return skip(2, len, &pos) && lower_name(p, len, &pos) && lower_name(p, len, &pos) && pos == len;
    case 33:  // SRV
      return skip(6, len, &pos) && lower_name(p, len, &pos) && pos == len;
    case 35:  // NAPTR: order, preference, flags, services, regexp, replacement
      return skip(4, len, &pos) && skip_char_string(p, len, &pos) && skip_char_string(p, len, &pos) &&
             skip_char_string(p, len, &pos) && lower_name(p, len, &pos) && pos == len;
    case 24:
    case 46:  // SIG, RRSIG: 18 octets, signer name, signature
      return skip(18, len, &pos) && lower_name(p, len, &pos);
    case 30:  // NXT: next name, bitmap
      return lower_name(p, len, &pos);
    case 38: {  // A6: prefix length, address suffix, prefix name when the prefix length is not 0
      if (len < 1 || p[0] > 128) return false;
      const uint8_t plen = p[0];
      pos = 1;
      if (!skip((128u - plen + 7) / 8, len, &pos)) return false;
      return plen == 0 ? pos == len : lower_name(p, len, &pos) && pos == len;
    }
    default:
      return true;
  }
}

struct MdFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct PctxFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};

Error sign_error(std::string what) { return make_error(std::move(what)); }

std::string ssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  const char* r = e != 0 ? ERR_reason_error_string(e) : nullptr;
  return r != nullptr ? r : "OpenSSL error";
}

}  // namespace

unsigned rrsig_labels(std::string_view owner) noexcept {
  if (owner.empty()) return 0;
  const unsigned n = dns::label_count(dns::as_bytes(owner));
  const bool wildcard = owner.size() >= 2 && owner[0] == 1 && owner[1] == '*';
  return wildcard ? n - 1 : n;
}

size_t canonical_rdata(uint16_t type, std::string_view rdata, std::span<uint8_t> out) noexcept {
  if (out.size() < rdata.size()) return 0;
  std::memcpy(out.data(), rdata.data(), rdata.size());
  if (!lower_rdata_names(type, out.data(), rdata.size())) return 0;
  return rdata.empty() ? 0 : rdata.size();
}

Signer::Signer() : md_(EVP_MD_CTX_new()) {}

Signer::~Signer() {
  EVP_MD_CTX_free(md_);
  EVP_PKEY_CTX_free(sign_ctx_);
}

Result<void> Signer::digest(const RRsetRef& rrset, std::span<const uint8_t> head, unsigned labels, uint8_t out[32]) {
  if (md_ == nullptr) return sign_error("DNSSEC signer: no digest context (out of memory)");
  if (rrset.rdatas.empty()) return sign_error("DNSSEC: cannot sign an empty RRset");
  // The owner: lowercased; a wildcard expansion's owner is "*." + its rightmost `labels` labels.
  uint8_t owner[dns::kMaxNameLen];
  size_t owner_len = rrset.owner.size();
  if (owner_len == 0 || owner_len > dns::kMaxNameLen) return sign_error("DNSSEC: bad owner name");
  std::memcpy(owner, rrset.owner.data(), owner_len);
  size_t pos = 0;
  if (!lower_name(owner, owner_len, &pos) || pos != owner_len) return sign_error("DNSSEC: bad owner name");
  const unsigned n = dns::label_count(owner);
  if (labels > n) return sign_error("DNSSEC: RRSIG labels field exceeds the owner's label count");
  if (labels < n) {
    size_t skip_off = 0;
    for (unsigned i = 0; i < n - labels; ++i) skip_off += 1u + owner[skip_off];
    const size_t rest = owner_len - skip_off;
    std::memmove(owner + 2, owner + skip_off, rest);
    owner[0] = 1;
    owner[1] = '*';
    owner_len = rest + 2;
  }
  // Canonical rdata, back to back, then sorted and without duplicates (RFC 4034 §6.3).
  size_t need = 0;
  for (std::string_view r : rrset.rdatas) need += r.size();
  if (canon_.size() < need) canon_.resize(need);
  order_.clear();
  if (order_.capacity() < rrset.rdatas.size()) order_.reserve(rrset.rdatas.size());
  size_t off = 0;
  for (std::string_view r : rrset.rdatas) {
    if (r.size() > 65535) return sign_error("DNSSEC: rdata over 65535 octets");
    const size_t len = canonical_rdata(rrset.type, r, std::span<uint8_t>(canon_.data() + off, r.size()));
    if (len == 0 && !r.empty()) return sign_error("DNSSEC: malformed rdata of type " + std::to_string(rrset.type));
    order_.push_back({static_cast<uint32_t>(off), static_cast<uint32_t>(r.size())});
    off += r.size();
  }
  const uint8_t* base = canon_.data();
  auto less = [base](const Span& a, const Span& b) {
    const int c = std::memcmp(base + a.off, base + b.off, std::min(a.len, b.len));
    return c != 0 ? c < 0 : a.len < b.len;
  };
  auto same = [base](const Span& a, const Span& b) {
    return a.len == b.len && std::memcmp(base + a.off, base + b.off, a.len) == 0;
  };
  std::sort(order_.begin(), order_.end(), less);
  order_.erase(std::unique(order_.begin(), order_.end(), same), order_.end());

  const uint32_t ttl = get32(head.data() + 4);
  bool ok = EVP_DigestInit_ex(md_, EVP_sha256(), nullptr) == 1 && EVP_DigestUpdate(md_, head.data(), head.size()) == 1;
  for (const Span& s : order_) {
    uint8_t fixed[10];
    put16(fixed, rrset.type);
    put16(fixed + 2, rrset.rclass);
    put32(fixed + 4, ttl);
    put16(fixed + 8, static_cast<uint16_t>(s.len));
    ok = ok && EVP_DigestUpdate(md_, owner, owner_len) == 1 && EVP_DigestUpdate(md_, fixed, sizeof fixed) == 1 &&
         EVP_DigestUpdate(md_, base + s.off, s.len) == 1;
  }
  unsigned int mdlen = 0;
  ok = ok && EVP_DigestFinal_ex(md_, out, &mdlen) == 1 && mdlen == 32;
  if (!ok) return sign_error("DNSSEC: SHA-256 failed: " + ssl_reason());
  return {};
}

Result<size_t> Signer::sign(const RRsetRef& rrset, const Key& key, std::string_view signer, Validity v,
                            std::span<uint8_t> out) {
  if (!key.has_private()) return sign_error("DNSSEC: key " + std::to_string(key.key_tag()) + " has no private part");
  if (signer.empty() || signer.size() > dns::kMaxNameLen) return sign_error("DNSSEC: bad signer name");
  const size_t total = rrsig_rdata_size(signer.size());
  if (out.size() < total) return sign_error("DNSSEC: RRSIG buffer too small");
  uint8_t* p = out.data();
  put16(p, rrset.type);
  p[2] = kAlgorithm;
  p[3] = static_cast<uint8_t>(rrsig_labels(rrset.owner));
  put32(p + 4, rrset.ttl);
  put32(p + 8, v.expiration);
  put32(p + 12, v.inception);
  put16(p + 16, key.key_tag());
  std::memcpy(p + 18, signer.data(), signer.size());
  size_t pos = 18;
  if (!lower_name(p, 18 + signer.size(), &pos) || pos != 18 + signer.size()) {
    return sign_error("DNSSEC: bad signer name");
  }
  uint8_t hash[32];
  if (auto d = digest(rrset, std::span<const uint8_t>(p, pos), p[3], hash); !d) return d.error();
  if (sign_key_ != key.pkey()) {
    EVP_PKEY_CTX_free(sign_ctx_);
    sign_ctx_ = EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey(), nullptr);
    sign_key_ = nullptr;
    if (sign_ctx_ == nullptr || EVP_PKEY_sign_init(sign_ctx_) != 1) {
      return sign_error("DNSSEC: cannot start signing: " + ssl_reason());
    }
    sign_key_ = key.pkey();
  }
  uint8_t der[80];
  size_t der_len = sizeof der;
  if (EVP_PKEY_sign(sign_ctx_, der, &der_len, hash, sizeof hash) != 1) {
    return sign_error("DNSSEC: ECDSA signing failed: " + ssl_reason());
  }
  if (!der_to_rs(std::span<const uint8_t>(der, der_len), p + pos)) {
    return sign_error("DNSSEC: ECDSA signature has an unexpected form");
  }
  return total;
}

Result<void> Signer::verify(const RRsetRef& rrset, std::string_view rrsig, const Key& key) {
  const auto* r = reinterpret_cast<const uint8_t*>(rrsig.data());
  if (rrsig.size() < 18 + 1 + kSignatureSize) return sign_error("RRSIG too short");
  if (get16(r) != rrset.type) {
    return sign_error("RRSIG covers type " + std::to_string(get16(r)) + ", not " + std::to_string(rrset.type));
  }
  if (r[2] != kAlgorithm) return sign_error("RRSIG algorithm " + std::to_string(r[2]) + " is not 13");
  if (get16(r + 16) != key.key_tag()) {
    return sign_error("RRSIG key tag " + std::to_string(get16(r + 16)) + " is not the key's " +
                      std::to_string(key.key_tag()));
  }
  uint8_t head[18 + dns::kMaxNameLen];
  const size_t avail = std::min(rrsig.size(), sizeof head);
  std::memcpy(head, r, avail);
  size_t pos = 18;
  if (!lower_name(head, avail, &pos)) return sign_error("RRSIG signer name is malformed");
  if (rrsig.size() - pos != kSignatureSize) return sign_error("RRSIG signature is not 64 octets");
  std::string owner(rrset.owner);
  for (char& c : owner) c = static_cast<char>(dns::ascii_lower(static_cast<uint8_t>(c)));
  const std::string_view signer(reinterpret_cast<const char*>(head + 18), pos - 18);
  if (!dns::is_subdomain(owner, signer)) return sign_error("RRSIG signer is not an ancestor of the owner");
  uint8_t hash[32];
  if (auto d = digest(rrset, std::span<const uint8_t>(head, pos), r[3], hash); !d) return d.error();
  uint8_t der[80];
  const size_t der_len = rs_to_der(r + pos, der);
  std::unique_ptr<EVP_PKEY_CTX, PctxFree> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return sign_error("RRSIG check: " + ssl_reason());
  const int ok = EVP_PKEY_verify(ctx.get(), der, der_len, hash, sizeof hash);
  ERR_clear_error();
  if (ok != 1) return sign_error("RRSIG signature does not verify");
  return {};
}

Result<void> check_time(std::string_view rrsig, uint32_t now) {
  if (rrsig.size() < 16) return sign_error("RRSIG too short");
  const auto* r = reinterpret_cast<const uint8_t*>(rrsig.data());
  const uint32_t expiration = get32(r + 8), inception = get32(r + 12);
  if (static_cast<int32_t>(now - inception) < 0) return sign_error("RRSIG not yet valid (inception in the future)");
  if (static_cast<int32_t>(expiration - now) < 0) return sign_error("RRSIG expired");
  return {};
}

namespace {
Signer& thread_signer() {
  thread_local Signer s;
  return s;
}
}  // namespace

Result<std::string> sign_rrset(const RRsetRef& rrset, const Key& key, std::string_view signer, Validity v) {
  std::string out(rrsig_rdata_size(signer.size()), '\0');
  auto n = thread_signer().sign(rrset, key, signer, v,
                                std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  if (!n) return n.error();
  out.resize(*n);
  return out;
}

Result<void> verify_rrset(const RRsetRef& rrset, std::string_view rrsig, const Key& key) {
  return thread_signer().verify(rrset, rrsig, key);
}

bool der_to_rs(std::span<const uint8_t> der, uint8_t rs[kSignatureSize]) noexcept {
  if (der.size() < 8 || der[0] != 0x30 || der[1] >= 0x80 || der[1] + 2u != der.size()) return false;
  size_t pos = 2;
  for (int i = 0; i < 2; ++i) {
    if (pos + 2 > der.size() || der[pos] != 0x02) return false;
    size_t len = der[pos + 1];
    pos += 2;
    if (len == 0 || len >= 0x80 || pos + len > der.size()) return false;
    const uint8_t* v = der.data() + pos;
    pos += len;
    while (len > 1 && v[0] == 0) {
      ++v;
      --len;
    }
    if (len > 32) return false;
    uint8_t* dst = rs + 32 * i;
    std::memset(dst, 0, 32);
    std::memcpy(dst + 32 - len, v, len);
  }
  return pos == der.size();
}

size_t rs_to_der(const uint8_t rs[kSignatureSize], uint8_t* der) noexcept {
  size_t pos = 2;
  for (int i = 0; i < 2; ++i) {
    const uint8_t* v = rs + 32 * i;
    size_t len = 32;
    while (len > 1 && v[0] == 0) {
      ++v;
      --len;
    }
    const bool pad = (v[0] & 0x80) != 0;
    der[pos++] = 0x02;
    der[pos++] = static_cast<uint8_t>(len + (pad ? 1 : 0));
    if (pad) der[pos++] = 0;
    std::memcpy(der + pos, v, len);
    pos += len;
  }
  der[0] = 0x30;
  der[1] = static_cast<uint8_t>(pos - 2);
  return pos;
}

}  // namespace dnsedge::dnssec
