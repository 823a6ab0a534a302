#pragma once
// DKIM key records (RFC 6376 §3.6.1) and their public keys (RFC 8301 key sizes, RFC 8463
// ed25519).

#include <string>
#include <string_view>

#include "common/result.h"

namespace dnsedge::doctor::dkim {

struct KeyInfo {
  std::string type;  // "rsa" / "ed25519"
  int bits = 0;
};

// Decodes the p= value of a key record (base64) for key type `k` and measures the key: RSA keys
// through OpenSSL (SubjectPublicKeyInfo, as RFC 6376 §3.6.1 publishes them, or a bare PKCS#1
// RSAPublicKey), ed25519 keys must be 32 octets. Fails with the reason.
Result<KeyInfo> inspect_key(std::string_view k, std::string_view p);

// RFC 6376 §3.1: selector = sub-domain *( "." sub-domain ); labels of letters, digits, "-"
// (and "_", seen in practice and accepted by verifiers). "" when fine, else the problem.
std::string selector_problem(std::string_view selector);

}  // namespace dnsedge::doctor::dkim
