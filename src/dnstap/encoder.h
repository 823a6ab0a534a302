#pragma once
// One dnstap frame (a packed dnstap.Dnstap protobuf holding one Message) built with protobuf-c
// into a caller's buffer: no allocation, every byte field points at the caller's data until
// encode() returns.

#include <sys/socket.h>
#include <time.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace dnsedge::dnstap {

enum class MessageType : uint8_t { kAuthQuery = 1, kAuthResponse = 2 };

struct Event {
  MessageType type = MessageType::kAuthQuery;
  bool tcp = false;
  const sockaddr_storage* peer = nullptr;   // query_address/port (AF_INET or AF_INET6)
  const sockaddr_storage* local = nullptr;  // response_address/port; may be null
  std::span<const uint8_t> query;           // query_message (AUTH_QUERY only)
  std::span<const uint8_t> response;        // response_message (AUTH_RESPONSE only)
  std::span<const uint8_t> zone;            // query_zone, wire format; empty: none
  timespec query_time{};
  timespec response_time{};  // AUTH_RESPONSE only
  std::string_view identity;
  std::string_view version;
};

// The size of the frame encode() writes.
size_t encoded_size(const Event& e) noexcept;
// Returns the frame's size and writes it into `out` when that is at most `cap` (else writes
// nothing).
size_t encode(const Event& e, uint8_t* out, size_t cap) noexcept;

}  // namespace dnsedge::dnstap
