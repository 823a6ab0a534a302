#include "dnssec/denial.h"

#include <cstring>

#include "dns/types.h"
#include "dnssec/key.h"

namespace dnsedge::dnssec {

size_t type_bitmap_into(std::span<const uint16_t> types, std::span<uint8_t> out) noexcept {
  size_t pos = 0;
  int last_window = -1;
  for (;;) {
    // The smallest window above the last one written.
    int window = 256;
    for (uint16_t t : types) {
      const int w = t >> 8;
      if (w > last_window && w < window) window = w;
    }
    if (window == 256) return pos;
    uint8_t bits[32] = {};
    size_t len = 0;
    for (uint16_t t : types) {
      if ((t >> 8) != window) continue;
      const unsigned low = t & 0xff;
      bits[low / 8] |= static_cast<uint8_t>(0x80 >> (low % 8));
      if (low / 8 + 1 > len) len = low / 8 + 1;
    }
    if (pos + 2 + len > out.size()) return 0;
    out[pos++] = static_cast<uint8_t>(window);
    out[pos++] = static_cast<uint8_t>(len);
    std::memcpy(out.data() + pos, bits, len);
    pos += len;
    last_window = window;
  }
}

std::string type_bitmap(std::span<const uint16_t> types) {
  uint8_t buf[kMaxBitmapSize];
  const size_t n = type_bitmap_into(types, buf);
  return std::string(reinterpret_cast<const char*>(buf), n);
}

size_t successor_into(std::string_view name, uint8_t* out) noexcept {
  if (name.empty() || name.size() > dns::kMaxNameLen) return 0;
  if (name.size() + 2 <= dns::kMaxNameLen) {
    out[0] = 1;
    out[1] = 0;
    std::memcpy(out + 2, name.data(), name.size());
    return name.size() + 2;
  }
  // A name too long for a child: increment the last octet of its first label.
  std::memcpy(out, name.data(), name.size());
  size_t len = out[0];
  if (len == 0) return 0;
  while (len > 0 && out[len] == 0xff) --len;
  if (len == 0) return 0;
  uint8_t c = static_cast<uint8_t>(out[len] + 1);
  // Uppercase letters sort as lowercase: the octet after '@' is '['.
  if (c >= 'A' && c <= 'Z') c = '[';
  out[len] = c;
  if (len != out[0]) {
    const size_t cut = out[0] - len;
    std::memmove(out + 1 + len, out + 1 + out[0], name.size() - 1 - out[0]);
    out[0] = static_cast<uint8_t>(len);
    return name.size() - cut;
  }
  return name.size();
}

namespace {

size_t nsec_into(std::string_view name, std::span<const uint16_t> types, std::span<uint8_t> out) noexcept {
  if (out.size() < dns::kMaxNameLen) return 0;
  const size_t n = successor_into(name, out.data());
  if (n == 0) return 0;
  const size_t b = type_bitmap_into(types, out.subspan(n));
  if (b == 0 && !types.empty()) return 0;
  return n + b;
}

Result<std::string> as_string(const uint8_t* p, size_t n, std::string_view what) {
  if (n == 0) return make_error(std::string(what) + ": the name has no successor or the record does not fit");
  return std::string(reinterpret_cast<const char*>(p), n);
}

}  // namespace

size_t nxname_nsec_into(std::string_view qname, std::span<uint8_t> out) noexcept {
  static constexpr uint16_t kTypes[] = {dns::rrtype::kRRSIG, dns::rrtype::kNSEC, rrtype::kNXNAME};
  return nsec_into(qname, kTypes, out);
}

size_t nodata_nsec_into(std::string_view name, std::span<const uint16_t> types, std::span<uint8_t> out) noexcept {
  if (out.size() < dns::kMaxNameLen) return 0;
  const size_t n = successor_into(name, out.data());
  if (n == 0) return 0;
  // The bitmap of types + NSEC + RRSIG without a copy of `types`: two passes share one bitmap.
  uint8_t bits[256][32];
  bool used[256] = {};
  std::memset(bits, 0, sizeof bits);
  auto add = [&](uint16_t t) {
    used[t >> 8] = true;
    bits[t >> 8][(t & 0xff) / 8] |= static_cast<uint8_t>(0x80 >> (t % 8));
  };
  for (uint16_t t : types) add(t);
  add(dns::rrtype::kNSEC);
  add(dns::rrtype::kRRSIG);
  size_t pos = n;
  for (int w = 0; w < 256; ++w) {
    if (!used[w]) continue;
    size_t len = 32;
    while (len > 0 && bits[w][len - 1] == 0) --len;
    if (pos + 2 + len > out.size()) return 0;
    out[pos++] = static_cast<uint8_t>(w);
    out[pos++] = static_cast<uint8_t>(len);
    std::memcpy(out.data() + pos, bits[w], len);
    pos += len;
  }
  return pos;
}

Result<std::string> nxname_nsec(std::string_view qname) {
  uint8_t buf[kMaxNsecRdataSize];
  return as_string(buf, nxname_nsec_into(qname, buf), "compact NXDOMAIN NSEC");
}

Result<std::string> nodata_nsec(std::string_view name, std::span<const uint16_t> types) {
  uint8_t buf[kMaxNsecRdataSize];
  return as_string(buf, nodata_nsec_into(name, types, buf), "compact NODATA NSEC");
}

}  // namespace dnsedge::dnssec
