#pragma once
// dnstap's settings (--dnstap-socket, --dnstap-sample, --dnstap-messages) and their checks;
// the logging itself is dnstap/dnstap.h.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace dnsedge::dnstap {

// Which messages are written.
enum class Messages : uint8_t { kQuery = 1, kResponse = 2, kBoth = 3 };
// "query", "response" or "both".
Result<Messages> parse_messages(std::string_view text);

inline constexpr uint32_t kMaxSample = 1000000;
inline constexpr unsigned kReconnectSeconds = 1;
inline constexpr int kIoTimeoutSeconds = 2;
// Entries of each worker's libfstrm input queue (a power of two) and of its buffer pool: every
// buffer in flight sits in the input queue or in the I/O thread's output queue (64 entries).
inline constexpr unsigned kQueueEntries = 512;
inline constexpr unsigned kPoolSlots = 1024;
// A pooled buffer's size; a larger message (a big TCP answer) gets a buffer of its own.
inline constexpr size_t kSlotBytes = 1536;

struct Options {
  std::string socket_path;  // empty: dnstap off
  uint32_t sample = 1;      // one query in `sample` is logged
  Messages messages = Messages::kBoth;
  std::string identity;  // the server's name (Dnstap.identity)
  std::string version;   // the server's version (Dnstap.version)
};

// A socket path dnstap can use: not empty, short enough for sockaddr_un, and either absent (no
// reader yet) or a socket; a regular file, a directory or anything else is refused.
Result<void> check_socket_path(const std::string& path);

}  // namespace dnsedge::dnstap
