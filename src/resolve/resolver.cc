#include "resolve/resolver.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <filesystem>
#include <future>
#include <limits>
#include <span>
#include <thread>
#include <unordered_map>
#include <utility>

#include <unbound.h>

#include "common/mutex.h"
#include "common/thread_priority.h"
#include "common/unique_fd.h"
#include "dns/name.h"
#include "dns/types.h"

extern "C" {
#include <libknot/libknot.h>
}

namespace dnsedge::resolve {

namespace {

using SteadyClock = std::chrono::steady_clock;

Error err(ErrorCode code, std::string message) {
  return make_error(std::move(message), static_cast<int>(code));
}

Result<uint16_t> parse_port(std::string_view s, std::string_view whole) {
  unsigned v = 0;
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || p != end || v == 0 || v > 65535) {
    return err(ErrorCode::kBadOption, "bad port in upstream '" + std::string(whole) + "'");
  }
  return static_cast<uint16_t>(v);
}

bool is_ip(std::string_view addr, int family) {
  const std::string a(addr);
  unsigned char buf[16];
  return inet_pton(family, a.c_str(), buf) == 1;
}

// Writes `text` to a private temporary file and hands it to ub_ctx_config(): forward-zone
// options such as forward-no-cache have no ub_ctx_set_*() equivalent.
Result<void> apply_config_text(ub_ctx* ctx, const std::string& text) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  std::string path = (dir / "dnsedge-unbound-XXXXXX").string();
  common::UniqueFd fd(::mkstemp(path.data()));
  if (!fd.valid()) {
    return err(ErrorCode::kUnbound, "cannot create unbound config file in " + dir.string() + ": " +
                                        std::strerror(errno));
  }
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::unlink(path.c_str());
      return err(ErrorCode::kUnbound, "cannot write unbound config file " + path);
    }
    off += static_cast<size_t>(n);
  }
  fd.reset();
  const int r = ub_ctx_config(ctx, path.c_str());
  ::unlink(path.c_str());
  if (r != 0) return err(ErrorCode::kBadOption, std::string("unbound config: ") + ub_strerror(r));
  return {};
}

Result<void> set_option(ub_ctx* ctx, const char* option, const std::string& value) {
  const int r = ub_ctx_set_option(ctx, option, value.c_str());
  if (r != 0) {
    return err(ErrorCode::kBadOption,
               std::string("unbound option ") + option + " " + value + ": " + ub_strerror(r));
  }
  return {};
}

// Follows CNAMEs from `qname` through `records` (at most 32 steps, so a loop ends).
std::string chain_end(const std::string& qname, const std::vector<dns::ZoneRecord>& records) {
  std::string cur = qname;
  for (int step = 0; step < 32; ++step) {
    const auto it = std::find_if(records.begin(), records.end(), [&](const dns::ZoneRecord& r) {
      return r.type == dns::rrtype::kCNAME && r.owner == cur;
    });
    if (it == records.end()) break;
    cur = it->rdata;
  }
  return cur;
}

