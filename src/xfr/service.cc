#include "xfr/service.h"

extern "C" {
#include <libknot/libknot.h>
}

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>

#include "auth/answer.h"
#include "common/thread_priority.h"
#include "dns/name.h"
#include "dns/types.h"
#include "metrics/ops.h"
#include "spdlog/spdlog.h"
#include "xfr/notify_out.h"

namespace dnsedge::xfr {
namespace {

namespace rrtype = dns::rrtype;
namespace rcode = dns::rcode;

constexpr size_t kMaxMessage = 65535;
constexpr size_t kUdpQueryMax = 4096;
constexpr size_t kControlMax = 64;
constexpr size_t kQueueSlots = 128;  // a power of two

std::string lower_wire(const uint8_t* name) {
  std::string s(reinterpret_cast<const char*>(name), knot_dname_size(name));
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string soa_rdata(const view::ZoneView& z) {
  return std::string(z.rdatas(z.soa()).front().bytes());
}

// ---- message streams -------------------------------------------------------------------------

class VectorStream final : public MessageStream {
 public:
  explicit VectorStream(std::vector<std::vector<uint8_t>> msgs) : msgs_(std::move(msgs)) {}
  std::optional<std::vector<uint8_t>> next() override {
    if (i_ >= msgs_.size()) return std::nullopt;
    return std::move(msgs_[i_++]);
  }

 private:
  std::vector<std::vector<uint8_t>> msgs_;
  size_t i_ = 0;
};

struct RrRef {
  std::string_view owner;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string_view rdata;
};

class RrSource {
 public:
  virtual ~RrSource() = default;
  virtual bool next(RrRef& out) = 0;
};

// SOA, every other RR of the view, SOA (RFC 5936 §2.2).
class ViewSource final : public RrSource {
 public:
  // `extra`: RRs sent after the view's own (a signed zone's NSEC chain).
  explicit ViewSource(const view::ZoneView& z, std::vector<Rr> extra = {})
      : z_(z), soa_(soa_rdata(z)), extra_(std::move(extra)) {}
  bool next(RrRef& out) override {
    if (phase_ == 0) {
      out = {z_.apex(), rrtype::kSOA, z_.soa().ttl, soa_};
      phase_ = 1;
      return true;
    }
    while (phase_ == 1) {
      if (node_ >= z_.node_count()) {
        phase_ = 2;
        break;
      }
      const view::Node& n = z_.node(node_);
      if (set_ >= n.rrset_count) {
        ++node_;
        set_ = 0;
        rr_ = 0;
        continue;
      }
      const view::RRset& s = z_.rrsets_begin(n)[set_];
      if ((node_ == z_.apex_node() && s.type == rrtype::kSOA) || rr_ >= s.count) {
        ++set_;
        rr_ = 0;
        rd_ = {};
        continue;
      }
      if (rr_ == 0) rd_ = z_.rdatas(s).begin();
      out = {z_.node_name(n), s.type, rr_ttl(s.type, s.ttl, (*rd_).bytes()), (*rd_).bytes()};
      ++rd_;
      ++rr_;
      return true;
    }
    if (phase_ == 2 && extra_i_ < extra_.size()) {
      const Rr& r = extra_[extra_i_++];
      out = {r.owner, r.type, r.ttl, r.rdata};
      return true;
    }
    if (phase_ == 2) {
      out = {z_.apex(), rrtype::kSOA, z_.soa().ttl, soa_};
      phase_ = 3;
      return true;
    }
    return false;
  }

 private:
  const view::ZoneView& z_;
  std::string soa_;
  int phase_ = 0;
  uint32_t node_ = 0, set_ = 0;
  uint16_t rr_ = 0;
  view::RdataIterator rd_;  // the next RR of the current RRset
  std::vector<Rr> extra_;
  size_t extra_i_ = 0;
};

class ListSource final : public RrSource {
 public:
  explicit ListSource(std::vector<Rr> rrs) : rrs_(std::move(rrs)) {}
  bool next(RrRef& out) override {
    if (i_ >= rrs_.size()) return false;
    const Rr& r = rrs_[i_++];
    out = {r.owner, r.type, r.ttl, r.rdata};
    return true;
  }

 private:
  std::vector<Rr> rrs_;
  size_t i_ = 0;
};

// Packs RRs into messages of at most 64 KiB, signing each when the request was signed.
class TransferStream final : public MessageStream {
 public:
  TransferStream(std::shared_ptr<const view::Catalog> snapshot, std::unique_ptr<RrSource> src, uint16_t id,
                 uint16_t flags, std::string question, std::string apex, Signer signer, std::string what)
      : snapshot_(std::move(snapshot)),
        src_(std::move(src)),
        signer_(std::move(signer)),
        writer_(id, flags, question, apex, kMaxMessage - signer_.reserve()),
        what_(std::move(what)) {}

  std::optional<std::vector<uint8_t>> next() override {
    if (done_) return std::nullopt;
    bool finished = false;
    for (;;) {
      if (!pending_) {
        if (!src_->next(rr_)) {
          finished = true;
          break;
        }
        pending_ = true;
      }
      if (writer_.add(rr_.owner, rr_.type, rr_.ttl, rr_.rdata)) {
        pending_ = false;
        continue;
      }
      if (writer_.count() == 0) {  // one RR larger than a message: cannot be sent
        spdlog::error("xfr: {}: an RR does not fit in a message; transfer aborted", what_);
        done_ = true;
        return std::nullopt;
      }
      break;
    }
    bytes_ += writer_.size();
    std::vector<uint8_t> msg = writer_.take();
    if (auto r = signer_.sign(msg); !r) {
      spdlog::error("xfr: {}: {}", what_, r.error().message);
      done_ = true;
      return std::nullopt;
    }
    ++messages_;
    if (finished) {
      done_ = true;
      spdlog::info("xfr: {} done: {} message(s), {} bytes", what_, messages_, bytes_);
    }
    return msg;
  }

 private:
  std::shared_ptr<const view::Catalog> snapshot_;  // keeps the views the source reads alive
  std::unique_ptr<RrSource> src_;
  Signer signer_;
  MessageWriter writer_;
  std::string what_;
  RrRef rr_;
  bool pending_ = false;
  bool done_ = false;
  size_t messages_ = 0, bytes_ = 0;
};

std::unique_ptr<MessageStream> single(std::vector<uint8_t> msg) {
  std::vector<std::vector<uint8_t>> v;
  if (!msg.empty()) v.push_back(std::move(msg));
  return std::make_unique<VectorStream>(std::move(v));
}

struct PktDeleter {
  void operator()(knot_pkt_t* p) const noexcept { knot_pkt_free(p); }
};

}  // namespace

// ---- UDP hand-off queue (bounded MPMC, D. Vyukov's design): no allocation, no lock -----------

struct Service::UdpQueue {
  struct Cell {
    std::atomic<size_t> seq{0};
    int fd = -1;
    size_t len = 0;
    uint8_t data[kUdpQueryMax];
    sockaddr_storage peer{};
    socklen_t peer_len = 0;
    alignas(cmsghdr) uint8_t control[kControlMax];
    size_t control_len = 0;
  };
  std::array<Cell, kQueueSlots> cells;
  alignas(64) std::atomic<size_t> head{0};
  alignas(64) std::atomic<size_t> tail{0};

