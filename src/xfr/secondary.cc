#include "xfr/secondary.h"

extern "C" {
#include <libknot/libknot.h>
}

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>

#include "common/thread_priority.h"
#include "common/unique_fd.h"
#include "dns/name.h"
#include "dns/types.h"
#include "metrics/ops.h"
#include "metrics/registry.h"
#include "spdlog/spdlog.h"
#include "xfr/tsig.h"
#include "xfr/wire.h"

namespace dnsedge::xfr {
namespace {

namespace rrtype = dns::rrtype;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxTransferBytes = size_t{1} << 30;  // a stream larger than this is refused
constexpr size_t kMaxRecords = 20'000'000;

struct PktDeleter {
  void operator()(knot_pkt_t* p) const noexcept { knot_pkt_free(p); }
};

uint32_t rd32(const std::string& s, size_t off) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4 && off + i < s.size(); ++i) v = v << 8 | static_cast<uint8_t>(s[off + i]);
  return v;
}

// Offset of the serial in SOA rdata (after mname and rname), or npos.
size_t soa_serial_offset(const std::string& rd) {
  size_t off = 0;
  for (int names = 0; names < 2; ++names) {
    while (off < rd.size() && rd[off] != 0) off += 1 + static_cast<uint8_t>(rd[off]);
    ++off;
  }
  return off + 20 <= rd.size() ? off : std::string::npos;
}

uint32_t soa_field(const std::string& rd, int i) {  // 0 serial, 1 refresh, 2 retry, 3 expire, 4 minimum
  const size_t off = soa_serial_offset(rd);
  return off == std::string::npos ? 0 : rd32(rd, off + 4 * static_cast<size_t>(i));
}

Result<common::UniqueFd> connect_to(const Peer& p, std::chrono::milliseconds timeout) {
  sockaddr_storage to{};
  socklen_t len = 0;
  if (p.address.family == AF_INET) {
    auto& a = reinterpret_cast<sockaddr_in&>(to);
    a.sin_family = AF_INET;
    a.sin_port = htons(p.port);
    std::memcpy(&a.sin_addr, p.address.addr, 4);
    len = sizeof(sockaddr_in);
  } else {
    auto& a = reinterpret_cast<sockaddr_in6&>(to);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(p.port);
    std::memcpy(&a.sin6_addr, p.address.addr, 16);
    len = sizeof(sockaddr_in6);
  }
  common::UniqueFd fd(::socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return make_error(std::string("socket: ") + std::strerror(errno));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), len) != 0) {
    return make_error(std::string("cannot connect: ") + std::strerror(errno));
  }
  return fd;
}

Result<void> send_msg(int fd, const std::vector<uint8_t>& msg) {
  std::vector<uint8_t> out;
  out.reserve(msg.size() + 2);
  out.push_back(static_cast<uint8_t>(msg.size() >> 8));
  out.push_back(static_cast<uint8_t>(msg.size()));
  out.insert(out.end(), msg.begin(), msg.end());
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return make_error(std::string("send: ") + (n < 0 ? std::strerror(errno) : "closed"));
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<void> recv_exact(int fd, uint8_t* p, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd, p + got, n - got, 0);
    if (r == 0) return make_error("the connection was closed before the transfer ended (truncated stream)");
    if (r < 0) {
      if (errno == EINTR) continue;
      return make_error(errno == EAGAIN ? std::string("timed out waiting for the primary")
                                        : std::string("recv: ") + std::strerror(errno));
    }
    got += static_cast<size_t>(r);
  }
  return {};
}

Result<std::vector<uint8_t>> recv_msg(int fd) {
  uint8_t len[2];
  if (auto r = recv_exact(fd, len, 2); !r) return r.error();
  const size_t n = size_t{len[0]} << 8 | len[1];
  if (n < dns::kHeaderSize) return make_error("broken framing: a " + std::to_string(n) + "-octet message");
  std::vector<uint8_t> msg(n);
  if (auto r = recv_exact(fd, msg.data(), n); !r) return r.error();
  return msg;
}

std::vector<uint8_t> make_query(uint16_t id, std::string_view apex, uint16_t qtype, const dns::ZoneRecord* soa) {
  std::string q(apex);
  q.push_back(static_cast<char>(qtype >> 8));
  q.push_back(static_cast<char>(qtype));
  q.append({0, 1});
  MessageWriter w(id, 0, q, apex, 65535);
  if (soa != nullptr) w.add(soa->owner, rrtype::kSOA, soa->ttl, soa->rdata);
  auto m = w.take();
  if (soa != nullptr) {  // the SOA goes in the authority section (RFC 1995 §3)
    m[6] = 0;
    m[7] = 0;
    m[8] = 0;
    m[9] = 1;
  }
  return m;
}

