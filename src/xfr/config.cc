#include "xfr/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/unique_fd.h"

namespace dnsedge::xfr {

Result<Prefix> Prefix::parse(std::string_view text) {
  Prefix p;
  std::string addr(text);
  int bits = -1;
  if (const size_t slash = addr.find('/'); slash != std::string::npos) {
    const std::string b = addr.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (ec != std::errc() || ptr != b.data() + b.size() || b.empty()) {
      return make_error("'" + std::string(text) + "' is not an address or prefix: bad prefix length");
    }
    addr.resize(slash);
  }
  if (inet_pton(AF_INET, addr.c_str(), p.addr) == 1) {
    p.family = AF_INET;
    if (bits < 0) bits = 32;
    if (bits > 32) return make_error("'" + std::string(text) + "': an IPv4 prefix length is at most 32");
  } else if (inet_pton(AF_INET6, addr.c_str(), p.addr) == 1) {
    p.family = AF_INET6;
    if (bits < 0) bits = 128;
    if (bits > 128) return make_error("'" + std::string(text) + "': an IPv6 prefix length is at most 128");
  } else {
    return make_error("'" + std::string(text) + "' is not an IPv4 or IPv6 address");
  }
  p.bits = bits;
  return p;
}

bool Prefix::contains(const sockaddr_storage& a) const noexcept {
  const uint8_t* bytes = nullptr;
  uint8_t mapped[4];
  if (a.ss_family == AF_INET && family == AF_INET) {
    bytes = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in&>(a).sin_addr);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6&>(a).sin6_addr);
    if (family == AF_INET6) {
      bytes = v6;
    } else if (IN6_IS_ADDR_V4MAPPED(&reinterpret_cast<const sockaddr_in6&>(a).sin6_addr)) {
      std::memcpy(mapped, v6 + 12, 4);
      bytes = mapped;
    }
  }
  if (bytes == nullptr) return false;
  const int full = bits / 8;
  if (std::memcmp(bytes, addr, static_cast<size_t>(full)) != 0) return false;
  if (bits % 8 == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xFF << (8 - bits % 8));
  return (bytes[full] & mask) == (addr[full] & mask);
}

std::string Prefix::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, addr, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(bits);
}

Result<SourceAddress> SourceAddress::parse(std::string_view text, bool must_bind) {
  SourceAddress s;
  s.text = std::string(text);
  auto& a4 = reinterpret_cast<sockaddr_in&>(s.addr);
  auto& a6 = reinterpret_cast<sockaddr_in6&>(s.addr);
  if (inet_pton(AF_INET, s.text.c_str(), &a4.sin_addr) == 1) {
    a4.sin_family = AF_INET;
    s.len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, s.text.c_str(), &a6.sin6_addr) == 1) {
    a6.sin6_family = AF_INET6;
    s.len = sizeof(sockaddr_in6);
  } else {
    return make_error("'" + s.text + "' is not an IPv4 or IPv6 address");
  }
  if (!must_bind) return s;
  // The address must be one of this host's: binding a UDP socket to it (port 0) proves it.
  common::UniqueFd fd(::socket(s.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&s.addr), s.len) != 0) {
    return make_error("cannot send from '" + s.text + "': " + std::strerror(errno) + " (not an address of this host?)");
  }
  return s;
}

const SourceAddress* notify_source_for(const Peer& peer, const std::vector<SourceAddress>& defaults) noexcept {
  if (peer.notify_source) return &*peer.notify_source;
  for (const SourceAddress& s : defaults) {
    if (s.family() == peer.address.family) return &s;
  }
  return nullptr;
}

Result<std::vector<SourceAddress>> parse_notify_sources(const std::vector<std::string>& texts) {
  std::vector<SourceAddress> out;
  for (const std::string& text : texts) {
    auto s = SourceAddress::parse(text);
    if (!s) return s.error();
    for (const SourceAddress& o : out) {
      if (o.family() == s->family()) {
        return make_error("two notify sources of one address family ('" + o.text + "', '" + text + "'): give one IPv4 and/or one IPv6 address");
      }
    }
    out.push_back(std::move(*s));
  }
  return out;
}

Result<void> check_notify_source(const Peer& peer, std::string_view where) {
  if (!peer.notify_source || peer.notify_source->family() == peer.address.family) return {};
  return make_error(std::string(where) + "notify_source '" + peer.notify_source->text + "' is " +
                    (peer.notify_source->family() == AF_INET ? "IPv4" : "IPv6") + " but the peer's ip '" + peer.ip + "' is not");
}

std::string address_text(const sockaddr_storage& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, buf, sizeof buf);
  } else if (a.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, buf, sizeof buf);
  } else {
    return "?";
  }
  return buf;
}

AclDecision check_transfer(const Config& config, std::string_view apex, const sockaddr_storage& from,
                           const TsigKey* signed_with) {
  auto it = config.outgoing.find(std::string(apex));
  if (it == config.outgoing.end()) return {false, "no outgoing transfers are configured for the zone"};
  std::string why = "the address is not a peer of the zone";
  for (const Peer& p : it->second.peers) {
    if (!p.address.contains(from)) continue;
    if (p.key == nullptr) return {true, {}};
    if (signed_with != nullptr && signed_with->name_wire() == p.key->name_wire()) return {true, {}};
    why = "peer " + p.name + " must sign with TSIG key " + p.key->name() +
          (signed_with ? " (signed with " + signed_with->name() + ")" : " (unsigned request)");
  }
  for (const AllowEntry& e : it->second.allow) {
    if (e.prefix && !e.prefix->contains(from)) continue;
    if (e.key != nullptr && (signed_with == nullptr || signed_with->name_wire() != e.key->name_wire())) continue;
    return {true, {}};
  }
  return {false, why};
}

}  // namespace dnsedge::xfr