  UdpQueue() {
    for (size_t i = 0; i < kQueueSlots; ++i) cells[i].seq.store(i, std::memory_order_relaxed);
  }

  template <typename Fill>
  bool push(Fill&& fill) noexcept {
    size_t pos = tail.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cells[pos & (kQueueSlots - 1)];
      const size_t seq = c.seq.load(std::memory_order_acquire);
      const intptr_t dif = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos);
      if (dif == 0) {
        if (tail.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          fill(c);
          c.seq.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (dif < 0) {
        return false;  // full
      } else {
        pos = tail.load(std::memory_order_relaxed);
      }
    }
  }

  template <typename Use>
  bool pop(Use&& use) {
    size_t pos = head.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cells[pos & (kQueueSlots - 1)];
      const size_t seq = c.seq.load(std::memory_order_acquire);
      const intptr_t dif = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos + 1);
      if (dif == 0) {
        if (head.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          use(c);
          c.seq.store(pos + kQueueSlots, std::memory_order_release);
          return true;
        }
      } else if (dif < 0) {
        return false;  // empty
      } else {
        pos = head.load(std::memory_order_relaxed);
      }
    }
  }
};

// ---- Service ---------------------------------------------------------------------------------

Service::Service(const common::SnapshotPublisher<view::Catalog>& catalog, ServiceOptions options)
    : catalog_(catalog),
      options_(options),
      config_(std::make_shared<Config>()),
      rejection_log_(options_.rejection_logs_per_second),
      queue_(std::make_unique<UdpQueue>()),
      notifier_(std::make_unique<Notifier>()) {
  notifier_->options = options_;
  notifier_->stats = &stats_;
  watch_wake_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
}