// One reply message, checked: id, QR, RCODE, question, TSIG. Its answer RRs, canonical.
struct Reply {
  std::vector<dns::ZoneRecord> rrs;
};

Result<Reply> read_reply(std::vector<uint8_t>& wire, uint16_t id, std::string_view apex, uint16_t qtype, const Peer& p,
                         std::vector<uint8_t>& mac, bool first) {
  std::unique_ptr<knot_pkt_t, PktDeleter> pkt(knot_pkt_new(wire.data(), static_cast<uint16_t>(wire.size()), nullptr));
  if (!pkt) return make_error("out of memory");
  if (const int rc = knot_pkt_parse(pkt.get(), 0); rc != KNOT_EOK) {
    return make_error(std::string("malformed message: ") + knot_strerror(rc));
  }
  if (knot_wire_get_id(pkt->wire) != id || !knot_wire_get_qr(pkt->wire)) return make_error("a reply to another query");
  if (p.key) {
    if (auto r = check_response(pkt->tsig_rr, std::span<const uint8_t>(pkt->wire, pkt->size), *p.key, mac, first); !r) {
      return r.error();
    }
  } else if (pkt->tsig_rr != nullptr && first) {
    return make_error("the reply is signed but no key is configured for this primary");
  }
  const uint8_t rcode = knot_wire_get_rcode(pkt->wire);
  if (rcode != KNOT_RCODE_NOERROR) return make_error("the primary answered " + dns::rcode_to_string(rcode));
  if (knot_wire_get_qdcount(pkt->wire) > 0) {
    std::string qn(reinterpret_cast<const char*>(knot_pkt_qname(pkt.get())), knot_dname_size(knot_pkt_qname(pkt.get())));
    for (char& c : qn) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (qn != apex || knot_pkt_qtype(pkt.get()) != qtype) return make_error("the reply's question is not ours (wrong zone)");
  } else if (first) {
    return make_error("the first reply message has no question");
  }
  Reply out;
  const knot_pktsection_t* an = knot_pkt_section(pkt.get(), KNOT_ANSWER);
  for (uint16_t i = 0; i < an->count; ++i) {
    auto* rr = const_cast<knot_rrset_t*>(knot_pkt_rr(an, i));
    if (rr->rclass != KNOT_CLASS_IN) return make_error("a record of class " + std::to_string(rr->rclass) + " (not IN)");
    knot_dname_to_lower(rr->owner);
    (void)knot_rrset_rr_to_canonical(rr);
    std::string owner(reinterpret_cast<const char*>(rr->owner), knot_dname_size(rr->owner));
    if (!dns::is_subdomain(owner, apex)) {
      return make_error("record " + dns::name_to_text(owner) + " is outside the zone " + dns::name_to_text(apex));
    }
    for (uint16_t k = 0; k < rr->rrs.count; ++k) {
      const knot_rdata_t* rd = knot_rdataset_at(&rr->rrs, k);
      dns::ZoneRecord z;
      z.owner = owner;
      z.type = rr->type;
      z.ttl = rr->ttl;
      z.rdata.assign(reinterpret_cast<const char*>(rd->data), rd->len);
      out.rrs.push_back(std::move(z));
    }
  }
  return out;
}

bool same_rr(const dns::ZoneRecord& a, const dns::ZoneRecord& b) {
  return a.owner == b.owner && a.type == b.type && a.rdata == b.rdata;
}

}  // namespace