// The answer section of `packet` as ZoneRecords. knot_pkt_parse() decompresses names and
// lowercases owners and the names in rdata of the RFC 4034 §6.2 types.
Result<std::vector<dns::ZoneRecord>> parse_answer_section(const void* packet, int len) {
  if (packet == nullptr || len <= 0) return std::vector<dns::ZoneRecord>{};
  if (len > std::numeric_limits<uint16_t>::max()) {
    return err(ErrorCode::kBadAnswer, "answer packet too large");
  }
  std::vector<uint8_t> wire(static_cast<const uint8_t*>(packet),
                            static_cast<const uint8_t*>(packet) + len);
  knot_pkt_t* pkt = knot_pkt_new(wire.data(), static_cast<uint16_t>(wire.size()), nullptr);
  if (pkt == nullptr) return err(ErrorCode::kBadAnswer, "out of memory parsing the answer");
  std::vector<dns::ZoneRecord> out;
  const int r = knot_pkt_parse(pkt, 0);
  if (r != KNOT_EOK) {
    knot_pkt_free(pkt);
    return err(ErrorCode::kBadAnswer, std::string("answer packet: ") + knot_strerror(r));
  }
  const knot_pktsection_t* an = knot_pkt_section(pkt, KNOT_ANSWER);
  for (uint16_t i = 0; i < an->count; ++i) {
    const knot_rrset_t* rr = knot_pkt_rr(an, i);
    const size_t owner_len = knot_dname_size(rr->owner);
    knot_rdata_t* rd = rr->rrs.rdata;
    for (uint16_t j = 0; j < rr->rrs.count; ++j) {
      dns::ZoneRecord rec;
      rec.owner.assign(reinterpret_cast<const char*>(rr->owner), owner_len);
      for (auto& c : rec.owner) c = static_cast<char>(dns::ascii_lower(static_cast<uint8_t>(c)));
      rec.type = rr->type;
      rec.rclass = rr->rclass;
      rec.ttl = rr->ttl;
      rec.rdata.assign(reinterpret_cast<const char*>(rd->data), rd->len);
      out.push_back(std::move(rec));
      rd = knot_rdataset_next(rd);
    }
  }
  knot_pkt_free(pkt);
  return out;
}

}  // namespace

Result<std::string> unbound_forward_addr(std::string_view upstream) {
  std::string_view addr = upstream;
  std::string_view port;
  int family = AF_INET;
  if (!upstream.empty() && upstream.front() == '[') {
    const size_t close = upstream.find(']');
    if (close == std::string_view::npos) {
      return err(ErrorCode::kBadOption, "missing ']' in upstream '" + std::string(upstream) + "'");
    }
    addr = upstream.substr(1, close - 1);
    std::string_view rest = upstream.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return err(ErrorCode::kBadOption, "bad upstream '" + std::string(upstream) + "'");
      }
      port = rest.substr(1);
      if (port.empty()) return err(ErrorCode::kBadOption, "bad port in upstream '" + std::string(upstream) + "'");
    }
    family = AF_INET6;
  } else if (std::count(upstream.begin(), upstream.end(), ':') > 1) {
    family = AF_INET6;  // bare IPv6 literal, port 53
  } else if (const size_t colon = upstream.find(':'); colon != std::string_view::npos) {
    addr = upstream.substr(0, colon);
    port = upstream.substr(colon + 1);
    if (port.empty()) return err(ErrorCode::kBadOption, "bad port in upstream '" + std::string(upstream) + "'");
  }
  if (!is_ip(addr, family)) {
    return err(ErrorCode::kBadOption,
               "upstream '" + std::string(upstream) + "' is not an IP address (ADDR[:PORT], [V6]:PORT)");
  }
  uint16_t p = 53;
  if (!port.empty()) {
    auto pr = parse_port(port, upstream);
    if (!pr) return pr.error();
    p = *pr;
  }
  return std::string(addr) + "@" + std::to_string(p);
}

Result<std::string> to_wire_name(std::string_view name) {
  if (!name.empty() && name.back() == '\0') {
    uint8_t buf[dns::kMaxNameLen];
    size_t pos = 0;
    const std::span<const uint8_t> msg(dns::as_bytes(name), name.size());
    const size_t len = dns::read_name(msg, &pos, buf, /*lower=*/true);
    // A wire name has no compression pointers here and must fill `name` exactly.
    if (len != 0 && pos == name.size() && len == name.size()) return std::string(dns::as_view(buf, len));
    return err(ErrorCode::kBadName, "malformed wire-form name");
  }
  auto w = dns::name_from_text(name, std::string_view("\0", 1));
  if (!w) return err(ErrorCode::kBadName, w.error().message);
  return std::move(w).value();
}