Service::~Service() { stop(); }

Result<void> Service::start() {
  wake_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_.valid() || !watch_wake_.valid()) return make_error(std::string("xfr: eventfd: ") + std::strerror(errno));
  try {
    udp_thread_ = std::thread([this] {
      common::lower_thread_priority();
      udp_loop();
    });
    watch_thread_ = std::thread([this] {
      common::lower_thread_priority();
      watch_loop();
    });
  } catch (const std::exception& e) {
    stop();
    return make_error(std::string("xfr: cannot start its threads: ") + e.what());
  }
  return {};
}

void Service::stop() {
  stopping_ = true;
  const uint64_t one = 1;
  if (wake_.valid()) (void)!::write(wake_.get(), &one, sizeof one);
  if (watch_wake_.valid()) (void)!::write(watch_wake_.get(), &one, sizeof one);
  if (udp_thread_.joinable()) udp_thread_.join();
  if (watch_thread_.joinable()) watch_thread_.join();
}

void Service::set_config(std::shared_ptr<const Config> config) {
  common::MutexLock lock(mu_);
  has_incoming_.store(!config->incoming.empty(), std::memory_order_relaxed);
  config_ = std::move(config);
}

std::shared_ptr<const Config> Service::config() const {
  common::MutexLock lock(mu_);
  return config_;
}

Kind Service::kind(Kind k) const noexcept {
  // NOTIFY to a server without secondary zones: auth::answer's NOTIMP (unless signed).
  if (k == Kind::kNotify && !has_incoming_.load(std::memory_order_relaxed)) return Kind::kAnswer;
  return k;
}

std::unique_ptr<MessageStream> Service::tcp(std::span<const uint8_t> query, const sockaddr_storage& peer) {
  return handle(query, peer, true);
}

