#include "dnstap/encoder.h"

#include <netinet/in.h>

#include <cstring>

#include "dnstap/dnstap.pb-c.h"

namespace dnsedge::dnstap {
namespace {

ProtobufCBinaryData bytes(const void* p, size_t n) noexcept {
  return ProtobufCBinaryData{n, static_cast<uint8_t*>(const_cast<void*>(p))};
}

// Fills the address and port fields from `sa` (false for a family dnstap has no value for).
bool set_address(const sockaddr_storage* sa, ProtobufCBinaryData& addr, uint32_t& port, protobuf_c_boolean& has_addr,
                 protobuf_c_boolean& has_port, int& family) noexcept {
  if (sa == nullptr) return false;
  if (sa->ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    addr = bytes(&in->sin_addr, 4);
    port = ntohs(in->sin_port);
    family = DNSTAP__SOCKET_FAMILY__INET;
  } else if (sa->ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    addr = bytes(&in6->sin6_addr, 16);
    port = ntohs(in6->sin6_port);
    family = DNSTAP__SOCKET_FAMILY__INET6;
  } else {
    return false;
  }
  has_addr = 1;
  has_port = 1;
  return true;
}

// Both structures point into `e`; they are valid while `e` is.
struct Frame {
  Dnstap__Dnstap top;
  Dnstap__Message msg;

  explicit Frame(const Event& e) noexcept {
    dnstap__dnstap__init(&top);
    dnstap__message__init(&msg);
    top.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
    top.message = &msg;
    if (!e.identity.empty()) {
      top.identity = bytes(e.identity.data(), e.identity.size());
      top.has_identity = 1;
    }
    if (!e.version.empty()) {
      top.version = bytes(e.version.data(), e.version.size());
      top.has_version = 1;
    }
    msg.type =
        e.type == MessageType::kAuthQuery ? DNSTAP__MESSAGE__TYPE__AUTH_QUERY : DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE;
    msg.socket_protocol = e.tcp ? DNSTAP__SOCKET_PROTOCOL__TCP : DNSTAP__SOCKET_PROTOCOL__UDP;
    msg.has_socket_protocol = 1;
    int family = 0;
    if (set_address(e.peer, msg.query_address, msg.query_port, msg.has_query_address, msg.has_query_port, family)) {
      msg.socket_family = static_cast<Dnstap__SocketFamily>(family);
      msg.has_socket_family = 1;
    }
    int local_family = 0;
    if (e.local != nullptr && e.local->ss_family == (e.peer != nullptr ? e.peer->ss_family : e.local->ss_family)) {
      (void)set_address(e.local, msg.response_address, msg.response_port, msg.has_response_address,
                        msg.has_response_port, local_family);
    }
    msg.query_time_sec = static_cast<uint64_t>(e.query_time.tv_sec);
    msg.query_time_nsec = static_cast<uint32_t>(e.query_time.tv_nsec);
    msg.has_query_time_sec = msg.has_query_time_nsec = 1;
    if (!e.zone.empty()) {
      msg.query_zone = bytes(e.zone.data(), e.zone.size());
      msg.has_query_zone = 1;
    }
    if (e.type == MessageType::kAuthQuery) {
      msg.query_message = bytes(e.query.data(), e.query.size());
      msg.has_query_message = 1;
    } else {
      msg.response_message = bytes(e.response.data(), e.response.size());
      msg.has_response_message = 1;
      msg.response_time_sec = static_cast<uint64_t>(e.response_time.tv_sec);
      msg.response_time_nsec = static_cast<uint32_t>(e.response_time.tv_nsec);
      msg.has_response_time_sec = msg.has_response_time_nsec = 1;
    }
  }
};

}  // namespace

size_t encoded_size(const Event& e) noexcept {
  Frame f(e);
  return dnstap__dnstap__get_packed_size(&f.top);
}

size_t encode(const Event& e, uint8_t* out, size_t cap) noexcept {
  Frame f(e);
  const size_t n = dnstap__dnstap__get_packed_size(&f.top);
  if (n > cap) return n;
  return dnstap__dnstap__pack(&f.top, out);
}

}  // namespace dnsedge::dnstap