Result<std::vector<dns::ZoneRecord>> apply_ixfr(const std::vector<dns::ZoneRecord>& records,
                                                const std::vector<dns::ZoneRecord>& stream, uint32_t from) {
  // stream: SOA(old) dels... SOA(new) adds... [SOA(old) ...]* SOA(final)
  std::vector<dns::ZoneRecord> cur = records;
  size_t i = 0;
  uint32_t at = from;
  while (i + 1 < stream.size()) {
    if (stream[i].type != rrtype::kSOA) return make_error("IXFR: a delta does not start with a SOA");
    if (soa_field(stream[i].rdata, 0) != at) return make_error("IXFR: a delta starts at serial " +
                                                               std::to_string(soa_field(stream[i].rdata, 0)) +
                                                               ", expected " + std::to_string(at));
    ++i;
    for (; i < stream.size() && stream[i].type != rrtype::kSOA; ++i) {
      auto it = std::find_if(cur.begin(), cur.end(), [&](const dns::ZoneRecord& r) { return same_rr(r, stream[i]); });
      if (it == cur.end()) return make_error("IXFR: deletes " + dns::name_to_text(stream[i].owner) + ", which we do not hold");
      cur.erase(it);
    }
    if (i >= stream.size()) return make_error("IXFR: a delta has no second SOA");
    const dns::ZoneRecord& soa = stream[i];
    const uint32_t next = soa_field(soa.rdata, 0);
    if (!serial_newer(next, at)) return make_error("IXFR: a delta goes from serial " + std::to_string(at) + " back to " + std::to_string(next));
    ++i;
    for (; i < stream.size() && stream[i].type != rrtype::kSOA; ++i) {
      if (std::none_of(cur.begin(), cur.end(), [&](const dns::ZoneRecord& r) { return same_rr(r, stream[i]); })) {
        cur.push_back(stream[i]);
      }
    }
    // The zone's own SOA is replaced by the delta's.
    std::erase_if(cur, [](const dns::ZoneRecord& r) { return r.type == rrtype::kSOA; });
    cur.insert(cur.begin(), soa);
    at = next;
  }
  return cur;
}

Result<PullResult> pull_zone(std::string_view apex, const Peer& p, const PulledZone* current,
                             std::chrono::milliseconds timeout) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  auto fd = connect_to(p, timeout);
  if (!fd) return fd.error();
  // 1. SOA.
  uint16_t id = static_cast<uint16_t>(rng());
  auto q = make_query(id, apex, rrtype::kSOA, nullptr);
  std::vector<uint8_t> mac;
  if (p.key) {
    auto m = sign_request(q, *p.key);
    if (!m) return m.error();
    mac = *m;
  }
  if (auto r = send_msg(fd->get(), q); !r) return r.error();
  auto soa_msg = recv_msg(fd->get());
  if (!soa_msg) return soa_msg.error();
  auto soa_reply = read_reply(*soa_msg, id, apex, rrtype::kSOA, p, mac, true);
  if (!soa_reply) return make_error("SOA query: " + soa_reply.error().message);
  const dns::ZoneRecord* soa = nullptr;
  for (const auto& r : soa_reply->rrs) {
    if (r.type == rrtype::kSOA && r.owner == apex) soa = &r;
  }
  if (soa == nullptr) return make_error("SOA query: the answer has no SOA of the zone");
  PullResult out;
  out.primary_serial = soa_field(soa->rdata, 0);
  const uint32_t ours = current ? current->serial : 0;
  if (current != nullptr && !serial_newer(out.primary_serial, ours)) {
    if (out.primary_serial != ours) {
      return make_error("the primary's serial " + std::to_string(out.primary_serial) + " is older than ours (" +
                        std::to_string(ours) + "): the serial went backwards");
    }
    return out;  // up to date
  }
  // 2. Transfer.
  const uint16_t qtype = current ? rrtype::kIXFR : rrtype::kAXFR;
  id = static_cast<uint16_t>(rng());
  q = make_query(id, apex, qtype, current ? &current->records.front() : nullptr);
  if (p.key) {
    auto m = sign_request(q, *p.key);
    if (!m) return m.error();
    mac = *m;
  }
  if (auto r = send_msg(fd->get(), q); !r) return r.error();
  std::vector<dns::ZoneRecord> rrs;
  size_t bytes = 0;
  bool first = true;
  uint32_t new_serial = 0;
  bool incremental = false;
  for (;;) {
    auto msg = recv_msg(fd->get());
    if (!msg) return msg.error();
    bytes += msg->size();
    if (bytes > kMaxTransferBytes) return make_error("the transfer is larger than 1 GiB");
    auto reply = read_reply(*msg, id, apex, qtype, p, mac, first);
    if (!reply) return reply.error();
    if (first) {
      if (reply->rrs.empty() || reply->rrs.front().type != rrtype::kSOA || reply->rrs.front().owner != apex) {
        return make_error("the transfer does not start with the zone's SOA");
      }
      new_serial = soa_field(reply->rrs.front().rdata, 0);
      if (current != nullptr && !serial_newer(new_serial, ours)) {
        if (new_serial == ours && reply->rrs.size() == 1) return out;  // IXFR: up to date
        return make_error("the transfer's serial " + std::to_string(new_serial) + " is not newer than ours (" +
                          std::to_string(ours) + "): the serial went backwards");
      }
      if (serial_newer(out.primary_serial, new_serial)) {
        return make_error("the transfer's serial " + std::to_string(new_serial) + " is older than the SOA's " +
                          std::to_string(out.primary_serial));
      }
    }
    for (auto& r : reply->rrs) rrs.push_back(std::move(r));
    if (rrs.size() > kMaxRecords) return make_error("the transfer has more than 20 million records");
    first = false;
    // Complete when the last RR is the final SOA (not the leading one, and for IXFR not a
    // delta's SOA: the final SOA carries new_serial and ends a message).
    if (rrs.size() >= 2 && rrs.back().type == rrtype::kSOA && rrs.back().owner == apex &&
        soa_field(rrs.back().rdata, 0) == new_serial) {
      incremental = qtype == rrtype::kIXFR && rrs[1].type == rrtype::kSOA;
      if (!incremental) break;
      // Incremental: the final SOA follows an "adds" half; count SOAs: 1 + 2 per delta + 1.
      size_t soas = 0;
      for (const auto& r : rrs) soas += r.type == rrtype::kSOA;
      if (soas >= 4 && soas % 2 == 0) break;
    }
  }
  out.kind = PullResult::Kind::kNewData;
  out.zone.apex = std::string(apex);
  out.zone.serial = new_serial;
  out.zone.primary = p.name;
  if (incremental) {
    std::vector<dns::ZoneRecord> stream(rrs.begin() + 1, rrs.end());
    auto applied = apply_ixfr(current->records, stream, ours);
    if (!applied) return applied.error();
    out.zone.records = std::move(*applied);
    out.zone.how = "IXFR";
  } else {
    rrs.pop_back();  // the closing SOA
    size_t soas = 0;
    for (const auto& r : rrs) soas += r.type == rrtype::kSOA;
    if (soas != 1) return make_error("the zone has " + std::to_string(soas) + " SOA records");
    out.zone.records = std::move(rrs);
    out.zone.how = qtype == rrtype::kIXFR ? "IXFR-AXFR" : "AXFR";
  }
  return out;
}

