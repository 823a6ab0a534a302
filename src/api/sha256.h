#pragma once
// SHA-256 through OpenSSL's EVP interface, for API token hashes (the store keeps only the hash).

#include <string>
#include <string_view>

namespace dnsedge::api {

// 64 lowercase hex digits of SHA-256(data).
std::string sha256_hex(std::string_view data);

}  // namespace dnsedge::api