std::vector<std::string> Answer::rdata(uint16_t type) const {
  std::vector<std::string> out;
  for (const auto& r : records) {
    if (r.type == type && r.owner == canonical_name) out.push_back(r.rdata);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

struct Resolver::Impl {
  // Handed to libunbound as the callback argument. Owned by `tokens`, released when the
  // callback ran, when ub_cancel() succeeded, or with the Impl.
  struct Token {
    Impl* impl;
    uint64_t id;
  };
  struct Pending {
    Callback callback;
    std::string qname;  // wire
    uint16_t qtype = 0;
    int async_id = 0;   // 0 until ub_resolve_async() returned
    SteadyClock::time_point deadline;
  };

  ub_ctx* ctx = nullptr;
  common::UniqueFd wake;  // eventfd: new work or stop
  std::chrono::milliseconds timeout{};
  std::thread thread;
  std::atomic<std::thread::id> thread_id{};

  mutable common::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  uint64_t next_id ABSL_GUARDED_BY(mu) = 1;
  std::unordered_map<uint64_t, Pending> pending ABSL_GUARDED_BY(mu);
  std::unordered_map<uint64_t, std::unique_ptr<Token>> tokens ABSL_GUARDED_BY(mu);

  std::atomic<uint64_t> n_lookups{0}, n_answers{0}, n_servfail{0}, n_timeouts{0}, n_errors{0};

  ~Impl() {
    if (ctx != nullptr) ub_ctx_delete(ctx);  // joins libunbound's own thread
  }

  void notify() const {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake.get(), &one, sizeof one);
  }

  static void on_ub_result(void* mydata, int error, ub_result* result) {
    auto* token = static_cast<Token*>(mydata);
    token->impl->finish(token->id, error, result);
  }

  void deliver(Callback& cb, Result<Answer> r) {
    if (r) {
      n_answers.fetch_add(1, std::memory_order_relaxed);
      if (r->rcode == dns::rcode::kServFail) n_servfail.fetch_add(1, std::memory_order_relaxed);
    } else if (has_code(r.error(), ErrorCode::kTimeout)) {
      n_timeouts.fetch_add(1, std::memory_order_relaxed);
    } else {
      n_errors.fetch_add(1, std::memory_order_relaxed);
    }
    // Thread boundary (style rule 5): whatever a callback throws stops here.
    try {
      cb(std::move(r));
    } catch (const std::exception&) {
    } catch (...) {
    }
  }

  // Runs inside ub_process(), on the Resolver's thread.
  void finish(uint64_t id, int error, ub_result* result) {
    Pending p;
    {
      common::MutexLock lock(mu);
      tokens.erase(id);  // `token` is gone from here on
      auto it = pending.find(id);
      if (it == pending.end()) {  // timed out or shut down meanwhile
        if (result != nullptr) ub_resolve_free(result);
        return;
      }
      p = std::move(it->second);
      pending.erase(it);
    }
    deliver(p.callback, build(p, error, result));
    if (result != nullptr) ub_resolve_free(result);
  }

  static Result<Answer> build(const Pending& p, int error, const ub_result* result) {
    if (error != 0) return err(ErrorCode::kUnbound, std::string("unbound: ") + ub_strerror(error));
    if (result == nullptr) return err(ErrorCode::kUnbound, "unbound: no result");
    Answer a;
    a.qname = p.qname;
    a.qtype = p.qtype;
    a.rcode = result->rcode;
    a.secure = result->secure != 0;
    a.bogus = result->bogus != 0;
    if (result->why_bogus != nullptr) a.why_bogus = result->why_bogus;
    auto records = parse_answer_section(result->answer_packet, result->answer_len);
    if (!records) return records.error();
    a.records = std::move(records).value();
    if (a.records.empty()) {
      a.min_ttl = result->ttl > 0 ? static_cast<uint32_t>(result->ttl) : 0;
    } else {
      a.min_ttl = std::numeric_limits<uint32_t>::max();
      for (const auto& r : a.records) a.min_ttl = std::min(a.min_ttl, r.ttl);
    }
    a.canonical_name = chain_end(a.qname, a.records);
    return a;
  }

  // Cancels the lookups whose deadline passed (or all, when `all`) and delivers `code`.
  void expire(SteadyClock::time_point now, bool all) {
    std::vector<Pending> done;
    {
      common::MutexLock lock(mu);
      for (auto it = pending.begin(); it != pending.end();) {
        if (all || it->second.deadline <= now) {
          if (it->second.async_id != 0 && ub_cancel(ctx, it->second.async_id) == UB_NOERROR) {
            tokens.erase(it->first);  // libunbound will not call back for it
          }
          done.push_back(std::move(it->second));
          it = pending.erase(it);
        } else {
          ++it;
        }
      }
    }
    const std::string what = all ? "resolver shut down" : "timed out after " +
                                                             std::to_string(timeout.count()) + " ms";
    for (auto& p : done) {
      deliver(p.callback, err(all ? ErrorCode::kShutdown : ErrorCode::kTimeout,
                              dns::name_to_text(p.qname) + " " + dns::type_to_string(p.qtype) +
                                  ": " + what));
    }
  }

  void run() {
    thread_id.store(std::this_thread::get_id());
    int ub = ub_fd(ctx);
    for (;;) {
      int wait_ms = -1;
      {
        common::MutexLock lock(mu);
        if (stopping) break;
        if (!pending.empty()) {
          auto first = SteadyClock::time_point::max();
          for (const auto& [id, p] : pending) first = std::min(first, p.deadline);
          const auto left =
              std::chrono::ceil<std::chrono::milliseconds>(first - SteadyClock::now()).count();
          wait_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
        }
      }
      pollfd fds[2] = {{ub, POLLIN, 0}, {wake.get(), POLLIN, 0}};
      const int n = ::poll(fds, 2, wait_ms);
      if (n > 0 && (fds[1].revents & POLLIN) != 0) {
        uint64_t v;
        [[maybe_unused]] ssize_t r = ::read(wake.get(), &v, sizeof v);
      }
      if (n > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) != 0) {
        if (ub_process(ctx) != 0 && (fds[0].revents & POLLIN) == 0) {
          // libunbound's result pipe broke: no answer can come any more. Stop polling it;
          // lookups end by their deadlines.
          ub = -1;
        }
      }
      expire(SteadyClock::now(), /*all=*/false);
    }
    expire(SteadyClock::now(), /*all=*/true);
  }
};

