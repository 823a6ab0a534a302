#pragma once
// The TLS ClientHello's server_name, read without terminating TLS (SNI passthrough, docs/edge.md).
//
// Input is the first bytes a client sent on an HTTPS port: TLS records (RFC 8446 §5.1) of type
// handshake, whose fragments together carry one ClientHello handshake message (§4.1.2). The
// server_name extension is RFC 6066 §3. Every length is checked against what is present and
// against what contains it; nothing is read outside the input.
//
// Thread safety: pure functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace dnsedge::edge::tls {

enum class HelloStatus : unsigned char {
  kIncomplete,  // more bytes are needed
  kOk,          // *sni holds the host name
  kNoSni,       // a well-formed ClientHello without a host_name
  kMalformed,   // not a TLS ClientHello, or inconsistent lengths, or an invalid host name
};

// A ClientHello bigger than this (after reassembly) is treated as malformed.
inline constexpr size_t kMaxClientHello = 24 * 1024;

// Parses the records at the start of `data`. On kOk, `*sni` points into `data`, or into
// `*scratch` when the message was split over several records (then it is reassembled there).
HelloStatus parse_client_hello(std::string_view data, std::string* scratch, std::string_view* sni);

// A fatal TLS alert record (RFC 8446 §6), e.g. 112 unrecognized_name, 80 internal_error.
std::string_view fatal_alert(unsigned char description) noexcept;

}  // namespace dnsedge::edge::tls
