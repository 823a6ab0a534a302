// Sink: libfstrm's I/O thread over this module's unix socket reader/writer; Writer: the
// per-worker sampling, encoding and buffer pool.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fstrm.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include "dnstap/dnstap.h"
#include "metrics/registry.h"
#include "spdlog/spdlog.h"

namespace dnsedge::dnstap {
namespace {

constexpr std::string_view kContentType = "protobuf:dnstap.Dnstap";

std::string os_error(int err) { return std::error_code(err, std::generic_category()).message(); }

timespec now_realtime() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts;
}

}  // namespace

Result<Messages> parse_messages(std::string_view text) {
  if (text == "query") return Messages::kQuery;
  if (text == "response") return Messages::kResponse;
  if (text == "both") return Messages::kBoth;
  return make_error("dnstap messages must be query, response or both, not '" + std::string(text) + "'");
}

Result<void> check_socket_path(const std::string& path) {
  if (path.empty()) return make_error("dnstap socket path is empty");
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return make_error("dnstap socket path is too long (" + std::to_string(path.size()) + " bytes, at most " +
                      std::to_string(sizeof(sockaddr_un::sun_path) - 1) + "): " + path);
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return make_error("dnstap socket path " + path + " exists and is not a unix socket" +
                        (S_ISDIR(st.st_mode)   ? " (a directory)"
                         : S_ISREG(st.st_mode) ? " (a regular file)"
                                               : ""));
    }
  } else if (errno != ENOENT) {
    return make_error("dnstap socket path " + path + ": " + os_error(errno));
  }
  return {};
}

// The unix socket libfstrm reads and writes through (its rdwr methods): connected and closed by
// the I/O thread, with send and receive timeouts so a reader that stops reading cannot hold the
// I/O thread (and the final drain) for more than kIoTimeoutSeconds per operation.
struct Sink::Stream {
  Sink* sink = nullptr;
  std::string path;
  int fd = -1;
  bool warned = false;     // the "cannot connect" warning is logged once per outage
  bool announced = false;  // a connection was made at least once
  // The bidirectional handshake (write READY, read ACCEPT, write START): the stream counts as
  // connected once START is written.
  int phase = 0;

  // A read or write failed (the reader went away, or stopped reading for kIoTimeoutSeconds):
  // libfstrm closes the stream and reconnects.
  void broken() noexcept {
    if (sink->connected_.exchange(false, std::memory_order_relaxed)) {
      spdlog::warn(
          "dnstap: the reader at {} stopped reading or went away; messages are dropped (and counted) "
          "until it accepts again",
          path);
    }
  }

  static fstrm_res open(void* obj) {
    auto* s = static_cast<Stream*>(obj);
    if (s->fd >= 0) ::close(s->fd);  // a handshake that failed leaves it open
    s->fd = -1;
    s->phase = 0;
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fstrm_res_failure;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, s->path.data(), s->path.size());
    timeval tv{kIoTimeoutSeconds, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
      const int err = errno;
      ::close(fd);
      if (!s->warned) {
        spdlog::warn("dnstap: cannot connect to {}: {}; messages are dropped (and counted) until a reader listens",
                     s->path, os_error(err));
        s->warned = true;
      }
      return fstrm_res_failure;
    }
    s->fd = fd;
    return fstrm_res_success;
  }

  static fstrm_res close(void* obj) {
    auto* s = static_cast<Stream*>(obj);
    s->sink->connected_.store(false, std::memory_order_relaxed);
    if (s->fd >= 0) ::close(s->fd);
    s->fd = -1;
    return fstrm_res_success;
  }

  static fstrm_res read(void* obj, void* data, size_t count) {
    auto* s = static_cast<Stream*>(obj);
    auto* p = static_cast<uint8_t*>(data);
    while (count > 0) {
      const ssize_t n = ::read(s->fd, p, count);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        s->broken();
        return fstrm_res_failure;
      }
      p += n;
      count -= static_cast<size_t>(n);
    }
    if (s->phase == 0) s->phase = 1;
    return fstrm_res_success;
  }

  static fstrm_res write(void* obj, const iovec* iov, int iovcnt) {
    auto* s = static_cast<Stream*>(obj);
    iovec local[64];
    while (iovcnt > 0) {
      const int n = iovcnt < 64 ? iovcnt : 64;
      std::memcpy(local, iov, sizeof(iovec) * static_cast<size_t>(n));
      int first = 0;
      while (first < n) {
        msghdr m{};
        m.msg_iov = local + first;
        m.msg_iovlen = static_cast<size_t>(n - first);
        const ssize_t w = sendmsg(s->fd, &m, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {  // EAGAIN after the send timeout: the reader stalled
          s->broken();
          return fstrm_res_failure;
        }
        size_t left = static_cast<size_t>(w);
        while (first < n && left >= local[first].iov_len) left -= local[first++].iov_len;
        if (left > 0) {
          local[first].iov_base = static_cast<uint8_t*>(local[first].iov_base) + left;
          local[first].iov_len -= left;
        }
      }
      iov += n;
      iovcnt -= n;
    }
    if (s->phase == 1) {
      s->phase = 2;
      s->sink->connected_.store(true, std::memory_order_relaxed);
      if (s->warned || !s->announced) spdlog::info("dnstap: connected to {}", s->path);
      s->warned = false;
      s->announced = true;
    }
    return fstrm_res_success;
  }
};

