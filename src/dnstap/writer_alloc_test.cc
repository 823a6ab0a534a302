// Logging a query through a connected Writer (sampling, clock, zone lookup, protobuf-c encoding
// into a pooled buffer, libfstrm's queue) allocates nothing on the worker's thread: counted by a
// replacement operator new (common/alloc_counter.h) and a malloc that counts while this thread
// asks it to. The reader is a minimal Frame Streams receiver: the bidirectional handshake, then
// data frames counted until the writer's STOP.

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "common/alloc_counter.h"
#include "dnstap/dnstap.h"
#include "gtest/gtest.h"

namespace {
thread_local bool malloc_counting = false;
thread_local std::size_t mallocs = 0;
}  // namespace

extern "C" void* __libc_malloc(std::size_t n);
extern "C" void* malloc(std::size_t n) {
  if (malloc_counting) ++mallocs;
  return __libc_malloc(n);
}

namespace dnsedge::dnstap {
namespace {

using common::alloc_counter::allocations;
using common::alloc_counter::counting;

constexpr uint32_t kAccept = 1, kStop = 3, kFinish = 5;

bool read_all(int fd, void* p, size_t n) {
  auto* b = static_cast<uint8_t*>(p);
  while (n > 0) {
    const ssize_t r = read(fd, b, n);
    if (r <= 0) return false;
    b += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool write_all(int fd, const std::vector<uint8_t>& v) {
  return write(fd, v.data(), v.size()) == static_cast<ssize_t>(v.size());
}

void put32(std::vector<uint8_t>& v, uint32_t x) {
  const uint32_t be = htonl(x);
  const auto* p = reinterpret_cast<const uint8_t*>(&be);
  v.insert(v.end(), p, p + 4);
}

std::vector<uint8_t> control(uint32_t type, bool content_type) {
  static constexpr std::string_view kType = "protobuf:dnstap.Dnstap";
  std::vector<uint8_t> body;
  put32(body, type);
  if (content_type) {
    put32(body, 1);  // the content type field
    put32(body, static_cast<uint32_t>(kType.size()));
    body.insert(body.end(), kType.begin(), kType.end());
  }
  std::vector<uint8_t> frame;
  put32(frame, 0);  // escape: a control frame follows
  put32(frame, static_cast<uint32_t>(body.size()));
  frame.insert(frame.end(), body.begin(), body.end());
  return frame;
}

// Accepts one writer, answers READY with ACCEPT, counts data frames, answers STOP with FINISH.
void receive(int listener, std::atomic<int>& frames) {
  pollfd p{listener, POLLIN, 0};
  if (poll(&p, 1, 10000) != 1) return;
  const int fd = accept(listener, nullptr, nullptr);
  if (fd < 0) return;
  for (;;) {
    uint32_t len = 0;
    if (!read_all(fd, &len, 4)) break;
    len = ntohl(len);
    if (len != 0) {
      std::vector<uint8_t> data(len);
      if (!read_all(fd, data.data(), len)) break;
      frames.fetch_add(1);
      continue;
    }
    uint32_t clen = 0;
    if (!read_all(fd, &clen, 4)) break;
    std::vector<uint8_t> body(ntohl(clen));
    if (!read_all(fd, body.data(), body.size()) || body.size() < 4) break;
    uint32_t type = 0;
    std::memcpy(&type, body.data(), 4);
    type = ntohl(type);
    if (type == 4 && !write_all(fd, control(kAccept, true))) break;  // READY
    if (type == kStop) {
      (void)write_all(fd, control(kFinish, false));
      break;
    }
  }
  close(fd);
}

TEST(DnstapWriterAllocTest, LoggingThroughAConnectedWriterDoesNotAllocate) {
  char tmpl[] = "/tmp/dnstap_alloc.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/r.sock";
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  std::atomic<int> frames{0};
  std::thread reader([&] { receive(listener, frames); });

  Options o;
  o.socket_path = path;
  o.identity = "ns1.test";
  o.version = "dnsedge test";
  auto sink = Sink::open(o, 1);
  ASSERT_TRUE(sink) << sink.error().message;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!(*sink)->connected() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE((*sink)->connected());

  Writer* w = (*sink)->writer(0);
  auto catalog = view::Catalog::empty();
  dns::Query q;
  sockaddr_storage peer{};
  auto* in = reinterpret_cast<sockaddr_in*>(&peer);
  in->sin_family = AF_INET;
  in->sin_port = htons(5353);
  in->sin_addr.s_addr = htonl(0x7f000001);
  std::vector<uint8_t> query(40, 0x11), response(300, 0x22);
  constexpr int kQueries = 200;  // 400 frames: within one queue (512), nothing dropped
  counting = true;
  malloc_counting = true;
  for (int i = 0; i < kQueries; ++i) {
    w->log(*catalog, q, dns::ParseStatus::kOk, i % 2 == 0, peer, peer, query, response);
  }
  malloc_counting = false;
  counting = false;
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(mallocs, 0u);

  sink->reset();  // drains the queue to the reader
  reader.join();
  close(listener);
  unlink(path.c_str());
  rmdir(tmpl);
  EXPECT_EQ(frames.load(), 2 * kQueries);
}

}  // namespace
}  // namespace dnsedge::dnstap
