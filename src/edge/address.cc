#include "edge/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace dnsedge::edge {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    a.family = 4;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.family = 6;
    return a;
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::from_rdata(std::string_view rdata) {
  if (rdata.size() != 4 && rdata.size() != 16) return std::nullopt;
  IpAddress a;
  a.family = rdata.size() == 4 ? 4 : 6;
  std::memcpy(a.bytes.data(), rdata.data(), rdata.size());
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

std::optional<IpEndpoint> IpEndpoint::parse(std::string_view text) {
  if (text.starts_with("tcp://")) text.remove_prefix(6);
  std::string_view host, port;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs brackets
  }
  auto addr = IpAddress::parse(host);
  if (!addr) return std::nullopt;
  if (text.starts_with('[') && addr->family != 6) return std::nullopt;
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || port.empty() || p > 65535) return std::nullopt;
  return IpEndpoint{*addr, static_cast<uint16_t>(p)};
}

std::string IpEndpoint::to_string() const {
  return addr.family == 6 ? "[" + addr.to_string() + "]:" + std::to_string(port)
                          : addr.to_string() + ":" + std::to_string(port);
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const size_t slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const unsigned max = addr->family == 4 ? 32 : 128;
  unsigned len = max;
  if (slash != std::string_view::npos) {
    const std::string_view l = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(l.data(), l.data() + l.size(), len);
    if (ec != std::errc() || end != l.data() + l.size() || l.empty() || len > max) return std::nullopt;
  }
  IpPrefix p;
  p.length = len;
  p.base = *addr;
  for (unsigned bit = len; bit < max; ++bit) p.base.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  return p;
}

bool IpPrefix::contains(const IpAddress& a) const noexcept {
  if (a.family != base.family) return false;
  for (unsigned bit = 0; bit < length; ++bit) {
    const uint8_t m = static_cast<uint8_t>(0x80u >> (bit % 8));
    if ((a.bytes[bit / 8] & m) != (base.bytes[bit / 8] & m)) return false;
  }
  return true;
}

uint64_t IpPrefix::size() const noexcept {
  const unsigned host_bits = (base.family == 4 ? 32 : 128) - length;
  return host_bits >= 32 ? (uint64_t{1} << 32) : (uint64_t{1} << host_bits);
}

IpAddress IpPrefix::at(uint64_t offset) const noexcept {
  IpAddress a = base;
  // Add `offset` to the address as a big-endian integer.
  uint64_t carry = offset;
  for (int i = static_cast<int>(a.size()) - 1; i >= 0 && carry != 0; --i) {
    const uint64_t sum = a.bytes[i] + (carry & 0xff);
    a.bytes[i] = static_cast<uint8_t>(sum);
    carry = (carry >> 8) + (sum >> 8);
  }
  return a;
}

std::string IpPrefix::to_string() const { return base.to_string() + "/" + std::to_string(length); }

}  // namespace dnsedge::edge