// ---- the refresh loop ------------------------------------------------------------------------

struct Secondary::State {
  std::optional<PulledZone> data;
  SteadyClock::time_point next_check = SteadyClock::now();
  std::chrono::system_clock::time_point confirmed{};
  bool expired = false;
};

Secondary::Secondary(SecondaryOptions options) : options_(std::move(options)), config_(std::make_shared<Config>()) {}

Secondary::~Secondary() { stop(); }

void Secondary::start() {
  // Freshness of each secondary zone (the zone label is bounded by the configured secondaries).
  metrics_collector_ = metrics::Registry::global().add_collector([this](metrics::Exposition& e) {
    e.family("dnsedge_secondary_seconds_since_refresh", "gauge",
             "Seconds since a primary last confirmed the secondary zone's data (transfer or current SOA).");
    common::MutexLock lock(mu_);
    const auto now = std::chrono::system_clock::now();
    for (const auto& [apex, st] : zones_) {
      if (!st->data) continue;
      e.sample("dnsedge_secondary_seconds_since_refresh", {{"zone", dns::name_to_text(apex)}},
               std::chrono::duration<double>(now - st->confirmed).count());
    }
    e.family("dnsedge_secondary_expired", "gauge",
             "1 when the secondary zone is past its SOA expire (answers SERVFAIL).");
    for (const auto& [apex, st] : zones_) {
      if (!st->data) continue;
      e.sample("dnsedge_secondary_expired", {{"zone", dns::name_to_text(apex)}}, uint64_t{st->expired ? 1u : 0u});
    }
  });
  thread_ = std::thread([this] {
    common::lower_thread_priority();
    run();
  });
}

