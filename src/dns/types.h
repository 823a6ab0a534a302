#pragma once
// DNS protocol constants (RFC 1035 and successors) and their text forms.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnsedge::dns {

// RR types we treat specially; any other 16-bit value is valid and handled per RFC 3597.
namespace rrtype {
inline constexpr uint16_t kA = 1, kNS = 2, kCNAME = 5, kSOA = 6, kPTR = 12, kHINFO = 13,
                          kMX = 15, kTXT = 16, kAAAA = 28, kSRV = 33, kNAPTR = 35, kDNAME = 39,
                          kOPT = 41, kDS = 43, kSSHFP = 44, kRRSIG = 46, kNSEC = 47,
                          kDNSKEY = 48, kNSEC3 = 50, kTLSA = 52, kSVCB = 64, kHTTPS = 65,
                          kSPF = 99, kTKEY = 249, kTSIG = 250, kIXFR = 251, kAXFR = 252,
                          kMAILB = 253, kMAILA = 254, kANY = 255, kURI = 256, kCAA = 257;
}  // namespace rrtype

namespace rrclass {
inline constexpr uint16_t kIN = 1, kCH = 3, kNONE = 254, kANY = 255;
}

namespace rcode {
inline constexpr uint16_t kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4,
                          kRefused = 5, kNotAuth = 9, kBadVers = 16;
}

namespace opcode {
inline constexpr uint8_t kQuery = 0, kNotify = 4, kUpdate = 5;
}

// Header flag bits in the second 16-bit word.
namespace flag {
inline constexpr uint16_t kQR = 0x8000, kAA = 0x0400, kTC = 0x0200, kRD = 0x0100, kRA = 0x0080,
                          kAD = 0x0020, kCD = 0x0010;
}

inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxNameLen = 255;
inline constexpr size_t kMaxLabelLen = 63;
inline constexpr uint16_t kMaxUdpPayload = 1232;  // our EDNS maximum (DNS flag day 2020)
inline constexpr uint16_t kMinUdpPayload = 512;

// "A", "MX", "TYPE65280" (RFC 3597 for unnamed types).
std::string type_to_string(uint16_t type);
// Accepts mnemonics (case-insensitive) and "TYPEnnn".
std::optional<uint16_t> type_from_string(std::string_view text);
std::string rcode_to_string(uint16_t rcode);

// True for types whose rdata may hold compressible names when written (RFC 3597 §4: only the
// RFC 1035 well-known types): NS, CNAME, SOA, PTR, MX (and the obsolete MB/MG/MR/MINFO).
constexpr bool type_compresses_rdata(uint16_t type) noexcept {
  return type == rrtype::kNS || type == rrtype::kCNAME || type == rrtype::kSOA ||
         type == rrtype::kPTR || type == rrtype::kMX || (type >= 7 && type <= 9) || type == 14;
}

// Offset of the target name inside the rdata of types that point at another name, or -1:
// NS, CNAME, PTR (RFC 1035 §3.3), MX (§3.3.9), SRV (RFC 2782), SVCB/HTTPS (RFC 9460 §2.2).
constexpr int rdata_target_offset(uint16_t type) noexcept {
  switch (type) {
    case rrtype::kNS:
    case rrtype::kCNAME:
    case rrtype::kPTR:
      return 0;
    case rrtype::kMX:
    case rrtype::kSVCB:
    case rrtype::kHTTPS:
      return 2;
    case rrtype::kSRV:
      return 6;
    default:
      return -1;
  }
}

}  // namespace dnsedge::dns