Writer::Writer(Sink& sink, void* queue, uint32_t sample, Messages messages)
    : sink_(sink),
      queue_(queue),
      sample_(sample == 0 ? 1 : sample),
      messages_(messages),
      pool_(std::make_unique_for_overwrite<uint8_t[]>(size_t{kPoolSlots} * kSlotBytes)) {
  for (uint32_t i = 0; i < kPoolSlots; ++i) ring_[i] = i;
  tick_ = sample_ - 1;  // the first query is logged
}

Writer::~Writer() = default;

Counts Writer::counts() const noexcept {
  Counts c;
  c.sent = sent_.load(std::memory_order_relaxed);
  c.dropped_full = dropped_full_.load(std::memory_order_relaxed);
  c.dropped_reader = dropped_reader_.load(std::memory_order_relaxed) + lost_.load(std::memory_order_relaxed);
  return c;
}

int Writer::acquire() noexcept {
  if (spare_ >= 0) {
    const int s = spare_;
    spare_ = -1;
    return s;
  }
  const uint32_t h = head_.load(std::memory_order_relaxed);
  if (h == tail_.load(std::memory_order_acquire)) return -1;
  const int s = static_cast<int>(ring_[h % kPoolSlots]);
  head_.store(h + 1, std::memory_order_release);
  return s;
}

void Writer::release(int slot) noexcept {
  const uint32_t t = tail_.load(std::memory_order_relaxed);
  ring_[t % kPoolSlots] = static_cast<uint32_t>(slot);
  tail_.store(t + 1, std::memory_order_release);
}

// libfstrm's free callback (the I/O thread, or fstrm_iothr_destroy): a pooled buffer goes back
// to its writer's ring; a buffer of its own (an oversized frame) is freed. Whether it reached
// the reader is told by the connection state: libfstrm discards frames while no stream is open
// and closes the stream (before freeing) when a write fails.
void Writer::free_frame(void* buf, void* data) {
  auto* w = static_cast<Writer*>(data);
  auto* p = static_cast<uint8_t*>(buf);
  bump(w->sink_.connected() ? w->sent_ : w->lost_);
  const uint8_t* base = w->pool_.get();
  if (p >= base && p < base + size_t{kPoolSlots} * kSlotBytes) {
    w->release(static_cast<int>((p - base) / kSlotBytes));
  } else {
    std::free(p);
  }
}

bool Writer::submit(const Event& e) noexcept {
  const int slot = acquire();
  if (slot < 0) {
    bump(dropped_full_);
    return false;
  }
  uint8_t* buf = pool_.get() + static_cast<size_t>(slot) * kSlotBytes;
  size_t n = encode(e, buf, kSlotBytes);
  if (n > kSlotBytes) {
    // Larger than a pooled buffer (a big TCP answer): a buffer of its own, freed by libfstrm.
    spare_ = slot;
    buf = static_cast<uint8_t*>(std::malloc(n));
    if (buf == nullptr) {
      bump(dropped_full_);
      return false;
    }
    (void)encode(e, buf, n);
  }
  const fstrm_res r = fstrm_iothr_submit(static_cast<fstrm_iothr*>(sink_.iothr_),
                                         static_cast<fstrm_iothr_queue*>(queue_), buf, n, &Writer::free_frame, this);
  if (r != fstrm_res_success) {
    if (buf >= pool_.get() && buf < pool_.get() + size_t{kPoolSlots} * kSlotBytes) {
      spare_ = slot;
    } else {
      std::free(buf);
    }
    bump(dropped_full_);
    return false;
  }
  return true;
}

void Writer::emit(const view::Catalog& catalog, const dns::Query& q, dns::ParseStatus status, bool tcp,
                  const sockaddr_storage& peer, const sockaddr_storage& local, std::span<const uint8_t> query,
                  std::span<const uint8_t> response) noexcept {
  const bool want_query = (static_cast<uint8_t>(messages_) & static_cast<uint8_t>(Messages::kQuery)) != 0;
  const bool want_response =
      (static_cast<uint8_t>(messages_) & static_cast<uint8_t>(Messages::kResponse)) != 0 && !response.empty();
  const unsigned frames = (want_query ? 1u : 0u) + (want_response ? 1u : 0u);
  if (frames == 0) return;
  if (!sink_.connected()) {
    for (unsigned i = 0; i < frames; ++i) bump(dropped_reader_);
    return;
  }
  Event e;
  e.tcp = tcp;
  e.peer = &peer;
  e.local = &local;
  e.identity = sink_.options_.identity;
  e.version = sink_.options_.version;
  e.query_time = now_realtime();
  if (status == dns::ParseStatus::kOk && q.qname_len > 0) {
    const std::string_view qname(reinterpret_cast<const char*>(q.qname), q.qname_len);
    if (const view::ZoneView* z = catalog.find_zone(qname); z != nullptr) {
      e.zone = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(z->apex().data()), z->apex().size());
    }
  }
  if (want_query) {
    e.type = MessageType::kAuthQuery;
    e.query = query;
    (void)submit(e);
  }
  if (want_response) {
    e.type = MessageType::kAuthResponse;
    e.response = response;
    e.response_time = e.query_time;
    (void)submit(e);
  }
}

