#include "server/internal/udp_worker.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include "analytics/recorder.h"
#include "auth/answer.h"
#include "auth/online_sign.h"
#include "dns/message.h"
#include "dns/types.h"
#include "metrics/dns_counters.h"
#include "spdlog/spdlog.h"

namespace dnsedge::server::internal {
namespace {

constexpr uint32_t kStopTag = 0xffffffffu;
constexpr int kMaxEvents = 16;
// Batches taken from one socket before looking at the others (and at the stop eventfd) again;
// epoll is level-triggered, so what is left is reported on the next epoll_wait.
constexpr int kMaxRoundsPerWakeup = 64;
// Room for one in6_pktinfo (the larger of the two) control message.
constexpr size_t kControlSize = 64;
static_assert(CMSG_SPACE(sizeof(in6_pktinfo)) <= kControlSize);
static_assert(CMSG_SPACE(sizeof(in_pktinfo)) <= kControlSize);

// The reply goes out from the address the query was sent to; the interface index is cleared
// so the routing table picks the outgoing interface (as Knot DNS does).
void pktinfo_for_reply(msghdr* msg) noexcept {
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      info.ipi_spec_dst = info.ipi_addr;
      info.ipi_ifindex = 0;
      std::memcpy(CMSG_DATA(c), &info, sizeof info);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      info.ipi6_ifindex = 0;
      std::memcpy(CMSG_DATA(c), &info, sizeof info);
    }
  }
}

uint32_t coarse_seconds(clockid_t clock) noexcept {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint32_t>(ts.tv_sec);
}

uint64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

// Everything a batch needs, allocated once per worker.
struct UdpWorker::Buffers {
  struct Slot {
    uint8_t query[kQueryBuffer];
    uint8_t reply[dns::kMaxUdpPayload];
    sockaddr_storage peer;
    alignas(cmsghdr) uint8_t control[kControlSize];
  };
  Slot slots[kBatch];
  iovec rx_iov[kBatch];
  iovec tx_iov[kBatch];
  mmsghdr rx[kBatch];
  mmsghdr tx[kBatch];
  auth::OnlineSigner online;  // signatures made at query time for zones signed online
};

UdpWorker::UdpWorker(std::vector<UdpSocket> sockets,
                     const common::SnapshotPublisher<view::Catalog>& catalog, int stop_fd,
                     xfr::Handler* xfr, const CookieSecrets* cookies, RrlTable* rrl)
    : sockets_(std::move(sockets)),
      reader_(catalog),
      stop_fd_(stop_fd),
      xfr_(xfr),
      cookies_(cookies),
      rrl_(rrl != nullptr && rrl->enabled() ? rrl : nullptr),
      buffers_(std::make_unique<Buffers>()) {
  Buffers& b = *buffers_;
  std::memset(b.rx, 0, sizeof b.rx);
  std::memset(b.tx, 0, sizeof b.tx);
  for (unsigned i = 0; i < kBatch; ++i) {
    b.rx_iov[i] = {b.slots[i].query, sizeof b.slots[i].query};
    b.rx[i].msg_hdr.msg_iov = &b.rx_iov[i];
    b.rx[i].msg_hdr.msg_iovlen = 1;
    b.rx[i].msg_hdr.msg_name = &b.slots[i].peer;
    b.tx[i].msg_hdr.msg_iov = &b.tx_iov[i];
    b.tx[i].msg_hdr.msg_iovlen = 1;
  }
}

UdpWorker::~UdpWorker() { join(); }

void UdpWorker::set_signing_budget(uint32_t per_second) noexcept { buffers_->online.set_budget(per_second); }

Result<void> UdpWorker::start() {
  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) {
    return make_error("epoll_create1: " + std::error_code(errno, std::generic_category()).message());
  }
  auto add = [&](int fd, uint32_t tag) -> bool {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = tag;
    return epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0;
  };
  if (!add(stop_fd_, kStopTag)) {
    return make_error("epoll_ctl: " + std::error_code(errno, std::generic_category()).message());
  }
  for (uint32_t i = 0; i < sockets_.size(); ++i) {
    if (!add(sockets_[i].fd.get(), i)) {
      return make_error("epoll_ctl: " + std::error_code(errno, std::generic_category()).message());
    }
  }
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    return make_error(std::string("cannot start a UDP worker thread: ") + e.what());
  }
  return {};
}

