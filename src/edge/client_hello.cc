#include "edge/client_hello.h"

#include <cstdint>

namespace dnsedge::edge::tls {
namespace {

constexpr uint8_t kContentHandshake = 22;
constexpr uint8_t kHandshakeClientHello = 1;
constexpr uint16_t kExtServerName = 0;
constexpr uint8_t kNameTypeHostName = 0;
constexpr size_t kRecordHeader = 5;
constexpr size_t kMaxRecord = 16384;  // RFC 8446 §5.1: plaintext fragment ≤ 2^14

// Bounds-checked big-endian reader; the first failure sticks.
class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool ok() const { return ok_; }
  size_t left() const { return d_.size() - pos_; }
  unsigned u8() {
    if (!need(1)) return 0;
    return static_cast<uint8_t>(d_[pos_++]);
  }
  unsigned u16() {
    if (!need(2)) return 0;
    const unsigned v = (unsigned{static_cast<uint8_t>(d_[pos_])} << 8) | static_cast<uint8_t>(d_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::string_view bytes(size_t n) {
    if (!need(n)) return {};
    const std::string_view v = d_.substr(pos_, n);
    pos_ += n;
    return v;
  }

 private:
  bool need(size_t n) {
    if (!ok_ || left() < n) ok_ = false;
    return ok_;
  }
  std::string_view d_;
  size_t pos_ = 0;
  bool ok_ = true;
};

bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 255) return false;
  size_t label = 0;
  for (char c : h) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return true;
}

// The body of a ClientHello handshake message (after its 4-octet header).
HelloStatus parse_body(std::string_view body, std::string_view* sni) {
  Reader r(body);
  r.u16();        // legacy_version
  r.bytes(32);    // random
  const unsigned sid = r.u8();
  if (sid > 32) return HelloStatus::kMalformed;
  r.bytes(sid);
  const unsigned suites = r.u16();
  if (suites < 2 || suites % 2 != 0) return HelloStatus::kMalformed;
  r.bytes(suites);
  const unsigned comp = r.u8();
  if (comp < 1) return HelloStatus::kMalformed;
  r.bytes(comp);
  if (!r.ok()) return HelloStatus::kMalformed;
  if (r.left() == 0) return HelloStatus::kNoSni;  // no extensions at all (TLS 1.2 and older)
  const unsigned ext_len = r.u16();
  if (!r.ok() || ext_len != r.left()) return HelloStatus::kMalformed;
  Reader ext(r.bytes(ext_len));
  bool seen = false;
  HelloStatus result = HelloStatus::kNoSni;
  while (ext.left() > 0) {
    const unsigned type = ext.u16();
    const unsigned len = ext.u16();
    const std::string_view data = ext.bytes(len);
    if (!ext.ok()) return HelloStatus::kMalformed;
    if (type != kExtServerName) continue;
    if (seen) return HelloStatus::kMalformed;  // RFC 8446 §4.2: one extension of each type
    seen = true;
    Reader list(data);
    const unsigned list_len = list.u16();
    if (!list.ok() || list_len != list.left() || list_len == 0) return HelloStatus::kMalformed;
    while (list.left() > 0) {
      const unsigned name_type = list.u8();
      const unsigned name_len = list.u16();
      const std::string_view name = list.bytes(name_len);
      if (!list.ok()) return HelloStatus::kMalformed;
      if (name_type != kNameTypeHostName || result == HelloStatus::kOk) continue;
      if (!valid_host_name(name)) return HelloStatus::kMalformed;
      *sni = name;
      result = HelloStatus::kOk;
    }
  }
  return result;
}

}  // namespace

HelloStatus parse_client_hello(std::string_view data, std::string* scratch, std::string_view* sni) {
  // Walk the records, collecting handshake octets until the whole message is there.
  size_t pos = 0;
  size_t msg_len = 0;  // including its 4-octet header; 0 while unknown
  size_t have = 0;     // handshake octets seen
  std::string_view first;  // the first record's fragment
  int records = 0;
  while (msg_len == 0 || have < msg_len) {
    if (data.size() - pos < kRecordHeader) return HelloStatus::kIncomplete;
    const auto* h = reinterpret_cast<const uint8_t*>(data.data() + pos);
    if (h[0] != kContentHandshake || h[1] != 3) return HelloStatus::kMalformed;
    const size_t len = (size_t{h[3]} << 8) | h[4];
    if (len == 0 || len > kMaxRecord) return HelloStatus::kMalformed;
    if (data.size() - pos - kRecordHeader < len) {
      // Reject early what cannot become a ClientHello, so garbage does not wait for a timeout.
      if (records == 0 && data.size() - pos - kRecordHeader >= 1 && h[5] != kHandshakeClientHello) {
        return HelloStatus::kMalformed;
      }
      return HelloStatus::kIncomplete;
    }
    const std::string_view frag = data.substr(pos + kRecordHeader, len);
    pos += kRecordHeader + len;
    if (records++ == 0) first = frag;
    if (records == 2) scratch->assign(first);
    if (records >= 2) scratch->append(frag);
    have += len;
    const std::string_view hs = records == 1 ? first : std::string_view(*scratch);
    if (msg_len == 0 && hs.size() >= 4) {
      if (static_cast<uint8_t>(hs[0]) != kHandshakeClientHello) return HelloStatus::kMalformed;
      msg_len = 4 + ((size_t{static_cast<uint8_t>(hs[1])} << 16) | (size_t{static_cast<uint8_t>(hs[2])} << 8) |
                     static_cast<uint8_t>(hs[3]));
      if (msg_len > kMaxClientHello) return HelloStatus::kMalformed;
    }
  }
  const std::string_view hs = records == 1 ? first : std::string_view(*scratch);
  return parse_body(hs.substr(4, msg_len - 4), sni);
}

std::string_view fatal_alert(unsigned char description) noexcept {
  // One static record per description we send.
  static constexpr char kUnrecognizedName[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 112};
  static constexpr char kInternalError[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 80};
  static constexpr char kHandshakeFailure[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40};
  switch (description) {
    case 112: return {kUnrecognizedName, sizeof kUnrecognizedName};
    case 80: return {kInternalError, sizeof kInternalError};
    default: return {kHandshakeFailure, sizeof kHandshakeFailure};
  }
}

}  // namespace dnsedge::edge::tls
