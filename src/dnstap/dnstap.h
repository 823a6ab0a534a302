#pragma once
// dnstap query logging: AUTH_QUERY and AUTH_RESPONSE messages (https://dnstap.info) written as
// Frame Streams ("protobuf:dnstap.Dnstap") to a unix socket, where a collector such as
// fstrm_capture, dnstap-ldns or a dnstap pipeline listens.
//
// A Sink owns libfstrm's I/O thread (fstrm_iothr) and one bounded input queue per DNS worker
// thread. Each worker owns one Writer: it samples, encodes the message with protobuf-c into a
// buffer from the Writer's own fixed pool and hands the buffer to its own queue (an SPSC queue
// of libfstrm: no lock, no counter shared with another worker). When the queue is full, the
// pool is empty or no reader is connected, the message is dropped and counted; a worker never
// waits for the reader. The I/O thread gives each buffer back to its pool through a
// single-producer, single-consumer ring once it is written or discarded.
//
// The connection is made by the I/O thread (libfstrm's bidirectional Frame Streams handshake
// over this module's unix socket reader/writer), retried every kReconnectSeconds while no reader
// listens; a reader that stops reading is dropped after kIoTimeoutSeconds of blocked writes.
// Destroying the Sink drains every queue to the reader (fstrm_iothr_destroy) before it returns.
//
// Thread safety: Sink::open and the destructor from the controlling thread; writer(i) hands out
// the i-th Writer, which only one thread may use at a time; the counters may be read by any
// thread (metrics scrapes).

#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/message.h"
#include "dnstap/encoder.h"
#include "dnstap/options.h"
#include "view/zone_view.h"

namespace dnsedge::dnstap {

// Per-writer counts (summed by the Sink for the metrics).
struct Counts {
  uint64_t sent = 0;            // frames written to the reader
  uint64_t dropped_full = 0;    // the queue (or the buffer pool) was full
  uint64_t dropped_reader = 0;  // no reader connected, or the connection broke before writing
};

class Sink;

class Writer {
 public:
  Writer(Sink& sink, void* queue, uint32_t sample, Messages messages);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // A query answered (`response` empty: none was sent). `q` and `status` are what
  // dns::parse_query gave; `peer` is the client, `local` the address it asked. Owner thread only.
  void log(const view::Catalog& catalog, const dns::Query& q, dns::ParseStatus status, bool tcp,
           const sockaddr_storage& peer, const sockaddr_storage& local, std::span<const uint8_t> query,
           std::span<const uint8_t> response) noexcept {
    if (++tick_ < sample_) return;
    tick_ = 0;
    emit(catalog, q, status, tcp, peer, local, query, response);
  }

  Counts counts() const noexcept;

 private:
  friend class Sink;
  void emit(const view::Catalog& catalog, const dns::Query& q, dns::ParseStatus status, bool tcp,
            const sockaddr_storage& peer, const sockaddr_storage& local, std::span<const uint8_t> query,
            std::span<const uint8_t> response) noexcept;
  bool submit(const Event& e) noexcept;
  int acquire() noexcept;           // a free slot, or -1
  void release(int slot) noexcept;  // I/O thread (or the Sink's destructor)
  static void free_frame(void* buf, void* data);
  static void bump(std::atomic<uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  Sink& sink_;
  void* queue_;  // fstrm_iothr_queue
  const uint32_t sample_;
  const Messages messages_;
  uint32_t tick_ = 0;
  int spare_ = -1;                   // a slot taken from the ring whose submit failed (used next)
  std::unique_ptr<uint8_t[]> pool_;  // kPoolSlots * kSlotBytes
  // Free slots: the I/O thread appends (tail_), the owner takes (head_).
  alignas(64) std::atomic<uint32_t> head_{0};
  alignas(64) std::atomic<uint32_t> tail_{kPoolSlots};
  uint32_t ring_[kPoolSlots];
  // Written by the owner thread.
  alignas(64) std::atomic<uint64_t> dropped_full_{0};
  std::atomic<uint64_t> dropped_reader_{0};
  // Written by the I/O thread.
  alignas(64) std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> lost_{0};
};

class Sink {
 public:
  // Starts the I/O thread with `writers` input queues. Fails on a bad socket path or when
  // libfstrm cannot start; a reader that is not listening yet is not an error (warned once).
  static Result<std::unique_ptr<Sink>> open(const Options& options, unsigned writers);
  // Drains every queue to the reader (bounded by kIoTimeoutSeconds per blocked write), then
  // stops the I/O thread. Every Writer must be idle by then.
  ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  Writer* writer(size_t i) const noexcept { return i < writers_.size() ? writers_[i].get() : nullptr; }
  Counts counts() const noexcept;
  bool connected() const noexcept { return connected_.load(std::memory_order_relaxed); }
  const Options& options() const noexcept { return options_; }

 private:
  friend class Writer;
  struct Stream;
  Sink() = default;

  Options options_;
  std::atomic<bool> connected_{false};
  std::unique_ptr<Stream> stream_;  // the unix socket reader/writer libfstrm drives
  void* iothr_ = nullptr;           // fstrm_iothr
  std::vector<std::unique_ptr<Writer>> writers_;
  uint64_t collector_ = 0;
};

}  // namespace dnsedge::dnstap