void Secondary::stop() {
  if (metrics_collector_ != 0) metrics::Registry::global().remove_collector(std::exchange(metrics_collector_, 0));
  {
    common::MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Secondary::set_config(std::shared_ptr<const Config> config) {
  {
    common::MutexLock lock(mu_);
    config_ = std::move(config);
    for (auto it = zones_.begin(); it != zones_.end();) {
      it = config_->incoming.count(it->first) ? std::next(it) : zones_.erase(it);
    }
    for (const auto& [apex, in] : config_->incoming) {
      auto& st = zones_[apex];
      if (!st) st = std::make_unique<State>();
      st->next_check = SteadyClock::now();  // new or changed configuration: check now
    }
  }
  cv_.notify_all();
}

void Secondary::seed(const PulledZone& zone, std::chrono::system_clock::time_point confirmed) {
  common::MutexLock lock(mu_);
  auto& st = zones_[zone.apex];
  if (!st) st = std::make_unique<State>();
  st->data = zone;
  st->confirmed = confirmed;
}

bool Secondary::notify(const std::string& apex) {
  {
    common::MutexLock lock(mu_);
    auto it = zones_.find(apex);
    if (it == zones_.end()) return false;
    it->second->next_check = SteadyClock::now();
  }
  cv_.notify_all();
  return true;
}

void Secondary::run() {
  common::UniqueLock lock(mu_);
  while (!stopping_) {
    auto next = SteadyClock::now() + std::chrono::seconds(60);
    std::string due;
    for (auto& [apex, st] : zones_) {
      if (!config_->incoming.count(apex)) continue;
      if (st->next_check <= SteadyClock::now()) {
        due = apex;
        break;
      }
      next = std::min(next, st->next_check);
    }
    if (due.empty()) {
      cv_.wait_until(lock.native(), next);
      continue;
    }
    const ZoneIncoming in = config_->incoming.at(due);
    State& st = *zones_.at(due);
    st.next_check = SteadyClock::now() + std::chrono::hours(24);  // not picked again while checking
    State work;
    work.data = st.data;
    work.confirmed = st.confirmed;
    work.expired = st.expired;
    lock.unlock();
    try {
      check(due, work, in);
    } catch (const std::exception& e) {
      spdlog::error("xfr: secondary {}: {}", dns::name_to_text(due), e.what());
      work.next_check = SteadyClock::now() + options_.min_retry;
    }
    lock.lock();
    if (auto it = zones_.find(due); it != zones_.end()) {
      State& s = *it->second;
      const bool notified = s.next_check < SteadyClock::now() + std::chrono::hours(23);
      s.data = std::move(work.data);
      s.confirmed = work.confirmed;
      s.expired = work.expired;
      s.next_check = notified ? std::min(s.next_check, work.next_check) : work.next_check;
    }
  }
}

void Secondary::check(const std::string& apex, State& st, const ZoneIncoming& in) {
  const std::string zone = dns::name_to_text(apex);
  const auto now = std::chrono::system_clock::now();
  uint32_t refresh = 3600, retry = 600, expire = 604800;
  if (st.data && !st.data->records.empty()) {
    const auto& rd = st.data->records.front().rdata;
    refresh = soa_field(rd, 1);
    retry = soa_field(rd, 2);
    expire = soa_field(rd, 3);
  }
  for (const Peer& p : in.primaries) {
    auto r = pull_zone(apex, p, st.data ? &*st.data : nullptr, options_.timeout);
    if (!r) {
      metrics::Ops::global().transfer(metrics::Direction::kIn, metrics::Outcome::kFailure);
      spdlog::warn("xfr: event=xfr-in-rejected zone={} primary={} ({}:{}) reason=\"{}\"", zone, p.name, p.ip, p.port,
                   r.error().message);
      continue;
    }
    st.confirmed = now;
    if (r->kind == PullResult::Kind::kNewData) {
      metrics::Ops::global().transfer(metrics::Direction::kIn, metrics::Outcome::kSuccess);
      spdlog::info("xfr: event=xfr-in type={} zone={} serial={} primary={} records={}", r->zone.how, zone, r->zone.serial,
                   p.name, r->zone.records.size());
      st.data = std::move(r->zone);
      st.expired = false;
      if (options_.on_zone) options_.on_zone(*st.data);
      const auto& rd = st.data->records.front().rdata;
      refresh = soa_field(rd, 1);
    } else {
      spdlog::info("xfr: event=xfr-in-current zone={} serial={} primary={}", zone, r->primary_serial, p.name);
      if (st.expired && st.data) {
        st.expired = false;
        if (options_.on_zone) options_.on_zone(*st.data);
      }
    }
    const uint32_t every = in.auto_refresh ? in.auto_refresh : std::max<uint32_t>(refresh, 1);
    st.next_check = SteadyClock::now() + std::chrono::seconds(every);
    return;
  }
  // Every primary failed: retry, and expire when the data is too old (RFC 1034 §4.3.5).
  st.next_check = SteadyClock::now() + std::max<std::chrono::seconds>(options_.min_retry, std::chrono::seconds(retry));
  if (st.data && !st.expired && now - st.confirmed >= std::chrono::seconds(expire)) {
    st.expired = true;
    spdlog::warn("xfr: event=zone-expired zone={} serial={} reason=\"no primary answered for {} s (SOA expire)\"", zone,
                 st.data->serial, expire);
    if (options_.on_expired) options_.on_expired(apex);
  }
}

}  // namespace dnsedge::xfr
