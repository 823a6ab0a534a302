#include "xfr/notify_out.h"

#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dns/name.h"
#include "dns/types.h"
#include "metrics/ops.h"
#include "spdlog/spdlog.h"
#include "xfr/tsig.h"
#include "xfr/wire.h"

namespace dnsedge::xfr {

namespace rrtype = dns::rrtype;
namespace rcode = dns::rcode;

void Service::Notifier::queue(const view::ZoneView& z, const ZoneOutgoing& out, const std::vector<SourceAddress>& sources) {
  const std::string apex(z.apex());
  const std::string soa(z.rdatas(z.soa()).front().bytes());
  for (const Peer& p : out.peers) {
    std::erase_if(pending, [&](const Pending& x) { return x.apex == apex && x.peer.id == p.id; });
    Pending n;
    n.apex = apex;
    n.serial = z.serial();
    n.peer = p;
    n.id = static_cast<uint16_t>(rng());
    if (const SourceAddress* s = notify_source_for(p, sources)) n.source = *s;
    std::memset(&n.to, 0, sizeof n.to);
    if (p.address.family == AF_INET) {
      auto& a = reinterpret_cast<sockaddr_in&>(n.to);
      a.sin_family = AF_INET;
      a.sin_port = htons(p.port);
      std::memcpy(&a.sin_addr, p.address.addr, 4);
      n.to_len = sizeof(sockaddr_in);
    } else {
      auto& a = reinterpret_cast<sockaddr_in6&>(n.to);
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(p.port);
      std::memcpy(&a.sin6_addr, p.address.addr, 16);
      n.to_len = sizeof(sockaddr_in6);
    }
    // Header: NOTIFY, AA; question apex SOA IN; answer: the new SOA (RFC 1996 §3.7).
    std::string q = apex;
    q.append({0, 6, 0, 1});
    MessageWriter w(n.id, static_cast<uint16_t>(dns::opcode::kNotify << 11 | dns::flag::kAA), q, apex, 512);
    w.add(apex, rrtype::kSOA, z.soa().ttl, soa);
    n.msg = w.take();
    if (p.key) {
      if (auto mac = sign_request(n.msg, *p.key); !mac) {
        spdlog::error("xfr: notify {} to {}: {}", dns::name_to_text(apex), p.name, mac.error().message);
        continue;
      }
    }
    n.due = Clock::now();
    pending.push_back(std::move(n));
  }
}

void Service::Notifier::tick() {
  const auto now = Clock::now();
  for (auto it = pending.begin(); it != pending.end();) {
    if (it->due > now) {
      ++it;
      continue;
    }
    if (it->attempts >= options.notify_attempts) {
      metrics::Ops::global().notify(metrics::Direction::kOut, metrics::Outcome::kFailure);
      spdlog::warn("xfr: event=notify-failed zone={} serial={} peer={} ({}:{}) reason=\"no reply after {} attempts\"",
                   dns::name_to_text(it->apex), it->serial, it->peer.name, it->peer.ip, it->peer.port, it->attempts);
      it = pending.erase(it);
      continue;
    }
    common::UniqueFd& fd = socket_for(*it);
    if (fd.valid()) {
      (void)::sendto(fd.get(), it->msg.data(), it->msg.size(), 0, reinterpret_cast<const sockaddr*>(&it->to), it->to_len);
      stats->notifies_sent++;
    }
    ++it->attempts;
    it->due = now + options.notify_first_retry * (1u << std::min(it->attempts - 1, 10u));
    ++it;
  }
}

common::UniqueFd& Service::Notifier::socket_for(const Pending& p) {
  const std::string key = p.source ? p.source->text : p.to.ss_family == AF_INET ? "" : "6";
  Socket& s = sockets[key];
  if (s.fd.valid()) return s.fd;
  s.fd.reset(::socket(p.to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (s.fd.valid() && p.source &&
      ::bind(s.fd.get(), reinterpret_cast<const sockaddr*>(&p.source->addr), p.source->len) != 0) {
    if (!s.failed) {
      spdlog::error("xfr: event=notify-source-failed source={} reason=\"{}\"", key, std::strerror(errno));
    }
    s.failed = true;
    s.fd.reset();
  } else {
    s.failed = false;
  }
  return s.fd;
}

void Service::Notifier::receive() {
  for (auto& [key, sock] : sockets) {
    common::UniqueFd* fd = &sock.fd;
    if (!fd->valid()) continue;
    for (;;) {
      uint8_t buf[4096];
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      const ssize_t n = ::recvfrom(fd->get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 0) break;
      if (n < static_cast<ssize_t>(dns::kHeaderSize) || !(buf[2] & 0x80) || ((buf[2] >> 3) & 0xF) != dns::opcode::kNotify) continue;
      const uint16_t id = static_cast<uint16_t>(buf[0] << 8 | buf[1]);
      for (auto it = pending.begin(); it != pending.end(); ++it) {
        if (it->id != id || !it->peer.address.contains(from)) continue;
        const uint8_t rc = buf[3] & 0xF;
        if (rc == rcode::kNoError) {
          metrics::Ops::global().notify(metrics::Direction::kOut, metrics::Outcome::kSuccess);
          spdlog::info("xfr: event=notify-acked zone={} serial={} peer={}", dns::name_to_text(it->apex), it->serial, it->peer.name);
        } else {
          metrics::Ops::global().notify(metrics::Direction::kOut, metrics::Outcome::kFailure);
          spdlog::warn("xfr: event=notify-rejected zone={} serial={} peer={} rcode={}", dns::name_to_text(it->apex),
                       it->serial, it->peer.name, rc);
        }
        stats->notifies_acked++;
        pending.erase(it);
        break;
      }
    }
  }
}

std::vector<pollfd> Service::Notifier::poll_fds() const {
  std::vector<pollfd> fds;
  for (const auto& [key, sock] : sockets) {
    if (sock.fd.valid()) fds.push_back(pollfd{sock.fd.get(), POLLIN, 0});
  }
  return fds;
}

}  // namespace dnsedge::xfr