void UdpWorker::join() {
  if (thread_.joinable()) thread_.join();
}

void UdpWorker::run() noexcept {
  epoll_event events[kMaxEvents];
  for (;;) {
    // Also on idle wake-ups: drop a snapshot that was replaced while no query came in.
    (void)reader_.get();
    if (analytics_.enabled()) analytics_.tick(analytics::monotonic_us() / 1000, analytics::minute_now());
    const int n = epoll_wait(epoll_.get(), events, kMaxEvents, kIdleRefreshMs);
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("udp worker: epoll_wait: {}", std::error_code(errno, std::generic_category()).message());
      return;
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u32 == kStopTag) return;
    }
    for (int i = 0; i < n; ++i) drain(sockets_[events[i].data.u32]);
  }
}

void UdpWorker::drain(const UdpSocket& socket) noexcept {
  Buffers& b = *buffers_;
  const int fd = socket.fd.get();
  for (int round = 0; round < kMaxRoundsPerWakeup; ++round) {
    for (unsigned i = 0; i < kBatch; ++i) {
      msghdr& h = b.rx[i].msg_hdr;
      h.msg_namelen = sizeof(sockaddr_storage);
      h.msg_control = socket.pktinfo ? b.slots[i].control : nullptr;
      h.msg_controllen = socket.pktinfo ? kControlSize : 0;
      h.msg_flags = 0;
    }
    const int received = recvmmsg(fd, b.rx, kBatch, MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: drained. Anything else (a queued ICMP error) is not ours to report.
    }
    if (received == 0) return;
    const uint64_t received_ns = monotonic_ns();  // the batch's receipt, for the latency histogram

    // One snapshot, one copy of the cookie secrets and one reading of the clocks per batch.
    const view::Catalog& catalog = reader_.get();
    auth::CookieContext cookie_ctx;
    if (cookies_ != nullptr) {
      const uint64_t g = cookies_->generation();
      if (g != secrets_generation_) {
        secrets_ = cookies_->read();
        secrets_generation_ = g;
      }
      cookie_ctx.current = &secrets_.current;
      cookie_ctx.previous = secrets_.has_previous ? &secrets_.previous : nullptr;
      cookie_ctx.now = coarse_seconds(CLOCK_REALTIME_COARSE);
    }
    const uint32_t rrl_now = rrl_ != nullptr ? coarse_seconds(CLOCK_MONOTONIC_COARSE) : 0;
    b.online.set_monotonic_ms(auth::OnlineSigner::monotonic_coarse_ms());  // its budget's window
    const bool analytics_on = analytics_.enabled();
    const uint64_t batch_us = analytics_on ? analytics::monotonic_us() : 0;
    const uint32_t minute = analytics_on ? analytics::minute_now() : 0;
    unsigned replies = 0;
    const view::ZoneView* counted_zone = nullptr;  // queries by zone: one hash per zone per batch
    uint64_t zone_key = 0;
    for (int i = 0; i < received; ++i) {
      const msghdr& in = b.rx[i].msg_hdr;
      if (in.msg_flags & MSG_TRUNC) {  // larger than any query we serve
        metrics_.drop(metrics::Transport::kUdp, metrics::Drop::kOversize);
        continue;
      }
      Buffers::Slot& slot = b.slots[i];
      const std::span<const uint8_t> query(slot.query, b.rx[i].msg_len);
      // Parsed once: the classification picks the handler, the answer engine reads the rest.
      dns::Query q;
      const dns::ParseStatus st = dns::parse_query(query, q);
      if (xfr_ != nullptr && xfr_->kind(dns::kind(q, false)) != xfr::Kind::kAnswer) [[unlikely]] {
        // Handed off (copied into the handler's preallocated queue); it replies from its thread.
        metrics_.handoff(metrics::Transport::kUdp, static_cast<uint8_t>(xfr_->kind(dns::kind(q, false))));
        msghdr& h = b.rx[i].msg_hdr;
        const bool ctl = socket.pktinfo && h.msg_controllen > 0 && !(h.msg_flags & MSG_CTRUNC);
        if (ctl) pktinfo_for_reply(&h);
        (void)xfr_->udp(fd, query, slot.peer, h.msg_namelen, ctl ? slot.control : nullptr, ctl ? h.msg_controllen : 0);
        continue;
      }
      cookie_ctx.client_ip = address_octets(slot.peer);
      auth::AnswerInfo info;
      const std::span<uint8_t> reply(slot.reply, sizeof slot.reply);
      size_t len = auth::answer(catalog, q, st, query, reply, auth::Transport::kUdp,
                                cookies_ != nullptr ? &cookie_ctx : nullptr, &info, &b.online);
      if (len == 0) {  // dropped by the answer engine
        metrics_.drop(metrics::Transport::kUdp, metrics::Drop::kUnanswerable);
        continue;
      }
      const uint16_t rcode = metrics::response_rcode(slot.reply, len, info.opt_begin);
      metrics_.answer(static_cast<uint8_t>(info.kind));
      if (info.zone != nullptr) {
        if (info.zone != counted_zone) {
          counted_zone = info.zone;
          zone_key = metrics::zone_key(info.zone->apex());
        }
        metrics_.zone(zone_key);
      }
      if (rrl_ != nullptr) {
        if (info.cookie == auth::CookieStatus::kValid) {
          slip_.cookie_exempt();
        } else if (rrl_->over(rrl_->key(slot.peer, info), rrl_now)) {
          if (slip_.limited(rrl_->options().slip) == RrlAction::kDrop) {
            metrics_.drop(metrics::Transport::kUdp, metrics::Drop::kRateLimited);
            if (dnstap_ != nullptr) dnstap_->log(catalog, q, st, false, slot.peer, socket.local, query, {});
            continue;
          }
          len = auth::truncated_response(reply, len, info);
        }
      }
      metrics_.response(metrics::Transport::kUdp, q.qtype, rcode, len, (slot.reply[2] & 0x02) != 0);
      if (dnstap_ != nullptr) dnstap_->log(catalog, q, st, false, slot.peer, socket.local, query, {slot.reply, len});
      if (analytics_on) {
        analytics_.record(analytics::Event{q.qname, q.qname_len, info.zone_len, q.qtype, rcode,
                                           static_cast<uint8_t>(info.kind),
                                           static_cast<uint32_t>(analytics::monotonic_us() - batch_us)},
                          minute);
      }
      b.tx_iov[replies] = {slot.reply, len};
      msghdr& out = b.tx[replies].msg_hdr;
      out.msg_name = &slot.peer;
      out.msg_namelen = in.msg_namelen;
      if (socket.pktinfo && in.msg_controllen > 0 && !(in.msg_flags & MSG_CTRUNC)) {
        out.msg_control = slot.control;
        out.msg_controllen = in.msg_controllen;
        pktinfo_for_reply(&out);
      } else {
        out.msg_control = nullptr;
        out.msg_controllen = 0;
      }
      ++replies;
    }

    unsigned sent = 0;
    while (sent < replies) {
      const int r = sendmmsg(fd, b.tx + sent, replies - sent, 0);
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        ++sent;  // the first message failed (unroutable peer, …): skip it, send the rest
        continue;
      }
      sent += static_cast<unsigned>(r);
    }
    if (replies > 0) metrics_.latency(metrics::Transport::kUdp, monotonic_ns() - received_ns, replies);

    if (analytics_on) analytics_.tick(analytics::monotonic_us() / 1000, minute);
    // A short batch means the queue was empty a moment ago; epoll reports anything newer.
    if (received < static_cast<int>(kBatch)) return;
  }
}

}  // namespace dnsedge::server::internal