Result<std::unique_ptr<Sink>> Sink::open(const Options& options, unsigned writers) {
  if (auto r = check_socket_path(options.socket_path); !r) return r.error();
  if (options.sample == 0 || options.sample > kMaxSample) {
    return make_error("dnstap sample must be between 1 and " + std::to_string(kMaxSample));
  }
  if (writers == 0) writers = 1;
  std::unique_ptr<Sink> sink(new Sink());
  sink->options_ = options;
  sink->stream_ = std::make_unique<Stream>();
  sink->stream_->sink = sink.get();
  sink->stream_->path = options.socket_path;

  fstrm_rdwr* rdwr = fstrm_rdwr_init(sink->stream_.get());
  fstrm_rdwr_set_open(rdwr, &Stream::open);
  fstrm_rdwr_set_close(rdwr, &Stream::close);
  fstrm_rdwr_set_read(rdwr, &Stream::read);
  fstrm_rdwr_set_write(rdwr, &Stream::write);
  fstrm_writer_options* wopt = fstrm_writer_options_init();
  fstrm_writer_options_add_content_type(wopt, kContentType.data(), kContentType.size());
  fstrm_writer* writer = fstrm_writer_init(wopt, &rdwr);
  fstrm_writer_options_destroy(&wopt);
  if (writer == nullptr) {
    if (rdwr != nullptr) fstrm_rdwr_destroy(&rdwr);
    return make_error("dnstap: cannot set up the Frame Streams writer");
  }
  fstrm_iothr_options* iopt = fstrm_iothr_options_init();
  fstrm_iothr_options_set_num_input_queues(iopt, writers);
  fstrm_iothr_options_set_input_queue_size(iopt, kQueueEntries);
  fstrm_iothr_options_set_queue_model(iopt, FSTRM_IOTHR_QUEUE_MODEL_SPSC);
  fstrm_iothr_options_set_reopen_interval(iopt, kReconnectSeconds);
  fstrm_iothr* iothr = fstrm_iothr_init(iopt, &writer);
  fstrm_iothr_options_destroy(&iopt);
  if (iothr == nullptr) {
    if (writer != nullptr) fstrm_writer_destroy(&writer);
    return make_error("dnstap: cannot start the Frame Streams I/O thread");
  }
  sink->iothr_ = iothr;
  for (unsigned i = 0; i < writers; ++i) {
    fstrm_iothr_queue* q = fstrm_iothr_get_input_queue_idx(iothr, i);
    if (q == nullptr) return make_error("dnstap: no Frame Streams input queue for worker " + std::to_string(i));
    sink->writers_.push_back(std::make_unique<Writer>(*sink, q, options.sample, options.messages));
  }
  const Sink* self = sink.get();
  sink->collector_ = metrics::Registry::global().add_collector([self](metrics::Exposition& out) {
    const Counts c = self->counts();
    out.family("dnsedge_dnstap_sent_total", "counter", "dnstap messages written to the reader's socket.");
    out.sample("dnsedge_dnstap_sent_total", {}, c.sent);
    out.family("dnsedge_dnstap_dropped_total", "counter",
               "dnstap messages dropped, by reason (queue_full: the worker's queue or buffers were full; "
               "no_reader: no reader was connected or the connection broke).");
    out.sample("dnsedge_dnstap_dropped_total", {{"reason", "queue_full"}}, c.dropped_full);
    out.sample("dnsedge_dnstap_dropped_total", {{"reason", "no_reader"}}, c.dropped_reader);
    out.family("dnsedge_dnstap_connected", "gauge", "1 while a dnstap reader is connected.");
    out.sample("dnsedge_dnstap_connected", {}, uint64_t{self->connected() ? 1u : 0u});
  });
  spdlog::info("dnstap: AUTH {} messages of 1 in {} queries to {}",
               options.messages == Messages::kBoth    ? "query and response"
               : options.messages == Messages::kQuery ? "query"
                                                      : "response",
               options.sample, options.socket_path);
  return sink;
}

Sink::~Sink() {
  if (collector_ != 0) metrics::Registry::global().remove_collector(collector_);
  if (iothr_ != nullptr) {
    auto* iothr = static_cast<fstrm_iothr*>(iothr_);
    fstrm_iothr_destroy(&iothr);  // drains the queues to the reader, then closes the stream
    iothr_ = nullptr;
  }
}

Counts Sink::counts() const noexcept {
  Counts sum;
  for (const auto& w : writers_) {
    const Counts c = w->counts();
    sum.sent += c.sent;
    sum.dropped_full += c.dropped_full;
    sum.dropped_reader += c.dropped_reader;
  }
  return sum;
}

}  // namespace dnsedge::dnstap