bool Service::udp(int fd, std::span<const uint8_t> query, const sockaddr_storage& peer, socklen_t peer_len,
                  const void* control, size_t control_len) noexcept {
  if (query.size() > kUdpQueryMax || control_len > kControlMax) return false;
  const bool ok = queue_->push([&](UdpQueue::Cell& c) {
    c.fd = fd;
    c.len = query.size();
    std::memcpy(c.data, query.data(), query.size());
    c.peer = peer;
    c.peer_len = peer_len;
    c.control_len = control_len;
    if (control_len > 0) std::memcpy(c.control, control, control_len);
  });
  if (!ok) {
    stats_.udp_dropped.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
  return true;
}

void Service::udp_loop() {
  while (!stopping_) {
    pollfd p{wake_.get(), POLLIN, 0};
    (void)::poll(&p, 1, 1000);
    uint64_t n = 0;
    (void)!::read(wake_.get(), &n, sizeof n);
    while (!stopping_ && queue_->pop([&](UdpQueue::Cell& c) {
      try {
        auto stream = handle(std::span<const uint8_t>(c.data, c.len), c.peer, false);
        auto msg = stream ? stream->next() : std::nullopt;
        if (!msg || msg->empty()) return;
        iovec iov{msg->data(), msg->size()};
        msghdr h{};
        h.msg_name = &c.peer;
        h.msg_namelen = c.peer_len;
        h.msg_iov = &iov;
        h.msg_iovlen = 1;
        if (c.control_len > 0) {
          h.msg_control = c.control;
          h.msg_controllen = c.control_len;
        }
        (void)::sendmsg(c.fd, &h, 0);
      } catch (const std::exception& e) {
        spdlog::error("xfr: udp request failed: {}", e.what());
      }
    })) {
    }
  }
}

bool Service::log_rejection() {
  const LogLimit::Pass p = rejection_log_.pass();
  if (p.suppressed > 0) {
    spdlog::warn("xfr: event=log-suppressed count={} (suppressed {} similar messages about rejected requests)",
                 p.suppressed, p.suppressed);
  }
  return p.log;
}

std::unique_ptr<MessageStream> Service::handle(std::span<const uint8_t> query, const sockaddr_storage& peer, bool tcp) {
  const std::string who = address_text(peer);
  if (query.size() < dns::kHeaderSize || query.size() > kMaxMessage) return single({});
  std::vector<uint8_t> wire(query.begin(), query.end());
  std::unique_ptr<knot_pkt_t, PktDeleter> pkt(knot_pkt_new(wire.data(), static_cast<uint16_t>(wire.size()), nullptr));
  if (!pkt) return single({});
  if (knot_pkt_parse(pkt.get(), 0) != KNOT_EOK || knot_wire_get_qdcount(pkt->wire) != 1) {
    if (log_rejection()) spdlog::info("xfr: event=malformed peer={} reason=\"cannot parse the request\"", who);
    return single(error_reply(query, rcode::kFormErr));
  }
  const auto cfg = config();
  // knot_pkt_parse stripped the TSIG RR from the wire (and decremented ARCOUNT).
  const std::span<const uint8_t> stripped(pkt->wire, pkt->size);
  TsigCheck check = check_request(pkt->tsig_rr, stripped, cfg->keys);
  if (check.status != TsigCheck::Status::kUnsigned && check.status != TsigCheck::Status::kOk) {
    stats_.tsig_errors++;
    if (log_rejection()) spdlog::warn("xfr: event=tsig-rejected peer={} key={} error={}", who, check.key_name, check.text());
    auto reply = error_reply(stripped, rcode::kNotAuth);
    if (check.status == TsigCheck::Status::kBadTime && check.key) {
      Signer s(check.key, check.mac);
      if (auto r = s.sign(reply, tsig_error::kBadTime, check.time_signed); !r) spdlog::error("xfr: {}", r.error().message);
    } else if (auto r = add_unsigned_tsig(reply, pkt->tsig_rr, check.error()); !r) {
      spdlog::error("xfr: {}", r.error().message);
    }
    return single(std::move(reply));
  }
  Signer signer(check.status == TsigCheck::Status::kOk ? check.key : nullptr, check.mac);
  auto signed_reply = [&](std::vector<uint8_t> msg) {
    if (auto r = signer.sign(msg); !r) {
      spdlog::error("xfr: {}", r.error().message);
      return single({});
    }
    return single(std::move(msg));
  };

  const uint16_t qtype = knot_pkt_qtype(pkt.get());
  const uint8_t opcode = knot_wire_get_opcode(pkt->wire);
  if (opcode == KNOT_OPCODE_NOTIFY && !cfg->incoming.empty()) {
    // NOTIFY in (RFC 1996 §3.7): from a primary of a secondary zone, with its key if it has one.
    const std::string apex = lower_wire(knot_pkt_qname(pkt.get()));
    const std::string zone_text = dns::name_to_text(apex);
    auto it = cfg->incoming.find(apex);
    if (it == cfg->incoming.end()) {
      metrics::Ops::global().notify(metrics::Direction::kIn, metrics::Outcome::kFailure);
      if (log_rejection()) {
        spdlog::warn("xfr: event=notify-refused zone={} peer={} rcode=NOTAUTH reason=\"not a secondary zone here\"",
                     zone_text, who);
      }
      return signed_reply(error_reply(stripped, rcode::kNotAuth));
    }
    std::string why = "not one of the zone's primaries";
    bool ok = false;
    for (const Peer& p : it->second.primaries) {
      if (!p.address.contains(peer)) continue;
      if (!p.key || (check.key && check.key->name_wire() == p.key->name_wire())) {
        ok = true;
        break;
      }
      why = "primary " + p.name + " must sign with key " + p.key->name();
    }
    if (!ok) {
      metrics::Ops::global().notify(metrics::Direction::kIn, metrics::Outcome::kFailure);
      if (log_rejection()) {
        spdlog::warn("xfr: event=notify-refused zone={} peer={} rcode=REFUSED reason=\"{}\"", zone_text, who, why);
      }
      return signed_reply(error_reply(stripped, rcode::kRefused));
    }
    metrics::Ops::global().notify(metrics::Direction::kIn, metrics::Outcome::kSuccess);
    spdlog::info("xfr: event=notify-in zone={} peer={}", zone_text, who);
    if (options_.on_notify) options_.on_notify(apex);
    auto reply = error_reply(stripped, rcode::kNoError);
    if (reply.size() > 2) reply[2] |= 0x04;  // AA
    return signed_reply(std::move(reply));
  }
  if (opcode != KNOT_OPCODE_QUERY || (qtype != rrtype::kAXFR && qtype != rrtype::kIXFR) ||
      (!tcp && qtype == rrtype::kAXFR)) {
    // A signed ordinary query (or NOTIFY, or AXFR over UDP): the answer engine answers, we sign.
    size_t limit = auth::kMaxResponse;
    if (!tcp) {
      limit = dns::kMinUdpPayload;
      if (pkt->opt_rr != nullptr) {
        limit = std::clamp<size_t>(knot_edns_get_payload(pkt->opt_rr), dns::kMinUdpPayload, dns::kMaxUdpPayload);
      }
    }
    std::vector<uint8_t> out(auth::kMaxResponse);
    const auto snap = catalog_.current();
    const size_t n = auth::answer(*snap, stripped, std::span<uint8_t>(out.data(), limit - signer.reserve()),
                                  tcp ? auth::Transport::kTcp : auth::Transport::kUdp);
    if (n == 0) return single({});
    out.resize(n);
    return signed_reply(std::move(out));
  }

  // A zone transfer.
  const std::string apex = lower_wire(knot_pkt_qname(pkt.get()));
  const std::string zone_text = dns::name_to_text(apex);
  const char* kind = qtype == rrtype::kAXFR ? "AXFR" : "IXFR";
  const std::string key_text = check.key ? check.key->name() : std::string("-");
  const auto snap = catalog_.current();
  const std::shared_ptr<const view::ZoneView> zone = snap->zone(apex);
  if (knot_pkt_qclass(pkt.get()) != dns::rrclass::kIN || zone == nullptr) {
    stats_.refused++;
    metrics::Ops::global().transfer(metrics::Direction::kOut, metrics::Outcome::kFailure);
    if (log_rejection()) {
      spdlog::warn("xfr: event=xfr-refused type={} zone={} peer={} key={} rcode=NOTAUTH reason=\"not authoritative\"",
                   kind, zone_text, who, key_text);
    }
    return signed_reply(error_reply(stripped, rcode::kNotAuth));
  }
  const AclDecision acl = check_transfer(*cfg, apex, peer, check.key.get());
  if (!acl.allowed) {
    stats_.refused++;
    metrics::Ops::global().transfer(metrics::Direction::kOut, metrics::Outcome::kFailure);
    if (log_rejection()) {
      spdlog::warn("xfr: event=xfr-refused type={} zone={} peer={} key={} rcode=REFUSED reason=\"{}\"", kind, zone_text,
                   who, key_text, acl.reason);
    }
    return signed_reply(error_reply(stripped, rcode::kRefused));
  }
  const size_t qend = question_end(stripped);
  const std::string question(reinterpret_cast<const char*>(stripped.data()) + dns::kHeaderSize, qend - dns::kHeaderSize);
  const uint16_t id = knot_wire_get_id(pkt->wire);
  const uint16_t flags = static_cast<uint16_t>(0x8000 | dns::flag::kAA | (stripped[2] & 0x01) << 8);
  const uint32_t serial = zone->serial();
  const std::string soa = soa_rdata(*zone);

  auto soa_only = [&]() {
    MessageWriter w(id, flags, question, apex, kMaxMessage);
    w.add(apex, rrtype::kSOA, zone->soa().ttl, soa);
    return signed_reply(w.take());
  };
  auto full = [&](const char* what) -> std::unique_ptr<MessageStream> {
    // A zone signed online: its NSEC chain goes with it (xfr/nsec_chain.h).
    std::vector<Rr> chain;
    if (zone->signing() != nullptr && options_.signed_zones != nullptr) {
      auto c = options_.signed_zones->chain_records(*zone, unix_now());
      if (!c) {
        spdlog::error("xfr: event=xfr-failed type={} zone={} peer={} reason=\"{}\"", what, zone_text, who,
                      c.error().message);
        return signed_reply(error_reply(stripped, rcode::kServFail));
      }
      chain = std::move(*c);
    }
    const std::string label = std::string(what) + " zone=" + zone_text + " serial=" + std::to_string(serial) + " peer=" + who;
    metrics::Ops::global().transfer(metrics::Direction::kOut, metrics::Outcome::kSuccess);
    spdlog::info("xfr: event=xfr-out type={} zone={} serial={} peer={} key={}", what, zone_text, serial, who, key_text);
    return std::make_unique<TransferStream>(snap, std::make_unique<ViewSource>(*zone, std::move(chain)), id, flags,
                                            question, apex, std::move(signer), label);
  };

  if (qtype == rrtype::kAXFR) {
    stats_.axfr++;
    return full("AXFR");
  }
  // IXFR: the client's serial is in the SOA of the authority section (RFC 1995 §3).
  const knot_pktsection_t* auth_sec = knot_pkt_section(pkt.get(), KNOT_AUTHORITY);
  std::optional<uint32_t> client;
  for (uint16_t i = 0; auth_sec != nullptr && i < auth_sec->count; ++i) {
    const knot_rrset_t* rr = knot_pkt_rr(auth_sec, i);
    if (rr->type == rrtype::kSOA && rr->rrs.count > 0) client = knot_soa_serial(rr->rrs.rdata);
  }
  if (!client) {
    spdlog::info("xfr: event=malformed type=IXFR zone={} peer={} reason=\"no SOA in the authority section\"", zone_text, who);
    return signed_reply(error_reply(stripped, rcode::kFormErr));
  }
  if (!serial_newer(serial, *client)) {
    metrics::Ops::global().transfer(metrics::Direction::kOut, metrics::Outcome::kSuccess);
    spdlog::info("xfr: event=xfr-out type=IXFR zone={} serial={} peer={} client_serial={} (up to date: SOA only)", zone_text,
                 serial, who, *client);
    return soa_only();
  }
  std::vector<Diff> diffs;
  if (options_.journal != nullptr) {
    auto all = options_.journal->load(apex);
    if (!all) {
      spdlog::error("xfr: journal of {}: {}", zone_text, all.error().message);
    } else {
      diffs = chain(std::move(*all), *client, serial);
    }
  }
  if (diffs.empty()) {
    if (!tcp) {
      metrics::Ops::global().transfer(metrics::Direction::kOut, metrics::Outcome::kSuccess);
      spdlog::info("xfr: event=xfr-out type=IXFR zone={} serial={} peer={} client_serial={} (udp, not in the journal: SOA only)",
                   zone_text, serial, who, *client);
      return soa_only();
    }
    stats_.ixfr_as_axfr++;
    spdlog::info("xfr: IXFR from {} for zone={}: serial {} is not in the journal, full transfer", who, zone_text, *client);
    return full("IXFR-AXFR");
  }
  // Condensed delta sequences: SOA(new), then per diff SOA(from) removed... SOA(to) added..., SOA(new).
  std::vector<Rr> rrs;
  rrs.push_back(Rr{apex, rrtype::kSOA, zone->soa().ttl, soa});
  for (Diff& d : diffs) {
    for (Rr& r : d.removed) rrs.push_back(std::move(r));
    for (Rr& r : d.added) rrs.push_back(std::move(r));
  }
  rrs.push_back(Rr{apex, rrtype::kSOA, zone->soa().ttl, soa});
  stats_.ixfr++;
  metrics::Ops::global().transfer(metrics::Direction::kOut, metrics::Outcome::kSuccess);
  spdlog::info("xfr: event=xfr-out type=IXFR zone={} serial={} peer={} key={} client_serial={} diffs={} rrs={}", zone_text,
               serial, who, key_text, *client, diffs.size(), rrs.size());
  if (!tcp) {
    // Over UDP only when the whole reply fits one datagram (RFC 1995 §2).
    size_t limit = dns::kMinUdpPayload;
    if (pkt->opt_rr != nullptr) {
      limit = std::clamp<size_t>(knot_edns_get_payload(pkt->opt_rr), dns::kMinUdpPayload, dns::kMaxUdpPayload);
    }
    MessageWriter w(id, flags, question, apex, limit - signer.reserve());
    for (const Rr& r : rrs) {
      if (!w.add(r.owner, r.type, r.ttl, r.rdata)) return soa_only();
    }
    return signed_reply(w.take());
  }
  const std::string label = "IXFR zone=" + zone_text + " serial=" + std::to_string(serial) + " peer=" + who;
  return std::make_unique<TransferStream>(snap, std::make_unique<ListSource>(std::move(rrs)), id, flags, question, apex,
                                          std::move(signer), label);
}

// ---- after a publish -------------------------------------------------------------------------

void Service::published(std::shared_ptr<const view::Catalog> catalog) {
  {
    common::MutexLock lock(published_mu_);
    published_ = std::move(catalog);
  }
  const uint64_t one = 1;
  if (watch_wake_.valid()) (void)!::write(watch_wake_.get(), &one, sizeof one);
}

void Service::serving() {
  {
    common::MutexLock lock(published_mu_);
    serving_ = true;
  }
  const uint64_t one = 1;
  if (watch_wake_.valid()) (void)!::write(watch_wake_.get(), &one, sizeof one);
}

void Service::watch_loop() {
  {
    // What is served now (newer than anything handed over before the start).
    common::MutexLock lock(published_mu_);
    published_ = catalog_.current();
  }
  while (!stopping_) {
    try {
      std::shared_ptr<const view::Catalog> next;
      {
        // Held until serving() when asked to: the newest catalog is kept meanwhile.
        common::MutexLock lock(published_mu_);
        if (serving_ || !options_.notify_when_serving) next = std::move(published_);
      }
      if (next) on_publish(*next);
      notifier_->receive();
      notifier_->tick();
    } catch (const std::exception& e) {
      spdlog::error("xfr: watcher: {}", e.what());
    }
    std::vector<pollfd> fds = notifier_->poll_fds();
    fds.push_back(pollfd{watch_wake_.get(), POLLIN, 0});
    (void)::poll(fds.data(), static_cast<nfds_t>(fds.size()), static_cast<int>(options_.watch_interval.count()));
    uint64_t count = 0;
    (void)!::read(watch_wake_.get(), &count, sizeof count);
  }
}

void Service::on_publish(const view::Catalog& next) {
  const auto cfg = config();
  std::map<std::string, std::shared_ptr<const view::ZoneView>> now;
  for (const auto& z : next.zones()) {
    const std::string apex(z->apex());
    now[apex] = z;
    auto it = seen_.find(apex);
    if (it != seen_.end() && it->second->serial() == z->serial()) continue;
    if (auto o = cfg->outgoing.find(apex); o != cfg->outgoing.end() && !o->second.peers.empty()) {
      spdlog::info("xfr: event=notify zone={} serial={} peers={}", dns::name_to_text(apex), z->serial(), o->second.peers.size());
      notifier_->queue(*z, o->second, cfg->notify_source);
    }
  }
  seen_ = std::move(now);
}

}  // namespace dnsedge::xfr
