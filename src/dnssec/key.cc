#include "dnssec/key.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <cstring>

#include "dns/name.h"

namespace dnsedge::dnssec {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// OpenSSL's reason for the last failure (never key material), and the queue cleared.
std::string ssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  const char* r = ERR_reason_error_string(e);
  return r != nullptr ? r : "OpenSSL error " + std::to_string(e);
}

Error key_error(std::string what) { return make_error(std::move(what)); }

// A PEM password callback that supplies none: an encrypted key fails instead of prompting.
int no_password(char*, int, int, void*) { return -1; }

bool is_p256(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC") != 1) return false;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) return false;
  return std::string_view(group, len) == "prime256v1";
}

}  // namespace

Key::~Key() = default;

Result<Key> Key::from_pkey(EVP_PKEY* raw, uint16_t flags, bool has_private) {
  PkeyPtr pkey(raw);
  uint8_t point[1 + kPublicKeySize];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point, &len) != 1 ||
      len != sizeof point || point[0] != 0x04) {
    return key_error("DNSSEC key: cannot read the public key: " + ssl_reason());
  }
  Key k;
  std::memcpy(k.pub_.data(), point + 1, kPublicKeySize);
  k.flags_ = flags;
  k.has_private_ = has_private;
  k.pkey_ = std::shared_ptr<EVP_PKEY>(pkey.release(), PkeyFree{});
  k.key_tag_ = dnssec::key_tag(k.dnskey_rdata());
  return k;
}

Result<Key> Key::generate(uint16_t flags) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  if (pkey == nullptr) return key_error("DNSSEC key generation failed: " + ssl_reason());
  return from_pkey(pkey, flags, true);
}

Result<Key> Key::from_pem(std::string_view pem, uint16_t flags) {
  if (pem.find("-----BEGIN PRIVATE KEY-----") == std::string_view::npos) {
    if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos) {
      return key_error("DNSSEC private key is encrypted (an unencrypted PKCS#8 PEM is expected)");
    }
    return key_error("DNSSEC private key is not a PKCS#8 PEM (no BEGIN PRIVATE KEY line)");
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return key_error("DNSSEC private key: out of memory");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr);
  if (raw == nullptr) return key_error("DNSSEC private key does not parse: " + ssl_reason());
  PkeyPtr pkey(raw);
  if (!is_p256(pkey.get())) return key_error("DNSSEC private key is not an ECDSA P-256 key (algorithm 13 needs one)");
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!ctx || EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    ERR_clear_error();
    return key_error("DNSSEC private key is damaged: its private and public parts do not match");
  }
  return from_pkey(pkey.release(), flags, true);
}

Result<Key> Key::from_dnskey(std::string_view rdata) {
  if (rdata.size() != kDnskeyRdataSize) {
    return key_error("DNSKEY rdata has " + std::to_string(rdata.size()) + " octets; algorithm 13 needs " +
                     std::to_string(kDnskeyRdataSize));
  }
  const auto* p = reinterpret_cast<const uint8_t*>(rdata.data());
  if (p[2] != kProtocol) return key_error("DNSKEY protocol is " + std::to_string(p[2]) + ", not 3");
  if (p[3] != kAlgorithm) return key_error("DNSKEY algorithm is " + std::to_string(p[3]) + ", not 13");
  uint8_t point[1 + kPublicKeySize];
  point[0] = 0x04;
  std::memcpy(point + 1, p + 4, kPublicKeySize);
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
      OSSL_PARAM_construct_end(),
  };
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return key_error("DNSKEY public key is not a P-256 point: " + ssl_reason());
  }
  PkeyPtr owned(pkey);
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return key_error("DNSKEY public key is not a point on P-256");
  }
  return from_pkey(owned.release(), static_cast<uint16_t>(p[0] << 8 | p[1]), false);
}

std::string Key::public_key_base64() const {
  return base64_encode({reinterpret_cast<const char*>(pub_.data()), pub_.size()});
}

std::string Key::dnskey_rdata() const {
  std::string r;
  r.reserve(kDnskeyRdataSize);
  r.push_back(static_cast<char>(flags_ >> 8));
  r.push_back(static_cast<char>(flags_ & 0xff));
  r.push_back(static_cast<char>(kProtocol));
  r.push_back(static_cast<char>(kAlgorithm));
  r.append(reinterpret_cast<const char*>(pub_.data()), pub_.size());
  return r;
}

Result<std::string> Key::private_pem() const {
  if (!has_private_) return key_error("DNSSEC key has no private part");
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return key_error("DNSSEC private key cannot be written: " + ssl_reason());
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

uint16_t key_tag(std::string_view rdata) noexcept {
  uint32_t ac = 0;
  for (size_t i = 0; i < rdata.size(); ++i) {
    const auto b = static_cast<uint8_t>(rdata[i]);
    ac += (i & 1) ? b : static_cast<uint32_t>(b) << 8;
  }
  ac += (ac >> 16) & 0xffff;
  return static_cast<uint16_t>(ac & 0xffff);
}

namespace {

std::string ds_digest(std::string_view owner, std::string_view dnskey) {
  // The owner in canonical form: lowercase (RFC 4034 §6.2).
  std::string name(owner);
  for (char& c : name) c = static_cast<char>(dns::ascii_lower(static_cast<uint8_t>(c)));
  unsigned char md[32];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, name.data(), name.size()) == 1 &&
                  EVP_DigestUpdate(ctx, dnskey.data(), dnskey.size()) == 1 && EVP_DigestFinal_ex(ctx, md, &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return {};
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace

std::string ds_rdata(std::string_view owner, std::string_view dnskey) {
  const uint16_t tag = key_tag(dnskey);
  std::string r;
  r.push_back(static_cast<char>(tag >> 8));
  r.push_back(static_cast<char>(tag & 0xff));
  r.push_back(dnskey.size() > 3 ? dnskey[3] : 0);
  r.push_back(static_cast<char>(kDigestSha256));
  r += ds_digest(owner, dnskey);
  return r;
}

std::string ds_digest_hex(std::string_view owner, std::string_view dnskey) {
  return to_hex_upper(ds_digest(owner, dnskey));
}

std::string ds_text(std::string_view owner, uint32_t ttl, std::string_view dnskey) {
  return dns::name_to_text(owner) + " " + std::to_string(ttl) + " IN DS " + std::to_string(key_tag(dnskey)) + " " +
         std::to_string(dnskey.size() > 3 ? static_cast<uint8_t>(dnskey[3]) : 0) + " 2 " + ds_digest_hex(owner, dnskey);
}

std::string cds_delete_rdata() { return std::string("\0\0\0\0\0", 5); }
std::string cdnskey_delete_rdata() { return std::string("\0\0\3\0\0", 5); }

std::string to_hex_upper(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace dnsedge::dnssec