Resolver::Resolver(ResolverOptions options, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), impl_(std::move(impl)) {}

Resolver::~Resolver() {
  if (!impl_) return;
  {
    common::MutexLock lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->notify();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<Resolver>> Resolver::create(const ResolverOptions& options) {
  if (options.timeout.count() <= 0) return err(ErrorCode::kBadOption, "resolver timeout must be positive");
  if (options.down_retry.count() <= 0) return err(ErrorCode::kBadOption, "resolver down_retry must be positive");
  std::vector<std::string> fwd;
  for (const auto& u : options.upstreams) {
    auto a = unbound_forward_addr(u);
    if (!a) return a.error();
    fwd.push_back(std::move(a).value());
  }

  auto impl = std::make_unique<Impl>();
  impl->timeout = options.timeout;
  impl->ctx = ub_ctx_create();
  if (impl->ctx == nullptr) return err(ErrorCode::kUnbound, "ub_ctx_create failed");
  ub_ctx* ctx = impl->ctx;

  // Resolve in a thread of this process (the default is a forked helper process).
  if (int r = ub_ctx_async(ctx, 1); r != 0) {
    return err(ErrorCode::kUnbound, std::string("ub_ctx_async: ") + ub_strerror(r));
  }
  if (!fwd.empty()) {
    // RFC 1034 §5.3.1 resolver → forwarder: all names, only these servers, never our own cache.
    std::string conf = "forward-zone:\n  name: \".\"\n";
    for (const auto& f : fwd) conf += "  forward-addr: " + f + "\n";
    conf += "  forward-first: no\n  forward-no-cache: yes\n";
    if (auto r = apply_config_text(ctx, conf); !r) return r.error();
  }
  const std::pair<const char*, std::string> opts[] = {
      {"do-not-query-localhost:", "no"},     // loopback forwarders (and test servers) allowed
      {"module-config:", "iterator"},        // no validator: no trust anchors, no DNSSEC checks
      {"infra-host-ttl:", std::to_string(options.down_retry.count())},
      {"infra-keep-probing:", "yes"},
      {"infra-cache-max-rtt:", std::to_string(std::max<int64_t>(options.timeout.count(), 100))},
      {"tcp-upstream:", options.use_tcp ? "yes" : "no"},
      {"verbosity:", "0"},
      {"use-syslog:", "no"},
  };
  for (const auto& [k, v] : opts) {
    if (auto r = set_option(ctx, k, v); !r) return r.error();
  }

  const int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) return err(ErrorCode::kUnbound, std::string("eventfd: ") + std::strerror(errno));
  impl->wake.reset(efd);

  Impl* raw = impl.get();
  try {
    raw->thread = std::thread([raw] {
      common::lower_thread_priority();
      raw->run();
    });
  } catch (const std::system_error& e) {
    return err(ErrorCode::kUnbound, std::string("cannot start resolver thread: ") + e.what());
  }
  return std::unique_ptr<Resolver>(new Resolver(options, std::move(impl)));
}

Result<void> Resolver::resolve_async(std::string_view name, uint16_t type, Callback callback) {
  auto wire = to_wire_name(name);
  if (!wire) return wire.error();
  const std::string text = dns::name_to_text(*wire);
  Impl& m = *impl_;
  uint64_t id;
  Impl::Token* token;
  {
    common::MutexLock lock(m.mu);
    if (m.stopping) return err(ErrorCode::kShutdown, "resolver shut down");
    id = m.next_id++;
    auto t = std::make_unique<Impl::Token>(Impl::Token{&m, id});
    token = t.get();
    m.tokens.emplace(id, std::move(t));
    m.pending.emplace(id, Impl::Pending{std::move(callback), std::move(wire).value(), type, 0,
                                        SteadyClock::now() + m.timeout});
  }
  m.n_lookups.fetch_add(1, std::memory_order_relaxed);
  int async_id = 0;
  const int r = ub_resolve_async(m.ctx, text.c_str(), type, dns::rrclass::kIN, token,
                                 &Impl::on_ub_result, &async_id);
  {
    common::MutexLock lock(m.mu);
    if (r != 0) {
      m.tokens.erase(id);
      m.pending.erase(id);
      m.n_lookups.fetch_sub(1, std::memory_order_relaxed);
      return err(ErrorCode::kUnbound, std::string("ub_resolve_async: ") + ub_strerror(r));
    }
    if (auto it = m.pending.find(id); it != m.pending.end()) it->second.async_id = async_id;
  }
  m.notify();  // recompute the poll timeout with this deadline
  return {};
}

Result<Answer> Resolver::resolve(std::string_view name, uint16_t type) {
  if (std::this_thread::get_id() == impl_->thread_id.load()) {
    return err(ErrorCode::kBadUse, "Resolver::resolve() called from a resolver callback");
  }
  auto promise = std::make_shared<std::promise<Result<Answer>>>();
  auto future = promise->get_future();
  auto started = resolve_async(name, type, [promise](Result<Answer> r) {
    promise->set_value(std::move(r));
  });
  if (!started) return started.error();
  return future.get();  // the Resolver's thread ends every lookup by its deadline
}

Resolver::Stats Resolver::stats() const {
  Stats s;
  s.lookups = impl_->n_lookups.load(std::memory_order_relaxed);
  s.answers = impl_->n_answers.load(std::memory_order_relaxed);
  s.servfail = impl_->n_servfail.load(std::memory_order_relaxed);
  s.timeouts = impl_->n_timeouts.load(std::memory_order_relaxed);
  s.errors = impl_->n_errors.load(std::memory_order_relaxed);
  common::MutexLock lock(impl_->mu);
  s.in_flight = impl_->pending.size();
  return s;
}

}  // namespace dnsedge::resolve
